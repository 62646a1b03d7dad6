"""The store keeps reviewers' profile corrections (migration 6): who, when, why, the old and new
values and the abstract they were made on; the ones that hold for an abstract, merged; a store
from before the table gets it on open, and a read-only one is not touched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import make_study

from pipeline.errors import StoreReadOnlyError
from pipeline.store import Store
from pipeline.store.migrations import MIGRATIONS


def stored(path: Path) -> Store:
    store = Store(path)
    store.upsert_study(make_study("An abstract. " * 10, id="pmid-1", content_hash="h1"))
    return store


def test_corrections_are_kept_in_order_with_old_and_new_values(tmp_path: Path) -> None:
    with stored(tmp_path / "pls.sqlite3") as store:
        store.add_profile_correction(
            "pmid-1", 2, "ana", "a cohort", {"design": "rct"}, {"design": "cohort"}, "h1"
        )
        store.add_profile_correction(
            "pmid-1", 3, "bo", "127 in all", {"participants": 40}, {"participants": 127}, "h1"
        )
        rows = store.profile_corrections("pmid-1")
        assert [(r["reviewer"], r["revision"], r["old"], r["new"]) for r in rows] == [
            ("ana", 2, {"design": "rct"}, {"design": "cohort"}),
            ("bo", 3, {"participants": 40}, {"participants": 127}),
        ]
        assert all(r["at"] and r["content_hash"] == "h1" for r in rows)
        assert store.profile_corrections() == rows


def test_the_corrections_that_hold_are_those_made_on_this_abstract(tmp_path: Path) -> None:
    with stored(tmp_path / "pls.sqlite3") as store:
        store.add_profile_correction("pmid-1", 2, "ana", "old text", {}, {"design": "rct"}, "h0")
        store.add_profile_correction("pmid-1", 3, "ana", "a cohort", {}, {"design": "cohort"}, "h1")
        store.add_profile_correction(
            "pmid-1",
            4,
            "bo",
            "a snapshot",
            {},
            {"design": "cross_sectional", "participants": None},
            "h1",
        )
        assert store.profile_correction("pmid-1", "h1") == {
            "design": {"value": "cross_sectional", "why": "corrected by bo: a snapshot"},
            "participants": {"value": None, "why": "corrected by bo: a snapshot"},
        }
        assert store.profile_correction("pmid-1", "h2") == {}


def test_a_store_from_before_corrections_gets_the_table_unless_read_only(tmp_path: Path) -> None:
    path = tmp_path / "pls.sqlite3"
    stored(path).close()
    with sqlite3.connect(path) as db:
        version = next(i for i, m in enumerate(MIGRATIONS, 1) if "profile_corrections (" in m)
        db.execute("DELETE FROM schema_migrations WHERE version = ?", (version,))
        db.execute("DROP TABLE profile_corrections")
    db.close()
    with pytest.raises(StoreReadOnlyError, match="needs upgrading"):
        Store(path, readonly=True)
    with Store(path) as store:
        assert store.profile_corrections() == []
        assert store.study("pmid-1").id == "pmid-1"
