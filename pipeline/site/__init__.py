"""The reader's site: every published summary as a static site a house can upload as one folder.

It reads the store's publications (the floor above review, which writes them) and writes
`outputs/site/` (or any folder): the paged index, one page per summary in the house layout
(More Details, Article Topics, You May Also Like, footer), topic pages, Atom and JSON feeds, a
sitemap and a search index. Nothing in it is hand-edited; it can be rebuilt at any time.

    entries.py   published summaries and topics, read from the store; safe outbound links
    related.py   related articles: shared topics and TF-IDF similarity (scikit-learn)
    pages.py     the HTML pages from templates/ (autoescaped, relative links, no scripts)
    feeds.py     feed.xml (Atom), feed.json (JSON Feed 1.1), sitemap.xml, search.json
    build.py     the build: a key per file, only changed files rewritten, a manifest
"""

from __future__ import annotations

from pipeline.site.build import MANIFEST, SiteReport, build_site, site_dir
from pipeline.site.entries import (
    TEASER_CHARS,
    Entry,
    draft_related,
    load_entries,
    related_text,
    teaser_of,
    topic_slug,
)
from pipeline.site.related import RELATED, Item, related, vectorizer

__all__ = [
    "MANIFEST",
    "RELATED",
    "TEASER_CHARS",
    "Entry",
    "Item",
    "SiteReport",
    "build_site",
    "draft_related",
    "load_entries",
    "related",
    "related_text",
    "site_dir",
    "teaser_of",
    "topic_slug",
    "vectorizer",
]
