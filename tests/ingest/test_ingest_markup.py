"""Markup in, words out: nothing a reader needs is deleted or changed (issue 10, #22-#28).

#22 only real HTML tags go, so comparisons stay ("<LLOQ", "< or =", ">65", "<0.05", "<5%");
#23 a malformed DOI in ArticleIdList gives way to a valid ELocationID DOI, else none;
#24 superscripts keep their numbers (10^18); #25 MathML reads as its formula;
#26 study.abstract is built from the sections, every label starting a paragraph;
#27 entities are decoded exactly once; #28 "[Not Available]." titles and book journals.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ingest_builders import ABSTRACT, article, pubmed_set, write

from pipeline.ingest import load_file, load_file_tolerant
from pipeline.settings import Settings

SETTINGS = Settings()
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "pubmed_xml"

COMPARISONS = [
    "Levels were <LLOQ in 12 patients, and patients aged >65 years were excluded.",
    "A score < or = 2 was normal and > or = 3 abnormal.",
    "Relapses fell (p<0.05) in <5% of patients with EDSS <3 and >2 relapses.",
    "Values <LOD, <ULN and <1.5 x ULN were kept; 3<4 and 5>4.",
    "If x<a and y>b the model held.",
]


def from_json(tmp_path: Path, **fields: object):
    (study,) = load_file(write(tmp_path, "r.json", json.dumps(fields)), SETTINGS)
    return study


def from_xml(tmp_path: Path, *articles: str):
    return load_file_tolerant(write(tmp_path, "r.xml", pubmed_set(*articles)), SETTINGS)


# -- #22 comparisons are words, tags are not -------------------------------------------------


@pytest.mark.parametrize("sentence", COMPARISONS)
def test_comparison_forms_survive_every_format(tmp_path: Path, sentence: str):
    assert from_json(tmp_path, abstract=f"{ABSTRACT} {sentence}").abstract.endswith(sentence)
    text = f"Title: Comparisons\n\n{ABSTRACT} {sentence}\n"
    (study,) = load_file(write(tmp_path, "r.txt", text), SETTINGS)
    assert study.abstract.endswith(sentence)
    escaped = sentence.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    (study,) = from_xml(tmp_path, article("1", "T", f"{ABSTRACT} {escaped}")).studies
    assert study.abstract.endswith(sentence)


# -- #27 entities decoded once ---------------------------------------------------------------


def test_entities_are_decoded_exactly_once(tmp_path: Path):
    assert from_json(tmp_path, abstract=ABSTRACT, title="R&amp;amp;D").title == "R&amp;D"
    result = from_xml(tmp_path, article("1", "R&amp;amp;D &amp;lt;5", f"{ABSTRACT} &amp;lt;LLOQ"))
    (study,) = result.studies
    assert study.title == "R&amp;D &lt;5"
    assert study.abstract.endswith("&lt;LLOQ")


# -- #24 superscripts and subscripts ---------------------------------------------------------


def test_superscripts_keep_their_numbers(tmp_path: Path):
    sentence = "Doses of 2.5 × 10<sup>18</sup>cm<sup>-3</sup> and CO<sub>2</sub> at 37 °C."
    expected = "Doses of 2.5 × 10^18cm^-3 and CO2 at 37 °C."
    (study,) = from_xml(
        tmp_path, article("1", "<sup>1</sup>H MRS", f"{ABSTRACT} {sentence}")
    ).studies
    assert study.abstract.endswith(expected)
    assert study.title == "1H MRS"  # a superscript opening a word is an isotope, not a power
    assert from_json(tmp_path, abstract=f"{ABSTRACT} {sentence}").abstract.endswith(expected)


# -- #25 MathML ------------------------------------------------------------------------------

VO2MAX = (
    '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML" alttext="\\dot{V}O_2max">\n'
    "  <mml:mrow>\n"
    '    <mml:mover accent="true"><mml:mi>V</mml:mi><mml:mo>˙</mml:mo></mml:mover>\n'
    '    <mml:msub><mml:mi mathvariant="normal">O</mml:mi><mml:mn>2</mml:mn></mml:msub>\n'
    "    <mml:mi>max</mml:mi>\n"
    "  </mml:mrow>\n"
    "</mml:math>"
)
POWER = (
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><msup><mn>10</mn><mn>18</mn></msup>'
    "<mo>×</mo><mfrac><mi>a</mi><mrow><mi>b</mi><mo>+</mo><mn>1</mn></mrow></mfrac></math>"
)
EMPTY = '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML" alttext="p &lt; 0.05"/>'
# From the shared corpus (biopython/pubmed7.xml): isotopes as prescripts, a space as mtext.
ISOTOPES = (
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow><mmultiscripts><mi>He</mi>'
    "<mprescripts/><none/><mn>3</mn></mmultiscripts><mo>/</mo><mmultiscripts><mi>Xe</mi>"
    "<mprescripts/><none/><mn>129</mn></mmultiscripts><mtext> </mtext><mi>MRI</mi></mrow></math>"
)


def test_mathml_reads_as_its_formula(tmp_path: Path):
    text = (
        f"{ABSTRACT} Peak {VO2MAX} rose, {POWER} held, and {EMPTY} was significant in {ISOTOPES}."
    )
    (study,) = from_xml(tmp_path, article("1", f"{VO2MAX} in MS", text)).studies
    assert study.title == "V\u0307O2max in MS"
    assert study.abstract.endswith(
        "Peak V\u0307O2max rose, 10^18×a/(b+1) held, and p < 0.05 was significant in 3He/129Xe MRI."
    )


# -- #26 sections make the paragraphs --------------------------------------------------------


def test_every_label_starts_a_paragraph(tmp_path: Path):
    labels = ["BACKGROUND", "CONCLUSION AND RECOMMENDATION", "IMPACT", "OUTLOOK", "WHAT IS NEW"]
    parts = "".join(
        f'<AbstractText Label="{label}">{ABSTRACT if n == 0 else f"Part {n} text."}</AbstractText>'
        for n, label in enumerate(labels)
    )
    (study,) = from_xml(tmp_path, article("1", "T", parts)).studies
    assert [s.label for s in study.sections] == labels
    assert study.abstract.split("\n") == [f"{s.label}: {s.text}" for s in study.sections]


def test_the_shared_corpus_abstracts_are_their_sections():
    checked = 0
    for path in sorted(CORPUS.rglob("*.xml")):
        try:
            result = load_file_tolerant(path, SETTINGS)
        except Exception:  # the empty efetch result
            continue
        for study in result.studies:
            if study.sections:
                lines = [f"{s.label}: {s.text}" if s.label else s.text for s in study.sections]
                assert study.abstract.split("\n") == lines, study.id
                checked += 1
    assert checked >= 9


# -- #23 DOIs --------------------------------------------------------------------------------


def test_a_malformed_article_id_doi_falls_back_to_elocation(tmp_path: Path):
    eloc = '<ELocationID EIdType="doi">10.1177/1352458598000002</ELocationID>'
    bad = '<ArticleId IdType="doi">not a doi at all</ArticleId>'
    result = from_xml(
        tmp_path,
        article("1", "Falls back", extra=eloc, data=bad),
        article("2", "No DOI left", data=bad + '<ArticleId IdType="doi">10.12/x y</ArticleId>'),
    )
    assert [(s.id, s.doi) for s in result.studies] == [
        ("pmid-1", "10.1177/1352458598000002"),
        ("pmid-2", None),
    ]
    assert result.errors == []


# -- #28 titles and journals -----------------------------------------------------------------


def test_not_available_titles_and_book_journals(tmp_path: Path):
    vernacular = "<VernacularTitle>Hjemmetrening og <i>utmattelse</i>.</VernacularTitle>"
    book = f"""<PubmedBookArticle><BookDocument><PMID Version="1">3</PMID>
  <Book><BookTitle>GeneReviews</BookTitle><PubDate><Year>2010</Year></PubDate></Book>
  <Abstract><AbstractText>{ABSTRACT}</AbstractText></Abstract>
</BookDocument></PubmedBookArticle>"""
    result = from_xml(
        tmp_path,
        article("1", "[Not Available].", extra=vernacular),
        article("2", "[Not Available]."),
        book,
    )
    first, second, third = result.studies
    assert first.title == "Hjemmetrening og utmattelse."
    assert second.title == "Fatigue is one of the most common symptoms reported by people with"
    assert (third.title, third.journal) == ("GeneReviews", "GeneReviews")


def test_deeply_nested_markup_is_read_in_linear_time_without_recursion(tmp_path: Path):
    depth = 50_000  # far past Python's recursion limit, and quadratic if walked per element
    sups = "<sup>" * depth + "2" + "</sup>" * depth
    math = '<math xmlns="http://www.w3.org/1998/Math/MathML">' + "<mrow>" * depth
    math += "<mi>x</mi>" + "</mrow>" * depth + "</math>"
    result = from_xml(tmp_path, article("1", f"T{sups}", ABSTRACT), article("2", f"M {math}"))
    assert [s.title for s in result.studies] == ["T^2", "M x"]
