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
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from rich.segment import Segment
from rich.style import Style
from textual import on, work
from textual.binding import Binding
from textual.containers import Container
from textual.content import Content
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header
from textual.worker import get_current_worker

from reader.models import ArticleDetail, ArticleFilter, ArticleRow, FeedRow
from reader.store import Store
from reader.text.render import opening_html, readable_markdown
from reader.text.sanitize import clean_line, safe_url
from reader.text.search import InvalidSearchError, SearchTerm, search_terms
from reader.text.thread_view import ThreadLayout
from reader.tui.screens.layout import NARROW_BELOW, Pane, plan_panes
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView, article_links, render_article, theme_styles
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import VIEW_LABELS, FeedList, Source, tag_title
from reader.tui.widgets.footer import ReaderFooter
from reader.tui.widgets.highlight import highlight_line
from reader.tui.widgets.link_list import LinkGroup
from reader.tui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from reader.service.fetch import FetchSummary, Progress
    from reader.service.library import Library
    from reader.tui.app import ReaderApp

SEARCH_LIMIT = 1000
PANES: tuple[Pane, ...] = ("feeds", "articles", "article", "comments")
#: Seconds between checks for changes other programs made to the library. A
#: check is one ``PRAGMA data_version`` in the writer's thread (microseconds),
#: so this is about how soon news shows, not about cost: 2 s feels immediate
#: next to a fetch that takes seconds, and wakes an idle reader rarely.
WATCH_INTERVAL = 2.0


# -- messages from workers ------------------------------------------------------


@dataclass
class LibraryLoaded(Message):
    """Feeds and view counts, read in a worker."""

    feeds: list[FeedRow]
    counts: dict[str, int]


@dataclass
class ListLoaded(Message):
    """The ordered ids of the article list, read in a worker."""

    ids: list[int]
    keep: int | None
    label: str
    open_kept: bool = False
    #: The query these are results of (None for a feed or view).
    search: str | None = None
    #: Open the first (1) or last (-1) unread article once shown (``n``/``p`` went on to this feed); 0: no.
    open_unread: int = 0
    #: With ``open_unread``: give the reading pane the focus.
    focus_reading: bool = False
    #: Which search these answer (a newer one, or escape, makes them stale).
    request: int = 0


@dataclass
class LibraryChecked(Message):
    """The writer looked whether another program committed since its last look."""

    changed: bool


@dataclass
class ListRefreshed(Message):
    """The current list read again after the library changed underneath."""

    #: Which refresh this answers (only the latest one is shown).
    request: int
    source: Source
    unread_only: bool
    ids: list[int]
    label: str


@dataclass
class MarkSaved(Message):
    """The writer is done with a read/star change the list already shows: saved, or failed."""

    row: ArticleRow
    #: False when the change could not be saved (a read-only library, a full disk).
    saved: bool = True


@dataclass
class UnreadCounted(Message):
    """The unread articles of a source, read in a worker before asking to mark them all read."""

    source: Source
    #: How the feed list names the source (cleaned text).
    name: str
    ids: list[int]


@dataclass
class MarkedAllRead(Message):
    """The writer is done with "mark all read" for ``count`` articles: saved, or failed."""

    count: int
    saved: bool = True


@dataclass
class ListFailed(Message):
    """A search (or list) could not be run; ``reason`` is one line."""

    reason: str
    #: Which search this answers.
    request: int = 0


@dataclass(frozen=True)
class RenderRequest:
    """How to render an article: for which pane width, theme and background."""

    article_id: int
    width: int
    styles: dict[str, str]
    base: Style
    #: The search the article was opened from: its matches are highlighted (empty: none).
    query: str | None = None


def search_terms_of(query: str | None) -> list[SearchTerm]:
    """The terms to highlight for ``query`` (none without one; a query with nothing to search for has none)."""
    return search_terms(query) if query else []


@dataclass
class ArticleRendered(Message):
    """An article rendered to lines at ``width`` (the first screen, or all of it)."""

    detail: ArticleDetail
    lines: list[list[Segment]]
    complete: bool
    width: int
    #: Set once the lines are on screen (the worker waits for it).
    painted: threading.Event | None = None
    #: Lines holding a match of the search the article was opened from.
    match_lines: list[int] = field(default_factory=list)


