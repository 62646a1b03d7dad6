"""Sentence roles: which abstract sentences set out the question, the methods, the results and
the conclusion. From section labels when the abstract has them, else from cue words; an
unstructured abstract's last sentence is its conclusion when no cue says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.records import Study
from pipeline.text import sentence_spans

ROLE_LABELS = {
    "objective": (
        "OBJECTIVE",
        "OBJECTIVES",
        "AIM",
        "AIMS",
        "PURPOSE",
        "BACKGROUND",
        "CONTEXT",
        "INTRODUCTION",
        "IMPORTANCE",
        "RATIONALE",
        "GOAL",
    ),
    "methods": (
        "METHOD",
        "METHODS",
        "DESIGN",
        "SETTING",
        "PARTICIPANTS",
        "PATIENTS",
        "MATERIALS",
        "INTERVENTION",
        "INTERVENTIONS",
        "MEASUREMENTS",
        "MAIN OUTCOME",
    ),
    "results": ("RESULT", "RESULTS", "FINDINGS", "MAIN RESULTS", "OUTCOMES"),
    "conclusion": (
        "CONCLUSION",
        "CONCLUSIONS",
        "INTERPRETATION",
        "IMPLICATIONS",
        "DISCUSSION",
        "SIGNIFICANCE",
        "KEY POINTS",
        "RELEVANCE",
        "AUTHORS' CONCLUSIONS",
    ),
}
ROLE_CUES = {
    "objective": re.compile(
        r"\b(we aimed|aim(ed)? (was|of|to)|purpose|objective|to (investigate|"
        r"determine|assess|evaluate|examine|explore|test|compare)|we "
        r"(sought|asked|hypothesi[sz]ed)|remains? (unclear|unknown)|we (evaluated|assessed|"
        r"examined|investigated|tested|studied|explored|compared|asked) (whether|if|how))\b",
        re.I,
    ),
    "methods": re.compile(
        r"\b(we (recruited|enrolled|included|used|performed|analy[sz]ed|"
        r"collected|measured|conducted)|were (recruited|enrolled|randomi[sz]ed|"
        r"assigned|included)|data were|using)\b"
        # "We differentiated cultures…": a first-person past verb is a method, unless it reports
        r"|^we (?!found|observed|showed|identified|detected|saw|noted|report)[a-z]+ed\b",
        re.I,
    ),
    "conclusion": re.compile(
        r"\b(in conclusion|we conclude|these (findings|results|data) "
        r"(suggest|indicate|show|support|highlight)|our (findings|results|"
        r"data) (suggest|indicate|show|support)|this study (suggests|shows|"
        r"provides)|suggest(s)? that|may (be|help|offer|provide))\b",
        re.I,
    ),
    "results": re.compile(
        r"\b(found|showed|was associated|were associated|increased|decreased|"
        r"reduced|improved|higher|lower|significant(ly)?|compared with|"
        r"\d+(\.\d+)?\s?%)",
        re.I,
    ),
}
_LABEL_PREFIX = re.compile(r"^\s*([A-Z][A-Za-z' ]{2,40}):\s*")


@dataclass(frozen=True)
class Sentence:
    text: str
    role: str
    position: int


def _role_for_label(label: str | None) -> str | None:
    if not label:
        return None
    upper = label.upper()
    for role, labels in ROLE_LABELS.items():
        if any(upper.startswith(known) for known in labels):
            return role
    return None


def classify(study: Study) -> list[Sentence]:
    return list(_classify(tuple((s.label, s.text) for s in study.sections), study.abstract))


@lru_cache(maxsize=256)
def _classify(sections: tuple[tuple[str | None, str], ...], abstract: str) -> tuple[Sentence, ...]:
    """Abstract sentences with their roles: from section labels when given, else from cues."""
    units = sections or ((None, abstract),)
    out: list[Sentence] = []
    for label, text in units:
        for span in sentence_spans(text):
            sent, inline = span.text, None
            prefix = _LABEL_PREFIX.match(sent)
            if prefix and _role_for_label(prefix.group(1)):
                inline, sent = prefix.group(1), sent[prefix.end() :]
            role = _role_for_label(label) or _role_for_label(inline) or _cue_role(sent, len(out))
            if sent.strip():
                out.append(Sentence(sent.strip(), role, len(out)))
    _fill_unlabelled_conclusion(out)
    return tuple(out)


def _cue_role(sentence: str, position: int) -> str:
    for role in ("conclusion", "objective", "methods", "results"):
        if ROLE_CUES[role].search(sentence):
            return role
    return "objective" if position == 0 else "results"


def _fill_unlabelled_conclusion(sents: list[Sentence]) -> None:
    """An unstructured abstract usually ends on its conclusion even without a cue word."""
    if sents and not any(s.role == "conclusion" for s in sents):
        last = sents[-1]
        sents[-1] = Sentence(last.text, "conclusion", last.position)
