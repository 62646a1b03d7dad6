"""The Batch API path against the local server's Files and Batches endpoints, via the real SDK."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from chat_server import ChatServer, Fault, Reply
from helpers import GOOD_REPLY as GOOD
from helpers import clean_environment, outcome_by_marker, settings_for, write_studies
from typer.testing import CliRunner

from pipeline.backends import OpenAIBackend
from pipeline.batch import run_batch_api
from pipeline.cli import app
from pipeline.cli.batch import enqueue

clean_env = pytest.fixture(autouse=True)(clean_environment)


def test_batch_api_drafts_revises_and_resubmits_only_failed_or_expired_lines(
    tmp_path: Path,
) -> None:
    write_studies(tmp_path / "in", ["B1", "B2", "B3", "B4", "B5"])
    events: list[str] = []
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.batch_polls = 2  # each job is "in_progress" once before it completes
        server.route("Study B2:", Fault(500))  # transient: resubmitted, then answered
        server.route("Study B3:", Reply(None, refusal="I can't help with that."))
        server.expire_markers = {"Study B4:"}  # expires in the first job only
        settings = settings_for(server, tmp_path / "out", revise_rounds=1)
        enqueue(tmp_path / "in", settings, force=False)
        report = run_batch_api(
            settings, OpenAIBackend(settings), poll_seconds=0, on_event=events.append
        )
        jobs = list(server.batches.values())
    outcomes = outcome_by_marker(tmp_path / "out")
    assert {m: s for m, (s, _) in outcomes.items()} == {
        "B1": "needs_review",
        "B2": "needs_review",
        "B3": "failed",
        "B4": "needs_review",
        "B5": "needs_review",
    }
    assert "(refusal)" in outcomes["B3"][1]
    # job 1: all five; job 2: B2 and B4 again plus the revise round of B1 and B5; job 3: the
    # revise rounds of B2 and B4. Nothing else is ever sent twice.
    sizes = [job["request_counts"]["total"] for job in jobs]
    assert sizes == [5, 4, 2]
    assert all(job["status"] in ("completed", "expired") for job in jobs)
    assert report.progress.done == 4 and report.progress.failed == 1
    db = sqlite3.connect(tmp_path / "out" / "pls.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 4
    assert db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
    assert len(list((tmp_path / "out" / "drafts").glob("*.md"))) == 4
    assert any("submitted with 5 requests" in e for e in events)


def test_pls_batch_via_batch_api(tmp_path: Path) -> None:
    write_studies(tmp_path / "in", ["C1", "C2"])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        result = CliRunner().invoke(
            app,
            [
                "batch",
                str(tmp_path / "in"),
                "--via",
                "batch-api",
                "--poll",
                "0",
                "--backend",
                "openai",
                "--outputs",
                str(tmp_path / "out"),
            ],
            env={
                "OPENAI_BASE_URL": server.base_url,
                "OPENAI_API_KEY": "test",
                "PLS_REVISE_ROUNDS": "0",
                "COLUMNS": "200",
            },
        )
    assert result.exit_code == 0, result.output
    assert "submitted with 2 requests" in result.output
    assert len(list((tmp_path / "out" / "drafts").glob("*.md"))) == 2
    offline = CliRunner().invoke(
        app,
        [
            "batch",
            str(tmp_path / "in"),
            "--via",
            "batch-api",
            "--backend",
            "offline",
            "--force",
            "--outputs",
            str(tmp_path / "out2"),
        ],
    )
    assert offline.exit_code == 2


def test_an_interrupted_batch_api_run_collects_its_job_instead_of_resubmitting(
    tmp_path: Path,
) -> None:
    write_studies(tmp_path / "in", ["D1", "D2", "D3"])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.batch_polls = 3
        settings = settings_for(server, tmp_path / "out", revise_rounds=0)
        enqueue(tmp_path / "in", settings, force=False)

        def interrupt(seconds: float) -> None:
            raise KeyboardInterrupt  # Ctrl-C while polling

        with pytest.raises(KeyboardInterrupt):
            run_batch_api(settings, OpenAIBackend(settings), poll_seconds=0, sleep=interrupt)
        db = sqlite3.connect(tmp_path / "out" / "pls.sqlite3")
        assert db.execute("SELECT status FROM batch_jobs").fetchall() == [("submitted",)]
        assert {s for (s,) in db.execute("SELECT state FROM studies")} == {"drafting"}

        events: list[str] = []
        report = run_batch_api(
            settings, OpenAIBackend(settings), poll_seconds=0, on_event=events.append
        )
        assert len(server.batches) == 1  # collected, never submitted again
    assert report.progress.done == 3
    assert any("submitted by an earlier run" in e for e in events)
    assert db.execute("SELECT status FROM batch_jobs").fetchall() == [("completed",)]
    per_study = db.execute("SELECT COUNT(*) FROM revisions GROUP BY study_id").fetchall()
    assert sorted(per_study) == [(1,), (1,), (1,)]
    assert db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
