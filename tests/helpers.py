"""Shared builders for tests: studies, profiles and summaries without touching files; a scripted
backend and `seed` for tests that need a drafted study in a real store; the test server's good
reply and the batch tests' study files and settings."""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pipeline import review
from pipeline.backends import DraftReply, DraftRequest
from pipeline.batch import Context, process_study
from pipeline.ingest import load_text
from pipeline.records import Design, DraftContent, HouseSummary, Rating, Study, StudyProfile, Usage
from pipeline.settings import Settings
from pipeline.store import Store

if TYPE_CHECKING:
    from chat_server import ChatServer
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_FILES = (
    "plaba_early2022_first150.jsonl",
    "cochrane_devaraj2021_test_first150.jsonl",
    "cells_validated_background_first150.jsonl",
    "biolaysumm_elife_sample50.jsonl",
)


@cache
def corpus_rows() -> list[dict]:
    rows = []
    for name in CORPUS_FILES:
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            row["file"] = name
            rows.append(row)
    return rows


def make_study(abstract: str, title: str = "A study", **extra: object) -> Study:
    return Study(id=extra.pop("id", "sha-test"), title=title, abstract=abstract, **extra)


def make_profile(**fields: object) -> StudyProfile:
    defaults: dict[str, object] = {
        "design": Design.rct,
        "species": "people",
        "studies_audience_condition": True,
        "conditions": ["MS"],
        "required_caveats": ["consult_clinician"],
        "credibility": Rating(score=4, reason="Randomised controlled trial (base 4)."),
    }
    defaults.update(fields)
    return StudyProfile(**defaults)


def make_summary(**fields: object) -> HouseSummary:
    defaults: dict[str, object] = {
        "title": "Walking Speed Improved With a Daily Pill",
        "key_takeaway": "A trial suggests a daily pill may help some people with MS walk faster.",
        "what_they_found": (
            "Researchers ran a trial in 240 people with MS. Half took the pill and half took a "
            "dummy pill. After 12 months, walking speed rose by 18% in the pill group. "
            "Side effects were mild."
        ),
        "who_should_care": (
            "People with MS who have trouble walking may find this useful. Caregivers may want "
            "to know about it. Clinicians may use it in talks with patients. It adds to what we "
            "know about walking in MS."
        ),
        "important_considerations": (
            "This is one trial, and other trials may find different results. Talk with your "
            "healthcare provider before making any changes to your care."
        ),
        "topics": ["Walking", "Clinical trials", "MS"],
        "interest": Rating(score=5, reason="Tests care options in people with MS."),
        "credibility": Rating(score=4, reason="Randomised controlled trial (base 4)."),
    }
    defaults.update(fields)
    return HouseSummary(**defaults)


TRIAL_ABSTRACT = (
    "Background: Walking problems are common in multiple sclerosis. Methods: We randomly "
    "assigned 240 people with MS to a daily pill or placebo for 12 months. Results: Walking "
    "speed rose by 18% in the pill group and by 2% in the placebo group (p < 0.001). Side "
    "effects were mild. Conclusions: A daily pill may improve walking speed in people with MS."
)


FIELDS = ("design", "species", "participants", "audience")


def labelled_studies(path: Path) -> list[tuple[dict, Study]]:
    """Each hand label in a label file with the study it labels: a corpus JSONL row, a PubMed
    XML article (`file` under `pubmed_xml/`) read through ingest, publication types and MeSH too,
    or the `study` a label carries itself (a reviewer's correction, exported)."""
    from pipeline.ingest import load_file

    rows = {(r["file"], r["id"]): r for r in corpus_rows()}
    xml: dict[str, dict[str, Study]] = {}
    pairs = []
    for line in path.read_text().splitlines():
        label = json.loads(line)
        if "study" in label:  # self-contained: `pls eval --profile-corrections` writes these
            study = Study.model_validate(label["study"])
        elif label["file"].endswith(".xml"):
            if label["file"] not in xml:
                studies = load_file(CORPUS / label["file"], Settings())
                xml[label["file"]] = {s.id: s for s in studies}
            study = xml[label["file"]][label["id"]]
        else:
            row = rows[(label["file"], label["id"])]
            study = make_study(row["abstract"], title=row["title"] or "", id=row["id"])
        pairs.append((label, study))
    return pairs


