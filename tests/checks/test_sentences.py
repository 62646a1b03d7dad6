"""structure.sentences: a sentence an editor would strike at once fails the draft."""

from __future__ import annotations

import pytest
from helpers import TRIAL_ABSTRACT, make_profile, make_study, make_summary

from pipeline.checks import run_checks
from pipeline.settings import Settings
from pipeline.text import lowered_start, mend_brackets, sentence_problem

SETTINGS = Settings()

# Each one seen in an offline draft of the corpus, or the way a small model breaks off.
BROKEN = {
    "Researchers followed people with infection over time to learn about the.": "ends on",
    "Other common may cause include thyroiditis, goiter and adenomas.": "two verbs",
    "Children have an may increase susceptibility to infection.": '"may"',
    "3M3SH is may produce in the underarm.": '"may"',
    "In cells linked to cancer, 1.": "fragment",
    "People with MS who want to understand Brown Brown may find this useful.": "repeated",
    "Research on right- adds to what is known about health.": "hyphen",
    "Respondents were more likely to have had cholera education (33% v. 9%.": "bracket",
    "2)) have not been reported in earlier studies.": "bracket",
    "This receptor is present not only.": "ends on",
    "In cells linked to HIV, evolutionary conservation of Vpr suggests an important.": "noun",
    "In cells grown in a lab, while interferon treatment of liver cells activates autophagy.": (
        "opening part"
    ),
    "Five of the six trials compared AZT+ddI with AZT+ddC: in these.": "cut",
    "Feedback is thought to run through kisspeptin cells in two nuclei,.": "cut",
    "Walking was not improved at 8 weeks [40.6% vs. 44.6%.": "bracket",
    "The researchers suggest that when contrast is reduced more for distant objects.": (
        "opening part"
    ),
    "The device clumps protein after exposure to an flow field.": "article",
}
WHOLE = [
    "Comparator means what a treatment is compared with.",
    "Augmentation means boosting or adding to.",
    "Activator means something that switches another thing on.",
    "Because people were put into groups at random, this trial gives fairly strong evidence "
    "about Strep A.",
    "People with MS who are curious about Strep A may want to know what this study saw.",
    "Neither high- nor low-potassium diets changed the result.",
    "Walking speed rose by 18% (about 2 seconds over 25 feet) in the pill group.",
    "The visit in May was the last one.",
    "A single case can show what lesions may do, but not how common that is.",
    "While the drug was given, relapses were fewer.",
    "Two drugs were compared: fampridine and placebo.",
    "The ratio of women to men was 3:1.",
    "Results were alike for both doses [1].",
    "The finding was new.",
    "They found that when contrast is reduced, distant objects look closer.",
    "An hour later, an MRI, an sgRNA screen, an x-ray and an honest answer followed.",
]


@pytest.mark.parametrize("sentence", sorted(BROKEN))
def test_a_broken_sentence_is_named_with_why(sentence: str) -> None:
    why = sentence_problem(sentence)
    assert why and BROKEN[sentence] in why, (sentence, why)


@pytest.mark.parametrize("sentence", WHOLE)
def test_a_whole_sentence_passes(sentence: str) -> None:
    assert sentence_problem(sentence) is None


def test_the_check_fails_the_draft_and_marks_the_sentence() -> None:
    study = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")
    good = run_checks(study, make_profile(), make_summary(), SETTINGS)
    assert next(c for c in good if c.id == "structure.sentences").passed
    broken = "Researchers also looked at the."
    summary = make_summary(what_they_found=make_summary().what_they_found + " " + broken)
    check = next(
        c
        for c in run_checks(study, make_profile(), summary, SETTINGS)
        if c.id == "structure.sentences"
    )
    assert not check.passed and check.severity == "error"
    assert [s.text for s in check.spans] == [broken] and broken in check.message


def test_a_sentence_cut_inside_a_bracket_keeps_what_comes_before() -> None:
    assert (
        mend_brackets("Benefit was clear (risk ratio 1.27, 95% confidence interval 1.05 to 1.54.")
        == "Benefit was clear."
    )
    whole = "Walking speed rose by 18% (about 2 seconds) in the pill group."
    assert mend_brackets(whole) == whole


@pytest.mark.parametrize(
    ("sentence", "abstract", "expected"),
    [
        # capitalised only because it opened a sentence, whatever capitals follow it
        ("A key obstacle has been the ATP site.", "", "a key obstacle has been the ATP site."),
        ("Virophages are widespread.", "Virophages are common. We saw virophages.", "virophages"),
        ("Ionomycin causes fission.", "Ionomycin, a drug, was used.", "ionomycin"),
        # names and codes keep their case
        ("Drosophila muscles differ.", "We studied muscle in Drosophila larvae.", "Drosophila"),
        ("IL-6 was higher.", "", "IL-6"),
        ("Parkinson's disease differs.", "", "Parkinson's"),
    ],
)
def test_a_sentence_after_a_lead_starts_lower_case_unless_a_name(
    sentence: str, abstract: str, expected: str
) -> None:
    assert lowered_start(sentence, abstract).startswith(expected)
