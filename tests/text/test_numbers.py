"""Numbers normalised so a summary's numbers can be found in its abstract."""

from __future__ import annotations

from pipeline.text import extract_numbers, number_values, parse_count


def test_digits_percentages_and_thousands() -> None:
    found = extract_numbers("Of 1,250 people, 18% improved and 3.5 kg was lost.")
    assert [(m.value, m.percent) for m in found] == [(1250, False), (18, True), (3.5, False)]


def test_words_and_digits_agree() -> None:
    assert number_values("eighteen percent after two years") == {18.0, 2.0}
    assert number_values("18 per cent after 2 years") == {18.0, 2.0}
    assert number_values("twenty-four people") == {24.0}


def test_ranges_give_both_ends() -> None:
    assert number_values("8-12 weeks") == number_values("8 to 12 weeks") == {8.0, 12.0}


def test_names_with_digits_are_not_numbers() -> None:
    assert number_values("IL-6, CD20 and COVID-19 in type 2 diabetes") == {2.0}


def test_one_is_not_counted() -> None:
    # "one" is a pronoun far more often than a count ("one thing causes the other").
    assert number_values("one thing causes the other") == set()


def test_parse_count() -> None:
    assert parse_count("1,112") == 1112
    assert parse_count("Twenty-one") == 21
    assert parse_count("patients") is None


def test_a_digit_string_too_long_to_be_a_count_is_no_count() -> None:
    """A 5,000-digit number in an abstract once failed its study with int()'s digit-limit
    ValueError; a 400-digit one reads as infinity and overflowed int()."""
    from pipeline.profile.counts import count_value

    assert count_value("9" * 5000) is None and count_value("1,250") == 1250
    assert parse_count("9" * 400) is None and parse_count("1,250") == 1250


def test_a_huge_number_in_an_abstract_does_not_fail_the_study() -> None:
    from helpers import make_study

    from pipeline.backends.offline import OfflineBackend
    from pipeline.drafting import draft_study
    from pipeline.profile import profile_study
    from pipeline.settings import Settings

    settings = Settings()
    study = make_study(
        "Fatigue is common in multiple sclerosis. We enrolled 60 adults with MS in a randomised "
        "trial of exercise against usual care. Exercise reduced fatigue scores by 20% compared "
        f"with usual care, and {'9' * 5000} placebo participants were counted. Exercise may "
        "reduce fatigue in people with MS.",
        title="Exercise and fatigue",
    )
    record = draft_study(study, profile_study(study, settings), OfflineBackend(settings), settings)
    assert record.summary.key_takeaway
