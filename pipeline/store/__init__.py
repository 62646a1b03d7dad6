"""The store: the SQLite database under `outputs/` (or PostgreSQL, `PLS_DATABASE_URL`) that
is the source of truth (DESIGN.md), and the files rendered from it (`outputs/drafts/<id>.md`
and `.json`).

Records in; records, states and events out. It imports only the ground floor, so every stage
above it may keep its results here.

    store.py            studies, their states and events; one id, one study
    connection.py       opening the file (read-write or read-only); SQLite errors as StoreErrors
    migrations.py       the schema as numbered migrations, applied only when one is due
    tables/             the tables beyond studies: revisions, reviews, publications, watches
    draft_files.py      a draft as reviewable house-layout Markdown, and parsed back; file names
    postgres.py         the store on PostgreSQL: the dialect layer, its connection and errors
    copy.py             a whole store copied between engines (`pls store copy`)
"""

from __future__ import annotations

from pipeline.store.copy import copy_store
from pipeline.store.draft_files import (
    draft_header,
    draft_path,
    draft_stem,
    parse_markdown,
    render_draft,
    render_summary,
    write_atomic,
    write_draft_files,
)
from pipeline.store.store import Store
from pipeline.store.tables import study_keys

__all__ = [
    "Store",
    "copy_store",
    "draft_header",
    "draft_path",
    "draft_stem",
    "parse_markdown",
    "render_draft",
    "render_summary",
    "study_keys",
    "write_atomic",
    "write_draft_files",
]
