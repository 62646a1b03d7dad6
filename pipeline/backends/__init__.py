"""Backends: a `DraftRequest` in (rendered messages plus the study's facts), a validated
`DraftReply` out, or a `BackendError`; never a half-usable draft.

    base.py              the `Backend` protocol and the request/reply records
    registry.py          `make_backend`: the one place that picks a concrete backend
    offline/             the embedded rule-based drafter (no key, no network)
    openai.py            any OpenAI-compatible Chat Completions server, through the official SDK
    openai_protocol.py   the protocol as pls uses it: schema, retry hints, reply parsing
    ratelimit.py         the requests/tokens-per-minute budget a batch's workers share
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.backends.base import AsyncBackend, Backend, DraftReply, DraftRequest
from pipeline.backends.ratelimit import RateLimiter
from pipeline.backends.registry import make_backend

if TYPE_CHECKING:
    from pipeline.backends.openai import OpenAIBackend


def __getattr__(name: str) -> object:
    # The OpenAI SDK costs about half a second to import; only code that names it pays.
    if name == "OpenAIBackend":
        from pipeline.backends.openai import OpenAIBackend

        return OpenAIBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AsyncBackend",
    "Backend",
    "DraftReply",
    "DraftRequest",
    "OpenAIBackend",
    "RateLimiter",
    "make_backend",
]
