"""A comment thread: put in reply order, then laid out as lines with collapse state and navigation.

Comment data from the wild has replies to unknown parents, reply cycles
(A answers B answers A) and chains hundreds deep. :func:`order_thread` turns
parent links into a pre-order list (each comment followed by its replies)
with a depth per comment, iteratively, so depth never hits Python's
recursion limit. Cycles are broken deterministically: the earliest comment
of the cycle (in input order) becomes a top-level comment.

The comments panel draws one flat list of lines (the Line API), so
:class:`ThreadLayout` turns a thread in that order into those lines and
answers the questions the keys ask (:class:`ThreadTree`: next sibling,
parent, next top-level, next new comment). Everything is iterative and
linear, so a 2,000-comment thread or a 300-deep chain costs milliseconds and
no recursion. No Textual here; tested on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, NamedTuple, TypeVar

from reader import defaults
from reader.models import CommentRow, ThreadRef, source_label
from reader.text import plural
from reader.text.sanitize import clean_line, clean_text
from reader.text.wrap import wrap

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Placed(Generic[Key]):
    """Where a comment sits in the displayed thread."""

    key: Key
    parent: Key | None
    position: int
    depth: int


def order_thread(nodes: Sequence[tuple[Key, Key | None]]) -> list[Placed[Key]]:
    """Return ``nodes`` (key, parent key) in display order with depths.

    Siblings keep their input order. A parent key that is not among the
    nodes (or equals the node itself) makes the node top-level. Duplicate
    keys keep their first occurrence.
    """
    index: dict[Key, int] = {}
    parents: list[Key | None] = []
    keys: list[Key] = []
    for key, parent in nodes:
        if key in index:
            continue
        index[key] = len(keys)
        keys.append(key)
        parents.append(parent)

    children: list[list[int]] = [[] for _ in keys]
    roots: list[int] = []
    parent_index: list[int | None] = []
    for i, parent in enumerate(parents):
        p = index.get(parent) if parent is not None else None
        if p is None or p == i:
            parent_index.append(None)
            roots.append(i)
        else:
            parent_index.append(p)
            children[p].append(i)

    placed: list[Placed[Key]] = []
    visited = [False] * len(keys)

    def walk(root: int) -> None:
        # Explicit stack of (node, depth); children pushed in reverse so the
        # first child is emitted first.
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            if visited[node]:
                continue
            visited[node] = True
            parent = parent_index[node]
            placed.append(Placed(keys[node], keys[parent] if parent is not None else None, len(placed), depth))
            for child in reversed(children[node]):
                if not visited[child]:
                    stack.append((child, depth + 1))

    for root in roots:
        walk(root)

    # Whatever is left hangs off a cycle. Find each cycle from the earliest
    # leftover node and cut it at its earliest member.
    for start in range(len(keys)):
        if visited[start]:
            continue
        seen_on_path: set[int] = set()
        node = start
        while node not in seen_on_path:
            seen_on_path.add(node)
            up = parent_index[node]
            assert up is not None  # every root was walked above
            node = up
        cycle = [node]
        up = parent_index[node]
        while up is not None and up != node:
            cycle.append(up)
            up = parent_index[up]
        cut = min(cycle)
        parent_index[cut] = None
        walk(cut)
        # A node of the cycle reached from ``cut`` is visited; other leftovers
        # are picked up by later iterations of this loop.
    return placed


#: Replies deeper than this keep their gutter colour but are indented no further
#: (the ``comments.depth_cap`` setting's default).
DEFAULT_INDENT_CAP = defaults.COMMENT_DEPTH_CAP
INDENT_WIDTH = 2
#: Cells before the comment text: the gutter bar and a space.
GUTTER_WIDTH = 2
MIN_TEXT_WIDTH = 20

_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
# One left-to-right pass over a comment's Markdown, token by token: an escaped
# character (unescaped), a code span (kept), a link (shown as "text (url)")
# or an emphasis marker (dropped). Stored comment Markdown escapes every
# literal * and _ (html2text's escape_snob, the plain-text importer), so an
# unescaped one is always markup; "* " is a list bullet and stays.
_INLINE = re.compile(
    r"\\(?P<escaped>[\\`*_{}\[\]()#+\-.!>])"
    r"|(?P<code>`[^`\n]*`)"
    r"|\[(?P<label>(?:\\.|[^\]\\\n])*)\]\((?P<url>(?:\\.|[^)\s\\])+)\)"
    r"|(?P<mark>\*\*|__|\*(?! )|_)"
    # An autolink: html2text writes <https://...> for a link whose text is its target.
    r"|<(?P<auto>https?://[^>\s]+)>"
)


_MARKUP_CHARACTER = re.compile(r"[\\`\[*_<]")


def _inline(match: re.Match[str]) -> str:
    kind = match.lastgroup
    if kind == "escaped":
        return match.group("escaped")
    if kind == "code":
        return match.group("code")
    if kind == "auto":
        return match.group("auto")
    if kind == "url":
        label = _MARKDOWN_ESCAPE.sub(r"\1", match.group("label"))
        url = _MARKDOWN_ESCAPE.sub(r"\1", match.group("url"))
        return url if not label or label == url else f"{label} ({url})"
    return ""


def comment_plain_text(markdown: str) -> str:
    """Comment Markdown as plain readable text: escapes and emphasis marks removed, links as ``text (url)``."""
    text = clean_text(markdown)
    return _INLINE.sub(_inline, text) if _MARKUP_CHARACTER.search(text) else text


def more_text(count: int) -> str:
    """What a placeholder row says: how many replies enter loads (Reddit's "continue this thread" has no count)."""
    if count <= 0:
        return "continue this thread"
    replies = "reply" if count == 1 else "replies"
    return f"load {count:,} more {replies}"


#: What a drawn line of a thread is (see :class:`Line`).
LineKind = Literal["header", "text", "hidden", "more", "gap"]


class Line(NamedTuple):
    """One drawn line of the thread (a tuple: threads lay out tens of thousands).

    ``kind`` is ``header`` (author, date), ``text``, ``hidden`` (the "N replies
    hidden" marker), ``more`` (a placeholder for replies the source left out,
    loaded on demand) or ``gap`` (the blank line after a comment).
    """

    comment: int
    kind: LineKind
    text: str = ""


class ThreadTree:
    """A thread's comments in reply order, and the way around them: parent, siblings, tops, new ones."""

    def __init__(
        self,
        comments: Sequence[CommentRow],
        *,
        op_author: str = "",
        new_ids: Iterable[int] = (),
        indent_cap: int = DEFAULT_INDENT_CAP,
    ) -> None:
        self.comments = list(comments)
        self.op_author = clean_line(op_author)
        self.new_ids = set(new_ids)
        self.indent_cap = indent_cap
        count = len(self.comments)
        index_of = {c.id: i for i, c in enumerate(self.comments)}
        self.parent: list[int | None] = [index_of.get(c.parent_id) if c.parent_id else None for c in self.comments]
        # Pre-order means a comment's descendants follow it directly; one
        # backward pass counts them and finds where each subtree ends.
        self.descendants = [0] * count
        for i in range(count - 1, -1, -1):
            p = self.parent[i]
            if p is not None:
                self.descendants[p] += 1 + self.descendants[i]
        #: Real comments, placeholders for replies not fetched left out.
        self.comment_count = sum(1 for c in self.comments if c.kind == "comment")

    def __len__(self) -> int:
        return len(self.comments)

    def subtree_end(self, index: int) -> int:
        """Index just past the comment's last descendant."""
        return index + 1 + self.descendants[index]

    def is_new(self, index: int) -> bool:
        """True if the comment arrived since the thread was last opened."""
        return self.comments[index].id in self.new_ids

    def is_more(self, index: int) -> bool:
        """True if the row stands for replies the source left out (loaded on demand), not a comment."""
        return self.comments[index].kind == "more"

    def is_op(self, index: int) -> bool:
        """True if the article's author wrote the comment."""
        author = clean_line(self.comments[index].author)
        return bool(self.op_author) and author.casefold() == self.op_author.casefold()

    def indent(self, index: int) -> int:
        """Indent in cells (capped: deeper replies keep the cap's indent)."""
        return min(self.comments[index].depth, self.indent_cap) * INDENT_WIDTH

    def parent_of(self, index: int) -> int | None:
        """The comment this one answers."""
        return self.parent[index]

    def next_sibling(self, index: int) -> int | None:
        """The next comment with the same parent."""
        end = self.subtree_end(index)
        if end < len(self.comments) and self.parent[end] == self.parent[index]:
            return end
        return None

    def next_top_level(self, index: int) -> int | None:
        """The next comment at depth 0."""
        top = index
        while self.parent[top] is not None:
            top = self.parent[top]  # type: ignore[assignment]
        end = self.subtree_end(top)
        return end if end < len(self.comments) else None

    def previous_top_level(self, index: int) -> int | None:
        """The previous comment at depth 0 (or this one's top, if inside it)."""
        top = index
        while self.parent[top] is not None:
            top = self.parent[top]  # type: ignore[assignment]
        if top != index:
            return top
        for candidate in range(index - 1, -1, -1):
            if self.parent[candidate] is None:
                return candidate
        return None

    def next_new(self, index: int) -> int | None:
        """The next new comment after ``index`` (in thread order, hidden ones included)."""
        for candidate in range(index + 1, len(self.comments)):
            if self.is_new(candidate):
                return candidate
        return None

    def previous_new(self, index: int) -> int | None:
        """The previous new comment before ``index``."""
        for candidate in range(index - 1, -1, -1):
            if self.is_new(candidate):
                return candidate
        return None


class ThreadLayout(ThreadTree):
    """A thread with collapse state, laid out as lines for one width; moving among the comments shown."""

    def __init__(
        self,
        comments: Sequence[CommentRow],
        *,
        op_author: str = "",
        new_ids: Iterable[int] = (),
        indent_cap: int = DEFAULT_INDENT_CAP,
    ) -> None:
        super().__init__(comments, op_author=op_author, new_ids=new_ids, indent_cap=indent_cap)
        self.collapsed: set[int] = set()
        self._texts = [comment_plain_text(c.text) or ("[deleted]" if c.deleted else "") for c in self.comments]
        self._wrapped: dict[tuple[int, int], list[str]] = {}
        self._lines: list[Line] | None = None
        self._starts: list[int] = []
        self._visible: list[int] = []
        self._width = 0

    def visible(self) -> list[int]:
        """Indices of the comments not hidden inside a collapsed subtree, in order."""
        if self._lines is None:
            self._layout()
        return self._visible

    def _changed(self) -> None:
        self._lines = None

    def toggle(self, index: int) -> None:
        """Collapse or expand one comment's replies."""
        if index in self.collapsed:
            self.collapsed.discard(index)
        elif self.descendants[index]:
            self.collapsed.add(index)
        self._changed()

    def collapse(self, index: int) -> bool:
        """Hide the replies of ``index``; False if it has none or they are hidden already."""
        if not self.descendants[index] or index in self.collapsed:
            return False
        self.collapsed.add(index)
        self._changed()
        return True

    def expand(self, index: int) -> bool:
        """Show the replies of ``index``; False if they were showing."""
        if index not in self.collapsed:
            return False
        self.collapsed.discard(index)
        self._changed()
        return True

    def collapse_all(self) -> None:
        """Show only top-level comments, each with its hidden-replies marker."""
        self.collapsed = {i for i, c in enumerate(self.comments) if c.depth == 0 and self.descendants[i]}
        self._changed()

    def expand_all(self) -> None:
        """Show every comment."""
        self.collapsed.clear()
        self._changed()

    def set_width(self, width: int) -> None:
        """Lay out for a panel ``width`` cells wide."""
        if width != self._width:
            self._width = width
            self._changed()

    def text_width(self, index: int) -> int:
        """Cells available for a comment's text at the current width."""
        return max(MIN_TEXT_WIDTH, self._width - self.indent(index) - GUTTER_WIDTH)

    def wrapped(self, index: int) -> list[str]:
        """The comment's text wrapped to its width (cached per width)."""
        width = self.text_width(index)
        key = (index, width)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = wrap(self._texts[index], width)
            self._wrapped[key] = lines
        return lines

    def _layout(self) -> None:
        lines: list[Line] = []
        starts: list[int] = []
        visible: list[int] = []
        index = 0
        count = len(self.comments)
        while index < count:
            visible.append(index)
            starts.append(len(lines))
            if self.comments[index].kind == "more":
                lines.append(Line(index, "more", more_text(self.comments[index].more_count)))
                lines.append(Line(index, "gap"))
                index += 1
                continue
            lines.append(Line(index, "header"))
            lines.extend(Line(index, "text", part) for part in self.wrapped(index))
            if index in self.collapsed:
                hidden = self.descendants[index]
                lines.append(Line(index, "hidden", f"{hidden} {'reply' if hidden == 1 else 'replies'} hidden"))
                lines.append(Line(index, "gap"))
                index = self.subtree_end(index)
            else:
                lines.append(Line(index, "gap"))
                index += 1
        self._lines, self._starts, self._visible = lines, starts, visible

    @property
    def lines(self) -> list[Line]:
        """Every drawn line at the current width."""
        if self._lines is None:
            self._layout()
        assert self._lines is not None
        return self._lines

    def first_line(self, index: int) -> int:
        """Line number of a visible comment's header."""
        visible = self.visible()
        position = _position(visible, index)
        return self._starts[position]

    def line_span(self, index: int) -> tuple[int, int]:
        """First line and line count of a visible comment (with its marker and gap)."""
        visible = self.visible()
        position = _position(visible, index)
        start = self._starts[position]
        end = self._starts[position + 1] if position + 1 < len(self._starts) else len(self.lines)
        return start, end - start

    def comment_at(self, line: int) -> int | None:
        """The visible comment drawn at ``line``."""
        visible = self.visible()
        if not visible:
            return None
        position = max(0, bisect_right(self._starts, line) - 1)
        return visible[position]

    def owner(self, index: int) -> int:
        """``index`` itself if visible, else the collapsed ancestor hiding it."""
        shown = set(self.visible())
        while index not in shown:
            parent = self.parent[index]
            if parent is None:
                break
            index = parent
        return index

    def next_visible(self, index: int) -> int | None:
        """The next shown comment."""
        visible = self.visible()
        position = _position(visible, index)
        return visible[position + 1] if position + 1 < len(visible) else None

    def previous_visible(self, index: int) -> int | None:
        """The previous shown comment."""
        visible = self.visible()
        position = _position(visible, index)
        return visible[position - 1] if position > 0 else None

    def reveal(self, index: int) -> None:
        """Expand every collapsed ancestor of ``index`` so it shows."""
        parent = self.parent[index]
        changed = False
        while parent is not None:
            if parent in self.collapsed:
                self.collapsed.discard(parent)
                changed = True
            parent = self.parent[parent]
        if changed:
            self._changed()


def _position(visible: list[int], index: int) -> int:
    """Position of ``index`` in the sorted ``visible`` list (it must be there)."""
    position = bisect_right(visible, index) - 1
    if position < 0 or visible[position] != index:
        raise ValueError(f"comment {index} is not visible")
    return position


def discussion_summary(ref: ThreadRef) -> str:
    """One discussion found elsewhere, in a line: ``Hacker News · “Title” · 412 points · 87 comments``.

    What ``reader discussions`` and the reader's ``D`` list show for each (the address goes beside or under it).
    """
    parts = [source_label(ref.source)]
    if ref.title:
        parts.append(f"\u201c{clean_line(ref.title)}\u201d")
    if ref.points is not None:
        parts.append(plural(ref.points, "point"))
    if ref.comment_count is not None:
        parts.append(plural(ref.comment_count, "comment"))
    return " \u00b7 ".join(parts)
