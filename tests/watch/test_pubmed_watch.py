"""PubMed watches against the local E-utilities double: history paging, NCBI's rate, retries,
resuming a killed run, and bad replies each one line while the run goes on."""

from __future__ import annotations

import pytest
from watch_server import Fault, WatchServer

from pipeline.records import Watch
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.watch import PAGE, EUtils, Fetcher, limit, rate, run_watch


def add(store: Store, name: str = "ms") -> Watch:
    return store.add_watch(Watch(name=name, kind="pubmed", target="multiple sclerosis[tiab]"))


def taken(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM studies").fetchone()[0])


def test_a_run_takes_in_every_new_record_and_a_second_run_queues_nothing(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    watch = add(store)
    first = run_watch(store, watch, settings)
    assert first.status == "ok", first.log
    # 30 records cycling 24 articles: the 3 MS samples (twice) are queued, the corpus's non-MS
    # studies parked, its articles without an abstract listed as such
    assert first.counts["queued"] == 6
    assert first.counts["queued"] + first.counts["parked"] + first.counts["needs_abstract"] == 30
    assert taken(store) == first.counts["queued"] + first.counts["parked"]
    sources = {row[0] for row in store.db.execute("SELECT source FROM studies")}
    assert sources == {"watch ms: PubMed"}
    second = run_watch(store, store.watch("ms"), settings)
    assert second.status == "ok"
    assert second.counts == {"seen before": 30}
    assert taken(store) == first.counts["queued"] + first.counts["parked"]


def test_every_request_names_the_tool_and_uses_the_history_server(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    seen: list[str] = []

    class Recording(Fetcher):
        def get(self, url: str, params: dict | None = None) -> tuple[bytes, str]:
            seen.append(f"{url} {sorted((params or {}).items())}")
            return super().get(url, params)

    mailed = settings.model_copy(update={"ncbi_email": "editor@example.org"})
    run_watch(store, add(store), mailed, fetcher=Recording(mailed, pace=rate(mailed)))
    assert "esearch.fcgi" in seen[0] and "('usehistory', 'y')" in seen[0]
    assert "('datetype', 'edat')" in seen[0] and "('mindate'," in seen[0]
    assert all("('tool', 'pls')" in s and "editor@example.org" in s for s in seen)
    assert all("('retmax', 200)" in s and "WebEnv" in s for s in seen[1:])


def test_the_pace_keeps_under_ncbi_limit_and_a_429_is_retried() -> None:
    with WatchServer([], limit=3) as server:
        settings = Settings(eutils_url=server.url, max_backoff=1.0)
        paced = EUtils(settings, Fetcher(settings, pace=rate(settings)))
        for _ in range(7):
            paced.search("x", "2026/01/01", "2026/01/02")
        assert server.throttled == 0
        eager = EUtils(settings, Fetcher(settings, pace=None))
        for _ in range(7):
            assert eager.search("x", "2026/01/01", "2026/01/02").count == 0
        assert server.throttled > 0  # answered 429, waited as told, and got through


def test_an_api_key_raises_the_pace_to_ten_a_second() -> None:
    assert limit(Settings(ncbi_api_key="k")) == 10.0
    assert limit(Settings(ncbi_api_key=None)) == 3.0
    assert rate(Settings(ncbi_api_key=None)) < 3.0


def test_a_failing_page_is_one_line_and_the_run_goes_on(store: Store, settings: Settings) -> None:
    many = __import__("conftest").pool(2 * PAGE + 10)
    with WatchServer(many, limit=100) as server:
        settings = settings.model_copy(update={"eutils_url": server.url, "max_attempts": 2})
        server.fail(f"retstart={PAGE}&", Fault(500), Fault(500))
        run = run_watch(store, add(store), settings)
        assert run.status == "failed"
        problems = [line for line in run.log if "HTTP 500" in line]
        assert len(problems) == 1 and "(2 attempts)" not in problems[0]
        before = taken(store) + run.counts.get("needs_abstract", 0)
        assert before == PAGE + 10
        assert store.watch("ms").last_success is None  # the next run covers the dates again
        again = run_watch(store, store.watch("ms"), settings)
        assert again.status == "ok"
        assert again.counts["seen before"] == PAGE + 10
        total = int(store.db.execute("SELECT COUNT(*) FROM watch_items").fetchone()[0])
        assert total == 2 * PAGE + 10


@pytest.mark.parametrize(
    "fault, expected",
    [
        (
            Fault(200, b"<PubmedArticleSet><PubmedArticle><MedlineCitation>", "text/xml"),
            "malformed",
        ),
        (
            Fault(
                200, b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "text/html"
            ),
            "HTML page",
        ),
        (Fault(200, b"\x00\x01binary", "application/octet-stream"), "not XML"),
        (Fault(hang=3.0), "no answer within"),
    ],
)
def test_a_bad_reply_is_one_line_in_the_run_log(
    store: Store, settings: Settings, server: WatchServer, fault: Fault, expected: str
) -> None:
    settings = settings.model_copy(update={"watch_timeout": 0.5, "max_attempts": 1})
    server.fail("efetch", fault)
    run = run_watch(store, add(store), settings)
    assert run.status == "failed"
    lines = [line for line in run.log if expected in line]
    assert len(lines) == 1 and "\n" not in lines[0], run.log
    assert taken(store) == 0  # the only page was refused whole: nothing half-queued
    assert store.run_log(run.run_id) == run.log


def test_a_run_killed_half_way_resumes_and_queues_nothing_twice(
    store: Store, settings: Settings
) -> None:
    many = __import__("conftest").pool(2 * PAGE + 10)

    class Killed(Fetcher):
        calls = 0

        def get(self, url: str, params: dict | None = None) -> tuple[bytes, str]:
            Killed.calls += 1
            if Killed.calls == 3:  # esearch, page 1, then killed before page 2
                raise KeyboardInterrupt
            return super().get(url, params)

    with WatchServer(many, limit=100) as server:
        settings = settings.model_copy(update={"eutils_url": server.url})
        watch = add(store)
        with pytest.raises(KeyboardInterrupt):
            run_watch(store, watch, settings, fetcher=Killed(settings, pace=100))
        first_page = int(store.db.execute("SELECT COUNT(*) FROM watch_items").fetchone()[0])
        assert first_page == PAGE
        resumed = run_watch(store, store.watch("ms"), settings)
        assert resumed.resumed and resumed.status == "ok"
        assert "resuming" in resumed.log[0]
        assert sum(resumed.counts.values()) == PAGE + 10  # pages 2 and 3 only
        keys = [row[0] for row in store.db.execute("SELECT key FROM watch_items")]
        assert len(keys) == len(set(keys)) == 2 * PAGE + 10


def test_a_study_already_stored_from_a_file_is_a_duplicate_not_a_second_study(
    store: Store, settings: Settings, server: WatchServer
) -> None:
    from pipeline.ingest import load_records

    page = EUtils(settings).fetch(EUtils(settings).search("x", "0", "9"), 0)
    first = load_records(page, "file.xml", ".xml", settings).studies[0]
    by_doi = first.model_copy(update={"pmid": None, "id": "doi-local", "source": "inputs/x.json"})
    store.upsert_study(by_doi)  # the same paper, dropped into inputs/ with only its DOI
    run = run_watch(store, add(store), settings)
    assert run.counts["duplicate"] == 1
    item = next(i for i in store.items() if i["status"] == "duplicate")
    assert item["study_id"] == "doi-local"


def test_a_study_stored_under_its_id_meanwhile_is_left_as_it_is(
    store: Store, settings: Settings
) -> None:
    from helpers import make_study

    mine = make_study("People with MS walked further after training. " * 6, "Walking in MS")
    theirs = mine.model_copy(update={"abstract": mine.abstract + " Edited.", "source": "x.json"})
    store.upsert_study(theirs)  # dropped into inputs/ while the run was fetching
    run_id, _, _ = store.open_run("ms", {})
    status = store.record_item(run_id, "ms", "sha:x", "queued", mine.title, study=mine)
    assert status == "duplicate"
    assert store.study(mine.id).abstract == theirs.abstract and store.state(mine.id) == "queued"
