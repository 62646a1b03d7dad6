"""`pls review …`: thin shells over `pipeline.review` (the workflow and editing).

Stable for scripts: `pls review list --json`, `approve ID --reviewer NAME [--note] [--override]`,
`request-changes` and `reject ID --reviewer NAME --note TEXT`, `profile ID --reviewer NAME
--reason TEXT [--design D] [--species S] [--participants N] [--redraft]` (corrections.py),
`pls serve [--host] [--port]`, all with `--outputs DIR`. Exit 0 when the action was taken, 1
when it was refused (a conflict, a forbidden transition, a missing override), 2 for bad usage.

`pls publish` and `pls serve` live in serve.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.table import Table

from pipeline import review
from pipeline.cli.common import (
    BackendOpt,
    ModelOpt,
    OutputsOpt,
    ReviewerOpt,
    check_table,
    console,
    errors,
    make_settings,
    open_store,
    text,
)
from pipeline.cli.corrections import profile_lines
from pipeline.errors import ReviewError, StoreError
from pipeline.settings import Settings
from pipeline.store import Store

review_app = typer.Typer(
    help="Review drafts: list, show, approve, request changes, reject, edit, redraft, history, "
    "correct the profile.",
    no_args_is_help=True,
)
NoteOpt = Annotated[str, typer.Option("--note", help="Why: recorded, and sent to the redraft.")]
RevisionOpt = Annotated[
    int | None,
    typer.Option("--revision", help="The revision you reviewed; refused if a newer one exists."),
]
StudyArg = Annotated[str, typer.Argument(help="Study id, as `pls review list` shows it.")]


def _settings(
    outputs: Path | None, backend: str | None = None, model: str | None = None
) -> Settings:
    return make_settings(backend, model, outputs)


@review_app.command("list")
def list_studies(
    state: Annotated[
        str | None, typer.Option("--state", help="Only studies in this state.")
    ] = None,
    failing: Annotated[
        str | None,
        typer.Option("--failing", help="Only studies failing this check (id, or family: caveat)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per study.")] = False,
    outputs: OutputsOpt = None,
) -> None:
    """The review queue: state, study, credibility, failing checks, age."""
    if state and state not in review.STATES:
        raise typer.BadParameter(f"choose one of {', '.join(review.STATES)}", param_hint="--state")
    settings = _settings(outputs)
    rows: list[dict] = []
    if settings.store_may_exist():
        with open_store(settings) as store:
            rows = review.queue(store, state, failing)
    if as_json:
        keys = ("id", "state", "title", "revision", "status", "credibility", "created_at")
        objects = [
            {
                **{key: row[key] for key in keys},
                "failing": row["errors"],
                "warnings": row["warnings"],
            }
            for row in rows
        ]
        sys.stdout.write(json.dumps(objects, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} studies", title_justify="left")
    for column in ("id", "state", "rev", "cred", "failing checks", "age", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        failing_ids = [f"[red]{c}[/]" if s == "error" else c for s, c in row["failing"]]
        table.add_row(
            text(row["id"]),
            row["state"],
            str(row["revision"] or "–"),
            f"{row['credibility']}/5" if row["credibility"] else "–",
            " ".join(failing_ids),
            review.age(row["created_at"]),
            text(row["title"]),
        )
    console.print(table)


def _history_table(store: Store, study_id: str) -> Table:
    table = Table(title=f"Audit trail of {study_id}", title_justify="left")
    for column in ("when", "who", "what", "state", "why"):
        table.add_column(column, overflow="fold")
    for event in store.events(study_id):
        moved = f"{event['from_state'] or ''} → {event['to_state']}" if event["to_state"] else ""
        table.add_row(
            event["at"], text(event["actor"]), event["kind"], moved, text(event["detail"] or "")
        )
    return table


@review_app.command("history")
def history(
    study_id: StudyArg,
    as_json: Annotated[bool, typer.Option("--json", help="The events as JSON.")] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Every event of one study: who did what, when, and why."""
    with open_store(_settings(outputs)) as store:
        store.study(study_id)  # an unknown id is an error, not an empty trail
        if as_json:
            sys.stdout.write(json.dumps(store.events(study_id), indent=2) + "\n")
        else:
            console.print(_history_table(store, study_id))


