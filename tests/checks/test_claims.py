"""grounding.claims, language.generalisation and content.omission (issue 12)."""

from __future__ import annotations

from helpers import TRIAL_ABSTRACT, make_profile, make_study, make_summary

from pipeline.checks import run_checks
from pipeline.records import CheckResult, CitedSentence, Design
from pipeline.settings import Settings

SETTINGS = Settings()
STUDY = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")
FOUND = make_summary().what_they_found


def result(cid: str, summary=None, profile=None, study=STUDY) -> CheckResult:
    checks = run_checks(study, profile or make_profile(), summary or make_summary(), SETTINGS)
    return next(c for c in checks if c.id == cid)


def test_a_faithful_summary_has_no_claim_error() -> None:
    claims = result("grounding.claims")
    assert (
        claims.passed or claims.severity == "warning"
    )  # "Half took a dummy pill" states no finding
    assert result("content.omission").passed
    assert result("language.generalisation").passed


def test_an_unsupported_finding_is_an_error_naming_the_sentence() -> None:
    claim = "The pill also cut relapses by half and was safe for everyone."
    claims = result("grounding.claims", make_summary(what_they_found=FOUND + " " + claim))
    assert not claims.passed and claims.severity == "error"
    assert claim in claims.message and [s.text for s in claims.spans][-1] == claim


def test_a_direction_turned_round_is_an_error() -> None:
    flipped = FOUND.replace("walking speed rose by 18%", "walking speed fell by 18%")
    claims = result("grounding.claims", make_summary(what_they_found=flipped))
    assert not claims.passed and claims.severity == "error" and "went down" in claims.message


def test_an_unsupported_sentence_in_who_should_care_is_a_warning() -> None:
    care = make_summary().who_should_care + " The pill lowered the number of relapses."
    claims = result("grounding.claims", make_summary(who_should_care=care))
    assert not claims.passed and claims.severity == "warning"


def test_a_sentence_citing_only_invented_ids_fails_and_the_ids_are_recorded() -> None:
    takeaway = make_summary().key_takeaway
    cited = [CitedSentence(section="key_takeaway", sentence=takeaway, ids=["S42"])]
    claims = result("grounding.claims", make_summary(evidence=cited))
    assert not claims.passed and claims.severity == "error" and "S42" in claims.message
    fine = [CitedSentence(section="key_takeaway", sentence=takeaway, ids=["S5", "S42"])]
    claims = result("grounding.claims", make_summary(evidence=fine))
    assert claims.severity == "warning" or claims.passed  # S5 is real; S42 is dropped, noted
    assert "S42" in claims.message


def test_an_animal_study_summarised_as_if_in_people_generalises() -> None:
    mice = TRIAL_ABSTRACT.replace("240 people with MS", "240 mice").replace(
        "in people with MS", "in mice"
    )
    study = make_study(mice, title="A daily pill and walking speed in mice")
    profile = make_profile(design=Design.animal, species="animals", animals=["mice"])
    summary = make_summary(key_takeaway="A daily pill may help people walk faster.")
    wider = result("language.generalisation", summary, profile, study)
    assert not wider.passed and wider.severity == "warning" and "mice" in wider.message


def test_a_hedge_dropped_generalises() -> None:
    summary = make_summary(key_takeaway="A daily pill improves walking speed in people with MS.")
    wider = result("language.generalisation", summary)
    assert not wider.passed and '"may"' in wider.message


def test_harms_a_trial_reports_must_be_conveyed() -> None:
    silent = FOUND.replace(" Side effects were mild.", "")
    omitted = result("content.omission", make_summary(what_they_found=silent))
    assert not omitted.passed and omitted.severity == "error" and "Side effects" in omitted.message
    cohort = make_profile(design=Design.cohort)
    assert (
        result("content.omission", make_summary(what_they_found=silent), cohort).severity
        == "warning"
    )


CELL_ABSTRACT = (
    "Myelin repair fails in multiple sclerosis, but the signals that stop it are not known. "
    "We cultured oligodendrocyte cells from 12 donors in vitro and exposed them to "
    "interferon-gamma for 48 hours. Interferon-gamma lowered the myelin protein made by each "
    "oligodendrocyte cell by 40%. Blocking the JAK pathway restored production. These results "
    "suggest that interferon-gamma may slow myelin repair."
)
CELLS = make_profile(
    design=Design.in_vitro, species="cells", required_caveats=["cell_study", "consult_clinician"]
)


def _cell_summary(found: str):
    return make_summary(
        title="A Signal That May Slow Myelin Repair",
        key_takeaway="In cells grown in a lab, interferon-gamma may slow myelin repair.",
        what_they_found=found,
    )


def test_a_cell_study_sentence_that_says_people_generalises_though_it_names_a_cell() -> None:
    # "cell" and "people" together once read as the cell caveat (so exempt) and as naming the
    # lab; only a sentence that says where the results stop is the caveat.
    study = make_study(CELL_ABSTRACT, title="Interferon-gamma and oligodendrocytes")
    found = (
        "Researchers grew cells in a lab from 12 donors. Interferon-gamma lowered the myelin "
        "protein made by each oligodendrocyte cell by 40% in people."
    )
    wider = result("language.generalisation", _cell_summary(found), CELLS, study)
    assert not wider.passed and "says people where the study was in lab cells" in wider.message
    assert "each oligodendrocyte cell by 40% in people" in wider.message


def test_a_cell_study_may_say_people_where_the_abstract_names_them_in_its_own_words() -> None:
    study = make_study(CELL_ABSTRACT, title="Interferon-gamma and oligodendrocytes")
    found = (
        "The researchers grew oligodendrocyte cells from 12 people in a lab. Interferon-gamma "
        "lowered the myelin protein made by each cell by 40%. This work was done with cells "
        "grown in a lab, not in people, so we do not know yet if the same happens in the body."
    )
    assert result("language.generalisation", _cell_summary(found), CELLS, study).passed


def test_a_person_or_institution_the_abstract_never_names_is_an_invented_name() -> None:
    made_up = " The trial was led by Dr. John Smith at the University of Oxford."
    summary = make_summary(what_they_found=FOUND + made_up)
    names = result("grounding.names", summary)
    assert not names.passed and names.severity == "error"
    assert [s.text for s in names.spans] == ["Dr. John Smith", "University of Oxford"]
    named = make_study(TRIAL_ABSTRACT + " Trial run at the University of Oxford.", title="A")
    summary = make_summary(what_they_found=FOUND + " It was run at the University of Oxford.")
    assert result("grounding.names", summary, study=named).passed


def test_harms_named_only_in_the_title_or_a_terms_explanation_are_not_conveyed() -> None:
    silent = FOUND.replace(" Side effects were mild.", "") + (
        " Oxidative stress means damage to cells from harmful forms of oxygen."
    )
    summary = make_summary(title="What a Study Found About Side Effects", what_they_found=silent)
    omitted = result("content.omission", summary)
    assert not omitted.passed and "harms it reports" in omitted.message


def test_an_unsupported_takeaway_is_an_error_even_when_it_states_no_direction() -> None:
    # What SmolLM2-135M wrote as a takeaway for the sleep survey (scripts/test-real-model).
    summary = make_summary(key_takeaway="Sleep is crucial for recovery and disease prevention.")
    claims = result("grounding.claims", summary)
    assert not claims.passed and claims.severity == "error"
    assert "Sleep is crucial" in claims.message
