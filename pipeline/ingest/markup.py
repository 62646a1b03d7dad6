"""Markup and invisible characters in submitted text: removed in one linear pass, words kept.

- `remove_invisible`: control characters, every Unicode format character (category Cf: bidi
  controls U+202A-202E and U+2066-2069, zero-width spaces and joiners, the soft hyphen, tag
  characters), variation selectors, fillers and lone surrogates go; vertical tabs, form feeds and
  the like become a space, U+2028/U+2029 a line break.
- `strip_markup`: real HTML tags go, and nothing else. A tag is `<name>` or `</name>` with a
  known HTML (or MathML) element name, or any `<name attr=value ...>`; so "<LLOQ in 12 patients,
  and patients aged >65", "< or =", "<0.05" and "<5%" stay as they are. Script and style
  elements go with their contents, comments go, `<br>` is a line break and block elements end
  a paragraph, `<sup>` after a number or letter becomes "^" (10<sup>18</sup> -> 10^18) so
  numbers never change. With `entities=True` (text formats; XML text is decoded by its parser)
  character references are decoded exactly once, and markup they spell is stripped in turn.

Every pattern here is linear by construction (the ingest tests check every ingest pattern).
"""

from __future__ import annotations

import html
import re
import unicodedata

# Where Unicode puts its format characters (category Cf), plus the invisible characters of other
# categories that text can hide in: combining grapheme joiner, Hangul fillers, Khmer inherent
# vowels, Mongolian selectors, variation selectors. The set is recomputed from `unicodedata` at
# import, so a newer Unicode's format characters in these blocks are covered too.
_WINDOWS = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x08FF),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110B0, 0x110CF),
    (0x13430, 0x1345F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]
_ALWAYS = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x3164, 0xFFA0}
_ALWAYS |= {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
_FORMAT = {
    cp
    for low, high in _WINDOWS
    for cp in range(low, high + 1)
    if unicodedata.category(chr(cp)) == "Cf" or cp in _ALWAYS
}
_CONTROLS = {*range(0x00, 0x09), 0x0E, 0x0F, *range(0x10, 0x1C), *range(0x7F, 0x85)}
_CONTROLS |= set(range(0x86, 0xA0))
_SPACES = {0x0B: " ", 0x0C: " ", 0x1C: " ", 0x1D: " ", 0x1E: " ", 0x1F: " ", 0x85: " "}
_TABLE: dict[int, str | None] = dict.fromkeys(_FORMAT | _CONTROLS | set(range(0xD800, 0xE000)))
_TABLE |= _SPACES | {0x2028: "\n", 0x2029: "\n"}
INVISIBLE = frozenset(_FORMAT | _CONTROLS)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCK = _words(
    "address article aside blockquote caption details dialog div dl fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table "
    "tbody tfoot thead tr ul"
)
_INLINE = _words(
    "a abbr acronym b bdi bdo big blink cite code col colgroup data dd del dfn dt em font i img "
    "ins kbd label mark nobr q rp rt ruby s samp small span strike strong sub sup td th time tt u "
    "var wbr br input button select option optgroup textarea output meter progress legend "
    "area map picture source track video audio canvas embed object param iframe frame frameset "
    "noframes noembed noscript svg math mi mn mo ms mtext mrow msup msub msubsup mfrac msqrt "
    "mroot mover munder munderover mspace mstyle mfenced semantics annotation html head body "
    "title meta link base marquee center dir menu slot search template script style xmp"
)
KNOWN_TAGS = _BLOCK | _INLINE
# Removed with everything inside them.
_DROPPED = frozenset({"script", "style", "template"})
# These may carry bare attributes (`<script async>`); other names need `name=value` to be a tag
# with attributes, so "<a and b>" in prose stays text.
_ACTIVE = _words(
    "script style iframe frame frameset object embed svg math img video audio input button form "
    "textarea select details marquee link meta base template body html head source track canvas "
    "dialog"
)

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[\s/][^<>]*)?)>")
_DECLARATION = re.compile(r"<[!?][^<>]*>")
_CLOSE_DROPPED = re.compile(r"</(script|style|template)[\s/]*>", re.IGNORECASE)
_DOUBLE_QUOTED = re.compile(r'"[^"]*"')
_SINGLE_QUOTED = re.compile(r"'[^']*'")
_ATTRIBUTE = re.compile(r"""[^\s"'<>/=]+(?:=(?:""|''|[^\s"'=<>`]+))?""")
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
_CELLS = frozenset({"td", "th", "dt", "dd", "option", "li"})