@review_app.command("show")
def show(
    study_id: StudyArg,
    history_only: Annotated[bool, typer.Option("--history", help="Only the audit trail.")] = False,
    outputs: OutputsOpt = None,
) -> None:
    """One study: the abstract, the latest draft, its checks, the last edit's diff, history."""
    from pipeline.house import load_house
    from pipeline.store import render_summary

    settings = _settings(outputs)
    with open_store(settings) as store:
        study, state = store.study(study_id), store.state(study_id)
        if not history_only:
            console.rule(text(f"{study.id} · {state}"))
            console.print(text(study.title), style="bold", highlight=False)
            console.print(text(f"{study.journal or 'journal not stated'} · source {study.source}"))
            console.rule("Abstract")
            console.print(study.abstract, markup=False, highlight=False)
            revisions = store.revisions(study_id)
            if revisions:
                latest, log = revisions[-1], store.revision_log(study_id)[-1]
                console.rule(f"Draft: revision {latest.revision} by {log['author']}")
                rendered = render_summary(latest.summary, load_house(settings), study.journal)
                console.print(rendered, markup=False, highlight=False)
                console.print(check_table(latest.checks, "Checks"))
                console.print(profile_lines(latest.profile), markup=False, highlight=False)
                console.print("Required caveats: " + ", ".join(latest.profile.required_caveats))
                if len(revisions) > 1:
                    console.rule(f"Changes from revision {revisions[-2].revision}")
                    diff = review.summary_diff(revisions[-2], latest, settings)
                    console.print(diff or "(no change)", markup=False, highlight=False)
            note = store.change_request_note(study_id)
            if note and state == "changes_requested":
                console.print(f"Changes requested: {note}", markup=False, highlight=False)
        console.print(_history_table(store, study_id))


def _decide(
    action: str,
    study_id: str,
    reviewer: str,
    note: str | None,
    revision: int | None,
    outputs: Path | None,
    override: str | None = None,
) -> None:
    seen = review.Seen(revision=revision)
    with open_store(_settings(outputs)) as store:
        decision = review.decide(
            store, study_id, action, reviewer, note=note, override=override, seen=seen
        )
    console.print(
        f"{decision.study_id}: revision {decision.revision} {action.replace('_', ' ')} by "
        f"{decision.reviewer} ({decision.from_state} → {decision.to_state})",
        markup=False,
        highlight=False,
    )


@review_app.command("approve")
def approve(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
    override: Annotated[
        str | None,
        typer.Option("--override", help="Why approve despite failing error-level checks."),
    ] = None,
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Approve the latest revision for publishing."""
    _decide("approve", study_id, reviewer, note, revision, outputs, override)


@review_app.command("request-changes")
def request_changes(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    note: NoteOpt,
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Send the draft back; the next drafting round gets your note in its prompt."""
    _decide("request_changes", study_id, reviewer, note, revision, outputs)


@review_app.command("reject")
def reject(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    note: NoteOpt,
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Reject the study: it will not be published."""
    _decide("reject", study_id, reviewer, note, revision, outputs)


@review_app.command("edit")
def edit(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    file: Annotated[
        Path | None, typer.Option("--file", help="An edited .md draft; default: open $EDITOR.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What you changed and why.")] = None,
    outputs: OutputsOpt = None,
) -> None:
    """Edit the latest draft's Markdown: saved as a new revision, re-checked at once."""
    from pipeline.house import load_house
    from pipeline.store import render_draft

    settings = _settings(outputs)
    with open_store(settings) as store:
        if file is not None:
            try:
                text, source = file.read_text(encoding="utf-8"), str(file)
            except (OSError, UnicodeDecodeError) as error:
                raise StoreError(f"{file}: cannot read ({error})") from None
        else:
            latest = store.latest(study_id)
            if latest is None:
                raise ReviewError(f"{study_id} has no draft to edit")
            before = render_draft(latest, load_house(settings))
            text, source = click.edit(before, extension=".md") or before, "$EDITOR"
            if text == before:
                console.print("No changes; nothing saved.")
                return
        edited = review.edit_markdown(
            store, settings, study_id, text, reviewer, source=source, note=note
        )
    record = edited.record
    console.print(check_table(record.checks, f"{study_id}: revision {record.revision} checks"))
    console.print(edited.diff, markup=False, highlight=False)
    console.print(f"Saved revision {record.revision} ({record.status}); it needs approval again.")


@review_app.command("redraft")
def redraft(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Draft a study again now: one sent back (with the reviewer's note), or one that failed."""
    from pipeline.batch import Context

    settings = _settings(outputs, backend, model)
    with open_store(settings):
        ctx = Context.open(settings)
        try:
            outcome = review.redraft(ctx, study_id, reviewer)
        finally:
            ctx.close()
    console.print(f"{study_id}: {outcome.result}", markup=False, highlight=False)
    if outcome.result == "failed":
        errors.print(outcome.error or "drafting failed", markup=False, highlight=False)
        raise typer.Exit(1)


def _register() -> None:
    """`review profile` lives in corrections.py, kept apart to hold this module's size."""
    from pipeline.cli.corrections import profile_command

    review_app.command("profile")(profile_command)


_register()
