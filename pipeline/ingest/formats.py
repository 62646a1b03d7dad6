"""Input formats: a submitted file's bytes -> UTF-8 text -> raw records.

Formats: `.txt`/`.md` (an optional header block of `Title:`/`Journal:`/`Year:`/`DOI:`/`PMID:`/
`Keywords:` lines or a `# heading` title, then the abstract), `.json` (one object or a list of
objects), `.jsonl` (one object a line, lines split on "\\n" only) and PubMed efetch `.xml` (read
by `pubmed`). Every input must be a regular file of UTF-8 text: `read_bytes` refuses FIFOs,
devices and folders without waiting on them, and `decode` refuses empty, binary, UTF-16 and
UTF-32 (with or without a byte-order mark) and non-UTF-8 input. A NUL byte is never text: the
record holding it is refused (in `.jsonl` that line; in any other format the file, which is
one record or must parse as a whole).

`records` yields each record as its file states it (a JSON value, which should be an object, or
a PubmedArticle) with its Study.source and the name error messages give it; a txt/md file
becomes the same fields a JSON object has. Records of multi-record files (JSON list, JSONL,
PubMed XML) get the source "path#N" (N is the 1-based record, line or article number) even when
the file holds one record, so a source stays put when records are appended; txt, md and
single-object JSON files use the bare path. `load` builds and validates a Study from each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.errors import (
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    MalformedInputError,
)
from pipeline.ingest.abstract_text import starts_with_label
from pipeline.ingest.fields import json_int, json_type, one_line
from pipeline.ingest.pubmed import parse_pubmed_xml

_HEADER = re.compile(r"(title|journal|year|doi|pmid|keywords)\s*:", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\[\]]*)\)")
_ABSTRACT_HEADING = re.compile(r"abstract\b", re.IGNORECASE)
_KEYWORDS_LINE = re.compile(r"key\s?words\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class RawRecord:
    """One record as its file states it, not yet validated."""

    fields: Any  # a JSON value (a dict when well-formed) or a PubmedArticle
    source: str  # the Study.source it loads as
    where: str  # names the record in error messages


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
        header = _HEADER.match(line)
        heading = md_heading(line)
        if header and header.group(1).lower() not in fields:
            fields[header.group(1).lower()] = line[header.end() :].strip()
        elif heading and heading[0] == 1 and "title" not in fields:
            fields["title"] = heading[1]
        elif line or fields:
            break
        start += 1
    body = _body_lines(lines[start:], markdown)
    if body and (keywords := _KEYWORDS_LINE.match(body[-1].strip())):
        fields.setdefault("keywords", body[-1].strip()[keywords.end() :].strip())
        body.pop()
    return {**fields, "abstract": "\n".join(body)}


def md_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a Markdown ATX heading ("## Methods ##" -> (2, "Methods")), else None.

    Plain string scanning, linear in the line (a regex here once took minutes on one line).
    """
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or not line[level : level + 1].isspace():
        return None
    text = line[level:].strip()
    end = len(text)
    while end and (text[end - 1] == "#" or text[end - 1].isspace()):
        end -= 1
    return level, text[:end]


def _body_lines(lines: list[str], markdown: bool) -> list[str]:
    body: list[str] = []
    pending_label: str | None = None
    for raw in lines:
        line = raw.strip()
        if not body and not line:
            continue
        if not body and (heading := _ABSTRACT_HEADING.match(line)):
            rest = line[heading.end() :].lstrip()
            if not rest or rest.startswith(":"):  # "Abstract" or "Abstract: ...", not a word
                line = rest[1:].lstrip() if rest else ""
                if not line:
                    continue
        if markdown:
            if heading := md_heading(line):
                # "## Methods" heads a section; other headings ("## Abstract") are not text.
                name = heading[1].rstrip(":")
                pending_label = name if starts_with_label(f"{name}:") else None
                body.append("")
                continue
            if pending_label and line:
                line, pending_label = f"{pending_label}: {line}", None
        body.append(line)
    while body and not body[-1]:
        body.pop()
    return body


def _loads(text: str) -> Any:
    # Integers longer than 100 digits become HugeNumber instead of hitting Python's limit.
    return json.loads(text, parse_int=json_int)


def _json_records(text: str, label: str) -> Iterator[RawRecord]:
    try:
        data = _loads(text)
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
    # "\n" only: U+2028, U+0085, form feeds and the like are valid inside a JSON string.
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{label} line {n}"
        if line.startswith("\ufeff"):
            yield EncodingInputError(
                where,
                "starts with a byte-order mark (U+FEFF), as if two files were joined; remove it",
            )
            continue
        if (nul := line.find("\x00")) >= 0:
            yield BinaryInputError(where, f"a NUL byte at column {nul + 1}: not text")
            continue
        try:
            record = _loads(line)
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
            where += f" (PMID {one_line(article.pmid[:20])})"
        yield RawRecord(article, f"{label}#{article.position}", where)
