"""The house rules, loaded once from `prompts/house.toml`.

The same objects are rendered into the prompts, used by the offline drafter and enforced by the
checks, so a caveat's trigger, wording and test cannot drift apart.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from pipeline.settings import Settings, prompt_file

CAVEAT_IDS: tuple[str, ...] = (
    "animal_model",
    "cell_study",
    "other_condition",
    "association_not_causation",
    "small_sample",
    "short_followup",
    "preliminary",
    "consult_clinician",
)


def _word_regex(alternatives: list[str]) -> re.Pattern[str]:
    """Alternatives as one case-insensitive pattern bounded by word edges."""
    body = "|".join(f"(?:{alt})" for alt in alternatives)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Caveat:
    id: str
    when: str
    convey: str
    sentence: str
    sections: tuple[str, ...]
    groups: tuple[re.Pattern[str], ...]
    reject: re.Pattern[str] | None = None
    # The sentence when the study names no one ("people", no condition): "looked at people,
    # not MS" would read as if people and MS were alternatives.
    sentence_unnamed: str | None = None

    def matches(self, sentence: str) -> bool:
        """True when the sentence conveys the caveat: every group, and no contradiction."""
        return _conveys(sentence, self.groups, self.reject)


# The checks ask every caveat of every sentence, every revise round: patterns are hashable.
@lru_cache(maxsize=65536)
def _conveys(
    sentence: str, groups: tuple[re.Pattern[str], ...], reject: re.Pattern[str] | None
) -> bool:
    if reject and reject.search(sentence):
        return False
    return all(group.search(sentence) for group in groups)


@dataclass(frozen=True)
class SectionLimits:
    min_sentences: int | None = None
    max_sentences: int | None = None
    max_words: int | None = None
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class House:
    audience: str
    audience_full: str
    audience_names: tuple[str, ...]
    sections: dict[str, SectionLimits]
    min_words: int
    max_words: int
    credibility: dict[str, int]
    caveats: dict[str, Caveat]
    forbidden: re.Pattern[str]
    causal: re.Pattern[str]
    negation: re.Pattern[str]
    advice: re.Pattern[str]
    injection: re.Pattern[str]
    instruction: re.Pattern[str]
    certainty: re.Pattern[str]
    certainty_weak_design: re.Pattern[str]
    certainty_strong_designs: frozenset[str]
    footer_template: str
    plain_acronyms: frozenset[str] = frozenset()
    file_hash: str = field(default="")

    def footer(self, journal: str | None) -> str:
        return self.footer_template.format(
            audience=self.audience,
            audience_full=self.audience_full,
            journals=f"journals like {journal}" if journal else "medical journals",
        )

    def audience_regex(self) -> re.Pattern[str]:
        return _word_regex([re.escape(name) for name in self.audience_names])


def load_house(settings: Settings) -> House:
    return _load(
        settings.prompt_file("house.toml"),
        settings.audience_condition,
        settings.small_sample,
        settings.short_followup_months,
    )


@cache
def _load(path: Path, audience: str, small_sample: int, short_followup_months: float) -> House:
    import hashlib

    raw_bytes = path.read_bytes()
    raw = tomllib.loads(raw_bytes.decode("utf-8"))
    names = tuple(raw["audience"]["names"].get(audience, [audience]))
    full = raw["audience"]["full_name"].get(audience, audience)
    names_alt = "|".join(re.escape(n) for n in names)
    fill = {
        "audience": audience,
        "small_sample": small_sample,
        "short_followup_months": short_followup_months,
    }
    caveats = {}
    for cid in CAVEAT_IDS:
        spec = raw["caveats"][cid]
        groups = tuple(
            _word_regex([alt.replace("{audience_names}", names_alt) for alt in group])
            for group in spec["all_of"]
        )
        caveats[cid] = Caveat(
            id=cid,
            when=spec["when"].format(**fill),
            convey=spec["convey"].format(**fill),
            sentence=spec["sentence"],
            sentence_unnamed=spec.get("sentence_unnamed"),
            sections=tuple(spec["sections"]),
            groups=groups,
            reject=_word_regex(
                [alt.replace("{audience_names}", names_alt) for alt in spec["reject"]]
            )
            if spec.get("reject")
            else None,
        )
    lang = raw["language"]
    return House(
        audience=audience,
        audience_full=full,
        audience_names=names,
        sections={name: SectionLimits(**limits) for name, limits in raw["sections"].items()},
        min_words=raw["length"]["min_words"],
        max_words=raw["length"]["max_words"],
        credibility=dict(raw["credibility"]),
        caveats=caveats,
        forbidden=_word_regex(lang["forbidden"]),
        causal=_word_regex(lang["causal"]),
        negation=_word_regex(lang["negations"]),
        advice=_word_regex(lang["advice"]),
        injection=re.compile("|".join(f"(?:{p})" for p in lang["injection"]), re.IGNORECASE),
        instruction=re.compile("|".join(f"(?:{p})" for p in lang["instruction"]), re.IGNORECASE),
        certainty=_word_regex(lang["certainty"]),
        certainty_weak_design=_word_regex(lang["certainty_weak_design"]),
        certainty_strong_designs=frozenset(lang["certainty_strong_designs"]),
        footer_template=raw["footer"]["text"],
        plain_acronyms=frozenset(raw["jargon"]["plain_acronyms"]) | frozenset(names),
        file_hash=hashlib.sha256(raw_bytes).hexdigest()[:16],
    )


@cache
def condition_acronyms() -> dict[str, str]:
    """{"ALS": "amyotrophic lateral sclerosis", ...} from prompts/conditions.toml."""
    raw = tomllib.loads(prompt_file("conditions.toml").read_text("utf-8"))
    out = {}
    for spec in raw["conditions"].values():
        name, long = spec["name"], spec["patterns"][0]
        if name.isupper() and re.fullmatch(r"[a-z' ]+", long):
            out[name] = long
    return out
