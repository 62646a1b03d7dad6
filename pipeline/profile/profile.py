"""Study profile: design, species, conditions, size, follow-up, comparison, from the abstract alone.

Deterministic and explainable: every field records the sentence it came from in
`profile.evidence`, so a reviewer can see why a caveat was required. PubMed publication types,
when present, outrank wording in the text; then reviews, then species (animals, cells), then
designs named outright, then softer hints. Background sections, future work ("a randomised
trial is needed") and other people's studies never set the design. The wording lives in
`pipeline.profile.cues`; people and follow-up counting in `pipeline.profile.counts`; who or
what was studied in `pipeline.profile.species`.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from pipeline.house import House, load_house
from pipeline.profile import cues
from pipeline.profile.counts import count_people, followup
from pipeline.profile.species import ANIMAL_MODEL, CELLS, CLINICAL, species_of
from pipeline.records import Design, Rating, Study, StudyProfile
from pipeline.settings import Settings, prompt_file
from pipeline.text import sentences


@cache
def _condition_patterns() -> list[tuple[str, tuple[str, ...], re.Pattern[str]]]:
    raw = tomllib.loads(prompt_file("conditions.toml").read_text("utf-8"))
    return [
        (spec["name"], tuple(spec.get("audience_for", [])), cues.rx(*spec["patterns"]))
        for spec in raw["conditions"].values()
    ]


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


def _units(title: str, sents: list[str]) -> tuple[list[str], dict[str, str]]:
    """The title and the sentences that describe this study, each mapped to its original text.

    Structured-abstract labels ("Background:", "Methods", "Trial registration:") carry over to
    the sentences after them; background, future work and other people's studies ("as part of
    a placebo-controlled study", "recent meta-analyses report") never set the design.
    """
    own, origin, role = [title], {title: title}, "study"
    for sent in sents:
        label = cues.SECTION_LABEL.match(sent)
        if label:
            name = label.group("a") or label.group("b") or label.group("c")
            role = (
                "background"
                if cues.BACKGROUND_LABELS.fullmatch(name)
                else "skip"
                if cues.SKIPPED_LABELS.fullmatch(name)
                else "study"
            )
        if role != "study" or cues.FUTURE_WORK.search(sent):
            continue
        own.append(cues.OTHERS_WORK.sub(" ", sent))
        origin[own[-1]] = sent
    return own, origin


def _review_kind(sents: list[str], hit: str) -> tuple[Design, str]:
    """Cochrane-style abstracts rarely say "meta-analysis": pooled estimates reveal one."""
    no_pool = _first(cues.NO_POOLING, sents)
    if no_pool:
        return Design.systematic_review, no_pool
    pooled = next(
        (s for s in sents if cues.POOLED.search(s) and not cues.SINGLE_STUDY.search(s)), None
    )
    if pooled and not cues.PARTLY_POOLED.search(pooled):
        return Design.meta_analysis, pooled
    return Design.systematic_review, _first(cues.PARTLY_POOLED, sents) or hit


def _review(units: list[str], sents: list[str], species: str) -> tuple[Design, str] | None:
    """A review's own design, or None; in an animal study only its opening can say so."""
    scope = units[:3] if species == "animals" else units
    meta = next((s for s in scope if cues.META.search(s) and not cues.NO_POOLING.search(s)), None)
    if meta:
        return Design.meta_analysis, meta
    hit = _first(cues.REVIEW, scope) or (
        _first(cues.REVIEW_INCLUSION, scope) if species != "animals" else None
    )
    return _review_kind(sents, hit) if hit else None


def _design(
    study: Study, units: list[str], sents: list[str], species: str, people: int | None, topic: bool
) -> tuple[Design, str]:
    pubtypes = [p.lower() for p in study.publication_types]
    for key, design in cues.PUBTYPE_DESIGN:
        if key in pubtypes:
            cue = cues.DESIGN_CUE.get(design)
            return design, (_first(cue, sents) if cue else None) or f"Publication type: {key}"
    review = _review(units, sents, species)
    if review:
        return review
    if species == "animals":
        return Design.animal, _first(ANIMAL_MODEL, units) or ""
    if species == "cells":
        model = _first(cues.THEORY, units)  # a theory of bacterial growth is a model
        return (Design.other, model) if model else (Design.in_vitro, _first(CELLS, units) or "")
    for design, cue in [
        (Design.nonrandomized_trial, cues.SINGLE_ARM),
        (Design.rct, cues.RCT),
        *cues.NAMED,
    ]:
        hit = _first(cue, units)
        if hit:
            return design, hit
    records = _first(cues.RECORDS_REVIEW, units)
    if records and not _first(cues.FOLLOW_UP, units):
        return Design.cross_sectional, records
    treated = _first(cues.INTERVENTION_CUES, units)
    if treated and species == "people":
        return Design.nonrandomized_trial, treated
    # About a human condition, yet no one studied and no "we found": an overview, not a study.
    if _overview(study, sents, species, people, topic):
        return Design.narrative_review, _first(
            dict(cues.HINTED)[Design.narrative_review], sents
        ) or sents[0]
    for design, cue in cues.HINTED:
        hit = _first(cue, units)
        if hit:
            return design, hit
    # People measured once beside a control group, with no follow-up: a snapshot.
    controls = _first(cues.CONTROL_GROUP, units)
    if controls and species == "people":
        return Design.cross_sectional, controls
    return Design.other, ""


