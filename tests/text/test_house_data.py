"""The house's word data, read through the real loaders: plain substitutes (`[plain]` in
prompts/glossary.toml), first-use explanations (`[explain]` in prompts/explanations.toml) and
everyday comparisons (`[[analogy]]` in prompts/analogies.toml).

Each rule is a function that lists the problems of one entry. The same functions check the
shipped data and, in the `*_catches_*` tests, deliberately bad made-up entries, so a rule that
could never fail would show up there.

How the offline drafter uses the data (pipeline/backends/offline/plain.py) sets the rules:
glossary substitutes are applied first, to every whole-word match, longest key first; then each
explanation key gets "(explanation)" after its first match, longest first, its plural included.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache

import pytest

from pipeline.settings import prompt_file
from pipeline.text import analogies, explanations, glossary, is_plain, measure, syllables

MAX_EXPLANATION_WORDS = 12
MAX_ANALOGY_WORDS = 25
MAX_ANALOGY_GRADE = 9.0

# Words an explanation may use although they are neither in the plain vocabulary nor two
# syllables or fewer: no shorter everyday word says the same, and each is common in health
# writing for the public.
UNAVOIDABLE_WORDS = frozenset(
    {"bacteria", "chemical", "computer", "disability", "oxygen", "sclerosis", "viruses"}
)

# Glossary keys that never follow "a"/"an" (verbs, adverbs, uncountable nouns), so a substitute
# that starts with the other kind of sound needs no "a"/"an" entry of its own.
NOT_AFTER_ARTICLE = frozenset(
    {
        "produced an improvement in",
        "led to an improvement in",
        "resulted in an improvement in",
        "produced a reduction in",
        "led to a reduction in",
        "resulted in a reduction in",
        "produced an increase in",
        "led to an increase in",
        "resulted in an increase in",
        "accumulate",
        "accumulated",
        "administered",
        "administration",
        "alter",
        "ambulation",
        "ascertain",
        "assess",
        "assessed",
        "assessing",
        "assist",
        "attenuate",
        "concerning",
        "emphasise",
        "emphasize",
        "evaluate",
        "evaluated",
        "evaluating",
        "exacerbate",
        "exacerbated",
        "examine",
        "examined",
        "examining",
        "exhibit",
        "exhibited",
        "exhibiting",
        "furthermore",
        "identified",
        "identify",
        "identifying",
        "illustrate",
        "indicate",
        "indicating",
        "initiate",
        "initiated",
        "initiation",
        "insufficient",
        "investigate",
        "investigated",
        "investigating",
        "involving",
        "morbidity",
        "moreover",
        "neuroinflammation",
        "observed",
        "obtain",
        "occur",
        "occurred",
        "occurring",
        "regarding",
        "terminate",
        "terminated",
        "undergo",
        "undergoing",
        "undertaken",
        "underwent",
        "upregulated",
        "accumulating evidence",
        "associated with",
        "comparable with",
        "consistent with",
        "emerging evidence",
        "in combination with",
        "in comparison to",
        "in comparison with",
        "in order to",
        "in the absence of",
        "in the presence of",
        "with regard to",
        "with respect to",
    }
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _whole(term: str, plural: bool = False) -> re.Pattern[str]:
    """A term as the drafter matches it: whole words, case-insensitive, maybe plural."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}{'s?' if plural else ''}(?![\w-])", re.I)


def _hard(word: str) -> bool:
    word = word.strip("'’")
    return not (is_plain(word) or syllables(word) <= 2 or word.lower() in UNAVOIDABLE_WORDS)


def _has_acronym(text: str) -> bool:
    return any(sum(c.isupper() for c in word) >= 2 for word in text.split())


