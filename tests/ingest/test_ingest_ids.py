"""Ids are canonical and collision-free; a second abstract under one id is a conflict (#5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_builders import ABSTRACT, OTHER_ABSTRACT, article, jsonl, one_line, pubmed_set, write

from pipeline.errors import IdConflictError, MalformedInputError
from pipeline.ingest import canonical_doi, canonical_pmid, load_file, load_file_tolerant, study_id
from pipeline.settings import Settings

SETTINGS = Settings()


def doi(value: str) -> str:
    return study_id(None, value, "t", "a")


def test_dois_are_case_insensitive_and_punctuation_counts():
    ids = {doi(d) for d in ("10.1234/ab.c", "10.1234/ab-c", "10.1234/AB_C", "10.1234/ab/c")}
    assert len(ids) == 4
    assert doi("10.1234/AB.C") == doi("10.1234/ab.c") == doi("https://doi.org/10.1234/Ab.C")
    assert doi("doi: 10.1234/ab-c") == doi("10.1234/AB-C") == doi("ＤＯＩ：10.1234/ab-c")
    # A homoglyph is another DOI (Cyrillic "а" is not "a"): never folded into the Latin one.
    assert doi("10.1234/\u0430b.c") != doi("10.1234/ab.c")
    # Ids that were already exact stay as they were: a suffix of letters and digits with dots.
    assert doi("10.1212/WNL.0000000000012345") == "doi-10-1212-wnl-0000000000012345"
    assert doi("10.1177/1352458520000000") == "doi-10-1177-1352458520000000"
    # The others carry a hash of the lower-cased DOI after "--", which those ids never hold.
    assert doi("10.1234/ab-c").startswith("doi-10-1234-ab-c--")


def test_long_dois_give_bounded_ids():
    long_id = doi("10.1234/" + "a" * 190)
    assert len(long_id) <= 100 and long_id.startswith("doi-10-1234-aaaa")
    assert doi("10.1234/" + "a" * 189 + "b") != long_id
    assert canonical_doi("10.1234/" + "a" * 300) is None


@pytest.mark.parametrize(
    "value", ["1234", "0001234", "１２３４", "PMID: 1234", "pmid:1234", " 1234 ", 1234]
)
def test_pmids_are_canonical(value: object):
    assert canonical_pmid(value) == "1234"
    assert study_id(value, None, "t", "a") == "pmid-1234"


@pytest.mark.parametrize("value", ["0", "000", 0, -5, "12a", "١٢٣٤", "12 34", "1" * 11, True, 1.5])
def test_non_pmids_are_refused(tmp_path: Path, value: object):
    assert canonical_pmid(value) is None
    path = write(tmp_path, "p.json", json.dumps({"abstract": ABSTRACT, "pmid": value}))
    with pytest.raises(MalformedInputError) as caught:
        load_file(path, SETTINGS)
    one_line(caught.value, "p.json", "'pmid' must be a PMID")


def test_pmids_load_canonical(tmp_path: Path):
    records = [{"abstract": ABSTRACT, "pmid": p} for p in ("0001234", "１２３４", 1234)]
    studies = load_file(write(tmp_path, "p.jsonl", jsonl(*records)), SETTINGS)
    assert {(s.id, s.pmid) for s in studies} == {("pmid-1234", "1234")}


def test_two_abstracts_claiming_one_pmid_are_a_conflict(tmp_path: Path):
    lines = jsonl(
        {"abstract": ABSTRACT, "pmid": "555"},
        {"abstract": OTHER_ABSTRACT, "pmid": "0555"},
        {"abstract": ABSTRACT, "pmid": 555},  # the same study again: a duplicate, not a conflict
        {"abstract": ABSTRACT, "doi": "10.1234/AB.C"},
        {"abstract": OTHER_ABSTRACT, "doi": "10.1234/ab.c"},
        {"abstract": OTHER_ABSTRACT, "doi": "10.1234/ab-c"},
    )
    path = write(tmp_path, "ids.jsonl", lines)

    result = load_file_tolerant(path, SETTINGS)

    assert [(s.id, s.source) for s in result.studies] == [
        ("pmid-555", f"{path}#1"),
        ("pmid-555", f"{path}#3"),
        (doi("10.1234/ab.c"), f"{path}#4"),
        (doi("10.1234/ab-c"), f"{path}#6"),
    ]
    assert [type(e) for e in result.errors] == [IdConflictError, IdConflictError]
    one_line(result.errors[0], "ids.jsonl line 2", "PMID 555", "ids.jsonl line 1")
    one_line(result.errors[1], "ids.jsonl line 5", "DOI 10.1234/ab.c", "ids.jsonl line 4")


def test_two_pubmed_articles_claiming_one_pmid_are_a_conflict(tmp_path: Path):
    text = pubmed_set(article("7", "First"), article("0007", "Second", OTHER_ABSTRACT))
    result = load_file_tolerant(write(tmp_path, "two.xml", text), SETTINGS)
    assert [s.title for s in result.studies] == ["First"]
    one_line(result.errors[0], "two.xml article 2", "PMID 7", "two.xml article 1")
