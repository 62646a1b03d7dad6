"""Taking in 1,000 new PubMed records through a watch, against the local E-utilities double.

    .venv/bin/python benchmarks/watch_intake.py [--records 1000]

Serves `--records` distinct records (the corpus's real PubMed XML and the project's MS
samples, cycled with new PMIDs, DOIs and titles) from tests/watch/watch_server.py on
127.0.0.1, with NCBI's limit enforced (3 requests a second without a key, 429 beyond), and
runs one watch over them into a fresh SQLite store: esearch, efetch in pages of 200, ingest,
deduplication, triage, storing. Prints the request rate the watch kept (requests over the span
they were sent in, and the most in any one second) against the limit, the 429s, and the wall
time, beside a same-run baseline: the ingest alone parsing the same efetch pages from memory.
A second run over the same records (nothing new) is timed too. Then the same with an API key
(limit 10 a second).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "watch"))

from watch_server import INPUTS, WatchServer, corpus_articles, records  # noqa: E402

from pipeline.ingest import load_records  # noqa: E402
from pipeline.records import Watch  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.watch import PAGE, EUtils, Fetcher, limit, rate, run_watch  # noqa: E402


def busiest_second(starts: list[float]) -> int:
    most, first = 0, 0
    for last, moment in enumerate(starts):
        while moment - starts[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def one(count: int, key: str | None) -> None:
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    pool = records(corpus_articles(INPUTS) + corpus_articles(), count, today)
    base = Settings(ncbi_api_key=key)
    with WatchServer(pool, limit=int(limit(base))) as server, tempfile.TemporaryDirectory() as d:
        settings = base.model_copy(update={"eutils_url": server.url, "outputs": Path(d)})
        fetcher = Fetcher(settings, pace=rate(settings))
        with Store(settings.db_path) as store:
            watch = store.add_watch(Watch(name="ms", kind="pubmed", target="ms"))
            started = time.perf_counter()
            summary = run_watch(store, watch, settings, fetcher=fetcher)
            took = time.perf_counter() - started
            throttled = server.throttled
            starts = fetcher.started
            span = starts[-1] - starts[0]
            again_started = time.perf_counter()
            again = run_watch(store, store.watch("ms"), settings)
            again_took = time.perf_counter() - again_started
        # baseline: the same pages, already in memory, through the ingest alone
        eutils = EUtils(settings, Fetcher(settings, pace=None))
        search = eutils.search("ms", "0", "9")
        pages = []
        for start in range(0, search.count, PAGE):
            pages.append(eutils.fetch(search, start))
            time.sleep(1.0 / rate(settings))
        parse_started = time.perf_counter()
        parsed = sum(len(load_records(p, "page", ".xml", settings).studies) for p in pages)
        parse_took = time.perf_counter() - parse_started
        # the pace alone: 40 esearch requests back to back, as fast as the watch may send them
        time.sleep(1.0)
        before = server.throttled
        paced = Fetcher(settings, pace=rate(settings))
        burst = EUtils(settings, paced)
        burst_started = time.perf_counter()
        for _ in range(40):
            burst.search("ms", "0", "9")
        burst_took = time.perf_counter() - burst_started
        burst_429 = server.throttled - before
    label = "with an API key" if key else "without an API key"
    print(
        f"\n{count:,} records, {label} "
        f"(NCBI limit {limit(settings):g}/s, paced at {rate(settings):g}/s)"
    )
    print(f"  status {summary.status}; {summary.counts}")
    print(
        f"  intake: {fetcher.requests} requests in {span:.2f} s, busiest second "
        f"{busiest_second(starts)}; 429s {throttled}"
    )
    print(
        f"  pace alone: {paced.requests} requests back to back in {burst_took:.2f} s: "
        f"{(paced.requests - 1) / (paced.started[-1] - paced.started[0]):.2f}/s "
        f"({(paced.requests - 1) / (paced.started[-1] - paced.started[0]) / limit(settings):.0%} "
        f"of the limit), busiest second {busiest_second(paced.started)}; 429s {burst_429}"
    )
    print(f"  intake {took:.2f} s ({took / count * 1000:.1f} ms per record)")
    print(f"  baseline, ingest alone on the same pages: {parse_took:.2f} s for {parsed} studies")
    print(f"  intake / ingest: {took / parse_took:.1f}x")
    print(f"  second run, nothing new: {again_took:.2f} s ({again.counts})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    one(args.records, None)
    one(args.records, "benchmark-key")


if __name__ == "__main__":
    main()
