"""What every part of the main screen shares: its state, the app and library, the panes, the list request.

The main screen (:mod:`reader.tui.screens.main`) is one class put together
from the parts in ``main_*.py``. Each part subclasses :class:`MainScreenBase`
(a Textual class: Textual registers ``@on`` handlers only on those) and
declares, under ``TYPE_CHECKING``, what it calls in the other parts.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

from textual import work
from textual.message import Message
from textual.screen import Screen

from reader.models import ArticleFilter, ArticleRow, FeedRow, ThreadInfo
from reader.store import Store
from reader.text.errors import error_sentence
from reader.text.sanitize import clean_line
from reader.text.wrap import cut_at_word
from reader.tui.screens.layout import NARROW_BELOW, Pane
from reader.tui.screens.main_messages import LibraryLoaded, ListLoaded
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import SAVED_LABEL, VIEW_LABELS, FeedList, Source, tag_title

if TYPE_CHECKING:
    from reader.tui.services import Services


def describe_source(store: Store, source: Source, unread_only: bool) -> str:
    """How ``source`` is described in the header: a feed's name (and its last error), a view, a tag."""
    if source.feed_id is not None:
        found = store.feed_title(source.feed_id)
        label = clean_line(found[0]) if found else "feed"
        if found and found[1]:
            # The error as a sentence, cut at a word (as `reader feeds` shows it).
            label += f" \u26a0 {cut_at_word(error_sentence(found[1]), 80)}"
    elif source.view == "tag" and source.tag is not None:
        label = tag_title(source.tag)
    elif source.view == "saved":
        label = f"{SAVED_LABEL} (starred articles of removed feeds)"
    elif source.view == "query":
        label = f"Search {clean_line(source.query or '')}"
    else:
        label = VIEW_LABELS.get(source.view, "All articles")
    return label + (" (unread only)" if unread_only and source.view != "unread" else "")


