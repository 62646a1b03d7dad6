"""The draft → check → revise loop, with a scripted backend that records what it was sent."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from helpers import TRIAL_ABSTRACT, make_profile, make_study, make_summary

from pipeline.backends import DraftReply, DraftRequest
from pipeline.drafting import draft_study
from pipeline.errors import BackendError, DraftFailed, RefusalError
from pipeline.records import DraftContent, Usage
from pipeline.settings import Settings

STUDY = make_study(TRIAL_ABSTRACT, title="A daily pill and walking speed in MS")
GOOD = DraftContent(**make_summary().model_dump(exclude={"credibility"}))
NO_CAVEAT = GOOD.model_copy(
    update={"important_considerations": "This is one trial. More trials are needed."}
)


@dataclass
class ScriptedBackend:
    """Replies in order; an exception in the script is raised instead of replying."""

    script: list[DraftContent | BackendError]
    requests: list[DraftRequest] = field(default_factory=list)
    name: str = "scripted"
    model: str = "scripted-1"
    offline: bool = False

    def complete(self, request: DraftRequest) -> DraftReply:
        self.requests.append(request)
        step = self.script.pop(0)
        if isinstance(step, BackendError):
            raise step
        return DraftReply(step, Usage(prompt_tokens=100, completion_tokens=50), self.model)


def test_a_passing_first_draft_is_not_revised() -> None:
    backend = ScriptedBackend([GOOD])
    record = draft_study(STUDY, make_profile(), backend, Settings())
    assert record.status == "needs_review" and len(record.attempts) == 1
    assert record.summary.credibility == make_profile().credibility  # from the profile
    assert record.attempts[0].call.usage.prompt_tokens == 100
    assert set(record.attempts[0].call.template_hashes) >= {"system.j2", "draft.j2"}


def test_failing_checks_go_back_with_their_spans_and_the_fix_is_kept() -> None:
    backend = ScriptedBackend([NO_CAVEAT, GOOD])
    record = draft_study(STUDY, make_profile(), backend, Settings())
    assert [a.purpose for a in record.attempts] == ["draft", "revise"]
    assert record.status == "needs_review"
    revise = backend.requests[1]
    assert revise.purpose == "revise" and revise.round == 1
    assert [f.id for f in revise.failures] == ["caveat.consult_clinician"]
    prompt = revise.messages[-1]["content"]
    assert "[caveat.consult_clinician]" in prompt and "More trials are needed." in prompt


def test_rounds_are_bounded_and_a_failing_draft_needs_attention() -> None:
    backend = ScriptedBackend([NO_CAVEAT] * 3)
    record = draft_study(STUDY, make_profile(), backend, Settings(revise_rounds=2))
    assert len(backend.requests) == 3 and len(record.attempts) == 3
    assert record.status == "needs_attention"
    assert any(c.id == "caveat.consult_clinician" and not c.passed for c in record.checks)


def test_zero_revise_rounds_means_one_call() -> None:
    backend = ScriptedBackend([NO_CAVEAT])
    record = draft_study(STUDY, make_profile(), backend, Settings(revise_rounds=0))
    assert len(backend.requests) == 1 and record.status == "needs_attention"


def test_a_refusal_on_the_first_call_fails_the_study_with_no_draft() -> None:
    backend = ScriptedBackend([RefusalError("model refused: no")])
    with pytest.raises(DraftFailed) as caught:
        draft_study(STUDY, make_profile(), backend, Settings())
    assert caught.value.reason == "refusal"
    assert [c.ok for c in caught.value.calls] == [False]


def test_a_failure_while_revising_keeps_the_earlier_draft_and_records_the_call() -> None:
    backend = ScriptedBackend([NO_CAVEAT, RefusalError("model refused: no")])
    record = draft_study(STUDY, make_profile(), backend, Settings())
    assert len(record.attempts) == 1 and record.status == "needs_attention"
    assert record.failed_calls[0].error.startswith("refusal")


def test_the_best_attempt_is_stored_not_the_last() -> None:
    worse = NO_CAVEAT.model_copy(update={"key_takeaway": "It is a cure. It proves all."})
    backend = ScriptedBackend([NO_CAVEAT, worse, worse])
    record = draft_study(STUDY, make_profile(), backend, Settings())
    assert record.summary.key_takeaway == NO_CAVEAT.key_takeaway


def test_reviewer_note_reaches_the_prompt() -> None:
    backend = ScriptedBackend([GOOD])
    draft_study(STUDY, make_profile(), backend, Settings(), reviewer_note="Say less about dose.")
    assert "Say less about dose." in backend.requests[0].messages[-1]["content"]


def test_the_async_driver_runs_the_same_rounds() -> None:
    import asyncio

    from pipeline.drafting import adraft_study

    class AsyncScripted(ScriptedBackend):
        async def acomplete(self, request: DraftRequest) -> DraftReply:
            return self.complete(request)

    backend = AsyncScripted([NO_CAVEAT, GOOD])
    record = asyncio.run(adraft_study(STUDY, make_profile(), backend, Settings()))
    sync = draft_study(STUDY, make_profile(), ScriptedBackend([NO_CAVEAT, GOOD]), Settings())
    assert [a.purpose for a in record.attempts] == ["draft", "revise"]
    assert record.summary == sync.summary and record.status == sync.status == "needs_review"
    failing = AsyncScripted([RefusalError("model refused: no")])
    with pytest.raises(DraftFailed):
        asyncio.run(adraft_study(STUDY, make_profile(), failing, Settings()))


def test_a_repeated_draft_gets_a_different_prompt_and_the_same_bytes_are_never_sent_twice() -> None:
    backend = ScriptedBackend([NO_CAVEAT] * 6)
    record = draft_study(STUDY, make_profile(), backend, Settings(revise_rounds=5))
    sent = [r.messages for r in backend.requests]
    assert len(sent) == 3  # draft, revise, revise saying the draft came back unchanged
    assert all(a != b for i, a in enumerate(sent) for b in sent[i + 1 :])
    assert "repeated your earlier draft (attempt 1) unchanged" in sent[2][-1]["content"]
    assert "repeated your earlier draft" not in sent[1][-1]["content"]
    assert [a.number for a in record.attempts] == [1, 2, 3]
    assert record.status == "needs_attention"  # the best draft so far is kept, flagged
    (stopped,) = record.failed_calls
    assert stopped.error.startswith("not_sent: attempt 4 would repeat the request of attempt 3")
    assert not stopped.ok and stopped.usage.attempts == 0


def test_a_changed_draft_is_revised_as_usual() -> None:
    other = NO_CAVEAT.model_copy(update={"title": "Another plain title for the same study"})
    backend = ScriptedBackend([NO_CAVEAT, other, NO_CAVEAT])
    record = draft_study(STUDY, make_profile(), backend, Settings(revise_rounds=2))
    assert len(backend.requests) == 3 and not record.failed_calls
    assert "repeated your earlier draft" not in backend.requests[2].messages[-1]["content"]


def test_a_failed_reply_keeps_the_tokens_its_error_carries() -> None:
    error = RefusalError("model refused: no")
    error.usage = Usage(prompt_tokens=900, completion_tokens=12, attempts=1, latency_ms=5.0)
    backend = ScriptedBackend([NO_CAVEAT, error])
    record = draft_study(STUDY, make_profile(), backend, Settings())
    (failed,) = record.failed_calls
    assert (failed.usage.prompt_tokens, failed.usage.completion_tokens) == (900, 12)
    assert failed.error.startswith("refusal")


def test_of_drafts_with_as_many_errors_the_one_with_fewer_warnings_is_kept() -> None:
    """A tighter revise round that fixes nothing but drops the main result (a warning) must not
    replace the fuller draft."""
    thin = NO_CAVEAT.model_copy(
        update={
            "what_they_found": "The study ran for a while. People took part in it. It had two "
            "groups. Side effects were mild."
        }
    )
    backend = ScriptedBackend([NO_CAVEAT, thin, thin])
    record = draft_study(STUDY, make_profile(), backend, Settings(revise_rounds=2))
    assert len(record.attempts) == 3 and record.status == "needs_attention"
    first, last = record.attempts[0], record.attempts[-1]
    assert len(first.errors) == len(last.errors)
    assert sum(not c.passed for c in last.checks) > sum(not c.passed for c in first.checks)
    assert record.summary.what_they_found == NO_CAVEAT.what_they_found
