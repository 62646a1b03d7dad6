"""A topic explainer reviewed in a real headless browser (Debian's Chromium through
Playwright, as tests/web/test_browser.py): New explainer from the queue, the ticked studies
drafted, the review page read, approved by a reviewer and published to the site preview."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import chromium, serving
from helpers import FATIGUE_IDS, batch_samples, trial_settings

from pipeline.backends import make_backend
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app

SHOTS = Path(__file__).resolve().parents[2] / "outputs" / "browser"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = trial_settings(tmp_path)
    batch_samples(settings, FATIGUE_IDS)
    with serving(create_app(settings, backend=make_backend(settings))) as base:
        yield base, settings


def test_a_reviewer_drafts_approves_and_publishes_an_explainer(browser, served) -> None:
    base, settings = served
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(base + "/")
    page.click('a[href="/explainers/new"]')
    page.fill('input[name="topic"]', "MS and fatigue")
    page.click('form.filters button[type="submit"]')
    page.wait_for_selector("#new-explainer")
    assert page.locator('input[name="study"]:checked').count() == 3
    page.click("#new-explainer button")
    page.wait_for_selector("#decide-form")
    assert "Drafted. Review it below." in page.inner_text("main")
    assert page.locator(".badge.needs_review").count() == 1
    page.screenshot(path=str(SHOTS / "explainer.png"), full_page=True)
    page.fill('#decide-form input[name="reviewer"]', "Dana")
    page.click('#decide-form button[value="approve"]')
    page.wait_for_selector(".badge.approved")
    assert "approve: now approved." in page.inner_text("main")
    page.click('button[value="publish"]')
    page.wait_for_selector(".badge.published")
    page.click('a[href="/site/explainers/ms-and-fatigue.html"]')
    page.wait_for_selector("#sources")
    links = page.locator("#sources a[href^='../summaries/']").count()
    assert links == 0  # the sources are approved, not published: the page links the papers
    assert "The studies behind this explainer" in page.inner_text("#sources")
    with Store(settings.database) as store:
        events = [(e["actor"], e["kind"]) for e in store.events("explainer-ms-and-fatigue")]
    assert events == [("pls", "drafted"), ("Dana", "approve"), ("Dana", "publish")]
