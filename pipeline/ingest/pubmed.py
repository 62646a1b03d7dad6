"""PubMed efetch XML -> raw article fields, parsed without ever resolving an entity.

This module only reads the XML; `ingest` validates and normalises what it returns, the same way
for every format. Real efetch files carry a DOCTYPE naming NLM's DTD, so a DOCTYPE is allowed,
but any entity declaration (billion laughs) or external reference (XXE) is refused before it is
expanded or fetched.

Text is the elements' text with inline markup dropped but its meaning kept: a superscript after
a number or letter is written "^" (2.5 × 10<sup>18</sup>cm<sup>-3</sup> -> 2.5 × 10^18cm^-3),
MathML is read as the formula it shows (V̇O<sub>2</sub>max, from its mi/mn/mo tokens, accents and
scripts; its `alttext` when it shows nothing), and entities are decoded once, by the parser.
A "[Not Available]." title gives way to the vernacular title; a book chapter's journal is its
book. Every DOI the article states is kept in order (ArticleIdList, then ELocationID) for
`load` to take the first valid one. MeSH check tags (Humans, Animals, ...) come first among the
MeSH terms.
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
    dois: list[str] = field(default_factory=list)
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
    title = _text(article.find("ArticleTitle"))
    if _placeholder(title):
        title = _text(article.find("VernacularTitle"))
    dois = _all(el.findall("PubmedData/ArticleIdList/ArticleId"), "IdType", "doi")
    dois += _all(article.findall("ELocationID"), "EIdType", "doi")
    pub_date = article.find("Journal/JournalIssue/PubDate")
    return PubmedArticle(
        position=position,
        pmid=_text(citation.find("PMID")) or None,
        dois=dois,
        title=title,
        journal=_text(article.find("Journal/Title")) or None,
        year=_year(pub_date) or _year(article.find("ArticleDate")),
        parts=_abstract_parts(article.find("Abstract")),
        keywords=_texts(citation.findall("KeywordList/Keyword")),
        mesh_terms=_check_tags_first(
            _texts(citation.findall("MeshHeadingList/MeshHeading/DescriptorName"))
        ),
        publication_types=_texts(article.findall("PublicationTypeList/PublicationType")),
    )


# MeSH check tags say who or what was studied; the profile reads them for species, so they go
# first and survive the cap on how many terms a study keeps.
CHECK_TAGS = frozenset({"humans", "animals", "mice", "rats", "in vitro techniques"})


def _check_tags_first(terms: list[str]) -> list[str]:
    return sorted(terms, key=lambda term: term.lower() not in CHECK_TAGS)


def _book_article(el: Element, position: int) -> PubmedArticle:
    """Bookshelf chapters: same fields, different places; the book stands for the journal."""
    doc = el.find("BookDocument")
    if doc is None:
        return PubmedArticle(position=position)
    book = _text(doc.find("Book/BookTitle"))
    title = _text(doc.find("ArticleTitle"))
    if _placeholder(title):
        title = _text(doc.find("VernacularTitle")) or book
    return PubmedArticle(
        position=position,
        pmid=_text(doc.find("PMID")) or None,
        dois=_all(doc.findall("ArticleIdList/ArticleId"), "IdType", "doi")
        + _all(doc.findall("ELocationID"), "EIdType", "doi"),
        title=title,
        journal=book or None,
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


def _placeholder(title: str) -> bool:
    """No title, or PubMed's stand-in for one ("[Not Available].", "[In Process Citation]")."""
    return title.strip(" .[]").lower() in ("", "not available", "in process citation")


def _text(el: Element | None) -> str:
    return " ".join(inline_text(el).split()) if el is not None else ""


def _texts(elements: list[Element]) -> list[str]:
    return [text for text in (_text(el) for el in elements) if text]


def _all(elements: list[Element], attribute: str, value: str) -> list[str]:
    return [_text(el) for el in elements if el.get(attribute) == value and _text(el)]


# -- inline text: superscripts and MathML ----------------------------------------------------

