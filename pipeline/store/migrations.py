"""The store's schema, as numbered migrations: applied in order, once each, never renumbered.

Append a new entry to change the schema; an existing database runs only the entries it has not
seen (`schema_migrations` records them). Opening a store that is up to date only reads: the
write lock is taken only when a migration is due, so read-only stores and read-only commands
work. A store that records a version this pls does not know was written by a newer pls: it is
refused before anything is written, so an older pls never changes a newer store.

One history for both engines: the statements are SQLite's, and `postgres.ddl` writes them as
PostgreSQL's (identity columns, double precision). On PostgreSQL the migrating transaction
holds an advisory lock, so two workers starting at once migrate once.
"""

from __future__ import annotations

from typing import Any

from pipeline.errors import StoreReadOnlyError, StoreVersionError
from pipeline.store.postgres import ddl

# pg_advisory_xact_lock key for migrating (any constant of ours; "pls1" in ASCII)
MIGRATION_LOCK = 0x706C7331

MIGRATIONS: list[str] = [
    """
    CREATE TABLE studies (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, source TEXT NOT NULL,
        content_hash TEXT NOT NULL, state TEXT NOT NULL, error TEXT,
        study_json TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE profiles (
        study_id TEXT PRIMARY KEY REFERENCES studies(id), profile_json TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL REFERENCES studies(id),
        number INTEGER NOT NULL, status TEXT NOT NULL, author TEXT NOT NULL,
        backend TEXT NOT NULL, model TEXT NOT NULL, offline INTEGER NOT NULL,
        summary_json TEXT NOT NULL, record_json TEXT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (study_id, number)
    );
    CREATE TABLE checks (
        revision_id INTEGER NOT NULL REFERENCES revisions(id), check_id TEXT NOT NULL,
        severity TEXT NOT NULL, passed INTEGER NOT NULL, message TEXT NOT NULL,
        spans_json TEXT NOT NULL, value REAL
    );
    CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL REFERENCES studies(id),
        revision_id INTEGER REFERENCES revisions(id), purpose TEXT NOT NULL,
        backend TEXT NOT NULL, model TEXT NOT NULL, template_hashes TEXT NOT NULL,
        prompt_tokens INTEGER, completion_tokens INTEGER, cached_tokens INTEGER,
        latency_ms REAL, ok INTEGER NOT NULL, error TEXT, at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL, at TEXT NOT NULL,
        actor TEXT NOT NULL, kind TEXT NOT NULL, from_state TEXT, to_state TEXT, detail TEXT
    );
    CREATE INDEX idx_events_study ON events(study_id, id);
    CREATE INDEX idx_studies_state ON studies(state);
    """,
    "ALTER TABLE llm_calls ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
    # review decisions (who approved / edited / sent back which revision, with notes and
    # overrides) and every publication, kept when a study is published again
    """
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL REFERENCES studies(id),
        revision INTEGER NOT NULL, action TEXT NOT NULL, reviewer TEXT NOT NULL, note TEXT,
        override TEXT, at TEXT NOT NULL
    );
    CREATE INDEX idx_reviews_study ON reviews(study_id, id);
    CREATE TABLE publications (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL REFERENCES studies(id),
        revision INTEGER NOT NULL, slug TEXT NOT NULL, published_by TEXT NOT NULL,
        record_json TEXT NOT NULL, at TEXT NOT NULL
    );
    CREATE INDEX idx_publications_study ON publications(study_id, id);
    CREATE INDEX idx_publications_slug ON publications(slug);
    """,
    # batch leases (pipeline/batch/queue.py): who holds a study being drafted, and until when
    """
    CREATE TABLE leases (
        study_id TEXT PRIMARY KEY REFERENCES studies(id), owner TEXT NOT NULL,
        claimed_at REAL NOT NULL, expires_at REAL NOT NULL
    );
    CREATE INDEX idx_studies_created ON studies(created_at, id);
    """,
    # Batch API jobs (pipeline/batch/batch_api.py): a run interrupted while polling leaves its job
    # here, and the next run collects it instead of submitting those studies again
    """
    CREATE TABLE batch_jobs (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, lines TEXT NOT NULL, status TEXT NOT NULL,
        created_at REAL NOT NULL
    )
    """,
    # a reviewer's corrections of a study profile (pipeline/review/corrections.py): who, when,
    # why, the old and new values, and the abstract they were made on (by its content hash)
    """
    CREATE TABLE profile_corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT, study_id TEXT NOT NULL REFERENCES studies(id),
        revision INTEGER, reviewer TEXT NOT NULL, reason TEXT NOT NULL, old_json TEXT NOT NULL,
        new_json TEXT NOT NULL, content_hash TEXT NOT NULL, at TEXT NOT NULL
    );
    CREATE INDEX idx_profile_corrections_study ON profile_corrections(study_id, id)
    """,
    # each published study's one slug (its site URL), claimed at its first publication and kept
    # for good; UNIQUE so two studies can never share a page. Earlier publications are carried in.
    """
    CREATE TABLE slugs (
        study_id TEXT PRIMARY KEY REFERENCES studies(id), slug TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL
    );
    INSERT OR IGNORE INTO slugs (study_id, slug, at)
        SELECT study_id, slug, MIN(at) FROM publications GROUP BY study_id
    """,
    # the provider budget several workers share (pipeline/batch/shared_limit.py): per provider
    # key (its hash, never the key), when the next request may go and until when all must wait
    """
    CREATE TABLE rate_slots (
        key TEXT PRIMARY KEY, next_at REAL NOT NULL, paused_until REAL NOT NULL
    )
    """,  # topic explainers (pipeline/store/tables/explainers.py, issue 14): the explainer with its
    # state and slug, immutable revisions (each record carries its sources, checks and calls),
    # review decisions and publications; their audit events go to `events` under the
    # explainer's id ("explainer-<slug>", which no study id can be)
    """
    CREATE TABLE explainers (
        id TEXT PRIMARY KEY, topic TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    );
    CREATE TABLE explainer_revisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        explainer_id TEXT NOT NULL REFERENCES explainers(id), number INTEGER NOT NULL,
        status TEXT NOT NULL, author TEXT NOT NULL, backend TEXT NOT NULL, model TEXT NOT NULL,
        offline INTEGER NOT NULL, record_json TEXT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (explainer_id, number)
    );
    CREATE TABLE explainer_reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        explainer_id TEXT NOT NULL REFERENCES explainers(id), revision INTEGER NOT NULL,
        action TEXT NOT NULL, reviewer TEXT NOT NULL, note TEXT, override TEXT, at TEXT NOT NULL
    );
    CREATE TABLE explainer_publications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        explainer_id TEXT NOT NULL REFERENCES explainers(id), revision INTEGER NOT NULL,
        slug TEXT NOT NULL, published_by TEXT NOT NULL, record_json TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX idx_explainer_reviews ON explainer_reviews(explainer_id, id);
    CREATE INDEX idx_explainer_publications ON explainer_publications(explainer_id, id)
    """,
    # watches (pipeline/watch/): saved PubMed searches and feeds, their runs (a running run's
    # cursor lets a killed run resume), each run's log lines, every item a watch saw and what
    # became of it, and every stored study's PMID, DOI and content hash for deduplication
    """
    CREATE TABLE watches (
        name TEXT PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL,
        created_at TEXT NOT NULL, last_success TEXT
    );
    CREATE TABLE watch_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, watch TEXT NOT NULL, status TEXT NOT NULL,
        cursor_json TEXT NOT NULL, counts_json TEXT NOT NULL, started_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX idx_watch_runs_watch ON watch_runs(watch, id);
    CREATE TABLE watch_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL,
        line TEXT NOT NULL
    );
    CREATE INDEX idx_watch_log_run ON watch_log(run_id, id);
    CREATE TABLE watch_items (
        watch TEXT NOT NULL, key TEXT NOT NULL, study_id TEXT, status TEXT NOT NULL,
        title TEXT NOT NULL, link TEXT, triage_json TEXT, run_id INTEGER NOT NULL,
        at TEXT NOT NULL, PRIMARY KEY (watch, key)
    );
    CREATE INDEX idx_watch_items_at ON watch_items(at);
    CREATE TABLE study_keys (key TEXT PRIMARY KEY, study_id TEXT NOT NULL);
    CREATE INDEX idx_study_keys_study ON study_keys(study_id)
    """,
]