@cache
def _house_language() -> dict[str, re.Pattern[str]]:
    """What the language checks flag in a summary (prompts/house.toml [language]): words in
    an explanation or a comparison end up in the summary, so none may be flagged."""
    raw = tomllib.loads(prompt_file("house.toml").read_text("utf-8"))["language"]
    return {
        name: re.compile(
            r"(?<![\w-])(?:" + "|".join(f"(?:{alt})" for alt in raw[name]) + r")(?![\w-])", re.I
        )
        for name in ("forbidden", "causal", "certainty", "certainty_weak_design", "advice")
    }


def _flagged_language(text: str) -> list[str]:
    return [f"uses {name} language" for name, p in _house_language().items() if p.search(text)]


@cache
def _conditions() -> tuple[re.Pattern[str], ...]:
    raw = tomllib.loads(prompt_file("conditions.toml").read_text("utf-8"))["conditions"]
    return tuple(
        re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.I)
        for spec in raw.values()
        for pattern in spec["patterns"]
    )


def _apply_glossary(text: str, entries: list[tuple[re.Pattern[str], str]]) -> str:
    """The drafter's substitution: every whole-word match, longest key first, case kept."""
    for pattern, plain in entries:
        text = pattern.sub(
            lambda m, p=plain: p[:1].upper() + p[1:] if m.group(0)[:1].isupper() else p, text
        )
    return text


def _glossary_entries() -> list[tuple[re.Pattern[str], str]]:
    return [(pattern, plain) for _term, pattern, plain, _once in glossary()]


def _vowel_sound(word: str) -> bool:
    """Whether "an" goes before the word (rough, but right for the house's words)."""
    word = word.lower()
    if word.startswith(("hour", "honest", "honour", "honor", "heir")):
        return True
    if word.startswith(("one", "once")):
        return False
    if word.startswith("u"):
        return not re.match(r"u(ni|s[aeiu]|ti|re|ri|ra|ro|ku|vu)", word)
    return word[:1] in "aeio"


# ---- the rules, one entry at a time -------------------------------------------------------


def glossary_problems(term: str, plain: str, keys: list[str]) -> list[str]:
    problems = []
    if not term.strip():
        problems.append("empty key")
    if term.lower() in plain.lower():
        problems.append("substitute holds its key: an explanation belongs in explanations.toml")
    if "(" in plain or ")" in plain:
        problems.append("brackets in a substitute: an explanation belongs in explanations.toml")
    longest = max((syllables(w) for w in _words(term)), default=0)
    harder = [w for w in _words(plain) if _hard(w) and syllables(w) >= longest]
    if harder:
        problems.append(f"substitute no plainer than the key: {harder}")
    for other in keys:
        if other.lower() != term.lower() and _whole(other).search(plain):
            problems.append(f"substitute holds another key, which would rewrite it: {other!r}")
    problems += _flagged_language(plain)
    return problems


def article_problems(term: str, entries: list[tuple[re.Pattern[str], str]]) -> list[str]:
    """After substitution, "a"/"an" before the key's place still agrees with the next word."""
    if term.lower() in NOT_AFTER_ARTICLE or term.split()[0].lower() in ("a", "an", "the"):
        return []
    words = term.split()
    if any(re.search(r"(?:[^s]s|ies|ly)$", w) for w in (words[0], words[-1])):
        return []  # plurals and adverbs never follow "a"/"an"
    article = "an" if _vowel_sound(term) else "a"
    out = _apply_glossary(f"It was {article} {term} thing.", entries)
    return [
        f"{out!r}: add an {m.group(1)!r}-entry for {term!r} or list it in NOT_AFTER_ARTICLE"
        for m in re.finditer(r"\b(an?) ([\w'-]+)", out, re.I)
        if (m.group(1).lower() == "an") != _vowel_sound(m.group(2))
    ]


