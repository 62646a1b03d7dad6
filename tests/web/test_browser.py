"""The review app in a real headless browser: Debian's Chromium driven by Playwright.

The app runs under uvicorn on 127.0.0.1 (a free port) in a thread. Screenshots of the queue, a
draft and the published page go to outputs/browser/ (ignored by git). Outside CI a machine
without Chromium skips these tests; in CI (CI=true) a missing browser fails them, since
scripts/test installs it first (scripts/install-browser).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import chromium, serving
from helpers import GOOD_DRAFT as GOOD
from helpers import NO_CAVEAT, TRIAL_ABSTRACT, Scripted, make_profile, seed, trial_settings

from pipeline.drafting import draft_study
from pipeline.records import Study
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app

SHOTS = Path(__file__).resolve().parents[2] / "outputs" / "browser"
HOSTILE = (
    '<script>window.__pwned = 1; alert("script")</script>'
    "<img src=x onerror=\"window.__pwned = 2; alert('img')\">"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = trial_settings(tmp_path)
    app = create_app(settings, backend=Scripted([GOOD]))
    with serving(app) as base:
        yield base, settings


def test_review_a_draft_edit_it_approve_it_and_find_it_published(browser, served) -> None:
    base, settings = served
    seed(settings, reply=NO_CAVEAT)
    study_id = seed(settings, TRIAL_ABSTRACT + " Falls were also counted.")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(base + "/")
    assert page.locator("table.queue tbody tr").count() == 2
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    page.click(f'a[href="/study/{study_id}"]')
    page.wait_for_selector("section.draft")
    page.screenshot(path=str(SHOTS / "draft.png"), full_page=True)
    assert "(error)" not in page.inner_text("#failing-checks")

    # Each sentence links to the abstract sentence it rests on: clicking the link highlights
    # it by :target alone (the page runs no script), and hovering shows what it says
    cite = page.locator('#sec-what_they_found a.cite[href="#abs-S3"]').first
    unit = page.locator("#abs-S3")
    plain = unit.evaluate("e => getComputedStyle(e).backgroundColor")
    cite.click()
    assert page.evaluate("location.hash") == "#abs-S3"
    assert unit.evaluate("e => getComputedStyle(e).backgroundColor") != plain
    assert "Walking speed rose by 18%" in unit.inner_text()

    # An overclaiming edit: re-checked at once, the word highlighted where it stands
    takeaway = page.input_value('textarea[name="key_takeaway"]')
    page.fill('textarea[name="key_takeaway"]', "This breakthrough pill may help people walk.")
    page.fill('#edit-form input[name="reviewer"]', "Ana")
    page.click("#edit-form button")
    page.wait_for_selector("text=Saved revision 2")
    assert "(error)" in page.inner_text("#failing-checks")
    assert page.inner_text("#sec-key_takeaway mark.error") == "breakthrough"
    # and the sentence the abstract does not bear out is listed at the top, linked to itself
    assert "This breakthrough pill may help people walk." in page.inner_text("#unsupported")
    page.screenshot(path=str(SHOTS / "draft-after-edit.png"), full_page=True)

    # Put it right, and the check passes again
    page.fill('textarea[name="key_takeaway"]', takeaway)
    page.click("#edit-form button")
    page.wait_for_selector("text=Saved revision 3")
    assert "(error)" not in page.inner_text("#failing-checks")
    assert page.locator("#sec-key_takeaway mark.error").count() == 0

    page.click('button[value="approve"]')
    page.wait_for_selector("text=approve: now approved.")
    page.click("text=Publish revision 3")
    page.wait_for_selector("text=Published as")
    page.click("header nav >> text=Published")
    page.click("table.queue a >> nth=0")
    assert page.inner_text("h1") == "Walking Speed Improved With a Daily Pill"
    assert "approved by Ana" in page.inner_text(".provenance")
    page.screenshot(path=str(SHOTS / "published.png"), full_page=True)
    with Store(settings.db_path) as store:
        assert store.state(study_id) == "published"


def test_script_in_an_abstract_and_a_draft_never_runs(browser, served) -> None:
    base, settings = served
    study = Study(
        id="sha-hostile",
        title=f"Hostile {HOSTILE} title",
        abstract=f"{HOSTILE} {TRIAL_ABSTRACT}",
        source="planted past ingest",
    )
    hostile = GOOD.model_copy(update={"what_they_found": f"{HOSTILE} {GOOD.what_they_found}"})
    record = draft_study(study, make_profile(), Scripted([hostile]), settings)
    with Store(settings.db_path) as store:
        store.upsert_study(study)
        store.add_revision(record)
        store.set_state(study.id, "needs_review")
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ("/", f"/study/{study.id}"):
        page.goto(base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("window.__pwned === undefined")
        assert page.locator("img").count() == 0
    assert '<script>window.__pwned = 1; alert("script")</script>' in page.inner_text(".abstract")
    assert "<img src=x onerror=" in page.inner_text("#sec-what_they_found")
    assert dialogs == []


def test_correct_the_profile_on_the_review_page_and_see_the_new_caveat(browser, served) -> None:
    base, settings = served
    study_id = seed(settings)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/study/{study_id}")
    assert "Randomised controlled trial" in page.inner_text("#profile-design")
    assert "association_not_causation" not in page.inner_text("ul.caveats")

    page.select_option('#profile-form select[name="design"]', "cohort")
    page.fill('#profile-form textarea[name="reason"]', "People were followed, not assigned.")
    page.fill('#profile-form input[name="reviewer"]', "Ana")
    page.click("#profile-form button")
    page.wait_for_selector("text=Profile corrected (revision 2)")
    assert "Cohort study" in page.inner_text("#profile-design")
    assert "corrected by Ana" in page.inner_text("#profile-design")
    missing = page.inner_text("ul.caveats li.missing")
    assert "association_not_causation" in missing
    assert "caveat.association_not_causation" in page.inner_text("#failing-checks")
    page.screenshot(path=str(SHOTS / "profile-corrected.png"), full_page=True)
    with Store(settings.db_path) as store:
        assert store.profile_corrections(study_id)[0]["reviewer"] == "Ana"