def apply(db: Any, label: str, *, readonly: bool) -> None:
    """Bring the store's schema up to date; raise if it is newer, or due and read-only."""
    newest, missing = _state(db)
    if newest > len(MIGRATIONS):
        raise StoreVersionError(
            f"{label}: written by a newer pls (schema version {newest}; this pls knows versions "
            f"up to {len(MIGRATIONS)}); upgrade pls to use this store"
        )
    if not missing:
        return
    if readonly:
        raise StoreReadOnlyError(
            f"{label}: the store needs upgrading (schema version {newest} to "
            f"{len(MIGRATIONS)}) but is read-only; run a pls command that writes once"
        )
    postgres = db.dialect.name == "postgresql"
    db.execute("BEGIN IMMEDIATE")
    try:
        if postgres:
            db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER)")
        _, missing = _state(db)  # another process may have migrated while we waited
        for version in missing:
            for statement in filter(str.strip, MIGRATIONS[version - 1].split(";")):
                db.execute(ddl(statement) if postgres else statement)
            db.execute("INSERT INTO schema_migrations VALUES (?)", (version,))
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _state(db: Any) -> tuple[int, list[int]]:
    """(highest version recorded, known versions not yet applied), by reading only."""
    table = db.execute(
        "SELECT to_regclass('schema_migrations')"
        if db.dialect.name == "postgresql"
        else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    table = table and table[0]
    done = (
        {row[0] for row in db.execute("SELECT version FROM schema_migrations")} if table else set()
    )
    versions = {v for v in done if isinstance(v, int)}
    missing = [v for v in range(1, len(MIGRATIONS) + 1) if v not in versions]
    return max(versions, default=0), missing
