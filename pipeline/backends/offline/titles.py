"""The lines a reader meets first: the plain title, and the teaser (the site card's blurb).

The title names the topic in plain words, from the study's main finding and keywords; the
paper's own title is never reused (it goes to the "original study" line).

The teaser is composed from the draft itself.

It restates the Key Takeaway after "Study finds" (or the takeaway's own "A trial suggests…" as
"Study suggests…"), so it is as hedged and as grounded as the takeaway, with nothing new in it.
A takeaway too long for a card gives way to the title ("Learn how vitamin D may be linked…"),
then to the first topic. Words are lower-cased only where they are title case and not a name
the summary itself writes in capitals (MS, Vitamin D's "D", a drug's brand).
"""

from __future__ import annotations

import re

from pipeline.backends.offline.plain import hard_terms
from pipeline.backends.offline.topics import topic_and_outcome
from pipeline.backends.offline.wording import short_topic
from pipeline.house import House, condition_acronyms
from pipeline.profile import Finding
from pipeline.records import Study, StudyProfile
from pipeline.text import TITLE_SMALL_WORDS, acronyms, spelled_out, unknown_acronym, words

TEASER_CHARS = 110
_LEAD = re.compile(
    r"^(?:a|an|the|this|one|new)\s+(?:[\w-]+\s+)?(?:study|trial|review|analysis)\s+"
    r"(suggests|finds|found|shows|showed|reports)\s+(?:that\s+)?",
    re.IGNORECASE,
)
_QUESTION = ("how", "why", "what", "when", "which", "who", "whether")
# a takeaway that opens with a setting ("In mice, …") or speaks of the study itself does not
# follow "Study finds" well; the title says it better
_AWKWARD = re.compile(
    r"^(?:in|as|for|after|among|during|at|on|with|when|while|although)\b|\b(?:this|the) study\b",
    re.IGNORECASE,
)
# title words that are never names, whatever the summary capitalises
_TITLE_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "to",
        "for",
        "with",
        "about",
        "how",
        "why",
        "what",
        "may",
        "be",
        "can",
        "affect",
        "affects",
        "linked",
        "new",
        "study",
        "found",
        "shows",
        "help",
        "helps",
    ]
)


def compose_teaser(title: str, takeaway: str, topics: list[str], text: str) -> str:
    """At most TEASER_CHARS characters, one sentence, starting with a verb."""
    takeaway = " ".join(takeaway.split()).rstrip(" .")
    lead = _LEAD.match(takeaway)
    said: list[str] = []
    if lead:
        verb = {"found": "finds", "showed": "shows"}.get(lead[1].lower(), lead[1].lower())
        said = [f"Study {verb} {_lower_first(takeaway[lead.end() :], text)}."]
    elif takeaway and not _AWKWARD.search(takeaway):
        said = [f"Study finds {_lower_first(takeaway, text)}."]
    plain_title = _sentence_case(" ".join(title.split()).rstrip(" .?!"), text)
    titled = []
    if plain_title.split(" ", 1)[0].lower() in _QUESTION:
        titled.append(f"Learn {plain_title}.")
    elif plain_title:
        titled.append(f"Discover what a new study found: {plain_title}.")
    candidates = [*said, *titled]
    if topics:
        candidates.append(f"Learn what a new study found about {_sentence_case(topics[0], text)}.")
    candidates.append("Learn what a new study found.")
    return next(c for c in candidates if len(c) <= TEASER_CHARS)


def _capitalised_in(word: str, text: str) -> bool:
    """The summary writes this word capitalised somewhere other than a sentence's start."""
    for match in re.finditer(rf"\b{re.escape(word)}\b", text):
        before = text[: match.start()].rstrip()
        if before and before[-1] not in ".!?:":
            return True
    return False


def _lower_first(sentence: str, text: str) -> str:
    first, _, rest = sentence.partition(" ")
    if first[:1].isupper() and first[1:].islower() and not _capitalised_in(first, text):
        first = first.lower()
    return f"{first} {rest}".strip()


