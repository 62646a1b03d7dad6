"""Participants: the total studied, all groups and arms together, never one group alone."""

from __future__ import annotations

import pytest
from helpers import make_study

from pipeline.profile import profile_study
from pipeline.profile.counts import count_people
from pipeline.settings import Settings
from pipeline.text import sentences


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("We studied 83 patients with psoriasis and 44 healthy controls.", 127),
        ("Patients (n = 83) and healthy controls (n = 44) underwent MRI.", 127),
        ("We recruited 83 patients. Forty-four healthy controls were also recruited.", 127),
        ("We compared 83 patients with 44 controls.", 127),
        ("Of 83 patients and 44 controls, 20 had the variant.", 127),
        ("We enrolled 60 women in the intervention group and 58 in the control group.", 118),
        ("The intervention group (n = 60) and the control group (n = 58) were alike.", 118),
        # A total already stated is not added to again.
        ("A total of 127 participants took part. Of these, 44 were healthy controls.", 127),
        ("Thirty patients were randomized to drug (n = 15) or placebo (n = 15).", 30),
        ("We recruited 34 patients, including 14 with epilepsy.", 34),
        # Per-group ranges without a total: not stated.
        ("Participants (n = 8 to 12 per group) were randomised to three doses.", None),
    ],
)
def test_the_total_studied_sums_the_groups(text: str, total: int | None) -> None:
    assert count_people(sentences(text))[0] == total


def test_patients_from_the_literature_are_not_this_studys() -> None:
    n, _ = count_people(
        sentences(
            "We report 3 previously unpublished cases of the disease with serial MRI. Of the 21 "
            "published cases with serial MRI, 13 patients underwent treatment, and of this "
            "subset 4 patients improved."
        )
    )
    assert n == 3


def test_a_sum_of_arms_is_medium_confidence_a_stated_total_high() -> None:
    arms = profile_study(
        make_study(
            "Patients with migraine were treated with the drug (n = 85) or placebo (n = 89) for "
            "twelve weeks. Headache days fell more with the drug than with placebo in this trial."
        ),
        Settings(),
    )
    assert arms.participants == 174
    assert arms.confidence["participants"].level == "medium"
    stated_text = (
        "A total of 240 adults with migraine were randomly assigned to drug or placebo. "
        "Headache days fell more with the drug over twelve weeks of treatment."
    )
    stated = profile_study(make_study(stated_text), Settings())
    assert stated.participants == 240
    assert stated.confidence["participants"].level == "high"


def test_how_many_a_disease_affects_is_not_a_sample() -> None:
    text = (
        "Multiple sclerosis affects about 2,800,000 people worldwide. Its causes include genes "
        "and environment. This overview summarises diagnosis and care for general practitioners."
    )
    profile = profile_study(make_study(text), Settings())
    assert profile.participants is None
    assert profile.design.value == "narrative_review"


def test_a_review_that_sizes_each_trial_gives_their_sum() -> None:
    text = (
        "Two trials met the inclusion criteria. One trial compared the drug with placebo in 36 "
        "patients and found no difference in memory at 36 weeks. In the second trial a newer "
        "drug was compared with placebo in 78 participants; memory did not differ at 12 weeks."
    )
    profile = profile_study(make_study(text), Settings())
    assert profile.design.value == "systematic_review"
    assert profile.participants == 114
    assert profile.confidence["participants"].level == "medium"


def test_a_review_total_is_not_added_to_its_trials() -> None:
    text = (
        "We included nine RCTs with 519 participants; one trial was at low risk of bias. The "
        "drug reduced pain (RR 0.7, 95% CI 0.6 to 0.9). Another trial of 33 people found no "
        "harm. The drug probably reduces pain after surgery."
    )
    assert profile_study(make_study(text), Settings()).participants == 519


def test_a_survey_in_one_country_keeps_its_sample() -> None:
    text = (
        "An online survey was completed by 1,203 people with MS in the UK. Most reported "
        "fatigue, and 40% had reduced working hours because of it. Fatigue is a major burden."
    )
    assert profile_study(make_study(text), Settings()).participants == 1203
