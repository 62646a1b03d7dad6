"""Input files: which files in a folder a batch reads, and one file's bytes as UTF-8 text.

`discover_inputs` walks a folder and returns the input files (`.txt`, `.md`, `.json`, `.jsonl`,
`.xml`, any case) and every path it skipped with the reason, one line each, for the CLI to list:
hidden entries and READMEs, other file types, FIFOs, sockets and devices (never opened),
dangling symlinks and symlink loops, folders reached twice, unreadable folders, and symlinks
that lead outside the folder (refused unless `follow_symlinks=True`). A folder named like an
input (`x.txt/`) is searched as a folder, and listed so nobody wonders where its file went.

`read_bytes` opens a file without blocking and checks it is a regular file before reading, so a
FIFO named `a.txt` is refused at once instead of hanging; `decode` turns bytes into text or
says why they are not UTF-8 text.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import (
    AbstractLengthError,
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
)
from pipeline.ingest.fields import one_line
from pipeline.settings import Settings

SUFFIXES = frozenset({".txt", ".md", ".json", ".jsonl", ".xml"})

_SNIFF_BYTES = 8192
# Text never has these; a file where more than a tenth of the first 8 KB are control bytes is
# not text, whatever its name says.
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.10
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


@dataclass(frozen=True)
class Skipped:
    """A path `discover_inputs` did not take, and why (`kind` lets a caller group them)."""

    path: Path
    reason: str
    kind: str  # hidden, readme, unsupported, special, symlink, duplicate, folder, unreadable

    def __str__(self) -> str:
        return f"{display(self.path)}: skipped: {self.reason}"


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def discover(folder: Path, *, follow_symlinks: bool = False) -> list[Path]:
    """The input files under `folder`, sorted (see `discover_inputs` for what is skipped)."""
    return discover_inputs(folder, follow_symlinks=follow_symlinks).files


def discover_inputs(folder: Path, *, follow_symlinks: bool = False) -> Discovery:
    """Input files under `folder`, recursively and sorted, and every path skipped with why."""
    try:
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        root = None
    if root is None or not root.is_dir():
        raise InputError(display(folder), "not a folder")
    found = Discovery()
    seen_dirs = {_key(root.stat())}
    seen_files: dict[tuple[int, int], list[Path]] = {}
    stack = [folder]
    while stack:
        directory = stack.pop()
        try:
            names = sorted(os.listdir(directory))
        except OSError as err:
            found.skipped.append(
                Skipped(directory, f"cannot read folder: {err.strerror}", "unreadable")
            )
            continue
        for name in names:
            path = Path(directory, name)
            skip = _skip(path, root, follow_symlinks, seen_dirs, seen_files, stack)
            if skip:
                found.skipped.append(Skipped(path, *skip))
    for paths in seen_files.values():
        # One file reached twice (a symlink to it): read once, by its own name if it has one.
        first, *others = sorted(paths, key=lambda p: (p.is_symlink(), p))
        found.files.append(first)
        reason = f"the same file as {display(first)}"
        found.skipped += [Skipped(path, reason, "duplicate") for path in others]
    found.files.sort()
    found.skipped.sort(key=lambda s: s.path)
    return found


def _skip(
    path: Path,
    root: Path,
    follow: bool,
    seen_dirs: set[tuple[int, int]],
    seen_files: dict[tuple[int, int], list[Path]],
    stack: list[Path],
) -> tuple[str, str] | None:
    """Why `path` is skipped (reason, kind), or None: then it was queued or taken."""
    if path.name.startswith("."):
        return "hidden", "hidden"
    if path.is_symlink():
        try:
            target = Path(os.path.realpath(path, strict=True))
        except OSError as err:
            if err.errno == errno.ELOOP:
                return "a symlink loop", "symlink"
            return "a dangling symlink (what it points to does not exist)", "symlink"
        if not follow and not target.is_relative_to(root):
            return (
                f"a symlink to {display(target)}, outside the input folder "
                "(follow symlinks to read it)",
                "symlink",
            )
    try:
        info = path.stat()
    except OSError as err:
        return f"cannot read: {err.strerror}", "unreadable"
    if stat.S_ISDIR(info.st_mode):
        if _key(info) in seen_dirs:
            return "a folder already searched (reached twice through a symlink)", "duplicate"
        seen_dirs.add(_key(info))
        stack.append(path)
        if path.suffix.lower() in SUFFIXES:
            return "a folder named like an input file; searched as a folder", "folder"
        return None
    if path.name.upper().startswith("README"):
        return "a README, not an abstract", "readme"
    if path.suffix.lower() not in SUFFIXES:
        what = path.suffix or "no suffix"
        return (
            f"not an input file ({what}); inputs are .txt, .md, .json, .jsonl, .xml",
            "unsupported",
        )
    if kind := file_kind(info.st_mode):
        return f"{kind}, not a regular file", "special"
    seen_files.setdefault(_key(info), []).append(path)
    return None


def _key(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def display(path: Path | str) -> str:
    """A path as messages show it: one line, even for a name with a newline in it."""
    return one_line(str(path))


# -- reading ---------------------------------------------------------------------------------


def read_bytes(path: Path, label: str, settings: Settings) -> bytes:
    """The bytes of a regular file, refusing files over `settings.max_file_bytes` unread.

    The file is opened without blocking and checked to be a regular file before any read, so a
    FIFO or a device named `a.txt` is refused at once instead of hanging.
    """
    limit = settings.max_file_bytes
    try:
        kind = file_kind(os.stat(path).st_mode)
        if kind:
            raise InputError(label, f"not a regular file but {kind}")
        fd = os.open(path, _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if kind := file_kind(info.st_mode):
                raise InputError(label, f"not a regular file but {kind}")
            if info.st_size > limit:
                raise too_large(label, info.st_size, settings)
            # Never more than the limit, even if the file grew since fstat().
            data = handle.read(limit + 1)
    except OSError as err:
        raise InputError(label, f"cannot read file: {err.strerror or err}") from None
    if len(data) > limit:
        raise too_large(label, len(data), settings)
    return data


def file_kind(mode: int) -> str | None:
    """None for a regular file, else what it is instead ("a named pipe (FIFO)", ...)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"


