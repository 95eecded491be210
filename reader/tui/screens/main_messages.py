"""The messages the main screen's workers (and the writer) post back to it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.segment import Segment
from textual.message import Message

from reader.models import ArticleDetail, ArticleRow, FeedRow, ThreadInfo
from reader.text.search import SearchTerm
from reader.text.threads import ThreadLayout
from reader.tui.widgets.feed_list import Source

if TYPE_CHECKING:
    from reader.service.discover import Discovery
    from reader.service.fetch import FetchSummary, Progress
    from reader.service.library import DiscussionsOutcome


@dataclass
class LibraryLoaded(Message):
    """Feeds and view counts, read in a worker."""

    feeds: list[FeedRow]
    counts: dict[str, int]
    #: The saved searches: name, filter and unread count (``reader query add``).
    queries: list[tuple[str, str, int]] = field(default_factory=list)


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
    """An article's comment threads, laid out in a worker; ``threads[index]`` is the one shown."""

    article_id: int
    #: Every thread of the article laid out (none: it has no comments), with what is known of each.
    threads: list[ThreadLayout] = field(default_factory=list)
    infos: list[ThreadInfo] = field(default_factory=list)
    #: Which of ``threads`` is shown.
    index: int = 0
    #: How many comments the source of the one shown says it has (None: not known).
    source_total: int | None = None
    #: The row to highlight (after replies were loaded in place); None: the first.
    cursor: int | None = None
    #: The search the article was opened from: its terms, and the comments they match.
    terms: list[SearchTerm] = field(default_factory=list)
    match_ids: list[int] = field(default_factory=list)
    #: The article's own title and text match too (else the match is only in comments).
    in_article: bool = True
    #: The opening of the article it answers (``MainScreenBase._thread_request``); an older one is dropped.
    sequence: int = 0


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


@dataclass
class FeedsDiscovered(Message):
    """What the address given to "add a feed" offers (``discovery`` is a ``reader.service.discover.Discovery``)."""

    request: int
    discovery: Discovery


@dataclass
class RemovalCounted(Message):
    """What removing a feed would delete (its articles, how many starred), to ask about it."""

    feed: FeedRow
    name: str
    total: int
    starred: int


@dataclass
class FeedsChanged(Message):
    """A subscription change is done (or failed): one line to tell, and the feed to fetch or show."""

    line: str
    failed: bool = False
    #: A feed just subscribed: it is fetched now, and shown.
    fetch_feed: int | None = None
    #: The feed that is gone (the list leaves it for All articles).
    removed_feed: int | None = None


@dataclass
class FullTextFetched(Message):
    """An article's page was fetched for its main text (or why not, in one line)."""

    article_id: int
    line: str
    failed: bool = False


@dataclass
class DiscussionsFound(Message):
    """What looking an article up on the discussion sites gave (``outcome`` None: the lookup could not run)."""

    article_id: int
    outcome: DiscussionsOutcome | None
    error: str | None = None
    #: The article's title (the question names it) and which press of D this answers.
    title: str = ""
    sequence: int = 0


@dataclass
class DiscussionsFetched(Message):
    """The picked discussions were fetched: how many threads and new comments came, and what failed."""

    article_id: int
    threads: int
    comments: int
    errors: list[str]


@dataclass
class SettingsRead(Message):
    """A feed's settings, as ``key=value`` words (``O`` asks with them)."""

    feed: FeedRow
    name: str
    line: str


@dataclass
class FilterSaved(Message):
    """The list's filter was kept as a saved search (or could not be): one line to say."""

    name: str
    line: str
