"""Running a house: `pls publish` (approved drafts out, the site rebuilt), `pls site build`
(the reader's site from the store's publications, pipeline/site/), `pls serve` (the review web
app) and `pls store copy` (the whole store between SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from pipeline.cli.common import (
    BackendOpt,
    ModelOpt,
    OutputsOpt,
    console,
    errors,
    make_settings,
    open_store,
)
from pipeline.errors import PlsError, StoreError
from pipeline.settings import Settings, mask_secrets
from pipeline.store import Store, copy_store

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


def publish_command(
    study_id: Annotated[
        str | None, typer.Argument(help="One approved study; default: every approved study.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who publishes (recorded).")] = "pls",
    outputs: OutputsOpt = None,
) -> None:
    """Publish approved revisions to outputs/published/<slug>.md, .html and .json, then bring
    the site (outputs/site/) up to date."""
    from pipeline.review import publish

    settings = make_settings(None, None, outputs)
    with open_store(settings) as store:
        done = publish(store, settings, study_id, by=by)
    for item in done:
        status = "published" if item.fresh else "already published"
        console.print(
            f"{item.study_id}: revision {item.revision} {status} → {item.paths[1]}",
            markup=False,
            highlight=False,
        )
    if not done:
        console.print("Nothing approved to publish.")

    with open_store(settings) as store:  # the site shows every publication, old and new
        code = rebuild(store, settings)
    if code:
        raise typer.Exit(code)


MIN_TOKEN = 16


def _token_problem(token: str | None, host: str, loopback: bool) -> str | None:
    if token is None:
        return (
            None
            if loopback
            else (
                f"refusing to serve on {host} without a token: pass --token or set PLS_SERVE_TOKEN"
            )
        )
    if len(token.strip()) < MIN_TOKEN:
        return (
            f"the token must be at least {MIN_TOKEN} characters, not counting spaces (it has "
            f"{len(token.strip())}); make one with: python -c "
            "'import secrets; print(secrets.token_urlsafe(24))'"
        )
    return None


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="PLS_SERVE_TOKEN",
            help=f"Sign-in token, at least {MIN_TOKEN} characters; required off loopback.",
        ),
    ] = None,
    ssl_certfile: Annotated[
        str | None, typer.Option("--ssl-certfile", help="Serve HTTPS with this certificate.")
    ] = None,
    ssl_keyfile: Annotated[
        str | None, typer.Option("--ssl-keyfile", help="The certificate's private key.")
    ] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Run the review web app (binds to 127.0.0.1 unless told otherwise)."""
    from pipeline.errors import PlsError
    from pipeline.web import LOOPBACK, ServeError, bind, check_tls, create_app, make_server

    loopback = host in LOOPBACK
    problem = _token_problem(token, host, loopback)
    if problem:
        _fail(problem, 2)
    settings = make_settings(backend, model, outputs)
    try:
        if ssl_certfile:
            check_tls(ssl_certfile, ssl_keyfile)
        # Off loopback the session cookie is Secure: browsers then send it over HTTPS only,
        # so serve with --ssl-certfile/--ssl-keyfile or behind a proxy that speaks HTTPS.
        app = create_app(
            settings, token=token.strip() if token else None, secure_cookies=not loopback
        )
        sock = bind(host, port)
    except (ServeError, PlsError) as error:
        _fail(str(error), 1)
    scheme = "https" if ssl_certfile else "http"
    port = sock.getsockname()[1]  # the port given, or the one the system chose for 0
    console.print(
        f"Review app on {scheme}://{host}:{port}/ (store {settings.database_label}); Ctrl-C stops.",
        markup=False,
        highlight=False,
        soft_wrap=True,  # one line, also in a log: the address must stay whole to be copied
    )
    if not loopback and not ssl_certfile:
        console.print(
            "Sign-in cookies are Secure off loopback: reach the app through HTTPS (or send "
            "Authorization: Bearer TOKEN).",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    tls = {"certfile": ssl_certfile or "", "keyfile": (ssl_certfile and ssl_keyfile) or ""}
    try:
        make_server(app, host, port, **tls).run(sockets=[sock])
    finally:
        sock.close()


def _fail(problem: str, code: int) -> NoReturn:
    errors.print(f"pls: serve: {problem}", markup=False, highlight=False)
    raise typer.Exit(code)


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
