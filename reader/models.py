"""Plain data passed between importers, the store, the services, the CLI and the TUI.

Importers produce the ``*Data`` classes (already cleaned, not yet stored);
the store returns the ``*Row`` classes. The other records are what the store
takes and gives for fetching, listing and syncing: they live here, not in
the store, because every layer above it passes them around, and the layers
below the store (text) and beside it should not need the store to name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What a thread row is: a comment, or a placeholder for replies the source
#: left out of its answer (Reddit's "N more replies" and "continue this
#: thread"), which can be fetched on demand and is never counted or searched.
CommentKind = Literal["comment", "more"]

#: What a feed is: a subscription (fetched from its URL) or a local source
#: (a file or folder imported). A subscription wins over a local copy of it.
FeedKind = Literal["feed", "local"]

#: Which mark a sync server is told about.
MarkField = Literal["read", "starred"]

#: What a killfile rule does with a new article it matches: not store it
#: (newsboat's ``ignore-mode download``), or store it hidden (``display``).
IgnoreMode = Literal["download", "display"]


@dataclass
class CommentData:
    """One comment as an importer found it. ``parent_guid`` is None at top level.

    A ``kind="more"`` item stands for replies not fetched: ``more_count`` is
    how many the source says there are (0 for "continue this thread") and
    ``more_children`` the source's ids of them, needed to fetch them.
    """

    guid: str
    author: str
    text: str
    parent_guid: str | None = None
    published: int | None = None
    html: str | None = None
    url: str | None = None
    deleted: bool = False
    kind: CommentKind = "comment"
    more_count: int = 0
    more_children: list[str] = field(default_factory=list)


@dataclass
class ArticleData:
    """One article as an importer found it, with its comments in source order.

    ``text`` is plain text (one line per block) for search and previews; the
    readable Markdown is made from ``html`` when the article is opened, which
    keeps imports fast (html2text costs more than everything else together).
    """

    guid: str
    title: str
    text: str
    html: str | None = None
    url: str | None = None
    author: str = ""
    published: int | None = None
    updated: int | None = None
    comments_url: str | None = None
    #: A feed of this article's comments (``wfw:commentRss``).
    comment_feed_url: str | None = None
    declared_comment_count: int | None = None
    comments: list[CommentData] = field(default_factory=list)
    #: Reading state carried by the source (a newsboat cache); None: the source says nothing.
    #: Storing only ever adds it: read stays read and a star stays.
    read: bool | None = None
    starred: bool | None = None
    #: False where the format has no dates (a plain-text article): the time it was first imported
    #: is its date, by the README's rule, not a date that could not be read.
    dated_by_source: bool = True


@dataclass
class FeedData:
    """A feed or local source. ``key`` identifies it: its URL, or ``file:``/``dir:`` for local ones."""

    key: str
    title: str
    url: str | None = None
    site_url: str | None = None
    kind: FeedKind = "feed"
    tags: list[str] = field(default_factory=list)
    #: The title is the user's own (a newsboat "~Name"): no feed's title replaces it.
    custom_title: bool = False


@dataclass
class ImportBatch:
    """Everything one file yields; stored in one transaction."""

    #: What the file was, as the user is told ("OPML", "JSON Feed", "HTML page"...): a label, not a closed set.
    kind: str
    feeds: list[FeedData] = field(default_factory=list)
    articles: list[tuple[FeedData, ArticleData]] = field(default_factory=list)
    #: Comments for articles already stored (by article id), e.g. a comment feed.
    thread_additions: list[tuple[int, list[CommentData]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Saved searches (name, filter) and killfile rules (filter, the feed's URL or None for all, mode):
    #: newsboat's ``query:`` feeds and ``ignore-article`` lines, each filter already checked.
    saved_queries: list[tuple[str, str]] = field(default_factory=list)
    ignore_rules: list[tuple[str, str | None, IgnoreMode]] = field(default_factory=list)


@dataclass
class FeedRow:
    """A stored feed with its unread count and fetch status."""

    id: int
    key: str
    title: str
    url: str | None
    site_url: str | None
    kind: FeedKind
    unread: int
    total: int
    tags: list[str]
    last_status: str | None
    last_error: str | None
    error_count: int
    last_success: int | None


@dataclass(frozen=True)
class FeedCounts:
    """A feed's articles, and how many of them are starred (what removing it deletes or keeps)."""

    total: int
    starred: int


