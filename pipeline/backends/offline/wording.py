"""Plain template sentences for the offline drafter, chosen by the study profile.

Kept apart from the sentence picking in `drafter.py` so the house voice can be edited in one
place (`prompts/wording.toml`). Every sentence here is short, hedged and free of numbers:
numbers only ever come from the abstract's own sentences.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from pipeline.house import House, load_house
from pipeline.records import Design, Rating, Study, StudyProfile
from pipeline.settings import process_settings, prompt_file
from pipeline.text import (
    find_links,
    find_markup,
    is_instruction,
    normalise_for_checks,
    number_values,
    syllables,
    words,
)

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
# Journals' subject areas and article types given as keywords (eLife tags every paper so):
# a field of science, not what the study is about ("Early research on neuroscience…").
GENERIC_MESH |= {
    "neuroscience",
    "microbiology and infectious disease",
    "structural biology and molecular biophysics",
    "biochemistry and chemical biology",
    "immunology and inflammation",
    "cell biology",
    "short report",
    "research article",
    "ecology",
    "physics of living systems",
    "computational and systems biology",
    "genetics and genomics",
    "evolutionary biology",
    "developmental biology",
    "epidemiology and global health",
    "stem cells and regenerative medicine",
    "chromosomes and gene expression",
    "tools and resources",
    "medicine",
    "cancer biology",
    "plant biology",
    "research organism",
}


def _condition_words(profile: StudyProfile) -> str:
    others = [c for c in profile.conditions if c != profile.audience_condition]
    if profile.studies_audience_condition:
        return profile.audience_condition
    return " and ".join(others[:2])


# Who a study of people names when the abstract gives no condition and no count: "In people,
# …" says nothing, so the headline leaves such a population out.
UNNAMED_PEOPLE = "people"
NO_TOPIC = "this question"  # what a study is about when nothing names it


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
    # Not "people without MS": the abstract rarely says so, and the caveats already say the
    # study was not done in people with the audience's condition.
    return f"{count}people" if count else UNNAMED_PEOPLE


@cache
def _design_wording() -> dict[str, dict[str, str]]:
    raw = tomllib.loads(prompt_file("wording.toml").read_text("utf-8"))
    return raw["design"]


def design_text(profile: StudyProfile, key: str, **fill: str) -> str:
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
    return design_text(profile, key, who=population(profile, with_count=False), topic=topic)


def topic_phrase(study: Study, profile: StudyProfile) -> str:
    """Two keywords ("vitamin D and relapses"), else the title's subject, else the condition."""
    picked = [k for k in plain_keywords(study, profile) if len(k.split()) <= 4][:2]
    if picked:
        return " and ".join(lower_first(k) for k in picked)
    return title_topic(study) or _condition_words(profile) or NO_TOPIC


def short_topic(study: Study, profile: StudyProfile) -> str:
    """One plain keyword for short sentences, else the title's subject, else the condition."""
    for keyword in plain_keywords(study, profile):
        if len(keyword.split()) <= 3 and all(syllables(w) <= 4 for w in words(keyword)):
            return lower_first(keyword)
    return title_topic(study) or _condition_words(profile) or NO_TOPIC


_TITLE_LEAD = re.compile(
    r"^(?:(?:the|a|an)\s+)?(?:(?:effects?|impact|influence|role|roles|association|associations|"
    r"relationship|comparison|use|efficacy|effectiveness|safety|prevalence|incidence|analysis|"
    r"assessment|evaluation|characteri[sz]ation|identification|emergence|development|"
    r"mechanisms?|regulation|dynamics)\s+(?:of|between|and)\s+)+(?:(?:the|a|an)\s+)?",
    re.I,
)
_TITLE_CUT = re.compile(
    r"\s*(?::|;|\?|\s[-–]\s|\b(?:in|among|for|versus|vs\.?|with|on|during|after|as|by|"
    r"from|using|through|via|across|at|among)\b)\s*",
    re.I,
)


def title_topic(study: Study) -> str | None:
    """The subject a paper's title names first, as a short plain phrase: "levothyroxine" from
    "The emergence of levothyroxine as a treatment for hypothyroidism"."""
    title = _TITLE_LEAD.sub("", study.title.strip().rstrip("."))
    head = _TITLE_CUT.split(title, maxsplit=1)[0].strip(" ,")
    found = head.split()
    if not found or len(found) > 4 or re.search(r"[A-Z]{2}|\d", head):
        return None
    hard = [w for w in found if syllables(w.lower()) >= 4]
    if len(hard) > 1:
        return None
    return lower_first(head)