@dataclass
class ThreadLoaded(Message):
    """An article's comment thread, laid out in a worker."""

    article_id: int
    layout: ThreadLayout
    #: How many comments the source itself says the thread has (None: not known).
    source_total: int | None = None
    #: The row to highlight (after replies were loaded in place); None: the first.
    cursor: int | None = None
    #: The search the article was opened from: its terms, and the comments they match.
    terms: list[SearchTerm] = field(default_factory=list)
    match_ids: list[int] = field(default_factory=list)
    #: The article's own title and text match too (else the match is only in comments).
    in_article: bool = True


@dataclass
class MoreLoaded(Message):
    """Replies the source had left out were fetched (or could not be)."""

    article_id: int
    added: int
    error: str | None


@dataclass
class FetchProgressed(Message):
    """Counts from a running fetch (only the latest one matters)."""

    progress: Progress

    def can_replace(self, message: Message) -> bool:
        """A newer count replaces an older one still in the queue."""
        return isinstance(message, FetchProgressed)


@dataclass
class SyncFinished(Message):
    """A sync ended: its one-line summary, or the one-line reason it failed."""

    line: str
    failed: bool = False


@dataclass
class FetchFinished(Message):
    """A fetch ended; ``summary`` is None when it could not run at all."""

    summary: FetchSummary | None
    error: str | None = None
    article_id: int | None = None
    #: For one article's thread: it has no known comment source (its link is kept).
    no_source: bool = False


def describe_source(store: Store, source: Source, unread_only: bool) -> str:
    """How ``source`` is described in the header: a feed's name (and its last error), a view, a tag."""
    if source.feed_id is not None:
        found = store.feed_title(source.feed_id)
        label = clean_line(found[0]) if found else "feed"
        if found and found[1]:
            label += f" \u26a0 {clean_line(found[1])[:80]}"
    elif source.view == "tag" and source.tag is not None:
        label = tag_title(source.tag)
    else:
        label = VIEW_LABELS.get(source.view, "All articles")
    return label + (" (unread only)" if unread_only and source.view != "unread" else "")


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


#: At most this many links are gathered from a thread (a 2,000-comment thread can hold thousands).
THREAD_LINKS_MAX = 500


