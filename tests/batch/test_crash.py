"""Kill a batch with SIGKILL at random moments, resume it, and lose or duplicate nothing: on
the SQLite file and on PostgreSQL (the `database_url` fixture runs each test on both), and
three workers on one PostgreSQL database killed and restarted at random."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from chat_server import ChatServer, Reply
from helpers import GOOD_REPLY as GOOD
from helpers import store_rows, subprocess_env, write_studies

from pipeline.errors import StoreError

ROOT = Path(__file__).resolve().parents[2]
STUDIES = 24


def start_batch(
    server: ChatServer,
    folder: Path,
    outputs: Path,
    lease: str = "1",
    stdout: int | None = None,
    database_url: str | None = None,
) -> subprocess.Popen:
    env = subprocess_env(server.base_url, PLS_LEASE_SECONDS=lease, COLUMNS="200")
    if database_url:
        env["PLS_DATABASE_URL"] = database_url
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline",
            "batch",
            str(folder),
            "--backend",
            "openai",
            "--outputs",
            str(outputs),
            "--concurrency",
            "3",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
    )


def where(outputs: Path, database_url: str | None) -> Path | str:
    return database_url or outputs / "pls.sqlite3"


def wait_for_a_claim(process: subprocess.Popen, target: Path | str) -> None:
    """Readiness, not a fixed sleep: the run holds a lease, so it is past start-up (its Ctrl-C
    handler goes in before any worker can claim a study), however loaded the machine is."""
    while process.poll() is None:
        if isinstance(target, str) or target.exists():
            try:
                if store_rows(target, "SELECT COUNT(*) FROM leases")[0][0]:
                    return
            except StoreError:
                pass  # no table yet, or the store is busy: look again
        time.sleep(0.02)
    raise AssertionError(f"the batch ended before claiming a study: {process.returncode}")


def assert_each_study_drafted_once(target: Path | str, count: int) -> dict[str, str]:
    """Every study in one terminal state with one revision, and no lease left."""
    states = dict(store_rows(target, "SELECT id, state FROM studies"))
    assert len(states) == count
    assert set(states.values()) == {"needs_review"}  # every input in one terminal state
    revisions = dict(store_rows(target, "SELECT study_id, COUNT(*) FROM revisions GROUP BY 1"))
    assert revisions == {sid: 1 for sid in states}  # none drafted twice, none lost
    assert store_rows(target, "SELECT COUNT(*) FROM leases")[0][0] == 0
    return states


def test_a_batch_killed_three_times_resumes_with_nothing_lost_or_duplicated(
    tmp_path: Path, database_url: str | None
) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"K{i:02d}" for i in range(STUDIES)])
    chance = random.Random(20261121)
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.15  # slow enough that kills land mid-batch
        kills = 0
        for _ in range(3):
            process = start_batch(server, folder, outputs, database_url=database_url)
            time.sleep(chance.uniform(1.2, 2.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
        final = start_batch(server, folder, outputs, database_url=database_url)
        _, stderr = final.communicate(timeout=120)
        assert final.returncode == 0, stderr.decode()
        calls = len(server.requests)
    assert kills >= 2  # the batch really was interrupted mid-run
    states = assert_each_study_drafted_once(where(outputs, database_url), STUDIES)
    drafts = outputs / "drafts"
    assert {p.stem for p in drafts.glob("*.md")} == set(states)
    assert {p.stem for p in drafts.glob("*.json")} == set(states)
    assert not [p for p in drafts.iterdir() if p.name.startswith(".")]  # no half-written file
    assert calls >= STUDIES  # a killed study's request may be repeated; its draft is not


def test_ctrl_c_gives_studies_back_and_says_how_to_resume(
    tmp_path: Path, database_url: str | None
) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"I{i:02d}" for i in range(12)])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.3
        target = where(outputs, database_url)
        process = start_batch(server, folder, outputs, database_url=database_url)
        wait_for_a_claim(process, target)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130
        assert "Run the same command again to resume" in stderr.decode()
        states = [state for (state,) in store_rows(target, "SELECT state FROM studies")]
        assert "drafting" not in states  # studies in hand went back to the queue at once
        assert store_rows(target, "SELECT COUNT(*) FROM leases")[0][0] == 0
        assert "queued" in states
        final = start_batch(server, folder, outputs, database_url=database_url)
        final.communicate(timeout=60)
        assert final.returncode == 0
    assert_each_study_drafted_once(target, 12)


def test_ctrl_c_during_start_up_exits_130_with_the_resume_hint(tmp_path: Path) -> None:
    """SIGINT as soon as the run says what it will do: before (or as) the run's own handler
    goes in. Still exit 130 with the hint, never a traceback or click's "Aborted!"."""
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"E{i:02d}" for i in range(6)])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.3
        process = start_batch(server, folder, outputs, stdout=subprocess.PIPE)
        assert process.stdout is not None
        assert "studies from" in process.stdout.readline().decode()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130, stderr.decode()
        assert "Run the same command again to resume" in stderr.decode()
        assert "Traceback" not in stderr.decode() and "Aborted" not in stderr.decode()
        final = start_batch(server, folder, outputs)
        final.communicate(timeout=60)
        assert final.returncode == 0
    assert_each_study_drafted_once(outputs / "pls.sqlite3", 6)


def test_two_batch_processes_on_one_store_share_the_work(
    tmp_path: Path, database_url: str | None
) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"T{i:02d}" for i in range(16)])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.1
        # Leases long enough not to lapse mid-study: a lapsed lease is taken over (and the
        # late result discarded), which is right after a crash but wasteful between live runs.
        first = start_batch(server, folder, outputs, lease="30", database_url=database_url)
        time.sleep(0.8)
        second = start_batch(server, folder, outputs, lease="30", database_url=database_url)
        for process in (first, second):
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr.decode()
        calls = len(server.requests)
    target = where(outputs, database_url)
    claims = store_rows(target, "SELECT detail FROM events WHERE kind = 'claimed'")
    assert len({detail.split(" ")[0] for (detail,) in claims}) == 2  # both processes claimed
    assert_each_study_drafted_once(target, 16)
    assert calls == 16  # no study drafted by both


def test_three_workers_on_postgresql_killed_at_random_lose_and_duplicate_nothing(
    tmp_path: Path, postgres_cluster
) -> None:
    """Three `pls batch` processes on one database, each killed with SIGKILL at random moments
    and started again, until the queue is empty: each study drafted once, no lease left.
    (benchmarks/crash_postgres.py runs the same over 300 studies.)"""
    database_url = postgres_cluster.new_database()
    folder, count = tmp_path / "in", 30
    write_studies(folder, [f"M{i:02d}" for i in range(count)])
    chance = random.Random(20261201)
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.1
        kills, rounds = 0, 0
        workers = [
            start_batch(server, folder, tmp_path / f"out{n}", database_url=database_url)
            for n in range(3)
        ]
        while rounds < 6:
            time.sleep(chance.uniform(0.6, 1.6))
            victim = chance.randrange(3)
            if workers[victim].poll() is None:
                workers[victim].send_signal(signal.SIGKILL)
                kills += 1
            workers[victim].wait(timeout=30)
            workers[victim] = start_batch(
                server, folder, tmp_path / f"out{victim}", database_url=database_url
            )
            rounds += 1
        for process in workers:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr.decode()
    assert kills >= 3  # workers really were killed mid-run
    assert_each_study_drafted_once(database_url, count)
