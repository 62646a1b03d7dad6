"""The Chat Completions protocol as pls uses it: schema, formats, retry hints, error text, replies.

Shared by the synchronous and the asynchronous paths of `OpenAIBackend`; nothing here does I/O.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import random
import re
import time
from collections.abc import Mapping
from typing import Any, Literal

import openai
from pydantic import BaseModel

from pipeline.errors import (
    BackendError,
    SchemaError,
    TransientBackendError,
)
from pipeline.records import Usage
from pipeline.settings import mask_secrets

RETRY_STATUSES = frozenset({408, 409, 429})
# How the reply's shape is asked for, strongest first: strict structured outputs; JSON mode with
# the schema in response_format (llama.cpp servers enforce it by grammar); plain JSON mode.
Format = Literal["json_schema", "json_object_schema", "json_object"]
# A server's error that names these is about the requested format, whatever its status code:
# llama-cpp-python answers json_schema with HTTP 500 and a pydantic validation error.
FORMAT_REJECTED = re.compile(r"response_format|json_schema", re.IGNORECASE)
# In JSON mode the field names and types in words: the schema itself in the prompt made a small
# model echo the schema back instead of filling it in.
JSON_SHAPE = (
    "Reply with one JSON object and nothing else: the summary itself, not a schema. Its keys: "
    '"title", "key_takeaway", "what_they_found", "who_should_care" and '
    '"important_considerations" (each a string of your own prose), "topics" (a list of short '
    'strings), "teaser" (a string of one line), "interest" (an object with "score", a whole '
    'number from 1 to 5, and "reason", a string) and "evidence" (a list of objects, one per '
    'sentence of key_takeaway, what_they_found and who_should_care, each with "section", '
    '"sentence" and "ids", the abstract sentence ids such as "S3" it rests on).'
)
JSON_MODE_INSTRUCTION = "The object must fit this JSON schema (fill it in; never repeat it):\n"


class ReplySchemaError(SchemaError):
    """A reply came back but is not a summary; carries what was wrong, for the one re-ask."""

    usage: Usage | None = None  # set by the backend: what the reply cost
    model: str | None = None  # and which model wrote it

    def __init__(self, message: str, problems: list[str], reply: str) -> None:
        super().__init__(message)
        self.problems = problems
        self.reply = reply


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


def grammar_schema(node: Any) -> Any:
    """The schema for servers that enforce it with a grammar (llama.cpp): their grammars skip
    `minimum`/`maximum`, so a small integer range becomes an `enum` they do enforce."""
    if isinstance(node, list):
        return [grammar_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: grammar_schema(value) for key, value in node.items()}
    low, high = out.get("minimum"), out.get("maximum")
    small = isinstance(low, int) and isinstance(high, int) and 0 <= high - low <= 20
    if out.get("type") == "integer" and small:
        out["enum"] = list(range(low, high + 1))
    return out


def response_format(
    fmt: Format, schema: dict[str, Any], name: str = "house_summary"
) -> dict[str, Any]:
    if fmt == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
    if fmt == "json_object_schema":
        return {"type": "json_object", "schema": grammar_schema(schema)}
    return {"type": "json_object"}


def format_note(fmt: Format, schema: dict[str, Any], shape: str = JSON_SHAPE) -> str | None:
    """The system note JSON mode adds: the shape in words, and the schema only when the server
    does not take it in response_format."""
    if fmt == "json_schema":
        return None
    if fmt == "json_object_schema":
        return shape
    return f"{shape}\n{JSON_MODE_INSTRUCTION}{json.dumps(schema)}"


def sent_format(kwargs: Mapping[str, Any]) -> Format:
    fmt = kwargs.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return "json_schema"
    return "json_object_schema" if "schema" in fmt else "json_object"


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, then `Retry-After` (secs or date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        with contextlib.suppress(KeyError, ValueError):
            return max(0.0, float(headers[name]) * scale)
    with contextlib.suppress(KeyError, TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(headers["retry-after"])
        return max(0.0, when.timestamp() - time.time())
    return None


def shorten(text: str, limit: int = 200) -> str:
    """Whitespace flattened to one line; past `limit`, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def error_text(err: BaseException) -> str:
    """The server's own message when it sent one, whole (for matching), on one line."""
    body = getattr(err, "body", None)
    text = body.get("message") if isinstance(body, dict) else None
    if not text and isinstance(body, str):
        text = body
    if not text and isinstance(err, openai.APIConnectionError) and err.__cause__:
        text = f"{err} ({err.__cause__})"  # the SDK's own text never says what went wrong
    return " ".join(str(text or err).split())


def one_line(err: BaseException, limit: int = 200) -> str:
    """The server's message flattened for the CLI's single error line, never cut mid-word,
    with any credential it quotes masked (before cutting, so no half secret slips through)."""
    return shorten(mask_secrets(error_text(err)), limit)


