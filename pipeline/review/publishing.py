"""Publish approved revisions: `outputs/published/<slug>.md`, `.html` and `.json`.

The `.json` is the publication document (study, summary, footer, provenance, earlier versions);
the store keeps every document in `publications`, and the `.md` and `.html` are rendered from it,
so the files can always be regenerated. Publishing is idempotent: a study already published at
its latest revision is left as it is (its files rewritten only if missing). Publishing again after
an edit keeps the earlier publication: its row stays in the store, its files move to
`published/archive/<slug>.r<N>.*`, and the new document lists it under `previous`.

The `.md` never carries live HTML or links, whatever an edit or an override let through: each
field is one paragraph that starts no Markdown block, and `inert_markdown` escapes every tag,
link, image and character reference (the `.html` is autoescaped by Jinja2).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.errors import StoreError
from pipeline.house import House, load_house
from pipeline.records import SECTION_TITLES, DraftRecord, HouseSummary, utcnow
from pipeline.review.workflow import Seen, guard
from pipeline.settings import Settings
from pipeline.store import Store, render_summary, write_atomic
from pipeline.text import inert_markdown

TEMPLATES = Path(__file__).parent / "templates"  # the published page; the review app has its own
SECTIONS = ("key_takeaway", "what_they_found", "who_should_care", "important_considerations")


@dataclass(frozen=True)
class Published:
    study_id: str
    slug: str
    revision: int
    paths: tuple[Path, ...]
    fresh: bool  # False when it was already published at this revision


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # summaries quote abstracts, which are untrusted text
        undefined=jinja2.StrictUndefined,
    )


def published_dir(settings: Settings) -> Path:
    return settings.outputs / "published"


def publish(
    store: Store, settings: Settings, study_id: str | None = None, *, by: str = "pls"
) -> list[Published]:
    """Publish one study, or every approved one."""
    ids = [study_id] if study_id else [row["id"] for row in store.studies(state="approved")]
    return [_publish_one(store, settings, sid, by) for sid in ids]


def _publish_one(store: Store, settings: Settings, study_id: str, by: str) -> Published:
    house = load_house(settings)
    folder = published_dir(settings)
    with store.locked(study_id) as snapshot:
        earlier = store.publications(study_id)
        if (
            snapshot["state"] == "published"
            and earlier
            and earlier[-1]["revision"] == snapshot["revision"]
        ):
            document = _document_of(store, earlier[-1]["id"])
            paths = _write(folder, document, house, only_missing=True)
            return Published(study_id, document["slug"], document["revision"], paths, False)
        target = guard(store, study_id, "publish", snapshot, Seen())
        approval = store.last_review(study_id, "approve")
        if approval is None or approval["revision"] != snapshot["revision"]:
            raise StoreError(f"{study_id} is approved but no approval of its latest revision")
        record = store.revision(study_id, approval["revision"])
        slug = store.slug_of(study_id) or _new_slug(store, record)
        previous = [_document_of(store, row["id"]) for row in earlier]
        document = build_document(store, record, approval, slug, by, previous)
        # how it was made, fixed at publication as the provenance is (issue 12)
        document["disclosure"] = settings.disclosure(document["provenance"]["offline"])
        for old in previous[-1:]:
            _write(folder / "archive", old, house, suffix=f".r{old['revision']}")
        paths = _write(folder, document, house)
        store.add_publication(study_id, record.revision, slug, by, json.dumps(document))
        store.set_state(
            study_id,
            target,
            actor=by,
            kind="publish",
            detail=f"revision {record.revision} as {slug}",
        )
    return Published(study_id, slug, record.revision, paths, True)


def _document_of(store: Store, publication_id: int) -> dict[str, Any]:
    return json.loads(store.publication_json(publication_id))


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


def _new_slug(store: Store, record: DraftRecord) -> str:
    """The summary's title as a slug; the study id is appended if another study has it."""
    slug = slugify(record.summary.title) or record.study.id
    owner = store.slug_owner(slug)
    return slug if owner in (None, record.study.id) else f"{slug}-{record.study.id}"


def provenance(store: Store, record: DraftRecord, approval: dict, by: str) -> dict[str, Any]:
    """Who and what produced this text: the drafting model (or the offline rules) with its
    prompt-template hashes, everyone who edited it since, the approving reviewer, and when."""
    log = store.revision_log(record.study.id)[: record.revision]
    machine = [row for row in log if row["author"] == "pls"]
    drafted = store.revision(record.study.id, machine[-1]["number"]) if machine else record
    calls = [a.call for a in drafted.attempts]
    return {
        "drafted_by": "offline rules" if drafted.offline else f"{drafted.backend} {drafted.model}",
        "backend": drafted.backend,
        "model": drafted.model,
        "offline": drafted.offline,
        "drafted_revision": drafted.revision,
        "drafted_at": drafted.created_at.isoformat(timespec="seconds"),
        "template_hashes": calls[-1].template_hashes if calls else {},
        "edited_by": sorted({row["author"] for row in log[drafted.revision :]}),
        "reviewer": approval["reviewer"],
        "approved_at": approval["at"],
        "approval_note": approval["note"],
        "override": approval["override"],
        "published_by": by,
        "published_at": utcnow().isoformat(timespec="seconds"),
    }


