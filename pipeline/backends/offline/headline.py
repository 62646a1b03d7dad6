"""The Key Takeaway of an offline draft: one sentence that states the main finding, its
direction and the population, hedged to the design.

It is written from the study's main finding (`pipeline.profile.main_finding`), the same reading
the content checks hold every draft to, and picked by content.takeaway's own rule.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.backends.offline.compose import (
    BASE_FORMS,
    parse,
    plainer,
    sentence,
    trimmed,
)
from pipeline.backends.offline.plain import (
    LEAD,
    SHORTHAND,
    compressed,
    drop_opener,
    hard_terms,
    hedge_certainty,
    simplify,
)
from pipeline.backends.offline.topics import topic_and_outcome
from pipeline.backends.offline.wording import (
    UNNAMED_PEOPLE,
    plain_keywords,
    population,
    reusable,
)
from pipeline.checks import takeaway_problems
from pipeline.house import House, condition_acronyms
from pipeline.profile import Finding, claim_of, classify
from pipeline.records import Study, StudyProfile
from pipeline.text import (
    directions,
    is_verb_at,
    lowered_start,
    measure,
    mend_brackets,
    pasted,
    salient,
    sentence_problem,
    sentence_spans,
    unknown_acronym,
    without_hard_modifiers,
    words,
)

# Observational and early designs may not say that one thing changed another: say "may".
_LINKED = re.compile(
    r"\b(?:is|are|was|were)\s+(?:(?:strongly|closely|significantly|independently|positively|"
    r"negatively|inversely|consistently)\s+)?(?:associated|linked|correlated|related)\s+(?:with|to)\b",
    re.I,
)
# Verbs softened to "may <base form>" in a weak design's takeaway.
_SOFTENED = re.findall(
    r"\w+",
    """increased improved reduced decreased lowered raised prevented protected enhanced
