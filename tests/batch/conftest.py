"""The batch queue suite runs on both engines: `settings` (and the shared `store`) point at a fresh
PostgreSQL database as well as at the SQLite file (see tests/postgres_cluster.py)."""

from __future__ import annotations

import pytest

from pipeline.settings import Settings


@pytest.fixture
def settings(engine_settings: Settings) -> Settings:
    return engine_settings
