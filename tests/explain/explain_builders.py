"""Builders the explainer tests share: the repository's sample inputs batched offline into a
store, and sources made from them."""

from __future__ import annotations

from pathlib import Path

from pipeline import explain, review
from pipeline.batch import run_paths
from pipeline.house import load_house
from pipeline.ingest import discover_inputs
from pipeline.records import ExplainerSource
from pipeline.settings import Settings
from pipeline.store import Store

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
FATIGUE = ["doi-10-5555-pls-sample-006", "doi-10-5555-pls-sample-007a", "pmid-99000008"]
MOUSE = "pmid-99000003"
ALS = "doi-10-5555-pls-sample-005"


def batch_samples(settings: Settings) -> None:
    """`pls batch inputs/` offline into the settings' store."""
    outcomes = run_paths(discover_inputs(INPUTS).files, settings)
    assert not [o for o in outcomes if o.result == "failed"], outcomes


def approve(store: Store, study_ids: list[str], reviewer: str = "ana") -> None:
    for study_id in study_ids:
        review.decide(store, study_id, "approve", reviewer, override="read by hand")


def sources(store: Store, settings: Settings, ids: list[str]) -> list[ExplainerSource]:
    return explain.chosen_sources(store, "topic", load_house(settings), ids)
