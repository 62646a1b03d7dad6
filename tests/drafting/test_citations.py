"""The LLM path of claim grounding (issue 12), through the real openai SDK and the local Chat
Completions server: the prompt numbers the abstract's sentences, the model cites them, an id
that does not exist is dropped and recorded, and the revise prompt names the sentence."""

from __future__ import annotations

import json
from pathlib import Path

from chat_server import ChatServer, CitingModel
from helpers import GOOD_DRAFT, TRIAL_ABSTRACT, make_profile

from pipeline.backends import OpenAIBackend
from pipeline.drafting import draft_study
from pipeline.house import load_house
from pipeline.ingest import load_text
from pipeline.settings import Settings
from pipeline.store.draft_files import write_draft_files


def test_an_invented_id_fails_the_sentence_and_the_revision_cites_a_real_one(
    tmp_path: Path,
) -> None:
    settings = Settings(backend="offline", revise_rounds=2, outputs=tmp_path)
    study = load_text(
        f"Title: A daily pill and walking speed in MS\n{TRIAL_ABSTRACT}", "t", settings
    )
    content = GOOD_DRAFT.model_dump(mode="json", exclude={"evidence"})
    takeaway = content["key_takeaway"]
    with ChatServer() as server:
        server.default = CitingModel(content, invent=(takeaway,))
        backend_settings = settings.model_copy(
            update={"backend": "openai", "openai_base_url": server.base_url, "openai_api_key": "k"}
        )
        record = draft_study(study, make_profile(), OpenAIBackend(backend_settings), settings)
        prompts = [body["messages"][-1]["content"] for body in server.bodies]
    # the abstract reaches the model numbered, with its section labels
    assert "[S1] (BACKGROUND) Walking problems are common in multiple sclerosis." in prompts[0]
    first = next(c for c in record.attempts[0].checks if c.id == "grounding.claims")
    assert not first.passed and first.severity == "error" and "S999" in first.message
    assert record.attempts[0].summary.evidence[0].ids == ["S999"]  # what the model said, kept
    # the revise prompt names the sentence and why
    assert "[grounding.claims]" in prompts[1] and f'in Key Takeaway: "{takeaway}"' in prompts[1]
    last = next(c for c in record.checks if c.id == "grounding.claims")
    assert last.passed or last.severity == "warning"
    # the draft's .json carries the alignment for scripts
    path = write_draft_files(record, load_house(settings), tmp_path / "drafts")
    alignment = json.loads(path.with_suffix(".json").read_text())["alignment"]
    kt = next(a for a in alignment if a["section"] == "key_takeaway")
    assert kt["status"] == "supported" and kt["ids"][0] == "S5"  # the aligner's best support
    assert kt["cited"] and set(kt["cited"]) <= set(kt["ids"]) and not kt["invented"]
    assert {"sentence", "ids", "score", "invented", "status"} <= set(kt)
