"""The review app's pages and form handlers: thin shells over `pipeline.review` and
`pipeline.batch`. Every POST handler starts with `checked_form` (the CSRF check) and ends in a
redirect, so reloading a page never repeats an action.
"""

from __future__ import annotations

import unicodedata

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline import review
from pipeline.backends import Backend
from pipeline.batch import Outcome
from pipeline.errors import PlsError, ReviewError
from pipeline.house import load_house
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, HouseSummary, Rating
from pipeline.review import publish, render_html
from pipeline.settings import Settings
from pipeline.site import build_site
from pipeline.store import Store
from pipeline.web.security import (
    checked_form,
    client_of,
    flash,
    one_line,
    render,
    same,
    too_many,
    with_store,
)
from pipeline.web.submissions import BodyTooLarge, context, ingest_and_draft, shown_name
from pipeline.web.views import published_document, published_rows, queue_rows, study_page

REVIEWER_CHARS = 100
FLASHED = 5  # flashes live in the session cookie, which browsers cap at 4 KB
PAGE_PROBLEMS = 100
PUBLISHED_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _int(form: FormData, name: str) -> int | None:
    value = _text(form, name).strip()
    # ASCII digits, and few of them: "１" or 5,000 digits is no revision number.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _seen(form: FormData) -> review.Seen:
    """What the reviewer was looking at, so a stale action is refused, never applied."""
    revision = _int(form, "revision")
    if revision is None and _text(form, "revision").strip():
        raise ReviewError("the form's revision is not a number; reload the page")
    return review.Seen(_text(form, "state") or None, revision)


