"""Build the static site from the store, rebuilding only the files whose inputs changed.

Each file's inputs (the publication documents it shows, the related articles and topics it
links, the site's settings and the templates) are hashed into a key; `.pls-site.json` in the
site folder keeps the key of every file it wrote, and a file whose key is unchanged (and which
is still there) is not rendered again. Related articles are recomputed at every build, so an
older page whose list gains a newer summary is rebuilt. Files the site no longer has (a topic
nobody uses now) are removed, but only files the manifest lists: the build never deletes
anything it did not write, and refuses a folder that holds other files and no manifest.

Pages are replaced by rename and not flushed one by one: the site is regenerable, and the
manifest, written last and flushed, never claims a page the build did not finish.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from pipeline.errors import OutputWriteError, SiteError
from pipeline.house import load_house
from pipeline.settings import Settings
from pipeline.site import feeds, pages
from pipeline.site.entries import Entry, load_entries, newest_first_items, topics_of
from pipeline.site.related import COUNT_FEATURES, related, term_counts
from pipeline.store import Store, write_atomic

MANIFEST = ".pls-site.json"
TERMS = ".pls-site-terms.npz"  # term counts by document digest: see _cached_counts
LOCK = ".pls-site.lock"
MANIFEST_VERSION = 1


@dataclass
class SiteReport:
    folder: Path
    summaries: int = 0
    topics: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def site_dir(settings: Settings) -> Path:
    return settings.outputs / "site"


def _site(settings: Settings) -> pages.Site:
    house = load_house(settings)
    url = settings.site_url.strip()
    if not url.lower().startswith(("http://", "https://")) or any(c in url for c in "\"'<> "):
        raise SiteError(f"site_url must be an http(s) address, not {url!r}")
    url = url if url.endswith("/") else url + "/"
    title = settings.site_title.strip() or f"{house.audience} Research"
    return pages.Site(title=title, url=url, audience=house.audience, house=house)


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def _refuse_foreign(folder: Path) -> None:
    """Never write into a folder of someone else's files (a typo in --out)."""
    if folder.exists() and not folder.is_dir():
        raise SiteError(f"{folder}: not a folder; give --out a new or empty folder")
    if (
        folder.is_dir()
        and not (folder / MANIFEST).exists()
        and any(p.name not in (LOCK, TERMS) for p in folder.iterdir())
    ):
        raise SiteError(
            f"{folder}: not empty and not a pls site (no {MANIFEST}); choose an empty or new folder"
        )


def _read_manifest(folder: Path) -> dict[str, Any]:
    """The last build's manifest: `files` (path -> key), `inputs` (the key of everything the
    site was built from) and `topics`; empty when missing or damaged (a full rebuild)."""
    path = folder / MANIFEST
    if not path.exists():
        return {"files": {}}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("version") != MANIFEST_VERSION:
            return {"files": {}}
        files = {str(k): str(v) for k, v in manifest["files"].items()}
        return {"files": files, "inputs": manifest.get("inputs"), "topics": manifest.get("topics")}
    except (OSError, ValueError, KeyError, AttributeError):
        return {"files": {}}


def _write_fast(path: Path, text: str) -> None:
    # one builder per folder at a time is the rule (the manifest is one file), so a fixed
    # temporary name next to the page is enough and cheaper than mkstemp's
    tmp = path.with_name(f".{path.name}.tmp")
    data = text.encode("utf-8", errors="replace")  # a lone surrogate cannot stop a build
    try:
        try:
            tmp.write_bytes(data)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as error:
        raise OutputWriteError(f"{path}: cannot write the page ({error.strerror})") from error


