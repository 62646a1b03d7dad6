"""One watch run: what is new since the last successful run, deduplicated, triaged, queued.

A PubMed watch searches entry dates from the day its last successful run searched up to (that
day again: PubMed's dates are days, and what was already taken is deduplicated) through today;
its first run looks back `watch_lookback_days`. A feed watch reads the feed as it is now.

Each item is looked up before anything is stored: by what this watch already recorded under
its key, then by every stored study's PMID, DOI and content hash (`Store.known_study`), so
files dropped into inputs/ and web submissions count too. A new study is triaged and stored
with where it came from, `queued` or `parked`, in one transaction with its item; a feed entry
without an abstract is listed as `needs_abstract` and never drafted. The run's cursor (the
PubMed page reached) is saved after each page, so a run killed half-way resumes there; what
it took before it died is found by the lookups and never queued twice.

Bad input from the network (an HTTP error after retries, a timeout, a redirect loop, an HTML
page, a malformed or unsafe reply, a bad record) is one line in the run's log and the run goes
on; a run with such a line ends `failed` and does not move `last_success`, so the next run
covers the same dates again.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

from pipeline.errors import AbstractLengthError, FetchError, InputError, NoAbstractError
from pipeline.ingest import load_records, study_from_fields
from pipeline.records import ItemStatus, RunSummary, Study, Watch
from pipeline.settings import Settings
from pipeline.store import Store, study_keys
from pipeline.watch.eutils import PAGE, EUtils, rate
from pipeline.watch.feeds import read_feed
from pipeline.watch.fetch import Fetcher
from pipeline.watch.triage import LearnedTriage, trained, triage

_PMID_WHERE = re.compile(r"\(PMID (\d{1,10})\)")


def _day(moment: datetime) -> str:
    return moment.strftime("%Y/%m/%d")


class Run:
    def __init__(
        self,
        store: Store,
        watch: Watch,
        settings: Settings,
        run_id: int,
        learned: LearnedTriage | None,
    ) -> None:
        self.store, self.watch, self.settings = store, watch, settings
        self.run_id, self.learned = run_id, learned
        self.counts: Counter[str] = Counter()
        self.log: list[str] = []
        self.failed = False

    def problem(self, line: str) -> None:
        self.failed = True
        self.note(line)

    def note(self, line: str) -> None:
        line = " ".join(line.split())[:500]
        self.log.append(line)
        self.store.log_line(self.run_id, line)

    def take(self, key: str, study: Study, link: str | None = None) -> None:
        if self.store.item_status(self.watch.name, key) is not None:
            self.counts["seen before"] += 1
            return
        known = self.store.known_study(study_keys(study))
        if known is not None:
            self.store.record_item(
                self.run_id,
                self.watch.name,
                key,
                "duplicate",
                study.title,
                study_id=known,
                link=link,
            )
            self.counts["duplicate"] += 1
            return
        verdict = triage(study, self.settings, self.learned)
        status: ItemStatus = "queued" if verdict.relevant else "parked"
        status = self.store.record_item(
            self.run_id,
            self.watch.name,
            key,
            status,
            study.title,
            study=study,
            link=link,
            triage=verdict,
        )
        self.counts[status] += 1

    def refuse(
        self,
        error: InputError,
        key: str | None = None,
        link: str | None = None,
        title: str | None = None,
    ) -> None:
        """A record that cannot be a study: listed once (needs_abstract when it has none, else
        refused) and one log line; it is the record's problem, not the run's."""
        pmid = _PMID_WHERE.search(error.source)
        key = key or (f"pmid:{pmid[1]}" if pmid else f"error:{error.source}")
        if self.store.item_status(self.watch.name, key) is not None:
            self.counts["seen before"] += 1
            return
        short = isinstance(error, NoAbstractError | AbstractLengthError)
        status: ItemStatus = "needs_abstract" if short else "refused"
        title = title or error.source
        self.store.record_item(self.run_id, self.watch.name, key, status, title, link=link)
        self.counts[status] += 1
        self.note(str(error))


def decided_studies(store: Store) -> list[tuple[Study, bool]]:
    return [(store.study(sid), action != "reject") for sid, action in store.decisions()]


def run_watch(
    store: Store, watch: Watch, settings: Settings, *, fetcher: Fetcher | None = None
) -> RunSummary:
    """Run one watch to the end (or resume the run of it that was killed)."""
    today = _day(datetime.now(UTC))
    since = watch.last_success or _day(
        datetime.now(UTC) - timedelta(days=settings.watch_lookback_days)
    )
    run_id, cursor, resumed = store.open_run(
        watch.name, {"mindate": since, "maxdate": today, "start": 0}
    )
    run = Run(store, watch, settings, run_id, trained(decided_studies(store), settings))
    store.index_studies()  # studies stored since the last run (files, submissions) count too
    if resumed:
        run.note(f"resuming the run killed at record {cursor.get('start', 0) + 1}")
    pubmed = watch.kind == "pubmed"
    client = fetcher or Fetcher(settings, pace=rate(settings) if pubmed else None)
    try:
        if pubmed:
            _pubmed(run, EUtils(settings, client), cursor)
        else:
            _feed(run, client)
    except FetchError as error:
        run.problem(str(error))
    finally:
        if fetcher is None:
            client.close()
    status = "failed" if run.failed else "ok"
    until = cursor.get("maxdate") if watch.kind == "pubmed" else today
    store.finish_run(run_id, watch.name, status, dict(run.counts), until)
    return RunSummary(
        watch=watch.name,
        run_id=run_id,
        status=status,
        seen=sum(run.counts.values()),
        counts=dict(run.counts),
        log=run.log,
        resumed=resumed,
    )


def _pubmed(run: Run, eutils: EUtils, cursor: dict) -> None:
    search = eutils.search(run.watch.target, cursor["mindate"], cursor["maxdate"])
    run.note(f"PubMed: {search.count} record(s) entered {cursor['mindate']}–{cursor['maxdate']}")
    for start in range(int(cursor.get("start", 0)), search.count, PAGE):
        label = f"PubMed records {start + 1}–{min(start + PAGE, search.count)}"
        try:
            text = eutils.fetch(search, start)
            loaded = load_records(text, label, ".xml", run.settings)
        except (FetchError, InputError) as error:
            run.problem(str(error))  # this page is skipped; the next run covers these dates again
        else:
            for bad in loaded.errors:
                run.refuse(bad)
            for study in loaded.studies:
                study = study.model_copy(update={"source": f"watch {run.watch.name}: PubMed"})
                run.take(f"pmid:{study.pmid}" if study.pmid else f"sha:{study.content_hash}", study)
        cursor["start"] = start + PAGE
        run.store.save_cursor(run.run_id, cursor)


def _feed(run: Run, fetcher: Fetcher) -> None:
    feed = read_feed(run.watch.target, fetcher, run.settings)
    if feed.listed > len(feed.entries):
        run.note(f"the feed lists {feed.listed:,} entries; read the first {len(feed.entries):,}")
    for entry in feed.entries:
        source = f"watch {run.watch.name}: {entry.link or run.watch.target}"
        try:
            study = study_from_fields(entry.fields, source, run.settings)
        except InputError as error:
            where = entry.link or entry.key
            run.refuse(type(error)(where, error.problem), entry.key, entry.link, entry.title)
            continue
        run.take(entry.key, study, entry.link)
