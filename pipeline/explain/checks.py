"""The explainer's checks: the house's rules for a summary, read for a multi-paragraph page
drawn from several studies. The explainer registry (`EXPLAINER_CHECKS`) beside the summary's
`pipeline.checks.CHECKS`, with the same `CheckResult` records and, where a rule means the same,
the same ids (`readability.overall`, `grounding.numbers`, `language.forbidden` ...), so the
revise loop, the review page and the eval report read both alike. The primitives are the
summary checks' own (`pipeline.checks.ungrounded_numbers`, `unknown_names`, `hits`), so a
number is grounded and a claim is flagged by one rule everywhere.

Spans name their section: `title`, `paragraph_1` ... `paragraph_N` (the closing summary is
the last), `topics`, `teaser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.checks import (
    hits,
    prompt_echoes,
    quoted,
    result,
    span,
    ungrounded_numbers,
    unknown_names,
)
from pipeline.explain.facts import source_text
from pipeline.house import House
from pipeline.records import CheckResult, ExplainerContent, ExplainerSource, Span
from pipeline.settings import Settings
from pipeline.text import find_links, find_markup, measure, words


@dataclass(frozen=True)
class ExplainerContext:
    content: ExplainerContent
    sources: list[ExplainerSource]
    settings: Settings
    house: House
    limits: dict[str, Any]

    def paragraphs(self) -> Iterator[tuple[str, str, list[str] | None]]:
        """(section, text, cited ids) per paragraph; the summary cites None (it sums up)."""
        for n, p in enumerate(self.content.paragraphs, 1):
            yield f"paragraph_{n}", p.text, p.sources
        yield f"paragraph_{len(self.content.paragraphs) + 1}", self.content.summary, None

    def texts(self) -> Iterator[tuple[str, str]]:
        yield "title", self.content.title
        for name, text, _ in self.paragraphs():
            yield name, text
        yield "topics", "; ".join(self.content.topics)
        yield "teaser", self.content.teaser

    def by_id(self) -> dict[str, ExplainerSource]:
        return {s.id: s for s in self.sources}


ExplainerCheck = Callable[[ExplainerContext], list[CheckResult]]


def _span(section: str, text: str, start: int = 0, end: int | None = None) -> Span:
    return span(section, text, start, len(text) if end is None else end)


def check_shape(ctx: ExplainerContext) -> list[CheckResult]:
    lim = ctx.limits
    texts = ctx.content.all_paragraphs()
    total = sum(len(words(t)) for t in texts)
    low, high = lim["min_paragraphs"], lim["max_paragraphs"]
    empty = [_span(n, t) for n, t, _ in ctx.paragraphs() if not t.strip()]
    opener = re.compile(rf"^\W*({'|'.join(map(re.escape, lim['summary_openers']))})\b", re.I)
    summary = ctx.content.summary
    title_words = len(words(ctx.content.title))
    topics = [t for t in ctx.content.topics if t.strip()]
    teaser = ctx.content.teaser.strip()
    return [
        CheckResult(
            id="structure.length",
            severity="error",
            passed=lim["min_words"] <= total <= lim["max_words"],
            value=total,
            message=f"{total} words (the house's explainers run {lim['min_words']}-"
            f"{lim['max_words']}).",
        ),
        CheckResult(
            id="structure.paragraphs",
            severity="error",
            passed=low <= len(texts) <= high and not empty,
            value=len(texts),
            spans=empty,
            message=f"{len(texts)} paragraphs, the summary included (needs {low}-{high}"
            + (", none empty)." if empty else ")."),
        ),
        result(
            "structure.summary",
            "error",
            [] if opener.search(summary) else [_span(f"paragraph_{len(texts)}", summary)],
            "The last paragraph is the summary.",
            "The last paragraph must sum up, opening with "
            + " or ".join(f'"{o}"' for o in lim["summary_openers"][:2])
            + ".",
        ),
        CheckResult(
            id="structure.title",
            severity="error",
            passed=0 < title_words <= lim["max_title_words"],
            message=f"Title: {title_words} words (at most {lim['max_title_words']}).",
        ),
        CheckResult(
            id="structure.topics",
            severity="error",
            passed=lim["min_topics"] <= len(topics) <= lim["max_topics"],
            message=f"{len(topics)} topics (needs {lim['min_topics']}-{lim['max_topics']}).",
        ),
        CheckResult(
            id="structure.teaser",
            severity="error",
            passed=0 < len(teaser) <= 110 and "\n" not in teaser,
            message=f"Teaser: {len(teaser)} characters on one line (at most 110).",
        ),
    ]


def check_readability(ctx: ExplainerContext) -> list[CheckResult]:
    target, ceiling = ctx.settings.target_grade, ctx.settings.max_section_grade
    overall = measure(" ".join(ctx.content.all_paragraphs()))
    grade = round(overall.fkgl, 1)
    results = [
        CheckResult(
            id="readability.overall",
            severity="error",
            passed=grade <= target,
            value=grade,
            message=f"Flesch-Kincaid grade {grade} overall (target {target:g} or lower); "
            f"{overall.hard_word_share:.0%} hard words.",
        )
    ]
    for name, text, _ in ctx.paragraphs():
        section = round(measure(text).fkgl, 1)
        results.append(
            CheckResult(
                id=f"readability.{name}",
                severity="error",
                passed=section <= ceiling,
                value=section,
                spans=[] if section <= ceiling else [_span(name, text)],
                message=f"{name.replace('_', ' ').capitalize()}: grade {section}"
                + ("." if section <= ceiling else f", above {ceiling:g}; use shorter sentences."),
            )
        )
    return results


def check_language(ctx: ExplainerContext) -> list[CheckResult]:
    house, neg = ctx.house, ctx.house.negation
    by_id = ctx.by_id()

    def found(pattern: re.Pattern[str], sections: Iterator[tuple[str, str]]) -> list[Span]:
        return [_span(n, t, a, b) for n, t in sections for a, b in hits(t, pattern, neg)]

    forbidden = found(house.forbidden, ctx.texts()) + found(house.certainty, ctx.texts())
    observational = [
        (name, text)
        for name, text, cited in ctx.paragraphs()
        if any(by_id[i].profile.observational for i in (cited or by_id) if i in by_id)
    ]
    causal = found(house.causal, iter(observational))
    advice = found(house.advice, ctx.texts())
    return [
        result(
            "language.forbidden",
            "error",
            forbidden,
            "No overclaiming words.",
            f"Words the house never uses, or more certainty than the studies allow: "
            f'{quoted(forbidden)}. Use "suggests", "may" or "is linked to".',
        ),
        result(
            "language.causal",
            "error",
            causal,
            "No causal claims drawn from observational studies.",
            f"Causal wording where an observational study is the source: {quoted(causal)}. "
            'Say "is linked to".',
        ),
        result(
            "language.advice",
            "error",
            advice,
            "No advice to start, stop or change treatment.",
            f"Treatment advice: {quoted(advice)}. Never tell readers to start, stop or change "
            "a treatment.",
        ),
    ]


def check_safety(ctx: ExplainerContext) -> list[CheckResult]:
    leaks = [
        _span(name, text, f.start, f.end)
        for name, text in ctx.texts()
        for f in (*find_links(text), *find_markup(text))
    ]
    leaks += [
        _span(name, text, a, b)
        for name, text in ctx.texts()
        for a, b in hits(text, ctx.house.injection, None)
    ]
    return [
        result(
            "safety.injection",
            "error",
            leaks,
            "No links, markup or instructions.",
            f"Text that is not science (links, markup, instructions): {quoted(leaks)}. Remove it.",
        )
    ]


def check_copied(ctx: ExplainerContext) -> list[CheckResult]:
    """content.copied: no stretch of the explainer prompts' own text (their fixed wording,
    the markers' labels) in the explainer; the house's explainer wording is no echo."""
    folders = ctx.settings.prompt_dirs()
    echoed = [
        _span(name, text, a, b)
        for name, text in ctx.texts()
        for a, b in prompt_echoes(text, folders)
    ]
    return [
        result(
            "content.copied",
            "error",
            echoed,
            "Nothing copied from the prompt's own instructions.",
            f"Text from the prompt's own instructions: {quoted(echoed, 2)}. Write the "
            "explainer's own words.",
        )
    ]


def check_grounding(ctx: ExplainerContext) -> list[CheckResult]:
    everything = "\n".join(source_text(s) for s in ctx.sources)
    allowed = frozenset(a.lower() for a in ctx.house.plain_acronyms)
    numbers = [
        _span(name, text, m.start, m.end)
        for name, text in ctx.texts()
        for m in ungrounded_numbers(text, everything)
    ]
    names = [
        _span(name, text, a, b)
        for name, text in ctx.texts()
        for a, b in unknown_names(text, everything, allowed)
    ]
    return [
        result(
            "grounding.numbers",
            "error",
            numbers,
            "Every number is in one of the sources.",
            f"Numbers in none of the sources: {quoted(numbers)}. Use only the studies' "
            "numbers, exactly (round only with 'about').",
            value=len(numbers),
        ),
        result(
            "grounding.names",
            "error",
            names,
            "Every drug, gene, protein and test name (and any person or institution) is in one "
            "of the sources.",
            f"Names in none of the sources: {quoted(names)}. Name only what the studies name.",
        ),
    ]
