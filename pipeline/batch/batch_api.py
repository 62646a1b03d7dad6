"""The scale path: the whole queue through the provider's Batch API (`pls batch --via batch-api`).

Every waiting study is claimed (with a lease as long as the batch window), its first request
written as one JSONL line (`custom_id` = study id and round), uploaded, and submitted as one
batch; the run polls until the batch ends, then joins the results on `custom_id` and feeds each
reply to that study's drafting rounds (the same generator the live path uses). Studies whose
checks fail go back in the next batch as revise requests; lines that failed transiently or
expired are resubmitted, and only those; everything else ends as a revision or a failure.

When to use it: large queues that need not finish today. Providers price batch requests at
about half and return them within 24 hours; the live path (`pls batch`) is for results now.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openai
from openai.types.chat import ChatCompletion

from pipeline.backends import DraftRequest, OpenAIBackend, cross_check_profile
from pipeline.batch.queue import WorkQueue
from pipeline.batch.runner import BatchReport, owner_name, repair_views
from pipeline.drafting import Prompts, Rounds, draft_rounds
from pipeline.errors import BackendError, DraftFailed, PlsError, TransientBackendError
from pipeline.house import House, load_house
from pipeline.profile import corrected, profile_study
from pipeline.records import LLMCall, Study
from pipeline.settings import Settings
from pipeline.store import Store, write_draft_files

FINISHED = ("completed", "failed", "expired", "cancelled")
RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}
WINDOW_SECONDS = 26 * 3600  # a lease that outlives the provider's 24 h window


@dataclass
class Pending:
    rounds: Rounds
    request: DraftRequest
    round: int = 0
    resubmits: int = 0
    calls: list = field(default_factory=list)


def run_batch_api(
    settings: Settings,
    backend: OpenAIBackend,
    *,
    poll_seconds: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    on_event: Callable[[str], None] = lambda message: None,
) -> BatchReport:
    store = Store(settings.database)
    queue = WorkQueue(store, owner_name(), WINDOW_SECONDS)
    house, prompts = load_house(settings), Prompts.load(settings)
    repair_views(store, settings, house)
    report = BatchReport(queue.owner, "openai-batch", backend.model, time.time())
    pending = _adopt_orphans(
        store, queue, settings, backend, house, prompts, poll_seconds, sleep, on_event, report
    )
    for claim in queue.claim(limit=1_000_000):
        pending[claim.study.id] = _start(
            claim.study, claim.reviewer_note, settings, backend, store, house, prompts
        )
    batch_number = 0
    try:
        while pending:
            batch_number += 1
            job = _submit(backend, store, queue, pending, batch_number, on_event)
            results = _wait(backend, store, job, poll_seconds, sleep, on_event)
            pending = _advance(
                pending, results, batch_number, settings, backend, queue, house, report
            )
    finally:
        report.finished_at = time.time()
        store.close()
    return report


def _start(
    study: Study,
    note: str | None,
    settings: Settings,
    backend: OpenAIBackend,
    store: Store,
    house: House,
    prompts: Prompts,
) -> Pending:
    profile = profile_study(study, settings, house)
    calls: list[LLMCall] = []  # the --profile-llm request, with its tokens
    profile = cross_check_profile(study, profile, backend, settings, calls)
    store.add_calls(study.id, calls)
    fix = store.profile_correction(study.id, study.content_hash)
    profile = corrected(study, profile, fix, settings)  # a reviewer's, if any
    store.save_profile(study.id, profile)
    rounds = draft_rounds(study, profile, backend, settings, reviewer_note=note, prompts=prompts)
    return Pending(rounds, next(rounds))


def _adopt_orphans(
    store: Store,
    queue: WorkQueue,
    settings: Settings,
    backend: OpenAIBackend,
    house: House,
    prompts: Prompts,
    poll_seconds: float,
    sleep: Callable[[float], None],
    on_event: Callable[[str], None],
    report: BatchReport,
) -> dict[str, Pending]:
    """Collect jobs an interrupted run submitted but never collected: take over their leases,
    wait for their results, and carry on from there; nothing is submitted twice."""
    following: dict[str, Pending] = {}
    rows = store.db.execute("SELECT id, lines FROM batch_jobs WHERE status = 'submitted'")
    for job_id, lines in rows.fetchall():
        on_event(f"collecting {job_id}, submitted by an earlier run")
        custom_ids: dict[str, str] = json.loads(lines)
        entries: dict[str, Pending] = {}
        with store.transaction() as db:
            for study_id in custom_ids.values():
                db.execute(
                    "UPDATE leases SET owner = ?, expires_at = ? WHERE study_id = ?",
                    (queue.owner, time.time() + WINDOW_SECONDS, study_id),
                )
        for custom_id, study_id in custom_ids.items():
            if store.state(study_id) != "drafting":
                continue
            entry = _start(
                store.study(study_id),
                store.change_request_note(study_id),
                settings,
                backend,
                store,
                house,
                prompts,
            )
            entry.round = int(custom_id.rsplit("#r", 1)[1])  # the line's own custom_id
            entries[study_id] = entry
        results = _wait(backend, store, job_id, poll_seconds, sleep, on_event)
        following |= _advance(entries, results, 0, settings, backend, queue, house, report)
    return following


def _submit(
    backend: OpenAIBackend,
    store: Store,
    queue: WorkQueue,
    pending: dict[str, Pending],
    number: int,
    on_event: Callable[[str], None],
) -> str:
    lines = [
        json.dumps(
            {
                "custom_id": _custom_id(sid, entry),
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": backend.request_body(entry.request.messages),
            }
        )
        for sid, entry in pending.items()
    ]
    client = backend.client
    upload = client.files.create(
        file=(f"pls-batch-{number}.jsonl", ("\n".join(lines) + "\n").encode()), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    custom_ids = {_custom_id(sid, entry): sid for sid, entry in pending.items()}
    with store.transaction() as db:
        db.execute(
            "INSERT INTO batch_jobs VALUES (?, ?, ?, 'submitted', ?)",
            (batch.id, queue.owner, json.dumps(custom_ids), time.time()),
        )
    on_event(f"batch {number}: {batch.id} submitted with {len(lines)} requests")
    return batch.id


def _wait(
    backend: OpenAIBackend,
    store: Store,
    job_id: str,
    poll_seconds: float,
    sleep: Callable[[float], None],
    on_event: Callable[[str], None],
) -> dict[str, dict]:
    client = backend.client
    batch = client.batches.retrieve(job_id)
    while batch.status not in FINISHED:
        sleep(poll_seconds)
        batch = client.batches.retrieve(job_id)
    on_event(f"{job_id} {batch.status}")
    results: dict[str, dict] = {}
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            for raw in client.files.content(file_id).text.splitlines():
                if raw.strip():
                    line = json.loads(raw)
                    results[line["custom_id"]] = line
    with store.transaction() as db:
        db.execute("UPDATE batch_jobs SET status = ? WHERE id = ?", (batch.status, job_id))
    return results


def _custom_id(study_id: str, entry: Pending) -> str:
    return f"{study_id}#r{entry.round}"


def _outcome(line: dict | None, backend: OpenAIBackend) -> tuple[object, bool]:
    """(reply or error, whether resubmitting could help) for one result line."""
    if line is None or line.get("error"):
        code = (line or {}).get("error", {}).get("code", "missing")
        return TransientBackendError(f"batch line {code}"), True
    response = line["response"]
    status, body = response["status_code"], response["body"]
    if status != 200:
        message = (body.get("error") or {}).get("message", "") if isinstance(body, dict) else ""
        error = TransientBackendError if status in RETRY_STATUSES else BackendError
        return error(f"batch line answered {status}: {message}"), status in RETRY_STATUSES
    try:
        completion = ChatCompletion.model_validate(body)
        return backend.reply_from(completion, 0.0, 1), False
    except BackendError as error:
        return error, False
    except (openai.OpenAIError, ValueError) as error:
        return BackendError(f"unexpected batch reply: {error}"), False


def _advance(
    pending: dict[str, Pending],
    results: dict[str, dict],
    number: int,
    settings: Settings,
    backend: OpenAIBackend,
    queue: WorkQueue,
    house: House,
    report: BatchReport,
) -> dict[str, Pending]:
    """Feed each study its result; what still needs a request goes in the next batch."""
    following: dict[str, Pending] = {}
    for sid, entry in pending.items():
        outcome, retry = _outcome(results.get(_custom_id(sid, entry)), backend)
        if retry and entry.resubmits < settings.max_attempts - 1:
            entry.resubmits += 1
            following[sid] = entry  # only failed or expired lines go again
            continue
        try:
            entry.request = entry.rounds.send(outcome)
            entry.round += 1
            entry.resubmits = 0
            following[sid] = entry  # a revise round: next batch
        except StopIteration as done:
            record = done.value
            revision = queue.complete(record)
            if revision is not None:
                write_draft_files(
                    record.model_copy(update={"revision": revision}), house, settings.drafts_dir
                )
                report.progress.done += 1
                failing = [c.id for c in record.failing if c.severity == "error"]
                report.results[sid] = (
                    "needs_attention" if record.status == "needs_attention" else "drafted",
                    failing,
                )
        except (DraftFailed, PlsError) as error:
            reason = getattr(error, "reason", type(error).__name__)
            report.progress.failed += 1
            report.failures[sid] = str(error)
            report.failure_reasons[reason] += 1
            report.results[sid] = ("failed", [])
            queue.fail(
                sid,
                f"drafting failed in batch {number} ({reason}): {error}",
                calls=getattr(error, "calls", None),
            )
    return following
