"""Input formats: a submitted file's bytes -> UTF-8 text -> raw records and their field values.

Formats: `.txt`/`.md` (an optional header block of `Title:`/`Journal:`/`Year:`/`DOI:`/`PMID:`/
`Keywords:` lines or a `# heading` title, then the abstract), `.json` (one object or a list of
objects), `.jsonl` (one object a line) and PubMed efetch `.xml` (read by `pubmed`). Every input
must be UTF-8 text: `decode` refuses empty, binary, UTF-16 and non-UTF-8 input.

`records` yields each record as its file states it (a JSON value, which should be an object, or
a PubmedArticle) with its Study.source and the name error messages give it; a txt/md file
becomes the same fields a JSON object has. Records of multi-record files (JSON list, JSONL,
PubMed XML) get the source "path#N" (N is the 1-based record, line or article number) even when
the file holds one record, so a source stays put when records are appended; txt, md and
single-object JSON files use the bare path. The `parse_*` functions read the forms a submitted
year, PMID or DOI comes in. `ingest` builds and validates a Study from every record.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import (
    AbstractLengthError,
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    MalformedInputError,
)
from pipeline.ingest.abstract_text import starts_with_label
from pipeline.ingest.pubmed import parse_pubmed_xml
from pipeline.settings import Settings

SUFFIXES = frozenset({".txt", ".md", ".json", ".jsonl", ".xml"})

_SNIFF_BYTES = 8192
# Text never has these; a file where more than a tenth of the first 8 KB are control bytes is
# not text, whatever its name says.
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.10

_HEADER = re.compile(r"(title|journal|year|doi|pmid|keywords)\s*:\s*(.*)", re.IGNORECASE)
_MD_HEADING = re.compile(r"(#{1,6})\s+(.*?)[\s#]*")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ABSTRACT_HEADING = re.compile(r"abstract\s*:?\s*", re.IGNORECASE)
_KEYWORDS_LINE = re.compile(r"key\s?words\s*:\s*(.*)", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


@dataclass(frozen=True)
class RawRecord:
    """One record as its file states it, not yet validated."""

    fields: Any  # a JSON value (a dict when well-formed) or a PubmedArticle
    source: str  # the Study.source it loads as
    where: str  # names the record in error messages


# -- reading ---------------------------------------------------------------------------------


def read_bytes(path: Path, label: str, settings: Settings) -> bytes:
    """The file's bytes, refusing files over `settings.max_file_bytes` without reading them."""
    limit = settings.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise too_large(label, size, settings)
        with path.open("rb") as fh:
            # Never more than the limit, even if the file grew since stat() or is a pipe.
            data = fh.read(limit + 1)
    except OSError as err:
        raise InputError(label, f"cannot read file: {err.strerror or err}") from None
    if len(data) > limit:
        raise too_large(label, len(data), settings)
    return data


def too_large(label: str, size: int, settings: Settings) -> AbstractLengthError:
    """The error for an input of `size` bytes, over the limit."""
    return AbstractLengthError(
        label, f"input too large: {size:,} bytes (maximum {settings.max_file_bytes:,})"
    )


def decode(data: bytes, label: str) -> str:
    """UTF-8 bytes (a BOM allowed) -> text; raises for empty, binary, UTF-16 or non-UTF-8 data."""
    if not data:
        raise EmptyInputError(label, "empty input: nothing to read")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise EncodingInputError(label, "UTF-16 text; save the file as UTF-8")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    sample = data[bom : bom + _SNIFF_BYTES]
    controls = sum(byte in _CONTROL_BYTES for byte in sample)
    if 0 in sample or controls > _MAX_CONTROL_SHARE * len(sample):
        raise BinaryInputError(label, "binary file, not text")
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


# -- records ---------------------------------------------------------------------------------


def records(text: str, label: str, suffix: str) -> Iterator[RawRecord | InputError]:
    """Every record in a decoded file, in file order; a record that does not even parse (a bad
    JSONL line) comes as its error instead.

    Raises for file-level problems: JSON or XML that does not parse, unsafe XML, no records.
    """
    if suffix in (".txt", ".md"):
        yield RawRecord(plain_record(text, markdown=suffix == ".md"), label, label)
    elif suffix == ".json":
        yield from _json_records(text, label)
    elif suffix == ".jsonl":
        yield from _jsonl_records(text, label)
    else:
        yield from _pubmed_records(text, label)


