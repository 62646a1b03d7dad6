"""`pls eval --explainers`: a topic explainer per brief from the corpus, checked and reported
with the summary eval's figures plus source coverage and grounding; a bad line or source is
one line and the rest are evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BRIEFS = FIXTURES / "explainer_briefs.jsonl"
HELD_OUT = FIXTURES / "explainer_briefs_heldout.jsonl"  # written after the drafter was tuned
runner = CliRunner()


@pytest.mark.parametrize("path", [BRIEFS, HELD_OUT], ids=["briefs", "held-out"])
def test_the_project_briefs_each_name_three_to_eight_corpus_studies(path: Path) -> None:
    briefs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    assert len(briefs) >= 5
    for brief in briefs:
        assert 3 <= len(brief["sources"]) <= 8 and brief["topic"] and brief["brief"]
        corpus = Path("../shared/corpus") / brief["corpus"]
        ids = {json.loads(line)["id"] for line in corpus.read_text().splitlines()}
        assert set(brief["sources"]) <= ids


def test_eval_explainers_reports_coverage_grounding_and_check_rates(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "eval",
            "--explainers",
            str(BRIEFS),
            "--limit",
            "2",
            "--backend",
            "offline",
            "--outputs",
            str(tmp_path),
            "--run",
            "x",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "eval" / "x" / "explainers.json").read_text())
    assert report["n"] == 2 and report["failed"] == 0
    for key in (
        "source_coverage",
        "ungrounded_number_rate",
        "ungrounded_name_rate",
        "caveat_coverage",
        "explainers_median_fkgl",
        "check_pass_rates",
    ):
        assert key in report
    assert report["source_coverage"] == 1.0 and report["ungrounded_number_rate"] == 0.0
    assert "| source coverage" in (tmp_path / "eval" / "x" / "explainers.md").read_text()


def test_a_bad_line_or_source_is_one_line_and_the_rest_are_evaluated(tmp_path: Path) -> None:
    good = BRIEFS.read_text().splitlines()[0]
    wrong = json.loads(good) | {"sources": ["PLABA2022-q12-24215414", "nope-1", "nope-2"]}
    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text("\n".join([good, "{not json", json.dumps(wrong)]) + "\n")
    result = runner.invoke(
        app,
        [
            "eval",
            "--explainers",
            str(briefs),
            "--backend",
            "offline",
            "--outputs",
            str(tmp_path),
            "--run",
            "y",
        ],
    )
    assert result.exit_code == 1
    assert "briefs.jsonl:2: not a brief" in result.output
    assert "nope-1: not a record of plaba_early2022_first150.jsonl" in result.output
    report = json.loads((tmp_path / "eval" / "y" / "explainers.json").read_text())
    assert report["n"] == 1 and report["failed"] == 1
