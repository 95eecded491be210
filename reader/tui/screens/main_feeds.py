"""The main screen's subscriptions: add a feed (found from a site's address), import a file, remove, rename, move.

The same services as ``reader add/import/remove/rename/move``
(:mod:`reader.service.subscriptions`, :mod:`reader.service.discover`,
``reader.parse.import_paths``), each run in a thread worker that takes its
inputs as arguments and posts one message back. Questions are small modals:
a line of text (:class:`~reader.tui.screens.ask.AskScreen`), a choice among
the feeds a site offers (:class:`~reader.tui.screens.pick.PickScreen`), and a
yes/no before anything is deleted (:class:`~reader.tui.screens.confirm.ConfirmScreen`).
A feed just added is shown and fetched at once, its progress in the header.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.worker import get_current_worker

from reader.models import FeedRow
from reader.text import plural
from reader.text.sanitize import clean_line, safe_url
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import FeedsChanged, FeedsDiscovered, RemovalCounted
from reader.tui.widgets.feed_list import FeedList, Source

if TYPE_CHECKING:
    from textual.worker import Worker

    from reader.service.discover import FoundFeed


def removal_question(name: str, total: int, starred: int) -> str:
    """``Remove Ars Technica and its 1,204 articles (12 starred, kept under Saved)?``"""
    articles = plural(total, "article").replace(str(total), f"{total:,}", 1)
    kept = f" ({starred:,} starred, kept under Saved)" if starred else ""
    return f"Remove {name} and its {articles}{kept}?"


class FeedsMixin(MainScreenBase):
    """Add, import, remove, rename and move feeds from the reader."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def library_changed(self) -> None: ...
        def run_fetch(self, feed_ids: list[int] | None = None) -> Worker[None]: ...

    _discover_request = 0

    def _feed_row(self, feed_id: int) -> FeedRow | None:
        return next((feed for feed in self._feeds if feed.id == feed_id), None)

    # -- adding ---------------------------------------------------------------

    def action_add_feed(self) -> None:
        """Ask for a site's or a feed's address, find its feeds, subscribe."""
        from reader.tui.screens.ask import AskScreen

        def answered(url: str | None) -> None:
            if not url:
                return
            if safe_url(url) is None:
                shown = clean_line(url)[:80]
                self.notify(f"Not an http:// or https:// address: {shown}", severity="error", markup=False)
                return
            self._discover_request += 1
            self.sub_title = f"Looking for feeds at {clean_line(url)[:80]}\u2026"
            self.run_discover(self._discover_request, url)

        question = AskScreen(
            "Add a feed: the address of a site or of its feed",
            placeholder="https://example.org/",
            hint="enter looks for its feeds \u00b7 escape cancels",
        )
        self.app.push_screen(question, answered)

    @work(thread=True, exclusive=True, group="discover", exit_on_error=False)
    def run_discover(self, request: int, url: str) -> None:
        """Find the feeds ``url`` offers (network: in a thread)."""
        from reader.service.discover import discover_feeds

        discovery = discover_feeds(url, self.services.config)
        if not get_current_worker().is_cancelled:
            self.post_message(FeedsDiscovered(request, discovery))

    def on_feeds_discovered(self, message: FeedsDiscovered) -> None:
        """Subscribe to the one feed found, let the user pick among several, or say why there is none."""
        from reader.tui.screens.pick import PickScreen

        if message.request != self._discover_request:
            return  # another address was given since
        self.sub_title = self.source_label()
        found = message.discovery.feeds
        if not found:
            line = message.discovery.error or "no feed found there"
            self.notify(clean_line(line), severity="error", markup=False, timeout=8)
            return
        if len(found) == 1:
            self._subscribe(found[0])
            return

        def picked(index: int | None) -> None:
            if index is not None:
                self._subscribe(found[index])

        # The title (and what it is) on the first line, the address under it.
        choices = [f"{clean_line(feed.title) or feed.url} ({feed.kind})\n{clean_line(feed.url)}" for feed in found]
        question = f"{clean_line(message.discovery.url)} offers {len(found)} feeds:"
        self.app.push_screen(PickScreen(question, choices), picked)

    def _subscribe(self, feed: FoundFeed) -> None:
        self.sub_title = f"Subscribing to {clean_line(feed.title) or feed.url}\u2026"
        self.run_subscribe(feed.url, feed.title)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_subscribe(self, url: str, title: str) -> None:
        """Subscribe (a write of its own connection, as a command's would be)."""
        from reader.service.subscriptions import SubscriptionError, subscribe

        try:
            with self.services.connection("feeds") as store:
                done = subscribe(store, url, title)
        except (SubscriptionError, OSError, RuntimeError) as error:
            self.post_message(FeedsChanged(f"could not subscribe: {clean_line(str(error))[:160]}", failed=True))
            return
        if not done.created:
            self.post_message(FeedsChanged(f"Already subscribed: {done.title}"))
            return
        self.post_message(FeedsChanged(f"Subscribed to {done.title}; fetching it\u2026", fetch_feed=done.feed_id))

    # -- importing ------------------------------------------------------------

    def action_import(self) -> None:
        """Ask for a file or folder and import it (feeds, OPML, pages, plain-text articles)."""
        from reader.tui.screens.ask import AskScreen

        def answered(path: str | None) -> None:
            if path:
                self.sub_title = f"Importing {clean_line(path)[:80]}\u2026"
                self.run_import(path)

        question = AskScreen(
            "Import a file or folder: a feed, an OPML list, an HTML page or a plain-text article",
            placeholder="~/subscriptions.opml",
            hint="enter imports \u00b7 escape cancels",
        )
        self.app.push_screen(question, answered)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_import(self, typed: str) -> None:
        """Import what ``typed`` names, each file on its own (one bad file is its own line)."""
        from reader.parse import import_paths

        path = Path(typed).expanduser()
        if not path.exists():
            self.post_message(FeedsChanged(f"No such file or folder: {clean_line(typed)[:120]}", failed=True))
            return
        files = failed = added = feeds = 0
        first_error = ""
        with self.services.connection("feeds") as store:
            for outcome in import_paths(store, [path]):
                files += 1
                if outcome.error:
                    failed += 1
                    first_error = first_error or f"{clean_line(outcome.path.name)}: {clean_line(outcome.error)}"
                    continue
                added += outcome.stats.articles_added
                feeds += outcome.stats.feeds_added
        line = (
            f"Imported {files - failed} of {plural(files, 'file')}: "
            f"{plural(added, 'new article')}, {plural(feeds, 'new feed')}"
        )
        if first_error:
            line += f"; {first_error[:120]}"
        self.post_message(FeedsChanged(line, failed=bool(failed) and files == failed))

    # -- remove, rename, move -------------------------------------------------

    @on(FeedList.ManageAsked)
    def manage_asked(self, event: FeedList.ManageAsked) -> None:
        """Remove, rename or move the highlighted feed (a view or a tag is not a feed)."""
        feed = self._feed_row(event.source.feed_id) if event.source.feed_id is not None else None
        if feed is None:
            verbs = {"remove": "remove", "rename": "rename", "move": "change the address of"}
            self.notify(f"Highlight a feed to {verbs[event.action]} it.", timeout=3)
            return
        if event.action == "remove":
            self.count_removal(feed, event.name)
        elif event.action == "rename":
            self._ask_rename(feed, event.name)
        else:
            self._ask_move(feed, event.name)

    @work(thread=True, group="feeds", exit_on_error=False)
    def count_removal(self, feed: FeedRow, name: str) -> None:
        """Count what removing ``feed`` deletes, to ask with the numbers."""
        with self.services.connection("feeds") as store:
            counts = store.feed_counts(feed.id)
        self.post_message(RemovalCounted(feed, name, counts.total, counts.starred))

    def on_removal_counted(self, message: RemovalCounted) -> None:
        """Ask before deleting; nothing changes until yes."""
        from reader.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_remove(message.feed, message.name)

        question = removal_question(message.name, message.total, message.starred)
        self.app.push_screen(ConfirmScreen(question), answered)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_remove(self, feed: FeedRow, name: str) -> None:
        """Unsubscribe; starred articles stay under Saved."""
        from reader.service.subscriptions import unsubscribe

        with self.services.connection("feeds") as store:
            removed = unsubscribe(store, feed)
        kept = f"; {plural(removed.kept, 'starred article')} kept under Saved" if removed.kept else ""
        line = f"Removed {name}: {plural(removed.deleted, 'article')} deleted{kept}"
        self.post_message(FeedsChanged(line, removed_feed=feed.id))

    def _ask_rename(self, feed: FeedRow, name: str) -> None:
        from reader.tui.screens.ask import AskScreen

        def answered(title: str | None) -> None:
            if title is not None:
                self.run_rename(feed, title or None)

        question = AskScreen(
            f"Rename {name}",
            value=name,
            hint="enter renames (fetching keeps it) \u00b7 empty: the feed's own title \u00b7 escape cancels",
        )
        self.app.push_screen(question, answered)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_rename(self, feed: FeedRow, title: str | None) -> None:
        """Give ``feed`` the user's title, or its own back (None)."""
        from reader.service.subscriptions import SubscriptionError, rename

        try:
            with self.services.connection("feeds") as store:
                shown, _queued = rename(store, feed, title)
        except SubscriptionError as error:
            self.post_message(FeedsChanged(clean_line(str(error)), failed=True))
            return
        self.post_message(FeedsChanged(f"Renamed to {shown}" if title else f"Back to its own title: {shown}"))

    def _ask_move(self, feed: FeedRow, name: str) -> None:
        from reader.tui.screens.ask import AskScreen

        def answered(url: str | None) -> None:
            if url and url != feed.url:
                self.run_move(feed, name, url)

        question = AskScreen(
            f"New address for {name} (its articles and marks stay)",
            value=feed.url or "",
            hint="enter moves it \u00b7 escape cancels",
        )
        self.app.push_screen(question, answered)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_move(self, feed: FeedRow, name: str, url: str) -> None:
        """Give ``feed`` a new address; the next fetch reads it there."""
        from reader.service.subscriptions import SubscriptionError, move

        try:
            with self.services.connection("feeds") as store:
                moved, _queued = move(store, feed, url)
        except SubscriptionError as error:
            self.post_message(FeedsChanged(clean_line(str(error)), failed=True))
            return
        self.post_message(FeedsChanged(f"Moved {name} to {moved}", fetch_feed=feed.id))

    # -- afterwards -----------------------------------------------------------

    def on_feeds_changed(self, message: FeedsChanged) -> None:
        """Say what was done; show the library as it is now; fetch a feed just added or moved."""
        self.sub_title = self.source_label()
        if message.failed:
            self.notify(message.line, severity="error", markup=False, timeout=8)
        else:
            self.notify(message.line, markup=False, timeout=5)
        shown_anew = False
        if message.removed_feed is not None and self.source.feed_id == message.removed_feed:
            self._show_source(Source())
            shown_anew = True
        if message.fetch_feed is not None:
            if message.fetch_feed not in {feed.id for feed in self._feeds}:
                # A new feed: shown (empty until its fetch comes back) and highlighted once listed.
                self._show_source(Source("feed", message.fetch_feed))
                shown_anew = True
            if self.fetching:
                self._fetch_after.append(message.fetch_feed)  # the running fetch chose its feeds before
            else:
                self.sub_title = "Fetching\u2026"
                self.run_fetch([message.fetch_feed])
        if shown_anew:
            # The list is being read afresh: a refresh now would keep the old source's rows
            # (``keep_shown`` keeps what was listed) under the new source's title.
            self.load_library()
        else:
            self.library_changed()

    def _show_source(self, source: Source) -> None:
        """List ``source`` (read afresh), dropping any refresh of the list shown until now."""
        self.source = source
        self.services.writer.setting("ui.source", source.key)
        self._refresh_request += 1
        self.request_list()
