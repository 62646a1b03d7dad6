"""The watch suite runs on both engines (`engine_settings`, tests/postgres_cluster.py), against
the local E-utilities double and feed host in watch_server.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from watch_server import INPUTS, WatchServer, corpus_articles, records

from pipeline.settings import Settings

TODAY = datetime.now(UTC).strftime("%Y/%m/%d")


def pool(count: int) -> list:
    """`count` records: the project's MS samples first, then the corpus's articles, cycled."""
    return records(corpus_articles(INPUTS) + corpus_articles(), count, TODAY)


@pytest.fixture
def server() -> Iterator[WatchServer]:
    with WatchServer(pool(30)) as running:
        yield running


@pytest.fixture
def settings(engine_settings: Settings, server: WatchServer) -> Settings:
    return engine_settings.model_copy(
        update={"eutils_url": server.url, "watch_timeout": 20.0, "max_backoff": 1.0}
    )
