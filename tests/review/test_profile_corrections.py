"""A reviewer corrects the study profile: caveats and credibility derived again by the profiler's
rules, the draft re-checked (or redrafted) as a new revision, the correction on the audit trail,
kept by later drafts of the same abstract, and refused in one line when it makes no sense."""

from __future__ import annotations

import pytest
from helpers import GOOD_DRAFT as GOOD
from helpers import TRIAL_ABSTRACT, Scripted, seed

from pipeline import review
from pipeline.backends import make_backend
from pipeline.batch import Context
from pipeline.drafting import Prompts
from pipeline.errors import ReviewConflict, ReviewError
from pipeline.house import load_house
from pipeline.ingest import load_text
from pipeline.profile import profile_study, rederive
from pipeline.settings import Settings
from pipeline.store import Store

ASSOCIATION = "caveat.association_not_causation"


def failing_errors(record) -> list[str]:
    return [c.id for c in record.failing if c.severity == "error"]


def test_rederive_is_where_profile_study_ends(settings: Settings) -> None:
    study = load_text(f"Title: A pill and walking\n{TRIAL_ABSTRACT}", "t", settings)
    profile = profile_study(study, settings)
    assert rederive(study, profile, settings) == profile


def test_a_trial_corrected_to_a_cohort_needs_the_association_caveat_until_the_text_says_it(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    before = store.latest(study_id)
    assert before.profile.design == "rct" and ASSOCIATION not in failing_errors(before)
    done = review.correct_profile(
        store, settings, study_id, "ana", "people were followed, not assigned", design="cohort"
    )
    record = done.record
    assert record.revision == 2 and store.state(study_id) == "needs_review"
    assert record.profile.design == "cohort" and record.profile.observational
    assert record.profile.required_caveats == ["association_not_causation", "consult_clinician"]
    assert done.added == ["association_not_causation"] and done.credibility == (4, 3)
    assert record.summary.credibility.score == 3  # cohort: base 3, from house.toml
    assert record.summary.what_they_found == before.summary.what_they_found  # re-checked only
    assert ASSOCIATION in failing_errors(record) and record.status == "needs_attention"
    assert record.profile.confidence["design"].level == "high"
    assert "corrected by ana: people were followed" in record.profile.confidence["design"].reason
    # The house wording for the caveat, edited in: the check passes under the corrected profile.
    considerations = (
        "This study shows a link, not proof that one thing causes another. "
        + record.summary.important_considerations
    )
    summary = record.summary.model_copy(update={"important_considerations": considerations})
    edited = review.edit(store, settings, study_id, summary, "ana")
    assert ASSOCIATION not in failing_errors(edited.record)
    assert edited.record.profile.design == "cohort"


def test_the_correction_is_on_the_audit_trail_with_who_when_why_old_and_new(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    review.correct_profile(
        store, settings, study_id, "ana", "the methods say 127", design="cohort", participants=127
    )
    [row] = store.profile_corrections(study_id)
    assert row["reviewer"] == "ana" and row["reason"] == "the methods say 127" and row["at"]
    assert row["old"] == {"design": "rct", "participants": 240}
    assert row["new"] == {"design": "cohort", "participants": 127}
    assert row["revision"] == 2
    event = store.events(study_id)[-1]
    assert event["kind"] == "profile_corrected" and event["actor"] == "ana"
    assert "design rct → cohort" in event["detail"] and "participants 240 → 127" in event["detail"]
    assert "reason: the methods say 127" in event["detail"]
    assert store.reviews(study_id)[-1]["action"] == "correct_profile"
    assert store.profile(study_id).design == "cohort"
    assert store.revision_log(study_id)[-1]["author"] == "ana"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"design": "cohrt"}, "unknown design 'cohrt'; choose one of"),
        ({"species": "fish"}, "unknown species 'fish'; choose one of people"),
        ({"participants": "-3"}, "between 1 and 100,000,000"),
        ({"participants": "0"}, "between 1 and 100,000,000"),
        ({"participants": "500000000"}, "between 1 and 100,000,000"),
        ({"participants": "12.5"}, "a whole number of people"),
        ({"participants": "lots"}, "a whole number of people"),
        ({"species": "animals"}, "is a study of people, not animals; correct the design too"),
        ({"design": "animal", "participants": "12"}, "participants count people"),
        ({"design": "rct"}, "the correction changes nothing"),
        ({}, "say what to correct"),
    ],
)
def test_nonsense_is_refused_in_one_line_and_nothing_is_written(
    store: Store, settings: Settings, fields: dict, message: str
) -> None:
    study_id = seed(settings)
    before = (len(store.events(study_id)), len(store.revisions(study_id)))
    with pytest.raises(ReviewError, match=message) as caught:
        review.correct_profile(store, settings, study_id, "ana", "a reason", **fields)
    assert "\n" not in str(caught.value)
    assert (len(store.events(study_id)), len(store.revisions(study_id))) == before
    assert store.profile_corrections(study_id) == []


