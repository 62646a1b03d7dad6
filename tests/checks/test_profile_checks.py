"""profile.uncertain: a guessed design or species is a warning a reviewer sees, with the rival."""

from __future__ import annotations

from helpers import TRIAL_ABSTRACT, make_profile, make_study, make_summary

from pipeline.checks import run_checks, uncertain_fields
from pipeline.profile import profile_study
from pipeline.records import CheckResult, Design, FieldConfidence, StudyProfile
from pipeline.settings import Settings

SETTINGS = Settings()
STUDY = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")


def uncertain(profile: StudyProfile) -> CheckResult:
    checks = run_checks(STUDY, profile, make_summary(), SETTINGS)
    return next(c for c in checks if c.id == "profile.uncertain")


def test_a_sure_profile_passes() -> None:
    profile = profile_study(STUDY, SETTINGS)
    assert profile.confidence["design"].level == "high"
    check = uncertain(profile)
    assert check.passed and check.severity == "warning"


def test_a_low_confidence_design_is_a_warning_naming_the_rival_and_the_evidence() -> None:
    profile = make_profile(
        design=Design.cross_sectional,
        evidence={"design": "We measured fatigue in 214 people with MS."},
        confidence={
            "design": FieldConfidence(level="low", reason="no design named", alternative="other"),
            "species": FieldConfidence(level="high", reason="214 people counted"),
        },
    )
    check = uncertain(profile)
    assert not check.passed and check.severity == "warning"
    assert "cross_sectional" in check.message and "other" in check.message
    assert "We measured fatigue in 214 people with MS." in check.message
    assert uncertain_fields(profile) == ["design"]


def test_a_profile_of_people_with_no_design_named_is_flagged_end_to_end() -> None:
    study = make_study(
        "Sleep problems are common in multiple sclerosis. We measured sleep quality and fatigue "
        "in 214 people with MS attending two clinics. Poor sleep was reported by 61% and was "
        "linked with worse fatigue scores. Sleep deserves attention in MS care."
    )
    profile = profile_study(study, SETTINGS)
    assert profile.design != Design.other
    assert not uncertain(profile).passed


def test_a_profile_stored_before_confidence_existed_passes() -> None:
    assert uncertain(make_profile()).passed
