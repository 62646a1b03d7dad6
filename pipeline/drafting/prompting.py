"""Render the Jinja2 prompt templates in `prompts/` into chat messages.

Templates are data: StrictUndefined makes a missing variable an error, not a blank, and each
template's hash is stored with every LLM call. The system message depends only on the house
rules and the style example (`style_example.toml`), never on the study, so it is byte-identical
across a batch and providers that cache prompt prefixes can reuse it. Caveats reach the draft
prompt as what each must convey plus the study's facts to fill in, never as a ready sentence a
model could paste.

Everything a template interpolates passes through `neutralise_markers` (the environment's
`finalize`), so no abstract, title, keyword, reviewer note or earlier draft can open or close
the prompt's `<<<ABSTRACT ... ABSTRACT>>>` block: the markers appear once, where the template
puts them, whatever the data holds.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import jinja2

from pipeline.evidence import units_of
from pipeline.house import House, load_house
from pipeline.profile import DESIGN_NAMES
from pipeline.records import SECTION_TITLES, CheckResult, HouseSummary, Study, StudyProfile
from pipeline.settings import Settings, find_prompt_file
from pipeline.text import glossary, neutralise_markers, number_values

TEMPLATES = ("system.j2", "draft.j2", "revise.j2")
STYLE_EXAMPLE = "style_example.toml"


@cache
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text prompts, not HTML
        keep_trailing_newline=True,
        finalize=_as_data,
    )


def environment(settings: Settings) -> jinja2.Environment:
    """The templates' environment for the house's prompt folders: another content type's
    templates (the topic explainer's) render with the same rules as the summary's."""
    return _environment(settings.prompt_dirs())


def _as_data(value: object) -> object:
    """A value as the prompt shows it: text with any run of <<< or >>> broken up."""
    if value is None or isinstance(value, int | float):
        return value
    return neutralise_markers(str(value))


def template_hashes(settings: Settings) -> dict[str, str]:
    return _hashes(settings.prompt_dirs())


@cache
def _hashes(folders: tuple[Path, ...]) -> dict[str, str]:
    """sha256 (first 16 hex) of each template and of the house data it renders."""
    hashes = {
        name: hashlib.sha256(find_prompt_file(folders, name).read_bytes()).hexdigest()[:16]
        # wording.toml is the offline drafter's voice: its drafts depend on it like prompts do
        for name in (*TEMPLATES, STYLE_EXAMPLE, "house.toml", "glossary.toml", "wording.toml")
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
    def style_example(self) -> dict[str, str]:
        """A made-up study's summary in the house style, for the system prompt."""
        return _style_example(self.settings.prompt_file(STYLE_EXAMPLE))

    @cached_property
    def _system(self) -> str:
        return (
            _environment(self.settings.prompt_dirs())
            .get_template("system.j2")
            .render(**self._common(), example=self.style_example)
        )

    def system(self) -> str:
        """Depends on the house rules only, so it is rendered once per Prompts, not per study."""
        return self._system

    def _study_vars(self, study: Study, profile: StudyProfile, note: str | None) -> dict:
        return {
            **self._common(),
            "study": study,
            "profile": profile,
            "design_name": DESIGN_NAMES[profile.design],
            "caveat_facts": caveat_facts(study, profile, self.house),
            "reviewer_note": note,
            "units": units_of(study),  # the abstract's sentences, numbered for citing
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
        *,
        repeated: int | None = None,
    ) -> list[dict[str, str]]:
        """`repeated`: the earlier attempt the previous draft is identical to, if any."""
        previous_json = previous.model_dump_json(indent=2, exclude={"credibility"})
        user = (
            _environment(self.settings.prompt_dirs())
            .get_template("revise.j2")
            .render(
                **self._study_vars(study, profile, reviewer_note),
                previous_json=previous_json,
                failures=failures,
                repeated=repeated,
            )
        )
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]


def caveat_facts(study: Study, profile: StudyProfile, house: House) -> dict[str, str]:
    """The study's facts each required caveat needs, to be put in the model's own words."""
    animals = ", ".join(profile.animals) or "not named in the abstract"
    conditions = ", ".join(profile.conditions) or "none named"
    count = profile.participants
    if count and float(count) in number_values(study.abstract):
        people = f"{count} people took part"
    else:
        people = "the abstract states no single total of people, so give no count"
    months = f"{profile.followup_months:g} months" if profile.followup_months else "not stated"
    facts = {
        "animal_model": f"the animals studied: {animals}",
        "cell_study": "the work was done on cells in a lab",
        "other_condition": f"the conditions studied: {conditions}; readers live with "
        f"{house.audience}",
        "small_sample": people,
        "short_followup": "how long people were followed: "
        + profile.evidence.get("followup_phrase", months),
    }
    return {cid: facts[cid] for cid in profile.required_caveats if cid in facts}


@cache
def _style_example(path: Path) -> dict[str, str]:
    return tomllib.loads(path.read_text(encoding="utf-8"))
