"""`pls publish` and `pls serve`: publishing approved drafts and the review web app."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from pipeline.cli.common import (
    BackendOpt,
    ModelOpt,
    OutputsOpt,
    console,
    errors,
    make_settings,
    open_store,
)


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
    from pipeline.cli.site import rebuild

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
