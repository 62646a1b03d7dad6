"""What real OpenAI-compatible servers were seen to do, replayed through the real openai SDK.

llama-cpp-python answers `json_schema` with HTTP 500; JSON mode there takes the schema in
response_format and enforces it; a small model echoed the schema back; another returned the same
draft to every revise round. Each case must end in a draft or in one clear failure, fast.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chat_server import (
    LLAMA_CPP_REJECT_JSON_SCHEMA,
    ChatServer,
    EchoSchema,
    Fault,
    Hang,
    Reply,
    SameDraft,
)
from helpers import TRIAL_ABSTRACT, make_profile, make_study

from pipeline.backends import DraftRequest, OpenAIBackend
from pipeline.backends.openai_protocol import (
    JSON_SHAPE,
    grammar_schema,
    one_line,
    shorten,
    strict_schema,
)
from pipeline.drafting import adraft_study, draft_study
from pipeline.errors import BackendError, DraftFailed, SchemaError
from pipeline.records import DraftContent, Rating, Study, StudyProfile
from pipeline.settings import Settings

GOOD: dict[str, Any] = {
    "title": "Vitamin D and MS relapses",
    "key_takeaway": "Vitamin D may slightly lower relapse rates, but more research is needed.",
    "what_they_found": "People who took vitamin D had fewer relapses.",
    "who_should_care": "People with relapsing MS may find this interesting.",
    "important_considerations": "This was a small study.",
    "topics": ["vitamin D", "relapses", "supplements"],
    "interest": {"score": 4, "reason": "Common question."},
}
SCHEMA = strict_schema(DraftContent)
GRAMMAR_SCHEMA = grammar_schema(SCHEMA)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("PLS_", "OPENAI_")):
            monkeypatch.delenv(name)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat_server:
        yield chat_server


def settings_for(server: ChatServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "backend": "openai",
        "openai_base_url": server.base_url,
        "openai_api_key": "test",
        "request_timeout": 2.0,
        "max_attempts": 4,
        **overrides,
    }
    return Settings(**values)


def backend_for(server: ChatServer, waits: list[float], **overrides: Any) -> OpenAIBackend:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return OpenAIBackend(settings_for(server, **overrides), sleep=waits.append, asleep=record)


def request_for(marker: str = "") -> DraftRequest:
    study = Study(id=f"pmid:{marker or 1}", title=f"Study {marker}", abstract="We gave vitamin D.")
    profile = StudyProfile(
        design="rct", species="people", credibility=Rating(score=4, reason="randomised")
    )
    messages = [
        {"role": "system", "content": "You write plain-language summaries."},
        {"role": "user", "content": f"Summarise study {marker} as JSON."},
    ]
    return DraftRequest(study=study, profile=profile, messages=messages)


def formats(server: ChatServer) -> list[str]:
    return [r.body["response_format"]["type"] for r in server.requests]


# (a) llama-cpp-python: json_schema answered with HTTP 500 ---------------------------------------


def test_llama_cpp_500_on_json_schema_falls_back_at_once_and_is_remembered(server) -> None:
    server.profile = "llama_cpp"
    server.default = lambda body: Reply(GOOD)
    waits: list[float] = []
    backend = backend_for(server, waits)

    reply = backend.complete(request_for())
    assert reply.content.title == GOOD["title"]
    assert formats(server) == ["json_schema", "json_object"]  # detected on the first 500
    assert waits == []  # no retries, no backoff for it
    assert reply.usage.attempts == 2

    backend.complete(request_for("two"))
    asyncio.run(backend.acomplete(request_for("three")))
    assert formats(server)[2:] == ["json_object", "json_object"]


def test_llama_cpp_500_is_learned_once_for_a_whole_async_batch(server) -> None:
    server.profile = "llama_cpp"
    server.default = lambda body: Reply(GOOD)
    server.latency = 0.05
    waits: list[float] = []
    backend = backend_for(server, waits)

    async def many() -> list:
        replies = await asyncio.gather(*(backend.acomplete(request_for(f"S{i}")) for i in range(6)))
        await backend.acomplete(request_for("after"))
        return replies

    replies = asyncio.run(many())
    assert all(r.content.title == GOOD["title"] for r in replies)
    assert waits == []
    for i in range(6):
        sent = [
            r.body["response_format"]["type"]
            for r in server.requests
            if f"study S{i} " in json.dumps(r.body["messages"])
        ]
        # Each study met the 500 at most once (those in flight when it was learned), then
        # JSON mode; none of them failed or retried it.
        assert sent[-1] == "json_object" and sent.count("json_schema") <= 1, sent
    assert formats(server)[-1] == "json_object"


def test_json_schema_setting_fails_the_llama_cpp_500_at_once_in_one_line(server) -> None:
    server.profile = "llama_cpp"
    waits: list[float] = []
    with pytest.raises(BackendError) as caught:
        backend_for(server, waits, structured_outputs="json_schema").complete(request_for())
    message = str(caught.value)
    assert len(server.requests) == 1 and waits == []
    assert "rejected the response format (500; PLS_STRUCTURED_OUTPUTS=json_schema)" in message
    assert "\n" not in message and message.endswith("…")
    whole = " ".join(LLAMA_CPP_REJECT_JSON_SCHEMA["error"]["message"].split())
    assert_whole_words(message.split("json_schema): ", 1)[1], whole)


def assert_whole_words(cut: str, text: str) -> None:
    """`cut` is `text`'s first words, whole (trailing punctuation may go), then an ellipsis."""
    kept, words = cut.removesuffix("…").split(), text.split()
    assert kept[:-1] == words[: len(kept) - 1], (cut, text)
    assert kept[-1] == words[len(kept) - 1].rstrip(",;:-"), (cut, text)


