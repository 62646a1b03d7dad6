"""`pls eval`: a corpus in, a report with stable keys, a Markdown summary and a figure out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CORPUS
from typer.testing import CliRunner

from pipeline.cli import app

KEYS = {
    "n",
    "drafts_median_fkgl",
    "references_median_fkgl",
    "caveat_coverage",
    "ungrounded_number_rate",
    "seconds_per_abstract",
    "check_pass_rates",
    "tokens",
    "cost_usd",
    "caveats_required",
    "caveats_present",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    lines = (CORPUS / "plaba_early2022_first150.jsonl").read_text().splitlines()[:6]
    path = tmp_path / "mini.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_eval_writes_report_json_markdown_and_figure(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", str(corpus), "--run", "t1", "--outputs", str(out)])
    assert result.exit_code == 0, result.output
    folder = out / "eval" / "t1"
    report = json.loads((folder / "report.json").read_text())
    assert set(report) >= KEYS
    assert report["n"] == 6 and report["backend"] == "offline" and report["cost_usd"] == 0
    assert report["drafts_median_fkgl"] < report["references_median_fkgl"]
    assert 0 <= report["caveat_coverage"] <= 1
    assert report["caveats_required"]["consult_clinician"] == 6
    assert all(0 <= rate <= 1 for rate in report["check_pass_rates"].values())
    assert len(report["items"]) == 6
    markdown = (folder / "report.md").read_text()
    assert "median Flesch-Kincaid grade, drafts" in markdown and "readability.png" in markdown
    assert (folder / "readability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_limit_and_missing_file(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "eval",
            str(corpus),
            "--limit",
            "2",
            "--run",
            "t2",
            "--backend",
            "offline",
            "--outputs",
            str(out),
        ],
    )
    assert result.exit_code == 0
    assert json.loads((out / "eval" / "t2" / "report.json").read_text())["n"] == 2
    missing = runner.invoke(app, ["eval", str(tmp_path / "nope.jsonl"), "--outputs", str(out)])
    assert missing.exit_code == 2


def test_eval_with_an_llm_backend_counts_tokens_and_cost(corpus: Path, tmp_path: Path) -> None:
    from chat_server import ChatServer, Reply
    from helpers import GOOD_REPLY as GOOD

    out = tmp_path / "out"
    with ChatServer() as server:
        server.default = lambda body: Reply(
            GOOD, prompt_tokens=1000, completion_tokens=500, cached_tokens=200
        )
        result = CliRunner().invoke(
            app,
            [
                "eval",
                str(corpus),
                "--limit",
                "3",
                "--run",
                "llm",
                "--backend",
                "openai",
                "--outputs",
                str(out),
            ],
            env={
                "OPENAI_BASE_URL": server.base_url,
                "OPENAI_API_KEY": "test",
                "PLS_REVISE_ROUNDS": "0",
                # A local server answers under any model name, so list prices never apply
                # there (cost is null); price it as gpt-4o-mini explicitly.
                "PLS_MODEL_PRICES": '{"gpt-4o-mini": [0.15, 0.075, 0.6]}',
            },
        )
        assert result.exit_code == 0, result.output
        assert len(server.requests) == 3
    report = json.loads((out / "eval" / "llm" / "report.json").read_text())
    assert report["backend"] == "openai"
    assert report["tokens"] == {"prompt": 3000, "completion": 1500, "cached": 600}
    expected = (2400 * 0.15 + 600 * 0.075 + 1500 * 0.60) / 1e6
    assert report["cost_usd"] == pytest.approx(expected, abs=1e-4)
