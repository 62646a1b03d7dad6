"""What the review pages show, built from the store as plain data the templates only print.

Highlighting is done here, not in templates: text is cut at every span boundary (failing checks,
satisfied caveats, numbers) into `Piece`s, and the template wraps each piece in `<mark>` or
`<a>` around its escaped text. Nothing from a study or a draft is ever marked safe.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from pipeline.checks import uncertain_fields
from pipeline.errors import StoreNotFoundError
from pipeline.evidence import align_summary, units_of
from pipeline.house import load_house
from pipeline.profile import DESIGN_NAMES
from pipeline.records import (
    PROSE_SECTIONS,
    SECTION_TITLES,
    Alignment,
    DraftRecord,
    HouseSummary,
)
from pipeline.review import ACTIONS, SPECIES, age, queue, target_state
from pipeline.settings import Settings
from pipeline.site import draft_related
from pipeline.store import Store
from pipeline.text import extract_numbers

# strongest first; a sentence the abstract does not bear out is a "claim" mark (underlined)
LEVELS = ("error", "warning", "caveat", "claim")
UNBORNE = ("unsupported", "contradicted")
SENTENCE_WIDE = frozenset({"grounding.claims", "language.generalisation"})


@dataclass(frozen=True)
class Note:
    start: int
    end: int
    kind: str  # error | warning | caveat | number
    title: str = ""
    anchor: str | None = None
    link: str | None = None  # for a number: the abstract anchor holding the same value
    cites: list[str] = field(default_factory=list)  # a sentence's units, linked after it


@dataclass
class Piece:
    text: str
    level: str = ""
    title: str = ""
    link: str | None = None
    number: bool = False
    anchors: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)


def pieces(text: str, notes: list[Note]) -> list[Piece]:
    """`text` cut at every note boundary; each piece carries the notes that cover it."""
    notes = [n for n in notes if 0 <= n.start < n.end <= len(text)]
    cuts = sorted({0, len(text), *(n.start for n in notes), *(n.end for n in notes)})
    out = []
    for start, end in pairwise(cuts):
        covering = [n for n in notes if n.start <= start and end <= n.end]
        kinds = {n.kind for n in covering}
        numbers = [n for n in covering if n.kind == "number"]
        out.append(
            Piece(
                text=text[start:end],
                level=next((level for level in LEVELS if level in kinds), ""),
                title="; ".join(dict.fromkeys(n.title for n in covering if n.title)),
                link=numbers[0].link if numbers else None,
                number=bool(numbers),
                anchors=[n.anchor for n in notes if n.anchor and n.start == start],
                cites=[c for n in notes if n.end == end for c in n.cites],
            )
        )
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) runs, op one of same / del / ins, compared word by word."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("ins", "".join(b[j1:j2])))
    return runs


def _fields(summary: HouseSummary) -> dict[str, str]:
    values = {SECTION_TITLES[name]: getattr(summary, name) for name in PROSE_SECTIONS}
    values["Interest"] = f"{summary.interest.score}/5 — {summary.interest.reason}"
    values[SECTION_TITLES["topics"]] = "; ".join(summary.topics)
    values[SECTION_TITLES["teaser"]] = summary.teaser
    return values


def revision_diff(old: DraftRecord, new: DraftRecord) -> list[dict[str, Any]]:
    before, after = _fields(old.summary), _fields(new.summary)
    return [
        {"section": name, "runs": word_diff(before[name], after[name])}
        for name in after
        if before[name] != after[name]
    ]


def queue_rows(store: Store, state: str | None, failing: str | None) -> list[dict[str, Any]]:
    rows = queue(store, state or None, failing or None)
    for row in rows:
        row["age"] = age(row["created_at"])
    return rows


def published_rows(store: Store) -> list[dict[str, Any]]:
    """Each published study once, newest first, with how many versions it has had."""
    latest: dict[str, dict[str, Any]] = {}
    for row in store.publications():
        versions = latest.get(row["study_id"], {}).get("versions", 0) + 1
        latest[row["study_id"]] = {**row, "versions": versions}
    return sorted(latest.values(), key=lambda row: row["at"], reverse=True)


def published_document(store: Store, slug: str) -> dict[str, Any]:
    rows = [row for row in store.publications() if row["slug"] == slug]
    if not rows:
        raise StoreNotFoundError(f"nothing is published as {slug!r}")
    return json.loads(store.publication_json(rows[-1]["id"]))


def _abstract(record: DraftRecord) -> tuple[list[dict[str, Any]], dict[float, str]]:
    """The abstract as its citable units (`S1…Sn`, grouped under their section labels), every
    number anchored, and each value's first anchor. Each unit is a `:target` of its own, so a
    summary sentence's link to it highlights it with no script."""
    used = {
        m.value for name in PROSE_SECTIONS for m in extract_numbers(getattr(record.summary, name))
    }
    anchors: dict[float, str] = {}
    out: list[dict[str, Any]] = []
    count = 0
    for unit in units_of(record.study):
        notes = []
        for mention in extract_numbers(unit.text):
            count += 1
            anchor = f"abs-n{count}"
            anchors.setdefault(mention.value, anchor)
            title = "used in the draft" if mention.value in used else ""
            notes.append(Note(mention.start, mention.end, "number", title, anchor=anchor))
        if not out or out[-1]["label"] != unit.label:
            out.append({"label": unit.label, "units": []})
        out[-1]["units"].append({"id": unit.id, "pieces": pieces(unit.text, notes)})
    return out, anchors


