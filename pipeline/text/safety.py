"""Hostile text: one normaliser and the detectors for links, markup and instructions.

Checks, the offline drafter and publishing all ask the questions here, on the same normalised
text, so a trick that hides a word or a link from one cannot slip past another:

    normalise_for_checks(text)   NFKC, no invisible or bidi characters, look-alikes as Latin
    normalised(text)             the same, with a map from each character back to `text`
    find_links(text)             URLs of any scheme, protocol-relative, bare domains, e-mail,
                                 Markdown links and images
    find_markup(text)            raw HTML tags, comments, character references, Markdown blocks
    is_instruction(sentence)     a sentence that addresses the model, not the reader
    neutralise_markers(text)     runs of <<< / >>> broken up, for text put inside a prompt
    inert_markdown(text)         Markdown whose only active syntax is the house layout's

Detectors return `Finding`s with offsets into the text they were given (never into the
normalised copy), so a check can point at what a reviewer sees. Every pattern is linear:
bounded repeats, possessive quantifiers, or a start that can only be a run's first character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pipeline.house import House

# Characters that draw nothing but can split a word ("cu\u200bres"): every format character
# (Cf: zero-width space, joiners, soft hyphen, word joiner, BOM, bidi controls, tags), the
# variation selectors, the combining grapheme joiner and the Hangul fillers.
_INVISIBLE_EXTRA = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
)


def is_invisible(char: str) -> bool:
    """True for a character that renders as nothing (format, variation selector, filler)."""
    return (
        unicodedata.category(char) == "Cf"
        or char in _INVISIBLE_EXTRA
        or 0xE0100 <= ord(char) <= 0xE01EF
    )


# Letters that look like Latin ones (Cyrillic, Greek, Armenian, a few Latin variants), the
# punctuation that stands in for ":", "/" and "." in a disguised link, typographic apostrophes
# and hyphens. NFKC already folds fullwidth and mathematical letters; these it leaves alone.
_HOMOGLYPHS = str.maketrans(
    {
        **dict(
            zip(
                "аЬвсԁеһіјӏԛоргѕԝхуАВЕЅІЈКМНОРСТХУ",
                "abbcdehijlqoprswxyABESIJKMHOPCTXY",
                strict=True,
            )
        ),
        **dict(zip("ɑαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aabeikvoptuxABEZHIKMNOPTYX", strict=True)),
        **dict(zip("օսոհցզ", "ounhgq", strict=True)),
        **dict(zip("ıɡʏ", "igy", strict=True)),
        **dict(zip("。｡․∶꞉∕⁄⧸╱", "..:::////", strict=True)),
        # typographic apostrophes and hyphens, so "can’t" is the house's "can't"
        **dict(zip("’‘ʼ‐‑", "'''--", strict=True)),
    }
)


def _fold(cluster: str) -> str:
    text = unicodedata.normalize("NFKC", cluster)
    text = "".join(c for c in text if not is_invisible(c)).translate(_HOMOGLYPHS)
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Normalised:
    """Normalised text, and for each of its characters where it came from in the original."""

    text: str
    starts: tuple[int, ...]  # original offset of the cluster each character came from
    ends: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that normalised text[start:end] came from."""
        if not self.text:
            return 0, 0
        if start >= end:
            at = self.starts[start] if start < len(self.starts) else self.ends[-1]
            return at, at
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=512)
def normalised(text: str) -> Normalised:
    """`text` folded for matching: each base character with its combining marks goes through
    NFKC, loses invisible and bidi characters and has look-alike letters mapped to Latin.
    Cached: every check and detector reads the same sections."""
    if text.isascii():
        offsets = tuple(range(len(text)))
        return Normalised(text, offsets, tuple(i + 1 for i in offsets))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index, size = 0, len(text)
    while index < size:
        if is_invisible(text[index]):
            index += 1
            continue
        # A mark after an invisible character still belongs to the letter before it
        end = index + 1
        while end < size and (unicodedata.combining(text[end]) or is_invisible(text[end])):
            end += 1
        folded = _fold(text[index:end])
        out.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([end] * len(folded))
        index = end
    return Normalised("".join(out), tuple(starts), tuple(ends))


def normalise_for_checks(text: str) -> str:
    """The text every check reads: NFKC, no zero-width, soft-hyphen, joiner, BOM or bidi
    characters, and Cyrillic/Greek look-alikes as the Latin letters they imitate. Idempotent."""
    return normalised(text).text


class Finding(NamedTuple):
    """A link or piece of markup: where it is in the text given, and what kind it is."""

    start: int
    end: int
    kind: str


