"""A whole summary aligned to its abstract: every sentence of Key Takeaway, What They Found and
Who Should Care, with its support, the ids a model cited (the invented ones dropped and kept
aside), and whether it stands: supported, unsupported, contradicted, or exempt.

Exempt, because they are the house's own words and not claims about this study: caveat
sentences (as `caveat.*` reads them), the everyday analogies, the offline drafter's fixed
sentences (`prompts/wording.toml`, `prompts/care.toml`, their `{placeholders}` matching any
words), and, in Who Should Care, sentences that state no finding (no direction word, number or
finding verb): that section speaks to readers, and is held to the abstract only where it claims.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from pipeline.evidence.align import Aligner, without_explanations
from pipeline.evidence.claims import contradiction
from pipeline.evidence.generalise import generalisation
from pipeline.evidence.units import UNIT_ID, units_of
from pipeline.house import Caveat, House
from pipeline.records import CITED_SECTIONS, Alignment, HouseSummary, Study
from pipeline.settings import Settings, find_prompt_file, process_settings
from pipeline.text import (
    DEFINITION,
    analogies,
    directions,
    explanations,
    number_values,
    sentence_spans,
)

SUPPORTED = 0.45
PREDICATE = 0.25  # and of what it says beyond the study's subject
GENERALISED = (
    "key_takeaway",
    "what_they_found",
)  # share of a sentence's content its support must cover
FINDING_VERB = re.compile(
    r"\b(found|finds|showed|shows|shown|revealed|reveals|identified|detected|observed|"
    r"reported|suggests?|suggested|proved?|confirmed|worked|treats?|cures?|"
    r"prevents?|causes?|caused|slows?|stops?|protects?|safe|effective|proven)\b",
    re.I,
)


RESULT_WAYS = frozenset({"up", "down", "null"})
FRAMING_WAYS = re.compile(r"\b(more|less|high|low)\b", re.I)


def is_claim(sentence: str, *, framing: bool = False) -> bool:
    """Does the sentence state a finding? With `framing` (a sentence that speaks to readers),
    only a result's way of pointing counts: "helps", "damage", "one more piece of evidence"
    frame why a topic matters there; "lowered", "did not change" report a result."""
    text = FRAMING_WAYS.sub(" ", sentence) if framing else sentence
    ways = directions(text) & RESULT_WAYS if framing else directions(text)
    return bool(ways or number_values(sentence) - {0.0, 1.0} or FINDING_VERB.search(sentence))


@cache
def _wording_files(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(find_prompt_file(folders, name) for name in ("wording.toml", "care.toml"))


@cache
def _templates(files: tuple[Path, ...]) -> re.Pattern[str] | None:
    """The offline drafter's fixed sentences as one pattern, placeholders as any words."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and len(node.split()) >= 4:
            parts = re.split(r"\{[a-z_]+\}", node.strip())
            found.append(r".{1,160}?".join(re.escape(part) for part in parts))

    for path in files:
        try:
            walk(tomllib.loads(path.read_text("utf-8")))
        except (OSError, tomllib.TOMLDecodeError):
            continue  # a house without that file simply has no such sentences
    if not found:
        return None
    return re.compile("|".join(f"(?:{body})" for body in found), re.I)


# A caveat says where the results stop: "not in people", "whether it applies to people with
# MS". A sentence a caveat's words happen to match ("cell" and "people" in "NK cell recognition
# in people") but which says no such limit is a claim, and is held to the abstract.
_LIMIT = (
    r"\b(?:not|never|whether|if|unclear|unknown|no one knows)\W+(?:[\w'-]+\W+){0,6}?(?:{who})\b"
)


def _limits(sentence: str, house: House) -> bool:
    return bool(_limit_pattern(house.audience_names).search(sentence))


def _caveat(sentence: str, caveat: Caveat, house: House) -> bool:
    """The sentence is the caveat: it matches it, and when the caveat's own wording says
    where the results stop (the animal, cell and other-condition ones), it says so too."""
    if not caveat.matches(sentence):
        return False
    return not _limits(caveat.sentence, house) or _limits(sentence, house)


@cache
def _limit_pattern(audience: tuple[str, ...]) -> re.Pattern[str]:
    who = "|".join(
        ["people", "humans?", "patients", "persons?", "the body", *map(re.escape, audience)]
    )
    return re.compile(_LIMIT.replace("{who}", who), re.I)


