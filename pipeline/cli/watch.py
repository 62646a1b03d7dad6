"""`pls watch …`: saved PubMed searches and journal feeds that fill the queue by themselves.

    pls watch add NAME --pubmed "QUERY" | --feed URL
    pls watch list [--json]          pls watch remove NAME
    pls watch run [NAME]             what is new since each watch's last good run (cron-safe)
    pls watch items [--status S] [--since 7d]
    pls watch digest [--since 2d] [--mail]
    pls watch promote ID --reviewer NAME [--note TEXT]

Exit 0 when everything went through; 1 when a run logged a problem (the rest was still taken
in), a watch is unknown, or the digest could not be mailed; 2 for bad usage.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.table import Table

from pipeline.cli.common import OutputsOpt, ReviewerOpt, console, errors, make_settings, text
from pipeline.errors import WatchError
from pipeline.records import Watch
from pipeline.store import Store, write_atomic

watch_app = typer.Typer(
    help="Watch PubMed searches and journal feeds: new studies queued, triaged, digested.",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="The watch's name (letters, digits, - _ .).")]
SinceOpt = Annotated[
    str, typer.Option("--since", help="How far back: 2d, 12h, 1w, or a date (2026-11-30).")
]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_SPAN = re.compile(r"(\d{1,4})\s*([hdw])")


def since_moment(value: str, now: datetime | None = None) -> str:
    """'2d' / '12h' / '1w' / an ISO date -> the ISO moment it means (UTC)."""
    now = now or datetime.now(UTC)
    value = value.strip().lower()
    if span := _SPAN.fullmatch(value):
        hours = {"h": 1, "d": 24, "w": 168}[span[2]] * int(span[1])
        return (now - timedelta(hours=hours)).isoformat(timespec="seconds")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            "use 2d, 12h, 1w or a date like 2026-11-30", param_hint="--since"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def _target(pubmed: str | None, feed: str | None) -> tuple[str, str]:
    if (pubmed is None) == (feed is None):
        raise typer.BadParameter("give one of --pubmed QUERY or --feed URL")
    if pubmed is not None:
        query = " ".join(pubmed.split())
        if not query or len(query) > 4000 or not query.isprintable():
            raise typer.BadParameter(
                "a PubMed query of 1 to 4,000 printable characters", param_hint="--pubmed"
            )
        return "pubmed", query
    url = (feed or "").strip()
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not url.isprintable()
        or len(url) > 2000
    ):
        raise typer.BadParameter("an http:// or https:// address", param_hint="--feed")
    return "feed", url


@watch_app.command("add")
def add(
    name: NameArg,
    pubmed: Annotated[str | None, typer.Option("--pubmed", help="A PubMed search query.")] = None,
    feed: Annotated[str | None, typer.Option("--feed", help="An RSS or Atom feed's URL.")] = None,
    outputs: OutputsOpt = None,
) -> None:
    """Save a watch; `pls watch run` takes in what it finds from then on."""
    if not _NAME.fullmatch(name):
        raise typer.BadParameter(
            "letters, digits, - _ and . (at most 64), starting with a letter or digit",
            param_hint="NAME",
        )
    kind, target = _target(pubmed, feed)
    settings = make_settings(None, None, outputs)
    with Store(settings.database) as store:
        store.add_watch(Watch(name=name, kind=kind, target=target))  # type: ignore[arg-type]
    console.print(text(f"watch {name} added ({kind}: {target})"))


@watch_app.command("list")
def list_watches(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per watch.")] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Every watch with its last successful run and its last run's counts."""
    settings = make_settings(None, None, outputs)
    with Store(settings.database) as store:
        rows = []
        for watch in store.watches():
            runs = store.runs(watch.name)
            last = runs[-1] if runs else None
            rows.append(
                {
                    **watch.model_dump(),
                    "last_run": last
                    and {
                        k: last[k] for k in ("id", "status", "counts", "started_at", "finished_at")
                    },
                }
            )
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title="Watches", title_justify="left")
    for column in ("name", "kind", "target", "searched up to", "last run"):
        table.add_column(column, overflow="fold")
    for row in rows:
        last = row["last_run"]
        summary = (
            f"{last['status']}: " + ", ".join(f"{v} {k}" for k, v in last["counts"].items())
            if last
            else "never run"
        )
        table.add_row(
            text(row["name"]),
            row["kind"],
            text(row["target"]),
            row["last_success"] or "-",
            text(summary),
        )
    console.print(
        table if rows else "No watches yet: pls watch add NAME --pubmed QUERY | --feed URL"
    )


