"""The store's drafting side: profiles, immutable revisions with their checks, LLM calls.

A mixin of `Store` (same connection, same transactions), kept apart so the core store stays
about studies, their states and events.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.records import DraftRecord, LLMCall, StudyProfile
from pipeline.settings import mask_secrets
from pipeline.store.tables.base import StoreParts
from pipeline.store.tables.base import now as _now


class Revisions(StoreParts):
    # profiles, drafts, calls

    def save_profile(self, study_id: str, profile: StudyProfile) -> None:
        with self._joined() as db:
            db.execute(
                "INSERT INTO profiles VALUES (?, ?, ?) ON CONFLICT (study_id) DO UPDATE SET "
                "profile_json = excluded.profile_json, created_at = excluded.created_at",
                (study_id, profile.model_dump_json(), _now()),
            )

    def profile(self, study_id: str) -> StudyProfile | None:
        row = self.db.execute(
            "SELECT profile_json FROM profiles WHERE study_id = ?", (study_id,)
        ).fetchone()
        return StudyProfile.model_validate_json(row[0]) if row else None

    def add_revision(self, record: DraftRecord, *, author: str = "pls") -> int:
        """Store a new immutable revision with its checks and calls; returns its number."""
        with self._joined() as db:
            self.lock(f"revision:{record.study.id}")
            number = (
                1
                + (
                    db.execute(
                        "SELECT COALESCE(MAX(number), 0) FROM revisions WHERE study_id = ?",
                        (record.study.id,),
                    ).fetchone()[0]
                )
            )
            record = record.model_copy(update={"revision": number})
            cursor = db.execute(
                "INSERT INTO revisions (study_id, number, status, author, backend, model, offline,"
                " summary_json, record_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (
                    record.study.id,
                    number,
                    record.status,
                    author,
                    record.backend,
                    record.model,
                    int(record.offline),
                    record.summary.model_dump_json(),
                    record.model_dump_json(),
                    _now(),
                ),
            )
            revision_id = cursor.fetchone()[0]
            db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        revision_id,
                        c.id,
                        c.severity,
                        int(c.passed),
                        c.message,
                        json.dumps([s.model_dump() for s in c.spans]),
                        c.value,
                    )
                    for c in record.checks
                ],
            )
            calls = [a.call for a in record.attempts] + list(record.failed_calls)
            for call in calls:
                self._add_call(record.study.id, revision_id, call)
            self._event(
                record.study.id,
                author,
                "revision",
                None,
                None,
                f"revision {number} ({record.status}, {record.backend})",
            )
        return number

    def add_failed_calls(self, study_id: str, calls: list[LLMCall]) -> None:
        self.add_calls(study_id, calls)

    def add_calls(self, study_id: str, calls: list[LLMCall]) -> None:
        """Calls that belong to no revision: failed drafting calls, profile cross-checks."""
        with self._joined():
            for call in calls:
                self._add_call(study_id, None, call)

    def _add_call(self, study_id: str, revision_id: int | None, call: LLMCall) -> None:
        self.db.execute(
            "INSERT INTO llm_calls (study_id, revision_id, purpose, backend, model, "
            "template_hashes, prompt_tokens, completion_tokens, cached_tokens, latency_ms, ok, "
            "error, at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                study_id,
                revision_id,
                call.purpose,
                call.backend,
                call.model,
                json.dumps(call.template_hashes),
                call.usage.prompt_tokens,
                call.usage.completion_tokens,
                call.usage.cached_tokens,
                call.usage.latency_ms,
                int(call.ok),
                call.error and mask_secrets(call.error),
                call.at.isoformat(),
                call.usage.attempts,
            ),
        )

    def latest(self, study_id: str) -> DraftRecord | None:
        row = self.db.execute(
            "SELECT record_json FROM revisions WHERE study_id = ? ORDER BY number DESC LIMIT 1",
            (study_id,),
        ).fetchone()
        return DraftRecord.model_validate_json(row[0]) if row else None

    def revisions(self, study_id: str) -> list[DraftRecord]:
        rows = self.db.execute(
            "SELECT record_json FROM revisions WHERE study_id = ? ORDER BY number", (study_id,)
        )
        return [DraftRecord.model_validate_json(row[0]) for row in rows]

    def calls(self, study_id: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM llm_calls WHERE study_id = ? ORDER BY id", (study_id,)
        )
        return [dict(row) for row in rows]
