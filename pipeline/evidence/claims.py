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
- **Population**: animals and cells, age and sex groups, a small group, the audience's own
  condition. A sentence generalises when its support names animals or cells and it does not,
  or names an age or sex group it drops, or when it speaks of people with the audience's
  condition while its support never names it.
- **Hedge**: "may", "suggests", "probably" (modal), or "was linked to" (an association); a
  sentence that states as fact what its support hedges generalises too (the commonest
  over-generalisation Peters & Chin-Yee 2025 measured).
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
_POLES: dict[str, tuple[str, int]] = {
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

ANIMALS = re.compile(
    r"\b(mice|mouse|murine|rats?|rodents?|animals?|zebrafish|drosophila|(fruit )?fl(y|ies)|"
    r"worms?|elegans|monkeys?|macaques?|primates?|pigs?|piglets?|dogs?|cats?|sheep|rabbits?|"
    r"hamsters?|ferrets?|marmosets?|crickets?|insects?|yeast|bacteria|embryos?|larvae)\b",
    re.I,
)
CELLS = re.compile(
    r"\b(in vitro|cell lines?|cultured|cultures?|organoids?|lab[- ]grown|dish(es)?|"
    r"tissue samples?|fibroblasts|in (?:a|the) lab(?:oratory)?|cells grown)\b",
    re.I,
)
# The abstract's words for people, which a plain draft says as "people": "isolates from 29
# individuals" supports "from 29 people", "cells from 12 donors" "cells from 12 people".
PEOPLE_WORDS = re.compile(
    r"\b(people|persons?|humans?|patients|adults|individuals|subjects|donors|participants|"
    r"volunteers|families|children|women|men|cohorts?|carriers|cases)\b",
    re.I,
)
GROUPS = re.compile(
    r"\b(children|child|kids|adolescents?|teen(ager)?s?|infants?|babies|newborns?|"
    r"older (adults|people)|elderly|young (adults|people|men|women)|women|men|girls|boys|"
    r"males?|females?|pregnan(t|cy)|postmenopausal|veterans)\b",
    re.I,
)
SMALL_GROUP = re.compile(r"\b(small|few|pilot|handful)\b", re.I)
MODAL = re.compile(
    r"\b(may|might|could|can|possibl[ey]|probabl[ey]|likely|unlikely|suggests?|suggested|"
    r"suggesting|appears?|appeared|seems?|seemed|potential(ly)?|perhaps|indicat\w*|"
    r"hint\w*|point(s|ed)? to|promise|promising|hypothes\w*|propose[ds]?|thought|"
    r"believed?|unclear|uncertain|would)\b",
    re.I,
)
LINKS = re.compile(
    r"\b(linked|link|links|associated|association|correlat\w*|related|tied|tends?|tended)\b",
    re.I,
)


@cache
def equivalents() -> dict[str, tuple[str, ...]]:
    """Plain words a rewrite may use for an abstract's word (`prompts/equivalents.toml`)."""
    raw = tomllib.loads(prompt_file("equivalents.toml").read_text("utf-8"))["same"]
    return {key.lower(): tuple(words) for key, words in raw.items()}


def _same(word: str) -> list[str]:
    return [w for key, same in equivalents().items() if word.startswith(key) for w in same]


def _words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in _WORD.findall(text)]


@lru_cache(maxsize=16384)
def pointing(text: str) -> tuple[tuple[str, int, frozenset[str]], ...]:
    """Each direction word as (axis, sign, the content stems within `WINDOW` tokens of it)."""
    words = _words(UNCERTAIN.sub(" ", text))
    out = []
    for i, word in enumerate(words):
        pole = _POLES.get(word)
        if not pole:
            continue
        near = set()
        for other in words[max(0, i - WINDOW) : i + WINDOW + 1]:
            if len(other) >= 3 and other not in STOP and other not in _POLES:
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
    words = _words(UNCERTAIN.sub(" ", text))
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
    head = {stem(w) for w in _words(text[: match.start()]) if len(w) >= 3 and w not in STOP}
    tail = _words(text[match.end() :])[:5]
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


HUMANS = re.compile(
    r"\b(people|persons?|humans?|patients|adults|everyone|anyone|all of us)\b", re.I
)
NEAR = 8  # words either side of a population or hedge word that it governs
SHARED = 2  # content words a sentence must keep of that stretch for the word to apply to it


def _governed(source: str, match: re.Match[str], sentence: str, *, ahead: bool = False) -> bool:
    """Whether the population or hedge word at `match` governs content `sentence` keeps: the
    words after it up to a semicolon, and (unless `ahead`: "may", "suggests" govern what
    follows them) those before it in its clause. Direction words count ("might reduce that
    contribution"), words compare by their first five letters ("reduce"/"reduces")."""
    before = "" if ahead else re.split(r"[,;:]", source[: match.start()])[-1]
    words = _words(before)[-NEAR:] + _words(source[match.end() :].split(";")[0])[:NEAR]
    stretch = {_root(w) for w in words if len(w) >= 3 and (w not in STOP or w in _POLES)}
    kept = {_root(w) for w in _words(sentence) if len(w) >= 3}
    # "may be underreported.": a hedge with one content word after it governs that word
    return bool(stretch) and len(stretch & kept) >= min(SHARED, len(stretch))


def _root(word: str) -> str:
    return stem(word)[:5]


def generalisation(
    sentence: str, support: list[str], audience: re.Pattern[str], section: str = ""
) -> str | None:
    """Why `sentence` claims more widely or more surely than its support, or None. `section`
    is the text of the sentence's section: animals or a group named elsewhere in it count."""
    source = " ".join(support)
    context = section or sentence
    for pattern, what in ((ANIMALS, "animals"), (CELLS, "lab cells")):
        for found in pattern.finditer(source):
            if not _governed(source, found, sentence):
                continue
            said = HUMANS.search(sentence)
            if said and not pattern.search(sentence) and not PEOPLE_WORDS.search(source):
                return f'it says people where the abstract says {what} ("{found.group(0)}")'
            if not ANIMALS.search(context) and not CELLS.search(context):
                return f'it drops that the work was in {what} ("{found.group(0)}")'
    for group in GROUPS.finditer(source):
        if _governed(source, group, sentence) and not GROUPS.search(context):
            return f'it drops the group studied ("{group.group(0)}")'
    if audience.search(sentence) and not audience.search(source):
        small = SMALL_GROUP.search(source)
        extra = f' ("{small.group(0)}" group)' if small else ""
        return (
            "it speaks of people with the audience's condition where the abstract does not" + extra
        )
    # "may reduce" → "reduces" drops a modal hedge; "was linked to" → "improves" drops the
    # link, unless a modal hedge stands in for it.
    for hedges, kept, ahead in ((MODAL, (MODAL,), True), (LINKS, (LINKS, MODAL), False)):
        if any(h.search(sentence) for h in kept):
            continue
        for hedge in hedges.finditer(source):
            if _governed(source, hedge, sentence, ahead=ahead):
                return f'it states as fact what the abstract hedges ("{hedge.group(0)}")'
    return None
