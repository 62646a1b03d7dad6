"""Where a URL points and what it must not show: the model server's locality (a model on our own
CPUs gets slower defaults), the list prices of hosted models, and the masking of credentials."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# USD per million tokens (uncached prompt, cached prompt, completion): OpenAI's list prices for
# standard requests. Models not listed (a new one) and any model on a local server (which
# answers under the name it is sent) have no cost estimate unless prices are set.
MODEL_PRICES: dict[str, tuple[float, float, float]] = {
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "gpt-5": (1.25, 0.125, 10.00),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "gpt-5-nano": (0.05, 0.005, 0.40),
}
DATED_MODEL = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # gpt-4o-mini-2024-07-18 is priced as gpt-4o-mini
# Defaults that change for a server on this machine or the local network.
LOCAL_DEFAULTS = {
    "request_timeout": "local_request_timeout",
    "study_deadline": "local_study_deadline",
    "concurrency": "local_concurrency",
}


# Credentials in a URL or a message: a URL's userinfo (`http://user:SECRET@host`), a query
# parameter whose name says it holds a secret (`?api_key=…`, `&token=…`), a bearer token and an
# OpenAI-style key. Each pattern starts at a fixed marker and stops at a delimiter, so masking
# is linear in the text, whatever it holds.
_SECRET_PATTERNS = (
    (re.compile(r"://[^/\s@?#\"'<>]*@"), "://****@"),
    (
        re.compile(
            r"([?&;][\w.-]*(?:key|token|secret|password|passwd|pwd|signature|sig|auth)=)[^&#\s\"'<>]*",
            re.IGNORECASE,
        ),
        r"\1****",
    ),
    (re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.IGNORECASE), r"\1****"),
    (re.compile(r"\bsk-[\w-]{4,}"), "sk-****"),
)


def mask_secrets(text: str) -> str:
    """`text` with every credential it carries replaced by `****`: the one masking function,
    applied wherever a URL or an error message leaves the process (`pls settings`, error lines,
    the store's errors and events, run and eval reports)."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_local_url(url: str | None) -> bool:
    """True for loopback, private-network and `.local` hosts: where a model runs on our CPUs."""
    host = (urlsplit(url or "").hostname or "").lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified
