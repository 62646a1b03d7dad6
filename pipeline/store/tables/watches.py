"""The store's intake side: saved watches, their runs and run logs, every item a watch saw,
and the keys (PMID, DOI, content hash) every stored study is known by, for deduplication.

A mixin of `Store`. Taking a study in is one transaction (`take_in`): the study row (queued or
parked), the item saying where it came from and what triage made of it, and its keys, together
or not at all, so a run killed at any moment leaves nothing half-queued and the next run, which
looks every key up first, never queues it twice.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.errors import StoreNotFoundError, WatchError
from pipeline.records import ItemStatus, Study, Triage, Watch
from pipeline.store.tables.base import StoreParts
from pipeline.store.tables.base import now as _now


def study_keys(study: Study) -> list[str]:
    """What a study is known by, strongest first: its PMID, its DOI, its title and abstract."""
    keys = [f"pmid:{study.pmid}"] if study.pmid else []
    keys += [f"doi:{study.doi.lower()}"] if study.doi else []
    return [*keys, f"sha:{study.content_hash}"]


class Watches(StoreParts):
    # watches

    def add_watch(self, watch: Watch) -> Watch:
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM watches WHERE name = ?", (watch.name,)).fetchone():
                raise WatchError(f"a watch named {watch.name!r} exists; remove it first")
            watch = watch.model_copy(update={"created_at": _now()})
            db.execute(
                "INSERT INTO watches VALUES (?, ?, ?, ?, NULL)",
                (watch.name, watch.kind, watch.target, watch.created_at),
            )
        return watch

    def watches(self) -> list[Watch]:
        rows = self.db.execute("SELECT * FROM watches ORDER BY name")
        return [Watch(**dict(row)) for row in rows]

    def watch(self, name: str) -> Watch:
        row = self.db.execute("SELECT * FROM watches WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StoreNotFoundError(f"no watch named {name!r} (see pls watch list)")
        return Watch(**dict(row))

    def remove_watch(self, name: str) -> None:
        """The watch goes; what it brought in, its runs and their logs stay (the audit trail)."""
        self.watch(name)
        with self.transaction() as db:
            db.execute("DELETE FROM watches WHERE name = ?", (name,))

    # runs and their logs

    def open_run(self, watch: str, cursor: dict[str, Any]) -> tuple[int, dict[str, Any], bool]:
        """The watch's run that never finished (killed), to resume with its cursor, else a new
        one with `cursor`: (run id, cursor, resumed)."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT id, cursor_json FROM watch_runs WHERE watch = ? AND status = 'running' "
                "ORDER BY id DESC LIMIT 1",
                (watch,),
            ).fetchone()
            if row is not None:
                return int(row["id"]), json.loads(row["cursor_json"]), True
            new = db.execute(
                "INSERT INTO watch_runs (watch, status, cursor_json, counts_json, started_at) "
                "VALUES (?, 'running', ?, '{}', ?) RETURNING id",
                (watch, json.dumps(cursor), _now()),
            ).fetchone()
            return int(new[0]), cursor, False

    def save_cursor(self, run_id: int, cursor: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE watch_runs SET cursor_json = ? WHERE id = ?", (json.dumps(cursor), run_id)
            )

    def log_line(self, run_id: int, line: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO watch_log (run_id, at, line) VALUES (?, ?, ?)", (run_id, _now(), line)
            )

    def run_log(self, run_id: int) -> list[str]:
        rows = self.db.execute("SELECT line FROM watch_log WHERE run_id = ? ORDER BY id", (run_id,))
        return [str(row["line"]) for row in rows]

    def finish_run(
        self, run_id: int, watch: str, status: str, counts: dict[str, int], until: str | None
    ) -> None:
        """Close the run; a successful one moves the watch's `last_success` to `until`."""
        with self.transaction() as db:
            db.execute(
                "UPDATE watch_runs SET status = ?, counts_json = ?, finished_at = ? WHERE id = ?",
                (status, json.dumps(counts), _now(), run_id),
            )
            if status == "ok" and until:
                db.execute("UPDATE watches SET last_success = ? WHERE name = ?", (until, watch))

    def runs(self, watch: str | None = None, since: str = "") -> list[dict[str, Any]]:
        query = "SELECT * FROM watch_runs WHERE started_at >= ?"
        args: tuple[Any, ...] = (since,)
        if watch:
            query, args = query + " AND watch = ?", (*args, watch)
        rows = self.db.execute(query + " ORDER BY id", args)
        return [
            {**dict(row), "counts": json.loads(row["counts_json"]), "log": self.run_log(row["id"])}
            for row in rows
        ]

    # items and deduplication

    def known_study(self, keys: list[str]) -> str | None:
        """The stored study known by any of `keys` (see `index_studies`)."""
        for key in keys:
            row = self.db.execute(
                "SELECT study_id FROM study_keys WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                return str(row["study_id"])
        return None

    def index_studies(self) -> int:
        """Give every study stored without keys (files dropped into inputs/, web submissions)
        its keys, so every study in the store counts for deduplication; a run does this once,
        at its start. Returns how many were indexed."""
        rows = self.db.execute(
            "SELECT s.id, s.study_json FROM studies s WHERE NOT EXISTS "
            "(SELECT 1 FROM study_keys k WHERE k.study_id = s.id)"
        ).fetchall()
        if rows:
            with self.transaction() as db:
                for row in rows:
                    self._add_keys(db, Study.model_validate_json(row["study_json"]))
        return len(rows)

    @staticmethod
    def _add_keys(db: Any, study: Study) -> None:
        for key in study_keys(study):
            db.execute(
                "INSERT INTO study_keys VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, study.id),
            )

    def item_status(self, watch: str, key: str) -> str | None:
        row = self.db.execute(
            "SELECT status FROM watch_items WHERE watch = ? AND key = ?", (watch, key)
        ).fetchone()
        return None if row is None else str(row["status"])

    def record_item(
        self,
        run_id: int,
        watch: str,
        key: str,
        status: ItemStatus,
        title: str,
        *,
        study: Study | None = None,
        study_id: str | None = None,
        link: str | None = None,
        triage: Triage | None = None,
    ) -> ItemStatus:
        """What became of one item, and for a study taken in (queued or parked) the study itself
        with its keys and triage, in one transaction; returns the status recorded (a study
        stored under its id since the run looked is a duplicate, and left as it is)."""
        with self.transaction() as db:
            if (
                study is not None
                and db.execute("SELECT 1 FROM studies WHERE id = ?", (study.id,)).fetchone()
            ):
                status, study_id, study = "duplicate", study.id, None
            if study is not None:
                state = "parked" if status == "parked" else "queued"
                self.upsert_study(study, state=state)
                self._add_keys(db, study)
                if triage is not None:
                    why = f"triage {triage.score:.2f} ({triage.model}): " + "; ".join(
                        triage.reasons[:4]
                    )
                    self._event(study.id, "pls", "triaged", None, None, why)
                study_id = study.id
            db.execute(
                "INSERT INTO watch_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(watch, key) DO UPDATE SET status = excluded.status, study_id = "
                "excluded.study_id, triage_json = excluded.triage_json, at = excluded.at, "
                "run_id = excluded.run_id",
                (
                    watch,
                    key,
                    study_id,
                    status,
                    title[:500],
                    link,
                    triage.model_dump_json() if triage else None,
                    run_id,
                    _now(),
                ),
            )
        return status

    def items(self, since: str = "", status: str | None = None) -> list[dict[str, Any]]:
        """Items taken in since an ISO time, with the state their study is in now."""
        query = (
            "SELECT i.*, s.state FROM watch_items i LEFT JOIN studies s ON s.id = i.study_id "
            "WHERE i.at >= ?"
        )
        args: tuple[Any, ...] = (since,)
        if status:
            query, args = query + " AND i.status = ?", (*args, status)
        rows = self.db.execute(query + " ORDER BY i.at, i.watch, i.key", args)
        return [
            {**dict(row), "triage": json.loads(row["triage_json"]) if row["triage_json"] else None}
            for row in rows
        ]

    def decisions(self) -> list[tuple[str, str]]:
        """(study id, action) for every study a reviewer approved, promoted past triage or
        rejected, the latest winning: the house's past choices, which triage learns from."""
        rows = self.db.execute(
            "SELECT study_id, action FROM reviews WHERE action IN ('approve', 'promote', "
            "'reject') ORDER BY id"
        )
        latest = {str(row["study_id"]): str(row["action"]) for row in rows}
        return sorted(latest.items())
