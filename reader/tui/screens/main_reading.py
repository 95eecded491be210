"""The main screen's reading panes: an article and its comment thread, read and rendered in workers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.content import Content
from textual.dom import DOMNode
from textual.widget import Widget

from reader.models import ArticleDetail, ArticleRow, CommentRow, ThreadInfo, source_label
from reader.text.render import opening_html, readable_markdown
from reader.text.sanitize import clean_line
from reader.text.search import InvalidSearchError, SearchTerm, search_terms
from reader.text.threads import ThreadLayout
from reader.tui.screens.layout import Pane
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import ArticleRendered, MoreLoaded, ThreadLoaded
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView, render_article, theme_styles
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.highlight import highlight_line


@dataclass(frozen=True)
class RenderRequest:
    """How to render an article: for which pane width, theme and background."""

    article_id: int
    width: int
    styles: dict[str, str]
    base: Style
    #: The search the article was opened from: its matches are highlighted (empty: none).
    query: str | None = None
    #: Which opening of an article this is: a thread laid out for an earlier one is dropped.
    sequence: int = 0


def search_terms_of(query: str | None) -> list[SearchTerm]:
    """The terms to highlight for ``query`` (none without one; a query with nothing to search for has none)."""
    return search_terms(query) if query else []


def mark_matches(lines: list[list[Segment]], terms: list[SearchTerm], styles: dict[str, str]) -> list[int]:
    """Lay the match style over the search's matches in rendered lines (in place); the lines that had any."""
    if not terms:
        return []
    style = Style.parse(styles["search.match"])
    found = []
    for number, line in enumerate(lines):
        marked, hit = highlight_line(line, terms, style)
        if hit:
            lines[number] = marked
            found.append(number)
    return found


def displayed(widget: Widget) -> bool:
    """Whether ``widget`` and every container around it are set to display (as the layout just left them)."""
    node: DOMNode | None = widget
    while isinstance(node, Widget):
        if not node.display:
            return False
        node = node.parent
    return True


def thread_title(count: int, source_total: int | None, new: int) -> str:
    """The comments panel's title: the count stored, the source's own when it says more, and the new ones.

    ``Comments · 199 of 7,727 · 3 new``: Reddit and Hacker News leave most
    of a big thread out of one answer, so the stored count alone misleads.
    """
    if not count:
        title = "Comments"
    elif source_total is not None and source_total > count:
        title = f"Comments \u00b7 {count:,} of {source_total:,}"
    else:
        title = f"Comments \u00b7 {count:,}"
    return title + (f" \u00b7 {new} new" if new else "")


