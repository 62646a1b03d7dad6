"""What a sentence offered as a finding actually states. A Key Takeaway (or any headline line)
can name its topic, ask the study's question, say that something was found without saying
what, or say what is still unknown: none of those is a finding, though each passes a form check.

`statement_problem` says which, from the words alone; `checks.content` adds what needs the
study (does the line share a subject with the abstract's finding?), and the offline drafter
picks its headline by the same rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.text.readability import sentence_spans
from pipeline.text.terms import directions

# A takeaway that only names its topic: "A study in people with MS looked at vitamin D."
TOPIC_ONLY = re.compile(
    r"\b(looked (at|into)|look(s)? at|examined|examines|investigated|investigates|explored|"
    r"explores|studied|studies|assessed|evaluated|focus(es|ed)? on|is about|was about|"
    r"asked (whether|if)|tested (whether|if)|set out to)\b",
    re.I,
)
# A takeaway that asks instead of answering: "The researchers asked whether vitamin D…".
QUESTION = re.compile(
    r"\b(asked|tested|looked at|examined|explored|studied) (whether|if)\b|\?\s*$", re.I
)
# Words that state an outcome; a "looked at X" sentence without one only names its topic,
# even when the topic holds a direction word ("looked at weight gain").
FOUND = re.compile(
    r"\b(found|finds|showed|shows|shown|suggest(s|ed)?|may|might|was|were|is|are|had|has|"
    r"did|does|linked|tied|reduced|increased|decreased|lowered|raised|improved|worsened|"
    r"helped|led|caused|changed|differed|rose|fell|doubled|halved|revealed|identified|"
    r"discovered|uncovered)\b",
    re.I,
)
# A takeaway that says a finding exists without saying it: "found early signs about X",
# "sheds light on X", "adds to what we know about X".
VAGUE = re.compile(
    r"\b(?:found|finds|gives?|gave|offers?|offered|provides?|provided|brings?|gained|yields?)\s+"
    r"(?:(?:some|early|new|first|useful|important|more|fresh|key)\s+){0,2}(?:signs?|clues?|"
    r"insights?|hints?|information|knowledge|light|understanding|results?|findings?|data)\s+"
    r"(?:about|on|into|of|for)\b|\bsheds?\s+(?:(?:new|some|more)\s+)?light\s+on\b|"
    r"\badds?\s+to\s+what\s+(?:we|is)\s+know",
    re.I,
)
# "…that need more research": the call for more work, whose "more" is no result.
MORE_WORK = re.compile(
    r"\b(?:(?:that|which)\s+)?(?:needs?|requires?|calls?\s+for|warrants?)\s+(?:more|further)\s+"
    r"(?:research|study|studies|work|trials?)\b|\b(?:more|further)\s+(?:research|studies|work|"
    r"trials?)\s+(?:is|are)\s+(?:needed|required|warranted)\b",
    re.I,
)
# What is not yet known or was not reported, said instead of a finding: "Further studies are
# needed to…", "X was not reported", "…is poorly understood", "…remains unclear".
UNKNOWN = re.compile(
    r"\b(?:more|further|larger|future|additional)\s+(?:\w+\s+)?(?:research|studies|trials?|work)\s+"
    r"(?:is|are|will be)\s+(?:needed|required|warranted|necessary)\b|\b(?:was|were|is|are|has|"
    r"have)\s+not\s+(?:been\s+)?(?:formally\s+|adequately\s+|yet\s+)?(?:reported|measured|"
    r"calculated|addressed|looked at|studied|examined)\b|\b(?:is|are|remains?)\s+(?:still\s+)?"
    r"(?:poorly|not well|incompletely|not fully)\s+understood\b|\bremains?\s+(?:unclear|unknown|"
    r"elusive|to be (?:determined|established|shown))\b|\bdid not (?:provide|report)\b",
    re.I,
)

# A sentence that explains a term rather than reporting anything: "Lesion means damaged or
# scarred tissue." (the offline drafter's explanation after a long sentence), "A relapse is
# when…". `group(1)` is the term.
DEFINITION = re.compile(
    r"(?:^|[.!?]\s+)(?:an?\s+|the\s+)?([A-Za-z][\w -]{1,60}?)\s+(?:means|refers to|is when)\s", re.I
)


def is_definition(sentence: str) -> bool:
    """The sentence explains a term ("X means …") and reports no finding."""
    return bool(DEFINITION.match(sentence.strip()))


def statement_problem(text: str, *, names_finding: bool) -> str | None:
    """Why `text` states no finding, or None when it does. `names_finding`: it shares terms with
    the study's finding (a "looked at X" line may then still state a result: "…and found…")."""
    if not directions(MORE_WORK.sub(" ", text)):
        return (
            "it names a topic but no result (no direction: higher, lower, linked to, "
            "improved, did not change…)"
        )
    if VAGUE.search(text):
        return "it says the study found something, not what it found"
    if UNKNOWN.search(text):
        return "it says what is not yet known or was not reported, not what was found"
    if QUESTION.search(text):
        return "it asks what the study asked instead of saying what it found"
    if TOPIC_ONLY.search(text) and (
        not names_finding or not FOUND.search(TOPIC_ONLY.sub(" ", text))
    ):
        return "it says what was studied, not what was found"
    return None


