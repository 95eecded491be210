"""The comments panel: a whole thread as one flat list of lines (the Line API).

Textual's Tree recurses (RecursionError at 1,000 levels) and shows one line
per node; nested Collapsibles take a minute at 2,000 comments. Here the
thread is laid out by :class:`reader.text.threads.ThreadLayout` (iterative,
cached wrapping) and only the visible lines are drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.text import dates
from reader.text.sanitize import clean_line
from reader.text.search import SearchTerm
from reader.text.threads import GUTTER_WIDTH, ThreadLayout
from reader.tui.widgets.highlight import highlight_line
from reader.tui.widgets.parts import cursor_overlay, overlaid, without_background
from reader.tui.widgets.scrolling import set_virtual_size

#: Depth colours cycle through these component classes.
DEPTH_COLOURS = 6


#: Where the highlight can go (the argument of ``go`` in the bindings).
Where = Literal[
    "next",
    "previous",
    "next-sibling",
    "parent",
    "next-top",
    "previous-top",
    "next-new",
    "previous-new",
    "first",
    "last",
    "page-down",
    "page-up",
]

#: Each move but paging, as a question to the layout: from this comment, which one (None: stay)?
_STEPS: dict[Where, Callable[[ThreadLayout, int], int | None]] = {
    "next": ThreadLayout.next_visible,
    "previous": ThreadLayout.previous_visible,
    "next-sibling": ThreadLayout.next_sibling,
    "parent": ThreadLayout.parent_of,
    "next-top": ThreadLayout.next_top_level,
    "previous-top": ThreadLayout.previous_top_level,
    "next-new": ThreadLayout.next_new,
    "previous-new": ThreadLayout.previous_new,
    "first": lambda _layout, _cursor: 0,
    "last": lambda layout, _cursor: layout.visible()[-1],
}


class CommentThread(ScrollView, can_focus=True):
    """An article's comments: author, age, wrapped text, a coloured depth gutter."""

    DEFAULT_CSS = """
    CommentThread {
        background: $surface;
        scrollbar-gutter: stable;
        & > .comment-thread--cursor {
            background: $primary 45%;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .comment-thread--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        & > .comment-thread--author { text-style: bold; color: $text-primary; }
        & > .comment-thread--op { text-style: bold; color: $success; }
        & > .comment-thread--meta { color: $text-muted; }
        & > .comment-thread--new { color: $warning; text-style: bold; }
        & > .comment-thread--hidden { color: $text-muted; text-style: italic; }
        & > .comment-thread--more { color: $text-accent; text-style: italic; }
        & > .comment-thread--match { background: $warning 60%; color: $text; text-style: bold; }
        & > .comment-thread--depth-0 { color: $primary; }
        & > .comment-thread--depth-1 { color: $success; }
        & > .comment-thread--depth-2 { color: $warning; }
        & > .comment-thread--depth-3 { color: $error; }
        & > .comment-thread--depth-4 { color: $secondary-lighten-2; }
        & > .comment-thread--depth-5 { color: $accent; }
    }
    """

    COMPONENT_CLASSES = {
        "comment-thread--cursor",
        "comment-thread--author",
        "comment-thread--op",
        "comment-thread--meta",
        "comment-thread--new",
        "comment-thread--hidden",
        "comment-thread--more",
        "comment-thread--match",
        *(f"comment-thread--depth-{n}" for n in range(DEPTH_COLOURS)),
    }

    BINDINGS = [
        Binding("j,down", "go('next')", "Next comment", show=False, id="comments.next"),
        Binding("k,up", "go('previous')", "Previous comment", show=False, id="comments.previous"),
        Binding("J", "go('next-sibling')", "Next sibling", id="comments.next-sibling"),
        Binding("K", "go('parent')", "Parent", id="comments.parent"),
        Binding("n,right_square_bracket", "go('next-top')", "Next top-level", show=False, id="comments.next-top"),
        Binding(
            "N,left_square_bracket", "go('previous-top')", "Previous top-level", show=False, id="comments.previous-top"
        ),
        Binding("h,left", "collapse", "Collapse", show=False, id="comments.collapse"),
        Binding("l,right", "expand", "Expand", show=False, id="comments.expand"),
        Binding("space,enter", "toggle_replies", "Collapse/expand", id="comments.toggle"),
        Binding("z", "toggle_all", "All", id="comments.toggle-all"),
        Binding("e", "go('next-new')", "Next new", id="comments.next-new"),
        Binding("E", "go('previous-new')", "Previous new", show=False, id="comments.previous-new"),
        Binding("g,home", "go('first')", "First", show=False, id="comments.first"),
        Binding("G,end", "go('last')", "Last", show=False, id="comments.last"),
        Binding("pagedown", "go('page-down')", "Page down", show=False, id="comments.page-down"),
        Binding("pageup", "go('page-up')", "Page up", show=False, id="comments.page-up"),
        Binding("t", "switch_thread(1)", "Next thread", id="comments.next-thread"),
        Binding("T", "switch_thread(-1)", "Previous thread", show=False, id="comments.previous-thread"),
    ]

    @dataclass
    class Moved(Message):
        """The focused comment changed."""

        comment_thread: CommentThread
        comment_id: int | None

        @property
        def control(self) -> CommentThread:
            """The panel that sent the message."""
            return self.comment_thread

    @dataclass
    class MoreRequested(Message):
        """Enter on a placeholder row: fetch the replies the source left out."""

        comment_thread: CommentThread
        article_id: int
        comment_id: int

        @property
        def control(self) -> CommentThread:
            """The panel that sent the message."""
            return self.comment_thread

    @dataclass
    class ThreadSwitched(Message):
        """Another of the article's threads is shown (``t``/``T``)."""

        comment_thread: CommentThread
        article_id: int
        index: int

        @property
        def control(self) -> CommentThread:
            """The panel that sent the message."""
            return self.comment_thread

    def __init__(
        self,
        *,
        clock: Callable[[], int] = dates.now,
        date_format: str = "relative",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._age = dates.formatter(date_format, day=True)
        self.layout_model: ThreadLayout | None = None
        self.article_id: int | None = None
        self.cursor = 0
        self.message = "No comments."
        #: The search the thread was opened from: its terms, and the comments (by index) they match.
        self.terms: list[SearchTerm] = []
        self.matches: list[int] = []
        #: Every thread of the article, each laid out on its own; one is shown at a time.
        self.threads: list[ThreadLayout] = []
        self.thread_index = 0

    # -- content -------------------------------------------------------------

    def show_threads(
        self,
        article_id: int,
        threads: list[ThreadLayout],
        index: int = 0,
        message: str = "No comments.",
        *,
        cursor: int | None = None,
    ) -> None:
        """Show one of an article's threads (``index``); ``t``/``T`` go to the others."""
        several = len(threads) > 1 or len(self.threads) > 1
        self.threads = threads
        self.thread_index = min(max(index, 0), max(len(threads) - 1, 0))
        layout = threads[self.thread_index] if threads else ThreadLayout([])
        self.show_thread(article_id, layout, message, cursor=cursor)
        if several:
            self.refresh_bindings()  # the footer offers "Next thread" only with several

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Switching threads is offered (and listed in the footer) only when the article has several."""
        if action == "switch_thread":
            return len(self.threads) > 1
        return True

    def action_switch_thread(self, step: int) -> None:
        """Show the next (or previous) of the article's threads, round the end."""
        if len(self.threads) < 2 or self.article_id is None:
            return
        self.thread_index = (self.thread_index + step) % len(self.threads)
        self.show_thread(self.article_id, self.threads[self.thread_index], self.message)
        self.post_message(self.ThreadSwitched(self, self.article_id, self.thread_index))

    def show_thread(
        self, article_id: int, layout: ThreadLayout, message: str = "No comments.", *, cursor: int | None = None
    ) -> None:
        """Show a thread (an empty layout shows ``message``), highlighting row ``cursor`` (else the first)."""
        self.article_id = article_id
        self.layout_model = layout
        self.message = message
        self.cursor = 0
        self.terms = []
        self.matches = []
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)
        if cursor is not None and len(layout):
            self.move_to(min(cursor, len(layout) - 1))
        self.refresh()

    def set_matches(self, terms: list[SearchTerm], comment_ids: list[int]) -> None:
        """Highlight a search's ``terms`` in the text, and go to the first of the matching comments."""
        layout = self.layout_model
        self.terms = terms
        if layout is None:
            return
        wanted = set(comment_ids)
        self.matches = [i for i, comment in enumerate(layout.comments) if comment.id in wanted]
        if self.matches:
            self.move_to(self.matches[0])
        self.refresh()

    def next_match(self, step: int) -> bool:
        """Go to the next (``step`` 1) or previous (-1) comment matching the search; False if there is none."""
        if step > 0:
            found = next((i for i in self.matches if i > self.cursor), None)
        else:
            found = next((i for i in reversed(self.matches) if i < self.cursor), None)
        if found is None:
            return False
        self.move_to(found)
        return True

    def clear_thread(self, message: str) -> None:
        """Show no thread, only ``message``."""
        self.article_id = None
        self.terms = []
        self.matches = []
        self.layout_model = None
        self.message = message
        set_virtual_size(self, Size(0, 0))
        self.refresh()

    @property
    def comment_count(self) -> int:
        """Comments in the shown thread."""
        return len(self.layout_model) if self.layout_model else 0

    @property
    def focused_comment(self) -> int | None:
        """The id of the highlighted comment."""
        if not self.layout_model or not len(self.layout_model):
            return None
        return self.layout_model.comments[self.cursor].id

    def _width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _relayout(self) -> None:
        layout = self.layout_model
        if layout is None:
            return
        layout.set_width(self._width())
        set_virtual_size(self, Size(self._width(), len(layout.lines)))

    def on_resize(self) -> None:
        """Re-wrap for the new width, keeping the highlighted comment at the top of its place."""
        if self.layout_model is None or not len(self.layout_model):
            return
        self._relayout()
        self._scroll_to_cursor()

    # -- moving --------------------------------------------------------------

    def move_to(self, index: int | None, *, keep_screen_row: int | None = None) -> None:
        """Highlight comment ``index`` (revealing it if a collapsed reply hides it)."""
        layout = self.layout_model
        if layout is None or index is None or not len(layout):
            return
        layout.reveal(index)
        self._relayout()
        self.cursor = index
        if keep_screen_row is not None:
            start = layout.first_line(index)
            self.scroll_to(y=max(0, start - keep_screen_row), animate=False, immediate=True)
        else:
            self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Moved(self, self.focused_comment))

    def _scroll_to_cursor(self) -> None:
        layout = self.layout_model
        if layout is None or not len(layout):
            return
        start, height = layout.line_span(self.cursor)
        self.scroll_to_region(Region(0, start, 1, max(1, height - 1)), animate=False, force=True, immediate=True)

    def _screen_row(self) -> int:
        assert self.layout_model is not None
        return self.layout_model.first_line(self.cursor) - self.scroll_offset.y

    def action_go(self, where: Where) -> None:
        """Move the highlight: to the next or previous comment, sibling, parent, top-level, new one, end, page."""
        layout = self.layout_model
        if layout is None or not len(layout):
            return
        if where in ("page-down", "page-up"):
            self._page(+1 if where == "page-down" else -1)
            return
        found = _STEPS[where](layout, self.cursor)
        if found is None and where == "next-new":
            self.notify("No more new comments.", timeout=2)
        self.move_to(found)

    def _page(self, direction: int) -> None:
        layout = self.layout_model
        if layout is None or not len(layout):
            return
        height = max(1, self.scrollable_content_region.height - 1)
        target_line = max(0, min(len(layout.lines) - 1, layout.first_line(self.cursor) + direction * height))
        index = layout.comment_at(target_line)
        self.move_to(index)

    # -- collapsing ------------------------------------------------------------

    def _keeping_place(self, change: Callable[[ThreadLayout], object]) -> None:
        """Apply a collapse change with the highlighted comment kept on the same screen row."""
        layout = self.layout_model
        if layout is None or not len(layout):
            return
        row = self._screen_row()
        change(layout)
        self.move_to(layout.owner(self.cursor), keep_screen_row=row)

    def action_collapse(self) -> None:
        """Hide the replies of the highlighted comment (or go to its parent if there is nothing to hide)."""
        layout = self.layout_model
        if layout is None or not len(layout):
            return
        if not layout.collapse(self.cursor):
            parent = layout.parent_of(self.cursor)
            if parent is not None:
                self.move_to(parent)
            return
        self._keeping_place(lambda _layout: None)

    def action_expand(self) -> None:
        """Show the replies of the highlighted comment."""
        self._keeping_place(lambda layout: layout.expand(self.cursor))

    def action_toggle_replies(self) -> None:
        """Collapse or expand the highlighted comment's replies; on a "load more" row, load them."""
        layout = self.layout_model
        if layout is not None and len(layout) and layout.is_more(self.cursor) and self.article_id is not None:
            self.post_message(self.MoreRequested(self, self.article_id, layout.comments[self.cursor].id))
            return
        self._keeping_place(lambda layout: layout.toggle(self.cursor))

    def action_toggle_all(self) -> None:
        """Collapse every top-level thread, or expand everything if anything is collapsed."""

        def change(layout: ThreadLayout) -> None:
            if layout.collapsed:
                layout.expand_all()
            else:
                layout.collapse_all()

        self._keeping_place(change)

    # -- drawing -------------------------------------------------------------

    def _part(self, component: str) -> Style:
        """A component's colour and text style without its background (which would hide the cursor)."""
        return without_background(self.get_component_rich_style(component))

    def render_line(self, y: int) -> Strip:
        """Draw one line of the thread.

        The highlighted comment is shown by its header, drawn in the theme's
        block cursor (laid over the header's own colours, as far as the
        header goes, not the whole width), and by a heavier gutter bar in the
        cursor's colour down all its lines: its text keeps the pane's
        background, so a long comment never turns into a solid block.
        """
        width = self._width()
        base = self.rich_style
        layout = self.layout_model
        if layout is None or not len(layout):
            if y == 1:
                return Strip(
                    [Segment(" " + self.message, base + self._part("comment-thread--meta"))]
                ).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        index = self.scroll_offset.y + y
        lines = layout.lines
        if index >= len(lines):
            return Strip.blank(width, base)
        line = lines[index]
        if line.kind == "gap":
            return Strip.blank(width, base)
        comment = layout.comments[line.comment]
        selected = line.comment == self.cursor
        cursor = cursor_overlay(self.get_component_rich_style("comment-thread--cursor"))
        if selected:
            gutter = Segment("\u258c" + " " * (GUTTER_WIDTH - 1), base + Style(color=cursor.bgcolor))
        else:
            depth = self._part(f"comment-thread--depth-{comment.depth % DEPTH_COLOURS}")
            gutter = Segment("\u258e" + " " * (GUTTER_WIDTH - 1), base + depth)
        segments = [Segment(" " * layout.indent(line.comment), base), gutter]
        if line.kind == "header":
            header = self._header(layout, line.comment, base)
            # The cursor covers the header (and one cell after it), not the width.
            segments.extend(overlaid([*header, Segment(" ", base)], cursor) if selected else header)
        elif line.kind == "hidden":
            segments.append(Segment(f"\u25b8 {line.text}", base + self._part("comment-thread--hidden")))
        elif line.kind == "more":
            more = [Segment(f"\u2026 {line.text}", base + self._part("comment-thread--more"))]
            segments.extend(overlaid([*more, Segment(" ", base)], cursor) if selected else more)
        else:
            text = [Segment(line.text, base)]
            if self.terms:
                match = self.get_component_rich_style("comment-thread--match")
                text, _hit = highlight_line(
                    text, self.terms, Style(color=match.color, bgcolor=match.bgcolor, bold=True)
                )
            segments.extend(text)
        return Strip(segments).adjust_cell_length(width, base)

    def _header(self, layout: ThreadLayout, index: int, row_style: Style) -> list[Segment]:
        part = self._part
        comment = layout.comments[index]
        author = clean_line(comment.author) or "anonymous"
        op = layout.is_op(index)
        segments = [Segment(author, row_style + part("comment-thread--op" if op else "comment-thread--author"))]
        if op:
            segments.append(Segment(" [OP]", row_style + part("comment-thread--op")))
        when = comment.published if comment.published is not None else comment.first_seen
        age = self._age(when, self._clock())
        segments.append(Segment(f"  {age}", row_style + part("comment-thread--meta")))
        if layout.is_new(index):
            segments.append(Segment("  \u25cf new", row_style + part("comment-thread--new")))
        if comment.depth > layout.indent_cap:
            segments.append(Segment(f"  \u21b3 depth {comment.depth}", row_style + part("comment-thread--meta")))
        return segments
