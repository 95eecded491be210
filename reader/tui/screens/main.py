"""The main screen: feeds, articles, the reading pane and comments.

Widgets only draw and announce; this screen decides. Library reads that can
be slow (the id list, an article and its thread, a search) run in thread
workers that post messages back; marks go through the app's
:class:`reader.service.writer.Writer`. Widgets are changed only in the message
handlers, on the UI thread.

Other programs write to the library while it is open (``reader fetch`` from
cron, an import, the screen's own fetch): every :data:`WATCH_INTERVAL` the
screen asks the writer whether anyone else committed, and if so reads the
counts and the list again and shows them without moving the user's place.

The screen is put together from parts, one module each: the shared state
(``main_base``), the panes (``main_layout``), reading (``main_reading``),
marks and unread navigation (``main_marks``), search (``main_search``),
fetch and sync (``main_fetch``), change watching (``main_watch``), links
(``main_links``) and the workers' messages (``main_messages``). This module
keeps the bindings, startup and the list answer, and re-exports the names
other modules import from it.
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.content import Content

from reader.tui.screens.main_base import MainScreenBase, describe_source
from reader.tui.screens.main_discussions import DiscussionsMixin
from reader.tui.screens.main_feeds import FeedsMixin
from reader.tui.screens.main_fetch import FetchMixin
from reader.tui.screens.main_layout import PANES, LayoutMixin
from reader.tui.screens.main_links import THREAD_LINKS_MAX, LinksMixin, link_groups
from reader.tui.screens.main_marks import MarksMixin, mark_all_read_question
from reader.tui.screens.main_messages import (
    ArticleRendered,
    FetchFinished,
    FetchProgressed,
    LibraryChecked,
    LibraryLoaded,
    ListFailed,
    ListLoaded,
    ListRefreshed,
    MarkedAllRead,
    MarkSaved,
    MoreLoaded,
    SyncFinished,
    ThreadLoaded,
    UnreadCounted,
)
from reader.tui.screens.main_reading import (
    ReadingMixin,
    RenderRequest,
    displayed,
    mark_matches,
    search_terms_of,
    thread_title,
)
from reader.tui.screens.main_search import SEARCH_LIMIT, SearchMixin
from reader.tui.screens.main_watch import EMPTY_LIBRARY, WatchMixin, keep_shown
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList, Source

#: The names other modules and the tests import from here (the screen is split over main_*.py).
__all__ = [
    "EMPTY_LIBRARY",
    "PANES",
    "SEARCH_LIMIT",
    "THREAD_LINKS_MAX",
    "WATCH_INTERVAL",
    "ArticleRendered",
    "FetchFinished",
    "FetchProgressed",
    "LibraryChecked",
    "LibraryLoaded",
    "ListFailed",
    "ListLoaded",
    "ListRefreshed",
    "MainScreen",
    "MarkSaved",
    "MarkedAllRead",
    "MoreLoaded",
    "RenderRequest",
    "SyncFinished",
    "ThreadLoaded",
    "UnreadCounted",
    "describe_source",
    "displayed",
    "keep_shown",
    "link_groups",
    "mark_all_read_question",
    "mark_matches",
    "search_terms_of",
    "thread_title",
]

#: Seconds between checks for changes other programs made to the library. A
#: check is one ``PRAGMA data_version`` in the writer's thread (microseconds),
#: so this is about how soon news shows, not about cost: 2 s feels immediate
#: next to a fetch that takes seconds, and wakes an idle reader rarely.
WATCH_INTERVAL = 2.0


class MainScreen(
    LayoutMixin,
    ReadingMixin,
    MarksMixin,
    SearchMixin,
    FetchMixin,
    DiscussionsMixin,
    FeedsMixin,
    WatchMixin,
    LinksMixin,
    MainScreenBase,
):
    """Feed list, article list, reading pane and comments, all by keyboard."""

    BINDINGS = [
        Binding("slash", "search", "Search", id="reader.search"),
        # Only while an article opened from search results is read (see check_action).
        Binding("m", "next_match", "Next match", id="reader.next-match"),
        Binding("M", "previous_match", "Previous match", show=False, id="reader.previous-match"),
        Binding("u", "toggle_unread", "Unread only", id="reader.unread-only"),
        Binding("f", "filter", "Filter", show=False, id="reader.filter"),
        Binding("Q", "save_filter", "Save search or filter", show=False, id="reader.save-filter"),
        Binding("c", "toggle_comments", "Comments", id="reader.comments"),
        Binding("n", "next_unread", "Next unread", show=False, id="reader.next-unread"),
        Binding("p", "previous_unread", "Previous unread", show=False, id="reader.previous-unread"),
        Binding("r", "toggle_read", "Read/unread", show=False, id="reader.toggle-read"),
        Binding("s", "toggle_star", "Star", show=False, id="reader.toggle-star"),
        Binding("o", "open_link", "Open in browser", show=False, id="reader.open-link"),
        Binding("y", "copy_link", "Copy link", show=False, id="reader.copy-link"),
        Binding("L", "links", "Links in article", show=False, id="reader.links"),
        Binding("R", "refresh", "Fetch", id="reader.refresh"),
        Binding("S", "sync", "Sync with server", show=False, id="reader.sync"),
        Binding("C", "fetch_comments", "Fetch comments", show=False, id="reader.fetch-comments"),
        Binding("D", "discussions", "Discussions elsewhere", show=False, id="reader.discussions"),
        Binding("F", "fetch_full_text", "Fetch full text", show=False, id="reader.fetch-full-text"),
        Binding("a", "add_feed", "Add feed", show=False, id="reader.add-feed"),
        Binding("i", "import", "Import file", show=False, id="reader.import"),
        Binding("escape", "back", "Back", show=False, id="reader.back"),
    ]

    def on_mount(self) -> None:
        """Restore the last view and load the library."""
        self.feed_list.border_title = "Feeds"
        self.article_list.border_title = "Articles"
        self.comment_thread.border_title = "Comments"
        saved = self.store.get_setting("ui.source")
        if saved:
            self.source = Source.from_key(saved)
            if self.source.view == "saved" and not self.store.has_saved():
                self.source = Source()  # Saved emptied since (unstarred, or its feed added again)
        self.unread_only = self.store.get_setting("ui.unread-only") == "1"
        self._apply_layout()
        self.article_list.focus()
        last = self.store.get_setting("ui.article")
        self.load_library()
        self.request_list(keep=int(last) if last and last.isdigit() else None, open_kept=True)
        self.set_interval(WATCH_INTERVAL, self._watch_library)
        config = self.services.config
        # Started once the first list is shown (on_list_loaded): a fetch that
        # finished before that list arrived would be hidden by it.
        self._fetch_when_shown = config.refresh_on_start
        if config.refresh_every_minutes:
            self.set_interval(config.refresh_every_minutes * 60, self._scheduled_refresh)

    def on_list_loaded(self, message: ListLoaded) -> None:
        """Show the loaded ids, keeping the selection; an answer to an older request is dropped."""
        if message.request != self._list_request:
            return  # another list (or search) was asked for after this one
        if message.search is not None and not self._search_answered(message.request):
            return  # escape came first
        self._list_shown = message.request
        articles = self.article_list
        self.search_query = message.search
        if message.search is None:
            self._before_search = None
        articles.mixed_feeds = self._mixed_feeds()
        articles.empty_text = self._empty_text()
        articles.set_ids(message.ids, keep=message.keep)
        self.refresh_bindings()
        # Content, not a str: a str border title is parsed as markup, and the
        # label carries a feed's name or a search query ("[/]" would crash).
        articles.border_title = Content(f"{message.label} \u00b7 {len(message.ids)}")
        self.sub_title = message.label
        if message.open_kept and message.keep is not None and articles.article_id == message.keep:
            self.open_article(message.keep, mark_read=False, focus=False)
        if message.open_unread:
            start = -1 if message.open_unread > 0 else len(message.ids)
            found = self._find_unread(start, message.open_unread)
            if found is not None:
                articles.set_cursor(found)
                if articles.article_id is not None:
                    self.open_article(articles.article_id, focus=message.focus_reading)
        if self._fetch_when_shown:
            self._fetch_when_shown = False
            self._scheduled_refresh()
        self._restored = True

    @on(FeedList.Chosen)
    def feed_chosen(self, event: FeedList.Chosen) -> None:
        """Show the chosen view or feed."""
        if event.source != self.source or self.search_query is not None:
            if event.source != self.source:
                # Another feed's list: the article read so far is put away, and the list gets the room.
                self.close_article()
            self.search_query = None
            self.show_source(event.source)
            self.request_list(keep=self.article_list.article_id)
        if event.opened:
            self.show_pane("articles")

    def action_toggle_unread(self) -> None:
        """Show only unread articles, or all again."""
        self.unread_only = not self.unread_only
        self.services.writer.setting("ui.unread-only", "1" if self.unread_only else "0")
        self.search_query = None
        self._before_search = None
        self.request_list(keep=self.article_list.article_id)
        self.notify("Unread articles only." if self.unread_only else "All articles.", timeout=2)

    def action_back(self) -> None:
        """Escape: leave a search, else go back one pane."""
        if self._end_search():
            self.show_pane("articles")
            return
        focused = self.focused
        if isinstance(focused, CommentThread):
            self.show_pane("article")
        elif isinstance(focused, ArticleView):
            self.show_pane("articles")
        elif isinstance(focused, ArticleList):
            self.show_pane("feeds")
