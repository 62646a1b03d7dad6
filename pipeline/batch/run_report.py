"""The report a batch run leaves behind: `outputs/runs/<run>.md` and `.json`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipeline.batch.runner import BatchReport
from pipeline.settings import Settings, mask_secrets
from pipeline.store import write_atomic


def run_summary(report: BatchReport) -> dict:
    p = report.progress
    return {
        "run": report.run_id,
        "backend": report.backend,
        "model": report.model,
        "started": datetime.fromtimestamp(report.started_at, UTC).isoformat(),
        "wall_seconds": round(report.wall_seconds, 3),
        "interrupted": report.interrupted,
        "drafted": p.done,
        "needs_attention": p.needs_attention,
        "failed": p.failed,
        "reclaimed_after_crash": report.reclaimed,
        "studies_per_minute": round(report.per_minute, 2),
        "requests": report.requests,
        "tokens": {
            "prompt": p.prompt_tokens,
            "completion": p.completion_tokens,
            "cached": p.cached_tokens,
        },
        "cost_usd": None if p.cost_usd is None else round(p.cost_usd, 4),
        "claim_ms": claim_latency(report.claim_seconds),
        "failures_by_reason": dict(report.failure_reasons),
        "checks_failing": dict(report.checks_failing),
        "failures": {sid: mask_secrets(error) for sid, error in report.failures.items()},
    }


def claim_latency(seconds: list[float]) -> dict[str, float | int | None]:
    """Claims made and their median and 99th-percentile time, in milliseconds."""
    ordered = sorted(seconds)

    def at(share: float) -> float | None:
        if not ordered:
            return None
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)

    return {"count": len(ordered), "p50": at(0.5), "p99": at(0.99)}


def write_run_report(report: BatchReport, settings: Settings) -> list[Path]:
    summary, p = run_summary(report), report.progress
    stem = datetime.fromtimestamp(report.started_at, UTC).strftime("%Y%m%d-%H%M%S")
    base = settings.outputs / "runs" / f"{stem}-{report.run_id.rsplit(':', 1)[-1]}"
    md, js = base.with_suffix(".md"), base.with_suffix(".json")
    write_atomic(js, json.dumps(summary, indent=2))
    lines = [
        f"# Batch run {stem}",
        "",
        f"Backend {summary['backend']} ({summary['model']}); "
        f"{'interrupted' if summary['interrupted'] else 'finished'} after "
        f"{summary['wall_seconds']:.1f} s.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| drafted | {summary['drafted']} (needs attention: {summary['needs_attention']}) |",
        f"| failed | {summary['failed']} |",
        f"| taken over from a killed run | {summary['reclaimed_after_crash']} |",
        f"| throughput | {summary['studies_per_minute']} studies per minute |",
        f"| HTTP requests | {summary['requests']} |",
        f"| tokens (prompt / cached / completion) | {summary['tokens']['prompt']:,} / "
        f"{summary['tokens']['cached']:,} / {summary['tokens']['completion']:,} |",
        "| estimated cost | "
        + ("n/a (no known price for this model)" if p.cost_usd is None else f"${p.cost_usd:.4f}")
        + " |",
    ]
    if summary["failures_by_reason"]:
        lines += ["", "## Failures by reason", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(summary["failures_by_reason"].items())]
        lines += ["", "## Failed studies", ""]
        lines += [f"- `{k}`: {v}" for k, v in sorted(summary["failures"].items())]
    if summary["checks_failing"]:
        lines += ["", "## Error-level checks still failing", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(summary["checks_failing"].items())]
    write_atomic(md, "\n".join(lines) + "\n")
    return [md, js]