def explanation_problems(
    term: str,
    meaning: str,
    keys: list[str],
    entries: list[tuple[re.Pattern[str], str]],
) -> list[str]:
    problems = []
    if term != term.lower() or not term.strip():
        problems.append("key must be lower-case and not empty")
    if len(meaning.split()) > MAX_EXPLANATION_WORDS:
        problems.append(f"more than {MAX_EXPLANATION_WORDS} words")
    if re.search(r"\d", meaning):
        problems.append("a digit")
    if _has_acronym(meaning):
        problems.append("an acronym")
    if not meaning[:1].islower():
        problems.append("does not start lower-case")
    if re.search(r"[.;()\[\]]", meaning):
        problems.append("a full stop, semicolon or bracket: it goes inside brackets")
    hard = [w for w in _words(meaning) if _hard(w)]
    if hard:
        problems.append(f"hard words: {hard}")
    for other in keys:
        if other != term and _whole(other, plural=True).search(meaning):
            problems.append(f"holds the key {other!r}, which would get brackets inside these")
        if (
            other != term
            and _whole(other).search(term)
            and not term.endswith(" " + other)
            and not term.endswith("-" + other)
        ):
            problems.append(f"holds the key {other!r} but not as its last words")
    for pattern, _plain in entries:
        if pattern.search(meaning):
            problems.append(f"holds the glossary key {pattern.pattern!r}, a word to avoid")
    if _apply_glossary(term, entries).lower() != term:
        problems.append("the glossary rewrites the key before the drafter can explain it")
    problems += _flagged_language(meaning)
    return problems


def analogy_problems(concept: str, triggers: list[str], text: str) -> list[str]:
    problems = []
    if not concept.strip():
        problems.append("no concept")
    if not triggers:
        problems.append("no triggers")
    for trigger in triggers:
        if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9' -]*[A-Za-z0-9])?", trigger):
            problems.append(f"trigger {trigger!r} is not whole words")
            continue
        pattern = _whole(trigger)
        if not pattern.search(f"Here {trigger} is.") or pattern.search(f"x{trigger}x"):
            problems.append(f"trigger {trigger!r} does not match as a whole word")
    readability = measure(text)
    if readability.sentences != 1 or not text.endswith("."):
        problems.append("not one sentence ending in a full stop")
    if readability.words > MAX_ANALOGY_WORDS:
        problems.append(f"more than {MAX_ANALOGY_WORDS} words")
    if readability.fkgl > MAX_ANALOGY_GRADE:
        problems.append(f"grade {readability.fkgl:.1f} above {MAX_ANALOGY_GRADE}")
    if re.search(r"\d", text):
        problems.append("a digit")
    if _has_acronym(text):
        problems.append("an acronym")
    if any(p.search(text) for p in _conditions()):
        problems.append("names a condition: the audience condition is a setting")
    problems += _flagged_language(text)
    return problems


# ---- the shipped data ---------------------------------------------------------------------


@cache
def _raw(name: str, table: str):
    return tomllib.loads(prompt_file(name).read_text("utf-8"))[table]


def test_glossary_loads_with_one_entry_per_key_whatever_its_case() -> None:
    terms = [term for term, *_ in glossary()]
    assert len(terms) >= 300
    assert [t for t, n in Counter(t.lower() for t in terms).items() if n > 1] == []
    # no explain-once entries ("cohort (a group ...)"): first-use explanations live in
    # explanations.toml, where the drafter brackets them
    assert [term for term, _, _, once in glossary() if once] == []


def test_every_glossary_substitute_is_plain_and_final() -> None:
    keys = [term for term, *_ in glossary()]
    problems = {
        term: found
        for term, _, plain, _ in glossary()
        if (found := glossary_problems(term, plain, keys))
    }
    assert problems == {}


def test_a_substitute_keeps_a_and_an_right() -> None:
    entries = _glossary_entries()
    problems = {t: found for t, *_ in glossary() if (found := article_problems(t, entries))}
    assert problems == {}
    assert _apply_glossary("An increased risk and an intervention.", entries) == (
        "A higher risk and a treatment."
    )