@pytest.mark.parametrize("limit", [20, 37, 64, 120, 199])
def test_error_text_is_never_cut_mid_word(limit: int) -> None:
    text = " ".join(LLAMA_CPP_REJECT_JSON_SCHEMA["error"]["message"].split())
    cut = shorten(text, limit)
    assert len(cut) <= limit and cut.endswith("…")
    assert_whole_words(cut, text)
    error = BackendError("x " * 10 + "supercalifragilistic")
    assert one_line(error, 30) == "x x x x x x x x x x…"


# (b) JSON mode with the schema in response_format -------------------------------------------------


def test_json_mode_sends_the_schema_in_response_format_not_in_the_prompt(server) -> None:
    server.profile = "llama_cpp"
    server.default = lambda body: Reply(GOOD)
    backend_for(server, []).complete(request_for())
    assert server.json_mode_schemas == [GRAMMAR_SCHEMA]
    sent = server.requests[-1].body
    assert sent["response_format"] == {"type": "json_object", "schema": GRAMMAR_SCHEMA}
    # llama.cpp grammars skip minimum/maximum but enforce enum: the score is an enum there.
    score = GRAMMAR_SCHEMA["$defs"]["Rating"]["properties"]["score"]
    assert score["enum"] == [1, 2, 3, 4, 5] and score["maximum"] == 5
    notes = [m["content"] for m in sent["messages"] if m["role"] == "system"]
    assert notes[-1] == JSON_SHAPE
    assert "$defs" not in json.dumps(sent["messages"])  # no schema in the prompt to echo


def test_a_server_refusing_a_schema_in_json_mode_gets_plain_json_mode(server) -> None:
    refusal = {"error": {"message": "response_format: unknown field 'schema'", "type": "invalid"}}
    server.enqueue(Fault(400, body=refusal))
    server.default = lambda body: Reply(GOOD)
    backend = backend_for(server, [], structured_outputs="json_object")
    backend.complete(request_for())
    backend.complete(request_for("two"))
    assert [r.body["response_format"] for r in server.requests] == [
        {"type": "json_object", "schema": GRAMMAR_SCHEMA},
        {"type": "json_object"},
        {"type": "json_object"},
    ]
    note = server.requests[1].body["messages"][1]["content"]
    assert note.startswith(JSON_SHAPE) and json.loads(note[note.index("{") :]) == SCHEMA


# (c) a model that echoes the schema back ------------------------------------------------------