def too_large(label: str, size: int, settings: Settings) -> AbstractLengthError:
    """The error for an input of `size` bytes, over the limit."""
    return AbstractLengthError(
        label, f"input too large: {size:,} bytes (maximum {settings.max_file_bytes:,})"
    )


def decode(data: bytes, label: str, *, nul_is_binary: bool = True) -> str:
    """UTF-8 bytes (a BOM allowed) -> text; raises for empty, binary, UTF-16/32 or non-UTF-8
    data, and for a NUL byte anywhere unless `nul_is_binary` is off (JSONL checks each line)."""
    if not data:
        raise EmptyInputError(label, "empty input: nothing to read")
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        raise EncodingInputError(label, "UTF-32 text; save the file as UTF-8")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise EncodingInputError(label, "UTF-16 text; save the file as UTF-8")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    sample = data[bom : bom + _SNIFF_BYTES]
    if wide := _wide_encoding(sample):
        raise EncodingInputError(label, f"{wide} text without a byte-order mark; save it as UTF-8")
    controls = sum(byte in _CONTROL_BYTES for byte in sample)
    if controls > _MAX_CONTROL_SHARE * len(sample):
        raise BinaryInputError(label, "binary file, not text")
    if nul_is_binary and (nul := data.find(b"\x00")) >= 0:
        raise BinaryInputError(label, f"binary file, not text (a NUL byte at offset {nul})")
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as err:
        offset = bom + err.start
        raise EncodingInputError(
            label,
            f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset}); "
            "save the file as UTF-8",
        ) from None
    if not text.strip():
        raise EmptyInputError(label, "input contains only whitespace")
    return text


def _wide_encoding(sample: bytes) -> str | None:
    """ "UTF-32" or "UTF-16" when the sample has the NUL pattern those give Latin text."""
    if len(sample) < 8 or sample.count(0) < len(sample) // 3:
        return None
    patterns = [("UTF-32", 4, {1, 2, 3}), ("UTF-32", 4, {0, 1, 2})]
    patterns += [("UTF-16", 2, {1}), ("UTF-16", 2, {0})]
    for name, width, zeros in patterns:
        size = len(sample) - len(sample) % width
        if all(sample[i] == 0 for i in range(size) if i % width in zeros):
            return name
    return None
