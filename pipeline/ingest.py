"""Ingest: a submitted file or pasted text -> validated, normalised Studies with stable ids.

Formats: `.txt`/`.md` (an optional header block of `Title:`/`Journal:`/`Year:`/`DOI:`/`PMID:`/
`Keywords:` lines or a `# heading` title, then the abstract), `.json` (one object or a list of
objects), `.jsonl` (one object a line) and PubMed efetch `.xml` (read by `pubmed`). Every input
must be UTF-8. Every record goes through `_study`, so every format gets the same checks: an
abstract of `min_abstract_words` words up to `max_abstract_chars` characters, in English.

What a Study's text looks like after ingest, whatever the format:
- plain text: HTML tags go (script/style with their contents), entities are unescaped, Unicode is
  NFC, every run of spaces or tabs is one space;
- `abstract` holds one paragraph a line. A lone line break inside a paragraph is a soft wrap and
  becomes a space, unless the next line starts with a section label ("Methods: ...");
- structured abstracts keep their labels in `abstract` ("Background: ...", "RESULTS: ..." from
  PubMed) and `sections` holds the same text split at them, labels upper-cased; unstructured
  abstracts have no sections;
- with no title, the title is the abstract's first sentence cut at 12 words, unmarked.

Multi-record files (JSON list, JSONL, PubMed XML) load record by record: a bad record becomes an
error in `LoadResult.errors` and the others still load. Their Study.source is "path#N" (N is the
1-based record, line or article number) even when the file holds one record, so a source stays
put when records are appended; txt, md and single-object JSON files use the bare path.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pipeline.errors import (
    AbstractLengthError,
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    LanguageError,
    MalformedInputError,
    NoAbstractError,
)
from pipeline.pubmed import PubmedArticle, parse_pubmed_xml
from pipeline.records import AbstractSection, Study
from pipeline.settings import Settings

SUFFIXES = frozenset({".txt", ".md", ".json", ".jsonl", ".xml"})

# Real English abstracts in the shared corpus score 0.22-0.55; Norwegian, French, German and
# Spanish paragraphs score under 0.03 (tests/test_ingest.py keeps both sides checked).
MIN_ENGLISH_SHARE = 0.10

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
    data = _read(path, label, settings)
    text = _decode(data, label)
    if suffix in (".txt", ".md"):
        result = LoadResult()
        record = _plain_record(text, markdown=suffix == ".md")
        _collect(result, partial(_from_record, record, label, label, settings))
        return result
    if suffix == ".json":
        return _from_json(text, label, settings)
    if suffix == ".jsonl":
        return _from_jsonl(text, label, settings)
    return _from_pubmed(text, label, settings)


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
        raise _too_large(source, len(data), settings)
    record = _plain_record(_decode(data, source), markdown=False)
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


# -- reading ---------------------------------------------------------------------------------


def _read(path: Path, label: str, settings: Settings) -> bytes:
    limit = settings.max_file_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise _too_large(label, size, settings)
        with path.open("rb") as fh:
            # Never more than the limit, even if the file grew since stat() or is a pipe.
            data = fh.read(limit + 1)
    except OSError as err:
        raise InputError(label, f"cannot read file: {err.strerror or err}") from None
    if len(data) > limit:
        raise _too_large(label, len(data), settings)
    return data


def _too_large(label: str, size: int, settings: Settings) -> AbstractLengthError:
    return AbstractLengthError(
        label, f"input too large: {size:,} bytes (maximum {settings.max_file_bytes:,})"
    )


def _decode(data: bytes, label: str) -> str:
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


def _display(path: Path | str) -> str:
    # Error messages must stay one line even for a file name with a newline in it.
    text = str(path)
    return text if text.isprintable() else repr(text)[1:-1]


# -- formats ---------------------------------------------------------------------------------


def _plain_record(text: str, *, markdown: bool) -> dict[str, Any]:
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
                pending_label = name if _starts_with_label(f"{name}:") else None
                body.append("")
                continue
            if pending_label and line:
                line, pending_label = f"{pending_label}: {line}", None
        body.append(line)
    while body and not body[-1]:
        body.pop()
    return body


def _from_json(text: str, label: str, settings: Settings) -> LoadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedInputError(
            label, f"malformed JSON at line {err.lineno}, column {err.colno}: {err.msg}"
        ) from None
    except RecursionError:
        raise MalformedInputError(label, "malformed JSON: nested too deeply") from None
    result = LoadResult()
    if isinstance(data, dict):
        _collect(result, partial(_from_record, data, label, label, settings))
        return result
    if not isinstance(data, list):
        raise MalformedInputError(
            label, f"JSON must be an object or a list of objects, not {_json_type(data)}"
        )
    if not data:
        raise EmptyInputError(label, "no records in the JSON list")
    for n, record in enumerate(data, start=1):
        where = f"{label} record {n}"
        _collect(result, partial(_from_record, record, f"{label}#{n}", where, settings))
    return result


def _from_jsonl(text: str, label: str, settings: Settings) -> LoadResult:
    result = LoadResult()
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{label} line {n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            result.errors.append(
                MalformedInputError(where, f"malformed JSON at column {err.colno}: {err.msg}")
            )
            continue
        except RecursionError:
            result.errors.append(MalformedInputError(where, "malformed JSON: nested too deeply"))
            continue
        _collect(result, partial(_from_record, record, f"{label}#{n}", where, settings))
    return result


def _collect(result: LoadResult, build: Callable[[], Study]) -> None:
    """Adds the Study `build` makes, or its InputError: one bad record never sinks the others."""
    try:
        result.studies.append(build())
    except InputError as err:
        result.errors.append(err)


def _from_pubmed(text: str, label: str, settings: Settings) -> LoadResult:
    result = LoadResult()
    for article in parse_pubmed_xml(text, label):
        where = f"{label} article {article.position}"
        if article.pmid:
            where += f" (PMID {article.pmid})"
        source = f"{label}#{article.position}"
        _collect(result, partial(_from_article, article, source, where, settings))
    return result


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
        doi=_doi(article.doi, where),
        pmid=_pmid(article.pmid, where),
        keywords=article.keywords,
        mesh_terms=article.mesh_terms,
        publication_types=article.publication_types,
    )


# -- records ---------------------------------------------------------------------------------


def _from_record(record: Any, source: str, where: str, settings: Settings) -> Study:
    """A JSON object (or a text file's header + body) -> Study; unknown keys are ignored."""
    if not isinstance(record, dict):
        raise MalformedInputError(where, f"expected a JSON object, not {_json_type(record)}")
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
        title=_string(record, "title", where) or "",
        abstract=_string(record, "abstract", where) or "",
        journal=_string(record, "journal", where),
        year=_year(record.get("year"), where),
        doi=_doi(record.get("doi"), where),
        pmid=_pmid(record.get("pmid"), where),
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


def _string(record: dict[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedInputError(where, f"{key!r} must be a string, not {_json_type(value)}")
    return value


def _year(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    match = None
    if isinstance(value, int | str) and not isinstance(value, bool):
        match = re.match(r"\s*(\d{4})(?!\d)", str(value))
    if not match or not 1500 <= int(match.group(1)) <= 2100:
        raise MalformedInputError(where, f"'year' must be a year like 2021, not {_show(value)}")
    return int(match.group(1))


def _pmid(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    text = ""
    if isinstance(value, int | str) and not isinstance(value, bool):
        text = re.sub(r"^pmid\s*:?\s*", "", str(value).strip(), flags=re.IGNORECASE)
    if not re.fullmatch(r"\d{1,10}", text):
        raise MalformedInputError(where, f"'pmid' must be digits, not {_show(value)}")
    return text


def _doi(value: Any, where: str) -> str | None:
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


def _json_type(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    names = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


# -- abstract text: markup, whitespace, section labels, titles, language ----------------------

_DROPPED_TAGS = frozenset({"script", "style"})
_BLOCK_TAG = re.compile(r"p|div|li|ul|ol|h[1-6]|tr|table|section|article|blockquote")
_MARKUP = re.compile(
    r"<\s*/?\s*[A-Za-z!?][^<>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});"
)
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")

# Words that make up the section labels of structured abstracts, e.g. "Background", "Materials
# and methods", "Conclusions and implications for practice", "Authors' conclusions".
_LABEL_WORDS = (
    "background introduction context aims? objectives? purpose review methods? materials? design "
    "settings? participants patients subjects interventions? measurements main outcomes? measures "
    "results? findings recent conclusions? interpretation discussion importance significance "
    "limitations trial registration clinical key points messages summary exposures? relevance "
    "study data sources selection extraction synthesis criteria search collection analysis "
    "authors'? rationale hypothesis case presentation evidence acquisition implications practice "
    "areas covered expert opinion commentary"
)
_WORD = "(?:" + "|".join(_LABEL_WORDS.split()) + ")"
_LABEL = rf"(?P<label>{_WORD}(?:(?:\s+(?:and|of|for|&))?\s+{_WORD}){{0,4}})\s*:"
# A label counts only where a paragraph or a sentence starts: "... at 12 weeks. Results: ...".
_LABEL_IN_TEXT = re.compile(
    rf"(?:^|(?<=[.!?] )|(?<=[.!?][)\]\"'] )){_LABEL}", re.IGNORECASE | re.MULTILINE
)
_LABEL_AT_START = re.compile(_LABEL, re.IGNORECASE)

_TITLE_WORDS = 12
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "al.", "vs.", "etc.", "approx.", "fig.", "no.", "dr."})

# Function words: frequent in any English prose, whatever the topic, rare in other languages.
_FUNCTION_WORDS = (
    "the of and in to a with for was were is are that by on as from at or an be this these which "
    "it its than not but between after have has had been we our their there those also more who "
    "may can into during both each other such all no when only most whether however"
)
_ENGLISH_WORDS = frozenset(_FUNCTION_WORDS.split())
_LETTERS = re.compile(r"[^\W\d_]+")


class _TextOnly(HTMLParser):
    """The text of an HTML fragment: tags and comments go, script and style contents too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif _BLOCK_TAG.fullmatch(tag):
            self.chunks.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self._dropping = max(0, self._dropping - 1)
        elif _BLOCK_TAG.fullmatch(tag):
            self.chunks.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.chunks.append(data)


def _strip_markup(text: str) -> str:
    # Only text that looks like markup is parsed, so "p<0.05" and "R&D" pass untouched. Repeated
    # because unescaping "&lt;script&gt;" yields markup again; it must not survive as text.
    for _ in range(3):
        if not _MARKUP.search(text):
            return text
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.chunks)
    return _MARKUP.sub(" ", text)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFC", _strip_markup(text))
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_line(text: str) -> str:
    """Plain text on one line: markup stripped, NFC, every whitespace run one space."""
    return " ".join(_plain(text).split())


def clean_abstract(text: str) -> str:
    """Plain text, one paragraph a line; a lone line break is a soft wrap unless a label follows."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in _plain(text).split("\n"):
        line = " ".join(raw.split())
        if current and (not line or _starts_with_label(line)):
            paragraphs.append(" ".join(current))
            current = []
        if line:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def _starts_with_label(line: str) -> bool:
    match = _LABEL_AT_START.match(line)
    return bool(match and match.group("label")[0].isupper())


def split_sections(abstract: str) -> list[AbstractSection]:
    """The labelled parts of a structured abstract; [] when it is not structured.

    Structured means two or more labels, or one label opening the abstract: a lone label late in
    the text ("... Clinical trial registration: NCT...") does not make an abstract structured.
    """
    labels = [m for m in _LABEL_IN_TEXT.finditer(abstract) if m.group("label")[0].isupper()]
    if not labels or (len(labels) == 1 and labels[0].start() > 0):
        return []
    sections = []
    if head := abstract[: labels[0].start()].strip():
        sections.append(AbstractSection(label=None, text=head))
    for match, end in zip(labels, [m.start() for m in labels[1:]] + [len(abstract)], strict=True):
        if text := abstract[match.end() : end].strip():
            label = " ".join(match.group("label").split()).upper()
            sections.append(AbstractSection(label=label, text=text))
    return sections


def derive_title(text: str) -> str:
    """The first sentence, cut at 12 words, without its closing punctuation."""
    words: list[str] = []
    for word in text.split():
        words.append(word)
        # A sentence ends at ".", "!" or "?" (alone, in pre-tokenised text, or ending a word),
        # but not at "vs." or "e.g.", nor at one-letter words such as initials or "(i. e.".
        letters = sum(ch.isalnum() for ch in word)
        ends = word in (".", "!", "?") or (
            word[-1] in ".!?" and letters > 1 and word.lower() not in _ABBREVIATIONS
        )
        if ends or len(words) == _TITLE_WORDS:
            break
    return " ".join(words).rstrip(" .,;:")


def english_share(text: str) -> float:
    """Share of the words in `text` that are common English function words (0.0-1.0)."""
    words = _LETTERS.findall(text.lower())
    return sum(word in _ENGLISH_WORDS for word in words) / len(words) if words else 0.0
