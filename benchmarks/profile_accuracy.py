"""Study-profile accuracy per field on the hand-labelled corpus abstracts, set by set.

    .venv/bin/python benchmarks/profile_accuracy.py

Three label files in tests/fixtures/: the set the rules were tuned on, the former held-out set
(now used for development), and a blind set labelled before the last rule changes. The blind
set is the honest estimate. Prints accuracy for design, species, participants and audience
condition, and the most common design confusions (label -> profiler).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import profile_accuracy  # noqa: E402

SETS = {
    "tuning (rules tuned on it)": "profile_labels.jsonl",
    "development (former held-out)": "profile_labels_holdout.jsonl",
    "blind (measured once)": "profile_labels_blind.jsonl",
}


def main() -> None:
    for name, filename in SETS.items():
        accuracy, n, confused = profile_accuracy(ROOT / "tests" / "fixtures" / filename)
        scores = ", ".join(f"{field} {value:.3f}" for field, value in accuracy.items())
        print(f"{name}: n={n}: {scores}")
        if confused:
            pairs = ", ".join(f"{a}->{b} x{c}" for (a, b), c in confused.most_common(5))
            print(f"  design confusions: {pairs}")


if __name__ == "__main__":
    main()
