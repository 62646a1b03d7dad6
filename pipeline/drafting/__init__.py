"""Drafting: a `Study` and its `StudyProfile` in; a checked `DraftRecord` out, or `DraftFailed`.

The prompt templates in `prompts/` are rendered into chat messages, a backend answers, the
checks run, and failing drafts go back as revise requests for a bounded number of rounds. The
loop is one generator (`draft_rounds`) that the sync path, the async batch and the Batch API
path all drive, so it exists once.

    prompting.py   render system/draft/revise templates from the house data
    loop.py        the draft ⇄ checks loop and its sync and async drivers
"""

from __future__ import annotations

from pipeline.drafting.loop import Rounds, adraft_study, draft_rounds, draft_study
from pipeline.drafting.prompting import Prompts, environment, template_hashes

__all__ = [
    "Prompts",
    "Rounds",
    "adraft_study",
    "draft_rounds",
    "draft_study",
    "environment",
    "template_hashes",
]
