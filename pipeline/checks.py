"""Checks: small pure functions from (study, profile, summary) to CheckResults.

Each result has a stable id, a severity, a message a reviewer can act on, and the spans of the
section text it is about. Error-level failures send a draft back for revision; the review UI
and the `.md` report read the same results. `CHECKS` is the registry, in report order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pipeline.house import House, load_house
from pipeline.numbers import extract_numbers, format_count, number_values
from pipeline.readability import measure, sentence_spans, words
from pipeline.records import (
    PROSE_SECTIONS,
    SECTION_TITLES,
    CheckResult,
    HouseSummary,
    Span,
    Study,
    StudyProfile,
)
from pipeline.settings import Settings

READABLE_SECTIONS = PROSE_SECTIONS[1:]  # a title is too short for a grade to mean anything
ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*(?:-\d+)?s?)(?![\w-])")


@dataclass(frozen=True)
class CheckContext:
    study: Study
    profile: StudyProfile
    summary: HouseSummary
    settings: Settings
    house: House

    def sections(self, names: tuple[str, ...] = PROSE_SECTIONS) -> Iterator[tuple[str, str]]:
        for name in names:
            yield name, getattr(self.summary, name)


Check = Callable[[CheckContext], list[CheckResult]]


def _result(
    cid: str, severity: str, failures: list[Span], ok: str, bad: str, value: float | None = None
) -> CheckResult:
    return CheckResult(
        id=cid,
        severity=severity,
        passed=not failures,  # type: ignore[arg-type]
        message=ok if not failures else bad,
        spans=failures,
        value=value,
    )


def _span(section: str, text: str, start: int, end: int) -> Span:
    return Span(section=section, start=start, end=end, text=text[start:end])


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
        spans = [_span(name, text, 0, len(text))] if problems else []
        results.append(
            _result(
                f"structure.{name}",
                "error",
                spans,
                f"{label}: shape is right.",
                f"{label} " + "; ".join(problems) + ".",
            )
        )
    topics = ctx.summary.topics
    limits = ctx.house.sections["topics"]
    bad_topics = not (limits.min_items or 0) <= len(topics) <= (limits.max_items or 99)
    results.append(
        CheckResult(
            id="structure.topics",
            severity="error",
            passed=not bad_topics,
            message=f"Article Topics: {len(topics)} topics"
            + (f" (needs {limits.min_items}-{limits.max_items})." if bad_topics else "."),
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
    results = []
    all_text = " ".join(text for _, text in ctx.sections(READABLE_SECTIONS))
    overall = round(measure(all_text).fkgl, 1)
    results.append(
        CheckResult(
            id="readability.overall",
            severity="error",
            passed=overall <= ctx.settings.target_grade,
            value=overall,
            message=f"Flesch-Kincaid grade {overall} overall (target "
            f"{ctx.settings.target_grade:g} or lower).",
        )
    )
    for name, text in ctx.sections(READABLE_SECTIONS):
        grade = round(measure(text).fkgl, 1)
        hard = [
            s for s in sentence_spans(text) if measure(s.text).fkgl > ctx.settings.max_section_grade
        ]
        ok = grade <= ctx.settings.max_section_grade
        results.append(
            CheckResult(
                id=f"readability.{name}",
                severity="error",
                passed=ok,
                value=grade,
                spans=[] if ok else [_span(name, text, s.start, s.end) for s in hard],
                message=f"{SECTION_TITLES[name]}: grade {grade}"
                + (
                    "."
                    if ok
                    else f", above {ctx.settings.max_section_grade:g}; shorten the "
                    "marked sentences and use shorter words."
                ),
            )
        )
    return results


def check_caveats(ctx: CheckContext) -> list[CheckResult]:
    results = []
    for cid in ctx.profile.required_caveats:
        caveat = ctx.house.caveats[cid]
        placed, misplaced = [], []
        for name, text in ctx.sections():
            for sent in sentence_spans(text):
                if caveat.matches(sent.text):
                    target = placed if name in caveat.sections else misplaced
                    target.append(_span(name, text, sent.start, sent.end))
        where = " or ".join(SECTION_TITLES[s] for s in caveat.sections)
        if placed:
            message = f"Caveat {cid}: stated in {SECTION_TITLES[placed[0].section]}."
        elif misplaced:
            message = (
                f"Caveat {cid}: stated in {SECTION_TITLES[misplaced[0].section]}, "
                f"but it belongs in {where}."
            )
        else:
            message = f"Caveat {cid} is missing: say that {caveat.convey} (in {where})."
        results.append(
            CheckResult(
                id=f"caveat.{cid}",
                severity="error",
                passed=bool(placed),
                message=message,
                spans=placed or misplaced,
            )
        )
    return results


def check_numbers(ctx: CheckContext) -> list[CheckResult]:
    known = number_values(ctx.study.title + "\n" + ctx.study.abstract)
    ungrounded = []
    for name, text in ctx.sections():
        for mention in extract_numbers(text):
            if mention.value not in known:
                ungrounded.append(_span(name, text, mention.start, mention.end))
    listed = ", ".join(f'"{s.text}"' for s in ungrounded[:5])
    return [
        _result(
            "grounding.numbers",
            "error",
            ungrounded,
            "Every number in the summary is in the abstract.",
            f"Numbers not found in the abstract: {listed}. Use only the abstract's numbers.",
            value=len(ungrounded),
        )
    ]


def _flagged(ctx: CheckContext, pattern: re.Pattern[str], negatable: bool) -> list[Span]:
    spans = []
    for name, text in ctx.sections():
        for sent in sentence_spans(text):
            for match in pattern.finditer(sent.text):
                before = sent.text[: match.start()]
                if negatable and ctx.house.negation.search(before):
                    continue
                spans.append(
                    _span(name, text, sent.start + match.start(), sent.start + match.end())
                )
    return spans


def check_language(ctx: CheckContext) -> list[CheckResult]:
    forbidden = _flagged(ctx, ctx.house.forbidden, negatable=True)
    advice = _flagged(ctx, ctx.house.advice, negatable=True)
    results = [
        _result(
            "language.forbidden",
            "error",
            forbidden,
            "No overclaiming words.",
            "Words the house never uses: "
            + ", ".join(f'"{s.text}"' for s in forbidden)
            + ". Describe what the study found, hedged to its design.",
        ),
        _result(
            "language.advice",
            "error",
            advice,
            "No advice to start, stop or change treatment.",
            "Treatment advice: "
            + ", ".join(f'"{s.text}"' for s in advice)
            + ". Never tell readers to start, stop or change a treatment.",
        ),
    ]
    if ctx.profile.observational:
        causal = _flagged(ctx, ctx.house.causal, negatable=True)
        results.append(
            _result(
                "language.causal",
                "error",
                causal,
                "No causal claims for an observational study.",
                "Causal wording for an observational study: "
                + ", ".join(f'"{s.text}"' for s in causal)
                + '. Say "is linked to" instead.',
            )
        )
    return results


def check_injection(ctx: CheckContext) -> list[CheckResult]:
    leaks = _flagged(ctx, ctx.house.injection, negatable=False)
    return [
        _result(
            "safety.injection",
            "error",
            leaks,
            "No links or instructions in the summary.",
            "Text that is not science (links or instructions): "
            + ", ".join(f'"{s.text}"' for s in leaks)
            + ". Remove it.",
        )
    ]


def check_acronyms(ctx: CheckContext) -> list[CheckResult]:
    unexplained, seen = [], set()
    for name, text in ctx.sections():
        for match in ACRONYM.finditer(text):
            acronym = (
                match.group(1).removesuffix("s")
                if match.group(1).endswith("s") and match.group(1)[:-1].isupper()
                else match.group(1)
            )
            if acronym in seen or acronym in ctx.house.plain_acronyms or not _is_acronym(acronym):
                seen.add(acronym)
                continue
            seen.add(acronym)
            wrapped = text[max(0, match.start() - 1) : match.end() + 1]
            if not (wrapped.startswith("(") and wrapped.endswith(")")):
                unexplained.append(_span(name, text, match.start(), match.end()))
    return [
        _result(
            "jargon.acronyms",
            "warning",
            unexplained,
            "Every acronym is spelled out on first use.",
            "Acronyms not spelled out on first use: "
            + ", ".join(f'"{s.text}"' for s in unexplained)
            + ". Write the full words first, then the acronym in brackets.",
        )
    ]


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2


CHECKS: list[Check] = [
    check_structure,
    check_readability,
    check_caveats,
    check_numbers,
    check_language,
    check_injection,
    check_acronyms,
]


def run_checks(
    study: Study, profile: StudyProfile, summary: HouseSummary, settings: Settings
) -> list[CheckResult]:
    ctx = CheckContext(study, profile, summary, settings, load_house(settings))
    return [result for check in CHECKS for result in check(ctx)]


def error_failures(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.passed and r.severity == "error"]


__all__ = ["CHECKS", "CheckContext", "error_failures", "format_count", "run_checks"]