@dataclass
class ArticleRow:
    """A stored article as shown in lists (no body)."""

    id: int
    feed_id: int
    feed: str
    guid: str
    url: str | None
    title: str
    author: str
    published: int
    read: bool
    starred: bool
    comment_count: int
    comments_url: str | None


@dataclass
class CommentRow:
    """A stored comment, in display (pre-order) position with its depth."""

    id: int
    parent_id: int | None
    depth: int
    position: int
    author: str
    published: int | None
    text: str
    url: str | None
    deleted: bool
    first_seen: int
    #: "more": a placeholder for ``more_count`` replies not fetched (see :class:`CommentData`).
    kind: CommentKind = "comment"
    more_count: int = 0
    #: The source's ids of the replies behind a "more" row (empty: unknown, or "continue this thread").
    more_children: list[str] = field(default_factory=list)
    #: The thread it belongs to (:class:`ThreadInfo`), None only for rows made by hand.
    thread_id: int | None = None


@dataclass
class ArticleDetail:
    """An article with its body and full comment thread in display order.

    ``text`` is the readable Markdown, made from the stored HTML when the
    article is opened (the stored plain text is only for search).
    """

    article: ArticleRow
    text: str
    html: str | None
    updated: int | None
    comments: list[CommentRow]
    #: When the user last opened the thread (None: never); newer comments are new.
    comments_seen: int | None = None
    #: How many comments the comment source itself said the thread has when it
    #: was last fetched (Reddit's ``num_comments``); None: not known.
    source_comment_count: int | None = None
    #: The feed gave no date that could be read: ``article.published`` is when it was first seen.
    undated: bool = False
    #: Every thread of the article, in the order their comments are laid out.
    threads: list[ThreadInfo] = field(default_factory=list)


#: Where a search result's snippet comes from: the article's title, its text, or one of its comments.
MatchIn = Literal["title", "text", "comment"]


@dataclass
class SearchHits:
    """Where a query matched one article: in its own words, and in which of its comments."""

    article_id: int
    #: The title and text, read together as search reads them, match the query.
    in_article: bool
    #: The matching comments, in thread (display) order.
    comment_ids: list[int]


@dataclass
class SearchResult:
    """One search result as ``reader search`` shows it: the article and a line of where it matched."""

    article: ArticleRow
    match_in: MatchIn
    #: About 120 characters around the first match, cleaned for a terminal, "…" where cut.
    snippet: str
    #: Where the query's words are in ``snippet`` (character offsets), for emphasis.
    spans: list[tuple[int, int]]
    #: The comment the snippet comes from (``match_in == "comment"``), else None.
    comment_id: int | None = None
    #: Its author as stored ("" when unknown); None unless the snippet is from a comment.
    comment_author: str | None = None
    #: The source of that comment's thread ("hackernews"); None unless the snippet is from a comment.
    comment_source: ThreadSourceName | None = None


# -- what the store takes and gives for fetching ------------------------------


@dataclass
class BatchStats:
    """What storing one batch did."""

    feeds_added: int = 0
    articles_added: int = 0
    articles_updated: int = 0
    comments_added: int = 0
    #: Articles that are new, or whose declared comment count changed: the
    #: ones whose threads are worth fetching.
    fresh_article_ids: list[int] = field(default_factory=list)
    #: Of those, the articles stored for the first time (what ``notify.command`` is told of).
    new_article_ids: list[int] = field(default_factory=list)
    #: New articles a rule of the killfile (``reader ignore``) kept out, and those a display rule stored hidden.
    articles_ignored: int = 0
    articles_hidden: int = 0
    #: Saved searches (new or replaced) and killfile rules (new; changed to the file's mode; for a feed not
    #: subscribed here, so left out) a file brought (newsboat's urls and config).
    queries_saved: int = 0
    rules_added: int = 0
    rules_changed: int = 0
    rules_unplaced: list[str] = field(default_factory=list)
    #: Why the batch could not be stored (nothing of it was), when it could not.
    error: str | None = None

    def add(self, other: BatchStats) -> None:
        """Accumulate ``other`` into this one."""
        self.feeds_added += other.feeds_added
        self.articles_added += other.articles_added
        self.articles_updated += other.articles_updated
        self.comments_added += other.comments_added
        self.fresh_article_ids.extend(other.fresh_article_ids)
        self.new_article_ids.extend(other.new_article_ids)
        self.articles_ignored += other.articles_ignored
        self.articles_hidden += other.articles_hidden
        self.queries_saved += other.queries_saved
        self.rules_added += other.rules_added
        self.rules_changed += other.rules_changed
        self.rules_unplaced.extend(other.rules_unplaced)


