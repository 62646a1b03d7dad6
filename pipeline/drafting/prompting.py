"""Render the Jinja2 prompt templates in `prompts/` into chat messages.

Templates are data: StrictUndefined makes a missing variable an error, not a blank, and each
template's hash is stored with every LLM call. The system message depends only on the house
rules, never on the study, so it is byte-identical across a batch and providers that cache
prompt prefixes can reuse it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import jinja2

from pipeline.house import House, load_house
from pipeline.profile import DESIGN_NAMES
from pipeline.records import SECTION_TITLES, CheckResult, HouseSummary, Study, StudyProfile
from pipeline.settings import Settings, find_prompt_file
from pipeline.text import glossary

TEMPLATES = ("system.j2", "draft.j2", "revise.j2")


@cache
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text prompts, not HTML
        keep_trailing_newline=True,
    )


def template_hashes(settings: Settings) -> dict[str, str]:
    return _hashes(settings.prompt_dirs())


@cache
def _hashes(folders: tuple[Path, ...]) -> dict[str, str]:
    """sha256 (first 16 hex) of each template and of the house data it renders."""
    hashes = {
        name: hashlib.sha256(find_prompt_file(folders, name).read_bytes()).hexdigest()[:16]
        # wording.toml is the offline drafter's voice: its drafts depend on it like prompts do
        for name in (*TEMPLATES, "house.toml", "glossary.toml", "wording.toml")
    }
    return hashes


@dataclass(frozen=True)
class Prompts:
    settings: Settings
    house: House

    @classmethod
    def load(cls, settings: Settings) -> Prompts:
        return cls(settings, load_house(settings))

    def _common(self) -> dict[str, object]:
        return {
            "house": self.house,
            "settings": self.settings,
            "glossary": [
                (term, plain) for term, _, plain, once in glossary() if plain and not once
            ],
            "forbidden_words": '"cure", "breakthrough", "miracle", "proves", "game-changer", '
            '"guarantees", "revolutionary", "definitive"',
            "causal_words": '"causes", "prevents", "leads to", "results in"',
            "section_titles": SECTION_TITLES,
        }

    @cached_property
    def _system(self) -> str:
        return (
            _environment(self.settings.prompt_dirs())
            .get_template("system.j2")
            .render(**self._common())
        )

    def system(self) -> str:
        """Depends on the house rules only, so it is rendered once per Prompts, not per study."""
        return self._system

    def _study_vars(self, study: Study, profile: StudyProfile, note: str | None) -> dict:
        from pipeline.backends.offline import considerations

        examples = dict(
            zip(
                profile.required_caveats,
                _caveat_examples(study, profile, self.house, considerations),
                strict=False,
            )
        )
        return {
            **self._common(),
            "study": study,
            "profile": profile,
            "design_name": DESIGN_NAMES[profile.design],
            "caveat_examples": examples,
            "reviewer_note": note,
        }

    def draft(
        self, study: Study, profile: StudyProfile, reviewer_note: str | None = None
    ) -> list[dict[str, str]]:
        user = (
            _environment(self.settings.prompt_dirs())
            .get_template("draft.j2")
            .render(**self._study_vars(study, profile, reviewer_note))
        )
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]

    def revise(
        self,
        study: Study,
        profile: StudyProfile,
        previous: HouseSummary,
        failures: list[CheckResult],
        reviewer_note: str | None = None,
    ) -> list[dict[str, str]]:
        previous_json = previous.model_dump_json(indent=2, exclude={"credibility"})
        user = (
            _environment(self.settings.prompt_dirs())
            .get_template("revise.j2")
            .render(
                **self._study_vars(study, profile, reviewer_note),
                previous_json=previous_json,
                failures=failures,
            )
        )
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]


def _caveat_examples(study, profile, house, considerations) -> list[str]:
    """The offline drafter's caveat sentences double as worked examples for the model."""
    sentences = considerations(study, profile, house)
    if len(sentences) == len(profile.required_caveats):
        return sentences
    return [house.caveats[cid].convey for cid in profile.required_caveats]
