"""Read and star marks (saved through the writer), mark all read, and moving from one unread article to the next."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.worker import get_current_worker

from reader.models import ArticleFilter, ArticleRow
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import MarkedAllRead, MarkSaved, UnreadCounted
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList, Source


def mark_all_read_question(source: Source, name: str, count: int) -> str:
    """What the user is asked before ``count`` unread articles of ``source`` (named ``name``) are marked read."""
    articles = f"all {count} unread articles" if count > 1 else "the 1 unread article"
    if source.view in ("all", "unread"):
        return f"Mark {articles} read?"
    if source.view == "starred":
        return f"Mark {articles.replace('unread', 'unread starred')} read?"
    return f"Mark {articles} of {name} read?"


class MarksMixin(MainScreenBase):
    """Mark articles read, unread and starred, and go on to the next unread one."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def library_changed(self) -> None: ...
        def open_article(self, article_id: int, *, mark_read: bool = True, focus: bool = True) -> None: ...

    def action_toggle_read(self) -> None:
        """Mark the article read or unread."""
        row = self._target_row()
        if row is None:
            return
        self._mark(row, read=not row.read)

    def action_toggle_star(self) -> None:
        """Star the article, or remove its star."""
        row = self._target_row()
        if row is None:
            return
        self._mark(row, starred=not row.starred)
        self.notify("Starred." if not row.starred else "Star removed.", timeout=2)

    def _mark(self, row: ArticleRow, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Save a read/star change and show it at once (and over list reloads until it is saved)."""
        changed = replace(
            row, read=row.read if read is None else read, starred=row.starred if starred is None else starred
        )
        self.article_list.update_row(changed)
        self._unsaved[row.id] = changed
        # A message, not call_from_thread: the writer must never wait for the
        # UI thread, which may itself be waiting for the writer (flush, quit).
        self.services.writer.mark(
            [row.id], read=read, starred=starred, then=lambda saved: self._post_from_thread(MarkSaved(changed, saved))
        )

    def _find_unread(self, start: int, step: int) -> int | None:
        """The list position of the next unread article past ``start`` going ``step`` (1 down, -1 up), or None."""
        articles = self.article_list
        ids = articles.ids
        if self.search_query is None:
            return self._find_unread_indexed(start, step)
        # Search results are in the order of their rank, not by date: walk them
        # (at most SEARCH_LIMIT ids, read a page at a time).
        index = start + step
        page = 200
        while 0 <= index < len(ids):
            chunk = ids[index : index + page] if step > 0 else ids[max(0, index - page + 1) : index + 1][::-1]
            rows = {row.id: row for row in self.store.articles_by_ids(chunk)}
            for offset, article_id in enumerate(chunk):
                row = rows.get(article_id)
                if row is not None and not row.read and article_id != self.reading_id:
                    return index + offset * step
            index += page * step
        return None

    def _find_unread_indexed(self, start: int, step: int) -> int | None:
        """:meth:`_find_unread` for a feed, view or tag list: ordered by date, so one indexed query answers.

        An answer the list does not hold (it arrived after the list was
        read) is stepped over; the list shows what it held when it was read.
        """
        articles = self.article_list
        ids = articles.ids
        if 0 <= start < len(ids):
            row = articles.row(start)
            if row is None:
                return None
            after = (row.published, row.id)
        else:
            # Before the first row (going down) or past the last (going up).
            after = (2**62, 2**62) if step > 0 else (-(2**62), -(2**62))
        article_filter = self.article_filter()
        for _ in range(100):
            found = self.store.next_unread(article_filter, after, step, skip=self.reading_id)
            if found is None:
                return None
            index = articles.index_of(found[1])
            if index is not None:
                return index
            after = found
        return None

    def _jump_unread(self, step: int) -> None:
        articles = self.article_list
        start = articles.index_of(self.reading_id) if self.reading_id is not None else None
        found = self._find_unread(start if start is not None else articles.cursor, step)
        if found is None:
            if not self._next_source_with_unread(step):
                self.notify("No more unread articles.", timeout=2)
            return
        articles.set_cursor(found)
        article_id = articles.article_id
        if article_id is not None:
            self.open_article(article_id, focus=isinstance(self.focused, (ArticleView, CommentThread)))

    def _next_source_with_unread(self, step: int) -> bool:
        """At the end of a feed's (or tag's) unread articles, go on to the next one with some, as newsboat does.

        The next row of the same kind (feed or tag) in the feed list's
        order, wrapping around; a feed listed under two tags counts once.
        Views (All, Unread, Starred) and search results already hold every
        unread article they can: there is nowhere to go on to.
        """
        if self.search_query is not None or self.source.view not in ("feed", "tag"):
            return False
        feeds = self.feed_list
        here = feeds.index_of(self.source.key)
        if here is None:
            return False
        kind = "feed:" if self.source.view == "feed" else "tag:"
        count = feeds.row_count
        for offset in range(1, count):
            entry = feeds.rows[(here + offset * step) % count]
            if entry is None or not entry.key.startswith(kind) or entry.unread <= 0:
                continue
            source = Source.from_key(entry.key)
            if source.feed_id is not None and source.feed_id == self.source.feed_id:
                continue
            self.notify(f"No more unread here: on to {entry.name}.", timeout=3, markup=False)
            self.show_source(source)
            self.search_query = None
            feeds.select_source(source)
            focus = isinstance(self.focused, (ArticleView, CommentThread))
            self.request_list(open_unread=step, focus_reading=focus)
            return True
        return False

    def action_next_unread(self) -> None:
        """Read the next unread article."""
        self._jump_unread(+1)

    def action_previous_unread(self) -> None:
        """Read the previous unread article."""
        self._jump_unread(-1)

    @on(ArticleView.EndReached)
    def end_reached(self) -> None:
        """Space at the end of an article: on to the next unread one."""
        self.action_next_unread()

    @on(FeedList.MarkReadAsked)
    def mark_read_asked(self, event: FeedList.MarkReadAsked) -> None:
        """Mark all read: find the source's unread articles first (the question gives their number)."""
        self.count_unread(event.source, event.name, self.filter_for(event.source, unread=True))

    @work(thread=True, exclusive=True, group="mark-all-read", exit_on_error=False)
    def count_unread(self, source: Source, name: str, article_filter: ArticleFilter) -> None:
        """Read which articles of ``source`` are unread, to ask about marking exactly those read."""
        with self.services.connection("list") as store:
            ids = store.article_ids(article_filter)
        # A second press meanwhile asks again: only one question shows.
        if not get_current_worker().is_cancelled:
            self.post_message(UnreadCounted(source, name, ids))

    def on_unread_counted(self, message: UnreadCounted) -> None:
        """Ask whether to mark exactly these unread articles read; nothing changes until yes."""
        from reader.tui.screens.confirm import ConfirmScreen

        ids = message.ids
        if not ids:
            self.notify(f"Nothing unread in {message.name}.", timeout=3, markup=False)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_all_read(ids)

        self.app.push_screen(ConfirmScreen(mark_all_read_question(message.source, message.name, len(ids))), answered)

    def _mark_all_read(self, ids: list[int]) -> None:
        """Mark ``ids`` read through the writer (articles that arrived since the question stay unread)."""
        writer = self.services.writer
        writer.mark(ids, read=True, then=lambda saved: self._post_from_thread(MarkedAllRead(len(ids), saved)))

    def on_marked_all_read(self, message: MarkedAllRead) -> None:
        """The marks are saved (or failed): show the library as it is, keeping the user's place."""
        if message.saved:  # a failure was told by the writer's error notification
            articles = "article" if message.count == 1 else "articles"
            self.notify(f"Marked {message.count} {articles} read.", timeout=3)
        # Rows are read again from the library (a search's results too).
        self.article_list.forget_rows()
        self.library_changed()
