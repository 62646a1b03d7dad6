"""Submitting to the review app whatever a careless or hostile user might (issue 10, defect 15
and the web part of its done-when): every bad upload is a 400 (413 when too big) with one line
naming the file and the problem, never a 500 or a traceback; a good one beside it is drafted;
an upload is streamed with a cap and refused early; nothing of a failed submission is kept."""

from __future__ import annotations

import asyncio
import html
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import GOOD_DRAFT, TRIAL_ABSTRACT, Scripted, form_csrf, trial_settings
from starlette.testclient import TestClient

from pipeline.errors import InputError, OutputWriteError
from pipeline.ingest import load_file_tolerant
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app
from pipeline.web.submissions import FORM_BYTES

CHUNK = 64 * 1024


def abstract(n: int) -> str:
    """A different trial abstract for each n, so every study gets its own id."""
    return TRIAL_ABSTRACT.replace("240 people", f"{240 + n} people")


def pubmed(pmid: str, title: str, text: str) -> str:
    return (
        '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
        f'<PMID Version="1">{pmid}</PMID><Article><Journal><Title>Journal of Tests</Title>'
        f"</Journal><ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>"
        f"{text.replace('<', '&lt;')}</AbstractText></Abstract></Article></MedlineCitation>"
        "</PubmedArticle></PubmedArticleSet>\n"
    )


def good_uploads() -> dict[str, bytes]:
    """Good files of every format; each title holds a marker the test finds its study by."""
    record = lambda n: {"title": f"Mixed G{n}: a pill", "abstract": abstract(n)}  # noqa: E731
    return {
        "good.txt": f"Title: Mixed G1: a pill\n{abstract(1)}".encode(),
        "good.md": f"# Mixed G2: a pill\n\n{abstract(2)}\n".encode(),
        "good.json": json.dumps(record(3)).encode(),
        "good.jsonl": f"{json.dumps(record(4))}\n{json.dumps(record(5))}\n".encode(),
        "good.xml": pubmed("99300006", "Mixed G6: a pill", abstract(6)).encode(),
        # A heading line that once took quadratic time (defect 4): fine now, and drafted.
        "heading.md": ("# Mixed G7: a" + " " * 100_000 + f"b\n\n{abstract(7)}\n").encode(),
        "a" * 300 + ".json": json.dumps(record(8)).encode(),  # a name too long to keep as is
    }


def bad_uploads() -> dict[str, tuple[bytes, str]]:
    """One of each bad kind: the file's bytes and a word its one-line reason must hold."""
    record = lambda **extra: json.dumps({"abstract": abstract(9), **extra})  # noqa: E731
    entities = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n<x>&a;&a;</x>'
    xxe = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    return {
        "empty.txt": (b"", "empty"),
        "blank.txt": (b"  \n\t\n", "whitespace"),
        "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 4, "binary"),
        "latin1.txt": (f"Title: Caf\xe9\n{abstract(10)}".encode("latin-1"), "UTF-8"),
        "utf16.txt": (abstract(11).encode("utf-16"), "UTF-16"),
        "utf32.txt": (abstract(12).encode("utf-32"), "UTF-32"),
        "huge.txt": (("Title: Huge\n" + " ".join([abstract(13)] * 80)).encode(), "too long"),
        "short.txt": (b"Title: Short\nWalking improved in MS.", "too short"),
        "numbers.txt": (b" ".join([b"12 3.4 56% (7/8) 9 ="] * 10), "no words"),
        "bad.json": (b'{"title": "Mixed", "abstract": ', "malformed JSON"),
        "noabstract.json": (b'{"title": "Only a title"}', "abstract"),
        "surrogate.json": (record(title="half a pair \ud800").encode(), "surrogate"),
        "digits.json": (record()[:-1].encode() + b', "year": ' + b"9" * 5000 + b"}", "digit"),
        "doi.json": (record(doi="10.1234/" + "a" * 300).encode(), "DOI"),
        "bad.xml": (b"<PubmedArticleSet><PubmedArticle></PubmedArticleSet>", "malformed XML"),
        "xxe.xml": (xxe.encode(), "entit"),
        "entities.xml": (entities.encode(), "entit"),
        "paper.pdf": (b"%PDF-1.4\n", "unsupported file type"),
        "b" * 300 + ".json": (b"[1, ", "malformed JSON"),
    }


