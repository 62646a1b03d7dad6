"""What a study is about, in plain words: its topic (the exposure or treatment) and the outcome
it was linked to, from its keywords, its title, or, for an abstract with neither, its most
repeated content words that its finding also names. The title, the takeaway's plain line and
Who Should Care all name the study through these.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.backends.offline.compose import parse
from pipeline.backends.offline.plain import hard_terms
from pipeline.backends.offline.wording import (
    NO_TOPIC,
    lower_first,
    plain_keywords,
    short_topic,
)
from pipeline.house import House, condition_acronyms
from pipeline.profile import Finding
from pipeline.records import Study, StudyProfile
from pipeline.text import STOP, acronyms, names_a_thing, salient, spelled_out, stem, tokens


def topic_words(
    study: Study, profile: StudyProfile, finding: Finding, house: House
) -> tuple[str, str | None]:
    return topic_and_outcome(study, profile, finding, house)


_last: list = []  # [key, answer]: a draft and its revise rounds ask this several times


def topic_and_outcome(
    study: Study, profile: StudyProfile, finding: Finding, house: House
) -> tuple[str, str | None]:
    # By content, not identity alone: records are mutable, and a stale topic is a wrong title.
    key = (
        id(house),
        finding,
        study.title,
        study.abstract,
        tuple(study.keywords),
        profile.model_dump_json(),
    )
    if _last and _last[0] == key:
        return _last[1]
    answer = _topic_and_outcome_checked(study, profile, finding, house)
    _last[:] = [key, answer]
    return answer


def _topic_and_outcome_checked(
    study: Study, profile: StudyProfile, finding: Finding, house: House
) -> tuple[str, str | None]:
    topic, outcome = _topic_and_outcome(study, profile, finding, house)
    # Words the house never uses ("cure") never name what a study is about, and nor does a
    # word that cannot be a noun ("treated", "daily", "effective").
    if house.forbidden.search(topic) or not _nameable(topic):
        topic = NO_TOPIC  # then the fallbacks below, each held to the same rules
    if outcome and (house.forbidden.search(outcome) or not _nameable(outcome)):
        outcome = None
    # An acronym the abstract never spells out cannot name the topic anywhere in the draft:
    # the abstract's own words for it, else its plainest repeated phrase, else the condition.
    known = {*house.plain_acronyms, *condition_acronyms()}
    spelled = acronyms(study.abstract)
    plain_topic = spelled_out(topic, known, spelled)
    if not plain_topic or plain_topic == NO_TOPIC:
        claim = parse(finding.claim or "") or parse(finding.main_result or "")
        subject = _trim_words(claim.subject) if claim and len(claim.subject.split()) <= 4 else ""
        fallbacks = [
            *key_phrases(study, finding),
            short_topic(study, profile),
            lower_first(subject) if subject and len(hard_terms(subject.lower())) <= 1 else "",
            _object_phrase(finding) or "",
            *key_phrases(study, finding, said_only=False),  # what the abstract keeps naming
        ]
        plain_topic = next(
            (
                p
                for p in (spelled_out(f, known, spelled) for f in fallbacks)
                if p and p != NO_TOPIC and not house.forbidden.search(p) and _nameable(p)
            ),
            None,
        ) or (profile.conditions[0] if profile.conditions else NO_TOPIC)
    outcome = spelled_out(outcome, known, spelled) if outcome else None
    if outcome and _same_subject(outcome, plain_topic):
        outcome = None  # "Can Fatigue Help with Fatigue?", "How Relapses … Linked to Relapse"
    return _countable(plain_topic), outcome


def _same_subject(one: str, other: str) -> bool:
    """By content stems, not spelling: "relapses" and "relapse rate" name one thing."""
    a, b = salient(one), salient(other)
    return a <= b or b <= a


# Things one counts: a topic that ends on one reads wrong bare in every template ("curious
# about smartphone app", "a trial of smartphone app"); as a kind, plural, it reads right.
_COUNT_NOUN = re.compile(
    r"app|device|vest|tool|game|robot|wearable|program(?:me)?|tracker|sensor|headset|glove|"
    r"splint|brace|orthosis|implant|pump",
    re.I,
)


def _countable(topic: str) -> str:
    head = topic.rsplit(" ", 1)[-1]
    return topic + "s" if _COUNT_NOUN.fullmatch(head) else topic


def _topic_and_outcome(
    study: Study, profile: StudyProfile, finding: Finding, house: House
) -> tuple[str, str | None]:
    """The exposure or treatment, and the outcome it was linked to, as plain keyword phrases:
    keywords the finding mentions first, codes and design words left out."""
    conditions = {c.lower() for c in profile.conditions} | {"multiple sclerosis", "ms"}
    candidates = [
        k
        for k in plain_keywords(study, profile)
        if k.lower() not in conditions
        and len(k.split()) <= 4
        and not re.search(r"[A-Z]{2}|\d", k)
        and not re.search(r"\b(study|trial|review|analysis|cohort|design|survey)\b", k, re.I)
        and len(hard_terms(k.lower())) <= 1
        and not house.forbidden.search(k)  # a keyword such as "cure" never names the topic
    ]
    text = " ".join(t for t in (finding.claim, finding.main_result) if t).lower()
    treatment: list[str] = []
    # Lab studies test treatments too: "Oral treatment with a thyroid hormone receptor-beta
    # agonist promotes remyelination…" is about the treatment, not the spinal cord it studied.
    lab_treatment = profile.species in ("animals", "cells") and _TREATMENT.search(study.title)
    if profile.is_intervention or lab_treatment:
        # The paper's title usually names the treatment first: "Aerobic training for fatigue…"
        tested = _TITLE_CLAUSE.split(study.title)[0]
        treatment = [k for k in candidates if any(w in tested.lower() for w in k.lower().split())]
        if not treatment:
            named = _tested_phrase(tested)
            treatment = [named] if named else []
    if lab_treatment and not profile.is_intervention and treatment:
        # A lab compound's long name would fill every sentence; it is "the treatment" there.
        treatment = ["the treatment"] if len(treatment[0].split()) > 2 else treatment
    rest = [k for k in candidates if k not in treatment]
    authors = {k.lower() for k in study.keywords}
    mentioned = sorted(
        (k for k in rest if salient(k) & finding.terms),
        key=lambda k: (
            k.lower() not in authors,  # the authors' keywords before MeSH's indexing terms
            len(hard_terms(k.lower())),
            min((text.find(w.lower()) % 10_000 for w in k.split()), default=0),
        ),
    )
    ordered = treatment[:1] + mentioned + [k for k in rest if k not in mentioned]
    if not ordered:
        phrases = key_phrases(study, finding)
        if phrases:
            return phrases[0], (phrases[1] if len(phrases) > 1 else _object_phrase(finding))
        claim = parse(finding.claim or "") or parse(finding.main_result or "")
        subject = claim.subject.split() if claim else []
        if claim and (
            len(subject) == 1 or (len(subject) <= 3 and not hard_terms(claim.subject.lower()))
        ):
            return lower_first(_trim_words(claim.subject)), _object_phrase(finding)
        return (lower_first(short_topic(study, profile)), _object_phrase(finding))
    topic = ordered[0]
    outcome = next((k for k in ordered[1:] if not salient(k) & salient(topic)), None)
    if outcome is None:
        outcome = _object_phrase(finding)
    return lower_first(topic), (lower_first(outcome) if outcome else None)


_TREATMENT = re.compile(
    r"\b(?:treat(?:ed|ment)|therapy|drug|agonist|antagonist|inhibitor|vaccine)\b", re.I
)
_TITLE_CLAUSE = re.compile(
    r"\s+for\s+|:\s+|\s+in (?:people|patients|adults)\b|\s+(?:promotes?|reduces?|improves?|"
    r"increases?|prevents?|protects?|enhances?|restores?|drives?|blocks?)\s+",
    re.I,
)
_GENERIC = (
    "people patients participants adults children women men mice rats animals cells humans "
    "subjects individuals controls trials studies review reviews authors evidence hours weeks "
    "months years days conducted small large short-term long-term average conditions outcome "
    "outcomes treatment treatments therapy effect effects risk rates quality certainty "
    "moderate included including compared versus control placebo serum oral small total "
    "primary secondary main measure measures proportion share percentage group groups "
    "cell tissue protein gene genes model models level levels type types"
)
_PEOPLE = frozenset(_GENERIC.split())
# Nouns too vague to be a topic on their own ("What a New Study Found About Function"); in a
# pair they still name something ("heart disease", "nerve function").
_VAGUE_WORDS = (
    "disease diseases function functions care benefit benefits development reporting process "
    "processes role roles response responses factor factors clinicians patients research "
    "data result results change changes number numbers time times term terms use value "
    "values system systems area areas part parts way ways form forms kind kinds set sets "
    "using including following according comparing regarding concerning health outcome "
    "outcomes effect effects level levels"
)
_VAGUE = frozenset(_VAGUE_WORDS.split())


_DESIGN_WORDS = re.compile(
    r"\b(study|studies|trial|trials|review|reviews|analysis|cohort|design|survey)\b", re.I
)


def _nameable(phrase: str) -> bool:
    """A phrase that can name what a study is about: a noun at its end, not a vague one alone,
    and not the study itself ("one randomised trial", "comparative studies")."""
    if _DESIGN_WORDS.search(phrase) or (len(phrase.split()) == 1 and phrase.lower() in _VAGUE):
        return False
    if _BROKEN_PHRASE.search(phrase):
        return False  # "right-", "Brown Brown", "the in": pieces of a sentence, not a name
    return names_a_thing(phrase)


_BROKEN_PHRASE = re.compile(
    r"-(?:\s|$)|\b(\w+)\s+\1\b|^(?:the|a|an|of|in|on|and|or|to|for|with|by|at)\b", re.I
)
# "vitamin D", "type 2", "factor VIII": a word and the letter or number that completes it.
_COMPLETED = re.compile(r"\b([A-Za-z]{3,})\s+([A-Z]|[IVX]{1,4}|\d{1,2})(?![\w-])")


def _completed(abstract: str) -> dict[str, str]:
    """Words the abstract nearly always completes with a letter or number, with that name."""
    seen: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    for match in _COMPLETED.finditer(abstract):
        word = match.group(1).lower()
        seen[word] += 1
        names.setdefault(word, Counter())[f"{match.group(1)} {match.group(2)}"] += 1
    out = {}
    for word, n in seen.items():
        total = len(re.findall(rf"\b{re.escape(word)}\b", abstract, re.I))
        if n * 2 > total:
            out[word] = names[word].most_common(1)[0][0]
    return out


def key_phrases(study: Study, finding: Finding, *, said_only: bool = True) -> list[str]:
    """What the abstract is about when it has no usable keywords: its most repeated content
    words and word pairs that its finding also names, most repeated first ("myosin", "ketamine")."""
    found = [w for w in tokens(study.abstract)]
    lower = [w.lower() for w in found]
    content = [
        (len(w) >= 4 and w not in STOP and w not in _PEOPLE and not hard_terms(w)) or w.isupper()
        for w in lower
    ]
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for i, word in enumerate(lower):
        if not content[i]:
            continue
        counts[word] += 1
        surface.setdefault(word, found[i])
        if i + 1 < len(lower) and content[i + 1]:
            pair = f"{word} {lower[i + 1]}"
            counts[pair] += 1.5  # a repeated pair names a thing better than either word
            surface.setdefault(pair, f"{found[i]} {found[i + 1]}")
    said = finding.terms
    ranked = [
        phrase
        for phrase, n in counts.most_common(40)
        if n >= 2
        and _nameable(surface[phrase])
        and (not said_only or all(stem(w) in said or w.isupper() for w in phrase.split()))
    ]
    out: list[str] = []
    completed = _completed(study.abstract)
    for phrase in ranked:
        if not any(set(phrase.split()) & set(kept.lower().split()) for kept in out):
            name = completed.get(phrase, surface[phrase]) if " " not in phrase else surface[phrase]
            out.append(lower_first(name))
        if len(out) == 2:
            break
    return out


def _tested_phrase(tested: str) -> str | None:
    """The treatment a trial's title names before "for": "supervised recumbent cycling";
    "fampridine" from "Prolonged-release fampridine" when the modifiers are hard words."""
    lead = r"^(?:the\s+)?(?:effects?|efficacy|safety|impact|feasibility) of\s+"
    phrase = re.sub(lead, "", tested, flags=re.I).strip()
    found = phrase.split()
    if not 1 <= len(found) <= 4 or re.search(r"[A-Z]{2}|\d", phrase):
        return None
    if len(hard_terms(phrase.lower())) > 1:
        phrase = found[-1]
    return phrase if len(hard_terms(phrase.lower())) <= 1 else None


def _trim_words(phrase: str) -> str:
    return re.sub(
        r"^(?:the|a|an|higher|lower|high|low|more|less|raised|poor|better)\s+",
        "",
        phrase,
        flags=re.I,
    )


def _object_phrase(finding: Finding) -> str | None:
    """What the claim says the topic was linked to: "fewer relapses" in "... were associated
    with fewer relapses and ...", cut to a short plain phrase."""
    claim = finding.claim or ""
    match = re.search(
        r"\b(?:associated with|linked to|related to|reduced|improved|increased|decreased|"
        r"predicted|affects?|influences?)\s+(?:the\s+)?([a-z][a-z -]{3,40}?)(?=[,.;]|\s+(?:and|in|"
        r"but|among|after|at|over|compared|than|by|without)\b|$)",
        claim,
    )
    if not match:
        return None
    phrase = re.sub(r"^(more|less|higher|lower|greater|fewer|better|worse)\s+", "", match.group(1))
    phrase = phrase.strip()
    if len(phrase.split()) > 4 or hard_terms(phrase) or len(phrase) < 4:
        return None
    return phrase
