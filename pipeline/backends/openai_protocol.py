"""The Chat Completions protocol as pls uses it: schema, retry hints, error text, reply parsing.

Shared by the synchronous and the asynchronous paths of `OpenAIBackend`; nothing here does I/O.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

import openai
from pydantic import BaseModel, ValidationError

from pipeline.errors import ContentFilterError, RefusalError, SchemaError, TruncatedError
from pipeline.records import DraftContent

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


def is_quota(err: openai.APIStatusError) -> bool:
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
