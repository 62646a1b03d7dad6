"""Reviews: whether a study reviews others' studies, and whether it pooled them (a
meta-analysis) or not (a systematic review).

A review's own words decide: "systematic review", "included trials", "Cochrane", the number
of studies that met the criteria. A systematic review pools only when it says so: "pooled",
"in meta-analyses", a summary estimate, I-squared, a GRADE line counting the studies behind an
estimate, or effect estimates that no single trial is credited with. "A meta-analysis was not
possible", "we included one trial" and "precluding any pooling" say it did not; the PRISMA
guideline's name and other people's meta-analyses say nothing either way.
"""

from __future__ import annotations

import re

from pipeline.profile.cues import rx
from pipeline.profile.design import Reading
from pipeline.records import Design

_N = "(one|two|three|four|five|six|seven|eight|nine|ten|\\d+)"
META = rx("meta-?analys[ie]s|meta-?analytic(al)?|pooled analysis of")
REVIEW = rx(
    "systematic(ally)? review(ed)?|systematic (literature )?search|Cochrane|scoping review",
    "mapping review|authors'? conclusions|included (trials?|studies|RCTs)",
    "(\\d+|[a-z]+) (randomi[sz]ed )?(controlled )?(trials|studies|RCTs) "
    "(were included|were identified|met (the|our) inclusion|involving|with a total)",
    "we included \\d+ (trials|studies|RCTs)",
    _N + " ([\\w-]+ ){0,3}(trials?|studies|RCTs) (\\([^()]*\\) )?"
    "(found|showed|reported|compared|suggested|demonstrated|evaluated|assessed)",
    _N + " ([\\w/,-]+ ){0,4}(trials|studies|RCTs).{0,80}?"
    "(were included|met (the|our) inclusion|were eligible|reported on a total)",
)
REVIEW_INCLUSION = rx(
    "included in (the|this|our) review|met (our|the|all of the) (inclusion|eligibility) criteria",
    "eligible for (inclusion|this review)|we reviewed \\d+ (studies|trials)",
    "(studies|trials) (were|was) included|we included (only )?(one|\\d+|[a-z]+)",
    "we identified (one|\\d+|[a-z]+) (\\w+ ){0,2}(trials|studies|RCTs)",
)
# An effect estimate with its confidence interval: a review reports one per trial or pooled.
ESTIMATE = re.compile(
    r"\b(RR|OR|MD|SMD|HR|WMD|RD|(relative|rate|risk|odds|hazard) (ratio|risk)|risk difference|"
    r"(standardi[sz]ed )?mean difference)\b.{0,60}?\d.{0,60}?\b95\s*%\s*(CI|Cl|confidence)"
    r"|\d%\s*[\[(]\s*95\s*%\s*(CI|confidence)",
    re.I,
)
# A review says it pooled: "pooled", "combined results", "in meta-analyses", a summary
# estimate, I-squared, or a Cochrane GRADE line that counts the studies behind an estimate
# ("RR 0.76, 95% CI ...; 8 studies, 2364 participants").
_PLURAL = "(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[2-9]|\\d\\d+)"
POOLED = re.compile(
    r"\bpool(ed|ing)\b|\bcombined (results?|data|estimates?|analys[ie]s)\b"
    r"|\bin meta-?analys[ie]s\b|\bsummary (sensitivity|specificity|estimates?|odds ratio)\b"
    r"|\bI\s?(2|²)\s?=|\baverage (sensitivit|specificit)"
    r"|\b" + _PLURAL + r" (studies|trials|RCTs|comparisons)[;,] (n ?= ?)?\d[\d,]* "
    r"(participants|patients|women|people|children|men|infants|adults|babies)\b"
    r".{0,40}?\b95\s*%|\b95\s*%.{0,120}?\b" + _PLURAL + r" (studies|trials|RCTs)[;,] ",
    re.I,
)
# Two or more studies behind one estimate: "two RCTs enrolling 672 patients ... (HR 0.9, 95% CI".
MULTI_STUDY_ESTIMATE = re.compile(
    r"\b" + _PLURAL + r" (?:[\w-]+ ){0,2}(?:trials|studies|RCTs)\b"
    r".*\b95\s*%\s*(?:CI|Cl|confidence)",
    re.I,
)
# An estimate credited to one trial: "the single trial", "one study", "the larger one".
SINGLE_STUDY = rx(
    "(one|another|a single|1) ([\\w-]+ ){0,3}(study|trial|RCT)",
    "(the|this|second|first) (study|trial)",
    "the (larger|smaller|largest|only|other|remaining) (one|study|trial|RCT)",
)
# A meta-analysis as a source of data ("GWAS data from the TwinGen meta-analysis"), not the
# study's own design: Mendelian randomisation studies draw on them.
DATA_SOURCE = rx(
    "(data|statistics|summary statistics|estimates) (from|of) ([\\w-]+ ){0,6}"
    "(GWAS |genome-wide )?meta-?analys[ie]s",
)
# The PRISMA guideline's name says "meta-analyses" of any review that follows it.
PRISMA = rx(
    "preferred reporting items for systematic reviews and meta-?analys[ie]s( \\(PRISMA\\))?",
    "PRISMA",
)
NO_POOLING = rx(
    "not (suitable|appropriate|possible) (for|to perform|to conduct) (a )?meta-?analys[ie]s",
    "meta-?analys[ie]s (\\w+ ){0,4}(was|were) (considered |judged |deemed )?"
    "(not (possible|appropriate|feasible|performed|undertaken)|inappropriate|impossible)",
    "did not pool|no meta-?analys[ie]s|precluding (any )?(pooling|meta-?analys[ie]s)",
    # "no sufficient clinical similarity between the trials to perform a meta-analysis"
    "(no|not|insufficient|unable|too few|too heterogeneous)[^.;]{0,80}? to "
    "(perform|conduct|undertake|carry out|allow|permit) (a |any )?(formal )?meta-?analys[ie]s",
    "not possible to (determine|estimate|calculate|compute) (an |the )?"
    "(overall|pooled|combined|summary)",
    "(we )?included only (one|a single)|only (one|a single) ([\\w-]+ ){0,4}(study|trial|RCT) "
    "(was|met)",
    # "We included one RCT that studied ...": a review of a single trial pools nothing.
    "we included (one|a single|1) (?!new|additional|further|more|recent)([\\w-]+ ){0,3}"
    "(study|trial|RCT)(?! protocols?)",
)

# Data from some trials could not be combined: a review may still pool the rest.
PARTLY_POOLED = rx("could not (pool|be pooled|combine)")


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


def _review_kind(sents: list[str], hit: str) -> Reading:
    """A systematic review pools only when it says so; Cochrane-style abstracts rarely say
    "meta-analysis", but a pooled estimate, a GRADE line counting the studies behind an
    estimate, or estimates no single trial is credited with reveal one."""
    no_pool = _first(NO_POOLING, sents)
    if no_pool:
        return Reading(Design.systematic_review, no_pool, "high", "it says it did not pool")
    pooled = next(
        (
            s
            for s in sents
            if POOLED.search(s) or (MULTI_STUDY_ESTIMATE.search(s) and not SINGLE_STUDY.search(s))
        ),
        None,
    )
    if pooled and not PARTLY_POOLED.search(pooled):
        why = "a review with an estimate pooled across studies"
        return Reading(Design.meta_analysis, pooled, "medium", why, Design.systematic_review)
    # Effect estimates with no pooling named: one trial each, when the review goes through its
    # trials one by one ("the single trial", "another study"); pooled otherwise.
    estimate = next((s for s in sents if ESTIMATE.search(s) and not SINGLE_STUDY.search(s)), None)
    singles = sum(1 for s in sents if SINGLE_STUDY.search(s))
    if estimate and not pooled and singles < 2:
        why = "a review with effect estimates, none credited to a single trial"
        return Reading(Design.meta_analysis, estimate, "medium", why, Design.systematic_review)
    why = "a review with no estimate pooled across studies"
    alternative = Design.meta_analysis if pooled or estimate else None
    sentence = _first(PARTLY_POOLED, sents) or hit
    return Reading(Design.systematic_review, sentence, "medium", why, alternative)


def _own_words(sent: str) -> str:
    """The sentence without a guideline's name or a data source that says "meta-analyses"."""
    return DATA_SOURCE.sub(" ", PRISMA.sub(" ", sent))


def review(units: list[str], sents: list[str], species: str) -> Reading | None:
    """A review's own design, or None; in an animal study only its opening can say so."""
    scope = units[:3] if species == "animals" else units
    meta = next(
        (s for s in scope if META.search(_own_words(s)) and not NO_POOLING.search(s)),
        None,
    )
    if meta:
        return Reading(Design.meta_analysis, meta, "high", "it calls itself a meta-analysis")
    hit = _first(REVIEW, scope) or (
        _first(REVIEW_INCLUSION, scope) if species != "animals" else None
    )
    return _review_kind(sents, hit) if hit else None