@dataclass(frozen=True)
class FeedToFetch:
    """A subscription as the fetcher needs it."""

    id: int
    key: str
    url: str
    etag: str | None
    last_modified: str | None
    full_text: bool


@dataclass(frozen=True)
class FeedSettings:
    """A feed's own settings (``reader feed set``): how often it is fetched, how many articles it keeps.

    ``refresh_minutes``: None, the default (``fetch.refresh``, "auto" unless
    set); -1 (``REFRESH_EVERY``), every fetch takes it; 0 (``REFRESH_AUTO``),
    as often as it publishes, from half an hour to a day; else that many
    minutes at least between two fetches. ``item_limit``: the newest N
    articles kept (starred ones always), None: every one.
    """

    refresh_minutes: int | None = None
    item_limit: int | None = None
    full_text: bool = False


@dataclass
class FetchOutcome:
    """How one feed's fetch went, as recorded on the feed."""

    status: str
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    dead: bool = False
    retry_after: int | None = None


@dataclass(frozen=True)
class ThreadSource:
    """What is known about where an article's comments live."""

    article_id: int
    guid: str
    url: str | None
    comments_url: str | None
    comment_feed_url: str | None
    declared_count: int | None


#: Where a comment thread comes from. "feed": a comment feed (``wfw:commentRss``,
#: RFC 4685) or comments that came with the article itself.
ThreadSourceName = Literal[
    "feed", "hackernews", "reddit", "lobsters", "mastodon", "bluesky", "discourse", "lemmy", "wordpress", "isso"
]
_THREAD_SOURCE_NAMES: tuple[ThreadSourceName, ...] = (
    "feed",
    "hackernews",
    "reddit",
    "lobsters",
    "mastodon",
    "bluesky",
    "discourse",
    "lemmy",
    "wordpress",
    "isso",
)


def thread_source_name(value: str) -> ThreadSourceName:
    """``value`` as a source name (a stored one); anything unknown reads as "feed"."""
    for name in _THREAD_SOURCE_NAMES:
        if name == value:
            return name
    return "feed"


#: How each source's threads are named to the user. A comment feed, WordPress's
#: and Isso's comments are the blog's own.
THREAD_SOURCE_LABELS: dict[ThreadSourceName, str] = {
    "feed": "Blog",
    "hackernews": "Hacker News",
    "reddit": "Reddit",
    "lobsters": "Lobsters",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "discourse": "Discourse",
    "lemmy": "Lemmy",
    "wordpress": "Blog",
    "isso": "Blog",
}


def source_label(name: str) -> str:
    """How a thread source is named to the user ("Hacker News"); an unknown name as it is."""
    return THREAD_SOURCE_LABELS[thread_source_name(name)] if name in _THREAD_SOURCE_NAMES else name


#: How a thread was found: the feed linked it, the article's page named it, a lookup found it.
ThreadFoundBy = Literal["feed", "page", "lookup"]


@dataclass(frozen=True)
class ThreadRef:
    """One discussion somewhere: its source, its id there, and where a person reads it.

    ``remote_id`` is the thread's id at its source (an HN item, a Mastodon
    status, a Discourse topic, an at:// URI, a comment feed's URL), which keys
    it with the source: one discussion is stored once per article however
    it was found. ``api`` is where its API is asked when that is not the
    source's configured base: a Mastodon, Lemmy or Discourse server, a blog's
    ``/wp-json/``, an Isso server (empty: the configured base). It is part of
    the key: an id on such a server is that server's own.
    """

    source: ThreadSourceName
    remote_id: str
    url: str
    api: str = ""
    title: str = ""
    points: int | None = None
    comment_count: int | None = None


