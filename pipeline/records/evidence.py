"""The evidence records: the abstract's citable sentences, what a model cited, and how each
summary sentence lines up with the abstract (issue 12)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

CITED_SECTIONS: tuple[str, ...] = ("key_takeaway", "what_they_found", "who_should_care")
CitedSection = Literal["key_takeaway", "what_they_found", "who_should_care"]


class AbstractUnit(BaseModel):
    """One citable sentence of the abstract: `S1`, `S2`, … in reading order, with the label of
    the section it is in ("RESULTS"; None when unlabelled) and where it sits in the abstract
    (`start`/`end` are None when the section's text could not be found in it)."""

    id: str
    label: str | None = None
    text: str
    start: int | None = None
    end: int | None = None


class CitedSentence(BaseModel):
    """A model's claim of where one of its sentences comes from (part of the draft schema)."""

    section: CitedSection = Field(description="The section the sentence is in.")
    sentence: str = Field(description="The sentence, word for word as written in that section.")
    ids: list[str] = Field(
        description="The ids (S1, S2, ...) of the abstract sentences it rests on; [] if none."
    )


SupportStatus = Literal["supported", "unsupported", "contradicted", "exempt"]


class Alignment(BaseModel):
    """One summary sentence and the abstract sentences that support it.

    `ids` are the aligner's best-supporting units, best first, with `score` the share of the
    sentence's content they cover (0-1). `cited` are the ids the model gave that exist;
    `invented` those that do not (dropped from the support, kept here as the record). `exempt`
    sentences (caveats, house wording, framing with no claim) are not held to the abstract."""

    section: str
    sentence: str
    start: int
    end: int
    status: SupportStatus
    ids: list[str] = Field(default_factory=list)
    score: float = 0.0
    cited: list[str] = Field(default_factory=list)
    invented: list[str] = Field(default_factory=list)
    reason: str = ""  # why unsupported, contradicted or exempt
    generalises: str = ""  # how it claims more widely or surely than its support, if it does
