"""The editor's digest: what the watches brought in since a moment, as Markdown and HTML, with
links to the review pages; sent by SMTP when asked (`smtp_url`, `mail_from`, `mail_to`).

Four lists: **drafted** (waiting for review, or further along), **new** (queued, not drafted
yet), **parked** (triage found them off-topic; promote one with `pls watch promote ID`), and
**needs attention** (entries without an abstract, studies whose drafting failed or whose
draft fails a check, and every problem line of the runs).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from jinja2 import Environment

from pipeline.errors import WatchError
from pipeline.settings import Settings, mask_secrets
from pipeline.store import Store

DRAFTED = {"needs_review", "approved", "published", "changes_requested", "rejected"}


@dataclass
class Digest:
    since: str
    drafted: list[dict[str, Any]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    parked: list[dict[str, Any]] = field(default_factory=list)
    attention: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.drafted) + len(self.new) + len(self.parked) + len(self.attention)


def build_digest(store: Store, settings: Settings, since: str) -> Digest:
    base = settings.review_url.rstrip("/") + "/study/"
    digest = Digest(since)
    for item in store.items(since):
        if item["status"] == "duplicate":
            continue
        row = {
            "title": item["title"],
            "watch": item["watch"],
            "id": item["study_id"],
            "state": item["state"] or item["status"],
            "url": base + quote(item["study_id"], safe="") if item["study_id"] else item["link"],
            "score": (item["triage"] or {}).get("score"),
            "why": "; ".join((item["triage"] or {}).get("reasons", [])[:2]),
        }
        latest = store.latest(item["study_id"]) if item["study_id"] else None
        if item["status"] == "needs_abstract":
            digest.attention.append({**row, "why": "no abstract in the feed: not drafted"})
        elif row["state"] == "failed" or (latest and latest.status == "needs_attention"):
            failing = (
                ", ".join(c.id for c in latest.failing if c.severity == "error") if latest else ""
            )
            digest.attention.append({**row, "why": failing or "drafting failed"})
        elif row["state"] in DRAFTED:
            digest.drafted.append(row)
        elif row["state"] == "parked":
            digest.parked.append(row)
        else:
            digest.new.append(row)
    for run in store.runs(since=since):
        digest.problems += [
            f"{run['watch']}: {line}" for line in run["log"] if run["status"] != "ok"
        ]
    return digest


_MARKDOWN = """# Watch digest since {{ d.since }}

{{ d.drafted|length }} drafted, {{ d.new|length }} new, {{ d.parked|length }} parked, \
{{ d.attention|length }} need attention.
{% for title, rows in sections %}
## {{ title }}
{% for r in rows %}
- [{{ r.title|md }}]({{ r.url }}) ({{ r.watch }}; {{ r.state }}\
{% if r.score is not none %}; relevance {{ '%.2f'|format(r.score) }}{% endif %})\
{% if r.why %}: {{ r.why|md }}{% endif %}
{% else %}
Nothing.
{% endfor %}{% endfor %}
{% if d.problems %}
## Run problems
{% for p in d.problems %}
- {{ p|md }}
{% endfor %}{% endif %}"""

_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Watch digest since {{ d.since }}</title></head><body>
<h1>Watch digest since {{ d.since }}</h1>
<p>{{ d.drafted|length }} drafted, {{ d.new|length }} new, {{ d.parked|length }} parked,
{{ d.attention|length }} need attention.</p>
{% for title, rows in sections %}<h2>{{ title }}</h2>{% if rows %}<ul>
{% for r in rows %}<li><a href="{{ r.url }}">{{ r.title }}</a> ({{ r.watch }}; {{ r.state }}\
{% if r.score is not none %}; relevance {{ '%.2f'|format(r.score) }}{% endif %})\
{% if r.why %}: {{ r.why }}{% endif %}</li>
{% endfor %}</ul>{% else %}<p>Nothing.</p>{% endif %}
{% endfor %}{% if d.problems %}<h2>Run problems</h2><ul>
{% for p in d.problems %}<li>{{ p }}</li>{% endfor %}</ul>{% endif %}
</body></html>
"""


def _md(text: object) -> str:
    """Text that cannot open a link or a tag inside a Markdown list item."""
    return "".join("\\" + c if c in "[]()<>*_`\\" else c for c in " ".join(str(text).split()))


def _environment(autoescape: bool) -> Environment:
    env = Environment(autoescape=autoescape, keep_trailing_newline=True, trim_blocks=True)
    env.filters["md"] = _md
    return env


def _safe_url(url: str | None) -> str:
    return url if url and urlsplit(url).scheme in ("http", "https") else "#"


def render(digest: Digest) -> tuple[str, str]:
    """(Markdown, HTML)."""
    for rows in (digest.drafted, digest.new, digest.parked, digest.attention):
        for row in rows:
            row["url"] = _safe_url(row["url"])
    sections = [
        ("Drafted, waiting for review", digest.drafted),
        ("New, queued for drafting", digest.new),
        ("Parked by triage (promote with pls watch promote ID)", digest.parked),
        ("Needs attention", digest.attention),
    ]
    markdown = _environment(False).from_string(_MARKDOWN).render(d=digest, sections=sections)
    html = _environment(True).from_string(_HTML).render(d=digest, sections=sections)
    return markdown, html


def send(settings: Settings, subject: str, markdown: str, html: str) -> list[str]:
    """Mail the digest; returns the recipients. WatchError (one line) when it cannot go."""
    if not settings.smtp_url:
        raise WatchError("no SMTP server set: set PLS_SMTP_URL (smtp://user:password@host:port)")
    recipients = [a.strip() for a in settings.mail_to.split(",") if a.strip()]
    if not recipients:
        raise WatchError("no recipients: set PLS_MAIL_TO (addresses, comma-separated)")
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps", "smtp+starttls") or not url.hostname:
        raise WatchError(
            f"{mask_secrets(settings.smtp_url)}: use smtp://, smtps:// or smtp+starttls://"
        )
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = (
        subject,
        settings.mail_from,
        ", ".join(recipients),
    )
    message.set_content(markdown)
    message.add_alternative(html, subtype="html")
    port = url.port or (465 if url.scheme == "smtps" else 25)
    try:
        kind = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with kind(url.hostname, port, timeout=settings.watch_timeout) as server:
            if url.scheme == "smtp+starttls":
                server.starttls(context=ssl.create_default_context())
            if url.username:
                server.login(unquote(url.username), unquote(url.password or ""))
            server.send_message(message, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as error:
        problem = " ".join(str(error).split())[:200] or type(error).__name__
        raise WatchError(
            f"{mask_secrets(settings.smtp_url)}: the digest was not sent: {problem}"
        ) from None
    return recipients
