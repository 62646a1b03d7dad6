"""The intake's records: a saved watch, what triage made of a study, and what a run took in."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

WatchKind = Literal["pubmed", "feed"]
# What became of one item a watch saw: queued for drafting, parked by triage, already in the
# store, listed without an abstract, or refused as bad input (its run-log line says why).
ItemStatus = Literal["queued", "parked", "duplicate", "needs_abstract", "refused"]


class Watch(BaseModel):
    """A saved PubMed search or journal feed; `target` is the query or the feed's URL."""

    name: str
    kind: WatchKind
    target: str
    created_at: str = ""
    last_success: str | None = None  # the day (YYYY/MM/DD) the last complete run searched up to


class Triage(BaseModel):
    """A study's relevance to the house's audience: a probability-like score in [0, 1] and the
    reasons that moved it, strongest first; `model` says which scorer ("rules" or "learned")."""

    score: float = Field(ge=0.0, le=1.0)
    relevant: bool
    reasons: list[str] = Field(default_factory=list)
    model: Literal["rules", "learned"] = "rules"


class RunSummary(BaseModel):
    """One watch run's counts and its log lines (one line per problem, never a traceback)."""

    watch: str
    run_id: int
    status: Literal["ok", "failed"] = "ok"
    seen: int = 0
    counts: dict[str, int] = Field(default_factory=dict)
    log: list[str] = Field(default_factory=list)
    resumed: bool = False
