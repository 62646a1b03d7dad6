"""Topic explainers in the review app, in process: "New explainer" finds and lists the
studies, drafts from the ticked ones; the review page shows each paragraph's sources and the
checks, and takes the summary's actions (approve with override, request changes, reject,
edit in place, publish), every one behind the CSRF check and the workflow's guard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import FATIGUE_IDS, batch_samples, trial_settings
from helpers import form_csrf as csrf
from starlette.testclient import TestClient

from pipeline.backends import make_backend
from pipeline.settings import Settings
from pipeline.web import create_app

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = trial_settings(tmp_path)
    batch_samples(settings, FATIGUE_IDS)
    return settings


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, backend=make_backend(settings)))


def _flashes(html: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', html)


def _draft(client: TestClient) -> str:
    page = client.get("/explainers/new", params={"topic": "MS and fatigue"}).text
    ticked = re.findall(r'name="study" value="([^"]+)"[^>]*checked', page)
    token = csrf(client, "/explainers/new?topic=MS+and+fatigue")
    answer = client.post(
        "/explainers/new",
        data={"csrf": token, "topic": "MS and fatigue", "brief": "", "study": ticked},
    )
    assert answer.status_code == 200, answer.text[:500]
    assert "Drafted. Review it below." in _flashes(answer.text)
    return str(answer.url).rsplit("/", 1)[1]


def test_new_explainer_ticks_the_studies_on_the_topic_and_drafts_from_them(client) -> None:
    assert 'href="/explainers/new"' in client.get("/").text
    assert 'href="/explainers/new"' in client.get("/published").text
    page = client.get("/explainers/new", params={"topic": "MS and fatigue"}).text
    ticked = re.findall(r'name="study" value="([^"]+)"[^>]*checked', page)
    assert len(ticked) == 3 and page.count('name="study"') == 10
    explainer_id = _draft(client)
    assert explainer_id == "explainer-ms-and-fatigue"
    page = client.get(f"/explainer/{explainer_id}").text
    assert 'Draws on: <a href="/study/' in page and "structure.length" in page
    assert "Approve revision 1" in page
    assert explainer_id in client.get("/explainers").text


def test_approve_request_changes_edit_and_publish_from_the_page(client, settings) -> None:
    explainer_id = _draft(client)
    path = f"/explainer/{explainer_id}"
    token = csrf(client, path)
    sent_back = client.post(
        path + "/decide",
        data={
            "csrf": token,
            "action": "request_changes",
            "reviewer": "ana",
            "note": "",
            "state": "needs_review",
            "revision": "1",
        },
    )
    assert sent_back.status_code == 400 and "a note" in sent_back.text
    document = re.search(
        r'<textarea name="document" rows="24">(.*?)</textarea>', client.get(path).text, re.S
    )
    assert document
    import html

    edited = html.unescape(document.group(1)).replace("In summary,", "To sum up,")
    answer = client.post(
        path + "/edit",
        data={
            "csrf": token,
            "document": edited,
            "reviewer": "bo",
            "state": "needs_review",
            "revision": "1",
        },
    )
    assert "Saved revision 2 (needs_review)." in _flashes(answer.text)
    assert "-In summary," in answer.text and "+To sum up," in answer.text
    stale = client.post(
        path + "/decide",
        data={
            "csrf": token,
            "action": "approve",
            "reviewer": "ana",
            "state": "needs_review",
            "revision": "1",
        },
    )
    assert stale.status_code == 409
    approved = client.post(
        path + "/decide",
        data={
            "csrf": token,
            "action": "approve",
            "reviewer": "ana",
            "state": "needs_review",
            "revision": "2",
        },
    )
    assert "approve: now approved." in _flashes(approved.text)
    published = client.post(
        path + "/decide",
        data={
            "csrf": token,
            "action": "publish",
            "reviewer": "ana",
            "state": "approved",
            "revision": "2",
        },
    )
    assert "publish: now published." in _flashes(published.text)[0]
    site = settings.outputs / "site" / "explainers" / "ms-and-fatigue.html"
    assert "The studies behind this explainer" in site.read_text()
    assert client.get("/site/explainers/ms-and-fatigue.html").status_code == 200


def test_forms_need_the_csrf_token_and_hostile_text_is_escaped(client) -> None:
    refused = client.post("/explainers/new", data={"topic": "MS and fatigue", "study": ["x"]})
    assert refused.status_code == 403
    page = client.get("/explainers/new", params={"topic": HOSTILE}).text
    assert HOSTILE not in page and "&lt;script&gt;" in page
    token = csrf(client, "/explainers/new?topic=x")
    unknown = client.post(
        "/explainers/new", data={"csrf": token, "topic": "MS and fatigue", "study": ["pmid-1"]}
    )
    assert unknown.status_code == 400 and "no such study" in unknown.text
    assert client.get("/explainer/explainer-nothing").status_code == 404
