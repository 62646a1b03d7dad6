"""Shared builders for tests: studies, profiles and summaries without touching files."""

from __future__ import annotations

import json
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
