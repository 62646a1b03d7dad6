"""The review page's study profile, through Starlette's TestClient: each field with its
confidence, a guessed design or species highlighted with its evidence and the competing reading,
and the correction form (CSRF, one-line refusals, the caveat it adds, a redraft on request)."""

from __future__ import annotations

import re

import pytest
from helpers import GOOD_DRAFT as GOOD
from helpers import TRIAL_ABSTRACT, Scripted, make_profile, seed
from helpers import form_csrf as csrf
from starlette.testclient import TestClient

from pipeline.backends import make_backend
from pipeline.drafting import draft_study
from pipeline.records import FieldConfidence, Study
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, backend=Scripted([GOOD])))


def flashes(html: str) -> list[str]:
    return re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', html)


def correct(client: TestClient, study_id: str, **fields: str):
    form = {"csrf": csrf(client, f"/study/{study_id}"), "reviewer": "Ana", "reason": "why"}
    return client.post(f"/study/{study_id}/profile", data=form | fields)


def stored_for_review(settings: Settings, study_id: str, title: str, profile) -> Study:
    """A study drafted on the given profile, waiting for review."""
    study = Study(id=study_id, title=title, abstract=TRIAL_ABSTRACT, source="t")
    record = draft_study(study, profile, Scripted([GOOD]), settings)
    with Store(settings.db_path) as store:
        store.upsert_study(study)
        store.add_revision(record)
        store.set_state(study.id, "needs_review")
    return study


def test_a_guessed_design_is_highlighted_with_its_evidence_and_rival(
    client: TestClient, settings: Settings
) -> None:
    unsure = FieldConfidence(level="low", reason="no design named", alternative="cross_sectional")
    profile = make_profile(
        design="cohort",
        confidence={"design": unsure},
        evidence={"design": "We followed 240 people with MS."},
    )
    study = stored_for_review(settings, "sha-unsure", "Unsure", profile)
    page = client.get(f"/study/{study.id}").text
    row = page[page.index('id="profile-design"') : page.index('id="profile-species"')]
    assert '<tr class="low"' in page and '<mark class="warning"' in row and "Cohort study" in row
    assert "no design named" in row and "<b>cross_sectional</b>" in row
    assert "We followed 240 people with MS." in row
    species = page[page.index('id="profile-species"') :][:600]
    assert '<mark class="warning"' not in species


def test_the_models_competing_reading_is_shown_beside_the_rules(
    client: TestClient, settings: Settings
) -> None:
    # --profile-llm: the rules' value stays, the model's quoted reading is shown with it.
    said = "cohort, from “We followed 240 people with MS” (disagrees)"
    unsure = FieldConfidence(
        level="low",
        reason="the design is named; the model reads cohort instead",
        alternative="cohort",
        model_reading=said,
    )
    profile = make_profile(confidence={"design": unsure})
    study = stored_for_review(settings, "sha-model", "Model", profile)
    page = client.get(f"/study/{study.id}").text
    row = page[page.index('id="profile-design"') : page.index('id="profile-species"')]
    assert "Randomised controlled trial" in row and "<b>cohort</b>" in row
    assert "The model reads: cohort, from “We followed 240 people with MS” (disagrees)" in row


def test_the_form_corrects_the_profile_and_lists_the_caveat_it_now_needs(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    page = client.get(f"/study/{study_id}").text
    assert 'action="/study/' + study_id + '/profile"' in page and "keep (Randomised" in page
    blank = {"species": "", "participants": "", "state": "needs_review", "revision": "1"}
    answer = correct(client, study_id, design="cohort", **blank)
    assert answer.status_code == 200
    [message] = flashes(answer.text)
    assert "Profile corrected (revision 2): design rct → cohort" in message
    assert "caveat + association_not_causation" in message
    assert "<b>association_not_causation</b>" in answer.text
    caveat = answer.text[answer.text.index("<b>association_not_causation</b>") :][:400]
    assert 'class="error"' in caveat  # listed as missing until the text carries it
    assert "Cohort study" in answer.text and "corrected by Ana: why" in answer.text
    assert "profile_corrected" in answer.text  # the audit trail
    with Store(settings.db_path) as store:
        assert store.latest(study_id).profile.participants == 240  # blank kept it


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"design": "cohrt"}, "unknown design"),
        ({"participants": "-4"}, "between 1 and 100,000,000"),
        ({"design": "cohort", "reason": " "}, "a reason for the correction is required"),
        ({"species": "animals"}, "correct the design too"),
    ],
)
def test_nonsense_is_a_400_in_one_line(
    client: TestClient, settings: Settings, fields: dict[str, str], message: str
) -> None:
    study_id = seed(settings)
    answer = correct(client, study_id, **fields)
    assert answer.status_code == 400 and message in answer.text
    with Store(settings.db_path) as store:
        assert store.profile_corrections(study_id) == []


def test_without_the_csrf_token_nothing_is_corrected(
    client: TestClient, settings: Settings
) -> None:
    study_id = seed(settings)
    client.get("/")
    form = {"reviewer": "Ana", "reason": "why", "design": "cohort"}
    assert client.post(f"/study/{study_id}/profile", data=form).status_code == 403
    assert client.post(f"/study/{study_id}/profile", data=form | {"csrf": "x"}).status_code == 403
    with Store(settings.db_path) as store:
        assert store.profile_corrections(study_id) == []


def test_a_stale_form_is_a_conflict(client: TestClient, settings: Settings) -> None:
    study_id = seed(settings)
    correct(client, study_id, design="cohort", revision="1")
    answer = correct(client, study_id, design="case_control", revision="1")
    assert answer.status_code == 409


def test_the_redraft_box_drafts_again_with_the_corrected_profile(settings: Settings) -> None:
    offline = make_backend(settings.model_copy(update={"backend": "offline"}))
    client = TestClient(create_app(settings, backend=offline))
    study_id = seed(settings)
    answer = correct(client, study_id, design="cohort", redraft="on")
    assert answer.status_code == 200
    with Store(settings.db_path) as store:
        record = store.latest(study_id)
    assert record.offline and record.profile.design == "cohort"
    check = {c.id: c for c in record.checks}["caveat.association_not_causation"]
    assert check.passed
