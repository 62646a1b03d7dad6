"""Store trouble gives one line, never a traceback; read-only stores still read (issue 10, #14),
and the store never lets a second abstract overwrite the first in one run (#5)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers import TRIAL_ABSTRACT, make_study

from pipeline.errors import (
    IdConflictError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreVersionError,
)
from pipeline.store import Store
from pipeline.store.migrations import MIGRATIONS


def one_line(error: BaseException, *parts: str) -> str:
    message = str(error)
    assert len(message.splitlines()) == 1, message
    for part in parts:
        assert part in message, (part, message)
    return message


def filled_store(path: Path) -> Path:
    with Store(path) as store:
        for n in range(3):
            study = make_study(TRIAL_ABSTRACT, id=f"pmid-{n + 1}", content_hash=str(n))
            store.upsert_study(study.model_copy(update={"source": f"in.jsonl#{n + 1}"}))
    return path


@pytest.fixture
def frozen(tmp_path: Path):
    """Make a path read-only even for root (chattr +i), undone after the test."""
    done: list[Path] = []

    def freeze(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
        elif (
            not shutil.which("chattr")
            or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode
        ):
            pytest.skip("cannot make a file read-only for root here (no chattr +i)")
        done.append(path)

    yield freeze
    for path in reversed(done):
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


# -- read-only stores ------------------------------------------------------------------------


def test_a_store_opened_read_only_reads_and_refuses_writes(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    before = path.read_bytes()
    with Store(path, readonly=True) as store:
        assert [row["id"] for row in store.queue()] == ["pmid-1", "pmid-2", "pmid-3"]
        assert store.study("pmid-2").source == "in.jsonl#2"
        with pytest.raises(StoreReadOnlyError) as caught:
            store.set_state("pmid-1", "drafting")
    one_line(caught.value, str(path), "read-only")
    assert path.read_bytes() == before
    with pytest.raises(StoreError, match="no store"):
        Store(tmp_path / "missing.sqlite3", readonly=True)


def test_a_read_only_store_file_or_folder_still_reads(tmp_path: Path, frozen):
    folder = tmp_path / "outputs"
    path = filled_store(folder / "pls.sqlite3")
    frozen(path)
    with Store(path) as store:  # not asked to be read-only: it finds out
        assert len(store.queue()) == 3
        with pytest.raises(StoreReadOnlyError) as caught:
            store.upsert_study(make_study(TRIAL_ABSTRACT, id="pmid-9"))
    one_line(caught.value, str(path), "read-only")
    frozen(folder)
    with Store(path) as store:  # no -wal/-shm can be made: read as an immutable file
        assert store.state("pmid-3") == "queued"


def test_opening_a_current_store_takes_no_write_lock(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another pls in the middle of a write
    try:
        with Store(path) as store:  # today this waited 30 s for the lock, then failed
            assert store.state("pmid-1") == "queued"
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# -- schema versions -------------------------------------------------------------------------


def test_a_store_from_a_newer_pls_is_refused_and_never_written(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    newer = len(MIGRATIONS) + 3
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations VALUES (?)", (newer,))
    db.close()
    before = path.read_bytes()
    for readonly in (False, True):
        with pytest.raises(StoreVersionError) as caught:
            Store(path, readonly=readonly)
        one_line(caught.value, str(path), f"version {newer}", f"up to {len(MIGRATIONS)}")
    assert path.read_bytes() == before


def test_an_older_store_is_upgraded_but_not_when_read_only(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    made = re.findall(r"CREATE TABLE (\w+)", MIGRATIONS[-1])  # what the latest migration made
    assert made
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM schema_migrations WHERE version = ?", (len(MIGRATIONS),))
        for table in reversed(made):
            db.execute(f"DROP TABLE {table}")
    db.close()
    with pytest.raises(StoreReadOnlyError) as caught:
        Store(path, readonly=True)
    one_line(caught.value, str(path), "needs upgrading")
    with Store(path) as store:
        for table in made:
            assert store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


# -- broken files and full disks -------------------------------------------------------------


def test_a_file_that_is_not_a_database(tmp_path: Path):
    path = tmp_path / "pls.sqlite3"
    path.write_bytes(b"this is not sqlite " * 200)
    with pytest.raises(StoreCorruptError) as caught:
        Store(path)
    one_line(caught.value, str(path), "damaged", "file is not a database")


def test_a_malformed_database_image(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(data)):  # every page but the header page
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError) as caught, Store(path) as store:
        store.queue()
    one_line(caught.value, str(path), "damaged")


def test_a_full_disk_is_one_line_and_rolls_back(tmp_path: Path):
    path = filled_store(tmp_path / "pls.sqlite3")
    with Store(path) as store:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # the disk has no more room
        with pytest.raises(StoreFullError) as caught:
            for n in range(500):
                big = make_study(TRIAL_ABSTRACT * 20, id=f"pmid-{100 + n}", content_hash="x")
                store.upsert_study(big)
        one_line(caught.value, str(path), "disk is full")
        assert not store.db.in_transaction
        assert len(store.queue()) >= 3  # still readable


# -- one id, one study (#5) ------------------------------------------------------------------


def test_a_second_abstract_under_one_id_in_one_run_is_a_conflict(tmp_path: Path):
    first = make_study(TRIAL_ABSTRACT, id="pmid-555", content_hash="a", source="a.json")
    other = first.model_copy(update={"abstract": "Other", "content_hash": "b", "source": "b.json"})
    with Store(tmp_path / "s.db") as store:
        assert store.upsert_study(first) == "new"
        with pytest.raises(IdConflictError) as caught:
            store.upsert_study(other)
        one_line(caught.value, "b.json", "pmid-555", "a.json")
        assert store.study("pmid-555").abstract == TRIAL_ABSTRACT
        assert store.upsert_study(other.model_copy(update={"content_hash": "a"})) == "same"
        # The same source record resubmitted with a changed abstract is a change, not a clash.
        resubmitted = first.model_copy(update={"abstract": "Edited", "content_hash": "c"})
        assert store.upsert_study(resubmitted) == "changed"
        assert [e["kind"] for e in store.events("pmid-555")] == [
            "submitted",
            "id_conflict",
            "abstract_changed",
        ]
    with Store(tmp_path / "s.db") as store:  # a later run: the latest submission wins
        assert store.upsert_study(other) == "changed"
        assert store.study("pmid-555").abstract == "Other"
        assert "a.json" in store.events("pmid-555")[-1]["detail"]