def profile_accuracy(
    path: Path, where: Callable[[dict, Study], bool] | None = None
) -> tuple[dict[str, float], int, Counter[tuple[str, str]]]:
    """Share of hand-labelled abstracts whose profile matches the label, per field, and the
    design confusions (label, profiler); `where` keeps only some labels. `people_as_other` is the
    share of studies of people profiled as design `other` (lower is better). Used by
    tests/profile/test_profile.py and the benchmark."""
    from pipeline.profile import profile_study

    settings = Settings()
    pairs = [(lab, s) for lab, s in labelled_studies(path) if where is None or where(lab, s)]
    right: Counter[str] = Counter()
    confused: Counter[tuple[str, str]] = Counter()
    people = people_as_other = 0
    for label, study in pairs:
        profile = profile_study(study, settings)
        right["design"] += profile.design.value == label["design"]
        right["species"] += profile.species == label["species"]
        right["participants"] += profile.participants == label["participants"]
        right["audience"] += profile.studies_audience_condition == label["studies_ms"]
        if profile.design.value != label["design"]:
            confused[(label["design"], profile.design.value)] += 1
        if label["species"] == "people":
            people += 1
            people_as_other += profile.design == Design.other
    accuracy = {f: right[f] / max(1, len(pairs)) for f in FIELDS}
    accuracy["people_as_other"] = people_as_other / max(1, people)
    return accuracy, len(pairs), confused


def store_rows(target: Path | str, sql: str) -> list[tuple]:
    """What a query returns from the store at `target` (a SQLite file or a PostgreSQL URL), as
    plain tuples: how the batch and crash tests look at a store other processes wrote."""
    with Store(target) as store:
        return [tuple(row) for row in store.db.execute(sql).fetchall()]


def subprocess_env(base_url: str, **extra: str) -> dict[str, str]:
    """The environment for a `pls` subprocess against a local server: the caller's, minus any
    PLS_/OPENAI_ settings a developer's shell may hold, plus the server and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLS_", "OPENAI_"))}
    return env | {
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "test",
        "PLS_REVISE_ROUNDS": "0",
        **extra,
    }


# Shared by the review, publish, web and browser tests.
GOOD_DRAFT = DraftContent(**make_summary().model_dump(exclude={"credibility"}))
NO_CAVEAT = GOOD_DRAFT.model_copy(
    update={"important_considerations": "This is one trial. More trials are needed."}
)


@dataclass
class Scripted:
    """Replies in order (the last reply repeats); every request is kept to see what was asked."""

    replies: list[DraftContent]
    requests: list[DraftRequest] = field(default_factory=list)
    name: str = "scripted"
    model: str = "scripted-1"
    offline: bool = False

    def complete(self, request: DraftRequest) -> DraftReply:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return DraftReply(reply, Usage(prompt_tokens=10, completion_tokens=5), self.model)


def trial_settings(tmp_path: Path, *, database_url: str | None = None) -> Settings:
    """Offline, no revise rounds, outputs in `tmp_path`; the store on PostgreSQL if a URL."""
    return Settings(
        backend="offline",
        outputs=tmp_path / "outputs",
        revise_rounds=0,
        database_url=database_url,
    )


def form_csrf(client: TestClient, path: str = "/submit") -> str:
    """The CSRF token the review app's forms carry on `path`, for the web tests to post with."""
    page = client.get(path).text
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def seed(
    settings: Settings, abstract: str = TRIAL_ABSTRACT, reply: DraftContent = GOOD_DRAFT
) -> str:
    """Ingest and draft one study with a scripted reply; returns its id."""
    study = load_text(f"Title: A daily pill and walking speed in MS\n{abstract}", "test", settings)
    ctx = Context.open(settings, Scripted([reply]))
    try:
        outcome = process_study(ctx, study)
    finally:
        ctx.close()
    assert outcome.study_id and outcome.result != "failed", outcome.error
    return outcome.study_id


