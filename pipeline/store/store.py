"""The store: the source of truth (DESIGN.md), the SQLite file under `outputs/` or, given a
`postgresql://` URL (`PLS_DATABASE_URL`), a PostgreSQL database several machines share.

Studies, profiles, immutable draft revisions with their checks and attempts, every LLM call,
and an append-only event log. Files under `outputs/drafts/` are views rendered from here.
Schema changes are numbered migrations applied on open, only when one is due. `Store(path,
readonly=True)` (or a store whose file or folder cannot be written) reads and never writes;
every SQLite failure is a one-line StoreError naming the file (see `connection`), every
PostgreSQL one names the database by its URL, password masked (see `postgres`).

One id, one study: within one Store (one run: a `pls batch`, a `pls draft`, a web submission)
an id belongs to the first source record that claims it, and another record claiming it with a
different title or abstract is an IdConflictError, recorded as an `id_conflict` event; the
stored study is untouched. The same source record submitted again with a changed abstract,
or any record in a later run, is a change: the abstract is replaced and the study redrafted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.errors import IdConflictError, StoreError, StoreNotFoundError, StoreReadOnlyError
from pipeline.records import Study
from pipeline.settings import mask_secrets
from pipeline.store import migrations, postgres
from pipeline.store.connection import connect
from pipeline.store.migrations import MIGRATIONS
from pipeline.store.tables import Explainers, ReviewRecords, Revisions, Watches
from pipeline.store.tables.base import now as _now

__all__ = ["MIGRATIONS", "Store"]


class Store(Revisions, ReviewRecords, Explainers, Watches):
    """One connection to the store; use as a context manager or call close()."""

    def __init__(self, path: Path | str, *, readonly: bool = False) -> None:
        """`path`: the SQLite file, or a `postgresql://` URL (`settings.database`)."""
        self.path = path
        self.label = str(path) if str(path).isprintable() else repr(str(path))[1:-1]
        self.db: Any
        if postgres.is_url(path):
            self.label = mask_secrets(self.label)
            self.db = postgres.connect(str(path), self.label, readonly=readonly)
        else:
            self.db = connect(Path(path), self.label, readonly=readonly)
        self.readonly = self.db.readonly
        self.dialect = self.db.dialect
        # id -> (source, content_hash) of the record that claimed it through this Store
        self._claims: dict[str, tuple[str, str]] = {}
        try:
            migrations.apply(self.db, self.label, readonly=self.readonly)
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _joined(self) -> Iterator[Any]:
        """A transaction, or the one already open: lets `locked` wrap several writes in one."""
        if self.db.in_transaction:
            yield self.db
        else:
            with self.transaction() as db:
                yield db

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """BEGIN IMMEDIATE: take the write lock up front so two writers never interleave (on
        PostgreSQL a plain BEGIN: writers lock the rows they change, see `lock`)."""
        if self.readonly:
            raise StoreReadOnlyError(f"{self.label}: the store is read-only; nothing was changed")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def lock(self, key: str) -> None:
        """Inside a transaction, hold `key` until it ends: on PostgreSQL an advisory lock, so two
        machines adding one study (or one revision number) take turns; SQLite's BEGIN IMMEDIATE
        already serialises every writer."""
        if self.dialect.name == "postgresql":
            self.db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (key,))

    def _rollback(self) -> None:
        # After a full disk SQLite may have rolled back already; never mask the first error.
        if self.db.in_transaction:
            with contextlib.suppress(StoreError):
                self.db.execute("ROLLBACK")

    # studies and their state

    def upsert_study(self, study: Study, *, state: str = "queued") -> str:
        """Add or refresh a study; returns 'new', 'same' or 'changed' (abstract edited). A new
        study starts in `state` (a watch parks what triage finds off-topic); joins a transaction
        already open, so a watch stores the study and where it came from together.

        Raises IdConflictError when another source record claimed this id through this Store
        with a different title or abstract (see the module docstring).
        """
        claim = self._claims.get(study.id)
        if claim and claim[0] != study.source and claim[1] != study.content_hash:
            with self._joined():
                detail = f"{study.source} claims this id with a different title or abstract"
                self._event(study.id, "pls", "id_conflict", None, None, detail)
            raise IdConflictError(
                study.source,
                f"{study.id} is already taken in this run by {claim[0]}, with a different "
                "title or abstract; not stored",
            )
        with self._joined() as db:
            self.lock(f"study:{study.id}")
            row = db.execute(
                "SELECT content_hash, source FROM studies WHERE id = ?", (study.id,)
            ).fetchone()
            now = _now()
            if claim is None or claim[0] == study.source:
                self._claims[study.id] = (study.source, study.content_hash)
            if row is None:
                db.execute(
                    "INSERT INTO studies VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                    (
                        study.id,
                        study.title,
                        study.source,
                        study.content_hash,
                        state,
                        study.model_dump_json(),
                        now,
                        now,
                    ),
                )
                self._event(study.id, "pls", "submitted", None, state, study.source)
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
            moved = f" (was from {row['source']})" if row["source"] != study.source else ""
            self._event(study.id, "pls", "abstract_changed", None, None, study.source + moved)
            return "changed"

    def study(self, study_id: str) -> Study:
        row = self._study_row(study_id)
        return Study.model_validate_json(row["study_json"])

    def state(self, study_id: str) -> str:
        return str(self._study_row(study_id)["state"])

    def _study_row(self, study_id: str, *, for_update: bool = False) -> Any:
        lock = self.dialect.for_update if for_update and self.db.in_transaction else ""
        row = self.db.execute("SELECT * FROM studies WHERE id = ?" + lock, (study_id,)).fetchone()
        if row is None:
            raise StoreNotFoundError(f"no study with id {study_id!r} in the store")
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
            from_state = str(self._study_row(study_id, for_update=True)["state"])
            db.execute(
                "UPDATE studies SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                (to_state, error and mask_secrets(error), _now(), study_id),
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
            # An error line may quote the server's URL: its credentials never reach the store.
            (study_id, _now(), actor, kind, from_state, to_state, detail and mask_secrets(detail)),
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
