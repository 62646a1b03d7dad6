"""The review app against a hostile network and a broken store (issue 10, defects 19 and 21 and
the web's store errors): short tokens refused, wrong logins throttled (an injected clock, no
sleeping), Secure cookies off loopback, slow clients let go, an abandoned body without a
traceback, a busy port in one line, and a broken store a 5xx naming the trouble, not a 404."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import GOOD_DRAFT, Scripted, form_csrf, seed
from markupsafe import escape
from starlette.testclient import TestClient
from typer.testing import CliRunner

from pipeline.cli import app as cli
from pipeline.errors import (
    OutputWriteError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreNotFoundError,
    StoreReadOnlyError,
    StoreVersionError,
)
from pipeline.settings import Settings
from pipeline.web import LoginThrottle, create_app, make_server
from pipeline.web.security import CSP

TOKEN = "a-long-enough-token-1234"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def login(client: TestClient, token: str) -> Any:
    data = {"csrf": form_csrf(client, "/login"), "token": token, "next": "/"}
    return client.post("/login", data=data, follow_redirects=False)


# -- defect 19: tokens, throttling, cookies ----------------------------------------------------


def test_wrong_logins_are_throttled_per_client_even_for_the_right_token(
    settings: Settings,
) -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=3, window=600, clock=clock)
    app = create_app(settings, token=TOKEN, backend=Scripted([GOOD_DRAFT]), throttle=throttle)
    client = TestClient(app)
    for _ in range(3):
        assert login(client, "guess").status_code == 401
    locked = login(client, TOKEN)  # the right token, but this address is locked out now
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) == 600
    assert "Too many wrong tokens from your address; try again in 10 min." in locked.text
    bearer = client.get("/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 429  # the bearer header is the same door

    clock.now += 300
    assert int(login(client, TOKEN).headers["retry-after"]) == 300
    clock.now += 301
    assert login(client, TOKEN).status_code == 303  # the window has passed
    assert client.get("/").status_code == 200
    assert throttle.wait("testclient") == 0


def test_wrong_bearer_tokens_count_as_wrong_logins(settings: Settings) -> None:
    throttle = LoginThrottle(limit=2, window=60, clock=Clock())
    app = create_app(settings, token=TOKEN, backend=Scripted([GOOD_DRAFT]), throttle=throttle)
    client = TestClient(app, follow_redirects=False)
    for _ in range(5):  # a proxy's own credentials are not guesses at the token
        assert client.get("/", headers={"Authorization": "Basic cHJveHk6eA=="}).status_code == 303
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    for _ in range(2):
        assert client.get("/", headers={"Authorization": "Bearer nope"}).status_code == 303
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 429


def test_the_throttle_forgets_old_failures_and_stays_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(limit=2, window=10, clock=clock, max_clients=3)
    throttle.failed("a")
    clock.now += 11
    throttle.failed("a")
    assert throttle.wait("a") == 0  # the first failure is out of the window
    for client in "bcde":
        throttle.failed(client)
    assert len(throttle._failures) <= 3


def test_a_token_or_csrf_with_any_characters_is_compared_not_a_500(settings: Settings) -> None:
    app = create_app(settings, token=TOKEN, backend=Scripted([GOOD_DRAFT]))
    client = TestClient(app, follow_redirects=False)
    assert login(client, "pässwörd-ünicode-😀").status_code == 401
    forged = client.post("/login", data={"csrf": "fälscht", "token": TOKEN})
    assert forged.status_code == 403
    latin1 = {"Authorization": "Bearer \xe9t\xe9".encode("latin-1")}  # as a client may send
    assert client.get("/", headers=latin1).status_code == 303


def test_session_cookies_are_secure_only_when_asked(settings: Settings) -> None:
    for secure in (False, True):
        app = create_app(settings, backend=Scripted([GOOD_DRAFT]), secure_cookies=secure)
        cookie = TestClient(app).get("/submit").headers["set-cookie"].lower()
        assert ("; secure" in cookie) is secure and "samesite=strict" in cookie


class Served:
    """What `pls serve` would have run: the uvicorn server and the sockets it was given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import uvicorn

        self.runs: list[tuple[Any, list[socket.socket]]] = []
        monkeypatch.setattr(
            uvicorn.Server, "run", lambda server, sockets=None: self.runs.append((server, sockets))
        )


def serve(*args: str) -> Any:
    return CliRunner().invoke(cli, ["serve", *args], catch_exceptions=False)


