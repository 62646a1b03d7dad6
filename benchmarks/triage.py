"""Relevance triage on a labelled set: precision and recall of "worth a summary for people with
MS", on records not used to write the rules.

    .venv/bin/python benchmarks/triage.py

The set is `tests/fixtures/triage_labels.jsonl`, labelled before any rule was written: the
shared corpus holds no MS study at all, so its 554 records (PLABA, Cochrane, CELLS, eLife and
the PubMed XML, by reference, never copied) are the negatives, and 24 MS abstracts and 12
near misses (mass spectrometry "MS", systemic and tuberous sclerosis, ALS, NMOSD, an "MS"
degree...) were written for the project. Each record is in `dev` (what the rules were written
and tuned on) or `test` (never looked at while writing them). Printed for each split:
the rules; a keyword baseline (the condition's name or abbreviation anywhere); and, on test,
the learned model (logistic regression over TF-IDF and the rules' features) fitted on dev, as
the house's decisions would fit it. `blind` is 10 MS abstracts and 10 near misses (metabolic
syndrome and mitral stenosis called "MS", tandem MS, hippocampal sclerosis, optic neuritis
with MOG antibodies...) written after the rules were finished and measured once; the rules
were not changed after seeing its figures.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest import load_file_tolerant
from pipeline.records import Study
from pipeline.settings import Settings
from pipeline.watch import trained, triage

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
LABELS = ROOT / "tests" / "fixtures" / "triage_labels.jsonl"
KEYWORD = re.compile(r"multiple sclerosis|(?<![\w-])MS(?![\w-])")


def corpus_studies(settings: Settings) -> dict[tuple[str, str], Study]:
    found: dict[tuple[str, str], Study] = {}
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found[(path.name, row["id"])] = Study(
                id=row["id"], title=row.get("title") or "", abstract=row["abstract"]
            )
    for path in sorted((CORPUS / "pubmed_xml").rglob("*.xml")):
        try:
            loaded = load_file_tolerant(path, settings).studies
        except InputError:  # the empty result set
            continue
        for study in loaded:
            name = "pubmed_xml/" + str(path.relative_to(CORPUS / "pubmed_xml"))
            found[(name, study.pmid or "")] = study
    return found


def labelled(settings: Settings) -> list[tuple[str, Study, bool]]:
    corpus = corpus_studies(settings)
    out, missing = [], 0
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "file" in row:
            study = corpus.get((row["file"], row["id"]))
            if study is None:  # an article with no abstract: nothing to triage
                missing += 1
                continue
        else:
            study = Study(
                id=row["id"],
                title=row["title"],
                abstract=row["abstract"],
                mesh_terms=row["mesh_terms"],
                keywords=row["keywords"],
            )
        out.append((row["split"], study, bool(row["label"])))
    print(f"labelled records: {len(out)} ({missing} corpus articles without an abstract left out)")
    return out


def scores(predicted: list[bool], truth: list[bool]) -> str:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    return f"precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"


def main() -> None:
    settings = Settings()
    rows = labelled(settings)
    dev = [(s, y) for split, s, y in rows if split == "dev"]
    test = [(s, y) for split, s, y in rows if split == "test"]
    blind = [(s, y) for split, s, y in rows if split == "blind"]
    parts = (
        ("dev (rules written on it)", dev),
        ("test (held out)", test),
        ("blind (written after the rules, measured once)", blind),
    )
    for name, part in parts:
        truth = [y for _, y in part]
        started = time.perf_counter()
        rules = [triage(s, settings).relevant for s, _ in part]
        per = (time.perf_counter() - started) / len(part) * 1000
        keyword = [bool(KEYWORD.search(f"{s.title} {s.abstract}")) for s, _ in part]
        print(f"\n{name}: {len(part)} records, {sum(truth)} MS")
        print(f"  rules            {scores(rules, truth)}  [{per:.1f} ms per study]")
        print(f"  keyword baseline {scores(keyword, truth)}")
    learned = trained(dev, settings.model_copy(update={"triage_min_decisions": 10}))
    assert learned is not None
    for name, part in (("test", test), ("blind", blind)):
        truth = [y for _, y in part]
        fitted = [triage(s, settings, learned).relevant for s, _ in part]
        print(f"\nlearned (fitted on dev) on {name}: {scores(fitted, truth)}")
    for name, part in (("test", test), ("blind", blind)):
        wrong = [s.title[:70] for s, y in part if triage(s, settings).relevant != y]
        print(f"\nrules' mistakes on {name}: {len(wrong)}" + "".join(f"\n  - {t}" for t in wrong))


if __name__ == "__main__":
    main()
