"""Journal-feed watches against feeds served on 127.0.0.1: RSS and Atom, DOI and PMID taken
from entries, entries without an abstract listed not drafted, and hostile feeds one line each."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from watch_server import WatchServer

from pipeline.records import Watch
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.watch import run_watch

LABELS = Path(__file__).resolve().parents[1] / "fixtures" / "triage_labels.jsonl"
WRITTEN = [json.loads(line) for line in LABELS.read_text().splitlines() if '"abstract"' in line]
MS = [r for r in WRITTEN if r["label"]]
OTHER = [r for r in WRITTEN if not r["label"]]


def rss(items: list[str], title: str = "Journal of MS Research") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:prism="http://prismstandard.org/'
        f'namespaces/basic/2.0/"><channel><title>{title}</title><link>http://j.example/</link>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def item(record: dict, *, doi: str | None = None, link: str = "", abstract: bool = True) -> str:
    body = (
        f"<description>{escape('<p>' + record['abstract'] + '</p>')}</description>"
        if abstract
        else ""
    )
    extra = f"<prism:doi>{doi}</prism:doi>" if doi else ""
    link = link or "http://j.example/a/" + record["id"]
    return (
        f"<item><title>{escape(record['title'])}</title><link>{link}</link>{body}{extra}"
        "<pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>"
    )


def feed_watch(store: Store, server: WatchServer, path: str, name: str = "journal") -> Watch:
    return store.add_watch(Watch(name=name, kind="feed", target=server.url.rstrip("/") + path))


def test_a_feed_queues_its_studies_with_doi_and_pmid_and_lists_those_without_abstract(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    server.feeds["/rss"] = (
        rss(
            [
                item(MS[0], doi="10.5555/ms.0001"),
                item(MS[1], link="https://pubmed.ncbi.nlm.nih.gov/39000001/"),
                item(OTHER[0]),
                item(MS[2], abstract=False),
            ]
        ),
        "application/rss+xml",
    )
    run = run_watch(store, feed_watch(store, server, "/rss"), settings)
    assert run.status == "ok", run.log
    assert run.counts == {"queued": 2, "parked": 1, "needs_abstract": 1}
    ids = {row["id"] for row in store.studies()}
    assert {"doi-10-5555-ms-0001", "pmid-39000001"} <= ids
    study = store.study("doi-10-5555-ms-0001")
    assert study.journal == "Journal of MS Research" and study.year == 2026
    assert study.source == "watch journal: http://j.example/a/ms-00"
    assert "<p>" not in study.abstract
    waiting = store.items(status="needs_abstract")
    assert [i["title"] for i in waiting] == [MS[2]["title"]]
    assert waiting[0]["link"] and waiting[0]["study_id"] is None  # never a study, never drafted
    again = run_watch(store, store.watch("journal"), settings)
    assert again.counts == {"seen before": 4}


def test_an_atom_feed_reads_the_same(store: Store, settings: Settings, server: WatchServer) -> None:
    entry = MS[3]
    server.feeds["/atom"] = (
        (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>MS Journal</title><id>urn:j</id><updated>2026-11-30T00:00:00Z</updated>"
            f"<entry><title>{escape(entry['title'])}</title><id>https://doi.org/10.5555/atom.1</id>"
            '<link href="http://j.example/atom/1"/><updated>2026-11-30T00:00:00Z</updated>'
            f'<summary type="html">{escape(entry["abstract"])}</summary></entry></feed>'
        ).encode(),
        "application/atom+xml",
    )
    run = run_watch(store, feed_watch(store, server, "/atom"), settings)
    assert run.counts == {"queued": 1}, run.log
    assert store.study("doi-10-5555-atom-1").title == entry["title"]


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><rss version="2.0">'
    b"<channel><title>&c;</title><item><title>&c;</title></item></channel></rss>"
)


@pytest.mark.parametrize(
    "path, body, kind, expected",
    [
        ("/bomb", BOMB, "application/rss+xml", "declares XML entities"),
        (
            "/html",
            b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            "HTML page",
        ),
        ("/junk", b"this is not a feed at all", "text/plain", "not a feed"),
        ("/loop", b"", "", "redirects"),
        ("/missing", b"", "", "HTTP 404"),
    ],
)
def test_a_hostile_feed_is_one_line_and_nothing_is_queued(
    store: Store,
    settings: Settings,
    server: WatchServer,
    path: str,
    body: bytes,
    kind: str,
    expected: str,
) -> None:
    if body:
        server.feeds[path] = (body, kind)
    run = run_watch(store, feed_watch(store, server, path), settings)
    assert run.status == "failed"
    assert len(run.log) == 1 and expected in run.log[0], run.log
    assert store.studies() == [] and store.items() == []


def test_other_watches_still_run_after_a_hostile_one(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    server.feeds["/bomb"] = (BOMB, "application/rss+xml")
    server.feeds["/rss"] = (rss([item(MS[0], doi="10.5555/ms.0001")]), "application/rss+xml")
    bad = run_watch(store, feed_watch(store, server, "/bomb", "bad"), settings)
    good = run_watch(store, feed_watch(store, server, "/rss", "good"), settings)
    assert (bad.status, good.status) == ("failed", "ok")
    assert good.counts == {"queued": 1}


def test_a_feed_of_100000_entries_is_read_only_as_far_as_the_setting_allows(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    if settings.database_url:
        pytest.skip("parsing is the same on both engines; 9 s once is enough")
    entries = "".join(
        f"<item><title>Entry {n}</title><link>http://j.example/{n}</link></item>"
        for n in range(100_000)
    )
    server.feeds["/huge"] = (rss([entries]), "application/rss+xml")
    settings = settings.model_copy(update={"watch_max_entries": 25})
    run = run_watch(store, feed_watch(store, server, "/huge"), settings)
    assert "lists 100,000 entries; read the first 25" in run.log[0]
    assert run.counts == {"needs_abstract": 25}


def test_a_feed_over_the_size_limit_is_refused_unread(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    server.feeds["/big"] = (rss([item(MS[0])]) + b" " * 5000, "application/rss+xml")
    settings = settings.model_copy(update={"watch_max_bytes": 2000})
    run = run_watch(store, feed_watch(store, server, "/big"), settings)
    assert len(run.log) == 1 and "is over 2,000" in run.log[0]


def test_markup_and_injection_in_an_entry_stay_data(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    hostile = dict(MS[4], title='<script>alert(1)</script>MS and <b onclick="x">heat</b>')
    server.feeds["/rss"] = (rss([item(hostile, doi="10.5555/ms.0009")]), "application/rss+xml")
    run_watch(store, feed_watch(store, server, "/rss"), settings)
    study = store.study("doi-10-5555-ms-0009")
    assert "<script>" not in study.title and "alert(1)" not in study.title
    assert "<b" not in study.title


def test_surrogates_controls_and_huge_links_are_stored_as_plain_bounded_text(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    long_link = "http://j.example/" + "a" * 20_000
    items = [
        "<item><title>Broken &#xD800; title\x1b[31m</title><link>http://j.example/s</link></item>",
        f"<item><title>Long link</title><link>{long_link}</link></item>",
        item(dict(MS[5], abstract=MS[5]["abstract"] + " &#xDFFF;"), doi="10.5555/ms.0005"),
    ]
    server.feeds["/rss"] = (rss(items), "application/rss+xml")
    run = run_watch(store, feed_watch(store, server, "/rss"), settings)
    assert (
        run.counts.get("needs_abstract", 0)
        + run.counts.get("refused", 0)
        + run.counts.get("queued", 0)
        == 3
    ), run.log
    for row in store.items():
        assert row["title"].isprintable() and len(row["key"]) < 400
        assert row["link"] is None or len(row["link"]) <= 2000
    again = run_watch(store, store.watch("journal"), settings)
    assert again.counts == {"seen before": 3}
