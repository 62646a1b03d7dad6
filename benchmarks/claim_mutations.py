"""Claim-level grounding by mutation: break drafts the five ways issue 12 names, count the catches.

    .venv/bin/python benchmarks/claim_mutations.py [--limit N] [--show N]

Targets (issue 12): recall at least 90% for each mutation, false alarms at most 5% on faithful
paraphrases, and the aligner's cost per draft as a ratio to the rest of the checks.

Base set: offline drafts of the shared-corpus abstracts (`--limit` per file, as
`benchmarks/content_mutations.py` loads them); each mutation is measured only on drafts whose
check passes before it. The mutations, each on a sentence of Key Takeaway or What They Found
that is not a caveat or fixed house wording:
- unsupported claim: a sentence from `benchmarks/data/claim_mutations.toml` about the study's
  own subject, inserted in What They Found → `grounding.claims` must fail;
- direction flip: one direction word turned round ("higher" → "lower", "did not" → "did") →
  `grounding.claims`;
- population dropped: the sentence's "in mice" / "in children" / "in women with …" removed
  from the section, or replaced by "in people" or "in people with MS" →
  `language.generalisation`;
- hedge dropped: "may", "might", "probably", "appears to" taken out ("may reduce" → "reduces")
  of a sentence whose abstract sentence hedges → `language.generalisation`;
- harms removed: a draft that states the abstract's harms sentence loses it, and with it every
  other sentence that speaks of harms or safety ("appeared safe and well tolerated") →
  `content.omission`.
False alarms: the faithful paraphrases of `benchmarks/data/faithful_paraphrases.jsonl` (written
by hand from the abstracts before the aligner was tuned), each added to its study's What They
Found: flagged by `grounding.claims` or `language.generalisation` is a false alarm. Also
reported: base drafts failing each new check.
Cost: the three claim checks (the alignment included) against all the other checks, on the same
drafts in this run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

from content_mutations import base_records  # benchmarks/ is on the path when run as a script

from pipeline.checks import CHECKS, CheckContext
from pipeline.evidence import house_wording, units_of
from pipeline.house import load_house
from pipeline.records import DraftRecord, HouseSummary
from pipeline.settings import Settings
from pipeline.text import salient, sentence_spans

ROOT = Path(__file__).resolve().parents[1]
DATA = tomllib.loads((ROOT / "benchmarks" / "data" / "claim_mutations.toml").read_text())
PARAPHRASES = ROOT / "benchmarks" / "data" / "faithful_paraphrases.jsonl"
SETTINGS = Settings()
HOUSE = load_house(SETTINGS)
CLAIM_CHECKS = ("grounding.claims", "language.generalisation", "content.omission")

# My own crude readings (not the checks'): who a sentence is about, and how it hedges.
POPULATION = re.compile(
    r"(,\s*)?\b(in|among|of|for)\s+(a |an |the )?([\w-]+ )?(mice|mouse|rats?|zebrafish|"
    r"fruit flies|flies|worms|animals|monkeys|pigs|dogs|insects|crickets|cells( grown in a "
    r"lab)?|lab-grown cells|children|adolescents|teenagers|infants|older adults|women|men|"
    r"girls|boys|young adults)( models?)?( with [\w'-]+( [\w'-]+){0,3}?)?"
    r"(?=[,.;]|\s(and|who|was|were|had|did|is|are|than|showed|may|might)\b)",
    re.I,
)
HEDGES = [
    (re.compile(r"\b(may|might|could|can) (\w+)\b"), lambda m: _third(m.group(2))),
    (re.compile(r"\b(probably|possibly|likely|potentially) ", re.I), lambda m: ""),
    (re.compile(r"\b(appears?|seems?|seemed|appeared) to (\w+)\b"), lambda m: m.group(2)),
    (re.compile(r"^(The (researchers|authors|team) )?(suggest|think) that ", re.I), lambda m: ""),
]
BARE = re.compile(
    r"\b(mice|mouse|murine|rats?|zebrafish|flies|drosophila|worms|animals?|insects|crickets|"
    r"cells|bacteria|yeast|eukaryotes|children|adolescents|teenagers|infants|women|men|girls|"
    r"boys|adults)\b",
    re.I,
)
SOURCE_HEDGE = re.compile(
    r"\b(may|might|could|probably|possibly|likely|suggests?|suggested|appears?|seems?)\b", re.I
)
# what still hedges a sentence after the mutation: then no hedge was dropped, and it is no case
LEFT_HEDGE = re.compile(
    r"\b(may|might|could|can|not|possibl[ey]|probabl[ey]|likely|suggest\w*|appear\w*|seem\w*|"
    r"hypothes\w*|potential\w*|perhaps|indicat\w*|linked|associated|related|unclear)\b",
    re.I,
)
HARM_WORDS = re.compile(r"\b(adverse|side effects?|complications?|harms?|safety|toxicity)\b", re.I)
# What a draft may say of harms in other words: the mutation removes these sentences too, so
# that "harms removed" means the draft no longer says anything about harms or safety.
SAYS_HARMS = re.compile(
    r"\b(adverse|side[- ]effects?|complications?|harms?|harmful|safe(ly|ty)?|tolerat\w*|"
    r"toxicit\w*)\b",
    re.I,
)


def _third(verb: str) -> str:
    if verb == "not":
        return "does not"
    if verb in ("be", "have"):
        return {"be": "is", "have": "has"}[verb]
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")


def edit(summary: HouseSummary, section: str, text: str) -> HouseSummary:
    return summary.model_copy(update={section: text})


def held_sentences(record: DraftRecord) -> list[tuple[str, str]]:
    """Key Takeaway and What They Found sentences that are not the house's own wording."""
    out = []
    for section in ("key_takeaway", "what_they_found"):
        for sent in sentence_spans(getattr(record.summary, section)):
            if not house_wording(sent.text, HOUSE, SETTINGS):
                out.append((section, sent.text))
    return out


