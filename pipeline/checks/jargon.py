"""Jargon: every acronym spelled out on first use, every hard term explained on first use.

A term is hard when it has three or more syllables and is not familiar: outside the plain
vocabulary (`prompts/plain_words*.txt`) and rare in general English (`text.is_familiar`).
It counts as explained when its first use is followed by a
bracket, a dash, or a short apposition (", a …", ", which …", ", bright spots on a scan,"),
or follows "called" or "known as", or when a later sentence of the section defines it ("Lesion
means damaged or scarred tissue."): a long sentence reads easier with its explanations after
it than inside it. Acronyms count as spelled out when their first use is in
brackets after the words, or when the house lists them as known (MS, MRI, …).
"""

from __future__ import annotations

import re

from pipeline.checks.base import CheckContext, quoted, result, span
from pipeline.records import PROSE_SECTIONS, CheckResult, Span
from pipeline.text import DEFINITION, is_familiar, normalised, syllables

ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*(?:-\d+)?)(s?)(?![\w-])")
ROMAN = re.compile(r"[IVX]{2,5}")
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]+(?:-[a-z]+)*(?![\w-])")
EXPLAINED_AFTER = re.compile(
    r"^\s*(\(|[—–-]\s|,\s+(a|an|the|which|who|that|or|meaning|also called|known as)\b|"
    r"\s(is|are|means|refers to) (a|an|the)\b|,\s+[^,.;()]{3,60},)",
    re.I,
)
EXPLAINED_BEFORE = re.compile(r"\b(called|known as|named|termed)\s+(the\s+)?$", re.I)


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2


def check_acronyms(ctx: CheckContext) -> list[CheckResult]:
    unexplained: list[Span] = []
    seen: set[str] = set()
    # The title cannot spell anything out: structure.title allows it only acronyms the house
    # lists as known and the names of conditions; the prose must spell out the rest.
    for name, original in ctx.sections(PROSE_SECTIONS[1:]):
        # Read through the normaliser: "ΙL-6" with a Greek iota is IL-6 to a reader, and an
        # ASCII pattern would never see it.
        folded = normalised(original)
        text = folded.text
        for match in ACRONYM.finditer(text):
            acronym = match.group(1)
            # "HIV-1" and "RNAs" are the house's HIV and RNA; "II" in "type II" is a numeral
            base = re.sub(r"-\d+$|(?<=[A-Z])s$", "", acronym)
            known = acronym in ctx.house.plain_acronyms or base in ctx.house.plain_acronyms
            if acronym in seen or known or ROMAN.fullmatch(acronym) or not _is_acronym(acronym):
                seen.add(acronym)
                continue
            seen.add(acronym)
            bracketed = text[match.start() - 1 : match.start()] == "(" and text[
                match.end() : match.end() + 1
            ] in (")", ",", ";")
            if not bracketed:
                start, end = folded.original(match.start(1), match.end(1))
                unexplained.append(span(name, original, start, end))
    return [
        result(
            "jargon.acronyms",
            "error",
            unexplained,
            "Every acronym is spelled out on first use.",
            f"Acronyms not spelled out on first use: {quoted(unexplained)}. Write the full "
            "words first, then the acronym in brackets.",
        )
    ]


def check_terms(ctx: CheckContext) -> list[CheckResult]:
    unexplained: list[Span] = []
    seen: set[str] = set()
    for name, text in ctx.sections(
        ("what_they_found", "who_should_care", "important_considerations", "key_takeaway")
    ):
        for match in WORD.finditer(text):
            term = match.group(0).lower()
            if term in seen:
                continue
            starts_sentence = (
                not text[: match.start()].rstrip() or text[: match.start()].rstrip()[-1] in ".!?"
            )
            if match.group(0)[0].isupper() and (
                not starts_sentence or _a_name(match.group(0), ctx)
            ):
                continue  # a name (Parkinson, Ocrevus): grounding.names checks those
            seen.add(term)
            if syllables(term) < 3 or is_familiar(term):
                continue
            after, before = text[match.end() : match.end() + 70], text[: match.start()]
            if EXPLAINED_AFTER.search(after) or EXPLAINED_BEFORE.search(before[-20:]):
                continue
            if _defined_later(term, text[match.end() :]):
                continue
            unexplained.append(span(name, text, match.start(), match.end()))
    share = len(unexplained)
    return [
        result(
            "jargon.terms",
            "warning",
            unexplained,
            "Every hard term is explained on first use.",
            f"Terms a reader may not know, not explained on first use: {quoted(unexplained, 8)}. "
            "Add a short plain explanation, or use a plainer word.",
            value=share,
        )
    ]


def _defined_later(term: str, rest: str) -> bool:
    """A later sentence defines the term (or its singular): "…fewer relapses. Relapse means…"."""
    forms = {term, term.removesuffix("s"), re.sub(r"ies$", "y", term)}
    return any(forms & set(d.group(1).lower().split()) for d in DEFINITION.finditer(rest))


def _a_name(word: str, ctx: CheckContext) -> bool:
    """A capitalised word at a sentence's start is a name when the abstract or the summary
    also writes it capitalised mid-sentence ("…like Parkinson's disease" makes "Parkinson's
    disease is…" a name, not a term to explain)."""
    mid = re.compile(rf"(?<![.!?]\s)(?<!^)(?<=\s){re.escape(word)}(?![\w-])")
    return any(mid.search(t) for t in (ctx.study.abstract, *(t for _, t in ctx.sections())))
