"""One provider budget for every worker that uses the same key: the pace lives in the store.

`RateLimiter` paces one process. Three `pls batch` processes on three machines with one API key
would each send the provider's whole RPM, 3x together, and spend the run in 429s. On PostgreSQL
the limiter takes each request's slot from one row of `rate_slots` instead (locked for the few
milliseconds it takes to move it on), so the workers together keep to the provider's pace; a
429's Retry-After, or a server saying none is left, pauses them all the same way.

The row is keyed by a hash of the provider's URL and key, never the key itself: workers with
different keys (different budgets) do not slow each other. Times are the database server's
clock, so machines whose clocks disagree still share one schedule.
"""

from __future__ import annotations

import hashlib

from pipeline.settings import Settings
from pipeline.store import Store


def provider_key(settings: Settings) -> str:
    """Which budget a worker draws from: its provider URL and API key, hashed."""
    raw = f"{settings.openai_base_url or 'https://api.openai.com/v1'}\0{settings.openai_api_key}"
    return "provider:" + hashlib.sha256(raw.encode()).hexdigest()[:24]


class SharedBudget:
    """The request schedule of one provider key, shared through the store (PostgreSQL).

    Each call is one statement: the row's lock is held only while PostgreSQL moves the
    schedule on, not across a round trip, so workers do not queue behind each other's network.
    """

    def __init__(self, store: Store, key: str) -> None:
        self.store = store
        self.key = key
        self._ready = False

    def _row(self) -> None:
        if not self._ready:
            self.store.db.execute(
                "INSERT INTO rate_slots VALUES (?, 0, 0) ON CONFLICT (key) DO NOTHING", (self.key,)
            )
            self._ready = True

    def reserve(self, interval: float) -> float:
        """Take the next request slot, `interval` seconds after the last one handed out (to any
        worker); returns how many seconds to wait before sending."""
        self._row()
        # send_at = the later of now, the next free slot and any pause. Slots nobody used (the
        # workers were idle) are not saved up: at most one may be used late, as RateLimiter
        # does, so the pace never bursts past the limit.
        row = self.store.db.execute(
            "WITH now AS (SELECT extract(epoch from clock_timestamp())::float8 AS t), "
            "old AS (SELECT next_at, paused_until FROM rate_slots WHERE key = ? FOR UPDATE), "
            "slot AS (SELECT now.t, old.next_at, "
            "GREATEST(now.t, old.next_at, old.paused_until) AS send_at FROM now, old) "
            "UPDATE rate_slots SET next_at = GREATEST(slot.send_at - ?, slot.next_at) + ? "
            "FROM slot WHERE key = ? RETURNING slot.send_at - slot.t",
            (self.key, interval, interval, self.key),
        ).fetchone()
        return max(0.0, float(row[0]))

    def pause(self, seconds: float) -> None:
        """Everyone with this key waits `seconds` from now (the server said so)."""
        self._row()
        # The first slot after the pause is the pause's end, and only one request takes it: the
        # provider's window is empty after a 429, and two at once would earn another.
        self.store.db.execute(
            "UPDATE rate_slots SET paused_until = GREATEST(paused_until, "
            "extract(epoch from clock_timestamp())::float8 + ?), "
            "next_at = GREATEST(next_at, extract(epoch from clock_timestamp())::float8 + ?) "
            "WHERE key = ?",
            (seconds, seconds, self.key),
        )
