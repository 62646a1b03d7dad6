"""Submissions to the review app: bounded request bodies, uploads, and drafting what came in.

- `BodyLimit` caps every request body while it streams in: a declared Content-Length over the
  cap is refused before a byte of the body is read, and a body that grows past the cap is
  refused at the chunk that passes it (413), so no upload is ever read whole into memory. A
  client that stops sending in the middle of a body is answered 408 instead of being waited
  for; either way the connection is closed, so the rest is not read either.
- `ingest_and_draft` validates a pasted abstract or an upload like the CLI does and drafts each
  study on its own: whatever one file or study raises becomes its one-line problem, never a
  500. An accepted upload is kept under outputs/uploads/ (a bounded, safe name) once its size
  is known to be within the limit, and removed again when nothing was drafted from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.backends import Backend
from pipeline.batch import Context, Outcome, process_study
from pipeline.drafting import Prompts
from pipeline.errors import InputError, OutputWriteError, PlsError
from pipeline.house import load_house
from pipeline.ingest import load_file_tolerant, load_text
from pipeline.records import Study
from pipeline.settings import Settings
from pipeline.store import Store

LOG = logging.getLogger("pipeline.web")
FORM_BYTES = 2 * 1024 * 1024  # a form's own fields: the pasted abstract, an edited draft
UPLOAD_PATH = "/submit"
NAME_CHARS = 120  # an upload's name as shown in messages
STEM_CHARS = 80  # an upload's name on disk (the file system allows 255 bytes)


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"


class BodyTooLarge(Exception):
    """The request body is (or says it is) larger than this route accepts."""

    def __init__(self, what: str, limit: int, size: int | None = None) -> None:
        over = f"is {size_text(size)}, over" if size is not None else "goes over"
        super().__init__(f"{what} {over} the limit of {size_text(limit)}; nothing was kept")


class BodyTooSlow(Exception):
    """The client stopped sending the request body part way through."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the request stopped arriving (nothing for {seconds:g} s, or it took too long); "
            "nothing was kept, send it again"
        )


def body_cap(scope: Scope, settings: Settings) -> tuple[int, str, int]:
    """What one request may send (an upload plus its form on /submit, a form elsewhere), what
    to call it, and the limit to name: the reviewer knows the file limit, not the form's room."""
    if scope.get("path") == UPLOAD_PATH:
        return settings.max_file_bytes + FORM_BYTES, "the upload", settings.max_file_bytes
    return FORM_BYTES, "the form", FORM_BYTES


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


class BodyLimit:
    """ASGI middleware: the body of every request is capped in size and in time."""

    def __init__(
        self, app: ASGIApp, *, settings: Settings, idle_timeout: float, total_timeout: float
    ) -> None:
        self.app = app
        self.settings = settings
        self.idle_timeout = idle_timeout
        self.total_timeout = total_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap, what, named_limit = body_cap(scope, self.settings)
        declared = _declared_length(scope)
        loop = asyncio.get_running_loop()
        state = {"received": 0, "done": False, "deadline": 0.0}

        async def limited() -> Message:
            if state["done"]:
                # After the body, receive only waits for a disconnect: no deadline applies.
                return await receive()
            if declared is not None and declared > cap:
                raise BodyTooLarge(what, named_limit, declared)
            if not state["deadline"]:
                state["deadline"] = loop.time() + self.total_timeout
            wait = min(self.idle_timeout, state["deadline"] - loop.time())
            try:
                message = await asyncio.wait_for(receive(), max(wait, 0.0))
            except TimeoutError:
                raise BodyTooSlow(self.idle_timeout) from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > cap:
                    raise BodyTooLarge(what, named_limit)
                state["done"] = not message.get("more_body", False)
            return message

        await self.app(scope, limited, send)


