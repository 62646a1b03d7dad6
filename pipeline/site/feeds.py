"""The site's machine-readable files: `feed.xml` (Atom, RFC 4287), `feed.json` (JSON Feed 1.1),
`sitemap.xml` (sitemaps.org 0.9) and `search.json` (for a client-side search).

XML is built with ElementTree, which escapes text and attributes; characters XML 1.0 cannot
carry were removed from every field on the way in (`entries.clean`). The feeds hold the newest
50 summaries, each with its teaser as the summary and the Key Takeaway and sections as text.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from pipeline.site.entries import Entry, Topic, clean
from pipeline.site.pages import SECTIONS, Site, page_path

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(entry: Entry) -> str:
    return "\n\n".join([*(clean(entry.summary[name]) for name in SECTIONS), entry.disclosure])


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def atom(entries: list[Entry], site: Site) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    newest = entries[:FEED_SIZE]
    updated = max((e.updated for e in newest), default=datetime(2000, 1, 1, tzinfo=UTC))

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    sub(feed, "id", site.url)
    sub(feed, "title", site.title)
    sub(feed, "subtitle", f"Plain-language summaries of research for people with {site.audience}")
    sub(feed, "updated", _stamp(updated))
    author = sub(feed, "author")
    sub(author, "name", site.title)
    sub(feed, "link", rel="self", type="application/atom+xml", href=f"{site.url}feed.xml")
    sub(feed, "link", rel="alternate", type="text/html", href=f"{site.url}index.html")
    for entry in newest:
        item = sub(feed, "entry")
        sub(item, "id", f"{site.url}{entry.path}")
        sub(item, "title", entry.title)
        sub(item, "published", _stamp(entry.first_published))
        sub(item, "updated", _stamp(entry.updated))
        sub(item, "link", rel="alternate", type="text/html", href=f"{site.url}{entry.path}")
        for name in entry.summary.get("topics") or []:
            if clean(name):
                sub(item, "category", term=clean(name))
        sub(item, "summary", entry.teaser or entry.title)
        sub(item, "content", _text(entry), type="text")
    return _xml(feed)


def json_feed(entries: list[Entry], site: Site) -> str:
    items = [
        {
            "id": f"{site.url}{entry.path}",
            "url": f"{site.url}{entry.path}",
            "title": entry.title,
            "summary": entry.teaser,
            "content_text": _text(entry),
            "date_published": _stamp(entry.first_published),
            "date_modified": _stamp(entry.updated),
            "tags": [clean(t) for t in entry.summary.get("topics") or [] if clean(t)],
            "language": "en",
        }
        for entry in entries[:FEED_SIZE]
    ]
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "home_page_url": f"{site.url}index.html",
        "feed_url": f"{site.url}feed.json",
        "description": f"Plain-language summaries of research for people with {site.audience}",
        "language": "en",
        "authors": [{"name": site.title}],
        "items": items,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def sitemap(entries: list[Entry], topics: list[Topic], pages: int, site: Site) -> str:
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")

    def url(path: str, when: datetime | None = None) -> None:
        element = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(element, f"{{{SITEMAP}}}loc").text = f"{site.url}{path}"
        if when:
            ET.SubElement(element, f"{{{SITEMAP}}}lastmod").text = when.date().isoformat()

    newest = max((e.updated for e in entries), default=None)
    for number in range(1, pages + 1):
        url(page_path(number), newest if number == 1 else None)
    url("topics/index.html", newest)
    for topic in topics:
        url(topic.path, max(e.updated for e in topic.entries))
    for entry in entries:
        url(entry.path, entry.updated)
    return _xml(root)


def search_index(entries: list[Entry], topics: dict[str, Topic]) -> str:
    rows: list[dict[str, Any]] = [
        {
            "title": entry.title,
            "teaser": entry.teaser,
            "topics": [topics[slug].name for slug in entry.topics],
            "url": entry.path,
            "date": entry.first_published.date().isoformat(),
        }
        for entry in entries
    ]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n"
