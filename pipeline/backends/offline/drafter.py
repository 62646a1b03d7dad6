"""The embedded offline drafter: a deterministic backend that writes every house section by rule.

It is what runs on a fresh machine with no key. It writes from the study's main finding (the
same reading the content checks use): the Key Takeaway states it, hedged to the design; What
They Found leads with the main result, then who was studied and one or two supporting
results, statistics turned into words or dropped, terms explained on first use, at most one
everyday analogy; Who Should Care says why this study's subject matters (`care.py`); Important
Considerations carries the required caveats. Every number comes from the abstract's own
sentences. Revise rounds tighten it: shorter sentences, fewer of them, and none a check flagged.
"""

from __future__ import annotations

import re
import time

from pipeline.backends.base import DraftReply, DraftRequest
from pipeline.backends.offline.care import who_should_care
from pipeline.backends.offline.compose import (
    parse,
    plainer,
    results_in_words,
    stated_limit,
    trimmed,
)
from pipeline.backends.offline.compose import sentence as compose
from pipeline.backends.offline.headline import (
    fallback_takeaway,
    takeaway,
    usable_sentences,
)
from pipeline.backends.offline.plain import (
    SHORTHAND,
    compressed,
    explain_acronyms,
    explain_terms,
    hard_terms,
    hedge_certainty,
    shown,
    simplify,
    split_long,
)
from pipeline.backends.offline.titles import compose_teaser, title
from pipeline.backends.offline.topics import topic_words
from pipeline.backends.offline.wording import (
    considerations,
    design_opening,
    interest_rating,
    population,
    topics_for,
)
from pipeline.checks import HARMS
from pipeline.house import House, condition_acronyms, load_house
from pipeline.profile import Finding, classify, main_finding
from pipeline.records import DraftContent, Study, StudyProfile, Usage
from pipeline.settings import Settings
from pipeline.text import (
    acronyms,
    analogies,
    bracketed,
    lowered_start,
    measure,
    mend_brackets,
    number_values,
    restates,
    sentence_problem,
    sentence_spans,
    unknown_acronym,
    without_hard_modifiers,
    words,
)

OFFLINE_MODEL = "offline-rules-1"
_NOTHING = 99.0  # the grade of a sentence that left no usable piece


class OfflineBackend:
    name = "offline"
    model = OFFLINE_MODEL
    offline = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.house = load_house(settings)

    def complete(self, request: DraftRequest) -> DraftReply:
        started = time.perf_counter()
        flagged = {span.text for check in request.failures for span in check.spans}
        content = draft_offline(
            request.study, request.profile, self.house, strictness=request.round, avoid=flagged
        )
        usage = Usage(latency_ms=(time.perf_counter() - started) * 1000)
        return DraftReply(content=content, usage=usage, model=OFFLINE_MODEL)

    async def acomplete(self, request: DraftRequest) -> DraftReply:
        return self.complete(request)  # pure CPU and fast: nothing to wait on


def draft_offline(
    study: Study,
    profile: StudyProfile,
    house: House,
    *,
    strictness: int = 0,
    avoid: set[str] | None = None,
) -> DraftContent:
    finding = main_finding(study)
    expansions = {
        a: p for a, p in acronyms(study.abstract).items() if a not in house.plain_acronyms
    }
    topic, outcome = topic_words(study, profile, finding, house)
    headline = takeaway(study, profile, finding, house, expansions, strictness=strictness)
    headline = headline or fallback_takeaway(
        study, profile, house, finding, topic, outcome, expansions
    )
    found = _what_they_found(
        study, profile, finding, house, expansions, strictness, avoid or set(), headline
    )
    care = who_should_care(
        study, profile, topic, outcome, house.audience, " ".join([finding.quote, *found[:2]])
    )
    known = {**condition_acronyms(), **expansions}
    limit = stated_limit(finding.claim_source or "")  # "although most did not respond"
    sections = explain_acronyms(
        [
            headline,
            " ".join(found),
            " ".join(care),
            " ".join(considerations(study, profile, house, limit)),
        ],
        {a: p for a, p in known.items() if a not in house.plain_acronyms},
    )
    headline_title, topics = title(study, profile, finding, house), topics_for(study, profile)
    return DraftContent(
        title=headline_title,
        key_takeaway=sections[0],
        what_they_found=sections[1],
        who_should_care=sections[2],
        important_considerations=sections[3],
        topics=topics,
        teaser=compose_teaser(headline_title, sections[0], topics, " ".join(sections)),
        interest=interest_rating(profile, house),
    )