_LINK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE | re.MULTILINE))
    for kind, pattern in (
        ("url", r"\b[a-z][a-z0-9+.-]{0,31}[ \t]*:[ \t]*[/\\]{2}[^\s<>\"'`]{0,2000}"),
        (
            "script url",
            r"\b(?:j[ \t]*a[ \t]*v[ \t]*a|v[ \t]*b|live)[ \t]*s[ \t]*c[ \t]*r[ \t]*i"
            r"[ \t]*p[ \t]*t[ \t]*:[^\s<>\"']{0,2000}",
        ),
        ("data url", r"\bdata[ \t]*:[ \t]*[a-z]{1,20}/[^\s<>\"']{0,2000}"),
        (
            "url",
            r"\b(?:mailto|tel|sms|file|blob|about|ftp|intent|ms-[a-z-]{1,30}):"
            r"[^\s()<>\[\]\"']{1,2000}",
        ),
        ("url", r"\bwww\d{0,3}\.[^\s<>\"']{1,2000}"),
        ("protocol-relative url", r"(?<![\w:/\\])[/\\]{2}[a-z0-9][\w.-]{0,253}[^\s<>\"']{0,2000}"),
        ("ip address", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?/"),
        ("email", r"(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}"),
        ("markdown link", r"!?\[[^\[\]\n]{0,300}\][ \t]{0,3}[(\[]"),
        ("markdown link", r"\][ \t]{0,3}\("),
        ("markdown link", r"^[ \t]{0,3}\[[^\]\n]{1,300}\]:"),
    )
)
# A domain written without a scheme: found by its top-level part, then read back to its start
# by hand, since a regex that starts anywhere in "a.a.a.a…" would take quadratic time.
_TLD_PATH = re.compile(r"\.([a-z]{2,24})(?=/)", re.IGNORECASE)
_COMMON_TLD = re.compile(
    r"\.(?:com|net|org|info|biz|io|co|ru|cn|xyz|top|site|online|shop|app|ly|me|us|uk"
    r"|de|fr|click|link|live|store|tk|ml|ga|cf|gq|pw|cc|ws|su|buzz|club|win|bid|loan)(?![\w-])"
    r"(?!\.[a-z])",
    re.IGNORECASE,
)
_DOMAIN_CHAR = re.compile(r"[a-z0-9.-]", re.IGNORECASE)
_PATH_END = re.compile(r"[^\s<>\"'()\[\]]{0,2000}")


def _domain_start(text: str, dot: int) -> int | None:
    """Where the domain whose top-level part starts at text[dot] begins, or None when the
    dot has no label before it (".com", "e.g./")."""
    start = dot
    while start > 0 and dot - start < 253 and _DOMAIN_CHAR.match(text[start - 1]):
        start -= 1
    start += len(text[start:dot]) - len(text[start:dot].lstrip(".-"))
    if start >= dot or text[dot - 1] in ".-" or (start > 0 and text[start - 1] in "@_"):
        return None
    labels = text[start:dot].split(".")
    return start if all(labels) and not any(label.isdigit() for label in labels[-1:]) else None


def _bare_domains(text: str) -> list[tuple[int, int]]:
    found = []
    for pattern in (_TLD_PATH, _COMMON_TLD):
        for match in pattern.finditer(text):
            start = _domain_start(text, match.start())
            if start is not None:
                path = _PATH_END.match(text, match.end())
                found.append((start, path.end() if path else match.end()))
    return found


def find_links(text: str) -> list[Finding]:
    """Every link in `text`, however written: a URL of any scheme ("javascript:" too), "www.",
    "//host/x", a bare domain with a path ("evil-pharma.com/offer") or a common ending
    ("evil.com"), an e-mail address, a Markdown link, image or reference. Homoglyphs, fullwidth
    letters and invisible characters do not hide one. "e.g.", "vs.", "p<0.05", "2.5/3" and
    "CD4+/CD8+" are not links."""
    norm = normalised(text)
    raw = [(m.start(), m.end(), kind) for kind, p in _LINK_PATTERNS for m in p.finditer(norm.text)]
    raw += [(start, end, "domain") for start, end in _bare_domains(norm.text)]
    # a sentence's own full stop or a list's semicolon after a link is not part of it
    trimmed = [(a, max(a + len(norm.text[a:b].rstrip(".,;:!?")), a + 1), k) for a, b, k in raw]
    return _merge(norm, trimmed)


