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
from pipeline.text import extract_numbers, number_values, salient

GENERIC_TOPICS = re.compile(
    r"\b(study|studies|trial|trials|review|meta-analysis|research|cohort|case-control|"
    r"cross-sectional|feasibility|prevalence|randomi[sz]ed)\b",
    re.I,
)


def study_topics(source: ExplainerSource, wanted: set[str], subject: str = "this") -> str:
    """What the study looked at: its topics on the explainer's subject first, else the
    subject itself (a summary the offline drafter tagged only "Lab research")."""
    names = [t for t in source.summary.topics if not GENERIC_TOPICS.search(t)]
    names = [t for t in names if len(t) <= 40 and t.lower() not in ("ms", "health research")]
    on_topic = [t for t in names if salient(t) & wanted]
    chosen = list(dict.fromkeys(on_topic[:1] + [t for t in names if t not in on_topic][:1]))
    return " and ".join(t if t.isupper() or "-" in t else t.lower() for t in chosen) or subject


def shared_topic(group: list[ExplainerSource]) -> str:
    counts: dict[str, int] = {}
    for source in group:
        for t in source.summary.topics:
            if not GENERIC_TOPICS.search(t):
                counts[t.lower()] = counts.get(t.lower(), 0) + 1
    return max(counts, key=lambda t: (counts[t], -len(t)), default="this question")


def topics_of(topic: str, sources: list[ExplainerSource], house: House) -> list[str]:
    found = [subject_of(topic, house)]
    for source in sources:
        found += [t for t in source.summary.topics if not GENERIC_TOPICS.search(t)]
    unique = list(dict.fromkeys(t.strip() for t in found if t.strip() and len(t) <= 60))
    return [*unique, house.audience, "Explainer"][: max(3, min(6, len(unique)))]


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
