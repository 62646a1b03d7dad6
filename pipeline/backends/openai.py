"""Drafts through any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama, llama.cpp).

One retry policy lives here (tenacity); the SDK's own retries are switched off so the two never
stack. Every way a reply can be unusable maps to a `BackendError` subclass, never to a draft; a
reply that does not fit the schema is asked for once more, with what was wrong, before that.
What a server refused (json_schema, temperature, max_tokens) is learned once per backend, which
a batch shares across its workers, so the rest of the run never sends it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Generator
from itertools import dropwhile
from typing import Any

import openai
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from pipeline.backends.base import DraftReply, DraftRequest
from pipeline.backends.openai_protocol import (
    FORMAT_REJECTED,
    JSON_SHAPE,
    Format,
    ReplySchemaError,
    backoff_seconds,
    error_for,
    error_text,
    format_note,
    one_line,
    response_format,
    retry_after_seconds,
    retryable,
    sent_format,
    served_model,
    strict_schema,
    usage_of,
)
from pipeline.backends.ratelimit import RateLimiter
from pipeline.backends.replies import parse_content, reask_messages
from pipeline.errors import BackendError
from pipeline.records import DraftContent, Usage
from pipeline.settings import Settings, is_local_url, mask_secrets

log = logging.getLogger(__name__)
_ERRORS = (openai.APIConnectionError, openai.APIStatusError, openai.OpenAIError, ValueError)
_NOT_ADAPTABLE = frozenset({401, 403, 404, 408, 409, 429})


class OpenAIBackend:
    name, offline = "openai", False
    max_tokens_setting = "PLS_MAX_OUTPUT_TOKENS"  # named when a reply hits the cap

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
        self.client = client or openai.OpenAI(**self._client_options())
        # Named in error lines, the store and reports: never with the URL's credentials.
        self.where = mask_secrets(str(self.client.base_url).rstrip("/"))
        self.schema = strict_schema(DraftContent)
        self.reply_model: type[BaseModel] = DraftContent
        self.reply_name, self.reply_shape = "house_summary", JSON_SHAPE  # see replying_with
        # Learned per instance (one endpoint, shared by a run's workers): a server that rejects
        # a format or a parameter once will reject it again.
        self.format: Format = (
            "json_schema" if settings.structured_outputs != "json_object" else "json_object_schema"
        )
        self._unproven = False  # JSON mode tried after a 4xx that did not name the format
        self.token_param, self.send_temperature = "max_tokens", True
        self.max_tokens = settings.max_output_tokens
        # A local server names no model of its own unless asked; see answered_by.
        self._echoes = (
            is_local_url(settings.openai_base_url) and "model" not in settings.model_fields_set
        )
        self.served: str | None = None
        self._sleep, self._asleep = sleep, asleep
        self.limiter: RateLimiter | None = None  # set by a batch to share one budget
        self._async_client = async_client
        # Per thread, so concurrent drafting threads each read back their own call's numbers.
        self._local = threading.local()

    def _client_options(self) -> dict[str, Any]:
        s = self.settings
        return {
            "api_key": s.openai_api_key or "not-needed",
            "base_url": s.openai_base_url,
            "max_retries": 0,
            "timeout": openai.Timeout(s.request_timeout, connect=s.connect_timeout),
        }

    @property
    def async_client(self) -> openai.AsyncOpenAI:
        """Made on first use: it binds to the event loop of the batch that awaits it."""
        if self._async_client is None:
            self._async_client = openai.AsyncOpenAI(**self._client_options())
        return self._async_client

    @property
    def last_attempts(self) -> int:
        """HTTP requests this thread's last `complete()` made, for the audit trail."""
        return getattr(self._local, "attempts", 0)

    def complete(self, request: DraftRequest) -> DraftReply:
        return self.complete_messages(request.messages)

    def complete_messages(self, messages: list[dict[str, str]]) -> DraftReply:
        self._local.attempts = 0
        plan = self._plan(messages, lambda: self.last_attempts)
        kwargs = next(plan)
        while True:
            try:
                result: Any = Retrying(sleep=self._sleep, **self._policy())(self._once, kwargs)
            except _ERRORS as err:
                result = err
            try:
                kwargs = plan.send(result)
            except StopIteration as done:
                return done.value

    async def acomplete(self, request: DraftRequest) -> DraftReply:
        """The same request, retries and errors, awaited: for batches with many in flight."""
        counter = [0]
        plan = self._plan(request.messages, lambda: counter[0])
        kwargs = next(plan)
        while True:
            try:
                retrying = AsyncRetrying(sleep=self._asleep, **self._policy())
                result: Any = await retrying(self._aonce, kwargs, counter)
            except _ERRORS as err:
                result = err
            try:
                kwargs = plan.send(result)
            except StopIteration as done:
                return done.value

    def _plan(
        self, messages: list[dict[str, str]], attempts: Callable[[], int]
    ) -> Generator[dict[str, Any], Any, DraftReply]:
        """What to send, I/O-free: yields request bodies, is sent (completion, latency) or the
        exception, adapts to what the server refused, and re-asks once for a bad reply."""
        prior: ReplySchemaError | None = None  # the first ask's bad reply, once re-asking
        for ask in range(2):
            before = prior.usage if prior else None
            for _ in range(6):  # each adjustment happens at most once, so this never runs out
                kwargs = self.request_body(messages)
                result = yield kwargs
                if not isinstance(result, BaseException):
                    break
                self._raise_unless_adapted(result, kwargs, attempts(), prior)
            else:
                error = BackendError(f"{self.where} rejected every variant of the request")
                error.usage = usage_of(None, 0.0, attempts(), before)  # type: ignore[attr-defined]
                raise error
            completion, latency_ms = result
            try:
                return self.reply_from(completion, latency_ms, attempts(), before)
            except ReplySchemaError as error:
                if ask:
                    raise
                messages, prior = reask_messages(messages, error, self.reply_model), error
        raise AssertionError("unreachable")

    def reply_from(
        self, completion: Any, latency_ms: float, attempts: int, before: Usage | None = None
    ) -> DraftReply:
        """The validated draft; a `BackendError` for an unusable reply carries its `usage`."""
        tokens = usage_of(completion, latency_ms, attempts, before)
        try:
            content = parse_content(
                completion, self.max_tokens, self.reply_model, self.max_tokens_setting
            )
        except BackendError as error:
            # The tokens were spent all the same; the model that spent them is the one to price.
            error.usage = tokens  # type: ignore[attr-defined]
            error.model = self.answered_by(completion)  # type: ignore[attr-defined]
            raise
        return DraftReply(content=content, usage=tokens, model=self.answered_by(completion))

    def answered_by(self, completion: Any) -> str:
        """The model to record and disclose: the reply's name for it, unless a local server
        only echoed the default name it was sent (llama.cpp answers as "gpt-4o-mini"): then the
        model its /v1/models lists, asked once (a server that lists none keeps the echo)."""
        if self._echoes and (completion.model or self.model) == self.model:
            self._echoes, self.served = False, served_model(self.client)
        return self.served or completion.model or self.model

    def _raise_unless_adapted(
        self, err: Exception, sent: dict[str, Any], attempts: int, prior: ReplySchemaError | None
    ) -> None:
        """Adjust once for a known incompatibility, else raise the right error, with what the
        call cost (a first ask's reply included) and the model that answered it."""
        try:
            if isinstance(err, openai.APIStatusError) and self._adapt(err, sent):
                return
            raise error_for(err, attempts, self.where, self.model, self.settings) from err
        except BackendError as error:
            before = prior.usage if prior else None
            error.usage = usage_of(None, 0.0, attempts, before)  # type: ignore[attr-defined]
            error.model = (prior.model if prior else None) or self.model  # type: ignore[attr-defined]
            raise

    def _adapt(self, err: openai.APIStatusError, sent: dict[str, Any]) -> bool:
        """Change one request setting the server objected to; False when nothing is left.

        Decided on what this request sent, so when several requests in flight meet the same
        refusal, the first changes the setting and the others only send again.
        """
        text, status = error_text(err), err.status_code
        names_format = bool(FORMAT_REJECTED.search(text))
        if status < 400 or status in _NOT_ADAPTABLE or (status >= 500 and not names_format):
            return False
        if status < 500:
            if "temperature" in text and "temperature" in sent:
                # Reasoning models (o-series and later) accept only their default temperature.
                self.send_temperature = False
                return True
            if "max_completion_tokens" in text and "max_tokens" in sent:
                # Newer OpenAI models refuse `max_tokens`; local servers only know `max_tokens`.
                self.token_param = "max_completion_tokens"
                return True
        fmt = sent_format(sent)
        if fmt != self.format:
            return not self._unproven or names_format  # another request already switched
        if fmt != "json_schema" and self._unproven and not names_format:
            # JSON mode was refused too, so the format was never the problem (e.g. the prompt
            # overflowed the context): keep strict schemas for the next study.
            self.format, self._unproven = "json_schema", False
            return False
        if fmt == "json_schema" and self.settings.structured_outputs == "auto":
            log.warning("server rejected json_schema (%s); using JSON mode", one_line(err))
            self.format, self._unproven = "json_object_schema", not names_format
            return True
        if fmt == "json_object_schema" and (names_format or "schema" in text):
            log.warning("server rejected a schema in JSON mode (%s)", one_line(err))
            self.format = "json_object"
            return True
        return False

    def request_body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        note = format_note(self.format, self.schema, self.reply_shape)
        if note:
            # After the leading system messages: some local chat templates refuse a late one.
            at = len(messages) - len(list(dropwhile(lambda m: m.get("role") == "system", messages)))
            messages = [*messages[:at], {"role": "system", "content": note}, *messages[at:]]
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "response_format": response_format(self.format, self.schema, self.reply_name),
        }
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

    def _once(self, kwargs: dict[str, Any]) -> tuple[Any, float]:
        self._local.attempts += 1
        started = time.perf_counter()
        completion = self.client.chat.completions.with_raw_response.create(**kwargs).parse()
        self._unproven = False
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
        self._unproven = False
        return completion, (time.perf_counter() - started) * 1000

    def _estimate_tokens(self, kwargs: dict[str, Any]) -> int:
        """Prompt characters / 4 plus the output cap: what a provider's TPM limit counts."""
        chars = sum(len(m.get("content") or "") for m in kwargs["messages"])
        return chars // 4 + self.max_tokens

    def _retryable(self, err: BaseException) -> bool:
        return retryable(err, self.settings.max_backoff)

    def _wait(self, state: RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        return backoff_seconds(err, state.attempt_number, self.settings.max_backoff)

    def _log_retry(self, state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        err = state.outcome.exception() if state.outcome else None
        log.info("attempt %d failed (%s); retrying in %.2fs", state.attempt_number, err, wait)
