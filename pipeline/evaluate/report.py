"""Write an evaluation run to `outputs/eval/<run>/`: report.md, report.json and a PNG figure."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.store import write_atomic


def write_eval_report(summary: dict, out_dir: Path, corpus: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    figure = out_dir / "readability.png"
    _figure(summary, figure)
    report_json = out_dir / "report.json"
    write_atomic(report_json, json.dumps({"corpus": str(corpus), **summary}, indent=2))
    report_md = out_dir / "report.md"
    write_atomic(report_md, _markdown(summary, corpus, figure.name))
    return [report_md, report_json, figure]


def _markdown(summary: dict, corpus: Path, figure: str) -> str:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:g}"

    lines = [
        f"# Evaluation: {corpus.name}",
        "",
        f"Backend **{summary['backend']}** ({summary['model']}), {summary['n']} abstracts drafted, "
        f"{summary['failed']} failed, {len(summary['ingest_errors'])} refused at ingest.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| median Flesch-Kincaid grade, drafts | {show(summary['drafts_median_fkgl'])} |",
        f"| median Flesch-Kincaid grade, human references | "
        f"{show(summary['references_median_fkgl'])} |",
        f"| drafts with every required caveat | {summary['caveat_coverage']:.1%} |",
        f"| drafts with an ungrounded number | {summary['ungrounded_number_rate']:.1%} |",
        f"| drafts still needing attention | {summary['needs_attention_rate']:.1%} |",
        f"| seconds per abstract | {summary['seconds_per_abstract']:.3f} |",
        f"| tokens (prompt / cached / completion) | {summary['tokens']['prompt']:,} / "
        f"{summary['tokens']['cached']:,} / {summary['tokens']['completion']:,} |",
        f"| estimated cost (USD) | {_cost(summary['cost_usd'])} |",
        "",
        f"![Readability of drafts and references, and check pass rates]({figure})",
        "",
        "## Caveats required and present",
        "",
        "| caveat | required | present |",
        "|---|---|---|",
    ]
    for cid, count in sorted(summary["caveats_required"].items()):
        lines.append(f"| {cid} | {count} | {summary['caveats_present'][cid]} |")
    lines += ["", "## Check pass rates", "", "| check | pass rate |", "|---|---|"]
    for cid, rate in sorted(summary["check_pass_rates"].items(), key=lambda kv: kv[1]):
        lines.append(f"| {cid} | {rate:.1%} |")
    failures = [i for i in summary["items"] if i["error"]]
    if failures or summary["ingest_errors"]:
        lines += ["", "## Failures", ""]
        lines += [f"- {i['study_id']}: {i['error']}" for i in failures]
        lines += [f"- {error}" for error in summary["ingest_errors"]]
    return "\n".join(lines) + "\n"


def _figure(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display here, and none needed
    import matplotlib.pyplot as plt

    items = [i for i in summary["items"] if i["draft_fkgl"] is not None]
    drafts = [i["draft_fkgl"] for i in items]
    references = [i["reference_fkgl"] for i in items if i["reference_fkgl"] is not None]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), width_ratios=[1, 1.3])
    bins = [b / 2 for b in range(0, 51)]  # half-grade bins from 0 to 25
    left.hist(
        drafts, bins=bins, alpha=0.7, label=f"drafts (median {summary['drafts_median_fkgl']})"
    )
    if references:
        left.hist(
            references,
            bins=bins,
            alpha=0.5,
            label=f"human references (median {summary['references_median_fkgl']})",
        )
    left.axvline(8, color="black", linestyle="--", linewidth=1, label="house target (grade 8)")
    left.set_xlabel("Flesch-Kincaid grade")
    left.set_ylabel("abstracts")
    left.set_title("Readability")
    left.legend()
    rates = sorted(summary["check_pass_rates"].items(), key=lambda kv: kv[1])
    right.barh([cid for cid, _ in rates], [rate * 100 for _, rate in rates], color="#4a7")
    right.set_xlim(0, 100)
    right.set_xlabel("% of drafts passing")
    right.set_title("Checks")
    right.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cost(usd: float | None) -> str:
    return "n/a (no known price for this model)" if usd is None else f"{usd:.4f}"
