"""The explainer suite runs on both engines where it stores: `settings` (and the shared
`store`) point at a fresh PostgreSQL database as well as at the SQLite file."""

from __future__ import annotations

import pytest

from pipeline.settings import Settings


@pytest.fixture
def settings(engine_settings: Settings) -> Settings:
    return engine_settings
