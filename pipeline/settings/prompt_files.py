"""Where house data is found: the folders `Settings.prompt_dirs()` lists are searched in order,
the house's own first, then the data shipped with pls. Moved out of `settings.py` (which the
three content issues all add fields to) because it needs nothing of the settings object."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

SOURCE_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


def find_prompt_file(folders: tuple[Path, ...], name: str) -> Path:
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"no {name} in {', '.join(map(str, folders))}")


@cache
def shipped_prompts_dir() -> Path:
    """The house data shipped with pls: `pipeline/prompts/` in an installed wheel (pyproject maps
    the repository's `prompts/` there), else the source tree's `prompts/`."""
    packaged = Path(str(resources.files("pipeline") / "prompts"))
    return packaged if packaged.is_dir() else SOURCE_PROMPTS
