"""The aligner: each summary sentence → the abstract sentences that best support it, and how
much of its content they cover.

Deterministic and backend-blind, so an offline draft, a model's draft and a hand edit are held
to the abstract the same way. A sentence's content is its content-word stems (acronyms spelled
out as the abstract defines them, the house's explanations in brackets left out: they explain a
word, they do not claim) and its numbers; rarer words weigh twice what everyday ones do. A unit
offers its own stems plus the plain words the house's glossary swaps in for its hard ones
("elevated" → "higher"), so a plain rewrite still meets its source. A word neither side shares
exactly may still meet by a common stem of six letters or by rapidfuzz's similarity
("optimise"/"optimize", "hyperthyroid"/"hyperthyroidism"). Support is a greedy cover: the best
unit, then any unit that adds at least `ADD` of the sentence's weight, at most `MAX_UNITS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import fuzz, process

from pipeline.evidence.claims import WHO_FIRST, equivalents
from pipeline.text import (
    DIRECTIONS,
    STOP,
    PhraseIndex,
    acronyms,
    expand,
    explanations,
    glossary,
    glossary_index,
    is_plain,
    number_values,
    stem,
    tokens,
)

ADD = 0.15  # a second or third unit must add this share of the sentence's weight
MAX_UNITS = 3
FUZZY = 85  # rapidfuzz ratio at which two stems count as one word
# Words of the summary's own voice: they frame a claim, they are not its content.
_VOICE = """team authors author scientists review reviewed reviews looked look looks paper work
    also still seem seemed seems appear appears appeared researchers experts tested test
    tests known whether means mean meant kind kinds way ways help thing things part lot
    concluded concludes took taken take"""
VOICE = frozenset(_VOICE.split())
# Which way a sentence points is read apart (`claims.py`), not counted as content.
_DIRECTION_WORDS = frozenset(w for words in DIRECTIONS.values() for w in words if " " not in w)
_PAREN = re.compile(r"\s*\([^()]{0,200}\)")


@dataclass(frozen=True)
class Support:
    ids: tuple[str, ...]  # best first
    score: float  # share of the sentence's content weight the units cover, 0-1
    unmatched: tuple[str, ...]  # the sentence's content words no supporting unit holds
    # the same share over the words that are not the study's subject (its title's words and
    # those in most of its sentences): "X was safe for everyone" shares only X with an abstract
    # about X, and the subject alone supports no claim about it
    predicate: float = 1.0


def _weight(word: str) -> float:
    return 0.5 if is_plain(word) else 2.0


@lru_cache(maxsize=8192)
def sentence_terms(sentence: str, expansions: tuple[tuple[str, str], ...]) -> dict[str, float]:
    """Content stems (and `#number`s) of a summary sentence with their weights."""
    text = WHO_FIRST.sub("", without_explanations(sentence))
    text = expand(text, dict(expansions))
    terms: dict[str, float] = {}
    for token in tokens(text):
        lower = token.lower().strip("'’-")
        if len(lower) < 3 or lower in STOP or lower in VOICE or lower in _DIRECTION_WORDS:
            continue
        key = stem(lower)
        terms[key] = max(terms.get(key, 0.0), _weight(lower))
    for value in number_values(text) - {0.0, 1.0}:
        terms[f"#{value:g}"] = 2.0
    return terms


@cache
def _explained() -> tuple[PhraseIndex, list[tuple[str, str]]]:
    """The house's explanations, indexed by their first word: a sentence can only hold those."""
    entries = list(explanations().items())
    return PhraseIndex(explanation for _, explanation in entries), entries


def without_explanations(sentence: str) -> str:
    """The sentence without what explains its words: brackets, the house's explanations."""
    text = _PAREN.sub("", sentence)
    lower = text.lower()
    index, entries = _explained()
    for position in index.candidates(lower):
        term, explanation = entries[position]
        if term in lower and explanation.lower() in lower:
            at = lower.index(explanation.lower())
            text = text[:at] + text[at + len(explanation) :]
            lower = text.lower()
    return text