def lower_first(term: str) -> str:
    """ "Vitamin D" reads "vitamin D" mid-sentence; "MRI" and "Epstein-Barr virus" keep case."""
    first = term.split()[0]
    if re.fullmatch(r"[A-Z][a-z]+", first) and not re.search(r"[A-Z]", term[len(first) :]):
        return term[0].lower() + term[1:]
    if re.fullmatch(r"[A-Z][a-z]+", first) and first.lower() in _COMMON_STARTS:
        return term[0].lower() + term[1:]  # "Vitamin D": a common word before an acronym
    return term


_COMMON_STARTS = {"vitamin", "sleep", "exercise", "fatigue", "walking", "brain", "blood"}


# A Markdown heading or link inside abstract text: "## Important Considerations …", "[t](…)".
_MARKDOWN = re.compile(r"(?:^|\s)#{1,6}\s|\]\s*\(|!\[")


def reusable(text: str, house: House | None = None) -> bool:
    """May the drafter reuse this abstract text (a sentence, a keyword) in a draft? Not when it
    holds a link of any kind, markup, an instruction to the model or a word the house never
    uses: read through the same detectors and normaliser as the checks (issue 10), so a
    homoglyph or zero-width character hides nothing."""
    house = house or load_house(process_settings())
    key = (id(house), text)
    if key not in _REUSABLE:
        if len(_REUSABLE) > 20_000:
            _REUSABLE.clear()
        _REUSABLE[key] = _reusable(text, house)
    return _REUSABLE[key]


_REUSABLE: dict[tuple[int, str], bool] = {}  # houses are loaded once and kept (load_house)


def _reusable(text: str, house: House) -> bool:
    return not (
        find_links(text)
        or find_markup(text)
        or _MARKDOWN.search(text)
        or is_instruction(text, house)
        or house.forbidden.search(normalise_for_checks(text))
    )


def plain_keywords(study: Study, profile: StudyProfile) -> list[str]:
    """Keywords then MeSH terms, minus generic ones, inverted MeSH forms and the audience name."""
    audience = {profile.audience_condition.lower(), "multiple sclerosis", "ms"}
    seen, out = set(), []
    for term in [*study.keywords, *(m for m in study.mesh_terms if "," not in m)]:
        clean = re.sub(r"\s+", " ", term).strip(" .;")
        key = clean.lower()
        if clean != key and key in study.abstract:
            clean = key  # MeSH's "Spinal Cord" reads "spinal cord", as the abstract writes it
        if not clean or key in GENERIC_MESH or key in seen or key in audience:
            continue
        if ":" in clean or not reusable(clean):
            continue  # "javascript:alert(5)", "[click](…)": never a topic
        seen.add(key)
        out.append(clean)
    return out


def topics_for(study: Study, profile: StudyProfile) -> list[str]:
    topics = [k for k in plain_keywords(study, profile) if len(k.split()) <= 5][:6]
    kind = {"people": "Clinical research", "animals": "Animal research", "cells": "Lab research"}
    extra = [*profile.conditions, kind.get(profile.species, "Research")]
    for term in extra:
        if len(topics) >= 3:
            break
        if term.lower() not in {t.lower() for t in topics}:
            topics.append(term)
    while len(topics) < 3:
        topics.append(("Study design", "Research news", "Health research")[len(topics)])
    return topics


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


def considerations(
    study: Study, profile: StudyProfile, house: House, limit: str | None = None
) -> list[str]:
    """The required caveats in the house's order, the authors' `limit` if room, advice last."""
    grounded = number_values(study.abstract)
    fill = {
        "animals": " and ".join(profile.animals) or "animals",
        "condition": population(profile, with_count=False),
        "audience": house.audience,
        "participants": profile.participants or "",
        "followup": profile.evidence.get("followup_phrase", "a short time"),
    }
    out = []
    for cid in profile.required_caveats:
        caveat = house.caveats[cid]
        unnamed = fill["condition"] == UNNAMED_PEOPLE and caveat.sentence_unnamed
        sentence = caveat.sentence_unnamed if unnamed else caveat.sentence
        if cid == "small_sample" and float(profile.participants or 0) not in grounded:
            sentence = re.sub(r",? with \{participants\} people", "", sentence)
        out.append(sentence.format(**fill))
    limits = house.sections["important_considerations"]
    while limits.max_sentences and len(out) > limits.max_sentences:
        # Join the two middle caveats so the last sentence stays the advice to talk to a doctor.
        first, second = out[-3], out[-2]
        out[-3:-1] = [first.rstrip(".") + ". Also, " + second[0].lower() + second[1:]]
        out[-3] = out[-3].replace(". Also, ", "; also, ")
    if limit and reusable(limit, house) and len(out) < (limits.max_sentences or len(out) + 1):
        out.insert(len(out) - 1, limit)
    if len(out) < (limits.min_sentences or 0):
        out.insert(0, "This is one study, and other studies may find different results.")
    return out
