"""No traceback for anything a command did not catch (issue 10, guarantee 2): one line,
`pls: <command>: <problem>`, exit 1; `--debug` or PLS_DEBUG=1 shows the traceback instead."""

from __future__ import annotations

import importlib

import pytest
from helpers import clean_environment
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import StoreError

# The module, not `pipeline.cli.main` the function that `pipeline.cli` re-exports.
cli_main = importlib.import_module("pipeline.cli.main")
clean_env = pytest.fixture(autouse=True)(clean_environment)


def broken(error: Exception) -> object:
    """A Settings() that raises, as a broken store or a bug might in the middle of a command."""

    def settings(*args: object, **kwargs: object) -> object:
        raise error

    return settings


def test_an_unexpected_error_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_main, "Settings", broken(RuntimeError("boom\nsecond line")))
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 1
    assert result.stderr == "pls: settings: unexpected RuntimeError: boom second line\n"
    assert "Traceback" not in result.output


def test_our_own_error_reads_as_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_main, "Settings", broken(StoreError("outputs/pls.sqlite3: locked")))
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 1
    assert result.stderr == "pls: settings: outputs/pls.sqlite3: locked\n"


@pytest.mark.parametrize("how", [["--debug"], "PLS_DEBUG"])
def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch, how: object) -> None:
    monkeypatch.setattr(cli_main, "Settings", broken(RuntimeError("boom")))
    args = ["--debug", "settings"] if how != "PLS_DEBUG" else ["settings"]
    env = {"PLS_DEBUG": "1"} if how == "PLS_DEBUG" else {}
    result = CliRunner().invoke(app, args, env=env)
    assert isinstance(result.exception, RuntimeError)  # raised, so Python prints the traceback
