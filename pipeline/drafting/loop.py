"""Draft a study and revise it until the checks pass or the rounds run out.

Every round is recorded as an `Attempt` (what was asked, what came back, how it checked). The
stored draft is the attempt with the fewest error-level failures, the latest on a tie; if any
remain it is marked `needs_attention` with its failures listed, never silently passed. A request
is never sent twice byte for byte: when a revise round would repeat one, the rounds stop there.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Generator

from pipeline.backends import AsyncBackend, Backend, DraftReply, DraftRequest
from pipeline.checks import error_failures, run_checks
from pipeline.drafting.prompting import Prompts, template_hashes
from pipeline.errors import BackendError, DraftFailed
from pipeline.records import (
    Attempt,
    DraftRecord,
    HouseSummary,
    LLMCall,
    Study,
    StudyProfile,
    Usage,
)
from pipeline.settings import Settings

Outcome = DraftReply | BackendError
Rounds = Generator[DraftRequest, Outcome, DraftRecord]


def draft_rounds(
    study: Study,
    profile: StudyProfile,
    backend: Backend,
    settings: Settings,
    *,
    reviewer_note: str | None = None,
    prompts: Prompts | None = None,
) -> Rounds:
    """The loop itself, I/O-free: yields each request, is sent its reply (or the error), and
    returns the record. `draft_study` drives it synchronously, `adraft_study` with await."""
    prompts = prompts or Prompts.load(settings)
    hashes = template_hashes(settings)
    attempts: list[Attempt] = []
    failed_calls: list[LLMCall] = []
    sent: dict[str, int] = {}  # fingerprint of every request -> its round number
    # The offline drafter reads the study, the round and the flagged spans, never a prompt:
    # rendering the templates for it cost more than drafting.
    prompted = not backend.offline
    request = DraftRequest(
        study,
        profile,
        prompts.draft(study, profile, reviewer_note) if prompted else [],
        reviewer_note=reviewer_note,
    )
    for number in range(settings.revise_rounds + 1):
        call = LLMCall(
            backend=backend.name,
            model=backend.model,
            purpose=request.purpose,
            template_hashes=hashes,
        )
        fingerprint = _fingerprint(request.messages if prompted else _offline_input(request))
        if fingerprint in sent:
            # The same bytes would get the same answer: stop here and keep the best draft.
            call.ok, call.usage = False, Usage(attempts=0)
            call.error = (
                f"not_sent: attempt {number + 1} would repeat the request of attempt "
                f"{sent[fingerprint] + 1} byte for byte (the model kept returning the same "
                "draft), so the rounds stopped with the best draft so far"
            )
            failed_calls.append(call)
            break
        sent[fingerprint] = number
        started = time.perf_counter()
        outcome = yield request
        if isinstance(outcome, BackendError):
            call.ok, call.error = False, f"{outcome.reason}: {outcome}"
            # A reply that came back unusable still cost tokens: keep what the server reported.
            spent = getattr(outcome, "usage", None)
            call.usage = spent if isinstance(spent, Usage) else Usage()
            call.model = getattr(outcome, "model", None) or call.model
            call.usage.latency_ms = call.usage.latency_ms or (time.perf_counter() - started) * 1000
            failed_calls.append(call)
            if not attempts:
                raise DraftFailed(outcome, failed_calls) from outcome
            break  # keep the best earlier attempt; this failure is in its record
        call.model, call.usage = outcome.model, outcome.usage
        summary = HouseSummary(**outcome.content.model_dump(), credibility=profile.credibility)
        earlier = next((a for a in attempts if a.summary == summary), None)
        repeated = earlier.number if earlier else None
        # Checks are pure: the same draft back again has the same results.
        checks = earlier.checks if earlier else run_checks(study, profile, summary, settings)
        attempts.append(
            Attempt(
                number=number + 1,
                purpose=request.purpose,
                summary=summary,
                checks=checks,
                call=call,
            )
        )
        failures = error_failures(checks)
        if not failures:
            break
        request = DraftRequest(
            study,
            profile,
            prompts.revise(study, profile, summary, failures, reviewer_note, repeated=repeated)
            if prompted
            else [],
            purpose="revise",
            round=number + 1,
            previous=summary,
            failures=failures,
            reviewer_note=reviewer_note,
        )
    # Fewest errors, then fewest warnings (a tighter round can drop the main result, which is
    # a warning), then the one that carries more of the main result (a tighter round keeps
    # its words but drops its numbers), then the latest.
    best = min(
        reversed(attempts),
        key=lambda a: (len(a.errors), sum(not c.passed for c in a.checks), -_main_result(a)),
    )
    return DraftRecord(
        study=study,
        profile=profile,
        summary=best.summary,
        checks=best.checks,
        status="needs_attention" if best.errors else "needs_review",
        backend=backend.name,
        model=best.call.model,
        offline=backend.offline,
        attempts=attempts,
        failed_calls=failed_calls,
    )


def _fingerprint(messages: list[dict[str, str]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()


def _offline_input(request: DraftRequest) -> list[dict[str, str]]:
    """What the offline drafter reads of a request, in the shape `_fingerprint` takes."""
    flagged = sorted({span.text for check in request.failures for span in check.spans})
    return [{"round": str(request.round), "flagged": json.dumps(flagged)}]


def draft_study(
    study: Study,
    profile: StudyProfile,
    backend: Backend,
    settings: Settings,
    *,
    reviewer_note: str | None = None,
    prompts: Prompts | None = None,
) -> DraftRecord:
    rounds = draft_rounds(
        study, profile, backend, settings, reviewer_note=reviewer_note, prompts=prompts
    )
    request = next(rounds)
    while True:
        outcome: Outcome
        try:
            outcome = backend.complete(request)
        except BackendError as error:
            outcome = error
        try:
            request = rounds.send(outcome)
        except StopIteration as done:
            return done.value


async def adraft_study(
    study: Study,
    profile: StudyProfile,
    backend: AsyncBackend,
    settings: Settings,
    *,
    reviewer_note: str | None = None,
    prompts: Prompts | None = None,
) -> DraftRecord:
    """The same rounds, awaiting an async backend: many studies share one event loop."""
    rounds = draft_rounds(
        study, profile, backend, settings, reviewer_note=reviewer_note, prompts=prompts
    )
    request = next(rounds)
    while True:
        outcome: Outcome
        try:
            outcome = await backend.acomplete(request)
        except BackendError as error:
            outcome = error
        try:
            request = rounds.send(outcome)
        except StopIteration as done:
            return done.value


def _main_result(attempt: Attempt) -> float:
    """How much of the main result What They Found carries (content.main_result's value)."""
    return next((c.value or 0.0 for c in attempt.checks if c.id == "content.main_result"), 0.0)
