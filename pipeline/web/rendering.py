"""How the review app's handlers answer: server-rendered Jinja2 pages, flashed messages, and
store work run off the event loop. Routes and the app both use it; it imports neither."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web.security import csrf_token, signed_in

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
