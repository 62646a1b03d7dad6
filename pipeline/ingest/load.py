"""Ingest: a submitted file or pasted text -> validated, normalised Studies with stable ids.

The entry points and validation: `files` reads the bytes as text, `formats` splits it into raw
records, `fields` reads their values, and every record, whatever its format, goes through
`_study`, so every format gets the same checks: an abstract with words in it, of
`min_abstract_words` words up to `max_abstract_chars` characters, in English.

Multi-record files (JSON list, JSONL, PubMed XML) load record by record: a bad record becomes an
error in `LoadResult.errors` and the others still load; nothing a record holds can raise
anything but an InputError. Two records of one file that claim one id (a PMID or DOI) with a
different title or abstract are a conflict: the first loads, the second is an IdConflictError.
Their Study.source is "path#N" (N is the 1-based record, line or article number) even when the
file holds one record, so a source stays put when records are appended; txt, md and
single-object JSON files use the bare path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import (
    AbstractLengthError,
    EmptyInputError,
    EncodingInputError,
    IdConflictError,
    InputError,
    LanguageError,
    MalformedInputError,
    NoAbstractError,
)
from pipeline.evidence import split_units
from pipeline.ingest.abstract_text import (
    MIN_ENGLISH_SHARE,
    clean_abstract,
    clean_line,
    derive_title,
    english_share,
    split_sections,
)
from pipeline.ingest.fields import (
    MAX_JOURNAL_CHARS,
    MAX_TITLE_CHARS,
    RAW_LINE,
    check_unicode,
    cut,
    json_type,
    parse_doi,
    parse_pmid,
    parse_year,
    short_line,
    string_field,
    terms,
)
from pipeline.ingest.files import SUFFIXES, decode, display, read_bytes, too_large
from pipeline.ingest.formats import RawRecord, plain_record, records
from pipeline.ingest.ids import canonical_doi, content_hash, study_id
from pipeline.ingest.pubmed import PubmedArticle
from pipeline.records import AbstractSection, Study
from pipeline.settings import Settings

# Raw abstracts longer than this many times their limit are refused before any cleaning.
_RAW_FACTOR = 5
_TERM_SEPARATOR = re.compile(r"[;,]")
_WORD = re.compile(r"[^\W\d_]{2}")  # two letters in a row: "p < 0.05" alone has no words


@dataclass
class LoadResult:
    """What a file held: the Studies that loaded and one error per record that did not."""

    studies: list[Study] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def load_file(path: Path, settings: Settings) -> list[Study]:
    """Read one submitted file into validated Studies.

    Raises an InputError subclass (one line naming the file and problem) when the file itself is
    unusable, or when no record in it loads (the first record's error). When some records load,
    returns those and drops the rest: callers that must report per-record problems (the batch)
    use `load_file_tolerant`.
    """
    result = load_file_tolerant(path, settings)
    if not result.studies:
        raise result.errors[0] if result.errors else EmptyInputError(display(path), "no records")
    return result.studies


def load_file_tolerant(path: Path, settings: Settings) -> LoadResult:
    """Like `load_file`, but record problems are collected in `errors` instead of raised.

    A record problem is anything wrong with one abstract or its fields (missing, too short or
    long, not English, a bad year, an id another record of the file claims...), in single-record
    files too. File-level problems still raise: unreadable, not a regular file, too big, empty,
    binary, not UTF-8, JSON or XML that does not parse, unsafe XML, an unsupported suffix.
    """
    label = display(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            label,
            f"unsupported file type {display(suffix) or '(none)'!r}; "
            "use .txt, .md, .json, .jsonl or .xml",
        )
    data = read_bytes(path, label, settings)
    return load_records(
        decode(data, label, nul_is_binary=suffix != ".jsonl"), label, suffix, settings
    )


def load_records(text: str, label: str, suffix: str, settings: Settings) -> LoadResult:
    """Text already in hand (a watch's efetch reply) read as a file with this suffix would be."""
    result = LoadResult()
    claimed: dict[str, tuple[str, str]] = {}
    for record in records(text, label, suffix):
        if isinstance(record, InputError):
            result.errors.append(record)
            continue
        # One bad record never sinks the others.
        try:
            study = _from_raw(record, settings)
        except InputError as err:
            result.errors.append(err)
            continue
        first, digest = claimed.setdefault(study.id, (record.where, study.content_hash))
        if digest != study.content_hash:
            result.errors.append(
                IdConflictError(
                    record.where,
                    f"{_claim(study)} is also claimed by {first} with a different title or "
                    "abstract; only the first was loaded",
                )
            )
            continue
        result.studies.append(study)
    return result


def load_text(text: str, source: str, settings: Settings, *, title: str | None = None) -> Study:
    """Pasted text (web form / stdin) -> Study; the same reading and checks as a .txt file.

    `title`, when given, wins over a `Title:` line in the text.
    """
    source = display(source)
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


def study_from_fields(fields: dict[str, Any], source: str, settings: Settings) -> Study:
    """A record's fields (a feed entry's) -> Study, validated as a JSON record would be."""
    return _from_record(fields, source, source, settings)


def _claim(study: Study) -> str:
    what = f"PMID {study.pmid}" if study.pmid else f"DOI {study.doi}" if study.doi else "id"
    return f"{what} ({study.id})"


# -- records ---------------------------------------------------------------------------------


def _from_raw(record: RawRecord, settings: Settings) -> Study:
    if isinstance(record.fields, PubmedArticle):
        return _from_article(record.fields, record.source, record.where, settings)
    return _from_record(record.fields, record.source, record.where, settings)


def _from_article(article: PubmedArticle, source: str, where: str, settings: Settings) -> Study:
    """XML text was decoded by the parser: cleaned with `html=False`, so entities are not
    decoded a second time. `study.abstract` is built from the parts, one paragraph each."""
    _refuse_huge(sum(len(text) for _, text in article.parts), where, settings)
    parts = [(label, clean_abstract(text, html=False)) for label, text in article.parts]
    parts = [(clean_line(label, html=False) or None if label else None, t) for label, t in parts]
    parts = [(label, text) for label, text in parts if text]
    labelled = any(label for label, _ in parts)
    return _study(
        source,
        where,
        settings,
        title=clean_line(article.title[:RAW_LINE], html=False),
        abstract="\n".join(f"{label}: {text}" if label else text for label, text in parts),
        sections=[AbstractSection(label=label, text=text) for label, text in parts]
        if labelled
        else [],
        journal=short_line(article.journal, MAX_JOURNAL_CHARS, html=False),
        year=article.year,
        # A malformed DOI in ArticleIdList gives way to a good one in ELocationID, else none.
        doi=next(filter(None, map(canonical_doi, article.dois)), None),
        pmid=parse_pmid(article.pmid, where),
        keywords=terms(article.keywords, html=False),
        mesh_terms=terms(article.mesh_terms, html=False),
        publication_types=terms(article.publication_types, html=False),
    )


def _from_record(record: Any, source: str, where: str, settings: Settings) -> Study:
    """A JSON object (or a text file's header + body) -> Study; unknown keys are ignored."""
    if not isinstance(record, dict):
        raise MalformedInputError(where, f"expected a JSON object, not {json_type(record)}")
    check_unicode(record, where)
    abstract = record.get("abstract")
    if abstract is None or (isinstance(abstract, str) and not abstract.strip()):
        raise NoAbstractError(where, "no abstract")
    keywords = record.get("keywords")
    if isinstance(keywords, str):
        keywords = _TERM_SEPARATOR.split(keywords)
    if keywords is not None and not (
        isinstance(keywords, list) and all(isinstance(k, str) for k in keywords)
    ):
        raise MalformedInputError(where, "'keywords' must be a list of strings or one string")
    raw = string_field(record, "abstract", where) or ""
    _refuse_huge(len(raw), where, settings)
    title = string_field(record, "title", where) or ""
    return _study(
        source,
        where,
        settings,
        title=clean_line(title[:RAW_LINE]),
        abstract=clean_abstract(raw),
        journal=short_line(string_field(record, "journal", where), MAX_JOURNAL_CHARS, html=True),
        year=parse_year(record.get("year"), where),
        doi=parse_doi(record.get("doi"), where),
        pmid=parse_pmid(record.get("pmid"), where),
        keywords=terms(keywords, html=True),
    )


def _refuse_huge(size: int, where: str, settings: Settings) -> None:
    # Cleaning is linear, but there is no point cleaning megabytes only to refuse them.
    if size > _RAW_FACTOR * settings.max_abstract_chars:
        raise AbstractLengthError(
            where,
            f"abstract too long: {size:,} characters (maximum {settings.max_abstract_chars:,})",
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
    """The one place every record is validated, whatever its format; its text is clean."""
    if not abstract:
        raise NoAbstractError(where, "no abstract")
    if len(abstract) > settings.max_abstract_chars:
        raise AbstractLengthError(
            where,
            f"abstract too long: {len(abstract):,} characters "
            f"(maximum {settings.max_abstract_chars:,})",
        )
    if not _WORD.search(abstract):
        raise NoAbstractError(where, "abstract has no words, only numbers and symbols")
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
    title = cut(title or derive_title(sections[0].text if sections else abstract), MAX_TITLE_CHARS)
    return Study(
        id=study_id(pmid, doi, title, abstract),
        title=title,
        abstract=abstract,
        sections=sections,
        journal=journal,
        year=year,
        doi=doi,
        pmid=pmid,
        keywords=keywords or [],
        mesh_terms=mesh_terms or [],
        publication_types=publication_types or [],
        source=source,
        content_hash=content_hash(title, abstract),
        units=split_units(sections, abstract),
    )
