"""The abstract's citable units: its sentences, numbered `S1…Sn` in reading order, each with
the label of its section and its place in the abstract.

The same sentence splitter the profiler and the checks use (`pipeline.text`), so a unit is a
sentence everywhere. Units are computed once at ingest and stored with the study: the ids a
model cited in a stored draft keep meaning the same sentences even if the splitter changes
later. A study stored before units existed gets them computed from its text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.records import AbstractSection, AbstractUnit, Study
from pipeline.text import sentence_spans

# "Results: …" inside an unlabelled paragraph: the label is not part of the sentence.
_INLINE_LABEL = re.compile(r"^\s*([A-Z][A-Za-z' ]{2,40}):\s+(?=\S)")
UNIT_ID = re.compile(r"^S[1-9][0-9]{0,3}$")


def split_units(sections: list[AbstractSection], abstract: str) -> list[AbstractUnit]:
    """The abstract's sentences as units; from its sections when it has them."""
    return list(_split(tuple((s.label, s.text) for s in sections), abstract))


@lru_cache(maxsize=512)
def _split(sections: tuple[tuple[str | None, str], ...], abstract: str) -> tuple[AbstractUnit, ...]:
    parts = sections or ((None, abstract),)
    units: list[AbstractUnit] = []
    cursor = 0
    for label, text in parts:
        found = abstract.find(text, cursor)
        base = found if found >= 0 else None
        if base is not None:
            cursor = base + len(text)
        here = label
        for sent in sentence_spans(text):
            body, start = sent.text, sent.start
            inline = _INLINE_LABEL.match(body)
            if inline and len(body) - inline.end() > 20:
                # an inline label names this sentence's part and the ones after it
                here = label or inline.group(1).strip().upper()
                body, start = body[inline.end() :], start + inline.end()
            units.append(
                AbstractUnit(
                    id=f"S{len(units) + 1}",
                    label=here,
                    text=body,
                    start=None if base is None else base + start,
                    end=None if base is None else base + start + len(body),
                )
            )
    return tuple(units)


def units_of(study: Study) -> list[AbstractUnit]:
    """The study's stored units, or (a study stored before them) its units computed now."""
    return study.units or split_units(study.sections, study.abstract)


def unit_map(study: Study) -> dict[str, AbstractUnit]:
    return {unit.id: unit for unit in units_of(study)}
