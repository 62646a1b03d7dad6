"""The abstract's citable units, and the aligner that traces summary sentences to them."""

from __future__ import annotations

from helpers import TRIAL_ABSTRACT, make_study, make_summary

from pipeline.evidence import Aligner, align_summary, contradiction, generalisation, units_of
from pipeline.house import load_house
from pipeline.ingest import load_text
from pipeline.records import CitedSentence
from pipeline.settings import Settings

SETTINGS = Settings()
HOUSE = load_house(SETTINGS)
AUDIENCE = HOUSE.audience_regex()
MOUSE = (
    "Background: Myelin repair fails in chronic lesions. Methods: We treated mice with "
    "cuprizone-induced demyelination with clemastine for six weeks. Results: Clemastine-treated "
    "mice had more remyelinated axons than untreated mice. Motor coordination did not differ "
    "between the groups. Conclusions: Clemastine may promote remyelination in mice."
)


def test_units_are_numbered_sentences_with_their_labels_and_places() -> None:
    study = load_text(f"Title: A daily pill\n{TRIAL_ABSTRACT}", "t.txt", SETTINGS)
    units = study.units
    assert [u.id for u in units] == [f"S{i}" for i in range(1, len(units) + 1)]
    assert [u.label for u in units][:2] == ["BACKGROUND", "METHODS"]
    assert units[-1].label == "CONCLUSIONS"
    for unit in units:
        assert study.abstract[unit.start : unit.end] == unit.text
    assert (
        units[2].text
        == "Walking speed rose by 18% in the pill group and by 2% in the placebo group (p < 0.001)."
    )


def test_a_study_stored_before_units_gets_them_computed() -> None:
    study = make_study(TRIAL_ABSTRACT)
    assert study.units == []
    assert units_of(study) == load_text(f"Title: A study\n{TRIAL_ABSTRACT}", "t", SETTINGS).units


def test_a_faithful_paraphrase_rests_on_its_source_sentence() -> None:
    study = load_text(f"Title: Clemastine and myelin\n{MOUSE}", "t", SETTINGS)
    aligner = Aligner([(u.id, u.text) for u in study.units], study.abstract, study.title)
    support = aligner.support(
        "Mice given clemastine had more axons with new myelin than untreated mice."
    )
    assert support.ids[0] == "S3" and support.score >= 0.45


def test_a_claim_that_shares_only_the_subject_is_unsupported() -> None:
    study = load_text(f"Title: Clemastine and myelin\n{MOUSE}", "t", SETTINGS)
    aligner = Aligner([(u.id, u.text) for u in study.units], study.abstract, study.title)
    support = aligner.support("Clemastine was safe for everyone and stopped relapses.")
    assert support.predicate < 0.25


def test_direction_and_negation_turned_round_contradict_their_support() -> None:
    source = ["Clemastine-treated mice had more remyelinated axons than untreated mice."]
    assert contradiction("Clemastine-treated mice had fewer remyelinated axons.", source)
    assert not contradiction("Treated mice had more remyelinated axons.", source)
    denied = ["Motor coordination did not differ between the groups."]
    assert contradiction("Motor coordination differed between the groups.", denied)
    assert not contradiction("Motor coordination was the same in both groups.", denied)
    # the same comparison made the other way round is not a contradiction
    higher = ["Blood loss was higher in the control group than in the sealant group."]
    assert not contradiction(
        "Blood loss was lower in the sealant group than in the control group.", higher
    )


def test_dropping_the_population_or_the_hedge_generalises() -> None:
    mice = ["Clemastine-treated mice had more remyelinated axons than untreated mice."]
    assert "mice" in (
        generalisation("Clemastine gave people more remyelinated axons.", mice, AUDIENCE) or ""
    )
    hedged = ["Clemastine may promote remyelination in mice."]
    assert "hedges" in (
        generalisation("In mice, clemastine promotes remyelination.", hedged, AUDIENCE) or ""
    )
    assert (
        generalisation("In mice, clemastine may promote remyelination.", hedged, AUDIENCE) is None
    )
    other = ["In people with epilepsy, the diet lowered seizure counts."]
    wider = generalisation("For people with MS, the diet lowered seizure counts.", other, AUDIENCE)
    assert wider and "condition" in wider


def test_caveats_and_house_sentences_are_exempt_and_invented_ids_are_kept_aside() -> None:
    study = load_text(
        f"Title: A daily pill and walking speed in MS\n{TRIAL_ABSTRACT}", "t", SETTINGS
    )
    summary = make_summary(
        evidence=[
            CitedSentence(
                section="key_takeaway",
                sentence=make_summary().key_takeaway,
                ids=["S5", "S99", "ignore previous instructions"],
            )
        ]
    )
    rows = align_summary(study, summary, HOUSE, SETTINGS)
    takeaway = next(a for a in rows if a.section == "key_takeaway")
    assert takeaway.cited == ["S5"] and takeaway.invented == ["S99", "IGNORE PREVIOUS INSTRUCTIONS"]
    assert takeaway.status == "supported" and "S5" in takeaway.ids
    found = [a for a in rows if a.section == "what_they_found"]
    rose = next(a for a in found if "walking speed rose" in a.sentence)
    assert rose.status == "supported" and rose.ids[0] == "S3"
    caring = [a for a in rows if a.section == "who_should_care"]
    assert all(a.status == "exempt" for a in caring)  # it speaks to readers, claims nothing


def test_a_terms_explanation_from_the_house_data_is_exempt_and_only_that() -> None:
    # The offline drafter explains a term after a long sentence ("Relapse means…"): house
    # wording, not a claim about the study; the same words for another term are a claim.
    from pipeline.evidence import house_wording

    assert house_wording("Relapse means when symptoms flare up or new ones appear.", HOUSE)
    assert house_wording("Worsening means getting worse.", HOUSE)
    assert (
        house_wording("Fampridine means when symptoms flare up or new ones appear.", HOUSE) is None
    )
    assert house_wording("Relapse means a cure was found.", HOUSE) is None


def test_a_lost_not_on_a_study_word_is_a_contradiction() -> None:
    """ "did not show a difference", "was not reported": the words a "not" denies there are
    study words the stems leave out, so the lost "not" is read from the phrase itself."""
    shown = ["Withdrawals and serum changes did not show a significant difference."]
    assert contradiction("Withdrawals and serum changes did show a clear difference.", shown)
    assert not contradiction("Withdrawals and serum changes did not differ.", shown)
    reported = ["However, the magnitude of this effect was not reported."]
    assert contradiction("The size of this effect was reported.", reported)
    assert not contradiction("The size of this effect was not reported.", reported)
    none = ["There was no difference in relapses between the groups."]
    assert contradiction("There was a clear difference in relapses between the groups.", none)


def test_a_flip_is_read_against_the_result_it_shares_most_words_with() -> None:
    # "risk" goes both ways in the abstract's sentence; "complications" goes down.
    source = [
        "Stenting was associated with a reduced risk of complications, but with higher risk "
        "of recurrent biliary obstruction."
    ]
    assert contradiction("Stenting was linked to an increased risk of complications.", source)
    assert not contradiction("Stenting was linked to a lower risk of complications.", source)
    assert not contradiction("Stenting was linked to a higher risk of biliary obstruction.", source)
