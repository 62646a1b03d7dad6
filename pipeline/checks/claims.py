"""Claims: every sentence of a summary answerable to the abstract (issue 12), for every backend.

    grounding.claims         each sentence rests on abstract sentences that say it, and says
                             it the same way round; a model's sentence cites a real unit
    language.generalisation  no sentence drops the population or the hedge of its support
    content.omission         the main result, and any harms the abstract reports, are conveyed

All three read one alignment of the summary (`pipeline.evidence.align_summary`, computed once
per check run). `grounding.claims` is an error for a claim (a direction, a number or a finding
verb) of Key Takeaway or What They Found, and a warning for any other failing sentence;
caveats, analogies and the house's fixed sentences are exempt. A model's citations count only
for the sentence it cited, word for word: a sentence edited since is held to the aligner alone.
"""

from __future__ import annotations

import re

from pipeline.checks.base import CheckContext, result, span
from pipeline.evidence import (
    ANIMALS,
    CELLS,
    HUMANS,
    PEOPLE_WORDS,
    Aligner,
    is_claim,
    unit_map,
    units_of,
)
from pipeline.profile import main_finding
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, Alignment, CheckResult, Design, Span
from pipeline.text import is_definition, sentence_spans

ERROR_SECTIONS = ("key_takeaway", "what_they_found")
CONVEYED = 0.5  # share of the main result's content the summary must hold
TRIALS = frozenset({Design.rct, Design.nonrandomized_trial})
HARMS = re.compile(
    r"\b(adverse( \w+)? (events?|effects?|reactions?|outcomes?)|side[- ]effects?|complications?|"
    r"toxicit(y|ies)|harms?|serious (events?|infections?)|tolerab\w+|tolerated|safety|"
    r"discontinu\w+ (due|because)|withdr\w+ (due|because))\b",
    re.I,
)
HARMS_SAID = re.compile(
    r"\b(adverse|side[- ]effects?|complications?|harms?|harmful|safe(ly|ty)?|tolerat\w*|"
    r"toxicity|unwanted effects?)\b",
    re.I,
)


def _where(a: Alignment) -> str:
    return SECTION_TITLES[a.section]


def _sentence_span(ctx: CheckContext, a: Alignment) -> Span:
    return span(a.section, getattr(ctx.summary, a.section), a.start, a.end)


def check_claims(ctx: CheckContext) -> list[CheckResult]:
    cited = bool(ctx.summary.evidence)
    failing: list[tuple[Alignment, str]] = []
    invented: list[str] = []
    for a in ctx.alignment:
        invented += a.invented
        if a.status in ("unsupported", "contradicted"):
            failing.append((a, a.reason))
        elif (
            cited
            and a.status == "supported"
            and a.section in ERROR_SECTIONS
            and a.invented
            and not a.cited
        ):
            failing.append((a, f"it cites only ids the abstract does not have ({a.invented[0]})"))
    dropped = (
        f" Ids the abstract does not have were dropped: {', '.join(dict.fromkeys(invented))}."
        if invented
        else ""
    )
    # An error for any Key Takeaway sentence (it is the headline: "Sleep is crucial for
    # recovery", unsupported, came back from a real small model) and for a claim of What They
    # Found; a sentence there that states no finding ("Half took a dummy pill"), and anything
    # in Who Should Care, is a warning.
    severe = any(
        a.section == "key_takeaway" or (a.section in ERROR_SECTIONS and is_claim(a.sentence))
        for a, _ in failing
    )
    held = sum(a.status != "exempt" for a in ctx.alignment)
    listed = "; ".join(f'{_where(a)}: "{a.sentence}" ({why})' for a, why in failing[:4])
    return [
        result(
            "grounding.claims",
            "error" if severe or not failing else "warning",
            [_sentence_span(ctx, a) for a, _ in failing],
            f"Every claim rests on the abstract ({held} sentences traced to it).{dropped}",
            f"Sentences the abstract does not support: {listed}. Say only what the abstract "
            f"says, the way it says it, or leave the sentence out.{dropped}",
        )
    ]


LAB = re.compile(r"\b(cells?|lab|laborator\w+|dish(es)?|cultures?|cultured|in vitro)\b", re.I)
# Where a cell study's sentence says it was set: "in cells", "of human cells", "in a lab"; not
# any "cell" ("NK cell recognition in people" names the people, not the lab).
LAB_SETTING = re.compile(
    r"\b(?:in|from|with|using|of|on)\s+(?:[\w-]+\s+){0,2}cells\b|\bcells grown\b|"
    r"\b(?:lab|laborator\w+|dish(?:es)?|cultures?|cultured|in vitro|lab-grown)\b",
    re.I,
)


