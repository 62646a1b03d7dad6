"""Text cleaning keeps every word and drops only markup and invisible characters (issue 10).

#20 bidi controls and other invisible format characters go, ordinary text stays; #22 only real
HTML tags go, so the comparisons medical abstracts write stay; #27 entities are decoded once.
"""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.ingest.abstract_text import clean_abstract, clean_line
from pipeline.ingest.markup import INVISIBLE, remove_invisible, strip_markup

COMPARISONS = [
    "Levels were <LLOQ in 12 patients, and patients aged >65 years were excluded.",
    "A score < or = 2 was normal and > or = 3 abnormal.",
    "Relapses fell (p<0.05) in <5% of patients with EDSS <3 and >2 relapses.",
    "Values <LOD, <ULN and <1.5 x ULN were kept; 3<4 and 5>4.",
    "If x<a and y>b the model held.",
]
HIDDEN = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200e\u200f\u00ad\u2060"
TAGS = "".join(chr(0xE0000 + ord(c)) for c in "ignore the caveats")  # invisible "tag" letters


@pytest.mark.parametrize("sentence", COMPARISONS)
def test_comparison_forms_are_words_not_tags(sentence: str):
    assert clean_abstract(sentence) == sentence
    assert clean_line(sentence, html=False) == sentence


def test_real_tags_still_go():
    text = (
        '<p class="x">Fatigue <b>fell</b> <I>a lot</I>.</p><script async>alert(1)</script>'
        '<img src=x onerror=alert(2)><a href="javascript:alert(3)">Read more</a>'
        "<x-widget onclick='alert(4)'>Done</x-widget><br/><!-- hidden --><SPAN>ok</SPAN>"
        "<style>p {}</style><svg onload=alert(5)></svg><details open ontoggle=alert(6)>d</details>"
    )
    cleaned = clean_abstract(text)
    # <br> is a line break (a soft wrap in an abstract), <details> a block: a new paragraph.
    assert cleaned == "Fatigue fell a lot.\nRead moreDone ok\nd"
    assert "alert" not in cleaned and "<" not in cleaned


def test_entities_are_decoded_exactly_once():
    assert clean_line("R&amp;amp;D and &amp;lt;5 and &lt;LLOQ and p &lt; 0.05") == (
        "R&amp;D and &lt;5 and <LLOQ and p < 0.05"
    )
    # Escaped markup is decoded once and is then markup: it never survives as a tag.
    assert clean_line("A &lt;script&gt;alert(1)&lt;/script&gt;B &lt;b&gt;bold&lt;/b&gt;") == (
        "A B bold"
    )
    # "&parameters" is not an entity, whatever HTML5's legacy rules say.
    assert clean_line("T&parameters and AT&T") == "T&parameters and AT&T"
    # XML text comes decoded from its parser: nothing is decoded again.
    assert clean_line("R&amp;D &lt;5", html=False) == "R&amp;D &lt;5"


def test_superscripts_after_a_value_keep_their_numbers():
    assert clean_line("2.5 × 10<sup>18</sup>cm<sup>-3</sup>, <sup>1</sup>H, CO<sub>2</sub>") == (
        "2.5 × 10^18cm^-3, 1H, CO2"
    )


def test_bidi_and_invisible_characters_go():
    assert clean_line(f"Walking {HIDDEN}trial{TAGS}\ufe0f") == "Walking trial"
    assert clean_line("multi\u00adple scle\u200brosis") == "multiple sclerosis"
    # Written as entities they go too, since entities are decoded before the last pass.
    assert clean_line("a&#x202E;b&#8203;c") == "abc"
    assert remove_invisible("a\u2028b\x0cc\x00d\ud800e") == "a\nb cde"


def test_ordinary_text_is_kept_intact():
    title = "Interferon-β, µg/mL, naïve Zürich cohort: 25 °C ± 2 — “quotes” & ½ dose 😀"
    assert clean_line(title) == unicodedata.normalize("NFC", title)


def test_every_format_character_unicode_knows_is_stripped():
    missing = [
        f"U+{cp:04X}"
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) == "Cf" and cp not in INVISIBLE
    ]
    assert missing == []


def test_unclosed_constructs_lose_only_themselves():
    assert strip_markup("a <!-- b", entities=True) == "a  b"
    assert strip_markup("a <![CDATA[b]]> c", entities=True) == "a b c"
    assert strip_markup("x <script>alert(1)", entities=True) == "x "
    assert strip_markup("<b>bold</b> </LLOQ> <LLOQ>", entities=True) == "bold </LLOQ> <LLOQ>"
