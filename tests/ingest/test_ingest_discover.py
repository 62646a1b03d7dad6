"""Discovery never hangs, never follows a link out of the folder unasked, and says what it
skipped and why; reading refuses anything but a regular file at once (issue 10, #13)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from ingest_builders import ABSTRACT, write

from pipeline.errors import InputError
from pipeline.ingest import Discovery, discover, discover_inputs, load_file, load_file_tolerant
from pipeline.settings import Settings

SETTINGS = Settings()


def finishes(call, seconds: float = 30.0):
    """Run `call` in a thread; fail (instead of hanging the suite) if it never returns."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "hung (a FIFO opened for reading blocks until a writer comes)"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    inputs = tmp_path / "inputs"
    write(inputs, "good.txt", ABSTRACT)
    write(inputs, "sub/also.json", json.dumps({"abstract": ABSTRACT}))
    return inputs


def reasons(found: Discovery, base: Path) -> dict[str, str]:
    return {s.path.relative_to(base).as_posix(): s.kind for s in found.skipped}


def test_a_fifo_named_txt_never_hangs(folder: Path):
    fifo = folder / "a.txt"
    os.mkfifo(fifo)

    found = finishes(lambda: discover_inputs(folder))
    with pytest.raises(InputError) as caught:
        finishes(lambda: load_file(fifo, SETTINGS))

    assert fifo not in found.files
    assert reasons(found, folder)["a.txt"] == "special"
    assert str(caught.value) == f"{fifo}: not a regular file but a named pipe (FIFO)"


def test_every_skipped_path_is_listed_with_why(folder: Path, tmp_path: Path):
    outside = write(tmp_path, "outside/secret.txt", ABSTRACT)
    os.mkfifo(folder / "pipe.json")
    (folder / "dangling.txt").symlink_to(folder / "missing.txt")
    (folder / "loop1.txt").symlink_to(folder / "loop2.txt")
    (folder / "loop2.txt").symlink_to(folder / "loop1.txt")
    (folder / "dir.txt").mkdir()
    write(folder, "dir.txt/inside.md", "# T\n\n" + ABSTRACT)
    (folder / "leak.txt").symlink_to(outside)
    (folder / "leakdir").symlink_to(outside.parent)
    (folder / "device.txt").symlink_to("/dev/null")
    (folder / "again.txt").symlink_to(folder / "good.txt")
    (folder / "sub" / "up").symlink_to(folder)
    write(folder, "README.md", ABSTRACT)
    write(folder, ".hidden.txt", ABSTRACT)
    write(folder, "notes.pdf", "x")

    found = finishes(lambda: discover_inputs(folder))

    assert [p.relative_to(folder).as_posix() for p in found.files] == [
        "dir.txt/inside.md",
        "good.txt",
        "sub/also.json",
    ]
    assert reasons(found, folder) == {
        ".hidden.txt": "hidden",
        "README.md": "readme",
        "again.txt": "duplicate",
        "dangling.txt": "symlink",
        "device.txt": "symlink",
        "dir.txt": "folder",
        "leak.txt": "symlink",
        "leakdir": "symlink",
        "loop1.txt": "symlink",
        "loop2.txt": "symlink",
        "notes.pdf": "unsupported",
        "pipe.json": "special",
        "sub/up": "duplicate",
    }
    by_name = {s.path.name: str(s) for s in found.skipped}
    assert "a symlink loop" in by_name["loop1.txt"]
    assert "dangling symlink" in by_name["dangling.txt"]
    assert f"a symlink to {outside}, outside the input folder" in by_name["leak.txt"]
    assert "the same file as" in by_name["again.txt"]
    for line in by_name.values():
        assert len(line.splitlines()) == 1 and ": skipped: " in line
    assert discover(folder) == found.files


def test_links_out_of_the_folder_are_followed_only_when_asked(folder: Path, tmp_path: Path):
    outside = write(tmp_path, "outside/secret.txt", ABSTRACT)
    write(tmp_path, "outside/deeper/more.md", ABSTRACT)
    (folder / "leak.txt").symlink_to(outside)
    (folder / "leakdir").symlink_to(outside.parent)
    (folder / "device.txt").symlink_to("/dev/null")
    (outside.parent / "back").symlink_to(outside.parent)  # a loop once followed

    found = finishes(lambda: discover_inputs(folder, follow_symlinks=True))

    names = [p.relative_to(folder).as_posix() for p in found.files]
    assert names == ["good.txt", "leakdir/deeper/more.md", "leakdir/secret.txt", "sub/also.json"]
    kinds = reasons(found, folder)
    assert kinds["device.txt"] == "special" and kinds["leakdir/back"] == "duplicate"
    assert kinds["leak.txt"] == "duplicate"  # the same file as leakdir/secret.txt


def test_reading_refuses_devices_and_folders_at_once(tmp_path: Path):
    (tmp_path / "folder.txt").mkdir()
    (tmp_path / "null.txt").symlink_to("/dev/null")  # a path given by hand is followed
    for name, kind in [("null.txt", "a device"), ("folder.txt", "a folder")]:
        with pytest.raises(InputError, match=f"not a regular file but {kind}$"):
            finishes(lambda n=name: load_file_tolerant(tmp_path / n, SETTINGS))


def test_a_missing_or_non_folder_is_refused(tmp_path: Path):
    for path in (tmp_path / "nope", write(tmp_path, "file.txt", "x")):
        with pytest.raises(InputError, match="not a folder"):
            discover_inputs(path)
