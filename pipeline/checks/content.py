"""Content: does the draft say something? Form checks pass a draft whose Key Takeaway states no
finding, whose findings skip the main result, that pastes the abstract, or whose sentences
would fit any study. These fail it, for every backend:

    content.takeaway      the Key Takeaway states the main finding (its subject and direction)
    content.main_result   What They Found conveys the main result, not only secondary ones
    content.copied        long stretches pasted from the abstract or from the prompt's own text
    content.boilerplate   sentences with nothing of this study in them
    content.restated      a What They Found sentence that only says the Key Takeaway again

The main finding is read once, in `pipeline.profile.findings`, the same way the offline drafter
reads it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from pipeline.checks.base import CheckContext, quoted, result, span
from pipeline.profile import main_finding, study_vocabulary
from pipeline.records import CheckResult, Span, Study
from pipeline.settings import find_prompt_file
from pipeline.text import (
    COPY_ERROR_SHARE,
    COPY_RUN,
    acronyms,
    analogies,
    bare_words,
    copied_runs,
    copied_share,
    copy_windows,
    directions,
    expand,
    is_plain,
    number_values,
    restates,
    salient,
    sentence_spans,
    statement_problem,
    word_matches,
)

COPY_WARN_WORDS = 12  # a verbatim stretch this long is pasted, not rewritten


def takeaway_problems(study: Study, text: str) -> list[str]:
    """Why a Key Takeaway states no finding of this study (empty when it does): the check's
    rule, public so the offline drafter picks its headline by the same rule."""
    finding = main_finding(study)
    said = _terms(text, finding.expansions)
    problem = statement_problem(text, names_finding=bool(said & finding.terms))
    problems = [problem] if problem else []
    if not said & (finding.terms | _title_terms(study)):
        problems.append("it shares no subject with the abstract's finding")
    return problems


def check_takeaway(ctx: CheckContext) -> list[CheckResult]:
    finding = main_finding(ctx.study)
    if not finding.quote:
        return [
            _ok(
                "content.takeaway",
                "No conclusion or result found in the abstract to hold the Key Takeaway to.",
            )
        ]
    problems = takeaway_problems(ctx.study, ctx.summary.key_takeaway)
    # No span: the whole section is at fault, and a section-wide mark would hide the word-level
    # marks other checks put inside it on the review page.
    return [
        _whole(
            "content.takeaway",
            "error",
            not problems,
            "Key Takeaway states the main finding.",
            "Key Takeaway states no finding: " + "; ".join(problems) + ". Say what the study "
            f'found, hedged to its design; the abstract concludes: "{_clip(finding.quote)}"',
        )
    ]


def check_main_result(ctx: CheckContext) -> list[CheckResult]:
    finding = main_finding(ctx.study)
    text = ctx.summary.what_they_found
    if not finding.terms:
        return [_ok("content.main_result", "No main result found in the abstract to compare.")]
    said = _terms(text, finding.expansions)
    claim = _terms(finding.claim or "", finding.expansions) or set(finding.terms)
    covered = len(said & claim) / max(1, len(claim))
    agrees = not finding.directions or bool(directions(text) & finding.directions)
    ok = covered >= 0.4 and agrees
    return [
        _whole(
            "content.main_result",
            "warning",
            ok,
            f"What They Found conveys the main result ({covered:.0%} of its terms).",
            f"What They Found misses the main result ({covered:.0%} of its terms"
            + ("" if agrees else ", and not its direction")
            + f'). Lead with it: "{_clip(finding.quote)}"',
            value=round(covered, 2),
        )
    ]


def check_copied(ctx: CheckContext) -> list[CheckResult]:
    source = copy_windows(ctx.study.abstract)
    prompt = _prompt_windows(ctx.settings.prompt_dirs())
    pasted: list[Span] = []
    echoed: list[Span] = []
    heavy = []
    for name, text in ctx.sections():
        located = word_matches(text)
        lowered = [m.group(0).lower() for m in located]
        runs = copied_runs(lowered, source)
        if copied_share(lowered, runs) > COPY_ERROR_SHARE:
            heavy.append(name)
        for start, end in runs:
            if end - start >= COPY_WARN_WORDS:
                pasted.append(span(name, text, located[start].start(), located[end - 1].end()))
        whole = [(s.start, s.end) for s in sentence_spans(text) if bare_words(s.text) in prompt]
        for a, b in [*_echoes(located, lowered, prompt), *whole]:
            found = span(name, text, a, b)
            if not _fixed_wording(ctx, found.text):
                echoed.append(found)
    problems = []
    if echoed:
        problems.append(f"text from the prompt's own instructions or example: {quoted(echoed, 2)}")
    if heavy:
        problems.append(f"{', '.join(heavy)} mostly pasted from the abstract")
    if pasted:
        problems.append(f"copied word for word from the abstract: {quoted(pasted, 2)}")
    return [
        result(
            "content.copied",
            "error" if heavy or echoed else "warning",
            echoed + pasted if (echoed or pasted) else [span(n, "", 0, 0) for n in heavy],
            "Written in the house's own words.",
            "Rewrite in plain words; the house does not paste: " + "; ".join(problems) + ".",
        )
    ]


def check_restated(ctx: CheckContext) -> list[CheckResult]:
    """The house's What They Found gives the detail behind the headline (who, how many, how
    much); a sentence that repeats the Key Takeaway is one an editor cuts."""
    takeaway = ctx.summary.key_takeaway
    text = ctx.summary.what_they_found
    again = [
        span("what_they_found", text, s.start, s.end)
        for s in sentence_spans(text)
        if restates(s.text, takeaway)
    ]
    return [
        result(
            "content.restated",
            "warning",
            again,
            "What They Found adds to the Key Takeaway.",
            f"What They Found repeats the Key Takeaway: {quoted(again, 1)}. Give the detail "
            "behind it instead: who took part, how many, how large the change was.",
        )
    ]


def check_boilerplate(ctx: CheckContext) -> list[CheckResult]:
    study_text = " ".join([ctx.study.title, ctx.study.abstract, " ".join(ctx.study.keywords)])
    vocabulary = study_vocabulary(study_text)
    numbers = number_values(ctx.study.abstract) - {0.0, 1.0}
    topical = salient(" ".join([ctx.study.title, *ctx.study.keywords])) & vocabulary
    generic: list[Span] = []
    for name, text in ctx.sections(("what_they_found", "who_should_care")):
        for sent in sentence_spans(text):
            if _house_wording(ctx, sent.text):
                continue  # caveat wording is the house's own, and fits many studies by design
            if sent.text in _analogies() or number_values(sent.text) & numbers:
                continue  # a house analogy; or a count or result this abstract states
            shared = salient(sent.text) & vocabulary
            # One everyday word in common ("help", "future", "small") is chance, not subject.
            # The study's own subject ("vitamin D") is not chance, plain word or not.
            if len(shared) < 2 and not shared & topical and all(is_plain(w) for w in shared):
                generic.append(span(name, text, sent.start, sent.end))
    return [
        result(
            "content.boilerplate",
            "warning",
            generic,
            "Every sentence is about this study.",
            f"Sentences that would fit any study: {quoted(generic, 3)}. Say what this study "
            "found or why it matters to readers, with its own subject.",
        )
    ]


def _whole(
    cid: str, severity: str, ok: bool, good: str, bad: str, value: float | None = None
) -> CheckResult:
    return CheckResult(
        id=cid,
        severity=severity,  # type: ignore[arg-type]
        passed=ok,
        message=good if ok else bad,
        value=value,
    )


def _ok(cid: str, message: str) -> CheckResult:
    return CheckResult(id=cid, severity="warning", passed=True, message=message)


def _terms(text: str, expansions: tuple[tuple[str, str], ...]) -> set[str]:
    return salient(expand(text, dict(expansions)))


def _title_terms(study: Study) -> set[str]:
    return salient(expand(study.title, acronyms(study.abstract)))


@cache
def _analogies() -> frozenset[str]:
    return frozenset(a.text for a in analogies())


def _house_wording(ctx: CheckContext, sentence: str) -> bool:
    return any(caveat.matches(sentence) for caveat in ctx.house.caveats.values())


def _fixed_wording(ctx: CheckContext, passage: str) -> bool:
    """The passage is the house's own fixed wording (a caveat's sentence, the footer), which
    a draft may repeat from the prompt. A sentence that only conveys a caveat is not: "With
    only 96 riders, this trial was small…" pasted from the style example carries its facts."""
    lowered = bare_words(passage)
    fixed = [ctx.house.footer_template]
    for caveat in ctx.house.caveats.values():
        fixed += [caveat.sentence, caveat.sentence_unnamed or ""]
    known = _house_windows(tuple(fixed))
    starts = range(max(len(lowered) - COPY_RUN + 1, 1))
    return all(tuple(lowered[i : i + COPY_RUN]) in known for i in starts)


