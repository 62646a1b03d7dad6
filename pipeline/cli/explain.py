"""`pls explain` and `pls explainers …`: thin shells over `pipeline.explain` (drafting a topic
explainer) and `pipeline.review` (reviewing and publishing one).

    pls explain "MS and fatigue" [--studies ID ...] [--brief FILE] [--backend B] [--yes]
    pls explainers list [--json]
    pls explainers show ID
    pls explainers approve ID --reviewer NAME [--note] [--override REASON]
    pls explainers request-changes | reject ID --reviewer NAME --note TEXT
    pls explainers edit ID --reviewer NAME [--file edited.md]
    pls explainers publish ID --reviewer NAME        (then `pls site build`)

Without `--yes`, `pls explain` lists the studies it would draw on and drafts nothing, so the
editor confirms the list (or names the studies with `--studies`). Exit 0 when the action was
taken, 1 when it was refused or failed (one line), 2 for bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.table import Table

from pipeline import explain, review
from pipeline.cli.common import (
    BackendOpt,
    ModelOpt,
    OutputsOpt,
    ReviewerOpt,
    check_table,
    console,
    make_settings,
    open_store,
    text,
)
from pipeline.errors import ExplainError, ReviewError
from pipeline.settings import Settings
from pipeline.store import write_atomic

explainers_app = typer.Typer(
    help="Review topic explainers: list, show, approve, request changes, reject, edit, publish.",
    no_args_is_help=True,
)
ExplainerArg = Annotated[str, typer.Argument(help="Explainer id, as `pls explainers list` shows.")]
RevisionOpt = Annotated[
    int | None,
    typer.Option("--revision", help="The revision you reviewed; refused if a newer one exists."),
]


def explainers_dir(settings: Settings) -> Path:
    return settings.outputs / "explainers"


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExplainError(f"{path}: cannot read the {what} ({error})") from None


def explain_command(
    topic: Annotated[str, typer.Argument(help='The topic, e.g. "MS and brain atrophy".')],
    studies: Annotated[
        list[str] | None,
        typer.Option("--studies", help="A source study id (repeat); default: found by topic."),
    ] = None,
    brief: Annotated[
        Path | None, typer.Option("--brief", help="A text or Markdown brief: questions, angle.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Draft from the listed studies.")] = False,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Draft a topic explainer from studies in the store (lists them first; --yes drafts)."""
    from pipeline.backends import make_backend
    from pipeline.house import load_house

    settings = make_settings(backend, model, outputs)
    with open_store(settings) as store:
        topic = explain.clean_topic(topic)
        brief_text = explain.clean_brief(_read(brief, "brief"), str(brief)) if brief else ""
        house = load_house(settings)
        sources = explain.chosen_sources(
            store, topic, house, studies, settings.explainer_max_sources
        )
        table = Table(title=f"Sources for {topic!r}", title_justify="left")
        for column in ("study", "drawn from", "design", "title"):
            table.add_column(column, overflow="fold")
        for source in sources:
            how = f"rev {source.revision} " + ("approved" if source.approved else "draft")
            table.add_row(
                text(source.id), how, source.profile.design.value, text(source.summary.title)
            )
        console.print(table)
        if not yes:
            console.print(
                "Nothing drafted. Run again with --yes to draft from these, or choose the "
                "studies with --studies ID (repeat)."
            )
            return
        backend = make_backend(settings)
        record = explain.draft_and_store(store, topic, brief_text, sources, backend, settings)
    path = explainers_dir(settings) / f"{explain.topic_slug(topic)}.md"
    write_atomic(path, explain.render_explainer(record))
    console.print(check_table(record.checks, f"{record.id}: revision {record.revision} checks"))
    console.print(
        text(
            f"{record.id}: revision {record.revision} ({record.status}) in {path}; review it "
            f"with `pls explainers show {record.id}` or in `pls serve`."
        )
    )


@explainers_app.command("list")
def list_explainers(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object each.")] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Every explainer: state, revision, status, topic."""
    settings = make_settings(None, None, outputs)
    rows: list[dict] = []
    if settings.store_may_exist():
        with open_store(settings) as store:
            rows = store.explainers()
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title=f"{len(rows)} explainers", title_justify="left")
    for column in ("id", "state", "rev", "status", "topic"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            text(row["id"]), row["state"], str(row["revision"]), row["status"], text(row["topic"])
        )
    console.print(table)