def bracketed(piece: str) -> str:
    """A sentence followed by explanation sentences ("…fewer relapses. Relapse means when
    symptoms flare up.") as one sentence with each explanation in brackets after its term:
    the shorter form, for a section that would otherwise hold too many sentences."""
    parts = [s.text for s in sentence_spans(piece)]
    host, rest = parts[0], []
    for part in parts[1:]:
        match = DEFINITION.match(part)
        term = match.group(1) if match else ""
        meaning = part[match.end() :].rstrip(" .") if match else ""
        used = re.search(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", host, re.I)
        if term.lower().endswith("y") and not used:
            used = re.search(rf"(?<![\w-]){re.escape(term[:-1])}ies(?![\w-])", host, re.I)
        if used and meaning:
            host = f"{host[: used.end()]} ({meaning}){host[used.end() :]}"
        else:
            rest.append(part)
    return " ".join([host, *rest])


# The verbs a draft softens to "may <verb>": after an article or a copula they are a slip.
_SOFT_VERBS = (
    "increase|reduce|decrease|lower|raise|improve|prevent|protect|block|cause|produce|slow|"
    "restore|boost|help|predict|worsen|delay|drive|double|affect|enhance|promote"
)
BROKEN: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "it ends on a word that needs more after it",
        # Lower-case only: "…evidence about Strep A." ends on a name. Not "with", "to",
        # "for": "what a treatment is compared with." is whole.
        re.compile(r"\b(?:the|a|an|of|and|or|than|may|not only|such as|including)\s*[.!?]$"),
    ),
    # Case-sensitive "may": "the May 2020 visit" is a month.
    (
        '"may" where no verb can follow',
        re.compile(
            r"(?:\b(?:an?|the|is|are|was|were|been|of|to|at|in|on|for|with|by|from|found|"
            r"showed|shows|revealed|observed|reported)|^(?:An?|The))\s+(?:[a-z]+ly\s+)?may\b"
        ),
    ),
    (
        "two verbs in a row",
        re.compile(rf"\bmay (?:{_SOFT_VERBS}) (?:include|includes|were|was|are|is)\b", re.I),
    ),
    # "Dronedarone was linked to well tolerated.": a link needs a thing at its other end.
    (
        "a link to a description, not a thing",
        re.compile(
            r"\b(?:linked|related|associated|tied) (?:to|with) (?:\w+ly |well |more |less )?"
            r"(?:effective|safe|tolerated|feasible|acceptable|beneficial|useful)\s*[.!?,;]",
            re.I,
        ),
    ),
    ("it is a fragment", re.compile(r"^(?:In [^,]{1,80}, )?[^\s,]{1,4}[.!?]?$")),
    # "…suggests an important.": a modifier whose noun was cut off.
    (
        "it ends on a word that needs a noun after it",
        re.compile(
            r"\b(?:an?|the)\s+(?:important|key|critical|central|crucial|major|possible|"
            r"potential|novel|new|similar|previously|specific|significant)\s*[.!?]$"
        ),
    ),
    # "While IFN-g treatment of liver cells activates autophagy.": no main clause follows.
    (
        "it is only the opening part of a sentence",
        re.compile(
            r"^(?:In [^,]{1,80}, )?"
            r"(?:while|whereas|although|though|because|unless|if|since)\s[^,;:]*[.!?]$",
            re.I,
        ),
    ),
    # "…of AZT+ddI versus AZT+ddC: in these.", "…periventricular nuclei,.": cut at a list.
    (
        "it ends where a list or clause was cut",
        re.compile(
            r"(?::\s*(?:in|of|for|with|on|at|to|by|among)\s+(?:these|this|those|them|which|"
            r"whom)|[,;:])\s*[.!?]$",
            re.I,
        ),
    ),
    # "…exposure to an flow field": a word between "an" and its noun was cut out.
    (
        "an article that does not fit its word",
        re.compile(r"\ban\s+[bcdfgjklmnpqrstvwz][a-z]{2,}\b"),
    ),
    ("a word repeated", re.compile(r"\b([a-z]{3,})\s+\1\b(?<!\bthat that)(?<!\bhad had)", re.I)),
    ("a word cut off at a hyphen", re.compile(r"\b[A-Za-z]+- (?!and\b|or\b|to\b|nor\b)\w")),
)


