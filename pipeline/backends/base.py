"""The one seam between the pipeline and whatever writes drafts.

A backend takes a `DraftRequest` (rendered chat messages, plus the structured facts the offline
drafter works from) and returns a validated `DraftContent` with usage. It raises a
`BackendError` subclass when it cannot: never a half-usable draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from pipeline.records import CheckResult, DraftContent, HouseSummary, Study, StudyProfile, Usage

# The `--profile-llm` cross-check's reply cap: a short JSON reading (also what a shared rate
# limiter reserves for it beyond the prompt).
PROFILE_REPLY_TOKENS = 400


@dataclass(frozen=True)
class DraftRequest:
    study: Study
    profile: StudyProfile
    messages: list[dict[str, str]]
    purpose: Literal["draft", "revise"] = "draft"
    round: int = 0
    previous: HouseSummary | None = None
    failures: list[CheckResult] = field(default_factory=list)
    reviewer_note: str | None = None


@dataclass(frozen=True)
class DraftReply:
    content: DraftContent
    usage: Usage
    model: str


class Backend(Protocol):
    name: str
    model: str
    offline: bool

    def complete(self, request: DraftRequest) -> DraftReply: ...


class AsyncBackend(Backend, Protocol):
    """A backend that can also be awaited, so a batch keeps many requests in flight."""

    async def acomplete(self, request: DraftRequest) -> DraftReply: ...
