"""Study ids: canonical, collision-free, and total (any strings in, an id out, never an error).

    pmid-<n>            the PMID: ASCII digits after NFKC (so fullwidth "１２３４" is 1234; other
                        scripts' digits are not a PMID), leading zeros dropped; 0 is not a PMID
    doi-<slug>          the DOI, compared case-insensitively (ASCII letters; punctuation counts):
                        its lower-cased text with "." and "/" as "-", as ids always were, when
                        that can be read back, i.e. a suffix of letters and digits joined by
                        single dots (10.1177/1352458520000000, 10.1212/wnl.0000000000012345),
                        and the slug is at most 78 characters
    doi-<slug>--<hash>  any other DOI (10.1234/ab-c, 10.1234/ab_c, 10.1016/S0140-6736(20)…):
                        the slug cut to 78 characters, "--" (which the form above never holds),
                        and 16 hex digits of SHA-256 of the lower-cased DOI
    sha-<12 hex>        no PMID or DOI: SHA-256 of the whitespace-collapsed, lower-cased title
                        and abstract, so re-wrapping or re-casing the same text keeps its id

A PMID or DOI that is not canonical-able (letters in a PMID, no "10.xxxx/" prefix) is ignored
here and the next kind of id is used; ingest refuses such values before they get this far.
Every id is lower-case ASCII letters, digits and "-", at most 100 characters: its own draft
file name (see `pipeline.store.draft_path`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_DOI_CHARS = 200
_SLUG_CHARS = 78

_PMID_PREFIX = re.compile(r"pmid[\s:]*", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_DOI = re.compile(r"10\.[0-9]{4,9}(?:\.[0-9]{1,9}){0,4}/\S+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def canonical_pmid(value: object) -> str | None:
    """ "00１234", "PMID: 1234" or 1234 -> "1234"; None for anything that is not a PMID."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, int):
        return str(value) if 0 < value < 10**10 else None
    text = unicodedata.normalize("NFKC", value[:64]).strip() if len(value) <= 64 else ""
    if prefix := _PMID_PREFIX.match(text):
        text = text[prefix.end() :]
    if not (text.isascii() and text.isdigit()):
        return None
    text = text.lstrip("0")
    return text if 0 < len(text) <= 10 else None


def canonical_doi(value: object) -> str | None:
    """A DOI as written, without a doi.org/"doi:" prefix, NFKC-normalised; None if not a DOI.

    A DOI is "10.", a registrant code of digits, "/", then printable characters with no
    whitespace, controls or format characters (so a NUL or a bidi control makes it no DOI), at
    most `MAX_DOI_CHARS` characters in all.
    """
    if not isinstance(value, str) or len(value) > 4 * MAX_DOI_CHARS:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if prefix := _DOI_PREFIX.match(text):
        text = text[prefix.end() :].lstrip()
    if len(text) > MAX_DOI_CHARS or not text.isprintable() or not _DOI.fullmatch(text):
        return None
    return text


def doi_key(doi: str) -> str:
    """What makes two DOIs the same: ASCII letters compared without case, nothing else folded."""
    return doi.translate(_ASCII_LOWER)


def doi_id(doi: str) -> str:
    key = doi_key(doi)
    slug = _NOT_SLUG.sub("-", key).strip("-")
    if len(slug) <= _SLUG_CHARS and _readable(key):
        return f"doi-{slug}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"doi-{slug[:_SLUG_CHARS].rstrip('-')}--{digest}"


def _readable(key: str) -> bool:
    """Whether the plain slug of this (lower-cased) DOI can be read back into it."""
    prefix, _, suffix = key.partition("/")
    registrant = prefix[3:]
    if not (prefix.startswith("10.") and registrant.isascii() and registrant.isdigit()):
        return False
    parts = suffix.split(".")
    return all(part.isascii() and part.isalnum() and part == part.lower() for part in parts)


def study_id(pmid: object, doi: object, title: str, abstract: str) -> str:
    """'pmid-…', else 'doi-…', else 'sha-…' (see the module docstring); never raises."""
    if number := canonical_pmid(pmid):
        return f"pmid-{number}"
    if text := canonical_doi(doi):
        return doi_id(text)
    basis = "\n".join(
        " ".join(unicodedata.normalize("NFC", str(s)).split()).lower() for s in (title, abstract)
    )
    return "sha-" + hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def content_hash(title: str, abstract: str) -> str:
    """What the store compares to tell a changed abstract (or title) from the same one."""
    return hashlib.sha256(f"{title}\n{abstract}".encode("utf-8", "surrogatepass")).hexdigest()
