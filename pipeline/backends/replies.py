"""A reply read back: the JSON inside a chat completion validated as the model asked for
(the summary's `DraftContent`, or another content type's), and the one re-ask when it is not.

Nothing here does I/O; `OpenAIBackend` calls it for every reply.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline.backends.openai_protocol import ReplySchemaError, shorten, strict_schema
from pipeline.errors import ContentFilterError, RefusalError, TruncatedError
from pipeline.records import DraftContent

SCHEMA_KEYS = frozenset({"properties", "$defs", "$schema", "additionalProperties", "required"})
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*)\n\s*```\s*$", re.DOTALL)


def replying_with(
    backend: Any,
    model: type[BaseModel],
    name: str,
    shape: str,
    *,
    max_tokens: tuple[int, str] | None = None,
) -> Any:
    """An `OpenAIBackend` (its client, settings, what it learned, its rate limiter) asking for
    replies of another `model`, for a second content type (the topic explainer): the strict
    schema is the model's, named `name`; `shape` says its fields in words for JSON mode;
    `max_tokens` is its own cap on a reply, with the setting that raises it. Its
    `complete_messages` returns a `DraftReply` whose content is a `model`."""
    other = copy.copy(backend)
    other.schema, other.reply_model = strict_schema(model), model
    other.reply_name, other.reply_shape = name, shape
    if max_tokens:
        other.max_tokens, other.max_tokens_setting = max_tokens
    return other


def reask_messages(
    messages: list[dict[str, str]],
    error: ReplySchemaError,
    model: type[BaseModel] = DraftContent,
) -> list[dict[str, str]]:
    """The conversation once more, with the bad reply and what was wrong with it."""
    what = "summary" if model is DraftContent else "reply"
    problems = "\n".join(f"- {problem}" for problem in error.problems)
    follow_up = (
        f"Your reply is not a valid {what}:\n{problems}\nReply again with one JSON object "
        f"that fills in every field ({', '.join(model.model_fields)}) with the {what}'s own "
        "text. Do not repeat the schema or these instructions."
    )
    return [
        *messages,
        {"role": "assistant", "content": error.reply[:6000] or "(empty)"},
        {"role": "user", "content": follow_up},
    ]


def parse_content(
    completion: Any,
    max_output_tokens: int,
    model: type[BaseModel] = DraftContent,
    setting: str = "PLS_MAX_OUTPUT_TOKENS",
) -> Any:
    """The draft inside a chat completion (a `model`, by default the summary's
    `DraftContent`), or the `BackendError` saying why there is none."""
    choice = (completion.choices or [None])[0]
    if choice is None or choice.message is None:
        raise ReplySchemaError("reply has no message", ["the reply had no message"], "")
    message = choice.message
    if message.refusal:
        raise RefusalError(f"model refused: {shorten(message.refusal)}")
    if choice.finish_reason == "length":
        raise TruncatedError(f"reply cut off at max tokens ({max_output_tokens}); raise {setting}")
    if choice.finish_reason == "content_filter":
        raise ContentFilterError("reply withheld by the server's content filter")
    content = message.content or ""
    if not content.strip():
        raise ReplySchemaError("reply is empty", ["the reply was empty"], content)
    fenced = _FENCE.match(content)  # JSON mode on some local servers adds a fence
    text = fenced.group(1) if fenced else content
    try:
        return model.model_validate_json(text)
    except ValidationError as err:
        error = _schema_error(err, text)
    with contextlib.suppress(ValueError):
        # Local models write raw line breaks inside strings, which strict JSON forbids.
        loose = json.loads(text, strict=False)
        with contextlib.suppress(ValidationError):
            return model.model_validate(loose)
    raise error


def _schema_error(err: ValidationError, text: str) -> ReplySchemaError:
    first = err.errors()[0]
    if first["type"] == "json_invalid":
        message = f"reply is not valid JSON: {first['msg']}"
        return ReplySchemaError(message, [f"it is not valid JSON ({first['msg']})"], text)
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict) and (SCHEMA_KEYS & set(data) or data.get("type") == "object"):
            keys = ", ".join(sorted(SCHEMA_KEYS & set(data)) or ["type"])
            return ReplySchemaError(
                f"reply is the JSON schema echoed back (keys {keys}), not a summary",
                [f"it repeats the JSON schema (keys {keys}) instead of writing the summary"],
                text,
            )
    problems = [
        f"{'.'.join(str(part) for part in e['loc']) or 'reply'}: {e['msg']}"
        for e in err.errors()[:8]
    ]
    where = ".".join(str(part) for part in first["loc"]) or "reply"
    count = err.error_count()
    return ReplySchemaError(
        f"reply does not match the draft schema ({count} error{'s' if count > 1 else ''}; "
        f"first: {where}: {first['msg']})",
        problems,
        text,
    )
