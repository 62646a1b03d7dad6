"""Related articles ("You May Also Like"): shared topics plus the text similarity of summaries.

Similarity is TF-IDF (unigrams and bigrams, sublinear term frequency, English stop words; the
counts from scikit-learn's hashing vectorizer, so each summary's counts can be kept between
builds) compared by cosine; shared topics add their Jaccard overlap, weighted so that two
summaries sharing most of their topics outrank a merely similar text. A study is never related
to itself, a score of zero is no relation, and among equal scores the newest comes first. It is
recomputed at every build, so older pages gain newer related articles.
`benchmarks/related_articles.py` measures it with the topics hidden (precision@6 of sharing a
topic) against simpler baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

RELATED = 6
TOPIC_WEIGHT = 1.0  # Jaccard of topics (0..1) beside the cosine of texts (0..1)
_CHUNK = 512  # rows of the similarity matrix held at once: 512 x 5,000 floats, not 5,000^2


@dataclass(frozen=True)
class Item:
    """What relating needs of a summary: its text, topic slugs and how new it is."""

    key: str
    text: str
    topics: tuple[str, ...]
    newness: float  # larger is newer (a timestamp)


COUNT_FEATURES = 2**20  # hashed terms: collisions are rare among a site's words and bigrams
MAX_DF = 0.5  # a term in more than half the summaries ("people", "MS") says nothing


def vectorizer() -> TfidfVectorizer:
    """The TF-IDF the site computes, as one scikit-learn object (the benchmark's reference)."""
    return TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=1,
        max_df=MAX_DF,
        dtype=np.float32,
    )


def term_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Raw counts of each text's words and bigrams, hashed: a text's row depends on that text
    alone, so a build can keep the rows of unchanged summaries (`build.py` does)."""
    if not texts:
        return sparse.csr_matrix((0, COUNT_FEATURES), dtype=np.float32)
    hasher = HashingVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        n_features=COUNT_FEATURES,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    return hasher.transform(list(texts)).tocsr()


def tfidf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """TF-IDF as `vectorizer()` weighs it (sublinear tf, smoothed idf, terms in more than half
    the texts dropped, rows of unit length), from counts."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    idf[df > MAX_DF * n] = 0.0
    weighted = counts.copy()
    weighted.data = (1.0 + np.log(weighted.data)) * idf[weighted.indices]
    weighted.eliminate_zeros()
    # only the columns in use: the product of 5,000 rows is several times faster on ~10^5
    # columns than on 2^20 mostly empty ones
    used, columns = np.unique(weighted.indices, return_inverse=True)
    compact = sparse.csr_matrix(
        (weighted.data, columns.astype(np.int32), weighted.indptr), shape=(n, max(len(used), 1))
    )
    return normalize(compact, norm="l2", copy=False)


def _topic_matrix(items: Sequence[Item]) -> sparse.csr_matrix:
    index: dict[str, int] = {}
    rows, cols = [], []
    for row, item in enumerate(items):
        for topic in set(item.topics):
            rows.append(row)
            cols.append(index.setdefault(topic, len(index)))
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(items), max(len(index), 1)))


def related(
    items: Sequence[Item],
    k: int = RELATED,
    *,
    topic_weight: float = TOPIC_WEIGHT,
    only: Sequence[str] | None = None,
    counts: sparse.csr_matrix | None = None,
) -> dict[str, list[str]]:
    """For each item's key (or only those in `only`), the keys of its `k` most related others,
    best first. `counts` are the items' `term_counts`, if already known."""
    keep = None if only is None else set(only)
    wanted = [n for n, item in enumerate(items) if keep is None or item.key in keep]
    if len(items) < 2:
        return {items[n].key: [] for n in wanted}
    matrix = tfidf(term_counts([item.text for item in items]) if counts is None else counts)
    topics = _topic_matrix(items)
    sizes = np.asarray(topics.sum(axis=1)).ravel()
    newness = np.array([item.newness for item in items])
    result: dict[str, list[str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = wanted[start : start + _CHUNK]
        scores = (matrix[rows] @ matrix.T).toarray()
        if topic_weight:
            shared = (topics[rows] @ topics.T).toarray()
            union = sizes[rows, None] + sizes[None, :] - shared
            scores += topic_weight * np.divide(
                shared, union, out=np.zeros_like(shared), where=union > 0
            )
        scores = np.round(scores, 6)  # equal up to float noise is a tie, broken by newness
        for me, row in zip(rows, scores, strict=True):
            row[me] = 0.0
            candidates = np.flatnonzero(row > 0)
            if len(candidates) > k:  # keep every candidate tied with the k-th best
                kth = np.partition(row[candidates], -k)[-k]
                candidates = candidates[row[candidates] >= kth]
            order = sorted(candidates, key=lambda j: (-row[j], -newness[j], items[j].key))
            result[items[me].key] = [items[j].key for j in order[:k]]
    return result
