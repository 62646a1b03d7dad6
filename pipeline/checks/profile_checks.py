"""Profile checks: a draft whose study profile is unsure of its design or species is flagged.

The profile decides which caveats a summary must carry and its credibility, so a design or
species the profiler could only guess (`profile.confidence[field].level == "low"`) is shown to
the reviewer as a warning, with the reason, the competing reading and the sentence it came
from. A warning never sends a draft back for revision: only a person can settle it.
"""

from __future__ import annotations

from pipeline.checks.base import CheckContext
from pipeline.records import CheckResult, StudyProfile

UNSURE_FIELDS = ("design", "species")


def uncertain_fields(profile: StudyProfile) -> list[str]:
    """The fields of `profile` a reviewer should confirm: design or species of low confidence."""
    return [
        name
        for name in UNSURE_FIELDS
        if (sure := profile.confidence.get(name)) is not None and sure.level == "low"
    ]


def _describe(profile: StudyProfile, name: str) -> str:
    sure = profile.confidence[name]
    value = getattr(profile, name)
    text = f"{name} read as {getattr(value, 'value', value)} ({sure.reason})"
    if sure.alternative:
        text += f", though it may be {sure.alternative}"
    evidence = profile.evidence.get(name)
    if evidence:
        text += f', from "{evidence}"'
    return text


def check_profile_uncertain(ctx: CheckContext) -> list[CheckResult]:
    """`profile.uncertain` (warning): fails when the design or species is low-confidence."""
    unsure = uncertain_fields(ctx.profile)
    if not unsure:
        message = "The study profile is sure enough of the design and species."
    else:
        message = (
            "Confirm the study profile: "
            + "; ".join(_describe(ctx.profile, name) for name in unsure)
            + ". The required caveats and the credibility follow from it."
        )
    return [
        CheckResult(id="profile.uncertain", severity="warning", passed=not unsure, message=message)
    ]
