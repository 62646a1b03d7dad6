"""Required caveats: each one conveyed, in a section the house allows, and not contradicted.

The caveat's trigger, wording and patterns all come from `prompts/house.toml`, the same data
the prompts render, so the check and the instruction cannot drift apart.
"""

from __future__ import annotations

from pipeline.checks.base import CheckContext, span
from pipeline.records import SECTION_TITLES, CheckResult, Span
from pipeline.text import sentence_spans


def check_caveats(ctx: CheckContext) -> list[CheckResult]:
    results = []
    for cid in ctx.profile.required_caveats:
        caveat = ctx.house.caveats[cid]
        placed: list[Span] = []
        misplaced: list[Span] = []
        contradicted: list[Span] = []
        for name, text in ctx.sections():
            for sent in sentence_spans(text):
                here = span(name, text, sent.start, sent.end)
                if caveat.matches(sent.text):
                    (placed if name in caveat.sections else misplaced).append(here)
                elif caveat.reject and caveat.reject.search(sent.text):
                    contradicted.append(here)
        where = " or ".join(SECTION_TITLES[s] for s in caveat.sections)
        if contradicted:
            message = (
                f"Caveat {cid}: contradicted by {quoted_first(contradicted)}; say that "
                f"{caveat.convey}."
            )
        elif placed:
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
                passed=bool(placed) and not contradicted,
                message=message,
                spans=contradicted or placed or misplaced,
            )
        )
    return results


def quoted_first(spans: list[Span]) -> str:
    return f'"{spans[0].text}"'