def remove_invisible(text: str) -> str:
    """Text without control, format or other invisible characters (see the module docstring)."""
    return text.translate(_TABLE)


def strip_markup(text: str, *, entities: bool) -> str:
    """Text without HTML tags, comments or script/style contents; entities decoded once if asked."""
    text = _Stripper(remove_invisible(text)).run()
    if entities and "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
        text = _Stripper(remove_invisible(text)).run()
    return text


class _Stripper:
    """One left-to-right pass; every search moves forward, so the pass is linear in the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.last = ""  # the last character written, for <sup>
        self.opened: set[str] = set()
        self.found: dict[str, int] = {}  # where the next "-->" / "]]>" is (-1: none left)

    def emit(self, chunk: str) -> None:
        if chunk:
            self.out.append(chunk)
            self.last = chunk[-1]

    def next_at(self, marker: str, start: int) -> int:
        known = self.found.get(marker, -2)
        if known == -1 or known >= start:
            return known
        self.found[marker] = self.text.find(marker, start)
        return self.found[marker]

    def run(self) -> str:
        text = self.text
        if "<" not in text:
            return text
        pos = 0
        while (start := text.find("<", pos)) >= 0:
            self.emit(text[pos:start])
            pos = self.at_angle(start)
        self.emit(text[pos:])
        return "".join(self.out)

    def at_angle(self, start: int) -> int:
        """Handle the "<" at `start`; returns where to carry on."""
        text = self.text
        if text.startswith("<!--", start):
            end = self.next_at("-->", start + 4)
            return end + 3 if end >= 0 else start + 4  # an unclosed "<!--" loses only itself
        if text.startswith("<![CDATA[", start):
            end = self.next_at("]]>", start + 9)
            self.emit(text[start + 9 : end] if end >= 0 else "")
            return end + 3 if end >= 0 else start + 9
        if declaration := _DECLARATION.match(text, start):
            return declaration.end()
        tag = _TAG.match(text, start)
        if tag is None or not _is_tag(tag, self.opened):
            self.emit("<")
            return start + 1
        name, closing = tag.group(2).lower(), bool(tag.group(1))
        if closing:
            self.emit("\n\n" if name in _BLOCK else " " if name in _CELLS else "")
            return tag.end()
        self.opened.add(name)
        if name in _DROPPED:
            return self.after_dropped(name, tag.end())
        if name == "br":
            self.emit("\n")
        elif name in _BLOCK:
            self.emit("\n\n")
        elif name in _CELLS:
            self.emit(" ")
        elif name == "sup" and (self.last.isalnum() or self.last in ")]"):
            self.emit("^")
        return tag.end()

    def after_dropped(self, name: str, pos: int) -> int:
        """Past the end of a script/style/template element (the end of the text if unclosed)."""
        while close := _CLOSE_DROPPED.search(self.text, pos):
            if close.group(1).lower() == name:
                return close.end()
            pos = close.end()
        return len(self.text)


def _is_tag(tag: re.Match[str], opened: set[str]) -> bool:
    name, closing, body = tag.group(2).lower(), bool(tag.group(1)), tag.group(3)
    bare = body.strip().rstrip("/").strip()
    if not bare:
        return name in KNOWN_TAGS or (closing and name in opened)
    if closing:
        return False
    words = _attributes(bare)
    if words is None:
        return False
    return name in _ACTIVE or any("=" in word for word in words)


def _attributes(body: str) -> list[str] | None:
    """The attributes of a tag body (`href="x" hidden`), or None if it is not attribute syntax."""
    body = _SINGLE_QUOTED.sub("''", _DOUBLE_QUOTED.sub('""', body))
    body = "=".join(part.strip() for part in body.split("="))
    words = body.split()
    return words if all(_ATTRIBUTE.fullmatch(word) for word in words) else None