def cli_message(path: Path, settings: Settings) -> str:
    """What `pls batch` says about the same file: the one line the page must show."""
    try:
        loaded = load_file_tolerant(path, settings)
    except InputError as error:
        return str(error)
    assert not loaded.studies and len(loaded.errors) == 1, path
    return str(loaded.errors[0])


def problems(page: str) -> list[str]:
    return [html.unescape(item) for item in re.findall(r"<li>([^<]*)</li>", page)]


def no_traceback(page: str) -> None:
    assert "Traceback" not in page and 'File "' not in page and "Internal Server Error" not in page


def local(name: str) -> str:
    """The name a file has in the test's folder: a file system takes 255 bytes at most."""
    return name if len(name) < 200 else "long" + name[-5:]


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))


def submit(client: TestClient, name: str, data: bytes, **form: str) -> Any:
    files = {"file": (name, data, "application/octet-stream")}
    return client.post(
        "/submit", data={"csrf": form_csrf(client), **form}, files=files, follow_redirects=False
    )


def test_a_mixed_folder_of_uploads_drafts_every_good_file_and_names_every_bad_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = trial_settings(tmp_path).model_copy(update={"max_file_bytes": 300_000})
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    oversize = f"Title: Mixed X: too big\n{abstract(30)}\n".encode() * 1000  # 370 KB
    spool = tmp_path / "spool"  # where the form parser spools uploads: nothing may stay there
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    folder = tmp_path / "mixed"
    folder.mkdir()
    good, bad = good_uploads(), bad_uploads()
    for name, data in [*good.items(), *((n, d) for n, (d, _) in bad.items())]:
        (folder / local(name)).write_bytes(data)
    (folder / "oversize.txt").write_bytes(oversize)
    before = tree(tmp_path)

    page = submit(client, "oversize.txt", oversize)
    assert page.status_code == 413 and problems(page.text) == [
        "oversize.txt: the file is 370 KB, over the limit of 300 KB; nothing was kept"
    ]

    for name, (data, word) in bad.items():
        page = submit(client, name, data)
        assert page.status_code == 400, (name, page.text[:300])
        no_traceback(page.text)
        [shown] = problems(page.text)
        assert "\n" not in shown and word.lower() in shown.lower(), (name, shown)
        path = folder / local(name)
        expected = cli_message(path, settings).replace(str(path), "")
        assert shown.endswith(expected.lstrip(": ")), (name, shown, expected)
        assert shown.startswith(name[:100]), shown  # names the file, a long name cut short

    for name, data in good.items():
        page = submit(client, name, data)
        assert page.status_code == 303, (name, page.text[:300])
        assert "/study/" in page.headers["location"] or name == "good.jsonl"
    with Store(settings.db_path) as store:
        titles = {row["title"].split(":")[0] for row in store.studies()}
        states = {row["state"] for row in store.studies()}
    assert titles == {f"Mixed G{n}" for n in range(1, 9)} and states == {"needs_review"}

    kept = sorted((settings.outputs / "uploads").iterdir())
    assert len(kept) == len(good)  # the failed ones left nothing behind
    assert all(len(path.name) < 130 for path in kept)
    assert {n for n in tree(tmp_path) - before if not n.startswith("outputs/")} == set()
    assert list(spool.iterdir()) == []


def test_an_upload_with_good_and_bad_records_drafts_the_good_and_flashes_the_bad(
    client: TestClient, settings: Settings
) -> None:
    lines = [
        json.dumps({"title": "Mixed P1: a pill", "abstract": abstract(20)}),
        json.dumps({"title": "Mixed P2 \ud800", "abstract": abstract(21)}),
        '{"title": "Mixed P3", "abstract": ',
    ]
    page = submit(client, "partly.jsonl", "\n".join(lines).encode())
    assert page.status_code == 303
    queue = client.get("/").text
    assert "Mixed P1" in queue
    errors = re.findall(r'class="flash error"[^>]*>([^<]*)<', queue)
    assert [e.split(":")[0] for e in errors] == ["partly.jsonl line 2", "partly.jsonl line 3"]
    assert len(list((settings.outputs / "uploads").iterdir())) == 1  # its source is kept


