"""Fixtures many test folders share: a trial settings object in a temporary folder, and a store
opened on it. (Builders that are not fixtures live in helpers.py.) The PostgreSQL cluster and
the `engine` parameter live in postgres_cluster.py: the store, batch and review folders'
conftests make `settings` (and so `store`) run on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import trial_settings

from pipeline.settings import Settings
from pipeline.store import Store

pytest_plugins = ["postgres_cluster"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return trial_settings(tmp_path)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with Store(settings.database) as opened:
        yield opened
