"""Evaluate: a corpus file in (the shared-corpus JSONL); a report on how good the drafts are
out (readability against the human references, check pass rates, coverage, cost).

    evaluation.py   run the pipeline over a corpus and summarise it
    report.py       `outputs/eval/<run>/report.md`, `report.json` and a figure
"""

from __future__ import annotations

from pipeline.evaluate.evaluation import EvalItem, evaluate, summarise
from pipeline.evaluate.report import write_eval_report

__all__ = ["EvalItem", "evaluate", "summarise", "write_eval_report"]
