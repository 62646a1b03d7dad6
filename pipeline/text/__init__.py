"""Language tools every stage reads text with: no stage logic, no I/O beyond the word lists.

Text in; sentences, words, syllables, readability scores, the numbers a passage states, and
whether a word is plain vocabulary out. The profile, the offline drafter and the checks all
read text through here, so a sentence is split and a number is read the same way everywhere.

    readability.py   sentence splitting (rules), words, syllables, Flesch-Kincaid, SMOG
    numbers.py       numbers in running text, normalised for grounding
    vocabulary.py    plain and familiar words, glossary, explanations, analogies (`prompts/`)
    terms.py         content-word stems and direction words
    statements.py    whether a line offered as a finding states one (not a topic, question, hint),
                     and whether a sentence is whole (not cut off or garbled)
    copying.py       word-for-word stretches one text shares with another; a sentence that
                     only says another again
    abbreviations.py acronyms an abstract defines, their words, and ones a reader cannot decode
    safety.py        hostile text: the normaliser every check reads through; links, markup and
                     instructions found however disguised; prompt markers and Markdown made inert
"""

from __future__ import annotations

from pipeline.text.abbreviations import acronyms, expand, spelled_out, unknown_acronym
from pipeline.text.copying import (
    COPY_ERROR_SHARE,
    COPY_RUN,
    bare_words,
    copied_runs,
    copied_share,
    copy_windows,
    pasted,
    restates,
    word_matches,
)
from pipeline.text.numbers import NumberMention, extract_numbers, number_values, parse_count
from pipeline.text.readability import (
    Readability,
    SentenceSpan,
    fkgl,
    measure,
    sentence_spans,
    sentences,
    syllables,
    words,
)
from pipeline.text.safety import (
    Finding,
    Normalised,
    find_links,
    find_markup,
    inert_markdown,
    is_instruction,
    is_invisible,
    neutralise_markers,
    normalise_for_checks,
    normalised,
)
from pipeline.text.statements import (
    DEFINITION,
    bracketed,
    is_definition,
    is_verb_at,
    lowered_start,
    mend_brackets,
    sentence_problem,
    statement_problem,
)
from pipeline.text.terms import (
    DIRECTIONS,
    STOP,
    TITLE_SMALL_WORDS,
    directions,
    salient,
    stem,
    tokens,
)
from pipeline.text.vocabulary import (
    Analogy,
    PhraseIndex,
    analogies,
    explanations,
    glossary,
    glossary_index,
    is_familiar,
    is_plain,
    names_a_thing,
    plain_words,
    without_hard_modifiers,
)

__all__ = [
    "COPY_ERROR_SHARE",
    "COPY_RUN",
    "DEFINITION",
    "DIRECTIONS",
    "STOP",
    "TITLE_SMALL_WORDS",
    "Analogy",
    "Finding",
    "Normalised",
    "NumberMention",
    "PhraseIndex",
    "Readability",
    "SentenceSpan",
    "acronyms",
    "analogies",
    "bare_words",
    "bracketed",
    "copied_runs",
    "copied_share",
    "copy_windows",
    "directions",
    "expand",
    "explanations",
    "extract_numbers",
    "find_links",
    "find_markup",
    "fkgl",
    "glossary",
    "glossary_index",
    "inert_markdown",
    "is_definition",
    "is_familiar",
    "is_instruction",
    "is_invisible",
    "is_plain",
    "is_verb_at",
    "lowered_start",
    "measure",
    "mend_brackets",
    "names_a_thing",
    "neutralise_markers",
    "normalise_for_checks",
    "normalised",
    "number_values",
    "parse_count",
    "pasted",
    "plain_words",
    "restates",
    "salient",
    "sentence_problem",
    "sentence_spans",
    "sentences",
    "spelled_out",
    "statement_problem",
    "stem",
    "syllables",
    "tokens",
    "unknown_acronym",
    "without_hard_modifiers",
    "word_matches",
    "words",
]
