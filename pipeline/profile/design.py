"""A study's design from the abstract's wording, and how sure the profile is of it, with the
competing reading (PubMed's publication types and MeSH tags, read in
`pipeline.profile.metadata`, come first when the article has them).

Without publication types the wording decides: designs named outright are high
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

# A method or tool built, with no one studied: no design in the house's list fits.
METHOD_WHY = "a method or tool built and tested, not a study of anyone"
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


def overview(study: Study, sents: list[str], species: str, people: int | None, topic: bool) -> bool:
    """No one studied and no first-person research, about a human condition or its care."""
    clinical = species == "people" or topic or bool(_first(CLINICAL, sents))
    return (
        bool(sents)
        and not people
        and clinical
        and not _first(cues.OWN_RESEARCH, [study.title, *sents])
    )


def named_designs(units: list[str]) -> list[tuple[Design, str]]:
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
    """The design the abstract's wording gives, without publication types, for a study that
    is not a review (`pipeline.profile.reviews` reads those first)."""
    if species == "animals":
        return Reading(Design.animal, _first(ANIMAL_MODEL, units) or "", "high", "live animals")
    if species == "cells":
        model = _first(cues.THEORY, units)  # a theory of bacterial growth is a model
        if model:
            return Reading(Design.other, model, "medium", "a theory or model, not an experiment")
        method = _first(cues.METHOD, units)  # an algorithm for sequencing signals
        if method and not _first(cues.WET_LAB, units):
            return Reading(Design.other, method, "medium", METHOD_WHY)
        return Reading(Design.in_vitro, _first(CELLS, units) or "", "high", "cells or molecules")
    named = named_designs(units)
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
        if _first(cues.OUTCOMES, units):
            why = "a look back at records of what happened to the patients"
            return Reading(Design.cohort, records, "medium", why, Design.cross_sectional)
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
    # A pipeline or imaging method built for patients' data, with no one counted.
    method = _first(cues.METHOD, units)
    if method and not people and not _first(cues.WET_LAB, units):
        return Reading(Design.other, method, "medium", METHOD_WHY, Design.cross_sectional)
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
    if _first(cues.DOSED, [cues.MEASURE_GIVEN.sub(" ", u) for u in units]):
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