@pytest.mark.parametrize("token", ["", "   ", "\t\n", "short", " fifteen-chars-x "])
def test_pls_serve_refuses_a_blank_or_short_token_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token: str
) -> None:
    served = Served(monkeypatch)
    result = serve("--token", token, "--outputs", str(tmp_path))
    assert result.exit_code == 2 and not served.runs
    assert result.stderr.startswith("pls: serve: the token must be at least 16 characters")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_pls_serve_off_loopback_uses_secure_cookies_and_limits_slow_clients(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served = Served(monkeypatch)
    result = serve("--host", "0.0.0.0", "--port", "0", "--token", TOKEN, "--outputs", str(tmp_path))
    assert result.exit_code == 0, result.output
    [(server, sockets)] = served.runs
    sockets[0].close()
    config = server.config
    session = next(m for m in config.app.user_middleware if "Session" in m.cls.__name__)
    assert session.kwargs["https_only"] is True
    assert config.timeout_keep_alive == 5 and config.h11_max_incomplete_event_size == 16 * 1024
    assert config.limit_concurrency and config.ws == "none"
    assert "Secure off loopback" in result.stdout
    assert re.search(r"Review app on http://0\.0\.0\.0:[1-9]\d*/", result.stdout)  # not :0

    result = serve("--port", "0", "--outputs", str(tmp_path))
    server, sockets = served.runs[-1]
    sockets[0].close()
    session = next(m for m in server.config.app.user_middleware if "Session" in m.cls.__name__)
    assert session.kwargs["https_only"] is False


def test_pls_serve_with_a_certificate_that_will_not_load_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served = Served(monkeypatch)
    (tmp_path / "cert.pem").write_text("not a certificate")
    for cert in (tmp_path / "missing.pem", tmp_path / "cert.pem"):
        result = serve("--ssl-certfile", str(cert), "--outputs", str(tmp_path))
        assert result.exit_code == 1 and not served.runs
        assert result.stderr.startswith(f"pls: serve: cannot use the certificate {cert} (")
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


# -- defect 21: a busy port --------------------------------------------------------------------


def test_pls_serve_on_a_busy_port_says_so_in_one_line_before_anything_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    served = Served(monkeypatch)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = serve("--port", str(port), "--outputs", str(tmp_path))
    assert result.exit_code == 1 and not served.runs
    assert result.stderr == f"pls: serve: port {port} on 127.0.0.1 is in use\n"
    assert "Review app on" not in result.stdout


# -- slow and vanishing clients ----------------------------------------------------------------


@pytest.fixture
def live(settings: Settings) -> Iterator[int]:
    """The app under the real uvicorn configuration, headers and body due within 1 s."""
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]), body_idle_timeout=1.0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = make_server(app, "127.0.0.1", 0, header_seconds=1.0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)
    sock.close()


def read_all(conn: socket.socket) -> bytes:
    conn.settimeout(20)  # a guard against hanging the suite, not a measurement
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    return data


def test_a_client_that_sends_its_headers_too_slowly_is_let_go(live: int) -> None:
    with socket.create_connection(("127.0.0.1", live)) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert read_all(conn) == b""  # closed by the server, nothing answered
    with socket.create_connection(("127.0.0.1", live)) as idle:
        assert read_all(idle) == b""
    with socket.create_connection(("127.0.0.1", live)) as conn:  # the server still answers
        conn.sendall(b"GET /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_all(conn).startswith(b"HTTP/1.1 200")


def test_a_body_that_stops_arriving_is_answered_408_and_closed(
    live: int, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.create_connection(("127.0.0.1", live)) as conn:
        conn.sendall(
            b"POST /submit HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
            b"Content-Type: multipart/form-data; boundary=B\r\n\r\n--B\r\n"
        )
        answer = read_all(conn)
    assert answer.startswith(b"HTTP/1.1 408") and b"connection: close" in answer.lower()
    assert b"the request stopped arriving" in answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_abandoned_body_logs_no_traceback(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]))
    messages = iter(
        [
            {"type": "http.request", "body": b"--B\r\nContent-Disp", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/submit",
        "raw_path": b"/submit",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"multipart/form-data; boundary=B")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))  # before: ClientDisconnect raised out of the app
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "went away" in caplog.text


