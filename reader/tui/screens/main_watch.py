"""Changes other programs make to the library, and this screen's own: read the counts and the list again.

Every :data:`reader.tui.screens.main.WATCH_INTERVAL` the screen asks the
writer whether anyone else committed, and if so reads the counts and the
list again and shows them without moving the user's place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content

from reader.models import ArticleFilter
from reader.tui.screens.layout import Pane
from reader.tui.screens.main_base import MainScreenBase, describe_source
from reader.tui.screens.main_messages import LibraryChecked, LibraryLoaded, ListRefreshed, MarkSaved
from reader.tui.widgets.feed_list import Source
from reader.tui.widgets.search_bar import SearchBar


def keep_shown(
    shown: Sequence[int], current: list[int], sort_keys: Callable[[list[int]], dict[int, tuple[int, int]]]
) -> list[int]:
    """``current`` (the ids that match now, newest first) plus the ``shown`` ones that no longer match.

    An article read in the unread view (or unstarred in the starred view)
    stays listed until the user leaves the view, as it does when they read
    it, instead of vanishing when another program's write reloads the list.
    ``sort_keys`` gives ``(published, id)`` for ids; ids it does not know are
    gone from the library and are left out.
    """
    present = set(current)
    dropped = [article_id for article_id in shown if article_id not in present]
    if not dropped:
        return current
    # A dropped id goes after the nearest article above it that is still listed...
    after: dict[int | None, list[int]] = {}
    anchor: int | None = None
    for article_id in shown:
        if article_id in present:
            anchor = article_id
        else:
            after.setdefault(anchor, []).append(article_id)
    # ...and, by date, among the newcomers between that article and the next
    # one that was listed before (both lists have the same order).
    old = set(shown)
    segments: list[tuple[int | None, list[int]]] = []
    newcomers: list[int] = []
    anchor = None
    for article_id in current:
        if article_id in old:
            segments.append((anchor, newcomers))
            anchor, newcomers = article_id, []
        else:
            newcomers.append(article_id)
    segments.append((anchor, newcomers))
    keys = sort_keys(dropped + [i for anchor, newcomers in segments if anchor in after for i in newcomers])
    merged: list[int] = []
    for anchor, newcomers in segments:
        if anchor is not None:
            merged.append(anchor)
        if anchor in after:
            block = [i for i in newcomers + after[anchor] if i in keys]
            merged.extend(sorted(block, key=keys.__getitem__, reverse=True))
        else:
            merged.extend(newcomers)
    return merged


#: What an empty library shows in the article list: a first start must not be a dead end.
EMPTY_LIBRARY = """Your library is empty. To start reading, quit (q) and run one of:

  reader add https://example.org/feed.xml
      subscribe to a feed; then R here (or reader fetch) brings its articles
  reader import subscriptions.opml
      the feeds of another reader, from its OPML export
  reader import ~/.newsboat/urls
      newsboat's feeds (its cache.db brings the articles it kept)
  reader demo
      a throwaway library with articles that teach the keys

