"""Topic explainers (HOUSE.md's second content type): a topic, an editor's brief and studies
already in the store in; a checked `ExplainerRecord` out, ready for the same review as a
summary. It reads the store (the sources) and drafts through the backends, so it sits on the
floor above `store/`; review, the site, eval, the web app and the CLI use it.

    sources.py     the sources: studies named by id, or the store's best matches for a topic
    facts.py       the explainer's house data, what its sources ground, the topic's subject
    offline.py     the offline drafter: rules over the sources' summaries and the brief
    prompts.py     the explainer's Jinja2 templates (`prompts/explainer_*.j2`) rendered
    checks.py      the explainer's shape, readability, language, safety and grounding checks
    evidence.py    the evidence checks (sources cited, coverage, caveats carried) and the registry
    drafting.py    the draft ⇄ checks loop, offline or through an LLM backend
    document.py    an explainer as reviewable Markdown, and read back after an edit
"""

from __future__ import annotations

from pipeline.explain.document import explainer_header, parse_explainer, render_explainer
from pipeline.explain.drafting import (
    clean_brief,
    clean_topic,
    draft_and_store,
    draft_explainer,
    explainer_id,
    recheck,
    topic_slug,
)
from pipeline.explain.evidence import EXPLAINER_CHECKS, run_explainer_checks
from pipeline.explain.facts import explainer_house, source_text, subject_of
from pipeline.explain.offline import draft_offline
from pipeline.explain.prompts import explainer_hashes, explainer_messages
from pipeline.explain.sources import Candidate, chosen_sources, find_sources, load_source

__all__ = [
    "EXPLAINER_CHECKS",
    "Candidate",
    "chosen_sources",
    "clean_brief",
    "clean_topic",
    "draft_and_store",
    "draft_explainer",
    "draft_offline",
    "explainer_hashes",
    "explainer_header",
    "explainer_house",
    "explainer_id",
    "explainer_messages",
    "find_sources",
    "load_source",
    "parse_explainer",
    "recheck",
    "render_explainer",
    "run_explainer_checks",
    "source_text",
    "subject_of",
    "topic_slug",
]
