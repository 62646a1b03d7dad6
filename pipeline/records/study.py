"""The study's records: the abstract as ingested and the profile read from it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from pipeline.records.evidence import AbstractUnit


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
    # the abstract's citable sentences S1…Sn (filled at ingest; [] in studies stored before)
    units: list[AbstractUnit] = Field(default_factory=list)


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