def replace_sentence(summary: HouseSummary, section: str, old: str, new: str) -> HouseSummary:
    return edit(summary, section, getattr(summary, section).replace(old, new, 1))


def topic(record: DraftRecord) -> str:
    words = [w for w in re.findall(r"[A-Za-z][\w-]+", record.study.title) if len(w) > 4]
    stems = salient(" ".join(words))
    for word in words:
        if salient(word) & stems and word.lower() not in ("study", "effect", "effects"):
            return word[:1].upper() + word[1:]
    return "The treatment"


def claim_case(record: DraftRecord) -> HouseSummary | None:
    abstract = record.study.abstract.lower()
    subject = topic(record)
    for template in DATA["claims"]:
        claim = template.format(topic=subject)
        new = salient(claim) - salient(subject)
        if any(word in abstract for word in new):
            continue
        first = sentence_spans(record.summary.what_they_found)[0]
        text = record.summary.what_they_found
        return edit(
            record.summary, "what_they_found", text[: first.end] + " " + claim + text[first.end :]
        )
    return None


def _in_brackets(text: str, at: int) -> bool:
    return text.count("(", 0, at) > text.count(")", 0, at)


def flip_case(record: DraftRecord) -> tuple[HouseSummary, str] | None:
    flips = DATA["flips"]
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, flips), key=len, reverse=True)) + r")\b"
    )
    for section, sentence in held_sentences(record):
        # a word inside brackets explains a term; turning it round changes no claim
        found = [m for m in pattern.finditer(sentence) if not _in_brackets(sentence, m.start())]
        if len(found) != 1:
            continue  # a sentence pointing several ways has no single word to turn round
        match = found[0]
        new = sentence[: match.start()] + flips[match.group(1)] + sentence[match.end() :]
        return replace_sentence(record.summary, section, sentence, new), new
    return None


def population_cases(record: DraftRecord) -> list[tuple[str, HouseSummary, str]]:
    out = []
    for section, sentence in held_sentences(record):
        match = POPULATION.search(sentence)
        if not match:
            continue
        # dropped: gone from the whole section (What They Found no longer says who at all)
        whole = POPULATION.sub("", getattr(record.summary, section))
        if BARE.search(whole) or BARE.search(sentence[: match.start()] + sentence[match.end() :]):
            continue  # the population is named in other words too: nothing was dropped
        out.append(("dropped", edit(record.summary, section, whole), sentence))
        for label, words in (
            ("in people", " in people"),
            ("in people with MS", " in people with MS"),
        ):
            widened = sentence[: match.start()] + words + sentence[match.end() :]
            widened = widened.strip()
            widened = widened[:1].upper() + widened[1:]
            summary = replace_sentence(record.summary, section, sentence, widened)
            out.append((f"replaced by '{label}'", summary, widened))
        break
    return out


def hedge_case(record: DraftRecord) -> tuple[HouseSummary, str] | None:
    units = units_of(record.study)
    for section, sentence in held_sentences(record):
        mine = salient(sentence)
        source = max(units, key=lambda u: len(salient(u.text) & mine), default=None)
        if source is None or not SOURCE_HEDGE.search(source.text):
            continue
        new = sentence
        for pattern, repl in HEDGES:
            new = pattern.sub(repl, new)
        new = new[:1].upper() + new[1:]
        if new != sentence and not LEFT_HEDGE.search(new):
            return replace_sentence(record.summary, section, sentence, new), new
    return None


def harms_case(record: DraftRecord) -> tuple[HouseSummary, HouseSummary, str] | None:
    """(base with the abstract's harms sentence added, that base with it removed, the sentence)."""
    harms = [u.text for u in units_of(record.study) if HARM_WORDS.search(u.text)]
    if not harms:
        return None
    base = edit(record.summary, "what_they_found", record.summary.what_they_found + " " + harms[0])
    kept = [s.text for s in sentence_spans(base.what_they_found) if not SAYS_HARMS.search(s.text)]
    gone = base
    for section in ("key_takeaway", "who_should_care", "important_considerations"):
        text = getattr(gone, section)
        left = [s.text for s in sentence_spans(text) if not SAYS_HARMS.search(s.text)]
        gone = edit(gone, section, " ".join(left))
    return base, edit(gone, "what_they_found", " ".join(kept)), harms[0]


