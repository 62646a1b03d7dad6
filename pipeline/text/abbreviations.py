"""Acronyms an abstract defines ("choroid plexus (CP)"), and text with each one's words beside it,
so "IL-6" in a summary and "interleukin-6" in its abstract are read as the same thing.
"""

from __future__ import annotations

import re

_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9-]*[A-Z0-9]s?)\)")
_PIECE = re.compile(r"\S+")
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_WORD_END = re.compile(r"[A-Za-z][\w'-]*$")
_MAX_WORDS = 7


def acronyms(text: str) -> dict[str, str]:
    """Acronyms the abstract defines: {"CP": "choroid plexus"} from "choroid plexus (CP)".

    "C-reactive protein (CRP)" and "EBV nuclear antigen 1 (EBNA-1)" count too: initials are
    read from hyphen-split parts, numbers are skipped, and an acronym inside the phrase may
    give several letters. The shortest run of words ending the phrase that fits is taken.
    """
    found: dict[str, str] = {}
    consumed = 0
    for match in _ACRONYM.finditer(text):
        phrase = _phrase_before(text[max(consumed, match.start() - 400) : match.start()])
        consumed = match.end()
        if not phrase:
            continue
        acronym = match.group(1).removesuffix("s")
        letters = "".join(c.lower() for c in acronym if c.isalpha())
        parts = [(m.start(), m.group(0)) for m in re.finditer(r"[A-Za-z][\w']*", phrase)]
        for start in range(len(parts) - 1, -1, -1):
            if _initials_fit([word for _, word in parts[start:]], letters):
                found[acronym] = phrase[parts[start][0] :]
                break
        else:
            long_form = _letters_in_order(acronym, phrase)
            if long_form:
                found[acronym] = long_form
    return found


def _letters_in_order(short: str, phrase: str) -> str | None:
    """The words ending `phrase` that hold the acronym's letters and digits in order, its first
    letter opening a word: "interleukin-6" for IL-6, "neurofilament light chain" for NfL (the
    Schwartz-Hearst rule, for acronyms not made of initials). None when they do not."""
    chars = [c.lower() for c in short if c.isalnum()]
    if len(chars) < 2:
        return None
    at = len(phrase) - 1
    for index in range(len(chars) - 1, -1, -1):
        while at >= 0 and (
            phrase[at].lower() != chars[index]
            or (index == 0 and at > 0 and phrase[at - 1].isalnum())
        ):
            at -= 1
        if at < 0:
            return None
        at -= 1
    long_form = phrase[at + 1 :]
    if len(long_form.split()) > min(len(chars) + 5, 2 * len(chars)):
        return None
    if re.search(r"\b[A-Z]{2,}\b", long_form):
        return None  # "PTCRA with adjunctive balloon angioplasty": letters from another acronym
    return long_form if len(long_form) > len(short) + 2 else None


def _phrase_before(window: str) -> str:
    """Up to seven words (and a trailing number: "antigen 1") that end the window.

    Read backwards from the bracket: a pattern tried at every earlier position of the abstract
    backtracked over every word of it.
    """
    window = window.rstrip()
    pieces = list(_PIECE.finditer(window))
    if len(pieces) >= 2 and pieces[-1].group(0).isdigit():
        pieces.pop()
    begin, words = None, 0
    while pieces and words < _MAX_WORDS:
        piece = pieces.pop()
        if _WORD.fullmatch(piece.group(0)):
            begin, words = piece.start(), words + 1
            continue
        tail = _WORD_END.search(piece.group(0))
        if tail:
            begin = piece.start() + tail.start()
        break
    return window[begin:] if begin is not None else ""


def _initials_fit(words: list[str], letters: str) -> bool:
    """Do these words spell the acronym's letters? A capitalised acronym inside the phrase may
    give several of its letters ("EBV nuclear antigen" spells EBNA: EB + N + A)."""
    if not letters or not words:
        return not letters and not words
    last = words[-1]
    options = (
        [last[:n].lower() for n in range(1, len(last) + 1)] if last.isupper() else [last[0].lower()]
    )
    return any(
        letters.endswith(option) and _initials_fit(words[:-1], letters[: -len(option)])
        for option in options
    )


def expand(text: str, expansions: dict[str, str]) -> str:
    """The text with each defined acronym followed by its words, so both forms are matched."""
    for acronym, phrase in expansions.items():
        text = re.sub(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w-])", f"{acronym} {phrase}", text)
    return text


_CAPS = re.compile(r"(?<![\w-])[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![\w])")


def unknown_acronym(text: str, known: set[str]) -> bool:
    """An acronym the abstract never spells out ("CD4", "CyTOF"): the reader cannot decode it."""
    return any(
        token not in known and token.rstrip("s") not in known for token in _CAPS.findall(text)
    )


def spelled_out(phrase: str, known: set[str], spelled: dict[str, str]) -> str | None:
    """The phrase with each acronym replaced by the abstract's words for it, when those are
    short; None when an acronym stays that the reader cannot decode."""
    for token in set(re.findall(r"(?<![\w-])[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9-]*", phrase)):
        if token in known or token.rstrip("s") in known:
            continue
        words_for = spelled.get(token) or spelled.get(token.rstrip("s"))
        if not words_for or len(words_for.split()) > 4 or unknown_acronym(words_for, known):
            return None
        phrase = re.sub(rf"(?<![\w-]){re.escape(token)}(?![\w-])", words_for, phrase)
    return phrase
