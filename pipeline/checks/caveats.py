"""Required caveats, and the profile they follow from.

`caveat.*`: each required caveat conveyed, in a section the house allows, and not contradicted.

The caveat's trigger, wording and patterns all come from `prompts/house.toml`, the same data
the prompts render, so the check and the instruction cannot drift apart. Sentences are matched
normalised (as the language checks read them), and a sentence that matches a caveat's
`reject` patterns (it negates or contradicts the caveat: "This was not an animal study ...;
the results apply to humans") never counts as stating it.

`profile.uncertain` (warning): the profile decides which caveats a summary must carry and its
credibility, so a design or species the profiler could only guess
(`profile.confidence[field].level == "low"`) is shown to the reviewer, with the reason, the
competing reading and the sentence it came from. A warning never sends a draft back for
revision: only a person can settle it.
"""

from __future__ import annotations

from pipeline.checks.base import CheckContext, span
from pipeline.checks.language import normalised_sentences
from pipeline.records import SECTION_TITLES, CheckResult, Span, StudyProfile


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


UNSURE_FIELDS = ("design", "species")


def uncertain_fields(profile: StudyProfile) -> list[str]:
    """The fields of `profile` a reviewer should confirm: design or species of low confidence."""
    return [
        name
        for name in UNSURE_FIELDS
        if (sure := profile.confidence.get(name)) is not None and sure.level == "low"
    ]


def _describe(profile: StudyProfile, name: str) -> str:
    sure = profile.confidence[name]
    value = getattr(profile, name)
    text = f"{name} read as {getattr(value, 'value', value)} ({sure.reason})"
    if sure.alternative:
        text += f", though it may be {sure.alternative}"
    evidence = profile.evidence.get(name)
    if evidence:
        text += f', from "{evidence}"'
    return text


def check_profile_uncertain(ctx: CheckContext) -> list[CheckResult]:
    """`profile.uncertain` (warning): fails when the design or species is low-confidence."""
    unsure = uncertain_fields(ctx.profile)
    if not unsure:
        message = "The study profile is sure enough of the design and species."
    else:
        message = (
            "Confirm the study profile: "
            + "; ".join(_describe(ctx.profile, name) for name in unsure)
            + ". The required caveats and the credibility follow from it."
        )
    return [
        CheckResult(id="profile.uncertain", severity="warning", passed=not unsure, message=message)
    ]
