"""The store's review side: locks for decisions, review decisions, the queue view, publications,
and reviewers' corrections of study profiles.

A mixin of `Store` (same connection, same transactions), kept apart so the core store stays
about studies, drafts and calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pipeline.errors import StoreNotFoundError
from pipeline.records import DraftRecord
from pipeline.store.tables.base import StoreParts
from pipeline.store.tables.base import now as _now


class ReviewRecords(StoreParts):
    # the review workflow: locks, decisions, the queue, publications

    @contextmanager
    def locked(self, study_id: str) -> Iterator[dict[str, Any]]:
        """Take the write lock, then read the study's state and latest revision number.

        Writes made inside (set_state, add_revision, add_review, add_publication) join this one
        transaction, so a decision checked against the snapshot still holds when it lands: two
        reviewers acting at once are serialised, and the second sees what the first did (on
        PostgreSQL through the study's row lock, held to the end of the transaction).
        """
        with self.transaction() as db:
            row = self._study_row(study_id, for_update=True)
            latest = db.execute(
                "SELECT MAX(number) FROM revisions WHERE study_id = ?", (study_id,)
            ).fetchone()[0]
            yield {"state": row["state"], "revision": latest, "updated_at": row["updated_at"]}

    def add_review(
        self,
        study_id: str,
        revision: int,
        action: str,
        reviewer: str,
        *,
        note: str | None = None,
        override: str | None = None,
    ) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO reviews (study_id, revision, action, reviewer, note, override, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (study_id, revision, action, reviewer, note, override, _now()),
            )

    def reviews(self, study_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM reviews WHERE study_id = ? ORDER BY id", (study_id,))
        return [dict(row) for row in rows]

    def last_review(self, study_id: str, action: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM reviews WHERE study_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
            (study_id, action),
        ).fetchone()
        return dict(row) if row else None

    def change_request_note(self, study_id: str) -> str | None:
        """The latest reviewer's note asking for changes: what the next drafting round gets."""
        review = self.last_review(study_id, "request_changes")
        return review["note"] if review else None

    def revision(self, study_id: str, number: int) -> DraftRecord:
        row = self.db.execute(
            "SELECT record_json FROM revisions WHERE study_id = ? AND number = ?",
            (study_id, number),
        ).fetchone()
        if row is None:
            raise StoreNotFoundError(f"study {study_id!r} has no revision {number}")
        return DraftRecord.model_validate_json(row[0])

    def revision_log(self, study_id: str) -> list[dict[str, Any]]:
        """Who wrote each revision and how it stood, without loading the records."""
        rows = self.db.execute(
            "SELECT number, author, status, backend, model, offline, created_at FROM revisions "
            "WHERE study_id = ? ORDER BY number",
            (study_id,),
        )
        return [dict(row) for row in rows]

    def queue(self, state: str | None = None) -> list[dict[str, Any]]:
        """Every study with its latest revision's credibility and failing checks, oldest first.

        `failing` is a list of (severity, check id) for the latest revision.
        """
        credibility = self.dialect.json_value("r.summary_json", "credibility", "score")
        failing = self.dialect.joined("c.severity || ':' || c.check_id", " ")
        query = (
            "SELECT s.id, s.title, s.state, s.error, s.created_at, s.updated_at, "
            f"r.number AS revision, r.status, {credibility} AS credibility, "
            f"(SELECT {failing} FROM checks c "
            " WHERE c.revision_id = r.id AND c.passed = 0) AS failing "
            "FROM studies s LEFT JOIN revisions r ON r.study_id = s.id AND r.number = "
            "(SELECT MAX(number) FROM revisions WHERE study_id = s.id)"
        )
        params: tuple[str, ...] = ()
        if state:
            query, params = query + " WHERE s.state = ?", (state,)
        rows = [
            dict(row) for row in self.db.execute(query + " ORDER BY s.created_at, s.id", params)
        ]
        for row in rows:
            pairs = (item.split(":", 1) for item in (row["failing"] or "").split())
            row["failing"] = sorted((severity, check) for severity, check in pairs)
        return rows

    def add_publication(
        self, study_id: str, revision: int, slug: str, published_by: str, record_json: str
    ) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO publications (study_id, revision, slug, published_by, record_json, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (study_id, revision, slug, published_by, record_json, _now()),
            )
            # the first publication claims the slug; a slug another study holds fails here
            db.execute(
                "INSERT INTO slugs (study_id, slug, at) VALUES (?, ?, ?)"
                " ON CONFLICT (study_id) DO NOTHING",
                (study_id, slug, _now()),
            )

    def publications(self, study_id: str | None = None) -> list[dict[str, Any]]:
        """Every publication, oldest first; a study published again keeps its earlier rows."""
        query = "SELECT id, study_id, revision, slug, published_by, at FROM publications"
        rows = (
            self.db.execute(query + " WHERE study_id = ? ORDER BY id", (study_id,))
            if study_id
            else self.db.execute(query + " ORDER BY id")
        )
        return [dict(row) for row in rows]

    def publication_json(self, publication_id: int) -> str:
        row = self.db.execute(
            "SELECT record_json FROM publications WHERE id = ?", (publication_id,)
        ).fetchone()
        if row is None:
            raise StoreNotFoundError(f"no publication {publication_id} in the store")
        return str(row[0])

    def slug_owner(self, slug: str) -> str | None:
        row = self.db.execute("SELECT study_id FROM slugs WHERE slug = ?", (slug,)).fetchone()
        return row[0] if row else None

    def slug_of(self, study_id: str) -> str | None:
        """The study's site slug, kept from its first publication (None if never published)."""
        row = self.db.execute("SELECT slug FROM slugs WHERE study_id = ?", (study_id,)).fetchone()
        return row[0] if row else None

    def published_documents(self) -> list[dict[str, Any]]:
        """Each published study's latest publication, with when it was first published: the
        site's input. Documents are JSON text, parsed by the caller (5,000 at a time)."""
        rows = self.db.execute(
            "SELECT p.study_id, p.slug, p.revision, p.record_json, p.at, s.at AS first_at,"
            # the order slugs were claimed in: a study's first publication claimed it, and
            # publication ids only grow (SQLite's rowid is not there on PostgreSQL)
            " (SELECT MIN(id) FROM publications WHERE study_id = p.study_id) AS claimed"
            " FROM publications p JOIN slugs s ON s.study_id = p.study_id"
            " WHERE p.id = (SELECT MAX(id) FROM publications WHERE study_id = p.study_id)"
            " ORDER BY p.study_id"
        )
        return [dict(row) for row in rows]

    def add_profile_correction(
        self,
        study_id: str,
        revision: int | None,
        reviewer: str,
        reason: str,
        old: dict[str, Any],
        new: dict[str, Any],
        content_hash: str,
    ) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO profile_corrections (study_id, revision, reviewer, reason, old_json, "
                "new_json, content_hash, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    study_id,
                    revision,
                    reviewer,
                    reason,
                    json.dumps(old),
                    json.dumps(new),
                    content_hash,
                    _now(),
                ),
            )

    def profile_corrections(self, study_id: str | None = None) -> list[dict[str, Any]]:
        """Every correction, oldest first, with `old` and `new` as dicts of field values."""
        query = "SELECT * FROM profile_corrections"
        rows = (
            self.db.execute(query + " WHERE study_id = ? ORDER BY id", (study_id,))
            if study_id
            else self.db.execute(query + " ORDER BY id")
        )
        out = []
        for row in rows:
            item = dict(row)
            item["old"], item["new"] = (
                json.loads(item.pop("old_json")),
                json.loads(item.pop("new_json")),
            )
            out.append(item)
        return out

    def profile_correction(self, study_id: str, content_hash: str) -> dict[str, dict[str, Any]]:
        """The corrections that hold for this abstract, as `{field: {"value", "why"}}` (a later
        correction of a field wins); empty when none does: a correction made on an abstract
        that has since changed no longer applies."""
        fields: dict[str, dict[str, Any]] = {}
        for item in self.profile_corrections(study_id):
            if item["content_hash"] == content_hash:
                why = f"corrected by {item['reviewer']}: {item['reason']}"
                fields.update({k: {"value": v, "why": why} for k, v in item["new"].items()})
        return fields
