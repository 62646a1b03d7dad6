"""What every check shares: the context it reads and the helpers that build its results."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from pipeline.evidence import align_summary
from pipeline.house import House
from pipeline.records import (
    PROSE_SECTIONS,
    Alignment,
    CheckResult,
    HouseSummary,
    Span,
    Study,
    StudyProfile,
)
from pipeline.settings import Settings
from pipeline.text import sentence_spans


@dataclass(frozen=True)
class CheckContext:
    study: Study
    profile: StudyProfile
    summary: HouseSummary
    settings: Settings
    house: House

    def sections(self, names: tuple[str, ...] = PROSE_SECTIONS) -> Iterator[tuple[str, str]]:
        for name in names:
            yield name, getattr(self.summary, name)

    @cached_property
    def alignment(self) -> list[Alignment]:
        """Each summary sentence traced to the abstract, once for all the checks that read it."""
        return align_summary(self.study, self.summary, self.house, self.settings)


Check = Callable[[CheckContext], list[CheckResult]]


def result(
    cid: str, severity: str, failures: list[Span], ok: str, bad: str, value: float | None = None
) -> CheckResult:
    """A pass when `failures` is empty, else a failure carrying them as spans."""
    return CheckResult(
        id=cid,
        severity=severity,  # type: ignore[arg-type]
        passed=not failures,
        message=ok if not failures else bad,
        spans=failures,
        value=value,
    )


def span(section: str, text: str, start: int, end: int) -> Span:
    return Span(section=section, start=start, end=end, text=text[start:end])


def quoted(spans: list[Span], limit: int = 5) -> str:
    return ", ".join(f'"{s.text}"' for s in spans[:limit])


def flagged(ctx: CheckContext, pattern: re.Pattern[str], *, negatable: bool) -> list[Span]:
    """Every match of `pattern` in the prose, skipping matches a negation before them hedges."""
    spans = []
    for name, text in ctx.sections():
        for sent in sentence_spans(text):
            for match in pattern.finditer(sent.text):
                if negatable and ctx.house.negation.search(sent.text[: match.start()]):
                    continue
                spans.append(span(name, text, sent.start + match.start(), sent.start + match.end()))
    return spans
