"""Publishing: approved revisions become outputs/published/<slug>.{md,html,json} with provenance."""

from __future__ import annotations

import json

import pytest
from helpers import NO_CAVEAT, TRIAL_ABSTRACT, seed

from pipeline import review
from pipeline.errors import ReviewError
from pipeline.review import publish, slugify
from pipeline.settings import Settings
from pipeline.store import Store


def approved(store: Store, settings: Settings, **seeded: object) -> str:
    study_id = seed(settings, **seeded)
    review.decide(store, study_id, "approve", "ana", note="clear", override="checked by hand")
    return study_id


def test_an_approved_revision_is_published_with_provenance(
    store: Store, settings: Settings
) -> None:
    study_id = approved(store, settings)
    [done] = publish(store, settings, by="ben")
    assert done.fresh and done.study_id == study_id and store.state(study_id) == "published"
    folder = settings.outputs / "published"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{done.slug}.html",
        f"{done.slug}.json",
        f"{done.slug}.md",
    ]
    assert done.slug == slugify("Walking Speed Improved With a Daily Pill")
    document = json.loads((folder / f"{done.slug}.json").read_text())
    prov = document["provenance"]
    assert (prov["reviewer"], prov["published_by"], prov["backend"], prov["model"]) == (
        "ana",
        "ben",
        "scripted",
        "scripted-1",
    )
    assert {"system.j2", "draft.j2"} <= set(prov["template_hashes"])
    assert prov["approved_at"] and prov["published_at"] and prov["offline"] is False
    assert document["summary"]["title"] == "Walking Speed Improved With a Daily Pill"
    markdown = (folder / f"{done.slug}.md").read_text()
    assert markdown.startswith("# Walking Speed Improved With a Daily Pill")
    assert "## Provenance" in markdown and "approved by ana" in markdown
    html = (folder / f"{done.slug}.html").read_text()
    for part in ("<h1>Walking Speed", "Credibility", "Key Takeaway", "Article Topics"):
        assert part in html
    assert "Understanding multiple sclerosis research" in html and "@media print" in html


def test_publishing_is_idempotent(store: Store, settings: Settings) -> None:
    study_id = approved(store, settings)
    [first] = publish(store, settings, study_id)
    html = first.paths[1].read_text()
    assert publish(store, settings) == []  # nothing is approved any more
    [again] = publish(store, settings, study_id)
    assert not again.fresh and again.paths == first.paths
    assert first.paths[1].read_text() == html
    assert len(store.publications(study_id)) == 1
    first.paths[1].unlink()  # a lost view is rendered again from the store
    publish(store, settings, study_id)
    assert first.paths[1].read_text() == html


def test_publishing_again_after_an_edit_keeps_the_earlier_version(
    store: Store, settings: Settings
) -> None:
    study_id = approved(store, settings)
    [first] = publish(store, settings)
    summary = store.latest(study_id).summary.model_copy(update={"title": "A Pill and Walking"})
    review.edit(store, settings, study_id, summary, "cy")
    assert store.state(study_id) == "needs_review"  # an edit needs a fresh approval
    review.decide(store, study_id, "approve", "dee")
    [second] = publish(store, settings)
    assert second.slug == first.slug and second.revision == 2  # the address stays put
    rows = store.publications(study_id)
    assert [r["revision"] for r in rows] == [1, 2]
    folder = settings.outputs / "published"
    document = json.loads((folder / f"{first.slug}.json").read_text())
    assert document["summary"]["title"] == "A Pill and Walking"
    assert document["provenance"]["edited_by"] == ["cy"]
    assert document["provenance"]["reviewer"] == "dee"
    assert [p["revision"] for p in document["previous"]] == [1]
    old = json.loads((folder / "archive" / f"{first.slug}.r1.json").read_text())
    assert old["summary"]["title"] == "Walking Speed Improved With a Daily Pill"
    assert (folder / "archive" / f"{first.slug}.r1.html").exists()


