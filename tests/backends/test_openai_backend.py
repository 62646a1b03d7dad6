"""OpenAIBackend through the real openai SDK against a local Chat Completions server.

Nothing is mocked below the backend: requests cross a real socket, so retries, timeouts and
headers behave as in production. Waits go to an injected `sleep` that only records them.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from chat_server import ChatServer, Drop, Fault, Hang, Reply, completion_body
from pydantic import BaseModel

from pipeline.backends import DraftRequest, OpenAIBackend, make_backend
from pipeline.backends.openai import strict_schema
from pipeline.backends.openai_protocol import JSON_SHAPE, grammar_schema
from pipeline.errors import (
    BackendError,
    ContentFilterError,
    RefusalError,
    SchemaError,
    TransientBackendError,
    TruncatedError,
)
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
MESSAGES = [
    {"role": "system", "content": "You write plain-language summaries."},
    {"role": "user", "content": "Summarise this abstract as JSON."},
]


def error_body(message: str, code: str | None = None, type_: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings read PLS_* and OPENAI_* from the environment; a developer's shell must not leak in.
    for name in os.environ:
        if name.startswith(("PLS_", "OPENAI_")):
            monkeypatch.delenv(name)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat_server:
        yield chat_server


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def request_() -> DraftRequest:
    study = Study(id="pmid:1", title="Vitamin D in MS", abstract="We gave vitamin D to people.")
    profile = StudyProfile(
        design="rct", species="people", credibility=Rating(score=4, reason="randomised")
    )
    return DraftRequest(study=study, profile=profile, messages=MESSAGES)


def backend_settings(server: ChatServer, **overrides: Any) -> Settings:
    """Settings for a backend pointed at the local server, with tight test timeouts."""
    values: dict[str, Any] = {
        "backend": "openai",
        "openai_base_url": server.base_url,
        "openai_api_key": "test",
        "request_timeout": 0.3,
        "connect_timeout": 1.0,
        "max_attempts": 3,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def make(server: ChatServer, waits: list[float]) -> Callable[..., OpenAIBackend]:
    def build(**overrides: Any) -> OpenAIBackend:
        return OpenAIBackend(backend_settings(server, **overrides), sleep=waits.append)

    return build


def test_success_sends_strict_schema_and_records_usage(server, make, request_) -> None:
    server.enqueue(Reply(GOOD, prompt_tokens=321, completion_tokens=123, cached_tokens=64))
    backend = make()

    reply = backend.complete(request_)

    assert reply.content == DraftContent.model_validate(GOOD)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (321, 123)
    assert reply.usage.cached_tokens == 64
    assert reply.usage.latency_ms > 0
    assert reply.model == "gpt-4o-mini"
    assert len(server.requests) == 1 and backend.last_attempts == 1
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer test"
    assert sent.body["model"] == "gpt-4o-mini"
    assert sent.body["messages"] == MESSAGES
    assert sent.body["max_tokens"] == 1800 and "max_completion_tokens" not in sent.body
    assert sent.body["temperature"] == 0.2
    fmt = sent.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "house_summary"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == strict_schema(DraftContent)


def test_reply_model_name_wins_over_settings(server, make, request_) -> None:
    server.enqueue(Reply(GOOD, model="llama3.1:8b-instruct"))
    assert make().complete(request_).model == "llama3.1:8b-instruct"


def test_strict_schema_closes_every_object_and_requires_every_key() -> None:
    class Inner(BaseModel):
        n: int = 3

    class Outer(BaseModel):
        """Developer notes that must not reach the model."""

        name: str
        properties: list[Inner] = []  # a field named like a schema keyword
        inner: Inner | None = None

    schema = strict_schema(Outer)

    def objects(node: Any) -> Iterator[dict]:
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    for sub in value.values():
                        yield from objects(sub)
                else:
                    yield from objects(value)
        elif isinstance(node, list):
            for item in node:
                yield from objects(item)

    found = list(objects(schema))
    assert len(found) == 2
    for obj in found:
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
    assert "default" not in json.dumps(schema)
    assert "description" not in schema
    assert strict_schema(DraftContent)["$defs"]["Rating"]["properties"]["score"]["maximum"] == 5


def test_retry_after_seconds_is_honoured(server, make, waits, request_) -> None:
    server.enqueue(Fault(429, headers={"Retry-After": "1"}), Reply(GOOD))
    backend = make()
    assert backend.complete(request_).content.title == GOOD["title"]
    assert waits == [1.0]
    assert len(server.requests) == 2 and backend.last_attempts == 2


def test_retry_after_ms_wins_over_retry_after(server, make, waits, request_) -> None:
    server.enqueue(Fault(429, headers={"retry-after-ms": "250", "Retry-After": "9"}), Reply(GOOD))
    make().complete(request_)
    assert waits == [0.25]
    assert len(server.requests) == 2


def test_retry_after_http_date(server, make, waits, request_) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    server.enqueue(Fault(503, headers={"Retry-After": when}), Reply(GOOD))
    make().complete(request_)
    assert len(waits) == 1 and 1.0 < waits[0] <= 3.0
    assert len(server.requests) == 2


def test_retry_after_longer_than_max_backoff_fails_at_once(server, make, waits, request_) -> None:
    server.enqueue(Fault(429, headers={"Retry-After": "120"}), Reply(GOOD))
    with pytest.raises(TransientBackendError, match="PLS_MAX_BACKOFF"):
        make(max_backoff=30).complete(request_)
    assert waits == []
    assert len(server.requests) == 1


def test_insufficient_quota_is_not_retried(server, make, waits, request_) -> None:
    quota = "insufficient_quota"
    body = error_body("You exceeded your current quota.", quota, quota)
    server.enqueue(Fault(429, body=body), Reply(GOOD))
    with pytest.raises(BackendError, match="quota") as caught:
        make().complete(request_)
    assert not isinstance(caught.value, TransientBackendError)
    assert len(server.requests) == 1 and waits == []


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(server, make, request_, status) -> None:
    server.enqueue(Fault(status), Reply(GOOD))
    assert make().complete(request_).content.topics == GOOD["topics"]
    assert len(server.requests) == 2


def test_server_errors_back_off_with_full_jitter(server, make, waits, request_) -> None:
    server.enqueue(Fault(500), Fault(502), Reply(GOOD))
    backend = make(max_backoff=0.8)
    backend.complete(request_)
    assert len(server.requests) == 3 and backend.last_attempts == 3
    assert len(waits) == 2 and 0 <= waits[0] <= 0.5 and 0 <= waits[1] <= 0.8
    # Our loop is the only one: the SDK never retries on its own.
    assert {r.headers["x-stainless-retry-count"] for r in server.requests} == {"0"}


def test_gives_up_after_max_attempts(server, make, waits, request_) -> None:
    server.enqueue(*[Fault(500, body=error_body("upstream exploded", type_="server_error"))] * 5)
    with pytest.raises(TransientBackendError, match="after 3 attempts: upstream exploded"):
        make(max_attempts=3).complete(request_)
    assert len(server.requests) == 3 and len(waits) == 2


@pytest.mark.parametrize(
    ("status", "match"),
    [
        (400, "rejected the request \\(400\\): bad field"),
        (401, "authentication failed: check OPENAI_API_KEY"),
        (403, "permission denied"),
        (404, "not found"),
        (422, "rejected the request \\(422\\): bad field"),
    ],
)
def test_client_errors_are_not_retried(server, make, waits, request_, status, match) -> None:
    server.enqueue(Fault(status, body=error_body("bad field")), Reply(GOOD))
    with pytest.raises(BackendError, match=match) as caught:
        make(structured_outputs="json_schema").complete(request_)
    assert not isinstance(caught.value, TransientBackendError)
    assert len(server.requests) == 1 and waits == []


def test_x_should_retry_false_is_obeyed(server, make, waits, request_) -> None:
    server.enqueue(Fault(503, headers={"x-should-retry": "false"}), Reply(GOOD))
    with pytest.raises(TransientBackendError, match="503"):
        make().complete(request_)
    assert len(server.requests) == 1 and waits == []


def test_read_timeout_then_success(server, make, request_) -> None:
    server.enqueue(Hang(5), Reply(GOOD))
    backend = make(request_timeout=0.3)
    assert backend.complete(request_).content.title == GOOD["title"]
    assert len(server.requests) == 2


def test_timeouts_every_time(server, make, request_) -> None:
    server.enqueue(Hang(5), Hang(5))
    with pytest.raises(TransientBackendError, match=r"timed out .* after 2 attempts"):
        make(request_timeout=0.2, max_attempts=2).complete(request_)
    assert len(server.requests) == 2


def test_dropped_connection_then_success(server, make, request_) -> None:
    server.enqueue(Drop(), Reply(GOOD))
    assert make().complete(request_).content.title == GOOD["title"]
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "not valid JSON"),
        ({"title": "only a title"}, "does not match the draft schema .*key_takeaway"),
        ({**GOOD, "credibility": {"score": 5, "reason": "x"}}, "credibility"),
        ({**GOOD, "interest": {"score": 9, "reason": "x"}}, "interest.score"),
        ("   ", "empty"),
    ],
)
def test_unusable_content_is_asked_for_once_more_then_a_schema_error(
    server, make, request_, content, match
) -> None:
    server.enqueue(Reply(content), Reply(content), Reply(GOOD))
    with pytest.raises(SchemaError, match=match) as caught:
        make().complete(request_)
    assert len(server.requests) == 2  # one re-ask, never a third request
    # The tokens both replies cost stay on the error, for the failed call's record.
    spent = caught.value.usage
    assert (spent.prompt_tokens, spent.completion_tokens, spent.attempts) == (240, 160, 2)


def test_the_re_ask_sends_the_reply_and_its_validation_errors(server, make, request_) -> None:
    server.enqueue(Reply({"title": "only a title"}, prompt_tokens=100), Reply(GOOD))
    reply = make().complete(request_)
    assert reply.content.title == GOOD["title"]
    assert (reply.usage.prompt_tokens, reply.usage.attempts) == (220, 2)
    first, second = (r.body["messages"] for r in server.requests)
    assert second[: len(first)] == first
    assistant, follow_up = second[len(first) :]
    assert assistant == {"role": "assistant", "content": json.dumps({"title": "only a title"})}
    assert follow_up["role"] == "user"
    assert "key_takeaway: Field required" in follow_up["content"]
    assert "Do not repeat the schema" in follow_up["content"]


def test_fenced_json_is_accepted(server, make, request_) -> None:
    server.enqueue(Reply("```json\n" + json.dumps(GOOD) + "\n```"))
    assert make().complete(request_).content.title == GOOD["title"]


def test_refusal(server, make, request_) -> None:
    server.enqueue(Reply(None, refusal="I can't help with that request."))
    with pytest.raises(RefusalError, match="model refused: I can't help"):
        make().complete(request_)
    assert len(server.requests) == 1


def test_truncated_reply(server, make, request_) -> None:
    server.enqueue(Reply('{"title": "cut', finish_reason="length"))
    with pytest.raises(TruncatedError, match=r"max tokens \(1800\); raise PLS_MAX_OUTPUT_TOKENS"):
        make().complete(request_)
    assert len(server.requests) == 1


def test_content_filter(server, make, request_) -> None:
    server.enqueue(Reply(None, finish_reason="content_filter"))
    with pytest.raises(ContentFilterError):
        make().complete(request_)
    assert len(server.requests) == 1


def test_falls_back_to_json_mode_and_remembers(server, make, request_) -> None:
    server.reject_json_schema = True
    server.default = lambda body: Reply(GOOD)
    backend = make()

    assert backend.complete(request_).content.title == GOOD["title"]
    first, second = (r.body for r in server.requests)
    assert first["response_format"]["type"] == "json_schema"
    # JSON mode carries the schema in response_format (llama.cpp servers enforce it by grammar)
    assert second["response_format"] == {
        "type": "json_object",
        "schema": grammar_schema(strict_schema(DraftContent)),
    }
    assert [m["role"] for m in second["messages"]] == ["system", "system", "user"]
    note = second["messages"][1]["content"]
    assert note == JSON_SHAPE and '"properties"' not in json.dumps(second["messages"])

    backend.complete(request_)
    assert len(server.requests) == 3
    assert server.requests[2].body["response_format"]["type"] == "json_object"


def test_json_object_setting_skips_json_schema(server, make, request_) -> None:
    server.enqueue(Reply(GOOD))
    make(structured_outputs="json_object").complete(request_)
    assert server.requests[0].body["response_format"]["type"] == "json_object"
    assert server.json_mode_schemas == [grammar_schema(strict_schema(DraftContent))]


def test_json_schema_setting_never_falls_back(server, make, request_) -> None:
    server.reject_json_schema = True
    with pytest.raises(BackendError, match="json_schema is not supported"):
        make(structured_outputs="json_schema").complete(request_)
    assert len(server.requests) == 1


def test_unrelated_400_does_not_switch_to_json_mode_for_good(server, make, request_) -> None:
    too_long = error_body("the request exceeds the available context size")
    server.enqueue(Fault(400, body=too_long), Fault(400, body=too_long), Reply(GOOD))
    backend = make()
    with pytest.raises(BackendError, match="context size"):
        backend.complete(request_)
    assert len(server.requests) == 2
    backend.complete(request_)
    assert server.requests[2].body["response_format"]["type"] == "json_schema"


def test_switches_to_max_completion_tokens_when_asked(server, make, request_) -> None:
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    server.enqueue(Fault(400, body=error_body(message, "unsupported_parameter")), Reply(GOOD))
    backend = make()
    backend.complete(request_)
    retried = server.requests[1].body
    assert retried["max_completion_tokens"] == 1800 and "max_tokens" not in retried
    assert retried["response_format"]["type"] == "json_schema"


def test_drops_temperature_for_models_that_refuse_it(server, make, request_) -> None:
    message = "Unsupported value: 'temperature' does not support 0.2 with this model."
    server.enqueue(Fault(400, body=error_body(message, "unsupported_value")), Reply(GOOD))
    reply = make().complete(request_)
    assert "temperature" not in server.requests[1].body
    assert reply.usage.attempts == 2  # every HTTP request counts, the refused one too


def test_retries_are_counted_in_usage(server, make, request_) -> None:
    server.enqueue(Fault(500), Fault(502), Reply(GOOD))
    assert make().complete(request_).usage.attempts == 3


def test_client_is_built_without_sdk_retries() -> None:
    settings = Settings(backend="openai", request_timeout=12.0, connect_timeout=3.0)
    backend = make_backend(settings)
    assert isinstance(backend, OpenAIBackend)
    assert (backend.name, backend.model, backend.offline) == ("openai", "gpt-4o-mini", False)
    assert backend.client.max_retries == 0
    assert backend.client.api_key == "not-needed"
    assert str(backend.client.base_url).startswith("https://api.openai.com/v1")
    assert backend.client.timeout.read == 12.0 and backend.client.timeout.connect == 3.0


def test_non_json_200_is_a_backend_error(server, make, request_) -> None:
    server.enqueue(Fault(200, body="<html>captive portal</html>"), Reply(GOOD))
    with pytest.raises(BackendError, match="unexpected reply from"):
        make().complete(request_)
    assert len(server.requests) == 1


def test_missing_usage_counts_as_zero(server, make, request_) -> None:
    body = completion_body(Reply(GOOD), "local-model")
    del body["usage"]
    server.enqueue(Fault(200, body=body))
    reply = make().complete(request_)
    assert (reply.usage.prompt_tokens, reply.usage.cached_tokens) == (0, 0)
    assert reply.model == "local-model"


def test_json_mode_note_leads_when_there_is_no_system_message(server, make, request_) -> None:
    server.enqueue(Reply(GOOD))
    only_user = DraftRequest(request_.study, request_.profile, messages=[MESSAGES[1]])
    make(structured_outputs="json_object").complete(only_user)
    roles = [m["role"] for m in server.requests[0].body["messages"]]
    assert roles == ["system", "user"]


# The asynchronous path: same policy, awaited, sharing a rate limiter across a batch.


def amake(server: ChatServer, waits: list[float], **overrides: Any) -> OpenAIBackend:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return OpenAIBackend(backend_settings(server, **overrides), sleep=waits.append, asleep=record)


def test_async_success_and_usage(server, waits, request_) -> None:
    server.enqueue(Reply(GOOD, prompt_tokens=50, completion_tokens=20, cached_tokens=10))
    reply = asyncio.run(amake(server, waits).acomplete(request_))
    assert reply.content.title == GOOD["title"]
    assert (reply.usage.prompt_tokens, reply.usage.cached_tokens, reply.usage.attempts) == (
        50,
        10,
        1,
    )
    assert server.requests[0].body["response_format"]["type"] == "json_schema"


def test_async_retries_429_and_pauses_the_shared_limiter(server, waits, request_) -> None:
    from pipeline.backends import RateLimiter

    server.enqueue(Fault(429, headers={"Retry-After": "1"}), Reply(GOOD))
    backend = amake(server, waits)
    now = [time.monotonic()]
    limiter_waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        limiter_waits.append(seconds)
        now[0] += seconds

    async def run() -> None:
        backend.limiter = RateLimiter(6000, clock=lambda: now[0], sleep=fake_sleep)
        reply = await backend.acomplete(request_)
        assert reply.usage.attempts == 2

    asyncio.run(run())
    assert waits == [1.0] and len(server.requests) == 2
    # The 429 paused the shared limiter, so every worker's next request waits, not only this one.
    assert sum(limiter_waits) == pytest.approx(1.0, abs=0.05)


def test_async_errors_match_the_sync_path(server, waits, request_) -> None:
    server.enqueue(Reply(GOOD, finish_reason="length"))
    with pytest.raises(TruncatedError):
        asyncio.run(amake(server, waits).acomplete(request_))
    server.enqueue(Fault(500), Fault(500), Fault(500))
    with pytest.raises(TransientBackendError, match="after 3 attempts"):
        asyncio.run(amake(server, waits).acomplete(request_))
    server.enqueue(Fault(401, body=error_body("bad key")))
    with pytest.raises(BackendError, match="authentication failed"):
        asyncio.run(amake(server, waits).acomplete(request_))
