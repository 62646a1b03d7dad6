"""Ingest: a submitted file or pasted text in; validated, normalised `Study` records with
stable ids out, or an `InputError` naming the file (and record) and the problem.

    load.py            files and pasted text -> Studies; ids; the tolerant loader for batches
    formats.py         bytes -> UTF-8 text -> raw records (text, Markdown, JSON, JSONL)
    pubmed.py          PubMed efetch XML -> raw article fields, no entity ever resolved
    abstract_text.py   titles, abstracts and labelled sections, whatever the format
"""

from __future__ import annotations

from pipeline.ingest.load import (
    LoadResult,
    discover,
    load_file,
    load_file_tolerant,
    load_text,
    study_id,
)

__all__ = ["LoadResult", "discover", "load_file", "load_file_tolerant", "load_text", "study_id"]
