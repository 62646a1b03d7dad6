"""Numbers in running text, normalised so that a summary's numbers can be found in its abstract.

"18%", "18 percent" and "eighteen percent" are all 18; "8-12" and "8 to 12" are 8 and 12;
"1,250" is 1250. Digits glued to letters ("IL-6", "CD20", "COVID-19") are parts of names, not
numbers. "one" is left out on purpose: it is a pronoun far more often than a count.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

_UNITS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

_WORD_NUMBER = re.compile(
    r"(?<![\w-])(?:(?P<tens>"
    + "|".join(_TENS)
    + r")(?:[- ](?P<unit1>"
    + "|".join(_UNITS)
    + r"|one))?|(?P<unit>"
    + "|".join(_UNITS)
    + r"))(?:\s+(?P<scale>hundred|thousand|million))?"
    r"(?!\w)",  # "twelve-week" holds a twelve; "twenty-four" is taken whole by the tens branch
    re.IGNORECASE,
)
_DIGIT_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\.\d)")
_PERCENT_AFTER = re.compile(r"\s*(%|percent\b|per cent\b)", re.IGNORECASE)
_SCALE_AFTER = re.compile(r"\s+(thousand|million)\b", re.IGNORECASE)


@dataclass(frozen=True)
class NumberMention:
    value: float
    text: str
    start: int
    end: int
    percent: bool = False


def _glued_to_name(text: str, start: int) -> bool:
    """True for the 6 in "IL-6" or the 20 in "CD20": a name, not a quantity."""
    if start == 0:
        return False
    before = text[start - 1]
    if before.isalpha():
        return True
    return before in "-/" and start >= 2 and text[start - 2].isalpha()


def extract_numbers(text: str) -> list[NumberMention]:
    """Every quantity in `text`, in order of appearance."""
    return list(_numbers(text))


# Grounding, the drafter and the profile read the same sentences many times over a draft and
# its revise rounds; the mentions are immutable, so one reading serves them all.
@lru_cache(maxsize=16384)
def _numbers(text: str) -> tuple[NumberMention, ...]:
    found: list[NumberMention] = []
    for match in _DIGIT_NUMBER.finditer(text):
        if _glued_to_name(text, match.start()):
            continue
        value = float(match.group(1).replace(",", "") + "." + (match.group(2) or "0"))
        end = match.end()
        scale = _SCALE_AFTER.match(text, end)
        if scale:
            value *= _SCALES[scale.group(1).lower()]
            end = scale.end()
        percent = _PERCENT_AFTER.match(text, end)
        if percent:
            end = percent.end()
        found.append(
            NumberMention(value, text[match.start() : end], match.start(), end, bool(percent))
        )
    for match in _WORD_NUMBER.finditer(text):
        if match.group("tens"):
            value = _TENS[match.group("tens").lower()]
            unit = (match.group("unit1") or "").lower()
            value += 1 if unit == "one" else _UNITS.get(unit, 0)
        else:
            value = _UNITS[match.group("unit").lower()]
        if match.group("scale"):
            value *= _SCALES[match.group("scale").lower()]
        end = match.end()
        percent = _PERCENT_AFTER.match(text, end)
        if percent:
            end = percent.end()
        found.append(
            NumberMention(
                float(value), text[match.start() : end], match.start(), end, bool(percent)
            )
        )
    return tuple(sorted(found, key=lambda m: m.start))


@lru_cache(maxsize=16384)
def number_values(text: str) -> frozenset[float]:
    return frozenset(m.value for m in _numbers(text))


def parse_count(token: str) -> int | None:
    """A count written as digits ("1,250") or words ("twenty-four"); None if it is neither."""
    mentions = extract_numbers(token)
    # A digit string too long for a float reads as infinity: no count.
    if len(mentions) != 1 or not math.isfinite(mentions[0].value):
        return None
    if mentions[0].value != int(mentions[0].value):
        return None
    return int(mentions[0].value)
