"""A reviewer corrects a study profile: its design, species or number of participants.

The profile decides the caveats a summary must carry and its credibility, so a correction is
derived through the profiler's own rules again (`pipeline.profile.corrected`), the draft is
re-checked against the corrected profile (or redrafted with it, on request) and saved as a new
revision that needs approval again: a correction follows the workflow's rule for edits, from the
same states (a published study stays published until the new revision is approved and published
again). The correction is kept in the store with who, when, why, the old and the new values,
and an event in the audit trail; later drafting rounds of the same abstract keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.backends import Backend
from pipeline.checks import error_failures, run_checks
from pipeline.drafting import Prompts, draft_study
from pipeline.errors import DraftFailed, ReviewError
from pipeline.house import load_house
from pipeline.profile import DESIGN_NAMES, corrected, design_species
from pipeline.records import Design, DraftRecord, StudyProfile, utcnow
from pipeline.review.workflow import Seen, guard, required
from pipeline.settings import Settings
from pipeline.store import Store, write_draft_files

SPECIES = ("people", "animals", "cells", "unknown")
FIELDS = ("design", "species", "participants")  # what a reviewer may correct
MOST_PARTICIPANTS = 100_000_000  # more than any registry or pooled analysis has counted
WHAT = "a profile correction"
UNSET: Any = object()  # participants not given (None means "not stated")


@dataclass(frozen=True)
class Corrected:
    record: DraftRecord  # the new revision, re-checked (or redrafted) with the new profile
    changes: dict[str, tuple[Any, Any]]  # field: (old, new)
    credibility: tuple[int, int]  # (old, new) score
    added: list[str] = field(default_factory=list)  # caveats now required
    removed: list[str] = field(default_factory=list)  # caveats no longer required
    redraft_error: str | None = None  # a redraft asked for that failed: the draft was re-checked

    def summary(self) -> str:
        """One line: what changed, the caveats and credibility that follow, the checks."""
        parts = [
            f"{name} {_shown(old)} → {_shown(new)}" for name, (old, new) in self.changes.items()
        ]
        parts += [
            f"caveat {'+' if sign else '-'} {c}"
            for sign, cs in ((1, self.added), (0, self.removed))
            for c in cs
        ]
        errors = [c.id for c in self.record.failing if c.severity == "error"]
        old, new = self.credibility
        parts.append(f"credibility {old}/5 → {new}/5" if old != new else f"credibility {new}/5")
        parts.append(
            f"{len(errors)} error-level failing" + (f" ({', '.join(errors)})" if errors else "")
        )
        return "; ".join(parts)


def _shown(value: Any) -> str:
    return "not stated" if value is None else str(value)


def parse_design(text: str) -> Design:
    """A design by its id (`cohort`, `case_control`), with `-` or spaces for `_`, or its name."""
    key = "_".join(text.strip().lower().replace("-", " ").split())
    names = {
        name.lower().replace("-", "_").replace(" ", "_"): d for d, name in DESIGN_NAMES.items()
    }
    found = next((d for d in Design if d.value == key), None) or names.get(key)
    if found is None:
        raise ReviewError(
            f"unknown design {text!r}; choose one of {', '.join(d.value for d in Design)}"
        )
    return found


def parse_species(text: str) -> str:
    key = text.strip().lower()
    if key not in SPECIES:
        raise ReviewError(f"unknown species {text!r}; choose one of {', '.join(SPECIES)}")
    return key


def parse_participants(text: str | int | None) -> int | None:
    """A whole number of people, or "none" / "not stated" / blank for a study that gives none."""
    if text is None or isinstance(text, int):
        value = text
    else:
        key = " ".join(text.strip().lower().split())
        if key in ("", "none", "not stated", "not-stated", "-"):
            return None
        digits = key.replace(",", "").replace("_", "")
        if not (digits.lstrip("-").isascii() and digits.lstrip("-").isdigit()) or len(digits) > 12:
            raise ReviewError(f"participants must be a whole number of people, not {text!r}")
        value = int(digits)
    if value is not None and not 1 <= value <= MOST_PARTICIPANTS:
        raise ReviewError(
            f"participants must be between 1 and {MOST_PARTICIPANTS:,} (or 'none'), not {value:,}"
        )
    return value


def _changes(
    profile: StudyProfile, design: Design | None, species: str | None, people: Any
) -> dict[str, Any]:
    """The fields the correction changes, checked for sense: a design of people has people, a
    count is of people. A design alone brings the species it implies."""
    new: dict[str, Any] = {}
    if design is not None and design != profile.design:
        new["design"] = design.value
    final_design = design or profile.design
    implied = design_species(final_design)
    if species is None and design is not None and implied and implied != profile.species:
        species = implied
    if species is not None:
        if implied and species != implied:
            raise ReviewError(
                f"a {DESIGN_NAMES[final_design].lower()} is a study of {implied}, not {species}; "
                "correct the design too"
            )
        if species != profile.species:
            new["species"] = species
    final_species = species or profile.species
    if people is not UNSET:
        if people is not None and final_species != "people":
            raise ReviewError(f"participants count people; this is a study of {final_species}")
        if people != profile.participants:
            new["participants"] = people
    return new


def correct_profile(
    store: Store,
    settings: Settings,
    study_id: str,
    reviewer: str,
    reason: str,
    *,
    design: str | None = None,
    species: str | None = None,
    participants: Any = UNSET,
    redraft: bool = False,
    backend: Backend | None = None,
    seen: Seen | None = None,
) -> Corrected:
    """Correct the profile of the latest revision (or the one `seen`), as a new revision."""
    seen = seen or Seen()
    reviewer = required(reviewer, "a reviewer name")
    reason = required(reason, "a reason for the correction")
    wanted = (
        parse_design(design) if design is not None and design.strip() else None,
        parse_species(species) if species is not None and species.strip() else None,
        participants if participants is UNSET else parse_participants(participants),
    )
    if wanted[0] is None and wanted[1] is None and wanted[2] is UNSET:
        raise ReviewError("say what to correct: --design, --species or --participants")
    base = store.latest(study_id)
    if base is None:
        raise ReviewError(f"{study_id} has no draft whose profile to correct")
    latest = base.revision
    if seen.revision is not None and seen.revision != base.revision:
        base = store.revision(study_id, seen.revision)  # guard() reports the conflict
    # Refused before any work (a redraft costs a model call) when the workflow forbids it.
    snapshot = {"state": store.state(study_id), "revision": latest}
    guard(store, study_id, "edit", snapshot, Seen(seen.state, base.revision), WHAT)
    study, old = base.study, base.profile
    new = _changes(old, *wanted)
    if not new:
        raise ReviewError(f"{study_id}: the correction changes nothing; no revision was saved")
    why = f"corrected by {reviewer}: {reason}"
    profile = corrected(study, old, {k: {"value": v, "why": why} for k, v in new.items()}, settings)
    record, failed = _recheck(base, profile, settings), None
    if redraft:
        if backend is None:
            raise ReviewError("a redraft needs a backend")
        try:
            record = draft_study(study, profile, backend, settings, prompts=Prompts.load(settings))
        except DraftFailed as error:
            store.add_failed_calls(study_id, error.calls)
            failed = f"the redraft failed ({error.reason}): {error}; the draft was re-checked"
    # What changed, with what followed from it (a species of animals counts no people).
    before = {n: _value(old, n) for n in FIELDS if _value(old, n) != _value(profile, n)}
    new = {n: _value(profile, n) for n in before}
    added = [c for c in profile.required_caveats if c not in old.required_caveats]
    removed = [c for c in old.required_caveats if c not in profile.required_caveats]
    scores = (old.credibility.score, profile.credibility.score)
    result = Corrected(
        record, {k: (before[k], new[k]) for k in new}, scores, added, removed, failed
    )
    with store.locked(study_id) as snapshot:
        target = guard(store, study_id, "edit", snapshot, Seen(seen.state, base.revision), WHAT)
        number = store.add_revision(record, author=reviewer)
        record = record.model_copy(update={"revision": number})
        store.save_profile(study_id, profile)
        store.add_profile_correction(
            study_id, number, reviewer, reason, before, new, study.content_hash
        )
        store.add_review(study_id, number, "correct_profile", reviewer, note=reason)
        result = Corrected(record, result.changes, scores, added, removed, failed)
        detail = f"revision {number} from {base.revision}: {result.summary()}; reason: {reason}"
        detail += f"; {failed}" if failed else ("; redrafted" if redraft else "")
        store.set_state(study_id, target, actor=reviewer, kind="profile_corrected", detail=detail)
    write_draft_files(record, load_house(settings), settings.drafts_dir)
    return result


def _value(profile: StudyProfile, name: str) -> Any:
    value = getattr(profile, name)
    return value.value if isinstance(value, Design) else value


def _recheck(base: DraftRecord, profile: StudyProfile, settings: Settings) -> DraftRecord:
    """The same text under the corrected profile: its credibility line, and every check again."""
    summary = base.summary.model_copy(update={"credibility": profile.credibility})
    checks = run_checks(base.study, profile, summary, settings)
    failing = error_failures(checks)
    return base.model_copy(
        update={
            "profile": profile,
            "summary": summary,
            "checks": checks,
            "status": "needs_attention" if failing else "needs_review",
            "attempts": [],  # the LLM calls stay with the revision that made them
            "failed_calls": [],
            "created_at": utcnow(),
        }
    )
