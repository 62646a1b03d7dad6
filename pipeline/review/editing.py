"""Read back a draft a person has edited (`.md` or `.json`) and re-run the checks on it.

A Markdown draft names its study in a header comment; the study and profile come from the
`.json` beside it when present, else from the store. Every edit, from a file, `review edit`
or the web form, is held to `max_section_chars` per section before any check runs, and its
credibility is derived again from the study profile: an edited rating is put back and
reported as a failing `structure.credibility` check.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from pipeline.checks import run_checks
from pipeline.errors import DraftFileError, StoreError
from pipeline.house import load_house
from pipeline.profile import credibility
from pipeline.records import PROSE_SECTIONS, SECTION_TITLES, CheckResult, DraftRecord, HouseSummary
from pipeline.settings import Settings
from pipeline.store import Store, parse_markdown


def load_edited(path: Path, settings: Settings) -> tuple[DraftRecord, list[CheckResult]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DraftFileError(path, f"cannot read ({error})") from error
    if path.suffix.lower() == ".json":
        record = _record_from_json(text, path)
    else:
        study_id, summary = parse_markdown(text, path)
        base = _base_record(path, study_id, settings)
        record = base.model_copy(update={"summary": summary})
    cap_sections(record.summary, settings, path)
    derived = credibility(
        record.profile.design,
        record.profile.required_caveats,
        record.profile.participants,
        load_house(settings),
    )
    edited = record.summary.credibility
    record = record.model_copy(
        update={"summary": record.summary.model_copy(update={"credibility": derived})}
    )
    checks = run_checks(record.study, record.profile, record.summary, settings)
    checks.append(
        CheckResult(
            id="structure.credibility",
            severity="error",
            passed=edited.score == derived.score,
            message=f"Credibility {derived.score}/5 follows from the study profile."
            if edited.score == derived.score
            else f"Credibility was edited to {edited.score}/5, but the study profile gives "
            f"{derived.score}/5 ({derived.reason}); it follows from the design, not from an "
            f"edit, and stays {derived.score}/5.",
        )
    )
    return record.model_copy(update={"checks": checks}), checks


def cap_sections(summary: HouseSummary, settings: Settings, source: str | Path) -> None:
    """DraftFileError naming the first section (or the topics, or a rating's reason) longer
    than `settings.max_section_chars`: refused before any check reads it."""
    limit = settings.max_section_chars
    parts = [(SECTION_TITLES[name], getattr(summary, name)) for name in PROSE_SECTIONS]
    parts += [(SECTION_TITLES["topics"], "; ".join(summary.topics))]
    parts += [
        (f"the {name} reason", getattr(summary, name).reason)
        for name in ("credibility", "interest")
    ]
    for label, text in parts:
        if len(text) > limit:
            raise DraftFileError(
                source,
                f"{label} has {len(text):,} characters; an edited section may have at most "
                f"{limit:,} (max_section_chars)",
            )


def _record_from_json(text: str, path: Path) -> DraftRecord:
    try:
        return DraftRecord.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DraftFileError(path, f"not a pls draft record ({where}: {first['msg']})") from None


def _base_record(path: Path, study_id: str | None, settings: Settings) -> DraftRecord:
    sibling = path.with_suffix(".json")
    if sibling.exists():
        return _record_from_json(sibling.read_text(encoding="utf-8"), sibling)
    if not study_id:
        raise DraftFileError(
            path,
            "no '<!-- pls: study=... -->' line and no .json beside it; "
            "cannot tell which study this draft is for",
        )
    if not settings.store_may_exist():
        raise DraftFileError(path, f"study {study_id} unknown: no store at {settings.db_path}")
    with Store(settings.database) as store:
        try:
            record = store.latest(study_id)
        except StoreError as error:
            raise DraftFileError(path, str(error)) from None
    if record is None:
        raise DraftFileError(path, f"study {study_id} has no draft in {settings.database_label}")
    return record
