"""HTTP for watches: one kept client (httpx), one retry policy, one pace, bounded replies.

Every request a watch makes goes through `Fetcher.get`: 429 and 5xx answers, timeouts and
dropped connections are retried with exponential backoff (honouring `Retry-After`, never
longer than `max_backoff`), up to `max_attempts`; other 4xx answers, a redirect loop (more than
5 hops) and a reply larger than `watch_max_bytes` fail at once. Whatever fails is a FetchError
of one line naming the URL with its credentials masked (an NCBI `api_key` never shows).
A `pace` (requests per second) spaces request starts evenly: NCBI allows 3 a second without
an API key and 10 with one, retries included.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2 as httpx

from pipeline.errors import FetchError
from pipeline.settings import Settings, mask_secrets

RETRIED_STATUS = {408, 429, 500, 502, 503, 504}
MAX_REDIRECTS = 5


class Fetcher:
    def __init__(
        self,
        settings: Settings,
        *,
        pace: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.interval = 1.0 / pace if pace else 0.0
        self.sleep = sleep
        self._next = 0.0
        self.requests = 0  # sent, retries included: what the pace is measured on
        self.started: list[float] = []
        timeout = httpx.Timeout(settings.watch_timeout, connect=min(settings.watch_timeout, 10.0))
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": f"{settings.ncbi_tool or 'pls'} (pls watch)"},
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        now = time.monotonic()
        if now < self._next:
            self.sleep(self._next - now)
            now = time.monotonic()
        self._next = max(now, self._next) + self.interval
        self.requests += 1
        self.started.append(now)

    def get(self, url: str, params: dict[str, Any] | None = None) -> tuple[bytes, str]:
        """The reply's body and content type, after retries; FetchError when it cannot be had."""
        shown = mask_secrets(url)
        attempts = max(1, self.settings.max_attempts)
        for attempt in range(1, attempts + 1):
            wait = min(2.0 ** (attempt - 1), self.settings.max_backoff)
            self._wait_turn()
            try:
                with self.client.stream("GET", url, params=params) as reply:
                    if reply.status_code in RETRIED_STATUS and attempt < attempts:
                        wait = self._retry_after(reply, wait)
                        problem = None
                    elif reply.status_code >= 400:
                        raise FetchError(f"{shown}: HTTP {reply.status_code} {reply.reason_phrase}")
                    else:
                        return self._body(reply, shown), reply.headers.get("content-type", "")
            except httpx.TooManyRedirects:
                raise FetchError(
                    f"{shown}: more than {MAX_REDIRECTS} redirects (a loop?)"
                ) from None
            except httpx.TimeoutException:
                problem = f"{shown}: no answer within {self.settings.watch_timeout:g} s"
            except (httpx.TransportError, httpx.DecodingError) as error:
                problem = (
                    f"{shown}: {mask_secrets(str(error).splitlines()[0] or type(error).__name__)}"
                )
            if problem and attempt == attempts:
                raise FetchError(f"{problem} ({attempts} attempts)")
            self.sleep(wait)
        raise FetchError(f"{shown}: gave up after {attempts} attempts")  # pragma: no cover

    def _retry_after(self, reply: httpx.Response, wait: float) -> float:
        try:
            asked = float(reply.headers.get("retry-after", ""))
        except ValueError:
            return wait
        return min(max(asked, 0.0), self.settings.max_backoff)

    def _body(self, reply: httpx.Response, shown: str) -> bytes:
        limit = self.settings.watch_max_bytes
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{shown}: reply of {int(declared):,} bytes is over {limit:,}")
        chunks, size = [], 0
        for chunk in reply.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{shown}: reply is over {limit:,} bytes; not read further")
            chunks.append(chunk)
        return b"".join(chunks)
