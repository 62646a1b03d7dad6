"""Ingest: a submitted file or pasted text -> validated, normalised Studies with stable ids.

This module holds the entry points and validation: `formats` reads a file and splits it into raw
records (`.txt`/`.md`, `.json`, `.jsonl`, PubMed `.xml`), `abstract_text` defines what normalised
text looks like, and every record, whatever its format, goes through `_study`, so every format
gets the same checks: an abstract of `min_abstract_words` words up to `max_abstract_chars`
characters, in English.

Multi-record files (JSON list, JSONL, PubMed XML) load record by record: a bad record becomes an
error in `LoadResult.errors` and the others still load. Their Study.source is "path#N" (N is the
1-based record, line or article number) even when the file holds one record, so a source stays
put when records are appended; txt, md and single-object JSON files use the bare path.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import (
    AbstractLengthError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    LanguageError,
    MalformedInputError,
    NoAbstractError,
)
from pipeline.ingest.abstract_text import (
    MIN_ENGLISH_SHARE,
    clean_abstract,
    clean_line,
    derive_title,
    english_share,
    split_sections,
)
from pipeline.ingest.formats import (
    SUFFIXES,
    RawRecord,
    decode,
    json_type,
    parse_doi,
    parse_pmid,
    parse_year,
    plain_record,
    read_bytes,
    records,
    string_field,
    too_large,
)
from pipeline.ingest.pubmed import PubmedArticle
from pipeline.records import AbstractSection, Study
from pipeline.settings import Settings


@dataclass
class LoadResult:
    """What a file held: the Studies that loaded and one error per record that did not."""

    studies: list[Study] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def discover(folder: Path) -> list[Path]:
    """Files a batch should ingest from a folder: *.txt, *.md, *.json, *.jsonl, *.xml
    (case-insensitive), recursively, sorted, skipping hidden files/dirs and README*."""
    if not folder.is_dir():
        raise InputError(_display(folder), "not a folder")
    found = []
    for root, dirs, files in os.walk(folder):
        # Pruning in place stops the walk descending into .git, .venv and the like at all.
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root, name)
            if name.startswith(".") or name.upper().startswith("README"):
                continue
            if path.suffix.lower() in SUFFIXES and path.is_file():
                found.append(path)
    return sorted(found)


def load_file(path: Path, settings: Settings) -> list[Study]:
    """Read one submitted file into validated Studies.

    Raises an InputError subclass (one line naming the file and problem) when the file itself is
    unusable, or when no record in it loads (the first record's error). When some records load,
    returns those and drops the rest: callers that must report per-record problems (the batch)
    use `load_file_tolerant`.
    """
    result = load_file_tolerant(path, settings)
    if not result.studies:
        raise result.errors[0] if result.errors else EmptyInputError(_display(path), "no records")
    return result.studies


def load_file_tolerant(path: Path, settings: Settings) -> LoadResult:
    """Like `load_file`, but record problems are collected in `errors` instead of raised.

    A record problem is anything wrong with one abstract or its fields (missing, too short or
    long, not English, a bad year...), in single-record files too. File-level problems still
    raise: unreadable, too big, empty, binary, not UTF-8, JSON or XML that does not parse,
    unsafe XML, an unsupported suffix.
    """
    label = _display(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            label,
            f"unsupported file type {suffix or '(none)'!r}; use .txt, .md, .json, .jsonl or .xml",
        )
    data = read_bytes(path, label, settings)
    text = decode(data, label)
    result = LoadResult()
    for record in records(text, label, suffix):
        if isinstance(record, InputError):
            result.errors.append(record)
            continue
        # One bad record never sinks the others.
        try:
            result.studies.append(_from_raw(record, settings))
        except InputError as err:
            result.errors.append(err)
    return result


def load_text(text: str, source: str, settings: Settings, *, title: str | None = None) -> Study:
    """Pasted text (web form / stdin) -> Study; the same reading and checks as a .txt file.

    `title`, when given, wins over a `Title:` line in the text.
    """
    try:
        # surrogateescape turns bytes that stdin could not decode back into those bytes, so the
        # UTF-8 check below reports them like it does for a file.
        data = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError as err:
        raise EncodingInputError(source, f"not valid Unicode text at offset {err.start}") from None
    if len(data) > settings.max_file_bytes:
        raise too_large(source, len(data), settings)
    record = plain_record(decode(data, source), markdown=False)
    if title is not None:
        record["title"] = title
    return _from_record(record, source, source, settings)


def study_id(pmid: str | None, doi: str | None, title: str, abstract: str) -> str:
    """Stable id: 'pmid-<digits>', else 'doi-<slug of the lower-cased DOI>', else 'sha-<12 hex>'
    of the whitespace-collapsed, lower-cased title + '\\n' + abstract."""
    digits = "".join(ch for ch in pmid or "" if ch.isdigit())
    if digits:
        return f"pmid-{digits}"
    slug = re.sub(r"[^a-z0-9]+", "-", (doi or "").lower()).strip("-")
    if slug:
        return f"doi-{slug}"
    basis = "\n".join(
        " ".join(unicodedata.normalize("NFC", s).split()).lower() for s in (title, abstract)
    )
    return "sha-" + hashlib.sha256(basis.encode()).hexdigest()[:12]


def _display(path: Path | str) -> str:
    # Error messages must stay one line even for a file name with a newline in it.
    text = str(path)
    return text if text.isprintable() else repr(text)[1:-1]


# -- records ---------------------------------------------------------------------------------


def _from_raw(record: RawRecord, settings: Settings) -> Study:
    if isinstance(record.fields, PubmedArticle):
        return _from_article(record.fields, record.source, record.where, settings)
    return _from_record(record.fields, record.source, record.where, settings)


def _from_article(article: PubmedArticle, source: str, where: str, settings: Settings) -> Study:
    parts = [(label, clean_abstract(text)) for label, text in article.parts]
    parts = [(label, text) for label, text in parts if text]
    abstract = "\n".join(f"{label}: {text}" if label else text for label, text in parts)
    labelled = any(label for label, _ in parts)
    sections = [AbstractSection(label=label, text=text) for label, text in parts]
    return _study(
        source,
        where,
        settings,
        title=article.title,
        abstract=abstract,
        sections=sections if labelled else [],
        journal=article.journal,
        year=article.year,
        doi=parse_doi(article.doi, where),
        pmid=parse_pmid(article.pmid, where),
        keywords=article.keywords,
        mesh_terms=article.mesh_terms,
        publication_types=article.publication_types,
    )


def _from_record(record: Any, source: str, where: str, settings: Settings) -> Study:
    """A JSON object (or a text file's header + body) -> Study; unknown keys are ignored."""
    if not isinstance(record, dict):
        raise MalformedInputError(where, f"expected a JSON object, not {json_type(record)}")
    abstract = record.get("abstract")
    if abstract is None or (isinstance(abstract, str) and not abstract.strip()):
        raise NoAbstractError(where, "no abstract")
    keywords = record.get("keywords")
    if isinstance(keywords, str):
        keywords = re.split(r"\s*[;,]\s*", keywords)
    if keywords is not None and not (
        isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)
    ):
        raise MalformedInputError(where, "'keywords' must be a list of strings or one string")
    return _study(
        source,
        where,
        settings,
        title=string_field(record, "title", where) or "",
        abstract=string_field(record, "abstract", where) or "",
        journal=string_field(record, "journal", where),
        year=parse_year(record.get("year"), where),
        doi=parse_doi(record.get("doi"), where),
        pmid=parse_pmid(record.get("pmid"), where),
        keywords=keywords or [],
    )


def _study(
    source: str,
    where: str,
    settings: Settings,
    *,
    title: str,
    abstract: str,
    sections: list[AbstractSection] | None = None,
    journal: str | None = None,
    year: int | None = None,
    doi: str | None = None,
    pmid: str | None = None,
    keywords: list[str] | None = None,
    mesh_terms: list[str] | None = None,
    publication_types: list[str] | None = None,
) -> Study:
    """The one place every record is validated and normalised, whatever its format."""
    abstract = clean_abstract(abstract)
    if not abstract:
        raise NoAbstractError(where, "no abstract")
    if len(abstract) > settings.max_abstract_chars:
        raise AbstractLengthError(
            where,
            f"abstract too long: {len(abstract):,} characters "
            f"(maximum {settings.max_abstract_chars:,})",
        )
    words = len(abstract.split())
    if words < settings.min_abstract_words:
        raise AbstractLengthError(
            where,
            f"abstract too short to summarise: {words} words "
            f"(minimum {settings.min_abstract_words})",
        )
    share = english_share(abstract)
    if share < MIN_ENGLISH_SHARE:
        raise LanguageError(
            where,
            f"abstract does not look like English ({share:.0%} common English words); "
            "pls drafts English abstracts only",
        )
    if sections is None:
        sections = split_sections(abstract)
    title = clean_line(title) or derive_title(sections[0].text if sections else abstract)
    return Study(
        id=study_id(pmid, doi, title, abstract),
        title=title,
        abstract=abstract,
        sections=sections,
        journal=clean_line(journal or "") or None,
        year=year,
        doi=doi,
        pmid=pmid,
        keywords=_terms(keywords),
        mesh_terms=_terms(mesh_terms),
        publication_types=_terms(publication_types),
        source=source,
        content_hash=hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest(),
    )


def _terms(values: list[str] | None) -> list[str]:
    seen: dict[str, str] = {}
    for value in values or []:
        term = clean_line(value)
        if term:
            seen.setdefault(term.lower(), term)
    return list(seen.values())
