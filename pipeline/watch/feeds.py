"""Journal feeds (RSS 1.0/2.0, Atom) through feedparser, read as untrusted input.

A feed is fetched by `Fetcher` (bounded size, timeouts, at most 5 redirects), refused before
parsing when it declares entities (an XML bomb) or is an HTML page, and only its first
`watch_max_entries` entries are read (feeds list the newest first). Each entry becomes raw
fields for ingest: title, abstract (summary or content, markup removed by ingest), journal
(the feed's title), year, and the DOI and PMID when the entry states them (`prism:doi`,
`dc:identifier`, a doi.org or PubMed link, the entry id).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import feedparser

from pipeline.errors import FetchError
from pipeline.ingest import canonical_doi, canonical_pmid
from pipeline.settings import Settings, mask_secrets
from pipeline.watch.fetch import Fetcher

_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL)
_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_PMID_LINK = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d{1,9})\b")


@dataclass
class FeedEntry:
    key: str  # what the watch knows it by: pmid:…, doi:…, else link:…
    title: str
    link: str | None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feed:
    title: str
    entries: list[FeedEntry]
    listed: int  # how many entries the feed had, read or not


def read_feed(url: str, fetcher: Fetcher, settings: Settings) -> Feed:
    body, kind = fetcher.get(url)
    shown = mask_secrets(url)
    if _ENTITY.search(body[:65536]) or _ENTITY.search(body):
        raise FetchError(
            f"{shown}: the feed declares XML entities (an entity bomb?); refused unread"
        )
    if ("html" in kind.lower() and not _looks_like_feed(body)) or _HTML.match(body[:4096]):
        raise FetchError(f"{shown}: an HTML page came back, not a feed")
    # A character reference to a lone surrogate (&#xD800;) crashes feedparser's loose parser:
    # it is no character, so it becomes U+FFFD before parsing.
    body = _CHAR_REF.sub(_no_surrogate, body)
    try:
        parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    except Exception as error:  # the parser's own failure on hostile input is still one line
        raise FetchError(
            f"{shown}: the feed could not be parsed ({type(error).__name__})"
        ) from None
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        why = str(problem).splitlines()[0][:160] if problem else "no RSS or Atom found"
        raise FetchError(f"{shown}: not a feed ({why})")
    journal = _plain(parsed.feed.get("title"), 300) or None
    entries = [_entry(e, journal) for e in parsed.entries[: settings.watch_max_entries]]
    return Feed(journal or shown, [e for e in entries if e], len(parsed.entries))


def _no_surrogate(ref: re.Match[bytes]) -> bytes:
    digits = ref[1]
    value = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    return b"&#xFFFD;" if 0xD800 <= value <= 0xDFFF else ref[0]


def _looks_like_feed(body: bytes) -> bool:
    head = body[:2048].lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


def _plain(value: object, limit: int) -> str:
    """A feed's string as storable text: no lone surrogates or control characters, bounded."""
    text = str(value or "")[: limit * 2].encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() else " " for c in text).strip()[:limit]


def _entry(entry: Any, journal: str | None) -> FeedEntry | None:
    title = _plain(entry.get("title"), 500)
    link = _plain(entry.get("link"), 2000) or None
    texts = [str(entry.get(k) or "") for k in ("prism_doi", "dc_identifier", "id", "link")]
    texts += [str(x.get("href", "")) for x in entry.get("links", []) or []]
    doi = next(
        filter(None, (canonical_doi(m.rstrip(".,;)")) for t in texts for m in _DOI.findall(t))),
        None,
    )
    pmid = next((canonical_pmid(m) for t in texts for m in _PMID_LINK.findall(t)), None)
    content = entry.get("content") or []
    abstract = str(entry.get("summary") or "")
    if content and len(str(content[0].get("value", ""))) > len(abstract):
        abstract = str(content[0].get("value", ""))
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    seen_as = link or title
    if len(seen_as) > 300:  # a key stays short; a long link is known by its digest
        seen_as = hashlib.sha256(seen_as.encode()).hexdigest()[:32]
    key = f"pmid:{pmid}" if pmid else f"doi:{doi.lower()}" if doi else f"link:{seen_as}"
    if not (title or abstract) or key == "link:":
        return None
    fields = {"title": title, "abstract": abstract, "journal": journal, "doi": doi, "pmid": pmid}
    fields["year"] = when.tm_year if when else None
    return FeedEntry(key, title or "(untitled)", link, fields)
