"""Required caveats: each one conveyed, in a section the house allows, and not contradicted.

The caveat's trigger, wording and patterns all come from `prompts/house.toml`, the same data
the prompts render, so the check and the instruction cannot drift apart. Sentences are matched
normalised (as the language checks read them), and a sentence that matches a caveat's
`reject` patterns (it negates or contradicts the caveat: "This was not an animal study ...;
the results apply to humans") never counts as stating it.
"""

from __future__ import annotations

from pipeline.checks.base import CheckContext, span
from pipeline.checks.language import normalised_sentences
from pipeline.records import SECTION_TITLES, CheckResult, Span


def check_caveats(ctx: CheckContext) -> list[CheckResult]:
    results = []
    for cid in ctx.profile.required_caveats:
        caveat = ctx.house.caveats[cid]
        placed: list[Span] = []
        misplaced: list[Span] = []
        contradicted: list[Span] = []
        for name, text in ctx.sections():
            for sentence, offset, norm in normalised_sentences(text):
                here = span(name, text, *norm.original(offset, offset + len(sentence)))
                if caveat.matches(sentence):
                    (placed if name in caveat.sections else misplaced).append(here)
                elif caveat.reject and caveat.reject.search(sentence):
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
