"""One error hierarchy for the whole pipeline.

Every error a user can see carries a message that names the problem and, where there is one,
the file. The CLI prints ``str(error)`` as a single line; nothing else is needed.

    PlsError
    ├── InputError                 a submitted file or record cannot become a Study
    │   ├── EmptyInputError        empty or whitespace-only
    │   ├── BinaryInputError       NUL bytes / not text
    │   ├── EncodingInputError     not valid UTF-8
    │   ├── MalformedInputError    JSON or XML that does not parse (with line numbers)
    │   ├── UnsafeInputError       XML entity expansion, external entities
    │   ├── NoAbstractError        a record with no abstract
    │   ├── AbstractLengthError    too short to summarise, or absurdly long
    │   ├── LanguageError          not English
    │   └── IdConflictError        a second record claims an id (PMID, DOI) with another abstract
    ├── BackendError               the LLM did not give a usable draft for this study
    │   ├── RefusalError           the model refused
    │   ├── TruncatedError         finish_reason=length
    │   ├── ContentFilterError     finish_reason=content_filter
    │   ├── SchemaError            the reply is not a valid HouseSummary
    │   ├── TransientBackendError  429 / 5xx / timeout / connection: retried, then raised
    │   └── DraftFailed            no drafting round gave a usable draft (carries its calls)
    ├── DraftFileError             an edited draft (.md / .json) cannot be parsed back
    ├── StoreError                 the SQLite store is missing, locked or inconsistent
    │   ├── StoreNotFoundError     no such study, revision or publication in the store
    │   ├── StoreCorruptError      not a database, or its image is malformed
    │   ├── StoreVersionError      written by a newer pls: refused, never written to
    │   ├── StoreReadOnlyError     a write to a store that is read-only (file, folder, or asked)
    │   ├── StoreFullError         the disk is full
    │   └── OutputWriteError       a file under outputs/ (a draft, a report) cannot be written
    ├── ReviewError                the lifecycle forbids this action, or a name/reason is missing
    ├── ReviewConflict             someone else changed the study since the reviewer looked
    ├── ExplainError               an explainer cannot be drafted (no sources, a bad brief)
    └── WatchError                 a watch cannot be saved or run (bad name, query, URL)
        └── FetchError             the network answered badly: one run-log line, the run goes on
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.records import LLMCall


class PlsError(Exception):
    """Base of every error the pipeline raises on purpose."""


class InputError(PlsError):
    """A submitted file or record cannot become a Study."""

    def __init__(self, source: str | Path, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class EmptyInputError(InputError):
    pass


class BinaryInputError(InputError):
    pass


class EncodingInputError(InputError):
    pass


class MalformedInputError(InputError):
    pass


class UnsafeInputError(InputError):
    pass


class NoAbstractError(InputError):
    pass


class AbstractLengthError(InputError):
    pass


class LanguageError(InputError):
    pass


class IdConflictError(InputError):
    """Two records of one input (or one run) claim one id with a different title or abstract:
    the first keeps the id, the second is refused, never merged into the first."""


class BackendError(PlsError):
    """The LLM backend did not produce a usable draft; never stored as one."""

    reason = "backend_error"


class RefusalError(BackendError):
    reason = "refusal"


class TruncatedError(BackendError):
    reason = "truncated"


class ContentFilterError(BackendError):
    reason = "content_filter"


class SchemaError(BackendError):
    reason = "invalid_output"


class TransientBackendError(BackendError):
    reason = "unavailable"


class DraftFailed(BackendError):
    """No round produced a usable draft; carries the calls made, for the audit trail."""

    def __init__(self, cause: BackendError, calls: list[LLMCall]) -> None:
        super().__init__(str(cause))
        self.reason = cause.reason
        self.calls = calls


class DraftFileError(PlsError):
    def __init__(self, source: str | Path, problem: str) -> None:
        self.source = str(source)
        super().__init__(f"{source}: {problem}")


class StoreError(PlsError):
    pass


class StoreNotFoundError(StoreError):
    """The store is fine; what was asked for (a study, a revision, a publication) is not in it."""


class StoreCorruptError(StoreError):
    pass


class StoreVersionError(StoreError):
    pass


class StoreReadOnlyError(StoreError):
    pass


class StoreFullError(StoreError):
    pass


class StoreConnectionError(StoreError):
    """The database server cannot be reached, or the connection to it was lost."""


class OutputWriteError(StoreError):
    """A file under outputs/ could not be written; `errno` says why (ENOSPC: the disk is full)."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class ReviewError(PlsError):
    """The lifecycle forbids this action in this state, or a required name or reason is missing."""


class ReviewConflict(PlsError):
    """Someone else changed the study after this reviewer looked at it; nothing was written."""


class SiteError(PlsError):
    """The site cannot be built where asked (a folder that is not a pls site, a bad site_url)."""


class ExplainError(PlsError):
    """An explainer cannot be drafted as asked: no study matches, a source id is not in the
    store or has no draft, or the brief cannot be read."""


class WatchError(PlsError):
    """A watch cannot be saved, found or run: a bad name, query or URL."""


class FetchError(WatchError):
    """A request a watch made failed for good (after its retries): HTTP status, timeout,
    redirect loop, a reply that is not what was asked for. One line, naming the URL."""
