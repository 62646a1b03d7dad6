"""Evaluate: a corpus file in (the shared-corpus JSONL); a report on how good the drafts are
out (readability against the human references, check pass rates, coverage, cost).

    evaluation.py   run the pipeline over a corpus and summarise it
    report.py       `outputs/eval/<run>/report.md`, `report.json` and a figure
    explainers.py   `--explainers`: a topic explainer per brief, checked and summarised
    corrections.py  `--profile-corrections`: reviewers' profile corrections as JSONL labels
"""

from __future__ import annotations

from pipeline.evaluate.corrections import CorrectionLabels, correction_labels
from pipeline.evaluate.evaluation import EvalItem, evaluate, summarise
from pipeline.evaluate.explainers import (
    ExplainerItem,
    evaluate_explainers,
    summarise_explainers,
    write_explainer_report,
)
from pipeline.evaluate.report import write_eval_report

__all__ = [
    "CorrectionLabels",
    "EvalItem",
    "ExplainerItem",
    "correction_labels",
    "evaluate",
    "evaluate_explainers",
    "summarise",
    "summarise_explainers",
    "write_eval_report",
    "write_explainer_report",
]