@lru_cache(maxsize=4096)
def unit_terms(text: str, expansions: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """What a unit offers: its stems; the glossary's plain words for its hard ones, the
    house's explanations of its terms and the plain equivalents (`prompts/equivalents.toml`);
    its numbers."""
    full = expand(text, dict(expansions))
    words = [full]
    entries = glossary()
    for index in glossary_index().candidates(full):
        _, pattern, plain, _ = entries[index]
        if plain and pattern.search(full):
            words.append(plain)
    lower = full.lower()
    words += [plain for term, plain in explanations().items() if term in lower]
    for token in {t.lower() for t in tokens(full)}:
        for key, same in equivalents().items():
            if token.startswith(key):
                words.append(" ".join(same))
    out = {stem(t.lower().strip("'’-")) for w in words for t in tokens(w)}
    out |= {f"#{value:g}" for value in number_values(full)}
    return frozenset(out)


class Aligner:
    """One study's units, ready to align any number of summary sentences against."""

    def __init__(self, units: list[tuple[str, str]], abstract: str, title: str = "") -> None:
        self.expansions = tuple(sorted(acronyms(abstract).items()))
        self.units = units
        self.bags = [unit_terms(text, self.expansions) for _, text in units]
        counts: dict[str, int] = {}
        for bag in self.bags:
            for term in bag:
                counts[term] = counts.get(term, 0) + 1
        common = {
            t for t, n in counts.items() if len(self.bags) >= 4 and n >= 0.75 * len(self.bags)
        }
        self.subject = frozenset(sentence_terms(title, self.expansions)) | common
        self.vocabulary = sorted(set().union(*self.bags)) if self.bags else []
        self._near: dict[str, frozenset[str]] = {}

    def near(self, term: str) -> frozenset[str]:
        """The abstract's words that count as `term`: itself, a shared 6-letter stem, or a
        rapidfuzz match; cached per study, as a summary repeats its words."""
        if term in self._near:
            return self._near[term]
        found = {term}
        if not term.startswith("#") and len(term) >= 5:
            prefix = term[:6]
            found |= {w for w in self.vocabulary if len(prefix) == 6 and w.startswith(prefix)}
            for word, _, _ in process.extract(
                term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY, limit=3
            ):
                found.add(word)
        self._near[term] = frozenset(found)
        return self._near[term]

    def _like(self, sentence: str, index: int) -> float:
        return fuzz.token_set_ratio(sentence.lower(), self.units[index][1].lower())

    def support(self, sentence: str) -> Support:
        terms = sentence_terms(sentence, self.expansions)
        total = sum(terms.values())
        if not total or not self.bags:
            return Support((), 0.0, tuple(terms))
        reach = {term: self.near(term) for term in terms}
        held = [{term for term, words in reach.items() if words & bag} for bag in self.bags]
        chosen: list[int] = []
        covered: set[str] = set()
        for _ in range(MAX_UNITS):
            gains = [
                sum(terms[t] for t in held[i] - covered) if i not in chosen else -1.0
                for i in range(len(self.bags))
            ]
            top = max(gains)
            tied = [i for i, gain in enumerate(gains) if gain == top]
            # among units that cover as much, the one that reads most like the sentence
            best = tied[0] if len(tied) == 1 else max(tied, key=lambda i: self._like(sentence, i))
            if gains[best] <= 0 or (chosen and gains[best] < ADD * total):
                break
            chosen.append(best)
            covered |= held[best]
        score = sum(terms[t] for t in covered) / total
        rest = {t: w for t, w in terms.items() if not reach[t] & self.subject}
        rest_total = sum(rest.values())
        predicate = (
            sum(w for t, w in rest.items() if t in covered) / rest_total
            if rest_total >= 0.5
            else 1.0
        )
        return Support(
            tuple(self.units[i][0] for i in chosen),
            round(score, 3),
            tuple(t for t in terms if t not in covered),
            round(predicate, 3),
        )
