"""What a sentence claims beyond its words: which way it points, what it denies, whom it is
about and how sure it is. The aligner says which abstract sentences a summary sentence rests
on; these say whether it still agrees with them.

- **Direction**: a direction word ("higher", "reduced", "improved", "worse") is tied to the
  content words within `WINDOW` tokens of it; a sentence contradicts its support when a word
  they share points up in one and only down in the other.
- **Negation**: "not", "no", "did not", "no difference", "unchanged" deny the content words
  after them, up to the clause's end; a sentence that affirms what its support denies (or the
  reverse) contradicts it. "Not clear", "unknown", "not enough evidence" are uncertainty, not
  denial, and are read as such on both sides.

Whom a sentence is about and how sure it is: `pipeline.evidence.generalise`.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache

from pipeline.settings import prompt_file
from pipeline.text import DIRECTIONS, STOP, stem, tokens

WINDOW = 4
_WORSE = frozenset({"worse", "worsened", "worsening", "worsen", "worsens"})
# axis, sign: up/down is amount, better/worse is quality
POLES: dict[str, tuple[str, int]] = {
    **{w: ("amount", 1) for w in DIRECTIONS["up"] if w not in _WORSE and " " not in w},
    **{w: ("amount", -1) for w in DIRECTIONS["down"] if " " not in w},
    **{w: ("quality", 1) for w in DIRECTIONS["good"] if " " not in w},
    **{w: ("quality", -1) for w in _WORSE | {"deteriorated", "deterioration", "harmful"}},
    # words the direction lists leave out, common in results sentences
    **{w: ("quality", 1) for w in ("enhance", "enhanced", "enhances", "enhancing", "superior")},
    **{w: ("quality", 1) for w in ("strengthen", "strengthened", "beneficial", "favourable")},
    **{w: ("quality", -1) for w in ("impair", "impairs", "impaired", "inferior", "deteriorate")},
    **{w: ("amount", -1) for w in ("suppress", "suppressed", "suppresses", "attenuated")},
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*|[,;:]|\bbut\b|\bwhile\b|\bwhereas\b")
UNCERTAIN = re.compile(
    r"\b(not (yet )?(clear|known|certain|sure|enough|sufficient|conclusive|strong enough)|unclear|"
    r"unknown|uncertain(ty)?|inconclusive|insufficient|no (clear )?(conclusions?|data|"
    r"information|evidence) (on|about|for|to|from|was|were|is|are)|cannot be drawn|"
    r"could not (say|tell|determine|draw)|can(not|'t) (say|tell))\b",
    re.I,
)
NEGATION = re.compile(
    r"\b(not|no|never|none|neither|nor|cannot|unchanged|"
    r"unaffected|n't)\b|\b\w+n't\b",
    re.I,
)
# "In mice, …", "In people with diabetes, …" opening a sentence: who was studied
WHO_FIRST = re.compile(
    r"^(in|among|for) [^,]{0,80}\b(people|patients|adults|children|women|men|mice|rats|"
    r"animals|cells|lab|fish|flies|worms|[a-z]+s with [^,]+)\b[^,]{0,80}, ",
    re.I,
)
COMPARISON = re.compile(r"\b(than|compared|versus|vs)\b", re.I)
_CLAUSE_END = frozenset({",", ";", ":", "but", "while", "whereas"})


@cache
def equivalents() -> dict[str, tuple[str, ...]]:
    """Plain words a rewrite may use for an abstract's word (`prompts/equivalents.toml`)."""
    raw = tomllib.loads(prompt_file("equivalents.toml").read_text("utf-8"))["same"]
    return {key.lower(): tuple(words) for key, words in raw.items()}


def _same(word: str) -> list[str]:
    return [w for key, same in equivalents().items() if word.startswith(key) for w in same]


def claim_words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in _WORD.findall(text)]


@lru_cache(maxsize=16384)
def pointing(text: str) -> tuple[tuple[str, int, frozenset[str]], ...]:
    """Each direction word as (axis, sign, the content stems within `WINDOW` tokens of it)."""
    words = claim_words(UNCERTAIN.sub(" ", text))
    out = []
    for i, word in enumerate(words):
        pole = POLES.get(word)
        if not pole:
            continue
        near = set()
        for other in words[max(0, i - WINDOW) : i + WINDOW + 1]:
            if len(other) >= 3 and other not in STOP and other not in POLES:
                near |= {stem(w) for w in (other, *_same(other))}  # "fatigue lower": less tired
        out.append((pole[0], pole[1], frozenset(near)))
    return tuple(out)


def poles(text: str) -> frozenset[tuple[str, str, int]]:
    """(axis, content stem, sign) for every direction word and the words near it."""
    return frozenset((axis, w, sign) for axis, sign, near in pointing(text) for w in near)


@lru_cache(maxsize=16384)
def denied(text: str) -> frozenset[str]:
    """Content stems only a negation speaks of, up to the end of its clause: a stem the text
    also states outside any negation ("reduced pain, but no effect on pain severity") is not
    denied."""
    words = claim_words(UNCERTAIN.sub(" ", text))
    inside: set[str] = set()
    outside: set[str] = set()
    scope = 0
    for word in words:
        if NEGATION.fullmatch(word):
            scope = 7
            continue
        if word in _CLAUSE_END:
            scope = 0
            continue
        if len(word) >= 3 and word not in STOP:
            (inside if scope else outside).add(stem(word))
        scope = max(0, scope - 1)
    return frozenset(inside - outside)


