"""Reviewable files: a draft as house-layout Markdown plus a check report, and back again.

`outputs/drafts/<id>.md` is what a reviewer reads and may edit; `parse_markdown` reads an edited
file back into a HouseSummary so `pls check` can re-run the checks on it. Files are written
atomically (temp file + rename), so a crash never leaves half a draft, and a write that fails
(read-only folder, full disk) is one OutputWriteError line, never an OSError.

File names are bounded: an id of at most 100 lower-case letters, digits and "-" (every id
ingest makes) is its own file name, as it always was; any other id (a long DOI id from an older
store, anything odd) is its slug cut to 80 characters, "_" (which the plain names never hold)
and 12 hex digits of SHA-256 of the id. `draft_path` is the one place that maps an id to a file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from pipeline.errors import DraftFileError, OutputWriteError
from pipeline.evidence import align_summary
from pipeline.house import House
from pipeline.records import SECTION_TITLES, CheckResult, DraftRecord, HouseSummary, Rating

REPORT_MARKER = "<!-- pls:report -->"
_META = re.compile(r"<!-- pls: study=(?P<id>\S+) revision=(?P<rev>\d+) -->")
_RATING = re.compile(r"^\*\*(Credibility|Interest):\*\*[ \t]*(\d+)/5[ \t]*[—-][ \t]*(.+)$", re.M)
_HEADING = re.compile(r"^(#{1,2}) (.+)$", re.M)
_REPORT_HEADING = re.compile(r"^## Check report[ \t]*$", re.M)


_PLAIN_STEM = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def draft_stem(study_id: str) -> str:
    """The file name (without suffix) for a study's draft: bounded, safe, one per id."""
    if _PLAIN_STEM.fullmatch(study_id):
        return study_id
    slug = _NOT_SLUG.sub("-", study_id.lower()).strip("-")[:80].rstrip("-") or "study"
    digest = hashlib.sha256(study_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}_{digest}"


def draft_path(drafts_dir: Path, study_id: str) -> Path:
    """`outputs/drafts/<stem>.md` for a study; its record is the same path with `.json`."""
    return drafts_dir / f"{draft_stem(study_id)}.md"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file and a rename; OutputWriteError if it cannot be."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _write_error(path, error) from error
        raise


def _write_error(path: Path, error: OSError) -> OutputWriteError:
    shown = str(path) if str(path).isprintable() else repr(str(path))[1:-1]
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the folder is on a read-only file system",
    }.get(error.errno or 0, error.strerror or str(error))
    return OutputWriteError(f"{shown}: cannot write the file ({reason})", error.errno)


def render_summary(summary: HouseSummary, house: House, journal: str | None) -> str:
    """The house layout: title, ratings with reasons, the four sections, topics, the teaser,
    footer.

    Each field is one line (as `parse_markdown` reads it back), so a line break in drafted
    text cannot start a heading or a section of its own."""
    parts = [
        f"# {_line(summary.title)}",
        "",
        f"**Credibility:** {summary.credibility.score}/5 — {_line(summary.credibility.reason)}",
        f"**Interest:** {summary.interest.score}/5 — {_line(summary.interest.reason)}",
    ]
    for name in _PROSE:
        parts += ["", f"## {SECTION_TITLES[name]}", "", _line(getattr(summary, name))]
    parts += ["", f"## {SECTION_TITLES['topics']}", ""]
    parts += [f"- {_line(topic)}" for topic in summary.topics]
    if summary.teaser:  # the site's card line; drafts from before teasers have none
        parts += ["", f"## {SECTION_TITLES['teaser']}", "", _line(summary.teaser)]
    parts += ["", "---", "", f"*{house.footer(journal)}*"]
    return "\n".join(parts) + "\n"


def render_draft(record: DraftRecord, house: House) -> str:
    """A reviewable draft: the summary, then a check report a reviewer can act on."""
    lines = [f"<!-- pls: study={record.study.id} revision={record.revision} -->"]
    if record.offline:
        lines.append("> Drafted offline by rules (no language model). Review with care.\n")
    lines.append(render_summary(record.summary, house, record.study.journal))
    lines += [REPORT_MARKER, "", "## Check report", ""]
    failing = [c for c in record.checks if not c.passed]
    errors = sum(1 for c in failing if c.severity == "error")
    verdict = (
        "**Needs attention:** " + f"{errors} error-level check(s) still failing."
        if errors
        else "**Ready for review:** every error-level check passes."
    )
    lines += [
        verdict,
        "",
        f"Study `{record.study.id}` from `{record.study.source}`; drafted by "
        f"{record.backend} ({record.model}) in {len(record.attempts)} round(s).",
        "",
    ]
    lines += check_table(record.checks)
    lines += ["", "### Why these caveats", ""]
    profile = record.profile
    lines.append(
        f"- Design: **{profile.design.value}**; studied in **{profile.species}**"
        + (f" ({', '.join(profile.animals)})" if profile.animals else "")
        + f"; conditions: {', '.join(profile.conditions) or 'none named'}"
        + f"; people: {profile.participants if profile.participants else 'not stated'}."
    )
    lines.append(f"- Required caveats: {', '.join(f'`{c}`' for c in profile.required_caveats)}.")
    for field, sentence in profile.evidence.items():
        if field != "followup_phrase":
            lines.append(f"- {field}: “{sentence}”")
    return "\n".join(lines) + "\n"


