"""Hostile hand edits (issue 10, defects 8, 12, 17 and 30): a hand-raised rating is put back
and reported, a huge section is refused before any check, any edited file gives a report or one
DraftFileError, and published Markdown never carries live HTML or links."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from helpers import seed, trial_settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as bounded
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pipeline import review
from pipeline.errors import DraftFileError, ReviewError
from pipeline.house import load_house
from pipeline.review import load_edited, publish
from pipeline.settings import Settings
from pipeline.store import Store, draft_path, render_draft


def drafted(store: Store, settings: Settings) -> tuple[str, Path, str]:
    """A seeded study: its id, its draft file and that file's text."""
    study_id = seed(settings)
    path = draft_path(settings.drafts_dir, study_id)
    return study_id, path, path.read_text(encoding="utf-8")


def test_a_hand_raised_credibility_is_put_back_and_fails(store: Store, settings: Settings) -> None:
    _, path, text = drafted(store, settings)
    path.write_text(text.replace("**Credibility:** 4/5", "**Credibility:** 5/5"))
    record, checks = load_edited(path, settings)
    check = next(c for c in checks if c.id == "structure.credibility")
    assert not check.passed and check.severity == "error"
    assert "edited to 5/5" in check.message and "gives 4/5" in check.message
    assert record.summary.credibility.score == 4


def test_an_unchanged_credibility_passes(store: Store, settings: Settings) -> None:
    _, path, _ = drafted(store, settings)
    checks = load_edited(path, settings)[1]
    assert next(c for c in checks if c.id == "structure.credibility").passed


@pytest.mark.parametrize("score", ["9", "0"])
def test_an_impossible_credibility_is_one_line(
    store: Store, settings: Settings, score: str
) -> None:
    _, path, text = drafted(store, settings)
    path.write_text(text.replace("**Credibility:** 4/5", f"**Credibility:** {score}/5"))
    with pytest.raises(DraftFileError, match=rf"credibility {score}/5 is out of range"):
        load_edited(path, settings)


HUGE = "Walking got better for some people in the study. " * 7000  # 343 KB


def test_a_huge_edited_section_is_refused_naming_it(store: Store, settings: Settings) -> None:
    _, path, text = drafted(store, settings)
    path.write_text(text.replace("Side effects were mild.", HUGE))
    with pytest.raises(DraftFileError) as caught:
        load_edited(path, settings)
    message = str(caught.value)
    assert re.search(r"What They Found has 3\d\d,\d{3} characters", message)
    assert "an edited section may have at most 4,000 (max_section_chars)" in message


def test_the_web_form_and_review_edit_are_capped_too(store: Store, settings: Settings) -> None:
    study_id, _, text = drafted(store, settings)
    summary = store.latest(study_id).summary.model_copy(update={"who_should_care": HUGE})
    with pytest.raises(DraftFileError, match="Who Should Care and Why has 343,000 characters"):
        review.edit(store, settings, study_id, summary, "ana")
    with pytest.raises(DraftFileError, match="What They Found has"):
        review.edit_markdown(store, settings, study_id, text.replace("mild.", HUGE), "ana")
    assert store.latest(study_id).revision == 1  # nothing was saved


def test_an_edit_with_a_link_needs_an_override_to_approve(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    summary = store.latest(study_id).summary
    linked = f"{summary.what_they_found} Offers at [our shop](javascript:alert(1))."
    edited = review.edit(
        store, settings, study_id, summary.model_copy(update={"what_they_found": linked}), "ana"
    )
    assert edited.record.status == "needs_attention"
    with pytest.raises(ReviewError, match=r"safety\.injection"):
        review.decide(store, study_id, "approve", "ben")


ATTACKS = (
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)> ![](//host/p.png) "
    "<mailto:a@evil.example> <script>alert(1)</script> &#106;avascript:x"
)
ALLOWED_TAGS = {"h1", "h2", "p", "strong", "em", "ul", "li", "hr"}


def test_published_markdown_carries_no_live_html_or_link(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    summary = store.latest(study_id).summary
    summary = summary.model_copy(
        update={
            "what_they_found": f"{summary.what_they_found} {ATTACKS}",
            "who_should_care": f"## Important Considerations There are no risks. {ATTACKS}",
            "topics": [*summary.topics, "[x](javascript:alert(2))", "# heading"],
        }
    )
    review.edit(store, settings, study_id, summary, "ana")
    review.decide(store, study_id, "approve", "ana", override="testing the published page")
    [done] = publish(store, settings, study_id)
    html = MarkdownIt("commonmark", {"html": True}).render(done.paths[0].read_text())
    tags = set(re.findall(r"<([a-z][a-z0-9]*)", html))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert html.count("<h2>") == 6  # the four sections, the topics and the provenance
    assert "alert(1)" in html  # the text is still there, only inert


SCRATCH = Path(tempfile.mkdtemp(prefix="pls-edit-props-"))
BOUNDED = bounded(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
PIECES = st.sampled_from(
    [
        "**Credibility:** 9/5 — x",
        "**Interest:** 0/5 — y",
        "## Key Takeaway",
        "## Article Topics",
        "- topic",
        "# Title",
        "<!-- pls: study=sha-none revision=3 -->",
        "<!-- pls:report -->",
        "\ud800",
        "\x00",
        "<script>",
    ]
)


@pytest.fixture(scope="module")
def edited_file() -> Path:
    """A drafted study's `.md` and `.json`, in a folder the property test rewrites."""
    folder = SCRATCH / "outputs"
    seeded = trial_settings(SCRATCH)
    study_id = seed(seeded)
    path = draft_path(seeded.drafts_dir, study_id)
    with Store(seeded.database) as opened:
        text = render_draft(opened.latest(study_id), load_house(seeded))
    assert folder.is_dir() and path.read_text() == text
    return path


@BOUNDED
@given(
    st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=20).map("\n".join),
    st.one_of(st.none(), st.integers(0, 60)),
)
@example("**Credibility:** 9/5 — x", 3)
@example("## Key Takeaway", 8)
def test_pls_check_on_any_text_gives_a_report_or_one_error(
    edited_file: Path, text: str, at: int | None
) -> None:
    """`text` alone, or put in among the draft's lines at line `at`."""
    original = edited_file.with_suffix(".orig")
    if not original.exists():
        shutil.copy(edited_file, original)
    lines = original.read_text().splitlines()
    body = text if at is None else "\n".join([*lines[:at], text, *lines[at:]])
    edited_file.write_text(body, encoding="utf-8", errors="surrogatepass")
    try:
        load_edited(edited_file, trial_settings(SCRATCH))
    except DraftFileError as error:
        assert "\n" not in str(error)


def teardown_module() -> None:
    shutil.rmtree(SCRATCH, ignore_errors=True)
