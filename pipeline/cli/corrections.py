"""`pls review profile ID`: a reviewer corrects the study profile (design, species,
participants) with a reason; the caveats and credibility are derived again, the draft is
re-checked (or redrafted with `--redraft`) and saved as a new revision. A thin shell over
`pipeline.review.correct_profile`; registered on `pls review` by review.py. And
`pls eval --profile-corrections`: those corrections exported as JSONL hand labels.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline import review
from pipeline.cli.common import (
    BackendOpt,
    ModelOpt,
    OutputsOpt,
    ReviewerOpt,
    check_table,
    console,
    errors,
    make_settings,
    open_store,
    text,
)
from pipeline.records import StudyProfile
from pipeline.settings import Settings

RevisionOpt = Annotated[
    int | None,
    typer.Option("--revision", help="The revision you reviewed; refused if a newer one exists."),
]
StudyArg = Annotated[str, typer.Argument(help="Study id, as `pls review list` shows it.")]


def profile_lines(profile: StudyProfile) -> str:
    """The corrected-or-read fields, each with how sure and why: what `review profile` fixes."""
    lines = []
    for name in ("design", "species", "participants"):
        value = getattr(profile, name)
        sure = profile.confidence.get(name)
        line = f"{name}: {getattr(value, 'value', value) if value is not None else 'not stated'}"
        if sure:
            line += f" ({sure.level}: {sure.reason}"
            line += f"; or {sure.alternative})" if sure.alternative else ")"
        if profile.evidence.get(name):
            line += f' from "{profile.evidence[name]}"'
        lines.append(("CHECK " if sure and sure.level == "low" else "") + line)
    return "Profile:\n  " + "\n  ".join(lines)


def profile_command(
    study_id: StudyArg,
    reviewer: ReviewerOpt,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the profile is wrong: kept in the audit trail.")
    ],
    design: Annotated[
        str | None, typer.Option("--design", help="The design, e.g. cohort, rct, case_control.")
    ] = None,
    species: Annotated[
        str | None, typer.Option("--species", help="people, animals, cells or unknown.")
    ] = None,
    participants: Annotated[
        str | None,
        typer.Option("--participants", help="How many people were studied, or 'none'."),
    ] = None,
    redraft: Annotated[
        bool, typer.Option("--redraft", help="Draft again with the corrected profile.")
    ] = False,
    revision: RevisionOpt = None,
    backend: BackendOpt = None,
    model: ModelOpt = None,
    outputs: OutputsOpt = None,
) -> None:
    """Correct the study profile: caveats and credibility follow, the draft is re-checked."""
    from pipeline.backends import make_backend

    settings = make_settings(backend, model, outputs)
    with open_store(settings) as store:
        done = review.correct_profile(
            store,
            settings,
            study_id,
            reviewer,
            reason,
            design=design,
            species=species,
            participants=review.UNSET if participants is None else participants,
            redraft=redraft,
            backend=make_backend(settings) if redraft else None,
            seen=review.Seen(revision=revision),
        )
    record = done.record
    console.print(check_table(record.checks, f"{study_id}: revision {record.revision} checks"))
    console.print(text(f"Corrected: {done.summary()}"))
    console.print("Required caveats: " + ", ".join(record.profile.required_caveats))
    if done.redraft_error:
        errors.print(text(done.redraft_error))
    console.print(f"Saved revision {record.revision} ({record.status}); it needs approval again.")


def export_corrections(settings: Settings, out: Path | None) -> int:
    """`pls eval --profile-corrections`: one JSONL label per corrected study, to `out` or
    stdout; what was written (and left out) goes to stderr, so stdout stays JSONL."""
    from pipeline.evaluate import correction_labels
    from pipeline.store import write_atomic

    with open_store(settings) as store:
        found = correction_labels(store)
    lines = "".join(json.dumps(label, ensure_ascii=False) + "\n" for label in found.labels)
    if out is None:
        sys.stdout.write(lines)
    else:
        write_atomic(out, lines)
    where = f" to {out}" if out else ""
    errors.print(text(f"{len(found.labels)} corrected profile(s) exported as labels{where}"))
    if found.stale:
        errors.print(
            text(
                f"{len(found.stale)} left out: the abstract changed after the correction "
                f"({', '.join(found.stale)})"
            )
        )
    return 0
