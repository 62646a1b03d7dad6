"""Plain template sentences for the offline drafter, chosen by the study profile.

Kept apart from the sentence picking in `offline.py` so the house voice can be edited in one
place. Every sentence here is short, hedged and free of numbers: numbers only ever come from the
abstract's own sentences.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from pipeline.house import House
from pipeline.records import Design, Rating, Study, StudyProfile
from pipeline.settings import prompt_file
from pipeline.text import syllables, words

NEURO = {
    "ALS",
    "NMOSD",
    "MOGAD",
    "Alzheimer's disease",
    "dementia",
    "Parkinson's disease",
    "epilepsy",
    "stroke",
    "migraine",
    "Huntington's disease",
    "spinal cord injury",
    "brain injury",
    "optic neuritis",
}
DESIGN_WORDS = re.compile(
    r"\b(study|studies|trials?|review|meta-analysis|cohort|case-control|cross-sectional|"
    r"survey|questionnaire)\b",
    re.I,
)
GENERIC_MESH = {
    "humans",
    "female",
    "male",
    "adult",
    "middle aged",
    "aged",
    "animals",
    "mice",
    "rats",
    "young adult",
    "adolescent",
    "child",
    "infant",
    "aged, 80 and over",
    "treatment outcome",
    "retrospective studies",
    "prospective studies",
    "cross-sectional studies",
    "surveys and questionnaires",
    "disease models, animal",
    "mice, inbred c57bl",
    "cohort studies",
    "follow-up studies",
    "risk factors",
}


def _condition_words(profile: StudyProfile) -> str:
    others = [c for c in profile.conditions if c != profile.audience_condition]
    if profile.studies_audience_condition:
        return profile.audience_condition
    return " and ".join(others[:2])


@cache
def condition_acronyms() -> dict[str, str]:
    """{"ALS": "amyotrophic lateral sclerosis", ...} from prompts/conditions.toml."""
    raw = tomllib.loads(prompt_file("conditions.toml").read_text("utf-8"))
    out = {}
    for spec in raw["conditions"].values():
        name, long = spec["name"], spec["patterns"][0]
        if name.isupper() and re.fullmatch(r"[a-z' ]+", long):
            out[name] = long
    return out


def population(profile: StudyProfile, *, with_count: bool = True) -> str:
    cond = _condition_words(profile)
    if profile.species == "animals":
        kinds = " and ".join(profile.animals) or "animals"
        return f"{kinds} with a disease like {cond}" if cond else kinds
    if profile.species == "cells":
        return f"cells linked to {cond}" if cond else "cells grown in a lab"
    count = f"{profile.participants:,} " if with_count and profile.participants else ""
    if count == "1 ":
        return f"one person with {cond}" if cond else "one person"
    if cond:
        return f"{count}people with {cond}"
    return f"{count}people" if count else "people without " + profile.audience_condition


@cache
def _design_wording() -> dict[str, dict[str, str]]:
    raw = tomllib.loads(prompt_file("wording.toml").read_text("utf-8"))
    return raw["design"]


def _for_design(profile: StudyProfile, key: str, **fill: str) -> str:
    wording = _design_wording()
    spec = wording.get(profile.design.value, wording["other"])
    animals = " and ".join(profile.animals) or "animals"
    return spec[key].format(animals=animals, **fill)


def design_opening(profile: StudyProfile, study: Study, topic: str) -> str:
    key = (
        "opening_without_comparison"
        if profile.design == Design.nonrandomized_trial and profile.has_comparison is False
        else "opening"
    )
    return _for_design(profile, key, who=population(profile, with_count=False), topic=topic)


def takeaway_fallback(profile: StudyProfile, study: Study) -> str:
    """A plain one-line takeaway for when the abstract's conclusion is too hard to reuse."""
    subject, topic = takeaway_subject(profile, study), short_topic(study, profile)
    cond = _condition_words(profile)
    if profile.species == "people" and not profile.studies_audience_condition and cond:
        # The condition's long name is spelled out later; here a plain phrase keeps it short.
        other = "another nerve disease" if cond in NEURO else "another condition"
        return f"{subject} in people with {other} looked at {topic}."
    if profile.species == "people":
        return f"{subject} in {population(profile, with_count=False)} looked at {topic}."
    if profile.species == "animals" and cond:
        return f"{subject} with a disease like {cond} looked at {topic}."
    if cond and cond.lower() not in topic.lower():
        return f"{subject} looked at {topic} in {cond}."
    return f"{subject} looked at {topic}."


def takeaway_subject(profile: StudyProfile, study: Study) -> str:
    return _for_design(profile, "subject")


def topic_phrase(study: Study, profile: StudyProfile) -> str:
    """Two keywords ("vitamin D and relapses"), else the condition, else "this topic"."""
    picked = [k for k in _plain_keywords(study, profile) if len(k.split()) <= 4][:2]
    if picked:
        return " and ".join(_lower_first(k) for k in picked)
    return _condition_words(profile) or "this topic"


def short_topic(study: Study, profile: StudyProfile) -> str:
    """One plain keyword for short sentences; long technical words give way to the condition."""
    for keyword in _plain_keywords(study, profile):
        if len(keyword.split()) <= 3 and all(syllables(w) <= 4 for w in words(keyword)):
            return _lower_first(keyword)
    return _condition_words(profile) or "this topic"


