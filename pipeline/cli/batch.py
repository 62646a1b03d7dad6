"""`pls batch`: queue a folder's studies in the store, then draft the queue with a live view."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from pipeline.batch import (
    DONE_STATES,
    BatchReport,
    Outcome,
    run_batch,
    studies_from,
    write_run_report,
)
from pipeline.cli.common import FollowOpt, ProfileLlmOpt
from pipeline.errors import InputError
from pipeline.settings import Settings
from pipeline.store import Store

RESUME_HINT = (
    "Interrupted: studies in hand went back to the queue. Run the same "
    "command again to resume where it stopped."
)


@contextmanager
def resumable() -> Iterator[None]:
    """Ctrl-C at any moment of a batch, start-up included (before the run's own handler is in
    place): exit 130 with the resume hint, never a traceback or click's bare "Aborted!"."""
    from pipeline.cli.common import errors

    try:
        yield
    except KeyboardInterrupt:
        errors.print(RESUME_HINT)
        raise typer.Exit(130) from None


def enqueue(
    folder: Path, settings: Settings, *, force: bool, follow_symlinks: bool = False
) -> list[Outcome]:
    """Put the folder's studies in the queue; returns the paths and records that could not be
    read, and the studies skipped as already drafted. Other skipped paths are printed."""
    from pipeline.cli.common import input_files

    files, outcomes = input_files([folder], follow_symlinks=follow_symlinks)
    with Store(settings.database) as store:
        for item in studies_from(files, settings):
            if isinstance(item, Outcome):
                outcomes.append(item)
                continue
            try:
                change = store.upsert_study(item)
            except InputError as error:  # two records claim one id: the second is refused
                outcomes.append(Outcome(item.source, "failed", item.id, item.title, str(error)))
                continue
            state = store.state(item.id)
            latest = store.latest(item.id) if state in DONE_STATES else None
            if state in DONE_STATES and change == "same" and latest and not force:
                outcomes.append(
                    Outcome(
                        item.source,
                        "skipped",
                        item.id,
                        item.title,
                        error=f"already drafted (revision {latest.revision}, "
                        f"{state}); use --force to redraft",
                    )
                )
            elif state in (*DONE_STATES, "failed"):
                why = (
                    "--force"
                    if force
                    else ("abstract changed" if change == "changed" else "retry after failure")
                )
                store.set_state(item.id, "queued", kind="requeued", detail=why)
    return outcomes


