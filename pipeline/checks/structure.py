"""Shape and readability: sections within the house limits, grade targets from settings."""

from __future__ import annotations

from pipeline.checks.base import CheckContext, span
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, CheckResult
from pipeline.text import measure, sentence_spans, words

READABLE_SECTIONS = PROSE_SECTIONS[1:]  # a title is too short for a grade to mean anything


def check_structure(ctx: CheckContext) -> list[CheckResult]:
    results = []
    for name, text in ctx.sections():
        limits = ctx.house.sections[name]
        label = SECTION_TITLES[name]
        problems = []
        n_sent, n_words = len(sentence_spans(text)), len(words(text))
        if not text.strip():
            problems.append("is empty")
        if limits.min_sentences and n_sent < limits.min_sentences:
            problems.append(f"has {n_sent} sentence(s); needs at least {limits.min_sentences}")
        if limits.max_sentences and n_sent > limits.max_sentences:
            problems.append(f"has {n_sent} sentences; allows at most {limits.max_sentences}")
        if limits.max_words and n_words > limits.max_words:
            problems.append(f"has {n_words} words; allows at most {limits.max_words}")
        results.append(
            CheckResult(
                id=f"structure.{name}",
                severity="error",
                passed=not problems,
                message=f"{label}: shape is right."
                if not problems
                else f"{label} " + "; ".join(problems) + ".",
                spans=[span(name, text, 0, len(text))] if problems else [],
            )
        )
    topics = ctx.summary.topics
    limits = ctx.house.sections["topics"]
    low, high = limits.min_items or 0, limits.max_items or 99
    ok = low <= len(topics) <= high
    results.append(
        CheckResult(
            id="structure.topics",
            severity="error",
            passed=ok,
            message=f"Article Topics: {len(topics)} topics"
            + ("." if ok else f" (needs {low}-{high})."),
        )
    )
    total = sum(len(words(text)) for _, text in ctx.sections())
    in_range = ctx.house.min_words <= total <= ctx.house.max_words
    results.append(
        CheckResult(
            id="structure.length",
            severity="warning",
            passed=in_range,
            value=total,
            message=f"{total} words of prose"
            + (
                "."
                if in_range
                else f"; the house runs {ctx.house.min_words}-{ctx.house.max_words}."
            ),
        )
    )
    return results


def check_readability(ctx: CheckContext) -> list[CheckResult]:
    target, ceiling = ctx.settings.target_grade, ctx.settings.max_section_grade
    overall = measure(" ".join(text for _, text in ctx.sections(READABLE_SECTIONS)))
    grade = round(overall.fkgl, 1)
    results = [
        CheckResult(
            id="readability.overall",
            severity="error",
            passed=grade <= target,
            value=grade,
            message=f"Flesch-Kincaid grade {grade} overall (target {target:g} or lower); "
            f"SMOG {overall.smog:.1f}; {overall.hard_word_share:.0%} hard words.",
        )
    ]
    for name, text in ctx.sections(READABLE_SECTIONS):
        section_grade = round(measure(text).fkgl, 1)
        ok = section_grade <= ceiling
        hard = [s for s in sentence_spans(text) if measure(s.text).fkgl > ceiling]
        results.append(
            CheckResult(
                id=f"readability.{name}",
                severity="error",
                passed=ok,
                value=section_grade,
                spans=[] if ok else [span(name, text, s.start, s.end) for s in hard],
                message=f"{SECTION_TITLES[name]}: grade {section_grade}"
                + (
                    "."
                    if ok
                    else f", above {ceiling:g}; shorten the marked sentences and use shorter words."
                ),
            )
        )
    return results
