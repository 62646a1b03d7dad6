"""Acronyms an abstract defines, read from the words before each bracket."""

from __future__ import annotations

import pytest

from pipeline.text import acronyms


@pytest.mark.parametrize(
    ("text", "acronym", "words"),
    [
        ("Serum choroid plexus (CP) volume", "CP", "choroid plexus"),
        ("high-sensitivity C-reactive protein (CRP) was", "CRP", "C-reactive protein"),
        ("against EBV nuclear antigen 1 (EBNA-1) were", "EBNA-1", "EBV nuclear antigen 1"),
        # not made of initials: the letters in order, the first opening a word (found when
        # the ALS sample's "IL-6" and "NfL" went unexplained in its draft)
        ("Serum interleukin-6 (IL-6), tumour", "IL-6", "interleukin-6"),
        ("and neurofilament light chain (NfL) were", "NfL", "neurofilament light chain"),
        ("given hydrocortisone (HC) at noon", "HC", "hydrocortisone"),
    ],
)
def test_an_acronym_gets_the_words_it_stands_for(text: str, acronym: str, words: str) -> None:
    assert acronyms(text)[acronym] == words


@pytest.mark.parametrize(
    "text",
    [
        "the primary outcome (T25FW) was",  # its letters are not in the words before it
        "versus PTCRA with adjunctive balloon angioplasty (PTCA) in",  # another acronym's
        "patients (n) were",
    ],
)
def test_no_words_are_guessed_for_an_acronym_they_do_not_spell(text: str) -> None:
    assert acronyms(text) == {}
