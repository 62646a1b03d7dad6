"""Credentials in OPENAI_BASE_URL never leave the process (issue 10, defect 18): not in
`pls settings`, not in error lines, not in the store's errors, events and calls, not in run
reports. Each test greps what it captured and every file under outputs/ for the secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat_server import ChatServer, Fault
from helpers import clean_environment, write_studies
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.settings import mask_secrets

SECRET = "s3cr3tPW"

clean_env = pytest.fixture(autouse=True)(clean_environment)


def with_credentials(base_url: str) -> str:
    """The test server's URL with a password in its userinfo (a key in its query would be sent
    on every path, which the server does not route; the server's reply quotes one instead)."""
    return base_url.replace("http://", f"http://user:{SECRET}@")


def leaked(outputs: Path, *captured: str) -> list[str]:
    """Where the secret turns up: a captured stream, or a file under outputs/ (byte for byte,
    the SQLite store and its journal included)."""
    found = [f"captured[{n}]" for n, text in enumerate(captured) if SECRET in text]
    if outputs.exists():
        found += [
            str(p) for p in outputs.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()
        ]
    return found


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://user:pw@host/v1", "http://****@host/v1"),
        ("https://host/v1?api_key=abc&model=x", "https://host/v1?api_key=****&model=x"),
        ("https://host/v1?x=1&token=abc#top", "https://host/v1?x=1&token=****#top"),
        ("https://host/v1?key=abc", "https://host/v1?key=****"),
        ('{"url": "http://u:p@h/?key=v"}', '{"url": "http://****@h/?key=****"}'),
        ("Authorization: Bearer abc.def", "Authorization: Bearer ****"),
        ("Incorrect API key provided: sk-abc123", "Incorrect API key provided: sk-****"),
        ("http://localhost:8080/v1 and a@b.org", "http://localhost:8080/v1 and a@b.org"),
    ],
)
def test_mask_secrets(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


def test_settings_masks_the_base_urls_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{SECRET}@example.test/v1?token={SECRET}")
    monkeypatch.setenv("COLUMNS", "300")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    assert "http://****@example.test/v1?token=****" in result.output


def test_failed_calls_never_store_report_or_print_the_credentials(tmp_path: Path) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, ["C01", "C02"])
    with ChatServer() as server:
        # The server refuses every request and quotes the URL back, as proxies do.
        server.default = lambda body: Fault(
            400, body={"error": {"message": f"bad request to http://h/v1?api_key={SECRET}"}}
        )
        result = CliRunner().invoke(
            app,
            ["batch", str(folder), "--backend", "openai", "--outputs", str(outputs)],
            env={
                "OPENAI_BASE_URL": with_credentials(server.base_url),
                "OPENAI_API_KEY": "test",
                "PLS_REVISE_ROUNDS": "0",
                "COLUMNS": "300",
            },
        )
        assert server.requests  # the calls were made, and failed
    assert result.exit_code == 1, result.output
    assert "2 failed" in result.output and "rejected the request (400)" in result.output
    assert "****@" in result.output
    assert (outputs / "runs").is_dir() and (outputs / "pls.sqlite3").is_file()
    assert leaked(outputs, result.output) == []


def test_an_unreachable_server_is_named_without_its_credentials(tmp_path: Path) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, ["U01"])
    with ChatServer() as server:
        url = with_credentials(server.base_url)
    # The server is closed now: every attempt is refused.
    result = CliRunner().invoke(
        app,
        ["batch", str(folder), "--backend", "openai", "--outputs", str(outputs)],
        env={
            "OPENAI_BASE_URL": url,
            "OPENAI_API_KEY": "test",
            "PLS_REVISE_ROUNDS": "0",
            "PLS_MAX_ATTEMPTS": "1",
            "COLUMNS": "300",
        },
    )
    assert result.exit_code == 1, result.output
    assert "could not reach" in result.output
    assert leaked(outputs, result.output) == []


def test_eval_reports_never_carry_the_credentials(tmp_path: Path) -> None:
    folder, outputs = tmp_path / "in", tmp_path / "out"
    write_studies(folder, ["V01"])
    with ChatServer() as server:
        server.default = lambda body: Fault(
            400, body={"error": {"message": f"bad request to http://h/v1?token={SECRET}"}}
        )
        result = CliRunner().invoke(
            app,
            [
                "eval",
                str(folder / "studies.jsonl"),
                "--backend",
                "openai",
                "--outputs",
                str(outputs),
            ],
            env={
                "OPENAI_BASE_URL": with_credentials(server.base_url),
                "OPENAI_API_KEY": "test",
                "PLS_REVISE_ROUNDS": "0",
                "COLUMNS": "300",
            },
        )
    assert result.exit_code == 1, result.output
    assert "rejected the request (400)" in result.output
    assert list(outputs.glob("eval/*/report.json"))
    assert leaked(outputs, result.output) == []
