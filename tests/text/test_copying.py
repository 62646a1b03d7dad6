"""What one text repeats of another: the stems it is compared by, pasted stretches, and a
sentence that only says the headline again."""

from __future__ import annotations

import pytest

from pipeline.text import pasted, restates, salient, stem


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("relapse", "relapses"),
        ("disease", "diseases"),
        ("increase", "increased"),
        ("lesion", "lesions"),
    ],
)
def test_a_word_and_its_inflection_share_a_stem(one: str, other: str) -> None:
    assert stem(one) == stem(other)


def test_short_words_keep_their_final_e() -> None:
    assert stem("mice") == "mice" and stem("rate") == "rate"


HEADLINE = "Poor sleep quality may be linked to fatigue in people with MS."


@pytest.mark.parametrize(
    "sentence",
    [
        "Poor sleep quality may be linked to fatigue.",
        "Poor sleep quality was linked to fatigue in people with MS.",
    ],
)
def test_the_headline_said_again_restates_it(sentence: str) -> None:
    assert restates(sentence, HEADLINE)


@pytest.mark.parametrize(
    "sentence",
    [
        "Poor sleep quality was linked to fatigue, low mood and pain.",
        "Poor sleep quality affected 62% of people.",  # a number of its own
        "Fatigue.",  # too little to judge
    ],
)
def test_a_sentence_with_something_of_its_own_does_not(sentence: str) -> None:
    assert not restates(sentence, HEADLINE)


def test_a_headline_pasted_from_the_abstract_is_caught_and_a_rewrite_is_not() -> None:
    abstract = (
        "In adjusted analyses, poor sleep quality was associated with fatigue, depressive "
        "symptoms, pain and nocturia, but not with disease duration or disability."
    )
    assert pasted(abstract, abstract)
    assert not pasted(abstract, "People who slept badly were more often tired, low and in pain.")
    assert salient("Sleep quality") <= salient(abstract)
