"""Ingest: every format parses to the right Study, every bad input gets a one-line error."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from pathlib import Path

import pytest

from pipeline.errors import (
    AbstractLengthError,
    BinaryInputError,
    EmptyInputError,
    EncodingInputError,
    InputError,
    LanguageError,
    MalformedInputError,
    NoAbstractError,
    UnsafeInputError,
)
from pipeline.ingest import discover, load_file, load_file_tolerant, load_text, study_id
from pipeline.ingest.load import MIN_ENGLISH_SHARE, clean_abstract, derive_title, english_share
from pipeline.settings import Settings

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PUBMED_XML = CORPUS / "pubmed_xml"

# Written for these tests (the shared corpus is read in place, never copied here).
ENGLISH = (
    "Fatigue is one of the most common symptoms reported by people with multiple sclerosis. "
    "We randomly assigned 120 adults with relapsing multiple sclerosis to a twelve-week home "
    "exercise programme or to usual care. Fatigue was measured with a standard questionnaire at "
    "the start and at the end of the study. Fatigue scores fell more in the exercise group than "
    "in the usual care group, and no serious side effects were reported."
)
BACKGROUND = "Fatigue is common in multiple sclerosis and limits daily life for many people."
METHODS = (
    "We randomly assigned 120 adults with relapsing multiple sclerosis to a twelve-week home "
    "exercise programme or to usual care, and measured fatigue with a questionnaire."
)
RESULTS = "Fatigue scores fell more in the exercise group than in the usual care group."
CONCLUSIONS = "A home exercise programme may reduce fatigue in people with multiple sclerosis."

NORWEGIAN = (
    "Antallet brannskadde pasienter over 75 år som får avansert behandling, inkludert omfattende "
    "kirurgi og intensivbehandling, er økende. Vi ønsket å beskrive behandlingen og utfallet for "
    "disse pasientene ved Nasjonal behandlingstjeneste for brannskader. Alle pasienter som var 75 "
    "år eller eldre og ble innlagt i perioden 2000 til 2019, ble inkludert i studien. Pasienter "
    "som døde på sykehuset hadde større forbrenning og høyere skrøpelighet enn de som overlevde."
)
FRENCH = (
    "La sclérose en plaques est une maladie inflammatoire chronique du système nerveux central "
    "qui touche surtout les jeunes adultes. Nous avons inclus 212 patients suivis pendant deux ans "
    "dans trois centres hospitaliers, et nous avons comparé la fatigue, la qualité de vie et le "
    "handicap avant et après un programme d'exercice physique adapté. La fatigue a diminué de "
    "façon significative dans le groupe traité par rapport au groupe témoin."
)
GERMAN = (
    "Die Multiple Sklerose ist eine chronisch-entzündliche Erkrankung des zentralen "
    "Nervensystems, die vor allem junge Erwachsene betrifft. Wir haben 212 Patientinnen und "
    "Patienten aus drei Zentren über zwei Jahre beobachtet und die Müdigkeit, die Lebensqualität "
    "und die Behinderung vor und nach einem angepassten Trainingsprogramm verglichen. Die "
    "Müdigkeit nahm in der Behandlungsgruppe im Vergleich zur Kontrollgruppe deutlich ab, was "
    "weitere Studien bestätigen sollten."
)
SPANISH = (
    "La esclerosis múltiple es una enfermedad inflamatoria crónica del sistema nervioso central "
    "que afecta sobre todo a adultos jóvenes. Incluimos a 212 pacientes seguidos durante dos años "
    "en tres hospitales y comparamos la fatiga, la calidad de vida y la discapacidad antes y "
    "después de un programa de ejercicio adaptado. La fatiga disminuyó de forma significativa en "
    "el grupo tratado en comparación con el grupo control."
)

PUBMED_HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


@pytest.fixture
def settings() -> Settings:
    return Settings()


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def article_xml(pmid: str, title: str, abstract: str | None, extra: str = "") -> str:
    body = f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>" if abstract else ""
    return (
        f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>'
        "<Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue>"
        f"<Title>Multiple sclerosis journal</Title></Journal><ArticleTitle>{title}</ArticleTitle>"
        f"{body}{extra}</Article></MedlineCitation></PubmedArticle>"
    )


def pubmed_set(*articles: str, head: str = PUBMED_HEAD) -> str:
    return f"{head}<PubmedArticleSet>\n{''.join(articles)}\n</PubmedArticleSet>\n"


def assert_one_line_naming(err: InputError, path: Path) -> None:
    message = str(err)
    assert "\n" not in message and "\r" not in message
    assert path.name in message


# -- discover --------------------------------------------------------------------------------


def test_discover_finds_inputs_recursively_sorted_and_skips_hidden_and_readme(tmp_path: Path):
    for name in [
        "b.txt",
        "A.MD",
        "c.json",
        "d.jsonl",
        "e.XML",
        "sub/f.txt",
        "sub/deeper/g.md",
        "README.md",
        "readme.txt",
        "sub/README",
        ".hidden.txt",
        ".git/h.txt",
        "sub/.cache/i.txt",
        "notes.pdf",
        "data.csv",
    ]:
        write(tmp_path, name, ENGLISH)
    (tmp_path / "folder.txt").mkdir()

    found = [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)]

    assert found == ["A.MD", "b.txt", "c.json", "d.jsonl", "e.XML", "sub/deeper/g.md", "sub/f.txt"]


def test_discover_refuses_a_missing_folder(tmp_path: Path):
    with pytest.raises(InputError, match="not a folder"):
        discover(tmp_path / "nope")


# -- ids -------------------------------------------------------------------------------------


def test_study_id_prefers_pmid_then_doi_then_content_hash():
    doi = "10.1016/S0140-6736(20)30183-5"
    assert study_id("12345", doi, "T", ENGLISH) == "pmid-12345"
    # Hyphens and brackets would be lost in the plain slug, so this DOI's id carries a hash.
    digest = hashlib.sha256(doi.lower().encode()).hexdigest()[:16]
    assert study_id(None, doi, "T", ENGLISH) == f"doi-10-1016-s0140-6736-20-30183-5--{digest}"
    assert study_id(None, "10.1177/1352458520000000", "T", ENGLISH) == (
        "doi-10-1177-1352458520000000"
    )
    expected = hashlib.sha256(f"a title\n{ENGLISH.lower()}".encode()).hexdigest()[:12]
    assert study_id(None, None, "A  Title", ENGLISH) == f"sha-{expected}"
    # Re-wrapping or re-casing the same text must not change its identity.
    rewrapped = ENGLISH.upper().replace(". ", ".\n  ")
    assert study_id(None, None, "a title ", rewrapped) == f"sha-{expected}"
    assert study_id(None, None, "Another title", ENGLISH) != f"sha-{expected}"


def test_ids_are_stable_across_loads(tmp_path: Path, settings: Settings):
    path = write(
        tmp_path,
        "x.jsonl",
        "\n".join(
            json.dumps(r)
            for r in [
                {"abstract": ENGLISH, "pmid": 111},
                {"abstract": ENGLISH, "doi": "https://doi.org/10.1212/WNL.0000000000012345"},
                {"abstract": ENGLISH, "title": "Exercise and fatigue"},
            ]
        ),
    )

    first, second = load_file(path, settings), load_file(path, settings)

    assert [s.id for s in first] == [s.id for s in second]
    assert [s.content_hash for s in first] == [s.content_hash for s in second]
    assert first[0].id == "pmid-111"
    assert first[1].id == "doi-10-1212-wnl-0000000000012345"
    assert first[1].doi == "10.1212/WNL.0000000000012345"
    assert re.fullmatch(r"sha-[0-9a-f]{12}", first[2].id)


# -- text and markdown -----------------------------------------------------------------------


def test_txt_with_title_line_and_structured_paragraphs(tmp_path: Path, settings: Settings):
    wrap = METHODS.index(" ", 60)
    text = (
        f"Title:  Home exercise and MS fatigue\n\nBackground: {BACKGROUND}\n\n"
        f"Methods: {METHODS[:wrap]}\n{METHODS[wrap + 1 :]}\n\nResults: {RESULTS}\n"
        f"Conclusions: {CONCLUSIONS}\n"
    )
    path = write(tmp_path, "study.txt", text)

    (study,) = load_file(path, settings)

    assert study.title == "Home exercise and MS fatigue"
    # One paragraph a line; the soft wrap inside Methods is joined; labels stay in the text.
    assert study.abstract == "\n".join(
        [
            f"Background: {BACKGROUND}",
            f"Methods: {METHODS}",
            f"Results: {RESULTS}",
            f"Conclusions: {CONCLUSIONS}",
        ]
    )
    assert [(s.label, s.text) for s in study.sections] == [
        ("BACKGROUND", BACKGROUND),
        ("METHODS", METHODS),
        ("RESULTS", RESULTS),
        ("CONCLUSIONS", CONCLUSIONS),
    ]
    assert study.source == str(path)
    assert study.id == study_id(None, None, study.title, study.abstract)
    expected_hash = hashlib.sha256(f"{study.title}\n{study.abstract}".encode()).hexdigest()
    assert study.content_hash == expected_hash


def test_txt_header_block_and_trailing_keywords_line(tmp_path: Path, settings: Settings):
    text = (
        "Title: Exercise and fatigue\nJournal: Mult Scler\nYear: 2020\n"
        "DOI: https://doi.org/10.1177/1352458520000000\n\n"
        f"{ENGLISH}\n\nKeywords: fatigue; exercise\n"
    )
    (study,) = load_file(write(tmp_path, "header.txt", text), settings)

    assert (study.title, study.journal, study.year) == ("Exercise and fatigue", "Mult Scler", 2020)
    assert study.id == "doi-10-1177-1352458520000000"
    assert study.keywords == ["fatigue", "exercise"]
    assert study.abstract == ENGLISH


def test_labels_at_sentence_starts_make_sections(tmp_path: Path, settings: Settings):
    text = f"Objective: {BACKGROUND} Patients and methods: {METHODS} Results: {RESULTS}"
    (study,) = load_file(write(tmp_path, "inline.txt", text), settings)

    assert [s.label for s in study.sections] == ["OBJECTIVE", "PATIENTS AND METHODS", "RESULTS"]
    assert study.abstract == text
    # No title given: the first sentence, without its label.
    assert study.title == "Fatigue is common in multiple sclerosis and limits daily life for many"


def test_unstructured_abstract_has_no_sections_and_a_derived_title(tmp_path: Path, settings):
    (study,) = load_file(write(tmp_path, "plain.txt", ENGLISH), settings)

    assert study.sections == []
    # The first sentence has 14 words: cut at 12, with no ellipsis or other mark.
    assert study.title == "Fatigue is one of the most common symptoms reported by people with"
    assert derive_title("Short first sentence here. Then more text follows.") == (
        "Short first sentence here"
    )
    assert derive_title("We compared drug A vs. placebo in adults. More.") == (
        "We compared drug A vs. placebo in adults"
    )
    # Pre-tokenised text (spaces before punctuation) and "i. e." do not end the sentence early.
    assert derive_title("Spasticity (i. e. , stiffness) is common . It limits walking .") == (
        "Spasticity (i. e. , stiffness) is common"
    )


def test_a_lone_late_label_does_not_make_an_abstract_structured(tmp_path: Path, settings):
    text = f"{ENGLISH} Clinical trial registration: NCT01234567."
    (study,) = load_file(write(tmp_path, "late.txt", text), settings)
    assert study.sections == []


def test_markdown_heading_title_and_section_headings(tmp_path: Path, settings: Settings):
    text = (
        "# Home exercise and **fatigue**\n\n## Abstract\n\n## Background\n\n"
        f"{BACKGROUND}\n\n## Methods\n{METHODS}\n\n**Results:** {RESULTS}\n\n"
        f"See [the trial](https://example.org/trial) for {CONCLUSIONS.lower()}\n"
    )
    (study,) = load_file(write(tmp_path, "study.md", text), settings)

    assert study.title == "Home exercise and fatigue"
    assert [s.label for s in study.sections] == ["BACKGROUND", "METHODS", "RESULTS"]
    assert study.sections[2].text.endswith(f"See the trial for {CONCLUSIONS.lower()}")
    assert "#" not in study.abstract and "**" not in study.abstract
    assert "https://" not in study.abstract


def test_load_text_reads_pasted_text_like_a_txt_file(settings: Settings):
    study = load_text(f"\ufeffTitle: Pasted\n\n{ENGLISH}", "<stdin>", settings)
    assert (study.title, study.abstract, study.source) == ("Pasted", ENGLISH, "<stdin>")

    assert load_text(ENGLISH, "web form", settings, title="Given title").title == "Given title"
    with pytest.raises(EmptyInputError, match=r"^web form: "):
        load_text(" \n\t ", "web form", settings)
    with pytest.raises(AbstractLengthError, match="too short"):
        load_text("Too short to summarise.", "web form", settings)
    # Bytes stdin could not decode (kept by surrogateescape) get the file's UTF-8 message.
    smuggled = ENGLISH.encode().decode("ascii", "ignore") + b"\xe9".decode(
        "utf-8", "surrogateescape"
    )
    with pytest.raises(
        EncodingInputError, match=rf"^<stdin>: .*byte 0xe9 at offset {len(ENGLISH)}"
    ):
        load_text(smuggled, "<stdin>", settings)


def test_single_record_problems_are_collected_not_raised(tmp_path: Path, settings: Settings):
    path = write(tmp_path, "short.md", "# A title\n\nOnly a few words here.")

    result = load_file_tolerant(path, settings)

    assert result.studies == []
    (error,) = result.errors
    assert str(error) == f"{path}: abstract too short to summarise: 5 words (minimum 40)"


def test_normalisation_bom_nfc_and_whitespace(tmp_path: Path, settings: Settings):
    decomposed = "Caf\u0065\u0301"  # "Café" as e + combining accent
    spaced = ENGLISH.replace(" ", " \t ")
    text = f"Title:\t{decomposed}\u00a0\u00a0study\r\n\r\n{spaced}\u200b"
    path = write(tmp_path, "bom.txt", codecs.BOM_UTF8 + text.encode())

    (study,) = load_file(path, settings)

    assert study.title == "Café study"
    assert study.abstract == ENGLISH


# -- HTML ------------------------------------------------------------------------------------


def test_html_in_title_and_abstract_becomes_plain_text(tmp_path: Path, settings: Settings):
    record = {
        "title": "<b>Effect</b> of <script>alert(1)</script> exercise &amp; rest",
        "abstract": f"<p>{BACKGROUND}</p><style>p {{color: red}}</style><p>{ENGLISH}</p>"
        "<!-- a comment --><img src=x onerror=alert(2)>",
    }
    (study,) = load_file(write(tmp_path, "html.json", json.dumps(record)), settings)

    assert study.title == "Effect of exercise & rest"
    assert study.abstract == f"{BACKGROUND}\n{ENGLISH}"
    for text in (study.title, study.abstract):
        assert "<" not in text and ">" not in text
        assert "alert" not in text and "color" not in text and "comment" not in text


def test_escaped_markup_does_not_survive_as_text_but_comparisons_do():
    assert clean_abstract("A &lt;script&gt;alert(1)&lt;/script&gt;B") == "A B"
    kept = "Relapses fell (p<0.05; R&D funded; n > 3; x <= 4)."
    assert clean_abstract(kept) == kept
    assert clean_abstract("p &lt; 0.05 &amp; more") == "p < 0.05 & more"


# -- JSON and JSONL --------------------------------------------------------------------------


def test_json_object_with_every_field(tmp_path: Path, settings: Settings):
    record = {
        "id": "ignored-for-identity",
        "title": "Exercise and fatigue",
        "abstract": ENGLISH,
        "journal": " Mult Scler ",
        "year": "2021",
        "doi": "doi:10.1177/1352458520000000",
        "pmid": 33445566,
        "keywords": "fatigue; exercise,  multiple sclerosis; ",
        "extra": [1],
    }
    path = write(tmp_path, "one.json", json.dumps(record))

    (study,) = load_file(path, settings)

    assert study.id == "pmid-33445566"
    assert (study.pmid, study.doi, study.year) == ("33445566", "10.1177/1352458520000000", 2021)
    assert study.journal == "Mult Scler"
    assert study.keywords == ["fatigue", "exercise", "multiple sclerosis"]
    assert study.source == str(path)


def test_json_list_keeps_good_records_and_reports_bad_ones(tmp_path: Path, settings: Settings):
    records = [
        {"abstract": ENGLISH, "year": 2020, "keywords": ["MS", "ms", " fatigue "]},
        {"title": "No abstract here"},
        "not an object",
        {"abstract": ENGLISH, "year": "n.d."},
        {"abstract": ENGLISH, "title": "Second good one"},
    ]
    path = write(tmp_path, "many.json", json.dumps(records))

    result = load_file_tolerant(path, settings)

    assert [s.source for s in result.studies] == [f"{path}#1", f"{path}#5"]
    assert result.studies[0].keywords == ["MS", "fatigue"]
    assert [type(e) for e in result.errors] == [
        NoAbstractError,
        MalformedInputError,
        MalformedInputError,
    ]
    assert str(result.errors[0]) == f"{path} record 2: no abstract"
    assert str(result.errors[1]) == f"{path} record 3: expected a JSON object, not a string"
    assert "record 4: 'year' must be a year like 2021, not 'n.d.'" in str(result.errors[2])
    assert [s.id for s in load_file(path, settings)] == [s.id for s in result.studies]


def test_jsonl_records_by_line_with_blank_lines(tmp_path: Path, settings: Settings):
    lines = [
        json.dumps({"abstract": ENGLISH, "pmid": "1"}),
        "",
        "  ",
        json.dumps({"abstract": ENGLISH, "pmid": "2", "title": None}),
    ]
    path = write(tmp_path, "x.jsonl", "\n".join(lines) + "\n")

    studies = load_file(path, settings)

    assert [(s.id, s.source) for s in studies] == [("pmid-1", f"{path}#1"), ("pmid-2", f"{path}#4")]
    assert studies[1].title == derive_title(ENGLISH)


def test_malformed_jsonl_line_is_reported_by_line(tmp_path: Path, settings: Settings):
    good = json.dumps({"abstract": ENGLISH})
    path = write(tmp_path, "x.jsonl", f'{good}\n{good}\n{{"abstract": oops}}\n')

    result = load_file_tolerant(path, settings)

    assert len(result.studies) == 2
    (error,) = result.errors
    assert isinstance(error, MalformedInputError)
    assert str(error).startswith(f"{path} line 3: malformed JSON at column 14")
    assert_one_line_naming(error, path)

    only_bad = write(tmp_path, "bad.jsonl", '\n\n{"abstract": oops}\n')
    with pytest.raises(MalformedInputError, match=r"bad\.jsonl line 3: malformed JSON"):
        load_file(only_bad, settings)


def test_the_whole_shared_jsonl_corpus_loads(settings: Settings):
    files = sorted(CORPUS.glob("*.jsonl"))
    assert len(files) == 4
    total = 0
    for path in files:
        result = load_file_tolerant(path, settings)
        assert result.errors == [], [str(e) for e in result.errors[:3]]
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        assert len(result.studies) == len(records)
        for study, record in zip(result.studies, records, strict=True):
            assert study.title
            if record["title"]:
                assert study.title == " ".join(record["title"].split())
            if record.get("pmid"):
                assert study.id == f"pmid-{record['pmid']}"
        total += len(result.studies)
    assert total == 500


# -- language --------------------------------------------------------------------------------


def test_english_threshold_separates_corpus_from_other_languages():
    shares = [
        english_share(json.loads(line)["abstract"])
        for path in CORPUS.glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert len(shares) == 500
    assert min(shares) > 2 * MIN_ENGLISH_SHARE  # corpus minimum is about 0.22
    for text in (NORWEGIAN, FRENCH, GERMAN, SPANISH):
        assert english_share(text) < MIN_ENGLISH_SHARE / 3


@pytest.mark.parametrize("text", [NORWEGIAN, FRENCH, GERMAN, SPANISH])
def test_non_english_abstracts_are_refused(tmp_path: Path, settings: Settings, text: str):
    path = write(tmp_path, "foreign.txt", text)
    with pytest.raises(LanguageError) as caught:
        load_file(path, settings)
    assert_one_line_naming(caught.value, path)
    assert re.search(r"does not look like English \(\d%", str(caught.value))
    assert str(caught.value).endswith("pls drafts English abstracts only")


# -- bad files -------------------------------------------------------------------------------

BAD_FILES: list[tuple[str, str | bytes, type[InputError], str]] = [
    ("empty.txt", b"", EmptyInputError, "empty input"),
    ("blank.txt", " \n\t\r\n  ", EmptyInputError, "only whitespace"),
    ("nul.txt", b"Title: x\n\x00\x00\x01" + ENGLISH.encode(), BinaryInputError, "binary file"),
    ("controls.md", b"\x01\x02\x03\x04\x05" * 50 + ENGLISH.encode(), BinaryInputError, "binary"),
    ("image.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryInputError, "binary file"),
    (
        "latin1.txt",
        ("Title: Caf\u00e9\n" + ENGLISH).encode("latin-1"),
        EncodingInputError,
        r"not valid UTF-8 \(byte 0xe9 at offset 10\); save the file as UTF-8",
    ),
    ("utf16.txt", ENGLISH.encode("utf-16"), EncodingInputError, "UTF-16"),
    (
        "short.txt",
        "Exercise may reduce fatigue in people with multiple sclerosis, a small trial found.",
        AbstractLengthError,
        r"abstract too short to summarise: 13 words \(minimum 40\)",
    ),
    (
        "long.txt",
        (ENGLISH + " ") * 60,
        AbstractLengthError,
        r"abstract too long: 2\d,\d{3} characters \(maximum 20,000\)",
    ),
    (
        "bad.json",
        '{\n  "title": "x",\n  "abstract": "y"\n  "year": 2020\n}',
        MalformedInputError,
        r"malformed JSON at line 4, column 3: Expecting ',' delimiter",
    ),
    ("string.json", '"just a string"', MalformedInputError, "not a string"),
    ("emptylist.json", "[]", EmptyInputError, "no records"),
    ("noabstract.json", '{"title": "Only a title"}', NoAbstractError, "no abstract"),
    ("blankabstract.json", '{"abstract": "  "}', NoAbstractError, "no abstract"),
    ("listabstract.json", '{"abstract": ["a"]}', MalformedInputError, "must be a string"),
    ("badpmid.json", json.dumps({"abstract": ENGLISH, "pmid": "abc"}), MalformedInputError, "pmid"),
    ("baddoi.json", json.dumps({"abstract": ENGLISH, "doi": "nope"}), MalformedInputError, "DOI"),
    ("script.txt", "<script>alert(1)</script>", NoAbstractError, "no abstract"),
    ("paper.pdf", ENGLISH, InputError, "unsupported file type '.pdf'"),
]


@pytest.mark.parametrize(("name", "content", "error", "pattern"), BAD_FILES)
def test_bad_files_raise_one_line_errors_naming_the_file(
    tmp_path: Path, settings: Settings, name: str, content: str | bytes, error: type, pattern: str
):
    path = write(tmp_path, name, content)
    with pytest.raises(error, match=pattern) as caught:
        load_file(path, settings)
    assert type(caught.value) is error
    assert_one_line_naming(caught.value, path)


def test_a_file_name_with_a_newline_still_gives_a_one_line_error(tmp_path: Path, settings):
    path = write(tmp_path, "two\nlines.txt", b"")
    with pytest.raises(EmptyInputError) as caught:
        load_file(path, settings)
    assert "\n" not in str(caught.value) and "two\\nlines.txt" in str(caught.value)


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path):
    path = write(tmp_path, "big.txt", ENGLISH * 3)
    with pytest.raises(
        AbstractLengthError, match=r"input too large: 1,\d{3} bytes \(maximum 500\)"
    ):
        load_file(path, Settings(max_file_bytes=500))


def test_settings_limits_are_honoured(tmp_path: Path):
    path = write(tmp_path, "x.txt", ENGLISH)
    with pytest.raises(AbstractLengthError, match=r"\(minimum 100\)"):
        load_file(path, Settings(min_abstract_words=100))
    with pytest.raises(AbstractLengthError, match=r"\(maximum 100\)"):
        load_file(path, Settings(max_abstract_chars=100))


# -- PubMed XML ------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


@pytest.mark.parametrize(
    "head",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
        '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n',
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
        '  <!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;\n]>\n',
    ],
    ids=["billion-laughs", "external-entity", "external-parameter-entity"],
)
def test_xml_entity_declarations_are_refused_unresolved(
    tmp_path: Path, settings: Settings, head: str
):
    payload = f"{ENGLISH} &lol9; &xxe;" if "lol" in head else f"{ENGLISH} &xxe;"
    path = write(tmp_path, "attack.xml", pubmed_set(article_xml("1", "Attack", payload), head=head))

    with pytest.raises(UnsafeInputError) as caught:
        load_file(path, settings)

    expected = "entity declarations" if "lol" in head else "external entities"
    assert f"{expected} are refused" in str(caught.value)
    assert_one_line_naming(caught.value, path)
    assert "root:" not in str(caught.value)


def test_an_external_dtd_is_never_fetched(tmp_path: Path, settings: Settings):
    head = '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet SYSTEM "file:///etc/passwd">\n'
    path = write(tmp_path, "dtd.xml", pubmed_set(article_xml("7", "Safe", ENGLISH), head=head))

    (study,) = load_file(path, settings)

    assert study.abstract == ENGLISH
    assert "root:" not in study.model_dump_json()


def test_xml_is_read_as_utf8_whatever_its_prolog_declares(tmp_path: Path, settings: Settings):
    head = '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
    text = pubmed_set(article_xml("8", "Café au lait spots in MS", ENGLISH), head=head)

    (study,) = load_file(write(tmp_path, "latin.xml", text), settings)

    assert study.title == "Café au lait spots in MS"


def test_malformed_xml_reports_line_and_column(tmp_path: Path, settings: Settings):
    text = pubmed_set(article_xml("1", "T", ENGLISH)).replace("</ArticleTitle>", "</Title>")
    path = write(tmp_path, "broken.xml", text)

    with pytest.raises(MalformedInputError) as caught:
        load_file(path, settings)

    assert re.search(r"malformed XML at line 4, column \d+: mismatched tag$", str(caught.value))
    assert_one_line_naming(caught.value, path)


@pytest.mark.parametrize(
    ("text", "error", "pattern"),
    [
        (
            f"{PUBMED_HEAD}<PubmedArticleSet>\n</PubmedArticleSet>\n",
            EmptyInputError,
            "no articles in PubmedArticleSet",
        ),
        ("<html><body>hi</body></html>", MalformedInputError, "found a <html> root element"),
        ("<PubmedArticleSet><PubmedArticle>", MalformedInputError, "no element found"),
        (pubmed_set(article_xml("1", "T", "A &nbsp; B")), MalformedInputError, "undefined entity"),
    ],
    ids=["empty-set", "wrong-root", "truncated", "html-entity"],
)
def test_unusable_pubmed_files(
    tmp_path: Path, settings: Settings, text: str, error: type, pattern: str
):
    path = write(tmp_path, "p.xml", text)
    with pytest.raises(error, match=pattern) as caught:
        load_file(path, settings)
    assert_one_line_naming(caught.value, path)


def test_articles_without_abstract_are_per_record_errors(tmp_path: Path, settings: Settings):
    text = pubmed_set(
        article_xml("12091962", "No abstract", None),
        article_xml("222", "Good", ENGLISH),
        article_xml("333", "Too short", "A short abstract."),
    )
    path = write(tmp_path, "set.xml", text)

    result = load_file_tolerant(path, settings)

    assert [(s.id, s.source) for s in result.studies] == [("pmid-222", f"{path}#2")]
    assert [type(e) for e in result.errors] == [NoAbstractError, AbstractLengthError]
    assert str(result.errors[0]) == f"{path} article 1 (PMID 12091962): no abstract"
    assert str(result.errors[1]).startswith(f"{path} article 3 (PMID 333): abstract too short")

    only_missing = write(tmp_path, "none.xml", pubmed_set(article_xml("9", "T", None)))
    with pytest.raises(NoAbstractError, match=r"none\.xml article 1 \(PMID 9\): no abstract$"):
        load_file(only_missing, settings)


def test_pubmed_fields_are_extracted(tmp_path: Path, settings: Settings):
    article = f"""<PubmedArticle><MedlineCitation><PMID Version="1">4455</PMID>
  <Article><Journal><JournalIssue><PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>
    </JournalIssue><Title>Multiple sclerosis (Houndmills, Basingstoke, England)</Title></Journal>
    <ArticleTitle>Vitamin <i>D</i> and   <sup>1</sup>H MRS in MS.</ArticleTitle>
    <ELocationID EIdType="pii">S1</ELocationID>
    <ELocationID EIdType="doi">10.1177/1352458598000002</ELocationID>
    <Abstract>
      <AbstractText Label="UNLABELLED">{BACKGROUND}</AbstractText>
      <AbstractText Label="Methods" NlmCategory="METHODS">{METHODS}</AbstractText>
      <AbstractText Label="RESULTS">Fatigue fell (<i>p</i> &lt; 0.05) with exercise more than
        with usual care.</AbstractText>
      <CopyrightInformation>Copyright holder text.</CopyrightInformation>
    </Abstract>
    <PublicationTypeList><PublicationType UI="D016449">Randomized Controlled Trial
    </PublicationType><PublicationType UI="D016428">Journal Article</PublicationType>
    </PublicationTypeList></Article>
  <MeshHeadingList><MeshHeading><DescriptorName UI="D009103">Multiple Sclerosis</DescriptorName>
  <QualifierName UI="Q1">therapy</QualifierName></MeshHeading></MeshHeadingList>
  <OtherAbstract Language="nor"><AbstractText>{NORWEGIAN}</AbstractText></OtherAbstract>
  <KeywordList Owner="NOTNLM"><Keyword>fatigue</Keyword><Keyword> exercise</Keyword></KeywordList>
</MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">4455</ArticleId>
  <ArticleId IdType="doi">10.1177/1352458598000001</ArticleId></ArticleIdList>
  <ReferenceList><Reference><ArticleIdList>
  <ArticleId IdType="doi">10.1177/1352458598000009</ArticleId>
  </ArticleIdList></Reference></ReferenceList></PubmedData></PubmedArticle>"""
    path = write(tmp_path, "full.xml", pubmed_set(article))

    (study,) = load_file(path, settings)

    assert study.id == "pmid-4455"
    assert study.title == "Vitamin D and 1H MRS in MS."
    assert study.journal == "Multiple sclerosis (Houndmills, Basingstoke, England)"
    assert (study.year, study.doi) == (1998, "10.1177/1352458598000001")
    results = "Fatigue fell (p < 0.05) with exercise more than with usual care."
    assert study.abstract == f"{BACKGROUND}\nMETHODS: {METHODS}\nRESULTS: {results}"
    assert [(s.label, s.text) for s in study.sections] == [
        (None, BACKGROUND),
        ("METHODS", METHODS),
        ("RESULTS", results),
    ]
    assert study.keywords == ["fatigue", "exercise"]
    assert study.mesh_terms == ["Multiple Sclerosis"]
    assert study.publication_types == ["Randomized Controlled Trial", "Journal Article"]
    assert "Copyright" not in study.abstract and "pasientene" not in study.abstract


def test_pubmed_fallbacks_vernacular_title_eloc_doi_article_date(tmp_path: Path, settings):
    extra = (
        '<ELocationID EIdType="doi">10.1177/1352458598000002</ELocationID>'
        "<VernacularTitle>Hjemmetrening og <i>utmattelse</i></VernacularTitle>"
    )
    article = (
        article_xml("5", "", ENGLISH, extra)
        .replace(
            "<PubDate><Year>2024</Year></PubDate>", "<PubDate><Season>Spring</Season></PubDate>"
        )
        .replace(
            "</Journal>",
            '</Journal><ArticleDate DateType="Electronic"><Year>2019</Year></ArticleDate>',
        )
    )
    (study,) = load_file(write(tmp_path, "v.xml", pubmed_set(article)), settings)

    assert (study.title, study.doi, study.year) == (
        "Hjemmetrening og utmattelse",
        "10.1177/1352458598000002",
        2019,
    )
    assert study.sections == []


def test_pubmed_book_article_and_bare_article_root(tmp_path: Path, settings: Settings):
    book = f"""<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
  <ArticleIdList><ArticleId IdType="bookaccession">NBK1</ArticleId>
  <ArticleId IdType="doi">10.1177/1352458598000003</ArticleId></ArticleIdList>
  <Book><BookTitle>Reviews of rare diseases</BookTitle><PubDate><Year>2010</Year></PubDate></Book>
  <ArticleTitle>Fatigue in multiple sclerosis</ArticleTitle>
  <Abstract><AbstractText Label="SUMMARY">{ENGLISH}</AbstractText></Abstract>
