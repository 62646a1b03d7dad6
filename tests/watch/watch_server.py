"""A local NCBI E-utilities double and feed host on 127.0.0.1, built from the real PubMed XML in
`../shared/corpus/pubmed_xml/`, so watch runs go through the real HTTP client.

- `esearch.fcgi` answers the JSON NCBI does (count, WebEnv, query key) for the records whose
  entry date lies in mindate..maxdate; `efetch.fcgi` pages the history set (retstart/retmax)
  as a PubmedArticleSet of those records.
- More than `limit` requests within any second is answered 429, as NCBI does.
- `fail(marker, *faults)` scripts the next requests whose URL contains `marker`: an HTTP status,
  a body (malformed XML, an HTML page), a hang past the client's timeout.
- `feeds[path] = (body, content type)` serves a feed; `/loop` redirects to itself forever.

    with WatchServer(corpus_articles()) as server:
        server.fail("retstart=200", Fault(500), Fault(500), Fault(500), Fault(500))
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "pubmed_xml"


@dataclass
class Fault:
    status: int = 500
    body: bytes = b""
    content_type: str = "text/plain"
    hang: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Record:
    pmid: str
    edat: str  # YYYY/MM/DD
    xml: str


INPUTS = Path(__file__).resolve().parents[2] / "inputs"


def corpus_articles(folder: Path = CORPUS) -> list[str]:
    """Every PubmedArticle in the shared corpus (or another folder), as XML text."""
    out = []
    for path in sorted(folder.rglob("*.xml")):
        root = ElementTree.parse(path).getroot()
        out += [ElementTree.tostring(el, encoding="unicode") for el in root.iter("PubmedArticle")]
    return out


_PMID = re.compile(r"(<MedlineCitation[^>]*>\s*<PMID[^>]*>)(\d+)(</PMID>)")
_DOI = re.compile(r'((?:EIdType|IdType)="doi"[^>]*>)([^<]+)(<)')
_TITLE = re.compile(r"(<ArticleTitle>)(.*?)(</ArticleTitle>)", re.DOTALL)


def records(
    articles: list[str], count: int, edat: str, first_pmid: int = 90_000_001
) -> list[Record]:
    """`count` distinct records cycled from `articles`: a new PMID, DOI and title each, so
    every one is a new study (the corpus has 19 articles)."""
    out = []
    for n in range(count):
        pmid = str(first_pmid + n)
        xml = _PMID.sub(rf"\g<1>{pmid}\g<3>", articles[n % len(articles)], count=1)
        xml = _DOI.sub(rf"\g<1>10.5555/pls.{pmid}\g<3>", xml)
        xml = _TITLE.sub(rf"\g<1>\g<2> (record {pmid})\g<3>", xml, count=1)
        out.append(Record(pmid, edat, xml))
    return out


class WatchServer:
    def __init__(self, records: list[Record] | None = None, *, limit: int = 3) -> None:
        self.records = list(records or [])
        self.limit = limit
        self.feeds: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[float, str]] = []
        self.throttled = 0
        self._recent: deque[float] = deque()
        self._faults: list[tuple[str, deque[Fault]]] = []
        self._history: dict[str, list[Record]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def __enter__(self) -> WatchServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def fail(self, marker: str, *faults: Fault) -> None:
        self._faults.append((marker, deque(faults)))

    def _fault_for(self, url: str) -> Fault | None:
        with self._lock:
            for marker, queue in self._faults:
                if marker in url and queue:
                    return queue.popleft()
        return None

    def _over_limit(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self.requests.append((now, ""))
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.limit:
                self.throttled += 1
                return True
            self._recent.append(now)
            return False

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str, dict[str, str]]:
        if path.endswith("esearch.fcgi"):
            lo, hi = query.get("mindate", "0000/00/00"), query.get("maxdate", "9999/99/99")
            found = [r for r in self.records if lo <= r.edat <= hi]
            webenv = f"MCID_{len(self._history) + 1}"
            self._history[webenv] = found
            result = {"count": str(len(found)), "retmax": "0", "webenv": webenv, "querykey": "1"}
            return 200, json.dumps({"esearchresult": result}).encode(), "application/json", {}
        if path.endswith("efetch.fcgi"):
            found = self._history.get(query.get("WebEnv", ""))
            if found is None:
                return (
                    400,
                    b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>",
                    "text/xml",
                    {},
                )
            start, size = int(query.get("retstart", 0)), int(query.get("retmax", 20))
            body = "".join(r.xml for r in found[start : start + size])
            return (
                200,
                f"<?xml version='1.0'?>\n<PubmedArticleSet>{body}</PubmedArticleSet>".encode(),
                "text/xml",
                {},
            )
        if path == "/loop":
            return 302, b"", "text/plain", {"Location": "/loop"}
        if path in self.feeds:
            body, kind = self.feeds[path]
            return 200, body, kind, {}
        return 404, b"not found", "text/plain", {}


def _handler(server: WatchServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            # the client closed a kept-alive connection
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if "fcgi" in parts.path and server._over_limit():
                return self._send(
                    429,
                    b'{"error":"API rate limit exceeded"}',
                    "application/json",
                    {"Retry-After": "1"},
                )
            fault = server._fault_for(self.path)
            if fault is not None:
                if fault.hang:
                    time.sleep(fault.hang)
                status = fault.status
                return self._send(status, fault.body, fault.content_type, fault.headers)
            self._send(*server.answer(parts.path, query))

        def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler
