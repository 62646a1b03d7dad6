"""Batch runs against a fault-injecting Chat Completions server: every fault lands on its own
study (retried and drafted, or failed with the right reason) and nothing else is affected."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from chat_server import ChatServer, Drop, Fault, Hang, Reply
from helpers import GOOD_REPLY as GOOD
from helpers import clean_environment, outcome_by_marker, settings_for, store_rows, write_studies

from pipeline.backends import OpenAIBackend
from pipeline.batch import run_batch
from pipeline.cli.batch import enqueue

QUOTA = {
    "error": {
        "message": "You exceeded your current quota",
        "type": "insufficient_quota",
        "code": "insufficient_quota",
    }
}
# marker -> (scripted steps, expected result, expected failure reason, requests it should take)
FAULTS: dict[str, tuple[list, str, str | None, int]] = {
    "S01": ([Fault(429, headers={"Retry-After": "0.2"}), Reply(GOOD)], "drafted", None, 2),
    "S02": ([Fault(429, headers={"retry-after-ms": "150"}), Reply(GOOD)], "drafted", None, 2),
    "S03": ([Fault(429, headers={"Retry-After": "100"})], "failed", "unavailable", 1),
    "S04": ([Fault(429, body=QUOTA)], "failed", "backend_error", 1),
    "S05": ([Fault(500), Fault(502), Reply(GOOD)], "drafted", None, 3),
    "S06": ([Fault(503), Fault(503), Fault(503)], "failed", "unavailable", 3),
    "S07": ([Fault(408), Reply(GOOD)], "drafted", None, 2),
    "S08": ([Hang(3.0), Reply(GOOD)], "drafted", None, 2),
    "S09": ([Drop(), Reply(GOOD)], "drafted", None, 2),
    # A reply that does not fit the schema is asked for once more, with what was wrong.
    "S10": ([Reply("{not json"), Reply("{not json")], "failed", "invalid_output", 2),
    "S11": ([Reply({"title": "t"}), Reply({"title": "t"})], "failed", "invalid_output", 2),
    "S12": ([Reply(GOOD, finish_reason="length")], "failed", "truncated", 1),
    "S13": ([Reply(None, refusal="I can't help with that.")], "failed", "refusal", 1),
    "S14": ([Fault(503, headers={"x-should-retry": "false"})], "failed", "unavailable", 1),
    "S15": ([], "drafted", None, 1),
    "S16": ([], "drafted", None, 1),
    "S17": ([Reply({"title": "only a title"}), Reply(GOOD)], "drafted", None, 2),
}


clean_env = pytest.fixture(autouse=True)(clean_environment)


@pytest.fixture(scope="module")
def fault_batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    root = tmp_path_factory.mktemp("faults")
    write_studies(root / "in", list(FAULTS))
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        for marker, (steps, *_rest) in FAULTS.items():
            server.route(f"Study {marker}:", *steps)
        settings = settings_for(server, root / "out")
        assert enqueue(root / "in", settings, force=False) == []
        started = time.monotonic()
        report = asyncio.run(run_batch(settings, OpenAIBackend(settings)))
        elapsed = time.monotonic() - started
        per_marker = {
            m: sum(f"Study {m}:" in json.dumps(r.body["messages"]) for r in server.requests)
            for m in FAULTS
        }
        yield report, outcome_by_marker(root / "out"), per_marker, elapsed, root / "out"


@pytest.mark.parametrize("marker", list(FAULTS))
def test_each_fault_lands_on_its_own_study(fault_batch: tuple, marker: str) -> None:
    _, outcomes, requests, _, _ = fault_batch
    _, expected, reason, calls = FAULTS[marker]
    state, error = outcomes[marker]
    if expected == "drafted":
        assert state == "needs_review", error
    else:
        assert state == "failed"
        assert f"({reason})" in error
    assert requests[marker] == calls


def test_the_batch_finishes_and_reports(fault_batch: tuple) -> None:
    report, _, _, elapsed, outputs = fault_batch
    drafted = sum(1 for v in FAULTS.values() if v[1] == "drafted")
    assert report.progress.done == drafted
    assert report.progress.failed == len(FAULTS) - drafted
    assert report.failure_reasons["unavailable"] == 3
    assert elapsed < 15  # nothing hung: the 100 s Retry-After failed at once
    drafts = {p.stem for p in (outputs / "drafts").glob("*.md")}
    assert len(drafts) == drafted
    assert not list((outputs / "drafts").glob(".*tmp"))


def test_a_server_that_never_answers_hits_the_study_deadline(tmp_path: Path) -> None:
    write_studies(tmp_path / "in", ["N1", "N2"])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.route("Study N1:", Hang(30.0))
        settings = settings_for(server, tmp_path / "out", request_timeout=20.0, study_deadline=1.0)
        enqueue(tmp_path / "in", settings, force=False)
        started = time.monotonic()
        report = asyncio.run(run_batch(settings, OpenAIBackend(settings)))
        assert time.monotonic() - started < 10
    outcomes = outcome_by_marker(tmp_path / "out")
    assert outcomes["N1"][0] == "failed" and "deadline" in outcomes["N1"][1]
    assert outcomes["N2"][0] == "needs_review"
    assert report.failure_reasons == {"deadline": 1}


def test_connection_refused_fails_every_study_without_hanging(tmp_path: Path) -> None:
    write_studies(tmp_path / "in", ["R1", "R2"])
    with ChatServer() as server:
        settings = settings_for(server, tmp_path / "out", max_attempts=2)
    # The server is closed now: nothing listens on its port.
    enqueue(tmp_path / "in", settings, force=False)
    report = asyncio.run(run_batch(settings, OpenAIBackend(settings)))
    assert report.progress.failed == 2
    assert all("could not reach" in e for e in report.failures.values())


def test_two_batches_on_one_store_share_the_work(tmp_path: Path, database_url: str | None) -> None:
    markers = [f"P{i:02d}" for i in range(10)]
    write_studies(tmp_path / "in", markers)
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.05
        settings = settings_for(server, tmp_path / "out", concurrency=2, database_url=database_url)
        enqueue(tmp_path / "in", settings, force=False)

        async def both() -> list:
            return await asyncio.gather(
                run_batch(settings, OpenAIBackend(settings)),
                run_batch(settings, OpenAIBackend(settings)),
            )

        first, second = asyncio.run(both())
        assert len(server.requests) == 10  # nobody drafted twice
    assert first.progress.done + second.progress.done == 10
    assert first.progress.done > 0 and second.progress.done > 0
    revisions = store_rows(settings.database, "SELECT study_id, COUNT(*) FROM revisions GROUP BY 1")
    assert len(revisions) == 10 and {n for _, n in revisions} == {1}


# The console of `pls batch`, in process: one line per finished study, failures named with
# their file as they happen -----------------------------------------------------------------


class Tee(io.StringIO):
    """stdout as a file (not a terminal) that the test server can read while the run goes on."""

    def isatty(self) -> bool:
        return False


def run_console_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: io.StringIO
) -> tuple[int, list[tuple[str, str]]]:
    """Three studies, the second failing; returns the exit code and, per request, the study it
    was for and the console output written by the time it arrived."""
    from pipeline.cli.batch import batch_command

    write_studies(tmp_path / "in", ["C1", "C2", "C3"])
    seen: list[tuple[str, str]] = []
    with ChatServer() as server:

        def answer(body: dict) -> Reply:
            text = json.dumps(body["messages"])
            marker = next(m for m in ("C1", "C2", "C3") if f"Study {m}:" in text)
            seen.append((marker, out.getvalue()))
            return Reply("{not json") if marker == "C2" else Reply(GOOD)

        server.default = answer
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("PLS_REVISE_ROUNDS", "0")
        monkeypatch.setenv("COLUMNS", "200")
        with contextlib.redirect_stdout(out), pytest.raises(typer.Exit) as done:
            batch_command(folder=tmp_path / "in", backend="openai", outputs=tmp_path / "out")
    return done.value.exit_code, seen


def test_redirected_batch_prints_a_line_per_study_as_it_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = Tee()
    code, seen = run_console_batch(tmp_path, monkeypatch, out)
    assert code == 1
    lines = [line for line in out.getvalue().splitlines() if re.match(r"\[\d/3\] ", line)]
    assert len(lines) == 3 and "Run summary" in out.getvalue()
    failed = next(line for line in lines if " failed " in line)
    assert f"({tmp_path / 'in' / 'studies.jsonl'}#2)" in failed
    assert "reply is not valid JSON" in failed
    assert all("\x1b" not in line for line in lines)  # plain text, no bar, no colours
    # As it finishes: each study's first request saw the lines of every study before it.
    firsts = {marker: before for marker, before in reversed(seen)}
    order = sorted(firsts, key=lambda m: len(firsts[m]))
    for done, marker in enumerate(order):
        assert len(re.findall(r"^\[\d/3\] ", firsts[marker], re.M)) == done, marker


def test_terminal_batch_names_a_failed_study_and_its_file_above_the_bar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.cli.common import console

    monkeypatch.setattr(console, "_force_terminal", True)
    out = io.StringIO()
    code, _ = run_console_batch(tmp_path, monkeypatch, out)
    assert code == 1
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    failed = [line for line in text.splitlines() if re.match(r"\[\d/3\] failed ", line)]
    assert len(failed) == 1 and "studies.jsonl#2" in failed[0], text
    assert not re.search(r"^\[\d/3\] drafted", text, re.M)  # the bar counts those
