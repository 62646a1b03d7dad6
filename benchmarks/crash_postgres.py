"""Three `pls batch` workers on one PostgreSQL database, killed with SIGKILL at random moments
and restarted, over 300 studies (the CI test in tests/batch/test_crash.py does 30).

    .venv/bin/python benchmarks/crash_postgres.py --database-url postgresql://… [--n 300]
                                                  [--kills 12] [--latency 0.2] [--seed 1]

Runs in a schema of its own in the database given (dropped after), against the test server
(tests/chat_server.py), and prints: kills made, wall time, requests sent against studies, and
the checks: every study in exactly one terminal state, one revision each, no lease left,
nothing lost or duplicated. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch_throughput import write_inputs  # noqa: E402
from chat_server import ChatServer, Reply  # noqa: E402
from helpers import GOOD_REPLY as GOOD  # noqa: E402
from helpers import store_rows, subprocess_env  # noqa: E402
from shared_workers import admin, schema_url  # noqa: E402


def start(server: ChatServer, folder: Path, outputs: Path, url: str) -> subprocess.Popen:
    env = subprocess_env(server.base_url, PLS_LEASE_SECONDS="2", PLS_DATABASE_URL=url)
    command = [sys.executable, "-m", "pipeline", "batch", str(folder), "--backend", "openai"]
    command += ["--outputs", str(outputs), "--concurrency", "4"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="pls-crash-"))
    folder = root / "in"
    write_inputs(folder, args.n)  # corpus abstracts, each under a title of its own
    schema = f"crash_{uuid.uuid4().hex[:8]}"
    admin(args.database_url, f"CREATE SCHEMA {schema}")
    url = schema_url(args.database_url, schema)
    started = time.monotonic()
    kills = 0
    try:
        with ChatServer() as server:
            server.default = lambda body: Reply(GOOD)
            server.latency = args.latency
            workers = [start(server, folder, root / f"out{i}", url) for i in range(3)]
            while kills < args.kills and any(w.poll() is None for w in workers):
                time.sleep(chance.uniform(0.5, 3.0))
                victim = chance.randrange(3)
                if workers[victim].poll() is None:
                    workers[victim].send_signal(signal.SIGKILL)
                    kills += 1
                workers[victim].wait()
                workers[victim] = start(server, folder, root / f"out{victim}", url)
            for worker in workers:
                _, stderr = worker.communicate(timeout=600)
                if worker.returncode != 0:
                    print(f"a worker failed: {stderr.decode()[-400:]}")
                    return 1
            requests = len(server.requests)
        wall = time.monotonic() - started
        states = dict(store_rows(url, "SELECT id, state FROM studies"))
        revisions = dict(store_rows(url, "SELECT study_id, COUNT(*) FROM revisions GROUP BY 1"))
        leases = store_rows(url, "SELECT COUNT(*) FROM leases")[0][0]
        checks = {
            f"{args.n} studies stored": len(states) == args.n,
            "every study in one terminal state (needs_review)": set(states.values())
            == {"needs_review"},
            "one revision each (none lost, none duplicated)": revisions
            == {sid: 1 for sid in states},
            "no lease left": leases == 0,
        }
        print(
            f"{args.n} studies, 3 workers, {kills} SIGKILLs with restarts: {wall:.1f} s; "
            f"{requests} requests for {args.n} studies ({requests - args.n} repeated after a "
            f"kill, their drafts discarded); leases left {leases}"
        )
        for name, ok in checks.items():
            print(f"  {'ok  ' if ok else 'FAIL'} {name}")
        return 0 if all(checks.values()) else 1
    finally:
        admin(args.database_url, f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    sys.exit(main())
