"""The reader's site: built from the store's publications, escaped, linked, incremental."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from helpers import GOOD_DRAFT, SITE_TOPICS, TRIAL_ABSTRACT, publish_some, seed

from pipeline import review
from pipeline.errors import SiteError
from pipeline.review import publish
from pipeline.settings import Settings
from pipeline.site import MANIFEST, build_site, load_entries
from pipeline.store import Store


def test_the_site_has_every_page_feed_and_index(store: Store, settings: Settings) -> None:
    publish_some(store, settings)
    report = build_site(store, settings)
    site = settings.outputs / "site"
    assert report.summaries == 5 and not report.problems
    for name in ("index.html", "topics/index.html", "feed.xml", "feed.json", "sitemap.xml"):
        assert (site / name).is_file(), name
    entries, _ = load_entries(store)
    page = (site / entries[0].path).read_text()
    for heading in ("Key Takeaway", "Article Topics", "More Details", "You May Also Like"):
        assert f">{heading}</h2>" in page
    assert "Understanding MS Research" in page and "<!-- Study:" in page
    assert (
        'href="../topics/walking.html"'
        in (site / "summaries/walking-speed-improved-with-a-daily-pill.html").read_text()
    )
    topics = (site / "topics/index.html").read_text()
    assert 'Vitamin D</a> <span class="count">(2 summaries)</span>' in topics
    search = json.loads((site / "search.json").read_text())
    assert {row["url"] for row in search} == {e.path for e in entries}


def test_related_articles_share_topics_never_the_study_itself(
    store: Store, settings: Settings
) -> None:
    publish_some(store, settings)
    build_site(store, settings)
    page = (
        settings.outputs / "site/summaries/vitamin-d-levels-and-fewer-relapses.html"
    ).read_text()
    related = page.split("You May Also Like", 1)[1]
    links = re.findall(r'<h3 class="card-title"><a href="([^"]+)"', related)
    assert links[0] == "../summaries/sunlight-diet-and-vitamin-d-in-ms.html"
    assert "../summaries/vitamin-d-levels-and-fewer-relapses.html" not in links


def test_feeds_parse(store: Store, settings: Settings) -> None:
    publish_some(store, settings, 3)
    build_site(store, settings)
    site = settings.outputs / "site"
    atom = feedparser.parse((site / "feed.xml").read_bytes())
    assert not atom.bozo and len(atom.entries) == 3
    assert atom.feed.links[0].href == "http://127.0.0.1:8000/site/feed.xml"
    feed = json.loads((site / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 3
    assert all(item["id"] and item["url"].startswith("http") for item in feed["items"])
    urls = ET.parse(site / "sitemap.xml").getroot()
    assert len(urls) == 1 + 1 + len({t for ts in SITE_TOPICS[:3] for t in ts}) + 3


def test_a_second_build_rewrites_nothing_and_a_new_summary_only_what_it_touches(
    store: Store, settings: Settings
) -> None:
    publish_some(store, settings, 4)
    first = build_site(store, settings)
    again = build_site(store, settings)
    assert again.written == [] and again.unchanged == len(first.written)
    publish_some_more = GOOD_DRAFT.model_copy(
        update={"title": "MRI and Brain Volume", "topics": ["MRI"]}
    )
    study_id = seed(
        settings, abstract=TRIAL_ABSTRACT + " Brain volume was measured.", reply=publish_some_more
    )
    review.decide(store, study_id, "approve", "ana", override="checked by hand")
    publish(store, settings, study_id)
    third = build_site(store, settings)
    assert "summaries/mri-and-brain-volume.html" in third.written
    assert "summaries/brain-shrinkage-seen-on-mri-scans.html" in third.written  # gains a related
    assert "summaries/walking-speed-improved-with-a-daily-pill.html" not in third.written
    assert third.unchanged > 0


def test_a_slug_never_changes_when_the_title_does(store: Store, settings: Settings) -> None:
    [study_id] = publish_some(store, settings, 1)
    summary = store.latest(study_id).summary.model_copy(update={"title": "A New Title"})
    review.edit(store, settings, study_id, summary, "ana")
    review.decide(store, study_id, "approve", "ana", override="checked")
    [again] = publish(store, settings, study_id)
    assert again.slug == "walking-speed-improved-with-a-daily-pill"


def test_hostile_text_is_escaped_and_links_stay_http(store: Store, settings: Settings) -> None:
    hostile = '<script>alert(1)</script><a href="javascript:alert(2)">x</a> --> <!--'
    publish_some(store, settings, 2, key_takeaway=hostile, topics=[hostile, "Walking"])
    build_site(store, settings)
    site = settings.outputs / "site"
    for path in site.rglob("*.html"):
        text = path.read_text()
        assert "<script" not in text and '<a href="javascript' not in text, path
        assert text.count("-->") == text.count("<!--"), path
        hrefs = re.findall(r'href="([^"]*)"', text)
        assert all(not h.lower().startswith(("javascript", "data")) for h in hrefs), path
    assert "&lt;script&gt;" in (site / "index.html").read_text()
    ET.parse(site / "feed.xml")  # still well-formed


def test_a_folder_that_is_not_a_site_is_refused(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(SiteError, match="not a pls site"):
        build_site(store, settings, tmp_path / "mine")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_an_empty_store_builds_an_empty_site(store: Store, settings: Settings) -> None:
    report = build_site(store, settings)
    assert report.summaries == 0
    assert (
        "No summaries have been published yet."
        in (settings.outputs / "site/index.html").read_text()
    )
    assert (settings.outputs / "site" / MANIFEST).is_file()


def test_term_counts_are_kept_and_a_damaged_cache_is_counted_again(
    store: Store, settings: Settings
) -> None:
    publish_some(store, settings, 3)
    first = build_site(store, settings)
    terms = settings.outputs / "site" / ".pls-site-terms.npz"
    assert terms.is_file()
    before = terms.read_bytes()
    build_site(store, settings)
    assert terms.read_bytes() == before  # nothing new was counted, nothing saved
    terms.write_bytes(b"not a cache")
    again = build_site(store, settings, full=True)
    assert sorted(again.written) == sorted(first.written) and terms.read_bytes()[:2] == b"PK"


def test_a_control_character_is_dropped_so_the_feed_stays_xml(
    store: Store, settings: Settings
) -> None:
    # (a lone surrogate never reaches a publication: the store refuses to keep one)
    publish_some(store, settings, 1, key_takeaway="Walking \x0b may \x07 improve.")
    report = build_site(store, settings)
    page = (settings.outputs / "site" / report.written[0]).read_bytes().decode("utf-8")
    assert "Walking may improve." in page
    ET.parse(settings.outputs / "site" / "feed.xml")


def test_the_index_is_paged_newest_first(store: Store, settings: Settings) -> None:
    publish_some(store, settings, 5)
    paged = settings.model_copy(update={"site_page_size": 2})
    build_site(store, paged)
    site = settings.outputs / "site"
    assert sorted(p.name for p in (site / "pages").iterdir()) == ["2.html", "3.html"]
    first = (site / "index.html").read_text()
    last = (site / "pages" / "3.html").read_text()
    assert first.count('class="card"') == 2 and last.count('class="card"') == 1
    assert 'rel="next" href="pages/2.html"' in first and 'rel="prev" href="../pages/2.html"' in last
    assert "Sunlight, Diet and Vitamin D in MS" in first  # the last published comes first
    build_site(store, settings)  # back to 24 a page: the extra pages go
    assert not (site / "pages").exists() or not any((site / "pages").iterdir())


def test_a_page_deleted_by_hand_comes_back_at_the_next_build(
    store: Store, settings: Settings
) -> None:
    publish_some(store, settings, 2)
    build_site(store, settings)
    page = settings.outputs / "site" / "topics" / "walking.html"
    page.unlink()
    again = build_site(store, settings)
    assert again.written == ["topics/walking.html"] and page.is_file()
