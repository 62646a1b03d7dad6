"""Related articles on the corpus, topics hidden: how often the list shares a topic.

    .venv/bin/python benchmarks/related_articles.py [--limit N]

Drafts every abstract of ../shared/corpus/*.jsonl offline (the summaries a site would show),
then relates each summary to the others from its text alone (the title and the four sections,
as the site does; the Article Topics are hidden) and counts, for each summary, the share of its
6 related summaries that have a topic in common with it: precision@6, averaged over the
summaries that share a topic with at least one other. The offline drafter tags nearly every
corpus summary "Health research" or "Research news" (the JSONL corpus has no keywords), so the
headline figure counts only specific topics (on at most 10% of the summaries); the figure for
any topic is printed beside it. It compares the site's method (scikit-learn TF-IDF, unigrams
and bigrams, sublinear tf, stop words) with TF-IDF on unigrams, plain word overlap (Jaccard of
word sets, no library) and a draw of 6 at random (the chance level), and prints the time each
takes. With topics shown, as the site relates them, the figure is also printed.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.backends.offline import OfflineBackend
from pipeline.drafting import draft_study
from pipeline.ingest import load_file_tolerant
from pipeline.profile import profile_study
from pipeline.settings import Settings
from pipeline.site import Item, related, related_text, topic_slug, vectorizer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
K = 6
BROAD = 0.10  # a topic on more than 10% of the summaries is a category, not a topic
Method = Callable[[list[Item]], dict[str, list[str]]]


def corpus_items(limit: int) -> list[Item]:
    settings = Settings()
    backend = OfflineBackend(settings)
    items = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        studies = load_file_tolerant(path, settings).studies
        for study in studies[: limit or None]:
            summary = draft_study(study, profile_study(study, settings), backend, settings).summary
            text = related_text(summary.model_dump())
            topics = tuple(dict.fromkeys(topic_slug(t) for t in summary.topics))
            items.append(Item(study.id, text, topics, float(len(items))))
    return items


def precision(items: list[Item], lists: dict[str, list[str]], broad: float) -> tuple[float, int]:
    """Mean precision@6 of sharing a topic, over the summaries that share one with another.
    Topics on more than `broad` of all summaries ("Health research" on nearly every offline
    draft) are left out of the ground truth: sharing one says nothing."""
    counts = Counter(t for item in items for t in item.topics)
    common = {t for t, n in counts.items() if n > broad * len(items)}
    topics = {item.key: set(item.topics) - common for item in items}
    reachable = [
        item
        for item in items
        if any(topics[item.key] & topics[o.key] for o in items if o.key != item.key)
    ]
    scores = []
    for item in reachable:
        chosen = lists[item.key][:K]
        hits = sum(bool(topics[item.key] & topics[other]) for other in chosen)
        scores.append(hits / K)  # a short list counts its missing places as misses
    return (statistics.fmean(scores) if scores else 0.0), len(reachable)


def text_only(items: list[Item]) -> dict[str, list[str]]:
    return related(items, K, topic_weight=0.0)


def with_topics(items: list[Item]) -> dict[str, list[str]]:
    return related(items, K)


def unigram_tfidf(items: list[Item]) -> dict[str, list[str]]:
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [i.text for i in items]
    )
    sims = (matrix @ matrix.T).toarray()
    return _top(items, sims.tolist())


def word_overlap(items: list[Item]) -> dict[str, list[str]]:
    stop = vectorizer().get_stop_words() or frozenset()
    words = [set(re.findall(r"[a-z]{3,}", i.text.lower())) - stop for i in items]
    sims = [[len(a & b) / (len(a | b) or 1) for b in words] for a in words]
    return _top(items, sims)


def chance(items: list[Item]) -> dict[str, list[str]]:
    rng = random.Random(13)
    keys = [i.key for i in items]
    return {i.key: rng.sample([k for k in keys if k != i.key], K) for i in items}


def _top(items: list[Item], sims: list[list[float]]) -> dict[str, list[str]]:
    out = {}
    for n, item in enumerate(items):
        order = sorted((j for j in range(len(items)) if j != n), key=lambda j: -sims[n][j])
        out[item.key] = [items[j].key for j in order[:K]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="abstracts per corpus file (0: all)")
    args = parser.parse_args()
    started = time.perf_counter()
    items = corpus_items(args.limit)
    print(f"{len(items)} offline summaries drafted in {time.perf_counter() - started:.1f} s")
    methods: list[tuple[str, Method]] = [
        ("site: TF-IDF 1-2 grams, topics hidden", text_only),
        ("TF-IDF unigrams, topics hidden", unigram_tfidf),
        ("word overlap (Jaccard), topics hidden", word_overlap),
        ("chance (6 at random)", chance),
        ("site as built: TF-IDF + shared topics", with_topics),
    ]
    baseline = None
    for name, method in methods:
        began = time.perf_counter()
        lists = method(items)
        seconds = time.perf_counter() - began
        specific, n = precision(items, lists, BROAD)
        every, m = precision(items, lists, 1.0)
        baseline = baseline or seconds
        print(
            f"{name:40s} P@6 specific topics {specific:.3f} (n={n}), any topic {every:.3f} "
            f"(n={m}); {seconds:.2f} s ({seconds / baseline:.1f}x the site's)"
        )


if __name__ == "__main__":
    main()
