"""Watch: saved PubMed searches and journal feeds in; new studies, deduplicated against the
store, triaged for the audience, queued (or parked) with their source out; and the editor's
digest of what came in.

    intake.py    one watch run: new since the last good run, dedupe, triage, queue; resumable
    eutils.py    NCBI E-utilities: esearch on the history server, efetch in pages of 200
    feeds.py     RSS and Atom through feedparser, read as untrusted input
    fetch.py     the one HTTP client: pace, retries with backoff, bounded replies, one-line errors
    triage.py    relevance: rules, then logistic regression on the house's decisions; reasons
    parking.py   parked studies promoted to the queue by an editor
    digest.py    the digest in Markdown and HTML, and mailed by SMTP
"""

from __future__ import annotations

from pipeline.watch.digest import Digest, build_digest, render, send
from pipeline.watch.eutils import PAGE, EUtils, limit, rate
from pipeline.watch.feeds import read_feed
from pipeline.watch.fetch import Fetcher
from pipeline.watch.intake import run_watch
from pipeline.watch.parking import promote
from pipeline.watch.triage import LearnedTriage, rules_triage, trained, triage

__all__ = [
    "PAGE",
    "Digest",
    "EUtils",
    "Fetcher",
    "LearnedTriage",
    "build_digest",
    "limit",
    "promote",
    "rate",
    "read_feed",
    "render",
    "rules_triage",
    "run_watch",
    "send",
    "trained",
    "triage",
]
