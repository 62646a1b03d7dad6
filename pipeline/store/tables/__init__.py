"""The store's tables beyond studies and events, a mixin per subject, composed into `Store`.

    revisions.py        profiles, immutable revisions with their checks, LLM calls
    review_records.py   the review side: decision locks, decisions, the queue view, publications
    explainers.py       topic explainers: their states, revisions, reviews and publications
    watches.py          the intake: watches, their runs and logs, items seen, dedupe keys
    base.py             what the mixins take from `Store`, and the clock rows are stamped with

A new kind of stored thing gets its own mixin here (its schema is a migration appended in
`pipeline/store/migrations.py`), added to `Store`'s bases.
"""

from pipeline.store.tables.explainers import Explainers
from pipeline.store.tables.review_records import ReviewRecords
from pipeline.store.tables.revisions import Revisions
from pipeline.store.tables.watches import Watches, study_keys

__all__ = ["Explainers", "ReviewRecords", "Revisions", "Watches", "study_keys"]
