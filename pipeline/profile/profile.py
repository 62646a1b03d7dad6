"""Study profile: design, species, conditions, size, follow-up, comparison, from the abstract and
the metadata PubMed's indexers gave it.

Deterministic and explainable: every field records the sentence it came from in
`profile.evidence` and how sure the profiler is of it in `profile.confidence` (high, medium or
low, why, and the competing reading), so a reviewer can see why a caveat was required and which
values to check. PubMed publication types and MeSH tags, when present, decide the design and
the species, with the wording as the cross-check (`metadata`, `species`); without them the
wording decides: reviews (`reviews`), then species, then designs named outright, then softer
hints (`design`). Background, future work ("a randomised trial is needed") and other people's
studies never set the design. People and follow-up are counted in `counts`.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from pipeline.house import House, load_house
from pipeline.profile import cues
from pipeline.profile.counts import PeopleCount, count_reading, followup, review_total
from pipeline.profile.design import METHOD_WHY, Reading, overview, own_units, rules
from pipeline.profile.metadata import from_metadata
from pipeline.profile.reviews import review
from pipeline.profile.species import SpeciesReading, species_reading, with_mesh
from pipeline.records import Design, FieldConfidence, Rating, Study, StudyProfile
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


def _reviews_people(
    study: Study, units: list[str], sents: list[str], species: str, people: int | None, topic: bool
) -> bool:
    """A review, or an overview of a condition's care, is about people whatever else it names
    (bacteria that cause pharyngitis, cancer cells, a mouse model of the disease)."""
    if species != "animals" and review(units, sents, species):
        return True
    if _first(dict(cues.NAMED)[Design.narrative_review], units):
        return True
    return species != "animals" and overview(study, sents, species, people, topic)


def _settle_species(kind: SpeciesReading, reading: Reading) -> SpeciesReading:
    """The kind of subject the design implies, when the metadata's design says otherwise."""
    # A review is about people, unless it reviews animal experiments.
    if reading.design in cues.REVIEW_DESIGNS and kind.kind not in ("people", "animals"):
        return SpeciesReading("people", [], "", "high", "a review is about people", kind.kind)
    if reading.design == Design.animal and kind.kind != "animals":
        why = f"an animal study ({reading.why})"
        return SpeciesReading("animals", kind.animals, kind.sentence, "medium", why, kind.kind)
    human = cues.HUMAN_DESIGNS - cues.REVIEW_DESIGNS
    if reading.design in human and kind.kind != "people":
        why = f"{DESIGN_NAMES[reading.design].lower()} ({reading.why})"
        rival = kind.kind if kind.kind != "unknown" else None
        return SpeciesReading("people", [], kind.sentence, "medium", why, rival)
    return kind


def _confidence(
    reading: Reading, kind: SpeciesReading, counted: PeopleCount, people: int | None
) -> dict[str, FieldConfidence]:
    alternative = reading.alternative.value if reading.alternative else None
    out = {
        "design": FieldConfidence(level=reading.level, reason=reading.why, alternative=alternative),
        "species": FieldConfidence(level=kind.level, reason=kind.why, alternative=kind.alternative),
    }
    if kind.kind != "people":
        out["participants"] = FieldConfidence(level="high", reason="not a study of people")
    elif people is None:
        out["participants"] = FieldConfidence(level="medium", reason="no total number stated")
    elif counted.n is None:
        out["participants"] = FieldConfidence(level="medium", reason="a case report: one person")
    else:
        sure = counted.how in ("a stated total", "the review's total", "the sum of the groups")
        level = "high" if sure else "medium"
        out["participants"] = FieldConfidence(level=level, reason=counted.how)
    return out