def _lab_population(ctx: CheckContext) -> list[tuple[Alignment, str]]:
    """A study of animals or cells whose Key Takeaway (or, for animals, whole What They Found)
    never says so, or a sentence that says "people" where its support does not: the
    population is the profile's, whatever one sentence of the abstract says."""
    species = ctx.profile.species
    if species not in ("animals", "cells"):
        return []
    names = [re.escape(a) for a in ctx.profile.animals]
    kinds = [ANIMALS.pattern, *names] if species == "animals" else [CELLS.pattern, LAB.pattern]
    named = re.compile("|".join(kinds), re.I)
    setting = named if species == "animals" else LAB_SETTING
    what = ", ".join(ctx.profile.animals) or ("animals" if species == "animals" else "lab cells")
    units = unit_map(ctx.study)
    out = []
    # Every section may not say "people" its support does not; only a cell study's What They
    # Found may leave the lab unnamed, since its sentences name the cells they are about.
    for section in ERROR_SECTIONS:
        mine = [a for a in ctx.alignment if a.section == section and a.status != "exempt"]
        if not mine:
            continue
        people = [
            a
            for a in mine
            if HUMANS.search(a.sentence)
            and not setting.search(a.sentence)
            and not any(PEOPLE_WORDS.search(units[i].text) for i in a.ids if i in units)
        ]
        out += [(a, f"it says people where the study was in {what}") for a in people]
        named_needed = species == "animals" or section == ERROR_SECTIONS[0]
        if named_needed and not named.search(getattr(ctx.summary, section)) and not people:
            out.append((mine[0], f"{_where(mine[0])} never says the work was in {what}"))
    return out


def check_generalisation(ctx: CheckContext) -> list[CheckResult]:
    wider = [(a, a.generalises) for a in ctx.alignment if a.generalises]
    seen = {id(a) for a, _ in wider}
    wider += [(a, why) for a, why in _lab_population(ctx) if id(a) not in seen]
    listed = "; ".join(f'"{a.sentence}" ({why})' for a, why in wider[:3])
    return [
        result(
            "language.generalisation",
            "warning",
            [_sentence_span(ctx, a) for a, _ in wider],
            "No sentence claims more widely or more surely than the abstract.",
            f"Claims wider than the abstract: {listed}. Keep who was studied and how sure the "
            "abstract is.",
        )
    ]


def _main_units(ctx: CheckContext) -> list[str]:
    finding = main_finding(ctx.study)
    wanted = [_norm(t) for t in (finding.main_result, finding.claim_source) if t]
    return [u.id for u in units_of(ctx.study) if any(w and w in _norm(u.text) for w in wanted)]


def _conveyed(ctx: CheckContext, ids: list[str]) -> bool:
    """The aligner the other way round: is most of a main unit's content in the summary?"""
    said = [(a.section, a.sentence) for a in ctx.alignment if a.section in ERROR_SECTIONS]
    if not said:
        return False
    units = unit_map(ctx.study)
    reader = Aligner(said, ctx.study.abstract)
    return any(reader.support(units[i].text).score >= CONVEYED for i in ids)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def check_omission(ctx: CheckContext) -> list[CheckResult]:
    held = [a for a in ctx.alignment if a.status != "exempt"]
    traced = {i for a in held if a.status == "supported" for i in a.ids}
    problems: list[str] = []
    main = _main_units(ctx)
    if main and not traced & set(main) and not _conveyed(ctx, main):
        problems.append(f"the main result ({main[0]}) is in no sentence")
    harms = [u for u in units_of(ctx.study) if HARMS.search(u.text)]
    # The sections that tell the reader, not the title ("About Adverse Events" names a topic)
    # nor a term's explanation ("…damage from harmful forms of oxygen").
    prose = " ".join(
        s.text
        for _, text in ctx.sections(PROSE_SECTIONS[1:])
        for s in sentence_spans(text)
        if not is_definition(s.text)
    )
    # Said in so many words: a sentence that merely rests on the harms sentence for its other
    # content ("52 studies reported …") has not told the reader about harms.
    harms_missing = bool(harms) and not HARMS_SAID.search(prose)
    if harms_missing:
        problems.append(
            f'the harms it reports ({harms[0].id}: "{harms[0].text[:160]}") are not mentioned'
        )
    trial = ctx.profile.design in TRIALS
    # No span: what is missing is nowhere in the text to mark.
    return [
        CheckResult(
            id="content.omission",
            severity="error" if harms_missing and trial else "warning",
            passed=not problems,
            message="The main result and any harms the abstract reports are conveyed."
            if not problems
            else "The summary leaves out what the abstract reports: " + "; ".join(problems) + ".",
        )
    ]
