"""Property tests (issue 10, #30): whatever comes in, ingest gives Studies or our InputErrors,
never another exception; ids are canonical and total. Bounded: a few hundred examples each."""

from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ingest_builders import ABSTRACT, article, pubmed_set

from pipeline.errors import InputError
from pipeline.ingest import load_file_tolerant, load_text, study_id
from pipeline.ingest.ids import canonical_doi
from pipeline.records import Study
from pipeline.settings import Settings

SETTINGS = Settings()
BOUNDED = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
ID = re.compile(
    r"pmid-[1-9][0-9]{0,9}|sha-[0-9a-f]{12}|doi-[a-z0-9]+(?:-[a-z0-9]+)*(?:--[0-9a-f]{16})?"
)
SUFFIXES = [".txt", ".md", ".json", ".jsonl", ".xml"]

# Any code point at all, surrogates, controls, bidi and format characters included.
ANY_CHAR = st.characters(exclude_categories=())
HOSTILE = st.sampled_from(
    [
        "\ud800",
        "\x00",
        "\u202e",
        "\ufeff",
        "\u2028",
        "<script>",
        "&amp;lt;",
        "<LLOQ",
        "< or =",
        "#" * 7,
        "\\",
        '"',
        "]]>",
        "<!--",
        "9" * 5000,
        "１２３",
        "10.1234/",
    ]
)
TEXT = st.lists(st.one_of(st.text(ANY_CHAR, max_size=30), HOSTILE), max_size=12).map("".join)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["title", "abstract", "journal", "year", "doi", "pmid", "keywords"]
RECORD = st.dictionaries(st.sampled_from(FIELDS), VALUES | st.just(ABSTRACT) | TEXT, max_size=7)


def check_loaded(path: Path) -> None:
    """The property: a LoadResult of clean Studies and one-line InputErrors, or an InputError."""
    try:
        result = load_file_tolerant(path, SETTINGS)
    except InputError as error:
        assert len(str(error).splitlines()) == 1, repr(str(error))
        return
    for study in result.studies:
        check_study(study)
    for error in result.errors:
        assert isinstance(error, InputError)
        assert len(str(error).splitlines()) == 1, repr(str(error))


def check_study(study: Study) -> None:
    assert ID.fullmatch(study.id), study.id
    study.model_dump_json().encode("utf-8")  # no surrogates anywhere
    assert len(study.title) <= 500 and "\n" not in study.title


FOLDER = Path(tempfile.mkdtemp(prefix="pls-properties-"))
atexit.register(shutil.rmtree, FOLDER, True)


def write_tmp(name: str, data: bytes) -> Path:
    path = FOLDER / name  # one folder for the module, each example overwriting the last
    path.write_bytes(data)
    return path


@BOUNDED
@given(data=st.binary(max_size=2000), suffix=st.sampled_from(SUFFIXES))
@example(data=b'{"title": "x\\ud800", "abstract": "a"}', suffix=".json")
@example(data=b'{"year": ' + b"9" * 5000 + b"}", suffix=".jsonl")
@example(data=b"\xff\xfe\x00\x00" + "x".encode("utf-32-le"), suffix=".txt")
def test_any_bytes_in_any_format(data: bytes, suffix: str):
    check_loaded(write_tmp(f"in{suffix}", data))


@BOUNDED
@given(records=st.lists(RECORD | VALUES, min_size=1, max_size=4), as_list=st.booleans())
def test_any_json_records(records: list, as_list: bool):
    if as_list:
        data = json.dumps(records)
        path = write_tmp("in.json", data.encode("utf-8", "surrogatepass"))
    else:
        data = "\n".join(json.dumps(r) for r in records)
        path = write_tmp("in.jsonl", data.encode("utf-8", "surrogatepass"))
    check_loaded(path)


XML_TEXT = TEXT.map(lambda t: escape("".join(ch for ch in t if _xml_char(ch))))


def _xml_char(ch: str) -> bool:
    code = ord(ch)
    return (
        code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code > 0xFFFF
    )


@BOUNDED
@given(
    pmid=XML_TEXT | st.sampled_from(["1", "0", "00012", "１２"]),
    title=XML_TEXT,
    abstract=XML_TEXT | st.just(ABSTRACT),
    extra=st.sampled_from(["", "<sup>2</sup>", '<ELocationID EIdType="doi">x</ELocationID>']),
)
def test_any_pubmed_article(pmid: str, title: str, abstract: str, extra: str):
    text = pubmed_set(article(pmid, title + extra, abstract + extra), article("9", "Good"))
    check_loaded(write_tmp("in.xml", text.encode()))


@BOUNDED
@given(text=TEXT, title=st.none() | TEXT, markdown=st.booleans())
def test_any_pasted_or_text_file(text: str, title: str | None, markdown: bool):
    try:
        check_study(load_text(text + " " + ABSTRACT, "pasted", SETTINGS, title=title))
    except InputError as error:
        assert len(str(error).splitlines()) == 1
    check_loaded(
        write_tmp("in.md" if markdown else "in.txt", text.encode("utf-8", "surrogatepass"))
    )


# -- ids -------------------------------------------------------------------------------------

ANYTHING = st.none() | st.integers() | TEXT | st.booleans()


@BOUNDED
@given(pmid=ANYTHING, doi=ANYTHING, title=TEXT, abstract=TEXT)
def test_study_id_is_total(pmid, doi, title, abstract):
    made = study_id(pmid, doi, title, abstract)
    assert ID.fullmatch(made) and len(made) <= 100
    assert made == study_id(pmid, doi, title, abstract)


def fullwidth(digits: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits)


@BOUNDED
@given(number=st.integers(1, 9_999_999_999), zeros=st.integers(0, 5))
def test_every_spelling_of_a_pmid_is_one_id(number: int, zeros: int):
    spellings = [number, str(number), "0" * zeros + str(number), fullwidth(str(number))]
    spellings += [f"PMID: {number}", f" pmid {number} "]
    assert {study_id(p, None, "t", "a") for p in spellings} == {f"pmid-{number}"}


SUFFIX_CHARS = st.sampled_from("abcXYZ019.-_/()<>;:")
DOIS = st.builds(
    lambda registrant, suffix: f"10.{registrant}/{suffix}",
    st.integers(1000, 99999),
    st.text(SUFFIX_CHARS, min_size=1, max_size=40),
)


@BOUNDED
@given(doi=DOIS, other=DOIS)
def test_doi_ids_are_case_insensitive_and_collision_free(doi: str, other: str):
    made = study_id(None, doi, "t", "a")
    assert made == study_id(None, doi.upper(), "t", "a") == study_id(None, doi.lower(), "t", "a")
    assert made == study_id(None, f"https://doi.org/{doi}", "x", "y")
    assert canonical_doi(doi) == doi
    assert (made == study_id(None, other, "t", "a")) == (doi.lower() == other.lower())