def plan(
    entries: list[Entry], settings: Settings, site: pages.Site, counts: sparse.csr_matrix
) -> dict[str, Any]:
    """Every file of the site: relative path -> (key, render). `counts` are the entries' term
    counts (`related.term_counts`), row for row."""
    topics = topics_of(entries)
    by_topic = {topic.slug: topic for topic in topics}
    by_slug = {entry.slug: entry for entry in entries}
    items = newest_first_items(entries)
    links = related(items, counts=counts)
    base = (pages.templates_digest(), site.title, site.url, site.house.footer("J"))
    files: dict[str, tuple[str, Callable[[], str]]] = {}
    # what a card shows follows from its document and first publication: a stamp stands for it
    stamp = {e.slug: f"{e.digest}@{e.first_published.isoformat()}" for e in entries}

    def add(path: str, inputs: Any, render: Callable[[], str]) -> None:
        files[path] = (_key(base, path, inputs), render)

    def names(entry: Entry) -> list[tuple[str, str]]:
        return [(slug, by_topic[slug].name) for slug in entry.topics]

    for entry in entries:
        others = [by_slug[slug] for slug in links[entry.slug]]
        if entry.kind == "explainer":
            behind = pages.explainer_sources(entry, by_slug)
            add(
                entry.path,
                (stamp[entry.slug], [stamp[o.slug] for o in others], names(entry), behind),
                lambda e=entry, o=others, b=behind: pages.explainer_page(e, o, b, by_topic, site),
            )
            continue
        add(
            entry.path,
            (stamp[entry.slug], [stamp[o.slug] for o in others], names(entry)),
            lambda e=entry, o=others: pages.summary_page(e, o, by_topic, site),
        )
    size = settings.site_page_size
    count = max(1, -(-len(entries) // size))
    for number in range(1, count + 1):
        shown = entries[(number - 1) * size : number * size]
        add(
            pages.page_path(number),
            ([stamp[e.slug] for e in shown], count),
            lambda s=shown, n=number: pages.index_page([e.card() for e in s], n, count, site),
        )
    for topic in topics:
        add(topic.path, (topic.name, [stamp[e.slug] for e in topic.entries]), _bind(topic, site))
    listing = [(t.slug, t.name, len(t.entries)) for t in topics]
    add("topics/index.html", listing, lambda: pages.topics_index(topics, site))
    newest = entries[: feeds.FEED_SIZE]
    feed_inputs = [(stamp[e.slug], e.updated) for e in newest]
    add("feed.xml", feed_inputs, lambda: feeds.atom(entries, site))
    add("feed.json", feed_inputs, lambda: feeds.json_feed(entries, site))
    mapped = ([(e.path, e.updated) for e in entries], [(t.path,) for t in topics], count)
    add("sitemap.xml", mapped, lambda: feeds.sitemap(entries, topics, count, site))
    searched = [(stamp[e.slug], names(e)) for e in entries]
    add("search.json", searched, lambda: feeds.search_index(entries, by_topic))
    add("site.css", (), pages.stylesheet)
    return {"files": files, "topics": len(topics)}


def _cached_counts(folder: Path, entries: list[Entry]) -> sparse.csr_matrix:
    """The entries' term counts, row for row: counting is most of relating, and a document's
    counts never change, so they are kept by document digest in `.pls-site-terms.npz` and only
    new or changed documents are counted. A missing or damaged cache is counted afresh."""
    path = folder / TERMS
    cached: dict[str, int] = {}
    matrix = None
    try:
        with np.load(path, allow_pickle=False) as saved:
            keys = [str(k) for k in saved["keys"]]
            shape = tuple(int(n) for n in saved["shape"])
            matrix = sparse.csr_matrix(
                (saved["data"], saved["indices"], saved["indptr"]), shape=shape
            )
            if shape == (len(keys), COUNT_FEATURES):
                cached = {key: row for row, key in enumerate(keys)}
    except (OSError, ValueError, KeyError, TypeError):
        cached = {}
    fresh = [e for e in entries if e.digest not in cached]
    if fresh:
        new = term_counts([e.text for e in fresh])
        offset = matrix.shape[0] if cached and matrix is not None else 0
        matrix = sparse.vstack([matrix, new]).tocsr() if offset else new
        cached.update({e.digest: offset + n for n, e in enumerate(fresh)})
    rows = [cached[e.digest] for e in entries]
    counts = matrix[rows] if matrix is not None else term_counts([])
    if fresh or len(rows) != len(cached):
        _save_counts(path, [e.digest for e in entries], counts)
    return counts


def _save_counts(path: Path, keys: list[str], counts: sparse.csr_matrix) -> None:
    tmp = path.with_name(f".{path.name}.tmp.npz")
    try:
        np.savez(
            tmp,
            keys=np.array(keys, dtype=str),
            shape=np.array(counts.shape),
            data=counts.data,
            indices=counts.indices,
            indptr=counts.indptr,
        )
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # only a cache: the next build counts again


def _all_there(folder: Path, files: dict[str, str]) -> bool:
    return bool(files) and all((folder / path).is_file() for path in files)


def _bind(topic: Any, site: pages.Site) -> Callable[[], str]:
    return lambda: pages.topic_page(topic, site)


def build_site(
    store: Store, settings: Settings, out: Path | None = None, *, full: bool = False
) -> SiteReport:
    """Build (or bring up to date) the site in `out` (default `outputs/site/`)."""
    started = time.perf_counter()
    folder = out or site_dir(settings)
    site = _site(settings)
    _refuse_foreign(folder)
    with _locked(folder):
        return _build(store, settings, folder, site, full=full, started=started)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build per folder at a time: a second `pls publish` waits for the first's build."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / LOCK).open("a")
    except OSError as error:
        raise OutputWriteError(f"{folder}: cannot write the site ({error.strerror})") from error
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(
    store: Store,
    settings: Settings,
    folder: Path,
    site: pages.Site,
    *,
    full: bool,
    started: float,
) -> SiteReport:
    manifest = _read_manifest(folder)
    before: dict[str, str] = manifest["files"]
    entries, problems = load_entries(store)
    inputs = _key(
        pages.templates_digest(),
        site.title,
        site.url,
        site.house.footer("J"),
        settings.site_page_size,
        [(e.slug, e.digest, e.claimed, e.first_published, e.updated) for e in entries],
    )
    if not full and manifest.get("inputs") == inputs and _all_there(folder, before):
        # nothing published since the last build (a `pls publish` with nothing approved)
        report = SiteReport(folder, len(entries), int(manifest.get("topics") or 0))
        report.problems, report.unchanged = problems, len(before)
        report.seconds = time.perf_counter() - started
        return report
    counts = _cached_counts(folder, entries)
    planned = plan(entries, settings, site, counts)
    report = SiteReport(folder, len(entries), planned["topics"], problems=problems)
    files: dict[str, tuple[str, Callable[[], str]]] = planned["files"]
    for path, (key, render) in files.items():
        target = folder / path
        if not full and before.get(path) == key and target.is_file():
            report.unchanged += 1
            continue
        _write_fast(target, render())
        report.written.append(path)
    for path in sorted(set(before) - set(files)):
        stale = folder / path
        if stale.resolve().is_relative_to(folder.resolve()) and stale.is_file():
            stale.unlink()
            report.removed.append(path)
    written = {
        "version": MANIFEST_VERSION,
        "inputs": inputs,
        "topics": planned["topics"],
        "files": {p: k for p, (k, _) in files.items()},
    }
    write_atomic(folder / MANIFEST, json.dumps(written, indent=0, sort_keys=True) + "\n")
    report.seconds = time.perf_counter() - started
    return report
