"""Checks: small pure functions from (study, profile, summary) to CheckResults.

Each result has a stable id, a severity, a message a reviewer can act on, and the spans of the
section text it is about. Error-level failures send a draft back for revision; the review UI
and the `.md` report read the same results. `CHECKS` is the registry, in report order.

    structure.*     sections within the house limits; a plain title; the teaser (structure.py)
    readability.*   Flesch-Kincaid per section and overall     (structure.py)
    structure.sentences  no sentence cut off or garbled          (structure.py)
    caveat.*        every required caveat, placed right       (caveats.py)
    content.*       the finding stated; nothing pasted, generic or said twice (content.py)
    grounding.*     numbers and names come from the abstract  (grounding.py)
    language.*      overclaiming, certainty, causal, advice   (language.py)
    safety.*        links and planted instructions            (language.py)
    jargon.*        acronyms and hard terms explained         (jargon.py)
    profile.*       a design or species the profile only guessed (caveats.py)
    grounding.claims, language.generalisation, content.omission
                    every sentence traced to the abstract sentences it rests on (claims.py)
"""

from __future__ import annotations

from pipeline.checks.base import Check, CheckContext, quoted, result, span
from pipeline.checks.caveats import check_caveats, check_profile_uncertain, uncertain_fields
from pipeline.checks.claims import HARMS, check_claims, check_generalisation, check_omission
from pipeline.checks.content import (
    check_boilerplate,
    check_copied,
    check_main_result,
    check_restated,
    check_takeaway,
    prompt_echoes,
    takeaway_problems,
)
from pipeline.checks.grounding import (
    check_names,
    check_numbers,
    ungrounded_numbers,
    unknown_names,
)
from pipeline.checks.jargon import check_acronyms, check_terms
from pipeline.checks.language import check_advice, check_injection, check_overclaiming, hits
from pipeline.checks.structure import (
    check_readability,
    check_sentences,
    check_structure,
    check_teaser,
)
from pipeline.house import load_house
from pipeline.records import CheckResult, HouseSummary, Study, StudyProfile
from pipeline.settings import Settings

CHECKS: list[Check] = [
    check_structure,
    check_teaser,
    check_readability,
    check_sentences,
    check_caveats,
    check_takeaway,
    check_main_result,
    check_omission,
    check_numbers,
    check_names,
    check_claims,
    check_overclaiming,
    check_generalisation,
    check_advice,
    check_injection,
    check_copied,
    check_boilerplate,
    check_restated,
    check_acronyms,
    check_terms,
    check_profile_uncertain,
]


def run_checks(
    study: Study, profile: StudyProfile, summary: HouseSummary, settings: Settings
) -> list[CheckResult]:
    ctx = CheckContext(study, profile, summary, settings, load_house(settings))
    return [result for check in CHECKS for result in check(ctx)]


def error_failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and r.severity == "error"]


__all__ = [
    "CHECKS",
    "HARMS",
    "CheckContext",
    "error_failures",
    "hits",
    "prompt_echoes",
    "quoted",
    "result",
    "run_checks",
    "span",
    "takeaway_problems",
    "uncertain_fields",
    "ungrounded_numbers",
    "unknown_names",
]
