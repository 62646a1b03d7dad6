"""`pls eval` on hostile input (issue 10, defect 16): a bad line, an `.xml` file, a lone
surrogate, a raw U+2028 inside a record, a whole mixed folder. Bad files and lines are named on
one line each (file, line, problem) like `pls batch` does, the rest are evaluated, and the exit
code is 1 when anything was skipped; never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import CORPUS, clean_environment, mixed_folder
from typer.testing import CliRunner

from pipeline.cli import app

clean_env = pytest.fixture(autouse=True)(clean_environment)
ROWS = [
    json.loads(line)
    for line in (CORPUS / "plaba_early2022_first150.jsonl").read_text().split("\n")[:4]
]


def run_eval(corpus: Path, outputs: Path) -> tuple[int, str, str, dict]:
    result = CliRunner().invoke(
        app,
        ["eval", str(corpus), "--backend", "offline", "--outputs", str(outputs), "--run", "r"],
        env={"COLUMNS": "300"},
    )
    assert "Traceback" not in result.output, result.output
    path = outputs / "eval" / "r" / "report.json"
    report = json.loads(path.read_text()) if path.is_file() else {}
    return result.exit_code, result.stdout, result.stderr, report


def row(n: int, **extra: object) -> dict[str, object]:
    keys = ("title", "abstract", "reference_summary")
    return {k: ROWS[n][k] for k in keys} | extra


def test_one_bad_line_is_named_and_the_rest_evaluated(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    lines = [json.dumps(row(0)), '{"title": "broken', json.dumps(row(1)), "[1, 2"]
    corpus.write_text("\n".join(lines) + "\n")
    code, _, stderr, report = run_eval(corpus, tmp_path / "out")
    assert code == 1
    assert report["n"] == 2 and report["references_median_fkgl"] is not None
    assert stderr.splitlines() == [
        "2 failed:",
        f"  {corpus} line 2: malformed JSON at column 11: Unterminated string starting at",
        f"  {corpus} line 4: malformed JSON at column 6: Expecting ',' delimiter",
    ]
    assert len(report["ingest_errors"]) == 2


def test_a_pubmed_xml_file_is_evaluated(tmp_path: Path) -> None:
    corpus = Path(__file__).resolve().parents[2] / "inputs" / "ms_pubmed_two_articles.xml"
    code, stdout, stderr, report = run_eval(corpus, tmp_path / "out")
    assert code == 0, stdout + stderr
    assert report["n"] == 2 and report["references_median_fkgl"] is None


def test_a_lone_surrogate_is_one_line_and_exit_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    bad = json.dumps(row(1) | {"title": "half a pair \ud800"})
    corpus.write_text(json.dumps(row(0)) + "\n" + bad + "\n")
    code, _, stderr, report = run_eval(corpus, tmp_path / "out")
    assert code == 1
    assert report["n"] == 1
    assert stderr.splitlines()[0] == "1 failed:"
    assert stderr.splitlines()[1].startswith(f"  {corpus} line 2: 'title' is not valid Unicode")


def test_a_raw_line_separator_inside_a_record_keeps_its_reference(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    split = json.dumps(row(0), ensure_ascii=False).replace(". ", ".\u2028 ", 1)
    assert "\u2028" in split
    corpus.write_text(split + "\n" + json.dumps(row(1)) + "\n", encoding="utf-8")
    code, stdout, stderr, report = run_eval(corpus, tmp_path / "out")
    assert code == 0, stdout + stderr
    assert report["n"] == 2
    assert all(item["reference_fkgl"] is not None for item in report["items"])


def test_a_mixed_folder_is_evaluated_like_a_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mixed = mixed_folder(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, stdout, stderr, report = run_eval(Path("mixed"), Path("outputs"))
    assert code == 1
    sources = sorted(item["source"] for item in report["items"])
    assert sources == sorted(f"mixed/{source}" for source in mixed.good.values())
    assert all(item["status"] != "failed" for item in report["items"])
    # The graded records carry their references: read past the bad lines, split on "\n" only.
    graded = {i["source"] for i in report["items"] if i["reference_fkgl"] is not None}
    assert graded == {"mixed/records.jsonl#1", "mixed/records.jsonl#3"}
    lines = stderr.splitlines()
    assert lines[0] == f"{len(mixed.bad)} failed:"
    for name, reason in mixed.bad.items():
        hits = [line for line in lines if line.startswith(f"  mixed/{name}:")]
        assert len(hits) == 1 and reason.lower() in hits[0].lower(), (name, stderr)
    assert "mixed/d.txt: skipped: a folder named like an input file" in stdout
    assert sorted(os.listdir(tmp_path)) == sorted([*before, "outputs"])  # nothing else written
