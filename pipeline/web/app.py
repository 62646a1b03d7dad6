"""The review web app behind `pls serve`: Starlette, pages rendered on the server by Jinja2.

Security lives here, in one place:
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
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipeline.backend import Backend, make_backend
from pipeline.errors import PlsError, StoreError
from pipeline.review import ReviewConflict
from pipeline.settings import Settings
from pipeline.store import Store

HERE = Path(__file__).parent
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
OPEN_PATHS = ("/login", "/static/")
T = TypeVar("T")


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


def flash(request: Request, message: str, level: str = "ok") -> None:
    request.session.setdefault("flash", []).append([level, message])


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    base = {
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "reviewer": request.session.get("reviewer", ""),
        "signed_in": bool(request.app.state.token) and signed_in(request),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


async def with_store(request: Request, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(store, *args, **kwargs)` in a worker thread on its own connection: sqlite
    connections stay in the thread that made them, and a slow query must not stall the loop."""
    settings: Settings = request.app.state.settings

    def run() -> T:
        with Store(settings.db_path) as store:
            return work(store, *args, **kwargs)

    return await run_in_threadpool(run)


def _error_page(status: int, title: str) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, error: Exception) -> Response:
        study_id = request.path_params.get("study_id")
        back = f"/study/{quote(study_id)}" if study_id and status != 404 else None
        context = {"title": title, "message": str(error) or title, "back": back}
        return render(request, "error.html", context, status)

    return handler


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    context = {"title": str(error.detail), "message": str(error.detail), "back": None}
    return render(request, "error.html", context, error.status_code)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # abstracts and drafts are untrusted text
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(
    settings: Settings,
    *,
    token: str | None = None,
    backend: Backend | None = None,
    secret: str | None = None,
) -> Starlette:
    """The app. `token` turns on sign-in; `secret` signs session cookies (a fresh one per
    process by default, so restarting the server signs everyone out)."""
    from pipeline.web.routes import ROUTES

    app = Starlette(
        routes=[*ROUTES, Mount("/static", StaticFiles(directory=HERE / "static"), name="static")],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=secret or secrets.token_hex(32),
                session_cookie="pls_session",
                same_site="strict",
                max_age=12 * 3600,
            ),
            Middleware(Guard),
        ],
        exception_handlers={
            CsrfError: _error_page(403, "This form has expired; reload the page and try again"),
            ReviewConflict: _error_page(409, "Someone else acted first"),
            StoreError: _error_page(404, "Not found"),
            PlsError: _error_page(400, "That did not work"),
            HTTPException: _http_error,
        },
    )
    app.state.settings = settings
    app.state.token = token
    app.state.backend = backend or make_backend(settings)
    app.state.templates = Jinja2Templates(env=_environment())
    return app
