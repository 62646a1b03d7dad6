"""Relevance triage: is a new study worth a summary for the house's audience?

Two scorers, one answer shape (`Triage`: a score in [0, 1], relevant or not, and its reasons):

- **rules**, until the house has decided enough studies: points for where the audience
  condition is named (MeSH terms, title, abstract, keywords; its spelled-out name counts more
  than an abbreviation, which "LC-MS/MS" or "an MS degree" also match), for people with it
  being studied, against another condition studied instead, and for the design (an MS trial
  above a narrative review), summed as log-odds;
- **learned**, once the store holds `triage_min_decisions` approvals and rejections (a promoted
  study counts as approved), at least a quarter of each: logistic regression over TF-IDF of
  the title, abstract, keywords and MeSH terms plus the rules' own features, so the reasons
  still name what moved the score (its largest contributions, either way).

The condition's names come from the house's `conditions.toml`, so a house for another
audience (the `audience_condition` setting) is triaged for its own.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.profile import profile_study
from pipeline.records import Design, Study, StudyProfile, Triage
from pipeline.settings import Settings

BASE = -2.5  # a study that names the audience condition nowhere is not for this house
POINTS = {
    "mesh": 2.5,
    "title": 2.5,
    "title_abbreviation": 1.0,
    "abstract": 1.5,
    "abstract_often": 0.5,
    "abstract_abbreviation": 0.3,
    "keywords": 1.0,
    "people_studied": 0.5,
    "other_condition": -1.0,
}
DESIGN_POINTS = {
    Design.meta_analysis: 0.6,
    Design.systematic_review: 0.6,
    Design.rct: 0.6,
    Design.nonrandomized_trial: 0.3,
    Design.cohort: 0.3,
    Design.case_control: 0.3,
    Design.cross_sectional: 0.1,
    Design.narrative_review: 0.0,
    Design.case_report: -0.2,
    Design.animal: -0.3,
    Design.in_vitro: -0.4,
    Design.other: -0.3,
}
FEATURES = (*POINTS, "design")
_PEOPLE_WITH = (
    r"(?:people|patients|persons|individuals|adults|children|women|men|participants|those|"
    r"subjects|cases|anyone|everyone)\s+(?:living\s+)?with\s+"
)


@dataclass(frozen=True)
class Names:
    """The audience condition's patterns, split: spelled out (strong) and abbreviations."""

    label: str
    strong: re.Pattern[str] | None
    abbreviation: re.Pattern[str] | None
    among_people: re.Pattern[str] | None  # an abbreviation naming whom it affects


def _rx(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(patterns) + r")(?![\w-])", re.IGNORECASE)


@cache
def _names(path: str, condition: str) -> Names:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    patterns: list[str] = []
    for spec in raw.get("conditions", {}).values():
        if condition in spec.get("audience_for", []) or spec.get("name") == condition:
            patterns += spec.get("patterns", [])
    # A case-sensitive pattern in the house's list is an abbreviation ("(?-i:MS|RRMS)").
    short = [p for p in patterns if p.startswith("(?-i:")]
    spelled = [p for p in patterns if not p.startswith("(?-i:")]
    if not patterns:
        spelled = [re.escape(condition)]
    people = _PEOPLE_WITH + "(?:" + "|".join(short) + ")" if short else None
    return Names(condition, _rx(spelled), _rx(short), _rx([people]) if people else None)


def names(settings: Settings) -> Names:
    return _names(str(settings.prompt_file("conditions.toml")), settings.audience_condition)


def features(study: Study, profile: StudyProfile, found: Names) -> dict[str, float]:
    """The rules' features, each 0 or 1 (design: its points), named as in POINTS."""

    def hits(pattern: re.Pattern[str] | None, text: str) -> int:
        return len(pattern.findall(text)) if pattern else 0

    mesh = " | ".join(study.mesh_terms)
    words = " | ".join(study.keywords)
    spelled = hits(found.strong, study.title) + hits(found.strong, study.abstract)
    spelled += hits(found.strong, mesh) + hits(found.strong, words)
    # An abbreviation counts as the name once the name itself is spelled out somewhere.
    title_short = hits(found.abbreviation, study.title) > 0
    abstract_strong = hits(found.strong, study.abstract)
    abstract_short = hits(found.abbreviation, study.abstract)
    # "people with MS" names the condition as surely as spelling it out ("LC-MS/MS" never does)
    named = spelled > 0 or bool(found.among_people and found.among_people.search(study.abstract))
    values = {
        "mesh": hits(found.strong, mesh) > 0 or hits(found.abbreviation, mesh) > 0,
        "title": hits(found.strong, study.title) > 0 or (title_short and named),
        "title_abbreviation": title_short and not named,
        "abstract": abstract_strong > 0 or (abstract_short > 0 and named),
        "abstract_often": abstract_strong + (abstract_short if named else 0) >= 3,
        "abstract_abbreviation": abstract_short > 0 and not named,
        "keywords": hits(found.strong, words) > 0
        or (hits(found.abbreviation, words) > 0 and named),
        "people_studied": profile.studies_audience_condition
        and profile.species == "people"
        and named,
        "other_condition": any(c != found.label for c in profile.conditions) and not named,
    }
    return {**{k: float(v) for k, v in values.items()}, "design": DESIGN_POINTS[profile.design]}


