"""Comment threads in display order: deep, cyclic and broken data included."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text.threads import order_thread


def test_replies_follow_their_parent_with_depth() -> None:
    placed = order_thread([("a", None), ("b", None), ("a1", "a"), ("a1x", "a1"), ("b1", "b"), ("a2", "a")])
    assert [(p.key, p.depth) for p in placed] == [
        ("a", 0),
        ("a1", 1),
        ("a1x", 2),
        ("a2", 1),
        ("b", 0),
        ("b1", 1),
    ]
    assert [p.position for p in placed] == list(range(6))


def test_unknown_and_self_parents_become_top_level() -> None:
    placed = {p.key: p for p in order_thread([("a", "missing"), ("b", "b"), ("c", "a")])}
    assert placed["a"].parent is None and placed["a"].depth == 0
    assert placed["b"].parent is None
    assert placed["c"].parent == "a" and placed["c"].depth == 1


def test_a_reply_cycle_is_cut_at_its_earliest_comment() -> None:
    # x answers y answers x; z hangs off y.
    placed = order_thread([("top", None), ("x", "y"), ("y", "x"), ("z", "y")])
    assert [(p.key, p.parent, p.depth) for p in placed] == [
        ("top", None, 0),
        ("x", None, 0),
        ("y", "x", 1),
        ("z", "y", 2),
    ]
    # Deterministic: the same input gives the same order every time.
    assert placed == order_thread([("top", None), ("x", "y"), ("y", "x"), ("z", "y")])


def test_a_twenty_thousand_deep_chain_needs_no_recursion() -> None:
    chain = [(i, i - 1 if i else None) for i in range(20_000)]
    placed = order_thread(chain)
    assert placed[-1].depth == 19_999
    assert [p.key for p in placed] == list(range(20_000))


@given(st.lists(st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 45))), max_size=80))
def test_every_comment_is_placed_once_after_its_parent(nodes: list[tuple[int, int | None]]) -> None:
    placed = order_thread(nodes)
    keys = [p.key for p in placed]
    assert sorted(keys) == sorted(dict.fromkeys(k for k, _ in nodes))
    position = {p.key: p for p in placed}
    for p in placed:
        if p.parent is None:
            assert p.depth == 0
        else:
            parent = position[p.parent]
            assert parent.position < p.position
            assert p.depth == parent.depth + 1


def test_store_keeps_a_300_deep_thread_and_a_cycle(tmp_path: Path) -> None:
    comments = [
        CommentData(f"c{i}", f"user{i}", f"level {i}", parent_guid=f"c{i - 1}" if i else None) for i in range(300)
    ]
    comments += [
        CommentData("loop-a", "ann", "I answer B", parent_guid="loop-b"),
        CommentData("loop-b", "bob", "I answer A", parent_guid="loop-a"),
    ]
    batch = ImportBatch(kind="test")
    batch.articles.append((FeedData(key="k", title="F"), ArticleData(guid="g", title="T", text="x", comments=comments)))
    with Store(tmp_path / "t.db") as store:
        store.store_batch(batch)
        thread = store.comments(store.list_articles()[0].id)
    assert len(thread) == 302
    assert max(c.depth for c in thread) == 299
    loop = [c for c in thread if c.author in ("ann", "bob")]
    assert [(c.author, c.depth) for c in loop] == [("ann", 0), ("bob", 1)]
