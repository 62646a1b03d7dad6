"""Overclaiming, treatment advice, and text smuggled in through the abstract.

The word lists live in `prompts/house.toml` ([language]); a match that a negation precedes in
the same sentence ("not a cure", "cannot prove") is a hedge, not a claim. Every pattern is
matched on the normalised text (`pipeline.text.normalised`: NFKC, no invisible or bidi
characters, look-alike letters as Latin), so "cu\u200bres" or a Cyrillic "с" in "cures" is
still "cures"; spans point back at the text as the reviewer wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.checks.base import CheckContext, quoted, result, span
from pipeline.records import PROSE_SECTIONS, CheckResult, Span
from pipeline.text import (
    Normalised,
    find_links,
    find_markup,
    is_instruction,
    normalise_for_checks,
    normalised,
    sentence_spans,
)

_CONTENT_WORD = re.compile(r"[a-z]{4,}")
_COMMON = frozenset(
    re.findall(
        r"\w+",
        "that this with from have were been will your they their them what when which about into "
        "more most some than then these those also only very such study people",
    )
)


def normalised_sentences(text: str) -> Iterator[tuple[str, int, Normalised]]:
    """(normalised sentence, its offset in the normalised text, the text's map) per sentence:
    the checks read the folded text and map what they find back with `norm.original`."""
    norm = normalised(text)
    for sent in sentence_spans(norm.text):
        yield sent.text, sent.start, norm


def hits(
    text: str, pattern: re.Pattern[str], negation: re.Pattern[str] | None
) -> list[tuple[int, int]]:
    """(start, end) in `text` as written of every match of `pattern` in its normalised
    sentences, skipping a match that `negation` finds before it in its sentence (a hedge)."""
    found = []
    for sentence, offset, norm in normalised_sentences(text):
        for match in pattern.finditer(sentence):
            if negation is not None and negation.search(sentence[: match.start()]):
                continue
            found.append(norm.original(offset + match.start(), offset + match.end()))
    return found


def flagged(
    ctx: CheckContext,
    pattern: re.Pattern[str],
    *,
    negatable: bool,
    sections: tuple[str, ...] = PROSE_SECTIONS,
) -> list[Span]:
    """Every match of `pattern` in the normalised prose, skipping matches a negation before
    them hedges; spans in the text as written."""
    negation = ctx.house.negation if negatable else None
    return [
        span(name, text, start, end)
        for name, text in all_sections(ctx, sections)
        for start, end in hits(text, pattern, negation)
    ]


def all_sections(
    ctx: CheckContext, names: tuple[str, ...] = (*PROSE_SECTIONS, "topics")
) -> Iterator[tuple[str, str]]:
    """The named sections' text; the topics as one line joined by "; " (as the review app
    shows them)."""
    for name in names:
        value = getattr(ctx.summary, name)
        yield name, "; ".join(value) if isinstance(value, list) else value


def check_overclaiming(ctx: CheckContext) -> list[CheckResult]:
    forbidden = flagged(ctx, ctx.house.forbidden, negatable=True)
    certainty = flagged(ctx, ctx.house.certainty, negatable=True)
    if ctx.profile.design.value not in ctx.house.certainty_strong_designs:
        certainty += flagged(ctx, ctx.house.certainty_weak_design, negatable=True)
    results = [
        result(
            "language.forbidden",
            "error",
            forbidden,
            "No overclaiming words.",
            f"Words the house never uses: {quoted(forbidden)}. Describe what the study found, "
            "hedged to its design.",
        ),
        result(
            "language.certainty",
            "error",
            certainty,
            "Certainty matches the design.",
            f"More certain than a {ctx.profile.design.value.replace('_', ' ')} can support: "
            f'{quoted(certainty)}. Use "suggests", "may" or "is linked to".',
        ),
    ]
    if ctx.profile.observational:
        causal = flagged(ctx, ctx.house.causal, negatable=True)
        results.append(
            result(
                "language.causal",
                "error",
                causal,
                "No causal claims for an observational study.",
                f"Causal wording for an observational study: {quoted(causal)}. Say "
                '"is linked to" instead.',
            )
        )
    return results


def check_advice(ctx: CheckContext) -> list[CheckResult]:
    advice = flagged(ctx, ctx.house.advice, negatable=True)
    return [
        result(
            "language.advice",
            "error",
            advice,
            "No advice to start, stop or change treatment.",
            f"Treatment advice: {quoted(advice)}. Never tell readers to start, stop or change a "
            "treatment.",
        )
    ]


def _content(text: str) -> set[str]:
    return {w for w in _CONTENT_WORD.findall(text.lower()) if w not in _COMMON}


def _not_science(text: str) -> bool:
    return bool(find_links(text) or find_markup(text))


def check_injection(ctx: CheckContext) -> list[CheckResult]:
    """Links (of any scheme or disguise), raw HTML or Markdown markup and instructions in any
    section, the topics and the ratings' reasons included, or sentences that echo an
    instruction in the abstract (the abstract steered the draft)."""
    everywhere = (*PROSE_SECTIONS, "topics")
    leaks = [
        span(name, text, found.start, found.end)
        for name, text in all_sections(ctx, everywhere)
        for found in (*find_links(text), *find_markup(text))
    ]
    leaks += flagged(ctx, ctx.house.injection, negatable=False, sections=everywhere)
    planted = [
        _content(normalise_for_checks(s.text))
        for s in sentence_spans(ctx.study.abstract)
        if is_instruction(s.text, ctx.house)
    ]
    echoes: list[Span] = []
    for name, text in ctx.sections():
        for sentence, offset, norm in normalised_sentences(text):
            words = _content(sentence)
            for instruction in planted:
                shared = words & instruction
                if len(shared) >= 3 and len(shared) >= 0.5 * min(len(words), len(instruction)):
                    start, end = norm.original(offset, offset + len(sentence))
                    echoes.append(span(name, text, start, end))
                    break
    found = _distinct(leaks + echoes)
    reasons = [
        f"the {name} reason"
        for name in ("credibility", "interest")
        if _not_science(reason := getattr(ctx.summary, name).reason)
        or ctx.house.injection.search(normalise_for_checks(reason))
    ]
    shown = ", ".join(filter(None, [quoted(found), *reasons]))
    return [
        CheckResult(
            id="safety.injection",
            severity="error",
            passed=not (found or reasons),
            message="No links, markup, instructions or text the abstract tried to plant."
            if not (found or reasons)
            else "Text that is not science (links, HTML or Markdown markup, instructions, or "
            f"echoes of instructions inside the abstract): {shown}. Remove it.",
            spans=found,
        )
    ]


def _distinct(spans: list[Span]) -> list[Span]:
    """Spans in section order, each overlap kept once (the earliest, longest one)."""
    order = {name: index for index, name in enumerate((*PROSE_SECTIONS, "topics"))}
    kept: list[Span] = []
    for one in sorted(spans, key=lambda s: (order.get(s.section, 99), s.start, -s.end)):
        if kept and kept[-1].section == one.section and one.start < kept[-1].end:
            continue
        kept.append(one)
    return kept