def negated(text: str) -> bool:
    return bool(NEGATION.search(UNCERTAIN.sub(" ", text)))


def _stems(text: str) -> set[str]:
    return {stem(t.lower()) for t in tokens(text) if len(t) >= 3}


def _sides(text: str) -> tuple[set[str], set[str]] | None:
    """Content stems before a comparison's "than"/"compared with"/"versus", and just after."""
    match = COMPARISON.search(text)
    if not match:
        return None
    head = {stem(w) for w in claim_words(text[: match.start()]) if len(w) >= 3 and w not in STOP}
    tail = claim_words(text[match.end() :])[:5]
    return head, {stem(w) for w in tail if len(w) >= 3 and w not in STOP}


def _swapped(sentence: str, source: str) -> bool:
    mine, theirs = _sides(sentence), _sides(source)
    if not mine or not theirs:
        return False
    return bool(mine[1] & theirs[0]) and not mine[1] & theirs[1]


def contradiction(sentence: str, support: list[str]) -> str | None:
    """Why `sentence` says the opposite of the support sentences, or None."""
    sentence = WHO_FIRST.sub("", sentence)  # "In mice, …": who, not what, and read elsewhere
    said = _stems(sentence)
    source = " ".join(support)
    heard = _stems(source)
    mine, theirs = poles(sentence), poles(source)
    # "lower in A than in B" is "higher in B than in A": a comparison made the other way
    # round is not read for its direction. Elsewhere, the words near the sentence's direction
    # words must point the other way in the abstract more often than the same way.
    if not _swapped(sentence, source):
        # each direction word of the sentence: do the words around it point the other way in
        # the abstract more often than the same way?
        for axis, sign, near in pointing(sentence):
            conflicts = sorted(
                w
                for w in near
                if (axis, w, -sign) in theirs
                and (axis, w, sign) not in theirs
                and (axis, w, -sign) not in mine
            )
            agree = [w for w in near if (axis, w, sign) in theirs]
            if conflicts and len(conflicts) > len(agree):
                way = {1: "up", -1: "down"} if axis == "amount" else {1: "better", -1: "worse"}
                word = conflicts[0]
                return f'it says "{word}…" went {way[sign]} where the abstract says {way[-sign]}'
    # The support denies what the sentence affirms ("did not differ" → "differed"), or the
    # sentence denies what its support reports as a change ("increased" → "did not increase").
    theirs_denied, mine_denied = denied(source), denied(sentence)
    lost = theirs_denied & said - mine_denied
    # a sentence with a "not" of its own must have lost it from more than one word
    if lost and (not negated(sentence) or len(lost) >= 3):
        return "it affirms what the abstract denies (a 'not' or 'no difference' was lost)"
    if not negated(sentence) and _negation_dropped(sentence, source):
        return "it affirms what the abstract denies (a 'not' or 'no difference' was lost)"
    pointed = {word for _, word, _ in theirs}
    if not negated(source) and mine_denied & heard & pointed and not theirs_denied:
        return "it denies a change the abstract reports"
    return _nearest_pole_flipped(sentence, source)


# "did not show", "was not reported", "were not enough": the verb a "not" denies; the study
# words ("show", "difference", "reported") that `denied` leaves out are what such results say.
_AUX_NOT = re.compile(
    r"\b(did|does|do|was|were|is|are|has|have|had)\s+not\s+(?:(?:been|yet|significantly|"
    r"clearly)\s+)?([a-z]{3,})",
    re.I,
)
_NO_RESULT = re.compile(
    r"\bno\s+(?:(?:significant|clear|statistically significant|important|meaningful)\s+)?"
    r"(difference|effect|benefit|change|improvement|association|evidence)s?\b",
    re.I,
)


def _negation_dropped(sentence: str, source: str) -> bool:
    """The sentence says "did show" / "was reported" / "a clear difference" where its
    support says "did not show" / "was not reported" / "no difference"."""
    for aux, verb in _AUX_NOT.findall(source):
        if re.search(rf"\b{aux}\s+(?:\w+ly\s+)?{verb}\b", sentence, re.I):
            return True
    for noun in _NO_RESULT.findall(source):
        if re.search(rf"\b(?:a|an|clear|some|significant)\s+(?:\w+\s+)?{noun}", sentence, re.I):
            return True
    return False


def _nearest_pole_flipped(sentence: str, source: str) -> str | None:
    """Each direction word against the abstract's direction word whose neighbours it shares
    most: "a reduced risk of complications, but a higher risk of obstruction" read as one
    bag has "risk" both ways; read word by word, "an increased risk of complications" is the
    opposite of the first."""
    clauses = re.split(r",?\s+(?:but|whereas|while|although)\s+|;\s+", source)
    theirs = [found for clause in clauses for found in pointing(clause)]
    for axis, sign, near in pointing(sentence):
        overlaps = [(len(near & other), s) for a, s, other in theirs if a == axis]
        best = max((n for n, _ in overlaps), default=0)
        if best >= 2 and {s for n, s in overlaps if n == best} == {-sign}:
            way = {1: "up", -1: "down"} if axis == "amount" else {1: "better", -1: "worse"}
            word = sorted(near)[0]
            return f'it says "{word}…" went {way[sign]} where the abstract says {way[-sign]}'
    return None
