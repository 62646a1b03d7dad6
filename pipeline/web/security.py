"""The review app's security, in one place:

- every page is escaped (autoescape on; nothing a study or a reviewer wrote is marked safe);
- a Content-Security-Policy allows no script at all, inline or not: the app needs none;
- every POST checks the session's CSRF token (`checked_form`); the session is a signed,
  SameSite=Strict cookie;
- with a token (required when bound beyond loopback) every request needs it: a login form puts
  it in the session, or a client sends `Authorization: Bearer TOKEN`.
"""

from __future__ import annotations

import hmac
import secrets
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


def bearer_ok(request: Request) -> bool:
    token: str | None = request.app.state.token
    header = request.headers.get("authorization", "")
    scheme, _, sent = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(sent, token or "")


def signed_in(request: Request) -> bool:
    return not request.app.state.token or bool(request.session.get("auth")) or bearer_ok(request)


class Guard(BaseHTTPMiddleware):
    """Asks for the token when one is set, and adds the security headers to every response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if not signed_in(request) and not request.url.path.startswith(OPEN_PATHS):
            if request.method in ("GET", "HEAD"):
                return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
            return PlainTextResponse("Sign in first: this server needs its token.", 401)
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


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
    sent, expected = form.get("csrf"), request.session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, str(expected))):
        raise CsrfError
    return form