def build_document(
    store: Store,
    record: DraftRecord,
    approval: dict,
    slug: str,
    by: str,
    previous: list[dict[str, Any]],
) -> dict[str, Any]:
    study = record.study
    return {
        "slug": slug,
        "revision": record.revision,
        "study": study.model_dump(include={"id", "title", "journal", "year", "doi", "pmid"}),
        "summary": record.summary.model_dump(),
        "required_caveats": record.profile.required_caveats,
        "failing_checks": [
            {"id": c.id, "severity": c.severity, "message": c.message} for c in record.failing
        ],
        "provenance": provenance(store, record, approval, by),
        "previous": [
            {
                "revision": old["revision"],
                "reviewer": old["provenance"]["reviewer"],
                "published_at": old["provenance"]["published_at"],
                "archived": f"archive/{slug}.r{old['revision']}.json",
            }
            for old in previous
        ],
    }


def render_markdown(document: dict[str, Any], house: House) -> str:
    raw = document["summary"]
    summary = HouseSummary.model_validate(
        {
            **{name: _inline(raw[name]) for name in ("title", *SECTIONS)},
            "topics": [_inline(topic) for topic in raw["topics"]],
            **{
                name: {"score": raw[name]["score"], "reason": _inline(raw[name]["reason"])}
                for name in ("credibility", "interest")
            },
        }
    )
    text = render_summary(summary, house, document["study"]["journal"])
    lines = "\n".join(f"- {_inline(line)}" for line in provenance_lines(document))
    made = f"{_inline(document['disclosure'])}\n\n" if document.get("disclosure") else ""
    return inert_markdown(f"{text}\n{made}## Provenance\n\n{lines}\n")


_BLOCK_START = re.compile(r"^(?:(\d{1,9})([.)])|([#>+*=_|~`-]))")


def _inline(text: str) -> str:
    """One paragraph that opens no Markdown block (heading, list, quote, rule or fence)."""
    text = " ".join(text.split())
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", text, count=1)


def render_html(document: dict[str, Any], house: House) -> str:
    return (
        _environment()
        .get_template("published.html")
        .render(
            doc=document,
            summary=document["summary"],
            sections=[(SECTION_TITLES[name], document["summary"][name]) for name in SECTIONS],
            footer=house.footer(document["study"]["journal"]),
            disclosure=document.get("disclosure"),
            provenance=provenance_lines(document),
        )
    )


def provenance_lines(document: dict[str, Any]) -> list[str]:
    prov, study = document["provenance"], document["study"]
    hashes = ", ".join(f"{name} {digest}" for name, digest in prov["template_hashes"].items())
    source = f"PMID {study['pmid']}" if study.get("pmid") else study.get("doi") or study["id"]
    lines = [
        f"Study: {study['title']} ({study.get('journal') or 'journal not stated'}"
        f"{', ' + str(study['year']) if study.get('year') else ''}; {source}).",
        f"Drafted by {prov['drafted_by']} (revision {prov['drafted_revision']}, "
        f"{prov['drafted_at']}); prompt templates: {hashes or 'none recorded'}.",
    ]
    if prov["edited_by"]:
        lines.append(f"Edited by {', '.join(prov['edited_by'])}.")
    lines.append(
        f"Revision {document['revision']} approved by {prov['reviewer']} at {prov['approved_at']}"
        + (f" (override: {prov['override']})" if prov["override"] else "")
        + f"; published {prov['published_at']}."
    )
    return lines


def _write(
    folder: Path,
    document: dict[str, Any],
    house: House,
    *,
    suffix: str = "",
    only_missing: bool = False,
) -> tuple[Path, ...]:
    stem = folder / f"{document['slug']}{suffix}"
    views = {
        ".md": lambda: render_markdown(document, house),
        ".html": lambda: render_html(document, house),
        ".json": lambda: json.dumps(document, indent=2, ensure_ascii=False) + "\n",
    }
    paths = []
    for extension, render in views.items():
        path = stem.with_name(stem.name + extension)
        if not (only_missing and path.exists()):
            write_atomic(path, render())
        paths.append(path)
    return tuple(paths)
