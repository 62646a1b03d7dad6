"""How many people a study enrolled, read from its abstract, and the sentence that says so.

"We recruited 85 people with ALS and 40 controls" is 125; "Of 1,000 people invited, 438 (44%)
responded" is 438; "34 patients, including 14 with ..." is 34; "Fifteen studies (1043
participants)" is 1043; "drug (n = 85) or placebo (n = 89)" is 174 when nothing else gives a total.
"""

from __future__ import annotations

import itertools
import re

from pipeline.profile.cues import DURATION, MONTHS_PER, PERSON_NOUN, rx
from pipeline.text import parse_count

_UNIT = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_BELOW_100 = rf"(?:(?:{_TENS})(?:-(?:one|{_UNIT}))?|{_UNIT})"
_WORDS = rf"(?:(?:one|a|{_UNIT}) hundred(?:[- ](?:and[- ])?{_BELOW_100})?|{_BELOW_100})"
_VALUE = {w: i for i, w in enumerate(("zero one " + _UNIT.replace("|", " ")).split())}
_VALUE |= {w: 20 + 10 * i for i, w in enumerate(_TENS.split("|"))} | {"a": 1}
COUNT = r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+|" + _WORDS + r")(?![\w-]*%)"


def count_value(token: str) -> int | None:
    """ "1,004" is 1004, "one hundred fourteen" 114, "three hundred-five" 305."""
    token = token.lower().replace(",", "")
    if token.isdigit():
        return int(token)
    words = [w for w in re.split(r"[- ]+", token) if w and w != "and"]
    if not words or any(w not in _VALUE and w != "hundred" for w in words):
        return None
    at = words.index("hundred") if "hundred" in words else -1
    head = (sum(_VALUE[w] for w in words[:at]) or 1) * 100 if at >= 0 else 0
    return head + sum(_VALUE[w] for w in words[at + 1 :])


_FILLER_STOP = (
    r"in|of|with|or|from|for|at|to|by|the|were|was|had|per|years?|months?|weeks?|days?|hours?|"
    r"million|billion|thousand|mg|kg|studies|trials|published|reported|\d+"
)
PEOPLE_COUNT = re.compile(
    COUNT + rf"\s+(?:(?!(?:{_FILLER_STOP})\b)[\w'-]+\s+){{0,4}}?" + PERSON_NOUN + r"\b", re.I
)
_ENROL = r"enrolled|recruited|randomi[sz]ed|randomly (?:assigned|allocated)|included"
ENROLLED = re.compile(COUNT + rf"\s+(?:were\s+)?(?:{_ENROL}|took part|participated)\b", re.I)
COMPLETED = re.compile(COUNT + r"\s+(?:\w+\s+)?(?:responded|returned|completed|remained)\b", re.I)
VERB_COUNT = re.compile(  # "randomised 30 in- and outpatients"
    r"\b(?:randomi[sz]ed|enrolled|recruited)\s+(?:a total of\s+)?" + COUNT + r"(?=\s+[a-z])"
    r"(?!\s+(?:studies|trials|RCTs|centres|centers|sites|hospitals|clinics|practices|countries)\b)",
    re.I,
)
N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)")
COUNT_PATTERNS: list[tuple[re.Pattern[str], bool]] = [  # the bool: may be added to other counts
    (PEOPLE_COUNT, True),
    (ENROLLED, True),
    (VERB_COUNT, True),
    (N_EQUALS, True),
    (COMPLETED, False),
]
NOT_ENROLLED = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:were\s+)?(?:screened|invited|approached|contacted|"
    r"assessed for eligibility|eligible|excluded|declined)\b",
    re.I,
)
NOT_A_COUNT_BEFORE = re.compile(  # "Group 2 women", "Types 4 and 5 included", "targeting 11,000"
    r"\b(?:groups?|arms?|phases?|types?|grades?|stages?|class(?:es)?|days?|weeks?|visits?|steps?|"
    r"levels?|categor(?:y|ies)|figures?|tables?|study|trial|targeting|population of)"
    r"(?:\s+\d+\s+(?:and|or|to))?\s*$",
    re.I,
)
SUBSET = re.compile(r"(?:^|[,;:]\s*)(?:of|among) (?:the |all )?\d[\d,]* " + PERSON_NOUN, re.I)
BREAKDOWN = rx(
    "including|of whom|of which|among (them|whom)|comprising|consisting of|i\\.e\\.|but|only",
    "respectively|out of|whereas|while",
)
HYPOTHETICAL = rx("hypothetical|per (100|1,?000)|for every (100|1,?000)")
# "Two trials (281 pregnancies)", "77 studies were included (19 364 participants)": a review total.
REVIEW_TOTAL = re.compile(
    r"(?:trials|studies|RCTs)(?: were included| were identified| involving)?\s*\(\s*(?:with |"
    r"involving |including |of )?" + COUNT + r"\s+(?:[\w-]+\s+){0,2}?" + PERSON_NOUN,
    re.I,
)
BRACKETED = re.compile(r"[(\[]([^()\[\]]* and [^()\[\]]*)[)\]]")
ARMS = rx("randomi[sz]ed|randomly|assigned|allocated|or|versus|vs\\.?")
PERCENT_NOTE = re.compile(r"\(\s*(?:[nN]\s*=\s*\d+\s*[;,]\s*)?\d+(?:\.\d+)?\s*%[^()]*\)")
ENROLMENT_AFTER = re.compile(
    r"\s*(?:responded|completed|returned|enrolled|participated|took part|agreed|remained|"
    r"were (?:enrolled|included|randomi[sz]ed|recruited))\b",
    re.I,
)
WORDS_THEN_DIGITS = re.compile(r"\b(" + _WORDS + r")\s*\((\d[\d,]*)\)", re.I)
SPLIT_THOUSANDS = (  # "19 364", "17, 296 women", "1, 004 children"
    re.compile(r"(?<=\d)[\u2009\u202f\u00a0](?=\d{3}\b)"),
    re.compile(r"(?<![\d.,])(\d{1,3}), (\d{3})(?= (?!and\b|or\b|to\b)[A-Za-z])"),
    re.compile(r"(?<![\d.,])(\d{1,3}) (\d{3})(?= " + PERSON_NOUN + r")", re.I),
)


