"""Content checks by mutation: break drafts the way issue 9 saw them break, and count the catches.

    .venv/bin/python benchmarks/content_mutations.py [--limit N] [--show N]

Targets (issue 9): recall at least 95% per kind, false alarms at most 5%.

Base set: offline drafts of the shared-corpus abstracts; each check is measured only on the
drafts it passes. Breaking mutations (the check must fail): a topic-only Key Takeaway, or
one that says a finding exists without saying it (`content.takeaway`), the paper's own title
as the title (`structure.title`), What They Found holding only methods or secondary results
(`content.main_result`), a 20+ word stretch pasted from the abstract or a sentence pasted from
the prompts (`content.copied`), a sentence that would fit any study (`content.boilerplate`).
Recall = share caught.
Meaning-preserving rewrites (the check must still pass): the takeaway in other words, plain
titles in other house shapes, the main result reworded or moved, short quotes and key numbers
from the abstract, study-specific sentences in common words. False alarms = share flagged.

The mutations and rewrites were written from HOUSE.md, its examples, issue 9 and the corpus,
before the checks' code was read; they are not tuned to it (see the commit history).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.records import DraftRecord, HouseSummary, Study
from pipeline.settings import Settings
from pipeline.text import sentences

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = tomllib.loads((ROOT / "benchmarks" / "data" / "content_mutations.toml").read_text())
SETTINGS = Settings()


# A generator's row: (group, kind, breaking, summary, changed text); `cases` adds the check id.
Row = tuple[str, str, bool, HouseSummary, str]


@dataclass
class Case:
    check: str  # the check id this case is about
    group: str  # the brief's kind ("topic-only takeaway", ...)
    kind: str  # the shape within it
    breaking: bool  # True: the check must fail; False: it must still pass
    summary: HouseSummary
    changed: str  # the text that was put in, for --show


# -- reading the abstract: my own crude notion of its parts (not the checks' one) ------------

STOP_WORDS = (
    "the a an and or of in on at to for with by from as is are was were be been being this that "
    "these those it its their there than then which who whom whose what when where while also "
    "into over under after before between during not no nor but if so such can could may might "
    "will would should have has had do does did we our they them he she his her you your all "
    "any each both more most less least other some one two three four five very study studies "
    "patients participants people group groups results result found showed shown data using used "
    "use based however although whether among within without"
)
STOP = set(STOP_WORDS.split())
CONCLUSION_LABELS = re.compile(r"conclu|interpret|significance|implication", re.I)
METHOD_LABELS = re.compile(r"method|design|setting|participant|material|patients", re.I)
RESULT_LABELS = re.compile(r"result|finding", re.I)
CONCLUSION_CUES = re.compile(
    r"\b(suggest|conclu|these (findings|results|data)|our (findings|results|data)|we (found|show|"
    r"demonstrate|report|identif)|indicat|demonstrat|reveal)",
    re.I,
)
METHOD_CUES = re.compile(
    r"\b(we (recruited|enrolled|included|searched|measured|used|performed|analy[sz]ed|assessed|"
    r"conducted|examined|investigated|studied|compared|selected|collected)|were (recruited|"
    r"enrolled|included|measured|randomi[sz]ed|assigned|assessed|analy[sz]ed|collected)|"
    r"underwent|search(ed)? (of|for)|databases?|eligible)",
    re.I,
)
PRIMARY_CUES = re.compile(r"\bprimary (?:outcome|end ?point|analysis)s?\b", re.I)
NULL_CUES = re.compile(
    r"\b(did not|no (significant|clear|difference|evidence)|not (significantly|associated|"
    r"linked|different)|was not|were not)\b",
    re.I,
)


def content_words(text: str) -> set[str]:
    return {
        w.lower().rstrip("s")
        for w in re.findall(r"[A-Za-z][A-Za-z0-9-]+", text)
        if len(w) > 3 and w.lower() not in STOP
    }


def share(of: str, in_: str) -> float:
    """Share of `in_`'s content words that `of` also has."""
    wanted = content_words(in_)
    return len(wanted & content_words(of)) / len(wanted) if wanted else 0.0


