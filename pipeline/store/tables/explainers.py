"""The store's topic explainers: each explainer's state and slug, its immutable revisions,
review decisions and publications (issue 14).

A mixin of `Store` (same connection, same transactions). An explainer's audit events are rows
of `events` under its id (`explainer-<slug>`), so `Store.events` reads its history as it reads
a study's; its LLM calls are kept in each revision's record (its attempts and failed calls).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pipeline.errors import StoreNotFoundError
from pipeline.records import ExplainerRecord, LLMCall
from pipeline.settings import mask_secrets
from pipeline.store.tables.base import StoreParts
from pipeline.store.tables.base import now as _now


class Explainers(StoreParts):
    def _explainer_row(self, explainer_id: str, *, for_update: bool = False) -> Any:
        lock = self.dialect.for_update if for_update and self.db.in_transaction else ""
        row = self.db.execute(
            "SELECT * FROM explainers WHERE id = ?" + lock, (explainer_id,)
        ).fetchone()
        if row is None:
            raise StoreNotFoundError(f"no explainer with id {explainer_id!r} in the store")
        return row

    def add_explainer_revision(
        self, record: ExplainerRecord, slug: str, *, author: str = "pls", kind: str = "drafted"
    ) -> ExplainerRecord:
        """Store a new immutable revision (the explainer itself on its first), leaving it
        `needs_review`; returns the record with its revision number."""
        with self._joined() as db:
            self.lock(f"explainer:{record.id}")
            now = _now()
            row = db.execute(
                "SELECT state FROM explainers WHERE id = ?" + self.dialect.for_update, (record.id,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO explainers VALUES (?, ?, ?, 'needs_review', ?, ?)",
                    (record.id, record.topic, slug, now, now),
                )
            else:
                db.execute(
                    "UPDATE explainers SET state = 'needs_review', topic = ?, updated_at = ? "
                    "WHERE id = ?",
                    (record.topic, now, record.id),
                )
            number = (
                1
                + db.execute(
                    "SELECT COALESCE(MAX(number), 0) FROM explainer_revisions "
                    "WHERE explainer_id = ?",
                    (record.id,),
                ).fetchone()[0]
            )
            record = record.model_copy(update={"revision": number})
            db.execute(
                "INSERT INTO explainer_revisions (explainer_id, number, status, author, backend, "
                "model, offline, record_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    number,
                    record.status,
                    author,
                    record.backend,
                    record.model,
                    int(record.offline),
                    record.model_dump_json(),
                    now,
                ),
            )
            detail = f"revision {number} ({record.status}, {record.backend})"
            self._event(
                record.id, author, kind, row["state"] if row else None, "needs_review", detail
            )
        return record

    def explainer_draft_failed(self, explainer_id: str, error: str, calls: list[LLMCall]) -> None:
        """A drafting that produced nothing still leaves its trace: an audit event under the
        explainer's id with the calls' outcome and tokens (the explainer may not exist yet, so
        nothing else changes)."""
        prompt = sum(c.usage.prompt_tokens or 0 for c in calls)
        completion = sum(c.usage.completion_tokens or 0 for c in calls)
        detail = (
            f"{mask_secrets(error)} ({len(calls)} call{'' if len(calls) == 1 else 's'}, "
            f"{prompt} prompt and {completion} completion tokens)"
        )
        with self._joined():
            self._event(explainer_id, "pls", "draft_failed", None, None, detail)

    @contextmanager
    def locked_explainer(self, explainer_id: str) -> Iterator[dict[str, Any]]:
        """As `Store.locked` for a study: the write lock, then the state and latest revision."""
        with self.transaction() as db:
            row = self._explainer_row(explainer_id, for_update=True)
            latest = db.execute(
                "SELECT MAX(number) FROM explainer_revisions WHERE explainer_id = ?",
                (explainer_id,),
            ).fetchone()[0]
            yield {"state": row["state"], "revision": latest, "updated_at": row["updated_at"]}

    def set_explainer_state(
        self, explainer_id: str, to_state: str, *, actor: str, kind: str, detail: str | None
    ) -> None:
        with self._joined() as db:
            from_state = str(self._explainer_row(explainer_id, for_update=True)["state"])
            db.execute(
                "UPDATE explainers SET state = ?, updated_at = ? WHERE id = ?",
                (to_state, _now(), explainer_id),
            )
            self._event(explainer_id, actor, kind, from_state, to_state, detail)

    def add_explainer_review(
        self,
        explainer_id: str,
        revision: int,
        action: str,
        reviewer: str,
        *,
        note: str | None = None,
        override: str | None = None,
    ) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO explainer_reviews (explainer_id, revision, action, reviewer, note, "
                "override, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    explainer_id,
                    revision,
                    action,
                    reviewer,
                    note,
                    override and mask_secrets(override),
                    _now(),
                ),
            )

    def explainer_reviews(self, explainer_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM explainer_reviews WHERE explainer_id = ? ORDER BY id", (explainer_id,)
        )
        return [dict(row) for row in rows]

    def explainer_change_note(self, explainer_id: str) -> str | None:
        """The reviewer's note while changes are requested: what the next draft is given."""
        row = self.db.execute(
            "SELECT state FROM explainers WHERE id = ?", (explainer_id,)
        ).fetchone()
        if row is None or row["state"] != "changes_requested":
            return None
        notes = [
            r["note"]
            for r in self.explainer_reviews(explainer_id)
            if r["action"] == "request_changes"
        ]
        return notes[-1] if notes else None

    def explainer(self, explainer_id: str) -> dict[str, Any]:
        return dict(self._explainer_row(explainer_id))

    def explainers(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every explainer with its latest revision's number and status, oldest first."""
        query = (
            "SELECT e.id, e.topic, e.slug, e.state, e.created_at, e.updated_at, "
            "r.number AS revision, r.status FROM explainers e LEFT JOIN explainer_revisions r "
            "ON r.explainer_id = e.id AND r.number = (SELECT MAX(number) FROM "
            "explainer_revisions WHERE explainer_id = e.id)"
        )
        params: tuple[str, ...] = ()
        if state:
            query, params = query + " WHERE e.state = ?", (state,)
        return [
            dict(row) for row in self.db.execute(query + " ORDER BY e.created_at, e.id", params)
        ]

    def explainer_revision(self, explainer_id: str, number: int | None = None) -> ExplainerRecord:
        """One revision (the latest when `number` is None)."""
        if number is None:
            row = self.db.execute(
                "SELECT record_json FROM explainer_revisions WHERE explainer_id = ? "
                "ORDER BY number DESC LIMIT 1",
                (explainer_id,),
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT record_json FROM explainer_revisions WHERE explainer_id = ? AND number = ?",
                (explainer_id, number),
            ).fetchone()
        if row is None:
            what = f"revision {number}" if number else "revision"
            raise StoreNotFoundError(f"explainer {explainer_id!r} has no {what}")
        return ExplainerRecord.model_validate_json(row[0])

    def explainer_revision_log(self, explainer_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT number, author, status, backend, model, offline, created_at "
            "FROM explainer_revisions WHERE explainer_id = ? ORDER BY number",
            (explainer_id,),
        )
        return [dict(row) for row in rows]

    def add_explainer_publication(
        self, explainer_id: str, revision: int, slug: str, published_by: str, record_json: str
    ) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO explainer_publications (explainer_id, revision, slug, published_by, "
                "record_json, at) VALUES (?, ?, ?, ?, ?, ?)",
                (explainer_id, revision, slug, published_by, record_json, _now()),
            )

    def published_explainers(self) -> list[dict[str, Any]]:
        """Each published explainer's latest publication, with when it was first published:
        the site's input (documents as JSON text)."""
        rows = self.db.execute(
            "SELECT p.explainer_id, p.slug, p.revision, p.record_json, p.at, "
            " (SELECT MIN(at) FROM explainer_publications WHERE explainer_id = p.explainer_id)"
            " AS first_at,"
            " (SELECT MIN(id) FROM explainer_publications WHERE explainer_id = p.explainer_id)"
            " AS claimed"
            " FROM explainer_publications p JOIN explainers e ON e.id = p.explainer_id"
            " WHERE p.id = (SELECT MAX(id) FROM explainer_publications"
            " WHERE explainer_id = p.explainer_id) AND e.state = 'published'"
            " ORDER BY p.explainer_id"
        )
        return [dict(row) for row in rows]
