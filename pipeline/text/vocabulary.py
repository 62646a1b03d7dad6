"""The plain vocabulary: words the house's readers know without explanation.

The Dale-Chall list (`prompts/plain_words.txt`) plus the house's own additions
(`prompts/plain_words_house.txt`): the share of hard words in readability reports. Inflections
are folded ("studies" → "study", "helped" → "help").

Familiar words (`is_familiar`): the plain vocabulary, or a word common in general English by
wordfreq's frequency lists. The Dale-Chall list is what a 4th-grader knows, so the jargon check
built on it alone flagged "decisions", "visual" and "potential" in nearly every draft. The
common-word cut separates the corpus abstracts from their human lay versions better than the
list alone (`benchmarks/jargon_vocabulary.py`: hard words per 100, abstracts against lay
versions, 5.7 against 2.7, a 2.12x ratio, where the list alone gives 16.7 and 10.1, 1.65x),
and keeps "remyelination" (Zipf 1.3), "biomarker" (2.6) and "inhibitors" (3.4) hard.

The glossary (`prompts/glossary.toml`): plain substitutes for research words, which the offline
drafter applies and the LLM prompts list.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from pipeline.settings import prompt_file

FILES = ("plain_words.txt", "plain_words_house.txt")


@cache
def plain_words() -> frozenset[str]:
    words: set[str] = set()
    for name in FILES:
        for line in prompt_file(name).read_text(encoding="utf-8").splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


def _stems(word: str) -> list[str]:
    """The word and its likely bases: plurals, -ed, -ing, -ly, -er, -est."""
    forms = [word]
    for suffix, replacement in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ied", "y"),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
        ("ly", ""),
        ("ier", "y"),
        ("iest", "y"),
        ("er", ""),
        ("est", ""),
        ("'s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + replacement)
    return forms


@lru_cache(maxsize=65536)
def is_plain(word: str) -> bool:
    lower = word.lower().strip("'’")
    vocabulary = plain_words()
    return any(form in vocabulary for form in _stems(lower))


# Zipf frequency (log10 of uses per billion words) at or above which a word counts as known.
COMMON_ZIPF = 3.5


@cache
def common_words() -> frozenset[str]:
    """Lower-case words at least as common as `COMMON_ZIPF` in general English: wordfreq's
    small English list, which holds every word down to Zipf 3 and ships inside its wheel."""
    from wordfreq import get_frequency_dict  # 0.1 s to load: only when a check needs it

    floor = 10 ** (COMMON_ZIPF - 9)
    return frozenset(w for w, f in get_frequency_dict("en", "small").items() if f >= floor)


@lru_cache(maxsize=65536)
def is_familiar(word: str) -> bool:
    """A word a reader of the house knows without explanation: plain, or common English."""
    if is_plain(word):
        return True
    lower = word.lower().strip("'’")
    if "-" in lower:  # "under-treated", "low-dose": known when each part is
        return all(is_familiar(part) for part in lower.split("-") if part)
    common = common_words()
    return lower in common or any(form in common for form in _stems(lower)[1:])


# Endings of English adjectives, adverbs and verb forms, for words no lexicon lists.
_NOT_A_NOUN_ENDING = re.compile(r"(?:ly|ed|ive|ous|ical|wards?)$")


@lru_cache(maxsize=16384)
def names_a_thing(phrase: str) -> bool:
    """Whether a phrase can name what a study is about: its last word can be a noun, and a
    single word cannot also be an adjective or adverb ("daily", "human", "mean", "viral").
    Readings come from lemminflect's English lexicon (the parts of speech each word form can
    take), so "treated", "comparing" and "effective" never become a topic ("What a New Study
    Found About Treated"); a word it does not know, such as "remyelination", counts as a
    noun unless its ending says otherwise."""
    from lemminflect import getAllLemmas  # 0.7 s to load its lexicon: only when asked

    found = phrase.split()
    if not found:
        return False
    last = found[-1].strip(".,;:'’\"()")
    if not last or any(c.isdigit() for c in last) or sum(c.isupper() for c in last) >= 2:
        return True  # "IL-6", "Hsp70", "CD4": names
    readings = getAllLemmas(last.lower())
    if not readings:
        return not _NOT_A_NOUN_ENDING.search(last.lower())
    if "ADV" in readings:
        return False  # an adverb that can be a noun ("daily") is rarely one at a phrase's end
    if "NOUN" not in readings:
        return last.lower().endswith("ing")  # "cycling", "walking": a gerund names an activity
    return len(found) > 1 or "ADJ" not in readings  # "supervised cycling" names a thing


_MODIFIED = re.compile(r"(?<![\w-])([A-Za-z][a-z]+)(\s+)(?=[A-Za-z])")
_NEGATING = re.compile(r"^(?:non|un|anti|dis|in|im|ir|il|counter|de|mis)", re.I)


@lru_cache(maxsize=8192)
def without_hard_modifiers(text: str) -> str:
    """The text without the hard adjectives and adverbs that only qualify the next word:
    "Migratory monocytes were potently recruited" -> "Monocytes were recruited". A word
    goes only when lemminflect's lexicon reads it as an adjective or adverb and never as a
    noun or verb, it is not familiar, and it cannot negate or point ("non-specific",
    "inverse" stay: they carry the finding)."""
    from lemminflect import getAllLemmas

    from pipeline.text.terms import directions

    def drop(match: re.Match[str]) -> str:
        word = match.group(1)
        readings = set(getAllLemmas(word.lower()))
        if not readings or readings - {"ADJ", "ADV"} or is_familiar(word):
            return match.group(0)
        if _NEGATING.match(word) or directions(word):
            return match.group(0)
        return ""

    out = _MODIFIED.sub(drop, text)
    return out[:1].upper() + out[1:] if text[:1].isupper() else out


@cache
def glossary_index() -> PhraseIndex:
    """The glossary's terms, indexed in `glossary()` order."""
    return PhraseIndex(term for term, *_ in glossary())


@cache
def glossary() -> list[tuple[str, re.Pattern[str], str, bool]]:
    """(term, pattern, plain substitute, explain-once) with longer terms first."""
    raw = tomllib.loads(prompt_file("glossary.toml").read_text("utf-8"))["plain"]
    entries = sorted(raw.items(), key=lambda kv: -len(kv[0]))
    return [
        (
            term,
            re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I),
            plain,
            term.lower() in plain.lower(),
        )
        for term, plain in entries
    ]


