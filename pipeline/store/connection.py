"""The store's SQLite connection: opened read-write or read-only, every SQLite error a StoreError.

`connect` opens the file read-write when it can, and read-only when asked (`readonly=True`) or
when the file or its folder cannot be written; a read-only folder, where SQLite cannot make
the WAL's `-shm` file, is read as an immutable file. Every statement, fetch and commit on the
connection (and on its cursors, whoever holds them: the batch queue uses `store.db` directly)
turns a `sqlite3.Error` into one line naming the store's file:

    StoreCorruptError    "file is not a database", "database disk image is malformed"
    StoreFullError       "database or disk is full"
    StoreReadOnlyError   a write to a read-only store
    StoreError           anything else: locked, cannot open, I/O error...
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.errors import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
)
from pipeline.store.postgres import SQLITE


def store_error(label: str, error: sqlite3.Error) -> StoreError:
    """The one-line StoreError for what SQLite said."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = " ".join(str(error).split()) or type(error).__name__
    if name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB" or "malformed" in text:
        return StoreCorruptError(
            f"{label}: the store is damaged ({text}); restore it from a backup, or move it "
            "aside to start a new store"
        )
    if name == "SQLITE_FULL" or "disk is full" in text:
        return StoreFullError(f"{label}: the disk is full ({text}); free some space and run again")
    if name.startswith("SQLITE_READONLY"):
        return StoreReadOnlyError(f"{label}: the store is read-only ({text})")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreError(f"{label}: the store is busy: another pls is writing ({text})")
    return StoreError(f"{label}: the store failed ({text})")


class _Cursor(sqlite3.Cursor):
    def _fail(self, error: sqlite3.Error) -> StoreError:
        return store_error(getattr(self.connection, "label", "the store"), error)

    def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def executemany(self, sql: str, parameters: Iterable[Any]) -> _Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as error:
            raise self._fail(error) from error

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as error:
            raise self._fail(error) from error


class Connection(sqlite3.Connection):
    """A connection whose errors are StoreErrors; `readonly` says how it was opened."""

    label = "the store"
    readonly = False
    dialect = SQLITE

    def reconnect(self) -> None:
        """A file is never disconnected: nothing to do (the PostgreSQL connection reconnects)."""

    def cursor(self, factory: Any = _Cursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any]) -> Any:
        return self.cursor().executemany(sql, parameters)

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as error:
            raise store_error(self.label, error) from error


def connect(path: Path, label: str, *, readonly: bool) -> Connection:
    """The store at `path`, read-write if it can be (and is not asked to be read-only)."""
    exists = path.exists()
    if readonly and not exists:
        raise StoreError(f"{label}: no store here")
    if readonly or (exists and not _writable(path)):
        return _read_only(path, label)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"{label}: cannot make the store's folder ({error.strerror})") from None
    db = _open(str(path), label, uri=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
    except StoreReadOnlyError:
        db.close()
        return _read_only(path, label)
    except StoreError:
        db.close()
        raise
    return _ready(db)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only(path: Path, label: str) -> Connection:
    uri = path.resolve().as_uri()
    db = _open(f"{uri}?mode=ro", label, uri=True)
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except StoreError as error:
        db.close()
        if isinstance(error, StoreCorruptError):
            raise
        # A read-only folder: SQLite cannot make the WAL's -shm file, so read it as immutable.
        db = _open(f"{uri}?mode=ro&immutable=1", label, uri=True)
    db.readonly = True
    return _ready(db)


def _open(target: str, label: str, *, uri: bool) -> Connection:
    try:
        db = sqlite3.connect(target, timeout=30, isolation_level=None, uri=uri, factory=Connection)
    except sqlite3.Error as error:
        raise store_error(label, error) from error
    db.label = label
    return db


def _ready(db: Connection) -> Connection:
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
    except StoreError:
        db.close()
        raise
    return db