def _normalise_counts(sent: str) -> str:
    thin, comma, space = SPLIT_THOUSANDS
    sent = comma.sub(r"\1,\2", space.sub(r"\1,\2", thin.sub("", sent)))
    sent = WORDS_THEN_DIGITS.sub(r"\2", sent)  # "Three hundred-five (305)"
    # "109 patients (80%) improved" is a result, not a total; "438 (44%) responded" is a total.
    return PERCENT_NOTE.sub(lambda m: " " if ENROLMENT_AFTER.match(sent, m.end()) else " %% ", sent)


def _clause_total(clause: str) -> int | None:
    found: list[tuple[int, int, int, bool]] = []  # start, end, count, can be added to others
    for pattern, additive in COUNT_PATTERNS:
        for match in pattern.finditer(clause):
            start, rest = match.start(1), clause[match.end() :]
            if (
                any(a <= start < b for a, b, _, _ in found)
                or NOT_ENROLLED.match(rest)
                or rest.lstrip().startswith("%%")
                or NOT_A_COUNT_BEFORE.search(clause[:start])
            ):
                continue
            found.append((start, match.end(), count_value(match.group(1)) or 0, additive))
    found = sorted(f for f in found if f[2])
    if not found:
        return None
    # "85 people with ALS and 40 controls" is 125 people; "of 500 patients, 50 ..." is 500;
    # "34 patients, including 14 with ..." and "20 randomised, and 19 completed" are 34 and 20.
    best, run = 0, found[0][2]
    for (_, end, _, add_a), (start, _, count, add_b) in itertools.pairwise(found):
        between = clause[end:start]
        joined = " and " in between and add_a and add_b and not BREAKDOWN.search(between)
        best, run = (best, run + count) if joined else (max(best, run), count)
    return max(best, run) if not SUBSET.search(clause) else max(f[2] for f in found)


def count_people(sents: list[str]) -> tuple[int | None, str | None]:
    """Total people studied, and the sentence that says so."""
    best: tuple[int, str] | None = None
    arms: tuple[int, str] | None = None
    for sent in sents:
        if HYPOTHETICAL.search(sent):
            continue
        text = _normalise_counts(sent)
        totals = [
            count_value(m.group(1)) or 0 for m in REVIEW_TOTAL.finditer(text)
        ]  # "Fifteen studies (1043 participants)"
        groups = [int(n.replace(",", "")) for n in N_EQUALS.findall(text)]
        if len(groups) > 1 and ARMS.search(text) and "95%" not in text and "per " not in text:
            arms = arms or (sum(groups), sent)  # "drug (n = 85) or placebo (n = 89)"
        plain = re.sub(r"[(\[][^()\[\]]*[)\]]", "", text)  # "(52 men; age 61)": a breakdown
        outside = [t for clause in plain.split(";") if (t := _clause_total(clause))]
        # ... unless nothing outside the brackets counts anyone: "(22 men and 20 women)".
        inside = [] if outside else [_clause_total(b) or 0 for b in BRACKETED.findall(text)]
        totals += outside + [t for t in inside if t]
        if totals and (best is None or max(totals) > best[0]):
            best = (max(totals), sent)
    return best or arms or (None, None)


def followup(sents: list[str]) -> tuple[float | None, str | None, str | None]:
    """The longest duration named, in months, as a phrase, and its sentence."""
    best: tuple[float, str, str] | None = None
    for sent in sents:
        for match in DURATION.finditer(sent):
            context = sent[max(0, match.start() - 12) : match.end() + 8].lower()
            if "aged" in context or " old" in context or "age " in context:
                continue
            amount = parse_count(match.group(1)) if not match.group(1)[0].isdigit() else None
            value = float(match.group(1)) if match.group(1)[0].isdigit() else amount
            if not value:
                continue
            unit = match.group(2).lower().rstrip("s")
            months = value * MONTHS_PER[unit]
            if best is None or months > best[0]:
                phrase = (
                    f"{match.group(1)} {unit}{'' if value == 1 else 's'}"  # "12-week": 12 weeks
                )
                best = (months, phrase, sent)
    return best if best else (None, None, None)
