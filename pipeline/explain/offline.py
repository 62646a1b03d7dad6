"""The offline explainer drafter: rules, no model. A first draft an editor can work from.

Written from the sources' summaries (approved, else latest) and the editor's brief, in the
house's plain voice: an opening that says what the topic is (the brief's statements, else the
house's explanation of the topic's term), one paragraph per theme with each study named in
words ("A 2025 trial of 64 people with MS ...") and its finding as its summary's Key Takeaway
states it, a supporting sentence or two from What They Found, and every caveat that source
requires, in the house's own wording; then what it means for people with the condition, and
the closing summary. Sentences are chosen for readability and the whole is fitted to the
house's length. Nothing is invented: every sentence is the house's wording (which states no
fact), or comes from a source's checked summary or from the brief, and a number or name that
is not in the sources is never carried over. The record says it was drafted offline.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.explain.facts import (
    Facts,
    explainer_house,
    facts_of,
    shared_topic,
    study_topics,
    subject_of,
    teaser_of,
    title_of,
    topics_of,
)
from pipeline.house import House
from pipeline.records import ExplainerContent, ExplainerParagraph, ExplainerSource
from pipeline.settings import Settings
from pipeline.text import (
    explanations,
    find_links,
    find_markup,
    is_definition,
    is_instruction,
    measure,
    salient,
    sentences,
    words,
)

MAX_THEMES = 5  # opening + themes + meaning + summary stays within 8 paragraphs
ANALOGY = re.compile(r"\b(think of it|can feel like|is like a|works like|imagine)\b", re.I)
CAVEAT_ORDER = (
    "animal_model",
    "cell_study",
    "other_condition",
    "association_not_causation",
    "small_sample",
    "preliminary",
    "short_followup",
)


def _usable(sentence: str, facts: Facts, house: House) -> bool:
    return (
        facts.allows(sentence)
        and not find_links(sentence)
        and not find_markup(sentence)
        and not is_instruction(sentence, house)
    )


def named_in_words(source: ExplainerSource, wording: dict[str, Any], facts: Facts) -> str:
    """ "A 2025 trial of 64 people with MS": the study as a reader can picture it."""
    profile, study = source.profile, source.study
    noun = wording["design_nouns"].get(profile.design.value, "study")
    year = f"{study.year} " if study.year else ""
    article = "An" if (year or noun)[:1].lower() in "aeio" and not year.startswith("8") else "A"
    who = ""
    count = profile.participants
    if profile.species == "people" and count and float(count) in facts.numbers:
        condition = profile.conditions[0] if profile.conditions else ""
        who = f" of {count:,} people" + (f" with {condition}" if condition else "")
    elif profile.species == "animals":
        who = f" in {', '.join(profile.animals)}" if profile.animals else ""
    return f"{article} {year}{noun}{who}"


def caveat_sentence(source: ExplainerSource, cid: str, house: House) -> str:
    profile = source.profile
    values = {
        "animals": ", ".join(profile.animals) or "animals",
        "condition": ", ".join(profile.conditions) or "another condition",
        "audience": house.audience,
        "participants": f"{profile.participants:,}" if profile.participants else "few",
        "followup": profile.evidence.get("followup_phrase")
        or (f"{profile.followup_months:g} months" if profile.followup_months else "a short time"),
    }
    return house.caveats[cid].sentence.format(**values)


def _easiest(candidates: list[str], count: int, used: set[str]) -> list[str]:
    """The `count` plainest sentences not already used (nor any everyday comparison: a page
    has one at most, and a source's summary brings its own), in their own order."""
    fresh = [
        s
        for s in candidates
        if 6 <= len(words(s)) <= 30 and not ANALOGY.search(s) and not _repeats(s, used)
    ]
    ranked = sorted(fresh, key=lambda s: measure(s).fkgl)[:count]
    return [s for s in fresh if s in ranked]


def _source_lines(
    source: ExplainerSource,
    extra: int,
    wanted: set[str],
    wording: dict[str, Any],
    facts: Facts,
    house: House,
    used: set[str],
    subject: str = "this",
    ceiling: float = 9.5,
) -> list[str]:
    summary = source.summary
    looked = study_topics(source, wanted, subject)
    lead = f"{named_in_words(source, wording, facts)} looked at {looked}."
    finding = summary.key_takeaway.strip()
    lines = [lead]
    # a term's explanation ("Lesion means…") belongs beside the sentence that used the term
    found = [s for s in sentences(summary.what_they_found) if not is_definition(s)]
    found = [s for s in found if _usable(s, facts, house)]
    if _usable(finding, facts, house) and measure(finding).fkgl <= ceiling + 2:
        lines.append(f"It found that {lowered(finding)}")
    elif plain := _easiest(found, 1, used):  # a takeaway too hard to read: its plainest result
        lines.append(plain[0])
        found.remove(plain[0])
    support = _easiest(found[1:] + found[:1], extra, used | set(lines))
    if extra >= 3:  # still short: what the summary says it means, too
        care = [s for s in sentences(summary.who_should_care) if _usable(s, facts, house)]
        support += _easiest(care, 1, used | set(lines) | set(support))
    # a hard paragraph loses its hardest supporting sentence first (the finding stays)
    while support and measure(" ".join(lines + support)).fkgl > ceiling:
        support.remove(max(support, key=lambda s: measure(s).fkgl))
    lines += support
    used.update(lines)
    for cid in CAVEAT_ORDER:
        if cid in source.profile.required_caveats:
            lines.append(caveat_sentence(source, cid, house))
    return lines


def _repeats(sentence: str, used: set[str]) -> bool:
    """True when the sentence says again what a used one said (most of its content words)."""
    mine = salient(sentence)
    return sentence in used or any(
        mine and len(mine & salient(other)) >= 0.7 * len(mine) for other in used
    )


def lowered(sentence: str) -> str:
    """A sentence to follow "It found that": its first letter lower-cased unless it starts
    an acronym or a name ("MRI", "IL-6")."""
    first = sentence.split(" ", 1)[0]
    keep = len(first) > 1 and (first.isupper() or any(c.isdigit() for c in first))
    return sentence if keep else sentence[:1].lower() + sentence[1:]


def _themes(sources: list[ExplainerSource]) -> list[list[ExplainerSource]]:
    """One theme per source; past MAX_THEMES, the two closest themes (shared topic words)
    are merged until they fit."""
    groups = [[s] for s in sources]

    def words_of(group: list[ExplainerSource]) -> set[str]:
        return set().union(*(salient(" ".join(s.summary.topics)) for s in group))

    while len(groups) > MAX_THEMES:
        pairs = [
            (len(words_of(a) & words_of(b)), -i, -j)
            for i, a in enumerate(groups)
            for j, b in enumerate(groups)
            if i < j
        ]
        _, i, j = max(pairs)
        groups[-i] += groups.pop(-j)
    return groups


def opening(topic: str, brief: str, facts: Facts, house: House, wording: dict) -> list[str]:
    subject = subject_of(topic, house)
    said = wording["sentences"]
    condition = said["condition"].format(audience=house.audience, audience_full=house.audience_full)
    lines = [condition[:1].upper() + condition[1:]]
    statements = [
        s.strip("#*-> ").strip()
        for line in brief.splitlines()
        for s in sentences(line)
        if s.strip() and not s.rstrip().endswith("?")
    ]
    lines += [s for s in statements if _usable(s, facts, house) and len(words(s)) >= 5][:3]
    if len(lines) == 1:
        known = explanations()
        terms = [
            t for t in known if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", subject, re.I)
        ]
        if terms:
            term = max(terms, key=len)
            lines.append(f"{term[:1].upper()}{term[1:]} means {known[term]}.")
    inline = subject if subject[:2].isupper() else subject[:1].lower() + subject[1:]
    lines.append(said["opening_close"].format(subject=inline, audience=house.audience))
    return lines


def meaning(
    sources: list[ExplainerSource],
    facts: Facts,
    house: House,
    wording: dict,
    count: int = 2,
    used: frozenset[str] = frozenset(),
    subject: str = "",
) -> tuple[list[str], list[str]]:
    """The paragraph's sentences, and the ids of the sources they come from."""
    said = wording["sentences"]
    lines = [said["meaning_open"].format(audience=house.audience)]
    audience = salient(" ".join(house.audience_names))

    def about(sentence: str, source: ExplainerSource) -> bool:
        # the summary's care lines can be the house's generic ones ("Fatigue is one of the
        # most common symptoms of MS"): keep those that share a word with the study's topics
        theirs = salient(" ".join([*source.summary.topics, source.summary.title, subject]))
        return bool((salient(sentence) - audience) & (theirs - audience))

    origin = {
        s: source.id
        for source in reversed(sources[:3])
        for s in sentences(source.summary.who_should_care)[:3]
        if _usable(s, facts, house) and about(s, source)
    }
    chosen = _easiest(list(origin), count, set(used))
    lines += chosen
    lines.append(said["meaning_close"].format(audience=house.audience))
    return lines, list(dict.fromkeys(origin[s] for s in chosen))


def closing(topic: str, sources: list[ExplainerSource], house: House, wording: dict) -> str:
    said = wording["sentences"]
    best = max(sources, key=lambda s: (s.profile.credibility.score, s.approved))
    noun = wording["design_nouns"].get(best.profile.design.value, "study")
    finding = best.summary.key_takeaway.strip()
    subject = subject_of(topic, house)
    inline = subject if subject[:2].isupper() else subject[:1].lower() + subject[1:]
    lines = [said["summary_open"].format(subject=inline)]
    best_line = said["summary_best"].format(noun=noun, finding=lowered(finding))
    if measure(best_line).fkgl <= 10:
        lines.append(best_line)
    limited = {"small_sample", "preliminary", "other_condition", "animal_model", "cell_study"}
    if any(limited & set(s.profile.required_caveats) for s in sources):
        lines.append(said["summary_limits"].format(audience=house.audience))
    lines.append(said["consult"])
    return " ".join(lines)


def draft_offline(
    topic: str,
    brief: str,
    sources: list[ExplainerSource],
    house: House,
    settings: Settings,
    *,
    strict: bool = False,
) -> ExplainerContent:
    """The explainer, fitted to the house's length: supporting sentences are added while it is
    short and taken away while it is long (`strict`, on a revise round: fewer of them)."""
    wording = explainer_house(settings)
    limits = wording["limits"]
    facts = facts_of(sources)
    themes = _themes(sources)
    wanted = salient(subject_of(topic, house))
    inline_subject = subject_of(topic, house)
    if not inline_subject[:2].isupper():
        inline_subject = inline_subject[:1].lower() + inline_subject[1:]
    head = " ".join(opening(topic, brief, facts, house, wording))
    summary = closing(topic, sources, house, wording)
    fitted: list[tuple[float, ExplainerContent]] = []
    for extra in (1, 0) if strict else (0, 1, 2, 3, 4, 5):
        used: set[str] = set()
        body = [ExplainerParagraph(text=head, sources=[])]
        for group in themes:
            lines = [wording["sentences"]["theme_many"].format(subject=shared_topic(group))]
            lines = lines if len(group) > 1 else []
            for source in group:
                lines += _source_lines(
                    source, extra, wanted, wording, facts, house, used, inline_subject
                )
            body.append(ExplainerParagraph(text=" ".join(lines), sources=[s.id for s in group]))
        tail, tail_sources = meaning(
            sources, facts, house, wording, 2 + extra // 2, frozenset(used), inline_subject
        )
        body.append(ExplainerParagraph(text=" ".join(tail), sources=tail_sources))
        content = ExplainerContent(
            title=title_of(topic),
            paragraphs=body,
            summary=summary,
            topics=topics_of(topic, sources, house),
            teaser=teaser_of(topic, house),
        )
        total = sum(len(words(p)) for p in content.all_paragraphs())
        low, high = limits["min_words"], limits["max_words"]
        # in range first, then nearest the middle of the range; plainer on a tie
        miss = max(low - total, total - high, 0)
        grade = measure(" ".join(content.all_paragraphs())).fkgl
        fitted.append((miss * 1000 + abs(total - (low + high) / 2) + grade, content))
    return min(fitted, key=lambda pair: pair[0])[1]
