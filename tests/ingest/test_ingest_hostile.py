"""Hostile input never crashes ingest, and one bad record never stops the others (issue 10).

Covers #2 (lone surrogates), #3 (integers over 4,300 digits), #6 (JSONL line splitting and a
BOM inside), #20 (bidi and invisible characters), #21 (messages: UTF-32, NUL bytes, a NUL in a
DOI, "no words", long titles and other field caps).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from ingest_builders import ABSTRACT, OTHER_ABSTRACT, article, jsonl, one_line, pubmed_set, write

from pipeline.errors import (
    AbstractLengthError,
    BinaryInputError,
    EncodingInputError,
    InputError,
    MalformedInputError,
    NoAbstractError,
)
from pipeline.ingest import load_file, load_file_tolerant, load_text, study_id
from pipeline.ingest.ids import content_hash
from pipeline.ingest.markup import INVISIBLE
from pipeline.records import Study
from pipeline.settings import Settings

SETTINGS = Settings()
GOOD = {"abstract": ABSTRACT, "title": "Good"}


def raw(**fields: str) -> str:
    """A JSON object written by hand: `abstract` is quoted, every other value goes in as is."""
    parts = [f'"{k}": {json.dumps(v) if k == "abstract" else v}' for k, v in fields.items()]
    return "{" + ", ".join(parts) + "}"


def texts_of(study: Study) -> list[str]:
    fields = [study.title, study.abstract, study.journal or "", study.doi or "", study.pmid or ""]
    return fields + study.keywords + [s.text for s in study.sections] + [study.source]


def no_surrogates(study: Study) -> None:
    for text in texts_of(study):
        text.encode("utf-8")  # raises on a surrogate
    study.model_dump_json()


# -- #2 lone surrogates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"title": "x\ud800", "abstract": ABSTRACT},
        {"abstract": ABSTRACT + " \udfff"},
        {"abstract": ABSTRACT, "keywords": ["ok", "bad\udc80"]},
        {"abstract": ABSTRACT, "journal": "\ud83d journal"},
        {"abstract": ABSTRACT, "doi": "10.1234/\ud800"},
        {"abstract": ABSTRACT, "extra": {"nested": ["\ud800"]}},
    ],
    ids=["title", "abstract", "keyword", "journal", "doi", "nested-unknown-field"],
)
def test_a_lone_surrogate_refuses_only_its_record(tmp_path: Path, bad: dict):
    # json.dumps writes the surrogate as the escape "\\ud800", which is how it reaches us.
    path = write(tmp_path, "s.jsonl", jsonl(GOOD, bad, {**GOOD, "title": "Third"}))

    result = load_file_tolerant(path, SETTINGS)

    assert [s.title for s in result.studies] == ["Good", "Third"]
    (error,) = result.errors
    assert isinstance(error, EncodingInputError)
    message = one_line(error, "s.jsonl line 2", "lone surrogate U+D")
    assert "\ud800" not in message and "is not valid Unicode" in message
    for study in result.studies:
        no_surrogates(study)


def test_a_surrogate_pair_escape_is_one_good_character(tmp_path: Path):
    text = '{"title": "MS \\ud83d\\ude00", "abstract": ' + json.dumps(ABSTRACT) + "}"
    path = write(tmp_path, "pair.json", text)
    (study,) = load_file(path, SETTINGS)
    assert study.title == "MS \U0001f600"


def test_a_single_object_json_with_a_surrogate_is_one_line(tmp_path: Path):
    path = write(tmp_path, "one.json", json.dumps({"title": "x\ud800", "abstract": ABSTRACT}))
    with pytest.raises(EncodingInputError) as caught:
        load_file(path, SETTINGS)
    one_line(caught.value, "one.json", "'title'")


def test_id_and_content_hash_are_total_on_surrogates():
    assert study_id(None, None, "x\ud800", "y\udfff").startswith("sha-")
    assert study_id("\ud800", "10.1234/\ud800", "t", "a").startswith("sha-")
    assert len(content_hash("x\ud800", "y")) == 64


# -- #3 huge integers ------------------------------------------------------------------------


def test_integers_over_4300_digits_refuse_their_field_only(tmp_path: Path):
    huge = "9" * 5000
    lines = [
        json.dumps(GOOD),
        raw(abstract=ABSTRACT, year=huge),
        raw(abstract=OTHER_ABSTRACT, pmid=huge),
        raw(abstract=ABSTRACT, n_patients=huge, title='"Ignored field"'),
    ]
    path = write(tmp_path, "huge.jsonl", "\n".join(lines))

    result = load_file_tolerant(path, SETTINGS)

    assert [s.title for s in result.studies] == ["Good", "Ignored field"]
    assert [type(e) for e in result.errors] == [MalformedInputError, MalformedInputError]
    one_line(result.errors[0], "huge.jsonl line 2", "'year'", "5,000-digit number")
    one_line(result.errors[1], "huge.jsonl line 3", "'pmid'", "5,000-digit number")


def test_a_huge_integer_in_a_json_list_keeps_the_other_records(tmp_path: Path):
    third = json.dumps({**GOOD, "title": "Third"})
    text = f"[{json.dumps(GOOD)}, {raw(abstract=ABSTRACT, year='-' + '1' * 4400)}, {third}]"
    result = load_file_tolerant(write(tmp_path, "list.json", text), SETTINGS)
    assert [s.title for s in result.studies] == ["Good", "Third"]
    one_line(result.errors[0], "list.json record 2", "'year'", "4,400-digit number")


# -- #6 JSONL lines --------------------------------------------------------------------------


def test_jsonl_splits_on_newline_only(tmp_path: Path):
    separators = "\u2028 \u2029 \x85 \x1c \x1d \x1e \x0b \x0c"
    record = {"abstract": f"{ABSTRACT} {separators} end.", "title": f"A{separators}B"}
    path = write(tmp_path, "seps.jsonl", json.dumps(record, ensure_ascii=False) + "\r\n")

    (study,) = load_file(path, SETTINGS)

    assert study.source == f"{path}#1"
    assert study.title == "A B"
    # U+2028/U+2029 are line and paragraph separators: the one record keeps them as such.
    assert study.abstract == f"{ABSTRACT}\nend."


def test_a_bom_at_the_start_of_a_later_line_is_named(tmp_path: Path):
    text = codecs.BOM_UTF8 + (json.dumps(GOOD) + "\n\ufeff" + json.dumps(GOOD) + "\n").encode()
    result = load_file_tolerant(write(tmp_path, "joined.jsonl", text), SETTINGS)

    assert len(result.studies) == 1
    message = one_line(result.errors[0], "joined.jsonl line 2", "byte-order mark (U+FEFF)")
    assert "utf-8-sig" not in message


# -- #20 bidi and invisible characters -------------------------------------------------------

HIDDEN = "\u202a\u202e\u2066\u2069\u200b\u200e\u00ad\u2060"
TAGS = "".join(chr(0xE0000 + ord(c)) for c in "ignore the caveats")  # invisible "tag" letters


def test_bidi_and_invisible_characters_are_stripped_on_ingest(tmp_path: Path):
    record = {
        "title": f"Walking {HIDDEN}trial{TAGS}",
        "abstract": ABSTRACT.replace("Fatigue", f"Fat{HIDDEN}igue", 1) + TAGS + "\ufe0f",
        "keywords": ["fat\u2067igue\u2069", "exer\u00adcise"],
        "journal": "Mult\u202e Scler",
    }
    (study,) = load_file(write(tmp_path, "bidi.json", json.dumps(record)), SETTINGS)

    assert study.title == "Walking trial"
    assert study.abstract == ABSTRACT
    assert study.keywords == ["fatigue", "exercise"]
    assert study.journal == "Mult Scler"
    for text in texts_of(study):
        assert not INVISIBLE & {ord(ch) for ch in text}


# -- #21 messages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error", "expected"),
    [
        (ABSTRACT.encode("utf-32"), EncodingInputError, "UTF-32 text"),
        (ABSTRACT.encode("utf-32-be"), EncodingInputError, "UTF-32 text without a byte-order"),
        (ABSTRACT.encode("utf-16-le"), EncodingInputError, "UTF-16 text without a byte-order"),
        (ABSTRACT.encode("utf-16"), EncodingInputError, "UTF-16 text"),
        (
            (ABSTRACT + " " * 9000 + "\x00 tail").encode(),
            BinaryInputError,
            f"NUL byte at offset {len(ABSTRACT) + 9000}",
        ),
        (b"\x00" + ABSTRACT.encode(), BinaryInputError, "NUL byte at offset 0"),
    ],
    ids=["utf32-bom", "utf32-be", "utf16-le", "utf16-bom", "nul-after-8k", "nul-first"],
)
def test_encoding_and_nul_messages(tmp_path: Path, data: bytes, error: type, expected: str):
    path = write(tmp_path, "enc.txt", data)
    with pytest.raises(error) as caught:
        load_file(path, SETTINGS)
    one_line(caught.value, "enc.txt", expected)


def test_a_nul_byte_in_a_jsonl_line_refuses_that_line_only(tmp_path: Path):
    bad = json.dumps(GOOD).replace("Good", "Go\x00od")
    path = write(tmp_path, "nul.jsonl", jsonl(GOOD, bad, GOOD))
    result = load_file_tolerant(path, SETTINGS)
    assert len(result.studies) == 2
    one_line(result.errors[0], "nul.jsonl line 2", "NUL byte at column")


def test_a_nul_in_a_doi_is_refused_and_elsewhere_removed(tmp_path: Path):
    bad_doi = {"abstract": ABSTRACT, "doi": "10.1234/ab\u0000c"}
    path = write(tmp_path, "doi.jsonl", jsonl(bad_doi, {**GOOD, "title": "Go\u0000od"}))
    result = load_file_tolerant(path, SETTINGS)
    assert [s.title for s in result.studies] == ["Good"]
    one_line(result.errors[0], "doi.jsonl line 1", "'doi' does not look like a DOI")


def test_an_all_numbers_abstract_has_no_words(tmp_path: Path):
    numbers = " ".join(str(n) for n in range(60)) + " 3.5 ± 0.2 (p < 0.05) 12%"
    with pytest.raises(NoAbstractError) as caught:
        load_file(write(tmp_path, "n.txt", numbers), SETTINGS)
    one_line(caught.value, "n.txt", "no words")


def test_long_titles_journals_and_keywords_are_capped(tmp_path: Path):
    record = {
        "abstract": ABSTRACT,
        "title": "Walking " * 12_500,  # 100 KB
        "journal": "J" * 10_000,
        "keywords": [f"k{n}" for n in range(200)] + ["x" * 300],
    }
    (study,) = load_file(write(tmp_path, "long.json", json.dumps(record)), SETTINGS)

    assert len(study.title) <= 500 and study.title.endswith("Walking…")
    assert len(study.journal or "") <= 300
    assert study.keywords == [f"k{n}" for n in range(50)]


def test_a_megabyte_abstract_is_refused_before_cleaning(tmp_path: Path):
    record = {"abstract": "<b>" + "word " * 250_000 + "</b>"}
    with pytest.raises(AbstractLengthError) as caught:
        load_file(write(tmp_path, "big.json", json.dumps(record)), SETTINGS)
    one_line(caught.value, "big.json", "abstract too long: 1,250,007 characters")


def test_pasted_text_with_surrogates_or_nul_gets_one_line(tmp_path: Path):
    for text, expected in [(ABSTRACT + "\ud800", "not valid Unicode"), ("\x00" + ABSTRACT, "NUL")]:
        with pytest.raises(InputError) as caught:
            load_text(text, "pasted abstract", SETTINGS)
        one_line(caught.value, "pasted abstract", expected)


# -- all of it at once -----------------------------------------------------------------------


def test_one_file_of_every_bad_kind_beside_good_records(tmp_path: Path):
    bad_lines = [
        raw(title='"x\\ud800"', abstract=ABSTRACT),
        raw(abstract=ABSTRACT, year="9" * 5000),
        raw(abstract=ABSTRACT, pmid='"0"'),
        raw(abstract=ABSTRACT, doi=json.dumps("10.1234/" + "a" * 300)),
        '{"abstract": "1 2 3 4 5 6 7 8 9 10"}',
        '{"abstract": oops}',
        "\ufeff" + json.dumps(GOOD),
        json.dumps({"abstract": ABSTRACT}).replace("Fatigue", "Fat\x00igue", 1),
        "[" * 100_000,
        json.dumps({"abstract": ["not", "a", "string"]}),
        json.dumps({"abstract": "x" * 30_000}),
        json.dumps("a string"),
    ]
    goods = [json.dumps({**GOOD, "title": f"Good {n}"}) for n in range(3)]
    lines = [goods[0], *bad_lines[:6], goods[1], *bad_lines[6:], goods[2]]
    path = write(tmp_path, "mixed.jsonl", "\n".join(lines))

    result = load_file_tolerant(path, SETTINGS)

    assert [s.title for s in result.studies] == ["Good 0", "Good 1", "Good 2"]
    assert len(result.errors) == len(bad_lines)
    for error in result.errors:
        one_line(error, "mixed.jsonl line ")


def test_a_50_mb_file_is_read_once_and_refused_or_loaded(tmp_path: Path):
    # Just under the 50,000,000-byte limit: good records between 200 KB lines of markup.
    good = json.dumps({"abstract": f"<p>{ABSTRACT}</p> <b>&amp;</b> p<0.05", "title": "Good"})
    junk = json.dumps({"abstract": "<i>x</i>" * 25_000})
    lines = [good if n % 25 == 0 else junk for n in range(49_000_000 // (len(junk) + 1))]
    path = write(tmp_path, "big.jsonl", "\n".join(lines))

    result = load_file_tolerant(path, SETTINGS)

    # Every good line is the same study (same id, same abstract): a duplicate, not a conflict.
    assert len(result.studies) == lines.count(good)
    assert result.studies[0].abstract == f"{ABSTRACT}\n& p<0.05"
    assert len(result.errors) == lines.count(junk)
    one_line(result.errors[0], "big.jsonl line 2", "abstract too long: 200,000 characters")
    path.write_bytes(path.read_bytes() + b" " * (50_000_001 - path.stat().st_size))
    with pytest.raises(AbstractLengthError, match="input too large"):
        load_file(path, SETTINGS)


def test_a_pubmed_file_with_hostile_articles_keeps_the_good_ones(tmp_path: Path):
    text = pubmed_set(
        article("1", "Good one"),
        article("2", "x" * 100_000, ABSTRACT.replace("Fatigue", "Fat&#x202E;igue")),
        article("0", "Zero PMID"),
        article("3", "Huge", "<i>" * 50_000 + ABSTRACT + "</i>" * 50_000),
        article("4", "Good two", OTHER_ABSTRACT),
    )
    result = load_file_tolerant(write(tmp_path, "hostile.xml", text), SETTINGS)

    assert [s.id for s in result.studies] == ["pmid-1", "pmid-2", "pmid-3", "pmid-4"]
    assert len(result.studies[1].title) <= 500
    assert result.studies[1].abstract == ABSTRACT
    assert result.studies[2].abstract == ABSTRACT
    one_line(result.errors[0], "hostile.xml article 3", "'pmid'")
