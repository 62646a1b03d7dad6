"""The site's HTML pages, rendered by Jinja2 with autoescaping from `templates/`.

Every page links to the others relatively (`root` is "" or "../"), so the folder works
wherever it is uploaded, under `pls serve`'s `/site/` and straight from the disk. Provenance
(model, template hashes, reviewer) is an HTML comment on the summary page, never reader text;
the comment is escaped and cannot be closed by the text inside it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from pipeline.house import House
from pipeline.records import SECTION_TITLES
from pipeline.review import provenance_lines
from pipeline.site.entries import Entry, Topic, clean, doi_url, pubmed_url

TEMPLATES = Path(__file__).parent / "templates"
SECTIONS = ("key_takeaway", "what_they_found", "who_should_care", "important_considerations")


@dataclass(frozen=True)
class Site:
    title: str
    url: str  # absolute, ending "/"
    audience: str
    house: House


def _longdate(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%B} {day.day}, {day.year}"


def _comment(text: str) -> Markup:
    """Text for inside `<!-- -->`: escaped, and no `--` left to end the comment early."""
    return Markup(str(escape(clean(text))).replace("--", "&#45;&#45;"))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every string on a page came from an abstract, a model or an editor
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(longdate=_longdate, comment=_comment, clean=clean)
    env.globals["card"] = card_html
    return env


def card_html(card: dict[str, Any], root: str, level: int = 2, ratings: bool = True) -> Markup:
    """A summary's card as HTML. A card shows on its index page, its topics' pages and in up to
    six related lists, so each variant is rendered once per process, not once per page."""
    return _card_html(tuple(card.items()), root, level, ratings)


@lru_cache(maxsize=200_000)
def _card_html(fields: tuple[tuple[str, Any], ...], root: str, level: int, ratings: bool) -> Markup:
    macro = environment().get_template("_cards.html").module.card  # type: ignore[attr-defined]
    return Markup(macro(dict(fields), root, level, ratings))


@cache
def templates_digest() -> str:
    """Changes when any template or the stylesheet does: every page is then rebuilt."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_path(number: int) -> str:
    return "index.html" if number == 1 else f"pages/{number}.html"


def _common(site: Site, path: str, description: str = "") -> dict[str, Any]:
    root = "../" * path.count("/")
    return {"site": site, "path": path, "root": root, "description": description}


def summary_page(entry: Entry, related: list[Entry], topics: dict[str, Topic], site: Site) -> str:
    summary, study = entry.summary, entry.document["study"]
    return (
        environment()
        .get_template("summary.html")
        .render(
            **_common(site, entry.path, entry.teaser),
            page_title=entry.title,
            e=entry,
            s=summary,
            card_of=entry.card(),
            sections=[(SECTION_TITLES[name], summary[name]) for name in SECTIONS],
            topics=[topics[slug] for slug in entry.topics],
            study=study,
            doi=doi_url(study.get("doi")),
            pubmed=pubmed_url(study.get("pmid")),
            related=[other.card() for other in related],
            footer=site.house.footer(clean(study["journal"]) if study.get("journal") else None),
            provenance=" | ".join(provenance_lines(entry.document)),
        )
    )


def explainer_sources(entry: Entry, by_slug: dict[str, Entry]) -> list[dict[str, Any]]:
    """ "The studies behind this explainer": each source's summary page when that study is on
    the site now (published before or after the explainer), else the paper itself (DOI or
    PubMed) when known."""
    pages = {e.study_id: e for e in by_slug.values() if e.kind == "summary"}
    out = []
    for source in entry.document["sources"]:
        study, summary = source["study"], source["summary"]
        page = pages.get(study["id"])
        out.append(
            {
                "title": clean(page.title if page else summary["title"]),
                "href": page.path if page else None,
                "study": clean(study["title"]),
                "journal": clean(study.get("journal") or ""),
                "year": study.get("year"),
                "doi": doi_url(study.get("doi")),
                "pubmed": pubmed_url(study.get("pmid")),
            }
        )
    return out


def explainer_page(
    entry: Entry,
    related: list[Entry],
    behind: list[dict[str, Any]],
    topics: dict[str, Topic],
    site: Site,
) -> str:
    content = entry.document["content"]
    who = ", ".join(dict.fromkeys(r["reviewer"] for r in entry.document.get("reviews", [])))
    return (
        environment()
        .get_template("explainer.html")
        .render(
            **_common(site, entry.path, entry.teaser),
            page_title=entry.title,
            e=entry,
            card_of=entry.card(),
            paragraphs=[p["text"] for p in content["paragraphs"]] + [content["summary"]],
            topics=[topics[slug] for slug in entry.topics],
            sources=behind,
            related=[other.card() for other in related],
            footer=site.house.footer(None),
            provenance=f"explainer {entry.slug} revision {entry.revision}; "
            f"backend {entry.document.get('backend')}; model {entry.document.get('model')}"
            + (f"; reviewed by {who}" if who else ""),
        )
    )


def index_page(cards: list[dict[str, Any]], page: int, pages: int, site: Site) -> str:
    path = page_path(page)
    return (
        environment()
        .get_template("index.html")
        .render(
            **_common(site, path),
            page_title="Latest summaries" if page == 1 else f"Latest summaries, page {page}",
            heading="Latest summaries" if page == 1 else f"Latest summaries: page {page}",
            intro=""
            if page > 1
            else f"New research explained for people living with "
            f"{site.audience}, their caregivers and clinicians, newest first.",
            cards=cards,
            page=page,
            pages=pages,
            page_path=page_path,
        )
    )


def topic_page(topic: Topic, site: Site) -> str:
    count = len(topic.entries)
    return (
        environment()
        .get_template("index.html")
        .render(
            **_common(site, topic.path),
            page_title=f"Topic: {topic.name}",
            heading=f"Topic: {topic.name}",
            intro=f"{count} {'summary' if count == 1 else 'summaries'}, newest first.",
            cards=[entry.card() for entry in topic.entries],
            page=1,
            pages=1,
            page_path=page_path,
        )
    )


def topics_index(topics: list[Topic], site: Site) -> str:
    return (
        environment()
        .get_template("topics.html")
        .render(**_common(site, "topics/index.html"), page_title="Topics", topics=topics)
    )


def stylesheet() -> str:
    return (TEMPLATES / "site.css").read_text(encoding="utf-8")