def test_explanations_load_with_lower_case_keys_and_no_duplicates() -> None:
    raw = _raw("explanations.toml", "explain")
    assert len(explanations()) == len(raw) >= 250
    assert all(key == key.lower() for key in raw)


def test_every_explanation_is_short_plain_and_fits_in_brackets() -> None:
    keys = list(explanations())
    entries = _glossary_entries()
    problems = {
        term: found
        for term, meaning in explanations().items()
        if (found := explanation_problems(term, meaning, keys, entries))
    }
    assert problems == {}


def test_the_core_ms_terms_are_explained() -> None:
    core = [
        "myelin",
        "demyelination",
        "remyelination",
        "lesion",
        "relapse",
        "relapsing-remitting",
        "oligodendrocyte",
        "microglia",
        "astrocyte",
        "axon",
        "placebo",
        "cohort",
        "meta-analysis",
        "cross-sectional",
        "randomised",
        "gadolinium",
        "interferon-beta",
        "natalizumab",
        "ocrelizumab",
        "fingolimod",
        "secondary progressive",
        "primary progressive",
        "expanded disability status scale",
        "disease-modifying",
        "b cell",
        "t cell",
        "blood-brain barrier",
        "optic neuritis",
        "white matter",
        "grey matter",
        "brain atrophy",
        "neurofilament light chain",
        "confidence interval",
        "odds ratio",
        "magnetic resonance imaging",
    ]
    # Explained on first use, or always given a plain name ("myelin-making cells").
    renamed = {term.lower() for term, *_ in glossary()}
    assert [term for term in core if term not in explanations() and term not in renamed] == []


def test_analogies_load_and_every_trigger_finds_its_analogy() -> None:
    raw = _raw("analogies.toml", "analogy")
    loaded = analogies()
    assert 20 <= len(loaded) == len(raw) <= 30
    assert len({a.concept for a in loaded}) == len(loaded)
    for analogy, entry in zip(loaded, raw, strict=True):
        assert analogy.concept == entry["concept"] and analogy.text == entry["text"]
        for trigger in entry["triggers"]:
            assert analogy.pattern.search(f"We read about {trigger} today."), trigger
    triggers = [t.lower() for entry in raw for t in entry["triggers"]]
    assert [t for t, n in Counter(triggers).items() if n > 1] == []


def test_every_analogy_is_one_short_plain_sentence() -> None:
    problems = {
        entry["concept"]: found
        for entry in _raw("analogies.toml", "analogy")
        if (found := analogy_problems(entry["concept"], entry["triggers"], entry["text"]))
    }
    assert problems == {}


# ---- each rule catches a bad entry --------------------------------------------------------

GLOSSARY_KEYS = ["observed", "identified", "significant"]


@pytest.mark.parametrize(
    ("term", "plain", "problem"),
    [
        ("cohort", "cohort (a group followed over time)", "holds its key"),
        ("significant", "clear (statistically)", "brackets"),
        ("big", "substantial", "no plainer"),
        ("identified", "observed", "another key"),
        ("shown", "proves", "forbidden"),
        ("associated with", "causes", "causal"),
    ],
)
def test_glossary_rules_catch_a_bad_substitute(term: str, plain: str, problem: str) -> None:
    assert any(problem in p for p in glossary_problems(term, plain, GLOSSARY_KEYS))


def test_glossary_rules_pass_a_good_substitute() -> None:
    assert glossary_problems("identified", "found", GLOSSARY_KEYS) == []


def test_article_rule_catches_a_missing_article_entry() -> None:
    bare = [(_whole("elevated"), "higher")]
    assert article_problems("elevated", bare)
    with_article = [(_whole("an elevated"), "a higher"), *bare]
    assert article_problems("elevated", with_article) == []
    assert article_problems("examined", bare) == []  # a verb: listed in NOT_AFTER_ARTICLE


