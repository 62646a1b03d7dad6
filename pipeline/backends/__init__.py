"""Backends: a `DraftRequest` in (rendered messages plus the study's facts), a validated
`DraftReply` out, or a `BackendError`; never a half-usable draft.

    base.py              the `Backend` protocol and the request/reply records
    registry.py          `make_backend`: the one place that picks a concrete backend
    offline/             the embedded rule-based drafter (no key, no network)
    openai.py            any OpenAI-compatible Chat Completions server, through the official SDK
    openai_protocol.py   the protocol as pls uses it: schema, formats, retry hints, errors
    replies.py           a reply validated as the model asked for; the one re-ask; other shapes
    ratelimit.py         the requests/tokens-per-minute budget a batch's workers share
    profiling.py         `--profile-llm`: the model's quoted reading of design, species and
                         participants, as a cross-check on the profiler's rules
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.backends.base import (
    PROFILE_REPLY_TOKENS,
    AsyncBackend,
    Backend,
    DraftReply,
    DraftRequest,
)
from pipeline.backends.ratelimit import RateLimiter
from pipeline.backends.registry import make_backend

if TYPE_CHECKING:
    from pipeline.backends.openai import OpenAIBackend
    from pipeline.records import LLMCall, Study, StudyProfile
    from pipeline.settings import Settings


def cross_check_profile(
    study: Study,
    profile: StudyProfile,
    backend: Backend,
    settings: Settings,
    calls: list[LLMCall] | None = None,
) -> StudyProfile:
    """The profile cross-checked by the LLM backend when `settings.profile_llm` is on (see
    `pipeline.backends.profiling`); the profile itself otherwise. A function here rather than a
    name re-exported, so runs without the setting never import the OpenAI SDK."""
    if not settings.profile_llm or backend.offline:
        return profile
    from pipeline.backends.profiling import cross_check_profile as check

    return check(study, profile, backend, settings, calls=calls)


def __getattr__(name: str) -> object:
    # The OpenAI SDK costs about half a second to import; only code that names it pays.
    if name == "OpenAIBackend":
        from pipeline.backends.openai import OpenAIBackend

        return OpenAIBackend
    if name == "replying_with":
        from pipeline.backends.replies import replying_with

        return replying_with
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROFILE_REPLY_TOKENS",
    "AsyncBackend",
    "Backend",
    "DraftReply",
    "DraftRequest",
    "OpenAIBackend",
    "RateLimiter",
    "cross_check_profile",
    "make_backend",
    "replying_with",
]
