"""Batch runs over the queue: asyncio workers, a shared rate limit, leases, a run report.

`run_batch` drafts every study the queue holds with `concurrency` requests in flight, paced by
one RateLimiter, each study under an outer deadline. A failure is recorded for its study and the
run goes on. Ctrl-C gives the studies in hand back to the queue; a killed run's leases expire
and the next run takes them, so nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.backends import (
    PROFILE_REPLY_TOKENS,
    AsyncBackend,
    RateLimiter,
    cross_check_profile,
)
from pipeline.batch.queue import Claim, WorkQueue
from pipeline.batch.shared_limit import SharedBudget, provider_key
from pipeline.drafting import Prompts, adraft_study
from pipeline.errors import DraftFailed, PlsError, StoreConnectionError, StoreError
from pipeline.house import load_house
from pipeline.profile import corrected, profile_study
from pipeline.settings import Settings
from pipeline.store import Store, draft_path, write_draft_files


@dataclass
class BatchProgress:
    done: int = 0
    failed: int = 0
    in_flight: int = 0
    needs_attention: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = 0.0  # None once a call's model has no known price


@dataclass
class BatchReport:
    run_id: str
    backend: str
    model: str
    started_at: float
    finished_at: float = 0.0
    interrupted: bool = False
    progress: BatchProgress = field(default_factory=BatchProgress)
    failures: dict[str, str] = field(default_factory=dict)
    failure_reasons: Counter[str] = field(default_factory=Counter)
    checks_failing: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    reclaimed: int = 0
    # study id -> (result, error-level checks still failing): what the summary table shows
    results: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    # how long each claim of a study took (the queue's round trip and locks), in seconds
    claim_seconds: list[float] = field(default_factory=list)

    @property
    def wall_seconds(self) -> float:
        return (self.finished_at or time.time()) - self.started_at

    @property
    def per_minute(self) -> float:
        finished = self.progress.done + self.progress.failed
        return 60 * finished / self.wall_seconds if self.wall_seconds else 0.0


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def run_batch(
    settings: Settings,
    backend: AsyncBackend,
    *,
    on_progress: Callable[[BatchReport], None] | None = None,
    stop: asyncio.Event | None = None,
) -> BatchReport:
    store = Store(settings.database)
    queue = WorkQueue(store, owner_name(), settings.lease_seconds)
    house, prompts = load_house(settings), Prompts.load(settings)
    limiter = RateLimiter(settings.requests_per_minute, settings.tokens_per_minute)
    if store.dialect.name == "postgresql":  # workers on other machines may share the key
        limiter.shared = SharedBudget(store, provider_key(settings))
    if hasattr(backend, "limiter"):
        backend.limiter = limiter
    repair_views(store, settings, house)
    report = BatchReport(queue.owner, backend.name, backend.model, time.time())
    held: set[str] = set()
    stop = stop or asyncio.Event()

    def price(record_calls: list) -> None:
        for call in record_calls:
            usage = call.usage
            report.requests += usage.attempts if call.backend != "offline" else 0
            report.progress.prompt_tokens += usage.prompt_tokens
            report.progress.completion_tokens += usage.completion_tokens
            report.progress.cached_tokens += usage.cached_tokens
            cost = settings.cost_usd(
                call.model, usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens
            )
            p = report.progress
            p.cost_usd = None if cost is None or p.cost_usd is None else p.cost_usd + cost

    async def draft(claim: Claim) -> None:
        study = claim.study
        report.reclaimed += claim.reclaimed
        try:
            profile = profile_study(study, settings, house)
            if settings.profile_llm:  # in a thread: the check's call must not block the loop
                # from the run's budget, as every draft request is (the thread cannot wait)
                await limiter.acquire(len(study.abstract) // 4 + PROFILE_REPLY_TOKENS)
                calls: list = []
                check = (study, profile, backend, settings, calls)
                profile = await asyncio.to_thread(cross_check_profile, *check)
                price(calls)
                store.add_calls(study.id, calls)
            fix = store.profile_correction(study.id, study.content_hash)
            profile = corrected(study, profile, fix, settings)  # a reviewer's, if any
            store.save_profile(study.id, profile)
            async with asyncio.timeout(settings.study_deadline):
                record = await adraft_study(
                    study,
                    profile,
                    backend,
                    settings,
                    reviewer_note=claim.reviewer_note,
                    prompts=prompts,
                )
        except DraftFailed as error:
            price(error.calls)
            _failed(report, study.id, error.reason, str(error))
            queue.fail(
                study.id,
                f"{study.source}: drafting failed ({error.reason}): {error}",
                calls=error.calls,
            )
            return
        except TimeoutError:
            message = f"no draft within the {settings.study_deadline:g}s deadline"
            _failed(report, study.id, "deadline", message)
            queue.fail(study.id, f"{study.source}: {message}")
            return
        except StoreConnectionError:
            # The database went away: the study is not at fault. Give it back if the database
            # is there again, else its lease expires and a worker takes it then.
            with contextlib.suppress(StoreError):
                queue.release([study.id], "lost the database connection; queued again")
            return
        except PlsError as error:
            _failed(report, study.id, type(error).__name__, str(error))
            queue.fail(study.id, f"{study.source}: {error}")
            return
        except Exception as error:
            # A bug one study's text trips (in profiling, say) fails that study, not the run:
            # left uncaught it would end the run and hold the study's lease until it expired.
            message = f"unexpected {type(error).__name__}: {error}"
            _failed(report, study.id, "internal_error", message)
            queue.fail(study.id, f"{study.source}: {message}")
            return
        price([a.call for a in record.attempts] + list(record.failed_calls))
        number = queue.complete(record)
        if number is None:  # our lease lapsed and another worker took the study
            return
        write_draft_files(
            record.model_copy(update={"revision": number}), house, settings.drafts_dir
        )
        report.progress.done += 1
        failing = [c.id for c in record.failing if c.severity == "error"]
        if record.status == "needs_attention":
            report.progress.needs_attention += 1
        report.checks_failing.update(failing)
        report.results[study.id] = (
            "needs_attention" if record.status == "needs_attention" else "drafted",
            failing,
        )

    async def worker() -> None:
        while not stop.is_set():
            asked = time.perf_counter()
            claims = queue.claim(1)
            if claims:
                report.claim_seconds.append(time.perf_counter() - asked)
            if not claims:
                expiry = queue.next_expiry()
                if expiry is None:
                    return
                # Studies in another worker's hands: wait for them to finish, or for a dead
                # run's lease to expire so this run can take them over.
                await asyncio.sleep(min(max(expiry - time.time(), 0.05), 1.0))
                continue
            claim = claims[0]
            held.add(claim.study.id)
            report.progress.in_flight += 1
            try:
                await draft(claim)
            finally:
                held.discard(claim.study.id)
                report.progress.in_flight -= 1
                if on_progress:
                    on_progress(report)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(settings.lease_seconds / 3)
            queue.renew(sorted(held))

    beat = asyncio.create_task(heartbeat())
    workers = [asyncio.create_task(worker()) for _ in range(max(1, settings.concurrency))]
    in_hand: list[str] = []

    def interrupt() -> None:
        """Ctrl-C: stop claiming, abandon the requests in flight, give their studies back."""
        report.interrupted = True
        in_hand[:] = sorted(held)  # before the workers unwind and forget what they held
        stop.set()
        for task in workers:
            task.cancel()

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, interrupt)
    try:
        results = await asyncio.gather(*workers, return_exceptions=True)
        for outcome in results:
            if isinstance(outcome, Exception):
                raise outcome
    except asyncio.CancelledError:
        interrupt()  # cancelled from outside (asyncio.run on Ctrl-C, a caller's timeout)
        await asyncio.gather(*workers, return_exceptions=True)
        queue.release(in_hand, "batch interrupted (Ctrl-C); queued again")
        raise
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGINT)
        if report.interrupted and in_hand:
            queue.release(in_hand, "batch interrupted (Ctrl-C); queued again")
            in_hand.clear()
        beat.cancel()
        report.interrupted = report.interrupted or stop.is_set()
        report.finished_at = time.time()
        store.close()
    return report


def repair_views(store: Store, settings: Settings, house) -> int:
    """Re-render drafts a killed run stored but had not yet written out: the store is the
    truth and the files are views of it."""
    repaired = 0
    for row in store.studies(state="needs_review"):
        # The one id-to-file mapping: a long or odd id's file name is bounded (defect 1).
        md = draft_path(settings.drafts_dir, row["id"])
        if not md.exists() or not md.with_suffix(".json").exists():
            record = store.latest(row["id"])
            if record:
                write_draft_files(record, house, settings.drafts_dir)
                repaired += 1
    return repaired


def _failed(report: BatchReport, study_id: str, reason: str, message: str) -> None:
    report.progress.failed += 1
    report.results[study_id] = ("failed", [])
    report.failures[study_id] = message
    report.failure_reasons[reason] += 1
