"""The review web app in process, through Starlette's TestClient: real HTTP, no socket; on the
SQLite file and on PostgreSQL (the review app a house runs on a server)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import GOOD_DRAFT as GOOD
from helpers import NO_CAVEAT, TRIAL_ABSTRACT, Scripted, seed, trial_settings
from helpers import form_csrf as csrf
from starlette.routing import Route
from starlette.testclient import TestClient

from pipeline import review
from pipeline.errors import InputError
from pipeline.ingest import load_text
from pipeline.records import DraftRecord
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app
from pipeline.web.routes import ROUTES
from pipeline.web.security import CSP

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return trial_settings(tmp_path, database_url=database_url)


@pytest.fixture
def backend() -> Scripted:
    return Scripted([GOOD])


@pytest.fixture
def client(settings: Settings, backend: Scripted) -> TestClient:
    return TestClient(create_app(settings, backend=backend))


def flashes(html: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', html)


def test_the_queue_shows_state_credibility_failing_checks_and_age(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings, reply=NO_CAVEAT)
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    row = page.text[page.text.index(f"/study/{study_id}") - 400 :]
    assert "needs_review" in row and "4/5" in row and "caveat.consult_clinician" in row
    assert re.search(r"<td>\d+ s</td>", row)
    assert study_id not in client.get("/?state=approved").text
    assert study_id in client.get("/?failing=caveat").text


def test_a_draft_page_highlights_failing_spans_caveats_and_numbers(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings, reply=GOOD.model_copy(update={"key_takeaway": "A cure in 999 days."}))
    page = client.get(f"/study/{study_id}").text
    assert "Walking problems are common in multiple sclerosis" in page  # the abstract
    assert re.search(r'<mark class="error" title="language\.[a-z]+:[^"]*">cure</mark>', page)
    assert re.search(r'<mark class="error" title="grounding\.numbers[^"]*">', page)
    # 240 in the draft links to where 240 appears in the abstract
    anchor = re.search(r'<span class="anchor" id="(abs-n\d+)"></span><span class="num">240<', page)
    assert anchor and f'<a class="num" href="#{anchor.group(1)}"' in page
    assert "<b>consult_clinician</b>" in page and "Stated in Important Considerations" in page


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    posts = [r.path for r in ROUTES if isinstance(r, Route) and "POST" in (r.methods or ())]
    assert len(posts) >= 6
    client.get("/")  # a session exists, so the token is merely wrong, not absent
    for path in posts:
        url = path.replace("{study_id}", study_id)
        for data in ({}, {"csrf": "forged"}):
            answer = client.post(url, data={**data, "action": "approve", "reviewer": "x"})
            assert answer.status_code == 403, url
    with Store(settings.database) as store:
        assert store.state(study_id) == "needs_review" and len(store.revisions(study_id)) == 1


def test_approve_then_a_stale_second_approval_gets_a_conflict(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    form = {"csrf": csrf(client), "reviewer": "ana", "state": "needs_review", "revision": "1"}
    page = client.post(f"/study/{study_id}/decide", data={**form, "action": "approve"})
    assert page.status_code == 200 and "approve: now approved." in flashes(page.text)
    again = client.post(f"/study/{study_id}/decide", data={**form, "action": "approve"})
    assert again.status_code == 409
    assert "it is now approved (approve by ana" in again.text and "Reload it" in again.text


def test_approving_failing_checks_without_override_is_refused_with_the_reason(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings, reply=NO_CAVEAT)
    page = client.get(f"/study/{study_id}").text
    assert 'name="override"' in page  # the form asks for it only when needed
    form = {"csrf": csrf(client), "reviewer": "ana", "action": "approve"}
    refused = client.post(f"/study/{study_id}/decide", data=form)
    assert refused.status_code == 400 and "needs an override reason" in refused.text
    done = client.post(f"/study/{study_id}/decide", data={**form, "override": "read it twice"})
    assert "approve: now approved." in flashes(done.text)


def test_edit_in_place_saves_a_rechecked_revision_and_shows_the_diff(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    with Store(settings.database) as store:
        summary = store.latest(study_id).summary
    form = {
        "csrf": csrf(client),
        "state": "needs_review",
        "revision": "1",
        "reviewer": "ana",
        **{name: getattr(summary, name) for name in ("title", "key_takeaway", "what_they_found")},
        "who_should_care": summary.who_should_care,
        "important_considerations": "This is one trial. More trials are needed.",
        "topics": "\n".join(summary.topics),
        "interest_score": "3",
        "interest": "Walking matters.",
    }
    page = client.post(f"/study/{study_id}/edit", data=form)
    assert "Saved revision 2; re-checked: 1 error-level check(s) failing." in flashes(page.text)
    assert "<b>caveat.consult_clinician</b> (error)" in page.text
    diff = page.text[page.text.index('<dl class="diff">') :]
    assert "<dt>Important Considerations</dt>" in diff and "<ins>needed.</ins>" in diff
    assert "<del>find different results. Talk with your healthcare provider" in diff
    assert "<del>5/5</del><ins>3/5</ins>" in diff
    assert "Revision 2 by ana" in page.text
    stale = client.post(f"/study/{study_id}/edit", data=form)  # still says revision 1
    assert stale.status_code == 409 and "revision 2 (by ana)" in stale.text


def test_request_changes_then_redraft_sends_the_note_to_the_model(
    client: TestClient, settings: Settings, backend: Scripted
) -> None:
    study_id = seed(settings)
    token = csrf(client)
    base = {"csrf": token, "reviewer": "ana"}
    refused = client.post(f"/study/{study_id}/decide", data={**base, "action": "request_changes"})
    assert refused.status_code == 400 and "a note saying why" in refused.text
    note = "Say that the placebo was a dummy pill."
    page = client.post(
        f"/study/{study_id}/decide", data={**base, "action": "request_changes", "note": note}
    )
    assert f"Changes requested: {note}" in page.text
    page = client.post(f"/study/{study_id}/redraft", data=base)
    assert "Redrafted: drafted." in flashes(page.text)
    assert note in backend.requests[-1].messages[-1]["content"]


def test_approve_publish_and_find_the_published_page(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    base = {"csrf": csrf(client), "reviewer": "ana"}
    client.post(f"/study/{study_id}/decide", data={**base, "action": "approve"})
    page = client.post(f"/study/{study_id}/publish", data=base)
    slug = re.search(r"Published as /published/([a-z0-9-]+)\.", page.text).group(1)
    listing = client.get("/published").text
    assert f'href="/published/{slug}"' in listing and study_id in listing
    published = client.get(f"/published/{slug}")
    assert published.status_code == 200 and "script-src" not in published.headers.get(
        "content-security-policy", ""
    )
    assert "<h1>Walking Speed Improved With a Daily Pill</h1>" in published.text
    assert client.get("/published/nothing-here").status_code == 404


def test_submitting_a_pasted_abstract_queues_and_drafts_it(
    client: TestClient, settings: Settings
) -> None:
    token = csrf(client, "/submit")
    page = client.post(
        "/submit", data={"csrf": token, "title": "A daily pill", "abstract": TRIAL_ABSTRACT}
    )
    assert page.status_code == 200 and "A daily pill" in page.text
    study_id = re.search(r"/study/([a-z0-9-]+)/decide", page.text).group(1)
    with Store(settings.database) as store:
        assert store.state(study_id) == "needs_review"


@pytest.mark.parametrize(
    ("text", "upload"),
    [
        ("Too short to summarise.", None),
        ("", ("paper.json", b'{"title": "x", "abstract": ')),
        ("", ("paper.xml", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')),
        ("", ("paper.pdf", b"%PDF-1.4")),
    ],
)
def test_bad_submissions_get_the_same_one_line_errors_as_the_cli(
    client: TestClient, settings: Settings, tmp_path: Path, text: str, upload: tuple | None
) -> None:
    token = csrf(client, "/submit")
    files = {"file": (upload[0], upload[1], "application/octet-stream")} if upload else None
    page = client.post("/submit", data={"csrf": token, "abstract": text}, files=files)
    assert page.status_code == 400
    shown = re.search(r"<li>([^<]*)</li>", page.text).group(1)
    # What the CLI says about the same input, read from a file of the same name
    source = tmp_path / (upload[0] if upload else "pasted.txt")
    source.write_bytes(upload[1] if upload else text.encode())
    with pytest.raises(InputError) as cli:
        if upload:
            from pipeline.ingest import load_file

            load_file(source, settings)
        else:
            load_text(text, "pasted abstract", settings)
    expected = str(cli.value).replace(str(source), source.name)
    assert shown == expected.replace("&", "&amp;").replace('"', "&#34;").replace("'", "&#39;")


def test_html_and_script_in_an_abstract_and_a_draft_are_shown_as_text(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    with Store(settings.database) as store:
        record = store.latest(study_id)
        planted = hostile_record(record)
        store.add_revision(planted, author="mallory")
    page = client.get(f"/study/{study_id}")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "script-src" not in CSP and "default-src 'none'" in CSP  # no script may run at all
    assert page.headers["x-frame-options"] == "DENY"


def hostile_record(record: DraftRecord) -> DraftRecord:
    """The record with markup planted in its abstract and its draft, past ingest's cleaning."""
    study = record.study.model_copy(update={"abstract": HOSTILE + " " + record.study.abstract})
    summary = record.summary.model_copy(
        update={"what_they_found": HOSTILE + " " + record.summary.what_they_found}
    )
    return record.model_copy(update={"study": study, "summary": summary})


