"""Who Should Care and Why, written for the study: what it touches (a symptom, a treatment, a
test, a question about risk), why that matters to people living with the audience condition,
to caregivers and to clinicians; for another condition, what it shares with the audience's.

The sentences are data (`prompts/care.toml`), chosen by concept and varied per study, with the
study's own subject words filled in, so no paragraph is the same for every study of a design.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache

from pipeline.backends.offline.wording import NO_TOPIC, design_text
from pipeline.records import Study, StudyProfile
from pipeline.settings import prompt_file


@dataclass(frozen=True)
class Concept:
    name: str
    pattern: re.Pattern[str] | None
    why: tuple[str, ...]
    caregivers: tuple[str, ...]


@cache
def _data() -> tuple[tuple[Concept, ...], dict[str, str]]:
    raw = tomllib.loads(prompt_file("care.toml").read_text("utf-8"))
    concepts = tuple(
        Concept(
            entry["name"],
            re.compile(
                r"(?<![\w-])(" + "|".join(map(re.escape, entry["triggers"])) + r")(?![\w-])", re.I
            )
            if entry["triggers"]
            else None,
            tuple(entry["why"]),
            tuple(entry["caregivers"]),
        )
        for entry in raw["concept"]
    )
    return concepts, raw.get("shared", {})


def concept_for(*texts: str) -> Concept:
    """The first concept the texts name, read in order (the finding before the keywords)."""
    concepts, _ = _data()
    for text in texts:
        hits = [(m.start(), c) for c in concepts if c.pattern and (m := c.pattern.search(text))]
        if hits:
            return min(hits, key=lambda hit: hit[0])[1]
    return next(c for c in concepts if c.pattern is None)


def who_should_care(
    study: Study, profile: StudyProfile, topic: str, outcome: str | None, audience: str, focus: str
) -> list[str]:
    # What the study measured first: a cognitive training app is about thinking speed, not
    # exercise, though "training" comes first in its finding.
    concept = concept_for(outcome or "", focus, study.title, " ".join(study.keywords))
    fill = {"topic": topic, "outcome": outcome or "their health", "aud": audience}
    pick = _picker(study.id)
    lines = []
    others = [c for c in profile.conditions if c != audience]
    if not profile.studies_audience_condition and others:
        shared = _data()[1].get(others[0])
        lines.append(
            shared.format(**fill)
            if shared
            else f"This study was about {others[0]}, not {audience}, so its link to {audience} "
            f"is not yet known, but its work on {topic} may still be of interest."
        )
    else:
        lines.append(pick(concept.why).format(**fill))
    lines.append(_for_people(profile, fill, pick))
    lines.append(pick(concept.caregivers).format(**fill))
    if topic != NO_TOPIC:  # "evidence on this question" would fit any study: filler
        lines.append(pick(CLINICIANS).format(**fill))
    lines.append(design_text(profile, "strength", topic=topic))
    return lines


def _for_people(profile: StudyProfile, fill: dict[str, str], pick) -> str:
    if profile.species == "animals":
        line = (
            "For people with {aud}, this is early lab work: it points to ideas about {topic} "
            "that still need testing in people."
        )
    elif profile.species == "cells":
        line = (
            "For people with {aud}, this is early lab work on {topic}, a step before any test "
            "in people."
        )
    elif profile.is_intervention:
        line = pick(FOR_PEOPLE_TESTED)
    else:
        line = pick(FOR_PEOPLE_OBSERVED)
    return line.format(**fill)


FOR_PEOPLE_TESTED = (
    "For people with {aud}, it helps answer whether {topic} makes a difference to {outcome}.",
    "People with {aud} who are curious about {topic} may want to know what this study saw.",
)
FOR_PEOPLE_OBSERVED = (
    "For people with {aud}, it adds to what is known about {topic} and {outcome}.",
    "People with {aud} who want to understand {topic} may find this study worth knowing about.",
)
CLINICIANS = (
    "Clinicians may find it useful when they talk with patients about {topic}.",
    "For clinicians, it is one more piece of evidence on {topic} to weigh with other studies.",
)


def _picker(study_id: str):
    digest = int(hashlib.sha256(study_id.encode("utf-8", "replace")).hexdigest()[:8], 16)

    def pick(options: tuple[str, ...]) -> str:
        return options[digest % len(options)]

    return pick