def labelled(study: Study) -> list[tuple[str, str]]:
    """(section label or '', sentence) for every sentence of the abstract."""
    if study.sections:
        return [(s.label or "", t) for s in study.sections for t in sentences(s.text)]
    return [("", t) for t in sentences(study.abstract)]


def conclusion(study: Study) -> str:
    parts = labelled(study)
    marked = [t for label, t in parts if CONCLUSION_LABELS.search(label)]
    if marked:
        return marked[0]
    cued = [t for _, t in parts[1:] if CONCLUSION_CUES.search(t)]
    return cued[-1] if cued else parts[-1][1]


def methods(study: Study) -> list[str]:
    parts = labelled(study)
    marked = [t for label, t in parts if METHOD_LABELS.search(label)]
    return marked or [t for _, t in parts if METHOD_CUES.search(t)]


def secondary_results(study: Study) -> list[str]:
    """Result sentences, least like the conclusion first; null results on other outcomes lead."""
    claim = conclusion(study)
    parts = labelled(study)
    marked = [t for label, t in parts if RESULT_LABELS.search(label)]
    pool = marked or [
        t
        for _, t in parts[1:]
        if re.search(r"\d|\b(higher|lower|more|fewer|increase|decrease|reduc|differ)", t)
    ]
    method_set = set(methods(study))
    # Not a sentence that reports the primary outcome or is cued as a conclusion of its own
    # ("we have demonstrated that…"): that is the main result, whatever `conclusion` picked.
    pool = [
        t
        for t in pool
        if t != claim
        and t not in method_set
        and not PRIMARY_CUES.search(t)
        and not CONCLUSION_CUES.search(t)
    ]
    claim_null = bool(NULL_CUES.search(claim))

    # Secondary = shares at most a third of the claim's words (else it restates the claim); a null
    # result on another outcome first (issue 9's ALSFRS-R line), then the least alike.
    def rank(t: str) -> tuple[bool, float]:
        return bool(NULL_CUES.search(t)) == claim_null, share(t, claim)

    return sorted((t for t in pool if share(t, claim) <= 0.3), key=rank)


def long_sentences(study: Study, minimum: int = 20) -> list[str]:
    return [t for _, t in labelled(study) if len(t.split()) >= minimum]


# -- topics and people, from the draft's own (passing) title and the profile ----------------

TITLE_PREFIXES = re.compile(
    r"^(what a new study found about|what a study found about|new (study|research) on|how|can|"
    r"why|understanding|what)\s+",
    re.I,
)
TITLE_JOINS = re.compile(
    r"\s+(?:may be linked to|is linked to|are linked to|linked to|may affect|affects?|may help|"
    r"helps? with|help|relates? to|and|with|for|versus|vs\.?)\s+",
    re.I,
)
GENERIC_TOPIC = re.compile(r"research|news|\bstudy\b", re.I)


def soft_lower(phrase: str) -> str:
    """Lower-case a title phrase for running text, keeping acronyms and single capitals."""
    return " ".join(
        w if re.search(r"[A-Z].*[A-Z]|\d|^[A-Z]$", w) else w.lower() for w in phrase.split()
    )


def title_parts(record: DraftRecord) -> tuple[list[str], str]:
    """(topic phrases, the title's 'in ...' population or 'MS') from the draft's title."""
    title = record.summary.title.strip().rstrip("?.!")
    population = "MS"
    match = re.search(r"\s+in\s+(.+)$", title, re.I)
    if match:
        title, population = title[: match.start()], match.group(1)
    core = TITLE_PREFIXES.sub("", title)
    topics = [p.strip() for p in TITLE_JOINS.split(core) if p.strip()]
    topics = [p for p in topics if p.upper() != "MS" and not GENERIC_TOPIC.search(p)]
    if not topics:
        topics = [t for t in record.summary.topics if not GENERIC_TOPIC.search(t)][:2]
    return topics, population


