"""The study profile: design, species, conditions, size; the caveats and rating it implies."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from helpers import ROOT, make_study, profile_accuracy

from pipeline.ingest import load_file
from pipeline.profile import profile_study
from pipeline.records import Design, Study
from pipeline.settings import Settings

SETTINGS = Settings()
LABELS = ROOT / "tests" / "fixtures" / "profile_labels.jsonl"
HOLDOUT = ROOT / "tests" / "fixtures" / "profile_labels_holdout.jsonl"
BLIND = ROOT / "tests" / "fixtures" / "profile_labels_blind.jsonl"
NEW_BLIND = ROOT / "tests" / "fixtures" / "profile_labels_new.jsonl"


def _inputs() -> dict[str, Study]:
    studies = {}
    for path in sorted((ROOT / "inputs").iterdir()):
        for study in load_file(path, SETTINGS):
            studies[study.id] = study
    return studies


INPUTS = _inputs()


def profile_of(study_id: str):
    return profile_study(INPUTS[study_id], SETTINGS)


def test_mouse_study_needs_the_animal_caveat() -> None:
    profile = profile_of("pmid-99000003")
    assert profile.design == Design.animal
    assert profile.species == "animals"
    assert profile.animals == ["mice"]
    assert profile.studies_audience_condition  # EAE is the mouse model of MS
    assert profile.required_caveats == ["animal_model", "consult_clinician"]
    assert profile.credibility.score == 1
    assert "mice" in profile.evidence["species"]


def test_als_study_is_another_condition_and_observational() -> None:
    als = next(s for s in INPUTS.values() if "ALS" in s.title or "amyotrophic" in s.abstract)
    profile = profile_study(als, SETTINGS)
    assert profile.conditions == ["ALS"]
    assert not profile.studies_audience_condition
    assert profile.participants == 125  # 85 people with ALS and 40 controls
    assert set(profile.required_caveats) == {
        "other_condition",
        "association_not_causation",
        "consult_clinician",
    }


def test_single_arm_pilot_is_preliminary_and_small() -> None:
    pilot = next(s for s in INPUTS.values() if "cycling" in s.title.lower())
    profile = profile_study(pilot, SETTINGS)
    assert profile.design == Design.nonrandomized_trial
    assert profile.has_comparison is False
    assert profile.participants == 24
    assert {"small_sample", "preliminary"} <= set(profile.required_caveats)
    assert profile.credibility.score == 2  # base 3, one point less, said in the reason
    assert "one point less" in profile.credibility.reason


def test_short_trial_needs_short_followup() -> None:
    profile = profile_of("pmid-99000009")
    assert profile.design == Design.rct
    assert profile.followup_months == pytest.approx(3.0)
    assert {"small_sample", "short_followup"} <= set(profile.required_caveats)


def test_large_trial_needs_only_the_clinician_caveat() -> None:
    trial = next(s for s in INPUTS.values() if "fampridine" in s.abstract.lower())
    profile = profile_study(trial, SETTINGS)
    assert (profile.design, profile.participants) == (Design.rct, 240)
    assert profile.required_caveats == ["consult_clinician"]
    assert profile.credibility.score == 4


def test_cell_study_and_meta_analysis_and_case_control() -> None:
    by_design = Counter(profile_study(s, SETTINGS).design for s in INPUTS.values())
    for design in (
        Design.in_vitro,
        Design.meta_analysis,
        Design.case_control,
        Design.cohort,
        Design.cross_sectional,
    ):
        assert by_design[design] >= 1, design


def test_publication_type_outranks_wording() -> None:
    study = make_study(
        "We looked at 300 people with MS over two years and measured fatigue. " * 3,
        publication_types=["Randomized Controlled Trial"],
    )
    assert profile_study(study, SETTINGS).design == Design.rct


def test_future_work_is_not_the_design() -> None:
    study = make_study(
        "We followed 150 people with MS for two years in a prospective cohort. Fatigue was "
        "linked to poor sleep. A randomised controlled trial is now needed to test this."
    )
    assert profile_study(study, SETTINGS).design == Design.cohort


def test_audience_condition_is_a_setting() -> None:
    study = make_study(
        "We followed 150 people with epilepsy for two years in a prospective "
        "cohort. Seizures were linked to poor sleep in most of them."
    )
    ms = profile_study(study, SETTINGS)
    epilepsy = profile_study(study, Settings(audience_condition="epilepsy"))
    assert "other_condition" in ms.required_caveats
    assert "other_condition" in epilepsy.required_caveats  # "epilepsy" has no alias list yet
    assert ms.audience_condition == "MS"


def test_small_sample_threshold_is_a_setting() -> None:
    pilot = next(s for s in INPUTS.values() if "cycling" in s.title.lower())
    assert "small_sample" not in profile_study(pilot, Settings(small_sample=20)).required_caveats


def _accuracy(path: Path) -> tuple[dict[str, float], int]:
    accuracy, count, _ = profile_accuracy(path)
    print(
        f"profile accuracy on {path.name} ({count}):", {k: round(v, 3) for k, v in accuracy.items()}
    )
    return accuracy, count


def test_profile_accuracy_on_hand_labelled_abstracts() -> None:
    """Measured against 100+ corpus abstracts labelled by hand (tests/fixtures).

    The rules were developed against this set (issue 3), so it is a training score: the
    held-out set below is the honest one.
    """
    accuracy, count = _accuracy(LABELS)
    assert count >= 60
    # Measured 1.0 / 1.0 / 0.99 / 1.0 (was 0.755 / 0.922 / 0.784 / 0.99 before issue 3), and
    # still 1.0 / 1.0 / 0.99 / 1.0 after the issue-4 rules; 1.0 / 1.0 / 1.0 / 1.0 after issue 11.
    assert accuracy["design"] >= 0.98
    assert accuracy["species"] >= 0.98
    assert accuracy["participants"] >= 0.98
    assert accuracy["audience"] >= 0.98


def test_profile_accuracy_on_held_out_abstracts() -> None:
    """40 further corpus abstracts, first measured blind (0.55 / 0.725 / 0.925 / 1.0), then used
    as the development set for the issue-4 rules: a development score now, not a blind one.
    """
    accuracy, count = _accuracy(HOLDOUT)
    assert count == 40
    # Measured 0.925 / 0.975 / 0.95 / 1.0 after issue 4, 0.95 / 0.975 / 0.975 / 1.0 after
    # issue 11. Left: serial blood samples of treated patients and controls, now a cohort,
    # labelled cross-sectional; ex vivo mouse splenocytes read as live mice; a review of one
    # trial and population studies whose total is not stated.
    assert accuracy["design"] >= 0.92
    assert accuracy["species"] >= 0.95
    assert accuracy["participants"] >= 0.95
    assert accuracy["audience"] >= 0.95


def test_profile_accuracy_on_blind_abstracts() -> None:
    """50 more corpus abstracts (20 PLABA, 15 CELLS, 8 Cochrane, 7 eLife), labelled by hand
    before the issue-4 rules were written and measured once, after them, with no tuning since.
    """
    accuracy, count = _accuracy(BLIND)
    assert count == 50
    # Measured once: 0.80 / 0.88 / 0.94 / 1.0. Misses: animal studies that never name the
    # animal ("the animal", "mutant allele", "transgenic reporters"), chemistry and computational
    # methods read as cell studies, an IPD meta-analysis with no pooled-estimate wording, NMR of
    # human and bacterial proteins read as people, serial sampling in treated patients read as a
    # trial.
    assert accuracy["design"] >= 0.76
    assert accuracy["species"] >= 0.84
    assert accuracy["participants"] >= 0.90
    assert accuracy["audience"] >= 0.95


def test_profile_accuracy_on_the_issue_11_blind_abstracts() -> None:
    """114 abstracts (39 PLABA, 26 CELLS, 18 Cochrane, 12 eLife and all 19 PubMed XML articles
    with an abstract), labelled by reading before the issue-11 rules and measured once, after
    them; no tuning since.
    """
    accuracy, count = _accuracy(NEW_BLIND)
    assert count == 114
    # Measured once: 0.623 / 0.833 / 0.947 / 1.0, studies of people read as `other` 0.014
    # (before the issue-11 rules: 0.632 / 0.833 / 0.947 / 1.0, 0.072). Misses: plants, diatoms,
    # fish, crickets and annelids that no cue names (read as `other`, species unknown); reviews
    # whose per-trial estimates read as pooled; NLM's types on a nested case-control study
    # ("Observational Study") and a Mendelian randomisation study ("Meta-Analysis").
    assert accuracy["design"] >= 0.60
    assert accuracy["species"] >= 0.80
    assert accuracy["participants"] >= 0.92
    assert accuracy["audience"] >= 0.95
    assert accuracy["people_as_other"] <= 0.03


def test_every_field_keeps_its_evidence_sentence() -> None:
    profile = profile_of("pmid-99000009")
    for field in ("design", "participants", "followup"):
        assert profile.evidence[field] in INPUTS["pmid-99000009"].abstract