def link_groups(detail: ArticleDetail, *, focused_comment: int | None = None) -> list[LinkGroup]:
    """The links ``L`` lists, grouped: the article's, its discussion page, the focused comment's, the thread's.

    Every target is a clean http(s) URL (``safe_url``) and appears once, in
    the first group that has it; labels are cleaned text.
    """
    seen: set[str] = set()

    def fresh(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = [(label, url) for label, url in links if url not in seen]
        seen.update(url for _label, url in kept)
        return kept

    article = detail.article
    own = safe_url(article.url)
    groups = [
        LinkGroup("This article", fresh(([("The article itself", own)] if own else []) + article_links(detail.text)))
    ]
    discussion = safe_url(article.comments_url)
    if discussion:
        host = urlsplit(discussion).hostname or "the web"
        groups.append(LinkGroup("Discussion", fresh([(f"The discussion on {clean_line(host)}", discussion)])))
    by_id = {comment.id: comment for comment in detail.comments}
    focused = by_id.get(focused_comment) if focused_comment is not None else None
    if focused is not None:
        author = clean_line(focused.author) or "anonymous"
        permalink = safe_url(focused.url)
        links = ([(f"This comment on {urlsplit(permalink).hostname}", permalink)] if permalink else []) + article_links(
            focused.text
        )
        groups.append(LinkGroup(f"In the comment by {author}", fresh(links)))
    elsewhere: list[tuple[str, str]] = []
    for comment in detail.comments:
        if comment is focused or len(elsewhere) >= THREAD_LINKS_MAX:
            continue
        elsewhere.extend(fresh(article_links(comment.text)))
    groups.append(
        LinkGroup("In the comments" if focused is None else "Elsewhere in the comments", elsewhere[:THREAD_LINKS_MAX])
    )
    return [group for group in groups if group.links]


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


def mark_all_read_question(source: Source, name: str, count: int) -> str:
    """What the user is asked before ``count`` unread articles of ``source`` (named ``name``) are marked read."""
    articles = f"all {count} unread articles" if count > 1 else "the 1 unread article"
    if source.view in ("all", "unread"):
        return f"Mark {articles} read?"
    if source.view == "starred":
        return f"Mark {articles.replace('unread', 'unread starred')} read?"
    return f"Mark {articles} of {name} read?"


class MainScreen(Screen[None]):
    """Feed list, article list, reading pane and comments, all by keyboard."""

    BINDINGS = [
        Binding("slash", "search", "Search", id="reader.search"),
        # Only while an article opened from search results is read (see check_action).
        Binding("m", "next_match", "Next match", id="reader.next-match"),
        Binding("M", "previous_match", "Previous match", show=False, id="reader.previous-match"),
        Binding("u", "toggle_unread", "Unread only", id="reader.unread-only"),
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
        Binding("escape", "back", "Back", show=False, id="reader.back"),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__()
        #: Fetch, comments and sync: the services the command line uses too, given, not looked up.
        self.library = library
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
        self._search_pending = False
        #: The feeds as last loaded (names, counts, tags).
        self._feeds: list[FeedRow] = []
        self._library_loaded = False
        #: Marks the list shows that the writer has not saved yet, by article id.
        self._unsaved: dict[int, ArticleRow] = {}

    @property
    def reader_app(self) -> ReaderApp:
        """The app, typed."""
        return cast("ReaderApp", self.app)

    @property
    def store(self) -> Store:
        """The UI thread's connection to the library (quick reads only)."""
        return self.reader_app.store

    # -- layout ------------------------------------------------------------------

    def compose(self):  # type: ignore[no-untyped-def]
        """Header, the four panes, the search bar and the footer."""
        clock = self.reader_app.clock
        yield Header(show_clock=False, icon="\u2261")
        with Container(id="panes"):
            yield FeedList(id="feeds")
            yield ArticleList(
                self.store.articles_by_ids, clock=clock, date_format=self.reader_app.config.date_format, id="articles"
            )
            with Container(id="reading"):
                yield ArticleView(id="article")
                yield CommentThread(clock=clock, date_format=self.reader_app.config.date_format, id="comments")
        yield SearchBar(id="search")
        yield ReaderFooter()

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

    def on_mount(self) -> None:
        """Restore the last view and load the library."""
        self.feed_list.border_title = "Feeds"
        self.article_list.border_title = "Articles"
        self.comment_thread.border_title = "Comments"
        saved = self.store.get_setting("ui.source")
        if saved:
            self.source = Source.from_key(saved)
        self.unread_only = self.store.get_setting("ui.unread-only") == "1"
        self._apply_layout()
        self.article_list.focus()
        last = self.store.get_setting("ui.article")
        self.load_library()
        self.request_list(keep=int(last) if last and last.isdigit() else None, open_kept=True)
        self.set_interval(WATCH_INTERVAL, self._watch_library)
        config = self.reader_app.config
        # Started once the first list is shown (on_list_loaded): a fetch that
        # finished before that list arrived would be hidden by it.
        self._fetch_when_shown = config.refresh_on_start
        if config.refresh_every_minutes:
            self.set_interval(config.refresh_every_minutes * 60, self._scheduled_refresh)

    def _scheduled_refresh(self) -> None:
        # A timer's fetch waits its turn quietly instead of saying "Already fetching".
        if not self.fetching:
            self.action_refresh()

    def on_resize(self) -> None:
        """Switch between one pane and side-by-side panes, keeping the selection."""
        self._apply_layout()

    @property
    def narrow(self) -> bool:
        """True when one pane shows at a time."""
        return self.size.width < NARROW_BELOW

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

    # -- loading -----------------------------------------------------------------

    def article_filter(self) -> ArticleFilter:
        """The filter for the current source and unread-only switch."""
        return ArticleFilter(
            unread=self.unread_only or self.source.view == "unread",
            starred=self.source.view == "starred",
            feed_id=self.source.feed_id,
            tag=self.source.tag if self.source.view == "tag" else None,
        )

    def source_label(self, store: Store | None = None) -> str:
        """How the current feed or view is described in the header (``store``: the caller thread's)."""
        return describe_source(store or self.store, self.source, self.unread_only)

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def load_library(self) -> None:
        """Read the feeds and view counts."""
        with self.reader_app.connection("library") as store:
            message = LibraryLoaded(store.feeds(), store.counts())
        self.post_message(message)

    def request_list(
        self, keep: int | None = None, open_kept: bool = False, open_unread: int = 0, focus_reading: bool = False
    ) -> None:
        """Ask for the article list of the current source; only the answer to the newest request is shown."""
        self._list_request += 1
        self.load_list(
            self._list_request,
            self.source,
            self.unread_only,
            self.article_filter(),
            keep,
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
    ) -> None:
        """Read the ordered article ids of ``source`` (everything it needs comes as arguments)."""
        with self.reader_app.connection("list") as store:
            label = describe_source(store, source, unread_only)
            ids = store.article_ids(article_filter)
        self.post_message(
            ListLoaded(
                ids, keep, label, open_kept, open_unread=open_unread, focus_reading=focus_reading, request=request
            )
        )

    @work(thread=True, exclusive=True, group="mark-all-read", exit_on_error=False)
    def count_unread(self, source: Source, name: str) -> None:
        """Read which articles of ``source`` are unread, to ask about marking exactly those read."""
        article_filter = ArticleFilter(
            unread=True,
            starred=source.view == "starred",
            feed_id=source.feed_id,
            tag=source.tag if source.view == "tag" else None,
        )
        with self.reader_app.connection("list") as store:
            ids = store.article_ids(article_filter)
        # A second press meanwhile asks again: only one question shows.
        if not get_current_worker().is_cancelled:
            self.post_message(UnreadCounted(source, name, ids))

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def refresh_list(
        self, request: int, source: Source, unread_only: bool, article_filter: ArticleFilter, shown: list[int]
    ) -> None:
        """Read the list of ``source`` again after the library changed, keeping the ``shown`` ids."""
        # Its own connection: a refresh never holds up the user choosing another list.
        with self.reader_app.connection("refresh") as store:
            label = describe_source(store, source, unread_only)
            current = store.article_ids(article_filter)

            def sort_keys(ids: list[int]) -> dict[int, tuple[int, int]]:
                return {row.id: (row.published, row.id) for row in store.articles_by_ids(ids)}

            ids = keep_shown(shown, current, sort_keys)
        self.post_message(ListRefreshed(request, source, unread_only, ids, label))

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def run_search(self, query: str, keep: int | None, request: int) -> None:
        """Search titles, text and comments; results replace the article list (ids only: the list reads its rows)."""
        try:
            with self.reader_app.connection("list") as store:
                ids = store.search_ids(query, limit=SEARCH_LIMIT)
        except InvalidSearchError as error:
            self.post_message(ListFailed(f"Search: {error}", request=request))
            return
        self.post_message(ListLoaded(ids, keep, f"Search: {clean_line(query)}", search=query, request=request))

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def load_article(self, request: RenderRequest, comment_width: int) -> None:
        """Read an article and its thread: first screen, then (once it is painted) the rest."""
        with self.reader_app.connection("article") as store:
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
        layout = self._thread_layout(detail, comment_width)
        loaded = ThreadLoaded(request.article_id, layout, detail.source_comment_count, terms=terms)
        if terms and request.query:
            try:
                with self.reader_app.connection("article") as store:
                    hits = store.search_hits(request.article_id, request.query)
                loaded.match_ids, loaded.in_article = hits.comment_ids, hits.in_article
            except InvalidSearchError:
                pass  # the words are still highlighted; the thread must show whatever happens
        self.post_message(loaded)
        if more:
            lines, _ = render_article(detail, request.width, request.styles, base=request.base)
            found = mark_matches(lines, terms, request.styles)
            self.post_message(ArticleRendered(detail, lines, complete=True, width=request.width, match_lines=found))

    def _thread_layout(self, detail: ArticleDetail, width: int, *, collapse: bool = True) -> ThreadLayout:
        """A thread laid out for ``width`` (in a worker: laying out 2,000 comments is not for the UI thread)."""
        seen = detail.comments_seen
        new_ids = [c.id for c in detail.comments if seen is not None and c.first_seen > seen and c.kind == "comment"]
        config = self.reader_app.config
        layout = ThreadLayout(
            detail.comments, op_author=detail.article.author, new_ids=new_ids, indent_cap=config.comments_depth_cap
        )
        if collapse and config.comments_collapse_replies:
            layout.collapse_all()
        layout.set_width(width)
        layout.lines  # noqa: B018 - lay out here, in the worker, not on the UI thread
        return layout

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
    def reload_thread(self, article_id: int, width: int, cursor: int) -> None:
        """Read and lay out an article's thread again (replies were added in place), keeping the row highlighted."""
        with self.reader_app.connection("article") as store:
            detail = store.article(article_id)
        if detail is None:
            return
        layout = self._thread_layout(detail, width, collapse=False)
        self.post_message(ThreadLoaded(article_id, layout, detail.source_comment_count, cursor=cursor))

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

    @work(thread=True, exclusive=True, group="fetch", exit_on_error=False)
    def run_fetch(self) -> None:
        """Fetch every subscribed feed; progress and the outcome come back as messages."""

        def report(progress: Progress) -> None:
            self.post_message(FetchProgressed(progress))

        try:
            summary = self.library.fetch(progress=report)
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

    # -- worker results ------------------------------------------------------------

    def on_fetch_progressed(self, message: FetchProgressed) -> None:
        """Show how far a fetch has got."""
        p = message.progress
        if p.phase == "feeds":
            self.sub_title = f"Fetching {p.feeds_done}/{p.feeds_total} feeds · {p.new_articles} new · {p.errors} errors"
        elif p.phase == "comments":
            self.sub_title = f"Fetching comments {p.threads_done}/{p.threads_total} · {p.comments} new"
        else:
            self.sub_title = f"Fetching article pages · {p.pages}"

    def on_fetch_finished(self, message: FetchFinished) -> None:
        """Say what a fetch brought, and show it."""
        self.sub_title = self.source_label()
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
                text = f"{summary.comments} new comments"
            for error in summary.thread_errors:
                text = error
            self.notify(text, markup=False, severity="warning" if summary.thread_errors else "information")
            if message.article_id == self.reading_id:
                self.open_article(message.article_id, mark_read=False, focus=False)
            return
        failed = summary.failed
        text = f"{len(summary.feeds)} feeds: {summary.new_articles} new articles, {summary.comments} new comments"
        if failed:
            text += f"; {len(failed)} failed (see the feed list)"
        self.notify(text, markup=False, severity="warning" if failed else "information", timeout=6)
        # As for another program's fetch: the user stays where they are.
        self.library_changed()

    # -- changes made by other programs ----------------------------------------

    def _watch_library(self) -> None:
        """Every WATCH_INTERVAL: ask whether another program wrote to the library."""
        if self._list_stale:
            self._refresh_list()
        if self._checking:
            return
        self._checking = True
        self.reader_app.writer.check_changed(lambda changed: self._post_from_thread(LibraryChecked(changed)))

    def _post_from_thread(self, message: Message) -> None:
        # RuntimeError: the app has closed while the writer was busy; no one to tell.
        with contextlib.suppress(RuntimeError):
            self.post_message(message)

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
        self._list_stale = False
        self._refresh_request += 1
        self.refresh_list(
            self._refresh_request, self.source, self.unread_only, self.article_filter(), self.article_list.ids
        )

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

    @property
    def fetching(self) -> bool:
        """True while this screen's fetch runs (its progress is in the header)."""
        return any(w.group == "fetch" and w.is_running for w in self.workers)

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        """Fill the feed list (and size its pane to the names)."""
        self._feeds = message.feeds
        self._library_loaded = True
        self.feed_list.set_feeds(message.feeds, message.counts, self.source)
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

    def on_list_loaded(self, message: ListLoaded) -> None:
        """Show the loaded ids, keeping the selection; an answer to an older request is dropped."""
        if message.request != self._list_request:
            return  # another list (or search) was asked for after this one
        if message.search is not None and not self._search_answered(message.request):
            return  # escape came first
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

    def on_list_failed(self, message: ListFailed) -> None:
        """Say why a search could not run, in one line; the list stays as it was."""
        if not self._search_answered(message.request):
            return
        if self.search_query is None:
            self._before_search = None
        self.notify(message.reason, severity="warning", markup=False)

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
        if message.article_id != self.reading_id:
            return
        layout = message.layout
        count = layout.comment_count
        new = len(layout.new_ids)
        thread = self.comment_thread
        thread.show_thread(message.article_id, layout, "No comments stored for this article.", cursor=message.cursor)
        self.query_one("#reading").set_class(not len(layout), "-empty-thread")
        thread.border_title = thread_title(count, message.source_total, new)
        if message.terms:
            thread.set_matches(message.terms, message.match_ids)
            if message.match_ids:
                thread.border_title += f" \u00b7 {len(message.match_ids)} match" + (
                    "es" if len(message.match_ids) > 1 else ""
                )
                # Found only through its comments: the comments are what the user is looking for.
                if not message.in_article and isinstance(self.focused, ArticleView):
                    self.show_pane("comments")
        if count:
            self.reader_app.writer.thread_seen(message.article_id, self.reader_app.clock())

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
            self.reload_thread(message.article_id, self._comment_width(), thread.cursor)

    # -- widget messages -----------------------------------------------------------

    @on(FeedList.Chosen)
    def feed_chosen(self, event: FeedList.Chosen) -> None:
        """Show the chosen view or feed."""
        if event.source != self.source or self.search_query is not None:
            if event.source != self.source:
                # Another feed's list: the article read so far is put away, and the list gets the room.
                self.close_article()
            self.search_query = None
            self.source = event.source
            self.reader_app.writer.setting("ui.source", self.source.key)
            self.request_list(keep=self.article_list.article_id)
        if event.opened:
            self.show_pane("articles")

    @on(FeedList.MarkReadAsked)
    def mark_read_asked(self, event: FeedList.MarkReadAsked) -> None:
        """Mark all read: find the source's unread articles first (the question gives their number)."""
        self.count_unread(event.source, event.name)

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
        writer = self.reader_app.writer
        writer.mark(ids, read=True, then=lambda saved: self._post_from_thread(MarkedAllRead(len(ids), saved)))

    def on_marked_all_read(self, message: MarkedAllRead) -> None:
        """The marks are saved (or failed): show the library as it is, keeping the user's place."""
        if message.saved:  # a failure was told by the writer's error notification
            articles = "article" if message.count == 1 else "articles"
            self.notify(f"Marked {message.count} {articles} read.", timeout=3)
        # Rows are read again from the library (a search's results too).
        self.article_list.forget_rows()
        self.library_changed()

    @on(ArticleList.Opened)
    def article_opened(self, event: ArticleList.Opened) -> None:
        """Read the chosen article."""
        self.open_article(event.article_id)

    @on(ArticleView.EndReached)
    def end_reached(self) -> None:
        """Space at the end of an article: on to the next unread one."""
        self.action_next_unread()

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
        request = self.render_request(article_id)
        self._render_width = request.width
        self.load_article(request, self._comment_width())
        self.reader_app.writer.setting("ui.article", str(article_id))
        if mark_read:
            row = self.article_list.row(self.article_list.cursor)
            if row is not None and row.id == article_id and not row.read:
                self._mark(row, read=True)
        # The pane switch waits for the article: one repaint instead of two.
        self._show_when_rendered = focus

    def _mark(self, row: ArticleRow, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Save a read/star change and show it at once (and over list reloads until it is saved)."""
        changed = replace(
            row, read=row.read if read is None else read, starred=row.starred if starred is None else starred
        )
        self.article_list.update_row(changed)
        self._unsaved[row.id] = changed
        # A message, not call_from_thread: the writer must never wait for the
        # UI thread, which may itself be waiting for the writer (flush, quit).
        self.reader_app.writer.mark(
            [row.id], read=read, starred=starred, then=lambda saved: self._post_from_thread(MarkSaved(changed, saved))
        )

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

    @on(ArticleView.WidthChanged)
    def reading_width_changed(self) -> None:
        """Re-render the article for the reading pane's new width."""
        view = self.article_view
        if view.detail is not None and view.text_width != self._render_width:
            self._render_width = view.text_width
            self.rerender(view.detail, self.render_request(view.detail.article.id))

    # -- search --------------------------------------------------------------------

    def action_search(self) -> None:
        """Open the search bar."""
        self.query_one(SearchBar).open(self.search_query or "")

    @on(SearchBar.Submitted)
    def search_submitted(self, event: SearchBar.Submitted) -> None:
        """Run the search; results replace the article list until escape."""
        query = event.value.strip()
        if not query:
            self.query_one(SearchBar).close()
            self.article_list.focus()
            return
        if self._before_search is None:
            self._before_search = (self.source, self.article_list.article_id)
        # search_query is set when the results arrive: a query that cannot run changes nothing.
        # The bar stays until then, so closing it, moving the focus and showing the results
        # are one repaint (each was a full layout of the screen, 30-40 ms, before the results).
        # One count for every list request, searches included: an answer is shown
        # only if no list was asked for after it (ListLoaded.request).
        self._list_request += 1
        self._search_request = self._list_request
        self._search_pending = True
        self.run_search(query, keep=self.article_list.article_id, request=self._search_request)

    def _search_answered(self, request: int) -> bool:
        """Whether ``request`` is the search still waited for (then it no longer is); the bar closes."""
        if not self._search_pending or request != self._search_request:
            return False
        self._search_pending = False
        self.query_one(SearchBar).close()
        self.show_pane("articles")
        return True

    @on(SearchBar.Cancelled)
    def search_cancelled(self) -> None:
        """Back to where the user was (a search still running is forgotten)."""
        self._search_pending = False
        self.show_pane(self.narrow_pane if self.narrow else "articles")

    def _end_search(self) -> bool:
        if self.search_query is None or self._before_search is None:
            return False
        source, article_id = self._before_search
        self.source = source
        self.request_list(keep=article_id)
        return True

    # -- actions -------------------------------------------------------------------

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
        self.notify(message.line, markup=False, severity="error" if message.failed else "information", timeout=8)
        if not message.failed:
            self.library_changed()

    def action_refresh(self) -> None:
        """Fetch every feed in the background."""
        if self.fetching:
            self.notify("Already fetching.", timeout=2)
            return
        self.sub_title = "Fetching…"
        self.run_fetch()

    def action_fetch_comments(self) -> None:
        """Fetch the comments of the article being read (or the highlighted one)."""
        row = self._target_row()
        if row is None:
            return
        self.notify("Fetching comments…", timeout=2)
        self.run_fetch_comments(row.id)

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The match keys belong to an article opened from a search (elsewhere they are hidden)."""
        if action in ("next_match", "previous_match"):
            return self.search_query is not None and self.reading_id is not None
        return True

    def _jump_match(self, step: int) -> None:
        """m / M: the next or previous match of the search, in the focused pane, then on into the other."""
        view, thread = self.article_view, self.comment_thread
        if isinstance(self.focused, CommentThread):
            if thread.next_match(step):
                return
            if step < 0 and view.match_lines:
                self.show_pane("article")
                view.scroll_to(y=max(0, view.match_lines[-1] - 3), animate=False, immediate=True)
                return
        else:
            if view.next_match(step):
                return
            if step > 0 and thread.matches:
                self.show_pane("comments")
                if thread.cursor not in thread.matches:
                    thread.next_match(+1)
                return
        self.notify("No more matches." if step > 0 else "No earlier matches.", timeout=2)

    def action_next_match(self) -> None:
        """The next match of the search the article was opened from."""
        self._jump_match(+1)

    def action_previous_match(self) -> None:
        """The previous match."""
        self._jump_match(-1)

    def action_toggle_unread(self) -> None:
        """Show only unread articles, or all again."""
        self.unread_only = not self.unread_only
        self.reader_app.writer.setting("ui.unread-only", "1" if self.unread_only else "0")
        self.search_query = None
        self._before_search = None
        self.request_list(keep=self.article_list.article_id)
        self.notify("Unread articles only." if self.unread_only else "All articles.", timeout=2)

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
            self.source = source
            self.search_query = None
            feeds.select_source(source)
            self.reader_app.writer.setting("ui.source", source.key)
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

    def _current_url(self) -> str | None:
        row = self._target_row()
        return safe_url(row.url) if row is not None else None

    def action_open_link(self) -> None:
        """Open the article's link in the browser, after showing it."""
        from reader.tui.screens.link import LinkScreen

        url = self._current_url()
        if url is None:
            self.notify("This article has no web link.", severity="warning", timeout=3)
            return
        self.app.push_screen(LinkScreen(url))

    def action_copy_link(self) -> None:
        """Copy the article's link to the clipboard."""
        url = self._current_url()
        if url is None:
            self.notify("This article has no web link.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied {url}", timeout=3, markup=False)

    def action_links(self) -> None:
        """List the links of what is being read: the article, its discussion page, the comments."""
        from reader.tui.screens.links import LinksScreen

        detail = self.article_view.detail
        if detail is None:
            self.notify("Open an article first: L lists its links.", timeout=2)
            return
        groups = link_groups(
            detail,
            focused_comment=self.comment_thread.focused_comment if isinstance(self.focused, CommentThread) else None,
        )
        if not any(group.links for group in groups):
            self.notify("No links in this article or its comments.", timeout=2)
            return
        self.app.push_screen(LinksScreen(groups))
