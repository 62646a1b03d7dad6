"""The topic explainer's records: what a drafter writes, the studies it is built from, and the
stored record of one revision (HOUSE.md's second content type, issue 14).

An explainer is drawn from studies already in the store: each source keeps a snapshot of the
study, its profile and the summary it was drawn from (approved, else latest), so the checks of
any later revision ground it against exactly what the drafter read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.records.draft import CheckResult, DraftStatus, HouseSummary, LLMCall
from pipeline.records.study import Study, StudyProfile, utcnow


class ExplainerParagraph(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="One paragraph of plain prose.")
    sources: list[str] = Field(
        description="The ids of the listed studies this paragraph draws on; [] only for a "
        "paragraph that states no finding."
    )


class ExplainerContent(BaseModel):
    """What a drafter (LLM or offline) writes. The closing summary paragraph is its own field
    so that "the last paragraph is a summary" is part of the shape, not a hope."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(description="One plain line of at most 12 words naming the topic.")
    paragraphs: list[ExplainerParagraph] = Field(
        description="The body, 3-7 paragraphs: what the topic is, what the studies found, "
        "what it means for people with the condition."
    )
    summary: str = Field(description="The closing paragraph, starting 'In summary,'.")
    topics: list[str] = Field(description="3-6 short topics.")
    teaser: str = Field(description="One plain line of at most 110 characters for the card.")

    def all_paragraphs(self) -> list[str]:
        return [p.text for p in self.paragraphs] + [self.summary]


class ExplainerSource(BaseModel):
    """One study an explainer is drawn from, as the drafter saw it."""

    study: Study
    profile: StudyProfile
    summary: HouseSummary
    revision: int  # the summary's revision
    approved: bool  # drawn from an approved or published revision (else the latest draft)

    @property
    def id(self) -> str:
        return self.study.id


ExplainerState = Literal["needs_review", "approved", "published", "changes_requested", "rejected"]


class ExplainerAttempt(BaseModel):
    number: int
    purpose: Literal["draft", "revise"]
    content: ExplainerContent
    checks: list[CheckResult]
    call: LLMCall


class ExplainerRecord(BaseModel):
    """One revision of one explainer: what the store keeps and the review page shows."""

    id: str  # "explainer-<slug of the topic>"
    topic: str
    brief: str = ""
    sources: list[ExplainerSource]
    content: ExplainerContent
    checks: list[CheckResult]
    status: DraftStatus
    backend: str
    model: str
    offline: bool
    revision: int = 1
    attempts: list[ExplainerAttempt] = Field(default_factory=list)
    failed_calls: list[LLMCall] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def source(self, study_id: str) -> ExplainerSource | None:
        return next((s for s in self.sources if s.id == study_id), None)
