"""An explainer as reviewable Markdown, and read back after an editor's edit.

    <!-- pls explainer explainer-ms-and-fatigue revision 2 -->
    # Title

    A paragraph ...
    Sources: pmid-1, doi-10-...          (the ids it draws on; a paragraph with none omits it)

    ## Summary
    In summary, ...

    ## Topics
    fatigue; exercise; sleep

    ## Teaser
    Learn what ...

followed (when rendered for review) by `## Checks` and `## Sources`, which are ignored on the
way back. A malformed document is a one-line `DraftFileError` naming it and the problem.
"""

from __future__ import annotations

import re

from pipeline.errors import DraftFileError
from pipeline.records import ExplainerContent, ExplainerParagraph, ExplainerRecord

HEADER = re.compile(r"^<!-- pls explainer (\S+) revision (\d+) -->\s*$")
SOURCES = re.compile(r"^Sources:\s*(.*)$", re.I)
IGNORED = ("checks", "sources", "studies")


def render_explainer(record: ExplainerRecord, *, report: bool = True) -> str:
    content = record.content
    out = [
        f"<!-- pls explainer {record.id} revision {record.revision} -->",
        f"# {content.title}",
        "",
    ]
    for paragraph in content.paragraphs:
        out.append(paragraph.text)
        if paragraph.sources:
            out.append("Sources: " + ", ".join(paragraph.sources))
        out.append("")
    out += ["## Summary", content.summary, "", "## Topics", "; ".join(content.topics), ""]
    out += ["## Teaser", content.teaser, ""]
    if report:
        out.append("## Checks")
        for check in record.checks:
            mark = "ok  " if check.passed else ("FAIL" if check.severity == "error" else "warn")
            out.append(f"- {mark} {check.id}: {check.message}")
        out += ["", "## Sources"]
        for source in record.sources:
            how = "approved" if source.approved else "latest draft"
            out.append(f"- {source.id} (revision {source.revision}, {how}): {source.summary.title}")
        out.append("")
        out.append("Drafted offline by rules." if record.offline else f"Drafted by {record.model}.")
    return "\n".join(out) + "\n"


def explainer_header(text: str) -> tuple[str | None, int | None]:
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    match = HEADER.match(first)
    return (match.group(1), int(match.group(2))) if match else (None, None)


def parse_explainer(text: str, source: str = "edited explainer") -> ExplainerContent:
    """The content of an edited explainer document."""
    title = ""
    sections: dict[str, list[str]] = {"body": []}
    current = "body"
    for line in text.splitlines():
        if HEADER.match(line):
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if line.startswith("## "):
            current = line[3:].strip().lower()
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line)
    if not title:
        raise DraftFileError(source, "no '# Title' line")
    paragraphs: list[ExplainerParagraph] = []
    block: list[str] = []

    def flush() -> None:
        if not block:
            return
        cited: list[str] = []
        lines = [line for line in block if not SOURCES.match(line)]
        for line in block:
            if match := SOURCES.match(line):
                cited += [i.strip() for i in match.group(1).split(",") if i.strip()]
        text_ = " ".join(" ".join(lines).split())
        if text_:
            paragraphs.append(ExplainerParagraph(text=text_, sources=cited))
        block.clear()

    for line in sections["body"]:
        if line.strip():
            block.append(line.strip())
        else:
            flush()
    flush()
    summary = " ".join(" ".join(sections.get("summary", [])).split())
    if not paragraphs:
        raise DraftFileError(source, "no paragraphs before '## Summary'")
    if not summary:
        raise DraftFileError(source, "no '## Summary' section (the closing paragraph)")
    topics = [t.strip() for t in " ".join(sections.get("topics", [])).split(";") if t.strip()]
    teaser = " ".join(" ".join(sections.get("teaser", [])).split())
    return ExplainerContent(
        title=title, paragraphs=paragraphs, summary=summary, topics=topics, teaser=teaser
    )
