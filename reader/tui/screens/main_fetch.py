"""The main screen's fetch, comment fetch and sync: workers that report back in messages, and their handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from reader.text import plural
from reader.text.sanitize import clean_line
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import FetchFinished, FetchProgressed, FullTextFetched, SyncFinished

if TYPE_CHECKING:
    from reader.service.fetch import Progress


class FetchMixin(MainScreenBase):
    """Fetch feeds or one article's comments, sync with a server, and say how it went."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def library_changed(self) -> None: ...
        def open_article(self, article_id: int, *, mark_read: bool = True, focus: bool = True) -> None: ...

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def run_fetch(self, feed_ids: list[int] | None = None, every_feed: bool = False) -> None:
        """Fetch the due feeds (every one with ``every_feed``, or ``feed_ids``); progress and outcome as messages."""

        def report(progress: Progress) -> None:
            self.post_message(FetchProgressed(progress))

        try:
            summary = self.library.fetch(feed_ids, progress=report, every_feed=every_feed)
        except Exception as error:  # a fetch that cannot run is reported, never a crash
            self.post_message(FetchFinished(None, f"fetch failed: {clean_line(str(error))[:160]}"))
            return
        self.post_message(FetchFinished(summary))

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def run_fetch_comments(self, article_id: int) -> None:
        """Fetch one article's thread now."""
        try:
            outcome = self.library.fetch_comments([article_id])
        except Exception as error:
            self.post_message(FetchFinished(None, f"fetching comments failed: {clean_line(str(error))[:160]}"))
            return
        self.post_message(FetchFinished(outcome.summary, article_id=article_id, no_source=bool(outcome.without_source)))

    def on_fetch_progressed(self, message: FetchProgressed) -> None:
        """Show how far a fetch has got."""
        p = message.progress
        if p.phase == "feeds":
            self.sub_title = (
                f"Fetching {p.feeds_done}/{p.feeds_total} feeds · {p.new_articles} new · {plural(p.errors, 'error')}"
            )
        elif p.phase == "comments":
            self.sub_title = f"Fetching comments {p.threads_done}/{p.threads_total} · {p.comments} new"
        else:
            self.sub_title = f"Fetching article pages · {p.pages}"

    def on_fetch_finished(self, message: FetchFinished) -> None:
        """Say what a fetch brought, and show it; then fetch the feeds added while it ran."""
        self.sub_title = self.source_label()
        self._fetch_waiting()
        if message.summary is None or message.summary.error:
            error = message.summary.error if message.summary is not None else message.error
            self.notify(error or "fetch failed", severity="error", markup=False)
            if message.summary is not None:
                self.library_changed()  # what came before the library failed is shown
            return
        summary = message.summary
        if message.article_id is not None:
            if message.no_source:
                text = "No known comment source for this article; its discussion link is kept."
            else:
                text = plural(summary.comments, "new comment")
            for error in summary.thread_errors:
                text = error
            self.notify(text, markup=False, severity="warning" if summary.thread_errors else "information")
            if message.article_id == self.reading_id:
                self.open_article(message.article_id, mark_read=False, focus=False)
            return
        failed = summary.failed
        text = (
            f"{plural(len(summary.feeds), 'feed')}: {plural(summary.new_articles, 'new article')}, "
            f"{plural(summary.comments, 'new comment')}"
        )
        if failed:
            text += f"; {len(failed)} failed (see the feed list)"
        if summary.not_due:
            text += f"; {summary.not_due} not due yet (R fetches every feed)"
        self.notify(text, markup=False, severity="warning" if failed else "information", timeout=6)
        if summary.notify_error:
            self.notify(summary.notify_error, markup=False, severity="warning", timeout=8)
        # As for another program's fetch: the user stays where they are.
        self.library_changed()

    def action_sync(self) -> None:
        """Sync with the configured server (reader sync setup) in the background."""
        if self.fetching:
            self.notify("Already fetching or syncing.", timeout=2)
            return
        self.sub_title = "Syncing…"
        self.run_sync()

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def run_sync(self) -> None:
        """Sync, then report in one line (the password comes from the environment or a command)."""
        from reader.service.sync import SyncError

        try:
            summary = self.library.sync()
        except SyncError as error:
            self.post_message(SyncFinished(f"sync: {clean_line(str(error))[:200]}", failed=True))
            return
        except Exception as error:  # a sync that breaks is reported, never a crash
            self.post_message(SyncFinished(f"sync failed: {clean_line(str(error))[:160]}", failed=True))
            return
        self.post_message(SyncFinished(summary.line()))

    def on_sync_finished(self, message: SyncFinished) -> None:
        """Say how the sync went and show what it brought, keeping the user's place."""
        self.sub_title = self.source_label()
        self._fetch_waiting()
        self.notify(message.line, markup=False, severity="error" if message.failed else "information", timeout=8)
        if not message.failed:
            self.library_changed()

    def _fetch_waiting(self) -> None:
        """Fetch the feeds added while a fetch or sync ran (it had chosen its feeds before)."""
        if self._fetch_after:
            waiting, self._fetch_after = self._fetch_after, []
            self.call_after_refresh(self.run_fetch, waiting)

    def action_refresh(self) -> None:
        """Fetch every feed in the background, now: asked for, whatever the feeds' refresh intervals."""
        if self.fetching:
            self.notify("Already fetching.", timeout=2)
            return
        self.sub_title = "Fetching…"
        self.run_fetch(every_feed=True)

    def action_fetch_comments(self) -> None:
        """Fetch the comments of the article being read (or the highlighted one)."""
        row = self._target_row()
        if row is None:
            return
        self.notify("Fetching comments…", timeout=2)
        self.run_fetch_comments(row.id)

    def action_fetch_full_text(self) -> None:
        """Fetch the web page of the article being read (or the highlighted one) for its main text."""
        row = self._target_row()
        if row is None:
            return
        self.notify("Fetching the article's page\u2026", timeout=2)
        self.run_fetch_full_text(row.id)

    @work(thread=True, group="full-text", exit_on_error=False)
    def run_fetch_full_text(self, article_id: int) -> None:
        """Fetch one article's page now; one line says how it went."""
        try:
            outcome = self.library.fetch_full_text([article_id])
        except Exception as error:  # a page that cannot be fetched is reported, never a crash
            self.post_message(FullTextFetched(article_id, f"full text failed: {clean_line(str(error))[:160]}", True))
            return
        summary = outcome.summary
        if outcome.without_link:
            line, failed = "This article has no link to fetch.", True
        elif summary.error or summary.page_errors:
            line, failed = clean_line(summary.error or summary.page_errors[0])[:200], True
        else:
            line, failed = "Full text fetched.", False
        self.post_message(FullTextFetched(article_id, line, failed))

    def on_full_text_fetched(self, message: FullTextFetched) -> None:
        """Say how it went; show the full text if the article is open."""
        if message.failed:
            self.notify(message.line, severity="warning", markup=False)
            return
        self.notify(message.line, markup=False, timeout=3)
        if message.article_id == self.reading_id:
            self.open_article(message.article_id, mark_read=False, focus=False)

    def _scheduled_refresh(self) -> None:
        """The timer's fetch (and refresh.on_start): the feeds that are due, as `reader fetch` takes them.

        It waits its turn quietly instead of saying "Already fetching".
        """
        if not self.fetching:
            self.sub_title = "Fetching…"
            self.run_fetch()
