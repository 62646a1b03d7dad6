"""The review app's security, in one place:

- every page is escaped (autoescape on; nothing a study or a reviewer wrote is marked safe);
- a Content-Security-Policy allows no script at all, inline or not: the app needs none;
- every POST checks the session's CSRF token (`checked_form`); the session is a signed,
  SameSite=Strict cookie, also Secure when the app is served beyond loopback;
- with a token (required when bound beyond loopback) every request needs it: a login form puts
  it in the session, or a client sends `Authorization: Bearer TOKEN`;
- wrong tokens are throttled per client address (`LoginThrottle`): after a few within a window
  that address is refused, right token or not, until the window has passed;
- the JSON API (`/api/`, api.py) takes only `Authorization: Bearer TOKEN` (`api_token`, else
  the server's token), never the session cookie, and is off while neither is set; its
  refusals are JSON, and its wrong tokens count in the same throttle.

And how every handler answers, so each page goes through the same escaping and CSRF token:
server-rendered Jinja2 pages (`render`), flashed messages, and store work run off the event
loop (`with_store`). Routes and the app use these; this module imports neither.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from pipeline.settings import Settings
from pipeline.store import Store

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
        api = request.url.path.startswith("/api/")
        response = (api_refusal if api else self._refusal)(request) or await call_next(request)
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


API_SPEC = "/api/openapi.json"  # the description is public: it says how to ask, not what is in


def api_refusal(request: Request) -> Response | None:
    """None when an API request may go on, else the JSON answer refusing it."""
    if request.url.path == API_SPEC:
        return None
    throttle: LoginThrottle = request.app.state.throttle
    client = client_of(request)
    wait = throttle.wait(client)
    if wait:
        return JSONResponse({"error": too_many(wait)}, 429, {"Retry-After": str(wait)})
    token: str | None = request.app.state.settings.api_token or request.app.state.token
    if not token:
        problem = "the API is off: set PLS_API_TOKEN (or serve with --token)"
        return JSONResponse({"error": problem}, 401, {"WWW-Authenticate": "Bearer"})
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and same(sent, token):
        return None
    if scheme.lower() == "bearer":
        throttle.failed(client)
    problem = "send the API token as Authorization: Bearer TOKEN"
    return JSONResponse({"error": problem}, 401, {"WWW-Authenticate": "Bearer"})


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


# -- answering: pages, flashed messages, store work off the loop ---------------------------

HERE = Path(__file__).parent
T = TypeVar("T")


MESSAGE_CHARS = 600


def one_line(message: str, limit: int = MESSAGE_CHARS) -> str:
    """A message as one bounded line: it may quote a 10,000-character id someone typed."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def flash(request: Request, message: str, level: str = "ok") -> None:
    request.session.setdefault("flash", []).append([level, message])


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    base = {
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "reviewer": request.session.get("reviewer", ""),
        "signed_in": bool(request.app.state.token) and signed_in(request),
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=headers
    )


async def with_store(request: Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(store, *args, **kwargs)` in a worker thread on its own connection: sqlite
    connections stay in the thread that made them, and a slow query must not stall the loop."""
    settings: Settings = request.app.state.settings

    def run() -> T:
        with Store(settings.database) as store:
            return work(store, *args, **kwargs)

    return await run_in_threadpool(run)


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # abstracts and drafts are untrusted text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
