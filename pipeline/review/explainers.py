"""Reviewing a topic explainer: the study summary's workflow (`workflow.TRANSITIONS`, its
guard against stale views, its rules for notes and overrides) applied to an explainer's
revisions, plus publishing one for the site.

    needs_review → approved → published
    needs_review, approved ──request changes──▶ changes_requested
    needs_review, approved, changes_requested ──reject──▶ rejected
    needs_review, approved, changes_requested, published ──edit──▶ needs_review

A new draft of the same topic (`pls explain` again, or a redraft after changes were asked for)
is a new revision and leaves it `needs_review`. Every action is one locked transaction, a row
of `explainer_reviews` and an event under the explainer's id.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from pipeline.errors import ReviewError
from pipeline.explain import recheck
from pipeline.records import ExplainerContent, ExplainerRecord, utcnow
from pipeline.review.workflow import (
    _SENTENCE_END,
    NOTE_REQUIRED,
    Decision,
    Seen,
    _check_override,
    guard,
    required,
)
from pipeline.settings import Settings
from pipeline.store import Store


@dataclass(frozen=True)
class EditedExplainer:
    record: ExplainerRecord
    diff: str


def decide_explainer(
    store: Store,
    explainer_id: str,
    action: str,
    reviewer: str,
    *,
    note: str | None = None,
    override: str | None = None,
    seen: Seen | None = None,
) -> Decision:
    """Approve, request changes on, reject or publish the explainer's latest revision."""
    seen = seen or Seen()
    if action not in ("approve", "request_changes", "reject", "publish"):
        raise ReviewError(f"unknown review action {action!r}")
    reviewer = required(reviewer, "a reviewer name")
    if action in NOTE_REQUIRED:
        note = required(note, f"a note saying why ({action.replace('_', ' ')})")
    note = " ".join(note.split()) if note else None
    override = " ".join(override.split()) if override else None
    with store.locked_explainer(explainer_id) as snapshot:
        target = guard(store, explainer_id, action, snapshot, seen, kind="explainer")
        revision = snapshot["revision"] or 0
        record = store.explainer_revision(explainer_id, revision)
        if action == "approve":
            _check_override(explainer_id, record, override)
        if action == "publish":
            document = publication_document(store, record)
            slug = store.explainer(explainer_id)["slug"]
            store.add_explainer_publication(explainer_id, revision, slug, reviewer, document)
        else:
            store.add_explainer_review(
                explainer_id, revision, action, reviewer, note=note, override=override
            )
        detail = f"revision {revision}" + (f"; note: {note}" if note else "")
        detail += f"; override: {override}" if override else ""
        store.set_explainer_state(explainer_id, target, actor=reviewer, kind=action, detail=detail)
    return Decision(explainer_id, action, revision, snapshot["state"], target, reviewer)


def publication_document(store: Store, record: ExplainerRecord) -> str:
    """What the site is built from: the revision, and each source's summary page (its slug,
    when that study is published) so "The studies behind this explainer" can link it."""
    document = record.model_dump(mode="json")
    document["source_slugs"] = {s.id: store.slug_of(s.id) for s in record.sources}
    # who drafted it, for the site's AI-use line (rules or a model; the reviewer approved it)
    document["provenance"] = {"offline": record.offline, "backend": record.backend}
    document["reviews"] = [
        {k: r[k] for k in ("reviewer", "action", "revision", "at")}
        for r in store.explainer_reviews(record.id)
    ]
    content = record.content
    # what the site's cards, feeds, search and related articles read of any page
    document["summary"] = {
        "title": content.title,
        "teaser": content.teaser,
        "topics": content.topics,
        "key_takeaway": content.paragraphs[0].text if content.paragraphs else "",
        "what_they_found": " ".join(p.text for p in content.paragraphs[1:]),
        "who_should_care": "",
        "important_considerations": content.summary,
    }
    return json.dumps(document)


def edit_explainer(
    store: Store,
    settings: Settings,
    explainer_id: str,
    content: ExplainerContent,
    reviewer: str,
    *,
    note: str | None = None,
    seen: Seen | None = None,
) -> EditedExplainer:
    """An editor's version saved as a new revision by `reviewer`, re-checked against the
    same sources, needing review again; the diff is against the revision edited."""
    seen = seen or Seen()
    reviewer = required(reviewer, "a reviewer name")
    base = store.explainer_revision(explainer_id, seen.revision)
    if content == base.content:
        raise ReviewError(f"{explainer_id}: the edit changes nothing; no revision was saved")
    record = recheck(base, content, settings).model_copy(update={"created_at": utcnow()})
    seen = Seen(seen.state, base.revision)
    with store.locked_explainer(explainer_id) as snapshot:
        guard(store, explainer_id, "edit", snapshot, seen, kind="explainer")
        record = store.add_explainer_revision(
            record, store.explainer(explainer_id)["slug"], author=reviewer, kind="edit"
        )
        store.add_explainer_review(explainer_id, record.revision, "edit", reviewer, note=note)
    return EditedExplainer(record, explainer_diff(base, record))


def explainer_diff(old: ExplainerRecord, new: ExplainerRecord) -> str:
    """A unified diff of two revisions, one sentence per line."""

    def lines(record: ExplainerRecord) -> list[str]:
        content = record.content
        texts = [f"# {content.title}", *content.all_paragraphs(), "; ".join(content.topics)]
        return [s for text in texts for s in _SENTENCE_END.split(text)]

    return "\n".join(
        difflib.unified_diff(
            lines(old),
            lines(new),
            f"revision {old.revision}",
            f"revision {new.revision}",
            lineterm="",
        )
    )