def _support_notes(record: DraftRecord, alignment: list[Alignment], notes: dict) -> None:
    """A note per traced sentence: its anchor (`s-<section>-<start>`), its units linked after
    it, and on hover what they say; an unsupported sentence's note says why instead."""
    texts = {u.id: u.text for u in units_of(record.study)}
    for a in (a for a in alignment if a.status != "exempt"):
        shown = " | ".join(f"{i}: {texts.get(i, '')[:200]}" for i in a.ids) or "nothing"
        title = f"rests on {shown} ({a.score:.0%})" if a.status == "supported" else a.reason
        anchor = f"s-{a.section}-{a.start}"
        notes[a.section].append(Note(a.start, a.end, "support", title, anchor, cites=a.ids))


def _check_anchor(check_id: str, index: int) -> str:
    return "c-" + re.sub(r"[^a-z0-9]+", "-", check_id.lower()) + f"-{index}"


def _draft(
    record: DraftRecord, anchors: dict[float, str], alignment: list[Alignment]
) -> list[dict[str, Any]]:
    notes: dict[str, list[Note]] = {name: [] for name in PROSE_SECTIONS}
    for check in sorted(record.checks, key=lambda c: c.id in SENTENCE_WIDE):  # words first
        kind = check.severity if not check.passed else "caveat"
        kind = "claim" if check.id in SENTENCE_WIDE else kind
        if check.passed and not check.id.startswith("caveat."):
            continue
        title = f"{check.id}: {check.message}"
        for index, span in enumerate(check.spans):
            anchor = _check_anchor(check.id, index)
            notes.setdefault(span.section, []).append(
                Note(span.start, span.end, kind, title, anchor=anchor)
            )
    _support_notes(record, alignment, notes)
    sections = []
    for name in PROSE_SECTIONS:
        text = getattr(record.summary, name)
        for mention in extract_numbers(text):
            link = anchors.get(mention.value)
            title = "also in the abstract" if link else ""
            notes[name].append(Note(mention.start, mention.end, "number", title, link=link))
        sections.append(
            {"name": name, "heading": SECTION_TITLES[name], "pieces": pieces(text, notes[name])}
        )
    return sections


