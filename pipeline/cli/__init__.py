"""The `pls` command line: a thin shell over the library. `main.py` builds the one Typer app
and each command module registers its commands on it; nothing here drafts or checks by itself.

    main.py     the app; `draft`, `check`, `eval`, `settings`
    batch.py    `pls batch`
    review.py   `pls review …`
    explain.py  `pls explain TOPIC` and `pls explainers …` (topic explainers)
    serve.py    `pls publish` (the site rebuilt), `pls site build`, `pls serve`, `pls store copy`
    watch.py    `pls watch …`: PubMed and feed watches, runs, the digest, promoting parked studies
    common.py   consoles, shared options, settings from flags, the check table, outcome reports
"""

from __future__ import annotations

from pipeline.cli.main import app, main

__all__ = ["app", "main"]
