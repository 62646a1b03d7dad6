"""The site build at scale: 5,000 published summaries, full and incremental, on one core.

    .venv/bin/python benchmarks/site_build.py [--count 5000]

Publishes `--count` synthetic summaries into a fresh store (each made from a corpus abstract
in ../shared/corpus/*.jsonl: its sentences as the sections, its frequent words as topics, a
DOI and a PMID; the publication document has the shape `pls publish` writes), pinned to one CPU
with one BLAS thread, then times: a full build into an empty folder; a rebuild with nothing
changed; and a rebuild after 10 new publications and 1 republished edit. It prints each time,
the files written, and the incremental times as a ratio to the full build's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the issue asks
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pipeline.records import Study
from pipeline.settings import Settings
from pipeline.site import build_site
from pipeline.store import Store

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
STOP = {"these", "their", "which", "there", "about", "after", "study", "patients", "results"}


def abstracts() -> list[str]:
    rows = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        rows += [json.loads(line)["abstract"] for line in path.read_text().splitlines()]
    return rows


def document(n: int, text: str, at: datetime) -> tuple[Study, dict]:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 20] or [text]
    words = [w for w in re.findall(r"[a-z]{5,}", text.lower()) if w not in STOP]
    topics = [w.capitalize() for w, _ in Counter(words).most_common(4)] or ["Research"]
    title = " ".join(text.split()[:8]).rstrip(".,;:") + f" ({n})"
    study = Study(id=f"pmid-{10_000_000 + n}", title=title, abstract=text, source="synthetic")
    summary = {
        "title": title,
        "teaser": ("Learn how " + " ".join(sentences[0].split()[:12]).lower())[:108],
        "key_takeaway": sentences[0],
        "what_they_found": " ".join(sentences[1:5]) or sentences[0],
        "who_should_care": " ".join(sentences[5:8]) or sentences[0],
        "important_considerations": "Talk with your healthcare provider before making changes.",
        "topics": topics,
        "interest": {"score": 1 + n % 5, "reason": "Synthetic."},
        "credibility": {"score": 1 + n % 4, "reason": "Synthetic."},
    }
    stamp = at.isoformat(timespec="seconds")
    doc = {
        "slug": f"synthetic-summary-{n}",
        "revision": 1,
        "study": {
            "id": study.id,
            "title": title,
            "journal": "Journal of Synthetic Studies",
            "year": 2026,
            "doi": f"10.5555/synthetic.{n}",
            "pmid": str(10_000_000 + n),
        },
        "summary": summary,
        "required_caveats": ["consult_clinician"],
        "failing_checks": [],
        "provenance": {
            "drafted_by": "offline rules",
            "drafted_revision": 1,
            "drafted_at": stamp,
            "template_hashes": {},
            "edited_by": [],
            "reviewer": "bench",
            "approved_at": stamp,
            "override": None,
            "published_at": stamp,
        },
        "previous": [],
    }
    return study, doc


def publish(store: Store, start: int, count: int, texts: list[str]) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(start, start + count):
        study, doc = document(n, texts[n % len(texts)], base + timedelta(hours=n))
        store.upsert_study(study)
        store.add_publication(study.id, 1, doc["slug"], "bench", json.dumps(doc))


def timed(store: Store, settings: Settings, out: Path) -> tuple[float, int]:
    started = time.perf_counter()
    report = build_site(store, settings, out)
    return time.perf_counter() - started, len(report.written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = abstracts()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(outputs=Path(tmp) / "outputs")
        with Store(settings.db_path) as store:
            publish(store, 0, args.count, texts)
            out = Path(tmp) / "site"
            full, written = timed(store, settings, out)
            print(f"full build of {args.count} summaries: {full:.2f} s, {written} files written")
            same, written = timed(store, settings, out)
            print(
                f"rebuild, nothing changed: {same:.2f} s, {written} files written "
                f"({same / full:.3f}x the full build)"
            )
            publish(store, args.count, 10, texts)
            study, doc = document(7, texts[7] + " An edited sentence.", datetime.now(UTC))
            doc["revision"] = 2
            store.add_publication(study.id, 2, doc["slug"], "bench", json.dumps(doc))
            changed, written = timed(store, settings, out)
            print(
                f"rebuild after 10 new and 1 edited: {changed:.2f} s, {written} files written "
                f"({changed / full:.3f}x the full build)"
            )


if __name__ == "__main__":
    main()