def outcome(record: DraftRecord, summary: HouseSummary, check: str):
    ctx = CheckContext(record.study, record.profile, summary, SETTINGS, HOUSE)
    fn = {c.__name__: c for c in CHECKS}
    name = {
        "grounding.claims": "check_claims",
        "language.generalisation": "check_generalisation",
        "content.omission": "check_omission",
    }[check]
    return fn[name](ctx)[0], ctx


def timed(records: list[DraftRecord]) -> tuple[float, float]:
    """Seconds spent in the claim checks (alignment included) and in all the others."""
    claims = other = 0.0
    for record in records:
        ctx = CheckContext(record.study, record.profile, record.summary, SETTINGS, HOUSE)
        for check in CHECKS:
            started = time.perf_counter()
            check(ctx)
            spent = time.perf_counter() - started
            if check.__name__ in ("check_claims", "check_generalisation", "check_omission"):
                claims += spent
            else:
                other += spent
    return claims, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=25, help="abstracts per corpus file (0: all)")
    parser.add_argument("--show", type=int, default=0, help="misses to print per mutation")
    args = parser.parse_args()
    records = base_records(args.limit)  # the drafts content_mutations.py breaks
    by_id = {r.study.id: r for r in records}
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    base_fail = {check: 0 for check in CLAIM_CHECKS}

    def score(kind: str, record: DraftRecord, summary: HouseSummary, check: str, text: str) -> None:
        got, _ = outcome(record, summary, check)
        tally[kind][1] += 1
        tally[kind][0] += not got.passed
        if got.passed:
            misses[kind].append(f"{record.study.id}: {text!r}")

    for record in records:
        passing = {c.id for c in record.checks if c.passed}
        for check in CLAIM_CHECKS:
            base_fail[check] += check not in passing
        if "grounding.claims" in passing:
            if (summary := claim_case(record)) is not None:
                score(
                    "unsupported claim",
                    record,
                    summary,
                    "grounding.claims",
                    summary.what_they_found[:160],
                )
            if (flipped := flip_case(record)) is not None:
                score("direction flip", record, flipped[0], "grounding.claims", flipped[1])
        if "language.generalisation" in passing:
            for kind, summary, text in population_cases(record):
                score(f"population {kind}", record, summary, "language.generalisation", text)
            if (hedged := hedge_case(record)) is not None:
                score("hedge dropped", record, hedged[0], "language.generalisation", hedged[1])
        if (harms := harms_case(record)) is not None:
            base, gone, sentence = harms
            if outcome(record, base, "content.omission")[0].passed:
                score("harms removed", record, gone, "content.omission", sentence)

    alarms = [0, 0, 0]  # flagged by grounding.claims, by language.generalisation, tried
    alarm_text: list[str] = []
    for line in PARAPHRASES.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        record = by_id.get(item["study"])
        if record is None:
            continue
        summary = edit(
            record.summary, "what_they_found", record.summary.what_they_found + " " + item["text"]
        )
        _, ctx = outcome(record, summary, "grounding.claims")
        mine = [a for a in ctx.alignment if a.sentence == item["text"]]
        alarms[2] += 1
        if any(a.status in ("unsupported", "contradicted") for a in mine):
            alarms[0] += 1
            alarm_text.append(f"claims: {item['text']!r} -> {[a.reason for a in mine]}")
        if any(a.generalises for a in mine):
            alarms[1] += 1
            alarm_text.append(
                f"generalisation: {item['text']!r} -> {[a.generalises for a in mine]}"
            )

    claims_s, other_s = timed(records)
    n = len(records)
    print(f"drafts: {n} (offline, {args.limit or 'all'} per corpus file)")
    print("\nrecall per mutation (caught / tried, on drafts whose check passed before):")
    for kind in (
        "unsupported claim",
        "direction flip",
        "population dropped",
        "population replaced by 'in people'",
        "population replaced by 'in people with MS'",
        "hedge dropped",
        "harms removed",
    ):
        hits, tried = tally[kind]
        rate = hits / tried if tried else float("nan")
        print(f"  {kind:44} {hits:4}/{tried:<4} {rate:7.1%}")
        for miss in misses[kind][: args.show]:
            print(f"      missed {miss}")
    tried = alarms[2]
    print(
        f"\nfalse alarms on {tried} faithful paraphrases: grounding.claims {alarms[0]} "
        f"({alarms[0] / max(1, tried):.1%}), language.generalisation {alarms[1]} "
        f"({alarms[1] / max(1, tried):.1%})"
    )
    for text in alarm_text[: max(args.show, 0) or 0]:
        print(f"      {text}")
    print("\nbase drafts failing each new check (no mutation):")
    for check, count in base_fail.items():
        print(f"  {check:26} {count}/{n}")
    print(
        f"\ncost: claim checks {claims_s / n * 1000:.2f} ms/draft, other checks "
        f"{other_s / n * 1000:.2f} ms/draft, ratio {claims_s / other_s:.2f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