</BookDocument></PubmedBookArticle>"""
    text = pubmed_set(article_xml("1", "Journal one", ENGLISH), book)

    first, second = load_file(write(tmp_path, "mixed.xml", text), settings)

    assert (second.id, second.title, second.year) == (
        "pmid-20301295",
        "Fatigue in multiple sclerosis",
        2010,
    )
    # A book chapter has no journal: its book stands for one (issue 10, #28).
    assert (second.doi, second.journal) == ("10.1177/1352458598000003", "Reviews of rare diseases")
    assert second.abstract == f"SUMMARY: {ENGLISH}"
    assert first.id == "pmid-1"

    bare = write(tmp_path, "bare.xml", article_xml("77", "Bare", ENGLISH))
    assert [s.id for s in load_file(bare, settings)] == ["pmid-77"]


def _index() -> dict[str, list[dict]]:
    by_file: dict[str, list[dict]] = {}
    for line in (PUBMED_XML / "index.jsonl").read_text().splitlines():
        entry = json.loads(line)
        by_file.setdefault(entry["file"], []).append(entry)
    return by_file


@pytest.mark.parametrize(("name", "entries"), sorted(_index().items()))
def test_shared_pubmed_corpus_matches_its_index(settings: Settings, name: str, entries: list):
    path = PUBMED_XML / name
    if entries[0]["pmid"] is None:  # the empty efetch result
        with pytest.raises(EmptyInputError, match="no articles in PubmedArticleSet"):
            load_file_tolerant(path, settings)
        return

    result = load_file_tolerant(path, settings)

    with_abstract = [e for e in entries if e["abstract_chars"] > 0]
    without = [e for e in entries if e["abstract_chars"] == 0]
    assert len(result.studies) == len(with_abstract)
    for study, entry in zip(result.studies, with_abstract, strict=True):
        assert study.pmid == entry["pmid"] and study.id == f"pmid-{entry['pmid']}"
        assert study.title == " ".join(entry["title"].split())
        assert study.journal == entry["journal"]
        assert study.year == int(entry["year"])
        labels = [label for label in entry["abstract_labels"] if label != "UNLABELLED"]
        assert [s.label for s in study.sections if s.label] == [x for x in labels if x]
    assert [type(e) for e in result.errors] == [NoAbstractError] * len(without)
    for error, entry in zip(result.errors, without, strict=True):
        assert str(error).endswith(f"(PMID {entry['pmid']}): no abstract")
        assert_one_line_naming(error, path)
