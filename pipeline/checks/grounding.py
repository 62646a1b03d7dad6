"""Grounding: every number and every name in the summary must come from the study.

Numbers are compared after normalising ("18%" = "18 percent", "two years" = "2 years",
"8-12" = "8 to 12"). A rounded number passes only under the rounding rule: it is marked as
approximate ("about 44%") and lies within half a unit of its last digit of an abstract value
(43.8 → "about 44"; 1,112 → "about 1,100"). Durations may change unit (24 months = 2 years).
Names are drug, gene, protein and test names and acronyms, and the names of people and
institutions ("Dr. John Smith", "the University of Oxford": a small model invented both for an
explainer): they must appear in the abstract.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.checks.base import CheckContext, quoted, result, span
from pipeline.records import CheckResult, Span
from pipeline.text import NumberMention, extract_numbers, is_plain, number_values

APPROXIMATE = re.compile(
    r"\b(about|around|approximately|nearly|almost|roughly|close to|just over|just under|more "
    r"than|over|under|less than|fewer than|some|up to|at least)\s+$",
    re.I,
)
UNIT_AFTER = re.compile(r"\s*[- ]?(days?|weeks?|months?|years?)\b", re.I)
IN_MONTHS = {"day": 1 / 30.4375, "week": 7 / 30.4375, "month": 1.0, "year": 12.0}
DRUG_SUFFIX = re.compile(
    r"\b[a-z]{3,}(mab|nib|vir|pril|sartan|olol|statin|azole|mycin|cillin|cycline|parin|dronate|"
    r"prazole|oxacin|lukast|triptan|dipine|gliptin|glutide|glitazone|imod|ramer|fampridine|"
    r"amine|idine|azepam|oxetine|aline|ifene)\b",
    re.I,
)
NAME_TOKEN = re.compile(
    r"(?<![\w-])([A-Za-z]*[A-Z][A-Za-z]*[A-Z0-9][\w-]*|[A-Za-z]+-?\d+[\w-]*)(?![\w-])"
)

# A person by title, an institution by its kind: names a model may invent for credibility.
_CAP = r"[A-Z][a-z]+"
PROPER_NAME = re.compile(
    rf"\b(?:Dr|Prof|Professor|Doctor)\.?\s+{_CAP}(?:\s+{_CAP})?"
    rf"|\b(?:University|College|Institute|Hospital|Clinic|School|Centre|Center) of"
    rf"(?:\s+(?:the\s+)?{_CAP})+"
    rf"|\b(?!The\b)(?:{_CAP}\s+){{1,3}}(?:University|Hospital|Institute|Clinic|College)\b"
)


def _tolerance(mention: NumberMention) -> float:
    digits = mention.text.split("%")[0].split()[0].replace(",", "")
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    trailing = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
    return 0.5 * 10 ** min(trailing, 3)


def _grounded(mention: NumberMention, text: str, known: set[float], durations: set[float]) -> bool:
    if mention.value in known:
        return True
    unit = UNIT_AFTER.match(text, mention.end)
    if unit:
        months = mention.value * IN_MONTHS[unit.group(1).lower().rstrip("s")]
        if any(abs(months - d) < 0.05 * max(1.0, d) for d in durations):
            return True
    if APPROXIMATE.search(text[max(0, mention.start - 20) : mention.start]):
        tolerance = _tolerance(mention)
        return any(abs(mention.value - value) <= tolerance for value in known)
    return False


def _durations(text: str) -> set[float]:
    """Every duration in the abstract, in months."""
    found = set()
    for mention in extract_numbers(text):
        unit = UNIT_AFTER.match(text, mention.end)
        if unit:
            found.add(mention.value * IN_MONTHS[unit.group(1).lower().rstrip("s")])
    return found


def ungrounded_numbers(text: str, source: str) -> list[NumberMention]:
    """The numbers in `text` that `source` does not give, under the rules above: the one
    grounding rule for summaries and explainers alike."""
    known, durations = number_values(source), _durations(source)
    return [m for m in extract_numbers(text) if not _grounded(m, text, known, durations)]


def check_numbers(ctx: CheckContext) -> list[CheckResult]:
    source = ctx.study.title + "\n" + ctx.study.abstract
    ungrounded: list[Span] = [
        span(name, text, mention.start, mention.end)
        for name, text in ctx.sections()
        for mention in ungrounded_numbers(text, source)
    ]
    return [
        result(
            "grounding.numbers",
            "error",
            ungrounded,
            "Every number in the summary is in the abstract.",
            f"Numbers not found in the abstract: {quoted(ungrounded)}. Use only the abstract's "
            "numbers, exactly (round only with 'about').",
            value=len(ungrounded),
        )
    ]


@cache
def _source_words(source: str) -> frozenset[str]:
    return frozenset(w.lower() for w in re.findall(r"[\w-]+", source))


_KINDS = frozenset(
    re.findall(r"\w+", "dr prof professor doctor university college institute hospital clinic")
    + re.findall(r"\w+", "school centre center the")
)


def unknown_names(text: str, source: str, allowed: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each drug, gene, protein or test name, and each person or institution,
    in `text` that `source` never names (an acronym in `allowed`, or a plain word, is no
    stranger)."""
    known = _source_words(source)
    candidates = [(m.start(1), m.end(1)) for m in NAME_TOKEN.finditer(text)]
    candidates += [(m.start(), m.end()) for m in DRUG_SUFFIX.finditer(text)]
    strangers = []
    for start, end in sorted(set(candidates)):
        raw = text[start:end]
        plural = raw.endswith("s") and raw[:-1].isupper()  # "MRIs", "CDs"
        token = (raw[:-1] if plural else raw).lower()
        if token in known or token + "s" in known or token in allowed or is_plain(token):
            continue
        strangers.append((start, end))
    for match in PROPER_NAME.finditer(text):
        # Named in the source when each of its capitalised words is ("Oxford" for "Oxford
        # University"); the title and kind words ("Dr", "University") are no name.
        named = [w.lower() for w in re.findall(_CAP, match.group(0))]
        names = [w for w in named if w not in _KINDS and not is_plain(w)]  # "Most University"
        if names and not all(w in known for w in names):
            strangers.append((match.start(), match.end()))
    return sorted(set(strangers))


def check_names(ctx: CheckContext) -> list[CheckResult]:
    study = ctx.study
    source = " ".join([study.title, study.abstract, *study.keywords, *study.mesh_terms])
    allowed = frozenset(a.lower() for a in ctx.house.plain_acronyms)
    strangers: list[Span] = [
        span(name, text, start, end)
        for name, text in ctx.sections()
        for start, end in unknown_names(text, source, allowed)
    ]
    return [
        result(
            "grounding.names",
            "error",
            strangers,
            "Every drug, gene, protein and test name (and any person or institution) is in the "
            "abstract.",
            f"Names not found in the abstract: {quoted(strangers)}. Name only what the study "
            "names.",
        )
    ]
