"""The explainer's evidence checks, and its check registry.

    sources.cited      a body paragraph that reports a finding cites a listed source; every
                       id it cites is listed; every number it states is in a source it cites;
                       every source it cites shares its subject (error)
    sources.coverage   every listed source is drawn on somewhere (warning; value: the share);
                       an error when none is
    caveat.sources     where a source is first drawn on, the caveats it requires about who was
                       studied and what it can show are said (animals, cells, another
                       condition, a link not proof) (error)
    caveat.sources_minor   the same for its other caveats: small, early, short (warning)
    caveat.consult_clinician   readers are told to talk with their healthcare provider (error)

The closing summary sums up the paragraphs above it, so it cites no source of its own; its
numbers are still grounded (`grounding.numbers`). Sentences in the house's own explainer
wording (`prompts/explainer.toml`) report no finding.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.checks import result
from pipeline.explain.checks import (
    ExplainerCheck,
    ExplainerContext,
    _span,
    check_copied,
    check_grounding,
    check_language,
    check_readability,
    check_safety,
    check_shape,
)
from pipeline.explain.facts import explainer_house, source_text
from pipeline.house import load_house
from pipeline.records import CheckResult, ExplainerContent, ExplainerSource, Span
from pipeline.settings import Settings
from pipeline.text import extract_numbers, normalised, number_values, salient, sentence_spans

MIN_SHARED = 2  # content stems a paragraph must share with a source it cites
# the source's summary sections an explainer may draw on, besides the study itself
SUMMARY_TEXT = ("title", "key_takeaway", "what_they_found", "who_should_care")


@cache
def _house_sentences(lines: tuple[str, ...]) -> re.Pattern[str]:
    parts = [re.escape(line).replace(r"\{", "{").replace(r"\}", "}") for line in lines]
    parts = [re.sub(r"\{[a-z_]+\}", ".+?", p) for p in parts]
    return re.compile("^(?:" + "|".join(parts) + ")$", re.I)


def _reports_finding(sentence: str, words: frozenset[str], house_lines: re.Pattern[str]) -> bool:
    if house_lines.match(sentence.strip()):
        return False
    return bool(extract_numbers(sentence)) or bool(
        {w.lower() for w in re.findall(r"[A-Za-z]+", sentence)} & words
    )


def check_sources(ctx: ExplainerContext) -> list[CheckResult]:
    by_id = ctx.by_id()
    words = frozenset(ctx.limits["finding_words"])
    house_lines = _house_sentences(tuple(explainer_house(ctx.settings)["sentences"].values()))
    problems: list[Span] = []
    reasons: list[str] = []
    used: set[str] = set()
    for name, text, cited in ctx.paragraphs():
        if cited is None:
            continue
        listed = [i for i in cited if i in by_id]
        used.update(listed)
        for stranger in sorted(set(cited) - set(by_id)):
            problems.append(_span(name, text))
            reasons.append(f"{name} cites {stranger!r}, which is not a listed source")
        findings = [s for s in sentence_spans(text) if _reports_finding(s.text, words, house_lines)]
        if findings and not listed:
            problems += [_span(name, text, s.start, s.end) for s in findings[:3]]
            reasons.append(f"{name} reports findings but cites no source")
            continue
        if not listed:
            continue
        own = "\n".join(source_text(by_id[i]) for i in listed)
        known = number_values(own)
        for mention in extract_numbers(text):
            if mention.value not in known and mention.value in number_values(
                "\n".join(source_text(s) for s in ctx.sources)
            ):
                problems.append(_span(name, text, mention.start, mention.end))
                reasons.append(f"{name} states {mention.text!r} from a source it does not cite")
        stems = salient(text)
        for study_id in listed:
            source = by_id[study_id]
            summary = source.summary
            said = " ".join(getattr(summary, name) for name in SUMMARY_TEXT)
            theirs = salient(f"{source_text(source)} {said}")
            if len(stems & theirs) < MIN_SHARED:
                problems.append(_span(name, text))
                reasons.append(f"{name} cites {study_id} but says nothing it says")
    cited_result = result(
        "sources.cited",
        "error",
        problems,
        "Every paragraph that reports a finding cites the listed sources it draws on.",
        "; ".join(dict.fromkeys(reasons)) + ".",
    )
    share = len(used) / len(ctx.sources) if ctx.sources else 0.0
    unused = [s.id for s in ctx.sources if s.id not in used]
    # An explainer that draws on none of its sources is not built from the house's studies
    # (a real small model wrote one summary paragraph citing nothing): that is an error.
    coverage = CheckResult(
        id="sources.coverage",
        severity="error" if ctx.sources and not used else "warning",
        passed=not unused,
        value=round(share, 3),
        message=f"{len(used)} of {len(ctx.sources)} sources drawn on"
        + (f"; not used: {', '.join(unused)}." if unused else ".")
        + (" Draw each paragraph's findings from the listed studies." if not used else ""),
    )
    return [cited_result, coverage]


def _states(text: str, cid: str, ctx: ExplainerContext) -> bool:
    caveat = ctx.house.caveats[cid]
    norm = normalised(text)
    return any(caveat.matches(s.text) for s in sentence_spans(norm.text))


def check_caveats(ctx: ExplainerContext) -> list[CheckResult]:
    required = set(ctx.limits["caveats_required"])
    by_id = ctx.by_id()
    first: dict[str, tuple[str, str]] = {}
    for name, text, cited in ctx.paragraphs():
        for study_id in cited or []:
            if study_id in by_id:
                first.setdefault(study_id, (name, text))
    missing: dict[bool, list[Span]] = {True: [], False: []}
    why: dict[bool, list[str]] = {True: [], False: []}
    for study_id, (name, text) in first.items():
        for cid in by_id[study_id].profile.required_caveats:
            if cid == "consult_clinician" or _states(text, cid, ctx):
                continue
            major = cid in required
            missing[major].append(_span(name, text))
            why[major].append(
                f"{name} draws on {study_id} without saying that {ctx.house.caveats[cid].convey}"
            )
    consulted = any(_states(t, "consult_clinician", ctx) for _, t, _ in ctx.paragraphs())
    return [
        result(
            "caveat.sources",
            "error",
            missing[True],
            "Each source's caveats are carried where it is first drawn on.",
            "; ".join(why[True]) + ".",
        ),
        result(
            "caveat.sources_minor",
            "warning",
            missing[False],
            "Each source's other caveats are carried too.",
            "; ".join(why[False]) + ".",
        ),
        CheckResult(
            id="caveat.consult_clinician",
            severity="error",
            passed=consulted,
            message="Readers are told to talk with their healthcare provider."
            if consulted
            else f"Say that {ctx.house.caveats['consult_clinician'].convey}.",
        ),
    ]


EXPLAINER_CHECKS: list[ExplainerCheck] = [
    check_shape,
    check_readability,
    check_grounding,
    check_sources,
    check_caveats,
    check_language,
    check_safety,
    check_copied,
]


def run_explainer_checks(
    content: ExplainerContent, sources: list[ExplainerSource], settings: Settings
) -> list[CheckResult]:
    limits = explainer_house(settings)["limits"]
    ctx = ExplainerContext(content, sources, settings, load_house(settings), limits)
    return [found for check in EXPLAINER_CHECKS for found in check(ctx)]
