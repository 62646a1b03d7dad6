"""How many people a study enrolled, read from its abstract, and the sentence that says so.

"We recruited 85 people with ALS and 40 controls" is 125; "Of 1,000 people invited, 438 (44%)
responded" is 438; "34 patients, including 14 with ..." is 34; "Fifteen studies (1043
participants)" is 1043; "drug (n = 85) or placebo (n = 89)" is 174 when nothing else gives a total.
"""

from __future__ import annotations

import itertools
import re
from typing import NamedTuple

from pipeline.profile.cues import PERSON_NOUN, rx
from pipeline.text import parse_count

# A follow-up length: "12 weeks", "twelve-week", "6-month".
DURATION = re.compile(
    r"(\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)?)[- ](days?|weeks?|months?|years?)\b", re.IGNORECASE
)
MONTHS_PER = {"day": 1 / 30.4, "week": 12 / 52, "month": 1.0, "year": 12.0}

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
        # No study counts past a billion; a 5,000-digit "count" would also overflow int()'s
        # string limit and fail the study with a ValueError.
        return int(token) if len(token) <= 12 else None
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
# Trials with two arms: "60 women in the intervention group and 58 in the control group".
GROUP_COUNT = re.compile(
    COUNT + r"\s+(?:[\w-]+\s+){0,2}?(?:in|to|into) the (?:[\w-]+\s+){0,2}?(?:group|arm)\b", re.I
)
COUNT_PATTERNS: list[tuple[re.Pattern[str], bool]] = [  # the bool: may be added to other counts
    (PEOPLE_COUNT, True),
    (ENROLLED, True),
    (VERB_COUNT, True),
    (GROUP_COUNT, True),
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
    "respectively|out of|whereas|while|subset|of (this|these|them|those)",
)
# Patients of other people's reports, gathered by a literature review beside a case series.
LITERATURE = rx(
    "published (\\w+ ){0,2}(cases|patients|reports)|previously reported (cases|patients)",
    "(cases|patients) (\\w+ ){0,3}(published|reported) in the literature",
)
HYPOTHETICAL = rx("hypothetical|per (100|1,?000)|for every (100|1,?000)")
# How many people a disease affects, in a review's or a background's opening: not a sample.
POPULATION_FIGURE = rx(
    "worldwide|globally|each year|every year|annually|per year|affects|affecting|million",
    "in the world",
)
OWN_SAMPLE = rx(
    "we|our|(this|the present) study|were (enrolled|recruited|included|studied)",
    "completed|responded|took part|participated|surveyed|interviewed",
)
# "Two trials (281 pregnancies)", "77 studies were included (19 364 participants)": a review total.
REVIEW_TOTAL = re.compile(
    r"(?:trials|studies|RCTs)(?: were included| were identified| involving)?\s*\(\s*(?:with |"
    r"involving |including |of )?" + COUNT + r"\s+(?:[\w-]+\s+){0,2}?" + PERSON_NOUN,
    re.I,
)
BRACKETED = re.compile(r"[(\[]([^()\[\]]* and [^()\[\]]*)[)\]]")
# Groups each given as "(n = ...)": arms of a trial, or patients and controls.
ARMS = rx("randomi[sz]ed|randomly|assigned|allocated|or|versus|vs\\.?|groups?|arms?|controls")
# A control group counted in its own sentence ("Forty-four healthy controls were also
# recruited") is part of the total of a case-control or cross-sectional comparison.
CONTROLS_COUNT = re.compile(
    COUNT + r"\s+(?:[\w-]+\s+){0,2}?(?:controls|control (?:subjects|participants|individuals)|"
    r"healthy (?:volunteers|subjects|individuals|participants))\b",
    re.I,
)
CONTROLS = rx("controls?|healthy (volunteers|subjects|individuals|participants)")
CONTROLS_ENROLLED = rx(
    "recruited|enrolled|included|studied|served as|participated|took part|also|matched|comprised"
)
OF_THESE = rx("of (these|them|those|whom)|among (these|them|those|whom)")
# "83 patients with 44 controls", "83 cases versus 44 controls": groups compared are summed.
COMPARED_WITH = rx("with|versus|vs\\.?|to|against|and")
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


