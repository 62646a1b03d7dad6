"""The review app's security, in one place:

- every page is escaped (autoescape on; nothing a study or a reviewer wrote is marked safe);
- a Content-Security-Policy allows no script at all, inline or not: the app needs none;
- every POST checks the session's CSRF token (`checked_form`); the session is a signed,
  SameSite=Strict cookie, also Secure when the app is served beyond loopback;
- with a token (required when bound beyond loopback) every request needs it: a login form puts
  it in the session, or a client sends `Authorization: Bearer TOKEN`;
- wrong tokens are throttled per client address (`LoginThrottle`): after a few within a window
  that address is refused, right token or not, until the window has passed.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
OPEN_PATHS = ("/login", "/static/")


class CsrfError(Exception):
    """A POST without this session's CSRF token."""


def same(sent: object, expected: str | None) -> bool:
    """A constant-time comparison that any text can go through (hmac refuses non-ASCII str)."""
    if not isinstance(sent, str) or not expected:
        return False
    return hmac.compare_digest(_utf8(sent), _utf8(expected))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@dataclass
class LoginThrottle:
    """Wrong tokens per client: after `limit` of them within `window` seconds the client is
    refused until the oldest of them is `window` old. `clock` is injectable for tests."""

    limit: int = 5
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    max_clients: int = 10_000  # memory stays bounded whoever knocks
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, client: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def wait(self, client: str) -> int:
        """Seconds before this client may try again; 0 when it may now."""
        failures = self._recent(client)
        if len(failures) < self.limit:
            return 0
        return max(1, math.ceil(failures[0] + self.window - self.clock()))

    def failed(self, client: str) -> None:
        failures = self._recent(client)
        if client not in self._failures and len(self._failures) >= self.max_clients:
            self._failures.pop(next(iter(self._failures)))
        failures.append(self.clock())
        self._failures[client] = failures

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(wait: int) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return f"Too many wrong tokens from your address; try again in {minutes} min."


def bearer_ok(request: Request) -> bool:
    token: str | None = request.app.state.token
    header = request.headers.get("authorization", "")
    scheme, _, sent = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and same(sent, token)


def signed_in(request: Request) -> bool:
    return not request.app.state.token or bool(request.session.get("auth")) or bearer_ok(request)


class Guard(BaseHTTPMiddleware):
    """Asks for the token when one is set, and adds the security headers to every response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = self._refusal(request) or await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @staticmethod
    def _refusal(request: Request) -> Response | None:
        if not request.app.state.token:
            return None
        throttle: LoginThrottle = request.app.state.throttle
        scheme = request.headers.get("authorization", "").partition(" ")[0]
        if scheme.lower() == "bearer":
            # A bearer token is a guess like a login form's, and is throttled the same way
            # (another scheme, say a proxy's Basic credentials, is no guess at ours).
            wait = throttle.wait(client_of(request))
            if wait:
                return PlainTextResponse(too_many(wait), 429, {"Retry-After": str(wait)})
            if not bearer_ok(request):
                throttle.failed(client_of(request))
        if signed_in(request) or request.url.path.startswith(OPEN_PATHS):
            return None
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return PlainTextResponse("Sign in first: this server needs its token.", 401)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token matches the session's (every POST handler calls
    this first). A client with the bearer token sends no cookie, so it cannot be forged."""
    form = await request.form(max_files=1, max_fields=40)
    if bearer_ok(request):
        return form
    expected = request.session.get("csrf")
    if not same(form.get("csrf"), str(expected) if expected else None):
        await form.close()
        raise CsrfError
    return form
