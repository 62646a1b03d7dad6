"""`repair_views` re-renders only the drafts whose files are missing, under their bounded names."""

from __future__ import annotations

from pathlib import Path

from helpers import seed, trial_settings

from pipeline.batch.runner import repair_views
from pipeline.house import load_house
from pipeline.store import Store, draft_path


def test_repair_views_finds_a_long_ids_file_under_its_bounded_name(tmp_path: Path) -> None:
    """A store from before bounded names holds a 300-character DOI id; its files are found under
    the name `draft_path` gives them, so a later batch neither crashes nor re-renders them."""
    settings = trial_settings(tmp_path)
    house = load_house(settings)
    short_id = seed(settings)
    long_id = "doi-10-1234-" + "a" * 300
    with Store(settings.database) as store:
        record = store.latest(short_id)
        assert record is not None
        study = record.study.model_copy(update={"id": long_id, "source": "old-store"})
        store.upsert_study(study)
        store.add_revision(record.model_copy(update={"study": study}))
        store.set_state(long_id, "needs_review", kind="drafted")
        for path in settings.drafts_dir.iterdir():
            path.unlink()
        assert repair_views(store, settings, house) == 2  # both drafts' files were missing
        md = draft_path(settings.drafts_dir, long_id)
        assert md.is_file() and md.with_suffix(".json").is_file()
        assert len(md.name) < 100
        assert repair_views(store, settings, house) == 0  # nothing missing: nothing re-rendered
