"""`pls eval`: run the pipeline over a corpus file and report how good the drafts are.

A corpus file is JSONL in the shared-corpus format (`title`, `abstract`, `reference_summary`);
any input format, or a folder of inputs, is read the same way (references come only from JSON).
A file, line or study that cannot be read or drafted is one line in the report, as in a batch,
and the rest are evaluated. Each abstract goes through ingest → profile → draft (with revise
rounds) → checks; drafts are not stored. The report compares the drafts' readability with the
human references on the same abstracts and gives per-check pass rates, caveat coverage,
grounding failures, time, tokens and cost. `report.json` keeps stable keys so runs can be
compared by script.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.backends import Backend
from pipeline.drafting import draft_study
from pipeline.errors import InputError, PlsError
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.records import DraftRecord, Study
from pipeline.settings import Settings, mask_secrets
from pipeline.text import measure


@dataclass
class EvalItem:
    study_id: str
    status: str
    seconds: float
    draft_fkgl: float | None = None
    reference_fkgl: float | None = None
    required_caveats: list[str] = field(default_factory=list)
    missing_caveats: list[str] = field(default_factory=list)
    ungrounded_numbers: int = 0
    failing_checks: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    error: str | None = None
    model: str | None = None  # as the replies named it: what the tokens are priced at
    source: str | None = None  # the file (and record) it came from, for its failure line


def _item(record: DraftRecord, seconds: float, reference: str | None) -> EvalItem:
    checks = {c.id: c.passed for c in record.checks}
    calls = [a.call for a in record.attempts] + list(record.failed_calls)
    return EvalItem(
        study_id=record.study.id,
        status=record.status,
        seconds=seconds,
        draft_fkgl=next(c.value for c in record.checks if c.id == "readability.overall"),
        reference_fkgl=round(measure(reference).fkgl, 1) if reference else None,
        required_caveats=list(record.profile.required_caveats),
        missing_caveats=[c for c in record.profile.required_caveats if not checks[f"caveat.{c}"]],
        ungrounded_numbers=int(
            next(c.value or 0 for c in record.checks if c.id == "grounding.numbers")
        ),
        failing_checks=sorted(c.id for c in record.checks if not c.passed),
        checks=checks,
        prompt_tokens=sum(c.usage.prompt_tokens for c in calls),
        completion_tokens=sum(c.usage.completion_tokens for c in calls),
        cached_tokens=sum(c.usage.cached_tokens for c in calls),
        model=record.model,
    )


def evaluate(
    corpus: Path | Sequence[Path],
    settings: Settings,
    backend: Backend,
    *,
    limit: int = 0,
    on_item: Callable[[EvalItem], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> tuple[list[EvalItem], list[str]]:
    """Draft every abstract in `corpus` (a file, or the files a folder's discovery gave);
    returns the items and one line for each file or record that could not be read.

    One bad file, line or study never stops the others: a file ingest refuses, a record it
    refuses and a study whatever drafting it raises are each one line, and the rest go on.
    """
    files = [corpus] if isinstance(corpus, Path) else list(corpus)
    studies: list[Study] = []
    problems: list[str] = []
    references: dict[str, str] = {}
    for path in files:
        try:
            loaded = load_file_tolerant(path, settings)
        except InputError as error:
            problems.append(mask_secrets(str(error)))
            continue
        problems += [mask_secrets(str(error)) for error in loaded.errors]
        studies += loaded.studies
        if loaded.studies:
            references |= _references(path, loaded.studies, settings)
    studies = studies[:limit] if limit else studies
    if on_total:
        on_total(len(studies))
    items = []
    for study in studies:
        started = time.perf_counter()
        try:
            record = draft_study(study, profile_study(study, settings), backend, settings)
            item = _item(record, time.perf_counter() - started, references.get(study.source))
        except Exception as error:  # one study's failure, whatever it raised, is its own line
            problem = (
                str(error) if isinstance(error, PlsError) else f"{type(error).__name__}: {error}"
            )
            item = EvalItem(
                study.id, "failed", time.perf_counter() - started, error=mask_secrets(problem)
            )
        item.source = study.source
        items.append(item)
        if on_item:
            on_item(item)
    return items, problems


def _references(path: Path, studies: list[Study], settings: Settings) -> dict[str, str]:
    """Reference summaries of a JSONL or JSON file, keyed by the Study.source ingest gave each
    record ("path#N"). Read tolerantly: a line ingest refused is skipped here too, never raised,
    and lines are split on "\n" only, as ingest splits them (U+2028 is valid inside a record)."""
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".json"):
        return {}
    try:
        with path.open("rb") as handle:  # ingest read it a moment ago: a regular file
            text = handle.read(settings.max_file_bytes + 1).decode("utf-8", "replace")
    except OSError:
        return {}
    rows: dict[int, object] = {}
    if suffix == ".jsonl":
        for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
            rows[number] = _json(line)
    elif isinstance(data := _json(text.removeprefix("\ufeff")), list):
        rows = dict(enumerate(data, start=1))
    out = {}
    for study in studies:
        _, _, number = study.source.rpartition("#")
        row = rows.get(int(number)) if number.isdigit() else None
        reference = row.get("reference_summary") if isinstance(row, dict) else None
        if isinstance(reference, str) and reference.strip():
            out[study.source] = reference
    return out


def _json(text: str) -> object:
    """A JSON value, or None for anything that does not parse (ingest reports those)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # ValueError: bad JSON, or a 5,000-digit integer
        return None


def summarise(
    items: list[EvalItem], errors: list[str], settings: Settings, backend: Backend
) -> dict:
    drafted = [i for i in items if i.status != "failed"]
    n = len(drafted)
    check_ids = sorted({cid for i in drafted for cid in i.checks})
    required = Counter(c for i in drafted for c in i.required_caveats)
    missing = Counter(c for i in drafted for c in i.missing_caveats)
    tokens = {
        "prompt": sum(i.prompt_tokens for i in items),
        "completion": sum(i.completion_tokens for i in items),
        "cached": sum(i.cached_tokens for i in items),
    }
    # None (null in report.json) when a model has no known price, e.g. a local model.
    costs = [
        settings.cost_usd(
            i.model or backend.model, i.prompt_tokens, i.cached_tokens, i.completion_tokens
        )
        for i in items
    ]
    cost = None if None in costs else sum(c or 0.0 for c in costs)

    def median(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return round(statistics.median(present), 2) if present else None

    return {
        "n": n,
        "failed": len(items) - n,
        "ingest_errors": errors,
        "backend": backend.name,
        "model": backend.model,
        "drafts_median_fkgl": median([i.draft_fkgl for i in drafted]),
        "references_median_fkgl": median([i.reference_fkgl for i in drafted]),
        "caveat_coverage": round(sum(not i.missing_caveats for i in drafted) / n, 4) if n else 0,
        "caveats_required": dict(required),
        "caveats_present": {c: required[c] - missing[c] for c in required},
        "ungrounded_number_rate": round(sum(i.ungrounded_numbers > 0 for i in drafted) / n, 4)
        if n
        else 0,
        "needs_attention_rate": round(sum(i.status == "needs_attention" for i in drafted) / n, 4)
        if n
        else 0,
        "check_pass_rates": {
            cid: round(sum(i.checks.get(cid, True) for i in drafted) / n, 4) for cid in check_ids
        },
        "seconds_per_abstract": round(sum(i.seconds for i in items) / len(items), 4)
        if items
        else 0,
        "tokens": tokens,
        "cost_usd": None if cost is None else round(cost, 4),
        "items": [asdict(i) for i in items],
    }
