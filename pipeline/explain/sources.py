"""Which studies an explainer is drawn from: named by id, or found in the store by topic.

A study is a candidate when it has a draft and is not rejected; it is drawn from its approved
revision when it has one (approved or published), else from its latest draft, and the record
says which. Found by topic, the studies are ranked by how many of the topic's content words
their topics and keywords (weight 3), titles (2) and summary text (1) carry; words every study
of the house shares (the audience condition's names) do not count, so "MS and fatigue" ranks
by "fatigue". Ties go to approved studies, then to the newer. At most `explainer_max_sources`
are taken, and the editor confirms or edits the list (`pls explain --yes`, `--studies`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import ExplainError, StoreNotFoundError
from pipeline.house import House
from pipeline.records import ExplainerSource
from pipeline.store import Store
from pipeline.text import salient

USABLE_STATES = ("needs_review", "approved", "published", "changes_requested")
APPROVED_STATES = ("approved", "published")
# words a topic line carries that say nothing about which studies it is about
TOPIC_FILLER = frozenset(
    re.findall(
        r"\w+",
        "and or how what why when the with living people person research study studies "
        "explainer explained about link links linked between role",
    )
)


@dataclass(frozen=True)
class Candidate:
    source: ExplainerSource
    score: float
    matched: tuple[str, ...]  # the topic's words this study carries


def topic_words(topic: str, house: House) -> set[str]:
    """The topic's content stems, without the audience condition's names and filler."""
    audience = salient(" ".join(house.audience_names) + " " + house.audience_full)
    return salient(topic, TOPIC_FILLER) - audience - {house.audience.lower()}


def load_source(store: Store, study_id: str) -> ExplainerSource:
    """The study as a source: its approved revision if any, else its latest draft."""
    try:
        state = store.state(study_id)
    except StoreNotFoundError:
        raise ExplainError(f"{study_id}: no such study in the store") from None
    latest = store.latest(study_id)
    if latest is None:
        raise ExplainError(f"{study_id}: it has no draft yet ({state}); draft it first")
    if state == "rejected":
        raise ExplainError(f"{study_id}: its summary was rejected; it cannot be a source")
    record, approved = latest, False
    if state in APPROVED_STATES:
        review = store.last_review(study_id, "approve")
        if review is not None:
            record, approved = store.revision(study_id, int(review["revision"])), True
    return ExplainerSource(
        study=record.study,
        profile=record.profile,
        summary=record.summary,
        revision=record.revision,
        approved=approved,
    )


def _score(source: ExplainerSource, wanted: set[str]) -> tuple[float, tuple[str, ...]]:
    study, summary = source.study, source.summary
    fields = (
        (3.0, salient(" ".join([*summary.topics, *study.keywords, *study.mesh_terms]))),
        (2.0, salient(f"{summary.title} {study.title}")),
        (1.0, salient(f"{summary.key_takeaway} {summary.what_they_found}")),
    )
    score, matched = 0.0, []
    for word in sorted(wanted):
        weight = max((w for w, stems in fields if word in stems), default=0.0)
        if weight:
            score += weight
            matched.append(word)
    return score, tuple(matched)


def find_sources(store: Store, topic: str, house: House, limit: int = 8) -> list[Candidate]:
    """The studies that match the topic best, at most `limit`, best first."""
    wanted = topic_words(topic, house)
    if not wanted:
        raise ExplainError(
            f"topic {topic!r} names nothing to look for beyond {house.audience}; "
            "name the subject (e.g. 'MS and fatigue') or pick studies with --studies"
        )
    found = []
    for row in store.studies():
        if row["state"] not in USABLE_STATES:
            continue
        try:
            source = load_source(store, row["id"])
        except ExplainError:
            continue
        score, matched = _score(source, wanted)
        # a study only its summary's prose mentions the topic in is a weak match: a topic
        # word must be in its topics, keywords or titles
        if score and any(_score(source, {w})[0] >= 2 for w in matched):
            found.append(Candidate(source, score, matched))
    found.sort(
        key=lambda c: (-c.score, not c.source.approved, -(c.source.study.year or 0), c.source.id)
    )
    return found[: max(1, limit)]


def chosen_sources(
    store: Store, topic: str, house: House, study_ids: list[str] | None, limit: int = 8
) -> list[ExplainerSource]:
    """The sources an explainer is drafted from: the given ids (in order, each once), or the
    best matches for the topic; an ExplainError when there is none or too many."""
    if study_ids:
        ids = list(dict.fromkeys(i.strip() for i in study_ids if i.strip()))
        if len(ids) > limit:
            raise ExplainError(f"{len(ids)} studies given; an explainer draws on at most {limit}")
        return [load_source(store, study_id) for study_id in ids]
    found = find_sources(store, topic, house, limit)
    if not found:
        raise ExplainError(
            f"no drafted study in the store matches {topic!r}; draft some first or pick "
            "studies with --studies"
        )
    return [c.source for c in found]
