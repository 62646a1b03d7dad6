"""What an explainer may say, and about what: the explainer's house data
(`prompts/explainer.toml`), the text its sources ground, and the topic's subject, title and
teaser.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.house import House
from pipeline.records import ExplainerSource
from pipeline.settings import Settings
from pipeline.text import extract_numbers, number_values


@cache
def _wording(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def explainer_house(settings: Settings) -> dict[str, Any]:
    """`prompts/explainer.toml`: the explainer's limits and the offline drafter's sentences."""
    return _wording(settings.prompt_file("explainer.toml"))


@dataclass(frozen=True)
class Facts:
    """What grounding allows: the numbers and words of every source."""

    numbers: frozenset[float]
    text: str

    def allows(self, sentence: str) -> bool:
        return all(m.value in self.numbers for m in extract_numbers(sentence))


def source_text(source: ExplainerSource) -> str:
    """What a source grounds: its title, abstract, year, keywords and MeSH terms."""
    study = source.study
    year = str(study.year) if study.year else ""
    return "\n".join([study.title, study.abstract, year, *study.keywords, *study.mesh_terms])


def facts_of(sources: list[ExplainerSource]) -> Facts:
    text = "\n".join(source_text(s) for s in sources)
    return Facts(number_values(text), text)


def subject_of(topic: str, house: House) -> str:
    """The topic without the audience condition: "MS and brain atrophy" -> "brain atrophy"."""
    names = sorted({house.audience, *house.audience_names, house.audience_full}, key=len)
    text = topic.strip()
    for name in reversed(names):
        text = re.sub(rf"(?i)^\s*{re.escape(name)}\s+(and|&|with|in)\s+", "", text)
        text = re.sub(rf"(?i)\s+(and|&|with|in)\s+{re.escape(name)}\s*$", "", text)
        text = re.sub(rf"(?i)\s+in\s+(people\s+with\s+)?{re.escape(name)}\b", "", text)
    return " ".join(text.split()) or topic.strip()


def title_of(topic: str) -> str:
    def cap(word: str) -> str:
        small = {"and", "or", "of", "in", "the", "a", "an", "to", "with", "for", "on"}
        return word if word.isupper() or word.lower() in small else word[:1].upper() + word[1:]

    words_ = topic.split()
    line = " ".join(cap(w) if n else w[:1].upper() + w[1:] for n, w in enumerate(words_))
    return line if len(words_) > 7 else f"{line}: What Recent Studies Tell Us"


def teaser_of(topic: str, house: House) -> str:
    line = f"Learn what recent studies say about {subject_of(topic, house)}."
    return line if len(line) <= 110 else "Learn what recent studies say about this topic."
