"""related(): shared topics and text similarity, never the item itself, newest first on ties."""

from __future__ import annotations

from pipeline.site import Item, related

TEXT = "Vitamin D levels and relapses in people with multiple sclerosis over two years"


def test_ties_go_newest_first_and_an_item_is_never_its_own_relation() -> None:
    items = [Item(f"s{n}", TEXT, ("vitamin-d",), float(n)) for n in range(8)]
    lists = related(items, 6)
    assert lists["s0"] == ["s7", "s6", "s5", "s4", "s3", "s2"]
    assert all(key not in chosen for key, chosen in lists.items())


def test_shared_topics_outrank_similar_text_and_nothing_shared_is_no_relation() -> None:
    items = [
        Item("a", TEXT, ("vitamin-d", "relapses"), 1.0),
        Item("b", TEXT + " and sunlight", ("walking",), 3.0),
        Item("c", "Walking speed after a daily pill in a trial", ("vitamin-d", "relapses"), 2.0),
        Item("d", "Gut bacteria in mice", ("microbiome",), 4.0),
    ]
    lists = related(items, 6)
    assert lists["a"][:2] == ["c", "b"]
    assert "d" not in lists["a"] and lists["d"] == []
    assert related(items, 6, only=["a"]) == {"a": lists["a"]}
    assert related(items[:1]) == {"a": []}
