"""The hand-label files' shape, checked without running the profiler: the label format's keys and
vocabularies, one label per study across every file (a study labelled twice would be measured in
two sets), and every label resolving to a corpus study through the loader the benchmark uses."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path
from typing import get_args

import pytest
from helpers import ROOT, labelled_studies

from pipeline.records import Design, Species

FIXTURES = ROOT / "tests" / "fixtures"
LABEL_FILES = sorted(FIXTURES.glob("profile_labels*.jsonl"))
BLIND3 = FIXTURES / "profile_labels_blind3.jsonl"
KEYS = ["file", "id", "design", "species", "animals", "conditions", "studies_ms", "participants"]
KEYS.append("note")


def labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.name)
def test_every_label_has_the_format_keys_and_vocabulary(path: Path) -> None:
    designs, species = {d.value for d in Design}, set(get_args(Species))
    for n, label in enumerate(labels(path), 1):
        where = f"{path.name} line {n}"
        assert list(label) == KEYS, where
        assert label["design"] in designs and label["species"] in species, where
        assert all(isinstance(x, str) and x for x in label["animals"] + label["conditions"]), where
        assert isinstance(label["studies_ms"], bool), where
        count = label["participants"]
        assert count is None or (type(count) is int and count > 0), where
        assert label["note"].strip() and "\n" not in label["note"], where


def test_no_study_is_labelled_twice_in_or_across_files() -> None:
    keys = {p.name: [(lab["file"], lab["id"]) for lab in labels(p)] for p in LABEL_FILES}
    for name, found in keys.items():
        assert len(found) == len(set(found)), name
    for (a, in_a), (b, in_b) in combinations(keys.items(), 2):
        assert not set(in_a) & set(in_b), (a, b, sorted(set(in_a) & set(in_b))[:3])


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.name)
def test_every_label_resolves_to_a_corpus_study(path: Path) -> None:
    pairs = labelled_studies(path)
    assert len(pairs) == len(labels(path))
    assert all(study.id == label["id"] and study.abstract.strip() for label, study in pairs)


def test_the_issue_11_blind_set_is_large_and_spread_over_the_corpus() -> None:
    found = labels(BLIND3)
    files = {lab["file"] for lab in found}
    assert len(found) >= 120 and len(files) == 4
    assert {lab["design"] for lab in found} >= {"rct", "meta_analysis", "animal", "in_vitro"}