class ReadingMixin(MainScreenBase):
    """Open, render and close an article and its comment thread."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def _apply_layout(self, focus: Pane | None = None) -> None: ...
        def show_pane(self, pane: Pane) -> None: ...
        def _reading_widths(self) -> tuple[int, int]: ...
        def _comment_width(self) -> int: ...
        def _mark(self, row: ArticleRow, *, read: bool | None = None, starred: bool | None = None) -> None: ...

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def load_article(self, request: RenderRequest, comment_width: int) -> None:
        """Read an article and its thread: first screen, then (once it is painted) the rest."""
        with self.services.connection("article") as store:
            stored = store.article(request.article_id)
        if stored is None:
            return
        # A long article's first screen is made from the start of its HTML
        # (html2text costs ~15 ms for 50 KB); the whole of it comes after.
        url = stored.article.url
        opening = opening_html(stored.html) if stored.html else None
        detail = replace(stored, text=readable_markdown(opening or stored.html, stored.text, url))
        terms = search_terms_of(request.query)
        lines, more = render_article(detail, request.width, request.styles, base=request.base, first_screen=True)
        found = mark_matches(lines, terms, request.styles)
        if opening is not None:
            more = True
            detail = replace(stored, text=readable_markdown(stored.html, stored.text, url))
        painted = threading.Event()
        self.post_message(ArticleRendered(detail, lines, not more, request.width, painted=painted, match_lines=found))
        # Let the UI thread paint the first screen before this thread competes
        # with it for the interpreter lock.
        painted.wait(0.5)
        layouts = self._thread_layouts(detail, comment_width)
        match_ids: list[int] = []
        in_article = True
        if terms and request.query:
            try:
                with self.services.connection("article") as store:
                    hits = store.search_hits(request.article_id, request.query)
                match_ids, in_article = hits.comment_ids, hits.in_article
            except InvalidSearchError:
                pass  # the words are still highlighted; the thread must show whatever happens
        # Opened from a search: the thread of the first matching comment; else the first thread.
        wanted = set(match_ids)
        index = next((n for n, layout in enumerate(layouts) if any(c.id in wanted for c in layout.comments)), 0)
        loaded = self._loaded(request.article_id, detail, layouts, index, sequence=request.sequence)
        loaded.terms, loaded.match_ids, loaded.in_article = terms, match_ids, in_article
        self.post_message(loaded)
        if more:
            lines, _ = render_article(detail, request.width, request.styles, base=request.base)
            found = mark_matches(lines, terms, request.styles)
            self.post_message(ArticleRendered(detail, lines, complete=True, width=request.width, match_lines=found))

    def _thread_layouts(self, detail: ArticleDetail, width: int, *, collapse: bool = True) -> list[ThreadLayout]:
        """Each of the article's threads laid out for ``width`` (in a worker: 2,000 comments are not for the UI thread).

        A comment is new when it came after the user last read its own thread.
        Comments of no known thread (rows made by hand) make one more.
        """
        config = self.services.config
        groups: dict[int | None, list[CommentRow]] = {thread.id: [] for thread in detail.threads}
        for comment in detail.comments:
            groups.setdefault(comment.thread_id, []).append(comment)
        seen_by_thread: dict[int | None, int | None] = {thread.id: thread.seen for thread in detail.threads}
        layouts = []
        for thread_id, comments in groups.items():
            seen = seen_by_thread.get(thread_id, detail.comments_seen)
            new_ids = [c.id for c in comments if seen is not None and c.first_seen > seen and c.kind == "comment"]
            layout = ThreadLayout(
                comments, op_author=detail.article.author, new_ids=new_ids, indent_cap=config.comments_depth_cap
            )
            if collapse and config.comments_collapse_replies:
                layout.collapse_all()
            layout.set_width(width)
            layout.lines  # noqa: B018 - lay out here, in the worker, not on the UI thread
            layouts.append(layout)
        return layouts

    @staticmethod
    def _loaded(
        article_id: int,
        detail: ArticleDetail,
        layouts: list[ThreadLayout],
        index: int,
        cursor: int | None = None,
        *,
        sequence: int,
    ) -> ThreadLoaded:
        """The message that shows ``layouts[index]`` (an empty layout when the article has no thread)."""
        infos = list(detail.threads)
        if len(layouts) > len(infos):  # comments of no known thread: shown under the article's own name
            infos.append(ThreadInfo.unknown())
        index = min(index, max(len(layouts) - 1, 0))
        source_total = infos[index].source_count if infos and len(layouts) > 1 else detail.source_comment_count
        return ThreadLoaded(
            article_id,
            threads=layouts,
            infos=infos[: len(layouts)],
            index=index,
            source_total=source_total,
            cursor=cursor,
            sequence=sequence,
        )

    @work(thread=True, exclusive=True, group="more", exit_on_error=False)
    def load_more(self, article_id: int, comment_id: int) -> None:
        """Fetch the replies behind a placeholder row (Reddit's morechildren), then show the thread again."""
        try:
            result = self.library.fetch_more_replies(comment_id)
        except Exception as error:  # one line, never a crash
            self.post_message(MoreLoaded(article_id, 0, f"loading replies failed: {clean_line(str(error))[:160]}"))
            return
        self.post_message(MoreLoaded(article_id, result.added, result.error))

    @work(thread=True, exclusive=True, group="thread", exit_on_error=False)
    def reload_thread(self, article_id: int, width: int, cursor: int, index: int = 0, *, sequence: int) -> None:
        """Read and lay out an article's threads again (replies added in place), keeping thread ``index`` and row."""
        with self.services.connection("article") as store:
            detail = store.article(article_id)
        if detail is None:
            return
        layouts = self._thread_layouts(detail, width, collapse=False)
        self.post_message(self._loaded(article_id, detail, layouts, index, cursor, sequence=sequence))

    @work(thread=True, exclusive=True, group="render", exit_on_error=False)
    def rerender(self, detail: ArticleDetail, request: RenderRequest) -> None:
        """Render the shown article again for a new width."""
        lines, _ = render_article(detail, request.width, request.styles, base=request.base)
        found = mark_matches(lines, search_terms_of(request.query), request.styles)
        self.post_message(ArticleRendered(detail, lines, complete=True, width=request.width, match_lines=found))

    def render_request(self, article_id: int) -> RenderRequest:
        """What a worker needs to render an article for the reading pane as it is now."""
        view = self.article_view
        width = view.text_width
        if not view.size.width or not view.display or self._last_pane == "feeds":
            # Hidden until the article shows: as wide as the layout will make it.
            width = self._reading_widths()[0]
        return RenderRequest(
            article_id, width, theme_styles(self.app.theme_variables), view.rich_style, query=self.search_query
        )

    def on_article_rendered(self, message: ArticleRendered) -> None:
        """Show a rendered article (ignoring results for one no longer being read)."""
        if message.detail.article.id != self.reading_id:
            if message.painted is not None:
                message.painted.set()
            return
        view = self.article_view
        view.show_lines(
            message.detail, message.lines, keep_scroll=True, match_lines=message.match_lines, painted=message.painted
        )
        view.border_title = Content(clean_line(message.detail.article.feed))
        if self._show_when_rendered:
            self._show_when_rendered = False
            self.show_pane("article")
        if message.painted is not None and not displayed(view):
            # Not drawn (one pane at a time, another one showing; the feed
            # pane in front): the worker need not wait for a paint that won't come.
            message.painted.set()
        # Rendered for a width the pane no longer has (it was hidden, or resized
        # meanwhile): render again for the real one.
        if message.complete and view.text_width != message.width:
            self.reading_width_changed()

    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        """Show the comments of the article being read."""
        if message.article_id != self.reading_id or message.sequence != self._thread_request:
            return  # another article, or this one opened again since: a later answer is coming
        threads = message.threads or [ThreadLayout([])]  # no comments: the panel says so
        thread = self.comment_thread
        empty = "No comments stored for this article."
        thread.show_threads(message.article_id, threads, message.index, empty, cursor=message.cursor)
        self._thread_infos = message.infos
        self.query_one("#reading").set_class(not any(len(each) for each in threads), "-empty-thread")
        title = self._threads_title(message.source_total)
        thread.border_title = title
        if message.terms:
            thread.set_matches(message.terms, message.match_ids)
            if message.match_ids:
                matches = len(message.match_ids)
                thread.border_title = title + f" \u00b7 {matches} match" + ("es" if matches > 1 else "")
                # Found only through its comments: the comments are what the user is looking for.
                if not message.in_article and isinstance(self.focused, ArticleView):
                    self.show_pane("comments")
        if threads[min(message.index, len(threads) - 1)].comment_count:
            self._thread_seen(message.article_id, message.index)

    def _thread_seen(self, article_id: int, index: int) -> None:
        """Remember that the user read thread ``index`` of the article now (its newer comments are new)."""
        infos = self._thread_infos
        thread_id = infos[index].id if index < len(infos) and infos[index].id else None
        self.services.writer.thread_seen(article_id, self.services.clock(), thread_id)

    def _threads_title(self, source_total: int | None) -> Content | str:
        """The panel's title: with one thread, its count (and the source's own, and the new ones); with
        several, every thread and its count, the shown one marked, then the shown one's new comments."""
        panel = self.comment_thread
        infos, layouts, index = self._thread_infos, panel.threads, panel.thread_index
        shown = layouts[index] if index < len(layouts) else panel.layout_model
        count = shown.comment_count if shown is not None else 0
        new = len(shown.new_ids) if shown is not None else 0
        if len(layouts) < 2 or len(infos) != len(layouts):
            return thread_title(count, source_total, new)
        parts: list[str | tuple[str, str]] = []
        for n, (info, layout) in enumerate(zip(infos, layouts, strict=True)):
            if parts:
                parts.append(" \u00b7 ")
            label = f"{source_label(info.source)} {layout.comment_count:,}"
            parts.append((label, "bold reverse") if n == index else label)
        if new:
            parts.append(f" \u00b7 {new} new")
        return Content.assemble(*parts)

    @on(CommentThread.ThreadSwitched)
    def thread_switched(self, event: CommentThread.ThreadSwitched) -> None:
        """Another thread shown: name it in the title, and count it as read now."""
        if event.article_id != self.reading_id:
            return
        panel = self.comment_thread
        infos = self._thread_infos
        source_total = infos[event.index].source_count if event.index < len(infos) else None
        panel.border_title = self._threads_title(source_total)
        self.query_one("#reading").set_class(not len(panel.threads[event.index]), "-empty-thread")
        if panel.threads[event.index].comment_count:
            self._thread_seen(event.article_id, event.index)

    @on(CommentThread.MoreRequested)
    def more_requested(self, event: CommentThread.MoreRequested) -> None:
        """Enter on "load N more replies": fetch them in the background."""
        self.notify("Loading replies\u2026", timeout=2)
        self.load_more(event.article_id, event.comment_id)

    def on_more_loaded(self, message: MoreLoaded) -> None:
        """Say what loading replies brought, and show them where the placeholder was."""
        if message.error:
            self.notify(message.error, severity="warning", markup=False, timeout=6)
            return
        replies = "reply" if message.added == 1 else "replies"
        self.notify(f"{message.added} {replies} loaded.", timeout=3)
        thread = self.comment_thread
        if message.article_id == self.reading_id == thread.article_id:
            self._thread_request += 1
            self.reload_thread(
                message.article_id,
                self._comment_width(),
                thread.cursor,
                thread.thread_index,
                sequence=self._thread_request,
            )

    @on(ArticleList.Opened)
    def article_opened(self, event: ArticleList.Opened) -> None:
        """Read the chosen article."""
        self.open_article(event.article_id)

    def close_article(self) -> None:
        """Put the article away: the reading pane empties and, on a wide screen, steps aside."""
        if self.reading_id is None:
            return
        self.reading_id = None
        self._show_when_rendered = False
        self.article_view.show_placeholder("Select an article and press Enter to read it.")
        self.article_view.border_title = None
        self.comment_thread.clear_thread("No comments.")
        self.query_one("#reading").set_class(False, "-empty-thread")
        self.comment_thread.border_title = "Comments"
        self._apply_layout()

    def open_article(self, article_id: int, *, mark_read: bool = True, focus: bool = True) -> None:
        """Show an article (and its comments); reading it marks it read."""
        opening = self.reading_id is None
        self.reading_id = article_id
        self.refresh_bindings()
        if opening and not focus:
            # The reading pane comes out now (the list narrows); with the focus
            # it comes out with the rendered article, in one repaint (laid out
            # at once, the empty pane was a frame of its own: 63 ms to the
            # article's first paint instead of 54).
            self._apply_layout()
        self._thread_request += 1
        request = replace(self.render_request(article_id), sequence=self._thread_request)
        self._render_width = request.width
        self.load_article(request, self._comment_width())
        self.services.writer.setting("ui.article", str(article_id))
        if mark_read:
            row = self.article_list.row(self.article_list.cursor)
            if row is not None and row.id == article_id and not row.read:
                self._mark(row, read=True)
        # The pane switch waits for the article: one repaint instead of two.
        self._show_when_rendered = focus

    @on(ArticleView.WidthChanged)
    def reading_width_changed(self) -> None:
        """Re-render the article for the reading pane's new width."""
        view = self.article_view
        if view.detail is not None and view.text_width != self._render_width:
            self._render_width = view.text_width
            self.rerender(view.detail, self.render_request(view.detail.article.id))