def test_a_reason_and_a_reviewer_are_required(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    with pytest.raises(ReviewError, match="a reason for the correction is required"):
        review.correct_profile(store, settings, study_id, "ana", "  ", design="cohort")
    with pytest.raises(ReviewError, match="a reviewer name is required"):
        review.correct_profile(store, settings, study_id, " ", "why", design="cohort")


def test_a_design_brings_its_species_and_a_count_of_none_is_not_stated(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    done = review.correct_profile(store, settings, study_id, "ana", "mice", design="Animal study")
    assert done.record.profile.species == "animals" and done.record.profile.participants is None
    assert "animal_model" in done.added
    assert done.changes["participants"] == (240, None)
    done = review.correct_profile(
        store, settings, study_id, "ana", "people after all", design="case-control"
    )
    assert done.record.profile.species == "people" and done.record.profile.participants is None
    other = seed(settings, TRIAL_ABSTRACT + " Falls were also counted.")
    done = review.correct_profile(
        store, settings, other, "ana", "8 to 12 per group, no total", participants="not stated"
    )
    assert done.changes == {"participants": (240, None)}
    assert "small_sample" not in done.record.profile.required_caveats


@pytest.mark.parametrize("state", ["approved", "published"])
def test_a_correction_after_approval_needs_approval_again_like_an_edit(
    store: Store, settings: Settings, state: str
) -> None:
    study_id = seed(settings)
    review.decide(store, study_id, "approve", "bo")
    if state == "published":
        review.publish(store, settings, study_id, by="bo")
    review.correct_profile(store, settings, study_id, "ana", "a cohort", design="cohort")
    assert store.state(study_id) == "needs_review"
    assert len(store.publications(study_id)) == (1 if state == "published" else 0)


@pytest.mark.parametrize("state", ["queued", "drafting", "rejected", "failed"])
def test_a_correction_is_refused_where_an_edit_is(
    store: Store, settings: Settings, state: str
) -> None:
    study_id = seed(settings)
    store.set_state(study_id, state, actor="test")
    with pytest.raises(ReviewError, match=f"is {state}.*a profile correction needs a study"):
        review.correct_profile(store, settings, study_id, "ana", "why", design="cohort")
    assert store.profile_corrections(study_id) == []


def test_a_correction_of_a_revision_since_replaced_is_a_conflict(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    review.correct_profile(store, settings, study_id, "ana", "a cohort", design="cohort")
    with pytest.raises(ReviewConflict, match="revision 2"):
        review.correct_profile(
            store, settings, study_id, "bo", "a trial", design="cohort", seen=review.Seen(None, 1)
        )


def test_a_redraft_on_request_writes_the_caveat_the_correction_requires(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    done = review.correct_profile(
        store,
        settings,
        study_id,
        "ana",
        "a cohort",
        design="cohort",
        redraft=True,
        backend=make_backend(settings.model_copy(update={"backend": "offline"})),
    )
    assert done.record.offline and done.redraft_error is None
    assert ASSOCIATION not in failing_errors(done.record)
    assert "link" in done.record.summary.important_considerations.lower()


def test_later_drafts_of_the_same_abstract_keep_the_correction(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    review.correct_profile(store, settings, study_id, "ana", "127 in all", participants=127)
    review.correct_profile(store, settings, study_id, "bo", "a cohort", design="cohort")
    review.decide(store, study_id, "request_changes", "bo", note="say it is a link")
    ctx = Context(settings, store, Scripted([GOOD]), load_house(settings), Prompts.load(settings))
    review.redraft(ctx, study_id, "bo")
    profile = store.latest(study_id).profile
    assert (profile.design, profile.participants) == ("cohort", 127)
    assert "association_not_causation" in profile.required_caveats
    assert profile.confidence["participants"].reason == "corrected by ana: 127 in all"
    assert profile.confidence["design"].reason == "corrected by bo: a cohort"


def test_a_changed_abstract_is_profiled_afresh(store: Store, settings: Settings) -> None:
    study_id = seed(settings, "PMID: 99000111\n" + TRIAL_ABSTRACT)
    review.correct_profile(store, settings, study_id, "ana", "a cohort", design="cohort")
    assert seed(settings, "PMID: 99000111\n" + TRIAL_ABSTRACT + " Falls were counted.") == study_id
    assert store.latest(study_id).profile.design == "rct"
    assert store.profile_correction(study_id, store.study(study_id).content_hash) == {}
