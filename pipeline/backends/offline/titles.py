"""The teaser: the one-line card blurb of the reader's site, composed from the draft itself.

It restates the Key Takeaway after "Study finds" (or the takeaway's own "A trial suggests…" as
"Study suggests…"), so it is as hedged and as grounded as the takeaway, with nothing new in it.
A takeaway too long for a card gives way to the title ("Learn how vitamin D may be linked…"),
then to the first topic. Words are lower-cased only where they are title case and not a name
the summary itself writes in capitals (MS, Vitamin D's "D", a drug's brand).
"""

from __future__ import annotations

import re

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
