"""One settings object, declared once, each with a default and a help line.

Values come from (highest first) CLI flags, environment variables (`PLS_*`, plus the standard
`OPENAI_API_KEY` / `OPENAI_BASE_URL`), then the defaults below. `pls settings` prints them all.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SOURCE_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLS_", extra="ignore", populate_by_name=True)

    backend: Literal["auto", "offline", "openai"] = Field(
        "auto",
        description="Drafting backend. 'auto' uses openai when OPENAI_API_KEY or OPENAI_BASE_URL "
        "is set, else the embedded offline drafter.",
    )
    model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible API.")
    outputs: Path = Field(Path("outputs"), description="Folder for the store, drafts and reports.")
    openai_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "PLS_OPENAI_API_KEY"),
        description="API key; local servers (Ollama, vLLM, llama.cpp) accept any value.",
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "PLS_OPENAI_BASE_URL"),
        description="Base URL of any OpenAI-compatible server, e.g. http://localhost:11434/v1.",
    )
    structured_outputs: Literal["auto", "json_schema", "json_object"] = Field(
        "auto",
        description="How to ask for JSON: json_schema (strict), json_object (JSON mode), or auto "
        "(json_schema, falling back to json_object when the server rejects it).",
    )
    request_timeout: float = Field(60.0, description="Seconds before one LLM request times out.")
    connect_timeout: float = Field(10.0, description="Seconds to establish a connection.")
    max_attempts: int = Field(4, description="Attempts per LLM request on 429/5xx/timeouts.")
    max_backoff: float = Field(30.0, description="Longest wait between retries, in seconds.")
    temperature: float = Field(0.2, description="Sampling temperature for drafts.")
    max_output_tokens: int = Field(1800, description="Cap on tokens the model may write per call.")
    revise_rounds: int = Field(
        2, description="Revise rounds after the first draft when checks fail."
    )

    input_price_per_mtok: float = Field(
        0.15, description="USD per million uncached prompt tokens, for cost estimates."
    )
    cached_input_price_per_mtok: float = Field(
        0.075, description="USD per million cached prompt tokens, for cost estimates."
    )
    output_price_per_mtok: float = Field(
        0.60, description="USD per million completion tokens, for cost estimates."
    )

    concurrency: int = Field(8, description="Batch: requests in flight at once.")
    requests_per_minute: float | None = Field(
        None, description="Batch: requests per minute the provider allows (unset: no pacing)."
    )
    tokens_per_minute: float | None = Field(
        None, description="Batch: tokens per minute the provider allows (unset: no limit)."
    )
    study_deadline: float = Field(
        600.0, description="Batch: seconds one study may take, retries included, before failing."
    )
    lease_seconds: float = Field(
        120.0, description="Batch: a claimed study returns to the queue if not renewed in time."
    )

    prompts_dir: Path | None = Field(
        None,
        description="A house's own prompts/ folder: its files (templates, house.toml, word lists) "
        "replace the shipped ones of the same name; unset: the house data shipped with pls.",
    )
    audience_condition: str = Field("MS", description="The condition the audience lives with.")
    small_sample: int = Field(100, description="Fewer people than this requires small_sample.")
    short_followup_months: float = Field(
        6.0, description="Intervention follow-up shorter than this requires short_followup."
    )
    target_grade: float = Field(8.0, description="Flesch-Kincaid grade target for the summary.")
    max_section_grade: float = Field(10.0, description="No prose section may score above this.")

    min_abstract_words: int = Field(40, description="Shorter abstracts are refused.")
    max_abstract_chars: int = Field(20_000, description="Longer abstracts are refused.")
    max_file_bytes: int = Field(50_000_000, description="Larger input files are refused unread.")

    def resolved_backend(self) -> Literal["offline", "openai"]:
        if self.backend != "auto":
            return self.backend
        return "openai" if (self.openai_api_key or self.openai_base_url) else "offline"

    @property
    def drafts_dir(self) -> Path:
        return self.outputs / "drafts"

    @property
    def db_path(self) -> Path:
        return self.outputs / "pls.sqlite3"

    def prompt_dirs(self) -> tuple[Path, ...]:
        """Where house data is looked up, first match wins: the house's own, then pls's."""
        own = (self.prompts_dir,) if self.prompts_dir else ()
        return (*own, shipped_prompts_dir())

    def prompt_file(self, name: str) -> Path:
        return find_prompt_file(self.prompt_dirs(), name)


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


@cache
def process_settings() -> Settings:
    """The environment's settings, for the word lists that are loaded once per process."""
    return Settings()


def prompt_file(name: str) -> Path:
    """A house data file for loaders without a Settings at hand (the word lists)."""
    return process_settings().prompt_file(name)
