"""`pls eval --profile-corrections`: reviewers' corrections of study profiles as hand labels.

One JSONL line per corrected study, in the label format of `tests/fixtures/profile_labels*.jsonl`
(`file`, `id`, `design`, `species`, `animals`, `conditions`, `studies_ms`, `participants`,
`note`), with the profile as corrected: the fields a reviewer set, and the rest as the profiler
read them and the reviewer let stand. Each line also carries the study itself (`study`), so the
house's own corrections are a test set without the files they came from, and which fields were
corrected, by whom and when. A correction made on an abstract that has since changed no longer
holds and is left out, and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.store import Store


@dataclass
class CorrectionLabels:
    labels: list[dict[str, Any]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # ids whose abstract changed since


def correction_labels(store: Store) -> CorrectionLabels:
    out = CorrectionLabels()
    by_study: dict[str, list[dict[str, Any]]] = {}
    for item in store.profile_corrections():
        by_study.setdefault(item["study_id"], []).append(item)
    for study_id, items in by_study.items():
        study = store.study(study_id)
        holding = [i for i in items if i["content_hash"] == study.content_hash]
        latest = store.latest(study_id)
        if not holding or latest is None:
            out.stale.append(study_id)
            continue
        profile = latest.profile
        notes = [f"{i['reviewer']} at {i['at']}: {i['reason']}" for i in holding]
        out.labels.append(
            {
                "file": study.source,
                "id": study.id,
                "design": profile.design.value,
                "species": profile.species,
                "animals": list(profile.animals),
                "conditions": list(profile.conditions),
                "studies_ms": profile.studies_audience_condition,
                "participants": profile.participants,
                "note": "corrected by " + "; ".join(notes),
                "corrected": sorted({name for i in holding for name in i["new"]}),
                "reviewers": sorted({i["reviewer"] for i in holding}),
                "at": holding[-1]["at"],
                "study": study.model_dump(mode="json"),
            }
        )
    return out
