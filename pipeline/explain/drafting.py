"""Draft an explainer and revise it until its checks pass or the rounds run out.

The same rules as a summary's loop (`pipeline.drafting`): every round is an `ExplainerAttempt`
with its call; the stored explainer is the attempt with the fewest error-level failures, the
latest on a tie, `needs_attention` while any remain; a first call that fails fails the draft
(`DraftFailed`, carrying its calls), a later one keeps the best draft so far; a request that
would repeat an earlier one byte for byte is not sent. The offline drafter revises by writing
stricter (fewer supporting sentences); an LLM backend gets the revise prompt with the failures.
`draft_and_store` is what the CLI and the web app call: the draft stored as a revision, or a
failed drafting's calls kept as an audit event.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata

from pipeline.backends import Backend, replying_with
from pipeline.errors import BackendError, DraftFailed, ExplainError
from pipeline.explain.evidence import run_explainer_checks
from pipeline.explain.offline import draft_offline
from pipeline.explain.prompts import JSON_SHAPE, explainer_hashes, explainer_messages
from pipeline.house import load_house
from pipeline.records import (
    ExplainerAttempt,
    ExplainerContent,
    ExplainerRecord,
    ExplainerSource,
    LLMCall,
    Usage,
)
from pipeline.settings import Settings
from pipeline.store import Store

MAX_TOPIC_CHARS = 120
MAX_BRIEF_CHARS = 8000


def topic_slug(topic: str) -> str:
    """ASCII words joined by hyphens: "MS and brain atrophy" -> "ms-and-brain-atrophy"."""
    ascii_text = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].strip("-")
    return slug or "topic-" + hashlib.sha256(topic.encode()).hexdigest()[:10]


def explainer_id(topic: str) -> str:
    return f"explainer-{topic_slug(topic)}"


def clean_topic(topic: str) -> str:
    text = " ".join("".join(c for c in topic if c.isprintable()).split())
    if not text:
        raise ExplainError("the topic is empty; name it, e.g. 'MS and fatigue'")
    if len(text) > MAX_TOPIC_CHARS:
        raise ExplainError(f"the topic has {len(text)} characters; at most {MAX_TOPIC_CHARS}")
    return text


def clean_brief(brief: str, source: str = "brief") -> str:
    if "\x00" in brief:
        raise ExplainError(f"{source}: not text (it holds a NUL byte)")
    if len(brief) > MAX_BRIEF_CHARS:
        raise ExplainError(
            f"{source}: {len(brief)} characters; a brief has at most {MAX_BRIEF_CHARS}"
        )
    return "\n".join(line.rstrip() for line in brief.strip().splitlines())


def _fingerprint(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def draft_and_store(
    store: Store,
    topic: str,
    brief: str,
    sources: list[ExplainerSource],
    backend: Backend,
    settings: Settings,
) -> ExplainerRecord:
    """Draft (with the reviewer's last note, if the explainer was sent back) and store the
    new revision. A drafting that fails leaves an audit event with its calls' tokens before
    the error goes on to the caller: a model that ran to its token limit still cost them."""
    topic = clean_topic(topic)
    eid = explainer_id(topic)
    note = store.explainer_change_note(eid)
    try:
        record = draft_explainer(topic, brief, sources, backend, settings, reviewer_note=note)
    except DraftFailed as error:
        store.explainer_draft_failed(eid, str(error), error.calls)
        raise
    return store.add_explainer_revision(record, topic_slug(topic))


def draft_explainer(
    topic: str,
    brief: str,
    sources: list[ExplainerSource],
    backend: Backend,
    settings: Settings,
    *,
    reviewer_note: str | None = None,
) -> ExplainerRecord:
    """The checked explainer on `topic` from `sources` (and the editor's `brief`)."""
    topic, brief = clean_topic(topic), clean_brief(brief)
    if not sources:
        raise ExplainError(f"{topic!r}: an explainer needs at least one source study")
    house = load_house(settings)
    hashes = explainer_hashes(settings)
    shaped = (
        None
        if backend.offline
        else replying_with(
            backend,
            ExplainerContent,
            "topic_explainer",
            JSON_SHAPE,
            max_tokens=(settings.explainer_max_output_tokens, "PLS_EXPLAINER_MAX_OUTPUT_TOKENS"),
        )
    )
    attempts: list[ExplainerAttempt] = []
    failed: list[LLMCall] = []
    sent: set[str] = set()
    previous: ExplainerContent | None = None
    failures: list = []
    for number in range(settings.revise_rounds + 1):
        purpose = "draft" if number == 0 else "revise"
        call = LLMCall(
            backend=backend.name, model=backend.model, purpose=purpose, template_hashes=hashes
        )
        started = time.perf_counter()
        if shaped is None:
            if number and _fingerprint(["offline", number > 0]) in sent:
                break  # the offline drafter's revise rounds are all alike: one is enough
            sent.add(_fingerprint(["offline", number > 0]))
            content = draft_offline(topic, brief, sources, house, settings, strict=number > 0)
            call.usage = Usage(latency_ms=(time.perf_counter() - started) * 1000, attempts=0)
        else:
            messages = explainer_messages(
                settings,
                topic,
                brief,
                sources,
                reviewer_note=reviewer_note,
                previous=previous,
                failures=failures,
            )
            if _fingerprint(messages) in sent:
                call.ok, call.usage = False, Usage(attempts=0)
                call.error = (
                    f"not_sent: attempt {number + 1} would repeat an earlier request byte for byte"
                )
                failed.append(call)
                break
            sent.add(_fingerprint(messages))
            try:
                reply = shaped.complete_messages(messages)
            except BackendError as error:
                call.ok, call.error = False, f"{error.reason}: {error}"
                spent = getattr(error, "usage", None)
                call.usage = spent if isinstance(spent, Usage) else Usage()
                failed.append(call)
                if not attempts:
                    raise DraftFailed(error, failed) from error
                break
            content = reply.content
            call.model, call.usage = reply.model, reply.usage
        checks = run_explainer_checks(content, sources, settings)
        attempts.append(
            ExplainerAttempt(
                number=number + 1, purpose=purpose, content=content, checks=checks, call=call
            )
        )
        failures = [c for c in checks if not c.passed and c.severity == "error"]
        if not failures:
            break
        previous = content
    best = min(
        reversed(attempts),
        key=lambda a: sum(1 for c in a.checks if not c.passed and c.severity == "error"),
    )
    errors = [c for c in best.checks if not c.passed and c.severity == "error"]
    return ExplainerRecord(
        id=explainer_id(topic),
        topic=topic,
        brief=brief,
        sources=sources,
        content=best.content,
        checks=best.checks,
        status="needs_attention" if errors else "needs_review",
        backend=backend.name,
        model=best.call.model,
        offline=backend.offline,
        attempts=attempts,
        failed_calls=failed,
    )


def recheck(
    record: ExplainerRecord, content: ExplainerContent, settings: Settings
) -> ExplainerRecord:
    """An edited explainer re-checked against the same sources: the next revision's record."""
    checks = run_explainer_checks(content, record.sources, settings)
    errors = [c for c in checks if not c.passed and c.severity == "error"]
    return record.model_copy(
        update={
            "content": content,
            "checks": checks,
            "status": "needs_attention" if errors else "needs_review",
            "attempts": [],
            "failed_calls": [],
        }
    )