@dataclass(frozen=True)
class ThreadInfo:
    """A stored thread of an article, as the list, the panel and ``reader show`` present it."""

    id: int
    source: ThreadSourceName
    remote_id: str
    url: str | None
    title: str
    points: int | None
    comment_count: int
    #: How many comments the source says the thread has (None: it does not say).
    source_count: int | None
    fetched: int | None
    #: When the user last read this thread (None: never); newer comments are new.
    seen: int | None
    #: A one-line remark about the stored thread ("Mastodon shows at most 60 replies ...").
    note: str
    found_by: ThreadFoundBy

    @classmethod
    def unknown(cls, comment_count: int = 0) -> ThreadInfo:
        """A stand-in for comments of no known thread (rows made by hand): shown as the blog's own."""
        return cls(0, "feed", "", None, "", None, comment_count, None, None, None, "", "feed")


@dataclass(frozen=True)
class MorePlaceholder:
    """A stored "more replies" row, with what fetching the replies behind it needs."""

    id: int
    article_id: int
    guid: str
    #: The guid of the comment the replies answer (None: the post itself).
    parent_guid: str | None
    count: int
    #: The source's ids of the replies (empty: unknown, or "continue this thread").
    children: list[str]


# -- what a list shows ---------------------------------------------------------


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a list shows: optionally only unread, only starred, one feed, one tag.

    The store turns it into SQL (``reader.store.reading.filter_where``).
    """

    unread: bool = False
    starred: bool = False
    feed_id: int | None = None
    #: Only feeds carrying this tag.
    tag: str | None = None
    #: Only the starred articles kept from feeds the user removed (the "Saved" place).
    saved: bool = False
    #: Only the articles this filter matches (the filter language: ``title =~ "rust" and unread = yes``).
    expression: str | None = None
    #: The articles a display-mode killfile rule hides, instead of the others (every list leaves them out).
    hidden: bool = False


# -- sync with an aggregator server (reader/service/sync) ----------------------


#: What a change to a subscription made here asks of the sync server.
FeedChangeAction = Literal["subscribe", "unsubscribe", "rename", "move"]


@dataclass(frozen=True)
class SyncFeed:
    """A subscription on the sync server: its id there, URL, title and category (a tag here)."""

    remote_id: str
    url: str
    title: str
    category: str | None = None
    site_url: str | None = None


@dataclass
class SyncFeedsResult:
    """What storing the server's subscriptions did: server feed id -> feed id here, and counts."""

    feed_ids: dict[str, int] = field(default_factory=dict)
    created: int = 0
    #: Feeds the server no longer lists: removed here too (starred articles kept under Saved), or
    #: only unlinked when the server suddenly lists none of the feeds linked before (see ``store_sync_feeds``).
    gone: int = 0


@dataclass(frozen=True)
class SyncedCopy:
    """One article as the server has it: its id there, the feed here, the article and its reading state.

    ``article.read``/``article.starred`` carry the server's state.
    ``guid_sha1`` is the hex SHA-1 of the feed's own guid when the server
    tells it (TT-RSS does), which matches the copy ``reader fetch`` stores.
    """

    remote_id: str
    feed_id: int
    article: ArticleData
    guid_sha1: str | None = None


@dataclass
class SyncArticlesResult:
    """What storing a page of the server's articles did."""

    added: int = 0
    updated: int = 0
    #: Articles linked to their server copy in this page (new or matched).
    linked: int = 0
    #: Read/starred marks taken from the server.
    pulled: int = 0
    #: Server articles left out: pruned here, or of a feed not linked here.
    skipped: int = 0
    fresh_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PendingFeedChange:
    """A subscription made, removed, renamed or moved here that the sync server has not been told yet.

    ``remote_id`` is the server's id for the feed (None for a feed the server
    does not have yet); ``url`` is the address to subscribe or move to;
    ``title`` the new name.
    """

    id: int
    action: FeedChangeAction
    feed_id: int | None
    remote_id: str | None
    url: str | None
    title: str | None
    changed: int


@dataclass(frozen=True)
class PendingMark:
    """A mark made here that the sync server has not confirmed yet."""

    remote_id: str
    field: MarkField
    value: bool
    #: When it was made here (Unix time).
    changed: int
