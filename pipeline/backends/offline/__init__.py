"""The embedded offline drafter: a deterministic backend that writes every house section by rule,
with no key and no network. Its drafts are marked as offline.

    drafter.py   the backend: picks and simplifies the abstract's sentences, adds the frame
    plain.py     plain-language rewriting by rule (sentence roles, acronyms, simplification)
    wording.py   the template sentences, chosen by the study profile (`prompts/wording.toml`)
"""

from __future__ import annotations

from pipeline.backends.offline.drafter import OFFLINE_MODEL, OfflineBackend, considerations

__all__ = ["OFFLINE_MODEL", "OfflineBackend", "considerations"]
