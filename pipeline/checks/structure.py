"""Shape and readability: sections within the house limits, grade targets from settings."""

from __future__ import annotations

import re

from pipeline.checks.base import CheckContext, span
from pipeline.house import condition_acronyms
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, CheckResult
from pipeline.text import TITLE_SMALL_WORDS, is_familiar, measure, sentence_spans, syllables, words

_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")

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
        if name == "title" and text.strip():
            problems += title_problems(ctx, text)
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


def title_problems(ctx: CheckContext, title: str) -> list[str]:
    """The house title: plain words naming the topic, no unexplained acronym, not the paper's
    own title, and one casing (sentence case or title case) throughout."""
    problems = []
    found = _TITLE_WORD.findall(title)
    known = ctx.house.plain_acronyms | set(condition_acronyms())
    acronyms = [
        w
        for w in found
        if any(sum(c.isupper() for c in part) >= 2 for part in w.split("-")) and w not in known
    ]
    if acronyms:
        problems.append(f"uses an acronym a title cannot explain ({', '.join(acronyms[:3])})")
    named = {
        w.lower()
        for name in (
            *ctx.house.audience_names,
            *condition_acronyms().values(),
            *ctx.profile.conditions,  # the condition studied is what the title names
        )
        for w in name.split()
    }
    hard = [
        w
        for w in found
        if w.lower() not in named
        and w.lower() not in _proper_nouns(ctx)
        and syllables(w.lower()) >= 3
        and not is_familiar(w)
    ]
    if len(hard) > 1:
        problems.append(f"is not in plain words ({', '.join(hard[:3])})")
    if _copies(title, ctx.study.title):
        problems.append("copies the paper's title; name the topic in plain words instead")
    if _mixed_case(found, _proper_nouns(ctx)):
        problems.append("mixes sentence case and title case")
    return problems


def _copies(title: str, paper: str) -> bool:
    """Most of the title's words appear in the paper's title, in the same order."""
    ours = [w.lower() for w in _TITLE_WORD.findall(title) if w.lower() not in TITLE_SMALL_WORDS]
    theirs = [w.lower() for w in _TITLE_WORD.findall(paper)]
    if len(ours) < 3:
        return False
    matched, j = 0, 0
    for word in ours:
        while j < len(theirs) and theirs[j] != word:
            j += 1
        if j < len(theirs):
            matched, j = matched + 1, j + 1
    return matched / len(ours) >= 0.75


def _proper_nouns(ctx: CheckContext) -> frozenset[str]:
    """Words the abstract capitalises mid-sentence: names, which either casing keeps."""
    text = f"{ctx.study.abstract} {' '.join(ctx.study.keywords)}"
    return frozenset(
        m.group(0).lower() for m in re.finditer(r"(?<=[a-z,;] )[A-Z][a-z][A-Za-z'’-]*", text)
    )


def _mixed_case(found: list[str], proper: frozenset[str]) -> bool:
    later = [
        w
        for w in found[1:]
        if w.lower() not in TITLE_SMALL_WORDS
        and w.lower() not in proper
        and not w.isupper()
        and not any(c.isdigit() for c in w)
        and sum(c.isupper() for c in w) < 2
    ]
    upper = sum(w[0].isupper() for w in later)
    return 0 < upper < len(later) and len(later) >= 2
