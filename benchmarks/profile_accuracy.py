"""Study-profile accuracy per field on the hand-labelled corpus abstracts, set by set.

    .venv/bin/python benchmarks/profile_accuracy.py

Five label files in tests/fixtures/: the set the rules were tuned on, the former held-out set
(now used for development), the first blind set (labelled before the issue-4 rules), the new
blind set of issue 11 (corpus JSONL and PubMed XML; development data for the issue-11 rules),
and the third blind set, labelled while the issue-11 rules were written, unseen by them, and
measured once after them. Prints accuracy for design, species, participants and audience
condition, the share of studies of people profiled as `other`, the most common design
confusions (label -> profiler), and, for the new set, the same for its PubMed XML articles
alone and for those whose publication types name a design.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import labelled_studies, profile_accuracy  # noqa: E402

from pipeline.profile import profile_study  # noqa: E402
from pipeline.records import Study  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

SETS = {
    "tuning (rules tuned on it)": "profile_labels.jsonl",
    "development (former held-out)": "profile_labels_holdout.jsonl",
    "blind (issue 4, measured once)": "profile_labels_blind.jsonl",
    "new blind (issue 11, measured once)": "profile_labels_new.jsonl",
    "third blind (issue 11, after its rules, measured once)": "profile_labels_blind3.jsonl",
}
# Publication types that name a design, as PubMed indexes them.
DESIGN_TYPES = (
    "meta-analysis",
    "systematic review",
    "review",
    "randomized controlled trial",
    "clinical trial",
    "case reports",
    "observational study",
    "comparative study",
)


def _typed(label: dict, study: Study) -> bool:
    return any(p.lower().startswith(DESIGN_TYPES) for p in study.publication_types)


Where = Callable[[dict, Study], bool]
SUBSETS: dict[str, Where] = {
    "  PubMed XML articles": lambda label, study: label["file"].endswith(".xml"),
    "  PubMed XML with a design publication type": _typed,
}


def _report(name: str, filename: str, where: Where | None = None) -> None:
    path = ROOT / "tests" / "fixtures" / filename
    accuracy, n, confused = profile_accuracy(path, where)
    scores = ", ".join(f"{field} {value:.3f}" for field, value in accuracy.items())
    print(f"{name}: n={n}: {scores}")
    if confused:
        pairs = ", ".join(f"{a}->{b} x{c}" for (a, b), c in confused.most_common(8))
        print(f"  design confusions: {pairs}")
    print(f"  right / all by confidence: {_calibration(path, where)}")


def _calibration(path: Path, where: Where | None) -> str:
    """How often each confidence level is right: high should be nearly always, low often not."""
    tally: dict[tuple[str, str], list[int]] = {}
    settings = Settings()
    for label, study in labelled_studies(path):
        if where and not where(label, study):
            continue
        profile = profile_study(study, settings)
        for field in ("design", "species", "participants"):
            value = getattr(profile, field)
            sure = profile.confidence.get(field)
            cell = tally.setdefault((field, sure.level if sure else "none"), [0, 0])
            cell[0] += getattr(value, "value", value) == label[field]
            cell[1] += 1
    order = {"high": 0, "medium": 1, "low": 2, "none": 3}
    keys = sorted(tally, key=lambda k: (k[0], order[k[1]]))
    return ", ".join(f"{f} {lv} {tally[f, lv][0]}/{tally[f, lv][1]}" for f, lv in keys)


def main() -> None:
    for name, filename in SETS.items():
        _report(name, filename)
    for name, where in SUBSETS.items():
        _report(name, "profile_labels_new.jsonl", where)


if __name__ == "__main__":
    main()
