"""The review app's topic explainers: "New explainer" (a topic, an optional brief, the studies
to draw on, found by topic and editable), and each explainer's review page with the summary's
actions (approve with override, request changes with a note, reject, edit in place with a
diff, publish). Thin shells over `pipeline.explain` and `pipeline.review`; every POST checks
the CSRF token and ends in a redirect.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline import explain, review
from pipeline.backends import Backend
from pipeline.errors import ExplainError, PlsError, ReviewError
from pipeline.house import load_house
from pipeline.review import target_state
from pipeline.settings import Settings
from pipeline.site import build_site
from pipeline.store import Store
from pipeline.web.routes import _remember, _seen, _text
from pipeline.web.security import checked_form, flash, render, with_store

ACTIONS = ("approve", "request_changes", "reject", "edit", "publish")
MAX_DOCUMENT_CHARS = 40_000
TOPIC_CHARS = 120


def _back(explainer_id: str) -> RedirectResponse:
    return RedirectResponse(f"/explainer/{explainer_id}", status_code=303)


def _new_page(store: Store, settings: Settings, topic: str) -> dict[str, Any]:
    """Every study that can be a source, those the topic finds first and ticked."""
    found: list[str] = []
    problem = ""
    if topic:
        try:
            house = load_house(settings)
            limit = settings.explainer_max_sources
            found = [c.source.id for c in explain.find_sources(store, topic, house, limit)]
        except ExplainError as error:
            problem = str(error)
    rows = [r for r in store.queue() if r["revision"] and r["state"] != "rejected"]
    rows.sort(key=lambda r: (r["id"] not in found, found.index(r["id"]) if r["id"] in found else 0))
    return {"topic": topic, "rows": rows, "found": found, "problem": problem}


async def explainers_page(request: Request) -> Response:
    rows = await with_store(request, lambda store: store.explainers())
    return render(request, "explainers.html", {"rows": rows})


async def new_page(request: Request) -> Response:
    topic = " ".join(request.query_params.get("topic", "").split())[:TOPIC_CHARS]
    page = await with_store(request, _new_page, request.app.state.settings, topic)
    return render(request, "explainer_new.html", page)


def _create(
    store: Store, settings: Settings, backend: Backend, topic: str, brief: str, ids: list[str]
) -> str:
    topic, brief = explain.clean_topic(topic), explain.clean_brief(brief)
    house = load_house(settings)
    sources = explain.chosen_sources(store, topic, house, ids, settings.explainer_max_sources)
    return explain.draft_and_store(store, topic, brief, sources, backend, settings).id


async def create(request: Request) -> Response:
    form = await checked_form(request)
    ids = [i for i in form.getlist("study") if isinstance(i, str)]
    if not ids:
        raise ExplainError("choose at least one study to draw on")
    app = request.app.state
    explainer_id = await with_store(
        request, _create, app.settings, app.backend, _text(form, "topic"), _text(form, "brief"), ids
    )
    flash(request, "Drafted. Review it below.")
    return _back(explainer_id)


def _page(store: Store, explainer_id: str) -> dict[str, Any]:
    row = store.explainer(explainer_id)
    record = store.explainer_revision(explainer_id)
    log = store.explainer_revision_log(explainer_id)
    previous = (
        store.explainer_revision(explainer_id, record.revision - 1) if record.revision > 1 else None
    )
    failing = [c for c in record.checks if not c.passed]
    flagged = {s.section for c in failing if c.severity == "error" for s in c.spans}
    paragraphs = [
        {"n": n, "text": p.text, "sources": p.sources, "flagged": f"paragraph_{n}" in flagged}
        for n, p in enumerate(record.content.paragraphs, 1)
    ]
    last = len(paragraphs) + 1
    return {
        "row": row,
        "state": row["state"],
        "record": record,
        "paragraphs": paragraphs,
        "summary_flagged": f"paragraph_{last}" in flagged,
        "failing": sorted(failing, key=lambda c: (c.severity != "error", c.id)),
        "errors": [c.id for c in failing if c.severity == "error"],
        "passed": [c for c in record.checks if c.passed],
        "log": log[::-1],
        "diff": review.explainer_diff(previous, record) if previous else "",
        "events": store.events(explainer_id),
        "document": explain.render_explainer(record, report=False),
        "can": {a: target_state(a, row["state"]) is not None for a in ACTIONS},
        "slugs": {s.id: store.slug_of(s.id) for s in record.sources},
    }


async def explainer_page(request: Request) -> Response:
    page = await with_store(request, _page, request.path_params["explainer_id"])
    return render(request, "explainer.html", page)


async def decide(request: Request) -> Response:
    form = await checked_form(request)
    explainer_id = request.path_params["explainer_id"]
    action = _text(form, "action")
    if action not in ("approve", "request_changes", "reject", "publish"):
        raise ReviewError(f"unknown review action {action!r}")
    decision = await with_store(
        request,
        review.decide_explainer,
        explainer_id,
        action,
        _remember(request, form),
        note=_text(form, "note"),
        override=_text(form, "override"),
        seen=_seen(form),
    )
    message = f"{decision.action.replace('_', ' ')}: now {decision.to_state}."
    if action == "publish":
        try:  # as a summary's Publish does: the publication stands if the site cannot be built
            await with_store(request, build_site, request.app.state.settings)
            message += " The /site/ preview is rebuilt."
        except PlsError as error:
            message += f" The site was not rebuilt: {error}"
    flash(request, message)
    return _back(explainer_id)


async def edit(request: Request) -> Response:
    form = await checked_form(request)
    explainer_id = request.path_params["explainer_id"]
    document = _text(form, "document")
    if len(document) > MAX_DOCUMENT_CHARS:
        raise ReviewError(f"the edit has {len(document)} characters; at most {MAX_DOCUMENT_CHARS}")
    content = explain.parse_explainer(document, "the edited explainer")
    edited = await with_store(
        request,
        review.edit_explainer,
        request.app.state.settings,
        explainer_id,
        content,
        _remember(request, form),
        note=_text(form, "note") or None,
        seen=_seen(form),
    )
    flash(request, f"Saved revision {edited.record.revision} ({edited.record.status}).")
    return _back(explainer_id)


EXPLAINER_ROUTES = [
    Route("/explainers", explainers_page, name="explainers"),
    Route("/explainers/new", new_page, name="explainer_new"),
    Route("/explainers/new", create, methods=["POST"], name="explainer_create"),
    Route("/explainer/{explainer_id}", explainer_page, name="explainer"),
    Route("/explainer/{explainer_id}/decide", decide, methods=["POST"], name="explainer_decide"),
    Route("/explainer/{explainer_id}/edit", edit, methods=["POST"], name="explainer_edit"),
]
