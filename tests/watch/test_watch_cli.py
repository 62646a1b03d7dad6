"""`pls watch …` end to end against the doubles: add → run twice (the second queues nothing) →
`pls batch` → the digest lists the drafts; parked studies promoted; the digest mailed to a
local SMTP server."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from watch_server import WatchServer

from pipeline.cli import app
from pipeline.settings import Settings
from pipeline.store import Store

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, server: WatchServer, monkeypatch: pytest.MonkeyPatch) -> dict:
    for name in ("PLS_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "PLS_OUTPUTS": str(settings.outputs),
        "PLS_EUTILS_URL": server.url,
        "PLS_BACKEND": "offline",
        "PLS_REVISE_ROUNDS": "0",
        "PLS_REVIEW_URL": "https://review.example/",
    }
    if settings.database_url:
        values["PLS_DATABASE_URL"] = settings.database_url
    return values


def pls(env: dict, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_add_run_twice_batch_digest(env: dict, settings: Settings) -> None:
    code, out = pls(env, "watch", "add", "ms", "--pubmed", "multiple sclerosis[tiab]")
    assert code == 0, out
    code, out = pls(env, "watch", "run")
    assert code == 0, out
    first = re.search(r"ms: ok: (.*)", out)
    assert first and "6 queued" in first[1]
    code, out = pls(env, "watch", "run", "ms")
    assert code == 0 and "ms: ok: 30 seen before" in out, out
    empty = Path(settings.outputs).parent / "no-files"  # the queue alone: what the watch took in
    empty.mkdir()
    code, out = pls(env, "batch", str(empty))
    with Store(settings.database) as store:
        states = {row["state"] for row in store.studies()}
        drafted = [row for row in store.studies() if row["state"] in ("needs_review",)]
        parked = store.studies("parked")
    assert "queued" not in states and len(drafted) == 6, out
    assert parked and "drafting" not in states  # batch never drafted a parked study
    code, out = pls(env, "watch", "digest", "--since", "1d")
    assert code == 0, out
    markdown = Path(out.split()[0]).read_text()
    assert "## Drafted, waiting for review" in markdown
    for row in drafted:
        assert f"(https://review.example/study/{row['id']})" in markdown
    html = Path(out.split()[1]).read_text()
    assert html.count('<li><a href="https://review.example/study/') >= len(drafted) + len(parked)
    code, out = pls(env, "watch", "list", "--json")
    assert '"last_success"' in out and '"status": "ok"' in out


def test_a_parked_study_is_promoted_and_then_drafted(env: dict, settings: Settings) -> None:
    pls(env, "watch", "add", "ms", "--pubmed", "ms")
    pls(env, "watch", "run")
    with Store(settings.database) as store:
        parked = store.studies("parked")[0]["id"]
    code, out = pls(env, "watch", "promote", parked)
    assert code == 1 and "reviewer name is required" in out
    code, out = pls(env, "watch", "promote", parked, "--reviewer", "Ana", "--note", "on topic")
    assert code == 0, out
    with Store(settings.database) as store:
        assert store.state(parked) == "queued"
        assert store.reviews(parked)[-1]["action"] == "promote"
        assert store.events(parked)[-1]["actor"] == "Ana"
    code, out = pls(env, "watch", "promote", parked, "--reviewer", "Ana")
    assert code == 1 and "only a parked study" in out


@pytest.mark.parametrize(
    "args, problem",
    [
        (["watch", "add", "x"], "one of --pubmed"),
        (["watch", "add", "x", "--pubmed", "q", "--feed", "http://a/"], "one of --pubmed"),
        (["watch", "add", "x", "--feed", "file:///etc/passwd"], "http:// or https://"),
        (["watch", "add", "../x", "--pubmed", "q"], "letters, digits"),
        (["watch", "add", "x", "--pubmed", "\x00"], "printable"),
        (["watch", "run", "nope"], "no watch named 'nope'"),
        (["watch", "digest", "--since", "soon"], "2d, 12h, 1w"),
    ],
)
def test_bad_usage_is_one_line(env: dict, args: list[str], problem: str) -> None:
    pls(env, "watch", "add", "seed", "--pubmed", "ms")
    code, out = pls(env, *args)
    assert code in (1, 2) and problem in " ".join(out.split()), out
    assert "Traceback" not in out


def test_a_second_watch_of_the_same_name_is_refused(env: dict) -> None:
    assert pls(env, "watch", "add", "ms", "--pubmed", "ms")[0] == 0
    code, out = pls(env, "watch", "add", "ms", "--feed", "https://j.example/rss")
    assert code == 1 and "exists" in out
    assert pls(env, "watch", "remove", "ms")[0] == 0
    assert "No watches" in pls(env, "watch", "list")[1]


@pytest.fixture
def smtp() -> Iterator[list]:
    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd checks its own port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    received.append(port)
    try:
        yield received
    finally:
        controller.stop()


def test_the_digest_is_mailed_through_smtp(env: dict, smtp: list) -> None:
    port = smtp.pop(0)
    pls(env, "watch", "add", "ms", "--pubmed", "ms")
    pls(env, "watch", "run")
    mail_env = env | {
        "PLS_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "PLS_MAIL_TO": "editor@example.org, desk@example.org",
    }
    code, out = pls(mail_env, "watch", "digest", "--mail")
    assert code == 0, out
    assert "mailed to editor@example.org, desk@example.org" in out
    (envelope,) = smtp
    assert envelope.rcpt_tos == ["editor@example.org", "desk@example.org"]
    body = envelope.content.decode()
    assert "Watch digest since" in body and "text/html" in body


def test_a_mail_that_cannot_go_is_one_line(env: dict) -> None:
    pls(env, "watch", "add", "ms", "--pubmed", "ms")
    bad = env | {"PLS_SMTP_URL": "smtp://user:SECRET@127.0.0.1:9", "PLS_MAIL_TO": "a@b.c"}
    code, out = pls(bad, "watch", "digest", "--mail")
    assert code == 1 and "the digest was not sent" in out and "SECRET" not in out
    code, out = pls(env | {"PLS_MAIL_TO": "a@b.c"}, "watch", "digest", "--mail")
    assert code == 1 and "no SMTP server set" in out
