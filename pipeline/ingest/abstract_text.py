"""Abstract text: what a Study's title, abstract and sections look like, whatever the format.

Every format's text goes through `clean_abstract` (and short fields through `clean_line`):
- plain text: real HTML tags go (script/style with their contents; see `markup`), entities are
  decoded once (`html=False` for XML text, which its parser has decoded already), Unicode is
  NFC, control, format and other invisible characters go, every run of spaces or tabs is one
  space;
- the abstract holds one paragraph a line. A lone line break inside a paragraph is a soft wrap and
  becomes a space, unless the next line starts with a section label ("Methods: ...");
- structured abstracts keep their labels in the text ("Background: ...", "RESULTS: ..." from
  PubMed) and `split_sections` splits the text at them, labels upper-cased; unstructured
  abstracts have no sections;
- `derive_title` makes a title from the abstract's first sentence, cut at 12 words, unmarked;
- `english_share` is the share of common English function words, the language heuristic ingest
  checks against `MIN_ENGLISH_SHARE`.

Pure string functions: no I/O, no settings, no errors raised.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.ingest.markup import strip_markup
from pipeline.records import AbstractSection

# Real English abstracts in the shared corpus score 0.22-0.55; Norwegian, French, German and
# Spanish paragraphs score under 0.03 (tests/ingest/test_ingest.py keeps both sides checked).
MIN_ENGLISH_SHARE = 0.10

# Words that make up the section labels of structured abstracts, e.g. "Background", "Materials
# and methods", "Conclusions and implications for practice", "Authors' conclusions".
_LABEL_WORDS = (
    "background introduction context aims? objectives? purpose review methods? materials? design "
    "settings? participants patients subjects interventions? measurements main outcomes? measures "
    "results? findings recent conclusions? interpretation discussion importance significance "
    "limitations trial registration clinical key points messages summary exposures? relevance "
    "study data sources selection extraction synthesis criteria search collection analysis "
    "authors'? rationale hypothesis case presentation evidence acquisition implications practice "
    "areas covered expert opinion commentary"
)
_WORD = "(?:" + "|".join(_LABEL_WORDS.split()) + ")"
_LABEL = rf"(?P<label>{_WORD}(?:(?:\s+(?:and|of|for|&))?\s+{_WORD}){{0,4}})\s*:"
# A label counts only where a paragraph or a sentence starts: "... at 12 weeks. Results: ...".
_LABEL_IN_TEXT = re.compile(
    rf"(?:^|(?<=[.!?] )|(?<=[.!?][)\]\"'] )){_LABEL}", re.IGNORECASE | re.MULTILINE
)
_LABEL_AT_START = re.compile(_LABEL, re.IGNORECASE)

_TITLE_WORDS = 12
_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "al.", "vs.", "etc.", "approx.", "fig.", "no.", "dr."})

# Function words: frequent in any English prose, whatever the topic, rare in other languages.
_FUNCTION_WORDS = (
    "the of and in to a with for was were is are that by on as from at or an be this these which "
    "it its than not but between after have has had been we our their there those also more who "
    "may can into during both each other such all no when only most whether however"
)
_ENGLISH_WORDS = frozenset(_FUNCTION_WORDS.split())
_LETTERS = re.compile(r"[^\W\d_]+")


def _plain(text: str, html: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", strip_markup(text, entities=html))


def clean_line(text: str, *, html: bool = True) -> str:
    """Plain text on one line: markup stripped, NFC, every whitespace run one space."""
    return " ".join(_plain(text, html).split())


def clean_abstract(text: str, *, html: bool = True) -> str:
    """Plain text, one paragraph a line; a lone line break is a soft wrap unless a label follows."""
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in _plain(text, html).split("\n"):
        line = " ".join(raw.split())
        if current and (not line or starts_with_label(line)):
            paragraphs.append(" ".join(current))
            current = []
        if line:
            current.append(line)
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def starts_with_label(line: str) -> bool:
    """Whether `line` opens with a capitalised section label, e.g. "Methods: ..." or "RESULTS:"."""
    # Whitespace collapsed first, so the label pattern only ever meets single spaces.
    match = _LABEL_AT_START.match(" ".join(line[:200].split()))
    return bool(match and match.group("label")[0].isupper())


def split_sections(abstract: str) -> list[AbstractSection]:
    """The labelled parts of a structured abstract; [] when it is not structured.

    Structured means two or more labels, or one label opening the abstract: a lone label late in
    the text ("... Clinical trial registration: NCT...") does not make an abstract structured.
    """
    labels = [m for m in _LABEL_IN_TEXT.finditer(abstract) if m.group("label")[0].isupper()]
    if not labels or (len(labels) == 1 and labels[0].start() > 0):
        return []
    sections = []
    if head := abstract[: labels[0].start()].strip():
        sections.append(AbstractSection(label=None, text=head))
    for match, end in zip(labels, [m.start() for m in labels[1:]] + [len(abstract)], strict=True):
        if text := abstract[match.end() : end].strip():
            label = " ".join(match.group("label").split()).upper()
            sections.append(AbstractSection(label=label, text=text))
    return sections


def derive_title(text: str) -> str:
    """The first sentence, cut at 12 words, without its closing punctuation."""
    words: list[str] = []
    for word in text.split():
        words.append(word)
        # A sentence ends at ".", "!" or "?" (alone, in pre-tokenised text, or ending a word),
        # but not at "vs." or "e.g.", nor at one-letter words such as initials or "(i. e.".
        letters = sum(ch.isalnum() for ch in word)
        ends = word in (".", "!", "?") or (
            word[-1] in ".!?" and letters > 1 and word.lower() not in _ABBREVIATIONS
        )
        if ends or len(words) == _TITLE_WORDS:
            break
    return " ".join(words).rstrip(" .,;:")


def english_share(text: str) -> float:
    """Share of the words in `text` that are common English function words (0.0-1.0)."""
    words = _LETTERS.findall(text.lower())
    return sum(word in _ENGLISH_WORDS for word in words) / len(words) if words else 0.0
