"""Profile: a `Study` in; a `StudyProfile` out (design, species, conditions, size, follow-up,
each with its evidence sentence and its confidence), with the caveats the house requires and
the credibility; and its main finding, which the content checks and the offline drafter both
read.

    profile.py   the profile; the rules that derive caveats and credibility from it, run
                 again by `rederive` (and `corrected`, for a reviewer's correction)
    design.py    the design the wording gives, with its confidence and the competing reading
    reviews.py   reviews, and whether they pooled: meta-analysis or systematic review
    metadata.py  publication types and MeSH design tags first, the wording as cross-check
    cues.py      the wording the profiler reads an abstract with (regexes, by kind of study)
    counts.py    how many people a study enrolled, and for how long it followed them
    species.py   who or what was studied: people, animals, cells or molecules
    findings.py  which sentences are objective, methods, results, conclusion; the main
                 finding: the conclusion's claim and the result that carries it
"""

from __future__ import annotations

from pipeline.profile.findings import (
    LIMITATION,
    Finding,
    Sentence,
    claim_of,
    classify,
    main_finding,
    study_vocabulary,
)
from pipeline.profile.profile import (
    DESIGN_NAMES,
    corrected,
    credibility,
    design_species,
    profile_study,
    rederive,
    required_caveats,
)

__all__ = [
    "DESIGN_NAMES",
    "LIMITATION",
    "Finding",
    "Sentence",
    "claim_of",
    "classify",
    "corrected",
    "credibility",
    "design_species",
    "main_finding",
    "profile_study",
    "rederive",
    "required_caveats",
    "study_vocabulary",
]
