"""The review web app behind `pls serve`: Starlette, pages rendered on the server by Jinja2.

Security lives in `security.py`; what handlers answer with in `rendering.py`; the pages in
`routes.py`. This module puts them together.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipeline.backends import Backend, make_backend
from pipeline.errors import PlsError, ReviewConflict, StoreError
from pipeline.settings import Settings
from pipeline.web.rendering import environment, render
from pipeline.web.routes import ROUTES
from pipeline.web.security import CsrfError, Guard

HERE = Path(__file__).parent


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


def create_app(
    settings: Settings,
    *,
    token: str | None = None,
    backend: Backend | None = None,
    secret: str | None = None,
) -> Starlette:
    """The app. `token` turns on sign-in; `secret` signs session cookies (a fresh one per
    process by default, so restarting the server signs everyone out)."""
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
    app.state.templates = Jinja2Templates(env=environment())
    return app
