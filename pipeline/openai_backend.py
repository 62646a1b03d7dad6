"""Drafts through any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama, llama.cpp).

One retry policy lives here (tenacity); the SDK's own retries are switched off so the two never
stack. Every way a reply can be unusable maps to a `BackendError` subclass, never to a draft.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import openai
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from pipeline.backend import DraftReply, DraftRequest
from pipeline.errors import (
    BackendError,
    ContentFilterError,
    RefusalError,
    SchemaError,
    TransientBackendError,
    TruncatedError,
)
from pipeline.records import DraftContent, Usage
from pipeline.settings import Settings

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.5
RETRY_STATUSES = frozenset({408, 409, 429})
JSON_MODE_INSTRUCTION = "Reply with one JSON object matching this schema:\n"


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the shape strict structured outputs demand.

    Strict mode rejects optional keys and open objects, so every object gets all its properties
    required and `additionalProperties: false`; `default` is dropped as strict mode refuses it.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("properties", "$defs"):  # name -> schema maps, not schemas themselves
                out[key] = {name: walk(sub) for name, sub in value.items()}
            elif key != "default":
                out[key] = walk(value)
        if out.get("type") == "object" or "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out.get("properties", {}))
        return out

    schema = walk(model.model_json_schema())
    # The class docstring is written for developers, not as an instruction to the model.
    schema.pop("description", None)
    return schema


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, then `Retry-After` (secs or date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
    return None


def one_line(err: BaseException, limit: int = 200) -> str:
    """The server's own message when it sent one, flattened for the CLI's single error line."""
    body = getattr(err, "body", None)
    text = body.get("message") if isinstance(body, dict) else None
    text = " ".join(str(text or err).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_quota(err: openai.APIStatusError) -> bool:
    # OpenAI answers an empty balance with a 429 that waiting never fixes.
    return "insufficient_quota" in (err.code, err.type) or "insufficient_quota" in one_line(err)


class OpenAIBackend:
    name = "openai"
    offline = False

    def __init__(
        self,
        settings: Settings,
        *,
        client: openai.OpenAI | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.model = settings.model
        self.client = client or openai.OpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=openai.Timeout(settings.request_timeout, connect=settings.connect_timeout),
        )
        self._sleep = sleep
        self.schema = strict_schema(DraftContent)
        # Learned per instance: a server that rejects json_schema once will reject it again.
        self.json_mode = settings.structured_outputs == "json_object"
        self._json_mode_unproven = False
        self.token_param = "max_tokens"
        self.last_attempts = 0
        self.last_waits: list[float] = []

    def complete(self, request: DraftRequest) -> DraftReply:
        self.last_attempts = 0
        self.last_waits = []
        completion, latency_ms = self._call_adapting(request.messages)
        content = self._content(completion)
        usage = completion.usage
        details = usage.prompt_tokens_details if usage else None
        return DraftReply(
            content=content,
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                cached_tokens=(details.cached_tokens or 0) if details else 0,
                latency_ms=latency_ms,
            ),
            model=completion.model or self.model,
        )

    def _call_adapting(self, messages: list[dict[str, str]]) -> tuple[Any, float]:
        """Send, adjusting once per known incompatibility the server reports with a 400/422."""
        for _ in range(3):
            try:
                return self._call(messages)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
                if not self._adapt(err):
                    raise self._fatal(err) from err
            except openai.APIStatusError as err:
                raise self._fatal(err) from err
        raise BackendError("server rejected every request variant")  # pragma: no cover

    def _adapt(self, err: openai.APIStatusError) -> bool:
        text = one_line(err, limit=1000)
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

    def _call(self, messages: list[dict[str, str]]) -> tuple[Any, float]:
        if self.json_mode:
            messages = self._with_schema_message(messages)
            response_format: dict[str, Any] = {"type": "json_object"}
        else:
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": "house_summary", "strict": True, "schema": self.schema},
            }
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.settings.temperature,
            "response_format": response_format,
            self.token_param: self.settings.max_output_tokens,
        }
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.max_attempts)),
            retry=retry_if_exception(self._retryable),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self.last_attempts += 1
                    started = time.perf_counter()
                    raw = self.client.chat.completions.with_raw_response.create(**kwargs)
                    completion = raw.parse()
                    self._json_mode_unproven = False
                    return completion, (time.perf_counter() - started) * 1000
        except (openai.APIConnectionError, openai.APIStatusError) as err:
            if self._retryable(err):
                raise TransientBackendError(
                    f"{self._describe(err)} after {self.last_attempts} attempts: {one_line(err)}"
                ) from err
            raise
        except openai.OpenAIError as err:
            raise BackendError(f"unexpected reply from {self._where()}: {one_line(err)}") from err
        raise AssertionError("tenacity returned without a result")  # pragma: no cover

    def _with_schema_message(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        # After the leading system messages: some local chat templates reject a late system turn.
        at = 0
        while at < len(messages) and messages[at].get("role") == "system":
            at += 1
        note = {"role": "system", "content": JSON_MODE_INSTRUCTION + json.dumps(self.schema)}
        return [*messages[:at], note, *messages[at:]]

    def _retryable(self, err: BaseException) -> bool:
        if isinstance(err, openai.APIConnectionError):  # includes APITimeoutError
            return True
        if not isinstance(err, openai.APIStatusError):
            return False
        if err.response.headers.get("x-should-retry") == "false" or _is_quota(err):
            return False
        wait = retry_after_seconds(err.response.headers)
        if wait is not None and wait > self.settings.max_backoff:
            return False
        return err.status_code in RETRY_STATUSES or err.status_code >= 500

    def _wait(self, state: RetryCallState) -> float:
        err = state.outcome.exception() if state.outcome else None
        if isinstance(err, openai.APIStatusError):
            asked = retry_after_seconds(err.response.headers)
            if asked is not None:
                return min(asked, self.settings.max_backoff)
        # Full jitter: spreads out many workers that all failed at the same moment.
        ceiling = min(self.settings.max_backoff, BACKOFF_BASE * 2 ** (state.attempt_number - 1))
        return random.uniform(0, ceiling)

    def _log_retry(self, state: RetryCallState) -> None:
        wait = state.next_action.sleep if state.next_action else 0.0
        self.last_waits.append(wait)
        err = state.outcome.exception() if state.outcome else None
        log.info("attempt %d failed (%s); retrying in %.2fs", state.attempt_number, err, wait)

    def _describe(self, err: BaseException) -> str:
        if isinstance(err, openai.APITimeoutError):
            return f"request timed out ({self.settings.request_timeout}s)"
        if isinstance(err, openai.APIConnectionError):
            return f"could not reach {self._where()}"
        status = getattr(err, "status_code", "?")
        return f"{self._where()} answered {status}"

    def _where(self) -> str:
        return str(self.client.base_url).rstrip("/")

    def _fatal(self, err: openai.APIStatusError) -> BackendError:
        """The error for a status we do not (or no longer) retry."""
        status, detail = err.status_code, one_line(err)
        if isinstance(err, openai.AuthenticationError):
            return BackendError("authentication failed: check OPENAI_API_KEY")
        if isinstance(err, openai.PermissionDeniedError):
            return BackendError(f"permission denied for model {self.model!r}: {detail}")
        if status == 429 and _is_quota(err):
            return BackendError(f"quota exhausted (insufficient_quota): check billing: {detail}")
        if isinstance(err, openai.NotFoundError):
            return BackendError(f"not found at {self._where()} (model {self.model!r}?): {detail}")
        wait = retry_after_seconds(err.response.headers)
        if wait is not None and wait > self.settings.max_backoff:
            return TransientBackendError(
                f"{self._where()} answered {status} and asked to wait {wait:.0f}s, longer than "
                f"PLS_MAX_BACKOFF={self.settings.max_backoff:g}s: {detail}"
            )
        if status in RETRY_STATUSES or status >= 500:
            return TransientBackendError(f"{self._where()} answered {status} (no retry): {detail}")
        return BackendError(f"{self._where()} rejected the request ({status}): {detail}")

    def _content(self, completion: Any) -> DraftContent:
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise SchemaError("reply has no choices")
        choice = choices[0]
        message = choice.message
        if message.refusal:
            raise RefusalError(f"model refused: {' '.join(message.refusal.split())[:200]}")
        if choice.finish_reason == "length":
            raise TruncatedError(
                f"reply cut off at max tokens ({self.settings.max_output_tokens}); "
                "raise PLS_MAX_OUTPUT_TOKENS"
            )
        if choice.finish_reason == "content_filter":
            raise ContentFilterError("reply withheld by the server's content filter")
        if not message.content or not message.content.strip():
            raise SchemaError("reply is empty")
        try:
            return DraftContent.model_validate_json(_strip_fence(message.content))
        except ValidationError as err:
            first = err.errors()[0]
            if first["type"] == "json_invalid":
                raise SchemaError(f"reply is not valid JSON: {first['msg']}") from None
            where = ".".join(str(part) for part in first["loc"]) or "reply"
            raise SchemaError(
                f"reply does not match the draft schema ({err.error_count()} errors; "
                f"first: {where}: {first['msg']})"
            ) from None


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)


def _strip_fence(text: str) -> str:
    # JSON mode on some local servers still wraps the object in a Markdown code fence.
    match = _FENCE.match(text)
    return match.group(1) if match else text