@resumable()
def batch_command(
    folder: Annotated[Path, typer.Argument(help="Folder of abstract files.")] = Path("inputs"),
    backend: Annotated[str | None, typer.Option("--backend", help="offline | openai")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name.")] = None,
    outputs: Annotated[Path | None, typer.Option("--outputs", help="Store folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redraft drafted studies.")] = False,
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight.")] = None,
    rpm: Annotated[float | None, typer.Option("--rpm", help="Requests per minute.")] = None,
    tpm: Annotated[float | None, typer.Option("--tpm", help="Tokens per minute.")] = None,
    via: Annotated[
        str, typer.Option("--via", help="live (default) or batch-api: the provider's Batch API.")
    ] = "live",
    poll: Annotated[float, typer.Option("--poll", help="Batch API: seconds between polls.")] = 30,
    follow_symlinks: FollowOpt = False,
    profile_llm: ProfileLlmOpt = False,
) -> None:
    """Draft every abstract in a folder, and anything queued before, with a live progress bar."""
    from pipeline.backends import make_backend
    from pipeline.cli.common import console, errors, make_settings

    settings = make_settings(backend, model, outputs, profile_llm=profile_llm)
    overrides = {"concurrency": concurrency, "requests_per_minute": rpm, "tokens_per_minute": tpm}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if not folder.is_dir():
        errors.print(f"{folder}: not a folder", markup=False, highlight=False)
        raise typer.Exit(2)
    if via not in ("live", "batch-api"):
        raise typer.BadParameter("choose live or batch-api", param_hint="--via")
    outcomes = enqueue(folder, settings, force=force, follow_symlinks=follow_symlinks)
    drafter = make_backend(settings)
    if via == "batch-api":
        report = _through_batch_api(settings, drafter, poll)
        raise typer.Exit(_finish(report, outcomes, settings))
    with Store(settings.database) as store:
        from pipeline.batch import WorkQueue

        pending = WorkQueue(store, "count", settings.lease_seconds).pending()
    console.print(
        f"{pending} studies from {folder}/ and the queue, with the {drafter.name} "
        f"backend ({settings.concurrency} in flight)"
    )
    if not console.is_terminal:
        # Redirected to a file: no live bar, one plain line per study as it finishes.
        with Store(settings.database) as store:
            lines = StudyLines(store, pending)
            report = _run(settings, drafter, lines.show)
        raise typer.Exit(_finish(report, outcomes, settings))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress, Store(settings.database) as store:
        task = progress.add_task("drafting", total=pending, status="")
        lines = StudyLines(store, pending, only_failures=True)

        def show(report: BatchReport) -> None:
            p = report.progress
            lines.show(report)  # printed above the bar
            progress.update(
                task,
                completed=p.done + p.failed,
                status=(
                    f"failed {p.failed} · in flight {p.in_flight} · "
                    f"{p.prompt_tokens + p.completion_tokens:,} tokens · {cost_text(p.cost_usd)}"
                ),
            )

        report = _run(settings, drafter, show, progress.stop)
    raise typer.Exit(_finish(report, outcomes, settings))


def cost_text(usd: float | None) -> str:
    return "cost n/a" if usd is None else f"${usd:.4f}"


class StudyLines:
    """One line per study as it finishes, naming it and its file (a failure: and why)."""

    def __init__(self, store: Store, total: int, *, only_failures: bool = False) -> None:
        self.store, self.total, self.only_failures = store, total, only_failures
        self.seen: set[str] = set()

    def show(self, report: BatchReport) -> None:
        from pipeline.cli.common import console

        for study_id, (result, failing) in list(report.results.items()):
            if study_id in self.seen:
                continue
            self.seen.add(study_id)
            if self.only_failures and result != "failed":
                continue
            source = self.store.study(study_id).source
            line = (
                f"[{len(self.seen)}/{self.total}] {result.replace('_', ' ')} {study_id} ({source})"
            )
            if result == "failed":
                line += f": {report.failures.get(study_id, 'failed')}"
            elif failing:
                line += ": " + ", ".join(failing)
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def _run(settings: Settings, drafter: object, show, stop=None) -> BatchReport:
    """Run the queue; Ctrl-C returns the studies in hand and exits 130 saying how to resume."""
    from pipeline.cli.common import console, errors

    try:
        report = asyncio.run(run_batch(settings, drafter, on_progress=show))  # type: ignore[arg-type]
    except KeyboardInterrupt:
        report = None
    if report is None or report.interrupted:
        if stop:
            stop()
        if report is not None:
            console.print(f"Run report: {write_run_report(report, settings)[0]}")
        errors.print(RESUME_HINT)
        raise typer.Exit(130)
    return report


def _through_batch_api(settings: Settings, drafter: object, poll: float) -> BatchReport:
    from pipeline.backends import OpenAIBackend
    from pipeline.batch import run_batch_api
    from pipeline.cli.common import console, errors

    if not isinstance(drafter, OpenAIBackend):
        errors.print(
            "--via batch-api needs the openai backend (set OPENAI_API_KEY or use --backend openai)"
        )
        raise typer.Exit(2)
    return run_batch_api(
        settings,
        drafter,
        poll_seconds=poll,
        on_event=lambda message: console.print(message, markup=False, highlight=False),
    )


def _finish(report: BatchReport, outcomes: list[Outcome], settings: Settings) -> int:
    from pipeline.cli.common import console, report_outcomes

    with Store(settings.database) as store:
        for study_id, (result, failing) in report.results.items():
            study = store.study(study_id)
            error = None
            if result == "failed":  # one line naming the file, as ingest failures do
                error = f"{study.source} ({study_id}): {report.failures.get(study_id)}"
            outcomes.append(
                Outcome(
                    study.source,
                    result,
                    study_id,
                    study.title,  # type: ignore[arg-type]
                    error=error,
                    failing=failing,
                )
            )
    paths = write_run_report(report, settings)
    console.print(f"Run report: {paths[0]}")
    return report_outcomes(outcomes, show_checks=False, settings=settings)
