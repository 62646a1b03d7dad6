"""`pls review profile` and `pls eval --profile-corrections`, in process through typer's
CliRunner with the offline backend: a trial corrected to a cohort needs the association caveat,
nonsense is one line and exit 1, and the exported corrections load as hand labels (the same
loader and scorer the profile-accuracy tests use)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import clean_environment, labelled_studies, profile_accuracy
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import Store

INPUTS = Path(__file__).resolve().parents[2] / "inputs"
TRIAL = "ms_trial_fampridine_walking.txt"
LABEL_KEYS = set(
    json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures" / "profile_labels_new.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)


def pls(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def drafted(tmp_path: Path) -> tuple[Path, str]:
    shutil.copy(INPUTS / TRIAL, tmp_path / TRIAL)
    outputs = tmp_path / "outputs"
    code, out, err = pls("draft", tmp_path / TRIAL, "--backend", "offline", "--outputs", outputs)
    assert code == 0, out + err
    with Store(outputs / "pls.sqlite3") as store:
        [row] = store.studies()
        assert store.latest(row["id"]).profile.design == "rct"
    return outputs, row["id"]


def test_correcting_a_trial_to_a_cohort_requires_the_association_caveat(
    drafted: tuple[Path, str],
) -> None:
    outputs, study_id = drafted
    code, out, err = pls(
        "review", "profile", study_id, "--outputs", outputs, "--reviewer", "Ana",
        "--design", "cohort", "--participants", "127", "--reason", "no one was assigned",
    )  # fmt: skip
    assert code == 0, out + err
    assert "design rct → cohort" in out and "participants" in out and "127" in out
    assert "caveat + association_not_causation" in out
    assert "Required caveats: association_not_causation" in out
    assert "FAIL" in next(line for line in out.splitlines() if "association_not_causation" in line)
    code, out, _ = pls("review", "history", study_id, "--outputs", outputs, "--json")
    event = json.loads(out)[-1]
    assert event["kind"] == "profile_corrected" and event["actor"] == "Ana"
    assert "reason: no one was assigned" in event["detail"]
    code, out, _ = pls("review", "show", study_id, "--outputs", outputs)
    assert "design: cohort (high: corrected by Ana: no one was assigned)" in out


def test_redraft_writes_a_draft_that_carries_the_caveat(drafted: tuple[Path, str]) -> None:
    outputs, study_id = drafted
    code, out, err = pls(
        "review", "profile", study_id, "--outputs", outputs, "--reviewer", "Ana",
        "--design", "cohort", "--reason", "observational", "--redraft", "--backend", "offline",
    )  # fmt: skip
    assert code == 0, out + err
    line = next(line for line in out.splitlines() if "caveat.association_not_causation" in line)
    assert "pass" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--design", "cohrt"), "unknown design 'cohrt'"),
        (("--species", "fish"), "unknown species 'fish'"),
        (("--participants", "-5"), "participants must be between 1 and 100,000,000"),
        (("--participants", "1000000000"), "participants must be between 1 and 100,000,000"),
        (("--design", "cohort", "--reason", "  "), "a reason for the correction is required"),
        ((), "say what to correct"),
    ],
)
def test_nonsense_is_one_line_and_exit_1(
    drafted: tuple[Path, str], args: tuple[str, ...], message: str
) -> None:
    outputs, study_id = drafted
    reason = () if "--reason" in args else ("--reason", "because")
    code, _, err = pls(
        "review", "profile", study_id, "--outputs", outputs, "--reviewer", "Ana", *reason, *args
    )
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], err


def test_the_export_is_labels_that_load_and_score_like_the_hand_labelled_sets(
    drafted: tuple[Path, str], tmp_path: Path
) -> None:
    outputs, study_id = drafted
    code, out, err = pls("eval", "--profile-corrections", "--outputs", outputs)
    assert code == 0 and out == "" and "0 corrected profile(s)" in err
    pls(
        "review", "profile", study_id, "--outputs", outputs, "--reviewer", "Ana",
        "--design", "cohort", "--participants", "127", "--reason", "no one was assigned",
    )  # fmt: skip
    code, out, err = pls("eval", "--profile-corrections", "--outputs", outputs)
    assert code == 0 and "1 corrected profile(s) exported" in err
    [label] = [json.loads(line) for line in out.splitlines()]
    assert set(label) >= LABEL_KEYS
    assert (label["design"], label["species"], label["participants"]) == ("cohort", "people", 127)
    assert label["corrected"] == ["design", "participants"] and label["reviewers"] == ["Ana"]
    path = tmp_path / "corrections.jsonl"
    code, _, err = pls("eval", "--profile-corrections", "--outputs", outputs, "--out", path)
    assert code == 0 and f"to {path}" in err.replace("\n", "")
    [(loaded, study)] = labelled_studies(path)
    assert loaded == label and study.id == study_id and study.abstract
    # The rules still read the trial; the reviewer's labels are what they are scored against.
    accuracy, n, confused = profile_accuracy(path)
    assert n == 1 and accuracy["design"] == 0.0 and accuracy["species"] == 1.0
    assert confused == {("cohort", "rct"): 1}


def test_eval_without_a_corpus_or_the_export_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = pls("eval", "--outputs", tmp_path / "outputs")
    assert code == 2 and "give a corpus file or folder" in out + err
