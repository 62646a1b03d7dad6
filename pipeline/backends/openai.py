"""Drafts through any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama, llama.cpp).

One retry policy lives here (tenacity); the SDK's own retries are switched off so the two never
stack. Every way a reply can be unusable maps to a `BackendError` subclass, never to a draft.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import threading
import time
from collections.abc import Awaitable, Callable
from itertools import dropwhile
from typing import Any

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from pipeline.backends.base import DraftReply, DraftRequest
from pipeline.backends.openai_protocol import (
    JSON_MODE_INSTRUCTION,
    RETRY_STATUSES,
    is_quota,
    one_line,
    parse_content,
    retry_after_seconds,
    strict_schema,
)
from pipeline.backends.ratelimit import RateLimiter
from pipeline.errors import BackendError, TransientBackendError
from pipeline.records import DraftContent, Usage
from pipeline.settings import Settings

log = logging.getLogger(__name__)


class OpenAIBackend:
    name = "openai"
    offline = False

    def __init__(
        self,
        settings: Settings,
        *,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_client: openai.AsyncOpenAI | None = None,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.model = settings.model
        self.client = client or openai.OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=openai.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        )
        self.where = str(self.client.base_url).rstrip("/")
        self.schema = strict_schema(DraftContent)
        # Learned per instance: a server that rejects json_schema once will reject it again.
        self.json_mode = settings.structured_outputs == "json_object"
        self._json_mode_unproven = False
        self.token_param = "max_tokens"
        self.send_temperature = True
        self.max_tokens = settings.max_output_tokens
        self._sleep = sleep
        self._asleep = asleep
        self.limiter: RateLimiter | None = None  # set by a batch to share one budget
        self._async_client = async_client
        # Per thread, so concurrent drafting threads each read back their own call's numbers.
        self._local = threading.local()

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """Made on first use: it binds to the event loop of the batch that awaits it."""
        if self._async_client is None:
            self._async_client = openai.AsyncOpenAI(
                api_key=self.settings.openai_api_key or "not-needed",
                base_url=self.settings.openai_base_url,
                max_retries=0,
                timeout=openai.Timeout(
                    self.settings.request_timeout, connect=self.settings.connect_timeout
                ),
            )
        return self._async_client

    @property
    def last_attempts(self) -> int:
        """HTTP requests this thread's last `complete()` made, for the audit trail."""
        return getattr(self._local, "attempts", 0)

    def complete(self, request: DraftRequest) -> DraftReply:
        self._local.attempts = 0
        for _ in range(3):  # each adjustment happens at most once, so this never runs out
            kwargs = self.request_body(request.messages)
            try:
                completion, latency_ms = self._retrying().__call__(self._once, kwargs)
                return self.reply_from(completion, latency_ms, self.last_attempts)
            except (
                openai.APIConnectionError,
                openai.APIStatusError,
                openai.OpenAIError,
                ValueError,
            ) as err:
                self._raise_unless_adapted(err, self.last_attempts)
        raise BackendError(f"{self.where} rejected every variant of the request")

    async def acomplete(self, request: DraftRequest) -> DraftReply:
        """The same request, retries and errors, awaited: for batches with many in flight."""
        counter = [0]
        for _ in range(3):
            kwargs = self.request_body(request.messages)
            try:
                completion, latency_ms = await self._aretrying().__call__(
                    self._aonce, kwargs, counter
                )
                return self.reply_from(completion, latency_ms, counter[0])
            except (
                openai.APIConnectionError,
                openai.APIStatusError,
                openai.OpenAIError,
                ValueError,
            ) as err:
                self._raise_unless_adapted(err, counter[0])
        raise BackendError(f"{self.where} rejected every variant of the request")

    def reply_from(self, completion: Any, latency_ms: float, attempts: int) -> DraftReply:
        content = parse_content(completion, self.settings.max_output_tokens)
        # Local servers may omit usage or its details; missing counts are recorded as 0.
        usage = completion.usage
        details = getattr(usage, "prompt_tokens_details", None)
        tokens = Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", None) or 0,
            completion_tokens=getattr(usage, "completion_tokens", None) or 0,
            cached_tokens=getattr(details, "cached_tokens", None) or 0,
            latency_ms=latency_ms,
            attempts=attempts,
        )
        return DraftReply(content=content, usage=tokens, model=completion.model or self.model)

    def _raise_unless_adapted(self, err: Exception, attempts: int) -> None:
        """Adjust once for a known incompatibility (400/422), else raise the right error."""
        if isinstance(err, openai.BadRequestError | openai.UnprocessableEntityError):
            if self._adapt(err):
                return
            raise self._fatal(err) from err
        if isinstance(err, openai.APIConnectionError | openai.APIStatusError):
            if not self._retryable(err):
                raise self._fatal(err) from err  # type: ignore[arg-type]
            if isinstance(err, openai.APITimeoutError):
                what = f"request timed out ({self.settings.request_timeout:g}s)"
            elif isinstance(err, openai.APIConnectionError):
                what = f"could not reach {self.where}"
            else:
                what = f"{self.where} answered {err.status_code}"
            raise TransientBackendError(
                f"{what} after {attempts} attempts: {one_line(err)}"
            ) from err
        # A 200 whose body is not a chat completion: a proxy or a wrong base URL, not the model.
        raise BackendError(f"unexpected reply from {self.where}: {one_line(err)}") from err

    def _adapt(self, err: openai.APIStatusError) -> bool:
        """Change one request setting the server objected to; False when nothing is left."""
        text = one_line(err, limit=1000)
        if self.send_temperature and "temperature" in text:
            # Reasoning models (o-series and later) accept only their default temperature.
            self.send_temperature = False
            return True
        if self.token_param == "max_tokens" and "max_completion_tokens" in text:
            # Newer OpenAI models refuse `max_tokens`; local servers only know `max_tokens`.
            self.token_param = "max_completion_tokens"
            return True
        if self.json_mode and self._json_mode_unproven:
            # JSON mode was rejected too, so the format was never the problem (e.g. the prompt
            # overflowed the context): keep strict schemas for the next study.
            self.json_mode = self._json_mode_unproven = False
            return False
        if not self.json_mode and self.settings.structured_outputs == "auto":
            log.warning("server rejected json_schema (%s); falling back to JSON mode", text)
            self.json_mode = True
            self._json_mode_unproven = not re.search(r"response_format|json_schema", text)
            return True
        return False

    def request_body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        if self.json_mode:
            # After the leading system messages: some local chat templates refuse a late one.
            at = len(messages) - len(list(dropwhile(lambda m: m.get("role") == "system", messages)))
            note = {"role": "system", "content": JSON_MODE_INSTRUCTION + json.dumps(self.schema)}
            messages = [*messages[:at], note, *messages[at:]]
            fmt: dict[str, Any] = {"type": "json_object"}
        else:
            schema = {"name": "house_summary", "strict": True, "schema": self.schema}
            fmt = {"type": "json_schema", "json_schema": schema}
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "response_format": fmt}
        kwargs[self.token_param] = self.max_tokens
        if self.send_temperature:
            kwargs["temperature"] = self.settings.temperature
        return kwargs

    def _policy(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(max(1, self.settings.max_attempts)),
            "retry": retry_if_exception(self._retryable),
            "wait": self._wait,
            "before_sleep": self._log_retry,
            "reraise": True,
        }

    def _retrying(self) -> Retrying:
        return Retrying(sleep=self._sleep, **self._policy())

    def _aretrying(self) -> AsyncRetrying:
        return AsyncRetrying(sleep=self._asleep, **self._policy())

    def _once(self, kwargs: dict[str, Any]) -> tuple[Any, float]:
        self._local.attempts += 1
        started = time.perf_counter()
        completion = self.client.chat.completions.with_raw_response.create(**kwargs).parse()
        self._json_mode_unproven = False
        return completion, (time.perf_counter() - started) * 1000

    async def _aonce(self, kwargs: dict[str, Any], counter: list[int]) -> tuple[Any, float]:
        counter[0] += 1
        if self.limiter:
            await self.limiter.acquire(self._estimate_tokens(kwargs))
        started = time.perf_counter()
        try:
            raw = await self.async_client.chat.completions.with_raw_response.create(**kwargs)
        except openai.APIStatusError as err:
            if self.limiter:
                self.limiter.observe(err.response.headers)
                wait = retry_after_seconds(err.response.headers) or 1.0
                # Everyone waits out a 429 we will retry; one we give up on (a wait longer
                # than max_backoff, an empty quota) must not stall the rest of the batch.
                if err.status_code == 429 and self._retryable(err):
                    self.limiter.pause(min(wait, self.settings.max_backoff))
            raise
        if self.limiter:
            self.limiter.observe(raw.headers)
        completion = raw.parse()
        self._json_mode_unproven = False
        return completion, (time.perf_counter() - started) * 1000

    def _estimate_tokens(self, kwargs: dict[str, Any]) -> int:
        """Prompt characters / 4 plus the output cap: what a provider's TPM limit counts."""
        chars = sum(len(m.get("content") or "") for m in kwargs["messages"])
        return chars // 4 + self.max_tokens

    def _retryable(self, err: BaseException) -> bool:
        if isinstance(err, openai.APIConnectionError):  # includes APITimeoutError
            return True
        if not isinstance(err, openai.APIStatusError):
            return False
        too_long = (retry_after_seconds(err.response.headers) or 0) > self.settings.max_backoff
        if too_long or err.response.headers.get("x-should-retry") == "false" or is_quota(err):
            return False
        return err.status_code in RETRY_STATUSES or err.status_code >= 500

    def _wait(self, state: RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        if isinstance(err, openai.APIStatusError):
            asked = retry_after_seconds(err.response.headers)
            if asked is not None:
                return min(asked, self.settings.max_backoff)
        # Full jitter: spreads out many workers that all failed at the same moment.
        ceiling = min(self.settings.max_backoff, 0.5 * 2 ** (state.attempt_number - 1))
        return random.uniform(0, ceiling)

    def _log_retry(self, state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        err = state.outcome.exception() if state.outcome else None
        log.info("attempt %d failed (%s); retrying in %.2fs", state.attempt_number, err, wait)

    def _fatal(self, err: openai.APIStatusError) -> BackendError:
        """The error for a status we do not (or no longer) retry."""
        status, detail = err.status_code, one_line(err)
        if isinstance(err, openai.AuthenticationError):
            return BackendError("authentication failed: check OPENAI_API_KEY")
        if isinstance(err, openai.PermissionDeniedError):
            return BackendError(f"permission denied for model {self.model!r}: {detail}")
        if status == 429 and is_quota(err):
            return BackendError(f"quota exhausted (insufficient_quota): check billing: {detail}")
        if isinstance(err, openai.NotFoundError):
            return BackendError(f"not found at {self.where} (model {self.model!r}?): {detail}")
        wait = retry_after_seconds(err.response.headers) or 0
        if wait > self.settings.max_backoff:
            return TransientBackendError(
                f"{self.where} answered {status} and asked to wait {wait:.0f}s, longer than "
                f"PLS_MAX_BACKOFF={self.settings.max_backoff:g}s: {detail}"
            )
        if status in RETRY_STATUSES or status >= 500:
            return TransientBackendError(f"{self.where} answered {status} (no retry): {detail}")
        return BackendError(f"{self.where} rejected the request ({status}): {detail}")