@explainers_app.command("show")
def show(explainer_id: ExplainerArg, outputs: OutputsOpt = None) -> None:
    """The latest revision, its checks, its sources and its audit trail."""
    settings = make_settings(None, None, outputs)
    with open_store(settings) as store:
        state = store.explainer(explainer_id)["state"]
        record = store.explainer_revision(explainer_id)
        console.rule(text(f"{record.id} · {state} · revision {record.revision}"))
        console.print(explain.render_explainer(record), markup=False, highlight=False)
        for event in store.events(explainer_id):
            moved = f"{event['from_state'] or ''} → {event['to_state'] or ''}"
            line = f"{event['at']} {event['actor']} {event['kind']} {moved}"
            console.print(text(f"{line} {event['detail'] or ''}"))


def _decide(
    action: str,
    explainer_id: str,
    reviewer: str,
    note: str | None,
    revision: int | None,
    outputs: Path | None,
    override: str | None = None,
) -> None:
    seen = review.Seen(revision=revision)
    with open_store(make_settings(None, None, outputs)) as store:
        decision = review.decide_explainer(
            store, explainer_id, action, reviewer, note=note, override=override, seen=seen
        )
    console.print(
        text(
            f"{decision.study_id}: revision {decision.revision} {action.replace('_', ' ')} by "
            f"{decision.reviewer} ({decision.from_state} → {decision.to_state})"
        )
    )


@explainers_app.command("approve")
def approve(
    explainer_id: ExplainerArg,
    reviewer: ReviewerOpt,
    note: Annotated[str | None, typer.Option("--note", help="A note for the record.")] = None,
    override: Annotated[
        str | None, typer.Option("--override", help="Why to approve despite failing checks.")
    ] = None,
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Approve the latest revision (failing error-level checks need --override)."""
    _decide("approve", explainer_id, reviewer, note, revision, outputs, override)


@explainers_app.command("request-changes")
def request_changes(
    explainer_id: ExplainerArg,
    reviewer: ReviewerOpt,
    note: Annotated[str, typer.Option("--note", help="What to change.")],
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Send it back with a note (the next `pls explain` of the topic gets the note)."""
    _decide("request_changes", explainer_id, reviewer, note, revision, outputs)


@explainers_app.command("reject")
def reject(
    explainer_id: ExplainerArg,
    reviewer: ReviewerOpt,
    note: Annotated[str, typer.Option("--note", help="Why.")],
    revision: RevisionOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Reject it, with a note saying why."""
    _decide("reject", explainer_id, reviewer, note, revision, outputs)


@explainers_app.command("publish")
def publish(explainer_id: ExplainerArg, reviewer: ReviewerOpt, outputs: OutputsOpt = None) -> None:
    """Publish an approved explainer; `pls site build` then puts it on the site."""
    _decide("publish", explainer_id, reviewer, None, None, outputs)


@explainers_app.command("edit")
def edit(
    explainer_id: ExplainerArg,
    reviewer: ReviewerOpt,
    file: Annotated[
        Path | None, typer.Option("--file", help="An edited .md explainer; default: $EDITOR.")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="What you changed and why.")] = None,
    outputs: OutputsOpt = None,
) -> None:
    """Edit the latest revision's Markdown: a new revision, re-checked, needing approval."""
    settings = make_settings(None, None, outputs)
    with open_store(settings) as store:
        latest = store.explainer_revision(explainer_id)
        if file is not None:
            body, source = _read(file, "edited explainer"), str(file)
        else:
            before = explain.render_explainer(latest)
            body, source = click.edit(before, extension=".md") or before, "$EDITOR"
            if body == before:
                console.print("No changes; nothing saved.")
                return
        named, revision = explain.explainer_header(body)
        if named and named != explainer_id:
            raise ReviewError(f"{source} is a draft of {named}, not of {explainer_id}")
        content = explain.parse_explainer(body, source)
        edited = review.edit_explainer(
            store,
            settings,
            explainer_id,
            content,
            reviewer,
            note=note,
            seen=review.Seen(revision=revision),
        )
    record = edited.record
    write_atomic(
        explainers_dir(settings) / f"{explain.topic_slug(record.topic)}.md",
        explain.render_explainer(record),
    )
    console.print(check_table(record.checks, f"{explainer_id}: revision {record.revision} checks"))
    console.print(edited.diff, markup=False, highlight=False)
    console.print(f"Saved revision {record.revision} ({record.status}); it needs approval again.")
