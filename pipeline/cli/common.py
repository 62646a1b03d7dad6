"""What every `pls` command shares: consoles, the common options, settings from flags, and
the check table. Its own module so the command modules can import it without import cycles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import TyperException

from pipeline.errors import PlsError, StoreError
from pipeline.records import CheckResult
from pipeline.settings import Settings, mask_secrets
from pipeline.store import Store

if TYPE_CHECKING:
    from pipeline.batch import Outcome


class MaskedConsole(Console):
    """A console that never prints a credential: every string (an error line quoting the
    server's URL, a Batch API event) goes through `mask_secrets` first."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*map(_masked, objects), **kwargs)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, Text) and mask_secrets(value.plain) != value.plain:
        return Text(mask_secrets(value.plain), style=value.style)  # user text has no spans
    return value


console = MaskedConsole()
errors = MaskedConsole(stderr=True, soft_wrap=True)  # one error, one line, even in logs


# `--database-url`, given to the command being run (None: PLS_DATABASE_URL or SQLite)
_database_url: list[str | None] = [None]


def _remember_database(value: str | None) -> None:
    if value is not None:
        _database_url[0] = value


def _database_option() -> Any:
    """The `--database-url` option as typer builds it, taken from a command that has only it."""
    holder = typer.Typer()

    @holder.command()
    def _only(
        database_url: Annotated[
            str | None,
            typer.Option(
                "--database-url",
                metavar="URL",
                expose_value=False,
                callback=_remember_database,
                help="The store on PostgreSQL, postgresql://user@host/db (or PLS_DATABASE_URL; "
                "default: the SQLite file under --outputs).",
            ),
        ] = None,
    ) -> None: ...

    return typer.main.get_command(holder).params[0]


def _with_database_option(command: Any, option: Any) -> None:
    """Every command takes `--database-url` (the store on PostgreSQL), declared once here."""
    if hasattr(command, "commands"):
        for sub in command.commands.values():
            _with_database_option(sub, option)
        return
    if not any(p.name == "database_url" for p in command.params):
        command.params.append(option)


class GuardedGroup(TyperGroup):
    """The app's command group: an error no command caught (a store that broke mid-run, a
    bug some input trips) is one line, `pls: <command>: <problem>`, and exit 1, never a
    traceback; `--debug` (or PLS_DEBUG=1) lets the traceback through."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        option = _database_option()
        for command in self.commands.values():
            _with_database_option(command, option)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # One invocation's option never outlives it: not into the next, nor into code that
        # calls a command's function directly afterwards (the batch tests do).
        _database_url[0] = None
        try:
            return super().main(*args, **kwargs)
        finally:
            _database_url[0] = None

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # exit codes and usage errors (click's, typer's own copy): reported by typer
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            problem = str(error)
            if not isinstance(error, PlsError):
                problem = f"unexpected {type(error).__name__}: {problem}"
            where = ctx.invoked_subcommand or "pls"
            errors.print(text(" ".join(f"pls: {where}: {problem}".split())))
            raise typer.Exit(1) from None


BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend", help="offline | openai (default: openai if OPENAI_API_KEY/BASE_URL is set)."
    ),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name (or PLS_MODEL).")]
OutputsOpt = Annotated[
    Path | None,
    typer.Option(
        "--outputs", help="Folder for the store and drafts (or PLS_OUTPUTS; default outputs/)."
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Redraft studies already drafted.")]
ProfileLlmOpt = Annotated[
    bool,
    typer.Option(
        "--profile-llm",
        help="Cross-check each profile's design, species and participants with the LLM "
        "(quoted answers only; a disagreement is flagged, the rules' value kept).",
    ),
]
ReviewerOpt = Annotated[
    str,
    typer.Option("--reviewer", envvar="PLS_REVIEWER", help="Your name, recorded with the action."),
]
FollowOpt = Annotated[
    bool,
    typer.Option(
        "--follow-symlinks",
        help="Read symlinks that lead outside the input folder (refused by default).",
    ),
]
# Skipped paths that look like inputs but cannot be read (a FIFO named x.txt, a dangling link,
# a link out of the folder): failures the run names and counts. The rest (hidden files,
# READMEs, other file types, a folder named like a file) are listed only.
PROBLEM_SKIPS = frozenset({"special", "symlink", "unreadable"})


def make_settings(
    backend: str | None, model: str | None, outputs: Path | None, *, profile_llm: bool = False
) -> Settings:
    overrides: dict[str, object] = {"profile_llm": True} if profile_llm else {}
    if backend:
        if backend not in ("offline", "openai", "auto"):
            raise typer.BadParameter("choose offline, openai or auto", param_hint="--backend")
        overrides["backend"] = backend
    if model:
        overrides["model"] = model
    if outputs:
        overrides["outputs"] = outputs
    if _database_url[0]:
        overrides["database_url"] = _database_url[0]
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: "
            + e["msg"].removeprefix("Value error, ")
            for e in error.errors()
        )
        raise PlsError(mask_secrets(problems)) from None


def input_files(paths: list[Path], *, follow_symlinks: bool) -> tuple[list[Path], list[Outcome]]:
    """Files to read from the files and folders given on the command line, and a one-line
    failure for each path in a folder that looks like an input but cannot be read; the other
    skipped paths are printed here with why, one line each. A file given by name is passed on
    as is: reading it refuses a FIFO or a device at once."""
    from pipeline.batch import Outcome
    from pipeline.ingest import discover_inputs

    files: list[Path] = []
    problems: list[Outcome] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = discover_inputs(path, follow_symlinks=follow_symlinks)
        files += found.files
        for skip in found.skipped:
            if skip.kind in PROBLEM_SKIPS:
                problems.append(Outcome(str(skip.path), "failed", error=str(skip)))
            else:
                console.print(text(skip), style="dim", soft_wrap=True)
    return files, problems


def text(value: object) -> Text:
    """User-derived text (a title, a reviewer's name, a check message quoting a draft) as
    literal text: Rich never reads "[/]" or "[x]" in it as markup."""
    return Text(str(value))


def check_table(checks: list[CheckResult], title: str) -> Table:
    table = Table(title=text(title), show_lines=False, title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for check in sorted(checks, key=lambda c: (c.passed, c.severity != "error", c.id)):
        if check.passed:
            mark = "[green]pass[/]"
        else:
            mark = "[red]FAIL[/]" if check.severity == "error" else "[yellow]warn[/]"
        table.add_row(check.id, mark, text(check.message))
    return table


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The store, refusing (exit 1, one line) when a command meets a problem it cannot act on."""
    try:
        if not settings.store_may_exist():
            raise StoreError(
                f"no store at {settings.db_path}: run `pls batch` or `pls draft` first"
            )
        with Store(settings.database) as store:
            yield store
    except PlsError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise typer.Exit(1) from None


def report_outcomes(outcomes: list, *, show_checks: bool, settings: Settings) -> int:
    if show_checks:
        with Store(settings.database) as store:
            for outcome in outcomes:
                if outcome.study_id and outcome.result in ("drafted", "needs_attention"):
                    record = store.latest(outcome.study_id)
                    if record:
                        console.print(
                            check_table(record.checks, f"{outcome.study_id}: {outcome.title}")
                        )
                        console.print(text(f"  draft: {outcome.path}\n"))
    counts = Counter(o.result for o in outcomes)
    failing = Counter(check for o in outcomes for check in o.failing)
    summary = Table(title="Run summary", title_justify="left")
    for column in ("drafted", "needs attention", "skipped", "failed"):
        summary.add_column(column, justify="right")
    summary.add_row(*(str(counts[k]) for k in ("drafted", "needs_attention", "skipped", "failed")))
    console.print(summary)
    if failing:
        console.print(
            "Checks still failing: " + ", ".join(f"{k} ({v})" for k, v in failing.most_common())
        )
    for outcome in outcomes:
        if outcome.result == "skipped":
            console.print(text(f"skipped {outcome.study_id}: {outcome.error}"), style="dim")
    failed = [o for o in outcomes if o.result == "failed"]
    if failed:
        errors.print(f"[red]{len(failed)} failed:[/]")
        for outcome in failed:
            errors.print(f"  {outcome.error}", markup=False, highlight=False)
    console.print(f"Drafts in {settings.drafts_dir}/")
    return 1 if failed else 0