def _lower_first(term: str) -> str:
    """ "Vitamin D" reads "vitamin D" mid-sentence; "MRI" and "Epstein-Barr virus" keep case."""
    first = term.split()[0]
    if re.fullmatch(r"[A-Z][a-z]+", first) and not re.search(r"[A-Z]", term[len(first) :]):
        return term[0].lower() + term[1:]
    if re.fullmatch(r"[A-Z][a-z]+", first) and first.lower() in _COMMON_STARTS:
        return term[0].lower() + term[1:]  # "Vitamin D": a common word before an acronym
    return term


_COMMON_STARTS = {"vitamin", "sleep", "exercise", "fatigue", "walking", "brain", "blood"}


def _plain_keywords(study: Study, profile: StudyProfile) -> list[str]:
    """Keywords then MeSH terms, minus generic ones, inverted MeSH forms and the audience name."""
    audience = {profile.audience_condition.lower(), "multiple sclerosis", "ms"}
    seen, out = set(), []
    for term in [*study.keywords, *(m for m in study.mesh_terms if "," not in m)]:
        clean = re.sub(r"\s+", " ", term).strip(" .;")
        key = clean.lower()
        if not clean or key in GENERIC_MESH or key in seen or key in audience:
            continue
        seen.add(key)
        out.append(clean)
    return out


def topics_for(study: Study, profile: StudyProfile) -> list[str]:
    topics = [k for k in _plain_keywords(study, profile) if len(k.split()) <= 5][:6]
    extra = [
        *profile.conditions,
        {"people": "Clinical research", "animals": "Animal research", "cells": "Lab research"}.get(
            profile.species, "Research"
        ),
    ]
    for term in extra:
        if len(topics) >= 3:
            break
        if term.lower() not in {t.lower() for t in topics}:
            topics.append(term)
    while len(topics) < 3:
        topics.append(("Study design", "Research news", "Health research")[len(topics)])
    return topics


def title_for(study: Study, profile: StudyProfile, expansions: dict[str, str], house: House) -> str:
    """The study's own title when it is short and plain, else "New Study on <topic>"."""
    title = study.title.strip().rstrip(".")
    main = re.split(r":\s+|\s+[-–]\s+", title)[0]
    for acronym, phrase in expansions.items():
        main = re.sub(rf"\b{re.escape(acronym)}\b", phrase, main)
    n_words = len(words(main))
    overclaims = (
        house.forbidden.search(main)
        or house.injection.search(main)
        or (profile.observational and house.causal.search(main))
    )
    unexplained = re.search(r"\b[A-Z]{2,}\w*\b", main.replace(profile.audience_condition, ""))
    if 3 <= n_words <= 12 and not unexplained and not overclaims:
        return main
    # Keywords that are acronyms or codes ("EBNA-1") cannot be spelled out in a short title.
    plain = [
        k
        for k in _plain_keywords(study, profile)
        if not re.search(r"[A-Z]{2}|\d", k) and not DESIGN_WORDS.search(k) and len(k.split()) <= 4
    ][:2]
    topic = " and ".join(_lower_first(k) for k in plain) or _condition_words(profile) or "Health"
    noun = {"people": "Study", "animals": "Animal Study", "cells": "Lab Study"}.get(
        profile.species, "Study"
    )
    candidate = f"New {noun} on {topic[0].upper() + topic[1:]}"
    return (
        candidate
        if len(words(candidate)) <= 12
        else f"New {noun} on {_condition_words(profile) or 'Health'}"
    )


def who_should_care(profile: StudyProfile, topic: str, house: House) -> list[str]:
    aud = house.audience
    cond = _condition_words(profile)
    if profile.studies_audience_condition and profile.species == "people":
        lines = [
            f"This work matters most to people living with {aud} who want to know more "
            f"about {topic}.",
            "Caregivers may find it useful for understanding what the research says and "
            "for preparing questions for care visits.",
            f"Clinicians may use it when they talk with patients about {topic}.",
        ]
    elif profile.studies_audience_condition:
        lines = [
            f"People living with {aud} and their families may be interested in this early "
            f"research on {topic}.",
            f"Lab work like this is a first step; it can point to ideas that may one day be "
            f"tested in people with {aud}.",
            "Caregivers can use it to follow where the science is heading.",
            "Clinicians may want to watch for later studies that test these ideas in people.",
        ]
    else:
        reason = (
            "both conditions affect the brain and nerves"
            if cond in NEURO
            else f"it adds to what is known about {topic}"
        )
        lines = [
            f"This study was not about {aud}, but people living with {aud} may still be "
            f"interested because {reason}.",
            "Caregivers may find it useful background for talks with the care team.",
            f"Clinicians may want to watch for later studies that include people with {aud}.",
        ]
    lines.append(_design_strength(profile))
    lines.append("On its own, it does not change care today, but it adds to what is known.")
    return lines


def _design_strength(profile: StudyProfile) -> str:
    return _for_design(profile, "strength")


def interest_rating(profile: StudyProfile, house: House) -> Rating:
    aud = house.audience
    cond = _condition_words(profile)
    if profile.studies_audience_condition and profile.species == "people":
        if profile.is_intervention or profile.design in (
            Design.meta_analysis,
            Design.systematic_review,
        ):
            return Rating(score=5, reason=f"Tests care options in people with {aud}.")
        return Rating(score=4, reason=f"Studies people living with {aud}.")
    if profile.studies_audience_condition:
        return Rating(score=3, reason=f"Early lab research on {aud}.")
    if cond in NEURO:
        return Rating(score=2, reason=f"About {cond}, a related condition of the brain and nerves.")
    return Rating(score=1, reason=f"Not about {aud}; of general interest only.")
