"""Shared builders for tests: studies, profiles and summaries without touching files."""

from __future__ import annotations

import json
import os
from collections import Counter
from functools import cache
from pathlib import Path

from pipeline.records import Design, HouseSummary, Rating, Study, StudyProfile

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_FILES = (
    "plaba_early2022_first150.jsonl",
    "cochrane_devaraj2021_test_first150.jsonl",
    "cells_validated_background_first150.jsonl",
    "biolaysumm_elife_sample50.jsonl",
)


@cache
def corpus_rows() -> list[dict]:
    rows = []
    for name in CORPUS_FILES:
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            row["file"] = name
            rows.append(row)
    return rows


def make_study(abstract: str, title: str = "A study", **extra: object) -> Study:
    return Study(id=extra.pop("id", "sha-test"), title=title, abstract=abstract, **extra)


def make_profile(**fields: object) -> StudyProfile:
    defaults: dict[str, object] = {
        "design": Design.rct,
        "species": "people",
        "studies_audience_condition": True,
        "conditions": ["MS"],
        "required_caveats": ["consult_clinician"],
        "credibility": Rating(score=4, reason="Randomised controlled trial (base 4)."),
    }
    defaults.update(fields)
    return StudyProfile(**defaults)


def make_summary(**fields: object) -> HouseSummary:
    defaults: dict[str, object] = {
        "title": "Walking Speed Improved With a Daily Pill",
        "key_takeaway": "A trial suggests a daily pill may help some people with MS walk faster.",
        "what_they_found": (
            "Researchers ran a trial in 240 people with MS. Half took the pill and half took a "
            "dummy pill. After 12 months, walking speed rose by 18% in the pill group. "
            "Side effects were mild."
        ),
        "who_should_care": (
            "People with MS who have trouble walking may find this useful. Caregivers may want "
            "to know about it. Clinicians may use it in talks with patients. It adds to what we "
            "know about walking in MS."
        ),
        "important_considerations": (
            "This is one trial, and other trials may find different results. Talk with your "
            "healthcare provider before making any changes to your care."
        ),
        "topics": ["Walking", "Clinical trials", "MS"],
        "interest": Rating(score=5, reason="Tests care options in people with MS."),
        "credibility": Rating(score=4, reason="Randomised controlled trial (base 4)."),
    }
    defaults.update(fields)
    return HouseSummary(**defaults)


TRIAL_ABSTRACT = (
    "Background: Walking problems are common in multiple sclerosis. Methods: We randomly "
    "assigned 240 people with MS to a daily pill or placebo for 12 months. Results: Walking "
    "speed rose by 18% in the pill group and by 2% in the placebo group (p < 0.001). Side "
    "effects were mild. Conclusions: A daily pill may improve walking speed in people with MS."
)


FIELDS = ("design", "species", "participants", "audience")


def profile_accuracy(path: Path) -> tuple[dict[str, float], int, Counter[tuple[str, str]]]:
    """Share of hand-labelled abstracts whose profile matches the label, per field, and the
    design confusions (label, profiler). Used by tests/profile/test_profile.py and the benchmark."""
    from pipeline.profile import profile_study
    from pipeline.settings import Settings

    settings = Settings()
    rows = {(r["file"], r["id"]): r for r in corpus_rows()}
    labels = [json.loads(line) for line in path.read_text().splitlines()]
    right: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    for label in labels:
        row = rows[(label["file"], label["id"])]
        profile = profile_study(
            make_study(row["abstract"], title=row["title"] or "", id=row["id"]), settings
        )
        right["design"] += profile.design.value == label["design"]
        right["species"] += profile.species == label["species"]
        right["participants"] += profile.participants == label["participants"]
        right["audience"] += profile.studies_audience_condition == label["studies_ms"]
        if profile.design.value != label["design"]:
            confused[(label["design"], profile.design.value)] += 1
    return {f: right[f] / len(labels) for f in FIELDS}, len(labels), confused


def subprocess_env(base_url: str, **extra: str) -> dict[str, str]:
    """The environment for a `pls` subprocess against a local server: the caller's, minus any
    PLS_/OPENAI_ settings a developer's shell may hold, plus the server and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLS_", "OPENAI_"))}
    return env | {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "test",
        "PLS_REVISE_ROUNDS": "0",
        **extra,
    }
