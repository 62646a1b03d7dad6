"""The reader's site in a real browser: Debian's Chromium driven by Playwright, served by the
review app's /site/ preview, checked with axe-core (node_modules/, from scripts/install-browser).

Publishes a handful of studies, builds the site, opens the index, follows a card, a related
article and a topic link, checks the DOI link's target (its URL; no request leaves 127.0.0.1),
parses both feeds, and runs axe on every kind of page: no serious or critical finding.
Screenshots go to outputs/browser/site-*.png. Outside CI a machine without Chromium or axe-core
skips; in CI (CI=true) either missing fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from browsing import chromium, serving
from helpers import GOOD_DRAFT, SITE_TITLES, SITE_TOPICS, TRIAL_ABSTRACT, Scripted, seed

from pipeline import review
from pipeline.settings import Settings
from pipeline.site import build_site
from pipeline.store import Store
from pipeline.web import create_app

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "outputs" / "browser"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(AXE) as launched:
        yield launched


@pytest.fixture
def site(settings: Settings) -> Iterator[str]:
    """A handful of published studies (with DOIs and PMIDs), the site built, the app serving."""
    with Store(settings.db_path) as store:
        for n in range(5):
            teaser = f"Learn how {SITE_TOPICS[n][0]} may matter to people with MS."
            reply = GOOD_DRAFT.model_copy(
                update={"title": SITE_TITLES[n], "topics": SITE_TOPICS[n], "teaser": teaser}
            )
            header = (
                f"Journal: Multiple Sclerosis Journal\nYear: 2025\nDOI: 10.1177/13524585{n:06d}\n"
            )
            header += f"PMID: {39000000 + n}\n"
            study_id = seed(
                settings, abstract=header + TRIAL_ABSTRACT + f" Group {n}.", reply=reply
            )
            review.decide(store, study_id, "approve", "ana", override="checked by hand")
            review.publish(store, settings, study_id)
        build_site(store, settings)
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]))
    with serving(app) as base:
        yield base + "/site/"


def axe_findings(page: object) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    assert len(result["passes"]) > 10, "axe did not run its rules"  # it ran, and found things
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_reader_browses_the_site(browser, site: str, settings: Settings) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
    left: list[str] = []

    def local_only(route: object) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    findings: list[str] = []

    page.goto(site)
    assert page.inner_text("h1") == "Latest summaries"
    assert page.locator("article.card").count() == 5
    assert "Learn how Vitamin D may matter to people with MS." in page.inner_text("main")
    findings += axe_findings(page)
    page.screenshot(path=str(SHOTS / "site-index.png"), full_page=True)

    page.click("article.card h2 a >> text=Vitamin D Levels and Fewer Relapses")
    assert page.inner_text("h1") == "Vitamin D Levels and Fewer Relapses"
    for heading in ("Key Takeaway", "Article Topics", "More Details", "You May Also Like"):
        assert page.locator(f"h2:text-is('{heading}')").count() == 1, heading
    doi = page.get_attribute("#more-details a[href*='doi.org']", "href")
    assert doi == "https://doi.org/10.1177/13524585000001"
    pubmed = page.get_attribute("#more-details a[href*='pubmed']", "href")
    assert pubmed == "https://pubmed.ncbi.nlm.nih.gov/39000001/"
    assert "Multiple Sclerosis Journal" in page.inner_text("footer")
    findings += axe_findings(page)
    page.screenshot(path=str(SHOTS / "site-summary.png"), full_page=True)

    related = page.locator("section.related h3 a").first
    title = related.inner_text()
    assert title == "Sunlight, Diet and Vitamin D in MS"  # shares two of its three topics
    related.click()
    assert page.inner_text("h1") == title
    findings += axe_findings(page)

    page.click("ul.topics a >> text=Vitamin D")
    assert page.inner_text("h1") == "Topic: Vitamin D"
    assert page.locator("article.card").count() == 2
    findings += axe_findings(page)
    page.screenshot(path=str(SHOTS / "site-topic.png"), full_page=True)

    page.click("header nav >> text=Topics")
    assert page.inner_text("h1") == "Topics"
    findings += axe_findings(page)
    page.screenshot(path=str(SHOTS / "site-topics.png"), full_page=True)

    atom = feedparser.parse(page.request.get(site + "feed.xml").body())
    assert not atom.bozo and len(atom.entries) == 5
    assert {e.title for e in atom.entries} == set(SITE_TITLES)
    feed = json.loads(page.request.get(site + "feed.json").body())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 5
    assert all({"id", "url", "title", "content_text"} <= item.keys() for item in feed["items"])
    assert findings == [], "\n".join(findings)
    assert left == []  # nothing was fetched from outside: the DOI was only read
    context.close()


def test_axe_finds_what_a_broken_page_gets_wrong(browser, site: str) -> None:
    """The check itself can fail: a page with an unlabelled image link and no lang fails it."""
    page = browser.new_page()
    page.goto(site)
    page.evaluate(
        "document.documentElement.removeAttribute('lang');"
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<a href=\\'#\\'><img src=\\'x.png\\'></a>')"
    )
    found = " ".join(axe_findings(page))
    assert "html-has-lang" in found and "image-alt" in found
    page.close()


def test_the_site_works_without_javascript(browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site)
    page.click("article.card h2 a >> nth=0")
    page.wait_for_url("**/summaries/*.html")  # a loaded machine may still be on the index
    assert page.locator("h2:text-is('More Details')").count() == 1
    target = page.get_attribute("section.related h3 a >> nth=0", "href") or ""
    page.click("section.related h3 a >> nth=0")
    page.wait_for_url("**/" + target.rsplit("/", 1)[-1])
    assert page.locator("h2:text-is('You May Also Like')").count() == 1
    context.close()
