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
