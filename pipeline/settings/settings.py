"""One settings object, declared once, each with a default and a help line.

Values come from (highest first) CLI flags, environment variables (`PLS_*`, plus the standard
`OPENAI_API_KEY` / `OPENAI_BASE_URL`), then the defaults below. `pls settings` prints them all.
A server on this machine or the local network (a model on CPU: minutes per call) gets its own
defaults for the request timeout, the study deadline and the requests in flight, unless those
are set. Cost is estimated only for models with known prices (`MODEL_PRICES`, or set them).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.settings.endpoints import (
    DATED_MODEL,
    LOCAL_DEFAULTS,
    MODEL_PRICES,
    is_local_url,
    mask_secrets,
)
from pipeline.settings.prompt_files import find_prompt_file, shipped_prompts_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLS_", extra="ignore", populate_by_name=True)

    backend: Literal["auto", "offline", "openai"] = Field(
        "auto",
        description="Drafting backend. 'auto' uses openai when OPENAI_API_KEY or OPENAI_BASE_URL "
        "is set, else the embedded offline drafter.",
    )
    model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible API.")
    outputs: Path = Field(Path("outputs"), description="Folder for the store, drafts and reports.")
    database_url: str | None = Field(
        None,
        description="The store on PostgreSQL (postgresql://user@host/db), shared by workers and "
        "the review app; unset: the SQLite file under outputs/ (files stay under outputs/).",
    )
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
    request_timeout: float = Field(
        60.0,
        description="Seconds before one LLM request times out (local servers: "
        "local_request_timeout unless set).",
    )
    connect_timeout: float = Field(10.0, description="Seconds to establish a connection.")
    max_attempts: int = Field(4, description="Attempts per LLM request on 429/5xx/timeouts.")
    max_backoff: float = Field(30.0, description="Longest wait between retries, in seconds.")
    temperature: float = Field(0.2, description="Sampling temperature for drafts.")
    max_output_tokens: int = Field(1800, description="Cap on tokens the model may write per call.")
    revise_rounds: int = Field(
        2, description="Revise rounds after the first draft when checks fail."
    )

    local_request_timeout: float = Field(
        600.0,
        description="Request timeout for a server on this machine or the local network (a "
        "model on CPU takes minutes per call), unless request_timeout is set.",
    )
    local_study_deadline: float = Field(
        3600.0,
        description="Study deadline for a local server (several slow calls per study), unless "
        "study_deadline is set.",
    )
    local_concurrency: int = Field(
        1,
        description="Requests in flight for a local server, unless concurrency is set: llama.cpp "
        "answers one at a time, and queued requests would time out.",
    )

    input_price_per_mtok: float | None = Field(
        None,
        description="USD per million uncached prompt tokens; unset: the model's known price "
        "(MODEL_PRICES), else no cost estimate.",
    )
    cached_input_price_per_mtok: float | None = Field(
        None, description="USD per million cached prompt tokens; unset: the model's known price."
    )
    output_price_per_mtok: float | None = Field(
        None, description="USD per million completion tokens; unset: the model's known price."
    )
    model_prices: dict[str, tuple[float, float, float]] = Field(
        default_factory=dict,
        description="More prices, as JSON: each model name to three USD prices per million "
        "tokens (uncached input, cached input, output); they extend and override MODEL_PRICES.",
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
    profile_llm: bool = Field(
        False,
        description="Also ask the LLM backend for each study's design, species and participants, "
        "each with a quote; a quoted reading that disagrees with the rules marks the field "
        "low-confidence for the reviewer (the rules' value is kept).",
    )
    small_sample: int = Field(100, description="Fewer people than this requires small_sample.")
    short_followup_months: float = Field(
        6.0, description="Intervention follow-up shorter than this requires short_followup."
    )
    target_grade: float = Field(8.0, description="Flesch-Kincaid grade target for the summary.")
    max_section_grade: float = Field(10.0, description="No prose section may score above this.")

    min_abstract_words: int = Field(40, description="Shorter abstracts are refused.")
    max_abstract_chars: int = Field(20_000, description="Longer abstracts are refused.")
    max_file_bytes: int = Field(50_000_000, description="Larger input files are refused unread.")
    max_section_chars: int = Field(
        4_000, description="An edited section (or topics, or a reason) longer than this is refused."
    )

    # the reader's site (`pls site build`, pipeline/site/)
    site_url: str = Field(
        "http://127.0.0.1:8000/site/",
        description="The published site's address (http or https, ending /): feeds and sitemap.",
    )
    site_title: str = Field("", description="The site's name; default: '<audience> Research'.")
    site_page_size: int = Field(24, ge=1, le=1000, description="Summaries per index page.")
    explainer_max_sources: int = Field(
        8, ge=1, le=20, description="Most studies a topic explainer draws on (`pls explain`)."
    )
    # An explainer is 450-650 words in 4-8 paragraphs, each with its sources: about three times
    # a summary's reply, which `max_output_tokens` is sized for.
    explainer_max_output_tokens: int = Field(
        4000, ge=256, description="Cap on tokens the model may write per explainer call."
    )
    # how a published summary was made, on its page and in the feeds (issue 12)
    ai_disclosure: str = Field(
        "Drafted with the help of an AI language model and checked and approved by "
        "{reviewer_role}.",
        description="The AI-use line of a model-drafted summary; {reviewer_role} is filled in.",
    )
    ai_disclosure_offline: str = Field(
        "Drafted by rules from the abstract of the study, without an AI language model, and "
        "checked and approved by {reviewer_role}.",
        description="The same line for a summary the offline drafter (rules) wrote.",
    )
    reviewer_role: str = Field(
        "a member of our editorial team", description="Who approves summaries, in that line."
    )

    # watches (`pls watch`, pipeline/watch/): NCBI E-utilities, feeds, triage, the digest
    eutils_url: str = Field(
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/", description="NCBI E-utilities' base."
    )
    ncbi_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("NCBI_API_KEY", "PLS_NCBI_API_KEY"),
        description="NCBI API key: 10 E-utilities requests/s instead of 3.",
    )
    ncbi_tool: str = Field("pls", description="The tool name sent with every NCBI request.")
    ncbi_email: str = Field("", description="The contact address sent with every NCBI request.")
    watch_lookback_days: int = Field(30, ge=1, description="How far a first watch run looks.")
    watch_timeout: float = Field(30.0, gt=0, description="Seconds per watch request.")
    watch_max_bytes: int = Field(20_000_000, description="A larger feed or reply is refused.")
    watch_max_entries: int = Field(1000, ge=1, description="Entries read per feed per run.")
    triage_threshold: float = Field(0.5, ge=0, le=1, description="Below: parked, not drafted.")
    triage_min_decisions: int = Field(
        20, description="Approvals and rejections (10 of each at least) before triage learns."
    )
    review_url: str = Field("http://127.0.0.1:8000/", description="Review app, for digest links.")
    api_token: str | None = Field(
        None, min_length=16, description="Bearer token of the JSON API (/api/); else serve's."
    )
    smtp_url: str | None = Field(
        None, description="smtp://user:password@host:port (smtps:// for TLS): digest --mail."
    )
    mail_from: str = Field("pls@localhost", description="The digest's sender.")
    mail_to: str = Field("", description="The digest's recipients, comma-separated.")

    @field_validator("database_url")
    @classmethod
    def _postgresql_only(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not value.startswith(("postgresql://", "postgres://")):
            scheme = mask_secrets(value.split("://", 1)[0] if "://" in value else value[:20])
            raise ValueError(f"must start with postgresql:// (got {scheme!r}); or unset it")
        return value or None

    @model_validator(mode="after")
    def _local_defaults(self) -> Settings:
        """A local server gets the local defaults for what was not set explicitly."""
        if is_local_url(self.openai_base_url):
            for name, local in LOCAL_DEFAULTS.items():
                if name not in self.model_fields_set:
                    self.__dict__[name] = getattr(self, local)
        return self

    def prices_for(self, model: str) -> tuple[float, float, float] | None:
        """(uncached prompt, cached prompt, completion) USD per million tokens, or None."""
        # A local server answers under whatever model name it was sent (llama-cpp-python
        # echoes "gpt-4o-mini"), so list prices never apply there; prices set here still do.
        listed = {} if is_local_url(self.openai_base_url) else MODEL_PRICES
        table = {**listed, **self.model_prices}
        known = table.get(model) or table.get(DATED_MODEL.sub("", model))
        own = (self.input_price_per_mtok, self.cached_input_price_per_mtok)
        own += (self.output_price_per_mtok,)
        if all(p is None for p in own):
            return known
        if known is None and any(p is None for p in own[::2]):
            return None  # a partial price for an unknown model is no price
        base = known or (0.0, 0.0, 0.0)
        prompt = own[0] if own[0] is not None else base[0]
        cached = own[1] if own[1] is not None else (base[1] if known else prompt)
        return (prompt, cached, own[2] if own[2] is not None else base[2])

    def cost_usd(
        self, model: str, prompt_tokens: int, cached_tokens: int, completion_tokens: int
    ) -> float | None:
        """Estimated USD for these tokens; 0 when none were used, None when the price is unknown."""
        if not (prompt_tokens or completion_tokens):
            return 0.0
        prices = self.prices_for(model)
        if prices is None:
            return None
        uncached = prompt_tokens - cached_tokens
        return (
            uncached * prices[0] + cached_tokens * prices[1] + completion_tokens * prices[2]
        ) / 1e6

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

    @property
    def database(self) -> Path | str:
        """Where the store is: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.db_path

    @property
    def database_label(self) -> str:  # the store in error lines: its password never shown
        return mask_secrets(self.database_url) if self.database_url else str(self.db_path)

    def store_may_exist(self) -> bool:
        """False only when there is certainly no store: no SQLite file (a database is asked)."""
        return bool(self.database_url) or self.db_path.exists()

    def prompt_dirs(self) -> tuple[Path, ...]:
        """Where house data is looked up, first match wins: the house's own, then pls's."""
        own = (self.prompts_dir,) if self.prompts_dir else ()
        return (*own, shipped_prompts_dir())

    def disclosure(self, offline: bool) -> str:
        """The AI-use line for a summary drafted by a model or, `offline`, by rules."""
        line = self.ai_disclosure_offline if offline else self.ai_disclosure
        return line.replace("{reviewer_role}", self.reviewer_role)

    def prompt_file(self, name: str) -> Path:
        return find_prompt_file(self.prompt_dirs(), name)


@cache
def process_settings() -> Settings:
    """The environment's settings, for the word lists that are loaded once per process."""
    return Settings()


def prompt_file(name: str) -> Path:
    """A house data file for loaders without a Settings at hand (the word lists)."""
    return process_settings().prompt_file(name)
