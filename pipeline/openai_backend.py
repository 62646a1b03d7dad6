"""Drafts through any OpenAI-compatible Chat Completions server (OpenAI, vLLM, Ollama, llama.cpp).

One retry policy lives here (tenacity); the SDK's own retries are switched off so the two never
stack. Every way a reply can be unusable maps to a `BackendError` subclass, never to a draft.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from itertools import dropwhile
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

RETRY_STATUSES = frozenset({408, 409, 429})
JSON_MODE_INSTRUCTION = "Reply with one JSON object matching this schema:\n"
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)


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
        with contextlib.suppress(KeyError, ValueError):
            return max(0.0, float(headers[name]) * scale)
    with contextlib.suppress(KeyError, TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(headers["retry-after"])
        return max(0.0, when.timestamp() - time.time())
    return None


def one_line(err: BaseException, limit: int = 200) -> str:
    """The server's own message when it sent one, flattened for the CLI's single error line."""
    body = getattr(err, "body", None)
    text = body.get("message") if isinstance(body, dict) else None
    if not text and isinstance(err, openai.APIConnectionError) and err.__cause__:
        text = f"{err} ({err.__cause__})"  # the SDK's own text never says what went wrong
    text = " ".join(str(text or err).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_quota(err: openai.APIStatusError) -> bool:
    # OpenAI answers an empty balance with a 429 that waiting never fixes.
    return "insufficient_quota" in (err.code, err.type) or "insufficient_quota" in one_line(err)


def parse_content(completion: Any, max_output_tokens: int) -> DraftContent:
    """The draft inside a chat completion, or the `BackendError` saying why there is none."""
    choice = (completion.choices or [None])[0]
    if choice is None or choice.message is None:
        raise SchemaError("reply has no message")
    message = choice.message
    if message.refusal:
        raise RefusalError(f"model refused: {' '.join(message.refusal.split())[:200]}")
    if choice.finish_reason == "length":
        raise TruncatedError(
            f"reply cut off at max tokens ({max_output_tokens}); raise PLS_MAX_OUTPUT_TOKENS"
        )
    if choice.finish_reason == "content_filter":
        raise ContentFilterError("reply withheld by the server's content filter")
    if not (message.content or "").strip():
        raise SchemaError("reply is empty")
    fenced = _FENCE.match(message.content)  # JSON mode on some local servers adds a fence
    try:
        return DraftContent.model_validate_json(fenced.group(1) if fenced else message.content)
    except ValidationError as err:
        first = err.errors()[0]
        if first["type"] == "json_invalid":
            raise SchemaError(f"reply is not valid JSON: {first['msg']}") from None
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        raise SchemaError(
            f"reply does not match the draft schema ({err.error_count()} errors; "
            f"first: {where}: {first['msg']})"
        ) from None


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
        self.where = str(self.client.base_url).rstrip("/")
        self.schema = strict_schema(DraftContent)
        # Learned per instance: a server that rejects json_schema once will reject it again.
        self.json_mode = settings.structured_outputs == "json_object"
        self._json_mode_unproven = False
        self.token_param = "max_tokens"
        self.send_temperature = True
        self.max_tokens = settings.max_output_tokens
        self._sleep = sleep
        # Per thread, so concurrent drafting threads each read back their own call's numbers.
        self._local = threading.local()

    @property
    def last_attempts(self) -> int:
        """HTTP requests this thread's last `complete()` made, for the audit trail."""
        return getattr(self._local, "attempts", 0)

    def complete(self, request: DraftRequest) -> DraftReply:
        self._local.attempts = 0
        completion, latency_ms = self._call_adapting(request.messages)
        content = parse_content(completion, self.settings.max_output_tokens)
        # Local servers may omit usage or its details; missing counts are recorded as 0.
        usage = completion.usage
        details = getattr(usage, "prompt_tokens_details", None)
        tokens = Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", None) or 0,
            completion_tokens=getattr(usage, "completion_tokens", None) or 0,
            cached_tokens=getattr(details, "cached_tokens", None) or 0,
            latency_ms=latency_ms,
            attempts=self.last_attempts,
        )
        return DraftReply(content=content, usage=tokens, model=completion.model or self.model)

    def _call_adapting(self, messages: list[dict[str, str]]) -> tuple[Any, float]:
        """Send, adjusting once per known incompatibility the server reports with a 400/422."""
        for _ in range(3):  # each adjustment happens at most once, so this never runs out
            try:
                return self._call(messages)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as err:
                if not self._adapt(err):
                    raise self._fatal(err) from err
            except openai.APIStatusError as err:
                raise self._fatal(err) from err
        raise BackendError(f"{self.where} rejected every variant of the request")

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

    def _call(self, messages: list[dict[str, str]]) -> tuple[Any, float]:
        """One request through the retry loop: (completion, latency of the good attempt in ms)."""
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
        retrying = Retrying(
            stop=stop_after_attempt(max(1, self.settings.max_attempts)),
            retry=retry_if_exception(self._retryable),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._once, kwargs)
        except (openai.APIConnectionError, openai.APIStatusError) as err:
            if not self._retryable(err):
                raise
            if isinstance(err, openai.APITimeoutError):
                what = f"request timed out ({self.settings.request_timeout:g}s)"
            elif isinstance(err, openai.APIConnectionError):
                what = f"could not reach {self.where}"
            else:
                what = f"{self.where} answered {err.status_code}"
            raise TransientBackendError(
                f"{what} after {self.last_attempts} attempts: {one_line(err)}"
            ) from err
        except (openai.OpenAIError, ValueError) as err:
            # A 200 whose body is not a chat completion: a proxy or a wrong base URL, not the model.
            raise BackendError(f"unexpected reply from {self.where}: {one_line(err)}") from err

    def _once(self, kwargs: dict[str, Any]) -> tuple[Any, float]:
        self._local.attempts += 1
        started = time.perf_counter()
        completion = self.client.chat.completions.with_raw_response.create(**kwargs).parse()
        self._json_mode_unproven = False
        return completion, (time.perf_counter() - started) * 1000

    def _retryable(self, err: BaseException) -> bool:
        if isinstance(err, openai.APIConnectionError):  # includes APITimeoutError
            return True
        if not isinstance(err, openai.APIStatusError):
            return False
        too_long = (retry_after_seconds(err.response.headers) or 0) > self.settings.max_backoff
        if too_long or err.response.headers.get("x-should-retry") == "false" or _is_quota(err):
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
        if status == 429 and _is_quota(err):
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
