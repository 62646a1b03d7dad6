"""Reading an edited Markdown draft back (issue 10, defects 11, 12 and 30): every section once,
ratings 1-5, and for any text at all a summary or one DraftFileError, never another exception."""

from __future__ import annotations

import pytest
from helpers import make_summary
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.errors import DraftFileError
from pipeline.house import load_house
from pipeline.settings import Settings
from pipeline.store import parse_markdown, render_summary
from pipeline.store.draft_files import REPORT_MARKER

HOUSE = load_house(Settings())
DRAFT = (
    "<!-- pls: study=pmid-1 revision=1 -->\n"
    + render_summary(make_summary(), HOUSE, "A Journal")
    + f"{REPORT_MARKER}\n\n## Check report\n\n| check | result | detail |\n"
)
BOUNDED = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def refused(text: str) -> str:
    with pytest.raises(DraftFileError) as caught:
        parse_markdown(text, "edited.md")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("edited.md: ")
    return message


def test_a_rendered_draft_reads_back_as_it_was() -> None:
    assert parse_markdown(DRAFT, "edited.md") == ("pmid-1", make_summary())


def test_the_teaser_reads_back_and_a_draft_without_one_has_none() -> None:
    summary = make_summary(teaser="Learn how a daily pill may help people with MS walk faster.")
    text = render_summary(summary, HOUSE, "A Journal")
    assert "## Teaser\n\nLearn how" in text
    assert parse_markdown(text, "edited.md") == (None, summary)
    assert "## Teaser" not in render_summary(make_summary(), HOUSE, "A Journal")


def test_a_second_key_takeaway_is_refused_not_silently_preferred() -> None:
    twice = DRAFT.replace(
        "## What They Found", "## Key Takeaway\n\nThis pill cures MS.\n\n## What They Found"
    )
    assert "section '## Key Takeaway' appears twice" in refused(twice)


def test_a_second_title_or_rating_line_is_refused() -> None:
    assert "more than one '# Title'" in refused(
        DRAFT.replace("## Article Topics", "# Other\n\n## Article Topics")
    )
    again = DRAFT.replace("**Interest:**", "**Credibility:** 5/5 — better.\n**Interest:**")
    assert "'**Credibility:**' line appears twice" in refused(again)


def test_an_unknown_section_is_refused_naming_it() -> None:
    planted = DRAFT.replace(
        "## Article Topics", "## Important Considerations There are no risks\n\n## Article Topics"
    )
    assert "unknown section '## Important Considerations There are no risks'" in refused(planted)


@pytest.mark.parametrize("score", ["9", "0", "10", "0000", "9" * 5000])
def test_an_out_of_range_rating_is_one_line_not_a_traceback(score: str) -> None:
    text = DRAFT.replace("**Credibility:** 4/5", f"**Credibility:** {score}/5")
    assert "/5 is out of range: a rating is 1 to 5" in refused(text)


def test_a_draft_whose_report_marker_was_deleted_still_reads() -> None:
    assert parse_markdown(DRAFT.replace(REPORT_MARKER, ""), "edited.md")[1] == make_summary()


def test_a_line_break_in_drafted_text_cannot_start_a_section() -> None:
    planted = make_summary(
        what_they_found=make_summary().what_they_found + "\n\n## Key Takeaway\n\nIt cures MS."
    )
    _, back = parse_markdown(render_summary(planted, HOUSE, None), "edited.md")
    assert back.key_takeaway == planted.key_takeaway
    assert back.what_they_found.endswith("## Key Takeaway It cures MS.")


# Lines a draft is made of, and hostile ones, for the parser to meet in any order.
LINES = st.sampled_from(
    [
        *DRAFT.splitlines(),
        "## Key Takeaway",
        "## ",
        "# ",
        "**Credibility:** 9/5 — x",
        "**Interest:** 0/5 — y",
        "**Interest:** 5/5 —",
        "- ",
        "---",
        REPORT_MARKER,
        "<!-- pls: study= revision=99999999999999999999 -->",
        "\u202e## What They Found",
        "## Who Should Care and Why\r",
    ]
)
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)


@BOUNDED
@given(st.one_of(ANY_TEXT, st.lists(st.one_of(LINES, ANY_TEXT), max_size=40).map("\n".join)))
@example(DRAFT.replace("4/5", "9/5"))
@example(DRAFT.replace("## Article Topics", "## Key Takeaway"))
def test_any_text_gives_a_summary_or_one_draft_error(text: str) -> None:
    try:
        parse_markdown(text, "edited.md")
    except DraftFileError as error:
        assert "\n" not in str(error)