def test_an_echoed_schema_is_re_asked_once_then_a_schema_error(server) -> None:
    server.profile = "llama_cpp"
    server.default = EchoSchema()
    with pytest.raises(SchemaError, match="JSON schema echoed back") as caught:
        backend_for(server, []).complete(request_for())
    assert formats(server) == ["json_schema", "json_object", "json_object"]
    follow_up = server.requests[2].body["messages"][-1]["content"]
    assert "repeats the JSON schema" in follow_up
    assert caught.value.usage.completion_tokens == 160  # both echoes were paid for


def test_an_echo_then_a_real_summary_is_a_draft(server) -> None:
    server.enqueue(Reply(SCHEMA), Reply(GOOD))
    reply = backend_for(server, [], structured_outputs="json_object").complete(request_for())
    assert reply.content.title == GOOD["title"] and len(server.requests) == 2


def test_raw_line_breaks_inside_strings_are_read(server) -> None:
    # SmolLM2 on llama.cpp wrote a literal newline inside a string, which strict JSON refuses.
    raw = json.dumps(GOOD).replace("more research is needed.", "more research\nis needed.")
    with pytest.raises(ValueError):
        json.loads(raw)  # a literal line break inside a string
    server.enqueue(Reply(raw))
    reply = backend_for(server, [], structured_outputs="json_object").complete(request_for())
    assert reply.content.key_takeaway.endswith("more research\nis needed.")
    assert len(server.requests) == 1  # no re-ask needed


# failed calls keep their tokens, through the drafting loop ----------------------------------------


def test_a_failed_call_keeps_the_tokens_the_server_reported(server) -> None:
    server.enqueue(
        Reply("{not json", prompt_tokens=700, model="tiny.gguf"),
        Reply("{still not", prompt_tokens=750, model="tiny.gguf"),
    )
    settings = settings_for(server)
    with pytest.raises(DraftFailed) as caught:
        draft_study(make_study(TRIAL_ABSTRACT), make_profile(), OpenAIBackend(settings), settings)
    (call,) = caught.value.calls
    assert not call.ok and call.error.startswith("invalid_output: reply is not valid JSON")
    assert (call.usage.prompt_tokens, call.usage.completion_tokens) == (1450, 160)
    assert call.usage.attempts == 2 and call.usage.latency_ms > 0
    assert call.model == "tiny.gguf"  # priced (here: not at all) as the model that answered


def test_a_re_ask_that_times_out_keeps_the_first_replys_tokens_and_model(server) -> None:
    server.enqueue(Reply("{not json", prompt_tokens=700, model="tiny.gguf"), Hang(5), Hang(5))
    settings = settings_for(server, request_timeout=0.3, max_attempts=2)
    with pytest.raises(DraftFailed, match="timed out") as caught:
        draft_study(make_study(TRIAL_ABSTRACT), make_profile(), OpenAIBackend(settings), settings)
    (call,) = caught.value.calls
    assert (call.usage.prompt_tokens, call.usage.attempts, call.model) == (700, 3, "tiny.gguf")


# (d) a model that returns the same draft to every revise round ----------------------------------


def test_the_same_draft_twice_never_resends_the_same_bytes(server) -> None:
    server.default = SameDraft(GOOD)  # fails the house checks, every time the same
    settings = settings_for(server, revise_rounds=4)
    backend = OpenAIBackend(settings)
    record = asyncio.run(
        adraft_study(make_study(TRIAL_ABSTRACT), make_profile(), backend, settings)
    )

    bodies = [json.dumps(r.body, sort_keys=True) for r in server.requests]
    assert len(bodies) == len(set(bodies)) == 3  # draft, revise, revise told it repeated itself
    assert "repeated your earlier draft (attempt 1) unchanged" in bodies[2]
    assert "repeated your earlier draft" not in bodies[1]
    assert record.status == "needs_attention" and len(record.attempts) == 3
    stopped = record.failed_calls[-1]
    assert stopped.error.startswith("not_sent: attempt 4 would repeat the request of attempt 3")
    assert stopped.usage.attempts == 0
    assert re.search(r"best draft so far", stopped.error)
