"""`pls eval --profile-corrections` as a library call: one label per corrected study with the
profile as corrected and the study it labels; a correction whose abstract changed is left out."""

from __future__ import annotations

from pathlib import Path

from helpers import TRIAL_ABSTRACT, seed, trial_settings

from pipeline import review
from pipeline.evaluate import correction_labels
from pipeline.records import Study
from pipeline.store import Store

PMID = "PMID: 99000222\n"


def test_one_label_per_study_with_every_correction_noted(tmp_path: Path) -> None:
    settings = trial_settings(tmp_path)
    study_id = seed(settings)
    untouched = seed(settings, TRIAL_ABSTRACT + " Falls were also counted.")
    with Store(settings.db_path) as store:
        review.correct_profile(store, settings, study_id, "ana", "a cohort", design="cohort")
        review.correct_profile(store, settings, study_id, "bo", "127 in all", participants=127)
        found = correction_labels(store)
    [label] = found.labels
    assert found.stale == [] and untouched not in {label["id"]}
    assert (label["id"], label["design"], label["participants"]) == (study_id, "cohort", 127)
    assert label["studies_ms"] is True and label["conditions"] == ["MS"]
    assert label["corrected"] == ["design", "participants"] and label["reviewers"] == ["ana", "bo"]
    assert (
        "ana at " in label["note"]
        and ": a cohort" in label["note"]
        and "127 in all" in label["note"]
    )
    assert Study.model_validate(label["study"]).abstract.startswith("Background: Walking")


def test_a_correction_of_an_abstract_since_changed_is_left_out(tmp_path: Path) -> None:
    settings = trial_settings(tmp_path)
    study_id = seed(settings, PMID + TRIAL_ABSTRACT)
    with Store(settings.db_path) as store:
        review.correct_profile(store, settings, study_id, "ana", "a cohort", design="cohort")
    seed(settings, PMID + TRIAL_ABSTRACT + " Falls were also counted.")
    with Store(settings.db_path) as store:
        found = correction_labels(store)
    assert found.labels == [] and found.stale == [study_id]
