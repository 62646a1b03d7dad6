"""Offline pipeline over the shared corpus: time per abstract and readability against references.

    .venv/bin/python benchmarks/offline_corpus.py [--limit N]

Runs ingest → profile → offline draft (with revise rounds) → checks on every abstract in
../shared/corpus/*.jsonl and prints the per-abstract time, the median Flesch-Kincaid grade of the
drafts and of the human reference summaries of the same abstracts (measured the same way), and
how many drafts carry every required caveat and no ungrounded number.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.settings import Settings
from pipeline.text import measure

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="abstracts per corpus file (0: all)")
    args = parser.parse_args()
    settings = Settings()
    backend = OfflineBackend(settings)

    references: dict[str, str] = {}
    studies = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        loaded = load_file_tolerant(path, settings).studies
        if args.limit:
            loaded = loaded[: args.limit]
        by_source = {f"{path}#{i}": row for i, row in enumerate(rows, start=1)}
        for study in loaded:
            references[study.id] = by_source[study.source]["reference_summary"]
            studies.append(study)

    profile_study(studies[0], settings)  # load dictionaries outside the timed loop
    started = time.perf_counter()
    records = [draft_study(s, profile_study(s, settings), backend, settings) for s in studies]
    elapsed = time.perf_counter() - started

    def grade(record) -> float:
        return next(c.value for c in record.checks if c.id == "readability.overall")

    drafts = [grade(r) for r in records]
    refs = [round(measure(references[r.study.id]).fkgl, 1) for r in records]
    caveats = sum(all(c.passed for c in r.checks if c.id.startswith("caveat.")) for r in records)
    grounded = sum(next(c for c in r.checks if c.id == "grounding.numbers").passed for r in records)
    attention = sum(r.status == "needs_attention" for r in records)
    n = len(records)
    print(f"abstracts: {n}")
    print(f"time per abstract: {elapsed / n * 1000:.1f} ms (total {elapsed:.1f} s)")
    print(f"median FKGL drafts: {statistics.median(drafts):.1f}")
    print(f"median FKGL human references: {statistics.median(refs):.1f}")
    print(f"ratio drafts/references: {statistics.median(drafts) / statistics.median(refs):.2f}")
    print(f"drafts with every required caveat: {caveats}/{n}")
    print(f"drafts with no ungrounded number: {grounded}/{n}")
    print(f"drafts still needing attention after revise rounds: {attention}/{n}")


if __name__ == "__main__":
    main()
