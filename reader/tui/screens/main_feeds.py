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

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from reader.models import FeedRow
from reader.store import Store
from reader.text import plural
from reader.text.sanitize import clean_line, safe_url
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import FeedsChanged, FeedsDiscovered, RemovalCounted, SettingsRead
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
        def run_fetch(self, feed_ids: list[int] | None = None, every_feed: bool = False) -> Worker[None]: ...

    _discover_request = 0

    def _in_library(self, what: str, change: Callable[[Store], Message]) -> None:
        """Run ``change`` (in a worker) on the feeds' connection and post its answer.

        Any failure is one line saying what could not be done: a refusal
        (``SubscriptionError``), the library busy for too long, read-only or
        full, or what nobody foresaw; the header never stays on "…ing".
        """
        try:
            with self.services.connection("feeds") as store:
                message = change(store)
        except Exception as error:  # one change, one failure, never a crash
            message = FeedsChanged(f"Could not {what}: {clean_line(str(error))[:160]}", failed=True)
        self.post_message(message)

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
        from reader.service.subscriptions import subscribe

        def change(store: Store) -> Message:
            done = subscribe(store, url, title)
            if not done.created:
                return FeedsChanged(f"Already subscribed: {done.title}")
            return FeedsChanged(f"Subscribed to {done.title}; fetching it\u2026", fetch_feed=done.feed_id)

        self._in_library("subscribe", change)

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

        def change(store: Store) -> Message:
            files = failed = added = feeds = 0
            first_error = ""
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
            return FeedsChanged(line, failed=bool(failed) and files == failed)

        self._in_library("import", change)

    # -- remove, rename, move -------------------------------------------------

    @on(FeedList.ManageAsked)
    def manage_asked(self, event: FeedList.ManageAsked) -> None:
        """Remove, rename or move the highlighted feed (a view or a tag is not a feed)."""
        feed = self._feed_row(event.source.feed_id) if event.source.feed_id is not None else None
        if feed is None:
            verbs = {
                "remove": "remove it",
                "rename": "rename it",
                "move": "change its address",
                "settings": "change its settings",
            }
            self.notify(f"Highlight a feed to {verbs[event.action]}.", timeout=3)
            return
        if event.action == "remove":
            self.count_removal(feed, event.name)
        elif event.action == "rename":
            self._ask_rename(feed, event.name)
        elif event.action == "settings":
            self.read_settings(feed, event.name)
        else:
            self._ask_move(feed, event.name)

    @work(thread=True, group="feeds", exit_on_error=False)
    def read_settings(self, feed: FeedRow, name: str) -> None:
        """Read the feed's settings as ``key=value`` words, to ask with them."""
        from reader.service.subscriptions import settings_line

        self._in_library("read its settings", lambda store: SettingsRead(feed, name, settings_line(store, feed.id)))

    def on_settings_read(self, message: SettingsRead) -> None:
        """Ask for the settings as a line of ``key=value`` words, the current ones filled in."""
        from reader.tui.screens.ask import AskScreen

        def answered(line: str | None) -> None:
            if line is not None and line.split() != message.line.split():
                self.run_settings(message.feed, message.name, line.split())

        question = AskScreen(
            f"Settings of {message.name}",
            value=message.line,
            hint="refresh=default|every|auto|2h · items=N|all · full_text=on|off · discussions=on|off"
            " · enter saves · escape cancels",
            from_start=True,
        )
        self.app.push_screen(question, answered)

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_settings(self, feed: FeedRow, name: str, words: list[str]) -> None:
        """Apply the settings typed (all or none; a mistake is one line)."""
        from reader.service.subscriptions import change_settings, settings_line

        def change(store: Store) -> Message:
            removed = change_settings(store, feed.id, words)
            gone = f"; {plural(removed, 'older article')} removed (starred ones kept)" if removed else ""
            return FeedsChanged(f"Settings of {name}: {settings_line(store, feed.id)}{gone}")

        self._in_library("change its settings", change)

    @work(thread=True, group="feeds", exit_on_error=False)
    def count_removal(self, feed: FeedRow, name: str) -> None:
        """Count what removing ``feed`` deletes, to ask with the numbers."""

        def count(store: Store) -> Message:
            counts = store.feed_counts(feed.id)
            return RemovalCounted(feed, name, counts.total, counts.starred)

        self._in_library("count its articles", count)

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

        def change(store: Store) -> Message:
            removed = unsubscribe(store, feed)
            kept = f"; {plural(removed.kept, 'starred article')} kept under Saved" if removed.kept else ""
            return FeedsChanged(
                f"Removed {name}: {plural(removed.deleted, 'article')} deleted{kept}", removed_feed=feed.id
            )

        self._in_library(f"remove {name}", change)

    def _ask_rename(self, feed: FeedRow, name: str) -> None:
        from reader.tui.screens.ask import AskScreen

        def answered(title: str | None) -> None:
            # Enter on the name as it was is no rename (it would pin the title against fetches).
            if title is not None and title != name:
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
        from reader.service.subscriptions import rename

        def change(store: Store) -> Message:
            shown, _queued = rename(store, feed, title)
            return FeedsChanged(f"Renamed to {shown}" if title else f"Back to its own title: {shown}")

        self._in_library("rename", change)

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
        from reader.service.subscriptions import move

        def change(store: Store) -> Message:
            moved, _queued = move(store, feed, url)
            return FeedsChanged(f"Moved {name} to {moved}", fetch_feed=feed.id)

        self._in_library(f"move {name}", change)

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
                self.notify("It is fetched as soon as the fetch under way ends.", markup=False, timeout=4)
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
        """List ``source`` (read afresh; ``request_list`` drops any refresh of the list shown until now)."""
        self.show_source(source)
        self.request_list()
