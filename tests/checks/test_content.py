"""Checks that know when a draft says nothing: the takeaway states the finding, the findings
carry the main result, the title is the house's, nothing is pasted, generic or said twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT

from pipeline.checks import run_checks
from pipeline.ingest import discover, load_file
from pipeline.profile import main_finding, profile_study
from pipeline.records import HouseSummary, Rating, Study
from pipeline.settings import Settings

SETTINGS = Settings()
BEFORE = ROOT / "tests" / "fixtures" / "offline_drafts_before_issue9.jsonl"


def samples() -> dict[str, Study]:
    return {s.id: s for p in discover(ROOT / "inputs") for s in load_file(p, SETTINGS)}


def summary(**fields: object) -> HouseSummary:
    base = {
        "title": "How Vitamin D May Be Linked to Relapses in MS",
        "key_takeaway": "Higher vitamin D levels may be linked to fewer relapses in MS.",
        "what_they_found": "x",
        "who_should_care": "y",
        "important_considerations": "z",
        "topics": ["vitamin D", "relapses", "MRI"],
        "credibility": Rating(score=3, reason="Cohort study."),
        "interest": Rating(score=4, reason="Studies people with MS."),
    }
    return HouseSummary(**{**base, **fields})


def verdict(study: Study, text: HouseSummary, cid: str):
    profile = profile_study(study, SETTINGS)
    return next(c for c in run_checks(study, profile, text, SETTINGS) if c.id == cid)


VITAMIN_D = "doi-10-5555-pls-sample-002"


@pytest.mark.parametrize(
    "takeaway",
    [
        "A study in people with MS looked at vitamin D.",
        "Researchers examined vitamin D and relapses in people with MS.",
        "This study is about vitamin D in MS.",
        "A new study explores sleep in people with MS.",
        # Found by benchmarks/content_mutations.py: a question, and a topic holding a
        # direction word, passed before.
        "The researchers asked whether vitamin D is linked to relapse rate.",
        "A study in people with MS looked at higher vitamin D levels and relapses.",
        "Does vitamin D go with fewer relapses in people with MS?",
        # A finding said to exist, not said; and what is unknown instead of what was found.
        # The first is the offline drafter's last-resort line, which passed on its "more".
        "In people with MS, this study found early signs about vitamin D that need more research.",
        "This study sheds new light on vitamin D and relapses in people with MS.",
        "New research adds to what we know about vitamin D in MS.",
        "More research is needed on vitamin D and relapses in people with MS.",
        "How vitamin D affects relapses in people with MS remains unclear.",
        "Relapse rates by vitamin D level were not reported.",
    ],
)
def test_a_topic_only_takeaway_fails_and_quotes_the_conclusion(takeaway: str) -> None:
    result = verdict(samples()[VITAMIN_D], summary(key_takeaway=takeaway), "content.takeaway")
    assert not result.passed and result.severity == "error"
    assert "higher vitamin D levels were associated with fewer relapses" in result.message


@pytest.mark.parametrize(
    "takeaway",
    [
        "Higher vitamin D levels may be linked to fewer relapses in people with MS.",
        "People with MS who had more vitamin D in their blood tended to have fewer flare-ups.",
        "In MS, low vitamin D may go with more relapses and more new spots on brain scans.",
        "A study that looked at 1,112 people found fewer relapses with higher vitamin D.",
        "Their studies revealed that higher vitamin D levels go with fewer relapses in MS.",
    ],
)
def test_a_takeaway_that_states_the_finding_passes(takeaway: str) -> None:
    assert verdict(samples()[VITAMIN_D], summary(key_takeaway=takeaway), "content.takeaway").passed


def test_every_sample_draft_from_before_fails_the_takeaway_check() -> None:
    """The drafts the offline drafter wrote before these checks ("A study … looked at X"):
    every one states no finding, and every one used to pass."""
    studies = samples()
    rows = [json.loads(line) for line in BEFORE.read_text("utf-8").splitlines()]
    assert len(rows) == 10
    for row in rows:
        old = summary(**row["summary"])
        assert not verdict(studies[row["study_id"]], old, "content.takeaway").passed, row


def test_paper_titles_and_odd_casing_fail_the_title_check() -> None:
    study = samples()[VITAMIN_D]
    for title, problem in [
        ("Serum 25-hydroxyvitamin D concentrations and relapse activity", "copies the paper"),
        ("New Study on Choroid plexus and inflammation", "mixes sentence case"),
        ("How 25(OH)D and EDSS Relate in MS", "acronym"),
        ("Vitamin D, relapses and MS", None),
        ("How Vitamin D May Be Linked to Relapses in MS", None),
    ]:
        result = verdict(study, summary(title=title), "structure.title")
        if problem:
            assert not result.passed and problem in result.message, (title, result.message)
        else:
            assert result.passed, (title, result.message)


def test_findings_that_skip_the_main_result_are_flagged() -> None:
    study = samples()[VITAMIN_D]
    secondary = (
        "Researchers followed 1,112 people with MS over time. Vitamin D was not clearly linked "
        "to disability. Most people finished the study. The team measured vitamin D twice a year."
    )
    main = (
        "People with higher vitamin D levels had fewer relapses and fewer new MRI lesions. "
        "Researchers followed 1,112 people with MS over time. Vitamin D was not clearly "
        "linked to disability. The team measured vitamin D twice a year."
    )
    assert not verdict(study, summary(what_they_found=secondary), "content.main_result").passed
    assert verdict(study, summary(what_they_found=main), "content.main_result").passed


def test_pasted_abstract_and_echoed_prompt_text_are_caught() -> None:
    study = samples()[VITAMIN_D]
    pasted = " ".join(s.text for s in study.sections[-2:]) if study.sections else study.abstract
    result = verdict(study, summary(what_they_found=pasted), "content.copied")
    assert not result.passed and result.severity == "error"
    echoed = summary(
        what_they_found="Vitamin D was linked to fewer relapses. Write at US school grade 8 "
        "or lower for the whole summary. People took part for years. Most finished."
    )
    result = verdict(study, echoed, "content.copied")
    assert not result.passed and "prompt" in result.message
    # A number inside the instruction once hid it (found by benchmarks/content_mutations.py).
    numbered = summary(
        what_they_found="Vitamin D was linked to fewer relapses. Use short sentences (about 15 "
        "words) and everyday words. People took part for years. Most finished."
    )
    result = verdict(study, numbered, "content.copied")
    assert not result.passed and "prompt" in result.message


def test_a_style_example_sentence_is_caught_even_when_it_conveys_a_caveat() -> None:
    """Found by benchmarks/content_mutations.py: the style example's "With only 96 riders, this
    trial was small…" passed, because it conveys the small-study caveat; its facts are the
    made-up study's. The house's own caveat wording, also in the prompt, stays allowed."""
    study = samples()[VITAMIN_D]
    echoed = summary(
        important_considerations="With only 96 riders, this trial was small, so bigger studies "
        "need to confirm the cooling vest result. Talk with your healthcare provider before "
        "making any changes to your care."
    )
    result = verdict(study, echoed, "content.copied")
    assert not result.passed and "96 riders" in result.message
    assert "healthcare provider" not in result.message


def test_a_short_instruction_line_echoed_whole_is_caught() -> None:
    study = samples()[VITAMIN_D]
    echoed = summary(
        what_they_found="Vitamin D was linked to fewer relapses. Summarise this study in the "
        "house format. People took part for years. Most finished."
    )
    result = verdict(study, echoed, "content.copied")
    assert not result.passed and "Summarise this study" in result.message


def test_sentences_that_fit_any_study_are_boilerplate() -> None:
    study = samples()[VITAMIN_D]
    text = summary(
        what_they_found="Higher vitamin D levels went with fewer relapses. The team wrote up "
        "what they saw so others can check and build on it."
    )
    result = verdict(study, text, "content.boilerplate")
    assert not result.passed and "wrote up what they saw" in result.message


def test_one_everyday_word_in_common_does_not_make_a_sentence_specific() -> None:
    """Found by benchmarks/content_mutations.py: a sentence sharing one everyday word with the
    abstract ("risk") passed as being about the study."""
    study = samples()[VITAMIN_D]
    text = summary(
        what_they_found="Higher vitamin D levels went with fewer relapses. The results could "
        "matter to anyone at risk. Over 5,086 person-years, 987 relapses happened."
    )
    result = verdict(study, text, "content.boilerplate")
    assert not result.passed and "could matter to anyone at risk" in result.message
    assert "987 relapses" not in result.message  # a count the abstract states is specific


def test_a_finding_said_again_under_the_headline_is_marked() -> None:
    """Found reading the mouse sample beside its abstract: What They Found opened with the Key
    Takeaway word for word, where the house gives the detail behind the headline."""
    study = samples()[VITAMIN_D]
    again = "Higher vitamin D levels may be linked to fewer relapses."
    text = summary(what_they_found=f"{again} Over 5,086 person-years, 987 relapses happened.")
    result = verdict(study, text, "content.restated")
    assert not result.passed and result.severity == "warning"
    assert [s.text for s in result.spans] == [again]


@pytest.mark.parametrize(
    "sentence",
    [
        "Higher vitamin D levels may be linked to fewer relapses and fewer new MRI lesions.",
        "People with levels above 75 nmol/L had a 32% lower relapse rate.",  # its own numbers
        "Researchers followed 1,112 people with MS for 5 years.",
    ],
)
def test_a_sentence_that_adds_to_the_headline_is_not_restating(sentence: str) -> None:
    result = verdict(samples()[VITAMIN_D], summary(what_they_found=sentence), "content.restated")
    assert result.passed, result.message


def test_the_main_finding_is_read_from_the_conclusion_not_a_secondary_result() -> None:
    finding = main_finding(samples()[VITAMIN_D])
    assert finding.claim and "fewer relapses" in finding.claim
    assert finding.main_result and "14% lower relapse rate" in finding.main_result
    assert {"down", "link"} <= finding.directions


def test_new_offline_drafts_of_the_samples_pass_the_takeaway_check(tmp_path: Path) -> None:
    from pipeline.backends.offline import OfflineBackend
    from pipeline.drafting import draft_study

    for study in samples().values():
        record = draft_study(
            study, profile_study(study, SETTINGS), OfflineBackend(SETTINGS), SETTINGS
        )
        takeaway = next(c for c in record.checks if c.id == "content.takeaway")
        title = next(c for c in record.checks if c.id == "structure.title")
        assert takeaway.passed, (study.id, record.summary.key_takeaway, takeaway.message)
        assert title.passed, (study.id, record.summary.title, title.message)
        assert record.summary.title != study.title


def test_house_wording_the_drafter_inserts_states_no_number() -> None:
    """Explanations, analogies and Who Should Care sentences go into drafts of any study, so a
    number in them ("two", "six") would be a number the abstract never gave."""
    import tomllib

    from pipeline.text import analogies, explanations, number_values

    care = tomllib.loads((ROOT / "prompts" / "care.toml").read_text("utf-8"))
    texts = [
        *explanations().values(),
        *(a.text for a in analogies()),
        *(s for c in care["concept"] for s in (*c["why"], *c["caregivers"])),
        *care["shared"].values(),
    ]
    assert [t for t in texts if number_values(t)] == []