def profile_study(study: Study, settings: Settings, house: House | None = None) -> StudyProfile:
    house = house or load_house(settings)
    sents = sentences(study.abstract)
    evidence: dict[str, str] = {}
    counted = count_reading(sents)
    people, people_sentence = counted.n, counted.sentence
    kind = species_reading(study.title, sents, people)
    units, origin = own_units(study.title, sents)
    conditions, audience_hit = [], None
    # What a study is about is in its title, keywords, opening and who it enrolled; a side
    # effect named in the results ("two seizures") is not a condition studied.
    scope = [study.title, *study.keywords, *study.mesh_terms, *sents[:2]]
    scope += [s for s in (people_sentence, kind.sentence) if s]
    for name, audience_for, pattern in _condition_patterns():
        hit = _first(pattern, scope)
        if hit:
            conditions.append(name)
            if settings.audience_condition in audience_for:
                audience_hit = hit
    topic = bool(conditions)
    if kind.kind != "people" and _reviews_people(study, units, sents, kind.kind, people, topic):
        # A review of microscopy studies is about people; so are its MeSH "Animals".
        kind = SpeciesReading("people", [], "", "high", "a review is about people", kind.kind)
    elif not (kind.kind == "people" and review(units, sents, kind.kind)):
        kind = with_mesh(kind, study.mesh_terms)
    found = review(units, sents, kind.kind) or rules(study, units, sents, kind.kind, people, topic)
    reading = from_metadata(study, found, units, sents)
    kind = _settle_species(kind, reading)
    design, species, animals = reading.design, kind.kind, kind.animals
    if design in (Design.systematic_review, Design.meta_analysis):
        counted = review_total(sents, counted)
        people, people_sentence = counted.n, counted.sentence
    tool = reading.why == METHOD_WHY and not people  # software for lung images studies no one
    if design == Design.other and (species == "cells" or tool):
        species = "unknown"  # nor does a theory of how cells behave
    if species == "unknown" and design in cues.HUMAN_DESIGNS:
        species = "people"
    people = _people_for(design, species, people)
    confidence = _confidence(reading, kind._replace(kind=species), counted, people)
    for field, sentence in (
        ("design", origin.get(reading.sentence, reading.sentence)),
        ("species", kind.sentence),
        ("participants", people_sentence),
        ("conditions", audience_hit),
    ):
        if sentence:
            evidence[field] = sentence
    confidence["conditions"] = _condition_confidence(study, conditions, species)
    profile = StudyProfile(
        design=design,
        species=species,
        animals=animals,  # type: ignore[arg-type]
        conditions=conditions,
        audience_condition=settings.audience_condition,
        studies_audience_condition=bool(audience_hit),
        participants=people,
        credibility=Rating(score=1, reason="derived below"),
        evidence=evidence,
        confidence=confidence,
    )
    return _derive(study, sents, profile, settings, house)


def design_species(design: Design) -> str | None:
    """The kind of subject a design implies (people, animals, cells), None for an unclear one."""
    if design in cues.HUMAN_DESIGNS:
        return "people"
    return {Design.animal: "animals", Design.in_vitro: "cells"}.get(design)


def corrected(
    study: Study, profile: StudyProfile, correction: dict[str, dict], settings: Settings
) -> StudyProfile:
    """`profile` with a reviewer's values (`{"design": {"value": "cohort", "why": "..."}}`, for
    design, species, participants), each sure for its `why`, the rest derived again."""
    if not correction:
        return profile
    values = {k: fix["value"] for k, fix in correction.items()}
    update = {k: Design(v) if k == "design" else v for k, v in values.items()}
    sure = {k: FieldConfidence(level="high", reason=fix["why"]) for k, fix in correction.items()}
    update["confidence"] = {**profile.confidence, **sure}
    update["evidence"] = {k: v for k, v in profile.evidence.items() if k not in correction}
    return rederive(study, profile.model_copy(update=update), settings)


def _people_for(design: Design, species: str, people: int | None) -> int | None:
    """A case report with no count studied one person; only people are counted."""
    if species != "people":
        return None
    return 1 if design == Design.case_report and not people else people


def rederive(
    study: Study, profile: StudyProfile, settings: Settings, house: House | None = None
) -> StudyProfile:
    """Everything that follows from the design, species and participants, derived again (an
    intervention and its follow-up, a comparison, preliminary, observational, the caveats, the
    credibility): `profile_study` ends here, and so does a reviewer's correction."""
    return _derive(
        study, sentences(study.abstract), profile, settings, house or load_house(settings)
    )


