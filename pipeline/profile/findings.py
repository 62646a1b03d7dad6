"""The study's main finding, read from its abstract: the conclusion's claim, the result sentence
that carries it, and the supporting results. The content checks hold every draft to it (does
the Key Takeaway state it? does What They Found convey it?) and the offline drafter writes from
it, so both read "the main result" the same way.

Sentence roles come first: which sentences set out the question, the methods, the results and
the conclusion. From section labels when the abstract has them, else from cue words; an
unstructured abstract's last sentence is its conclusion when no cue says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.records import Study
from pipeline.text import (
    acronyms,
    directions,
    expand,
    explanations,
    is_plain,
    salient,
    sentence_spans,
    stem,
    tokens,
)

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


# Conclusion sentences that only ask for more work, or say what the study could not tell.
LIMITATION = re.compile(
    r"\b(needed|warranted|further (research|studies|work|trials|investigation)|future "
    r"(research|studies|trials|work)|remains? (to be|unclear|unknown)|should be (confirmed|"
    r"investigated|explored|studied)|cannot (determine|exclude|rule out|establish)|"
    r"could not (determine|establish)|more research|larger (studies|trials)|limitations?|"
    r"(are|is|remain) (necessary|required)|merits? further|well[- ]designed)\b",
    re.I,
)
# "These findings suggest that X": the claim is X.
CLAIM = re.compile(
    r"\b(?:suggests?|suggested|indicates?|indicated|shows?|showed|shown|supports?|supported|"
    r"demonstrates?|demonstrated|reveals?|revealed|confirms?|confirmed|found|find|provides? "
    r"evidence|conclude[ds]?)\s+that\s+(?P<claim>.+)$",
    re.I,
)
STATS = re.compile(r"\b(95\s*%|CI\b|p\s*[<=>≤]|OR\b|HR\b|RR\b|SMD\b)|±", re.I)
PRIMARY = re.compile(r"\bprimary (outcome|end ?point|analysis)\b", re.I)
OPENER = re.compile(
    r"^(in conclusion|in summary|to conclude|overall|taken together|collectively|together|"
    r"thus|therefore|hence|in this study|in our study|importantly)\s*,?\s*",
    re.I,
)


@dataclass(frozen=True)
class Finding:
    claim: str | None  # what the authors conclude, as a clause
    claim_source: str | None  # the sentence the claim is in
    main_result: str | None  # the result sentence that best carries the claim
    supporting: tuple[str, ...]  # other result sentences, the most telling first
    terms: frozenset[str]  # content stems of claim and main result, acronyms spelled out
    directions: frozenset[str]  # which way they point (see text.terms.DIRECTIONS)
    expansions: tuple[tuple[str, str], ...]  # the abstract's acronyms and their words

    @property
    def quote(self) -> str:
        """What a reviewer is shown as the finding to convey."""
        return self.claim_source or self.main_result or ""


def main_finding(study: Study) -> Finding:
    return _finding(tuple(classify(study)), study.abstract)


@lru_cache(maxsize=256)
def _finding(sentences: tuple[Sentence, ...], abstract: str) -> Finding:
    expansions = acronyms(abstract)
    source = _conclusion(sentences)
    claim = claim_of(source) if source else None
    claim_terms = salient(expand(claim, expansions)) if claim else set()
    results = [s.text for s in sentences if s.role == "results"]
    claim_dirs = directions(claim) if claim else set()
    scores = [
        _result_score(text, claim_terms, claim_dirs) - 0.3 * index
        for index, text in enumerate(results)
    ]
    ranked = sorted(enumerate(results), key=lambda item: (-scores[item[0]], item[0]))
    main = ranked[0][1] if ranked and scores[ranked[0][0]] > 0 else None
    if main is None and results:
        main = results[0]
    if claim is None and main:
        claim, source = main, main
    both = " ".join(t for t in (claim, main) if t)
    return Finding(
        claim=claim,
        claim_source=source,
        main_result=main,
        supporting=tuple(text for _, text in ranked if text != main),
        terms=frozenset(salient(expand(both, expansions))),
        directions=frozenset(directions(both)),
        expansions=tuple(expansions.items()),
    )


def _conclusion(sentences: tuple[Sentence, ...]) -> str | None:
    candidates = [s.text for s in sentences if s.role == "conclusion"]
    claims = [c for c in candidates if not LIMITATION.search(c) and CLAIM.search(c)]
    plain = [c for c in candidates if not LIMITATION.search(c)]
    for pool in (claims, plain):
        if pool:
            return pool[0]
    # An unstructured abstract that ends on "larger trials are needed" usually states its
    # conclusion just before: a result sentence that points somewhere, with no statistics.
    first = next((s.position for s in sentences if s.role == "conclusion"), len(sentences))
    for sentence in reversed(sentences[:first]):
        if (
            sentence.role == "results"
            and directions(sentence.text)
            and not STATS.search(sentence.text)
        ):
            return sentence.text
        if sentence.role != "results":
            break
    return None


def claim_of(sentence: str) -> str:
    """The clause a sentence claims: "Our data suggest that X." -> "X."."""
    text = sentence.strip().rstrip(".")
    match = CLAIM.search(text)
    clause = match.group("claim") if match else OPENER.sub("", text)
    return clause[:1].upper() + clause[1:] + "."


def _result_score(sentence: str, claim_terms: set[str], claim_dirs: set[str]) -> float:
    score = 0.0
    found = directions(sentence)
    score += len(found - {"null"}) + (1 if found == {"null"} else 0)
    if "null" in found and claim_dirs - {"null"}:
        score -= 1.5  # a null secondary result beside a positive claim is not the main one
    if directions(sentence) and PRIMARY.search(sentence):
        score += 3  # the primary outcome's result, not the sentence that names the outcome
    score += len(salient(sentence) & claim_terms)
    if re.search(r"\d", sentence):
        score += 0.5
    return score


@lru_cache(maxsize=256)
def study_vocabulary(study_text: str) -> frozenset[str]:
    """Content stems of the study's own text, widened by the house's explanations of its terms,
    so "a protein released when nerve cells are damaged" still counts as about neurofilament.
    The glossary's word swaps are left out: "checked" for "evaluated" would make any
    sentence with "check" in it look specific."""
    expansions = acronyms(study_text)
    stems = salient(expand(study_text, expansions))
    lower = study_text.lower()
    for term, explanation in explanations().items():
        if term in lower:
            stems |= {stem(w.lower()) for w in tokens(explanation) if not is_plain(w)}
    return frozenset(stems)
