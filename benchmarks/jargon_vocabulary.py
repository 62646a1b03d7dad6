"""Which words count as jargon: the plain vocabulary alone against familiar words.

    .venv/bin/python benchmarks/jargon_vocabulary.py

A good rule for "a term a reader may not know" finds many such words in the corpus abstracts
and few in the plain-language versions people wrote of them. For each rule this prints the
hard words (three or more syllables, distinct per text) per 100 words in abstracts and in
their human lay versions, and the ratio between the two: higher separates them better. The
CELLS file is left out: its reference texts are significance statements, not lay summaries.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable
from pathlib import Path

from pipeline.text import is_familiar, is_plain, syllables

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]+(?:-[a-z]+)*(?![\w-])")


def hard_per_100(text: str, known: Callable[[str], bool]) -> float | None:
    found = WORD.findall(text)
    if not found:
        return None
    distinct = {w.lower() for w in found}
    return 100 * sum(1 for w in distinct if syllables(w) >= 3 and not known(w)) / len(found)


def main() -> None:
    pairs = [
        (row["abstract"], row["reference_summary"])
        for path in sorted(CORPUS.glob("*.jsonl"))
        if not path.name.startswith("cells")
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    ]
    print(f"{len(pairs)} abstracts with a human lay version")
    for name, known in (("plain vocabulary alone", is_plain), ("familiar words", is_familiar)):
        ours = [hard_per_100(a, known) for a, _ in pairs]
        theirs = [hard_per_100(lay, known) for _, lay in pairs]
        a = statistics.mean(x for x in ours if x is not None)
        b = statistics.mean(x for x in theirs if x is not None)
        print(f"{name}: abstracts {a:.1f}, lay versions {b:.1f} per 100 words, ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
