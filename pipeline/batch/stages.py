"""Run studies through the stages: ingest → profile → draft (with revise rounds) → store → files.

The CLI's `draft` and `batch` and the web app all call `run_paths` / `process_study`; nothing here
prints. One bad file or study becomes a failed `Outcome` and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline.backends import Backend, cross_check_profile, make_backend
from pipeline.drafting import Prompts, draft_study
from pipeline.errors import DraftFailed, InputError, PlsError
from pipeline.house import House, load_house
from pipeline.ingest import load_file_tolerant
from pipeline.profile import corrected, profile_study
from pipeline.records import LLMCall, Study
from pipeline.settings import Settings
from pipeline.store import Store, write_draft_files

Result = Literal["drafted", "needs_attention", "skipped", "failed"]
DONE_STATES = {"needs_review", "approved", "published", "rejected"}


@dataclass
class Outcome:
    source: str
    result: Result
    study_id: str | None = None
    title: str | None = None
    error: str | None = None
    failing: list[str] = field(default_factory=list)
    path: Path | None = None


@dataclass
class Context:
    """What every study in a run shares: settings, store, backend, house rules, prompts."""

    settings: Settings
    store: Store
    backend: Backend
    house: House
    prompts: Prompts

    @classmethod
    def open(cls, settings: Settings, backend: Backend | None = None) -> Context:
        return cls(
            settings,
            Store(settings.database),
            backend or make_backend(settings),
            load_house(settings),
            Prompts.load(settings),
        )

    def close(self) -> None:
        self.store.close()


def process_study(
    ctx: Context, study: Study, *, force: bool = False, reviewer_note: str | None = None
) -> Outcome:
    store = ctx.store
    change = store.upsert_study(study)
    state = store.state(study.id)
    latest = store.latest(study.id)
    if change == "same" and state in DONE_STATES and latest and not force:
        return Outcome(
            study.source,
            "skipped",
            study.id,
            study.title,
            error=f"already drafted (revision {latest.revision}, {state}); use --force to redraft",
        )
    if reviewer_note is None and state == "changes_requested":
        # A study sent back by a reviewer is redrafted with their note in the prompt.
        reviewer_note = store.change_request_note(study.id)
    reasons = [
        *(["forced redraft"] if force and latest else []),
        *([f"reviewer note: {reviewer_note}"] if reviewer_note else []),
    ]
    store.set_state(study.id, "drafting", kind="draft_started", detail="; ".join(reasons) or None)
    profile = profile_study(study, ctx.settings, ctx.house)
    calls: list[LLMCall] = []  # the --profile-llm request, with its tokens
    profile = cross_check_profile(study, profile, ctx.backend, ctx.settings, calls)
    store.add_calls(study.id, calls)
    fix = store.profile_correction(study.id, study.content_hash)
    profile = corrected(study, profile, fix, ctx.settings)  # a reviewer's, for later drafts too
    store.save_profile(study.id, profile)
    try:
        record = draft_study(
            study,
            profile,
            ctx.backend,
            ctx.settings,
            reviewer_note=reviewer_note,
            prompts=ctx.prompts,
        )
    except DraftFailed as error:
        store.add_failed_calls(study.id, error.calls)
        message = f"{study.source}: drafting failed ({error.reason}): {error}"
        store.set_state(study.id, "failed", kind="draft_failed", error=message)
        return Outcome(study.source, "failed", study.id, study.title, error=message)
    number = store.add_revision(record)
    record = record.model_copy(update={"revision": number})
    path = write_draft_files(record, ctx.house, ctx.settings.drafts_dir)
    store.set_state(
        study.id, "needs_review", kind="drafted", detail=f"revision {number}: {record.status}"
    )
    return Outcome(
        study.source,
        "drafted" if record.status == "needs_review" else "needs_attention",
        study.id,
        study.title,
        failing=[c.id for c in record.failing if c.severity == "error"],
        path=path,
    )


def _mark_failed(store: Store, study_id: str, message: str) -> None:
    """Record the failure on the study (never left in `drafting`), if the store still takes it."""
    try:
        if store.state(study_id) == "drafting":
            store.set_state(study_id, "failed", kind="draft_failed", error=message)
    except PlsError:
        pass  # the store is the problem: the outcome line still names the study


def studies_from(paths: Iterable[Path], settings: Settings) -> Iterable[Study | Outcome]:
    """Studies from files, with every file- or record-level problem as a failed Outcome."""
    for path in paths:
        try:
            loaded = load_file_tolerant(path, settings)
        except InputError as error:
            yield Outcome(str(path), "failed", error=str(error))
            continue
        for problem in loaded.errors:
            yield Outcome(problem.source, "failed", error=str(problem))
        yield from loaded.studies


def run_paths(
    paths: list[Path],
    settings: Settings,
    *,
    force: bool = False,
    backend: Backend | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    return run_items(
        list(studies_from(paths, settings)),
        settings,
        force=force,
        backend=backend,
        on_outcome=on_outcome,
    )


def run_items(
    items: list[Study | Outcome],
    settings: Settings,
    *,
    force: bool = False,
    backend: Backend | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Draft every Study in `items`; Outcomes (ingest failures) pass straight through."""
    ctx = Context.open(settings, backend)
    outcomes: list[Outcome] = []
    try:
        for item in items:
            if isinstance(item, Study):
                try:
                    outcome = process_study(ctx, item, force=force)
                except PlsError as error:  # a store or render problem for this study only
                    outcome = Outcome(item.source, "failed", item.id, item.title, error=str(error))
                except Exception as error:  # a bug one study trips fails that study, not the run
                    message = f"{item.source}: unexpected {type(error).__name__}: {error}"
                    _mark_failed(ctx.store, item.id, message)
                    outcome = Outcome(item.source, "failed", item.id, item.title, error=message)
            else:
                outcome = item
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    finally:
        ctx.close()
    return outcomes
