"""NCBI E-utilities, as NCBI asks to be used: esearch with the history server, efetch in pages.

`search` runs esearch for the query over entry dates (`datetype=edat`) from `mindate` to
`maxdate` with `usehistory=y`, so the result set stays on NCBI's history server (WebEnv and
query key) and is fetched in pages of `PAGE` (200) PubMed XML records by `fetch`. Every request
carries `tool` and `email` (settings) and, when set, `api_key` (NCBI_API_KEY); the pace is 3
requests a second without a key and 10 with one (`limit`), kept at 90% of that (`rate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.errors import FetchError
from pipeline.settings import Settings
from pipeline.watch.fetch import Fetcher

PAGE = 200


# NCBI counts requests as they arrive: a pace of exactly 3 a second lets network jitter bunch
# four into one second (the double answered 429), so requests start at 90% of the limit.
MARGIN = 0.9


def limit(settings: Settings) -> float:
    """NCBI's limit: 3 requests a second without an API key, 10 with one."""
    return 10.0 if settings.ncbi_api_key else 3.0


def rate(settings: Settings) -> float:
    return limit(settings) * MARGIN


@dataclass(frozen=True)
class Search:
    count: int
    webenv: str
    query_key: str


class EUtils:
    def __init__(self, settings: Settings, fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.base = settings.eutils_url.rstrip("/") + "/"
        self.fetcher = fetcher or Fetcher(settings, pace=rate(settings))

    def _params(self, **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"db": "pubmed", "tool": self.settings.ncbi_tool, **extra}
        if self.settings.ncbi_email:
            params["email"] = self.settings.ncbi_email
        if self.settings.ncbi_api_key:
            params["api_key"] = self.settings.ncbi_api_key
        return params

    def search(self, term: str, mindate: str, maxdate: str) -> Search:
        url = self.base + "esearch.fcgi"
        body, _ = self.fetcher.get(
            url,
            self._params(
                term=term,
                usehistory="y",
                datetype="edat",
                mindate=mindate,
                maxdate=maxdate,
                retmax=0,
                retmode="json",
            ),
        )
        try:
            result = json.loads(body)["esearchresult"]
        except (ValueError, KeyError, TypeError):
            raise FetchError(
                f"{url}: esearch answered with something that is not its JSON"
            ) from None
        if not isinstance(result, dict) or "ERROR" in result:
            problem = result.get("ERROR") if isinstance(result, dict) else result
            raise FetchError(f"{url}: esearch refused the query: {str(problem)[:200]}")
        try:
            return Search(int(result["count"]), str(result["webenv"]), str(result["querykey"]))
        except (KeyError, ValueError):
            raise FetchError(f"{url}: esearch gave no count, WebEnv or query key") from None

    def fetch(self, search: Search, start: int) -> str:
        """One page of PubMed XML, as text; FetchError when what came back is not XML."""
        url = self.base + "efetch.fcgi"
        body, kind = self.fetcher.get(
            url,
            self._params(
                WebEnv=search.webenv,
                query_key=search.query_key,
                retstart=start,
                retmax=PAGE,
                retmode="xml",
                rettype="abstract",
            ),
        )
        text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
        head = text.lstrip()[:200].lower()
        if "html" in kind.lower() or head.startswith(("<!doctype html", "<html")):
            raise FetchError(
                f"{url}: records {start + 1}–{start + PAGE}: an HTML page came back, not PubMed XML"
            )
        if not head.startswith("<"):
            raise FetchError(f"{url}: records {start + 1}–{start + PAGE}: the reply is not XML")
        return text
