"""`pls publish` and `pls serve`: publishing approved drafts and the review web app."""

from __future__ import annotations

from typing import Annotated

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
    """Publish approved revisions to outputs/published/<slug>.md, .html and .json."""
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


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="PLS_SERVE_TOKEN", help="Sign-in token; required off loopback."
        ),
    ] = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Run the review web app (binds to 127.0.0.1 unless told otherwise)."""
    import uvicorn

    from pipeline.web import LOOPBACK, create_app

    if host not in LOOPBACK and not token:
        errors.print(
            f"Refusing to serve on {host} without a token: pass --token or set PLS_SERVE_TOKEN."
        )
        raise typer.Exit(2)
    settings = make_settings(backend, model, outputs)
    console.print(f"Review app on http://{host}:{port}/ (store {settings.db_path}); Ctrl-C stops.")
    uvicorn.run(create_app(settings, token=token), host=host, port=port, log_level="warning")
