"""Batch throughput against a local Chat Completions server with fixed latency and a rate limit.

    .venv/bin/python benchmarks/batch_throughput.py [--n 500] [--latency 0.3] [--rpm 600]
                                                    [--concurrency 16] [--skip-kill]
                                                    [--database-url postgresql://…]

With --database-url: several workers on that PostgreSQL database instead (shared_workers.py
says what is printed). Without it:

Prints, for N shared-corpus abstracts (revise rounds off, so one request per study):
- pls batch's throughput as a share of the ceiling min(limit, concurrency / latency), and
  the share of requests answered 429;
- the same work done by a plain sequential loop and by a thread pool of the same size using
  the SDK's default client (the approach most scripts use), as ratios;
- a run killed twice with SIGKILL and resumed, against an uninterrupted one: time ratio, lost
  and duplicated studies;
- pipeline overhead per study with a zero-latency, unlimited server (ms, local HTTP included);
- peak memory of a batch process with 5,000 studies queued, against one with 50 queued.
The server is tests/chat_server.py: a protocol test double, not a claim about output quality.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from chat_server import ChatServer, Reply  # noqa: E402
from helpers import GOOD_REPLY as GOOD  # noqa: E402  (the batch tests' scripted reply)
from helpers import corpus_rows, subprocess_env  # noqa: E402


def write_inputs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = corpus_rows()
    lines = []
    for i in range(n):
        row = rows[i % len(rows)]
        title = f"Benchmark study {i:05d}: {row['title'] or 'untitled'}"
        lines.append(json.dumps({"title": title, "abstract": row["abstract"]}))
    (folder / "studies.jsonl").write_text("\n".join(lines) + "\n")


def batch_env(server: ChatServer, **extra: str) -> dict[str, str]:
    return subprocess_env(server.base_url, **{"PLS_LEASE_SECONDS": "2", "COLUMNS": "120", **extra})


def run_pls(
    server: ChatServer,
    folder: Path,
    outputs: Path,
    args: argparse.Namespace,
    rpm: float,
    *,
    kill_at: tuple[float, ...] = (),
    env_extra: dict | None = None,
) -> float:
    """Wall time of `pls batch` until the queue is done, killing it at the given fractions."""
    command = [
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
        str(args.concurrency),
    ]
    if rpm:
        command += ["--rpm", str(rpm)]
    env = batch_env(server, **(env_extra or {}))
    started = time.monotonic()
    for fraction in kill_at:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        target = int(args.n * fraction)
        while process.poll() is None and drafted(outputs) < target:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
    subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.monotonic() - started


def drafted(outputs: Path) -> int:
    try:
        db = sqlite3.connect(outputs / "pls.sqlite3", timeout=1)
        return db.execute("SELECT COUNT(*) FROM revisions").fetchone()[0]
    except sqlite3.Error:
        return 0


def integrity(outputs: Path, n: int) -> tuple[int, int]:
    db = sqlite3.connect(outputs / "pls.sqlite3")
    per_study = db.execute("SELECT COUNT(*) FROM revisions GROUP BY study_id").fetchall()
    stored = db.execute("SELECT COUNT(*) FROM studies WHERE state = 'needs_review'").fetchone()[0]
    return n - stored, sum(count - 1 for (count,) in per_study)


def messages_for(folder: Path) -> list[list[dict[str, str]]]:
    from pipeline.drafting import Prompts
    from pipeline.ingest import load_file_tolerant
    from pipeline.profile import profile_study
    from pipeline.settings import Settings

    settings = Settings()
    prompts = Prompts.load(settings)
    studies = load_file_tolerant(folder / "studies.jsonl", settings).studies
    return [prompts.draft(s, profile_study(s, settings)) for s in studies]


def sequential(server: ChatServer, messages: list) -> float:
    import openai

    client = openai.OpenAI(base_url=server.base_url, api_key="bench")
    started = time.monotonic()
    for conversation in messages:
        client.chat.completions.create(model="m", messages=conversation)
    return time.monotonic() - started


def thread_pool(server: ChatServer, messages: list, workers: int) -> tuple[float, int]:
    import openai

    client = openai.OpenAI(base_url=server.base_url, api_key="bench")  # SDK default retries
    failures = 0

    def one(conversation: list) -> bool:
        try:
            client.chat.completions.create(model="m", messages=conversation)
            return True
        except openai.OpenAIError:
            return False

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        failures = sum(not ok for ok in pool.map(one, messages))
    return time.monotonic() - started, failures


def peak_memory_mb(server: ChatServer, queued: int, work: int, root: Path) -> float:
    folder, outputs = root / f"mem{queued}", root / f"mem{queued}-out"
    write_inputs(folder, queued)
    code = (
        "import asyncio, resource, sys\n"
        "from pathlib import Path\n"
        "from pipeline.batch.runner import run_batch\n"
        "from pipeline.cli.batch import enqueue\n"
        "from pipeline.backends.openai import OpenAIBackend\n"
        "from pipeline.settings import Settings\n"
        f"s = Settings(backend='openai', outputs=Path({str(outputs)!r}), concurrency=16)\n"
        f"enqueue(Path({str(folder)!r}), s, force=False)\n"
        "async def main():\n"
        "    stop = asyncio.Event()\n"
        f"    def watch(report):\n        if report.progress.done >= {work}: stop.set()\n"
        "    await run_batch(s, OpenAIBackend(s), on_progress=watch, stop=stop)\n"
        "asyncio.run(main())\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=batch_env(server),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--rpm", type=float, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument(
        "--database-url", help="Measure 1-3 workers sharing this PostgreSQL database instead."
    )
    args = parser.parse_args()
    ceiling = min(args.rpm / 60, args.concurrency / args.latency)
    root = Path(tempfile.mkdtemp(prefix="pls-bench-"))
    folder = root / "in"
    write_inputs(folder, args.n)
    if args.database_url:
        import shared_workers

        shared_workers.main(
            args.database_url, folder, root, args.n, args.latency, args.rpm, args.concurrency
        )
        return
    messages = messages_for(folder)

    with ChatServer() as server:
        server.default = lambda body: Reply(GOOD)
        server.latency, server.rpm_limit = args.latency, args.rpm

        ours = run_pls(server, folder, root / "ours", args, args.rpm)
        ours_429 = server.rate_limited / max(1, len(server.requests))
        lost, duplicated = integrity(root / "ours", args.n)
        report = json.loads(next((root / "ours" / "runs").glob("*.json")).read_text())
        drafting = report["wall_seconds"]
        print(
            f"pls batch: {args.n} studies; drafting phase {drafting:.1f} s = "
            f"{args.n / drafting:.2f}/s against a ceiling of {ceiling:.2f}/s -> "
            f"{args.n / drafting / ceiling:.1%} of ceiling ({args.n / ours / ceiling:.1%} "
            f"counting process start-up and queueing, {ours:.1f} s); 429s {ours_429:.2%} of "
            f"{len(server.requests)} requests; lost {lost}, duplicated {duplicated}"
        )

        server.requests.clear()
        server.rate_limited = 0
        seq = sequential(server, messages)
        print(
            f"sequential loop: {seq:.1f} s = {args.n / seq:.2f}/s -> pls batch is "
            f"{seq / drafting:.2f}x faster ({seq / ours:.2f}x counting start-up)"
        )

        server.requests.clear()
        server.rate_limited = 0
        pool_time, pool_failed = thread_pool(server, messages, args.concurrency)
        pool_429 = server.rate_limited / max(1, len(server.requests))
        done = args.n - pool_failed
        print(
            f"thread pool ({args.concurrency} threads, SDK default retries): {pool_time:.1f} s,"
            f" {done} of {args.n} done ({pool_failed} lost to 429s after the SDK's retries), "
            f"429s {pool_429:.1%} of {len(server.requests)} requests; completed studies per "
            f"second {done / pool_time:.2f} vs {args.n / drafting:.2f} for pls batch"
        )

        if not args.skip_kill:
            server.requests.clear()
            killed = run_pls(server, folder, root / "killed", args, args.rpm, kill_at=(0.3, 0.6))
            lost, duplicated = integrity(root / "killed", args.n)
            print(
                f"killed twice (SIGKILL at 30% and 60%) and resumed: {killed:.1f} s = "
                f"{killed / ours:.2f}x the uninterrupted run; lost {lost}, "
                f"duplicated {duplicated}"
            )

        server.latency, server.rpm_limit = 0.0, None
        quick = run_pls(server, folder, root / "overhead", args, 0)
        quick = json.loads(next((root / "overhead" / "runs").glob("*.json")).read_text())[
            "wall_seconds"
        ]
        print(
            f"pipeline overhead per study (zero-latency server, no rate limit, local HTTP "
            f"included): "
            f"{quick / args.n * 1000:.1f} ms wall at concurrency {args.concurrency}"
        )

        small = peak_memory_mb(server, 50, 50, root)
        large = peak_memory_mb(server, 5000, 50, root)
        print(
            f"peak memory drafting 50 studies: {small:.0f} MB with 50 queued, {large:.0f} MB "
            f"with 5,000 queued ({large / small:.2f}x)"
        )


if __name__ == "__main__":
    main()
