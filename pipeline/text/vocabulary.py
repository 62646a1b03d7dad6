"""The plain vocabulary: words the house's readers know without explanation.

The Dale-Chall list (`prompts/plain_words.txt`) plus the house's own additions
(`prompts/plain_words_house.txt`). Used for the share of hard words in readability reports and
by the jargon check. Inflections are folded ("studies" → "study", "helped" → "help").

The glossary (`prompts/glossary.toml`): plain substitutes for research words, which the offline
drafter applies and the LLM prompts list.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

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


def is_plain(word: str) -> bool:
    lower = word.lower().strip("'’")
    vocabulary = plain_words()
    return any(form in vocabulary for form in _stems(lower))


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
