"""Short plain sentences composed from an abstract's claim: who or what (the subject), which way
(the relation, hedged to the design), and what it was linked to (the object), with the
population named. "In this cohort, higher vitamin D levels were associated with fewer relapses
and fewer new MRI lesions, but not with disability worsening" becomes "Higher vitamin D levels
may be linked to fewer relapses and fewer new MRI lesions in people with MS."

Extracted sentences keep the abstract's long clauses and score grade 14 to 25; composing keeps
the finding and drops the rest, so the Key Takeaway can be one readable sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.backends.offline.plain import hard_terms, simplify
from pipeline.text import is_verb_at, sentence_problem

RELATION = re.compile(
    r"\b(?P<rel>(?:is|are|was|were)\s+(?:(?:strongly|closely|significantly|independently|"
    r"positively|negatively|inversely|consistently|also)\s+)?(?:associated|linked|correlated|"
    r"related)\s+(?:with|to)"
    r"|(?:did|does|do)\s+not\s+(?:significantly\s+|clearly\s+)?(?:reduce|improve|change|affect|"
    r"lower|increase|differ|alter|slow)"
    r"|(?:was|were)\s+not\s+(?:significantly\s+)?(?:associated|linked|related)\s+(?:with|to)"
    r"|(?:probably\s+|may\s+|might\s+|can\s+|could\s+)?(?:increased|improved|reduced|decreased|"
    r"lowered|raised|doubled|blocked|produced|produces|prevented|protected|slowed|restored|"
    r"enhanced|promoted|predicted|affects|affected|increases|improves|reduces|decreases|lowers|"
    r"blocks|prevents|protects|slows|restores|enhances|promotes|predicts|worsened|delayed)"
    r"|had\s+(?:higher|lower|more|fewer|greater|larger|smaller|less|thicker|thinner|better|worse)"
    r")\b",
    re.I,
)
# A verb's base form, for "may <verb>": the composer and the takeaway's hedge share it.
BASE_FORMS = {
    "increased": "increase",
    "improved": "improve",
    "reduced": "reduce",
    "decreased": "lower",
    "lowered": "lower",
    "raised": "raise",
    "doubled": "double",
    "blocked": "block",
    "produced": "produce",
    "produces": "produce",
    "prevented": "prevent",
    "protected": "protect",
    "slowed": "slow",
    "restored": "restore",
    "enhanced": "boost",
    "promoted": "help",
    "predicted": "predict",
    "affects": "affect",
    "affected": "affect",
    "increases": "increase",
    "improves": "improve",
    "reduces": "reduce",
    "decreases": "lower",
    "lowers": "lower",
    "blocks": "block",
    "prevents": "prevent",
    "protects": "protect",
    "slows": "slow",
    "restores": "restore",
    "enhances": "boost",
    "promotes": "help",
    "predicts": "predict",
    "worsened": "worsen",
    "delayed": "delay",
    "caused": "cause",
    "causes": "cause",
    "drives": "drive",
}
_OPENER = re.compile(
    r"^(?:(?:in|among|within) (?:this|our|the|these) [\w -]{2,40}?,|in (?:adjusted|all|"
    r"multivariable) analyses,|overall,|together,|taken together,|importantly,|in summary,|"
    r"in conclusion,)\s*",
    re.I,
)
_LEADING_POP = re.compile(
    r"^(?:in|among) (?P<pop>(?:people|patients|adults|mice|rats|women|men|"
    r"children)[^,]{0,60}),\s*",
    re.I,
)
_ASIDE = re.compile(r",\s+(?:particularly|especially|notably|mainly|mostly)[^,]*,")
_OBJECT_END = re.compile(
    r",|;|\s+(?:but|although|though|whereas|while|compared (?:with|to)|relative to|over \d+|"
    r"at \d+|after|without|irrespective|regardless|independent of|than in|versus|vs)\b"
)
_GOOD = r"(?:safe|feasible|well[- ]tolerated|acceptable|effective)"
# "The programme met all prespecified criteria and appeared safe and acceptable."
_SAFE = re.compile(
    rf"^(?P<subj>[\w' -]{{3,60}}?)\s+(?:met [^,]*? and\s+)?(?P<verb>appeared|was|were|seemed|"
    rf"proved)\s+(?:to be\s+)?(?P<adj>{_GOOD}(?:(?:,\s*|,?\s+and\s+){_GOOD})*)",
    re.I,
)
_BRACKET = re.compile(r"\s*[\(\[][^()\[\]]*[\)\]]")
_HEDGE_WORDS = re.compile(
    r"\b(?:probably|roughly|strongly|closely)\s+|\s+(?:probably|roughly)\s*$", re.I
)


@dataclass(frozen=True)
class Claim:
    subject: str
    relation: str
    obj: str
    population: str | None  # "people with MS and moderate walking impairment", when the claim says
    null: bool


def parse(sentence: str) -> Claim | None:
    """Subject, relation and object of a claim sentence, or None when it has no relation."""
    text = sentence.strip().rstrip(".")
    for _ in range(2):  # brackets hold statistics and asides, never the claim; nested once
        text = _BRACKET.sub("", text)
    text = _ASIDE.sub(",", text)
    text = _OPENER.sub("", text)
    population = None
    if lead := _LEADING_POP.match(text):
        population, text = lead.group("pop"), text[lead.end() :]
    if safe := _SAFE.match(text):
        return Claim(safe.group("subj"), safe.group("verb"), safe.group("adj"), population, False)
    for match in RELATION.finditer(text):
        if " " not in match.group("rel") and not is_verb_at(text, match.start(), match.end()):
            continue  # "albedo is increased", "an increased risk": not the verb
        before = text[: match.start()]
        # "roughly doubled": a size, not a hedge: it stays with the verb
        roughly = "roughly " if re.search(r"\broughly\s*$", before, re.I) else ""
        subject = _HEDGE_WORDS.sub("", before + " ").strip(" ,")
        # "Raised IL-6 in a subset of people with ALS": counted without its subset, which
        # `trimmed` drops (the sentence names its people anyway)
        if len(subject.split()) < 1 or len(_SUBSET.sub("", subject).split()) > 9:
            continue
        if re.match(r"(?:neither|none|no|nor|not)\b", subject, re.I):
            return None  # "Neither cytokine increased…": re-composed it would lose the "neither"
        rest = text[match.end() :].strip()
        obj = _OBJECT_END.split(rest, maxsplit=1)[0].strip(" ,")
        if not obj or len(obj.split()) > 12:
            continue
        relation = roughly + match.group("rel")
        return Claim(subject, relation, obj, population, bool(re.search(r"\bnot\b", relation)))
    return None


def sentence(
    claim: Claim, *, hedge: bool, population: str | None, names: tuple[str, ...] = ()
) -> str:
    """The claim as one plain sentence, hedged when the design cannot show cause."""
    roughly = "roughly " if claim.relation.lower().startswith("roughly ") else ""
    relation = _HEDGE_WORDS.sub("", claim.relation.lower())
    if claim.null:
        relation = re.sub(
            r"^(?:did|does|do) not (?:significantly |clearly )?", "did not clearly ", relation
        )
        relation = re.sub(
            r"^(?:was|were) not (?:significantly )?(?:associated|linked|related)"
            r" (?:with|to)",
            "was not clearly linked to",
            relation,
        )
    elif re.match(r"(?:is|are|was|were)\b", relation):
        relation = "may be linked to" if hedge else "was linked to"
    elif relation.startswith("had ") or relation in ("appeared", "seemed", "proved"):
        pass  # what the study saw: "people with ALS had higher IL-6", "it appeared safe"
    else:
        verb = relation.split()[-1]
        base = BASE_FORMS.get(verb, verb)
        relation = (
            f"may {roughly}{base}"
            if hedge or relation.split()[0] in ("may", "might", "can", "could")
            else roughly + verb
        )
    where = claim.population or population
    named = _names_population(f"{claim.subject} {claim.obj}", names)
    tail = f" in {where}" if where and not named else ""
    subject = claim.subject[0].upper() + claim.subject[1:]
    text = re.sub(r"\s+", " ", f"{subject} {relation} {claim.obj}{tail}.")
    return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", text)


def _names_population(text: str, names: tuple[str, ...]) -> bool:
    """Does the text already say who: people, animals, cells, or a condition by name?"""
    if re.search(
        r"\b(people|patients|participants|adults|children|women|men|mice|rats|animals|cells|"
        r"carriers)\b",
        text,
        re.I,
    ):
        return True
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in names)


_FILLER = frozenset(
    [
        "pronounced",
        "significant",
        "significantly",
        "systemic",
        "marked",
        "evident",
        "prespecified",
        "particular",
        "adjusted",
        "overall",
        "total",
        "median",
        "mean",
        "baseline",
        "respective",
        "potential",
        "relative",
        "substantial",
        "considerable",
        "notable",
        "statistically",
        "clinically",
    ]
)
_SUBSET = re.compile(
    r"\s+(?:in|among) (?:a |the )?(?:subset|subgroup|group|proportion) of .*$", re.I
)


def trimmed(claim: Claim) -> Claim:
    """The claim with filler modifiers dropped from its noun phrases ("raised systemic IL-6" →
    "raised IL-6"; "more pronounced damage" → "more damage"), heads kept."""
    return Claim(
        _trim(_SUBSET.sub("", claim.subject)),
        claim.relation,
        _trim(claim.obj),
        claim.population,
        claim.null,
    )


def _trim(phrase: str) -> str:
    out = []
    for chunk in re.split(r"(\s+(?:in|of|on|against|for|from|among|with|to)\s+)", phrase):
        if re.fullmatch(r"\s+\w+\s+", chunk):
            out.append(chunk)
            continue
        words = chunk.split()
        out.append(
            " ".join(
                w
                for i, w in enumerate(words)
                if i == len(words) - 1 or w.lower().strip(",") not in _FILLER
            )
        )
    return "".join(out)


_ADJECTIVE = re.compile(r"(?:ive|al|ous|ic|ary|ory|ar|ile|ent|ant)$")


def _plain_np(phrase: str) -> str:
    """A noun phrase without its hard adjectives, heads kept: "perioperative intravenous
    ketamine" → "ketamine", "postoperative nausea" → "nausea". A headline may lose the
    detail; What They Found keeps it."""
    out = []
    for chunk in re.split(r"(\s+(?:in|of|on|for|from|among|with|to|and|or)\s+)", phrase):
        found = chunk.split()
        if re.fullmatch(r"\s+\w+\s+", chunk) or len(found) < 2:
            out.append(chunk)
            continue
        kept = [
            w
            for i, w in enumerate(found)
            if i == len(found) - 1 or not (_ADJECTIVE.search(w.lower()) and hard_terms(w.lower()))
        ]
        out.append(" ".join(kept))
    return "".join(out)


def plainer(claim: Claim) -> Claim:
    """The claim with the hard adjectives of its noun phrases dropped."""
    return replace(claim, subject=_plain_np(claim.subject), obj=_plain_np(claim.obj))


# "met the primary outcome" says nothing to a reader who has not read the methods: say what
# the outcome was. "84 (70.0%) fampridine and 73 (60.8%) placebo participants": say who.
_PRIMARY = re.compile(
    r"\bprimary (?:outcome|end ?point) was (?:the (?:proportion|share|percentage|number) "
    r"(?:of (?:participants|patients|people) )?with )?(?P<what>[^.;]{5,80}?)"
    r"(?= from baseline| at \d| over \d| after \d|[.;])",
    re.I,
)
_MET = re.compile(r"\b(?:met|reached|achieved) the primary (?:outcome|end ?point)", re.I)
_ARMS = re.compile(
    r"\b(\d[\d,]*)( \([^()]*\))? ([a-z][\w-]+) and (\d[\d,]*)( \([^()]*\))? ([a-z][\w-]+) "
    r"(?:participants|patients|people|subjects)\b"
)


def results_in_words(sentence: str, abstract: str) -> str:
    """A result sentence that says what was measured and who was in each group."""
    primary = _PRIMARY.search(abstract)
    if primary and _MET.search(sentence):
        # "in T25FW walking speed": the words say it; the code would need spelling out
        what = re.sub(r"\b[A-Z][A-Z0-9-]{2,}\s+(?=[a-z])", "", primary.group("what").strip())
        sentence = _MET.sub(f"had {what}", sentence, count=1)
    return _ARMS.sub(r"\1\2 people on \3 and \4\5 on \6", sentence)


# The authors' own limit on their finding, which a reader weighing it needs: "…roughly doubled
# the share who improved, although most treated participants did not respond".
_STATED_LIMIT = re.compile(
    r",?\s+(?:although|though|but|yet)\s+(?P<limit>(?:most|many|only|few|no)\b[^.;]{0,60}\b"
    r"(?:did|was|were|is|are|had|has|have|could|can|remained)\b[^.;]{3,80})",
    re.I,
)


def stated_limit(claim: str) -> str | None:
    """That limit of a claim sentence as a plain sentence of its own, or None."""
    found = _STATED_LIMIT.search(claim)
    limit = simplify(found.group("limit"), {}, set(), explain=False) if found else ""
    return limit if limit and not sentence_problem(limit) else None