REASONS = {
    "mesh": "MeSH terms name {c}",
    "title": "the title names {c}",
    "title_abbreviation": "the title has an abbreviation of {c}, never spelled out",
    "abstract": "the abstract names {c}",
    "abstract_often": "the abstract is about {c} throughout",
    "abstract_abbreviation": "the abstract has an abbreviation of {c}, never spelled out",
    "keywords": "the keywords name {c}",
    "people_studied": "people with {c} were studied",
    "other_condition": "it studies {others}, not {c}",
}


def reason(name: str, study_profile: StudyProfile, c: str) -> str:
    if name == "design":
        return f"design: {study_profile.design.value}"
    others = ", ".join(x for x in study_profile.conditions if x != c) or "another condition"
    return REASONS[name].format(c=c, others=others)


def rules_triage(study: Study, profile: StudyProfile, settings: Settings) -> Triage:
    found = names(settings)
    values = features(study, profile, found)
    parts = [(POINTS.get(k, 1.0) * v, k) for k, v in values.items() if v]
    total = BASE + sum(p for p, _ in parts)
    score = 1 / (1 + math.exp(-total))
    parts.sort(key=lambda part: -abs(part[0]))
    reasons = [f"{reason(k, profile, found.label)} ({p:+.1f})" for p, k in parts]
    if not any(values[k] for k in POINTS if POINTS[k] > 0):
        reasons.insert(0, f"{found.label} is named nowhere ({BASE:+.1f})")
    relevant = score >= settings.triage_threshold
    return Triage(score=round(score, 4), relevant=relevant, reasons=reasons, model="rules")


def text_of(study: Study) -> str:
    return " ".join([study.title, study.abstract, *study.keywords, *study.mesh_terms])


class LearnedTriage:
    """Logistic regression over TF-IDF and the rules' features, fitted on the house's decisions."""

    def __init__(self, studies: list[Study], labels: list[bool], settings: Settings) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.settings = settings
        self.names = names(settings)
        self.vectorizer = TfidfVectorizer(
            ngram_range=(1, 2), min_df=2, max_features=20000, sublinear_tf=True
        )
        words = self.vectorizer.fit_transform([text_of(s) for s in studies])
        rows = [self._rules(s) for s in studies]
        self._hstack = hstack
        self.model = LogisticRegression(C=2.0, max_iter=1000, class_weight="balanced")
        self.model.fit(hstack([words, np.array(rows)]).tocsr(), labels)
        self.terms = [*self.vectorizer.get_feature_names_out(), *FEATURES]

    def _rules(self, study: Study) -> list[float]:
        values = features(study, profile_study(study, self.settings), self.names)
        return [values[k] for k in FEATURES]

    def __call__(self, study: Study, profile: StudyProfile) -> Triage:
        values = features(study, profile, self.names)
        words = self.vectorizer.transform([text_of(study)])
        row = self._hstack([words, np.array([[values[k] for k in FEATURES]])]).tocsr()
        score = float(self.model.predict_proba(row)[0][1])
        contributions = row.multiply(self.model.coef_[0]).tocoo()
        ranked = sorted(
            zip(contributions.col, contributions.data, strict=True), key=lambda x: -abs(x[1])
        )
        reasons = []
        for col, weight in ranked[:5]:
            term = self.terms[col]
            label = reason(term, profile, self.names.label) if term in FEATURES else f"“{term}”"
            reasons.append(f"{label} ({weight:+.2f})")
        relevant = score >= self.settings.triage_threshold
        return Triage(score=round(score, 4), relevant=relevant, reasons=reasons, model="learned")


def trained(decided: list[tuple[Study, bool]], settings: Settings) -> LearnedTriage | None:
    """A learned scorer when the house has decided enough studies of both kinds, else None."""
    yes = sum(1 for _, good in decided if good)
    no = len(decided) - yes
    enough = len(decided) >= settings.triage_min_decisions
    if not enough or min(yes, no) < max(2, settings.triage_min_decisions // 4):
        return None
    return LearnedTriage([s for s, _ in decided], [good for _, good in decided], settings)


def triage(study: Study, settings: Settings, learned: LearnedTriage | None = None) -> Triage:
    profile = profile_study(study, settings)
    return learned(study, profile) if learned else rules_triage(study, profile, settings)
