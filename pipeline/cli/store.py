"""`pls store copy --to TARGET`: the whole store, SQLite to PostgreSQL or back.

The source is the store this command would use (`--database-url` / PLS_DATABASE_URL, else the
SQLite file under `--outputs`); the target is a `postgresql://` URL or an SQLite file's path.
A target holding anything is refused unless `--force`. The drafts and pages under `outputs/`
are views rendered from the store and are not copied: the workers render them again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline.cli.common import OutputsOpt, console, errors, make_settings
from pipeline.errors import PlsError, StoreError
from pipeline.settings import mask_secrets
from pipeline.store import Store, copy_store

store_app = typer.Typer(
    help="The store itself: copy it between SQLite and PostgreSQL.", no_args_is_help=True
)


@store_app.command("copy")
def copy_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL_OR_FILE",
            help="Where to copy the store: postgresql://user@host/db, or an SQLite file.",
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace what the target holds (refused otherwise).")
    ] = False,
    outputs: OutputsOpt = None,
) -> None:
    """Copy every table (ids and history intact) from this store to another engine's."""
    settings = make_settings(None, None, outputs)
    target: Path | str = to if to.startswith(("postgresql://", "postgres://")) else Path(to)
    try:
        if not settings.store_may_exist():
            raise StoreError(f"no store at {settings.db_path}: nothing to copy")
        with Store(settings.database, readonly=True) as source, Store(target) as destination:
            copied = copy_store(source, destination, force=force)
    except PlsError as error:
        errors.print(str(error), markup=False, highlight=False)
        raise typer.Exit(1) from None
    table = Table(title="Rows copied", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in copied.items():
        table.add_row(name, str(count))
    console.print(table)
    console.print(
        f"Copied {copied['studies']} studies from {settings.database_label} to "
        f"{mask_secrets(str(target))}.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