def check_table(checks: list[CheckResult]) -> list[str]:
    rows = ["| check | result | detail |", "|---|---|---|"]
    for check in sorted(checks, key=lambda c: (c.passed, c.severity != "error", c.id)):
        mark = "pass" if check.passed else ("FAIL" if check.severity == "error" else "warn")
        message = check.message.replace("|", "\\|")
        rows.append(f"| {check.id} | {mark} | {message} |")
    return rows


def write_draft_files(record: DraftRecord, house: House, drafts_dir: Path) -> Path:
    """Write the draft's `.md` and `.json`; returns the `.md` path. Raises OutputWriteError."""
    md_path = draft_path(drafts_dir, record.study.id)
    write_atomic(md_path, render_draft(record, house))
    # the `.json` carries each sentence's support for scripts (issue 12), computed here so every
    # writer of a draft (drafting, edits, corrections) gives it
    alignment = align_summary(record.study, record.summary, house)
    traced = record.model_copy(update={"alignment": alignment})
    write_atomic(md_path.with_suffix(".json"), traced.model_dump_json(indent=2))
    return md_path


def draft_header(text: str) -> tuple[str | None, int | None]:
    """(study id, revision) from a draft's `<!-- pls: ... -->` header, if it still has one."""
    meta = _META.search(text)
    return (meta.group("id"), int(meta.group("rev"))) if meta else (None, None)


def parse_markdown(text: str, source: str | Path) -> tuple[str | None, HouseSummary]:
    """An edited draft back into (study id, summary). Raises DraftFileError naming what is off:
    a missing, repeated or unknown section, a rating outside 1-5. Never another exception."""
    meta = _META.search(text)
    # The report ends the draft, also when an editor deleted its marker line
    body = _REPORT_HEADING.split(text.split(REPORT_MARKER, 1)[0], 1)[0]
    headings = list(_HEADING.finditer(body))
    titles = [h for h in headings if h.group(1) == "#"]
    if not titles:
        raise DraftFileError(source, "no '# Title' line found")
    if len(titles) > 1:
        raise DraftFileError(source, "more than one '# Title' line; keep one")
    known = {SECTION_TITLES[name] for name in (*_PROSE, "topics", "teaser")}
    sections: dict[str, str] = {}
    level2 = [h for h in headings if h.group(1) == "##"]
    for index, heading in enumerate(level2):
        label = heading.group(2).strip()
        if label not in known:
            raise DraftFileError(
                source, f"unknown section '## {_shown(label)}' (a draft has: {', '.join(known)})"
            )
        if label in sections:
            raise DraftFileError(source, f"section '## {label}' appears twice; keep one")
        end = level2[index + 1].start() if index + 1 < len(level2) else len(body)
        sections[label] = body[heading.end() : end]
    values: dict[str, object] = {"title": titles[0].group(2).strip()}
    for name in _PROSE:
        label = SECTION_TITLES[name]
        if label not in sections:
            raise DraftFileError(source, f"section '## {label}' is missing")
        values[name] = " ".join(sections[label].split())
    values["teaser"] = " ".join(
        sections.get(SECTION_TITLES["teaser"], "").split("\n---", 1)[0].split()
    )
    topic_block = sections.get(SECTION_TITLES["topics"], "").split("\n---", 1)[0]
    values["topics"] = [
        line[2:].strip() for line in topic_block.splitlines() if line.startswith("- ")
    ]
    for match in _RATING.finditer(body):
        digits = match.group(2).lstrip("0") or "0"
        name, score = match.group(1).lower(), int(digits) if len(digits) < 4 else 1000
        if name in values:
            raise DraftFileError(source, f"the '**{name.title()}:**' line appears twice")
        if not 1 <= score <= 5:
            raise DraftFileError(
                source, f"{name} {digits[:6]}/5 is out of range: a rating is 1 to 5"
            )
        values[name] = Rating(score=score, reason=match.group(3).strip())
    for name in ("credibility", "interest"):
        if name not in values:
            raise DraftFileError(source, f"the '**{name.title()}:** N/5 — reason' line is missing")
    try:
        summary = HouseSummary.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DraftFileError(source, f"{where}: {first['msg']}") from None
    return (meta.group("id") if meta else None), summary


_PROSE = ("key_takeaway", "what_they_found", "who_should_care", "important_considerations")


def _line(text: str) -> str:
    return " ".join(text.split())


def _shown(label: str) -> str:
    """A heading as a one-line message can show it: printable, at most 60 characters."""
    label = label if label.isprintable() else repr(label)[1:-1]
    return label if len(label) <= 60 else label[:59] + "…"
