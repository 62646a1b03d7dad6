"""Batch: studies in (files, or the store's queue); drafted, stored revisions and a run report out.

`stages.py` takes one study through every stage (profile, draft with revise rounds, store,
files); the CLI's `draft`, the review app and redrafts use it. `runner.py` drafts the whole
queue with asyncio workers, a shared rate limit and leases; `batch_api.py` sends it through the
provider's Batch API instead.

    stages.py       one study through the stages; files to Studies; the sync `pls draft` path
    queue.py        the work queue in the store, claimed with leases
    runner.py       `pls batch`: asyncio workers over the queue
    batch_api.py    `pls batch --via batch-api`
    run_report.py   `outputs/runs/<run>.md` and `.json`
"""

from __future__ import annotations

from pipeline.batch.batch_api import run_batch_api
from pipeline.batch.queue import WorkQueue
from pipeline.batch.run_report import write_run_report
from pipeline.batch.runner import BatchReport, run_batch
from pipeline.batch.stages import (
    DONE_STATES,
    Context,
    Outcome,
    process_study,
    run_items,
    run_paths,
    studies_from,
)

__all__ = [
    "DONE_STATES",
    "BatchReport",
    "Context",
    "Outcome",
    "WorkQueue",
    "process_study",
    "run_batch",
    "run_batch_api",
    "run_items",
    "run_paths",
    "studies_from",
    "write_run_report",
]
