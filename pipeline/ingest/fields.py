"""Field values: the forms a submitted year, PMID, DOI or string comes in, and their limits.

Every `parse_*` either returns the canonical value or raises a MalformedInputError naming the
field; none of them can raise anything else, whatever the value (a huge number, a surrogate, a
NUL). Limits on short fields, applied in `load`:

    title               at most 500 characters: a longer one is cut at a word and ends in "…"
    journal             at most 300 characters, cut the same way
    keyword, MeSH term  at most 100 characters each (longer ones are dropped), 50 of each kind
    DOI                 at most 200 characters (a longer one is not a DOI)
    JSON integers       at most 100 digits: a longer one stands for itself as a HugeNumber, so
                        `json.loads` never hits Python's 4,300-digit limit
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pipeline.errors import EncodingInputError, MalformedInputError
from pipeline.ingest.abstract_text import clean_line
from pipeline.ingest.ids import MAX_DOI_CHARS, canonical_doi, canonical_pmid

MAX_TITLE_CHARS = 500
MAX_JOURNAL_CHARS = 300
MAX_TERM_CHARS = 100
MAX_TERMS = 50
RAW_LINE = (
    200_000  # a raw title or journal is cut here before cleaning (linear, but needn't be long)
)
_RAW_TERM = 5 * MAX_TERM_CHARS  # a raw keyword longer than this is dropped unread
_MAX_JSON_DIGITS = 100

_SURROGATE = re.compile("[\ud800-\udfff]")
_YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True)
class HugeNumber:
    """A JSON integer too long to be anything we read (see `json_int`)."""

    digits: int


def json_int(text: str) -> int | HugeNumber:
    """`json.loads(parse_int=...)`: an int, or a HugeNumber for more than 100 digits."""
    digits = len(text.lstrip("-"))
    return HugeNumber(digits) if digits > _MAX_JSON_DIGITS else int(text)


def check_unicode(value: Any, where: str) -> None:
    """Refuse a JSON value holding a lone surrogate (JSON can spell one, "\\ud800"; it is not
    text, and nothing downstream could encode it)."""
    stack: list[tuple[str | None, Any]] = [(None, value)]
    while stack:
        key, item = stack.pop()
        if isinstance(item, dict):
            for name, child in item.items():
                stack.append((key or name, name))
                stack.append((key or name, child))
        elif isinstance(item, list):
            stack.extend((key, child) for child in item)
        elif isinstance(item, str) and (bad := _SURROGATE.search(item)):
            field = f"{key!r}" if key and not _SURROGATE.search(key) else "a field"
            raise EncodingInputError(
                where,
                f"{field} is not valid Unicode: a lone surrogate U+{ord(bad.group()):04X} at "
                f"character {bad.start() + 1}",
            )


def string_field(record: dict[str, Any], key: str, where: str) -> str | None:
    """`record[key]`: a string or None (absent); anything else is malformed."""
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedInputError(where, f"{key!r} must be a string, not {json_type(value)}")
    return value


def parse_year(value: Any, where: str) -> int | None:
    """A year given as 2021, "2021" or "2021-03-04" (fullwidth digits too) -> 2021."""
    if value is None or value == "":
        return None
    year = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value[:64]).lstrip()
        match = _YEAR.match(text)
        if match and not text[4:5].isdigit():
            year = int(match.group())
    if year is None or not 1500 <= year <= 2100:
        raise MalformedInputError(where, f"'year' must be a year like 2021, not {show(value)}")
    return year


def parse_pmid(value: Any, where: str) -> str | None:
    """A PMID given as 123, "123", "0123", "１２３" or "PMID: 123" -> "123"; None when absent."""
    if value is None or value == "":
        return None
    pmid = canonical_pmid(value)
    if pmid is None:
        raise MalformedInputError(
            where, f"'pmid' must be a PMID (digits, not 0), not {show(value)}"
        )
    return pmid


def parse_doi(value: Any, where: str) -> str | None:
    """A DOI, bare or as a doi.org URL or "doi:" reference -> "10.xxxx/..."; None when absent."""
    if value is None or value == "":
        return None
    doi = canonical_doi(value)
    if doi is None:
        if isinstance(value, str) and len(value.strip()) > MAX_DOI_CHARS:
            problem = f"{len(value.strip()):,} characters (maximum {MAX_DOI_CHARS})"
        else:
            problem = show(value)
        raise MalformedInputError(where, f"'doi' does not look like a DOI (10.xxxx/...): {problem}")
    return doi


def cut(text: str, limit: int) -> str:
    """`text` if short enough, else cut at the last space before `limit` and ended with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-") + "…"


def short_line(value: str | None, limit: int, *, html: bool) -> str | None:
    """A journal (or other one-line field) cleaned and cut to `limit`; None when empty."""
    return (cut(clean_line(value[:RAW_LINE], html=html), limit) or None) if value else None


def terms(values: list[str] | None, *, html: bool) -> list[str]:
    """Keywords (or MeSH terms, publication types): cleaned, deduplicated without case, each
    at most MAX_TERM_CHARS (longer ones dropped), at most MAX_TERMS of them."""
    seen: dict[str, str] = {}
    for value in values or []:
        if len(seen) == MAX_TERMS:
            break
        term = clean_line(value, html=html) if len(value) <= _RAW_TERM else ""
        if term and len(term) <= MAX_TERM_CHARS:
            seen.setdefault(term.lower(), term)
    return list(seen.values())


def show(value: Any) -> str:
    """A value as an error message quotes it: one line, at most 40 characters."""
    if isinstance(value, HugeNumber):
        return f"a {value.digits:,}-digit number"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "a number of over 30 digits"
    if isinstance(value, str) and len(value) > 40:
        value = value[:40]
    text = repr(value) if not isinstance(value, list | dict) else json_type(value)
    return text if len(text) <= 40 else text[:37] + "..."


def one_line(text: str) -> str:
    """Text as a message may quote it: printable, on one line (escaped where it is not)."""
    return text if text.isprintable() else repr(text)[1:-1]


def json_type(value: Any) -> str:
    """How an error message names a JSON value's type: "an object", "a list", "null"..."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), "a number" if isinstance(value, HugeNumber) else "a value")
