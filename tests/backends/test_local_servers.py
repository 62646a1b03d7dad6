"""Settings for servers on this machine (slow, one request at a time) and cost by model price."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from chat_server import ChatServer, Reply
from helpers import GOOD_REPLY as GOOD
from helpers import clean_environment, corpus_rows

from pipeline.backends import OpenAIBackend
from pipeline.batch import run_batch, write_run_report
from pipeline.cli.batch import enqueue
from pipeline.settings import MODEL_PRICES, Settings, is_local_url

clean_env = pytest.fixture(autouse=True)(clean_environment)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8080/v1", True),
        ("http://127.0.0.1:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("http://gpu-box.local:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://example.org/v1", False),
        (None, False),
    ],
)
def test_local_urls(url: str | None, local: bool) -> None:
    assert is_local_url(url) is local


def test_a_local_server_gets_slow_server_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    settings = Settings()
    assert (
        (settings.request_timeout, settings.study_deadline, settings.concurrency)
        == (
            settings.local_request_timeout,
            settings.local_study_deadline,
            settings.local_concurrency,
        )
        == (600.0, 3600.0, 1)
    )
    assert OpenAIBackend(settings).client.timeout.read == 600.0
    # What was set wins, from the environment, the constructor or a flag.
    monkeypatch.setenv("PLS_REQUEST_TIMEOUT", "45")
    assert Settings().request_timeout == 45.0
    assert Settings(concurrency=3).concurrency == 3
    assert Settings().model_copy(update={"concurrency": 5}).concurrency == 5
    monkeypatch.setenv("PLS_LOCAL_REQUEST_TIMEOUT", "1200")
    monkeypatch.delenv("PLS_REQUEST_TIMEOUT")
    assert Settings().request_timeout == 1200.0


def test_a_remote_server_keeps_the_usual_defaults() -> None:
    settings = Settings(openai_base_url="https://api.openai.com/v1")
    assert (settings.request_timeout, settings.study_deadline, settings.concurrency) == (
        60.0,
        600.0,
        8,
    )


def test_prices_are_a_table_keyed_by_model_and_unknown_models_have_no_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    assert settings.prices_for("gpt-4o-mini") == MODEL_PRICES["gpt-4o-mini"]
    assert settings.prices_for("gpt-4o-mini-2024-07-18") == MODEL_PRICES["gpt-4o-mini"]
    assert settings.prices_for("gpt-4o") != settings.prices_for("gpt-4o-mini")
    assert settings.prices_for("/models/SmolLM2-135M-Instruct.Q4_1.gguf") is None
    assert settings.cost_usd("llama3.1", 1000, 0, 500) is None
    assert settings.cost_usd("llama3.1", 0, 0, 0) == 0.0  # nothing spent, nothing to price
    expected = (800 * 0.15 + 200 * 0.075 + 500 * 0.60) / 1e6
    assert settings.cost_usd("gpt-4o-mini", 1000, 200, 500) == pytest.approx(expected)
    monkeypatch.setenv("PLS_MODEL_PRICES", json.dumps({"llama3.1": [0.1, 0.05, 0.2]}))
    assert Settings().prices_for("llama3.1") == (0.1, 0.05, 0.2)
    # One price set for every model (e.g. a provider's own rates).
    assert Settings(input_price_per_mtok=1.0, output_price_per_mtok=2.0).prices_for("x") == (
        1.0,
        1.0,
        2.0,
    )
    assert Settings(output_price_per_mtok=2.0).prices_for("gpt-4o-mini") == (0.15, 0.075, 2.0)
    assert Settings(output_price_per_mtok=2.0).prices_for("unknown") is None


def test_a_local_server_is_never_priced_at_list_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    # llama-cpp-python answers under the model name it was sent, gpt-4o-mini by default.
    local = Settings(openai_base_url="http://127.0.0.1:8080/v1")
    assert local.prices_for("gpt-4o-mini") is None
    assert local.cost_usd("gpt-4o-mini", 94_318, 0, 10_512) is None
    monkeypatch.setenv("PLS_MODEL_PRICES", json.dumps({"gpt-4o-mini": [0.15, 0.075, 0.6]}))
    assert Settings(openai_base_url="http://127.0.0.1:8080/v1").prices_for("gpt-4o-mini")
    remote = Settings(openai_base_url="https://llm.example.org/v1")
    assert remote.prices_for("gpt-4o-mini") == MODEL_PRICES["gpt-4o-mini"]


def test_a_batch_on_a_model_with_no_price_reports_cost_unknown(tmp_path: Path) -> None:
    rows = [r for r in corpus_rows() if r["file"].startswith("plaba")][:2]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "s.jsonl").write_text(
        "\n".join(json.dumps({"title": r["title"], "abstract": r["abstract"]}) for r in rows)
    )
    with ChatServer() as server:
        # As llama-cpp-python does: the reply names the model it was sent (gpt-4o-mini).
        server.default = lambda body: Reply(GOOD)
        settings = Settings(
            backend="openai",
            openai_base_url=server.base_url,
            openai_api_key="x",
            outputs=tmp_path / "out",
            revise_rounds=0,
        )
        assert settings.concurrency == 1  # a local server
        enqueue(tmp_path / "in", settings, force=False)
        report = asyncio.run(run_batch(settings, OpenAIBackend(settings)))
    assert report.progress.done == 2 and report.progress.prompt_tokens == 240
    assert report.progress.cost_usd is None
    md, js = write_run_report(report, settings)
    assert json.loads(js.read_text())["cost_usd"] is None
    assert "| estimated cost | n/a" in md.read_text()


def test_a_local_server_that_echoes_the_default_name_is_recorded_as_the_model_it_serves(
    tmp_path: Path,
) -> None:
    """llama-cpp-python answers as whatever model it was sent ("gpt-4o-mini" by default), so
    the AI-use line once said "Drafted by gpt-4o-mini" for SmolLM2: the backend asks the
    server's /v1/models once and records the model it lists."""
    with ChatServer() as server:
        server.models = ["/models/SmolLM2-135M-Instruct.Q4_1.gguf"]
        server.default = lambda body: Reply(GOOD)
        settings = Settings(backend="openai", openai_base_url=server.base_url, openai_api_key="x")
        backend = OpenAIBackend(settings)
        first = backend.complete_messages([{"role": "user", "content": "a"}])
        second = backend.complete_messages([{"role": "user", "content": "b"}])
        assert server.bodies[0]["model"] == "gpt-4o-mini"  # sent as before
        named = Settings(
            backend="openai", openai_base_url=server.base_url, openai_api_key="x", model="mine"
        )
        third = OpenAIBackend(named).complete_messages([{"role": "user", "content": "c"}])
    assert first.model == second.model == "SmolLM2-135M-Instruct.Q4_1" and server.models_asked == 1
    assert third.model == "mine"  # a model the user named is what the server was asked for
