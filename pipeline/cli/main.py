"""The `pls` command line: the one Typer app, and the `draft`, `check`, `eval` and `settings`

Exit codes: 0 all went through; 1 something failed (a file, a study, or an error-level check
for `pls check`); 2 bad usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline.cli.common import (
    BackendOpt,
    FollowOpt,
    ForceOpt,
    GuardedGroup,
    ModelOpt,
    OutputsOpt,
    ProfileLlmOpt,
    check_table,
    console,
    errors,
    input_files,
    make_settings,
    report_outcomes,
    text,
)
from pipeline.errors import PlsError
from pipeline.settings import Settings, mask_secrets

app = typer.Typer(
    cls=GuardedGroup,
    help="pls: plain-language summaries of medical research, drafted and checked.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="PLS_DEBUG", help="Show the traceback of an unexpected error."
        ),
    ] = False,
) -> None:
    """Options for every command (read by GuardedGroup from the context)."""


@app.command()
def draft(
    files: Annotated[
        list[Path],
        typer.Argument(help="Abstract files (.txt .md .json .jsonl .xml) or folders of them."),
    ],
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
    force: ForceOpt = False,
    follow_symlinks: FollowOpt = False,
    profile_llm: ProfileLlmOpt = False,
) -> None:
    """Draft one or more abstract files and print each draft's check table."""
    from pipeline.batch import run_paths

    settings = make_settings(backend, model, outputs, profile_llm=profile_llm)
    paths, unreadable = input_files(files, follow_symlinks=follow_symlinks)
    outcomes = unreadable + run_paths(paths, settings, force=force)
    raise typer.Exit(report_outcomes(outcomes, show_checks=True, settings=settings))


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="An edited draft: .md or .json.")],
    outputs: OutputsOpt = None,
) -> None:
    """Re-run the checks on a draft a person has edited; exit 1 if an error-level check fails."""
    from pipeline.review import load_edited

    settings = make_settings(None, None, outputs)
    try:
        record, checks = load_edited(file, settings)
    except PlsError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise typer.Exit(1) from None
    console.print(check_table(checks, f"{record.study.id}: {record.summary.title}"))
    failed = [c for c in checks if not c.passed and c.severity == "error"]
    console.print(
        f"{len(failed)} error-level check(s) failing." if failed else "All error-level checks pass."
    )
    raise typer.Exit(1 if failed else 0)