# Shared by the batch, Batch API, crash and eval tests: a reply the test server plays.
GOOD_REPLY = {
    "title": "A plain title",
    "key_takeaway": "A study suggests something may help.",
    "what_they_found": "Researchers looked at people. They found a change.",
    "who_should_care": "People with MS may care.",
    "important_considerations": "Talk with your healthcare provider before making changes.",
    "topics": ["one", "two", "three"],
    "interest": {"score": 3, "reason": "Some interest."},
}


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PLS_* or OPENAI_* variable from the shell reaches a test (use as a fixture)."""
    for name in list(os.environ):
        if name.startswith(("PLS_", "OPENAI_")):
            monkeypatch.delenv(name)


def write_studies(folder: Path, markers: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [r for r in corpus_rows() if r["file"].startswith("plaba")][: len(markers)]
    lines = [
        json.dumps({"title": f"Study {m}: {row['title']}", "abstract": row["abstract"]})
        for m, row in zip(markers, rows, strict=True)
    ]
    (folder / "studies.jsonl").write_text("\n".join(lines) + "\n")


def settings_for(server: ChatServer, outputs: Path, **extra: object) -> Settings:
    values: dict = {
        "backend": "openai",
        "openai_base_url": server.base_url,
        "openai_api_key": "test",
        "outputs": outputs,
        "revise_rounds": 0,
        "max_attempts": 3,
        "request_timeout": 0.5,
        "max_backoff": 2.0,
        "study_deadline": 20.0,
        "concurrency": 4,
        "lease_seconds": 30.0,
        **extra,
    }
    return Settings(**values)


def outcome_by_marker(outputs: Path) -> dict[str, tuple[str, str | None]]:
    db = sqlite3.connect(outputs / "pls.sqlite3")
    out = {}
    for title, state, error in db.execute("SELECT title, state, error FROM studies"):
        out[title.split(":")[0].removeprefix("Study ")] = (state, error)
    return out


# -- the mixed folder: good inputs beside one of each bad kind (issue 10's done-when) ----------
# Shared by the batch, eval and web tests: each feeds it through its own entry point.


@dataclass
class MixedFolder:
    """`folder` holds good inputs beside one instance of each bad kind; `outside` is a folder
    beside it that a symlink in `folder` leads into. Paths below are relative to `folder`."""

    folder: Path
    outside: Path
    # title marker ("Mixed M01") -> the record it must be drafted from ("records.jsonl#1")
    good: dict[str, str]
    # the bad file (or "file line N") -> a word its one-line reason holds (case-insensitive)
    bad: dict[str, str]
    # listed as skipped, with why, but not a failure: a folder named like a file is searched
    listed: dict[str, str]
    # good only with --follow-symlinks: marker -> the symlink it is read through
    followed: dict[str, str]


def mixed_folder(root: Path) -> MixedFolder:
    """Build `root/mixed` (and `root/outside`): good .txt, .md, .json, .jsonl and .xml records
    beside an empty, a binary, a Latin-1, a UTF-32 and a huge file, malformed JSON, a JSONL
    file with a malformed line, a lone surrogate, a 5,000-digit integer, a 300-character DOI, an
    id claimed twice with different abstracts and a record with U+2028 inside it, malformed
    XML, an XXE entity, a FIFO named x.txt, a dangling symlink, a symlink out of the folder, a
    folder named d.txt and a Markdown heading line that once took quadratic time."""
    folder, outside = root / "mixed", root / "outside"
    folder.mkdir(parents=True)
    outside.mkdir()
    rows = [r for r in corpus_rows() if r["file"].startswith("plaba")]
    abstracts = iter(" ".join(r["abstract"].split()) for r in rows[20:40])

    def text_file(marker: str) -> str:
        return f"Title: Mixed {marker}: a study\n\n{next(abstracts)}\n"

    def record(marker: str, **extra: object) -> dict[str, object]:
        return {"title": f"Mixed {marker}: a study", "abstract": next(abstracts), **extra}

    (folder / "good.txt").write_text(text_file("M01"), encoding="utf-8")
    (folder / "good.json").write_text(json.dumps(record("M02")), encoding="utf-8")
    reference = rows[0]["reference_summary"]  # `pls eval` grades the references too
    lines = [
        json.dumps(record("M03", pmid="99200001", reference_summary=reference)),
        '{"title": "Mixed broken", "abstract": ',
        # A raw U+2028 inside a string: valid JSON, one record on one line.
        json.dumps(record("M04", reference_summary=reference), ensure_ascii=False).replace(
            ". ", ".\u2028 ", 1
        ),
        json.dumps(record("X01") | {"title": "Mixed X01: half a pair \ud800"}),
        json.dumps(record("X02"))[:-1] + ', "year": ' + "9" * 5000 + "}",
        json.dumps(record("X03", doi="10.1234/" + "a" * 300)),
        json.dumps(record("X04", pmid="99200001")),  # first's id, another abstract
    ]
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    heading = "# Mixed M05: a" + " " * 100_000 + "b"
    (folder / "heading.md").write_text(f"{heading}\n\n{next(abstracts)}\n", encoding="utf-8")
    (folder / "good.xml").write_text(
        '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
        '<PMID Version="1">99200006</PMID><Article><Journal><Title>Journal of Tests</Title>'
        "</Journal><ArticleTitle>Mixed M06: a study</ArticleTitle><Abstract><AbstractText>"
        f"{next(abstracts).replace('&', '&amp;').replace('<', '&lt;')}</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n",
        encoding="utf-8",
    )
    (folder / "d.txt").mkdir()
    (folder / "d.txt" / "inner.txt").write_text(text_file("M07"), encoding="utf-8")

    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    latin1 = text_file("X05").replace("a study", "caf\u00e9")
    (folder / "latin1.txt").write_bytes(latin1.encode("latin-1", "replace"))
    (folder / "utf32.txt").write_bytes(text_file("X06").encode("utf-32"))
    huge = " ".join([next(abstracts)] * 200)
    (folder / "huge.txt").write_text(f"Title: Mixed X07: huge\n\n{huge}\n", encoding="utf-8")
    (folder / "bad.json").write_text('{"title": "Mixed X08", "abstract": ', encoding="utf-8")
    (folder / "bad.xml").write_text(
        "<PubmedArticleSet><PubmedArticle><MedlineCitation></PubmedArticle>", encoding="utf-8"
    )
    (folder / "xxe.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM '
        '"file:///etc/passwd">]>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
        "<PMID>99200009</PMID><Article><ArticleTitle>Mixed X09 &xxe;</ArticleTitle>"
        f"<Abstract><AbstractText>{next(abstracts)} &xxe;</AbstractText></Abstract></Article>"
        "</MedlineCitation></PubmedArticle></PubmedArticleSet>\n",
        encoding="utf-8",
    )
    os.mkfifo(folder / "x.txt")
    (folder / "dangling.txt").symlink_to(root / "nowhere.txt")
    (outside / "elsewhere.txt").write_text(text_file("M08"), encoding="utf-8")
    (folder / "outside.txt").symlink_to(outside / "elsewhere.txt")
    return MixedFolder(
        folder=folder,
        outside=outside,
        good={
            "Mixed M01": "good.txt",
            "Mixed M02": "good.json",
            "Mixed M03": "records.jsonl#1",
            "Mixed M04": "records.jsonl#3",
            "Mixed M05": "heading.md",
            "Mixed M06": "good.xml#1",
            "Mixed M07": "d.txt/inner.txt",
        },
        bad={
            "empty.txt": "empty",
            "binary.txt": "binary",
            "latin1.txt": "UTF-8",
            "utf32.txt": "UTF-32",
            "huge.txt": "too long",
            "bad.json": "malformed JSON",
            "records.jsonl line 2": "malformed JSON",
            "records.jsonl line 4": "surrogate",
            "records.jsonl line 5": "5,000-digit",
            "records.jsonl line 6": "DOI",
            "records.jsonl line 7": "claimed",
            "bad.xml": "malformed XML",
            "xxe.xml": "entit",
            "x.txt": "FIFO",
            "dangling.txt": "dangling",
            "outside.txt": "outside the input folder",
        },
        listed={"d.txt": "searched as a folder"},
        followed={"Mixed M08": "outside.txt"},
    )


# Shared by the site tests: five summaries whose topics overlap in known ways.
SITE_TOPICS = [
    ["Walking", "Clinical trials", "Exercise"],
    ["Vitamin D", "Relapses", "Diet"],
    ["Walking", "Fatigue", "Exercise"],
    ["MRI", "Brain atrophy"],
    ["Vitamin D", "Diet", "Sunlight"],
]
SITE_TITLES = [
    "Walking Speed Improved With a Daily Pill",
    "Vitamin D Levels and Fewer Relapses",
    "Exercise and Fatigue While Walking",
    "Brain Shrinkage Seen on MRI Scans",
    "Sunlight, Diet and Vitamin D in MS",
]


def publish_some(store: Store, settings: Settings, count: int = 5, **changes: object) -> list[str]:
    """Draft, approve and publish `count` studies with the site tests' titles and topics."""
    ids = []
    for n in range(count):
        reply = GOOD_DRAFT.model_copy(
            update={"title": SITE_TITLES[n % 5], "topics": SITE_TOPICS[n % 5], **changes}
        )
        abstract = TRIAL_ABSTRACT + f" Cohort {n} was also followed for walking and vitamin D."
        study_id = seed(settings, abstract=abstract, reply=reply)
        review.decide(store, study_id, "approve", "ana", override="checked by hand")
        review.publish(store, settings, study_id, by="ben")
        ids.append(study_id)
    return ids


# -- topic explainers (issue 14): the sample inputs batched offline, some approved ------------

SAMPLE_INPUTS = Path(__file__).resolve().parents[1] / "inputs"
# the three sample studies on fatigue, a mouse study and an ALS study (ids as batched)
FATIGUE_IDS = ["doi-10-5555-pls-sample-006", "doi-10-5555-pls-sample-007a", "pmid-99000008"]
MOUSE_ID, ALS_ID = "pmid-99000003", "doi-10-5555-pls-sample-005"


def batch_samples(settings: Settings, approved: list[str] | None = None) -> None:
    """`pls batch inputs/` offline into the settings' store, then approve `approved`."""
    from pipeline.batch import run_paths
    from pipeline.ingest import discover_inputs

    outcomes = run_paths(discover_inputs(SAMPLE_INPUTS).files, settings)
    assert not [o for o in outcomes if o.result == "failed"], outcomes
    with Store(settings.database) as store:
        for study_id in approved or []:
            review.decide(store, study_id, "approve", "ana", override="read by hand")
