"""What a sentence offered as a finding actually states. A Key Takeaway (or any headline line)
can name its topic, ask the study's question, say that something was found without saying
what, or say what is still unknown: none of those is a finding, though each passes a form check.

`statement_problem` says which, from the words alone; `checks.content` adds what needs the
study (does the line share a subject with the abstract's finding?), and the offline drafter
picks its headline by the same rule.
"""

from __future__ import annotations

import re

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
