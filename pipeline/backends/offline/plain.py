"""Plain-language rewriting by rule: the offline drafter's toolbox.

Takes abstract sentences and makes them shorter and plainer: statistics go (in brackets or
inline: p-values, confidence intervals, r, d, I², n = …, ratios), acronyms are spelled out,
research words get the glossary's plain substitutes (`prompts/glossary.toml`), and a technical
term gets its plain explanation on first use (`prompts/explanations.toml`). Key numbers stay
exactly as the abstract gives them.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from pipeline.text import (
    PhraseIndex,
    explanations,
    glossary,
    glossary_index,
    is_plain,
    syllables,
)

_STATS_BRACKET = re.compile(
    r"\s*[\(\[][^()\[\]]*?(\bp\s*[<=>≤]|\bCI\b|95%|\bOR\b|\bRR\b|\bHR\b|\bSMD\b|\bMD\b|\bn\s*=|"
    r"±|\bSD\b|\bIQR\b|\bvs\b|;|\d\s*(to|-|–)\s*\d)[^()\[\]]*[\)\]]"
)
_INLINE_STATS = re.compile(
    r"\s*±\s*\d+(?:\.\d+)?%?|,?\s*\bp\s*[<=>≤]\s*0?\.\d+|,?\s*95%\s*CI[^,;.]*(?:\.\d+)*"
    # "n = 71", "d = 0.31", "r = -0.4", "I² = 58%", "rho 0.29", "OR 2.8", "beta -0.31"
    r"|,?\s*\b(?:n|d|r|rho|beta|I²|I2|OR|HR|RR|SMD|MD|AUC|kappa)\s*(?:[=:]\s*|\s)-?\d+(?:\.\d+)?%?"
    r"|,?\s*[ρβκ]\s*=?\s*-?\d+(?:\.\d+)?"
    # "(adjusted) odds ratio of 2.8": the direction is said in words elsewhere in the sentence
    r"|,?\s*(?:with )?an? (?:adjusted |crude )?(?:(?:odds|hazard|rate|risk) ratio|relative risk)"
    r" (?:of )?\d+(?:\.\d+)?",
    re.I,
)
# Lab shorthand a reader cannot decode: "Olig2+CC1+", "25(OH)D", "g-ratio", "pwMS", "6MWT".
SHORTHAND = re.compile(
    r"(?<![\w-])(?:[A-Za-z]*\d+[A-Za-z]+\d*\+?|[A-Za-z]+\d+\+|pw[A-Z]{2,}|[a-z]-ratio|"
    r"\d+\([A-Z]+\)[A-Z])(?![\w-])"
)
_ANY_BRACKET = re.compile(r"\s*\([^()]*\)")
# The authors' "we" and "our" become the researchers': the summary speaks about them.
_FIRST_PERSON = (
    (re.compile(r"^[Ww]e\b"), "The researchers"),
    (re.compile(r"(?<=[,;] )we\b|(?<= that )we\b|(?<= and )we\b"), "the researchers"),
    (re.compile(r"\bwe\b"), "they"),
    (re.compile(r"\bOur\b"), "Their"),
    (re.compile(r"\bour\b"), "their"),
)
_OPENERS = re.compile(
    r"^(in conclusion|in summary|overall|taken together|collectively|importantly|notably|"
    r"interestingly|furthermore|moreover|additionally|however|thus|therefore|finally|here|so|"
    r"hence|consequently|accordingly|also|"
    r"in this study|in this work|in this paper)\s*,\s*",
    re.I,
)


def drop_opener(sentence: str) -> str:
    """The sentence without a linking opener ("Importantly, ", "Here, ") it needs no more."""
    return _OPENERS.sub("", sentence)


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
                if acronym in seen or acronym not in text:
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


_MID_HOWEVER = re.compile(r",\s+however,\s+", re.I)


def simplify(
    sentence: str, expansions: dict[str, str], explained: set[str], *, explain: bool = True
) -> str:
    """One sentence made plainer; `explained` carries explain-once terms across a draft."""
    # A draft tries several readings of each sentence and its revise rounds repeat them, so
    # the same call comes back often; the rewrite is pure given these four inputs.
    text, added = _simplified(sentence, tuple(expansions.items()), frozenset(explained), explain)
    explained |= added
    return text


@lru_cache(maxsize=8192)
def _simplified(
    sentence: str,
    expansion_items: tuple[tuple[str, str], ...],
    already: frozenset[str],
    explain: bool,
) -> tuple[str, frozenset[str]]:
    expansions = dict(expansion_items)
    explained = set(already)
    text = _OPENERS.sub("", sentence)
    text = _STATS_BRACKET.sub("", text)
    text = _ANY_BRACKET.sub("", text)
    text = _INLINE_STATS.sub("", text)
    for acronym, phrase in expansions.items():
        if acronym in text:
            text = _acronym_pattern(acronym).sub(phrase, text)
    # "In natural systems, however, the prevalence…": the glossary's "but" would break it.
    text = _MID_HOWEVER.sub(", ", text)
    entries = glossary()
    for position in glossary_index().candidates(text):
        _term, pattern, plain, explain_once = entries[position]
        if explain_once:
            key = pattern.pattern
            if key in explained or not pattern.search(text):
                continue
            explained.add(key)
            text = pattern.sub(lambda m, p=plain: _keep_case(m.group(0), p), text, count=1)
        else:
            text = pattern.sub(lambda m, p=plain: _keep_case(m.group(0), p), text)
    for pattern, replacement in _FIRST_PERSON:
        text = pattern.sub(replacement, text)
    if explain:
        text = explain_terms(text, explained)
    text = re.sub(r"^(But|So|Also|While),\s+", r"\1 ", text)
    text = re.sub(r"\s+([,.;:)\]])", r"\1", text)  # also pre-tokenised text: "ones , However"
    text = re.sub(r"([(\[])\s+", r"\1", text)
    text = re.sub(r",\s*,", ",", text)
    text = re.sub(r"\s{2,}", " ", text).strip(" ,;")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text, frozenset(explained - already)


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


def explain_terms(text: str, explained: set[str], long_words: int = 18) -> str:
    """Put a technical term's plain explanation after its first use in the draft: in brackets
    in a short sentence, or as its own short sentence after a long one ("Lesion means damaged
    or scarred tissue."), since a bracket inside a long sentence makes it longer still."""
    patterns, index = _explanation_patterns()
    defined: list[str] = []
    for position in index.candidates(text):
        term, meaning, key = patterns[position]
        if term.pattern in explained:
            continue
        match = term.search(text)
        if match:
            explained.add(term.pattern)
            after = text[match.end() :]
            if after.startswith((" (", ", a ", ", an ", ", the ", ", which")):
                continue  # already explained in the sentence itself
            if len(text.split()) + len(meaning.split()) <= long_words:
                text = f"{text[: match.end()]} ({meaning}){after}"
                continue
            name = match.group(0)
            name = name[: len(key)]  # "Relapses" is defined as "Relapse"
            defined.append(f"{name[:1].upper()}{name[1:]} means {meaning}.")
    if not defined:
        return text
    host = text.rstrip()
    return " ".join([host if host.endswith((".", "!", "?")) else host + ".", *defined])


def shown(keys: set[str], text: str) -> set[str]:
    """The explain-once keys whose explanation (or glossary substitute) `text` still holds: a
    piece that was cut or dropped took its brackets with it, so its term is not explained."""
    meanings = _meanings()
    return {k for k in keys if meanings.get(k, "\0") in text}


@cache
def _meanings() -> dict[str, str]:
    """Explain-once key -> the words that show it explained: its explanation, else its
    glossary substitute. Built once: the drafter asks for every piece it tries."""
    found = {pattern.pattern: plain for _, pattern, plain, once in glossary() if once and plain}
    found.update({t.pattern: meaning for t, meaning, _ in _explanation_patterns()[0] if meaning})
    return found


_LOWER_WORD = re.compile(r"(?<![\w-])[a-z][a-z]+(?:-[a-z]+)*(?![\w-])")


@lru_cache(maxsize=16384)
def hard_terms(text: str) -> tuple[str, ...]:
    """Words a reader may not know that the text does not explain: the jargon check's rule
    (three or more syllables, outside the plain vocabulary), without the bracketed ones.
    Cached: the drafter asks it of the same keywords and candidate sentences many times."""
    bare = _ANY_BRACKET.sub("", text)
    return tuple(w for w in _LOWER_WORD.findall(bare) if syllables(w) >= 3 and not is_plain(w))


@cache
def _explanation_patterns() -> tuple[tuple[tuple[re.Pattern[str], str, str], ...], PhraseIndex]:
    entries = sorted(explanations().items(), key=lambda kv: -len(kv[0]))
    patterns = tuple(
        (re.compile(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", re.I), meaning, term)
        for term, meaning in entries
    )
    return patterns, PhraseIndex(term for term, _ in entries)


@lru_cache(maxsize=4096)
def _acronym_pattern(acronym: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(acronym)}s?(?![\w-])")


_CERTAIN = re.compile(
    r"\b(shows?|showed|shown|demonstrates?|demonstrated|confirms?|confirmed)"
    r" that",
    re.I,
)
_HEDGED = {
    **dict.fromkeys(("show", "demonstrate", "confirm"), "suggest"),
    **dict.fromkeys(("shows", "demonstrates", "confirms"), "suggests"),
    **dict.fromkeys(("showed", "shown", "demonstrated", "confirmed"), "suggested"),
}


def hedge_certainty(text: str) -> str:
    """ "showed that" → "suggested that": for designs that cannot show things, only suggest."""
    return _CERTAIN.sub(lambda m: _HEDGED[m.group(1).lower()] + " that", text)


# Parts of a long sentence that a headline or a short sentence can lose: a leading setting
# ("In teenagers and young adults,"), an aside ("especially in males,"), a trailing consequence
# (", driven by injury deaths", ", suggesting that…").
LEAD = re.compile(
    r"^(?:in|among|for|after|during|across|at|over|within|compared with|overall|together|"
    r"here|thus|taken together|in addition)\b[^,]{0,80},\s+",
    re.I,
)
_ASIDE = re.compile(
    r",\s+(?:especially|particularly|including|notably|mainly|mostly|such as|namely)\b[^,]*,",
    re.I,
)
_TAIL = re.compile(
    r",\s+(?:driven|leading|resulting|suggesting|indicating|highlighting|which|thereby|making|"
    r"allowing|consistent|as well as|compared|whereas|while|with|as|and thus|thus|and this)\b.*$",
    re.I,
)


_OPENING_PHRASE = re.compile(
    r"(?:in|at|after|among|for|during|of|over|with|by|from|when|while|although|though|"
    r"because|since|if|unlike|compared|despite|before|to)\b",
    re.I,
)
_LIST_REST = re.compile(r",\s+(?:a|an|the|and)\s(?![^()]*\)).*$")


def compressed(text: str) -> list[str]:
    """Shorter readings of a long sentence, each still a whole clause, shortest last."""
    body = text.strip().rstrip(".")
    out: list[str] = []
    # The first item of a list of results: "…41% more mature oligodendrocytes, a higher
    # share of remyelinated axons and thicker myelin" keeps its first result.
    # Not after an opening phrase: "In the 7 trials with follow-up, the effect faded" would
    # keep only "In the 7 trials with follow-up".
    listed = body if _OPENING_PHRASE.match(body) else _LIST_REST.sub("", body)
    for cut in (_ASIDE.sub(",", body), _TAIL.sub("", body), listed):
        for variant in (cut, LEAD.sub("", cut), _TAIL.sub("", LEAD.sub("", cut))):
            variant = variant.strip(" ,")
            if variant != body and len(variant.split()) >= 5 and variant not in out:
                out.append(variant[0].upper() + variant[1:] + ".")
    return out
