"""Ingest: a submitted file or pasted text in; validated, normalised `Study` records with
stable ids out, or an `InputError` naming the file (and record) and the problem.

    load.py            files and pasted text -> Studies; the tolerant loader for batches
    files.py           which files in a folder to read (and what was skipped); bytes -> text
    formats.py         text -> raw records (text, Markdown, JSON, JSONL, PubMed XML)
    pubmed.py          PubMed efetch XML -> raw article fields, no entity ever resolved
    fields.py          field values (year, PMID, DOI, strings) and the limits on them
    ids.py             study ids: canonical, collision-free, total
    abstract_text.py   titles, abstracts and labelled sections, whatever the format
    markup.py          HTML tags, entities and invisible characters, removed in linear time
"""

from __future__ import annotations

from pipeline.ingest.files import Discovery, Skipped, discover, discover_inputs
from pipeline.ingest.ids import canonical_doi, canonical_pmid, study_id
from pipeline.ingest.load import (
    LoadResult,
    load_file,
    load_file_tolerant,
    load_records,
    load_text,
    study_from_fields,
)

__all__ = [
    "Discovery",
    "LoadResult",
    "Skipped",
    "canonical_doi",
    "canonical_pmid",
    "discover",
    "discover_inputs",
    "load_file",
    "load_file_tolerant",
    "load_records",
    "load_text",
    "study_from_fields",
    "study_id",
]
