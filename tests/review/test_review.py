"""The review workflow: every transition allowed or refused, conflicts, edits, notes to redrafts.

`seed` (from helpers, shared with the publish, web and browser tests) drafts studies into a real
store under tmp_path with `Scripted`, a backend that replies from a list and keeps its requests.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest
from helpers import GOOD_DRAFT as GOOD
from helpers import NO_CAVEAT, TRIAL_ABSTRACT, Scripted, seed

from pipeline import review
from pipeline.batch import Context, process_study
from pipeline.errors import ReviewConflict, ReviewError
from pipeline.house import load_house
from pipeline.review import Seen
from pipeline.settings import Settings
from pipeline.store import Store, render_draft


def put_in_state(store: Store, study_id: str, state: str) -> None:
    store.set_state(study_id, state, actor="test")
    if state in ("approved", "published"):
        store.add_review(study_id, store.latest(study_id).revision, "approve", "test")


def act(store: Store, settings: Settings, action: str, study_id: str) -> str:
    """Take `action` as reviewer "ana" and return the state the study is left in."""
    if action in ("approve", "request_changes", "reject"):
        review.decide(store, study_id, action, "ana", note="a note", override="checked by hand")
    elif action == "edit":
        summary = store.latest(study_id).summary.model_copy(update={"title": "A New Title Here"})
        review.edit(store, settings, study_id, summary, "ana")
    elif action == "publish":
        from pipeline.review import publish

        publish(store, settings, study_id, by="ana")
    elif action == "promote":  # a parked study queued after all (pipeline.watch)
        from pipeline.watch import promote

        promote(store, study_id, "ana")
    else:
        ctx = Context(settings, store, Scripted([GOOD]), load_house(settings), _prompts(settings))
        review.redraft(ctx, study_id, "ana")
    return store.state(study_id)


def _prompts(settings: Settings):
    from pipeline.drafting import Prompts

    return Prompts.load(settings)


def test_the_table_names_only_known_states() -> None:
    for moves in review.TRANSITIONS.values():
        assert set(moves) <= set(review.STATES) and set(moves.values()) <= set(review.STATES)


@pytest.mark.parametrize("action", review.ACTIONS)
@pytest.mark.parametrize("state", review.STATES)
def test_every_transition_is_allowed_or_refused_by_the_table(
    store: Store, settings: Settings, state: str, action: str
) -> None:
    study_id = seed(settings)
    put_in_state(store, study_id, state)
    target = review.TRANSITIONS[action].get(state)
    before = (len(store.events(study_id)), len(store.revisions(study_id)))
    if target is None:
        with pytest.raises(ReviewError, match=f"is {state}"):
            act(store, settings, action, study_id)
        assert (len(store.events(study_id)), len(store.revisions(study_id))) == before
        assert store.state(study_id) == state
        return
    after = act(store, settings, action, study_id)
    moves = [(e["from_state"], e["to_state"]) for e in store.events(study_id) if e["to_state"]]
    assert (state, target) in moves  # the move itself is on record...
    # ...and a redraft goes on through drafting to a fresh draft needing review.
    assert after == ("needs_review" if action == "redraft" else target)


def test_a_reviewer_name_and_a_reason_are_required(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    with pytest.raises(ReviewError, match="reviewer name is required"):
        review.decide(store, study_id, "approve", "   ")
    for action in ("request_changes", "reject"):
        with pytest.raises(ReviewError, match="note"):
            review.decide(store, study_id, action, "ana", note=" ")
    assert store.state(study_id) == "needs_review"


def test_approving_failing_checks_needs_an_override_that_is_recorded(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings, reply=NO_CAVEAT)
    assert store.latest(study_id).status == "needs_attention"
    with pytest.raises(ReviewError, match=r"caveat\.consult_clinician.*--override"):
        review.decide(store, study_id, "approve", "ana")
    review.decide(store, study_id, "approve", "ana", override="caveat is in the footer")
    approval = store.last_review(study_id, "approve")
    assert (approval["reviewer"], approval["override"]) == ("ana", "caveat is in the footer")
    event = store.events(study_id)[-1]
    assert event["actor"] == "ana" and "override: caveat is in the footer" in event["detail"]


def test_a_passing_draft_is_approved_without_override(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    decision = review.decide(store, study_id, "approve", "ana", note="reads well")
    assert (decision.from_state, decision.to_state, decision.revision) == (
        "needs_review",
        "approved",
        1,
    )


def test_two_reviewers_approving_at_once_exactly_one_wins(settings: Settings) -> None:
    study_id = seed(settings)
    barrier, results = threading.Barrier(2), {}

    def approve(name: str) -> None:
        with Store(settings.database) as own:  # each reviewer on their own connection
            barrier.wait()
            try:
                results[name] = review.decide(
                    own, study_id, "approve", name, seen=Seen("needs_review", 1)
                )
            except ReviewConflict as conflict:
                results[name] = conflict

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [r for r in results.values() if isinstance(r, review.Decision)]
    lost = [r for r in results.values() if isinstance(r, ReviewConflict)]
    assert len(won) == 1 and len(lost) == 1
    assert f"approve by {won[0].reviewer}" in str(lost[0]) and "Reload" in str(lost[0])
    with Store(settings.database) as store:
        assert [r["reviewer"] for r in store.reviews(study_id)] == [won[0].reviewer]


def test_two_editors_at_once_cannot_overwrite_each_other(settings: Settings) -> None:
    study_id = seed(settings)
    barrier, results = threading.Barrier(2), {}

    def edit(name: str) -> None:
        with Store(settings.database) as own:
            summary = own.latest(study_id).summary.model_copy(update={"title": f"Edited by {name}"})
            barrier.wait()
            try:
                results[name] = review.edit(
                    own, settings, study_id, summary, name, seen=Seen(None, 1)
                )
            except ReviewConflict as conflict:
                results[name] = conflict

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(r).__name__ for r in results.values()) == ["Edited", "ReviewConflict"]
    with Store(settings.database) as store:
        assert [r.revision for r in store.revisions(study_id)] == [1, 2]


def test_approving_a_revision_someone_has_since_edited_is_a_conflict(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    summary = store.latest(study_id).summary.model_copy(
        update={"title": "Walking Speed and a Pill"}
    )
    review.edit(store, settings, study_id, summary, "ben")
    with pytest.raises(ReviewConflict, match=r"revision 2 \(by ben\).*revision 1 you reviewed"):
        review.decide(store, study_id, "approve", "ana", seen=Seen("needs_review", 1))
    assert store.state(study_id) == "needs_review"


def test_an_edit_is_a_new_rechecked_revision_with_a_diff(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    first = store.latest(study_id)
    summary = first.summary.model_copy(
        update={
            "important_considerations": "This is one trial. More trials are needed.",
            "credibility": first.summary.credibility.model_copy(update={"score": 5}),
        }
    )
    edited = review.edit(store, settings, study_id, summary, "ana", note="shorter")
    record = edited.record
    assert record.revision == 2 and record.status == "needs_attention"
    assert any(c.id == "caveat.consult_clinician" and not c.passed for c in record.checks)
    assert record.summary.credibility == first.summary.credibility  # from the profile, not edits
    assert store.revision(study_id, 1) == first  # the earlier revision is untouched
    assert store.revision_log(study_id)[-1]["author"] == "ana"
    assert "-Talk with your healthcare provider" in edited.diff
    assert "+More trials are needed." in edited.diff
    assert "\n ## Important Considerations\n" in edited.diff  # unchanged lines are context
    assert (settings.drafts_dir / f"{study_id}.md").read_text().count("revision=2") == 1
    with pytest.raises(ReviewError, match="changes nothing"):
        review.edit(store, settings, study_id, record.summary, "ana")


def test_an_edited_markdown_draft_is_parsed_back_and_a_stale_one_refused(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    text = render_draft(store.latest(study_id), load_house(settings))
    edited = text.replace("Side effects were mild.", "Side effects were mild and rare.")
    result = review.edit_markdown(store, settings, study_id, edited, "ana", source="d.md")
    assert result.record.summary.what_they_found.endswith("mild and rare.")
    with pytest.raises(ReviewConflict, match="revision 2"):  # the file still says revision=1
        review.edit_markdown(store, settings, study_id, edited.replace("rare", "few"), "ben")
    with pytest.raises(ReviewError, match="not of"):
        review.edit_markdown(store, settings, "pmid-1", edited, "ana", source="d.md")


def test_a_reviewer_note_reaches_the_next_batch_drafting_prompt(
    store: Store, settings: Settings
) -> None:
    study_id = seed(settings)
    review.decide(store, study_id, "request_changes", "ana", note="Explain the dummy pill.")
    backend = Scripted([GOOD])
    ctx = Context.open(settings, backend)
    try:  # the same study arriving again in a batch is redrafted with the note
        outcome = process_study(ctx, store.study(study_id))
    finally:
        ctx.close()
    assert outcome.result == "drafted" and store.state(study_id) == "needs_review"
    assert "Explain the dummy pill." in backend.requests[0].messages[-1]["content"]
    assert backend.requests[0].reviewer_note == "Explain the dummy pill."
    started = [e for e in store.events(study_id) if e["kind"] == "draft_started"][-1]
    assert started["detail"] == "reviewer note: Explain the dummy pill."


def test_redraft_now_sends_the_note_too(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    review.decide(store, study_id, "request_changes", "ana", note="Say who took part.")
    backend = Scripted([GOOD])
    ctx = Context(settings, store, backend, load_house(settings), _prompts(settings))
    review.redraft(ctx, study_id, "ana")
    assert "Say who took part." in backend.requests[0].messages[-1]["content"]
    assert [r.revision for r in store.revisions(study_id)] == [1, 2]


def test_every_decision_is_an_event_with_who_when_and_why(store: Store, settings: Settings) -> None:
    study_id = seed(settings)
    review.decide(store, study_id, "reject", "ana", note="Off topic for the audience.")
    event = store.events(study_id)[-1]
    assert (event["actor"], event["kind"], event["from_state"], event["to_state"]) == (
        "ana",
        "reject",
        "needs_review",
        "rejected",
    )
    assert event["at"] and "Off topic for the audience." in event["detail"]


def test_the_queue_filters_by_state_and_failing_check(store: Store, settings: Settings) -> None:
    passing = seed(settings)
    failing = seed(settings, TRIAL_ABSTRACT + " Adverse events were rare.", NO_CAVEAT)
    assert {r["id"] for r in review.queue(store)} == {passing, failing}
    assert [r["id"] for r in review.queue(store, failing="caveat")] == [failing]
    assert [r["id"] for r in review.queue(store, failing="caveat.consult_clinician")] == [failing]
    review.decide(store, passing, "approve", "ana")
    assert [r["id"] for r in review.queue(store, state="approved")] == [passing]
    assert review.queue(store)[0]["credibility"] == 4


# -- the CLI: `pls review …`, `pls publish`, `pls serve`, in process -------------------------


def cli_app():
    """The real `pls` app, with review, publish and serve as pipeline/cli/main.py registers them."""
    from pipeline.cli import app

    return app


@pytest.fixture
def pls(settings: Settings, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    monkeypatch.delenv("PLS_REVIEWER", raising=False)
    monkeypatch.delenv("PLS_SERVE_TOKEN", raising=False)
    runner, app = CliRunner(), cli_app()

    where = ["--outputs", str(settings.outputs)]
    if settings.database_url:  # the option, not the variable: what a user on PostgreSQL types
        where += ["--database-url", settings.database_url]

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, [*args, *where])
        assert result.exit_code == code, result.output
        return result

    return run


def test_cli_list_json_filters_and_one_object_per_study(pls, settings: Settings) -> None:
    import json

    passing, failing = seed(settings), seed(settings, TRIAL_ABSTRACT + " Few fell.", NO_CAVEAT)
    rows = json.loads(pls("review", "list", "--json").stdout)
    assert {(r["id"], r["state"]) for r in rows} == {
        (passing, "needs_review"),
        (failing, "needs_review"),
    }
    assert all(r["title"] == "A daily pill and walking speed in MS" for r in rows)
    only = json.loads(pls("review", "list", "--json", "--failing", "caveat").stdout)
    assert [r["id"] for r in only] == [failing]
    assert only[0]["failing"] == ["caveat.consult_clinician"]
    assert json.loads(pls("review", "list", "--json", "--state", "approved").stdout) == []
    assert "choose one of" in pls("review", "list", "--state", "done", code=2).output


def test_cli_approve_needs_a_reviewer_and_an_override_and_refuses_twice(
    pls, settings: Settings
) -> None:
    study_id = seed(settings, reply=NO_CAVEAT)
    assert "--reviewer" in pls("review", "approve", study_id, code=2).output
    refused = pls("review", "approve", study_id, "--reviewer", "ana", code=1)
    assert "needs an override reason (--override REASON)" in refused.stderr
    done = pls("review", "approve", study_id, "--reviewer", "ana", "--override", "checked")
    assert "needs_review → approved" in done.stdout
    again = pls("review", "approve", study_id, "--reviewer", "ben", "--override", "x", code=1)
    assert f"{study_id} is approved (approve by ana" in again.stderr
    unknown = ("--reviewer", "ben", "--note", "n", "--revision", "9")
    assert (
        "has no revision 9 (the latest is 1)"
        in pls("review", "reject", study_id, *unknown, code=1).stderr
    )


def test_cli_request_changes_redraft_and_history(pls, settings: Settings) -> None:
    study_id = seed(settings)
    assert "--note" in pls("review", "request-changes", study_id, "--reviewer", "a", code=2).output
    pls("review", "request-changes", study_id, "--reviewer", "ana", "--note", "Name the pill.")
    redrafted = pls("review", "redraft", study_id, "--reviewer", "ana", "--backend", "offline")
    assert f"{study_id}: " in redrafted.stdout
    trail = json.loads(pls("review", "history", study_id, "--json").stdout)
    kinds = [(e["actor"], e["kind"]) for e in trail]
    assert ("ana", "request_changes") in kinds and ("ana", "redraft") in kinds
    started = [e for e in trail if e["kind"] == "draft_started"][-1]
    assert started["detail"] == "reviewer note: Name the pill."
    assert "no study with id" in pls("review", "history", "pmid-0", code=1).stderr


def test_cli_edit_from_a_file_and_from_the_editor(
    pls, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    study_id = seed(settings)
    draft = (settings.drafts_dir / f"{study_id}.md").read_text()
    edited = tmp_path / "edited.md"
    edited.write_text(draft.replace("Side effects were mild.", "Side effects were mild, too."))
    shown = pls("review", "edit", study_id, "--reviewer", "ana", "--file", str(edited))
    assert "Saved revision 2" in shown.stdout and "+Side effects were mild, too." in shown.stdout
    editor = tmp_path / "editor.py"  # an $EDITOR that drops the clinician sentence
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace(' Talk with your healthcare provider', ' Ask'))\n"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    shown = pls("review", "edit", study_id, "--reviewer", "ben")
    assert "Saved revision 3 (needs_attention)" in shown.stdout
    assert "caveat.consult_clinician" in shown.stdout
    stale = pls("review", "edit", study_id, "--reviewer", "ana", "--file", str(edited), code=1)
    assert "revision 3 (by ben) was saved after the revision 1 you reviewed" in stale.stderr
    page = pls("review", "show", study_id).stdout
    assert "Walking problems are common" in page and "Changes from revision 2" in page
    assert "Audit trail" in pls("review", "show", study_id, "--history").stdout


def test_cli_publish_and_serve_guard(pls, settings: Settings) -> None:
    study_id = seed(settings)
    pls("review", "approve", study_id, "--reviewer", "ana")
    published = pls("publish", "--by", "ben").stdout
    assert f"{study_id}: revision 1 published" in published
    assert "Nothing approved to publish." in pls("publish").stdout
    assert "already published" in pls("publish", study_id).stdout
    refused = pls("serve", "--host", "0.0.0.0", code=2)
    assert "without a token" in refused.stderr