def shown_name(filename: str) -> str:
    """The upload's name as the reviewer knows it, safe to print on one line."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > NAME_CHARS:
        _, dot, suffix = name.rpartition(".")
        suffix = dot + suffix if dot and len(suffix) <= 8 else ""
        name = name[: NAME_CHARS - 1 - len(suffix)] + "…" + suffix  # the type stays readable
    return name or "upload"


def _stored_name(shown: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", shown).lstrip("._") or "upload"
    stem, dot, suffix = safe.rpartition(".")
    if not dot or not stem or len(suffix) > 8:
        stem, suffix = safe, ""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{secrets.token_hex(3)}-{stem[:STEM_CHARS]}" + (f".{suffix}" if suffix else "")


def save_upload(settings: Settings, shown: str, data: BinaryIO) -> Path:
    """The upload copied to outputs/uploads/, the study's source of record, in chunks."""
    folder = settings.outputs / "uploads"
    path = folder / _stored_name(shown)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        data.seek(0)
        with path.open("xb") as out:
            shutil.copyfileobj(data, out, 1024 * 1024)
    except OSError as error:
        discard(path)
        raise OutputWriteError(
            f"{shown}: the upload could not be kept in {folder} ({error.strerror or error})",
            error.errno,
        ) from None
    return path


def context(store: Store, settings: Settings, backend: Backend) -> Context:
    return Context(settings, store, backend, load_house(settings), Prompts.load(settings))


def _named(shown: str, path: Path) -> Callable[[str], str]:
    # The file as the reviewer named it, as the CLI names the path it was given.
    return lambda message: message.replace(str(path), shown)


def _unexpected(where: str, what: str, error: Exception) -> str:
    """A bug met on one submission: logged with its traceback, one line for the reviewer."""
    LOG.error("%s could not be %s", where, what, exc_info=error)
    return f"{where}: could not be {what} ({type(error).__name__}); see the server log"


def _draft_all(ctx: Context, studies: list[Study]) -> tuple[list[Outcome], list[str]]:
    """Each study drafted on its own: whatever one raises is its problem line, not a 500."""
    outcomes, problems = [], []
    for one in studies:
        try:
            outcome = process_study(ctx, one)
        except PlsError as error:
            problems.append(str(error))
            continue
        except Exception as error:  # a bug must not cost the other studies or the page
            problems.append(_unexpected(one.source, "drafted", error))
            continue
        if outcome.result == "failed":
            problems.append(outcome.error or f"{one.source}: drafting failed")
        else:
            outcomes.append(outcome)
    return outcomes, problems


def ingest_and_draft(
    store: Store,
    settings: Settings,
    backend: Backend,
    text: str,
    title: str,
    upload: tuple[str, BinaryIO] | None,
) -> tuple[list[Outcome], list[str]]:
    """Validate like the CLI does, then queue and draft what loaded: the studies that went
    through (drafted, or skipped as drafted before) and a line per problem. An upload nothing
    was drafted from is not kept."""
    if not upload:
        try:
            studies = [load_text(text, "pasted abstract", settings, title=title or None)]
        except InputError as error:
            return [], [str(error)]
        except Exception as error:
            return [], [_unexpected("pasted abstract", "read", error)]
        return _draft_all(context(store, settings, backend), studies)
    shown, data = upload
    path = save_upload(settings, shown, data)
    named = _named(shown, path)
    kept = False
    try:
        try:
            loaded = load_file_tolerant(path, settings)
        except InputError as error:
            return [], [named(str(error))]
        except Exception as error:
            return [], [_unexpected(shown, "read", error)]
        outcomes, failed = _draft_all(context(store, settings, backend), loaded.studies)
        kept = any(o.result != "skipped" for o in outcomes)
        return outcomes, [named(str(e)) for e in loaded.errors] + [named(p) for p in failed]
    finally:
        if not kept:
            discard(path)


def discard(path: Path) -> None:
    """An upload that nothing was drafted from is not kept."""
    # In a read-only folder the file stays; the submission's own error says why.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
