"""The embedded offline drafter: a deterministic backend that writes every house section by rule.

It is what runs on a fresh machine with no key. Plain template sentences carry the frame (who
was studied, how, what it means, the caveats); the abstract's own sentences, picked by role and
simplified by `plain.py`, carry the findings, so every number comes from the abstract.
Revise rounds tighten it: shorter sentences, fewer of them, and no sentence a check flagged.
"""

from __future__ import annotations

import re
import time

from pipeline.backends.base import DraftReply, DraftRequest
from pipeline.backends.offline.plain import (
    Sentence,
    acronyms,
    classify,
    explain_acronyms,
    simplify,
    split_long,
)
from pipeline.backends.offline.wording import (
    condition_acronyms,
    design_opening,
    interest_rating,
    population,
    takeaway_fallback,
    takeaway_subject,
    title_for,
    topic_phrase,
    topics_for,
    who_should_care,
)
from pipeline.house import House, load_house
from pipeline.records import DraftContent, Study, StudyProfile, Usage
from pipeline.settings import Settings
from pipeline.text import measure, number_values, words

OFFLINE_MODEL = "offline-rules-1"
_CERTAIN = re.compile(
    r"\b(shows?|showed|shown|demonstrates?|demonstrated|confirms?|confirmed)"
    r" that",
    re.I,
)
_HEDGED = {
    "show": "suggest",
    "shows": "suggests",
    "showed": "suggested",
    "shown": "suggested",
    "demonstrate": "suggest",
    "demonstrates": "suggests",
    "demonstrated": "suggested",
    "confirm": "suggest",
    "confirms": "suggests",
    "confirmed": "suggested",
}
_LIMITATION = re.compile(
    r"\b(needed|warranted|further (research|studies|work)|future "
    r"(research|studies)|remains? to be)\b",
    re.I,
)
_CLAIM = re.compile(
    r"\b(suggests?|indicates?|shows?|supports?|demonstrates?|reveals?|"
    r"showed|suggested|indicated|found)\s+that\s+(.*)",
    re.I,
)


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
    avoid = avoid or set()
    max_words = (24, 18, 14)[min(strictness, 2)]
    pool = _usable_sentences(study, house)
    expansions = acronyms(study.abstract)
    explained: set[str] = set()

    weak_design = profile.design.value not in house.certainty_strong_designs

    def plain(sentence: Sentence) -> list[str]:
        text = simplify(sentence.text, expansions, explained)
        if weak_design:  # only trials and reviews of trials may "show" things
            text = _CERTAIN.sub(lambda m: _HEDGED[m.group(1).lower()] + " that", text)
        pieces = split_long(text, max_words)
        return [p for p in pieces if not any(a and a in p for a in avoid)]

    topic = topic_phrase(study, profile)
    found = [design_opening(profile, study, topic)]
    # Each revise round lowers the bar a reused sentence must clear.
    max_grade = (99.0, 10.0, 8.5)[min(strictness, 2)]
    findings = _pick(pool, "results", 3 - min(strictness, 1), max_words, plain, max_grade) or _pick(
        pool, "results", 1, max_words, plain
    )  # a summary needs a finding
    objective = (
        _pick(pool, "objective", 1, max_words, plain, max_grade) if len(findings) < 3 else []
    )
    conclusion = _pick(pool, "conclusion", 1, max_words + 4, plain, max_grade)
    found += objective + findings + conclusion
    if len(found) < 4:
        found += _pick(pool, "methods", 4 - len(found), max_words, plain, max_grade)
    for fact in facts(study, profile):
        if len(found) >= 4:
            break
        found.insert(1, fact)

    known = {**condition_acronyms(), **expansions}
    takeaway, found_text, care, caveats = explain_acronyms(
        [
            _takeaway(study, profile, conclusion, topic),
            " ".join(found[:7]),
            " ".join(who_should_care(profile, topic, house)),
            " ".join(considerations(study, profile, house)),
        ],
        {a: p for a, p in known.items() if a not in house.plain_acronyms},
    )
    return DraftContent(
        title=title_for(study, profile, known, house),
        key_takeaway=takeaway,
        what_they_found=found_text,
        who_should_care=care,
        important_considerations=caveats,
        topics=topics_for(study, profile),
        interest=interest_rating(profile, house),
    )


