"""The review page's view of the reader's site: the teaser (shown, edited, re-checked), the
related articles a draft would get, and the link to the site preview."""

from __future__ import annotations

from helpers import GOOD_DRAFT, TRIAL_ABSTRACT, Scripted, publish_some, seed
from helpers import form_csrf as csrf
from starlette.testclient import TestClient

from pipeline.settings import Settings
from pipeline.site import build_site
from pipeline.store import Store
from pipeline.web import create_app

EDITED = "Learn how a daily pill may help some people with MS walk faster."


def edit_form(client: TestClient, study_id: str, summary: object, **changes: str) -> dict:
    return {
        "csrf": csrf(client),
        "state": "needs_review",
        "revision": "1",
        "reviewer": "ana",
        **{
            name: getattr(summary, name)
            for name in (
                "title",
                "key_takeaway",
                "what_they_found",
                "who_should_care",
                "important_considerations",
            )
        },
        "topics": "\n".join(summary.topics),
        "interest_score": "5",
        "interest": summary.interest.reason,
        **changes,
    }


def test_the_review_page_shows_the_teaser_related_articles_and_the_preview(
    store: Store, settings: Settings
) -> None:
    publish_some(store, settings, 5)
    build_site(store, settings)
    reply = GOOD_DRAFT.model_copy(
        update={
            "title": "Vitamin D in Winter",
            "topics": ["Vitamin D", "Sunlight"],
            "teaser": EDITED,
        }
    )
    study_id = seed(settings, abstract=TRIAL_ABSTRACT + " Vitamin D was measured.", reply=reply)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    page = client.get(f"/study/{study_id}").text
    assert f'<p id="sec-teaser">{EDITED}</p>' in page
    related = page[page.index('id="related"') :].split("</ul>", 1)[0]
    assert 'href="/site/summaries/sunlight-diet-and-vitamin-d-in-ms.html"' in related
    assert 'href="/site/summaries/vitamin-d-levels-and-fewer-relapses.html"' in related
    assert '<a href="/site/">The site preview</a>' in page
    published = client.get("/study/" + store.publications()[0]["study_id"]).text
    assert 'href="/site/summaries/walking-speed-improved-with-a-daily-pill.html"' in published
    assert (
        'href="/site/summaries/walking-speed-improved-with-a-daily-pill.html">Walking'
        not in (published[published.index('id="related"') :].split("</ul>", 1)[0])
    )  # never the study itself


def test_the_teaser_is_edited_in_place_and_rechecked(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    summary = store.latest(study_id).summary
    bad = client.post(
        f"/study/{study_id}/edit",
        data=edit_form(client, study_id, summary, teaser="This pill is a cure for slow walking."),
    )
    assert "<b>structure.teaser</b> (error)" in bad.text and "start with a verb" in bad.text
    assert store.latest(study_id).summary.teaser == "This pill is a cure for slow walking."
    form = edit_form(client, study_id, store.latest(study_id).summary, teaser=EDITED)
    form["revision"] = "2"
    good = client.post(f"/study/{study_id}/edit", data=form)
    assert "<b>structure.teaser</b>" not in good.text
    assert store.latest(study_id).summary.teaser == EDITED
    assert "<dt>Teaser</dt>" in good.text  # in the revision diff


def test_publishing_on_the_page_rebuilds_the_site_preview(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    form = {"csrf": csrf(client, f"/study/{study_id}"), "state": "needs_review", "revision": "1"}
    client.post(f"/study/{study_id}/decide", data={**form, "action": "approve", "reviewer": "ana"})
    form["state"] = "approved"
    page = client.post(f"/study/{study_id}/publish", data={**form, "reviewer": "ana"})
    assert "The /site/ preview is rebuilt." in page.text
    assert "Walking Speed Improved" in client.get("/site/").text