def _what_they_found(
    study: Study,
    profile: StudyProfile,
    finding: Finding,
    house: House,
    expansions: dict[str, str],
    strictness: int,
    avoid: set[str],
    headline: str,
) -> list[str]:
    """The main result first, then who was studied, then supporting results; at most one
    analogy; four to seven sentences, none of them filler. A composed sentence that only says
    the headline again is not used while the sentence as written leaves anything usable."""
    max_words = (24, 18, 14)[min(strictness, 2)]
    max_grade = (11.0, 10.0, 8.5)[min(strictness, 2)]
    usable = {s.text for s in usable_sentences(study, house)}
    explained: set[str] = set()
    weak = profile.design.value not in house.certainty_strong_designs

    names = (*house.audience_names, *profile.conditions)
    known = {*expansions, *house.plain_acronyms, *condition_acronyms()}

    def plain(sentence: str | None, limit: int) -> list[str]:
        if not sentence or sentence not in usable:
            return []
        sentence = results_in_words(sentence, study.abstract)
        claim = parse(sentence)
        chosen, best = sentence, _grade(_plain_pieces(sentence, set(explained)))
        if claim:
            # Its claim in our own words, and again without hard adjectives, when that reads
            # clearly easier: a shorter sentence loses detail, so it must earn its place.
            short = trimmed(claim)
            for variant in (short, plainer(short)):
                text = compose(variant, hedge=weak, population=None, names=names)
                grade = _grade(_plain_pieces(text, set(explained)))
                adds = best == _NOTHING or not restates(text, headline)
                if grade < best - (0.0 if strictness else 0.75) and adds:
                    chosen, best = text, grade
        return _plain_pieces(chosen, explained)[:limit]

    def _plain_pieces(sentence: str, explained: set[str] = explained) -> list[str]:
        # Cut and judged bare; terms explained only in the pieces kept, so a dropped piece
        # never takes a term's only explanation with it, and brackets never decide a cut.
        trial = set(explained)
        text = _hedge(simplify(sentence, expansions, trial, explain=False), weak)
        pieces = []
        for piece in split_long(text, max_words):
            if len(words(piece)) > max_words:
                # Lose a setting, aside or trailing clause before losing the sentence.
                # The first reading within the grade limit, else the plainest that fits.
                fits = [c for c in compressed(piece) if len(words(c)) <= max_words]
                plainest = min(fits, key=lambda c: measure(c).fkgl, default=piece)
                piece = next((c for c in fits if measure(c).fkgl <= max_grade), plainest)
            if strictness and measure(piece).fkgl > max_grade:
                piece = without_hard_modifiers(piece)  # "potent", "migratory" qualify only
            piece = mend_brackets(piece)  # a cut inside "(33% v. 9%." keeps what precedes it
            n_words = len(words(piece))
            if (
                sentence_problem(piece)
                or SHORTHAND.search(piece)
                or unknown_acronym(piece, known)
                or any(a and a in piece for a in avoid)
                or n_words < 5
                or n_words > max_words + 10
                or len(hard_terms(piece)) > 4 - min(strictness, 2)
                or measure(piece).fkgl > max_grade + 3
                or (profile.observational and house.causal.search(piece))
            ):
                continue
            pieces.append(piece)
        explained |= shown(trial - explained, " ".join(pieces))
        return [explain_terms(piece, explained) for piece in pieces]

    main = plain(finding.main_result, 2)
    claim_used = not main
    main = main or plain(finding.claim_source, 1)
    context = [_context(study, profile, topic_words(study, profile, finding, house)[0])]
    if main and restates(context[0], headline):
        context = []  # "Researchers studied X in mice." when the headline opens "In mice, …"
    support: list[str] = []
    # What harms a trial saw goes in: a reader weighing a treatment asks it first, and
    # content.omission fails a trial summary without it.
    harms = [s for s in finding.supporting if HARMS.search(s)] if profile.is_intervention else []
    for sentence in dict.fromkeys([*harms[:1], *finding.supporting]):
        if len(main) + len(support) >= 4 - min(strictness, 1):
            break
        support += [p for p in plain(sentence, 1) if p not in main]
    found = [*main[:1], *context, *main[1:], *support]
    claim = finding.claim_source
    if not claim_used and claim != finding.main_result:
        # What the results add up to, in the authors' words made plain: the section is read
        # for the finding, and the result sentences alone rarely say it.
        concluded = [
            f"The researchers concluded that {lowered_start(p, study.abstract)}"
            for p in plain(finding.claim_source, 1)
        ]
        found = [*found[:6], *concluded] if len(found) >= 4 else [*found, *concluded]
    if len(found) < 4:
        methods = [s.text for s in classify(study) if s.role == "methods"]
        for sentence in methods:
            found += plain(sentence, 1)
            if len(found) >= 4:
                break
    if (
        len(found) < 4
        and profile.participants
        and float(profile.participants) in number_values(study.abstract)
        and not any(float(profile.participants) in number_values(s) for s in found)
    ):  # "Researchers followed 1,112 people…" already says it
        found.append(f"In all, {profile.participants:,} people took part.")
    if len(found) < 4:
        # A hard abstract: a longer or harder result beats a section too short to inform;
        # then, for a review or an abstract with few results, what else it states (its
        # conclusions and findings of fact, in order; never its aims).
        rest = [
            s.text
            for s in classify(study)
            if s.role in ("conclusion", "background") and s.text not in finding.supporting
        ]
        for sentence in (*finding.supporting, *rest):
            if sentence in usable and len(found) < 4:
                text = _hedge(simplify(sentence, expansions, explained), weak)
                piece = mend_brackets(split_long(text, max_words + 6)[0])
                fits = not SHORTHAND.search(piece) and not unknown_acronym(piece, known)
                fits = fits and not sentence_problem(piece)
                fits = fits and not (profile.observational and house.causal.search(piece))
                if fits and piece not in found and len(words(piece)) >= 5:
                    found.append(piece)
    seen: set[str] = set()
    unique = []
    for sentence in found:  # the same result reached twice (a support sentence, the claim)
        # explanations first (in brackets, or the sentences after the piece), then punctuation
        bare = re.sub(r"\([^()]*\)", " ", sentence_spans(sentence)[0].text)
        key = " ".join(re.sub(r"\W+", " ", bare).lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(sentence)
    return _with_analogy(unique[:7])


def _hedge(text: str, weak: bool) -> str:
    """Only trials and reviews of trials may "show" things; other designs "suggest" them."""
    return hedge_certainty(text) if weak else text


def _grade(pieces: list[str]) -> float:
    return sum(measure(p).fkgl for p in pieces) / len(pieces) if pieces else _NOTHING


def _context(study: Study, profile: StudyProfile, topic: str) -> str:
    """Who was studied, and how, in one plain sentence."""
    sentence = design_opening(profile, study, topic)
    count = profile.participants
    if count and float(count) in number_values(study.abstract) and profile.species == "people":
        with_count = population(profile, with_count=True)
        sentence = sentence.replace(population(profile, with_count=False), with_count, 1)
    return sentence


def _with_analogy(found: list[str]) -> list[str]:
    """One everyday comparison, after the first sentence that names its concept; at most seven
    sentences in all, counting the explanations some pieces carry as sentences of their own."""
    while len(found) > 4 and sum(len(sentence_spans(p)) for p in found) > 7:
        found = found[:-1]
    for i in reversed(range(len(found))):  # still too many: explanations back in brackets
        if sum(len(sentence_spans(p)) for p in found) > 7:
            found[i] = bracketed(found[i])
    if sum(len(sentence_spans(p)) for p in found) >= 7:
        return found
    for i, sentence in enumerate(found):
        for analogy in analogies():
            if analogy.pattern.search(sentence):
                return [*found[: i + 1], analogy.text, *found[i + 1 :]]
    return found
