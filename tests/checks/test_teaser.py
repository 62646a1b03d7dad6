"""structure.teaser: the site card's line, and the offline drafter's teasers that pass it."""

from __future__ import annotations

import pytest
from helpers import TRIAL_ABSTRACT, make_profile, make_study, make_summary

from pipeline.backends.offline import OfflineBackend
from pipeline.backends.offline.titles import compose_teaser
from pipeline.checks import run_checks
from pipeline.drafting import draft_study
from pipeline.profile import profile_study
from pipeline.records import CheckResult, HouseSummary
from pipeline.settings import Settings

SETTINGS = Settings()
STUDY = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")
GOOD = "Study finds a daily pill may help some people with MS walk faster."


def teaser_check(teaser: str) -> CheckResult:
    summary = make_summary(teaser=teaser)
    checks = run_checks(STUDY, make_profile(), summary, SETTINGS)
    return next(c for c in checks if c.id == "structure.teaser")


def test_a_plain_hedged_line_starting_with_a_verb_passes() -> None:
    for teaser in (
        GOOD,
        "Learn how a daily pill may help people with MS walk faster.",
        "Discover what a trial of 240 people found about walking speed in MS.",
        "A new trial suggests a daily pill may help walking in MS.",
    ):
        check = teaser_check(teaser)
        assert check.passed and check.severity == "error", (teaser, check.message)


@pytest.mark.parametrize(
    ("teaser", "problem"),
    [
        (GOOD + " " + "And it may help with much more than walking, too." * 2, "at most 110"),
        ("A daily pill may help people with MS walk faster.", "start with a verb"),
        ("Study finds a daily pill is a cure for slow walking in MS.", "claims more"),
        ("Study finds a daily pill raised walking speed by 31% in MS.", "31 is not in"),
        ("Study finds a daily pill may help EDSS scores in MS.", "EDSS is not in the summary"),
        ("Learn more at https://example.com/pill now.", "plain text only"),
        ("Learn how <b>a pill</b> may help walking in MS.", "plain text only"),
        ("Learn how a pill may help. It is daily.", "one sentence"),
    ],
)
def test_what_a_teaser_gets_wrong_is_named(teaser: str, problem: str) -> None:
    check = teaser_check(teaser)
    assert not check.passed and check.severity == "error"
    assert problem in check.message and check.spans[0].section == "teaser"


def test_an_acronym_the_summary_uses_or_the_house_knows_is_fine() -> None:
    assert teaser_check("Study finds a daily pill may help walking in MS, seen on MRI.").passed
    assert teaser_check("Learn how RNAs may change in people with MS.").passed
    plural = make_summary(
        teaser="Study finds a TCA may help walking in MS.",
        what_they_found=make_summary().what_they_found
        + " Tricyclic antidepressants (TCAs) were also given.",
    )
    checks = run_checks(STUDY, make_profile(), plural, SETTINGS)
    assert next(c for c in checks if c.id == "structure.teaser").passed


def test_a_draft_from_before_teasers_only_warns() -> None:
    check = teaser_check("")
    assert not check.passed and check.severity == "warning"


def test_the_teaser_restates_the_takeaway_or_the_title() -> None:
    text = "Vitamin D may be linked to fewer relapses in people with MS."
    assert (
        compose_teaser("How Vitamin D May Be Linked to Relapse Rate in MS", text, [], text)
        == "Study finds vitamin D may be linked to fewer relapses in people with MS."
    )
    lead = "A trial suggests a daily pill may help some people with MS walk faster."
    assert compose_teaser("T", lead, [], lead).startswith("Study suggests a daily pill may")
    setting = "In mice, a drug may protect the coating of nerves."
    title = "How a Drug May Protect Myelin in Mice With Lab-Grown Cells"
    assert (
        compose_teaser(title, setting, [], setting)
        == "Learn how a drug may protect myelin in mice with lab-grown cells."
    )
    long = "Higher " + "very " * 30 + "long takeaway."
    assert compose_teaser("Vitamin D and Relapses", long, ["Vitamin D"], long) == (
        "Discover what a new study found: vitamin D and relapses."
    )


def test_a_name_the_summary_capitalises_stays_capitalised() -> None:
    text = "Graves disease may change thyroid levels. People with Graves disease took part."
    teaser = compose_teaser("How Graves Disease May Affect Thyroid Levels", "", [], text)
    assert teaser == "Learn how Graves disease may affect thyroid levels."


def test_offline_drafts_carry_a_teaser_that_passes() -> None:
    record = draft_study(STUDY, profile_study(STUDY, SETTINGS), OfflineBackend(SETTINGS), SETTINGS)
    check = next(c for c in record.checks if c.id == "structure.teaser")
    assert record.summary.teaser and check.passed, (record.summary.teaser, check.message)
    assert isinstance(record.summary, HouseSummary) and len(record.summary.teaser) <= 110