_KNOWN_TAGS = (
    "a|abbr|applet|area|article|aside|audio|b|base|basefont|bdi|bdo|bgsound|blink|blockquote|"
    "body|br|button|canvas|caption|center|cite|code|col|colgroup|dd|del|details|dfn|dialog|div|"
    "dl|dt|em|embed|fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|"
    "header|hr|html|i|iframe|image|img|input|ins|isindex|kbd|keygen|label|legend|li|link|"
    "listing|main|mark|marquee|math|menu|meta|meter|nav|nobr|noembed|noframes|noscript|object|"
    "ol|optgroup|option|output|p|param|picture|plaintext|pre|progress|q|rp|rt|ruby|s|samp|"
    "script|section|select|small|source|span|strike|strong|style|sub|summary|sup|svg|table|"
    "tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|u|ul|var|video|wbr|xmp"
)
# Elements that do harm even with no closing ">" (a renderer keeps reading to the next one).
_ACTIVE_TAGS = (
    "script|style|iframe|frame|frameset|object|embed|applet|img|image|svg|math|video|audio|"
    "source|link|meta|base|form|input|button|textarea|select|details|marquee|template|"
    "noscript|xmp|plaintext|body|html|isindex|bgsound|keygen"
)
_VALUE = r"(?>\"[^\"]{0,2000}\"|'[^']{0,2000}'|[^\s\"'=<>`]{1,2000})"
_ATTRIBUTE = rf"[a-z_:@][\w:.@-]{{0,100}}(?>[ \t\n]*+=[ \t\n]*+{_VALUE})?"
_MARKUP_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE | re.MULTILINE))
    for kind, pattern in (
        ("html tag", rf"</?(?:{_KNOWN_TAGS})(?![\w-])(?>[\s/]++{_ATTRIBUTE}){{0,50}}[\s/]*+>"),
        ("html tag", rf"<(?:{_ACTIVE_TAGS})(?=[\s/>]|$)"),
        # Any tag that sets a handler, style or link ("<x onclick=…>"); a bare "<name>".
        (
            "html tag",
            rf"<[a-z][\w-]{{0,40}}(?>[\s/]++{_ATTRIBUTE}){{0,50}}?[\s/]++"
            rf"(?:on[a-z]{{2,30}}|style|href|src|srcdoc|action|formaction|xlink:href|background)"
            rf"[ \t\n]*+=",
        ),
        ("html tag", r"</?[a-z][\w-]{0,40}[ \t]*/?>"),
        ("html comment", r"<!--|<!\[cdata\[|<![a-z]|<\?[a-z]"),
        ("character reference", r"&(?:#[0-9]{1,8}|#x[0-9a-f]{1,8}|[a-z][a-z0-9]{1,31});"),
        ("markdown heading", r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)|(?<!\S)#{2,6}(?=[ \t])"),
        ("markdown block", r"^[ \t]{0,3}(?:```|~~~)"),
    )
)


def find_markup(text: str) -> list[Finding]:
    """Raw HTML in `text` (tags, comments, doctype, processing instructions), character
    references that could spell a hidden scheme ("&#106;"), and Markdown block syntax
    (headings, code fences) that would restructure a rendered page. "<0.05", "< or =", "<LLOQ
    in patients aged >65" and "p<0.05" are comparisons, not markup."""
    norm = normalised(text)
    raw = [
        (m.start(), m.end(), kind) for kind, p in _MARKUP_PATTERNS for m in p.finditer(norm.text)
    ]
    return _merge(norm, raw)


def _merge(norm: Normalised, raw: list[tuple[int, int, str]]) -> list[Finding]:
    """Findings in original offsets, sorted, overlapping ones merged (the first kind kept)."""
    merged: list[Finding] = []
    for start, end, kind in sorted(raw, key=lambda f: (f[0], -f[1])):
        if start >= end:
            continue
        begin, finish = norm.original(start, end)
        if merged and begin <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Finding(last.start, max(last.end, finish), last.kind)
        else:
            merged.append(Finding(begin, finish, kind))
    return merged


def is_instruction(sentence: str, house: House | None = None) -> bool:
    """True when the sentence addresses the model instead of stating science ("Ignore the
    rules above", "Note to the summariser: …", "You must write that …"), by the house's
    `instruction` and `injection` patterns, matched on the normalised sentence. `house`
    defaults to the house of the process's settings."""
    if house is None:
        from pipeline.house import load_house
        from pipeline.settings import process_settings

        house = load_house(process_settings())
    return _instructs(sentence, house.instruction, house.injection)


@lru_cache(maxsize=16384)  # the drafter screens each abstract sentence every round
def _instructs(sentence: str, instruction: re.Pattern[str], injection: re.Pattern[str]) -> bool:
    text = normalise_for_checks(sentence)
    return bool(instruction.search(text) or injection.search(text))


_ANGLES = "<\uff1c\ufe64", ">\uff1e\ufe65"
_HIDDEN = "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff"
_MARKER_RUNS = tuple(re.compile(rf"[{chars}](?:[{_HIDDEN}]*[{chars}]){{2,}}") for chars in _ANGLES)


def neutralise_markers(text: str) -> str:
    """`text` safe to put between a prompt's `<<<NAME` and `NAME>>>` markers: any run of three
    or more angle brackets (fullwidth ones too, or split by invisible characters) becomes two,
    so data can never open or close a block."""
    for run, two in zip(_MARKER_RUNS, ("<<", ">>"), strict=True):
        text = run.sub(two, text)
    return text


_MARKDOWN_ACTIVE = re.compile(r"<(?=[a-z/!?])|[\[\]]|&(?=#?[a-z0-9]{1,32};)", re.IGNORECASE)


def inert_markdown(text: str) -> str:
    """`text` with no HTML tag, link, image or character reference left live: "<" before a
    letter, "/", "!" or "?" becomes "&lt;", "[" and "]" are backslash-escaped and "&" that
    starts a reference becomes "&amp;". Comparisons ("p<0.05", "<5%") and prose are unchanged."""
    escapes = {"<": "&lt;", "[": "\\[", "]": "\\]", "&": "&amp;"}
    visible = text if text.isascii() else "".join(c for c in text if not is_invisible(c))
    return _MARKDOWN_ACTIVE.sub(lambda m: escapes[m.group(0)], visible)