EXPLANATION_KEYS = ["relapse", "t cell", "lesion", "participants with lesions"]
GLOSSARY = [(_whole("identified"), "found"), (_whole("participants"), "people")]


@pytest.mark.parametrize(
    ("term", "meaning", "problem"),
    [
        ("Lesion", "damaged tissue", "lower-case"),
        (
            "lesion",
            "damaged or scarred tissue that is often seen on a scan of the brain or spine",
            "more than 12 words",
        ),
        ("tertile", "one of 3 equal groups", "a digit"),
        ("lesion", "damage seen on MRI", "acronym"),
        ("lesion", "Damaged tissue", "lower-case"),
        ("lesion", "damaged tissue.", "full stop"),
        ("lesion", "neuropathological tissue damage", "hard words"),
        ("regulatory t cell", "a type of T cell that calms others", "holds the key 't cell'"),
        ("lesion", "damage identified on a scan", "glossary key"),
        ("participants with lesions", "people with damage", "glossary rewrites the key"),
        ("relapse rate", "how often flare-ups happen", "not as its last words"),
        ("lesion", "damage that causes symptoms", "causal"),
        ("lesion", "damage that proves the disease", "forbidden"),
    ],
)
def test_explanation_rules_catch_a_bad_explanation(term: str, meaning: str, problem: str) -> None:
    keys = [*EXPLANATION_KEYS, term]
    assert any(problem in p for p in explanation_problems(term, meaning, keys, GLOSSARY))


def test_explanation_rules_pass_a_good_explanation() -> None:
    keys = [*EXPLANATION_KEYS, "regulatory t cell"]
    meaning = "immune cells that calm other immune cells"
    assert explanation_problems("regulatory t cell", meaning, keys, GLOSSARY) == []


GOOD_ANALOGY = "Think of myelin like the plastic coat on a power cord."


@pytest.mark.parametrize(
    ("triggers", "text", "problem"),
    [
        ([], GOOD_ANALOGY, "no triggers"),
        (["myelin*"], GOOD_ANALOGY, "not whole words"),
        ([" myelin"], GOOD_ANALOGY, "not whole words"),
        (["myelin"], "Myelin is a coat. It wears thin.", "not one sentence"),
        (["myelin"], "Think of myelin like a coat" + " on a cord" * 8 + ".", "more than 25"),
        (["myelin"], "Myelin's electrical insulation characteristics resemble polymers.", "grade"),
        (["myelin"], "Think of myelin like 2 coats on a cord.", "a digit"),
        (["myelin"], "Think of myelin like the coat on a TV cable.", "acronym"),
        (["myelin"], "In multiple sclerosis myelin wears thin like a coat.", "names a condition"),
        (["myelin"], "Repairing myelin is a breakthrough like fixing a cord.", "forbidden"),
    ],
)
def test_analogy_rules_catch_a_bad_analogy(triggers: list[str], text: str, problem: str) -> None:
    assert any(problem in p for p in analogy_problems("myelin", triggers, text))


def test_analogy_rules_pass_a_good_analogy() -> None:
    assert analogy_problems("myelin", ["myelin", "demyelination"], GOOD_ANALOGY) == []


def test_every_caveat_sentence_conveys_its_own_caveat() -> None:
    """The offline drafter writes these sentences and the caveat checks read drafts for them:
    each wording, the one for a study that names no one too, must pass its own check."""
    from pipeline.house import load_house
    from pipeline.settings import Settings

    house = load_house(Settings())
    fill = {
        "animals": "mice",
        "condition": "people with ALS",
        "audience": house.audience,
        "participants": 40,
        "followup": "12 weeks",
    }
    for cid, caveat in house.caveats.items():
        for wording in filter(None, (caveat.sentence, caveat.sentence_unnamed)):
            text = wording.format(**fill)
            assert caveat.matches(text), f"{cid}: {text}"
    assert house.caveats["other_condition"].sentence_unnamed, "a study naming no one has words"