@app.command("eval")
def evaluate_corpus(
    corpus: Annotated[
        Path | None,
        typer.Argument(help="Corpus JSONL (title, abstract, reference_summary), or a folder."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Only the first N abstracts (0: all).")] = 0,
    run: Annotated[
        str | None, typer.Option("--run", help="Run name (default: a timestamp).")
    ] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
    follow_symlinks: FollowOpt = False,
    profile_corrections: Annotated[
        bool,
        typer.Option(
            "--profile-corrections",
            help="Instead: export reviewers' profile corrections as JSONL labels.",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="With --profile-corrections: file to write.")
    ] = None,
    explainers: Annotated[
        bool,
        typer.Option(
            "--explainers",
            help="Instead: draft a topic explainer per brief of a briefs file (default: "
            "tests/fixtures/explainer_briefs.jsonl) and report on them.",
        ),
    ] = False,
) -> None:
    """Draft a corpus and report readability vs the references, check pass rates and cost.

    Files, lines and studies that cannot be read or drafted are named one line each and the
    rest are evaluated; exit 1 if there were any. `--profile-corrections` exports the
    reviewers' profile corrections in the hand-label format instead (stdout, or --out)."""
    from datetime import datetime

    from pipeline.backends import make_backend
    from pipeline.evaluate import evaluate, summarise, write_eval_report

    settings = make_settings(backend, model, outputs)
    if profile_corrections:
        from pipeline.cli.corrections import export_corrections

        raise typer.Exit(export_corrections(settings, out))
    if explainers:
        raise typer.Exit(_eval_explainers(corpus, settings, run, limit))
    if corpus is None:
        raise typer.BadParameter("give a corpus file or folder", param_hint="CORPUS")
    if not corpus.exists() and not corpus.is_symlink():
        errors.print(text(f"{corpus}: no such file or folder"))
        raise typer.Exit(2)
    files, unreadable = input_files([corpus], follow_symlinks=follow_symlinks)
    drafter = make_backend(settings)
    name = run or datetime.now().strftime("%Y%m%d-%H%M%S")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(f"eval {corpus.name}", total=None)
        items, problems = evaluate(
            files,
            settings,
            drafter,
            limit=limit,
            on_total=lambda total: progress.update(task, total=total),
            on_item=lambda item: progress.advance(task),
        )
    problems = [str(outcome.error) for outcome in unreadable] + problems
    summary = summarise(items, problems, settings, drafter)
    paths = write_eval_report(summary, settings.outputs / "eval" / name, corpus)
    table = Table(
        title=f"Evaluation of {summary['n']} abstracts ({drafter.name})", title_justify="left"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in (
        "drafts_median_fkgl",
        "references_median_fkgl",
        "caveat_coverage",
        "ungrounded_number_rate",
        "needs_attention_rate",
        "seconds_per_abstract",
        "cost_usd",
    ):
        table.add_row(key, str(summary[key]))
    console.print(table)
    for path in paths:
        console.print(text(f"  {path}"))
    failed = problems + [f"{i.source} ({i.study_id}): {i.error}" for i in items if i.error]
    if failed:
        errors.print(f"[red]{len(failed)} failed:[/]")
        for line in failed:
            errors.print(text(f"  {line}"))
    raise typer.Exit(1 if failed else 0)


@app.command("settings")
def show_settings() -> None:
    """Print every setting with its current value and help."""
    settings = Settings()
    table = Table(title="Settings (env PLS_<NAME>)", title_justify="left")
    for column in ("name", "value", "help"):
        table.add_column(column, overflow="fold")
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        if ("key" in name or "token" in name) and value:
            value = "****"
        table.add_row(name, mask_secrets(str(value)), info.description or "")
    console.print(table)


def _eval_explainers(briefs: Path | None, settings: Settings, run: str | None, limit: int) -> int:
    from datetime import datetime

    from pipeline.backends import make_backend
    from pipeline.evaluate import evaluate_explainers, summarise_explainers, write_explainer_report

    briefs = briefs or Path("tests/fixtures/explainer_briefs.jsonl")
    backend = make_backend(settings)
    with console.status(f"explainers from {briefs.name}"):
        items, problems = evaluate_explainers(briefs, settings, backend, limit=limit)
    summary = summarise_explainers(items, problems, backend)
    name = run or datetime.now().strftime("%Y%m%d-%H%M%S")
    paths = write_explainer_report(summary, settings.outputs / "eval" / name, briefs)
    for problem in problems:
        errors.print(text(problem))
    console.print(paths[0].read_text(encoding="utf-8"), markup=False, highlight=False)
    return 1 if problems else 0


def main() -> None:
    app()


def _register() -> None:
    """Commands that live in their own modules, added here so `pls --help` lists them all."""
    from pipeline.cli.batch import batch_command
    from pipeline.cli.explain import explain_command, explainers_app
    from pipeline.cli.review import review_app
    from pipeline.cli.serve import publish_command, serve_command, site_app, store_app
    from pipeline.cli.watch import watch_app

    app.command("batch")(batch_command)
    app.add_typer(review_app, name="review")
    app.command("explain")(explain_command)
    app.add_typer(explainers_app, name="explainers")
    app.command("publish")(publish_command)
    app.command("serve")(serve_command)
    app.add_typer(site_app, name="site")
    app.add_typer(store_app, name="store")
    app.add_typer(watch_app, name="watch")


_register()
