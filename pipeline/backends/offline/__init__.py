"""The embedded offline drafter: a deterministic backend that writes every house section by rule,
with no key and no network. Its drafts are marked as offline.

    drafter.py   the backend: writes each section from the study's main finding
    headline.py  the Key Takeaway
    compose.py   short sentences composed from a claim: subject, hedged relation, object
    topics.py    what the study is about, in plain words (topic and outcome)
    care.py      Who Should Care and Why, by what the study touches (`prompts/care.toml`)
    plain.py     plain-language rewriting by rule (statistics, acronyms, glossary, explanations)
    titles.py    the plain title, and the site card's teaser (from the takeaway or the title)
    wording.py   the profile's template sentences and the caveats (`prompts/wording.toml`)
"""

from __future__ import annotations

from pipeline.backends.offline.drafter import OFFLINE_MODEL, OfflineBackend
from pipeline.backends.offline.wording import considerations

__all__ = ["OFFLINE_MODEL", "OfflineBackend", "considerations"]
