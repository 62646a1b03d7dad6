"""PubMed efetch XML -> raw article fields, parsed without ever resolving an entity.

This module only reads the XML; `ingest` validates and normalises what it returns, the same way
for every format. Real efetch files carry a DOCTYPE naming NLM's DTD, so a DOCTYPE is allowed,
but any entity declaration (billion laughs) or external reference (XXE) is refused before it is
expanded or fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ErrorString

import defusedxml.ElementTree as SafeET
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

from pipeline.errors import EmptyInputError, MalformedInputError, UnsafeInputError

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")

# PubMed's placeholder for a part of a structured abstract that had no heading in print.
_NO_LABEL = "UNLABELLED"
_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


@dataclass
class PubmedArticle:
    """One article as PubMed states it; `parts` are the AbstractText pieces, (label, text)."""

    position: int
    pmid: str | None = None
    doi: str | None = None
    title: str = ""
    journal: str | None = None
    year: int | None = None
    parts: list[tuple[str | None, str]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    mesh_terms: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)


def parse_pubmed_xml(text: str, source: str) -> list[PubmedArticle]:
    """Every PubmedArticle / PubmedBookArticle in an efetch document, in document order.

    Raises UnsafeInputError for entity declarations or external references, MalformedInputError
    for XML that does not parse or whose root is not PubMed's, EmptyInputError for a set with no
    articles (what efetch returns for PMIDs it does not know).
    """
    root = _parse(text, source)
    if root.tag in ARTICLE_TAGS:
        return [_article(root, 1)]
    if root.tag != "PubmedArticleSet":
        raise MalformedInputError(
            source, f"expected PubMed XML (a PubmedArticleSet), found a <{root.tag}> root element"
        )
    articles = [el for el in root if el.tag in ARTICLE_TAGS]
    if not articles:
        raise EmptyInputError(source, "no articles in PubmedArticleSet")
    return [_article(el, n) for n, el in enumerate(articles, start=1)]


def _parse(text: str, source: str) -> Element:
    try:
        # Parsing text, not bytes: ingest has already decoded the file as UTF-8 (every input must
        # be), so an `encoding="..."` declaration in the prolog cannot make expat re-decode it.
        return SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as err:
        kind = (
            "external entities are refused (possible XXE attack reading local files)"
            if err.sysid or err.pubid
            else "entity declarations are refused (possible entity-expansion attack)"
        )
        raise UnsafeInputError(source, f"XML {kind}") from None
    except ExternalReferenceForbidden:
        raise UnsafeInputError(source, "XML external references are refused") from None
    except ParseError as err:
        line, column = err.position
        # expat counts columns from 0; editors and JSON errors count from 1.
        raise MalformedInputError(
            source, f"malformed XML at line {line}, column {column + 1}: {ErrorString(err.code)}"
        ) from None


def _article(el: Element, position: int) -> PubmedArticle:
    if el.tag == "PubmedBookArticle":
        return _book_article(el, position)
    citation = el.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if citation is None or article is None:
        return PubmedArticle(position=position)
    title = _text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle"))
    doi = _first(el.findall("PubmedData/ArticleIdList/ArticleId"), "IdType", "doi")
    doi = doi or _first(article.findall("ELocationID"), "EIdType", "doi")
    pub_date = article.find("Journal/JournalIssue/PubDate")
    return PubmedArticle(
        position=position,
        pmid=_text(citation.find("PMID")) or None,
        doi=doi,
        title=title,
        journal=_text(article.find("Journal/Title")) or None,
        year=_year(pub_date) or _year(article.find("ArticleDate")),
        parts=_abstract_parts(article.find("Abstract")),
        keywords=_texts(citation.findall("KeywordList/Keyword")),
        mesh_terms=_texts(citation.findall("MeshHeadingList/MeshHeading/DescriptorName")),
        publication_types=_texts(article.findall("PublicationTypeList/PublicationType")),
    )


def _book_article(el: Element, position: int) -> PubmedArticle:
    """Bookshelf chapters: same fields, different places, and no journal."""
    doc = el.find("BookDocument")
    if doc is None:
        return PubmedArticle(position=position)
    title = _text(doc.find("ArticleTitle")) or _text(doc.find("Book/BookTitle"))
    return PubmedArticle(
        position=position,
        pmid=_text(doc.find("PMID")) or None,
        doi=_first(doc.findall("ArticleIdList/ArticleId"), "IdType", "doi"),
        title=title,
        year=_year(doc.find("Book/PubDate")),
        parts=_abstract_parts(doc.find("Abstract")),
        keywords=_texts(doc.findall("KeywordList/Keyword")),
        publication_types=_texts(doc.findall("PublicationType")),
    )


def _abstract_parts(abstract: Element | None) -> list[tuple[str | None, str]]:
    # Only Abstract/AbstractText: CopyrightInformation is not abstract text, and OtherAbstract
    # (a translation, usually not English) is a sibling of Abstract, so never reached here.
    if abstract is None:
        return []
    parts: list[tuple[str | None, str]] = []
    for part in abstract.findall("AbstractText"):
        text = _text(part)
        if not text:
            continue
        label = " ".join((part.get("Label") or "").split()).upper() or None
        parts.append((None if label == _NO_LABEL else label, text))
    return parts


def _year(date: Element | None) -> int | None:
    if date is None:
        return None
    for candidate in (_text(date.find("Year")), _text(date.find("MedlineDate"))):
        match = _YEAR.search(candidate)
        if match:
            return int(match.group(1))
    return None


def _text(el: Element | None) -> str:
    # itertext keeps the words inside inline markup (<i>TERT</i>, <sup>13</sup>C).
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _texts(elements: list[Element]) -> list[str]:
    return [text for text in (_text(el) for el in elements) if text]


def _first(elements: list[Element], attribute: str, value: str) -> str | None:
    for el in elements:
        if el.get(attribute) == value and _text(el):
            return _text(el)
    return None
