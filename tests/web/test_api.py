"""The read-only JSON API: checked against its own OpenAPI description by schemathesis (every
generated request answered as described), then its token, paging and errors one by one."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from helpers import GOOD_DRAFT as GOOD
from helpers import Scripted, publish_some, seed, trial_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from starlette.testclient import TestClient

from pipeline.records import Triage
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import LoginThrottle, create_app
from pipeline.web.api import spec

TOKEN = "api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return trial_settings(tmp_path).model_copy(update={"api_token": TOKEN})


@pytest.fixture
def stocked(settings: Settings) -> Settings:
    """Two published studies, one waiting for review, one parked by a watch."""
    with Store(settings.database) as store:
        publish_some(store, settings, count=2)
        seed(settings, abstract="People with MS walked more. " * 12)
        run_id, _, _ = store.open_run("journal", {})
        parked = __import__("helpers").make_study("Mice with ALS were studied. " * 10, "ALS mice")
        verdict = Triage(score=0.1, relevant=False, reasons=["MS is named nowhere (-2.5)"])
        store.record_item(
            run_id, "journal", "k", "parked", parked.title, study=parked, triage=verdict
        )
    return settings


@pytest.fixture
def client(stocked: Settings) -> TestClient:
    return TestClient(create_app(stocked, backend=Scripted([GOOD]), throttle=LoginThrottle()))


def test_every_answer_is_as_the_openapi_description_says(stocked: Settings) -> None:
    app = create_app(stocked, backend=Scripted([GOOD]), throttle=LoginThrottle(limit=10**9))
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=60, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=AUTH)

        conforms()


def test_the_description_is_public_and_lists_every_state(client: TestClient) -> None:
    described = client.get("/api/openapi.json").json()
    assert set(described["paths"]) == {"/api/studies", "/api/studies/{study_id}", "/api/published"}
    assert "parked" in described["components"]["schemas"]["Study"]["properties"]["state"]["enum"]
    assert described == spec()


def test_no_token_or_a_wrong_one_is_a_json_401_and_guesses_are_throttled(
    stocked: Settings,
) -> None:
    client = TestClient(create_app(stocked, backend=Scripted([GOOD]), throttle=LoginThrottle()))
    answer = client.get("/api/studies")
    assert answer.status_code == 401 and "Bearer" in answer.json()["error"]
    assert answer.headers["www-authenticate"] == "Bearer"
    for _ in range(5):
        assert (
            client.get("/api/studies", headers={"Authorization": "Bearer nope"}).status_code == 401
        )
    locked = client.get("/api/studies", headers=AUTH)  # right token, but the address is locked out
    assert locked.status_code == 429 and "Too many wrong tokens" in locked.json()["error"]


def test_the_session_cookie_is_no_api_token(stocked: Settings) -> None:
    app = create_app(stocked, token="serve-token-0123456789", backend=Scripted([GOOD]))
    client = TestClient(app)
    client.post("/login", data={"token": "serve-token-0123456789", "next": "/"})
    assert client.get("/api/studies").status_code == 401
    assert client.get("/api/studies", headers=AUTH).status_code == 200


def test_without_any_token_the_api_is_off(tmp_path: Path) -> None:
    client = TestClient(create_app(trial_settings(tmp_path), backend=Scripted([GOOD])))
    answer = client.get("/api/studies", headers=AUTH)
    assert answer.status_code == 401 and "the API is off" in answer.json()["error"]


def test_the_serve_token_works_when_no_api_token_is_set(tmp_path: Path) -> None:
    app = create_app(
        trial_settings(tmp_path), token="serve-token-0123456789", backend=Scripted([GOOD])
    )
    client = TestClient(app)
    answer = client.get("/api/studies", headers={"Authorization": "Bearer serve-token-0123456789"})
    assert answer.status_code == 200 and answer.json()["total"] == 0


def test_pages_carry_their_position_and_the_next(client: TestClient) -> None:
    first = client.get("/api/studies?per_page=2", headers=AUTH).json()
    assert (first["page"], first["per_page"], first["total"], first["next"]) == (1, 2, 4, 2)
    second = client.get("/api/studies?per_page=2&page=2", headers=AUTH).json()
    assert second["next"] is None
    ids = [s["id"] for s in first["items"] + second["items"]]
    assert len(set(ids)) == 4
    beyond = client.get("/api/studies?per_page=2&page=9", headers=AUTH).json()
    assert beyond["items"] == [] and beyond["next"] is None


def test_a_parked_study_is_visible_and_filterable(client: TestClient) -> None:
    parked = client.get("/api/studies?state=parked", headers=AUTH).json()["items"]
    assert [row["title"] for row in parked] == ["ALS mice"]
    one = client.get(f"/api/studies/{parked[0]['id']}", headers=AUTH).json()
    assert one["state"] == "parked" and one["summary"] is None and one["revision"] is None
    page = client.get(f"/study/{parked[0]['id']}")  # and on the review page, kept in sight
    assert page.status_code == 200 and "parked" in page.text and "ALS mice" in page.text
    assert "ALS mice" in client.get("/?state=parked").text


def test_a_study_has_its_draft_and_a_published_one_its_url(client: TestClient) -> None:
    published = client.get("/api/published", headers=AUTH).json()
    assert published["total"] == 2
    item = published["items"][0]
    assert item["url"].endswith(f"summaries/{item['slug']}.html")
    assert "provenance" not in item and item["summary"]["title"]
    one = client.get(f"/api/studies/{item['study_id']}", headers=AUTH).json()
    assert one["state"] == "published" and one["published_url"] == item["url"]
    assert one["summary"]["key_takeaway"] and one["abstract"]


@pytest.mark.parametrize(
    "path, status, problem",
    [
        ("/api/studies?page=0", 400, "page must be"),
        ("/api/studies?per_page=101", 400, "per_page must be"),
        ("/api/studies?page=-1", 400, "page must be"),
        ("/api/studies?page=" + "9" * 40, 400, "page must be"),
        ("/api/studies?state=lost", 400, "state must be one of"),
        ("/api/published?per_page=x", 400, "per_page must be"),
        ("/api/studies/pmid-0000", 404, "no study with id"),
        ("/api/studies/a/b/../c", 404, "no study with id"),
        # no route matches an id with a line break (schemathesis found it): JSON still
        ("/api/studies/%C3%BA%0A%C3%BD", 404, "Not Found"),
        ("/api/nothing-here", 404, "Not Found"),
    ],
)
def test_bad_requests_are_one_line_json(
    client: TestClient, path: str, status: int, problem: str
) -> None:
    answer = client.get(path, headers=AUTH)
    assert answer.status_code == status and problem in answer.json()["error"]
    assert "\n" not in answer.json()["error"]
