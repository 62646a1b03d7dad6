"""What one text repeats of another: word-for-word stretches, and sentences that add nothing.

content.copied finds a draft's stretches pasted from the abstract or the prompt with these;
content.restated finds a What They Found sentence that only says the Key Takeaway again; the
offline drafter asks the same two questions of its own sentences before it keeps them, so the
drafter and the checks cannot disagree about what counts as a copy.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.text.numbers import number_values
from pipeline.text.terms import salient

COPY_RUN = 8  # words in a row shared with the abstract or the prompt that count as copied
COPY_ERROR_SHARE = 0.85  # a section that is nearly all copied stretches is pasted, not written
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")


def word_matches(text: str) -> list[re.Match[str]]:
    """The text's words (numbers, "IL-6" and "don't" whole), with where each is."""
    return list(_WORD.finditer(text))


def lowered_words(text: str) -> list[str]:
    return [m.group(0).lower() for m in _WORD.finditer(text)]


def bare_words(text: str) -> tuple[str, ...]:
    """The text's words, lower-cased, without bare numbers."""
    return tuple(w for w in lowered_words(text) if not w.replace(".", "").isdigit())


@lru_cache(maxsize=256)
def copy_windows(text: str, *, numbers: bool = True) -> frozenset[tuple[str, ...]]:
    """Every run of `COPY_RUN` words of a text, lower-cased: what a pasted stretch would share."""
    lowered = lowered_words(text) if numbers else list(bare_words(text))
    return frozenset(tuple(lowered[i : i + COPY_RUN]) for i in range(len(lowered) - COPY_RUN + 1))


def copied_runs(lowered: list[str], known: frozenset[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Maximal stretches (start, end) of words whose every `COPY_RUN`-word window is in `known`;
    one pass over the text, so it stays linear however long a section is."""
    runs: list[tuple[int, int]] = []
    for i in range(len(lowered) - COPY_RUN + 1):
        if tuple(lowered[i : i + COPY_RUN]) not in known:
            continue
        if runs and i <= runs[-1][1]:
            runs[-1] = (runs[-1][0], i + COPY_RUN)
        else:
            runs.append((i, i + COPY_RUN))
    return runs


def copied_share(lowered: list[str], runs: list[tuple[int, int]]) -> float:
    """The share of a passage's words inside copied runs; 0 for one too short to judge."""
    if len(lowered) < 12:
        return 0.0
    return sum(b - a for a, b in runs) / len(lowered)


def pasted(abstract: str, text: str) -> bool:
    """Whether a passage is mostly pasted from the abstract: the rule that makes
    content.copied an error, and that keeps the offline drafter from such a headline."""
    lowered = lowered_words(text)
    return copied_share(lowered, copied_runs(lowered, copy_windows(abstract))) > COPY_ERROR_SHARE


def restates(sentence: str, takeaway: str) -> bool:
    """The sentence says the takeaway again and nothing else: no content word and no number
    of its own. "Poor sleep may be linked to fatigue." under the takeaway "Poor sleep may be
    linked to fatigue in people with MS." restates it; "…fewer relapses and fewer new MRI
    lesions" adds the lesions, and "…32% lower relapse rate" adds the number."""
    said = salient(sentence)
    if len(said) < 2 or number_values(sentence) - number_values(takeaway):
        return False
    return said <= salient(takeaway)
