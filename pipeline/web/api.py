"""The read-only JSON API: what a house's site or CMS pulls, described by OpenAPI.

    GET /api/studies?state=&page=&per_page=   the store's studies, oldest first
    GET /api/studies/{id}                      one study: metadata, abstract, latest draft
    GET /api/published?page=&per_page=         the published summaries, newest first
    GET /api/openapi.json                      this description (public)

Every request but the description needs `Authorization: Bearer TOKEN` (security.py's
`api_refusal`). Pages are 1-based, `per_page` 1 to 100 (default 20); every list answer carries
`page`, `per_page`, `total` and `next` (the next page's number, or null). A bad parameter is a
400, an unknown study a 404, a store in trouble a 503: always `{"error": "..."}`, one line.
Nothing here writes. Publication provenance (reviewers, template hashes) stays internal.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline.errors import StoreError, StoreNotFoundError
from pipeline.review import STATES
from pipeline.store import Store
from pipeline.web.security import one_line, with_store

MAX_PER_PAGE = 100


class BadParameter(ValueError):
    pass


def _int(request: Request, name: str, default: int, top: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw[:9]) <= top or len(raw) > 9:
        raise BadParameter(f"{name} must be a whole number from 1 to {top}")
    return int(raw)


def _paging(request: Request) -> tuple[int, int]:
    return _int(request, "page", 1, 10**6), _int(request, "per_page", 20, MAX_PER_PAGE)


def _page(rows: list[dict[str, Any]], page: int, per_page: int) -> dict[str, Any]:
    start = (page - 1) * per_page
    more = start + per_page < len(rows)
    items = rows[start : start + per_page]
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": len(rows),
        "next": page + 1 if more else None,
    }


def _review_url(request: Request, study_id: str) -> str:
    return request.app.state.settings.review_url.rstrip("/") + "/study/" + quote(study_id, safe="")


def _list_studies(store: Store, state: str | None, base: str) -> list[dict[str, Any]]:
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "state": row["state"],
            "revision": row["revision"],
            "credibility": None if row["credibility"] is None else int(row["credibility"]),
            "updated_at": row["updated_at"],
            "review_url": base + quote(row["id"], safe=""),
        }
        for row in store.queue(state)
    ]


def _one_study(store: Store, study_id: str, base: str, site: str) -> dict[str, Any]:
    study = store.study(study_id)
    record = store.latest(study_id)
    slug = store.slug_of(study_id)
    return {
        **study.model_dump(
            include={
                "id",
                "title",
                "abstract",
                "journal",
                "year",
                "doi",
                "pmid",
                "source",
                "keywords",
                "mesh_terms",
            }
        ),
        "state": store.state(study_id),
        "review_url": base + quote(study_id, safe=""),
        "revision": record.revision if record else None,
        "status": record.status if record else None,
        "summary": record.summary.model_dump() if record else None,
        "required_caveats": record.profile.required_caveats if record else [],
        "failing_checks": [
            {"id": c.id, "severity": c.severity, "message": c.message} for c in record.failing
        ]
        if record
        else [],
        "published_url": f"{site}summaries/{slug}.html" if slug else None,
    }


def _published(store: Store, site: str) -> list[dict[str, Any]]:
    out = []
    for row in store.published_documents():
        document = json.loads(row["record_json"])
        out.append(
            {
                "study_id": row["study_id"],
                "slug": row["slug"],
                "revision": row["revision"],
                "url": f"{site}summaries/{row['slug']}.html",
                "published_at": row["at"],
                "first_published_at": row["first_at"],
                "study": document["study"],
                "summary": document["summary"],
                "required_caveats": document.get("required_caveats", []),
            }
        )
    out.sort(key=lambda item: (item["first_published_at"], item["study_id"]), reverse=True)
    return out


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status)


async def _answer(request: Request, work: Any, *args: Any) -> Response:
    try:
        return JSONResponse(await with_store(request, work, *args))
    except BadParameter as error:
        return _error(400, str(error))
    except StoreNotFoundError as error:
        return _error(404, str(error))
    except StoreError as error:
        return _error(503, str(error))


async def studies(request: Request) -> Response:
    try:
        page, per_page = _paging(request)
        state = request.query_params.get("state") or None
        if state is not None and state not in STATES:
            raise BadParameter(f"state must be one of {', '.join(STATES)}")
    except BadParameter as error:
        return _error(400, str(error))
    base = request.app.state.settings.review_url.rstrip("/") + "/study/"

    def work(store: Store) -> dict[str, Any]:
        return _page(_list_studies(store, state, base), page, per_page)

    return await _answer(request, work)


async def one_study(request: Request) -> Response:
    settings = request.app.state.settings
    base = settings.review_url.rstrip("/") + "/study/"
    study_id = request.path_params["study_id"]
    return await _answer(request, _one_study, study_id, base, settings.site_url)


async def published(request: Request) -> Response:
    try:
        page, per_page = _paging(request)
    except BadParameter as error:
        return _error(400, str(error))
    site = request.app.state.settings.site_url

    def work(store: Store) -> dict[str, Any]:
        return _page(_published(store, site), page, per_page)

    return await _answer(request, work)


@cache
def spec() -> dict[str, Any]:
    """The OpenAPI description, data beside this module (`openapi.json`), with the states
    the workflow knows (so a new state is never missing from it)."""
    described = json.loads((Path(__file__).parent / "openapi.json").read_text("utf-8"))
    described["components"]["schemas"]["StudyRow"]["properties"]["state"]["enum"] = list(STATES)
    described["components"]["schemas"]["Study"]["properties"]["state"]["enum"] = list(STATES)
    described["paths"]["/api/studies"]["get"]["parameters"][0]["schema"]["enum"] = list(STATES)
    return described


async def openapi(request: Request) -> Response:
    return JSONResponse(spec())


API_ROUTES = [
    Route("/api/studies", studies, name="api_studies"),
    Route("/api/studies/{study_id:path}", one_study, name="api_study"),
    Route("/api/published", published, name="api_published"),
    Route("/api/openapi.json", openapi, name="api_openapi"),
]