def test_only_approved_studies_are_published(store: Store, settings: Settings) -> None:
    study_id = seed(settings, reply=NO_CAVEAT)
    with pytest.raises(ReviewError, match="is needs_review"):
        publish(store, settings, study_id)
    assert publish(store, settings) == []
    assert not (settings.outputs / "published").exists()


def test_the_override_is_part_of_the_provenance(store: Store, settings: Settings) -> None:
    study_id = approved(store, settings, reply=NO_CAVEAT)
    [done] = publish(store, settings, study_id)
    document = json.loads(done.paths[2].read_text())
    assert document["provenance"]["override"] == "checked by hand"
    assert [c["id"] for c in document["failing_checks"] if c["severity"] == "error"] == [
        "caveat.consult_clinician"
    ]
    assert "override: checked by hand" in done.paths[0].read_text()


def test_markup_in_a_summary_is_escaped_on_the_published_page(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    hostile = "Walking <script>alert(1)</script> & <b>speed</b>"
    summary = store.latest(study_id).summary.model_copy(update={"title": hostile})
    review.edit(store, settings, study_id, summary, "ana")
    review.decide(store, study_id, "approve", "ana", override="testing escaping")
    [done] = publish(store, settings, study_id)
    html = done.paths[1].read_text()
    assert "<script>" not in html and "<b>speed" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;speed" in html
    assert done.slug == "walking-script-alert-1-script-b-speed-b"


def test_slugs_are_plain_and_never_collide(store: Store, settings: Settings) -> None:
    assert slugify("Café “Au Lait”: 2 Cups & MS!") == "cafe-au-lait-2-cups-ms"
    assert len(slugify("word " * 40)) <= 60
    approved(store, settings)
    approved(store, settings, abstract=TRIAL_ABSTRACT + " Falls were also counted.")
    done = publish(store, settings)  # two studies, one summary title
    assert done[0].slug == slugify("Walking Speed Improved With a Daily Pill")
    assert done[1].slug == f"{done[0].slug}-{done[1].study_id}"


def test_published_pages_and_feeds_say_how_the_summary_was_made(
    store: Store, settings: Settings
) -> None:
    from html import escape

    from helpers import GOOD_DRAFT, Scripted

    from pipeline.batch import Context, process_study
    from pipeline.ingest import load_text
    from pipeline.site import build_site

    settings = settings.model_copy(update={"reviewer_role": "our MS nurse editor"})
    by_model = approved(store, settings)
    # a draft the offline rules wrote (a Scripted backend marked offline stands in for them)
    study = load_text(f"Title: Rules at work\n{TRIAL_ABSTRACT} Falls were counted.", "t", settings)
    ctx = Context.open(settings, Scripted([GOOD_DRAFT], offline=True))
    try:
        by_rules = process_study(ctx, study).study_id
    finally:
        ctx.close()
    review.decide(store, by_rules, "approve", "ana", note="ok", override="checked by hand")
    done = {p.study_id: p.slug for p in publish(store, settings)}
    folder, site = settings.outputs / "published", settings.outputs / "site"
    ai = settings.disclosure(offline=False)
    rules = settings.disclosure(offline=True)
    assert ai.startswith("Drafted with the help of an AI language model") and "rules" in rules
    assert ai.endswith("approved by our MS nurse editor.") and rules.endswith("nurse editor.")
    build_site(store, settings)
    feeds = (site / "feed.xml").read_text() + (site / "feed.json").read_text()
    for study_id, line in ((by_model, ai), (by_rules, rules)):
        slug = done[study_id]
        assert json.loads((folder / f"{slug}.json").read_text())["disclosure"] == line
        assert line in (folder / f"{slug}.md").read_text()
        assert f'<p class="disclosure">{escape(line)}</p>' in (folder / f"{slug}.html").read_text()
        page = (site / "summaries" / f"{slug}.html").read_text()
        assert f'<p class="disclosure">{escape(line)}</p>' in page
        assert json.dumps(line)[1:-1] in feeds and escape(line, quote=False) in feeds
