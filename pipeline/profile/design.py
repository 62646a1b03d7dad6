"""A study's design: PubMed's publication types first, the abstract's wording as the cross-check,
and how sure the profile is of it, with the competing reading.

Publication types are assigned by indexers at the NLM who read the paper, so when one names a
design it decides, and the wording only refines it within its family (a "Review" that pools
trials is a meta-analysis; an "Observational Study" that matches cases to controls is a
case-control study) or, where it disagrees, lowers the confidence and is kept as the competing
reading. Without publication types the wording decides: designs named outright are high
confidence, hints medium, fallbacks low. A study of people is never left as `other` without a
reason: either wording names a kind the house has no design for (qualitative, modelling), or
the most likely design is picked, low-confidence, with `other` as the competing reading.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.profile import cues
from pipeline.profile.species import ANIMAL_MODEL, CELLS, CLINICAL
from pipeline.records import Confidence, Design, Study

# PubMed publication types (prefixes, most specific first) and the designs each allows; the
# first is the design when the wording names none of them. "Clinical Trial" covers phases I-IV.
_TRIALS = (Design.nonrandomized_trial, Design.rct)
OBSERVATIONAL = (Design.cross_sectional, Design.cohort, Design.case_control)
PUBTYPE_FAMILIES: list[tuple[str, tuple[Design, ...]]] = [
    ("network meta-analysis", (Design.meta_analysis,)),
    ("meta-analysis", (Design.meta_analysis,)),
    ("systematic review", (Design.systematic_review, Design.meta_analysis)),
    ("scoping review", (Design.systematic_review,)),
    ("randomized controlled trial, veterinary", (Design.animal,)),
    ("clinical trial, veterinary", (Design.animal,)),
    ("observational study, veterinary", (Design.animal,)),
    ("randomized controlled trial", (Design.rct,)),
    ("case reports", (Design.case_report,)),
    ("controlled clinical trial", _TRIALS),
    ("pragmatic clinical trial", _TRIALS),
    ("adaptive clinical trial", _TRIALS),
    ("clinical trial", _TRIALS),
    ("observational study", OBSERVATIONAL),
    ("twin study", OBSERVATIONAL),
    ("review", (Design.narrative_review, Design.systematic_review, Design.meta_analysis)),
    ("practice guideline", (Design.narrative_review,)),
    ("guideline", (Design.narrative_review,)),
    ("consensus development conference", (Design.narrative_review,)),
]

# At most this many patients described one by one make a case series, not a cohort.
SMALL_SERIES = 20


class Reading(NamedTuple):
    design: Design
    sentence: str
    level: Confidence
    why: str
    alternative: Design | None = None


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


def own_units(title: str, sents: list[str]) -> tuple[list[str], dict[str, str]]:
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


def _review_kind(sents: list[str], hit: str) -> Reading:
    """A systematic review pools only when it says so; Cochrane-style abstracts rarely say
    "meta-analysis", but a pooled estimate, a GRADE line counting the studies behind an
    estimate, or estimates no single trial is credited with reveal one."""
    no_pool = _first(cues.NO_POOLING, sents)
    if no_pool:
        return Reading(Design.systematic_review, no_pool, "high", "it says it did not pool")
    pooled = next(
        (
            s
            for s in sents
            if cues.POOLED.search(s)
            or (cues.MULTI_STUDY_ESTIMATE.search(s) and not cues.SINGLE_STUDY.search(s))
        ),
        None,
    )
    if pooled and not cues.PARTLY_POOLED.search(pooled):
        why = "a review with an estimate pooled across studies"
        return Reading(Design.meta_analysis, pooled, "medium", why, Design.systematic_review)
    # Effect estimates with no pooling named: one trial each, when the review goes through its
    # trials one by one ("the single trial", "another study"); pooled otherwise.
    estimate = next(
        (s for s in sents if cues.ESTIMATE.search(s) and not cues.SINGLE_STUDY.search(s)), None
    )
    singles = sum(1 for s in sents if cues.SINGLE_STUDY.search(s))
    if estimate and not pooled and singles < 2:
        why = "a review with effect estimates, none credited to a single trial"
        return Reading(Design.meta_analysis, estimate, "medium", why, Design.systematic_review)
    why = "a review with no estimate pooled across studies"
    alternative = Design.meta_analysis if pooled or estimate else None
    sentence = _first(cues.PARTLY_POOLED, sents) or hit
    return Reading(Design.systematic_review, sentence, "medium", why, alternative)


def review(units: list[str], sents: list[str], species: str) -> Reading | None:
    """A review's own design, or None; in an animal study only its opening can say so."""
    scope = units[:3] if species == "animals" else units
    meta = next(
        (
            s
            for s in scope
            if cues.META.search(cues.PRISMA.sub(" ", s)) and not cues.NO_POOLING.search(s)
        ),
        None,
    )
    if meta:
        return Reading(Design.meta_analysis, meta, "high", "it calls itself a meta-analysis")
    hit = _first(cues.REVIEW, scope) or (
        _first(cues.REVIEW_INCLUSION, scope) if species != "animals" else None
    )
    return _review_kind(sents, hit) if hit else None