def _caveats(record: DraftRecord, settings: Settings) -> list[dict[str, Any]]:
    house = load_house(settings)
    results = {c.id: c for c in record.checks}
    rows = []
    for cid in record.profile.required_caveats:
        check = results.get(f"caveat.{cid}")
        span = check.spans[0] if check and check.spans else None
        rows.append(
            {
                "id": cid,
                "why": house.caveats[cid].when if cid in house.caveats else "",
                "passed": bool(check and check.passed),
                "message": check.message if check else "not checked",
                "where": SECTION_TITLES.get(span.section, span.section) if span else None,
                "sentence": span.text if span else None,
                "anchor": _check_anchor(check.id, 0) if span and check else None,
            }
        )
    return rows


def _profile(record: DraftRecord) -> list[dict[str, Any]]:
    """The fields a reviewer may correct, each with how sure the profiler is, why, the competing
    reading and its sentence; a design or species it only guessed is `flagged`."""
    profile, unsure = record.profile, set(uncertain_fields(record.profile))
    rows = []
    for name in ("design", "species", "participants"):
        value = getattr(profile, name)
        sure = profile.confidence.get(name)
        shown = DESIGN_NAMES[value] if name == "design" else value
        rows.append(
            {
                "name": name,
                "value": "not stated" if value is None else shown,
                "raw": getattr(value, "value", value),
                "level": sure.level if sure else "",
                "reason": sure.reason if sure else "",
                "alternative": sure.alternative if sure else None,
                "model_reading": sure.model_reading if sure else None,
                "evidence": profile.evidence.get(name),
                "flagged": name in unsure,
            }
        )
    return rows


def study_page(store: Store, settings: Settings, study_id: str) -> dict[str, Any]:
    study, state = store.study(study_id), store.state(study_id)
    revisions = store.revisions(study_id)
    log = {row["number"]: row for row in store.revision_log(study_id)}
    latest = revisions[-1] if revisions else None
    page: dict[str, Any] = {
        "study": study,
        "state": state,
        "record": latest,
        "events": store.events(study_id),
        "publications": store.publications(study_id),
        "note": store.change_request_note(study_id) if state == "changes_requested" else None,
        "can": {action: target_state(action, state) is not None for action in ACTIONS},
        "history": [
            {
                **log[record.revision],
                "errors": [c.id for c in record.failing if c.severity == "error"],
                "diff": revision_diff(previous, record) if previous else None,
            }
            for previous, record in zip([None, *revisions], revisions, strict=False)
        ][::-1],
    }
    if latest is None:
        units = [{"id": u.id, "pieces": [Piece(u.text)]} for u in units_of(study)]
        return {**page, "abstract": [{"label": None, "units": units}]}
    abstract, anchors = _abstract(latest)
    failing = sorted(latest.failing, key=lambda c: (c.severity != "error", c.id))
    alignment = latest.alignment or align_summary(
        latest.study, latest.summary, load_house(settings), settings
    )
    return {
        **page,
        "abstract": abstract,
        "sections": _draft(latest, anchors, alignment),
        # listed at the top: sentences unsupported, contradicted or claiming more widely
        "unsupported": [
            a
            for a in alignment
            if a.status in UNBORNE or a.generalises or (a.invented and not a.cited)
        ],
        "section_titles": SECTION_TITLES,
        "caveats": _caveats(latest, settings),
        "profile": _profile(latest),
        "designs": list(DESIGN_NAMES.items()),
        "species": SPECIES,
        "failing": [
            {"check": c, "anchor": _check_anchor(c.id, 0) if c.spans else None} for c in failing
        ],
        "errors": [c.id for c in failing if c.severity == "error"],
        "passed": [c for c in latest.checks if c.passed],
        # where the draft will sit on the reader's site: its related articles, as built now
        "related": draft_related(store, study_id, latest.summary.model_dump()),
        "site_page": f"/site/summaries/{slug}.html" if (slug := store.slug_of(study_id)) else None,
    }