def plain_record(text: str, *, markdown: bool) -> dict[str, Any]:
    """A text file as the fields of a JSON record: an optional header block, then the abstract."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if markdown:
        # Emphasis and links are formatting, not text: "**Results:**" is the label "Results:".
        lines = [_MD_LINK.sub(r"\1", line).replace("**", "").replace("__", "") for line in lines]
    fields: dict[str, str] = {}
    start = 0
    # A header block before the abstract: `Key: value` lines, and a `# heading` as the title.
    while start < len(lines):
        line = lines[start].strip()
        header = _HEADER.fullmatch(line)
        heading = _MD_HEADING.fullmatch(line)
        if header and header.group(1).lower() not in fields:
            fields[header.group(1).lower()] = header.group(2)
        elif heading and len(heading.group(1)) == 1 and "title" not in fields:
            fields["title"] = heading.group(2)
        elif line or fields:
            break
        start += 1
    body = _body_lines(lines[start:], markdown)
    if body and (keywords := _KEYWORDS_LINE.fullmatch(body[-1].strip())):
        fields.setdefault("keywords", keywords.group(1))
        body.pop()
    return {**fields, "abstract": "\n".join(body)}


def _body_lines(lines: list[str], markdown: bool) -> list[str]:
    body: list[str] = []
    pending_label: str | None = None
    for raw in lines:
        line = raw.strip()
        if not body and not line:
            continue
        if not body and (heading := _ABSTRACT_HEADING.match(line)):
            line = line[heading.end() :]
            if not line:
                continue
        if markdown:
            if heading := _MD_HEADING.fullmatch(line):
                # "## Methods" heads a section; other headings ("## Abstract") are not text.
                name = heading.group(2).rstrip(":")
                pending_label = name if starts_with_label(f"{name}:") else None
                body.append("")
                continue
            if pending_label and line:
                line, pending_label = f"{pending_label}: {line}", None
        body.append(line)
    while body and not body[-1]:
        body.pop()
    return body


def _json_records(text: str, label: str) -> Iterator[RawRecord]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedInputError(
            label, f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}"
        ) from None
    except RecursionError:
        raise MalformedInputError(label, "malformed JSON: nested too deeply") from None
    if isinstance(data, dict):
        yield RawRecord(data, label, label)
        return
    if not isinstance(data, list):
        raise MalformedInputError(
            label, f"JSON must be an object or a list of objects, not {json_type(data)}"
        )
    if not data:
        raise EmptyInputError(label, "no records in the JSON list")
    for n, record in enumerate(data, start=1):
        yield RawRecord(record, f"{label}#{n}", f"{label} record {n}")


def _jsonl_records(text: str, label: str) -> Iterator[RawRecord | InputError]:
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{label} line {n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield MalformedInputError(where, f"malformed JSON at column {err.colno}: {err.msg}")
            continue
        except RecursionError:
            yield MalformedInputError(where, "malformed JSON: nested too deeply")
            continue
        yield RawRecord(record, f"{label}#{n}", where)


def _pubmed_records(text: str, label: str) -> Iterator[RawRecord]:
    for article in parse_pubmed_xml(text, label):
        where = f"{label} article {article.position}"
        if article.pmid:
            where += f" (PMID {article.pmid})"
        yield RawRecord(article, f"{label}#{article.position}", where)


# -- field values ----------------------------------------------------------------------------


def string_field(record: dict[str, Any], key: str, where: str) -> str | None:
    """`record[key]`: a string or None (absent); anything else is malformed."""
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedInputError(where, f"{key!r} must be a string, not {json_type(value)}")
    return value


def parse_year(value: Any, where: str) -> int | None:
    """A year given as 2021, "2021" or "2021-03-04" -> 2021; None when absent."""
    if value is None or value == "":
        return None
    match = None
    if isinstance(value, int | str) and not isinstance(value, bool):
        match = re.match(r"\s*(\d{4})(?!\d)", str(value))
    if not match or not 1500 <= int(match.group(1)) <= 2100:
        raise MalformedInputError(where, f"'year' must be a year like 2021, not {_show(value)}")
    return int(match.group(1))


def parse_pmid(value: Any, where: str) -> str | None:
    """A PMID given as 123, "123" or "PMID: 123" -> "123"; None when absent."""
    if value is None or value == "":
        return None
    text = ""
    if isinstance(value, int | str) and not isinstance(value, bool):
        text = re.sub(r"^pmid\s*:?\s*", "", str(value).strip(), flags=re.IGNORECASE)
    if not re.fullmatch(r"\d{1,10}", text):
        raise MalformedInputError(where, f"'pmid' must be digits, not {_show(value)}")
    return text


def parse_doi(value: Any, where: str) -> str | None:
    """A DOI, bare or as a doi.org URL or "doi:" reference -> "10.xxxx/..."; None when absent."""
    if value is None or value == "":
        return None
    text = _DOI_PREFIX.sub("", value.strip(), count=1) if isinstance(value, str) else ""
    if not _DOI.fullmatch(text):
        raise MalformedInputError(
            where, f"'doi' does not look like a DOI (10.xxxx/...): {_show(value)}"
        )
    return text


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def json_type(value: Any) -> str:
    """How an error message names a JSON value's type: "an object", "a list", "null"..."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)
