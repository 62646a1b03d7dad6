"""A batch survives what it cannot foresee: Ctrl-C at any moment of start-up exits 130 with the
resume hint (issue 10, defect 29), and a bug one study trips fails that study only, in
`pls batch` and `pls draft` alike (guarantee 1). In process, through the CLI runner."""

from __future__ import annotations

import runpy
import sqlite3
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import clean_environment, outcome_by_marker, write_studies
from typer.testing import CliRunner

import pipeline.batch.runner as runner
import pipeline.batch.stages as stages
import pipeline.cli.batch as cli_batch
from pipeline.cli import app
from pipeline.records import Study

clean_env = pytest.fixture(autouse=True)(clean_environment)
HINT = "Run the same command again to resume where it stopped."
MARKERS = ["B01", "B02", "B03"]


def pls(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def batch(tmp_path: Path) -> tuple[int, str, str]:
    return pls("batch", tmp_path / "in", "--backend", "offline", "--outputs", tmp_path / "out")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_studies(tmp_path / "in", MARKERS)
    return tmp_path / "in"


def test_ctrl_c_while_queueing_exits_130_with_the_hint(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cli_batch.studies_from

    def interrupted(paths: list[Path], settings: object) -> Iterator[object]:
        items = real(paths, settings)  # type: ignore[arg-type]
        yield next(iter(items))
        raise KeyboardInterrupt  # Ctrl-C after the first study was queued

    monkeypatch.setattr(cli_batch, "studies_from", interrupted)
    code, stdout, stderr = batch(tmp_path)
    assert code == 130, stdout + stderr
    assert HINT in stderr and "Aborted" not in stdout + stderr
    monkeypatch.undo()
    assert batch(tmp_path)[0] == 0  # and the same command resumes
    assert {state for state, _ in outcome_by_marker(tmp_path / "out").values()} == {"needs_review"}


def test_ctrl_c_before_the_runs_own_handler_is_in(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "repair_views", interrupted)
    code, stdout, stderr = batch(tmp_path)
    assert code == 130, stdout + stderr
    assert HINT in stderr
    db = sqlite3.connect(tmp_path / "out" / "pls.sqlite3")
    assert {state for (state,) in db.execute("SELECT state FROM studies")} == {"queued"}
    db.close()


def trips_on_b02(real: Callable[..., Any]) -> Callable[..., Any]:
    """`profile_study` that raises an unforeseen error for study B02 only."""

    def profile(study: Study, *args: Any, **kwargs: Any) -> Any:
        if study.title.startswith("Study B02:"):
            raise RuntimeError("a bug this abstract trips")
        return real(study, *args, **kwargs)

    return profile


@pytest.mark.parametrize("command", ["batch", "draft"])
def test_a_bug_one_study_trips_fails_that_study_not_the_run(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setattr(runner, "profile_study", trips_on_b02(runner.profile_study))
    monkeypatch.setattr(stages, "profile_study", trips_on_b02(stages.profile_study))
    target = folder if command == "batch" else folder / "studies.jsonl"
    code, stdout, stderr = pls(
        command, target, "--backend", "offline", "--outputs", tmp_path / "out"
    )
    assert code == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr
    failed = [line for line in stderr.splitlines() if "unexpected RuntimeError" in line]
    assert len(failed) == 1 and "studies.jsonl#2" in failed[0], stderr
    outcomes = outcome_by_marker(tmp_path / "out")
    assert outcomes["B01"][0] == outcomes["B03"][0] == "needs_review"
    state, error = outcomes["B02"]
    assert state == "failed" and error and "a bug this abstract trips" in error


def test_ctrl_c_while_the_cli_is_importing_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m pipeline` interrupted before any command runs (the imports take a second)."""

    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> Any:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "pipeline.cli", Importing("pipeline.cli"))
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("pipeline", run_name="__main__")
    assert exited.value.code == 130
    assert HINT in capsys.readouterr().err