def _usable_sentences(study: Study, house: House) -> list[Sentence]:
    """Abstract sentences safe to reuse: no instructions, links or overclaiming words."""
    keep = []
    for sentence in classify(study):
        if house.injection.search(sentence.text) or house.forbidden.search(sentence.text):
            continue
        keep.append(sentence)
    return keep


def _pick(
    pool: list[Sentence], role: str, count: int, max_words: int, plain, max_grade: float = 99.0
) -> list[str]:
    """Up to `count` sentences of a role: findings with numbers first, then the plainest."""
    if count <= 0:
        return []
    candidates = []
    for sentence in (s for s in pool if s.role == role):
        for piece in plain(sentence):
            n_words = len(words(piece))
            grade = measure(piece).fkgl
            if n_words < 5 or n_words > max_words + 6 or grade > max_grade:
                continue
            if role == "conclusion" and _LIMITATION.search(piece):
                continue
            score = grade - (2.0 if number_values(piece) else 0.0)
            candidates.append((score, sentence.position, piece))
    best = sorted(candidates)[:count]
    return [piece for _, _, piece in sorted(best, key=lambda c: c[1])]


def _takeaway(study: Study, profile: StudyProfile, conclusion: list[str], topic: str) -> str:
    subject = takeaway_subject(profile, study)
    if conclusion:
        text = conclusion[0].rstrip(".")
        claim = _CLAIM.search(text)
        clause = claim.group(2) if claim else text
        clause = clause[0].lower() + clause[1:] if clause[:2].istitle() else clause
        sentence = f"{subject} suggests that {clause}."
        if len(words(sentence)) <= 24 and measure(sentence).fkgl <= 10:
            return sentence
    return takeaway_fallback(profile, study)


def facts(study: Study, profile: StudyProfile) -> list[str]:
    """Short sentences built from the profile, for when the abstract has few plain ones."""
    out = []
    if profile.participants and float(profile.participants) in number_values(study.abstract):
        out.append(f"In all, {profile.participants:,} people took part.")
    if profile.evidence.get("followup_phrase"):
        out.append(f"The study lasted {profile.evidence['followup_phrase']}.")
    if profile.has_comparison and profile.is_intervention and profile.species == "people":
        out.append("The researchers compared people who got the treatment with people who did not.")
    if profile.species == "animals":
        out.append(
            f"The researchers compared {' and '.join(profile.animals) or 'animals'} that "
            "got the treatment with ones that did not."
        )
    out += [
        "The researchers then looked at what changed and what stayed the same.",
        "The team wrote up what they saw so others can check and build on it.",
        "The full details are in the original paper.",
    ]
    return out


def considerations(study: Study, profile: StudyProfile, house: House) -> list[str]:
    """The required caveats as sentences, in the house's order, advice to talk last."""
    grounded = number_values(study.abstract)
    fill = {
        "animals": " and ".join(profile.animals) or "animals",
        "condition": population(profile, with_count=False),
        "audience": house.audience,
        "participants": profile.participants or "",
        "followup": profile.evidence.get("followup_phrase", "a short time"),
    }
    out = []
    for cid in profile.required_caveats:
        sentence = house.caveats[cid].sentence
        if cid == "small_sample" and float(profile.participants or 0) not in grounded:
            sentence = re.sub(r",? with \{participants\} people", "", sentence)
        out.append(sentence.format(**fill))
    limits = house.sections["important_considerations"]
    while limits.max_sentences and len(out) > limits.max_sentences:
        # Join the two middle caveats so the last sentence stays the advice to talk to a doctor.
        first, second = out[-3], out[-2]
        out[-3:-1] = [first.rstrip(".") + ". Also, " + second[0].lower() + second[1:]]
        out[-3] = out[-3].replace(". Also, ", "; also, ")
    if len(out) < (limits.min_sentences or 0):
        out.insert(0, "This is one study, and other studies may find different results.")
    return out
