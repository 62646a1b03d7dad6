"""A requests-per-minute and tokens-per-minute budget shared by every worker of a batch.

Requests are paced evenly (one every 60/RPM seconds, no bursts), because a burst that a
provider's sliding window rejects costs a 429 and a Retry-After wait, which is far slower than
pacing. Tokens are a bucket refilled continuously at TPM/60 per second. The limiter also learns:
`x-ratelimit-*` headers lower the budget to what the server says it allows and pause everyone
when the server says none is left, and a 429's Retry-After pauses everyone, not only the worker
that got it.

Given a `shared` schedule (the batch's `SharedBudget`: the store on PostgreSQL), request slots
come from it instead, so workers in several processes or machines with one provider key keep to
one pace together, and a pause reaches them all. Tokens stay a per-process bucket.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_reset(value: str) -> float | None:
    """OpenAI-style reset durations: "1s", "6m0s", "20ms", or plain seconds."""
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        parts = _DURATION_PART.findall(value)
        return sum(float(n) * _SECONDS[unit] for n, unit in parts) if parts else None


class SharedSchedule(Protocol):
    def reserve(self, interval: float) -> float:
        """Take the next request slot; seconds to wait before sending."""
        ...

    def pause(self, seconds: float) -> None: ...


class RateLimiter:
    shared: SharedSchedule | None = None

    def __init__(
        self,
        requests_per_minute: float | None,
        tokens_per_minute: float | None = None,
        *,
        headroom: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rpm = requests_per_minute
        self.tpm = tokens_per_minute
        self.headroom = headroom
        self._clock = clock
        self._sleep = sleep
        self._next_request = clock()
        self._tokens = float(tokens_per_minute or 0)
        self._tokens_at = clock()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self.waited = 0.0

    @property
    def interval(self) -> float:
        return 60.0 / (self.rpm * self.headroom) if self.rpm else 0.0

    async def acquire(self, tokens: int = 0) -> None:
        """Wait for a request slot and `tokens` of budget. Workers are served in order."""
        async with self._lock:
            while True:
                now = self._clock()
                wait = max(
                    self._paused_until - now,
                    0.0 if self.shared else self._next_request - now,
                    self._token_wait(tokens, now),
                )
                if wait <= 0:
                    break
                self.waited += wait
                await self._sleep(wait)
            if self.shared and self.rpm:
                await self._shared_slot()
            # A slot missed because the event loop was busy may be used late, once: keeps the
            # pace at the limit without ever sending more than two requests back to back.
            self._next_request = max(now - self.interval, self._next_request) + self.interval
            if self.tpm:
                self._tokens -= min(tokens, self.tpm)

    async def _shared_slot(self) -> None:
        """Wait for a slot of the shared schedule. A process that wakes well after its slot
        (stalled: a busy machine) takes a fresh one rather than send late, where its request
        would arrive together with the slots other workers are using on time."""
        for _ in range(3):
            wait = self.shared.reserve(self.interval) if self.shared else 0.0
            due = self._clock() + wait
            if wait > 0:
                self.waited += wait
                await self._sleep(wait)
            if self._clock() - due <= self.interval / 2:
                return

    def _token_wait(self, tokens: int, now: float) -> float:
        if not self.tpm:
            return 0.0
        rate = self.tpm * self.headroom / 60.0
        self._tokens = min(float(self.tpm), self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        missing = min(tokens, self.tpm) - self._tokens
        return missing / rate if missing > 0 else 0.0

    def pause(self, seconds: float) -> None:
        """Everyone waits: the server said so (429 Retry-After, or no requests remaining)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        if self.shared:
            self.shared.pause(seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from `x-ratelimit-*` response headers, where the server sends them."""
        lowered = {k.lower(): v for k, v in headers.items()}
        limit = lowered.get("x-ratelimit-limit-requests")
        if limit and limit.replace(".", "", 1).isdigit():
            server_rpm = float(limit)
            self.rpm = min(self.rpm, server_rpm) if self.rpm else server_rpm
        token_limit = lowered.get("x-ratelimit-limit-tokens")
        if token_limit and token_limit.isdigit():
            self.tpm = min(self.tpm, float(token_limit)) if self.tpm else float(token_limit)
        for kind in ("requests", "tokens"):
            remaining = lowered.get(f"x-ratelimit-remaining-{kind}")
            reset = parse_reset(lowered.get(f"x-ratelimit-reset-{kind}", ""))
            if remaining is not None and remaining.strip() == "0" and reset:
                self.pause(reset)
