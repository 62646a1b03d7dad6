"""Review: a stored draft and a reviewer's action in; a new state, a new revision or a
published page out, each an event in the audit trail.

    workflow.py     the lifecycle as a transition table; approve, reject, request changes, edit
    explainers.py   the same workflow for topic explainers: decisions, edits, publishing
    corrections.py  a reviewer corrects the study profile: re-derived, re-checked, kept as labels
    editing.py      read back a hand-edited draft (.md or .json) and re-check it
    publishing.py   approved revisions -> `outputs/published/<slug>.{md,html,json}`
"""

from __future__ import annotations

from pipeline.review.corrections import SPECIES, UNSET, Corrected, correct_profile
from pipeline.review.editing import load_edited
from pipeline.review.explainers import (
    EditedExplainer,
    decide_explainer,
    edit_explainer,
    explainer_diff,
)
from pipeline.review.publishing import (
    Published,
    provenance_lines,
    publish,
    published_dir,
    render_html,
    slugify,
)
from pipeline.review.workflow import (
    ACTIONS,
    STATES,
    TRANSITIONS,
    Decision,
    Edited,
    Seen,
    age,
    decide,
    edit,
    edit_markdown,
    queue,
    redraft,
    summary_diff,
    target_state,
)

__all__ = [
    "ACTIONS",
    "SPECIES",
    "STATES",
    "TRANSITIONS",
    "UNSET",
    "Corrected",
    "Decision",
    "Edited",
    "EditedExplainer",
    "Published",
    "Seen",
    "age",
    "correct_profile",
    "decide",
    "decide_explainer",
    "edit",
    "edit_explainer",
    "edit_markdown",
    "explainer_diff",
    "load_edited",
    "provenance_lines",
    "publish",
    "published_dir",
    "queue",
    "redraft",
    "render_html",
    "slugify",
    "summary_diff",
    "target_state",
]
