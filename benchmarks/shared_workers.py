"""Several `pls batch` workers on one PostgreSQL database (batch_throughput.py --database-url).

    .venv/bin/python benchmarks/batch_throughput.py --database-url postgresql://… [--n 400]

Each run starts from an empty store (a schema of its own in the database given, dropped after)
and the rate-limited test server (tests/chat_server.py), and prints:
- 1, 2 and 3 workers with ONE provider key and limit: together, as a share of that limit's
  ceiling, and the share of requests answered 429 (the limit is shared, not multiplied);
- 3 workers with 3 keys (3 servers, each with a third of the limit, so the machine's CPU is
  asked for what one worker at the full limit needs): throughput against one worker with one
  of those keys;
- queue claim latency p50/p99 under 3 workers (each run's report), and the same 3-worker run
  on one SQLite file on this machine, as ratios.
Throughput is counted at the server: answered requests over the time from the first to the
last answer (one request per study: revise rounds off), so process start-up is left out.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chat_server import ChatServer, Reply  # noqa: E402
from helpers import GOOD_REPLY as GOOD  # noqa: E402
from helpers import store_rows, subprocess_env  # noqa: E402


@dataclass
class Run:
    answered: int
    rate_limited: int
    per_second: float
    claim_p50: list[float]
    claim_p99: list[float]
    duplicated: int
    lost: int


def schema_url(url: str, name: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{name}"


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute(sql)


def counted(server: ChatServer, times: list[float]) -> None:
    def answer(body: dict) -> Reply:
        times.append(time.monotonic())
        return Reply(GOOD)

    server.default = answer


def run_workers(
    servers: list[ChatServer],
    folder: Path,
    root: Path,
    n: int,
    rpm: float,
    concurrency: int,
    database_url: str | None,
) -> Run:
    """One worker per server entry (a server listed twice: two workers with one key)."""
    times: list[float] = []
    for server in set(servers):
        counted(server, times)
        server.requests.clear()
        server.rate_limited = 0
    processes = []
    for i, server in enumerate(servers):
        env = subprocess_env(server.base_url, PLS_LEASE_SECONDS="10", COLUMNS="120")
        env["OPENAI_API_KEY"] = f"key-{id(server)}"  # one key per server: one budget each
        if database_url:
            env["PLS_DATABASE_URL"] = database_url
        outputs = root / f"out{i}" if database_url else root / "shared-out"
        command = [sys.executable, "-m", "pipeline", "batch", str(folder), "--backend", "openai"]
        command += ["--outputs", str(outputs), "--concurrency", str(concurrency)]
        command += ["--rpm", str(rpm)]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
    for process in processes:
        if process.wait() != 0:
            raise SystemExit(f"a worker failed with exit code {process.returncode}")
    target: Path | str = database_url or root / "shared-out" / "pls.sqlite3"
    per_study = [
        c for (c,) in store_rows(target, "SELECT COUNT(*) FROM revisions GROUP BY study_id")
    ]
    done = store_rows(target, "SELECT COUNT(*) FROM studies WHERE state = 'needs_review'")[0][0]
    p50, p99 = [], []
    for report in root.glob("*out*/runs/*.json"):
        claim = json.loads(report.read_text()).get("claim_ms") or {}
        if claim.get("count"):
            p50.append(claim["p50"])
            p99.append(claim["p99"])
    times.sort()
    window = times[-1] - times[0] if len(times) > 1 else 0.0
    return Run(
        answered=len(times),
        rate_limited=sum(s.rate_limited for s in set(servers)),
        per_second=(len(times) - 1) / window if window else 0.0,
        claim_p50=p50,
        claim_p99=p99,
        duplicated=sum(c - 1 for c in per_study),
        lost=n - done,
    )


def fresh(database_url: str, runs: list[str]) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin(database_url, f"CREATE SCHEMA {name}")
    runs.append(name)
    return schema_url(database_url, name)


def main(
    database_url: str,
    folder: Path,
    root: Path,
    n: int,
    latency: float,
    rpm: float,
    concurrency: int,
) -> None:
    ceiling = rpm / 60
    schemas: list[str] = []
    servers = [ChatServer().start() for _ in range(3)]
    try:
        for server in servers:
            server.latency, server.rpm_limit = latency, rpm
        one_key: dict[int, Run] = {}
        for workers in (1, 2, 3):
            run_root = root / f"pg-one-key-{workers}"
            run = run_workers(
                [servers[0]] * workers,
                folder,
                run_root,
                n,
                rpm,
                concurrency,
                fresh(database_url, schemas),
            )
            one_key[workers] = run
            requests = run.answered + run.rate_limited
            print(
                f"PostgreSQL, {workers} worker(s), one key at {rpm:g} rpm: {run.per_second:.2f}/s"
                f" = {run.per_second / ceiling:.1%} of the {ceiling:.2f}/s ceiling; 429s "
                f"{run.rate_limited / max(1, requests):.2%} of {requests} requests; lost "
                f"{run.lost}, duplicated {run.duplicated}"
            )
        # 3 keys: each key at a third of the limit, so the three together ask of this machine's
        # CPU what one worker at the full limit did (the pipeline's own work per study is CPU)
        per_key = rpm / 3
        for server in servers:
            server.rpm_limit = per_key
        small = root / "in-third"
        small.mkdir()
        lines = (folder / "studies.jsonl").read_text().splitlines()[: max(1, n // 3)]
        (small / "studies.jsonl").write_text("\n".join(lines) + "\n")
        base = run_workers(
            [servers[0]],
            small,
            root / "pg-key-1",
            len(lines),
            per_key,
            concurrency,
            fresh(database_url, schemas),
        )
        three = run_workers(
            servers,
            folder,
            root / "pg-three-keys",
            n,
            per_key,
            concurrency,
            fresh(database_url, schemas),
        )
        print(
            f"PostgreSQL, 3 workers with 3 keys at {per_key:g} rpm each: {three.per_second:.2f}/s"
            f" = {three.per_second / base.per_second:.2f}x one worker with one key "
            f"({base.per_second:.2f}/s; {three.per_second / (3 * per_key / 60):.1%} of the 3-key "
            f"ceiling); 429s {three.rate_limited}; lost {three.lost}, duplicated "
            f"{three.duplicated}"
        )
        sqlite = run_workers(
            servers, folder, root / "sqlite-three-keys", n, per_key, concurrency, None
        )
        pg_p50, pg_p99 = statistics.median(three.claim_p50), max(three.claim_p99)
        lite_p50, lite_p99 = statistics.median(sqlite.claim_p50), max(sqlite.claim_p99)
        print(
            f"queue claim latency, 3 workers: PostgreSQL p50 {pg_p50:.2f} ms, p99 {pg_p99:.2f} ms"
            f" (median and worst of the workers' own); one SQLite file on this machine p50 "
            f"{lite_p50:.2f} ms, p99 {lite_p99:.2f} ms -> PostgreSQL/SQLite "
            f"{pg_p50 / lite_p50:.2f}x at p50, {pg_p99 / lite_p99:.2f}x at p99; throughput "
            f"{sqlite.per_second:.2f}/s on SQLite, PostgreSQL/SQLite "
            f"{three.per_second / sqlite.per_second:.2f}x"
        )
    finally:
        for server in servers:
            server.close()
        for name in schemas:
            admin(database_url, f"DROP SCHEMA {name} CASCADE")
