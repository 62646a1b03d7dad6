"""The SQLite store: migrations, idempotent studies, immutable revisions, calls and events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers import TRIAL_ABSTRACT, make_profile, make_study

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.records import LLMCall
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.store.store import MIGRATIONS

SETTINGS = Settings()


def record_for(study):
    return draft_study(study, make_profile(), OfflineBackend(SETTINGS), SETTINGS)


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "pls.sqlite3"
    Store(path).close()
    Store(path).close()
    versions = sqlite3.connect(path).execute("SELECT version FROM schema_migrations").fetchall()
    assert [v for (v,) in versions] == list(range(1, len(MIGRATIONS) + 1))


def test_studies_are_new_same_or_changed(target: Path | str) -> None:
    study = make_study(TRIAL_ABSTRACT, content_hash="a")
    with Store(target) as store:
        assert store.upsert_study(study) == "new"
        assert store.upsert_study(study) == "same"
        assert store.upsert_study(study.model_copy(update={"content_hash": "b"})) == "changed"
        assert store.state(study.id) == "queued"
        kinds = [e["kind"] for e in store.events(study.id)]
        assert kinds == ["submitted", "abstract_changed"]


def test_revisions_are_numbered_and_immutable(target: Path | str) -> None:
    study = make_study(TRIAL_ABSTRACT)
    with Store(target) as store:
        store.upsert_study(study)
        first = store.add_revision(record_for(study))
        second = store.add_revision(record_for(study), author="alice")
        assert (first, second) == (1, 2)
        assert [r.revision for r in store.revisions(study.id)] == [1, 2]
        assert store.latest(study.id).revision == 2
        checks = store.db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        assert checks == 2 * len(record_for(study).checks)


def test_every_call_is_recorded_with_template_hashes(target: Path | str) -> None:
    study = make_study(TRIAL_ABSTRACT)
    with Store(target) as store:
        store.upsert_study(study)
        record = record_for(study)
        store.add_revision(record)
        store.add_failed_calls(
            study.id,
            [
                LLMCall(
                    backend="openai",
                    model="m",
                    purpose="draft",
                    template_hashes={},
                    ok=False,
                    error="x",
                )
            ],
        )
        calls = store.calls(study.id)
        assert len(calls) == len(record.attempts) + 1
        assert '"system.j2"' in calls[0]["template_hashes"]
        assert calls[-1]["ok"] == 0 and calls[-1]["error"] == "x"


def test_state_changes_are_events(target: Path | str) -> None:
    study = make_study(TRIAL_ABSTRACT)
    with Store(target) as store:
        store.upsert_study(study)
        store.set_state(study.id, "drafting")
        store.set_state(study.id, "failed", error="boom")
        last = store.events(study.id)[-1]
        assert (last["from_state"], last["to_state"], last["detail"]) == (
            "drafting",
            "failed",
            "boom",
        )
        assert store.studies(state="failed")[0]["error"] == "boom"