def is_quota(err: openai.APIStatusError) -> bool:
    # OpenAI answers an empty balance with a 429 that waiting never fixes.
    return "insufficient_quota" in (err.code, err.type) or "insufficient_quota" in error_text(err)


def retryable(err: BaseException, max_backoff: float) -> bool:
    """Whether waiting and sending the same request again could help."""
    if isinstance(err, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if not isinstance(err, openai.APIStatusError):
        return False
    too_long = (retry_after_seconds(err.response.headers) or 0) > max_backoff
    if too_long or err.response.headers.get("x-should-retry") == "false" or is_quota(err):
        return False
    if err.status_code >= 500 and FORMAT_REJECTED.search(error_text(err)):
        return False  # a server refusing the format (llama.cpp: 500) refuses it every time
    return err.status_code in RETRY_STATUSES or err.status_code >= 500


def backoff_seconds(err: BaseException | None, attempt: int, max_backoff: float) -> float:
    """The wait before the next attempt: what the server asked for, else full jitter."""
    if isinstance(err, openai.APIStatusError):
        asked = retry_after_seconds(err.response.headers)
        if asked is not None:
            return min(asked, max_backoff)
    # Full jitter: spreads out many workers that all failed at the same moment.
    return random.uniform(0, min(max_backoff, 0.5 * 2 ** (attempt - 1)))


def fatal_error(err: openai.APIStatusError, where: str, model: str, settings: Any) -> BackendError:
    """The error for a status we do not (or no longer) retry."""
    status, detail = err.status_code, one_line(err)
    if isinstance(err, openai.AuthenticationError):
        return BackendError("authentication failed: check OPENAI_API_KEY")
    if isinstance(err, openai.PermissionDeniedError):
        return BackendError(f"permission denied for model {model!r}: {detail}")
    if status == 429 and is_quota(err):
        return BackendError(f"quota exhausted (insufficient_quota): check billing: {detail}")
    if isinstance(err, openai.NotFoundError):
        return BackendError(f"not found at {where} (model {model!r}?): {detail}")
    wait = retry_after_seconds(err.response.headers) or 0
    if wait > settings.max_backoff:
        return TransientBackendError(
            f"{where} answered {status} and asked to wait {wait:.0f}s, longer than "
            f"PLS_MAX_BACKOFF={settings.max_backoff:g}s: {detail}"
        )
    if FORMAT_REJECTED.search(error_text(err)):
        return BackendError(
            f"{where} rejected the response format ({status}; "
            f"PLS_STRUCTURED_OUTPUTS={settings.structured_outputs}): {detail}"
        )
    if status in RETRY_STATUSES or status >= 500:
        return TransientBackendError(f"{where} answered {status} (no retry): {detail}")
    return BackendError(f"{where} rejected the request ({status}): {detail}")


def error_for(err: Exception, attempts: int, where: str, model: str, settings: Any) -> BackendError:
    """The `BackendError` for a request that failed for good, in one line."""
    if isinstance(err, openai.APIStatusError) and not retryable(err, settings.max_backoff):
        return fatal_error(err, where, model, settings)
    if isinstance(err, openai.APIConnectionError | openai.APIStatusError):
        if isinstance(err, openai.APITimeoutError):
            what = f"request timed out ({settings.request_timeout:g}s)"
        elif isinstance(err, openai.APIConnectionError):
            what = f"could not reach {where}"
        else:
            what = f"{where} answered {err.status_code}"
        return TransientBackendError(f"{what} after {attempts} attempts: {one_line(err)}")
    # A 200 whose body is not a chat completion: a proxy or a wrong base URL, not the model.
    return BackendError(f"unexpected reply from {where}: {one_line(err)}")


def served_model(client: openai.OpenAI) -> str | None:
    """What a local server serves, by its /v1/models: "SmolLM2-135M-Instruct.Q4_1" from the
    GGUF path llama.cpp lists; None when it will not say."""
    try:
        first = next(iter(client.models.list().data), None)
    except (openai.OpenAIError, ValueError, TypeError, AttributeError):
        return None
    name = re.split(r"[\\/]", str(getattr(first, "id", "") or ""))[-1]
    return re.sub(r"\.gguf$", "", name, flags=re.I)[:120] or None


def usage_of(completion: Any, latency_ms: float, attempts: int, before: Usage | None) -> Usage:
    """The counts the server reported (missing ones as 0), added to an earlier ask's."""
    usage = getattr(completion, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    before = before or Usage(attempts=0)
    return Usage(
        prompt_tokens=before.prompt_tokens + (getattr(usage, "prompt_tokens", None) or 0),
        completion_tokens=before.completion_tokens
        + (getattr(usage, "completion_tokens", None) or 0),
        cached_tokens=before.cached_tokens + (getattr(details, "cached_tokens", None) or 0),
        latency_ms=before.latency_ms + latency_ms,
        attempts=attempts,
    )
