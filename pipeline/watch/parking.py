"""Parked studies: kept and visible, never drafted, until an editor promotes one to the queue.

Promoting is a reviewer's decision like any other (`reviews` row, event with who and why), so
it is in the audit trail, and triage learns from it: a promoted study counts as one the house
wanted.
"""

from __future__ import annotations

from pipeline.errors import ReviewError
from pipeline.review import target_state
from pipeline.store import Store


def promote(store: Store, study_id: str, reviewer: str, note: str | None = None) -> str:
    """Move a parked study to the queue (the next `pls batch` drafts it); returns its state."""
    reviewer = " ".join((reviewer or "").split())
    if not reviewer:
        raise ReviewError("a reviewer name is required (--reviewer or PLS_REVIEWER)")
    note = " ".join(note.split()) if note else None
    with store.locked(study_id) as snapshot:
        target = target_state("promote", snapshot["state"])
        if target is None:
            raise ReviewError(
                f"{study_id} is {snapshot['state']}; only a parked study can be promoted"
            )
        store.add_review(study_id, snapshot["revision"] or 0, "promote", reviewer, note=note)
        detail = "promoted past triage" + (f"; note: {note}" if note else "")
        store.set_state(study_id, target, actor=reviewer, kind="promote", detail=detail)
    return target
