"""The content checks on fixed mutations and rewrites from benchmarks/content_mutations.py.

Three sample inputs are drafted offline; each breaking mutation must fail its check and each
meaning-preserving rewrite must still pass it, on the drafts that pass that check to begin with.
Only the kinds the checks already handle are here (recall of at least 95% in the benchmark, or
fixed sentences of a kind they catch); the kinds they miss are the benchmark's to report:
question-shaped takeaways ("asked whether X is linked to Y"), What They Found holding only
methods or secondary results, prompt-example sentences worded like a caveat or under 8 words.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from helpers import ROOT

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.records import DraftRecord

INPUTS = ("ms_cohort_vitamin_d.json", "ms_meta_analysis.jsonl", "eae_mouse_remyelination.xml")
HANDLED_TOPIC_ONLY = {
    "looked at",
    "studied",
    "examined",
    "here is what",
    "focuses on",
    "trial tested",
}
HANDLED_GROUPS = {
    "topic-only takeaway",
    "takeaway paraphrase",
    "paper title as title",
    "plain title, other house shape",
    "main result reworded or moved",
    "pasted abstract",
    "short quote or key number kept",
    "study-specific sentence in common words",
}


def _benchmark() -> ModuleType:
    path = ROOT / "benchmarks" / "content_mutations.py"
    spec = importlib.util.spec_from_file_location("content_mutations", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _benchmark()


@pytest.fixture(scope="module")
def records() -> list[DraftRecord]:
    settings = bench.SETTINGS
    backend = OfflineBackend(settings)
    out = []
    for name in INPUTS:
        study = load_file_tolerant(ROOT / "inputs" / name, settings).studies[0]
        out.append(draft_study(study, profile_study(study, settings), backend, settings))
    return out


def _fixed_cases(record: DraftRecord) -> list:
    """Pasted prompt text and filler of the shapes the checks catch, as fixed sentences."""
    summary, out = record.summary, []
    style = [
        s
        for section, s in bench.PROMPT_SENTENCES["style example sentence"]
        if section in ("key_takeaway", "what_they_found")
    ][:3]
    # Instructions of 8 words or more and no digits: the shorter ones are a known miss.
    told = [
        s
        for _, s in bench.PROMPT_SENTENCES["prompt instruction"]
        if len(s.split()) >= 8 and not any(c.isdigit() for c in s)
    ][:3]
    for text in style + told:
        mutated = bench.add(summary, "what_they_found", text)
        out.append(
            bench.Case("content.copied", "pasted prompt example", "fixed", True, mutated, text)
        )
    # Issue 9's own filler sentences.
    for text in bench.DATA["sentences"]["generic"][:3]:
        for section in ("what_they_found", "who_should_care"):
            mutated = bench.add(summary, section, text)
            out.append(
                bench.Case(
                    "content.boilerplate",
                    "sentence that fits any study",
                    section,
                    True,
                    mutated,
                    text,
                )
            )
    return out


def _handled(record: DraftRecord) -> list:
    cases = [
        c
        for c in bench.cases(record, 0, real_title=True)
        if c.group in HANDLED_GROUPS
        and (c.group != "topic-only takeaway" or c.kind in HANDLED_TOPIC_ONLY)
    ]
    return cases + _fixed_cases(record)


@pytest.mark.parametrize(
    "check",
    [
        "content.takeaway",
        "structure.title",
        "content.main_result",
        "content.copied",
        "content.boilerplate",
    ],
)
def test_checks_catch_the_mutations_and_keep_the_rewrites(records, check: str) -> None:
    tried, wrong = 0, []
    for record in records:
        if not any(c.id == check and c.passed for c in record.checks):
            continue  # a draft the check already fails cannot show a mutation being caught
        for case in _handled(record):
            if case.check != check:
                continue
            tried += 1
            failed, message = bench.verdict(record, case)
            if failed != case.breaking:
                wrong.append(f"{record.study.id} {case.kind}: {case.changed!r} -> {message}")
    assert tried >= 3, f"only {tried} cases for {check}: the sample drafts no longer pass it"
    assert not wrong, "\n".join(wrong)
