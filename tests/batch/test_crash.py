"""Kill a batch with SIGKILL at random moments, resume it, and lose or duplicate nothing."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from chat_server import ChatServer, Reply
from helpers import GOOD_REPLY as GOOD
from helpers import subprocess_env, write_studies

ROOT = Path(__file__).resolve().parents[2]
STUDIES = 24


def start_batch(
    server: ChatServer, folder: Path, outputs: Path, lease: str = "1", stdout: int | None = None
) -> subprocess.Popen:
    env = subprocess_env(server.base_url, PLS_LEASE_SECONDS=lease, COLUMNS="200")
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


def wait_for_a_claim(process: subprocess.Popen, db_path: Path) -> None:
    """Readiness, not a fixed sleep: the run holds a lease, so it is past start-up (its Ctrl-C
    handler goes in before any worker can claim a study), however loaded the machine is."""
    while process.poll() is None:
        if db_path.exists():
            try:
                db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=0.2)
                try:
                    if db.execute("SELECT COUNT(*) FROM leases").fetchone()[0]:
                        return
                finally:
                    db.close()
            except sqlite3.OperationalError:
                pass  # no table yet, or the store is busy: look again
        time.sleep(0.02)
    raise AssertionError(f"the batch ended before claiming a study: {process.returncode}")


def test_a_batch_killed_three_times_resumes_with_nothing_lost_or_duplicated(
    tmp_path: Path,
) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"K{i:02d}" for i in range(STUDIES)])
    chance = random.Random(20261121)
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.15  # slow enough that kills land mid-batch
        kills = 0
        for _ in range(3):
            process = start_batch(server, folder, outputs)
            time.sleep(chance.uniform(1.2, 2.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(timeout=30)
        final = start_batch(server, folder, outputs)
        _, stderr = final.communicate(timeout=120)
        assert final.returncode == 0, stderr.decode()
        calls = len(server.requests)
    assert kills >= 2  # the batch really was interrupted mid-run

    db = sqlite3.connect(outputs / "pls.sqlite3")
    states = dict(db.execute("SELECT id, state FROM studies").fetchall())
    assert len(states) == STUDIES
    assert set(states.values()) == {"needs_review"}  # every input in one terminal state
    revisions = dict(db.execute("SELECT study_id, COUNT(*) FROM revisions GROUP BY study_id"))
    assert revisions == {sid: 1 for sid in states}  # none drafted twice, none lost
    assert db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
    drafts = outputs / "drafts"
    assert {p.stem for p in drafts.glob("*.md")} == set(states)
    assert {p.stem for p in drafts.glob("*.json")} == set(states)
    assert not [p for p in drafts.iterdir() if p.name.startswith(".")]  # no half-written file
    assert calls >= STUDIES  # a killed study's request may be repeated; its draft is not


def test_ctrl_c_gives_studies_back_and_says_how_to_resume(tmp_path: Path) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"I{i:02d}" for i in range(12)])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.3
        process = start_batch(server, folder, outputs)
        wait_for_a_claim(process, outputs / "pls.sqlite3")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130
        assert "Run the same command again to resume" in stderr.decode()
        db = sqlite3.connect(outputs / "pls.sqlite3")
        states = [state for (state,) in db.execute("SELECT state FROM studies")]
        assert "drafting" not in states  # studies in hand went back to the queue at once
        assert db.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
        assert "queued" in states
        final = start_batch(server, folder, outputs)
        final.communicate(timeout=60)
        assert final.returncode == 0
    revisions = dict(db.execute("SELECT study_id, COUNT(*) FROM revisions GROUP BY study_id"))
    assert len(revisions) == 12 and set(revisions.values()) == {1}


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
    db = sqlite3.connect(outputs / "pls.sqlite3")
    revisions = dict(db.execute("SELECT study_id, COUNT(*) FROM revisions GROUP BY study_id"))
    assert len(revisions) == 6 and set(revisions.values()) == {1}


def test_two_batch_processes_on_one_store_share_the_work(tmp_path: Path) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, [f"T{i:02d}" for i in range(16)])
    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency = 0.1
        # Leases long enough not to lapse mid-study: a lapsed lease is taken over (and the
        # late result discarded), which is right after a crash but wasteful between live runs.
        first = start_batch(server, folder, outputs, lease="30")
        time.sleep(0.8)
        second = start_batch(server, folder, outputs, lease="30")
        for process in (first, second):
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr.decode()
        calls = len(server.requests)
    db = sqlite3.connect(outputs / "pls.sqlite3")
    owners = {
        detail.split(" ")[0]
        for (detail,) in db.execute("SELECT detail FROM events WHERE kind = 'claimed'")
    }
    assert len(owners) == 2  # both processes claimed studies
    revisions = dict(db.execute("SELECT study_id, COUNT(*) FROM revisions GROUP BY study_id"))
    assert len(revisions) == 16 and set(revisions.values()) == {1}
    assert calls == 16  # no study drafted by both