class MainScreenBase(Screen[None]):
    """The main screen's state and what every part of it uses."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        #: The library, its connections and writer, the config, the clock: given, not looked up.
        self.services = services
        #: Fetch, comments and sync: the services the command line uses too.
        self.library = services.library
        self._fetch_when_shown = False
        self.source = Source()
        self.unread_only = False
        self.search_query: str | None = None
        self._before_search: tuple[Source, int | None] | None = None
        self.show_comments = True
        self.narrow_pane: Pane = "articles"
        #: The pane that last had the focus (the layout follows it).
        self._last_pane: Pane = "articles"
        self.reading_id: int | None = None
        #: What is known of each thread of the article read (its source, id, count), in the panel's order.
        self._thread_infos: list[ThreadInfo] = []
        #: The saved searches' filters by name, as the library last said (``LibraryLoaded``).
        self._queries: dict[str, str] = {}
        #: The filter the list is narrowed by (``f``; the filter language), or None.
        self.list_filter: str | None = None
        #: Counts the article openings (and thread reloads): a thread laid out for an earlier one is dropped.
        self._thread_request = 0
        #: Counts the presses of D: an answer to an older one is dropped.
        self._discussion_request = 0
        self._restored = False
        self._render_width = 0
        self._show_when_rendered = False
        #: A change check is queued in the writer (one at a time).
        self._checking = False
        #: The library changed while the list could not be reloaded (a search).
        self._list_stale = False
        self._refresh_request = 0
        #: The last search asked for, and whether its answer is still awaited.
        self._search_request = 0
        #: The newest list (or search) asked for; answers to older ones are dropped.
        self._list_request = 0
        #: The request whose answer the article list shows (behind ``_list_request`` while one is awaited).
        self._list_shown = 0
        self._search_pending = False
        #: Feeds added while a fetch ran (it had chosen its feeds): fetched when it ends.
        self._fetch_after: list[int] = []
        #: The feeds as last loaded (names, counts, tags).
        self._feeds: list[FeedRow] = []
        self._library_loaded = False
        #: Marks the list shows that the writer has not saved yet, by article id.
        self._unsaved: dict[int, ArticleRow] = {}

    @property
    def store(self) -> Store:
        """The UI thread's connection to the library (quick reads only)."""
        return self.services.store

    @property
    def feed_list(self) -> FeedList:
        """The feed list."""
        return self.query_one("#feeds", FeedList)

    @property
    def article_list(self) -> ArticleList:
        """The article list."""
        return self.query_one("#articles", ArticleList)

    @property
    def article_view(self) -> ArticleView:
        """The reading pane."""
        return self.query_one("#article", ArticleView)

    @property
    def comment_thread(self) -> CommentThread:
        """The comments panel."""
        return self.query_one("#comments", CommentThread)

    @property
    def narrow(self) -> bool:
        """True when one pane shows at a time."""
        return self.size.width < NARROW_BELOW

    @property
    def fetching(self) -> bool:
        """True while this screen's fetch runs (its progress is in the header)."""
        return any(w.group == "fetch" and w.is_running for w in self.workers)

    def _post_from_thread(self, message: Message) -> None:
        # RuntimeError: the app has closed while the writer was busy; no one to tell.
        with contextlib.suppress(RuntimeError):
            self.post_message(message)

    def article_filter(self) -> ArticleFilter:
        """The filter for the current source, the unread-only switch and the list's filter (``f``)."""
        base = self.filter_for(self.source, unread=self.unread_only)
        if not self.list_filter:
            return base
        both = [part for part in (base.expression, self.list_filter) if part]
        return replace(base, expression=" and ".join(f"({part})" for part in both))

    def filter_for(self, source: Source, *, unread: bool = False) -> ArticleFilter:
        """The filter that lists ``source`` (only its unread articles with ``unread``)."""
        gone = source.view == "query" and (source.query or "") not in self._queries
        return ArticleFilter(
            unread=unread or source.view == "unread",
            starred=source.view == "starred",
            # A saved search gone since (removed by `reader query remove`) lists nothing: no feed has id 0,
            # which the per-feed index answers at once (a filter that matches nothing walked every article).
            feed_id=0 if gone else source.feed_id,
            tag=source.tag if source.view == "tag" else None,
            saved=source.view == "saved",
            expression=self._queries.get(source.query or "") if source.view == "query" else None,
        )

    def source_label(self, store: Store | None = None) -> str:
        """How the current feed or view is described in the header (``store``: the caller thread's)."""
        return describe_source(store or self.store, self.source, self.unread_only)

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def load_library(self) -> None:
        """Read the feeds and view counts."""
        with self.services.connection("library") as store:
            queries = [(query.name, query.expression, query.unread) for query in store.saved_queries(totals=False)]
            message = LibraryLoaded(store.feeds(), store.counts(), queries)
        self.post_message(message)

    def show_source(self, source: Source) -> None:
        """Make ``source`` the one listed, remembered for the next start (the caller asks for its list)."""
        self.source = source
        self.services.writer.setting("ui.source", source.key)

    def request_list(
        self, keep: int | None = None, open_kept: bool = False, open_unread: int = 0, focus_reading: bool = False
    ) -> None:
        """Ask for the article list of the current source; only the answer to the newest request is shown.

        A refresh of the list shown until now is dropped: it would keep that
        list's rows (``keep_shown``) under the new source's title.
        """
        self._list_request += 1
        self._refresh_request += 1
        self.load_list(
            self._list_request,
            self.source,
            self.unread_only,
            self.article_filter(),
            keep,
            list_filter=self.list_filter,
            open_kept=open_kept,
            open_unread=open_unread,
            focus_reading=focus_reading,
        )

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def load_list(
        self,
        request: int,
        source: Source,
        unread_only: bool,
        article_filter: ArticleFilter,
        keep: int | None,
        *,
        open_kept: bool = False,
        open_unread: int = 0,
        focus_reading: bool = False,
        list_filter: str | None = None,
    ) -> None:
        """Read the ordered article ids of ``source`` (everything it needs comes as arguments)."""
        with self.services.connection("list") as store:
            label = describe_source(store, source, unread_only)
            if list_filter:
                label += f" \u00b7 filter {cut_at_word(clean_line(list_filter), 60)}"
            ids = store.article_ids(article_filter)
        self.post_message(
            ListLoaded(
                ids, keep, label, open_kept, open_unread=open_unread, focus_reading=focus_reading, request=request
            )
        )

    def _target_row(self) -> ArticleRow | None:
        """The article an action applies to: the one being read when the reading pane has focus."""
        articles = self.article_list
        focused = self.focused
        if isinstance(focused, (ArticleView, CommentThread)) and self.reading_id is not None:
            index = articles.index_of(self.reading_id)
            if index is not None:
                return articles.row(index)
            rows = self.store.articles_by_ids([self.reading_id])
            return rows[0] if rows else None
        return articles.row(articles.cursor)