def _derive(
    study: Study, sents: list[str], profile: StudyProfile, settings: Settings, house: House
) -> StudyProfile:
    design, species = profile.design, profile.species
    people = _people_for(design, species, profile.participants)
    derived = ("followup", "followup_phrase", "comparison", "preliminary")
    evidence = {k: v for k, v in profile.evidence.items() if k not in derived}
    confidence = dict(profile.confidence)
    intervention = design in (Design.rct, Design.nonrandomized_trial) or (
        design == Design.other and bool(_first(cues.INTERVENTION, sents))
    )
    months, followup_phrase, followup_sentence = followup(sents) if intervention else (None,) * 3
    no_comparison = _first(cues.SINGLE_ARM, sents)
    comparison = _first(cues.COMPARISON, sents)
    compared = comparison or any(p.lower() == "comparative study" for p in study.publication_types)
    has_comparison = False if no_comparison else (True if compared else None)
    preliminary_hit = _first(cues.PRELIMINARY, [study.title, *sents])
    preliminary = bool(preliminary_hit) or (
        design == Design.nonrandomized_trial and has_comparison is False
    )
    observational = design in (Design.cohort, Design.case_control, Design.cross_sectional)
    for field, sentence in (
        ("followup", followup_sentence),
        ("comparison", no_comparison or comparison),
        ("preliminary", preliminary_hit),
    ):
        if sentence:
            evidence[field] = sentence
    if followup_phrase:
        evidence["followup_phrase"] = followup_phrase
    confidence["followup"] = (
        FieldConfidence(level="high", reason="not a trial: follow-up is not read")
        if not intervention
        else FieldConfidence(level="medium", reason="the longest duration named")
        if months is not None
        else FieldConfidence(level="low", reason="no follow-up length stated")
    )
    profile = profile.model_copy(
        update={
            "participants": people,
            "followup_months": round(months, 2) if months is not None else None,
            "is_intervention": intervention,
            "has_comparison": has_comparison,
            "preliminary": preliminary,
            "observational": observational,
            "evidence": evidence,
            "confidence": confidence,
        }
    )
    caveats = required_caveats(profile, settings)
    return profile.model_copy(
        update={
            "required_caveats": caveats,
            "credibility": credibility(design, caveats, people, house),
        }
    )


def required_caveats(profile: StudyProfile, settings: Settings) -> list[str]:
    """The caveats HOUSE.md requires of a study with this profile, in the house's order."""
    caveats = []
    if profile.species == "animals":
        caveats.append("animal_model")
    if profile.species == "cells":
        caveats.append("cell_study")
    if not profile.studies_audience_condition and (
        profile.conditions or profile.species == "people"
    ):
        caveats.append("other_condition")
    if profile.observational:
        caveats.append("association_not_causation")
    if profile.participants is not None and profile.participants < settings.small_sample:
        caveats.append("small_sample")
    months = profile.followup_months
    if profile.is_intervention and months is not None and months < settings.short_followup_months:
        caveats.append("short_followup")
    if profile.preliminary:
        caveats.append("preliminary")
    caveats.append("consult_clinician")
    return caveats


def _condition_confidence(study: Study, conditions: list[str], species: str) -> FieldConfidence:
    """Conditions named in the title, keywords or MeSH are sure; only in the text, less so."""
    if not conditions:
        if species == "people":
            return FieldConfidence(level="low", reason="no condition recognised")
        return FieldConfidence(level="high", reason="no condition: not a clinical study")
    heading = [study.title, *study.keywords, *study.mesh_terms]
    patterns = _condition_patterns()
    named = [n for n, _, pattern in patterns if n in conditions and _first(pattern, heading)]
    if named:
        return FieldConfidence(level="high", reason="named in the title, keywords or MeSH terms")
    return FieldConfidence(level="medium", reason="named only in the abstract's text")


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