def _overview(
    study: Study, sents: list[str], species: str, people: int | None, topic: bool
) -> bool:
    """No one studied and no first-person research, about a human condition or its care."""
    clinical = species == "people" or topic or bool(_first(CLINICAL, sents))
    return (
        bool(sents)
        and not people
        and clinical
        and not _first(cues.OWN_RESEARCH, [study.title, *sents])
    )


def _reviews_people(
    study: Study,
    units: list[str],
    sents: list[str],
    species: str,
    people: int | None,
    conditions: list[str],
) -> bool:
    """A review, or an overview of a condition's care, is about people whatever else it names
    (bacteria that cause pharyngitis, cancer cells, a mouse model of the disease)."""
    if species != "animals" and _review(units, sents, species):
        return True
    if _first(dict(cues.NAMED)[Design.narrative_review], units):
        return True
    return species != "animals" and _overview(study, sents, species, people, bool(conditions))


def profile_study(study: Study, settings: Settings, house: House | None = None) -> StudyProfile:
    house = house or load_house(settings)
    sents = sentences(study.abstract)
    evidence: dict[str, str] = {}
    people, people_sentence = count_people(sents)
    species, animals, species_sentence = species_of(study.title, sents, people)
    units, origin = _units(study.title, sents)
    conditions, audience_hit = [], None
    # What a study is about is in its title, keywords, opening and who it enrolled; a side
    # effect named in the results ("two seizures") is not a condition studied.
    scope = [study.title, *study.keywords, *study.mesh_terms, *sents[:2]]
    scope += [s for s in (people_sentence, species_sentence) if s]
    for name, audience_for, pattern in _condition_patterns():
        hit = _first(pattern, scope)
        if hit:
            conditions.append(name)
            if settings.audience_condition in audience_for:
                audience_hit = hit
    if species != "people" and _reviews_people(study, units, sents, species, people, conditions):
        species, animals, species_sentence = "people", [], ""  # a review of microscopy studies
    design, design_sentence = _design(study, units, sents, species, people, bool(conditions))
    design_sentence = origin.get(design_sentence, design_sentence)
    if design == Design.case_report and not people:
        people = 1
    if species == "cells" and design == Design.other:
        species = "unknown"  # a theory of how cells or bacteria behave
    if species == "unknown" and design in cues.HUMAN_DESIGNS:
        species = "people"
    if species != "people":
        people = None
    intervention = design in (Design.rct, Design.nonrandomized_trial) or (
        design == Design.other and bool(_first(cues.INTERVENTION, sents))
    )
    months, followup_phrase, followup_sentence = followup(sents) if intervention else (None,) * 3
    no_comparison = _first(cues.SINGLE_ARM, sents)
    comparison = _first(cues.COMPARISON, sents)
    has_comparison = False if no_comparison else (True if comparison else None)
    preliminary_hit = _first(cues.PRELIMINARY, [study.title, *sents])
    preliminary = bool(preliminary_hit) or (
        design == Design.nonrandomized_trial and has_comparison is False
    )
    observational = design in (Design.cohort, Design.case_control, Design.cross_sectional)

    for field, sentence in (
        ("design", design_sentence),
        ("species", species_sentence),
        ("participants", people_sentence),
        ("conditions", audience_hit),
        ("followup", followup_sentence),
        ("comparison", no_comparison or comparison),
        ("preliminary", preliminary_hit),
    ):
        if sentence:
            evidence[field] = sentence
    if followup_phrase:
        evidence["followup_phrase"] = followup_phrase

    caveats = []
    if species == "animals":
        caveats.append("animal_model")
    if species == "cells":
        caveats.append("cell_study")
    if not audience_hit and (conditions or species == "people"):
        caveats.append("other_condition")
    if observational:
        caveats.append("association_not_causation")
    if people is not None and people < settings.small_sample:
        caveats.append("small_sample")
    if intervention and months is not None and months < settings.short_followup_months:
        caveats.append("short_followup")
    if preliminary:
        caveats.append("preliminary")
    caveats.append("consult_clinician")

    return StudyProfile(
        design=design,
        species=species,
        animals=animals,  # type: ignore[arg-type]
        conditions=conditions,
        audience_condition=settings.audience_condition,
        studies_audience_condition=bool(audience_hit),
        participants=people,
        followup_months=round(months, 2) if months is not None else None,
        is_intervention=intervention,
        has_comparison=has_comparison,
        preliminary=preliminary,
        observational=observational,
        required_caveats=caveats,
        credibility=credibility(design, caveats, people, house),
        evidence=evidence,
    )


DESIGN_NAMES = {
    Design.meta_analysis: "Meta-analysis",
    Design.systematic_review: "Systematic review",
    Design.rct: "Randomised controlled trial",
    Design.nonrandomized_trial: "Non-randomised trial",
    Design.cohort: "Cohort study",
    Design.case_control: "Case-control study",
    Design.cross_sectional: "Cross-sectional study",
    Design.case_report: "Case report or series",
    Design.narrative_review: "Narrative review",
    Design.animal: "Animal study",
    Design.in_vitro: "Lab study in cells",
    Design.other: "Study of unclear design",
}


def credibility(design: Design, caveats: list[str], people: int | None, house: House) -> Rating:
    base = house.credibility[design.value]
    reason = f"{DESIGN_NAMES[design]} (base {base})"
    penalties = []
    if "small_sample" in caveats:
        penalties.append(f"small study ({people} people)")
    if "preliminary" in caveats:
        penalties.append("early or pilot results")
    score = max(1, base - (1 if penalties else 0))
    if penalties and score < base:
        reason += "; one point less for " + " and ".join(penalties)
    return Rating(score=score, reason=reason + ".")
