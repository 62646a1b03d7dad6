"""Study-profile accuracy per field on the hand-labelled corpus abstracts, set by set.

    .venv/bin/python benchmarks/profile_accuracy.py

Three label files in tests/fixtures/: the set the rules were tuned on, the former held-out set
(now used for development), and a blind set labelled before the last rule changes. The blind
set is the honest estimate. Prints accuracy for design, species, participants and audience
condition, and the most common design confusions (label -> profiler).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import corpus_rows  # noqa: E402

from pipeline.profile import profile_study  # noqa: E402
from pipeline.records import Study  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

SETS = {
    "tuning (rules tuned on it)": "profile_labels.jsonl",
    "development (former held-out)": "profile_labels_holdout.jsonl",
    "blind (measured once)": "profile_labels_blind.jsonl",
}


def main() -> None:
    settings = Settings()
    rows = {(r["file"], r["id"]): r for r in corpus_rows()}
    for name, filename in SETS.items():
        labels = [
            json.loads(line)
            for line in (ROOT / "tests" / "fixtures" / filename).read_text().splitlines()
        ]
        right: Counter[str] = Counter()
        confused: Counter[tuple[str, str]] = Counter()
        for label in labels:
            row = rows[(label["file"], label["id"])]
            profile = profile_study(
                Study(id=row["id"], title=row["title"] or "", abstract=row["abstract"]), settings
            )
            right["design"] += profile.design.value == label["design"]
            right["species"] += profile.species == label["species"]
            right["participants"] += profile.participants == label["participants"]
            right["audience"] += profile.studies_audience_condition == label["studies_ms"]
            if profile.design.value != label["design"]:
                confused[(label["design"], profile.design.value)] += 1
        n = len(labels)
        scores = ", ".join(
            f"{field} {right[field] / n:.3f}"
            for field in ("design", "species", "participants", "audience")
        )
        print(f"{name}: n={n}: {scores}")
        if confused:
            pairs = ", ".join(f"{a}->{b} x{c}" for (a, b), c in confused.most_common(5))
            print(f"  design confusions: {pairs}")


if __name__ == "__main__":
    main()
