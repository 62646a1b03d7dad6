"""The draft's records: what a drafter writes, how it checked, and the record of each round."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.records.evidence import Alignment, CitedSentence
from pipeline.records.study import Rating, Study, StudyProfile, utcnow


class DraftContent(BaseModel):
    """What a drafter (LLM or offline) writes: the house sections and the interest rating.

    Credibility is absent on purpose: it is derived from the profile, never from the model.
    """

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="One plain line of at most 12 words naming the topic.")
    key_takeaway: str = Field(description="Exactly one sentence of at most 30 words, hedged.")
    what_they_found: str = Field(description="One paragraph, 4-7 sentences.")
    who_should_care: str = Field(description="One paragraph, 4-7 sentences, no treatment advice.")
    important_considerations: str = Field(
        description="One paragraph, 2-5 sentences stating every required caveat."
    )
    topics: list[str] = Field(description="3-6 short topics, from keywords where given.")
    # the site's card blurb; "" in records drafted before it existed (the site then shows the
    # Key Takeaway), so it has a default while the strict schema still requires it of a model
    teaser: str = Field(
        "",
        description="One plain line of at most 110 characters for the site's card, hedged like "
        "the Key Takeaway, starting with a verb: 'Learn how…', 'Discover…', 'Study finds…'.",
    )
    interest: Rating
    # Where each sentence of the three finding sections comes from, as the model cites it; []
    # from the offline drafter and in records from before citations (the aligner covers both).
    evidence: list[CitedSentence] = Field(
        default_factory=list,
        description="For every sentence of key_takeaway, what_they_found and who_should_care: "
        "the sentence and the ids of the abstract sentences (S1, S2, ...) it rests on.",
    )


class HouseSummary(DraftContent):
    credibility: Rating


PROSE_SECTIONS: tuple[str, ...] = (
    "title",
    "key_takeaway",
    "what_they_found",
    "who_should_care",
    "important_considerations",
)

SECTION_TITLES: dict[str, str] = {
    "title": "Title",
    "key_takeaway": "Key Takeaway",
    "what_they_found": "What They Found",
    "who_should_care": "Who Should Care and Why",
    "important_considerations": "Important Considerations",
    "topics": "Article Topics",
    "teaser": "Teaser",
}


Severity = Literal["error", "warning"]


class Span(BaseModel):
    """A stretch of one section's text that a check result is about."""

    section: str
    start: int
    end: int
    text: str


class CheckResult(BaseModel):
    id: str
    severity: Severity
    passed: bool
    message: str
    spans: list[Span] = Field(default_factory=list)
    value: float | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    latency_ms: float = 0.0
    attempts: int = 1  # HTTP requests made, retries included


class LLMCall(BaseModel):
    """One request to a backend, kept for the audit trail ("profile": the `--profile-llm`
    cross-check of the study's profile)."""

    backend: str
    model: str
    purpose: Literal["draft", "revise", "profile"]
    template_hashes: dict[str, str]
    usage: Usage = Field(default_factory=Usage)
    ok: bool = True
    error: str | None = None
    at: datetime = Field(default_factory=utcnow)


class Attempt(BaseModel):
    """One drafting or revising round: what came back and how it checked."""

    number: int
    purpose: Literal["draft", "revise"]
    summary: HouseSummary
    checks: list[CheckResult]
    call: LLMCall

    @property
    def errors(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed and c.severity == "error"]


DraftStatus = Literal["needs_review", "needs_attention"]


class DraftRecord(BaseModel):
    """The full record of one study's draft: what `outputs/drafts/<id>.json` holds."""

    study: Study
    profile: StudyProfile
    summary: HouseSummary
    checks: list[CheckResult]
    status: DraftStatus
    backend: str
    model: str
    offline: bool
    revision: int = 1
    attempts: list[Attempt] = Field(default_factory=list)
    failed_calls: list[LLMCall] = Field(default_factory=list)
    # each summary sentence and the abstract sentences it rests on (filled when written out)
    alignment: list[Alignment] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]