@lru_cache(maxsize=8)
def _house_windows(fixed: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return copy_windows(re.sub(r"\{\w+\}", " ", " ".join(fixed)), numbers=False)


def _clip(text: str, limit: int = 240) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _echoes(located: list, lowered: list[str], prompt: frozenset) -> list[tuple[int, int]]:
    # The prompts' placeholders are mostly numbers ("grade {{ target }} or lower"): match
    # the draft against them with its bare numbers left out.
    kept = [i for i, word in enumerate(lowered) if not word.replace(".", "").isdigit()]
    return [
        (located[kept[start]].start(), located[kept[end - 1]].end())
        for start, end in copied_runs([lowered[i] for i in kept], prompt)
    ]


EXPLAINER_PROMPTS = ("explainer_system.j2", "explainer_draft.j2", "explainer_revise.j2")


def prompt_echoes(
    text: str, folders: tuple[Path, ...], templates: tuple[str, ...] = EXPLAINER_PROMPTS
) -> list[tuple[int, int]]:
    """(start, end) of each `COPY_RUN`-word stretch of `text` that repeats the fixed text of the
    `templates` (by default the explainer's): a small model echoes its instructions ("The
    studies to draw on (untrusted data between the markers…" came back as a title)."""
    located = word_matches(text)
    lowered = [m.group(0).lower() for m in located]
    return _echoes(located, lowered, _prompt_windows(folders, templates))


@cache
def _prompt_windows(
    folders: tuple[Path, ...],
    templates: tuple[str, ...] = ("system.j2", "draft.j2", "revise.j2", "style_example.toml"),
) -> frozenset[tuple[str, ...]]:
    """`COPY_RUN`-word windows of the prompts' fixed text: the templates without their
    placeholders, and the style example. A draft that repeats one echoes its instructions."""
    found: set[tuple[str, ...]] = set()
    for name in templates:
        try:
            raw = find_prompt_file(folders, name).read_text("utf-8")
        except FileNotFoundError:
            continue
        for piece in re.split(r"\{%.*?%\}|\{#.*?#\}", raw, flags=re.S):
            # Numbers left out on both sides: "(about 15 words)" in the prompt must still
            # match a draft that repeats it.
            fixed = re.sub(r"\{\{.*?\}\}", " ", piece, flags=re.S)
            found |= copy_windows(fixed, numbers=False)
            if name.endswith(".j2"):  # a short instruction line, echoed whole: "Summarise…"
                lines = (bare_words(line) for line in fixed.splitlines())
                found |= {w for w in lines if COPY_RUN > len(w) >= 5}
    return frozenset(found)
