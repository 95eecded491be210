"""The comment panel's model: collapse, wrapping and navigation, without Textual."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reader.models import CommentRow
from reader.text.threads import ThreadLayout, comment_plain_text, order_thread
from reader.text.wrap import wrap


def thread(shape: list[tuple[str, str | None]], *, texts: dict[str, str] | None = None) -> list[CommentRow]:
    """Comments from (key, parent key) pairs, placed in display order like the store does."""
    placed = order_thread(shape)
    ids = {p.key: n + 1 for n, p in enumerate(placed)}
    return [
        CommentRow(
            id=ids[p.key],
            parent_id=ids[p.parent] if p.parent else None,
            depth=p.depth,
            position=p.position,
            author=p.key,
            published=1_700_000_000,
            text=(texts or {}).get(p.key, f"text of {p.key}"),
            url=None,
            deleted=False,
            first_seen=1_700_000_000 + p.position,
        )
        for p in placed
    ]


SHAPE = [("a", None), ("a1", "a"), ("a1x", "a1"), ("a2", "a"), ("b", None), ("b1", "b"), ("c", None)]


def index(layout: ThreadLayout, author: str) -> int:
    return next(i for i, c in enumerate(layout.comments) if c.author == author)


def test_navigation_between_siblings_parents_and_top_level() -> None:
    layout = ThreadLayout(thread(SHAPE))
    name: dict[int | None, str] = {i: c.author for i, c in enumerate(layout.comments)}
    assert name[layout.next_sibling(index(layout, "a1"))] == "a2"
    assert layout.next_sibling(index(layout, "a2")) is None
    assert name[layout.next_sibling(index(layout, "a"))] == "b"
    assert name[layout.parent_of(index(layout, "a1x"))] == "a1"
    assert layout.parent_of(index(layout, "a")) is None
    assert name[layout.next_top_level(index(layout, "a1x"))] == "b"
    assert name[layout.previous_top_level(index(layout, "b1"))] == "b"
    assert name[layout.previous_top_level(index(layout, "b"))] == "a"
    assert layout.next_top_level(index(layout, "c")) is None


def test_collapsing_hides_descendants_behind_a_count_marker() -> None:
    layout = ThreadLayout(thread(SHAPE))
    layout.set_width(60)
    a = index(layout, "a")
    assert layout.collapse(a)
    assert [layout.comments[i].author for i in layout.visible()] == ["a", "b", "b1", "c"]
    hidden = [line for line in layout.lines if line.kind == "hidden"]
    assert [line.text for line in hidden] == ["3 replies hidden"]
    assert not layout.collapse(index(layout, "c")), "nothing to hide under a leaf"
    # A hidden comment's owner is its collapsed ancestor; revealing it expands the way.
    a1x = index(layout, "a1x")
    assert layout.owner(a1x) == a
    layout.reveal(a1x)
    assert a1x in layout.visible()


def test_collapse_all_keeps_top_level_and_expand_all_restores() -> None:
    layout = ThreadLayout(thread(SHAPE))
    layout.set_width(60)
    layout.collapse_all()
    assert [layout.comments[i].author for i in layout.visible()] == ["a", "b", "c"]
    layout.expand_all()
    assert len(layout.visible()) == len(SHAPE)


def test_lines_map_back_to_their_comments() -> None:
    layout = ThreadLayout(thread(SHAPE, texts={"a": "word " * 40}))
    layout.set_width(30)
    a = index(layout, "a")
    start, height = layout.line_span(a)
    assert start == 0 and height > 3  # header, several wrapped lines, gap
    assert all(layout.comment_at(line) == a for line in range(start, start + height))
    b = index(layout, "b")
    assert layout.comment_at(layout.first_line(b)) == b
    assert all(len(line.text) <= layout.text_width(line.comment) for line in layout.lines)


def test_indent_is_capped_but_depth_is_kept() -> None:
    chain = [(f"c{i}", f"c{i - 1}" if i else None) for i in range(300)]
    layout = ThreadLayout(thread(chain), indent_cap=8)
    layout.set_width(80)
    last = len(layout) - 1
    assert layout.comments[last].depth == 299
    assert layout.indent(last) == layout.indent(8) == 16
    assert layout.text_width(last) >= 20
    assert layout.next_visible(last) is None
    assert layout.parent_of(last) == last - 1


def test_op_and_new_comments_are_marked() -> None:
    comments = thread(SHAPE)
    layout = ThreadLayout(comments, op_author="B1", new_ids=[comments[index(ThreadLayout(comments), "b1")].id])
    b1 = index(layout, "b1")
    assert layout.is_op(b1) and not layout.is_op(index(layout, "a"))
    assert layout.next_new(0) == b1
    assert layout.next_new(b1) is None
    assert layout.previous_new(len(layout) - 1) == b1


def test_comment_markdown_reads_as_plain_text() -> None:
    text = comment_plain_text("See [the docs](https://example.com/a\\_b) and snake\\_case \\*x\\*")
    assert text == "See the docs (https://example.com/a_b) and snake_case *x*"
    assert comment_plain_text("\x1b]52;c;x\x07hi") == "\u241b]52;c;x\u2407hi"


def test_wrap_respects_cells_and_splits_long_words() -> None:
    assert wrap("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]
    assert wrap("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("日本語の文章です", 6) == ["日本語", "の文章", "です"]
    assert wrap("one\n\ntwo", 10) == ["one", "", "two"]
    # A word of zero-width characters is kept (hypothesis found "\x80 " at width 1 lost).
    assert "\u200b" in "".join(wrap("\u200b ", 1))
    assert "".join(wrap("\u200d x", 1)).replace(" ", "") == "\u200dx"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=50))
def test_wrap_never_loses_words_or_overflows(text: str, width: int) -> None:
    from rich.cells import cell_len

    lines = wrap(text, width)
    assert all(cell_len(line) <= max(width, 2) for line in lines)
    assert "".join(lines).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
