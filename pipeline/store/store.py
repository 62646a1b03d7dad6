"""The SQLite store under `outputs/`: the source of truth (DESIGN.md).

Studies, profiles, immutable draft revisions with their checks and attempts, every LLM call,
and an append-only event log. Files under `outputs/drafts/` are views rendered from here.
Schema changes are numbered migrations applied in order on open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError
from pipeline.records import DraftRecord, LLMCall, Study, StudyProfile
from pipeline.store.migrations import MIGRATIONS
from pipeline.store.review_records import ReviewRecords


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store(ReviewRecords):
    """One connection to the store; use as a context manager or call close()."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(f"{path}: cannot open the store ({error})") from error
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=30000")
        self._migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        with self.transaction():
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER)")
            done = {row[0] for row in self.db.execute("SELECT version FROM schema_migrations")}
            for version, script in enumerate(MIGRATIONS, start=1):
                if version not in done:
                    for statement in filter(str.strip, script.split(";")):
                        self.db.execute(statement)
                    self.db.execute("INSERT INTO schema_migrations VALUES (?)", (version,))

    @contextmanager
    def _joined(self) -> Iterator[sqlite3.Connection]:
        """A transaction, or the one already open: lets `locked` wrap several writes in one."""
        if self.db.in_transaction:
            yield self.db
        else:
            with self.transaction() as db:
                yield db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock up front so two writers never interleave."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # studies and their state

    def upsert_study(self, study: Study) -> str:
        """Add or refresh a study; returns 'new', 'same' or 'changed' (abstract edited)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT content_hash FROM studies WHERE id = ?", (study.id,)
            ).fetchone()
            now = _now()
            if row is None:
                db.execute(
                    "INSERT INTO studies VALUES (?, ?, ?, ?, 'queued', NULL, ?, ?, ?)",
                    (
                        study.id,
                        study.title,
                        study.source,
                        study.content_hash,
                        study.model_dump_json(),
                        now,
                        now,
                    ),
                )
                self._event(study.id, "pls", "submitted", None, "queued", study.source)
                return "new"
            if row["content_hash"] == study.content_hash:
                return "same"
            db.execute(
                "UPDATE studies SET title = ?, source = ?, content_hash = ?, study_json = ?, "
                "updated_at = ? WHERE id = ?",
                (
                    study.title,
                    study.source,
                    study.content_hash,
                    study.model_dump_json(),
                    now,
                    study.id,
                ),
            )
            self._event(study.id, "pls", "abstract_changed", None, None, study.source)
            return "changed"

    def study(self, study_id: str) -> Study:
        row = self._study_row(study_id)
        return Study.model_validate_json(row["study_json"])

    def state(self, study_id: str) -> str:
        return str(self._study_row(study_id)["state"])

    def _study_row(self, study_id: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM studies WHERE id = ?", (study_id,)).fetchone()
        if row is None:
            raise StoreError(f"no study with id {study_id!r} in the store")
        return row

    def set_state(
        self,
        study_id: str,
        to_state: str,
        *,
        actor: str = "pls",
        kind: str = "state",
        detail: str | None = None,
        error: str | None = None,
    ) -> None:
        with self._joined() as db:
            from_state = self.state(study_id)
            db.execute(
                "UPDATE studies SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                (to_state, error, _now(), study_id),
            )
            self._event(study_id, actor, kind, from_state, to_state, detail or error)

    def _event(
        self,
        study_id: str,
        actor: str,
        kind: str,
        from_state: str | None,
        to_state: str | None,
        detail: str | None,
    ) -> None:
        self.db.execute(
            "INSERT INTO events (study_id, at, actor, kind, from_state, to_state, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (study_id, _now(), actor, kind, from_state, to_state, detail),
        )

    def events(self, study_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM events WHERE study_id = ? ORDER BY id", (study_id,))
        return [dict(row) for row in rows]

    def studies(self, state: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT id, title, state, error, updated_at FROM studies"
        rows = (
            self.db.execute(query + " WHERE state = ? ORDER BY id", (state,))
            if state
            else self.db.execute(query + " ORDER BY id")
        )
        return [dict(row) for row in rows]

    # profiles, drafts, calls

    def save_profile(self, study_id: str, profile: StudyProfile) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO profiles VALUES (?, ?, ?)",
                (study_id, profile.model_dump_json(), _now()),
            )

    def profile(self, study_id: str) -> StudyProfile | None:
        row = self.db.execute(
            "SELECT profile_json FROM profiles WHERE study_id = ?", (study_id,)
        ).fetchone()
        return StudyProfile.model_validate_json(row[0]) if row else None

    def add_revision(self, record: DraftRecord, *, author: str = "pls") -> int:
        """Store a new immutable revision with its checks and calls; returns its number."""
        with self._joined() as db:
            number = (
                1
                + (
                    db.execute(
                        "SELECT COALESCE(MAX(number), 0) FROM revisions WHERE study_id = ?",
                        (record.study.id,),
                    ).fetchone()[0]
                )
            )
            record = record.model_copy(update={"revision": number})
            cursor = db.execute(
                "INSERT INTO revisions (study_id, number, status, author, backend, model, offline,"
                " summary_json, record_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.study.id,
                    number,
                    record.status,
                    author,
                    record.backend,
                    record.model,
                    int(record.offline),
                    record.summary.model_dump_json(),
                    record.model_dump_json(),
                    _now(),
                ),
            )
            revision_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        revision_id,
                        c.id,
                        c.severity,
                        int(c.passed),
                        c.message,
                        json.dumps([s.model_dump() for s in c.spans]),
                        c.value,
                    )
                    for c in record.checks
                ],
            )
            calls = [a.call for a in record.attempts] + list(record.failed_calls)
            for call in calls:
                self._add_call(record.study.id, revision_id, call)
            self._event(
                record.study.id,
                author,
                "revision",
                None,
                None,
                f"revision {number} ({record.status}, {record.backend})",
            )
        return number

    def add_failed_calls(self, study_id: str, calls: list[LLMCall]) -> None:
        with self._joined():
            for call in calls:
                self._add_call(study_id, None, call)

    def _add_call(self, study_id: str, revision_id: int | None, call: LLMCall) -> None:
        self.db.execute(
            "INSERT INTO llm_calls (study_id, revision_id, purpose, backend, model, "
            "template_hashes, prompt_tokens, completion_tokens, cached_tokens, latency_ms, ok, "
            "error, at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                study_id,
                revision_id,
                call.purpose,
                call.backend,
                call.model,
                json.dumps(call.template_hashes),
                call.usage.prompt_tokens,
                call.usage.completion_tokens,
                call.usage.cached_tokens,
                call.usage.latency_ms,
                int(call.ok),
                call.error,
                call.at.isoformat(),
                call.usage.attempts,
            ),
        )

    def latest(self, study_id: str) -> DraftRecord | None:
        row = self.db.execute(
            "SELECT record_json FROM revisions WHERE study_id = ? ORDER BY number DESC LIMIT 1",
            (study_id,),
        ).fetchone()
        return DraftRecord.model_validate_json(row[0]) if row else None

    def revisions(self, study_id: str) -> list[DraftRecord]:
        rows = self.db.execute(
            "SELECT record_json FROM revisions WHERE study_id = ? ORDER BY number", (study_id,)
        )
        return [DraftRecord.model_validate_json(row[0]) for row in rows]

    def calls(self, study_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM llm_calls WHERE study_id = ? ORDER BY id", (study_id,)
        )
        return [dict(row) for row in rows]
