"""The digest: what came in, in four lists, with review links; hostile titles stay text."""

from __future__ import annotations

from helpers import make_study

from pipeline.records import Triage
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.watch import build_digest, render

ABSTRACT = " ".join(["People with multiple sclerosis took part in this study of walking."] * 6)


def test_hostile_titles_and_links_stay_text(store: Store, settings: Settings) -> None:
    run_id, _, _ = store.open_run("j", {})
    hostile = make_study(ABSTRACT, "<img src=x onerror=alert(1)>[click](javascript:alert(1))")
    verdict = Triage(score=0.2, relevant=False, reasons=["<b>bold</b> reason"])
    store.record_item(run_id, "j", "sha:1", "parked", hostile.title, study=hostile, triage=verdict)
    store.record_item(
        run_id, "j", "link:x", "needs_abstract", "Title only", link="javascript:alert(1)"
    )
    markdown, html = render(build_digest(store, settings, ""))
    assert "<img" not in html and "&lt;img" in html and "<b>bold" not in html
    assert 'href="javascript' not in html and "(javascript" not in markdown.replace("\\(", "")
    assert "\\[click\\]" in markdown
    assert "no abstract in the feed" in markdown
    assert f"/study/{hostile.id}" in markdown


def test_an_empty_digest_says_so(store: Store, settings: Settings) -> None:
    markdown, html = render(build_digest(store, settings, "2999-01-01"))
    assert markdown.count("Nothing.") == 4 and "0 drafted, 0 new" in markdown
    assert html.count("<p>Nothing.</p>") == 4