# A MathML accent over a letter (V with a dot over it: the rate V̇) as the combining mark.
_ACCENTS = {"˙": "\u0307", "·": "\u0307", ".": "\u0307", "¨": "\u0308", "^": "\u0302"}
_ACCENTS |= {"ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "¯": "\u0304", "→": "\u20d7"}
_TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
_MAX_MATH_DEPTH = 40


def inline_text(el: Element) -> str:
    """The text of an element and everything in it, in document order (never recursive: XML may
    nest as deep as it likes). Superscripts after a value get "^"; MathML reads as a formula."""
    out: list[str] = []
    stack: list[tuple[Element, bool]] = [(el, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            if node is not el and node.tail:
                out.append(node.tail)
            continue
        name = _local(node.tag)
        if node is not el and name == "math":
            out.append(_formula(node))
            if node.tail:
                out.append(node.tail)
            continue
        if node is not el and name == "sup" and _after_value(out) and _has_text(node):
            out.append("^")
        if node.text:
            out.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(out)


def _formula(math: Element) -> str:
    text = _mathml(math, 0)
    return text if text.strip() else " ".join((math.get("alttext") or "").split())


def _mathml(node: Element, depth: int) -> str:
    name = _local(node.tag)
    if name in _TOKENS:
        text = "".join(node.itertext())
        words = " ".join(text.split())
        if name != "mtext" or not text:
            return words
        # Text in a formula keeps its spaces at the edges: "He/Xe<mtext> </mtext>MRI".
        return (" " if text[0].isspace() else "") + words + (" " if text[-1].isspace() else "")
    if name == "mspace":
        return " "
    if name in ("annotation", "annotation-xml"):
        return ""
    if depth > _MAX_MATH_DEPTH:
        return "".join("".join(node.itertext()).split())
    parts = [_mathml(child, depth + 1) for child in node]
    if name == "semantics":
        return parts[0] if parts else ""
    if name == "msup" and len(parts) == 2:
        return parts[0] + "^" + _grouped(parts[1])
    if name == "msub" and len(parts) == 2:
        return parts[0] + parts[1]
    if name == "msubsup" and len(parts) == 3:
        return parts[0] + parts[1] + "^" + _grouped(parts[2])
    if name in ("mover", "munder") and len(parts) == 2:
        return parts[0] + _ACCENTS.get(parts[1], parts[1])
    if name == "mmultiscripts" and parts:
        return _multiscripts([_local(child.tag) for child in node], parts)
    if name == "mfrac" and len(parts) == 2:
        return _grouped(parts[0]) + "/" + _grouped(parts[1])
    if name == "msqrt":
        return "√" + _grouped("".join(parts))
    if name == "mfenced":
        return (node.get("open") or "(") + ",".join(parts) + (node.get("close") or ")")
    return "".join(parts)


def _multiscripts(names: list[str], parts: list[str]) -> str:
    """Base, then (sub, sup) pairs, then after <mprescripts/> the pairs written before it:
    an isotope's mass number reads as it is printed, "3He"; after the base, "x_i^2" -> "xi^2"."""
    cut = names.index("mprescripts") if "mprescripts" in names else len(parts)
    post, pre = parts[1:cut], parts[cut + 1 :]
    before = "".join(sub + sup for sub, sup in zip(pre[0::2], pre[1::2], strict=False))
    after = "".join(
        sub + ("^" + _grouped(sup) if sup else "")
        for sub, sup in zip(post[0::2], post[1::2], strict=False)
    )
    return before + parts[0] + after


def _grouped(text: str) -> str:
    simple = text.replace(".", "").replace("-", "", 1)
    return text if simple.isalnum() else f"({text})"


def _after_value(out: list[str]) -> bool:
    for chunk in reversed(out[-4:]):
        if chunk:
            return chunk[-1].isalnum() or chunk[-1] in ")]"
    return False


def _has_text(node: Element) -> bool:
    # Its own text or a child: never a walk of the subtree, which nesting would make quadratic.
    return bool((node.text or "").strip()) or len(node) > 0


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
