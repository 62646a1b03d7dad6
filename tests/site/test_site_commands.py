"""`pls site build`, `pls publish` rebuilding the site, and `pls serve`'s /site/ preview."""

from __future__ import annotations

from pathlib import Path

from helpers import GOOD_DRAFT, Scripted, seed
from starlette.testclient import TestClient
from test_site import publish_some
from typer.testing import CliRunner

from pipeline import review
from pipeline.cli import app
from pipeline.settings import Settings
from pipeline.store import Store
from pipeline.web import create_app


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def test_site_build_writes_the_folder_and_says_what_it_did(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    publish_some(store, settings, 2)
    code, out = run("site", "build", "--outputs", settings.outputs, "--out", tmp_path / "web")
    assert code == 0 and "Site: 2 summaries" in out and "files written" in out
    assert (tmp_path / "web" / "index.html").is_file()
    code, out = run("site", "build", "--outputs", settings.outputs, "--out", tmp_path / "web")
    assert code == 0 and " 0 files written" in " ".join(out.split())


def test_a_folder_that_is_not_a_site_is_one_line_and_exit_1(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "index.html").write_text("mine")
    code, out = run("site", "build", "--outputs", settings.outputs, "--out", tmp_path / "taken")
    assert code == 1 and "not a pls site" in out and "Traceback" not in out
    assert (tmp_path / "taken" / "index.html").read_text() == "mine"
    code, out = run(
        "site", "build", "--outputs", settings.outputs, "--out", tmp_path / "taken/index.html"
    )
    assert code == 1 and "not a folder" in out


def test_publish_rebuilds_the_site(store: Store, settings: Settings) -> None:
    study_id = seed(settings, reply=GOOD_DRAFT)
    review.decide(store, study_id, "approve", "ana", override="checked by hand")
    code, out = run("publish", "--outputs", settings.outputs)
    assert code == 0 and "Site: 1 summary," in out
    assert (settings.outputs / "site" / "summaries").is_dir()


def test_the_review_app_serves_the_site_under_site(store: Store, settings: Settings) -> None:
    client = TestClient(create_app(settings, backend=Scripted([GOOD_DRAFT])))
    missing = client.get("/site/")
    assert missing.status_code == 404 and "pls site build" in missing.text
    publish_some(store, settings, 1)
    run("site", "build", "--outputs", settings.outputs)
    page = client.get("/site/")
    assert page.status_code == 200 and "Latest summaries" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert client.get("/site/site.css").status_code == 200
    assert client.get("/site/../pls.sqlite3").status_code == 404
