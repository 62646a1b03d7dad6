"""The explainer's prompts: `prompts/explainer_system.j2`, `explainer_draft.j2` and
`explainer_revise.j2`, rendered from the same house data as the summary's (`house.toml`,
`glossary.toml`) and the explainer's own (`explainer.toml`).

As for summaries (the same Jinja2 environment, `pipeline.drafting.environment`), templates
are data: StrictUndefined makes a missing variable an error, every
value passes through `neutralise_markers` (no study, brief or note can open or close a
`<<<STUDY ... STUDY>>>` block), and each template's hash is kept with every call. The system
message depends on the house only, so it is byte-identical across explainers.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from pipeline.drafting import environment
from pipeline.explain.facts import explainer_house
from pipeline.house import load_house
from pipeline.profile import DESIGN_NAMES
from pipeline.records import CheckResult, ExplainerContent, ExplainerSource
from pipeline.settings import Settings, find_prompt_file
from pipeline.text import glossary

TEMPLATES = ("explainer_system.j2", "explainer_draft.j2", "explainer_revise.j2")
JSON_SHAPE = (
    "Reply with one JSON object and nothing else: the explainer itself, not a schema. Its keys: "
    '"title" (a string), "paragraphs" (a list of objects, each with "text", a string of your '
    'own prose, and "sources", a list of the study ids it draws on), "summary" (a string '
    'starting "In summary,"), "topics" (a list of short strings) and "teaser" (a string of '
    "one line)."
)


@cache
def _hashes(folders: tuple[Path, ...]) -> dict[str, str]:
    names = (*TEMPLATES, "explainer.toml", "house.toml", "glossary.toml")
    return {
        name: hashlib.sha256(find_prompt_file(folders, name).read_bytes()).hexdigest()[:16]
        for name in names
    }


def explainer_hashes(settings: Settings) -> dict[str, str]:
    return _hashes(settings.prompt_dirs())


def _common(settings: Settings) -> dict[str, object]:
    return {
        "house": load_house(settings),
        "settings": settings,
        "limits": explainer_house(settings)["limits"],
        "glossary": [(term, plain) for term, _, plain, once in glossary() if plain and not once],
        "forbidden_words": '"cure", "breakthrough", "miracle", "proves", "game-changer", '
        '"guarantees", "revolutionary", "definitive"',
        "causal_words": '"causes", "prevents", "leads to", "results in"',
    }


def _render(settings: Settings, name: str, **values: object) -> str:
    template = environment(settings).get_template(name)
    return template.render(**_common(settings), **values)


def explainer_messages(
    settings: Settings,
    topic: str,
    brief: str,
    sources: list[ExplainerSource],
    *,
    reviewer_note: str | None = None,
    previous: ExplainerContent | None = None,
    failures: list[CheckResult] | None = None,
) -> list[dict[str, str]]:
    """The chat messages for a first draft, or (given `previous`) a revise round."""
    values = {
        "topic": topic,
        "brief": brief,
        "sources": sources,
        "design_names": {s.id: DESIGN_NAMES[s.profile.design] for s in sources},
        "reviewer_note": reviewer_note,
    }
    if previous is None:
        user = _render(settings, "explainer_draft.j2", **values)
    else:
        user = _render(
            settings,
            "explainer_revise.j2",
            **values,
            previous_json=previous.model_dump_json(indent=2),
            failures=failures or [],
        )
    return [
        {"role": "system", "content": _render(settings, "explainer_system.j2")},
        {"role": "user", "content": user},
    ]
