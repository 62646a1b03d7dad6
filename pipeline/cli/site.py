"""`pls site build`: the reader's site, built from the store's publications (pipeline/site/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import OutputsOpt, console, errors, make_settings, open_store
from pipeline.errors import PlsError
from pipeline.settings import Settings
from pipeline.store import Store

site_app = typer.Typer(help="The reader's site: index, summary pages, topics, feeds.")


def rebuild(
    store: Store, settings: Settings, out: Path | None = None, *, full: bool = False
) -> int:
    """Build the site and say what was done in one line; 1 if some publication was skipped
    or the site could not be built, else 0."""
    from pipeline.site import build_site

    try:
        report = build_site(store, settings, out, full=full)
    except PlsError as error:
        errors.print(f"pls: site: {error}", markup=False, highlight=False)
        return 1
    for problem in report.problems:
        errors.print(f"pls: site: {problem}", markup=False, highlight=False)
    console.print(
        f"Site: {_count(report.summaries, 'summary', 'summaries')}, "
        f"{_count(report.topics, 'topic', 'topics')}; "
        f"{len(report.written)} files written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed in {report.seconds:.2f} s → {report.folder}/index.html",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 1 if report.problems else 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@site_app.command("build")
def build_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the site (default outputs/site/).")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Rewrite every file, not only those that changed.")
    ] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Build the static site from every published summary (only changed files are rewritten)."""
    settings = make_settings(None, None, outputs)
    with open_store(settings) as store:
        code = rebuild(store, settings, out, full=full)
    raise typer.Exit(code)