def house_wording(sentence: str, house: House, settings: Settings | None = None) -> str | None:
    """Why a sentence is the house's own wording (so exempt), or None."""
    if any(_caveat(sentence, caveat, house) for caveat in house.caveats.values()):
        return "a caveat"
    if sentence in {a.text for a in analogies()}:
        return "an everyday analogy"
    defined = DEFINITION.match(sentence.strip())  # "Lesion means damaged or scarred tissue."
    if defined:
        meaning = sentence.strip()[defined.end() :].rstrip(" .")
        if explanations().get(defined.group(1).lower()) == meaning:
            return "a term's explanation"
    folders = settings.prompt_dirs() if settings else process_settings().prompt_dirs()
    pattern = _templates(_wording_files(folders))
    if pattern and pattern.fullmatch(sentence.strip()):
        return "fixed house wording"
    return None


def _sentences(summary: HouseSummary) -> Iterator[tuple[str, str, int, int]]:
    for name in CITED_SECTIONS:
        text = getattr(summary, name)
        for sent in sentence_spans(text):
            yield name, sent.text, sent.start, sent.end


def _cited(summary: HouseSummary) -> dict[tuple[str, str], list[str]]:
    """The model's ids per (section, sentence), the sentence compared without spacing."""
    out: dict[tuple[str, str], list[str]] = {}
    for cite in summary.evidence:
        out.setdefault((cite.section, _key(cite.sentence)), []).extend(cite.ids)
    return out


def _key(sentence: str) -> str:
    return " ".join(sentence.split()).strip().lower()


def align_summary(
    study: Study, summary: HouseSummary, house: House, settings: Settings | None = None
) -> list[Alignment]:
    """Every sentence of the three finding sections traced to the abstract (`settings` says
    where the house's wording files are; the process's own by default)."""
    units = units_of(study)
    known = {unit.id: unit.text for unit in units}
    aligner = Aligner([(u.id, u.text) for u in units], study.abstract, study.title)
    audience = house.audience_regex()
    cited = _cited(summary)
    out = []
    for section, sentence, start, end in _sentences(summary):
        ids = [i.strip().upper() for i in cited.get((section, _key(sentence)), [])]
        valid = list(dict.fromkeys(i for i in ids if UNIT_ID.match(i) and i in known))
        invented = list(dict.fromkeys(i for i in ids if i not in valid))
        base = dict(
            section=section,
            sentence=sentence,
            start=start,
            end=end,
            cited=valid,
            invented=invented,
        )
        exempt = house_wording(sentence, house, settings)
        if exempt is None and section == "who_should_care" and not is_claim(sentence, framing=True):
            exempt = "speaks to readers and states no finding"
        if exempt:
            out.append(Alignment(**base, status="exempt", reason=exempt))
            continue
        support = aligner.support(sentence)
        ids_ = list(support.ids)
        for cite in valid:  # a cited unit the aligner did not pick still counts as support
            if cite not in ids_:
                ids_.append(cite)
        texts = [known[i] for i in ids_]
        claim = without_explanations(sentence)
        if support.score < SUPPORTED or support.predicate < PREDICATE:
            missing = ", ".join(f'"{w}"' for w in support.unmatched[:4]) or "no content words"
            reason = f"the abstract does not say this ({support.score:.0%} of it found; not: "
            out.append(
                Alignment(
                    **base,
                    status="unsupported",
                    ids=ids_,
                    score=support.score,
                    reason=reason + missing + ")",
                )
            )
            continue
        # Against the first support unit; not when another support unit says it the same way
        # ("Low vitamin D was linked to higher risk" beside "higher vitamin D… fewer relapses").
        against = contradiction(claim, texts[:1]) if texts else None
        if against and len(texts) > 1 and not contradiction(claim, texts):
            against = None
        if against:
            out.append(
                Alignment(
                    **base, status="contradicted", ids=ids_, score=support.score, reason=against
                )
            )
            continue
        # Who Should Care speaks to people with the audience's condition by design.
        wider = (
            generalisation(claim, texts, audience, getattr(summary, section))
            if texts and section in GENERALISED
            else None
        )
        out.append(
            Alignment(
                **base,
                status="supported",
                ids=ids_,
                score=support.score,
                generalises=wider or "",
            )
        )
    return out
