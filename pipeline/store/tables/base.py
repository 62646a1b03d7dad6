"""What every table mixin takes from `Store`: its connection and dialect, its transactions,
the advisory lock and the audit-event writer, declared once for the type checker (the
methods themselves live on `Store`); and the clock every row is stamped with."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.records import Study


def now() -> str:
    """The time a row is written, in UTC to the second: what every table stores."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreParts:
    db: Any
    dialect: Any

    if TYPE_CHECKING:  # provided by Store

        def transaction(self) -> AbstractContextManager[Any]: ...
        def _joined(self) -> AbstractContextManager[Any]: ...
        def lock(self, key: str) -> None: ...
        def upsert_study(self, study: Study, *, state: str = "queued") -> str: ...
        def _study_row(self, study_id: str, *, for_update: bool = False) -> Any: ...
        def _event(
            self,
            study_id: str,
            actor: str,
            kind: str,
            from_state: str | None,
            to_state: str | None,
            detail: str | None,
        ) -> None: ...
