"""The store suite runs on both engines: `settings` (and the shared `store`) point at a fresh
PostgreSQL database as well as at the SQLite file (see tests/postgres_cluster.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import trial_settings

from pipeline.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return trial_settings(tmp_path, database_url=database_url)


@pytest.fixture
def target(tmp_path: Path, database_url: str | None) -> Path | str:
    """Where a test opens its own Store: a fresh database, or a file in its folder."""
    return database_url or tmp_path / "s.db"