? lists every key; ctrl+p finds any action by name."""


class WatchMixin(MainScreenBase):
    """Watch the library for changes and show them without moving the user's place."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def _apply_layout(self, focus: Pane | None = None) -> None: ...

    def _watch_library(self) -> None:
        """Every WATCH_INTERVAL: ask whether another program wrote to the library."""
        if self._list_stale:
            self._refresh_list()
        if self._checking:
            return
        self._checking = True
        self.services.writer.check_changed(lambda changed: self._post_from_thread(LibraryChecked(changed)))

    def on_library_checked(self, message: LibraryChecked) -> None:
        """Show what another program stored, if it stored anything."""
        self._checking = False
        if message.changed:
            self.library_changed()

    def library_changed(self) -> None:
        """The library changed underneath: read the counts, and the list unless the user is searching."""
        self.load_library()
        self._list_stale = True
        self._refresh_list()

    def _refresh_list(self) -> None:
        # Not while the user types a search or looks at its results: the list
        # under them must not change. Escape reloads it anyway.
        if self.search_query is not None or self.query_one(SearchBar).is_open:
            return
        if self._list_shown != self._list_request:
            # A list is on its way: it is read after this change, and the rows shown now
            # belong to the list before it (a refresh would keep them under the new title).
            return
        self._list_stale = False
        self._refresh_request += 1
        self.refresh_list(
            self._refresh_request, self.source, self.unread_only, self.article_filter(), self.article_list.ids
        )

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_list(
        self, request: int, source: Source, unread_only: bool, article_filter: ArticleFilter, shown: list[int]
    ) -> None:
        """Read the list of ``source`` again after the library changed, keeping the ``shown`` ids."""
        # Its own connection: a refresh never holds up the user choosing another list.
        with self.services.connection("refresh") as store:
            label = describe_source(store, source, unread_only)
            current = store.article_ids(article_filter)

            def sort_keys(ids: list[int]) -> dict[int, tuple[int, int]]:
                return {row.id: (row.published, row.id) for row in store.articles_by_ids(ids)}

            ids = keep_shown(shown, current, sort_keys)
        self.post_message(ListRefreshed(request, source, unread_only, ids, label))

    def on_list_refreshed(self, message: ListRefreshed) -> None:
        """Show the list as the library now has it, keeping the user's place and focus."""
        current = (self._refresh_request, self.source, self.unread_only)
        if (message.request, message.source, message.unread_only) != current or self.search_query is not None:
            return  # a newer refresh, or the user's own choice of list, wins
        if self.query_one(SearchBar).is_open:
            self._list_stale = True
            return
        articles = self.article_list
        articles.replace_ids(message.ids)
        # The rows are read again; marks still on their way to the disk stay as the user made them.
        for row in self._unsaved.values():
            articles.update_row(row)
        articles.border_title = Content(f"{message.label} \u00b7 {len(message.ids)}")
        if not self.fetching:
            self.sub_title = message.label

    def on_mark_saved(self, message: MarkSaved) -> None:
        """A mark is on disk: reloads may read it from there now, and the counts change.

        A mark that failed is taken back: the row shows what the library holds
        (unless a later change to it is still on its way).
        """
        if self._unsaved.get(message.row.id) is message.row:
            del self._unsaved[message.row.id]
            if not message.saved:
                for stored in self.store.articles_by_ids([message.row.id]):
                    self.article_list.update_row(stored)
        # Counts can wait a moment; an article being opened cannot.
        self.set_timer(0.3, self.load_library)

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        """Fill the feed list (and size its pane to the names)."""
        self._feeds = message.feeds
        self._library_loaded = True
        self._queries = {name: expression for name, expression, _unread in message.queries}
        self.feed_list.set_feeds(
            message.feeds, message.counts, self.source, [(name, unread) for name, _expr, unread in message.queries]
        )
        self.article_list.mixed_feeds = self._mixed_feeds()
        self.article_list.empty_text = self._empty_text()
        self.article_list.refresh()
        self._apply_layout()

    def _empty_text(self) -> str:
        """What the list says when it has nothing to show: for an empty library, how to start."""
        if not self._feeds and self._library_loaded:
            return EMPTY_LIBRARY
        if self.search_query is not None:
            return "Nothing matches. Escape goes back to the list."
        if self.unread_only or self.source.view == "unread":
            return "No unread articles here. u shows all of them."
        if self.source.view == "starred":
            return "No starred articles: s stars the one you are reading."
        return "No articles here."

    def _mixed_feeds(self) -> bool:
        """Whether the list shows articles of more than one feed (else a feed column would repeat one name).

        Read from the feed list's counts, which are at hand: a view or tag
        mixes feeds when more than one of its feeds has articles of the kind
        it shows; a search when the library has articles in more than one feed.
        """
        if self.source.feed_id is not None and self.search_query is None:
            return False
        feeds = self._feeds
        if self.source.view == "tag" and self.source.tag is not None and self.search_query is None:
            feeds = [feed for feed in feeds if self.source.tag in feed.tags]
        unread = (self.unread_only or self.source.view == "unread") and self.search_query is None
        return sum(1 for feed in feeds if (feed.unread if unread else feed.total)) > 1
