"""The shared rate limiter, on a fake clock: pacing, token budget, pauses, learning headers."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.backends import RateLimiter
from pipeline.backends.ratelimit import parse_reset


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(rpm: float | None, tpm: float | None = None) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rpm, tpm, headroom=1.0, clock=clock, sleep=clock.sleep), clock


def test_requests_are_paced_evenly() -> None:
    rate, clock = limiter(600)

    async def run() -> list[float]:
        times = []
        for _ in range(5):
            await rate.acquire()
            times.append(clock.now - 1000.0)
        return times

    assert asyncio.run(run()) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_concurrent_workers_share_one_pace() -> None:
    rate, clock = limiter(120)
    starts: list[float] = []

    async def worker() -> None:
        await rate.acquire()
        starts.append(clock.now)

    async def run() -> None:
        await asyncio.gather(*(worker() for _ in range(4)))

    asyncio.run(run())
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert gaps == pytest.approx([0.5, 0.5, 0.5])


def test_token_budget_waits_for_refill() -> None:
    rate, clock = limiter(None, tpm=6000)  # 100 tokens a second

    async def run() -> None:
        await rate.acquire(6000)  # the whole minute's budget at once
        await rate.acquire(500)  # must wait 5 s for 500 more

    asyncio.run(run())
    assert clock.now - 1000.0 == pytest.approx(5.0)


def test_pause_holds_everyone() -> None:
    rate, clock = limiter(6000)
    rate.pause(2.5)
    asyncio.run(rate.acquire())
    assert clock.now - 1000.0 == pytest.approx(2.5)


def test_headers_lower_the_budget_and_pause_when_exhausted() -> None:
    rate, clock = limiter(1000)
    rate.observe(
        {
            "X-RateLimit-Limit-Requests": "60",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "1.5s",
            "x-ratelimit-limit-tokens": "90000",
        }
    )
    assert rate.rpm == 60 and rate.tpm == 90000
    asyncio.run(rate.acquire())
    assert clock.now - 1000.0 == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("2.5", 2.5), ("1h2m", 3720.0), ("", None)],
)
def test_parse_reset(text: str, seconds: float | None) -> None:
    assert parse_reset(text) == (pytest.approx(seconds) if seconds is not None else None)