def overview(study: Study, sents: list[str], species: str, people: int | None, topic: bool) -> bool:
    """No one studied and no first-person research, about a human condition or its care."""
    clinical = species == "people" or topic or bool(_first(CLINICAL, sents))
    return (
        bool(sents)
        and not people
        and clinical
        and not _first(cues.OWN_RESEARCH, [study.title, *sents])
    )


def _named(units: list[str]) -> list[tuple[Design, str]]:
    """Every design the study's own sentences name outright, strongest first."""
    found: list[tuple[Design, str]] = []
    for design, cue in [
        (Design.nonrandomized_trial, cues.SINGLE_ARM),
        (Design.rct, cues.RCT),
        *cues.NAMED,
    ]:
        hit = _first(cue, units)
        if hit and design not in (d for d, _ in found):
            found.append((design, hit))
    # "An uncontrolled case series of patients treated with ...": a case series, not a trial.
    series = next((f for f in found if f[0] == Design.case_report), None)
    trial_first = bool(found) and found[0][0] == Design.nonrandomized_trial
    if trial_first and series and _first(cues.CASE_SERIES, units):
        found.remove(series)
        found.insert(0, series)
    return found


def _small_series(units: list[str], sents: list[str], people: int | None) -> bool:
    """A handful of patients described, with no follow-up: a case series, whatever it is called.
    The aim to describe them is often the background section's last sentence."""
    return (
        people is not None
        and people <= SMALL_SERIES
        and bool(_first(cues.DESCRIBED, sents))
        and not _first(cues.FOLLOW_UP, units)
    )


def rules(
    study: Study, units: list[str], sents: list[str], species: str, people: int | None, topic: bool
) -> Reading:
    """The design the abstract's wording gives, without publication types."""
    found = review(units, sents, species)
    if found:
        return found
    if species == "animals":
        return Reading(Design.animal, _first(ANIMAL_MODEL, units) or "", "high", "live animals")
    if species == "cells":
        model = _first(cues.THEORY, units)  # a theory of bacterial growth is a model
        if model:
            return Reading(Design.other, model, "medium", "a theory or model, not an experiment")
        return Reading(Design.in_vitro, _first(CELLS, units) or "", "high", "cells or molecules")
    named = _named(units)
    if named:
        (design, hit), rest = named[0], named[1:]
        if design == Design.other:
            # Qualitative and modelling studies of people: the house has no design for them.
            why = "a qualitative or modelling study: no design in the house's list fits"
            return Reading(design, hit, "medium", why, rest[0][0] if rest else None)
        if design == Design.cohort and _small_series(units, sents, people):
            why = "a small group of patients described, though called a cohort"
            return Reading(Design.case_report, hit, "medium", why, Design.cohort)
        if rest:
            why = f"it names {design.value} first, then {rest[0][0].value}"
            return Reading(design, hit, "medium", why, rest[0][0])
        return Reading(design, hit, "high", "the design is named")
    return _hinted(study, units, sents, species, people, topic)


