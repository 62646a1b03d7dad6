"""Draft files have bounded names and fail with one line, never an OSError (issue 10, #1)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from helpers import TRIAL_ABSTRACT, make_profile, make_study

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.errors import OutputWriteError, PlsError
from pipeline.house import load_house
from pipeline.ingest import study_id
from pipeline.settings import Settings
from pipeline.store import draft_path, draft_stem, write_atomic, write_draft_files

SETTINGS = Settings()
HOUSE = load_house(SETTINGS)


def record_with_id(study_id_: str):
    study = make_study(TRIAL_ABSTRACT, id=study_id_)
    return draft_study(study, make_profile(), OfflineBackend(SETTINGS), SETTINGS)


def test_a_300_character_doi_gets_a_bounded_file_name(tmp_path: Path):
    # What ingest made of {"doi": "10.1234/" + "a" * 300} before ids were bounded: the store
    # may still hold such ids, and rendering them must work.
    legacy = "doi-10-1234-" + "a" * 300
    for made in (legacy, study_id(None, "10.1234/" + "a" * 190, "t", "a")):
        path = write_draft_files(record_with_id(made), HOUSE, tmp_path / "drafts")
        assert path == draft_path(tmp_path / "drafts", made)
        assert path.is_file() and path.with_suffix(".json").is_file()
        assert len(path.stem.encode()) <= 100  # and so the .json beside it is at most 105
        assert f"study={made} " in path.read_text(encoding="utf-8")


def test_short_ids_keep_their_file_names():
    for made in ("pmid-12345", "doi-10-1177-1352458520000000", "sha-0123456789ab"):
        assert draft_stem(made) == made
    for doi in ("10.1234/ab-c", "10.1234/" + "a" * 190, "10.1234/" + "a" * 60 + "-b" * 60):
        made = study_id(None, doi, "t", "a")
        assert draft_stem(made) == made  # every id ingest makes is its own file name


def test_odd_or_long_ids_never_collide_or_leave_the_folder(tmp_path: Path):
    ids = ["doi-" + "a" * 200, "doi-" + "a" * 199 + "b", "../../etc/passwd", "A/B", "a\nb", ""]
    stems = [draft_stem(i) for i in ids]
    assert len(set(stems)) == len(ids)
    for made in ids:
        path = draft_path(tmp_path, made)
        assert path.parent == tmp_path and path.name.endswith(".md")
        assert "/" not in path.stem and len(path.name) <= 100


def test_a_drafts_folder_that_cannot_be_made_gives_one_line(tmp_path: Path):
    blocked = tmp_path / "drafts"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(OutputWriteError) as caught:
        write_draft_files(record_with_id("pmid-1"), HOUSE, blocked)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and "drafts" in message and "cannot write" in message
    assert isinstance(caught.value, PlsError)


@pytest.mark.parametrize(
    ("code", "expected"),
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only"), (errno.EACCES, "denied")],
)
def test_write_failures_are_one_line_and_leave_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, expected: str
):
    def fail(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OutputWriteError) as caught:
        write_atomic(tmp_path / "x.md", "text")
    assert expected in str(caught.value) and str(tmp_path / "x.md") in str(caught.value)
    assert caught.value.errno == code
    assert list(tmp_path.iterdir()) == []