def _sentence_case(title: str, text: str) -> str:
    """A title-case line as running text: 'How Vitamin D May Be Linked' -> 'how vitamin D may
    be linked'; acronyms, single letters and names the summary capitalises stay."""
    return " ".join(
        "-".join(_lowered(part, text) for part in word.split("-")) for word in title.split()
    )


def _lowered(word: str, text: str) -> str:
    bare = word.strip("'\"(),:;")
    if bare.lower() in _TITLE_WORDS:
        return word.lower()
    title_case = len(bare) > 1 and bare[0].isupper() and bare[1:].replace("'s", "").islower()
    return word.lower() if title_case and not _capitalised_in(bare, text) else word


def title(study: Study, profile: StudyProfile, finding: Finding, house: House) -> str:
    """A plain line of at most the house's word limit: "How Vitamin D May Be Linked to
    Relapses in MS". Keywords name the topic; the finding's direction picks the shape."""
    limit = house.sections["title"].max_words or 12
    topic, outcome = topic_and_outcome(study, profile, finding, house)
    # A title cannot spell an acronym out: use the abstract's own words for it, or leave the
    # phrase out ("How ROP18 May Affect ROP5" named nothing a reader knows).
    known = {*house.plain_acronyms, *condition_acronyms()}
    spelled = acronyms(study.abstract)
    topic = spelled_out(topic, known, spelled) or short_topic(study, profile)
    outcome = spelled_out(outcome, known, spelled) if outcome else None
    if unknown_acronym(topic, known):
        topic = _where_words(profile)
    where = _where(profile, house)
    dirs = finding.directions
    if outcome and profile.is_intervention and "null" in dirs and not dirs - {"null", "link"}:
        shapes = [f"Did {topic} Change {outcome} {where}?", f"Did {topic} Help {where}?"]
    elif outcome and profile.is_intervention:
        shapes = [f"Can {topic} Help With {outcome} {where}?", f"Can {topic} Help {where}?"]
    elif outcome and "link" in dirs:
        shapes = [
            f"How {topic} May Be Linked to {outcome} {where}",
            f"{topic} and {outcome} {where}",
        ]
    elif outcome:
        shapes = [f"How {topic} May Affect {outcome} {where}", f"{topic} and {outcome} {where}"]
    else:
        shapes = [f"What a New Study Found About {topic} {where}", f"New Findings on {topic}"]
    names = {
        w.lower() for name in (*house.audience_names, *profile.conditions) for w in name.split()
    }
    # Plainer shapes last: the topic alone, then only who was studied.
    shapes += [f"New Findings on {topic} {where}", f"What a New Study Found {where}"]
    for shape in shapes:
        line = title_case(re.sub(r"\s+", " ", shape).strip())
        hard = [w for w in hard_terms(line.lower()) if w not in names]
        if len(words(line)) <= limit and not unknown_acronym(line, known) and len(hard) <= 1:
            return line
    return title_case(f"What a New Study Found {where}")


def _where_words(profile: StudyProfile) -> str:
    """What to call the study when its topic has no plain name."""
    return {"animals": "Animal Research", "cells": "Lab Research"}.get(
        profile.species, "Health Research"
    )


def title_case(line: str) -> str:
    out = []
    for i, word in enumerate(line.split()):
        bare = word.strip("?:,")
        if i and bare.lower() in TITLE_SMALL_WORDS and bare != "A":  # "Group A strep"
            out.append(word.lower())
        elif bare[:1].islower() and not re.search(r"[A-Z0-9]", bare):
            out.append(word[0].upper() + word[1:])
        else:
            out.append(word)
    return " ".join(out)


def _where(profile: StudyProfile, house: House) -> str:
    aud = house.audience
    if profile.species == "animals":
        kinds = " and ".join(a.capitalize() for a in profile.animals) or "Animals"
        return f"in {kinds}"
    if profile.species == "cells":
        return "in Lab-Grown Cells"
    if profile.studies_audience_condition:
        return f"in {aud}"
    others = [c for c in profile.conditions if c != aud]
    return f"in {others[0]} and {aud}" if others else f"and {aud}"