def _hinted(
    study: Study, units: list[str], sents: list[str], species: str, people: int | None, topic: bool
) -> Reading:
    """No design named: records, treatment, overview wording and other hints; last a guess."""
    records = _first(cues.RECORDS_REVIEW, units)
    if records and not _first(cues.FOLLOW_UP, units):
        why = "a look back at records with no follow-up"
        return Reading(Design.cross_sectional, records, "medium", why, Design.cohort)
    treated = _first(cues.INTERVENTION_CUES, units)
    if treated and species == "people":
        # "Samples before and during treatment" from patients on their usual care: observed.
        if _first(cues.OBSERVED_TREATMENT, units) and not _first(cues.GIVEN, units):
            why = "patients observed while on treatment, which the study did not give"
            return Reading(Design.cohort, treated, "medium", why, Design.nonrandomized_trial)
        why = "people given a treatment, with no randomisation named"
        return Reading(Design.nonrandomized_trial, treated, "medium", why, Design.cohort)
    # "A 34-year-old woman developed ...": a case report, though it never says "we".
    case = _first(dict(cues.HINTED)[Design.case_report], units)
    if case and species in ("people", "unknown"):
        why = "one patient described, by age and sex"
        return Reading(Design.case_report, case, "medium", why, Design.narrative_review)
    # About a human condition, yet no one studied and no "we found": an overview, not a study.
    if overview(study, sents, species, people, topic):
        hint = _first(dict(cues.HINTED)[Design.narrative_review], sents) or sents[0]
        return Reading(Design.narrative_review, hint, "medium", "no study of its own described")
    hints = [(d, hit) for d, cue in cues.HINTED if (hit := _first(cue, units))]
    if hints:
        (design, hit), rest = hints[0], [d for d, _ in hints[1:] if d != hints[0][0]]
        why = f"wording that suggests {design.value}"
        return Reading(design, hit, "medium", why, rest[0] if rest else None)
    # A review whose "we discuss" shares a sentence with future work ("priorities for future
    # research") is still a review: look in every sentence, not only the study's own.
    review_hint = _first(dict(cues.NAMED)[Design.narrative_review], sents) or _first(
        dict(cues.HINTED)[Design.narrative_review], sents
    )
    if review_hint and not people:
        why = "review wording, and no one studied"
        return Reading(Design.narrative_review, review_hint, "medium", why)
    # People measured once beside a control group, with no follow-up: a snapshot.
    controls = _first(cues.CONTROL_GROUP, units)
    if controls and species == "people":
        why = "people compared with a control group; no design named"
        return Reading(Design.cross_sectional, controls, "low", why, Design.case_control)
    if species == "people" or (people and species != "unknown"):
        return _likeliest(units, sents)
    return Reading(Design.other, "", "low", "no design named and no one studied")


def _likeliest(units: list[str], sents: list[str]) -> Reading:
    """A study of people whose design no wording names: the commonest design its shape fits,
    unless it is a lab experiment or a model, which no design in the house's list fits."""
    for cue, kind in ((cues.EXPERIMENT, "a lab experiment"), (cues.MODEL_HINT, "a model")):
        hit = _first(cue, units)
        if hit:
            why = f"{kind} with people: no design in the house's list fits"
            return Reading(Design.other, hit, "low", why, Design.cross_sectional)
    sentence = _first(cues.PERSON_COUNT_HINT, units) or (sents[0] if sents else "")
    if _first(cues.DOSED, units):
        design, shape = Design.nonrandomized_trial, "people given a drug or procedure"
    elif _first(cues.FOLLOW_UP, units):
        design, shape = Design.cohort, "people followed over time"
    elif _first(cues.ASSOCIATION, units):
        # Measured once and an association or an accuracy reported: a snapshot, most likely.
        hit = _first(cues.ASSOCIATION, units) or sentence
        why = "no design named; people measured once and an association or accuracy reported"
        return Reading(Design.cross_sectional, hit, "medium", why, Design.cohort)
    else:
        design, shape = Design.cross_sectional, "people measured once"
    why = f"no design named; read as {shape}"
    return Reading(design, sentence, "low", why, Design.other)


def from_metadata(study: Study, found: Reading, units: list[str], sents: list[str]) -> Reading:
    """The publication types' design, refined or cross-checked by the wording's reading."""
    types = [p.lower() for p in study.publication_types]
    for prefix, family in PUBTYPE_FAMILIES:
        key = next((t for t in types if t.startswith(prefix)), None)
        if key is None:
            continue
        label = f"publication type {key!r}"
        if found.design in family:
            # The wording agrees, or picks the design within the family the type names.
            design, level, alternative = found.design, "high", None
            why = f"{label}, and the wording agrees"
        else:
            design = family[0]
            if design in OBSERVATIONAL and _first(cues.FOLLOW_UP, units):
                design = Design.cohort
            level, why = "medium", f"{label}; the wording alone reads {found.design.value}"
            alternative = found.design if found.design != Design.other else None
        # The evidence is the abstract's own sentence for the design, when it has one.
        cue = cues.DESIGN_CUE.get(design)
        sentence = (_first(cue, sents) if cue else None) or (
            found.sentence if design == found.design else None
        )
        return Reading(design, sentence or f"Publication type: {key}", level, why, alternative)
    return found
