"""Profile: a `Study` in; a `StudyProfile` out (design, species, conditions, size, follow-up,
each with its evidence sentence), with the caveats the house requires and the credibility.

    profile.py   the profile and the rules that derive caveats and credibility from it
    cues.py      the wording the profiler reads an abstract with (regexes, by kind of study)
    counts.py    how many people a study enrolled, and for how long it followed them
    species.py   who or what was studied: people, animals, cells or molecules
"""

from __future__ import annotations

from pipeline.profile.profile import DESIGN_NAMES, credibility, profile_study

__all__ = ["DESIGN_NAMES", "credibility", "profile_study"]
