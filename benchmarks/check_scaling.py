"""Checks stay linear in the size of a section (issue 10, defect 17).

    .venv/bin/python benchmarks/check_scaling.py

Edits are capped (`max_section_chars`) before any check runs; this calls the checks directly,
past the cap, on What They Found sections from ~5 KB to ~300 KB (the issue's reproducer was a
325 KB section that took over 120 s), and prints the time per character as a ratio to the
smallest size, measured in this run. Linear work keeps the ratio near 1.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import make_summary  # noqa: E402

from pipeline.checks import run_checks  # noqa: E402
from pipeline.ingest import load_file  # noqa: E402
from pipeline.profile import profile_study  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

UNIT = (
    "Vitamin D levels were linked to fewer relapses in people with MS (p < 0.05), and the "
    "link held after age was taken into account, e.g. in women. "
)


def main() -> None:
    settings = Settings()
    study = load_file(ROOT / "inputs" / "ms_cohort_vitamin_d.json", settings)[0]
    profile = profile_study(study, settings)
    summary = make_summary()
    # Load dictionaries and compile patterns outside the timing.
    run_checks(study, profile, summary.model_copy(update={"what_they_found": UNIT}), settings)
    baseline = None
    for repeats in (32, 128, 512, 2048):
        text = UNIT * repeats
        edited = summary.model_copy(update={"what_they_found": text})
        started = time.perf_counter()
        run_checks(study, profile, edited, settings)
        seconds = time.perf_counter() - started
        per_char = seconds / len(text)
        baseline = baseline or per_char
        print(
            f"{len(text):>8,} characters: {seconds * 1000:8.1f} ms, "
            f"{per_char * 1e6:.2f} us/char, {per_char / baseline:.2f}x the smallest's rate"
        )


if __name__ == "__main__":
    main()
