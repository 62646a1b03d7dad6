"""Copying a whole store between engines: SQLite to PostgreSQL and back (`pls store copy`).

Every table, in an order that satisfies its references, row for row with the ids kept, so the
history (revisions, events, reviews, publications, corrections) reads the same on the other
side. The target is written in one transaction: a copy that fails half-way leaves nothing. A
target that already holds anything is refused unless `force`, which empties it first (in the
same transaction). On PostgreSQL the identity sequences are moved past the copied ids, so the
next revision or event gets a new id.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import StoreError
from pipeline.store.store import Store

# Every table of the schema, parents before the tables that refer to them. A new table must be
# added here (tests/store/test_store_postgres.py checks the list against the schema).
TABLES = (
    "studies",
    "profiles",
    "revisions",
    "checks",
    "llm_calls",
    "events",
    "reviews",
    "publications",
    "slugs",
    "leases",
    "batch_jobs",
    "profile_corrections",
    "rate_slots",
    "explainers",
    "explainer_revisions",
    "explainer_reviews",
    "explainer_publications",
    "watches",
    "watch_runs",
    "watch_log",
    "watch_items",
    "study_keys",
)
# tables whose `id` the database hands out (an identity column on PostgreSQL)
NUMBERED = (
    "revisions",
    "llm_calls",
    "events",
    "reviews",
    "publications",
    "profile_corrections",
    "explainer_revisions",
    "explainer_reviews",
    "explainer_publications",
    "watch_runs",
    "watch_log",
)


def row_counts(store: Store) -> dict[str, int]:
    return {t: int(store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


def copy_store(source: Store, target: Store, *, force: bool = False) -> dict[str, int]:
    """Copy every row of `source` into `target`; returns the rows copied per table."""
    if _same(source, target):
        raise StoreError(f"{target.label}: the source and the target are the same store")
    held = {t: n for t, n in row_counts(target).items() if n}
    if held and not force:
        listed = ", ".join(f"{n} {t}" for t, n in held.items())
        raise StoreError(
            f"{target.label}: the target store is not empty ({listed}); copy to an empty "
            "database, or pass --force to replace what it holds"
        )
    copied: dict[str, int] = {}
    with target.transaction() as db:
        for table in reversed(TABLES):
            db.execute(f"DELETE FROM {table}")
        for table in TABLES:
            rows = [dict(row) for row in source.db.execute(f"SELECT * FROM {table}").fetchall()]
            copied[table] = len(rows)
            if not rows:
                continue
            columns = list(rows[0])
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                [tuple(row[c] for c in columns) for row in rows],
            )
        if target.dialect.name == "postgresql":
            for table in NUMBERED:
                _move_sequence(db, table)
    return copied


def _move_sequence(db: Any, table: str) -> None:
    db.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
    )


def _same(source: Store, target: Store) -> bool:
    if source.dialect.name != target.dialect.name:
        return False
    if source.dialect.name == "sqlite":
        from pathlib import Path

        return Path(str(source.path)).resolve() == Path(str(target.path)).resolve()
    return str(source.path) == str(target.path)
