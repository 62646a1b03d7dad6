"""`--profile-llm`: the model's quoted reading of design, species and participants, through the
real openai SDK against the local Chat Completions server. A reading is used only when its quote
is in the abstract; a disagreement keeps the rules' value, marks the field low-confidence and
shows both; a malformed reply or a failed call leaves the rules' profile as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chat_server import ChatServer, Fault, Reply
from helpers import GOOD_REPLY, TRIAL_ABSTRACT, make_study

from pipeline.backends import OpenAIBackend, cross_check_profile
from pipeline.backends.profiling import INSTRUCTIONS
from pipeline.batch import Context, process_study
from pipeline.checks import uncertain_fields
from pipeline.ingest import load_text
from pipeline.profile import profile_study
from pipeline.records import Design, StudyProfile
from pipeline.settings import Settings

STUDY = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")
AGREES: dict[str, Any] = {
    "design": "rct",
    "design_quote": "We randomly assigned 240 people with MS",
    "species": "people",
    "species_quote": "240 people with MS",
    "participants": 240,
    "participants_quote": "assigned 240 people with MS",
}


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


def _settings(server: ChatServer, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        backend="openai",
        openai_base_url=server.base_url,
        openai_api_key="test",
        outputs=tmp_path / "outputs",
        revise_rounds=0,
        profile_llm=True,
        max_attempts=1,
        **extra,
    )


def _check(server: ChatServer, tmp_path: Path, reply: Reply | Fault) -> StudyProfile:
    settings = _settings(server, tmp_path)
    server.enqueue(reply)
    rules = profile_study(STUDY, settings)
    return cross_check_profile(STUDY, rules, OpenAIBackend(settings), settings)


def test_an_agreeing_reading_with_its_quote_confirms_the_rules(
    server: ChatServer, tmp_path: Path
) -> None:
    profile = _check(server, tmp_path, Reply(AGREES))
    assert (profile.design, profile.species, profile.participants) == (Design.rct, "people", 240)
    for field in ("design", "species", "participants"):
        assert profile.confidence[field].model_reading.endswith("(agrees)")
    sent = server.requests[0].body
    assert sent["response_format"]["json_schema"]["name"] == "study_profile"
    assert sent["messages"][0]["content"] == INSTRUCTIONS
    assert "<<<\nBackground: Walking problems" in sent["messages"][1]["content"]


def test_a_quoted_disagreement_keeps_the_rules_value_and_flags_the_field(
    server: ChatServer, tmp_path: Path
) -> None:
    reply = {**AGREES, "design": "cohort", "design_quote": "Walking problems are common"}
    profile = _check(server, tmp_path, Reply(reply))
    assert profile.design == Design.rct  # the rules' value stands until a reviewer decides
    design = profile.confidence["design"]
    assert (design.level, design.alternative) == ("low", "cohort")
    assert "the model reads cohort instead" in design.reason
    assert design.model_reading == "cohort, from “Walking problems are common” (disagrees)"
    assert uncertain_fields(profile) == ["design"]  # so profile.uncertain warns the reviewer


def test_a_quote_that_is_not_in_the_abstract_is_not_used(
    server: ChatServer, tmp_path: Path
) -> None:
    reply = {**AGREES, "design": "cohort", "design_quote": "We followed them for ten years"}
    rules = profile_study(STUDY, Settings())
    profile = _check(server, tmp_path, Reply(reply))
    design = profile.confidence["design"]
    assert (design.level, design.alternative) == (rules.confidence["design"].level, None)
    assert design.model_reading.endswith("(not used: its quote is not in the abstract)")
    assert uncertain_fields(profile) == []


def test_a_count_its_quote_does_not_state_is_not_used(server: ChatServer, tmp_path: Path) -> None:
    reply = {**AGREES, "participants": 480, "participants_quote": "240 people with MS"}
    profile = _check(server, tmp_path, Reply(reply))
    assert profile.participants == 240
    assert "its quote does not state the number" in profile.confidence["participants"].model_reading


@pytest.mark.parametrize(
    "content",
    [
        "Sure! The design is an RCT.",  # not JSON at all
        json.dumps({"design": "rct"}),  # keys missing
        json.dumps({**AGREES, "participants": "two hundred"}),  # wrong type
        "",  # empty
    ],
    ids=["prose", "missing keys", "wrong type", "empty"],
)
def test_a_malformed_reply_leaves_the_rules_profile(
    server: ChatServer, tmp_path: Path, content: str
) -> None:
    rules = profile_study(STUDY, Settings())
    profile = _check(server, tmp_path, Reply(content))
    assert profile.design == rules.design
    assert profile.confidence["species"] == rules.confidence["species"]
    note = profile.confidence["design"].model_reading
    assert note.startswith("the model's cross-check failed (profile check: ")
    assert "\n" not in note


def test_a_failed_call_leaves_the_rules_profile(server: ChatServer, tmp_path: Path) -> None:
    profile = _check(server, tmp_path, Fault(401, body={"error": {"message": "bad key"}}))
    assert profile.design == Design.rct
    assert "cross-check failed" in profile.confidence["design"].model_reading


def test_a_server_without_strict_schemas_is_asked_in_json_mode(
    server: ChatServer, tmp_path: Path
) -> None:
    server.reject_json_schema = True
    profile = _check(server, tmp_path, Reply(AGREES))
    assert profile.confidence["design"].model_reading.endswith("(agrees)")
    assert [r.body["response_format"]["type"] for r in server.requests] == [
        "json_schema",
        "json_object",
    ]


def test_off_by_default_and_never_for_the_offline_drafter(
    server: ChatServer, tmp_path: Path
) -> None:
    settings = _settings(server, tmp_path).model_copy(update={"profile_llm": False})
    rules = profile_study(STUDY, settings)
    assert cross_check_profile(STUDY, rules, OpenAIBackend(settings), settings) is rules
    offline = settings.model_copy(update={"backend": "offline", "profile_llm": True})
    from pipeline.backends import make_backend

    assert cross_check_profile(STUDY, rules, make_backend(offline), offline) is rules
    assert server.requests == []


def test_a_drafted_study_carries_both_readings_in_its_profile_and_checks(
    server: ChatServer, tmp_path: Path
) -> None:
    # The batch stage asks for the profile first, then the draft; the saved profile and the
    # draft's profile.uncertain warning both show the model's competing reading.
    settings = _settings(server, tmp_path)
    server.route(
        "You classify one medical research abstract",
        Reply({**AGREES, "design": "cohort", "design_quote": "Walking problems are common"}),
    )
    server.default = lambda body: Reply(GOOD_REPLY)
    study = load_text(f"Title: {STUDY.title}\n{TRIAL_ABSTRACT}", "test", settings)
    ctx = Context.open(settings, OpenAIBackend(settings))
    try:
        outcome = process_study(ctx, study)
        saved = ctx.store.latest(study.id)
    finally:
        ctx.close()
    assert outcome.result in ("drafted", "needs_attention"), outcome.error
    assert saved.profile.confidence["design"].alternative == "cohort"
    warning = next(c for c in saved.checks if c.id == "profile.uncertain")
    assert not warning.passed and "it may be cohort" in warning.message


def test_a_live_batch_checks_each_profile_in_a_thread_beside_its_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The async runner asks for the profile off the event loop; a malformed profile reply for
    # one study does not stop it or the others. Each profile request takes its slot from the
    # run's rate limiter and its tokens count in the run's cost and the store's audit trail.
    import asyncio

    from helpers import settings_for, write_studies

    import pipeline.batch.runner as runner
    from pipeline.batch import run_batch
    from pipeline.cli.batch import enqueue
    from pipeline.store import Store

    slots: list[int] = []

    class Counting(runner.RateLimiter):
        async def acquire(self, tokens: int = 0) -> None:
            slots.append(tokens)
            await super().acquire(tokens)

    monkeypatch.setattr(runner, "RateLimiter", Counting)

    write_studies(tmp_path / "in", ["A", "B"])
    with ChatServer() as server:
        server.route("You classify one medical research abstract", Reply("not json"))
        server.default = lambda body: Reply(
            {**AGREES, "design": "other", "design_quote": "not in any abstract at all"}
            if "You classify one medical research abstract" in json.dumps(body["messages"])
            else GOOD_REPLY
        )
        settings = settings_for(server, tmp_path / "out", profile_llm=True)
        assert enqueue(tmp_path / "in", settings, force=False) == []
        report = asyncio.run(run_batch(settings, OpenAIBackend(settings)))
    assert report.failures == {} and len(report.results) == 2
    with Store(settings.db_path) as store:
        readings = sorted(
            store.latest(study_id).profile.confidence["design"].model_reading
            for study_id in report.results
        )
    assert readings[0].startswith("other, from “not in any abstract at all” (not used")
    assert readings[1].startswith("the model's cross-check failed")
    assert len(slots) == 4  # two profile checks and two drafts, each through the limiter
    with Store(settings.db_path) as store:
        calls = [c for study_id in report.results for c in store.calls(study_id)]
    checks = [c for c in calls if c["purpose"] == "profile"]
    assert sorted(c["ok"] for c in checks) == [0, 1]  # the malformed reply is a failed call
    assert all(c["prompt_tokens"] > 0 and c["attempts"] == 1 for c in checks)
    assert report.progress.prompt_tokens == sum(c["prompt_tokens"] for c in calls)
