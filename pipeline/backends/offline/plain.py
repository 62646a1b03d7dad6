"""Plain-language rewriting by rule: the offline drafter's toolbox.

Takes abstract sentences and makes them shorter and plainer: statistics in brackets go, acronyms
are spelled out, research words get the glossary's plain substitutes (`prompts/glossary.toml`),
and each sentence gets a role (objective, methods, results, conclusion) so the drafter can pick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.records import Study
from pipeline.text import glossary, sentence_spans

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
        r"(sought|asked|hypothesi[sz]ed)|remains? (unclear|unknown))\b",
        re.I,
    ),
    "methods": re.compile(
        r"\b(we (recruited|enrolled|included|used|performed|analy[sz]ed|"
        r"collected|measured|conducted)|were (recruited|enrolled|randomi[sz]ed|"
        r"assigned|included)|data were|using)\b",
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
_STATS_BRACKET = re.compile(
    r"\s*[\(\[][^()\[\]]*?(\bp\s*[<=>≤]|\bCI\b|95%|\bOR\b|\bRR\b|\bHR\b|\bSMD\b|\bMD\b|\bn\s*=|"
    r"±|\bSD\b|\bIQR\b|\bvs\b|;|\d\s*(to|-|–)\s*\d)[^()\[\]]*[\)\]]"
)
_INLINE_STATS = re.compile(
    r"\s*±\s*\d+(?:\.\d+)?%?|,?\s*\bp\s*[<=>≤]\s*0?\.\d+|,?\s*95%\s*CI[^,;.]*(?:\.\d+)*", re.I
)
_ANY_BRACKET = re.compile(r"\s*\([^()]*\)")
_ACRONYM_DEF = re.compile(
    # "antigen 1 (EBNA-1)": the words may end in a number that the acronym repeats
    r"((?:[A-Za-z][\w'-]*\s+){0,6}[A-Za-z][\w'-]*(?:\s+\d+)?)\s*\(([A-Z][A-Za-z0-9-]*[A-Z0-9]s?)\)"
)
_OPENERS = re.compile(
    r"^(in conclusion|in summary|overall|taken together|collectively|importantly|notably|"
    r"interestingly|furthermore|moreover|additionally|however|thus|therefore|finally),\s*",
    re.I,
)


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
    """Abstract sentences with their roles: from section labels when given, else from cues."""
    units: list[tuple[str | None, str]] = (
        [(s.label, s.text) for s in study.sections] if study.sections else [(None, study.abstract)]
    )
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
    return out


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


def _initials_fit(tokens: list[str], letters: str) -> bool:
    """Do these words spell the acronym's letters? A capitalised acronym inside the phrase may
    give several of its letters ("EBV nuclear antigen" spells EBNA: EB + N + A)."""
    if not letters or not tokens:
        return not letters and not tokens
    last = tokens[-1]
    options = (
        [last[:n].lower() for n in range(1, len(last) + 1)] if last.isupper() else [last[0].lower()]
    )
    return any(
        letters.endswith(option) and _initials_fit(tokens[:-1], letters[: -len(option)])
        for option in options
    )


def acronyms(text: str) -> dict[str, str]:
    """Acronyms the abstract defines: {"CP": "choroid plexus"} from "choroid plexus (CP)".

    "C-reactive protein (CRP)" and "EBV nuclear antigen 1 (EBNA-1)" count too: initials are
    read from hyphen-split parts, numbers are skipped, and an acronym inside the phrase may
    give several letters. The shortest run of words ending the phrase that fits is taken.
    """
    found: dict[str, str] = {}
    for match in _ACRONYM_DEF.finditer(text):
        phrase, acronym = match.group(1), match.group(2).removesuffix("s")
        letters = "".join(c.lower() for c in acronym if c.isalpha())
        parts = [(m.start(), m.group(0)) for m in re.finditer(r"[A-Za-z][\w']*", phrase)]
        for start in range(len(parts) - 1, -1, -1):
            if _initials_fit([word for _, word in parts[start:]], letters):
                found[acronym] = phrase[parts[start][0] :]
                break
    return found


def explain_acronyms(sections: list[str], expansions: dict[str, str]) -> list[str]:
    """Spell out each known acronym at its first use across the sections, in reading order."""
    seen: set[str] = set()
    out = []
    for text in sections:
        # A spelled-out form may itself hold an acronym ("EBV nuclear antigen 1 (EBNA-1)"),
        # so look again until nothing new appears.
        for _ in range(3):
            before = text
            for acronym, phrase in expansions.items():
                if acronym in seen:
                    continue
                pattern = re.compile(rf"(?<![\w(-]){re.escape(acronym)}(?![\w-])")
                if pattern.search(text):
                    seen.add(acronym)
                    if f"({acronym})" not in text:
                        text = pattern.sub(f"{phrase} ({acronym})", text, count=1)
            if text == before:
                break
        out.append(text)
    return out


def simplify(sentence: str, expansions: dict[str, str], explained: set[str]) -> str:
    """One sentence made plainer; `explained` carries explain-once terms across a draft."""
    text = _OPENERS.sub("", sentence)
    text = _STATS_BRACKET.sub("", text)
    text = _ANY_BRACKET.sub("", text)
    text = _INLINE_STATS.sub("", text)
    for acronym, phrase in expansions.items():
        text = re.sub(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w-])", phrase, text)
    for _term, pattern, plain, explain_once in glossary():
        if explain_once:
            key = pattern.pattern
            if key in explained or not pattern.search(text):
                continue
            explained.add(key)
            text = pattern.sub(lambda m, p=plain: _keep_case(m.group(0), p), text, count=1)
        else:
            text = pattern.sub(lambda m, p=plain: _keep_case(m.group(0), p), text)
    text = re.sub(r"^(But|So|Also|While),\s+", r"\1 ", text)
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"\s{2,}", " ", text).strip(" ,;")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _keep_case(original: str, plain: str) -> str:
    if plain and original[:1].isupper():
        return plain[0].upper() + plain[1:]
    return plain


def split_long(sentence: str, max_words: int = 22) -> list[str]:
    """Break a long sentence at semicolons and at ", and"/", but"/", while" joints."""
    if len(sentence.split()) <= max_words:
        return [sentence]
    # ", and" only before a word that starts a clause: "A, B, and C levels" must stay whole.
    parts = re.split(
        r";\s+|,\s+(?=(?:but|while|whereas)\s|and (?:the|this|these|those|it|"
        r"they|there|we|no|only|most)\s)",
        sentence,
    )
    out = []
    for part in parts:
        part = re.sub(r"^(and|but|while|whereas)\s+", "", part.strip(), flags=re.I)
        if len(part.split()) < 4:
            if out:
                out[-1] = out[-1].rstrip(".") + ", " + part
            continue
        part = part[0].upper() + part[1:]
        out.append(part if part.endswith((".", "!", "?")) else part + ".")
    return out or [sentence]
