"""The data records every stage passes along: plain pydantic models, no behaviour beyond shape.

Stages are functions from these records to these records (DESIGN.md); the store persists them as
JSON, and the `.json` written next to each draft is `DraftRecord.model_dump()`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class AbstractSection(BaseModel):
    """One labelled part of a structured abstract ("RESULTS", ...); label is None if unlabelled."""

    label: str | None = None
    text: str


class Study(BaseModel):
    """A validated abstract with its metadata; `id` is stable across re-runs (PMID, DOI or hash)."""

    id: str
    title: str
    abstract: str
    sections: list[AbstractSection] = Field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    keywords: list[str] = Field(default_factory=list)
    mesh_terms: list[str] = Field(default_factory=list)
    publication_types: list[str] = Field(default_factory=list)
    source: str = ""
    content_hash: str = ""


class Design(StrEnum):
    meta_analysis = "meta_analysis"
    systematic_review = "systematic_review"
    rct = "rct"
    nonrandomized_trial = "nonrandomized_trial"
    cohort = "cohort"
    case_control = "case_control"
    cross_sectional = "cross_sectional"
    case_report = "case_report"
    narrative_review = "narrative_review"
    animal = "animal"
    in_vitro = "in_vitro"
    other = "other"


Species = Literal["people", "animals", "cells", "unknown"]


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str


Confidence = Literal["high", "medium", "low"]


class FieldConfidence(BaseModel):
    """How sure the profiler is of one field: why, and the competing reading when there is one."""

    level: Confidence
    reason: str
    alternative: str | None = None
    # What an LLM read for this field (`--profile-llm`), with its quote and whether it was used.
    model_reading: str | None = None


class StudyProfile(BaseModel):
    """Deterministic facts about a study; `evidence[field]` is the sentence a value came from and
    `confidence[field]` how sure the profiler is of it (design, species, participants, ...)."""

    design: Design
    species: Species
    animals: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    audience_condition: str = "MS"
    studies_audience_condition: bool = False
    participants: int | None = None
    followup_months: float | None = None
    is_intervention: bool = False
    has_comparison: bool | None = None
    preliminary: bool = False
    observational: bool = False
    required_caveats: list[str] = Field(default_factory=list)
    credibility: Rating
    evidence: dict[str, str] = Field(default_factory=dict)
    confidence: dict[str, FieldConfidence] = Field(default_factory=dict)


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
    """One request to a backend, kept for the audit trail."""

    backend: str
    model: str
    purpose: Literal["draft", "revise"]
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
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]
