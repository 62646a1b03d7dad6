"""The data records every stage passes along: plain pydantic models, no behaviour beyond shape.

Stages are functions from these records to these records (DESIGN.md); the store persists them as
JSON, and the `.json` written next to each draft is `DraftRecord.model_dump()`. One package, a
module per subject, every record re-exported here: import them from `pipeline.records`.
"""

from pipeline.records.draft import (
    PROSE_SECTIONS,
    SECTION_TITLES,
    Attempt,
    CheckResult,
    DraftContent,
    DraftRecord,
    DraftStatus,
    HouseSummary,
    LLMCall,
    Severity,
    Span,
    Usage,
)
from pipeline.records.evidence import (
    CITED_SECTIONS,
    AbstractUnit,
    Alignment,
    CitedSentence,
    SupportStatus,
)
from pipeline.records.explainer import (
    ExplainerAttempt,
    ExplainerContent,
    ExplainerParagraph,
    ExplainerRecord,
    ExplainerSource,
    ExplainerState,
)
from pipeline.records.study import (
    AbstractSection,
    Confidence,
    Design,
    FieldConfidence,
    Rating,
    Species,
    Study,
    StudyProfile,
    utcnow,
)
from pipeline.records.watch import ItemStatus, RunSummary, Triage, Watch, WatchKind

__all__ = [
    "CITED_SECTIONS",
    "PROSE_SECTIONS",
    "SECTION_TITLES",
    "AbstractSection",
    "AbstractUnit",
    "Alignment",
    "Attempt",
    "CheckResult",
    "CitedSentence",
    "Confidence",
    "Design",
    "DraftContent",
    "DraftRecord",
    "DraftStatus",
    "ExplainerAttempt",
    "ExplainerContent",
    "ExplainerParagraph",
    "ExplainerRecord",
    "ExplainerSource",
    "ExplainerState",
    "FieldConfidence",
    "HouseSummary",
    "ItemStatus",
    "LLMCall",
    "Rating",
    "RunSummary",
    "Severity",
    "Span",
    "Species",
    "Study",
    "StudyProfile",
    "SupportStatus",
    "Triage",
    "Usage",
    "Watch",
    "WatchKind",
    "utcnow",
]
