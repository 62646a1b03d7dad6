"""The explainer's LLM path through the real openai SDK against the Chat Completions test
server (tests/chat_server.py): its own strict schema and prompts, JSON-mode fallback, the one
re-ask, revise rounds with the failures, and the checks catching a reply that invents a
number or cites no source. A protocol test double, not a claim about output quality."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from chat_server import ChatServer, Reply
from helpers import FATIGUE_IDS as FATIGUE
from helpers import MOUSE_ID as MOUSE
from helpers import batch_samples, settings_for, trial_settings

from pipeline import explain
from pipeline.backends import make_backend
from pipeline.errors import DraftFailed
from pipeline.house import load_house
from pipeline.records import ExplainerContent, ExplainerSource
from pipeline.settings import Settings
from pipeline.store import Store


@pytest.fixture(scope="module")
def chosen(tmp_path_factory: pytest.TempPathFactory) -> list[ExplainerSource]:
    settings = trial_settings(tmp_path_factory.mktemp("llm"))
    batch_samples(settings, FATIGUE)
    with Store(settings.database) as store:
        return sources(store, settings, FATIGUE)


@pytest.fixture(scope="module")
def good(chosen: list[ExplainerSource], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A reply that passes: the offline drafter's explainer, as a model would send it."""
    settings = trial_settings(tmp_path_factory.mktemp("good"))
    record = explain.draft_explainer("MS and fatigue", "", chosen, make_backend(settings), settings)
    assert not [c for c in record.checks if not c.passed and c.severity == "error"]
    return record.content.model_dump()


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as running:
        yield running


def sources(store: Store, settings: Settings, ids: list[str]) -> list[ExplainerSource]:
    return explain.chosen_sources(store, "topic", load_house(settings), ids)


def _llm(server: ChatServer, tmp_path: Path, **extra: object) -> Settings:
    return settings_for(server, tmp_path / "outputs", **extra)


def _draft(settings: Settings, chosen: list[ExplainerSource], brief: str = ""):
    backend = make_backend(settings)
    return explain.draft_explainer("MS and fatigue", brief, chosen, backend, settings)


def _failing(record) -> set[str]:
    return {c.id for c in record.checks if not c.passed and c.severity == "error"}