def population(record: DraftRecord) -> str:
    profile = record.profile
    if profile.species == "animals":
        return " and ".join(profile.animals) or "animals"
    if profile.species == "cells":
        return "cells grown in a lab"
    if profile.studies_audience_condition:
        return "people with MS"
    if profile.conditions:
        return f"people with {profile.conditions[0]}"
    return "people"


def fill(record: DraftRecord) -> dict[str, str] | None:
    topics, pop_title = title_parts(record)
    if not topics:
        return None
    x = topics[0]
    y = topics[1] if len(topics) > 1 else (record.profile.conditions or ["health"])[0]
    n = record.profile.participants
    return {
        "X": x,
        "Y": y,
        "POP": pop_title,
        "x": soft_lower(x),
        "y": soft_lower(y),
        "pop": population(record),
        "pop_title": soft_lower(pop_title) if pop_title != "MS" else "MS",
        "n": f"{n:,}" if n else "",
    }


# -- rewording ----------------------------------------------------------------------------

# Direction words and links in other words (issue 9's list: lower -> reduced, linked to -> tied
# to), chosen so the sentence still says the same thing.
SYNONYMS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (r"\blinked to\b", lambda m: "tied to"),
    (r"\bassociated with\b", lambda m: "connected with"),
    (r"\blower\b(?=[^.;]*\bthan\b)", lambda m: "smaller"),
    (r"\blower\b", lambda m: "reduced"),
    (r"\bhigher\b(?=[^.;]*\bthan\b)", lambda m: "greater"),
    (r"\bhigher\b", lambda m: "raised"),
    (r"\bincreased(?= (by|from|in)\b)", lambda m: "rose"),
    (r"\bincreased\b", lambda m: "raised"),
    (r"\bdecreased(?= (by|from|in)\b)", lambda m: "fell"),
    (r"\bdecreased\b", lambda m: "reduced"),
    (r"\breduced\b", lambda m: "lowered"),
    (r"\bfewer\b", lambda m: "a smaller number of"),
    (r"\bdid not change\b", lambda m: "stayed about the same"),
    (r"\bdid not differ\b", lambda m: "showed no difference"),
    (r"\bimproved(?=[.,;]| (by|in|after)\b)", lambda m: "got better"),
    (r"\bResearchers\b", lambda m: "The research team"),
]
SYNONYM_RE = re.compile("|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(SYNONYMS)), re.I)


def reword(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        index = int(next(k for k, v in match.groupdict().items() if v is not None)[1:])
        new = SYNONYMS[index][1](match)
        return new[0].upper() + new[1:] if match.group(0)[0].isupper() else new

    # One pass, so a word put in ("reduced" for "lower") is never swapped again.
    return SYNONYM_RE.sub(swap, text)


def lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if re.search(r"[A-Z].*[A-Z]|\d", first):
        return text
    return text[0].lower() + text[1:]


def move_population(takeaway: str) -> str | None:
    body = takeaway.rstrip(".")
    lead = re.match(
        r"^(In (?:people|patients|adults|children|mice|rats|cells|animals)[^,]*),\s+(.+)$", body
    )
    if lead:
        return f"{lead.group(2)[0].upper()}{lead.group(2)[1:]} {lower_first(lead.group(1))}."
    tail = re.match(r"^(.+?)\s+(in (?:people|patients|adults|children|mice|rats|cells)\b.*)$", body)
    if tail:
        return f"{tail.group(2)[0].upper()}{tail.group(2)[1:]}, {lower_first(tail.group(1))}."
    return None


def swap_voice(takeaway: str) -> str | None:
    body = takeaway.rstrip(".")
    link = re.match(
        r"^(.+?) (may be|might be|is|was|are|were|appears to be) (linked|tied|related) to (.+?)"
        r"(,? in (?:people|patients|adults|children|mice|rats|cells)\b.*)?$",
        body,
    )
    if link:
        first, verb, kind, second, where = link.groups()
        return (
            f"{second[0].upper()}{second[1:]} {verb} {kind} to {lower_first(first)}{where or ''}."
        )
    active = re.match(r"^(.+?) (reduces|lowers|raises|increases|improves) (.+)$", body)
    if active:
        subject, verb, obj = active.groups()
        past = {"reduces": "reduced", "lowers": "lowered", "raises": "raised"}
        participle = past.get(verb, verb[:-1] + "d")
        return f"{obj[0].upper()}{obj[1:]} is {participle} by {lower_first(subject)}."
    return None


def hedge_other_words(takeaway: str) -> str:
    if re.search(r"\bmay\b", takeaway):
        return re.sub(r"\bmay\b", "might", takeaway, count=1)
    return f"This study suggests that {lower_first(takeaway)}"


def sentence_case(title: str) -> str:
    out = []
    for i, word in enumerate(title.split()):
        keep = i == 0 or re.search(r"[A-Z].*[A-Z]|\d|^[A-Z]$", word)
        out.append(word if keep else word.lower())
    return " ".join(out)


def title_case(title: str) -> str:
    small = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
    return " ".join(
        w
        if (i and w.lower() in small) or re.search(r"[A-Z].*[A-Z]|\d", w)
        else w[:1].upper() + w[1:]
        for i, w in enumerate(title.split())
    )


def edit(summary: HouseSummary, section: str, text: str) -> HouseSummary:
    return summary.model_copy(update={section: text})


def add(summary: HouseSummary, section: str, sentence: str) -> HouseSummary:
    return edit(summary, section, getattr(summary, section).rstrip() + " " + sentence)


# -- the generators, one per check --------------------------------------------------------


def takeaway_cases(record: DraftRecord, index: int) -> list[Row]:
    summary, out = record.summary, []
    values = fill(record)
    if values:
        for group, table in (
            ("topic-only takeaway", "topic_only"),
            ("vague takeaway", "vague_finding"),
        ):
            for shape, template in DATA[table].items():
                text = template.format(**values)
                text = text[0].upper() + text[1:]
                out.append((group, shape, True, edit(summary, "key_takeaway", text), text))
    takeaway = summary.key_takeaway.strip()
    rewrites = {
        "synonyms for direction and link": reword(takeaway),
        "population moved": move_population(takeaway),
        "active/passive swapped": swap_voice(takeaway),
        "hedge in other words": hedge_other_words(takeaway),
        "'researchers found that' lead-in": f"Researchers found that {lower_first(takeaway)}",
    }
    for kind, text in rewrites.items():
        if text and text != takeaway:
            out.append(
                ("takeaway paraphrase", kind, False, edit(summary, "key_takeaway", text), text)
            )
    return out


def title_cases(record: DraftRecord, index: int, real_title: bool) -> list[Row]:
    summary, out = record.summary, []
    paper = record.study.title.strip()
    if real_title:
        main = re.split(r"\s*[:?]\s+", paper, maxsplit=1)[0].strip().rstrip(".")
        variants = {
            "paper title verbatim": paper,
            # A one-word head ("Thyroiditis: an integrated approach") is a topic, not a title copy.
            "paper title before its colon": main
            if main != paper and len(main.split()) > 3
            else None,
            "'New Study on' + paper title": f"New Study on {main[0].lower()}{main[1:]}"
            if len(main.split()) > 3
            else None,
            "paper title in title case": title_case(paper),
        }
        for kind, text in variants.items():
            if text:
                out.append(("paper title as title", kind, True, edit(summary, "title", text), text))
    values = fill(record)
    shapes = dict(DATA["title_shapes"]) if values else {}
    if values and values["Y"] == (record.profile.conditions or ["health"])[0]:
        shapes.pop("how it relates")  # no second topic in the title to relate to
    for kind, template in shapes.items():
        text = template.format(**values)
        text = text[0].upper() + text[1:]
        if len(text.split()) <= 12 and text != summary.title:
            out.append(
                ("plain title, other house shape", kind, False, edit(summary, "title", text), text)
            )
    flipped = (
        sentence_case(summary.title) if summary.title != sentence_case(summary.title) else None
    )
    if flipped:
        out.append(
            (
                "plain title, other house shape",
                "draft title in sentence case",
                False,
                edit(summary, "title", flipped),
                flipped,
            )
        )
    return out


def main_result_cases(record: DraftRecord, index: int) -> list[Row]:
    summary, study, out = record.summary, record.study, []
    found = sentences(summary.what_they_found)
    design = [s for s in found if re.match(r"(Researchers|The authors|The team)\b", s)][:1]
    how = methods(study)[:3]
    others = secondary_results(study)
    first = labelled(study)[0][1]
    mutations = {
        "methods only": design + how if how else None,
        "a secondary result only": design + how[:2] + others[:1] if others else None,
        "background and a secondary result": [first, *others[:1]] if others else None,
    }
    for kind, parts in mutations.items():
        if parts:
            text = " ".join(dict.fromkeys(parts))
            out.append(
                (
                    "secondary-result-only findings",
                    kind,
                    True,
                    edit(summary, "what_they_found", text),
                    text,
                )
            )
    if len(found) > 1:
        claim = conclusion(study)
        # The design line ("Researchers followed ...") is not a result, so it is never the main one.
        candidates = [s for s in found if s not in design] or found
        main = max(candidates, key=lambda s: share(s, claim))
        rest = [s for s in found if s != main]
        lead = f"The key result was that {lower_first(reword(main))}"
        rewrites = {
            "main result moved last": [*rest, main],
            "sentence order reversed": found[::-1],
            "reworded with synonyms": [reword(s) for s in found],
            "main result reworded and moved last": [*rest, lead],
        }
        for kind, parts in rewrites.items():
            text = " ".join(parts)
            if text != summary.what_they_found:
                out.append(
                    (
                        "main result reworded or moved",
                        kind,
                        False,
                        edit(summary, "what_they_found", text),
                        text,
                    )
                )
    return out


def prompt_sentences() -> dict[str, list[tuple[str, str]]]:
    """(section to paste into, sentence) from the style example and the prompts' own text."""
    example = tomllib.loads((ROOT / "prompts" / "style_example.toml").read_text())
    style = [
        (section, s)
        for section in (
            "key_takeaway",
            "what_they_found",
            "who_should_care",
            "important_considerations",
        )
        for s in sentences(example[section])
    ]
    instructions = []
    for name in ("system.j2", "draft.j2"):
        for line in (ROOT / "prompts" / name).read_text().splitlines():
            line = re.sub(r"^[-#]\s*", "", re.sub(r"\{%.*?%\}", "", line)).strip()
            for s in sentences(line) if line else []:
                if "{" not in s and "}" not in s and len(s.split()) >= 6 and ":" not in s[-2:]:
                    instructions.append(("what_they_found", s))
    return {"style example sentence": style, "prompt instruction": instructions}


PROMPT_SENTENCES = prompt_sentences()


def copied_cases(record: DraftRecord, index: int) -> list[Row]:
    summary, study, out = record.summary, record.study, []
    pasted = long_sentences(study)
    if pasted:
        one = pasted[index % len(pasted)]
        two = " ".join(pasted[(index + 1) % len(pasted) :][:2]) if len(pasted) > 1 else one
        found = sentences(summary.what_they_found)
        claim = conclusion(study)
        takeaway = claim if 20 <= len(claim.split()) <= 40 else min(pasted, key=len)
        for kind, section, mutated, text in [
            (
                "sentence added to what_they_found",
                "what_they_found",
                add(summary, "what_they_found", one),
                one,
            ),
            (
                "sentence added to who_should_care",
                "who_should_care",
                add(summary, "who_should_care", one),
                one,
            ),
            (
                "two sentences replace the last finding",
                "what_they_found",
                edit(summary, "what_they_found", " ".join([*found[:-1], two])),
                two,
            ),
            (
                "abstract sentence as the takeaway",
                "key_takeaway",
                edit(summary, "key_takeaway", takeaway),
                takeaway,
            ),
        ]:
            out.append(("pasted abstract", kind, True, mutated, text))
            del section
    for kind, pool in PROMPT_SENTENCES.items():
        section, text = pool[index % len(pool)]
        mutated = (
            edit(summary, section, text)
            if section == "key_takeaway"
            else add(summary, section, text)
        )
        out.append(("pasted prompt example", kind, True, mutated, text))
    words = re.findall(r"\S+", conclusion(study))
    if len(words) >= 9:
        start = max(0, len(words) // 2 - 3)
        quote = words[start : start + 6]
        while len(quote) > 3 and quote[-1].lower().strip(".,;:") in STOP:
            quote = quote[:-1]
        while len(quote) > 3 and quote[0].lower().strip(".,;:") in STOP:
            quote = quote[1:]
        quote = " ".join(quote).strip(".,;:")
        for kind, section, sentence in [
            (
                "short quote in what_they_found",
                "what_they_found",
                f'The authors put it this way: "{quote}".',
            ),
            (
                "short quote in who_should_care",
                "who_should_care",
                f'In the authors\' words, this is about "{quote}".',
            ),
        ]:
            out.append(
                (
                    "short quote or key number kept",
                    kind,
                    False,
                    add(summary, section, sentence),
                    sentence,
                )
            )
    figures = re.findall(
        r"\b\d[\d,.]*\s?(?:%|percent|people|participants|patients|adults|children|women|men|"
        r"mice|rats|weeks|months|years|studies|trials)",
        study.abstract,
    )
    figures = list(dict.fromkeys(f.strip() for f in figures))[:2]
    if figures:
        sentence = f"Among the figures the team gave were {' and '.join(figures)}."
        out.append(
            (
                "short quote or key number kept",
                "key numbers kept",
                False,
                add(summary, "what_they_found", sentence),
                sentence,
            )
        )
    values = fill(record)
    if values:
        sentence = DATA["sentences"]["specific"][5].format(**values)
        out.append(
            (
                "short quote or key number kept",
                "house phrasing near the style example",
                False,
                add(summary, "who_should_care", sentence),
                sentence,
            )
        )
    return out


def boilerplate_cases(record: DraftRecord, index: int) -> list[Row]:
    summary, out = record.summary, []
    generic = DATA["sentences"]["generic"]
    for k, section in enumerate(("what_they_found", "who_should_care")):
        for j in range(2):
            sentence = generic[(2 * index + 2 * k + j) % len(generic)]
            out.append(
                (
                    "sentence that fits any study",
                    f"generic sentence in {section}",
                    True,
                    add(summary, section, sentence),
                    sentence,
                )
            )
    values = fill(record)
    if values:
        templates = [t for t in DATA["sentences"]["specific"] if "{n}" not in t or values["n"]]
        for k, section in enumerate(("what_they_found", "who_should_care")):
            sentence = templates[(index + 3 * k) % len(templates)].format(**values)
            sentence = sentence[0].upper() + sentence[1:]
            out.append(
                (
                    "study-specific sentence in common words",
                    f"specific sentence in {section}",
                    False,
                    add(summary, section, sentence),
                    sentence,
                )
            )
    return out


def cases(record: DraftRecord, index: int, real_title: bool) -> list[Case]:
    return [
        Case(check, *row)
        for check, rows in (
            ("content.takeaway", takeaway_cases(record, index)),
            ("structure.title", title_cases(record, index, real_title)),
            ("content.main_result", main_result_cases(record, index)),
            ("content.copied", copied_cases(record, index)),
            ("content.boilerplate", boilerplate_cases(record, index)),
        )
        for row in rows
    ]


def real_titles() -> set[str]:
    """Titles the corpus gives; the rest are made from the abstract's first words at ingest."""
    titles = set()
    for path in CORPUS.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            title = json.loads(line).get("title") if line.strip() else None
            if title:
                titles.add(" ".join(title.split()))
    return titles


# -- running -------------------------------------------------------------------------------


def base_records(limit: int) -> list[DraftRecord]:
    from pipeline.backends.offline import OfflineBackend
    from pipeline.drafting import draft_study
    from pipeline.ingest import load_file_tolerant
    from pipeline.profile import profile_study

    backend = OfflineBackend(SETTINGS)
    records = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for study in load_file_tolerant(path, SETTINGS).studies[: limit or None]:
            records.append(draft_study(study, profile_study(study, SETTINGS), backend, SETTINGS))
    return records


def verdict(record: DraftRecord, case: Case) -> tuple[bool, str]:
    """(the check failed, its message) for a case's summary."""
    from pipeline.checks import run_checks

    for result in run_checks(record.study, record.profile, case.summary, SETTINGS):
        if result.id == case.check:
            return not result.passed, result.message
    raise KeyError(case.check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit", type=int, default=0, help="abstracts per corpus file (0: all, 2-4 minutes)"
    )
    parser.add_argument("--show", type=int, default=0, help="failing examples to print per kind")
    args = parser.parse_args()
    records = base_records(args.limit)
    titles = real_titles()
    tally: dict[tuple[str, bool, str, str], list[int]] = defaultdict(lambda: [0, 0])
    bad: dict[tuple[str, bool, str, str], list[str]] = defaultdict(list)
    base: dict[str, int] = defaultdict(int)
    for index, record in enumerate(records):
        passing = {c.id for c in record.checks if c.passed}
        for check in passing:
            base[check] += 1
        real = " ".join(record.study.title.split()) in titles
        for case in cases(record, index, real):
            if case.check not in passing:
                continue
            failed, message = verdict(record, case)
            key = (case.check, case.breaking, case.group, case.kind)
            tally[key][1] += 1
            # A miss is a breaking case that passes; a false alarm a rewrite that fails.
            if failed == case.breaking:
                tally[key][0] += case.breaking
            else:
                tally[key][0] += not case.breaking
                bad[key].append(f"{record.study.id}: {case.changed!r}\n        -> {message}")
    print(f"drafts: {len(records)} ({args.limit or 'all'} per corpus file)")
    for check in (
        "content.takeaway",
        "structure.title",
        "content.main_result",
        "content.copied",
        "content.boilerplate",
    ):
        print(f"\n{check} (passes on {base[check]} base drafts)")
        for breaking, label in ((True, "recall"), (False, "false alarms")):
            groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for (c, b, g, _k), (hits, n) in tally.items():
                if c == check and b == breaking:
                    groups[g][0] += hits
                    groups[g][1] += n
            for group, (hits, n) in groups.items():
                rate = hits / n
                met = rate >= 0.95 if breaking else rate <= 0.05
                mark = "" if met else "  below target" if breaking else "  above target"
                print(f"  {label:12s} {group:42s} {hits:5d}/{n:<5d} {rate:7.1%}{mark}")
                for (c, b, g, kind), (khits, kn) in tally.items():
                    if (c, b, g) == (check, breaking, group):
                        print(f"      {kind:50s} {khits:5d}/{kn:<5d} {khits / kn:7.1%}")
                        for line in bad[(c, b, g, kind)][: args.show]:
                            print(f"        {'miss' if breaking else 'alarm'} {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