_ALNUM = re.compile(r"[a-z0-9]+")


class PhraseIndex:
    """Which of many phrases may occur in a text, from one tokenisation of it.

    Testing hundreds of glossary patterns one by one on every sentence was most of the offline
    drafter's time. A phrase whose pattern matches at a word boundary starts with its own first
    alphanumeric run, so that run (or it plus a plural "s") must be a token of the text: the
    index returns only those phrases, in their given order, for the caller's pattern to confirm.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[int]] = {}
        for position, phrase in enumerate(phrases):
            first = _ALNUM.search(phrase.lower())
            self._by_first.setdefault(first.group(0) if first else "", []).append(position)

    def candidates(self, text: str) -> list[int]:
        """Positions (in the given order) of the phrases whose first word the text holds."""
        found: set[int] = set(self._by_first.get("", ()))
        for token in set(_ALNUM.findall(text.lower())):
            for form in (token, token[:-1]) if token.endswith("s") else (token,):
                found.update(self._by_first.get(form, ()))
        return sorted(found)


@dataclass(frozen=True)
class Analogy:
    concept: str
    pattern: re.Pattern[str]  # any trigger word, whole words, case-insensitive
    text: str  # one sentence, ready to follow the sentence that names the concept


@cache
def explanations() -> dict[str, str]:
    """Technical term → a short plain explanation (`prompts/explanations.toml`), for the
    first use of a term: "the choroid plexus (a part of the brain that makes its fluid)"."""
    path = prompt_file("explanations.toml")
    return {k.lower(): v for k, v in tomllib.loads(path.read_text("utf-8"))["explain"].items()}


@cache
def analogies() -> tuple[Analogy, ...]:
    """Everyday comparisons keyed by concept (`prompts/analogies.toml`); a summary uses one
    at most, as the house's pages do ("Think of it like a sponge...")."""
    raw = tomllib.loads(prompt_file("analogies.toml").read_text("utf-8"))["analogy"]
    return tuple(
        Analogy(
            entry["concept"],
            re.compile(
                r"(?<![\w-])(" + "|".join(map(re.escape, entry["triggers"])) + r")(?![\w-])", re.I
            ),
            entry["text"],
        )
        for entry in raw
    )
