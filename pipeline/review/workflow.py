"""The review workflow: the study lifecycle as a transition table, and the reviewer's actions.

    queued → drafting → needs_review → approved → published
    changes_requested, failed  ──redraft──▶  drafting (with the reviewer's note)
    needs_review, approved, changes_requested, published  ──edit──▶  needs_review
    needs_review, approved, changes_requested, failed  ──reject──▶  rejected

Every action runs in one store transaction (`Store.locked`): it checks the study is still in the
state and at the revision the reviewer saw, records the decision (`reviews`) and moves the state
with an event naming who, when and why. A reviewer who acted on something that has since changed
gets `ReviewConflict` naming what changed; an action the lifecycle forbids gets `ReviewError`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.batch import Context, Outcome, process_study
from pipeline.checks import run_checks
from pipeline.errors import ReviewConflict, ReviewError
from pipeline.house import load_house
from pipeline.records import DraftRecord, HouseSummary, utcnow
from pipeline.review.editing import cap_sections
from pipeline.settings import Settings
from pipeline.store import Store, draft_header, parse_markdown, render_summary, write_draft_files

_FORWARD = ("queued", "drafting", "needs_review", "approved", "published")
# "parked": a watch's triage found it off-topic; kept and visible, not drafted until promoted
STATES: tuple[str, ...] = (*_FORWARD, "changes_requested", "rejected", "failed", "parked")

# action -> {state it may start from: state it leads to}; every pair not listed is forbidden.
# The runner's own moves (queued/changes_requested/failed → drafting → needs_review | failed) are
# made by pipeline.batch.stages; "redraft" is the reviewer asking for one.
TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {"needs_review": "approved"},
    "request_changes": {"needs_review": "changes_requested", "approved": "changes_requested"},
    "reject": {
        state: "rejected" for state in ("needs_review", "approved", "changes_requested", "failed")
    },
    # An edit always needs a fresh approval, even of a published study (publishing it again
    # keeps the earlier publication's record).
    "edit": {
        state: "needs_review"
        for state in ("needs_review", "approved", "changes_requested", "published")
    },
    "redraft": {"changes_requested": "drafting", "failed": "drafting"},
    "publish": {"approved": "published"},
    "promote": {"parked": "queued"},  # an editor overrules triage (`pls watch promote`)
}
ACTIONS: tuple[str, ...] = tuple(TRANSITIONS)
NOTE_REQUIRED = {"request_changes", "reject"}


@dataclass(frozen=True)
class Seen:
    """What the reviewer was looking at when they acted; None means "whatever is current"."""

    state: str | None = None
    revision: int | None = None


@dataclass(frozen=True)
class Decision:
    study_id: str
    action: str
    revision: int
    from_state: str
    to_state: str
    reviewer: str


@dataclass(frozen=True)
class Edited:
    record: DraftRecord
    diff: str  # against the revision the edit started from


def target_state(action: str, state: str) -> str | None:
    return TRANSITIONS[action].get(state)


def queue(store: Store, state: str | None = None, failing: str | None = None) -> list[dict]:
    """The review queue; `failing` keeps studies whose latest revision fails that check (an id
    like `caveat.small_sample`, or a family like `caveat`), at either severity."""
    rows = store.queue(state)
    for row in rows:
        row["errors"] = [check for severity, check in row["failing"] if severity == "error"]
        row["warnings"] = [check for severity, check in row["failing"] if severity == "warning"]
    if failing:
        rows = [
            row
            for row in rows
            if any(c == failing or c.startswith(failing + ".") for _, c in row["failing"])
        ]
    return rows


def age(iso_time: str, now: datetime | None = None) -> str:
    """How long ago, for people: "40 s", "12 min", "5 h", "3 d"."""
    seconds = int(((now or datetime.now(UTC)) - datetime.fromisoformat(iso_time)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{max(seconds, 0)} s"


def required(value: str | None, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ReviewError(f"{what} is required")
    return text


def _last_move(store: Store, study_id: str) -> str:
    moves = [e for e in store.events(study_id) if e["to_state"]]
    if not moves:
        return ""
    last = moves[-1]
    return f" ({last['kind']} by {last['actor']} at {last['at']})"


def guard(
    store: Store,
    study_id: str,
    action: str,
    snapshot: dict,
    seen: Seen,
    what: str | None = None,
    kind: str = "study",
) -> str:
    """The state `action` leads to from the locked snapshot, or raise without writing; `what`
    names an action that follows another's rule (a profile correction follows an edit's), `kind`
    what is reviewed (a "study", or an "explainer": its revisions are the explainer's)."""
    state, latest = snapshot["state"], snapshot["revision"]
    if seen.revision is not None and seen.revision > (latest or 0):
        raise ReviewError(f"{study_id} has no revision {seen.revision} (the latest is {latest})")
    if seen.revision is not None and latest != seen.revision:
        logs = store.explainer_revision_log if kind == "explainer" else store.revision_log
        log = logs(study_id)
        author = log[-1]["author"] if log else "?"
        raise ReviewConflict(
            f"{study_id}: revision {latest} (by {author}) was saved after the revision "
            f"{seen.revision} you reviewed; nothing was changed. Reload it and review again."
        )
    if seen.state is not None and state != seen.state:
        raise ReviewConflict(
            f"{study_id}: it is now {state}{_last_move(store, study_id)}, not {seen.state} as "
            "when you opened it; nothing was changed. Reload it and review again."
        )
    target = target_state(action, state)
    if target is None:
        allowed = ", ".join(TRANSITIONS[action])
        a_kind = "an explainer" if kind == "explainer" else f"a {kind}"
        raise ReviewError(
            f"{study_id} is {state}{_last_move(store, study_id)}; "
            f"{what or action.replace('_', ' ')} needs {a_kind} that is {allowed}"
        )
    return target


def decide(
    store: Store,
    study_id: str,
    action: str,
    reviewer: str,
    *,
    note: str | None = None,
    override: str | None = None,
    seen: Seen = Seen(),
) -> Decision:
    """Approve, request changes or reject the latest revision, as one locked transaction."""
    if action not in ("approve", "request_changes", "reject"):
        raise ReviewError(f"unknown review action {action!r}")
    reviewer = required(reviewer, "a reviewer name")
    if action in NOTE_REQUIRED:
        note = required(note, f"a note saying why ({action.replace('_', ' ')})")
    note = " ".join(note.split()) if note else None
    override = " ".join(override.split()) if override else None
    with store.locked(study_id) as snapshot:
        target = guard(store, study_id, action, snapshot, seen)
        revision = snapshot["revision"] or 0
        if action == "approve":
            _check_override(study_id, store.latest(study_id), override)
        store.add_review(study_id, revision, action, reviewer, note=note, override=override)
        detail = f"revision {revision}" + (f"; note: {note}" if note else "")
        detail += f"; override: {override}" if override else ""
        store.set_state(study_id, target, actor=reviewer, kind=action, detail=detail)
    return Decision(study_id, action, revision, snapshot["state"], target, reviewer)


def _check_override(study_id: str, record: DraftRecord | None, override: str | None) -> None:
    if record is None:
        raise ReviewError(f"{study_id} has no draft to approve")
    errors = [c.id for c in record.failing if c.severity == "error"]
    if errors and not override:
        raise ReviewError(
            f"{study_id}: revision {record.revision} fails {len(errors)} error-level check(s) "
            f"({', '.join(errors)}); approving it needs an override reason (--override REASON)"
        )


def edit(
    store: Store,
    settings: Settings,
    study_id: str,
    summary: HouseSummary,
    reviewer: str,
    *,
    note: str | None = None,
    seen: Seen = Seen(),
) -> Edited:
    """Save an edited summary as a new revision by `reviewer`, re-checked, needing review again.

    Credibility is kept from the study profile: it follows from the design, not from an editor.
    """
    reviewer = required(reviewer, "a reviewer name")
    cap_sections(summary, settings, study_id)
    base = store.latest(study_id)
    if base is None:
        raise ReviewError(f"{study_id} has no draft to edit")
    if seen.revision is not None and seen.revision != base.revision:
        base = store.revision(study_id, seen.revision)  # guard() reports the conflict below
    summary = summary.model_copy(update={"credibility": base.summary.credibility})
    if summary == base.summary:
        raise ReviewError(f"{study_id}: the edit changes nothing; no revision was saved")
    # Checks run before taking the lock: the lock then confirms nobody saved in the meantime.
    checks = run_checks(base.study, base.profile, summary, settings)
    failing = [c for c in checks if not c.passed and c.severity == "error"]
    record = base.model_copy(
        update={
            "summary": summary,
            "checks": checks,
            "status": "needs_attention" if failing else "needs_review",
            "attempts": [],  # the LLM calls stay with the revision that made them
            "failed_calls": [],
            "created_at": utcnow(),
        }
    )
    seen = Seen(seen.state, base.revision)
    with store.locked(study_id) as snapshot:
        target = guard(store, study_id, "edit", snapshot, seen)
        number = store.add_revision(record, author=reviewer)
        record = record.model_copy(update={"revision": number})
        store.add_review(study_id, number, "edit", reviewer, note=note)
        detail = f"revision {number} from {base.revision}; {len(failing)} error-level failing"
        store.set_state(
            study_id,
            target,
            actor=reviewer,
            kind="edit",
            detail=detail + (f"; note: {note}" if note else ""),
        )
    house = load_house(settings)
    write_draft_files(record, house, settings.drafts_dir)
    return Edited(record, summary_diff(base, record, settings))


def edit_markdown(
    store: Store,
    settings: Settings,
    study_id: str,
    text: str,
    reviewer: str,
    *,
    source: str = "edited draft",
    note: str | None = None,
) -> Edited:
    """An edited `.md` draft: parsed back into sections; its header names the revision it edits."""
    named, summary = parse_markdown(text, source)
    if named and named != study_id:
        raise ReviewError(f"{source} is a draft of {named}, not of {study_id}")
    seen = Seen(revision=draft_header(text)[1])
    return edit(store, settings, study_id, summary, reviewer, note=note, seen=seen)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def summary_diff(old: DraftRecord, new: DraftRecord, settings: Settings) -> str:
    """A unified diff of two revisions' summaries, one sentence per line, so a one-word edit
    shows as one changed sentence rather than a whole changed paragraph."""
    house = load_house(settings)

    def lines(record: DraftRecord) -> list[str]:
        text = render_summary(record.summary, house, record.study.journal)
        return [s for line in text.splitlines() for s in _SENTENCE_END.split(line)]

    return "\n".join(
        difflib.unified_diff(
            lines(old),
            lines(new),
            f"revision {old.revision}",
            f"revision {new.revision}",
            lineterm="",
        )
    )


def redraft(ctx: Context, study_id: str, reviewer: str) -> Outcome:
    """Send a study sent back (or failed) through drafting again, with the reviewer's note."""
    reviewer = required(reviewer, "a reviewer name")
    store = ctx.store
    with store.locked(study_id) as snapshot:
        target = guard(store, study_id, "redraft", snapshot, Seen())
        note = (
            store.change_request_note(study_id)
            if snapshot["state"] == "changes_requested"
            else None
        )
        store.set_state(study_id, target, actor=reviewer, kind="redraft", detail=note)
    return process_study(ctx, store.study(study_id), reviewer_note=note)
