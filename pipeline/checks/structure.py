"""Shape and readability: sections within the house limits, grade targets from settings, and
the site card's one-line teaser."""

from __future__ import annotations

import re

from pipeline.checks.base import CheckContext, result, span
from pipeline.house import condition_acronyms
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, CheckResult, Span
from pipeline.text import (
    TITLE_SMALL_WORDS,
    find_links,
    find_markup,
    is_familiar,
    measure,
    number_values,
    sentence_problem,
    sentence_spans,
    syllables,
    words,
)

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


TEASER_CHARS = 110
_TEASER_START = re.compile(
    r"^(?:(?:learn|discover|explore|find out|see|read|understand|get)\b|"
    r"(?:(?:a|an|the|this|one|new)\s+)?(?:[\w-]+\s+)?"
    r"(?:study|studies|trial|review|analysis|research|researchers|scientists)\s+"
    r"(?:finds?|found|shows?|showed|suggests?|suggested|reports?|reported|links?|linked|"
    r"tests?|tested|explores?|explored|looks?|looked)\b)",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*)s?(?![\w-])")


def check_teaser(ctx: CheckContext) -> list[CheckResult]:
    """The site card's teaser: one plain line of at most 110 characters, starting with a verb
    as the house's do, hedged, with no number the abstract lacks and no acronym the summary
    leaves unexplained. A draft from before teasers has none: a warning, the site shows the
    Key Takeaway instead."""
    teaser = ctx.summary.teaser
    if not teaser.strip():
        return [
            CheckResult(
                id="structure.teaser",
                severity="warning",
                passed=False,
                message="No teaser: the site's card shows the Key Takeaway; write one line.",
            )
        ]
    problems = teaser_problems(ctx, teaser)
    return [
        CheckResult(
            id="structure.teaser",
            severity="error",
            passed=not problems,
            message="Teaser: " + ("; ".join(problems) if problems else "one plain line."),
            spans=[span("teaser", teaser, 0, len(teaser))] if problems else [],
        )
    ]


def teaser_problems(ctx: CheckContext, teaser: str) -> list[str]:
    problems = []
    if len(teaser) > TEASER_CHARS:
        problems.append(f"{len(teaser)} characters, at most {TEASER_CHARS}")
    if "\n" in teaser.strip() or len(sentence_spans(teaser)) > 1:
        problems.append("one sentence on one line")
    if not _TEASER_START.match(teaser.strip()):
        problems.append("start with a verb as the house does ('Learn how…', 'Study finds…')")
    if find_links(teaser) or find_markup(teaser):
        problems.append("plain text only (no links or markup)")
    strong = [
        m.group(0) for p in (ctx.house.forbidden, ctx.house.certainty) for m in p.finditer(teaser)
    ]
    if strong:
        problems.append(f"claims more than the evidence ('{strong[0]}')")
    stray = sorted(number_values(teaser) - number_values(ctx.study.abstract))
    if stray:
        problems.append(f"{stray[0]:g} is not in the abstract")
    prose = " ".join(text for _, text in ctx.sections(PROSE_SECTIONS[1:]))
    for match in _ACRONYM.finditer(teaser):
        acronym = match.group(1)
        if acronym.endswith("s") and acronym[:-1].isupper():
            acronym = acronym[:-1]  # "RNAs" is RNA
        known = acronym in ctx.house.plain_acronyms or acronym in condition_acronyms()
        # one the prose uses is explained there (jargon.acronyms holds the prose to that)
        if not known and not re.search(rf"\b{re.escape(acronym)}s?\b", prose):
            problems.append(f"{acronym} is not in the summary, where it would be spelled out")
            break
    return problems


# structure.sentences: every sentence of the prose sections is whole. A rule-built draft that
# cut a sentence in the wrong place, or a small model that lost track, leaves sentences an
# editor strikes at once ("…to learn about the.", "Other common may cause include
# thyroiditis.", "In cells linked to cancer, 1."). The patterns (`pipeline.text.
# sentence_problem`, which the offline drafter also uses to mend or drop a piece) are narrow on
# purpose: each was seen in drafts; grammar at large is not attempted.
def check_sentences(ctx: CheckContext) -> list[CheckResult]:
    spans: list[Span] = []
    found: list[str] = []
    for name, text in ctx.sections(PROSE_SECTIONS[1:]):  # a title is held to structure.title
        for sent in sentence_spans(text):
            why = sentence_problem(sent.text)
            if why:
                spans.append(span(name, text, sent.start, sent.end))
                found.append(f'"{sent.text.strip()}" ({why})')
    return [
        result(
            "structure.sentences",
            "error",
            spans,
            "Every sentence is whole.",
            f"Broken sentences: {'; '.join(found[:3])}. Rewrite each as a whole sentence, or "
            "leave it out.",
        )
    ]
