"""The issue's "done when", in process: the sample inputs batched offline, three approved,
`pls explain` on the topic they share drafting an explainer that passes its checks, a
reviewer approving it, and the site publishing it with links to its sources. Then the
explainer's life in the store: revisions, audit events, conflicts, edits with a diff."""

from __future__ import annotations

import pytest
from helpers import FATIGUE_IDS as FATIGUE
from helpers import batch_samples
from typer.testing import CliRunner

from pipeline import explain, review
from pipeline.backends import make_backend
from pipeline.cli import app
from pipeline.errors import ExplainError, ReviewConflict, ReviewError
from pipeline.house import load_house
from pipeline.settings import Settings
from pipeline.store import Store

runner = CliRunner()


@pytest.fixture
def batched(store: Store, settings: Settings) -> Store:
    batch_samples(settings, FATIGUE)
    return store


def test_the_topic_finds_the_three_studies_on_it_and_only_them(batched: Store, settings) -> None:
    found = explain.find_sources(batched, "MS and fatigue", load_house(settings))
    assert [c.source.id for c in found] == sorted(FATIGUE)
    assert all(c.source.approved for c in found)
    # the audience condition alone names nothing to look for
    with pytest.raises(ExplainError, match="names nothing"):
        explain.find_sources(batched, "multiple sclerosis", load_house(settings))


def test_an_offline_explainer_on_the_shared_topic_passes_every_error_check(
    batched: Store, settings: Settings
) -> None:
    chosen = explain.chosen_sources(batched, "MS and fatigue", load_house(settings), None)
    record = explain.draft_explainer("MS and fatigue", "", chosen, make_backend(settings), settings)
    failing = [c.id for c in record.checks if not c.passed and c.severity == "error"]
    assert failing == [] and record.status == "needs_review"
    assert record.offline and record.backend == "offline"
    text = " ".join(record.content.all_paragraphs())
    assert "A 2025 survey-style study of 438 people with MS" in text  # a study named in words
    assert record.content.summary.startswith("In summary")
    cited = {i for p in record.content.paragraphs for i in p.sources}
    assert cited == set(FATIGUE)
    coverage = next(c for c in record.checks if c.id == "sources.coverage")
    assert coverage.value == 1.0


def test_done_when_from_batch_to_a_published_page_linking_its_sources(
    batched: Store, settings: Settings
) -> None:
    from pipeline.site import build_site

    outputs = str(settings.outputs)
    db = ["--outputs", outputs] + (
        ["--database-url", settings.database_url] if settings.database_url else []
    )
    listed = runner.invoke(app, ["explain", "MS and fatigue", *db[:2]], env=_env(settings))
    assert listed.exit_code == 0, listed.output
    assert "Nothing drafted" in listed.output
    assert batched.explainers() == []
    drafted = runner.invoke(
        app,
        ["explain", "MS and fatigue", "--yes", "--backend", "offline", *db[:2]],
        env=_env(settings),
    )
    assert drafted.exit_code == 0, drafted.output
    [row] = batched.explainers()
    assert row["state"] == "needs_review" and row["status"] == "needs_review"
    review.decide_explainer(batched, row["id"], "approve", "ana")
    review.decide_explainer(batched, row["id"], "publish", "ana")
    build_site(batched, settings)
    # published before its sources: the page names them, and links them once they are up
    page = (settings.outputs / "site" / "explainers" / "ms-and-fatigue.html").read_text()
    assert "The studies behind this explainer" in page and "../summaries/" not in page
    # the AI-use line: rules drafted this one, a reviewer approved it
    assert "Drafted by rules from the abstract" in page and "AI language model" in page
    feed = (settings.outputs / "site" / "feed.xml").read_text()
    assert feed.count("Drafted by rules from the abstract") >= 1
    for study_id in FATIGUE:
        review.publish(batched, settings, study_id, by="ben")
    report = build_site(batched, settings)
    page = (report.folder / "explainers" / "ms-and-fatigue.html").read_text()
    assert "The studies behind this explainer" in page
    for study_id in FATIGUE:
        slug = batched.slug_of(study_id)
        assert f'href="../summaries/{slug}.html"' in page
    assert "Understanding MS Research" in page or "footer" in page
    index = (report.folder / "index.html").read_text()
    assert "explainers/ms-and-fatigue.html" in index
    assert "explainers/ms-and-fatigue.html" in (report.folder / "feed.xml").read_text()


def sources(store: Store, settings: Settings, ids: list[str]):
    return explain.chosen_sources(store, "topic", load_house(settings), ids)


def _env(settings: Settings) -> dict[str, str]:
    return {"PLS_DATABASE_URL": settings.database_url} if settings.database_url else {}


def test_reviewing_an_explainer_follows_the_summary_workflow(batched: Store, settings) -> None:
    chosen = sources(batched, settings, FATIGUE)
    record = explain.draft_explainer("MS and fatigue", "", chosen, make_backend(settings), settings)
    record = batched.add_explainer_revision(record, explain.topic_slug("MS and fatigue"))
    eid = record.id
    with pytest.raises(ReviewError, match="publish needs an explainer that is approved"):
        review.decide_explainer(batched, eid, "publish", "ana")
    with pytest.raises(ReviewError, match="a note"):
        review.decide_explainer(batched, eid, "reject", "ana")
    review.decide_explainer(batched, eid, "request_changes", "ana", note="Say more on sleep.")
    assert batched.explainer(eid)["state"] == "changes_requested"
    # an edit with a stale view is refused, and nothing is written
    content = record.content.model_copy(update={"title": "Fatigue in MS: What Studies Show"})
    edited = review.edit_explainer(batched, settings, eid, content, "bo", note="plainer title")
    assert edited.record.revision == 2 and "-# MS and Fatigue" in edited.diff
    assert batched.explainer(eid)["state"] == "needs_review"
    with pytest.raises(ReviewConflict, match="revision 2"):
        review.decide_explainer(batched, eid, "approve", "ana", seen=review.Seen(revision=1))
    broken = content.model_copy(update={"summary": "This cures fatigue."})
    worse = review.edit_explainer(batched, settings, eid, broken, "bo")
    failing = {c.id for c in worse.record.checks if not c.passed and c.severity == "error"}
    assert {"structure.summary", "language.forbidden", "caveat.consult_clinician"} <= failing
    with pytest.raises(ReviewError, match="override"):
        review.decide_explainer(batched, eid, "approve", "ana")
    review.decide_explainer(batched, eid, "approve", "ana", override="fixing next")
    kinds = [e["kind"] for e in batched.events(eid)]
    assert kinds == ["drafted", "request_changes", "edit", "edit", "approve"]
    actions = [r["action"] for r in batched.explainer_reviews(eid)]
    assert actions == ["request_changes", "edit", "edit", "approve"]
    assert batched.explainer_reviews(eid)[-1]["override"] == "fixing next"


def test_an_edited_markdown_document_reads_back_to_the_same_content(batched, settings) -> None:
    chosen = sources(batched, settings, FATIGUE)
    record = explain.draft_explainer("MS and fatigue", "", chosen, make_backend(settings), settings)
    document = explain.render_explainer(record)
    assert explain.parse_explainer(document) == record.content
    assert explain.explainer_header(document) == (record.id, record.revision)
