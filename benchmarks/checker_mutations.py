"""Checker accuracy by mutation: break passing drafts on purpose and count what the checks catch.

    .venv/bin/python benchmarks/checker_mutations.py [--limit N]

Base set: offline drafts of the shared-corpus abstracts that pass every error-level check.
Breaking mutations (each should make one check fail): remove a caveat sentence, insert a number
that is not in the abstract, swap "is linked to" for "causes" in an observational study (or add
such a claim), add "cure", add an unexplained acronym. Recall = share detected.
Meaning-preserving edits (each should leave that check passing): paraphrase every caveat
sentence, rewrite numbers in equivalent forms, hedge a causal claim, negate "cure", explain an
acronym the abstract defines. False-alarm rate = share wrongly flagged.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from pipeline.backends.offline import OfflineBackend
from pipeline.backends.offline.plain import acronyms
from pipeline.checks import error_failures, run_checks
from pipeline.drafting import draft_study
from pipeline.house import load_house
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.records import DraftRecord, HouseSummary
from pipeline.settings import Settings
from pipeline.text import number_values, sentence_spans

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SETTINGS = Settings()
HOUSE = load_house(SETTINGS)
# Three wordings per caveat, none copied from house.toml, rotated across drafts.
PARAPHRASES = {
    "animal_model": [
        "Because this was an animal study in {animals}, the results may not hold for people.",
        "The experiments used {animals}, and what works in {animals} often fails in humans.",
        "Remember that these were lab animals, so we cannot assume the same in patients.",
    ],
    "cell_study": [
        "These tests used lab-grown cells, so we cannot yet say the same happens in people.",
        "Cells in a dish can behave differently from cells in the body.",
        "This was cell culture work; it has not been tested in humans.",
    ],
    "other_condition": [
        "The people in this study had {condition}, not MS, and it is not yet known whether "
        "this applies to MS.",
        "Nobody with MS took part, so it is unclear if the findings carry over to MS.",
        "Because the study was about {condition}, we do not know if people with multiple "
        "sclerosis would see the same.",
    ],
    "association_not_causation": [
        "The study found a link, but that is not proof that one thing causes the other.",
        "These two things are associated, but the study cannot prove that one causes the other.",
        "Being connected is not the same as being the cause, and this study cannot show cause.",
    ],
    "small_sample": [
        "Only a small number of people took part, so larger studies need to confirm this.",
        "With so few people, the findings should be repeated in a bigger group.",
        "The group was small, and larger trials are needed to confirm the results.",
    ],
    "short_followup": [
        "The study was short, so its long-term effects are unknown.",
        "We do not know the long-term effects yet, because people were not followed for long.",
        "Effects over time have not been studied beyond these few weeks; they are unclear.",
    ],
    "preliminary": [
        "These results are early and need to be confirmed by further research.",
        "This was a pilot, so a larger trial must confirm the results.",
        "Think of this as a first step; more research is needed to confirm it.",
    ],
    "consult_clinician": [
        "Please discuss any change to your care with your doctor first.",
        "Before changing anything, talk it over with your healthcare team.",
        "Ask your neurologist before you change any part of your treatment.",
    ],
}
WORDS = {
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    12: "twelve",
}


def failing(record: DraftRecord, summary: HouseSummary, check_id: str) -> bool:
    checks = run_checks(record.study, record.profile, summary, SETTINGS)
    return any(c.id == check_id and not c.passed for c in checks)


def edit(summary: HouseSummary, section: str, text: str) -> HouseSummary:
    return summary.model_copy(update={section: text})


def append(summary: HouseSummary, section: str, sentence: str) -> HouseSummary:
    return edit(summary, section, getattr(summary, section).rstrip() + " " + sentence)


def caveat_sentences(summary: HouseSummary, cid: str) -> list[tuple[str, str]]:
    caveat = HOUSE.caveats[cid]
    return [
        (name, s.text)
        for name in caveat.sections
        for s in sentence_spans(getattr(summary, name))
        if caveat.matches(s.text)
    ]


def breaking(record: DraftRecord) -> list[tuple[str, str, HouseSummary]]:
    """(mutation, check that must fail, mutated summary)."""
    summary, out = record.summary, []
    for cid in record.profile.required_caveats:
        mutated = summary
        for name, sentence in caveat_sentences(summary, cid):
            mutated = edit(mutated, name, getattr(mutated, name).replace(sentence, "").strip())
        out.append((f"remove caveat {cid}", f"caveat.{cid}", mutated))
    known = number_values(record.study.title + " " + record.study.abstract)
    stray = next(v for v in (37.9, 41.3, 73.1, 88.7, 913.0) if all(abs(v - k) > 1 for k in known))
    out.append(
        (
            "insert ungrounded number",
            "grounding.numbers",
            append(summary, "what_they_found", f"In all, {stray:g}% of people improved."),
        )
    )
    if record.profile.observational:
        text = summary.what_they_found
        swapped = re.sub(r"\b(is|was|are|were) linked to\b", "causes", text)
        mutated = (
            edit(summary, "what_they_found", swapped)
            if swapped != text
            else append(summary, "what_they_found", "This study found that it causes worse health.")
        )
        out.append(("causal verb, observational", "language.causal", mutated))
    out.append(
        (
            "add 'cure'",
            "language.forbidden",
            append(summary, "what_they_found", "This could be a cure for people with MS."),
        )
    )
    out.append(
        (
            "add unexplained acronym",
            "jargon.acronyms",
            append(summary, "what_they_found", "Levels of ZQX rose in the treated group."),
        )
    )
    return out


def preserving(record: DraftRecord, index: int) -> list[tuple[str, str, HouseSummary]]:
    """(edit, check that must still pass, edited summary)."""
    summary, out = record.summary, []
    profile = record.profile
    fill = {
        "animals": " and ".join(profile.animals) or "animals",
        "condition": " and ".join(c for c in profile.conditions if c != "MS")
        or "another condition",
    }
    for cid in profile.required_caveats:
        mutated = summary
        for name, sentence in caveat_sentences(summary, cid):
            mutated = edit(
                mutated,
                name,
                getattr(mutated, name).replace(
                    sentence, PARAPHRASES[cid][index % 3].format(**fill)
                ),
            )
        out.append((f"paraphrase caveat {cid}", f"caveat.{cid}", mutated))
    text = summary.what_they_found
    rewritten = re.sub(r"(\d+(?:\.\d+)?)%", r"\1 percent", text)
    rewritten = re.sub(r"(?<![\d.])(\d+)-(\d+)(?![\d.])", r"\1 to \2", rewritten)
    rewritten = re.sub(
        r"(?<![\d.,])(\d+)(?= (?:weeks|months|years|days)\b)",
        lambda m: WORDS.get(int(m.group(1)), m.group(1)),
        rewritten,
    )
    if rewritten != text:
        out.append(
            (
                "numbers in equivalent forms",
                "grounding.numbers",
                edit(summary, "what_they_found", rewritten),
            )
        )
    if profile.observational:
        out.append(
            (
                "hedged link, observational",
                "language.causal",
                append(
                    summary,
                    "what_they_found",
                    "It is linked to health, but the study cannot show that it causes anything.",
                ),
            )
        )
    out.append(
        (
            "negated 'cure'",
            "language.forbidden",
            append(summary, "important_considerations", "This is not a cure."),
        )
    )
    defined = acronyms(record.study.abstract)
    if defined:
        acronym, phrase = next(iter(defined.items()))
        out.append(
            (
                "acronym spelled out",
                "jargon.acronyms",
                append(summary, "what_they_found", f"The team measured {phrase} ({acronym})."),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="abstracts per corpus file (0: all)")
    args = parser.parse_args()
    backend = OfflineBackend(SETTINGS)
    records = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        studies = load_file_tolerant(path, SETTINGS).studies
        for study in studies[: args.limit or None]:
            record = draft_study(study, profile_study(study, SETTINGS), backend, SETTINGS)
            if not error_failures(record.checks):
                records.append(record)
    caught, tried = Counter(), Counter()
    alarms, edits = Counter(), Counter()
    for index, record in enumerate(records):
        for kind, check_id, mutated in breaking(record):
            group = kind.split(" caveat ")[0] + (" caveat" if " caveat " in kind else "")
            tried[group] += 1
            caught[group] += failing(record, mutated, check_id)
        for kind, check_id, mutated in preserving(record, index):
            group = kind.split(" caveat ")[0] + (" caveat" if " caveat " in kind else "")
            edits[group] += 1
            alarms[group] += failing(record, mutated, check_id)
    print(f"passing drafts used: {len(records)}")
    print("\nrecall on breaking mutations")
    for group in tried:
        print(_row(group, caught[group], tried[group]))
    print("\nfalse alarms on meaning-preserving edits")
    for group in edits:
        print(_row(group, alarms[group], edits[group]))
    print(_row("all", sum(alarms.values()), sum(edits.values())))


def _row(label: str, hits: int, total: int) -> str:
    return f"  {label:32s} {hits:5d}/{total:<5d} {hits / total:7.1%}"


if __name__ == "__main__":
    main()
