"""Builders shared by the ingest tests: a good English abstract, files, PubMed XML articles."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.errors import InputError

# Written for these tests: 66 words of plain English, no section labels.
ABSTRACT = (
    "Fatigue is one of the most common symptoms reported by people with multiple sclerosis. "
    "We randomly assigned 120 adults with relapsing multiple sclerosis to a twelve-week home "
    "exercise programme or to usual care. Fatigue was measured with a standard questionnaire at "
    "the start and at the end of the study. Fatigue scores fell more in the exercise group than "
    "in the usual care group, and no serious side effects were reported."
)
OTHER_ABSTRACT = ABSTRACT.replace("120 adults", "96 adults").replace("twelve-week", "six-week")

PUBMED_HEAD = (
    '<?xml version="1.0" ?>\n'
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def jsonl(*records: object) -> str:
    return "\n".join(json.dumps(r) if not isinstance(r, str) else r for r in records) + "\n"


def article(
    pmid: str = "1",
    title: str = "A title",
    abstract: str | None = ABSTRACT,
    *,
    extra: str = "",
    data: str = "",
) -> str:
    """One PubmedArticle; `abstract` is inserted as XML (give AbstractText elements or text)."""
    if abstract is None:
        body = ""
    elif "<AbstractText" in abstract:
        body = f"<Abstract>{abstract}</Abstract>"
    else:
        body = f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>"
    pubmed_data = f"<PubmedData><ArticleIdList>{data}</ArticleIdList></PubmedData>" if data else ""
    return (
        f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>'
        "<Journal><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue>"
        f"<Title>Multiple sclerosis journal</Title></Journal><ArticleTitle>{title}</ArticleTitle>"
        f"{body}{extra}</Article></MedlineCitation>{pubmed_data}</PubmedArticle>"
    )


def pubmed_set(*articles: str) -> str:
    return f"{PUBMED_HEAD}<PubmedArticleSet>\n{''.join(articles)}\n</PubmedArticleSet>\n"


def one_line(error: InputError | str, *names: str) -> str:
    """The error's message, checked to be one line naming each of `names`."""
    message = str(error)
    assert len(message.splitlines()) == 1 and message == message.strip(), repr(message)
    for name in names:
        assert name in message, (name, message)
    return message