promoted blocked caused produced slowed restored doubled worsened increases improves reduces
decreases prevents protects blocks causes promotes enhances drives""",
)
# Not after "is", "were", "been" ("is lowered") or another past verb ("revealed improved
# abundance"): there the word is a participle or an adjective, and "may" would break the grammar.
_VERB = re.compile(
    r"(?<=\w )(?<!may )(?<!not )(?<!is )(?<!are )(?<!was )(?<!were )(?<!be )(?<!been )(?<!ed )("
    + "|".join(_SOFTENED)
    + r")\b",
    re.I,
)
_CAN = re.compile(r"\b(can|could|will)\b", re.I)
_CUT = re.compile(r",?\s+(?:but|although|though|yet|whereas|while)\s+|;\s+|,\s+irrespective of\s+")
_POPULATION = re.compile(
    r"\b(people|patients|participants|adults|children|women|men|mice|rats|animals|cells|"
    r"persons|individuals|carriers|volunteers|cohort)\b",
    re.I,
)
MAX_TAKEAWAY_GRADE = 10.0
_DANGLING = re.compile(r"^(?:in [^,]+,\s+)?(?:this|these|those|such|it|they)\b", re.I)


def takeaway(
    study: Study,
    profile: StudyProfile,
    finding: Finding,
    house: House,
    expansions: dict[str, str],
    *,
    strictness: int = 0,
) -> str | None:
    """One sentence with the main finding, hedged to the design, naming the population: the
    plainest of the composed and extracted readings that fits the house's limits."""
    weak = profile.design.value not in house.certainty_strong_designs or profile.observational
    who = population(profile, with_count=False)
    names = (*house.audience_names, *profile.conditions)
    named_who = who if who != UNNAMED_PEOPLE else None
    candidates: list[tuple[float, str]] = []  # (penalty, sentence): composed ones first
    # The main result without its "Together, our data demonstrate that": the claim it makes.
    unframed = claim_of(finding.main_result) if finding.main_result else None
    for source in dict.fromkeys(t for t in (finding.claim, finding.main_result, unframed) if t):
        claim = parse(source)
        if claim:
            short = trimmed(claim)
            simpler = plainer(short)
            # The first of several outcomes: "fewer relapses" of "fewer relapses and fewer
            # new MRI lesions", when the whole list makes the headline too hard.
            first = replace(short, obj=re.split(r",\s+|\s+and\s+", short.obj)[0])
            penalties = {short: 0.0, claim: 0.0}
            penalties.setdefault(simpler, 0.5)
            penalties.setdefault(first, 0.5)
            # "in people with MS" for the claim's "in people with MS and moderate walking
            # impairment": the headline names who; What They Found keeps the detail.
            penalties.setdefault(replace(short, population=None), 0.5)
            for variant, penalty in penalties.items():
                for where in dict.fromkeys((named_who, None)):
                    composed = sentence(variant, hedge=weak, population=where, names=names)
                    candidates.append((penalty + (0.0 if where else 1.0), composed))
        for piece in _shorter(source):
            candidates.append((2.0, _with_population(_hedged(piece, weak), study, profile, house)))
        for piece in compressed(source):
            candidates.append((1.0, _with_population(_hedged(piece, weak), study, profile, house)))
    line = _plain_line(study, profile, finding, house, who)
    if line:
        # The plain composed line: last resort at first, first choice in a revise round.
        candidates.insert(0, (-1.0, line)) if strictness else candidates.append((1.0, line))
    known = {*expansions, *house.plain_acronyms, *condition_acronyms()}
    fitting: list[tuple[float, str]] = []  # within the house's grade limit, as checked
    others: list[tuple[float, str]] = []
    pointed = finding.directions & {"up", "down", "good", "bad", "null"}
    judged: dict[str, bool] = {}

    def states(text: str) -> bool:
        """content.takeaway passes it: judged once per text, though two passes ask."""
        if text not in judged:
            judged[text] = not takeaway_problems(study, text)
        return judged[text]

    for penalty, candidate in candidates:
        # Terms are explained in What They Found; a bracket here would break the 30 words.
        text = mend_brackets(simplify(candidate, expansions, set(), explain=False))
        if SHORTHAND.search(text) or not directions(text) or len(words(text)) > 30:
            continue
        if len(sentence_spans(text)) != 1 or sentence_problem(text):  # one whole sentence
            continue
        if not reusable(text, house) or (profile.observational and house.causal.search(text)):
            continue  # an overclaiming, causal or planted sentence is never the headline
        grade = measure(text).fkgl
        lighter = without_hard_modifiers(text)  # "Migratory monocytes…" -> "Monocytes…"
        if lighter != text and strictness and measure(lighter).fkgl < grade:
            text, grade = lighter, measure(lighter).fkgl
        score = grade + 0.5 * len(hard_terms(text)) + penalty
        if pasted(study.abstract, text):
            score += 3.0  # the abstract's own sentence: content.copied fails a pasted section
        if _DANGLING.match(text):
            score += 3.0  # "This same axis…": its referent is in a sentence the reader lacks
        if unknown_acronym(text, known):
            score += 3.0  # "CD4", "IBMPFD": a headline cannot spell it out
        if pointed and not directions(text) & pointed:
            score += 2.0  # "linked to relapse rate" where the finding says "fewer relapses"
        if score <= MAX_TAKEAWAY_GRADE and states(text):
            return text
        (fitting if round(grade, 1) <= MAX_TAKEAWAY_GRADE else others).append((score, text))
    # Within the grade limit first, then the plainest, of those content.takeaway passes (they
    # state the finding's subject and direction); none: the fallback tries other results.
    ranked = sorted(fitting) + sorted(others)
    return next((text for _, text in ranked if states(text)), None)


def _plain_line(
    study: Study, profile: StudyProfile, finding: Finding, house: House, who: str
) -> str | None:
    """ "Exercise may reduce fatigue in people with MS": topic, direction, outcome, population,
    when the finding itself names both the topic and the outcome."""
    topic, outcome = topic_and_outcome(study, profile, finding, house)
    said = finding.terms
    from_keywords = {k.lower() for k in plain_keywords(study, profile)}
    if not (outcome and salient(topic) & said and salient(outcome) & said):
        return None
    if topic.lower() not in from_keywords and outcome.lower() not in from_keywords:
        return None  # words guessed from the abstract are not sure enough to build a claim on
    verb = "may be linked to"
    if "null" in finding.directions and not finding.directions - {"null", "link"}:
        verb = "did not clearly change"
    elif profile.is_intervention and "down" in finding.directions:
        verb = "may reduce"
    elif profile.is_intervention and finding.directions & {"good", "up"}:
        verb = "may improve"
    elif finding.directions & {"up", "down", "good", "bad"}:
        return None  # "linked to relapse rate" would hide the finding's "fewer relapses"
    line = f"{topic} {verb} {outcome} in {who}."
    return line[0].upper() + line[1:]


