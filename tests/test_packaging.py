"""A plain (non-editable) install ships every subpackage, template, stylesheet and the house data,
and runs the main job from anywhere: no file is found through the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_pyproject_lists_every_subpackage() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    folders = {
        ".".join(p.parent.relative_to(REPO).parts) for p in REPO.glob("pipeline/**/__init__.py")
    }
    assert set(config["packages"]) == folders | {"pipeline.prompts"}
    assert config["package-dir"] == {"pipeline.prompts": "prompts"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would build, installed into a folder of its own. Built with this
    environment's setuptools (no build isolation) so the test needs no network."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # only what the wheel is built from: setuptools writes build/ there
    for name in ("pipeline", "prompts"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "dist"), str(source)],
        check=True,
        cwd=work,
    )
    (wheel,) = (work / "dist").glob("pls-*.whl")
    site = work / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return site


def _run(
    site: Path, args: list[str], cwd: Path, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLS_", "OPENAI_"))}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install's finder in site-packages
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _copy_inputs(into: Path) -> None:
    (into / "inputs").mkdir()
    for sample in (REPO / "inputs").iterdir():
        (into / "inputs" / sample.name).write_bytes(sample.read_bytes())


def test_the_installed_package_is_the_one_that_runs(installed: Path, tmp_path: Path) -> None:
    probe = _run(
        installed,
        [
            "-c",
            "import pipeline, pipeline.settings as s; print(pipeline.__file__); "
            "print(s.shipped_prompts_dir())",
        ],
        tmp_path,
    )
    module, prompts = probe.stdout.split()
    assert Path(module).is_relative_to(installed)
    assert Path(prompts) == installed / "pipeline" / "prompts"
    shipped = {p.name for p in (installed / "pipeline" / "prompts").iterdir()}
    assert shipped == {p.name for p in (REPO / "prompts").iterdir() if p.is_file()}


def test_an_installed_pls_batches_the_sample_inputs_offline(
    installed: Path, tmp_path: Path
) -> None:
    _copy_inputs(tmp_path)
    pls = installed / "bin" / "pls"  # the console script pip wrote, as `pls` on a PATH
    result = _run(installed, [str(pls), "batch", "inputs", "--backend", "offline"], tmp_path)
    assert result.returncode == 0, result.stderr
    drafts = sorted((tmp_path / "outputs" / "drafts").glob("*.md"))
    assert len(drafts) == 10
    assert "## Key Takeaway" in drafts[0].read_text("utf-8")
    served = _run(
        installed,
        [
            "-c",
            "from starlette.testclient import TestClient; from pipeline.settings import Settings;"
            " from pipeline.web import create_app; client = TestClient(create_app(Settings()));"
            " print(client.get('/static/style.css').status_code, client.get('/').status_code)",
        ],
        tmp_path,
    )
    assert served.stdout.split() == ["200", "200"], served.stderr


def test_a_house_can_point_at_its_own_prompts_folder(installed: Path, tmp_path: Path) -> None:
    """PLS_PROMPTS_DIR: the house's files replace the shipped ones of the same name; the rest
    still come from the package."""
    own = tmp_path / "house"
    own.mkdir()
    house = (REPO / "prompts" / "house.toml").read_text("utf-8")
    assert "stay informed" in house
    own.joinpath("house.toml").write_text(house.replace("stay informed", "keep up"), "utf-8")
    _copy_inputs(tmp_path)
    pls = installed / "bin" / "pls"
    args = [str(pls), "batch", "inputs", "--backend", "offline"]
    result = _run(installed, args, tmp_path, PLS_PROMPTS_DIR=str(own))
    assert result.returncode == 0, result.stderr
    draft = next((tmp_path / "outputs" / "drafts").glob("*.md")).read_text("utf-8")
    assert "keep up" in draft and "stay informed" not in draft