_BRACKETS = re.compile(r"[()\[\]]")


def _bracket_problem(sentence: str) -> str | None:
    marks = _BRACKETS.findall(sentence)
    for opening, closing in ("()", "[]"):
        depth = 0
        for char in marks:
            depth += {opening: 1, closing: -1}.get(char, 0)
            if depth < 0:
                return "a bracket closed that was never opened"
        if depth:
            return "a bracket left open"
    return None


@lru_cache(maxsize=16384)
def sentence_problem(sentence: str) -> str | None:
    """Why the sentence is broken, or None when none of the known breakages is in it."""
    text = sentence.strip()
    for why, pattern in BROKEN:
        if pattern.search(text):
            return why
    if _opening_after_that(text):
        return "it is only the opening part of a sentence"
    return _bracket_problem(text)


# "The researchers suggest that when contrast is reduced.": after "that", only an opening
# clause, with no comma for a main clause to follow. Searched after the last comma by hand:
# one unanchored pattern would rescan the rest of the sentence from every "that".
_THAT_OPENING = re.compile(
    r"\bthat\s+(?:while|whereas|although|though|because|unless|if|since|when)\s", re.I
)


def _opening_after_that(text: str) -> bool:
    if not text.endswith((".", "!", "?")):
        return False
    tail = text[max(text.rfind(mark) for mark in ",;:") + 1 :]
    return bool(_THAT_OPENING.search(tail))


def mend_brackets(sentence: str) -> str:
    """A sentence cut inside a bracket ("…in the past 6 months (33% v. 9%."): the part
    before the bracket, which is whole; any other sentence unchanged."""
    depth, opened = 0, -1
    for i, char in enumerate(sentence):
        if char == "(":
            depth, opened = depth + 1, i if depth == 0 else opened
        elif char == ")":
            depth -= 1
            if depth < 0:
                return sentence
    if depth <= 0 or opened < 0:
        return sentence
    return sentence[:opened].rstrip(" ,;:") + "."


# Where a verb word is not the verb: after a copula ("albedo is increased"), a determiner, a
# preposition, an adjective or a count ("an increased risk", "other common causes", "three
# blocks"), or before a verb of its own ("causes include", "blocks were given").
NOT_VERB_BEFORE = re.compile(
    r"(?:^|\s)(?:is|are|was|were|be|been|being|has|have|had|a|an|the|of|to|for|with|by|than|"
    r"at|in|on|from|into|as|and|or|nor|other|common|main|its|their|his|her|our|more|less|most|"
    r"any|no|some|many|several|\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"found|find|finds|showed|show|shows|revealed|reveal|reveals|observed|reported|noted|"
    r"demonstrated)(?:\s+\w+ly)?\s*$",
    re.I,
)
# "As temperature increases, …": the verb of an opening clause, not of the sentence.
_OPENING_CLAUSE = re.compile(
    r"^(?:As|When|While|If|Because|Since|Although|Though|Once|After|Before|Unless)\b[^,]*$"
)
NOT_VERB_AFTER = re.compile(
    r"^\s*(?:include[sd]?|is|are|was|were|has|have|had|of|seen|observed|found)\b", re.I
)


def is_verb_at(text: str, start: int, end: int) -> bool:
    """Can the verb word at text[start:end] be the clause's verb, by its neighbours?"""
    before = text[:start]
    if NOT_VERB_BEFORE.search(before) or _OPENING_CLAUSE.match(before.lstrip()):
        return False
    return not NOT_VERB_AFTER.match(text[end:])


_PLAIN_START = re.compile(r"[A-Z][a-z]*(?:-[a-z]+)*")


def lowered_start(sentence: str, context: str = "") -> str:
    """The sentence to follow "In mice, …" or "…concluded that": its first word lower-cased,
    unless that word is a name or a code ("IL-6", "Drosophila", "Tbilisi"). A name is a word
    `context` (the abstract) writes with a capital where no sentence starts, and never
    lower-case; a word capitalised only because it opens a sentence ("A key obstacle…",
    "Virophages are…") is no name, whatever capitals follow it."""
    first = sentence.split()[0] if sentence.split() else ""
    if not _PLAIN_START.fullmatch(first) or first == "I":
        return sentence
    lower = first.lower()
    mid = re.search(rf"(?<=[a-z,;] ){re.escape(first)}\b", context)
    if mid and not re.search(rf"(?<![\w-]){re.escape(lower)}\b", context):
        return sentence
    return lower + sentence[len(first) :]
