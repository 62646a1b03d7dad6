"""The work queue in the store: studies not yet drafted, claimed with leases.

On SQLite a worker claims studies inside `BEGIN IMMEDIATE`, so two `pls batch` processes on one
store never take the same study. On PostgreSQL, workers on several machines claim with
`SELECT … FOR UPDATE SKIP LOCKED`: each passes over the studies another is claiming, and reads
the lease again once it holds the row, so a study claimed a moment ago is not taken twice.
A claim is a lease: a run killed at any moment (even `kill -9`) leaves leases that expire, and
the next run takes those studies again. Completing checks the lease is still ours in the same
transaction that stores the revision (holding the study's row), so a study whose lease passed
to another worker is never stored twice.

A connection lost mid-transaction (the database restarted, a network blip) is retried with
backoff: the transaction rolled back, so doing it again is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pipeline.errors import StoreConnectionError
from pipeline.records import DraftRecord, Study
from pipeline.store import Store

WAITING = ("queued", "changes_requested")
# waits between attempts at a transaction whose connection was lost (then the error stands)
RETRY_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
_CLAIMABLE = (
    f"s.state IN {WAITING} OR (s.state = 'drafting' AND (l.study_id IS NULL OR l.expires_at < ?))"
)
T = TypeVar("T")


def retrying(store: Store, action: Callable[[], T], waits: tuple[float, ...] = RETRY_WAITS) -> T:
    """`action()`, done again on a new connection if the one it ran on was lost."""
    for wait in waits:
        try:
            return action()
        except StoreConnectionError:
            time.sleep(wait)
            try:
                store.db.reconnect()
            except StoreConnectionError:
                continue
    return action()


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
            f"SELECT COUNT(*) FROM studies s LEFT JOIN leases l ON l.study_id = s.id "
            f"WHERE {_CLAIMABLE}",
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
        return retrying(self.store, lambda: self._claim(limit))

    def _claim(self, limit: int) -> list[Claim]:
        now = time.time()
        claims = []
        skip_locked = self.store.dialect.skip_locked.replace("UPDATE", "UPDATE OF s")
        with self.store.transaction() as db:
            rows = db.execute(
                f"SELECT s.id FROM studies s LEFT JOIN leases l ON l.study_id = s.id "
                f"WHERE {_CLAIMABLE} ORDER BY s.created_at, s.id LIMIT ?{skip_locked}",
                (now, limit),
            ).fetchall()
            for (study_id,) in rows:
                # Read again under the row lock: on PostgreSQL the first read may predate
                # another worker's claim that committed just before we took the lock.
                row = db.execute(
                    f"SELECT s.state FROM studies s LEFT JOIN leases l ON l.study_id = s.id "
                    f"WHERE s.id = ? AND ({_CLAIMABLE})",
                    (study_id, now),
                ).fetchone()
                if row is None:
                    continue
                db.execute(
                    "INSERT INTO leases VALUES (?, ?, ?, ?) ON CONFLICT (study_id) DO UPDATE SET "
                    "owner = excluded.owner, claimed_at = excluded.claimed_at, "
                    "expires_at = excluded.expires_at",
                    (study_id, self.owner, now, now + self.lease_seconds),
                )
                note = (
                    self.store.change_request_note(study_id)
                    if row["state"] == "changes_requested"
                    else None
                )
                reclaimed = row["state"] == "drafting"
                detail = self.owner + (" (lease had expired)" if reclaimed else "")
                if note:
                    detail += f"; reviewer note: {note}"
                self.store.set_state(study_id, "drafting", kind="claimed", detail=detail)
                claims.append(Claim(self.store.study(study_id), reclaimed, note))
        return claims

    def renew(self, study_ids: list[str]) -> None:
        if study_ids:
            retrying(self.store, lambda: self._renew(study_ids))

    def _renew(self, study_ids: list[str]) -> None:
        until = time.time() + self.lease_seconds
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE leases SET expires_at = ? WHERE study_id = ? AND owner = ?",
                [(until, sid, self.owner) for sid in study_ids],
            )

    def _holds(self, study_id: str) -> bool:
        """Inside a transaction: is the lease ours? Takes the study's row lock first (the order
        claims take them in), so no claim can move the lease before this transaction ends."""
        self.store.db.execute(
            "SELECT id FROM studies WHERE id = ?" + self.store.dialect.for_update, (study_id,)
        ).fetchone()
        row = self.store.db.execute(
            "SELECT owner FROM leases WHERE study_id = ?", (study_id,)
        ).fetchone()
        return row is not None and row["owner"] == self.owner

    def complete(self, record: DraftRecord) -> int | None:
        """Store the revision if our lease still holds; None means another worker has it."""
        return retrying(self.store, lambda: self._complete(record))

    def _complete(self, record: DraftRecord) -> int | None:
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
        return retrying(self.store, lambda: self._fail(study_id, message, calls))

    def _fail(self, study_id: str, message: str, calls: list | None) -> bool:
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
        retrying(self.store, lambda: self._release(study_ids, why))

    def _release(self, study_ids: list[str], why: str) -> None:
        with self.store.transaction() as db:
            for sid in study_ids:
                if self._holds(sid):
                    db.execute("DELETE FROM leases WHERE study_id = ?", (sid,))
                    self.store.set_state(sid, "queued", kind="released", detail=why)
