"""Which backend writes the drafts: the one place that knows every concrete backend.

The concrete backends import only the protocol in `base.py`; this module imports them, so the
choice lives above both and no backend imports another.
"""

from __future__ import annotations

from pipeline.backends.base import Backend
from pipeline.settings import Settings


def make_backend(settings: Settings) -> Backend:
    """The backend the settings ask for: `openai` when an endpoint is configured, else offline."""
    if settings.resolved_backend() == "openai":
        # Imported here: the OpenAI SDK costs about half a second, which offline runs never pay.
        from pipeline.backends.openai import OpenAIBackend

        return OpenAIBackend(settings)
    from pipeline.backends.offline import OfflineBackend

    return OfflineBackend(settings)