def _shorter(text: str) -> list[str]:
    """The sentence, then its first clause when a "but"/"although" tail makes it too long."""
    out = [text]
    head = _CUT.split(text, maxsplit=1)[0].rstrip(" ,.")
    if head and head != text.rstrip("."):
        out.append(head + ".")
    return out


def _hedged(text: str, weak: bool) -> str:
    if not weak:
        return text
    text = hedge_certainty(text)
    text = _LINKED.sub("may be linked to", text)
    text = _CAN.sub("may", text)

    for match in _VERB.finditer(text):
        if is_verb_at(text, match.start(), match.end()):
            softened = "may " + BASE_FORMS[match.group(1).lower()]
            return text[: match.start()] + softened + text[match.end() :]
    return text


def _with_population(text: str, study: Study, profile: StudyProfile, house: House) -> str:
    text = drop_opener(text)
    names = [*house.audience_names, *profile.conditions]
    named = any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I) for n in names)
    if _POPULATION.search(text) or named or LEAD.match(text):
        return text  # it names who, or opens with its own setting ("In Homo sapiens, …")
    who = population(profile, with_count=False)
    if who == UNNAMED_PEOPLE:
        return text
    return f"In {who}, {lowered_start(text, study.abstract)}"


def fallback_takeaway(
    study: Study,
    profile: StudyProfile,
    house: House,
    finding: Finding,
    topic: str,
    outcome: str | None,
    expansions: dict[str, str],
) -> str:
    """When no reading of the finding fits: a line from the study's own keywords if it has
    them, else the claim itself, plainer but longer; last, a line that says no finding, which
    content.takeaway fails, so the draft goes to an editor marked as needing attention."""
    who = population(profile, with_count=False)
    lead = "" if who == UNNAMED_PEOPLE else f"In {who}, "  # "In people, …" tells no one anything
    keywords = {k.lower() for k in plain_keywords(study, profile)}
    if outcome and topic.lower() in keywords:
        null = "null" in finding.directions and not finding.directions - {"null", "link"}
        verb = "may help with" if profile.is_intervention else "may be linked to"
        subject = f"{lead}{topic}" if lead else topic[:1].upper() + topic[1:]
        return f"{subject} {'did not clearly change' if null else verb} {outcome}."
    usable = {s.text for s in usable_sentences(study, house)}
    weak = profile.design.value not in house.certainty_strong_designs
    known = {*expansions, *house.plain_acronyms, *condition_acronyms()}
    lines: list[tuple[float, str]] = []
    for source in (finding.claim_source, finding.main_result):
        # The claim itself, cut at its first clause, when it says which way the result went.
        if source and source in usable and directions(source):
            head = re.split(r",\s+(?:but|although|whereas|while)\s+|;\s+", source)[0].rstrip(".")
            line = simplify(
                f"{lead}{lowered_start(head, study.abstract)}." if lead else f"{head}.",
                expansions,
                set(),
                explain=False,
            )
            lines.append((0.0, hedge_certainty(line) if weak else line))
    # A supporting result stated plainly beats a line that says no finding.
    for source in (s for s in finding.supporting[:4] if s in usable):
        for piece in (*_shorter(source), *compressed(source)):
            line = _hedged(simplify(piece, expansions, set(), explain=False), weak)
            lines.append((1.0, _with_population(line, study, profile, house)))
    ranked = []
    for order, line in lines:
        line = mend_brackets(line)
        if len(words(line)) > 30 or SHORTHAND.search(line) or sentence_problem(line):
            continue
        if len(sentence_spans(line)) != 1:
            continue
        if not directions(line) or takeaway_problems(study, line):
            continue  # a background or methods sentence misleads more than a line saying none
        copied = pasted(study.abstract, line) or unknown_acronym(line, known)
        ranked.append((measure(line).fkgl + order + 3.0 * copied, line))
    if ranked:
        return min(ranked)[1]
    this = f"{lead}this" if lead else "This"
    return f"{this} study found early signs about {topic} that need more research."


def usable_sentences(study: Study, house: House):
    """Abstract sentences safe to reuse: no instructions, links or overclaiming words."""
    return [s for s in classify(study) if reusable(s.text, house)]
