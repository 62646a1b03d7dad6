"""Evidence: the abstract's citable sentences, and every summary sentence traced to the ones it
rests on (issue 12). Read by ingest (the units are stored with the study), by the checks
(`grounding.claims`, `language.generalisation`, `content.omission`), by the prompts (the model
cites the units' ids) and by the review page (each sentence linked to its support).

    units.py      the abstract split into units S1…Sn, with their section labels and offsets
    align.py      the aligner: a sentence → its best-supporting units and a support score
    claims.py     direction and negation: does it still agree with them?
    generalise.py population and hedge: does it claim more widely or surely than they do?
    alignment.py  a whole summary aligned: cited ids checked, house wording exempt
"""

from __future__ import annotations

from pipeline.evidence.align import Aligner, Support
from pipeline.evidence.alignment import align_summary, house_wording, is_claim
from pipeline.evidence.claims import contradiction
from pipeline.evidence.generalise import (
    ANIMALS,
    CELLS,
    HUMANS,
    PEOPLE_WORDS,
    generalisation,
)
from pipeline.evidence.units import UNIT_ID, split_units, unit_map, units_of

__all__ = [
    "ANIMALS",
    "CELLS",
    "HUMANS",
    "PEOPLE_WORDS",
    "UNIT_ID",
    "Aligner",
    "Support",
    "align_summary",
    "contradiction",
    "generalisation",
    "house_wording",
    "is_claim",
    "split_units",
    "unit_map",
    "units_of",
]