# -- the store's trouble is not a 404 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (StoreNotFoundError("no study with id 'x' in the store"), 404, "Not found"),
        (StoreCorruptError("pls.sqlite3: the store is damaged (malformed)"), 500, "damaged"),
        (StoreVersionError("pls.sqlite3: written by a newer pls (5 > 4)"), 500, "newer pls"),
        (StoreReadOnlyError("pls.sqlite3: the store is read-only"), 503, "read-only"),
        (StoreFullError("pls.sqlite3: the disk is full"), 507, "disk is full"),
        (OutputWriteError("drafts/x.md: cannot be written (read-only)"), 500, "written"),
        (StoreError("pls.sqlite3: the store is busy: another pls is writing"), 503, "available"),
    ],
)
def test_each_kind_of_store_trouble_gets_its_own_status_and_one_line(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    title: str,
) -> None:
    import pipeline.web.routes as routes

    def broken(*args: object) -> None:
        raise error

    monkeypatch.setattr(routes, "queue_rows", broken)
    page = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT]))).get("/")
    assert page.status_code == status
    assert re.search(rf"<h1>[^<]*{title}[^<]*</h1>", page.text)
    assert f'role="alert">{escape(str(error))}</p>' in page.text
    assert "Traceback" not in page.text


def test_a_damaged_store_is_a_500_naming_it_and_a_missing_study_still_a_404(
    settings: Settings,
) -> None:
    seed(settings)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    assert client.get("/study/pmid-1").status_code == 404
    assert client.get("/published/nothing").status_code == 404
    settings.db_path.write_bytes(b"this is not a database at all" * 100)
    for name in ("pls.sqlite3-wal", "pls.sqlite3-shm"):
        (settings.outputs / name).unlink(missing_ok=True)
    page = client.get("/")
    assert page.status_code == 500 and "the store is damaged" in page.text
    assert "Traceback" not in page.text


def test_an_unexpected_error_is_a_500_page_without_a_traceback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.web.routes as routes

    def buggy(*args: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(routes, "queue_rows", buggy)
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]))
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/")
    assert page.status_code == 500 and "KeyError: the details are in the server log." in page.text
    assert "Traceback" not in page.text and "<h1>Something went wrong" in page.text
    assert page.headers["content-security-policy"] == CSP


# -- tampered forms and ids: one bounded line, never a 500 ---------------------------------------


@pytest.mark.parametrize(
    ("path", "fields", "shown"),
    [
        ("decide", {"action": "approve", "revision": "9" * 5000}, "revision is not a number"),
        ("decide", {"action": "approve", "revision": "１"}, "revision is not a number"),
        ("edit", {"interest_score": "9" * 5000}, "the interest score is a whole number, 1 to 5"),
        ("edit", {"interest_score": "99"}, "the interest score is a whole number, 1 to 5"),
    ],
)
def test_a_tampered_review_form_is_a_one_line_400(
    settings: Settings, path: str, fields: dict[str, str], shown: str
) -> None:
    study_id = seed(settings)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    form = {
        "csrf": form_csrf(client),
        "reviewer": "ana",
        "state": "needs_review",
        **{name: "Some words." for name in ("title", "key_takeaway", "what_they_found")},
        **{name: "Some words." for name in ("who_should_care", "important_considerations")},
        "topics": "MS",
        "interest": "Walking matters.",
        **fields,
    }
    page = client.post(f"/study/{study_id}/{path}", data=form)
    assert page.status_code == 400
    [message] = re.findall(r'role="alert">([^<]*)</p>', page.text)
    assert shown in message.replace("&#39;", "'") and "\n" not in message


def test_an_error_quoting_a_huge_id_is_cut_to_one_short_line(settings: Settings) -> None:
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    page = client.get("/study/" + "x" * 5000)
    assert page.status_code == 404
    [message] = re.findall(r'role="alert">([^<]*)</p>', page.text)
    assert len(message) < 700 and message.endswith("…")


def test_a_reviewer_name_is_bounded_and_loses_its_invisible_characters(
    settings: Settings,
) -> None:
    study_id = seed(settings)
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    form = {"csrf": form_csrf(client), "action": "approve", "state": "needs_review"}
    long = client.post(f"/study/{study_id}/decide", data={**form, "reviewer": "a" * 5000})
    assert long.status_code == 400 and "at most 100 characters" in long.text
    assert len(long.headers.get("set-cookie", "")) < 4000
    done = client.post(f"/study/{study_id}/decide", data={**form, "reviewer": "\u202eana\u200b"})
    assert done.status_code == 200
    assert "<td>ana</td><td>approve</td>" in client.get(f"/study/{study_id}").text
