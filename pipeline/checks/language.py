"""Overclaiming, treatment advice, and text smuggled in through the abstract.

The word lists live in `prompts/house.toml` ([language]); a match that a negation precedes in
the same sentence ("not a cure", "cannot prove") is a hedge, not a claim.
"""

from __future__ import annotations

import re

from pipeline.checks.base import CheckContext, flagged, quoted, result, span
from pipeline.records import CheckResult, Span
from pipeline.text import sentence_spans

_CONTENT_WORD = re.compile(r"[a-z]{4,}")
_COMMON = frozenset(
    re.findall(
        r"\w+",
        "that this with from have were been will your they their them what when which about into "
        "more most some than then these those also only very such study people",
    )
)


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


def check_injection(ctx: CheckContext) -> list[CheckResult]:
    """Links and instructions in the summary, or sentences that echo an instruction in the
    abstract (the abstract steered the draft)."""
    leaks = flagged(ctx, ctx.house.injection, negatable=False)
    planted = [
        _content(s.text)
        for s in sentence_spans(ctx.study.abstract)
        if ctx.house.instruction.search(s.text)
    ]
    echoes: list[Span] = []
    for name, text in ctx.sections():
        for sent in sentence_spans(text):
            words = _content(sent.text)
            for instruction in planted:
                shared = words & instruction
                if len(shared) >= 3 and len(shared) >= 0.5 * min(len(words), len(instruction)):
                    echoes.append(span(name, text, sent.start, sent.end))
                    break
    found = leaks + [e for e in echoes if not any(e.start <= s.start < e.end for s in leaks)]
    return [
        result(
            "safety.injection",
            "error",
            found,
            "No links, instructions or text the abstract tried to plant.",
            f"Text that is not science (links, instructions, or echoes of instructions inside "
            f"the abstract): {quoted(found)}. Remove it.",
        )
    ]
