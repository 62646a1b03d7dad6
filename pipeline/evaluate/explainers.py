"""`pls eval --explainers`: draft a topic explainer for each brief of a briefs file and report
how they check, with the summary eval's figures plus source coverage and grounding.

A briefs file is JSONL, one brief a line: `topic`, `brief` (the editor's questions), `corpus`
(a shared-corpus JSONL file, found beside the briefs file or in `../shared/corpus/`) and
`sources` (3-8 ids of that corpus's records). Each source is ingested, profiled and drafted as
a summary with the same backend (not stored), and the explainer is drafted from those
summaries. A bad line, a missing corpus or source, or a failed draft is one line in the report;
the rest are evaluated. `tests/fixtures/explainer_briefs.jsonl` holds the project's briefs.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.backends import Backend
from pipeline.drafting import draft_study
from pipeline.errors import InputError, PlsError
from pipeline.explain import draft_explainer
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.records import ExplainerRecord, ExplainerSource, Study
from pipeline.settings import Settings, mask_secrets
from pipeline.store import write_atomic

CORPUS_DIR = Path("../shared/corpus")
MIN_SOURCES, MAX_SOURCES = 3, 8


@dataclass
class ExplainerItem:
    topic: str
    status: str
    seconds: float
    sources: int = 0
    words: int = 0
    paragraphs: int = 0
    fkgl: float | None = None
    coverage: float = 0.0  # share of the sources the explainer draws on
    ungrounded_numbers: int = 0
    checks: dict[str, bool] = field(default_factory=dict)
    failing_checks: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    error: str | None = None


def _value(record: ExplainerRecord, check_id: str) -> float | None:
    return next((c.value for c in record.checks if c.id == check_id), None)


def _item(record: ExplainerRecord, seconds: float) -> ExplainerItem:
    calls = [a.call for a in record.attempts] + list(record.failed_calls)
    return ExplainerItem(
        topic=record.topic,
        status=record.status,
        seconds=seconds,
        sources=len(record.sources),
        words=int(_value(record, "structure.length") or 0),
        paragraphs=int(_value(record, "structure.paragraphs") or 0),
        fkgl=_value(record, "readability.overall"),
        coverage=float(_value(record, "sources.coverage") or 0.0),
        ungrounded_numbers=int(_value(record, "grounding.numbers") or 0),
        checks={c.id: c.passed for c in record.checks},
        failing_checks=[c.id for c in record.failing],
        prompt_tokens=sum(c.usage.prompt_tokens for c in calls),
        completion_tokens=sum(c.usage.completion_tokens for c in calls),
    )


class _Corpora:
    """Corpus files read once each, their studies by corpus record id."""

    def __init__(self, briefs: Path, settings: Settings) -> None:
        self.folders = (briefs.parent, CORPUS_DIR)
        self.settings = settings
        self.loaded: dict[str, dict[str, Study]] = {}

    def studies(self, name: str) -> dict[str, Study]:
        if name not in self.loaded:
            path = next((f / name for f in self.folders if (f / name).is_file()), None)
            if path is None or Path(name).name != name:
                raise InputError(name, f"no such corpus file beside the briefs or in {CORPUS_DIR}")
            ids = [
                json.loads(line).get("id")
                for line in path.read_text("utf-8").split("\n")
                if line.strip()
            ]
            loaded = load_file_tolerant(path, self.settings)
            by_line = {s.source.rsplit("#", 1)[1]: s for s in loaded.studies}
            self.loaded[name] = {
                rid: by_line[str(n)] for n, rid in enumerate(ids, 1) if str(n) in by_line
            }
        return self.loaded[name]


def _sources(
    brief: dict[str, Any], corpora: _Corpora, settings: Settings, backend: Backend
) -> list[ExplainerSource]:
    ids = brief.get("sources")
    if not isinstance(ids, list) or not MIN_SOURCES <= len(ids) <= MAX_SOURCES:
        raise ValueError(f"a brief needs {MIN_SOURCES}-{MAX_SOURCES} source ids")
    studies = corpora.studies(str(brief.get("corpus") or ""))
    out = []
    for source_id in ids:
        study = studies.get(source_id)
        if study is None:
            raise ValueError(
                f"{source_id}: not a record of {brief.get('corpus')} (or refused at ingest)"
            )
        record = draft_study(study, profile_study(study, settings), backend, settings)
        out.append(
            ExplainerSource(
                study=record.study,
                profile=record.profile,
                summary=record.summary,
                revision=1,
                approved=False,
            )
        )
    return out


def evaluate_explainers(
    briefs: Path, settings: Settings, backend: Backend, *, limit: int = 0
) -> tuple[list[ExplainerItem], list[str]]:
    """One item per brief (a failed one with its error), and one line per unreadable line."""
    try:
        lines = briefs.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(briefs, f"cannot read the briefs ({error})") from None
    corpora = _Corpora(briefs, settings)
    items, problems = [], []
    rows = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    for n, line in rows[:limit] if limit else rows:
        started = time.perf_counter()
        try:
            brief = json.loads(line)
            topic = str(brief["topic"])
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"{briefs}:{n}: not a brief ({error})")
            continue
        try:
            sources = _sources(brief, corpora, settings, backend)
            record = draft_explainer(
                topic, str(brief.get("brief") or ""), sources, backend, settings
            )
            items.append(_item(record, time.perf_counter() - started))
        except (PlsError, ValueError) as error:
            problem = mask_secrets(str(error))
            items.append(
                ExplainerItem(topic, "failed", time.perf_counter() - started, error=problem)
            )
            problems.append(f"{briefs}:{n}: {topic}: {problem}")
    return items, problems


def summarise_explainers(
    items: list[ExplainerItem], problems: list[str], backend: Backend
) -> dict[str, Any]:
    done = [i for i in items if i.status != "failed"]
    n = len(done) or 1
    check_ids = sorted({c for i in done for c in i.checks})
    fkgl = [i.fkgl for i in done if i.fkgl is not None]
    caveats = ("caveat.sources", "caveat.consult_clinician")
    return {
        "backend": backend.name,
        "model": backend.model,
        "n": len(done),
        "failed": len(items) - len(done),
        "problems": problems,
        "explainers_median_fkgl": round(statistics.median(fkgl), 2) if fkgl else None,
        "passing_every_error_check": round(sum(i.status == "needs_review" for i in done) / n, 3),
        "needs_attention_rate": round(sum(i.status == "needs_attention" for i in done) / n, 3),
        "caveat_coverage": round(
            sum(all(i.checks.get(c, False) for c in caveats) for i in done) / n, 3
        ),
        "ungrounded_number_rate": round(sum(i.ungrounded_numbers > 0 for i in done) / n, 3),
        "ungrounded_name_rate": round(
            sum(not i.checks.get("grounding.names", True) for i in done) / n, 3
        ),
        "source_coverage": round(sum(i.coverage for i in done) / n, 3),
        "sources_cited_rate": round(sum(i.checks.get("sources.cited", False) for i in done) / n, 3),
        "median_words": statistics.median([i.words for i in done]) if done else None,
        "seconds_per_explainer": round(sum(i.seconds for i in done) / n, 3),
        "tokens": {
            "prompt": sum(i.prompt_tokens for i in items),
            "completion": sum(i.completion_tokens for i in items),
        },
        "check_pass_rates": {
            c: round(sum(i.checks.get(c, False) for i in done) / n, 3) for c in check_ids
        },
        "items": [asdict(i) for i in items],
    }


def write_explainer_report(summary: dict[str, Any], out_dir: Path, briefs: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    report_json, report_md = out_dir / "explainers.json", out_dir / "explainers.md"
    write_atomic(report_json, json.dumps({"briefs": str(briefs), **summary}, indent=2))
    lines = [
        f"# Explainer evaluation: {briefs.name}",
        "",
        f"Backend **{summary['backend']}** ({summary['model']}), {summary['n']} explainers, "
        f"{summary['failed']} failed.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| median Flesch-Kincaid grade | {summary['explainers_median_fkgl']} |",
        f"| passing every error-level check | {summary['passing_every_error_check']:.1%} |",
        f"| source caveats carried, clinician advice given | {summary['caveat_coverage']:.1%} |",
        f"| with an ungrounded number | {summary['ungrounded_number_rate']:.1%} |",
        f"| with an ungrounded drug, gene or test name | {summary['ungrounded_name_rate']:.1%} |",
        f"| source coverage (mean share of sources drawn on) | {summary['source_coverage']:.1%} |",
        f"| every finding cited to a listed source | {summary['sources_cited_rate']:.1%} |",
        f"| median words | {summary['median_words']} |",
        f"| seconds per explainer, sources drafted | {summary['seconds_per_explainer']} |",
        "",
        "| check | pass rate |",
        "|---|---|",
        *(f"| {c} | {rate:.1%} |" for c, rate in summary["check_pass_rates"].items()),
        "",
        "| topic | status | words | grade | coverage | failing |",
        "|---|---|---|---|---|---|",
        *(
            f"| {i['topic']} | {i['status']} | {i['words']} | {i['fkgl']} | {i['coverage']:.0%} | "
            f"{', '.join(i['failing_checks']) or i['error'] or ''} |"
            for i in summary["items"]
        ),
    ]
    if summary["problems"]:
        lines += ["", "## Problems", *(f"- {p}" for p in summary["problems"])]
    write_atomic(report_md, "\n".join(lines) + "\n")
    return [report_md, report_json]
