"""The mixed folder through `pls batch` and `pls draft` (issue 10, defect 13 and the done-when):
good records beside one of each bad kind. Every good record is drafted, every bad one is named
on one line with why, every other skipped path is listed with why, the exit code is 1, nothing
prints a traceback and nothing is written outside outputs/."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import MixedFolder, clean_environment, mixed_folder
from typer.testing import CliRunner

from pipeline.cli import app

clean_env = pytest.fixture(autouse=True)(clean_environment)


def tree(root: Path) -> dict[str, bytes | str]:
    """Every path under `root` but outputs/, with its content (or what a link points to)."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel == "outputs" or rel.startswith("outputs/"):
            continue
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = "dir"
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = "special"
    return out


def pls(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})
    return result.exit_code, result.stdout, result.stderr


def states(outputs: Path) -> dict[str, tuple[str, str]]:
    """title marker ("Mixed M01") -> (state, source) for every stored study."""
    db = sqlite3.connect(outputs / "pls.sqlite3")
    rows = db.execute("SELECT title, state, source FROM studies").fetchall()
    db.close()
    return {title.split(":")[0]: (state, source) for title, state, source in rows}


def assert_bad_named_once(mixed: MixedFolder, stderr: str) -> None:
    lines = stderr.splitlines()
    for name, reason in mixed.bad.items():
        hits = [line for line in lines if re.search(rf"\bmixed/{re.escape(name)}(:|$)", line)]
        assert len(hits) == 1, (name, stderr)
        assert reason.lower() in hits[0].lower(), (name, reason, hits[0])


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MixedFolder:
    monkeypatch.chdir(tmp_path)
    return mixed_folder(tmp_path)


def test_batch_drafts_the_good_names_the_bad_and_lists_the_skipped(
    mixed: MixedFolder, tmp_path: Path
) -> None:
    before = tree(tmp_path)
    code, stdout, stderr = pls("batch", "mixed", "--backend", "offline", "--outputs", "outputs")
    assert code == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr

    stored = states(tmp_path / "outputs")
    for marker, source in mixed.good.items():
        assert stored.get(marker) == ("needs_review", f"mixed/{source}"), (marker, stored)
    assert not set(stored) - set(mixed.good) - {"Mixed X04"}  # no bad record got in
    assert "Mixed M08" not in stored  # read only through a link out of the folder: refused

    assert f"{len(mixed.bad)} failed:" in stderr
    assert_bad_named_once(mixed, stderr)
    for name, reason in mixed.listed.items():
        listed = [line for line in stdout.splitlines() if line.startswith(f"mixed/{name}:")]
        assert len(listed) == 1 and reason in listed[0], (name, stdout)
    assert tree(tmp_path) == before  # nothing written (or read away) outside outputs/
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed", "outputs", "outside"]


def test_follow_symlinks_reads_a_link_out_of_the_folder(mixed: MixedFolder, tmp_path: Path) -> None:
    code, stdout, stderr = pls(
        "batch", "mixed", "--backend", "offline", "--outputs", "outputs", "--follow-symlinks"
    )
    assert code == 1, stdout + stderr  # the other bad files are still bad
    stored = states(tmp_path / "outputs")
    for marker, link in mixed.followed.items():
        assert stored.get(marker) == ("needs_review", f"mixed/{link}")
    assert "outside the input folder" not in stderr
    assert "mixed/dangling.txt" in stderr and "mixed/x.txt" in stderr


def test_draft_takes_a_folder_like_batch(mixed: MixedFolder, tmp_path: Path) -> None:
    code, stdout, stderr = pls("draft", "mixed", "--backend", "offline", "--outputs", "outputs")
    assert code == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr
    stored = states(tmp_path / "outputs")
    for marker, source in mixed.good.items():
        assert stored.get(marker) == ("needs_review", f"mixed/{source}"), (marker, stored)
    assert_bad_named_once(mixed, stderr)
    assert "mixed/d.txt: skipped: a folder named like an input file" in stdout


def test_a_fifo_named_txt_given_to_draft_is_one_line_not_a_hang(
    mixed: MixedFolder, tmp_path: Path
) -> None:
    done: dict[str, tuple[int, str, str]] = {}
    thread = threading.Thread(
        target=lambda: done.setdefault(
            "run", pls("draft", "mixed/x.txt", "--backend", "offline", "--outputs", "outputs")
        ),
        daemon=True,
    )
    thread.start()
    thread.join(60)
    if thread.is_alive():  # unblock the reader so the test run can end, then fail
        with open(mixed.folder / "x.txt", "w"):
            pass
        pytest.fail("pls draft hung on a FIFO")
    code, _, stderr = done["run"]
    assert code == 1
    assert stderr.splitlines() == [
        "1 failed:",
        "  mixed/x.txt: not a regular file but a named pipe (FIFO)",
    ]
