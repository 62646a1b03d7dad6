"""The review web app behind `pls serve`: Starlette, pages rendered on the server by Jinja2.

Security, and what handlers answer with, live in `security.py`; the pages in `routes.py` and
(topic explainers) `explainers.py`; bounded bodies and submissions in `submissions.py`. This
module puts them together, with one error page per kind of trouble: a missing study is a 404,
a broken store a 5xx naming what is wrong, a bad submission a 400, and never a traceback in a
response.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipeline.backends import Backend, make_backend
from pipeline.errors import (
    OutputWriteError,
    PlsError,
    ReviewConflict,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreNotFoundError,
    StoreReadOnlyError,
    StoreVersionError,
)
from pipeline.settings import Settings
from pipeline.site import site_dir
from pipeline.web.api import API_ROUTES
from pipeline.web.explainers import EXPLAINER_ROUTES
from pipeline.web.routes import ROUTES
from pipeline.web.security import (
    CSP,
    CsrfError,
    Guard,
    LoginThrottle,
    environment,
    one_line,
    render,
)
from pipeline.web.submissions import BodyLimit, BodyTooLarge, BodyTooSlow

HERE = Path(__file__).parent
LOG = logging.getLogger("pipeline.web")
BODY_IDLE_SECONDS = 30.0  # a client that sends nothing of its body for this long is answered
BODY_TOTAL_SECONDS = 600.0  # 50 MB at under 1 Mbit/s is not worth holding a worker for
CLOSE = {"Connection": "close"}  # what is left of a refused body is never read


def _error_page(
    status: int, title: str, headers: dict[str, str] | None = None
) -> Callable[[Request, Exception], Any]:
    async def handler(request: Request, error: Exception) -> Response:
        study_id = request.path_params.get("study_id")
        back = f"/study/{quote(study_id)}" if study_id and status != 404 else None
        if (explainer := request.path_params.get("explainer_id")) and status != 404:
            back = f"/explainer/{quote(explainer)}"
        message = one_line(str(error)) or title
        context = {"title": title, "message": message, "back": back}
        if isinstance(error, BodyTooLarge) and request.url.path == "/submit":
            context = {"errors": [message], "title": "", "abstract": ""}
            return render(request, "submit.html", context, status, headers)
        return render(request, "error.html", context, status, headers)

    return handler


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if request.url.path.startswith("/api/"):  # no route matched ("/api/studies/a%0Ab"): JSON
        return JSONResponse({"error": one_line(str(error.detail))}, error.status_code)
    context = {"title": str(error.detail), "message": str(error.detail), "back": None}
    return render(request, "error.html", context, error.status_code)


async def _gone(request: Request, error: Exception) -> Response:
    # The client left before its request was read: nobody reads this answer, and an
    # abandoned upload is no fault of ours worth a traceback in the log.
    LOG.info("%s %s: the client went away mid-request", request.method, request.url.path)
    return PlainTextResponse("", 400, CLOSE)


async def _server_error(request: Request, error: Exception) -> Response:
    # Outside every middleware (no session, no Guard): the page is rendered without a session
    # and carries the security headers itself. The traceback goes to the log, never the page.
    templates: Jinja2Templates = request.app.state.templates
    context = {
        "flashes": [],
        "title": "Something went wrong on the server",
        "message": f"{type(error).__name__}: the details are in the server log.",
        "back": None,
    }
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
    return templates.TemplateResponse(request, "error.html", context, 500, headers)


STORE_ERRORS: dict[type[Exception], tuple[int, str]] = {
    StoreNotFoundError: (404, "Not found"),
    StoreCorruptError: (500, "The store is damaged"),
    StoreVersionError: (500, "The store is from a newer pls"),
    StoreReadOnlyError: (503, "The store is read-only"),
    StoreFullError: (507, "The disk is full"),
    OutputWriteError: (500, "A file could not be written"),
    StoreError: (503, "The store is not available"),
}


class SitePreview:
    """`/site/`: the built site (`outputs/site/`) as files, behind the same sign-in and headers
    as the app; a site not built yet is a 404 page saying how to build it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = StaticFiles(directory=folder, html=True, check_dir=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not (self.folder / "index.html").is_file():
            raise HTTPException(404, "The site is not built yet: run `pls site build`")
        await self.files(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    token: str | None = None,
    backend: Backend | None = None,
    secret: str | None = None,
    secure_cookies: bool = False,
    throttle: LoginThrottle | None = None,
    body_idle_timeout: float = BODY_IDLE_SECONDS,
) -> Starlette:
    """The app. `token` turns on sign-in; `secret` signs session cookies (a fresh one per
    process by default, so restarting the server signs everyone out); `secure_cookies` marks
    them Secure (serving beyond loopback, behind HTTPS); `throttle` counts wrong tokens."""
    app = Starlette(
        routes=[
            *ROUTES,
            *EXPLAINER_ROUTES,
            *API_ROUTES,
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
            Mount("/site", SitePreview(site_dir(settings)), name="site"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=secret or secrets.token_hex(32),
                session_cookie="pls_session",
                same_site="strict",
                https_only=secure_cookies,
                max_age=12 * 3600,
            ),
            Middleware(Guard),
            Middleware(
                BodyLimit,
                settings=settings,
                idle_timeout=body_idle_timeout,
                total_timeout=max(BODY_TOTAL_SECONDS, body_idle_timeout),
            ),
        ],
        exception_handlers={
            CsrfError: _error_page(403, "This form has expired; reload the page and try again"),
            ReviewConflict: _error_page(409, "Someone else acted first"),
            **{kind: _error_page(*page) for kind, page in STORE_ERRORS.items()},
            PlsError: _error_page(400, "That did not work"),
            BodyTooLarge: _error_page(413, "Too large", CLOSE),
            BodyTooSlow: _error_page(408, "The request stopped arriving", CLOSE),
            ClientDisconnect: _gone,
            HTTPException: _http_error,
            Exception: _server_error,
        },
    )
    app.state.settings = settings
    app.state.token = token
    app.state.throttle = throttle or LoginThrottle()
    app.state.backend = backend or make_backend(settings)
    app.state.templates = Jinja2Templates(env=environment())
    return app
