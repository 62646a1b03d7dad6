"""What a passage is about and which way it points: content-word stems and direction words.
The findings reader, the content checks and the offline drafter compare texts through these,
so "IL-6 was higher" and "more interleukin-6" meet on the same terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")

# Function words and the words every study uses: they say nothing about what it found.
_STOP_WORDS = """
    a about above after again against all also although among an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each either few for from further had has have having he her here hers him his how
    however i if in into is it its itself just may me might more most much must my no nor
    not now of off on once only or other our ours out over own per same she should since so
    some such than that the their them then there these they this those through thus to too
    under until up upon us very via was we were what when where whether which while who whom
    whose why will with within without would yet you your one two three four five six seven
    eight nine ten first second third new whereas study studies studied research researcher
    researchers result results finding findings found find show shows showed shown suggest
    suggests suggested suggesting conclude conclusion conclusions data analysis analyses
    analysed analyzed patient patients people person participant participants subject
    subjects individual individuals group groups total compared comparison included
    including use used using based present report reported observed evaluate evaluated
    assess assessed examine examined investigate investigated aim aimed objective method
    methods trial trials cohort sample overall respectively significant significantly
    statistically level levels measure measured value values effect effects factor factors
    evidence year years month months week weeks day days time times rate rates number
    numbers score scores total baseline follow-up case cases associated association
    associations linked link related relationship higher lower increase increased decrease
    decreased reduced reduce improved improve difference differences change changes changed
    versus vs among whereas within across several many likely may might could possible
    potential potentially important role
"""
STOP = frozenset(_STOP_WORDS.split())
# Words title case leaves lower-case ("How Vitamin D May Be Linked to Relapses in MS").
_SMALL = "a an and as at but by for from in into nor of on or per the to vs via with"
TITLE_SMALL_WORDS = frozenset(_SMALL.split())

# Direction words by the way they point. A takeaway states a finding when it has one of these;
# two texts agree on a result when they share a group.
DIRECTIONS: dict[str, tuple[str, ...]] = {
    "up": (
        "higher",
        "high",
        "increase",
        "increased",
        "increases",
        "increasing",
        "more",
        "greater",
        "larger",
        "bigger",
        "elevated",
        "raised",
        "rise",
        "rose",
        "grew",
        "grow",
        "gain",
        "gained",
        "swelling",
        "swollen",
        "enlarged",
        "enlargement",
        "faster",
        "boost",
        "boosted",
        "doubled",
        "stronger",
        "worse",
        "worsened",
        "worsening",
        "highest",
        "greatest",
        "largest",
        "peak",
        "peaked",
    ),
    "down": (
        "lower",
        "low",
        "decrease",
        "decreased",
        "decreases",
        "reduce",
        "reduced",
        "reduces",
        "reduction",
        "less",
        "fewer",
        "smaller",
        "decline",
        "declined",
        "drop",
        "dropped",
        "fell",
        "loss",
        "lost",
        "shrink",
        "shrinkage",
        "slower",
        "slowed",
        "weaker",
        "cut",
        "lowered",
        "lowest",
        "smallest",
        "fewest",
    ),
    "link": (
        "associated",
        "association",
        "linked",
        "link",
        "links",
        "related",
        "correlated",
        "correlation",
        "connected",
        "tied",
        "predicted",
        "predicts",
        "predictor",
        "marker",
        "relationship",
        "depends",
    ),
    "good": (
        "improved",
        "improve",
        "improves",
        "improvement",
        "better",
        "benefit",
        "benefits",
        "helped",
        "help",
        "helps",
        "effective",
        "safe",
        "safely",
        "feasible",
        "tolerated",
        "protected",
        "protects",
        "protective",
        "restored",
        "recovered",
        "repair",
        "repaired",
        "prevented",
        "relief",
        "works",
        "worked",
    ),
    "bad": (
        "harm",
        "harmful",
        "damage",
        "damaged",
        "toxic",
        "risk",
        "risks",
        "impaired",
        "side effects",
        "adverse",
    ),
    # "X plays a key role in Y", "Y depends on X": a finding about what drives what
    "role": (
        "role",
        "roles",
        "involved",
        "involvement",
        "regulates",
        "regulate",
        "regulated",
        "controls",
        "controlled",
        "drives",
        "driven",
        "required",
        "essential",
        "mediates",
        "mediated",
        "underlies",
        "explains",
        "explained",
        "depends",
        "depend",
        "key",
        "triggers",
        "triggered",
        "causes",
        "caused",
        "leads",
        "led",
        "contributes",
        "contribute",
        "determines",
        "determined",
        "shapes",
        "activates",
        "activated",
        "inhibits",
        "inhibited",
        "blocks",
        "blocked",
        "promotes",
        "promoted",
        "enables",
        "encodes",
        "acts as",
        "act as",
        "serves as",
        "needed for",
        "responsible for",
        "influences",
        "influenced by",
        "affects",
        "underlie",
        "distinguish",
        "distinguishes",
        "takes part in",
        "take part in",
        "alters",
        "altered",
        "induces",
        "induced",
        "enhances",
        "suppresses",
        "suppressed",
    ),
    "null": (
        "no difference",
        "not differ",
        "did not",
        "no clear",
        "no effect",
        "not associated",
        "not linked",
        "unchanged",
        "similar",
        "comparable",
        "no change",
        "not change",
        "was not",
        "were not",
        "no link",
        "no significant",
        "not improve",
        "did not differ",
    ),
}
_DIRECTION_RX = {
    group: re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.I)
    for group, words in DIRECTIONS.items()
}
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ities",
    "ity",
    "ments",
    "ment",
    "ness",
    "ings",
    "ing",
    "ively",
    "ive",
    "edly",
    "ed",
    "ies",
    "es",
    "ly",
    "al",
    "s",
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude, stable stem: enough for "lesions"/"lesion" and "improved"/"improving" (not
    for "associated"/"association"). A final "e" goes too, so "disease" meets "diseases" and
    "relapse" meets "relapses", whose "-es" is cut whole."""
    word = word.lower().strip("'’-")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4 and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word[:-1] if len(word) >= 5 and word.endswith("e") else word


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def salient(text: str, extra_stop: frozenset[str] = frozenset()) -> set[str]:
    """Stems of the content words: what a passage is about, without the study-report words."""
    out = set()
    for token in tokens(text):
        lower = token.lower().strip("'’-")
        if len(lower) < 3 or lower in STOP or lower in extra_stop:
            continue
        out.add(stem(lower))
    return out


@lru_cache(maxsize=16384)
def directions(text: str) -> frozenset[str]:
    """The direction groups a passage uses ("up", "down", "link", "good", "bad", "null").
    Cached: the drafter scores each candidate sentence and the checks re-read each section."""
    return frozenset(group for group, pattern in _DIRECTION_RX.items() if pattern.search(text))