@watch_app.command("remove")
def remove(name: NameArg, outputs: OutputsOpt = None) -> None:
    """Remove a watch; what it brought in stays in the store."""
    settings = make_settings(None, None, outputs)
    with Store(settings.database) as store:
        store.remove_watch(name)
    console.print(text(f"watch {name} removed; its studies stay"))


@watch_app.command("run")
def run(
    name: Annotated[str | None, typer.Argument(help="One watch (default: every watch).")] = None,
    outputs: OutputsOpt = None,
) -> None:
    """Take in what is new: deduplicated, triaged, queued or parked. Then `pls batch` drafts."""
    from pipeline.watch import Fetcher, rate, run_watch

    settings = make_settings(None, None, outputs)
    failed = 0
    # one paced client for every PubMed watch: NCBI's limit is per machine, not per watch
    with Fetcher(settings, pace=rate(settings)) as ncbi, Store(settings.database) as store:
        watches = [store.watch(name)] if name else store.watches()
        if not watches:
            raise WatchError(
                "no watches: add one with pls watch add NAME --pubmed QUERY | --feed URL"
            )
        for watch in watches:
            summary = run_watch(
                store, watch, settings, fetcher=ncbi if watch.kind == "pubmed" else None
            )
            counts = (
                ", ".join(f"{v} {k}" for k, v in sorted(summary.counts.items())) or "nothing new"
            )
            console.print(text(f"{watch.name}: {summary.status}: {counts}"))
            for line in summary.log:
                (errors if summary.status != "ok" else console).print(text(f"  {line}"))
            failed += summary.status != "ok"
    raise typer.Exit(1 if failed else 0)


@watch_app.command("items")
def items(
    status: Annotated[
        str | None,
        typer.Option("--status", help="queued, parked, duplicate, needs_abstract, refused"),
    ] = None,
    since: SinceOpt = "7d",
    outputs: OutputsOpt = None,
) -> None:
    """What the watches saw and what became of it (a needs_abstract entry shows its link)."""
    settings = make_settings(None, None, outputs)
    with Store(settings.database) as store:
        rows = store.items(since_moment(since), status)
    table = Table(title=f"Watch items since {since}", title_justify="left")
    for column in ("watch", "status", "state", "study / link", "title", "relevance"):
        table.add_column(column, overflow="fold")
    for row in rows:
        score = row["triage"]["score"] if row["triage"] else None
        table.add_row(
            text(row["watch"]),
            row["status"],
            row["state"] or "-",
            text(row["study_id"] or row["link"] or "-"),
            text(row["title"]),
            "-" if score is None else f"{score:.2f}",
        )
    console.print(table)


@watch_app.command("digest")
def digest(
    since: SinceOpt = "1d",
    mail: Annotated[
        bool, typer.Option("--mail", help="Also send it (PLS_SMTP_URL, PLS_MAIL_TO).")
    ] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Write outputs/digests/digest-<time>.{md,html}: drafted, new, parked, needing attention."""
    from pipeline.watch import build_digest, render, send

    settings = make_settings(None, None, outputs)
    moment = since_moment(since)
    with Store(settings.database) as store:
        markdown, html = render(build_digest(store, settings, moment))
    folder = Path(settings.outputs) / "digests"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for suffix, body in ((".md", markdown), (".html", html)):
        write_atomic(folder / f"digest-{stamp}{suffix}", body)
        typer.echo(folder / f"digest-{stamp}{suffix}")  # whole, for scripts: never wrapped
    if mail:
        sent_to = send(settings, f"pls watch digest since {moment[:16]}", markdown, html)
        console.print(text(f"mailed to {', '.join(sent_to)}"))


@watch_app.command("promote")
def promote_command(
    study_id: Annotated[
        str, typer.Argument(help="A parked study's id (pls review list --state parked).")
    ],
    reviewer: ReviewerOpt = "",
    note: Annotated[str | None, typer.Option("--note", help="Why it belongs after all.")] = None,
    outputs: OutputsOpt = None,
) -> None:
    """Queue a parked study after all; the next `pls batch` drafts it."""
    from pipeline.watch import promote

    settings = make_settings(None, None, outputs)
    with Store(settings.database) as store:
        state = promote(store, study_id, reviewer, note)
    console.print(text(f"{study_id}: {state}; pls batch drafts it"))
