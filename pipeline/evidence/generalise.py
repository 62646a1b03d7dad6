"""Whom a sentence is about and how sure it is, against the abstract sentences it rests on
(`pipeline.evidence.claims` reads which way it points and what it denies).

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

from pipeline.evidence.claims import POLES, claim_words
from pipeline.text import STOP, stem

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
    words = claim_words(before)[-NEAR:] + claim_words(source[match.end() :].split(";")[0])[:NEAR]
    stretch = {_root(w) for w in words if len(w) >= 3 and (w not in STOP or w in POLES)}
    kept = {_root(w) for w in claim_words(sentence) if len(w) >= 3}
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
