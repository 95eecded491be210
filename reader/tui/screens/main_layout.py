"""The main screen's panes: which show, how wide, and which has the focus (see layout.py)."""

from __future__ import annotations

from textual.containers import Container
from textual.widgets import Header

from reader.tui.screens.layout import Pane, plan_panes
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList
from reader.tui.widgets.footer import ReaderFooter
from reader.tui.widgets.search_bar import SearchBar

PANES: tuple[Pane, ...] = ("feeds", "articles", "article", "comments")


class LayoutMixin(MainScreenBase):
    """Compose the panes, lay them out for the width and the focus, move between them."""

    def compose(self):  # type: ignore[no-untyped-def]
        """Header, the four panes, the search bar and the footer."""
        clock = self.services.clock
        yield Header(show_clock=False, icon="\u2261")
        with Container(id="panes"):
            yield FeedList(id="feeds")
            yield ArticleList(
                self.store.articles_by_ids, clock=clock, date_format=self.services.config.date_format, id="articles"
            )
            with Container(id="reading"):
                yield ArticleView(id="article")
                yield CommentThread(clock=clock, date_format=self.services.config.date_format, id="comments")
        yield SearchBar(id="search")
        yield ReaderFooter()

    def on_resize(self) -> None:
        """Switch between one pane and side-by-side panes, keeping the selection."""
        self._apply_layout()

    def _focused_pane(self) -> Pane:
        """The pane with the focus (the search bar counts as the list it searches)."""
        focused = self.focused
        for pane in PANES:
            if focused is not None and focused.id == pane:
                return pane
        return self._last_pane

    def _apply_layout(self, focus: Pane | None = None) -> None:
        """Show and size the panes for the width and for what the user is doing (see reader/tui/screens/layout.py).

        ``focus``: the pane about to take the focus (else the one that has it).
        """
        focus = focus or self._focused_pane()
        self._last_pane = focus
        plan = plan_panes(
            self.size.width,
            article_open=self.reading_id is not None,
            focus=focus,
            feeds_wanted=self.feed_list.width_wanted(),
            narrow_pane=self.narrow_pane,
        )
        self.set_class(plan.narrow, "-narrow")
        self.set_class(plan.side_by_side, "-side-by-side")
        self.set_class(not self.show_comments, "-no-comments")
        for pane, width in (("feeds", plan.feeds), ("articles", plan.articles), ("reading", plan.reading)):
            widget = self.query_one(f"#{pane}")
            widget.display = width != 0
            widget.styles.width = width if width else "1fr"
        if plan.narrow:
            self.article_view.display = self.narrow_pane != "comments"
            self.comment_thread.display = self.narrow_pane == "comments"
            focused = self.focused
            active = self.query_one(f"#{self.narrow_pane}")
            if focused is not active and not isinstance(focused, SearchBar):
                active.focus()
        else:
            self.article_view.display = True
            self.comment_thread.display = self.show_comments

    def on_descendant_focus(self) -> None:
        """The focus moved to another pane: the layout follows (the list widens while browsing)."""
        if not self.narrow and self._focused_pane() != self._last_pane:
            self._apply_layout()

    def show_pane(self, pane: Pane) -> None:
        """Bring ``pane`` forward: focus it, and in narrow mode show only it."""
        if pane == "comments" and not self.show_comments:
            self.show_comments = True
        self.narrow_pane = pane
        # Laid out for it first: a hidden widget cannot take the focus.
        self._apply_layout(focus=pane)
        self.query_one(f"#{pane}").focus()

    def next_pane(self, step: int) -> None:
        """Tab and shift+tab: the next (``step`` 1) or previous (-1) pane, at every width.

        The reading panes join the cycle once an article is open (and the
        comments while they are shown), so tab never lands on an empty pane.
        """
        cycle: list[Pane] = ["feeds", "articles"]
        if self.reading_id is not None:
            cycle.append("article")
            if self.show_comments or self.narrow:
                cycle.append("comments")
        current = self._focused_pane()
        position = cycle.index(current) if current in cycle else 0
        self.show_pane(cycle[(position + step) % len(cycle)])

    def _reading_widths(self) -> tuple[int, int]:
        """Text cells of the article and of the comments once an article is open, from the layout plan.

        The panes may be hidden (or about to change size) when an article is
        asked for, so their widths are worked out as the layout will make
        them: the border (2), the article's padding (2) and the scrollbar
        gutter (1) come off. A pane that ends up otherwise re-renders itself.
        """
        width = self.size.width
        plan = plan_panes(
            width,
            article_open=True,
            focus="article",
            feeds_wanted=self.feed_list.width_wanted(),
            narrow_pane="article",
        )
        reading = width if plan.narrow else width - (plan.feeds or 0) - (plan.articles or 0)
        article = reading // 2 if plan.side_by_side else reading
        comments = reading - article if plan.side_by_side else reading
        return max(20, article - 5), max(20, comments - 3)

    def _comment_width(self) -> int:
        thread = self.comment_thread
        width = thread.scrollable_content_region.width
        if width and thread.display and self._last_pane != "feeds":
            return width
        return self._reading_widths()[1]

    def action_toggle_comments(self) -> None:
        """Show or hide the comments (in narrow mode: switch between article and comments)."""
        if self.narrow:
            self.show_pane("article" if self.narrow_pane == "comments" else "comments")
            return
        self.show_comments = not self.show_comments
        self._apply_layout()
        if self.show_comments:
            self.comment_thread.focus()
        elif isinstance(self.focused, CommentThread):
            self.article_view.focus()
