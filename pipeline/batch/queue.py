"""The work queue in the store: studies not yet drafted, claimed with leases.

A worker claims studies inside `BEGIN IMMEDIATE`, so two `pls batch` processes on one store
never take the same study. A claim is a lease: a run killed at any moment (even `kill -9`)
leaves leases that expire, and the next run takes those studies again. Completing checks the
lease is still ours in the same transaction that stores the revision, so a study whose lease
passed to another worker is never stored twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pipeline.records import DraftRecord, Study
from pipeline.store import Store

WAITING = ("queued", "changes_requested")


@dataclass
class Claim:
    study: Study
    reclaimed: bool
    reviewer_note: str | None = None


class WorkQueue:
    def __init__(self, store: Store, owner: str, lease_seconds: float) -> None:
        self.store = store
        self.owner = owner
        self.lease_seconds = lease_seconds

    def pending(self) -> int:
        """Studies waiting or held by an expired lease: what is left to do."""
        now = time.time()
        row = self.store.db.execute(
            "SELECT COUNT(*) FROM studies s LEFT JOIN leases l ON l.study_id = s.id "
            f"WHERE s.state IN {WAITING} OR (s.state = 'drafting' AND "
            "(l.study_id IS NULL OR l.expires_at < ?))",
            (now,),
        ).fetchone()
        return int(row[0])

    def next_expiry(self) -> float | None:
        """When the soonest lease on a study being drafted runs out (None: nothing in hand).

        A run resumed right after a crash finds the dead run's studies still leased; it waits
        for those leases rather than ending with studies left behind."""
        row = self.store.db.execute(
            "SELECT MIN(l.expires_at) FROM leases l JOIN studies s ON s.id = l.study_id "
            "WHERE s.state = 'drafting'"
        ).fetchone()
        return row[0]

    def claim(self, limit: int = 1) -> list[Claim]:
        now = time.time()
        claims = []
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT s.id, s.state, l.owner FROM studies s LEFT JOIN leases l "
                f"ON l.study_id = s.id WHERE s.state IN {WAITING} OR (s.state = 'drafting' AND "
                "(l.study_id IS NULL OR l.expires_at < ?)) ORDER BY s.created_at, s.id LIMIT ?",
                (now, limit),
            ).fetchall()
            for row in rows:
                db.execute(
                    "INSERT OR REPLACE INTO leases VALUES (?, ?, ?, ?)",
                    (row["id"], self.owner, now, now + self.lease_seconds),
                )
                note = (
                    self.store.change_request_note(row["id"])
                    if row["state"] == "changes_requested"
                    else None
                )
                reclaimed = row["state"] == "drafting"
                detail = self.owner + (" (lease had expired)" if reclaimed else "")
                if note:
                    detail += f"; reviewer note: {note}"
                self.store.set_state(row["id"], "drafting", kind="claimed", detail=detail)
                claims.append(Claim(self.store.study(row["id"]), reclaimed, note))
        return claims

    def renew(self, study_ids: list[str]) -> None:
        if not study_ids:
            return
        until = time.time() + self.lease_seconds
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE leases SET expires_at = ? WHERE study_id = ? AND owner = ?",
                [(until, sid, self.owner) for sid in study_ids],
            )

    def _holds(self, study_id: str) -> bool:
        row = self.store.db.execute(
            "SELECT owner FROM leases WHERE study_id = ?", (study_id,)
        ).fetchone()
        return row is not None and row["owner"] == self.owner

    def complete(self, record: DraftRecord) -> int | None:
        """Store the revision if our lease still holds; None means another worker has it."""
        with self.store.transaction() as db:
            if not self._holds(record.study.id) or self.store.state(record.study.id) != "drafting":
                return None
            number = self.store.add_revision(record)
            db.execute("DELETE FROM leases WHERE study_id = ?", (record.study.id,))
            self.store.set_state(
                record.study.id,
                "needs_review",
                kind="drafted",
                detail=f"revision {number}: {record.status}",
            )
        return number

    def fail(self, study_id: str, message: str, *, calls: list | None = None) -> bool:
        with self.store.transaction() as db:
            if not self._holds(study_id):
                return False
            if calls:
                self.store.add_failed_calls(study_id, calls)
            db.execute("DELETE FROM leases WHERE study_id = ?", (study_id,))
            self.store.set_state(study_id, "failed", kind="draft_failed", error=message)
        return True

    def release(self, study_ids: list[str], why: str) -> None:
        """Give studies back (Ctrl-C): they are queued again at once, not after the lease."""
        with self.store.transaction() as db:
            for sid in study_ids:
                if self._holds(sid):
                    db.execute("DELETE FROM leases WHERE study_id = ?", (sid,))
                    self.store.set_state(sid, "queued", kind="released", detail=why)
