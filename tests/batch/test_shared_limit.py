"""The provider budget shared through PostgreSQL: workers with one key draw request slots from
one schedule, a pause reaches them all, another key is not slowed, and the key never lands in
the store."""

from __future__ import annotations

import asyncio

from pipeline.backends import RateLimiter
from pipeline.batch.shared_limit import SharedBudget, provider_key
from pipeline.settings import Settings
from pipeline.store import Store

INTERVAL = 0.2


def test_three_workers_with_one_key_share_one_schedule(postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    stores = [Store(url) for _ in range(3)]
    try:
        budgets = [SharedBudget(store, "provider:one") for store in stores]
        # Long slots, so the time the twelve reservations take on a loaded machine (which
        # shortens each wait by as much) is small beside them; nothing sleeps.
        slot = 5.0
        waits = [budgets[i % 3].reserve(slot) for i in range(12)]
        # one schedule: the twelfth slot is ~10 intervals out (the first two may go together),
        # where three separate budgets would each have handed out only four slots
        assert waits == sorted(waits)
        assert waits[-1] > 9.5 * slot
        other = SharedBudget(stores[0], "provider:two")
        assert other.reserve(INTERVAL) == 0.0  # another key is another budget
    finally:
        for store in stores:
            store.close()


def test_a_pause_reaches_every_worker_with_the_key(postgres_cluster) -> None:
    url = postgres_cluster.new_database()
    with Store(url) as first, Store(url) as second:
        SharedBudget(first, "provider:one").pause(30)
        assert SharedBudget(second, "provider:one").reserve(INTERVAL) > 29
        assert SharedBudget(second, "provider:two").reserve(INTERVAL) == 0.0


def test_the_budget_is_keyed_by_a_hash_never_the_key() -> None:
    one = Settings(openai_api_key="sk-secret-one", openai_base_url="https://api.example/v1")
    two = Settings(openai_api_key="sk-secret-two", openai_base_url="https://api.example/v1")
    assert provider_key(one) != provider_key(two)
    assert provider_key(one) == provider_key(one.model_copy())
    assert "secret" not in provider_key(one) and "example" not in provider_key(one)


class FakeShared:
    def __init__(self, waits: list[float]) -> None:
        self.waits = waits
        self.intervals: list[float] = []
        self.paused: list[float] = []

    def reserve(self, interval: float) -> float:
        self.intervals.append(interval)
        return self.waits.pop(0)

    def pause(self, seconds: float) -> None:
        self.paused.append(seconds)


def test_the_limiter_takes_its_slots_from_the_shared_schedule() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(60, clock=lambda: 100.0, sleep=sleep)  # the clock never moves
    limiter.shared = shared = FakeShared([0.0, 0.7, 1.4])

    async def three() -> None:
        for _ in range(3):
            await limiter.acquire()

    asyncio.run(three())
    # the local pace (one a second, the clock standing still) would have slept too; only the
    # shared schedule's waits were slept
    assert slept == [0.7, 1.4]
    assert shared.intervals == [limiter.interval] * 3
    limiter.pause(5)
    assert shared.paused == [5]