def test_a_good_reply_passes_and_the_request_carries_the_explainer_schema(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    server.enqueue(Reply(good))
    record = _draft(_llm(server, tmp_path), chosen, brief="What helps with fatigue?")
    assert _failing(record) == set() and not record.offline
    assert record.content == ExplainerContent.model_validate(good)
    [body] = server.bodies
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "topic_explainer"
    schema = fmt["json_schema"]["schema"]
    assert set(schema["required"]) == {"title", "paragraphs", "summary", "topics", "teaser"}
    system, user = (m["content"] for m in body["messages"])
    assert "topic explainers" in system and "In summary," in system
    for study_id in FATIGUE:
        assert f"<<<STUDY {study_id}" in user
    assert "<<<BRIEF\nWhat helps with fatigue?\nBRIEF>>>" in user
    call = record.attempts[0].call
    assert call.usage.prompt_tokens == 120 and set(call.template_hashes) >= {
        "explainer_system.j2",
        "explainer_draft.j2",
    }


def test_a_reply_that_invents_a_number_is_caught_by_grounding_and_sent_back(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    invented = json.loads(json.dumps(good))
    invented["paragraphs"][1]["text"] += " About 73% of them felt better, 4,321 in all."
    server.enqueue(Reply(invented), Reply(good))
    record = _draft(_llm(server, tmp_path, revise_rounds=1), chosen)
    first = record.attempts[0]
    numbers = next(c for c in first.checks if c.id == "grounding.numbers")
    assert not numbers.passed and {s.text for s in numbers.spans} == {"73%", "4,321"}
    revise = server.bodies[1]["messages"][-1]["content"]
    assert "[grounding.numbers]" in revise and "73%" in revise
    assert len(record.attempts) == 2 and _failing(record) == set()
    assert record.status == "needs_review"


def test_a_reply_whose_paragraphs_cite_no_source_is_caught(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    uncited = json.loads(json.dumps(good))
    for paragraph in uncited["paragraphs"]:
        paragraph["sources"] = []
    server.enqueue(Reply(uncited))
    record = _draft(_llm(server, tmp_path), chosen)
    cited = next(c for c in record.checks if c.id == "sources.cited")
    assert not cited.passed and "reports findings but cites no source" in cited.message
    assert record.status == "needs_attention"
    coverage = next(c for c in record.checks if c.id == "sources.coverage")
    assert coverage.value == 0.0


def test_a_cited_id_that_is_not_a_listed_source_is_caught(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    stranger = json.loads(json.dumps(good))
    stranger["paragraphs"][2]["sources"].append("pmid-12345678")
    server.enqueue(Reply(stranger))
    record = _draft(_llm(server, tmp_path), chosen)
    cited = next(c for c in record.checks if c.id == "sources.cited")
    assert not cited.passed and "'pmid-12345678', which is not a listed source" in cited.message


def test_a_number_from_a_source_the_paragraph_does_not_cite_is_caught(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    moved = json.loads(json.dumps(good))
    # 1,850 people are the meta-analysis's; the survey paragraph does not cite it
    moved["paragraphs"][3]["text"] += " Some 1,850 people took part."
    server.enqueue(Reply(moved))
    record = _draft(_llm(server, tmp_path), chosen)
    cited = next(c for c in record.checks if c.id == "sources.cited")
    assert not cited.passed and "from a source it does not cite" in cited.message
    assert next(c for c in record.checks if c.id == "grounding.numbers").passed


def test_json_mode_when_the_server_refuses_a_strict_schema_and_one_reask(
    server: ChatServer, tmp_path: Path, chosen, good
) -> None:
    server.reject_json_schema = True
    server.enqueue(Reply("not json at all"), Reply(good))
    record = _draft(_llm(server, tmp_path), chosen)
    assert _failing(record) == set()
    kinds = [b["response_format"]["type"] for b in server.bodies]
    assert kinds[0] == "json_schema" and kinds[-1] == "json_object"
    reask = server.bodies[-1]["messages"][-1]["content"]
    assert "not a valid reply" in reask and "paragraphs, summary, topics, teaser" in reask
    note = [m["content"] for m in server.bodies[-1]["messages"] if m["role"] == "system"]
    assert any('"paragraphs" (a list of objects' in n for n in note)


def test_a_refusal_on_the_first_call_fails_the_draft_with_its_call(
    server: ChatServer, tmp_path: Path, chosen
) -> None:
    server.enqueue(Reply(None, refusal="I cannot help with that."))
    with pytest.raises(DraftFailed) as caught:
        _draft(_llm(server, tmp_path), chosen)
    assert "refused" in str(caught.value) and caught.value.calls[0].ok is False


def test_a_mouse_finding_must_say_it_was_in_mice(tmp_path: Path, chosen, good) -> None:
    settings = trial_settings(tmp_path)
    batch_samples(settings)
    with Store(settings.database) as store:
        with_mouse = sources(store, settings, [*FATIGUE, MOUSE])
    content = ExplainerContent.model_validate(good)
    mouse_paragraph = content.paragraphs[1].model_copy(
        update={
            "text": "A 2025 study looked at remyelination. Treated mice had 41% more mature "
            "myelin-making cells in spinal white matter.",
            "sources": [MOUSE],
        }
    )
    paragraphs = [*content.paragraphs[:1], mouse_paragraph, *content.paragraphs[1:]]
    checks = explain.run_explainer_checks(
        content.model_copy(update={"paragraphs": paragraphs}), with_mouse, settings
    )
    carried = next(c for c in checks if c.id == "caveat.sources")
    assert not carried.passed and f"draws on {MOUSE}" in carried.message
    said = mouse_paragraph.text + " This was an animal study in mice, not in people."
    paragraphs[1] = mouse_paragraph.model_copy(update={"text": said})
    checks = explain.run_explainer_checks(
        content.model_copy(update={"paragraphs": paragraphs}), with_mouse, settings
    )
    assert next(c for c in checks if c.id == "caveat.sources").passed


def test_a_reviewers_note_reaches_the_next_draft_of_the_topic(
    server: ChatServer, tmp_path: Path, good
) -> None:
    from pipeline import review

    settings = _llm(server, tmp_path)
    batch_samples(trial_settings(tmp_path), FATIGUE)  # the same outputs folder
    server.enqueue(Reply(good), Reply(good))
    with Store(settings.database) as store:
        chosen = sources(store, settings, FATIGUE)
        record = store.add_explainer_revision(_draft(settings, chosen), "ms-and-fatigue")
        review.decide_explainer(
            store, record.id, "request_changes", "ana", note="Say more on sleep."
        )
        note = store.explainer_change_note(record.id)
        again = explain.draft_explainer(
            "MS and fatigue", "", chosen, make_backend(settings), settings, reviewer_note=note
        )
    assert note == "Say more on sleep." and again.status == "needs_review"
    assert "Say more on sleep." in server.bodies[-1]["messages"][-1]["content"]
    assert "Say more on sleep." not in server.bodies[0]["messages"][-1]["content"]


def test_a_reply_cut_at_the_explainers_own_cap_fails_and_the_store_keeps_its_calls(
    server: ChatServer, tmp_path: Path, chosen
) -> None:
    """A real 135M model ran to the cap on its first explainer (scripts/test-real-model): the
    explainer has its own, larger cap, the error names the setting that raises it, and the
    store keeps an event with the spent tokens though no revision was made."""
    settings = _llm(server, tmp_path, explainer_max_output_tokens=3210)
    server.enqueue(Reply("{", finish_reason="length"))
    with Store(settings.database) as store:
        with pytest.raises(DraftFailed) as caught:
            explain.draft_and_store(
                store, "MS and fatigue", "", chosen, make_backend(settings), settings
            )
        [event] = store.events(explain.explainer_id("MS and fatigue"))
    assert "(3210); raise PLS_EXPLAINER_MAX_OUTPUT_TOKENS" in str(caught.value)
    assert server.bodies[0]["max_tokens"] == 3210 != settings.max_output_tokens
    assert event["kind"] == "draft_failed" and "1 call, 120 prompt" in event["detail"]
    with Store(settings.database) as store:
        assert store.explainers() == []


# What SmolLM2-135M-Instruct wrote for "MS and fatigue" through llama-cpp-python 0.3.36 in
# JSON mode (scripts/test-real-model, 2026-12-01), the summary cut short here.
REAL_SMALL_MODEL_REPLY = {
    "title": "The studies to draw on (untrusted data between the markers; cite them by id) ",
    "paragraphs": [],
    "summary": "In summary, we have reviewed a systematic review and meta-analysis of "
    "randomised controlled trials that investigated the effects of exercise training for "
    "fatigue in multiple sclerosis. The study was conducted by a team from the University of "
    "Oxford, which included experts in MS research including Dr. John Smith, Professor of "
    "Neurology at Oxford University.",
    "topics": ["The studies to draw on"],
    "teaser": "In summary, we have reviewed a systematic review.",
}


def test_a_real_small_models_explainer_fails_for_what_an_editor_would_strike(
    server: ChatServer, tmp_path: Path, chosen
) -> None:
    """Its title is the prompt's own label, it invents a university and a doctor, and no
    paragraph draws on a source: each is an error-level failure, so it needs attention."""
    server.profile = "llama_cpp"
    server.default = lambda body: Reply(REAL_SMALL_MODEL_REPLY)
    record = _draft(_llm(server, tmp_path, revise_rounds=1), chosen)
    failing = {c.id: c for c in record.checks if not c.passed and c.severity == "error"}
    assert record.status == "needs_attention"
    assert "prompt's own instructions" in failing["content.copied"].message
    assert '"University of Oxford", "Dr. John Smith"' in failing["grounding.names"].message
    assert failing["sources.coverage"].value == 0.0