@pytest.mark.parametrize(
    "error", [RuntimeError("a bug"), OutputWriteError("drafts/x.md: cannot be written")]
)
def test_whatever_drafting_one_study_raises_is_its_line_not_a_500(
    client: TestClient,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    import pipeline.web.submissions as submissions

    real = submissions.process_study

    def flaky(ctx: Any, study: Any) -> Any:
        if "Mixed B2" in study.title:
            raise error
        return real(ctx, study)

    monkeypatch.setattr(submissions, "process_study", flaky)
    lines = [json.dumps({"title": f"Mixed B{n}: a pill", "abstract": abstract(n)}) for n in (1, 2)]
    page = submit(client, "two.jsonl", "\n".join(lines).encode())
    assert page.status_code == 303  # B1 went through
    errors = re.findall(r'class="flash error"[^>]*>([^<]*)<', client.get("/").text)
    assert len(errors) == 1 and "\n" not in errors[0]
    assert ("RuntimeError" if isinstance(error, RuntimeError) else "cannot be written") in errors[0]
    alone = submit(client, "one.json", lines[1].encode())
    assert alone.status_code == 400 and len(problems(alone.text)) == 1
    no_traceback(alone.text)


def test_a_file_over_the_limit_is_a_413_and_is_not_kept(tmp_path: Path) -> None:
    settings = trial_settings(tmp_path).model_copy(update={"max_file_bytes": 5_000})
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    page = submit(client, "big.txt", f"Title: Big\n{abstract(1)}\n".encode() * 40)
    assert page.status_code == 413 and page.headers["connection"] == "close"
    [shown] = problems(page.text)
    assert re.fullmatch(
        r"big\.txt: the file is \d+ KB, over the limit of 5 KB; nothing was kept",
        shown,
    )
    assert not (settings.outputs / "uploads").exists()


# -- streaming: the body is refused as it arrives, never read whole ----------------------------


def post_stream(
    app: Any, chunks: Iterator[bytes], headers: dict[str, str]
) -> tuple[int, dict[str, str], str, int]:
    """POST /submit straight through ASGI, the body coming in `chunks` as a client sends it:
    (status, headers, page, how many chunks the app asked for)."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        asked += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

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
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    head = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], head, body.decode(), asked


def endless_upload(limit_chunks: int) -> Iterator[bytes]:
    """A multipart upload that would go on for `limit_chunks` chunks of 64 KiB."""
    yield (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )
    for _ in range(limit_chunks):
        yield b"walking " * (CHUNK // 8)


def test_a_declared_length_over_the_cap_is_refused_before_a_byte_is_read(
    settings: Settings,
) -> None:
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]))
    size = settings.max_file_bytes + FORM_BYTES + 1
    status, head, page, asked = post_stream(
        app,
        endless_upload(10_000),
        {"content-type": "multipart/form-data; boundary=B", "content-length": str(size)},
    )
    assert status == 413 and asked == 0 and head["connection"] == "close"
    assert "the upload is 52.1 MB, over the limit of 50.0 MB; nothing was kept" in page
    no_traceback(page)


def test_a_body_growing_past_the_cap_is_cut_off_there_not_read_to_the_end(
    tmp_path: Path,
) -> None:
    settings = trial_settings(tmp_path).model_copy(update={"max_file_bytes": 1_000_000})
    app = create_app(settings, backend=Scripted([GOOD_DRAFT]))
    # No Content-Length (chunked): 640 MB on offer, refused once past 1 MB + the form's room.
    status, head, page, asked = post_stream(
        app, endless_upload(10_000), {"content-type": "multipart/form-data; boundary=B"}
    )
    assert status == 413 and head["connection"] == "close"
    assert asked <= (settings.max_file_bytes + FORM_BYTES) // CHUNK + 2
    assert "the upload goes over the limit of 1.0 MB; nothing was kept" in page
    assert not (settings.outputs / "uploads").exists()


def test_an_upload_of_many_bad_lines_gives_a_bounded_page_and_session(
    client: TestClient,
) -> None:
    good = json.dumps({"title": "Mixed M1: a pill", "abstract": abstract(40)})
    lines = [good] + ['{"title": "broken", "abstract": '] * 2000
    page = submit(client, "many.jsonl", "\n".join(lines).encode())
    assert page.status_code == 303
    assert len(page.headers["set-cookie"]) < 4000  # a browser keeps it
    errors = re.findall(r'class="flash error"[^>]*>([^<]*)<', client.get("/").text)
    assert len(errors) == 6 and errors[-1] == "…and 1995 more problems in this submission"
    alone = submit(client, "bad.jsonl", "\n".join(lines[1:]).encode())
    assert alone.status_code == 400 and len(problems(alone.text)) == 101
