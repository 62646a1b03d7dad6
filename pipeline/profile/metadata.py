"""The metadata PubMed's indexers gave a study, read for its design: publication types first,
then MeSH study-design tags, each cross-checked against the wording's reading.

Publication types are assigned by indexers at the NLM who read the paper, so when one names a
design it decides, and the wording only refines it within its family (a "Review" that pools
trials is a meta-analysis; an "Observational Study" that matches cases to controls is a
case-control study) or, where it disagrees, lowers the confidence and is kept as the competing
reading. One conflict goes the other way: a review type on an abstract that names its own
primary design and has no review wording at all.
"""

from __future__ import annotations

import re

from pipeline.profile import cues
from pipeline.profile.design import Reading, named_designs
from pipeline.profile.reviews import META, REVIEW, REVIEW_INCLUSION
from pipeline.records import Design, Study

# The wording that backs up a PubMed publication type.
DESIGN_CUE: dict[Design, re.Pattern[str]] = {
    **dict(cues.HINTED),
    **dict(cues.NAMED),
    Design.meta_analysis: META,
    Design.systematic_review: REVIEW,
    Design.rct: cues.RCT,
}

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

# MeSH study-design tags that name one observational design. Indexers add them less strictly
# than publication types ("Retrospective Studies", "Follow-Up Studies" go on any design), so
# they only refine a reading the wording is not sure of, within the observational family.
MESH_DESIGNS = {
    "case-control studies": Design.case_control,
    "cross-sectional studies": Design.cross_sectional,
    "cohort studies": Design.cohort,
    "prospective studies": Design.cohort,
    "longitudinal studies": Design.cohort,
}


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


def _mesh_design(study: Study) -> tuple[Design, str] | None:
    tags = [m.lower() for m in study.mesh_terms]
    return next(((MESH_DESIGNS[t], t) for t in tags if t in MESH_DESIGNS), None)


def from_metadata(study: Study, found: Reading, units: list[str], sents: list[str]) -> Reading:
    """The publication types' design, refined or cross-checked by the wording's reading."""
    types = [p.lower() for p in study.publication_types]
    for prefix, family in PUBTYPE_FAMILIES:
        key = next((t for t in types if t.startswith(prefix)), None)
        if key is None:
            continue
        label = f"publication type {key!r}"
        if _primary_not_review(found, family, units, sents):
            # "Meta-Analysis" on a Mendelian randomisation study of GWAS data: the abstract
            # names its own primary design and nothing of a review, so the wording decides.
            why = f"the design is named and nothing of a review; the {label} disagrees"
            return Reading(found.design, found.sentence, "low", why, family[0])
        if found.design in family:
            # The wording agrees, or picks the design within the family the type names.
            design, level, alternative = found.design, "high", None
            why = f"{label}, and the wording agrees"
        else:
            design = _within(study, family, units)
            level, why = "medium", f"{label}; the wording alone reads {found.design.value}"
            alternative = found.design if found.design != Design.other else None
        # The evidence is the abstract's own sentence for the design, when it has one.
        cue = DESIGN_CUE.get(design)
        sentence = (_first(cue, sents) if cue else None) or (
            found.sentence if design == found.design else None
        )
        return Reading(design, sentence or f"Publication type: {key}", level, why, alternative)
    return _from_mesh(study, found)


def _primary_not_review(
    found: Reading, family: tuple[Design, ...], units: list[str], sents: list[str]
) -> bool:
    """A review publication type on an abstract that names a primary design of its own and has
    no review wording at all (no search, no included studies, no "this review")."""
    return (
        family[0] in cues.REVIEW_DESIGNS
        and found.level == "high"
        and found.design in cues.HUMAN_DESIGNS - cues.REVIEW_DESIGNS
        and not _first(REVIEW, sents)
        and not _first(REVIEW_INCLUSION, sents)
        and not _first(dict(cues.NAMED)[Design.narrative_review], units)
    )


def _within(study: Study, family: tuple[Design, ...], units: list[str]) -> Design:
    """The design a publication type's family allows that the wording names ("an
    observational, mixed methods study" from "a prospective cohort study"), else the one its
    MeSH design tag names, else one with follow-up, else the family's first."""
    named = next((d for d, _ in named_designs(units) if d in family), None)
    if named:
        return named
    tagged = _mesh_design(study)
    if tagged and tagged[0] in family:
        return tagged[0]
    if family[0] in OBSERVATIONAL and _first(cues.FOLLOW_UP, units):
        return Design.cohort
    return family[0]


def _from_mesh(study: Study, found: Reading) -> Reading:
    """No design publication type: a MeSH design tag refines an observational reading the
    wording only hinted at ("patients and healthy controls" tagged Case-Control Studies)."""
    tagged = _mesh_design(study)
    if not tagged or found.level == "high" or tagged[0] == found.design:
        return found
    if found.design not in (*OBSERVATIONAL, Design.other):
        return found
    why = f"MeSH tag {tagged[1]!r}; the wording alone reads {found.design.value}"
    alternative = found.design if found.design != Design.other else None
    cue = DESIGN_CUE.get(tagged[0])
    sentence = (_first(cue, [found.sentence]) if cue else None) or found.sentence
    return Reading(tagged[0], sentence, "medium", why, alternative)