def _clause_total(clause: str) -> tuple[int | None, bool]:
    """The people a clause counts, and whether that is a sum of groups."""
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
        return None, False
    # "85 people with ALS and 40 controls" is 125 people; "of 500 patients, 50 ..." is 500;
    # "34 patients, including 14 with ..." and "20 randomised, and 19 completed" are 34 and 20.
    runs, run, parts = [], found[0][2], 1
    for (_, end, _, add_a), (start, _, count, add_b) in itertools.pairwise(found):
        between = clause[end:start]
        versus = CONTROLS_COUNT.match(clause, start) and COMPARED_WITH.fullmatch(between.strip())
        joined = (" and " in between or versus) and add_a and add_b
        if joined and not BREAKDOWN.search(between):
            run, parts = run + count, parts + 1
        else:
            runs.append((run, parts))
            run, parts = count, 1
    runs.append((run, parts))
    # "Of 83 patients and 44 controls, 20 had ...": the group the clause opens with.
    total, parts = runs[0] if SUBSET.search(clause) else max(runs)
    return total, parts > 1


class PeopleCount(NamedTuple):
    """How many people a study enrolled, the sentence that says so and how it was read."""

    n: int | None
    sentence: str | None
    how: str


def count_reading(sents: list[str]) -> PeopleCount:
    """Total people studied (all groups and arms together), the sentence, and how it was read."""
    best: PeopleCount | None = None
    arms: PeopleCount | None = None
    for sent in sents:
        if HYPOTHETICAL.search(sent) or (
            POPULATION_FIGURE.search(sent) and not OWN_SAMPLE.search(sent)
        ):
            continue
        text = _normalise_counts(sent)
        reading: list[tuple[int, str]] = [
            (count_value(m.group(1)) or 0, "the review's total")
            for m in REVIEW_TOTAL.finditer(text)
        ]  # "Fifteen studies (1043 participants)"
        groups = [int(n.replace(",", "")) for n in N_EQUALS.findall(text)]
        if len(groups) > 1 and ARMS.search(text) and "95%" not in text and "per " not in text:
            # "drug (n = 85) or placebo (n = 89)", "patients (n = 83) and controls (n = 44)"
            arms = arms or PeopleCount(sum(groups), sent, "the sum of the groups' n =")
        plain = re.sub(r"[(\[][^()\[\]]*[)\]]", "", text)  # "(52 men; age 61)": a breakdown
        clauses = [] if LITERATURE.search(text) else plain.split(";")
        outside = [c for clause in clauses if (c := _clause_total(clause))[0]]
        # ... unless nothing outside the brackets counts anyone: "(22 men and 20 women)".
        brackets = BRACKETED.findall(text) if clauses and not outside else []
        inside = [_clause_total(b) for b in brackets]
        reading += [
            (n, "the sum of the groups" if summed else "a stated total")
            for n, summed in outside + inside
            if n
        ]
        top = max(reading, default=None)
        if top and (best is None or top[0] > (best.n or 0)):
            best = PeopleCount(top[0], sent, top[1])
    best = best or arms
    if best and best.sentence and not CONTROLS.search(best.sentence):
        best = _with_controls(best, sents)
    return best or PeopleCount(None, None, "no total stated")


def _with_controls(best: PeopleCount, sents: list[str]) -> PeopleCount:
    """Patients counted in one sentence and their controls in another are one total."""
    for sent in sents:
        match = CONTROLS_COUNT.search(_normalise_counts(sent))
        if (
            sent != best.sentence
            and match
            and CONTROLS_ENROLLED.search(sent)
            and not BREAKDOWN.search(sent)
            and not SUBSET.search(sent)
            and not OF_THESE.search(sent)
        ):
            controls = count_value(match.group(1)) or 0
            return PeopleCount((best.n or 0) + controls, best.sentence, "patients plus controls")
    return best


# A review's included trials, each sized in its own sentence: "One trial ... in 36 patients".
TRIAL_ORDINAL = rx(
    "(one|another|the other|a second|a third|the (first|second|third|fourth|larger|smaller)) "
    "(\\w+ ){0,2}(trial|study|RCT)"
)

SEVERAL_TRIALS = rx(
    "(\\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) ([\\w-]+ ){0,3}"
    "(trials|studies|RCTs)"
)


def review_total(sents: list[str], found: PeopleCount) -> PeopleCount:
    """A review that sizes each included trial in its own sentence and gives no total: their
    sum, rather than the largest trial's size."""
    if not (found.sentence and TRIAL_ORDINAL.search(found.sentence)):
        return found
    if SEVERAL_TRIALS.search(found.sentence):  # "nine RCTs, 519 participants": a total
        return found
    sizes = [n for s in sents if TRIAL_ORDINAL.search(s) and (n := count_reading([s]).n)]
    if len(sizes) < 2:
        return found
    return PeopleCount(sum(sizes), found.sentence, "the sum of the included trials' sizes")


def count_people(sents: list[str]) -> tuple[int | None, str | None]:
    """Total people studied, and the sentence that says so."""
    found = count_reading(sents)
    return found.n, found.sentence


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