def _one_line(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        parts.append(f"{SECTION_TITLES.get(where, where.replace('_', ' '))}: {item['msg']}")
    return "; ".join(parts)


def _back(study_id: str) -> RedirectResponse:
    return RedirectResponse(f"/study/{study_id}", status_code=303)


def _remember(request: Request, form: FormData) -> str:
    """The reviewer's name, kept in the session for the next form. Invisible and bidi
    characters go (they could make one name look like another in the audit trail), and a
    long name is refused: it would outgrow the session cookie, which browsers then drop."""
    text = "".join(ch for ch in _text(form, "reviewer") if unicodedata.category(ch) != "Cf")
    reviewer = " ".join(text.split())
    if len(reviewer) > REVIEWER_CHARS:
        raise ReviewError(f"a reviewer name has at most {REVIEWER_CHARS} characters")
    if reviewer:
        request.session["reviewer"] = reviewer
    return reviewer


async def queue_page(request: Request) -> Response:
    state, failing = request.query_params.get("state", ""), request.query_params.get("failing", "")
    rows = await with_store(request, queue_rows, state, failing)
    context = {"rows": rows, "state": state, "failing": failing, "states": review.STATES}
    return render(request, "queue.html", context)


async def study(request: Request) -> Response:
    settings = request.app.state.settings
    page = await with_store(request, study_page, settings, request.path_params["study_id"])
    return render(request, "study.html", page)


async def decide(request: Request) -> Response:
    form = await checked_form(request)
    study_id = request.path_params["study_id"]
    action = _text(form, "action")
    seen = _seen(form)
    decision = await with_store(
        request,
        review.decide,
        study_id,
        action,
        _remember(request, form),
        note=_text(form, "note"),
        override=_text(form, "override"),
        seen=seen,
    )
    flash(request, f"{decision.action.replace('_', ' ')}: now {decision.to_state}.")
    return _back(study_id)


async def edit(request: Request) -> Response:
    form = await checked_form(request)
    study_id = request.path_params["study_id"]
    score = _int(form, "interest_score")
    if score is None or not 1 <= score <= 5:
        raise ReviewError("the edit is incomplete: the interest score is a whole number, 1 to 5")
    try:
        interest = Rating(score=score, reason=_text(form, "interest"))
        summary = HouseSummary(
            **{name: " ".join(_text(form, name).split()) for name in PROSE_SECTIONS},
            topics=[t.strip() for t in _text(form, "topics").splitlines() if t.strip()],
            teaser=" ".join(_text(form, "teaser").split()),
            interest=interest,
            credibility=Rating(score=1, reason="kept from the study profile"),
        )
    except ValidationError as error:
        raise ReviewError(f"the edit is incomplete: {_one_line(error)}") from None
    settings = request.app.state.settings
    seen = _seen(form)
    reviewer = _remember(request, form)
    edited = await with_store(
        request, review.edit, settings, study_id, summary, reviewer, seen=seen
    )
    errors = [c.id for c in edited.record.failing if c.severity == "error"]
    flash(
        request,
        f"Saved revision {edited.record.revision}; re-checked: "
        + (f"{len(errors)} error-level check(s) failing." if errors else "all error checks pass."),
        "warn" if errors else "ok",
    )
    return _back(study_id)


async def correct(request: Request) -> Response:
    form = await checked_form(request)
    study_id = request.path_params["study_id"]
    app = request.app.state
    done = await with_store(
        request,
        review.correct_profile,
        app.settings,
        study_id,
        _remember(request, form),
        _text(form, "reason"),
        design=_text(form, "design"),
        species=_text(form, "species"),
        participants=_text(form, "participants").strip() or review.UNSET,  # blank: keep
        redraft=_text(form, "redraft") == "on",
        backend=app.backend,
        seen=_seen(form),
    )
    errors = [c.id for c in done.record.failing if c.severity == "error"]
    flash(
        request,
        one_line(f"Profile corrected (revision {done.record.revision}): {done.summary()}."),
        "warn" if errors or done.redraft_error else "ok",
    )
    if done.redraft_error:
        flash(request, one_line(done.redraft_error, 300), "error")
    return _back(study_id)


def _redraft(
    store: Store, settings: Settings, backend: Backend, study_id: str, who: str
) -> Outcome:
    return review.redraft(context(store, settings, backend), study_id, who)


async def redraft(request: Request) -> Response:
    form = await checked_form(request)
    study_id = request.path_params["study_id"]
    app = request.app.state
    outcome = await with_store(
        request, _redraft, app.settings, app.backend, study_id, _remember(request, form)
    )
    flash(request, f"Redrafted: {outcome.result}.", "warn" if outcome.error else "ok")
    return _back(study_id)


async def publish_one(request: Request) -> Response:
    form = await checked_form(request)
    study_id = request.path_params["study_id"]
    who = _remember(request, form) or "pls"
    settings = request.app.state.settings
    done = await with_store(request, publish, settings, study_id, by=who)
    try:  # as `pls publish` does; the publication stands even if the site cannot be built
        await with_store(request, build_site, settings)
        flash(request, f"Published as /published/{done[0].slug}. The /site/ preview is rebuilt.")
    except PlsError as error:
        flash(request, f"Published as /published/{done[0].slug}. The site was not: {error}", "warn")
    return _back(study_id)


async def published_list(request: Request) -> Response:
    rows = await with_store(request, published_rows)
    return render(request, "published_list.html", {"rows": rows})


async def published_page(request: Request) -> Response:
    document = await with_store(request, published_document, request.path_params["slug"])
    html = render_html(document, load_house(request.app.state.settings))
    return HTMLResponse(html, headers={"Content-Security-Policy": PUBLISHED_CSP})


async def submit_page(request: Request) -> Response:
    return render(request, "submit.html", {"errors": [], "title": "", "abstract": ""})


def _listed(problems: list[str], most: int) -> list[str]:
    """At most `most` problems, then how many more: an upload of 10,000 bad lines must not
    make a page of 10,000 lines or a session cookie the browser drops."""
    if len(problems) <= most:
        return problems
    return [*problems[:most], f"…and {len(problems) - most} more problems in this submission"]


async def submit(request: Request) -> Response:
    form = await checked_form(request)
    try:
        return await _submit(request, form)
    finally:
        await form.close()  # the spooled upload goes at once, not when it is collected


async def _submit(request: Request, form: FormData) -> Response:
    text, title = _text(form, "abstract"), _text(form, "title").strip()
    file = form.get("file")
    app = request.app.state
    upload = None
    if isinstance(file, UploadFile) and file.filename:
        shown = shown_name(file.filename)
        size = file.size if file.size is not None else 0
        if size > app.settings.max_file_bytes:
            raise BodyTooLarge(f"{shown}: the file", app.settings.max_file_bytes, size)
        upload = (shown, file.file)
    if not upload and not text.strip():
        context = {
            "errors": ["Paste an abstract or choose a file."],
            "title": title,
            "abstract": "",
        }
        return render(request, "submit.html", context, 400)
    outcomes, problems = await with_store(
        request, ingest_and_draft, app.settings, app.backend, text, title, upload
    )
    drafted = [o for o in outcomes if o.study_id]
    if not drafted:
        context = {"errors": _listed(problems, PAGE_PROBLEMS), "title": title, "abstract": text}
        return render(request, "submit.html", context, 400)
    for outcome in drafted[:FLASHED]:
        flash(request, f"{outcome.study_id}: {outcome.result.replace('_', ' ')}.")
    if len(drafted) > FLASHED:
        flash(request, f"…and {len(drafted) - FLASHED} more studies, in the queue.")
    for problem in _listed(problems, FLASHED):
        flash(request, one_line(problem, 300), "error")
    if len(drafted) == 1:
        return _back(str(drafted[0].study_id))
    return RedirectResponse("/", status_code=303)


async def login_page(request: Request) -> Response:
    return render(request, "login.html", {"next": request.query_params.get("next", "/")})


async def login(request: Request) -> Response:
    form = await checked_form(request)
    target = _text(form, "next")
    target = target if target.startswith("/") and not target.startswith("//") else "/"
    throttle, client = request.app.state.throttle, client_of(request)
    wait = throttle.wait(client)
    if wait:  # refused unread, so a guess made now tells the guesser nothing
        page = render(request, "login.html", {"next": target, "error": too_many(wait)}, 429)
        page.headers["Retry-After"] = str(wait)
        return page
    if not same(_text(form, "token"), request.app.state.token):
        throttle.failed(client)
        return render(request, "login.html", {"next": target, "error": "Wrong token."}, 401)
    throttle.succeeded(client)
    request.session["auth"] = True
    return RedirectResponse(target, status_code=303)


ROUTES = [
    Route("/", queue_page, name="queue"),
    Route("/submit", submit_page, name="submit_page"),
    Route("/submit", submit, methods=["POST"], name="submit"),
    Route("/study/{study_id}", study, name="study"),
    Route("/study/{study_id}/decide", decide, methods=["POST"], name="decide"),
    Route("/study/{study_id}/edit", edit, methods=["POST"], name="edit"),
    Route("/study/{study_id}/redraft", redraft, methods=["POST"], name="redraft"),
    Route("/study/{study_id}/profile", correct, methods=["POST"], name="profile"),
    Route("/study/{study_id}/publish", publish_one, methods=["POST"], name="publish"),
    Route("/published", published_list, name="published"),
    Route("/published/{slug}", published_page, name="published_page"),
    Route("/login", login_page, name="login_page"),
    Route("/login", login, methods=["POST"], name="login"),
]