def test_off_loopback_every_page_needs_the_token(settings: Settings) -> None:
    app = create_app(settings, token="s3cret", backend=Scripted([GOOD]))
    client = TestClient(app, follow_redirects=False)
    assert client.get("/").headers["location"] == "/login?next=/"
    assert client.post("/submit", data={}).status_code == 401
    assert TestClient(app).get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/", headers={"Authorization": "Bearer nope"}).status_code == 303
    token = csrf(client, "/login")
    wrong = client.post("/login", data={"csrf": token, "token": "guess", "next": "/"})
    assert wrong.status_code == 401 and "Wrong token." in wrong.text
    right = client.post("/login", data={"csrf": token, "token": "s3cret", "next": "//evil"})
    assert right.headers["location"] == "/"
    assert client.get("/").status_code == 200


def test_the_reviewer_name_is_required_and_remembered(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    token = csrf(client)
    refused = client.post(f"/study/{study_id}/decide", data={"csrf": token, "action": "approve"})
    assert refused.status_code == 400 and "reviewer name is required" in refused.text
    client.post(
        f"/study/{study_id}/decide", data={"csrf": token, "action": "approve", "reviewer": "ana"}
    )
    assert 'name="reviewer" value="ana"' in client.get(f"/study/{study_id}").text
    with Store(settings.database) as store:
        assert review.queue(store, state="approved")[0]["id"] == study_id


def test_each_sentence_links_to_the_abstract_sentences_it_rests_on(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    page = client.get(f"/study/{study_id}").text
    # the abstract as its units, each a :target
    assert '<span class="unit" id="abs-S3"><sup class="unit-id">S3</sup>Walking speed' in page
    # a finding sentence: its anchor, what its support says on hover, the link after it
    assert re.search(r'<span class="anchor" id="s-what_they_found-\d+"></span>', page)
    assert re.search(r'title="rests on S3: Walking speed rose by 18%[^"]*"', page)
    assert '<a class="cite" href="#abs-S3"' in page
    # nothing unsupported here (the dummy-pill sentence is a warning-level note, listed)
    top = page[page.index('id="unsupported"') - 40 :][:1500]
    assert "Half took the pill and half took a dummy pill." in top
    assert "<script" not in page


def test_an_unsupported_claim_is_listed_at_the_top_and_escaped(
    client: TestClient, settings: Settings
) -> None:
    claim = "The pill cured <b>everyone</b> of relapses."
    reply = GOOD.model_copy(update={"what_they_found": GOOD.what_they_found + " " + claim})
    study_id = seed(settings, reply=reply)
    page = client.get(f"/study/{study_id}").text
    top = page[page.index('id="unsupported"') :][:3000]
    assert "The pill cured &lt;b&gt;everyone&lt;/b&gt; of relapses." in top and "unsupported" in top
    assert "<b>everyone</b>" not in page


def test_a_model_citing_ids_the_abstract_lacks_is_shown_them_escaped(
    client: TestClient, settings: Settings
) -> None:
    from pipeline.records import CitedSentence

    cites = [
        CitedSentence(section="key_takeaway", sentence=GOOD.key_takeaway, ids=["S77", HOSTILE])
    ]
    study_id = seed(settings, reply=GOOD.model_copy(update={"evidence": cites}))
    page = client.get(f"/study/{study_id}").text
    top = page[page.index('id="unsupported"') :][:4000]
    assert "cites no real sentence" in top and "S77" in top
    assert "<script" not in page and "&lt;SCRIPT&gt;" in top
