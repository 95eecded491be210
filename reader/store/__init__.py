"""The article library: one SQLite file with feeds, articles and comment threads.

Design points:

* WAL mode, foreign keys on, ``busy_timeout`` set, ``synchronous=FULL``:
  read/starred state and imported files cannot be fetched again, and the
  write volume is small, so every commit is made durable. A fetch, which
  can fetch again, opens its connection with ``bulk=True`` instead.
* The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS`
  runs forward, one transaction each.
* Articles are unique per ``(feed_id, guid)``; storing the same article again
  updates it and never touches read/starred state. Fields missing from a
  newer copy keep their stored value, and nothing is deleted because a newer
  copy lacks it.
* Comments carry their display order (``position``) and ``depth``, so a whole
  thread is one indexed ``ORDER BY`` query.
* Every list query pages (``LIMIT`` with a keyset cursor) and has an index;
  ``tests/test_query_plans.py`` checks the plans.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:
    import sqlite_utils

from reader.models import (
    ArticleData,
    ArticleDetail,
    ArticleRow,
    CommentData,
    CommentRow,
    FeedData,
    FeedRow,
    ImportBatch,
    SearchHits,
    SearchResult,
)
from reader.text import dates
from reader.text.render import readable_markdown
from reader.text.sanitize import clean_line
from reader.text.search import InvalidSearchError, SearchTerm, build_match, search_terms, snippet

__all__ = [
    "ArticleFilter",
    "BatchStats",
    "FeedToFetch",
    "FetchOutcome",
    "InvalidSearchError",
    "MorePlaceholder",
    "PendingMark",
    "Store",
    "StoreError",
    "SyncArticlesResult",
    "SyncFeed",
    "SyncFeedsResult",
    "SyncedCopy",
    "ThreadSource",
    "library_failure",
]
from reader.text.threads import order_thread


class StoreError(Exception):
    """A database problem, with a one-line message for the user."""


# SQLite primary result codes that mean the library file itself cannot be
# used, whatever is being stored: what the user has to fix.
_FILE_PROBLEMS = {
    3: "access denied",  # SQLITE_PERM
    5: "the library is busy",  # SQLITE_BUSY
    6: "the library is locked",  # SQLITE_LOCKED
    8: "the library is read-only",  # SQLITE_READONLY
    10: "a read or write failed; is the disk full?",  # SQLITE_IOERR
    11: "the library file is damaged",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "cannot open database",  # SQLITE_CANTOPEN
    26: "not a reader database",  # SQLITE_NOTADB
}


def library_failure(error: sqlite3.Error, path: Path | str | None) -> StoreError | None:
    """A one-line :class:`StoreError` when ``error`` means the library file cannot be used, else None.

    Read-only, disk full, I/O errors, a damaged file: every later write would
    fail the same way, so callers stop instead of blaming what they stored.
    """
    code = getattr(error, "sqlite_errorcode", -1)
    problem = "its folder is read-only" if code == 1544 else _FILE_PROBLEMS.get(code & 0xFF)  # READONLY_DIRECTORY
    if code & 0xFF == 8 and path is not None and os.access(path, os.W_OK):
        # Reading a read-only library leaves its -shm (and -wal) read-only
        # too; once the library is writable again they still block writes.
        stuck = [
            name for name in (f"{path}-shm", f"{path}-wal") if os.path.exists(name) and not os.access(name, os.W_OK)
        ]
        if stuck:
            problem = f"cannot write while {' and '.join(stuck)} {'is' if len(stuck) == 1 else 'are'} read-only"
    if code & 0xFF == 11:
        return StoreError(f"{path}: {problem} ({error}); {_RECOVER}")
    return None if problem is None else StoreError(f"{path}: {problem} ({error})")


_RECOVER = "copy out what is readable with `reader recover NEW.db`"
# Settings that hold a secret (reader.service.sync.account keeps them; the store
# cannot import it): a library holding one is kept private.
_PASSWORD_SETTING = "sync.password"
_ACCOUNT_SETTING = "sync.account"


def _create_library(path: Path) -> None:
    """Create an empty, private (0600) library file, and its missing folders (0700).

    SQLite gives the -wal and -shm files the permissions of the library
    file, so they are private too.
    """
    from reader.paths import make_private_folder

    try:
        make_private_folder(path.parent)
    except OSError as error:
        raise StoreError(f"{path.parent}: cannot create folder ({error.strerror})") from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # made meanwhile by another process
    except OSError as error:
        raise StoreError(f"{path}: cannot create the library file ({error.strerror})") from None


def _read_only_uri(path: Path) -> str | None:
    """The URI that opens ``path`` read-only, or None when it can be written.

    Writing needs the file, and the folder (for the -wal and -shm files) unless
    both exist and are writable. Without a -shm file in a read-only folder,
    SQLite cannot even read a WAL library ("unable to open database file"),
    so it is then opened immutable: read as it is, with no WAL index at all.
    """
    folder = path.parent
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    folder_ok = os.access(folder, os.W_OK) or all(os.access(name, os.W_OK) for name in (wal, shm))
    if os.access(path, os.W_OK) and folder_ok:
        return None
    immutable = "&immutable=1" if not os.access(folder, os.W_OK) and not shm.exists() else ""
    return f"file:{quote(str(path.absolute()))}?mode=ro{immutable}"


# (device, inode, size, modification time in ns) of a library file.
_Stamp = tuple[int, int, int, int]
#: What this process found checking each library as it was: the problem, or "" (sound).
_CHECKED: dict[_Stamp, str] = {}
#: Length of the -seen file: one fixed-size record, rewritten in place.
_SEEN_SIZE = 96


def _file_stamp(path: Path) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _read_seen(path: Path) -> _Stamp | None:
    """The stamp reader last wrote beside the library, if any (a torn or foreign file reads as none)."""
    try:
        with open(f"{path}-seen", "rb") as file:
            fields = file.read(_SEEN_SIZE).split()
        if len(fields) != 5 or fields[0] != b"reader-seen":
            return None
        dev, ino, size, mtime = (int(value) for value in fields[1:])
    except (OSError, ValueError):
        return None
    return dev, ino, size, mtime


def _write_seen(path: Path, stamp: _Stamp) -> None:
    # One write of a fixed-size record at offset 0: a reader of the file sees
    # the old or the new record (a torn one only costs a quick_check).
    record = "reader-seen {} {} {} {}".format(*stamp).encode().ljust(_SEEN_SIZE - 1) + b"\n"
    try:
        # O_NOFOLLOW: in a shared folder (--db /tmp/x.db) a planted symlink must not be written through.
        fd = os.open(f"{path}-seen", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return  # a read-only folder: the next start checks again
    try:
        os.pwrite(fd, record, 0)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# Schema

_SCHEMA_1 = """
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    url TEXT,
    title TEXT NOT NULL DEFAULT '',
    site_url TEXT,
    kind TEXT NOT NULL DEFAULT 'feed',
    etag TEXT,
    last_modified TEXT,
    last_fetch INTEGER,
    last_status TEXT,
    last_error TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_success INTEGER,
    dead INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);

CREATE TABLE feed_tags (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (feed_id, tag)
) WITHOUT ROWID;
CREATE INDEX feed_tags_by_tag ON feed_tags(tag, feed_id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    -- The feed's date when plausible, else the time it was first seen.
    published INTEGER NOT NULL,
    updated INTEGER,
    first_seen INTEGER NOT NULL,
    html TEXT,
    text TEXT NOT NULL DEFAULT '',
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    declared_comment_count INTEGER,
    comments_url TEXT,
    -- When the user last opened the thread: newer comments are "new".
    comments_seen INTEGER,
    UNIQUE (feed_id, guid)
);
CREATE INDEX articles_by_date ON articles(published DESC, id DESC);
CREATE INDEX articles_by_feed_date ON articles(feed_id, published DESC, id DESC);
CREATE INDEX articles_unread_by_date ON articles(published DESC, id DESC) WHERE read = 0;
CREATE INDEX articles_unread_by_feed_date ON articles(feed_id, published DESC, id DESC) WHERE read = 0;
CREATE INDEX articles_starred_by_date ON articles(published DESC, id DESC) WHERE starred = 1;
CREATE INDEX articles_by_guid ON articles(guid);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    parent_id INTEGER REFERENCES comments(id) ON DELETE SET NULL,
    -- The parent as the source named it; kept so a later copy can attach it.
    parent_guid TEXT,
    source_rank INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    depth INTEGER NOT NULL DEFAULT 0,
    author TEXT NOT NULL DEFAULT '',
    published INTEGER,
    text TEXT NOT NULL DEFAULT '',
    html TEXT,
    url TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER NOT NULL,
    UNIQUE (article_id, guid)
);
CREATE INDEX comments_in_thread_order ON comments(article_id, position);
CREATE INDEX comments_by_parent ON comments(parent_id);
CREATE INDEX comments_by_guid ON comments(guid);

-- Full-text search. The indexes are contentless and keyed by
-- (article date << 31 | row id), so "newest matches first" is FTS5's own
-- rowid order and a search reads only the page it shows, however many
-- articles match. Deletes must repeat the indexed values, which the
-- triggers take from the rows.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text)
    VALUES ((new.published << 31) | new.id, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete BEFORE DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', (old.published << 31) | old.id, old.title, old.text);
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c WHERE c.article_id = old.id;
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, published ON articles
WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.published IS NOT new.published BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', (old.published << 31) | old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text)
    VALUES ((new.published << 31) | new.id, new.title, new.text);
END;
CREATE TRIGGER articles_fts_rekey_comments AFTER UPDATE OF published ON articles
WHEN old.published IS NOT new.published BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c WHERE c.article_id = new.id;
    INSERT INTO comments_fts(rowid, text)
    SELECT (new.published << 31) | c.id, c.text FROM comments c WHERE c.article_id = new.id;
END;

CREATE VIRTUAL TABLE comments_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts(rowid, text)
    SELECT (a.published << 31) | new.id, new.text FROM articles a WHERE a.id = new.article_id;
END;
-- When the article itself is being deleted its trigger has already done this.
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments
WHEN EXISTS (SELECT 1 FROM articles WHERE id = old.article_id) BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF text ON comments
WHEN old.text IS NOT new.text BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
    INSERT INTO comments_fts(rowid, text)
    SELECT (a.published << 31) | new.id, new.text FROM articles a WHERE a.id = new.article_id;
END;
"""

# Version 2: small named values that outlive a session (the reader's last
# selected feed and article).
_SCHEMA_2 = """
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""

# Version 3: fetching. Feeds remember when a server asked to be left alone
# (429/503 Retry-After) and whether to fetch every article's full page;
# articles keep the extracted full text beside the feed's own HTML, the
# comment feed they name (wfw:commentRss) and when their thread was fetched.
_SCHEMA_3 = """
ALTER TABLE feeds ADD COLUMN retry_after INTEGER;
ALTER TABLE feeds ADD COLUMN full_text INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN full_html TEXT;
ALTER TABLE articles ADD COLUMN comment_feed_url TEXT;
ALTER TABLE articles ADD COLUMN comments_fetched INTEGER;
"""

# Version 4: new articles and comments are indexed for search by the store,
# in one ordered statement per transaction (:meth:`Store._index_pending`),
# instead of by a trigger per row. A trigger makes every row's INSERT a
# statement with its own savepoint, and FTS5 writes its pending data to disk
# at every savepoint: 4.5 s of a 5.7 s store of 25,000 articles went there.
_SCHEMA_4 = """
DROP TRIGGER articles_fts_insert;
DROP TRIGGER comments_fts_insert;
"""

# Version 5: what `reader prune` removed, so the next fetch of a feed that
# still lists an article does not bring it back as new and unread; and
# whether a feed's title is the user's own (a newsboat rename), which a
# fetched title never replaces.
_SCHEMA_5 = """
CREATE TABLE pruned (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    PRIMARY KEY (feed_id, guid)
) WITHOUT ROWID;
ALTER TABLE feeds ADD COLUMN custom_title INTEGER NOT NULL DEFAULT 0;
"""

# Version 6: sync with an aggregator server (reader/sync). Which local feed
# and article each server one is; the marks made here that the server has
# not been told yet (keyed by the server's id, so pruning the article here
# cannot lose its mark); and when read/starred were last set here, which
# decides conflicts for an article first matched with the server's copy.
_SCHEMA_6 = """
CREATE TABLE sync_feeds (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE,
    -- The tag the server's category gave the feed: a move there moves it here.
    category TEXT
);
CREATE TABLE sync_articles (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE
);
CREATE TABLE sync_pending (
    remote_id TEXT NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('read', 'starred')),
    value INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    PRIMARY KEY (remote_id, field)
) WITHOUT ROWID;
ALTER TABLE articles ADD COLUMN read_changed INTEGER;
ALTER TABLE articles ADD COLUMN starred_changed INTEGER;
"""

# Version 7: Reddit's "more replies" placeholders are a kind of row of their
# own instead of a comment by nobody: they are not counted in comment_count,
# not in the search index, and keep what fetching their replies needs (how
# many there are and their ids, as a JSON array). Articles keep the count
# the comment source itself reports (Reddit's num_comments), which is often
# far more than the fetched thread holds. Placeholders stored as comments
# (guid "reddit-more:...") become "more" rows: the count comes back out of
# their label ("… 12 more replies (not fetched)"; CAST reads the leading
# number, 0 for "continue this thread"), their ids were never kept (empty:
# only fetching the thread again brings them), and they leave the index.
# The index triggers skip "more" rows from now on.
_SCHEMA_7 = """
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'more'));
ALTER TABLE comments ADD COLUMN more_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN more_children TEXT;
ALTER TABLE articles ADD COLUMN source_comment_count INTEGER;

INSERT INTO comments_fts(comments_fts, rowid, text)
SELECT 'delete', (a.published << 31) | c.id, c.text FROM comments c JOIN articles a ON a.id = c.article_id
WHERE c.guid LIKE 'reddit-more:%';
UPDATE comments SET
    kind = 'more',
    more_count = max(0, CAST(substr(text, instr(text, ' ') + 1) AS INTEGER)),
    more_children = '[]',
    author = '',
    deleted = 0
WHERE guid LIKE 'reddit-more:%';
UPDATE articles SET comment_count = max(
    (SELECT count(*) FROM comments c WHERE c.article_id = articles.id AND c.kind = 'comment'),
    coalesce(declared_comment_count, 0)
) WHERE id IN (SELECT article_id FROM comments WHERE kind = 'more');

DROP TRIGGER articles_fts_delete;
CREATE TRIGGER articles_fts_delete BEFORE DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', (old.published << 31) | old.id, old.title, old.text);
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = old.id AND c.kind = 'comment';
END;
DROP TRIGGER articles_fts_rekey_comments;
CREATE TRIGGER articles_fts_rekey_comments AFTER UPDATE OF published ON articles
WHEN old.published IS NOT new.published BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = new.id AND c.kind = 'comment';
    INSERT INTO comments_fts(rowid, text)
    SELECT (new.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = new.id AND c.kind = 'comment';
END;
DROP TRIGGER comments_fts_delete;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments
WHEN old.kind = 'comment' AND EXISTS (SELECT 1 FROM articles WHERE id = old.article_id) BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
END;
DROP TRIGGER comments_fts_update;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF text ON comments
WHEN old.text IS NOT new.text AND new.kind = 'comment' BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
    INSERT INTO comments_fts(rowid, text)
    SELECT (a.published << 31) | new.id, new.text FROM articles a WHERE a.id = new.article_id;
END;
"""

#: Forward migrations; entry ``n`` takes a database from version ``n`` to ``n + 1``.
# A thread whose fetch failed (a server down, an answer that could not be
# read) is tried again by the next fetches, up to THREAD_ATTEMPTS times: it
# is not "new" any more, so nothing else would ever ask for it again.
_SCHEMA_8 = """
ALTER TABLE articles ADD COLUMN thread_failures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_thread_retry ON articles(id) WHERE thread_failures > 0;
"""

MIGRATIONS: list[str] = [_SCHEMA_1, _SCHEMA_2, _SCHEMA_3, _SCHEMA_4, _SCHEMA_5, _SCHEMA_6, _SCHEMA_7, _SCHEMA_8]
#: Fetches that try a failed thread before it is left to `reader comments ID`.
THREAD_ATTEMPTS = 3
SCHEMA_VERSION = len(MIGRATIONS)

_ARTICLE_COLUMNS = """
    a.id, a.feed_id, f.title AS feed, a.guid, a.url, a.title, a.author, a.published,
    a.read, a.starred, a.comment_count, a.comments_url
"""

# Filter fragments are fixed SQL (never built from user text), written with
# literals so SQLite can prove that the partial indexes apply.
_UNREAD = "a.read = 0"
_STARRED = "a.starred = 1"


# The low 31 bits of a full-text rowid hold the article or comment id.
_ROW_ID_MASK = (1 << 31) - 1

# The comments of one article that match, in thread order: the rowid range of
# the article's date (parameters: mask, MATCH, first key, last key, article
# id). Other articles of the same second share the range, hence the
# article_id test; CROSS JOIN keeps the index first, so only matches are read.
_THREAD_MATCHES = """SELECT c.id, c.author, c.text
FROM comments_fts CROSS JOIN comments c ON c.id = comments_fts.rowid & ?
WHERE comments_fts MATCH ? AND comments_fts.rowid BETWEEN ? AND ? AND c.article_id = ?
ORDER BY c.position"""


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
    #: Why the batch could not be stored (nothing of it was), when it could not.
    error: str | None = None

    def add(self, other: BatchStats) -> None:
        """Accumulate ``other`` into this one."""
        self.feeds_added += other.feeds_added
        self.articles_added += other.articles_added
        self.articles_updated += other.articles_updated
        self.comments_added += other.comments_added
        self.fresh_article_ids.extend(other.fresh_article_ids)


@dataclass(frozen=True)
class FeedToFetch:
    """A subscription as the fetcher needs it."""

    id: int
    key: str
    url: str
    etag: str | None
    last_modified: str | None
    full_text: bool


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


@dataclass(frozen=True)
class ArticleFilter:
    """Which articles a list shows: optionally only unread, only starred, one feed, one tag."""

    unread: bool = False
    starred: bool = False
    feed_id: int | None = None
    #: Only feeds carrying this tag.
    tag: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The WHERE clause and its parameters."""
        clauses = ["1"]
        params: list[object] = []
        if self.unread:
            clauses.append(_UNREAD)
        if self.starred:
            clauses.append(_STARRED)
        if self.feed_id is not None:
            clauses.append("a.feed_id = ?")
            params.append(self.feed_id)
        if self.tag is not None:
            # "+" keeps the planner on the date index: through the per-feed one
            # it would sort every article of the tag to show one page.
            clauses.append("+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
            params.append(self.tag)
        return " AND ".join(clauses), params


# -- sync (reader/sync) --------------------------------------------------------

#: How a synced article is named until its feed's own copy gives the guid:
#: ``sha1:`` and the hex SHA-1 of that guid, which is what TT-RSS keeps.
SYNC_GUID_PREFIX = "sha1:"


def _guid_sha1(guid: str) -> str:
    """The hex SHA-1 a sync server keeps of a feed's guid (a stand-in guid already is one)."""
    if guid.startswith(SYNC_GUID_PREFIX):
        return guid[len(SYNC_GUID_PREFIX) :]
    return hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()


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
    #: Feeds the server no longer lists (their link is dropped; the feed stays here).
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
class PendingMark:
    """A mark made here that the sync server has not confirmed yet."""

    remote_id: str
    #: ``read`` or ``starred``.
    field: str
    value: bool
    #: When it was made here (Unix time).
    changed: int


@dataclass
class _UnsyncedIndex:
    """A feed's articles not yet linked to the server, to match the server's copies against."""

    by_hash: dict[str, sqlite3.Row] = field(default_factory=dict)
    by_url: dict[str, sqlite3.Row] = field(default_factory=dict)
    #: SHA-1 of the guids pruned here.
    pruned: set[str] = field(default_factory=set)
    #: Rows already matched in this page (each local article matches one server article).
    used: set[int] = field(default_factory=set)

    def match(self, guid_sha1: str | None, url: str | None) -> sqlite3.Row | None:
        """The local article with this guid hash, else this link, not matched yet."""
        for row in (self.by_hash.get(guid_sha1 or ""), self.by_url.get(url or "")):
            if row is not None and row["id"] not in self.used:
                self.used.add(row["id"])
                return row
        return None


def _row_to_article(row: sqlite3.Row) -> ArticleRow:
    return ArticleRow(
        id=row["id"],
        feed_id=row["feed_id"],
        feed=row["feed"] or "",
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        author=row["author"],
        published=row["published"],
        read=bool(row["read"]),
        starred=bool(row["starred"]),
        comment_count=row["comment_count"],
        comments_url=row["comments_url"],
    )


class Store:
    """The library of feeds, articles and comments in one SQLite file.

    Open one ``Store`` per thread; SQLite's WAL mode lets readers and one
    writer work side by side, across threads and processes.
    """

    def __init__(self, path: Path | str, *, create: bool = True, bulk: bool = False) -> None:
        """Open (or create) the library at ``path``.

        ``bulk`` is for a writer of much that can be written again (a fetch):
        commits that a power cut may undo (never corrupt), and a bigger page
        cache for the search index.
        """
        self.path = Path(path) if str(path) != ":memory:" else None
        self.bulk = bulk
        #: One-line warnings about the library file met while opening it (a
        #: password readable by others), for the caller to show.
        self.warnings: list[str] = []
        #: Opened read-only: the file, or its folder, cannot be written.
        self.read_only = False
        target = str(self.path) if self.path else ":memory:"
        if self.path is not None:
            if not self.path.exists():
                if not create:
                    raise StoreError(f"{self.path}: no such database")
                _create_library(self.path)
            read_only_uri = _read_only_uri(self.path)
            if read_only_uri is not None:
                self.read_only, target = True, read_only_uri
        try:
            conn = sqlite3.connect(
                target,
                isolation_level=None,  # explicit BEGIN/COMMIT in transaction()
                check_same_thread=False,
                uri=self.read_only,
            )
        except sqlite3.Error as error:
            raise StoreError(f"{path}: cannot open database ({error})") from None
        conn.row_factory = sqlite3.Row
        self.conn = conn
        # Within a write transaction: the highest article and comment ids
        # already in the search index, and whether rows were inserted since.
        self._indexed_upto: tuple[int, int] | None = None
        self._unindexed = False
        self._stand_in_feeds: set[int] | None = None
        try:
            # Before anything is written (even the switch to WAL): a file
            # from a newer reader is left exactly as it is.
            self._refuse_newer()
            self._refuse_damaged()
            self._configure()
            self._migrate()
            self._protect_secrets()
        except sqlite3.DatabaseError as error:
            conn.close()
            failure = library_failure(error, path)
            raise failure or StoreError(f"{path}: not a reader database ({error})") from None
        except StoreError:
            conn.close()
            raise

    @property
    def db(self) -> sqlite_utils.Database:
        """The library through sqlite-utils, for inspection and ad-hoc scripts.

        Imported on first use: it costs 27 ms of every command's start-up.
        """
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    # -- lifecycle ---------------------------------------------------------

    def _configure(self) -> None:
        self.conn.execute("PRAGMA busy_timeout = 10000")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if self.path is not None and not self.read_only:
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        # FULL: a commit (a mark, an import) survives a power cut too. With
        # NORMAL a power cut may undo a fetch's last commits, never corrupt
        # the file, and the next fetch brings them back; it saves a disk
        # flush per batch.
        self.conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.bulk else 'FULL'}")
        if self.bulk:
            # 32 MB instead of 2: the full-text index's pages stay in memory
            # while a batch is indexed (storing 500 feeds: 3.1 s -> 2.5 s).
            self.conn.execute("PRAGMA cache_size = -32000")

    def _refuse_newer(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema {version} is newer than this reader "
                f"understands ({SCHEMA_VERSION}); upgrade reader"
            )
        if version == 0:
            # Another program's database (newsboat's cache.db given as --db):
            # creating reader's tables in it would change a file that is not ours.
            other = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1"
            ).fetchone()
            if other is not None:
                raise StoreError(
                    f"{self.path}: not a reader library (an SQLite file with other tables, such as "
                    f"{clean_line(str(other[0]))[:40]!r}); to bring in a newsboat cache, use `reader import`"
                )

    def _refuse_damaged(self) -> None:
        """Refuse a library whose pages are damaged, checked when the file changed since reader last saw it.

        ``PRAGMA quick_check`` reads every page: on the 100,000-article
        benchmark library (1.2 GB) it took 10.1 s from a cold disk cache and
        0.75-1.06 s from a warm one, so it cannot run at every start. It runs
        when the file is not as reader left it (size, modification time or
        inode differ from the ``-seen`` file written after every commit and
        close): another program wrote it, or a copy replaced it. Damage met
        later still gets one line from :func:`library_failure`.
        """
        if self.path is None:
            return
        stamp = _file_stamp(self.path)
        if stamp is None or stamp[2] == 0:
            return  # a library being created: nothing to check yet
        problem = _CHECKED.get(stamp)
        if problem is None:
            if _read_seen(self.path) == stamp:
                return
            self.conn.execute("PRAGMA busy_timeout = 10000")
            try:
                found = [str(row[0]) for row in self.conn.execute("PRAGMA quick_check(3)")]
                problem = "" if found == ["ok"] else "; ".join(clean_line(text) for text in found)
            except sqlite3.DatabaseError as error:
                if getattr(error, "sqlite_errorcode", -1) & 0xFF not in (11, 26):  # CORRUPT, NOTADB
                    raise
                problem = clean_line(str(error))
            _CHECKED[stamp] = problem
            if not problem and not self.read_only:
                _write_seen(self.path, stamp)
        if problem:
            raise StoreError(f"{self.path}: the library file is damaged (quick_check: {problem[:120]}); {_RECOVER}")

    def _protect_secrets(self) -> None:
        """Make a library that holds a sync password private, with a warning, when others can read it."""
        if self.path is None:
            return
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return
        if mode & 0o077 and self._holds_secret():
            self.warnings.extend(self.make_private())

    def _holds_secret(self) -> bool:
        # A stored password, or an account kept by an older reader with the
        # password in its URL (https://user:password@host/).
        row = self.conn.execute(
            "SELECT 1 FROM settings WHERE key = ? OR (key = ? AND value LIKE '%://%:%@%') LIMIT 1",
            (_PASSWORD_SETTING, _ACCOUNT_SETTING),
        ).fetchone()
        return row is not None

    def make_private(self) -> list[str]:
        """Take every permission of group and others off the library and its -wal and -shm files.

        For a library that holds a password. Returns one line saying what
        changed (or why it could not), nothing when it was private already.
        """
        if self.path is None:
            return []
        changed: list[str] = []
        for name in (str(self.path), f"{self.path}-wal", f"{self.path}-shm"):
            try:
                mode = os.stat(name).st_mode & 0o777
                if mode & 0o077:
                    os.chmod(name, mode & 0o700)
                    changed.append(f"{os.path.basename(name)} {mode:04o} -> {mode & 0o700:04o}")
            except FileNotFoundError:
                continue
            except OSError as error:
                return [
                    f"{self.path}: it holds a sync password and others can read it; "
                    f"cannot change that ({error.strerror or error})"
                ]
        if not changed:
            return []
        return [f"{self.path}: it holds a sync password, so it is now readable by you only ({', '.join(changed)})"]

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION and self.read_only:
            raise StoreError(
                f"{self.path}: the library is read-only and needs an upgrade (schema {version} to "
                f"{SCHEMA_VERSION}); open it once where it can be written"
            )
        for number in range(version, SCHEMA_VERSION):
            # Not self.transaction(): the tables it looks at may not exist yet.
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(MIGRATIONS[number]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        """The schema version stored in the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection, and note the file as reader leaves it (see :meth:`_refuse_damaged`)."""
        self.conn.close()
        self._note_seen()

    def _note_seen(self) -> None:
        if self.path is not None and not self.read_only:
            stamp = _file_stamp(self.path)
            if stamp is not None and not _CHECKED.get(stamp):
                _write_seen(self.path, stamp)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction: all of it lands, or none of it."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._indexed_upto = self._max_ids()
            self._stand_in_feeds = None
            yield
            self._index_pending()
        except BaseException:
            self._indexed_upto = None
            self._unindexed = False
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._indexed_upto = None
            self.conn.execute("COMMIT")
            # The commit may have changed the file (a checkpoint): another
            # process opening it now must not take that for damage.
            self._note_seen()

    def _max_ids(self) -> tuple[int, int]:
        row = self.conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM articles), (SELECT coalesce(max(id), 0) FROM comments)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def _index_pending(self) -> None:
        """Add the articles and comments inserted so far in this transaction to the search index.

        Rows are ids above the ones the transaction started with (ids only
        grow), and go in key order: FTS5 also writes out its pending data
        whenever a key comes lower than the last. Must run before any
        statement whose trigger removes a row from the index (an update of
        an indexed column, a delete), since the row has to be there first.
        """
        if self._indexed_upto is None:
            return
        articles_upto, comments_upto = self._indexed_upto
        latest = self._max_ids()
        if latest == self._indexed_upto:
            return
        if latest[0] > articles_upto:
            self.conn.execute(
                """INSERT INTO articles_fts(rowid, title, text)
                SELECT (published << 31) | id, title, text FROM articles WHERE id > ? ORDER BY 1""",
                (articles_upto,),
            )
        if latest[1] > comments_upto:
            self.conn.execute(
                """INSERT INTO comments_fts(rowid, text)
                SELECT (a.published << 31) | c.id, c.text FROM comments c JOIN articles a ON a.id = c.article_id
                WHERE c.id > ? AND c.kind = 'comment' ORDER BY 1""",
                (comments_upto,),
            )
        self._indexed_upto = latest
        self._unindexed = False

    # -- feeds -------------------------------------------------------------

    def upsert_feed(self, feed: FeedData, now: int | None = None) -> tuple[int, bool]:
        """Store ``feed`` (matched by key); returns ``(id, created)``.

        A stored title or URL is only replaced by a non-empty one. Tags are
        added, never removed.
        """
        now = now if now is not None else dates.now()
        row = self.conn.execute("SELECT id FROM feeds WHERE key = ?", (feed.key,)).fetchone()
        if row is None:
            cursor = self.conn.execute(
                """INSERT INTO feeds (key, url, title, site_url, kind, created, custom_title)
                VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (feed.key, feed.url, feed.title, feed.site_url, feed.kind, now, int(feed.custom_title)),
            )
            feed_id, created = int(cursor.lastrowid or 0), True
        else:
            feed_id, created = int(row["id"]), False
            # A subscription ("feed") wins over a local copy of the same feed.
            self.conn.execute(
                """UPDATE feeds SET
                    title = CASE
                        WHEN custom_title = 1 AND :custom = 0 THEN title
                        WHEN :title != '' THEN :title ELSE title END,
                    custom_title = max(custom_title, :custom),
                    url = coalesce(:url, url),
                    site_url = coalesce(:site_url, site_url),
                    kind = CASE WHEN :kind = 'feed' THEN 'feed' ELSE kind END
                WHERE id = :id""",
                {
                    "title": feed.title,
                    "url": feed.url,
                    "site_url": feed.site_url,
                    "kind": feed.kind,
                    "custom": int(feed.custom_title),
                    "id": feed_id,
                },
            )
        if feed.tags:
            self.conn.executemany(
                "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)",
                [(feed_id, tag) for tag in feed.tags],
            )
        return feed_id, created

    def add_feed(self, feed: FeedData) -> tuple[int, bool]:
        """Subscribe to ``feed`` in its own transaction; returns ``(id, created)``."""
        with self.transaction():
            return self.upsert_feed(feed)

    def feeds(self) -> list[FeedRow]:
        """All feeds with unread and total counts, ordered by title."""
        rows = self.conn.execute(
            """
            SELECT f.*,
                (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.read = 0) AS unread,
                (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS total
            FROM feeds f
            ORDER BY f.title COLLATE NOCASE, f.id
            """
        ).fetchall()
        tags: dict[int, list[str]] = {}
        for tag_row in self.conn.execute("SELECT feed_id, tag FROM feed_tags ORDER BY tag"):
            tags.setdefault(tag_row["feed_id"], []).append(tag_row["tag"])
        return [
            FeedRow(
                id=row["id"],
                key=row["key"],
                title=row["title"],
                url=row["url"],
                site_url=row["site_url"],
                kind=row["kind"],
                unread=row["unread"],
                total=row["total"],
                tags=tags.get(row["id"], []),
                last_status=row["last_status"],
                last_error=row["last_error"],
                error_count=row["error_count"],
                last_success=row["last_success"],
            )
            for row in rows
        ]

    def feed_exists(self, feed_id: int) -> bool:
        """True if a feed with this id is stored."""
        return self.conn.execute("SELECT 1 FROM feeds WHERE id = ?", (feed_id,)).fetchone() is not None

    def counts(self) -> dict[str, int]:
        """Number of articles in the all, unread and starred views."""
        views = {"all": "1", "unread": _UNREAD, "starred": _STARRED}
        return {
            view: self.conn.execute(f"SELECT count(*) FROM articles a WHERE {where}").fetchone()[0]
            for view, where in views.items()
        }

    # -- storing articles --------------------------------------------------

    def store_batch(self, batch: ImportBatch, now: int | None = None) -> BatchStats:
        """Store everything one import produced, in one transaction."""
        now = now if now is not None else dates.now()
        with self.transaction():
            return self._store(batch, now)

    def store_batches(self, batches: Sequence[ImportBatch], now: int | None = None) -> list[BatchStats]:
        """Store several batches in one transaction (one commit for a whole round of feeds)."""
        now = now if now is not None else dates.now()
        with self.transaction():
            return self._store_many(batches, now)

    def _store(self, batch: ImportBatch, now: int) -> BatchStats:
        return self._store_many([batch], now)[0]

    def _store_many(self, batches: Sequence[ImportBatch], now: int) -> list[BatchStats]:
        all_stats = [BatchStats() for _ in batches]
        feed_ids: dict[str, int] = {}

        def feed_id_for(feed: FeedData, stats: BatchStats) -> int:
            if feed.key not in feed_ids:
                feed_ids[feed.key], created = self.upsert_feed(feed, now)
                stats.feeds_added += created
            return feed_ids[feed.key]

        for batch, stats in zip(batches, all_stats, strict=True):
            for feed in batch.feeds:
                feed_id_for(feed, stats)
        # Oldest first, across every batch: the full-text index is keyed by
        # date, and FTS5 writes out its pending data whenever a key comes in
        # lower than the last one. Feeds list newest first, so storing them in
        # their own order made that happen on nearly every row (2.4 times the
        # indexing work, measured in benchmarks/README.md).
        pending = [
            (now if article.published is None else article.published, index, position, feed, article)
            for index, batch in enumerate(batches)
            for position, (feed, article) in enumerate(batch.articles)
        ]
        pending.sort(key=lambda item: item[:3])
        if self.conn.execute("SELECT EXISTS (SELECT 1 FROM pruned)").fetchone()[0]:
            pending = [
                item
                for item in pending
                if not self.conn.execute(
                    "SELECT 1 FROM pruned WHERE feed_id = ? AND guid = ?",
                    (feed_id_for(item[3], all_stats[item[1]]), item[4].guid),
                ).fetchone()
            ]
        for _published, index, _position, feed, article in pending:
            stats = all_stats[index]
            article_id, created, changed, fresh = self._upsert_article(feed_id_for(feed, stats), article, now)
            if created:
                stats.articles_added += 1
            elif changed:
                stats.articles_updated += 1
            if fresh:
                stats.fresh_article_ids.append(article_id)
            stats.comments_added += self._merge_comments(article_id, article.comments, now)
        for batch, stats in zip(batches, all_stats, strict=True):
            for article_id, comments in batch.thread_additions:
                stats.comments_added += self._merge_comments(article_id, comments, now)
        return all_stats

    def find_article(self, guid: str) -> int | None:
        """The id of a stored article with this guid (in any feed), if any."""
        row = self.conn.execute("SELECT id FROM articles WHERE guid = ? ORDER BY id LIMIT 1", (guid,)).fetchone()
        return int(row["id"]) if row else None

    def find_thread(self, guid: str) -> tuple[int, bool] | None:
        """Where a guid lives: ``(article id, False)`` for an article, ``(article id, True)`` for a comment."""
        article_id = self.find_article(guid)
        if article_id is not None:
            return article_id, False
        row = self.conn.execute(
            "SELECT article_id FROM comments WHERE guid = ? ORDER BY id LIMIT 1", (guid,)
        ).fetchone()
        return (int(row["article_id"]), True) if row else None

    def add_comments(self, article_id: int, comments: Sequence[CommentData], now: int | None = None) -> int:
        """Merge ``comments`` into an article's thread in one transaction; returns how many were new."""
        now = now if now is not None else dates.now()
        with self.transaction():
            return self._merge_comments(article_id, comments, now)

    # How a stored article takes in a newer copy, column by new value. Read
    # and starred state only ever gains a mark here, and a value missing from
    # the newer copy keeps the stored one.
    _ARTICLE_MERGE = (
        ("url", "coalesce(:url, url)"),
        ("title", "CASE WHEN :title != '' THEN :title ELSE title END"),
        ("author", "CASE WHEN :author != '' THEN :author ELSE author END"),
        ("published", "coalesce(:published, published)"),
        ("updated", "coalesce(:updated, updated)"),
        ("html", "CASE WHEN coalesce(:html, '') != '' THEN :html ELSE html END"),
        ("text", "CASE WHEN :text != '' THEN :text ELSE text END"),
        ("declared_comment_count", "coalesce(:declared, declared_comment_count)"),
        ("comment_count", "max(comment_count, coalesce(:declared, 0))"),
        ("comments_url", "coalesce(:comments_url, comments_url)"),
        ("comment_feed_url", "coalesce(:comment_feed_url, comment_feed_url)"),
        ("read", "max(read, :read)"),
        ("starred", "max(starred, :starred)"),
    )
    # The row is written only when the copy changes something in it: a file
    # imported again unchanged is no update (and is not indexed again).
    _MERGE_ARTICLE = (
        "UPDATE articles SET ({columns}) = ({values}) WHERE id = :id AND ({columns}) IS NOT ({values})".format(
            columns=", ".join(column for column, _value in _ARTICLE_MERGE),
            values=", ".join(value for _column, value in _ARTICLE_MERGE),
        )
    )

    def _upsert_article(self, feed_id: int, article: ArticleData, now: int) -> tuple[int, bool, bool, bool]:
        """Insert or update; returns (id, created, changed, fresh).

        ``changed``: the stored row is different now (a copy identical to it
        is no update); ``fresh``: new, or its declared comment count changed.
        """
        existing = self.conn.execute(
            "SELECT id, declared_comment_count FROM articles WHERE feed_id = ? AND guid = ?",
            (feed_id, article.guid),
        ).fetchone()
        adopted = False
        if existing is None and feed_id in self._feeds_with_stand_ins():
            existing = self._adopt_synced(feed_id, article.guid)
            adopted = existing is not None  # the stand-in took the real guid: a change
        if existing is None:
            cursor = self.conn.execute(
                """INSERT INTO articles (feed_id, guid, url, title, author, published, updated,
                    first_seen, html, text, declared_comment_count, comment_count, comments_url,
                    comment_feed_url, read, starred)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    feed_id,
                    article.guid,
                    article.url,
                    article.title,
                    article.author,
                    article.published if article.published is not None else now,
                    article.updated,
                    now,
                    article.html,
                    article.text,
                    article.declared_comment_count,
                    article.declared_comment_count or 0,
                    article.comments_url,
                    article.comment_feed_url,
                    int(bool(article.read)),
                    int(bool(article.starred)),
                ),
            )
            self._unindexed = True
            return int(cursor.lastrowid or 0), True, True, True
        article_id = int(existing["id"])
        if self._unindexed:
            self._index_pending()
        declared = article.declared_comment_count
        fresh = declared is not None and declared != existing["declared_comment_count"]
        cursor = self.conn.execute(
            self._MERGE_ARTICLE,
            {
                "url": article.url,
                "title": article.title,
                "author": article.author,
                "published": article.published,
                "updated": article.updated,
                "html": article.html,
                "text": article.text,
                "declared": article.declared_comment_count,
                "comments_url": article.comments_url,
                "comment_feed_url": article.comment_feed_url,
                "read": int(bool(article.read)),
                "starred": int(bool(article.starred)),
                "id": article_id,
            },
        )
        return article_id, False, adopted or cursor.rowcount > 0, fresh

    def _merge_comments(self, article_id: int, comments: Sequence[CommentData], now: int) -> int:
        """Upsert comments into an article's thread, then recompute its display order.

        Returns how many comments were new ("more" placeholders are stored
        but not counted: they are not comments). A row's kind is set when it
        is first stored and never changes, which keeps the search index (of
        comments only) right.
        """
        if not comments:
            return 0
        existing = {
            row["guid"]: row["id"]
            for row in self.conn.execute("SELECT id, guid FROM comments WHERE article_id = ?", (article_id,))
        }
        # Stored comments keep their place; new ones rank after everything
        # stored, so a thread never reshuffles under the reader and comments
        # that arrive later (a comment feed read after the post) come last
        # among their siblings.
        next_rank = self.conn.execute(
            "SELECT coalesce(max(source_rank) + 1, 0) FROM comments WHERE article_id = ?", (article_id,)
        ).fetchone()[0]
        added = 0
        for comment in comments:
            values = {
                "article_id": article_id,
                "guid": comment.guid,
                "parent_guid": comment.parent_guid,
                "rank": next_rank,
                "author": comment.author,
                "published": comment.published,
                "text": comment.text,
                "html": comment.html,
                "url": comment.url,
                "deleted": int(comment.deleted),
                "now": now,
                "kind": comment.kind,
                "more_count": comment.more_count if comment.kind == "more" else 0,
                "more_children": json.dumps(comment.more_children) if comment.kind == "more" else None,
            }
            if comment.guid in existing:
                values["id"] = existing[comment.guid]
                if self._unindexed:
                    self._index_pending()
                self.conn.execute(
                    """UPDATE comments SET
                        parent_guid = :parent_guid,
                        author = CASE WHEN :author != '' THEN :author ELSE author END,
                        published = coalesce(:published, published),
                        text = CASE WHEN :text != '' THEN :text ELSE text END,
                        html = coalesce(:html, html),
                        url = coalesce(:url, url),
                        deleted = :deleted,
                        more_count = :more_count,
                        more_children = :more_children
                    WHERE id = :id""",
                    values,
                )
            else:
                cursor = self.conn.execute(
                    """INSERT INTO comments (article_id, guid, parent_guid, source_rank, author,
                        published, text, html, url, deleted, first_seen, kind, more_count, more_children)
                    VALUES (:article_id, :guid, :parent_guid, :rank, :author, :published, :text,
                        :html, :url, :deleted, :now, :kind, :more_count, :more_children)""",
                    values,
                )
                existing[comment.guid] = int(cursor.lastrowid or 0)
                self._unindexed = True
                if comment.kind == "comment":
                    added += 1
                next_rank += 1
        self._reorder_thread(article_id)
        return added

    def _reorder_thread(self, article_id: int) -> None:
        rows = self.conn.execute(
            "SELECT id, guid, parent_guid, kind FROM comments WHERE article_id = ? ORDER BY source_rank, id",
            (article_id,),
        ).fetchall()
        id_by_guid = {row["guid"]: row["id"] for row in rows}
        placed = order_thread([(row["guid"], row["parent_guid"]) for row in rows])
        self.conn.executemany(
            "UPDATE comments SET parent_id = ?, position = ?, depth = ? WHERE id = ?",
            [
                (
                    id_by_guid[p.parent] if p.parent is not None else None,
                    p.position,
                    p.depth,
                    id_by_guid[p.key],
                )
                for p in placed
            ],
        )
        self.conn.execute(
            "UPDATE articles SET comment_count = max(?, coalesce(declared_comment_count, 0)) WHERE id = ?",
            (sum(1 for row in rows if row["kind"] == "comment"), article_id),
        )

    def more_placeholder(self, comment_id: int) -> MorePlaceholder | None:
        """The "more replies" row ``comment_id``, or None when there is no such row (or it is a comment)."""
        row = self.conn.execute(
            """SELECT id, article_id, guid, parent_guid, more_count, more_children FROM comments
            WHERE id = ? AND kind = 'more'""",
            (comment_id,),
        ).fetchone()
        if row is None:
            return None
        return MorePlaceholder(
            id=row["id"],
            article_id=row["article_id"],
            guid=row["guid"],
            parent_guid=row["parent_guid"],
            count=row["more_count"],
            children=_json_ids(row["more_children"]),
        )

    def comment_guids(self, article_id: int) -> set[str]:
        """The guids of the comments (not placeholders) stored in an article's thread."""
        return {
            row[0]
            for row in self.conn.execute(
                "SELECT guid FROM comments WHERE article_id = ? AND kind = 'comment'", (article_id,)
            )
        }

    def expand_more(self, more_comment_id: int, comments: Sequence[CommentData], now: int | None = None) -> int:
        """Replace a "more replies" row by the replies fetched for it, in one transaction.

        ``comments`` name their parents by guid, so they attach under the
        comments they answer wherever those are; "more" items among them (the
        rest of a long list, deeper replies left out) are stored as new
        placeholders. New rows come after what is stored, where the
        placeholder was among its siblings. Returns how many comments were
        added. Raises :class:`StoreError` when the row is not (or no longer)
        a placeholder, e.g. its replies were loaded already.
        """
        now = now if now is not None else dates.now()
        with self.transaction():
            row = self.conn.execute(
                "SELECT article_id FROM comments WHERE id = ? AND kind = 'more'", (more_comment_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"comment {more_comment_id} is not a placeholder for more replies (loaded already?)")
            article_id = int(row["article_id"])
            if self._unindexed:
                self._index_pending()
            self.conn.execute("DELETE FROM comments WHERE id = ?", (more_comment_id,))
            added = self._merge_comments(article_id, comments, now)
            if not comments:
                self._reorder_thread(article_id)
        return added

    # -- fetching ----------------------------------------------------------

    def feeds_due(self, feed_ids: Sequence[int] | None = None, now: int | None = None) -> list[FeedToFetch]:
        """Subscriptions to fetch: not dead, not asked to wait (429/503), optionally only ``feed_ids``."""
        now = now if now is not None else dates.now()
        rows = self.conn.execute(
            """SELECT id, key, url, etag, last_modified, full_text FROM feeds
            WHERE kind = 'feed' AND url IS NOT NULL AND dead = 0
              AND (retry_after IS NULL OR retry_after <= ?)
            ORDER BY id""",
            (now,),
        ).fetchall()
        wanted = set(feed_ids) if feed_ids is not None else None
        return [
            FeedToFetch(row["id"], row["key"], row["url"], row["etag"], row["last_modified"], bool(row["full_text"]))
            for row in rows
            if wanted is None or row["id"] in wanted
        ]

    def record_fetch(self, feed_id: int, outcome: FetchOutcome, now: int | None = None) -> None:
        """Remember how fetching a feed went (its own transaction)."""
        with self.transaction():
            self._record_fetch(feed_id, outcome, now if now is not None else dates.now())

    def _record_fetch(self, feed_id: int, outcome: FetchOutcome, now: int) -> None:
        if outcome.error is None:
            self.conn.execute(
                """UPDATE feeds SET last_fetch = :now, last_status = :status, last_error = NULL,
                    error_count = 0, last_success = :now, retry_after = NULL,
                    etag = coalesce(:etag, etag), last_modified = coalesce(:modified, last_modified),
                    url = coalesce(:moved, url)
                WHERE id = :id""",
                {
                    "now": now,
                    "status": outcome.status,
                    "etag": outcome.etag,
                    "modified": outcome.last_modified,
                    "moved": outcome.moved_to,
                    "id": feed_id,
                },
            )
        else:
            self.conn.execute(
                """UPDATE feeds SET last_fetch = :now, last_status = :status, last_error = :error,
                    error_count = error_count + 1, dead = max(dead, :dead), retry_after = :retry,
                    url = coalesce(:moved, url)
                WHERE id = :id""",
                {
                    "now": now,
                    "status": outcome.status,
                    "error": outcome.error,
                    "dead": int(outcome.dead),
                    "retry": outcome.retry_after,
                    "moved": outcome.moved_to,
                    "id": feed_id,
                },
            )

    def store_fetched(
        self, results: Sequence[tuple[int, FetchOutcome, ImportBatch | None]], now: int | None = None
    ) -> list[BatchStats]:
        """Store a round of fetched feeds and their fetch records in one transaction.

        A feed whose batch cannot be stored (a parser let through what SQLite
        refuses) fails alone: the round is stored again feed by feed, and
        that feed keeps what it had, with the reason as its error (also in
        its :attr:`BatchStats.error`). A library that cannot be written at
        all fails the round, as it would fail every feed.
        """
        now = now if now is not None else dates.now()
        try:
            with self.transaction():
                stored = iter(self._store_many([batch for _, _, batch in results if batch is not None], now))
                stats = [next(stored) if batch is not None else BatchStats() for _, _, batch in results]
                for feed_id, outcome, _batch in results:
                    self._record_fetch(feed_id, outcome, now)
            return stats
        except Exception as error:
            self._raise_if_unusable(error)
        return [self._store_one_fetched(feed_id, outcome, batch, now) for feed_id, outcome, batch in results]

    def _store_one_fetched(
        self, feed_id: int, outcome: FetchOutcome, batch: ImportBatch | None, now: int
    ) -> BatchStats:
        """One feed of a round that failed as a whole, in its own transaction; its own failure is its error."""
        try:
            with self.transaction():
                stats = self._store_many([batch], now)[0] if batch is not None else BatchStats()
                self._record_fetch(feed_id, outcome, now)
            return stats
        except Exception as error:
            self._raise_if_unusable(error)
            message = f"could not store it: {type(error).__name__}: {clean_line(str(error))[:160]}"
        with self.transaction():
            self._record_fetch(feed_id, FetchOutcome(outcome.status, message), now)
        return BatchStats(error=message)

    def _raise_if_unusable(self, error: Exception) -> None:
        """Raise ``error`` as a :class:`StoreError` if it means the library cannot be written at all."""
        if isinstance(error, StoreError):
            raise error
        if isinstance(error, sqlite3.Error):
            failure = library_failure(error, self.path)
            if failure is not None:
                raise failure from None

    def set_feed_full_text(self, feed_id: int, enabled: bool) -> None:
        """Fetch every article page of this feed (feeds that carry only summaries)."""
        with self.transaction():
            self.conn.execute("UPDATE feeds SET full_text = ? WHERE id = ?", (int(enabled), feed_id))

    def set_full_text(self, article_id: int, html: str, text: str) -> None:
        """Keep an article's extracted full page beside the feed's version; search sees its text."""
        with self.transaction():
            self.conn.execute(
                "UPDATE articles SET full_html = ?, text = CASE WHEN length(?) > length(text) THEN ? ELSE text END "
                "WHERE id = ?",
                (html, text, text, article_id),
            )

    def articles_for_comments(self, article_ids: Sequence[int]) -> list[ThreadSource]:
        """Where the threads of these articles can be fetched from."""
        found = []
        for marks, chunk in _in_chunks(article_ids):
            for row in self.conn.execute(
                f"""SELECT id, guid, url, comments_url, comment_feed_url, declared_comment_count
                FROM articles WHERE id IN ({marks})""",
                chunk,
            ):
                found.append(
                    ThreadSource(
                        row["id"],
                        row["guid"],
                        row["url"],
                        row["comments_url"],
                        row["comment_feed_url"],
                        row["declared_comment_count"],
                    )
                )
        return found

    def articles_needing_full_text(
        self, article_ids: Sequence[int], threshold: int, full_text_feeds: set[int]
    ) -> list[tuple[int, str]]:
        """(id, url) of articles whose stored text is shorter than ``threshold`` or whose feed wants full text."""
        wanted = []
        for marks, chunk in _in_chunks(article_ids):
            for row in self.conn.execute(
                f"""SELECT id, url, feed_id, length(text) AS size FROM articles
                WHERE id IN ({marks}) AND full_html IS NULL AND url IS NOT NULL""",
                chunk,
            ):
                if row["size"] < threshold or row["feed_id"] in full_text_feeds:
                    wanted.append((int(row["id"]), str(row["url"])))
        return wanted

    def mark_comments_fetched(
        self, article_id: int, when: int | None = None, *, source_total: int | None = None
    ) -> None:
        """Remember when an article's thread was last fetched, and how many comments its source reported.

        ``source_total`` None keeps what was stored (a source that reports no total).
        """
        with self.transaction():
            self.conn.execute(
                """UPDATE articles SET comments_fetched = ?, source_comment_count = coalesce(?, source_comment_count),
                    thread_failures = 0
                WHERE id = ?""",
                (when if when is not None else dates.now(), source_total, article_id),
            )

    def record_thread_failure(self, article_id: int) -> None:
        """Count a failed fetch of an article's thread, so the next fetches try it again (:meth:`threads_to_retry`)."""
        with self.transaction():
            self.conn.execute("UPDATE articles SET thread_failures = thread_failures + 1 WHERE id = ?", (article_id,))

    def threads_to_retry(self) -> list[int]:
        """Articles whose thread failed fewer than :data:`THREAD_ATTEMPTS` times and never came since."""
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE thread_failures > 0 AND thread_failures < ? ORDER BY id",
            (THREAD_ATTEMPTS,),
        )
        return [int(row[0]) for row in rows]

    # -- settings ----------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else None

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting (its own transaction)."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reading state -----------------------------------------------------

    def mark(self, ids: Iterable[int], *, read: bool | None = None, starred: bool | None = None) -> int:
        """Set read and/or starred on articles; returns how many articles exist among ``ids``.

        The time of the mark is kept per article, and marks on articles that
        came from a sync server are queued for it (see :meth:`_queue_marks`).
        """
        now = dates.now()
        assignments = []
        params: list[object] = []
        if read is not None:
            assignments.append("read = ?, read_changed = ?")
            params.extend((int(read), now))
        if starred is not None:
            assignments.append("starred = ?, starred_changed = ?")
            params.extend((int(starred), now))
        if not assignments:
            return 0
        id_list = list(dict.fromkeys(ids))
        found = 0
        with self.transaction():
            for marks, chunk in _in_chunks(id_list):
                found += self.conn.execute(
                    f"UPDATE articles SET {', '.join(assignments)} WHERE id IN ({marks})",
                    [*params, *chunk],
                ).rowcount
                self._queue_marks(chunk, read=read, starred=starred, now=now)
        return found

    def mark_thread_seen(self, article_id: int, when: int | None = None) -> None:
        """Remember that the user has seen this article's comments as of ``when``."""
        with self.transaction():
            self.conn.execute(
                "UPDATE articles SET comments_seen = ? WHERE id = ?",
                (when if when is not None else dates.now(), article_id),
            )

    def mark_feed_read(self, feed_id: int) -> int:
        """Mark every article of one feed read; returns how many changed (queued for a sync server too)."""
        now = dates.now()
        with self.transaction():
            self._queue_feed_read(feed_id, now)
            return int(
                self.conn.execute(
                    "UPDATE articles SET read = 1, read_changed = ? WHERE feed_id = ? AND read = 0", (now, feed_id)
                ).rowcount
            )

    def prune(self, older_than: int, *, starred: bool = False, unread: bool = False) -> int:
        """Delete read, unstarred articles published before ``older_than``; returns how many.

        ``starred`` and ``unread`` widen it to those too. What is removed is
        remembered, so a feed that still lists it does not bring it back.
        """
        where = ["published < ?"]
        if not starred:
            where.append("starred = 0")
        if not unread:
            where.append("read = 1")
        condition = " AND ".join(where)
        with self.transaction():
            self.conn.execute(
                f"INSERT OR IGNORE INTO pruned (feed_id, guid) SELECT feed_id, guid FROM articles WHERE {condition}",
                (older_than,),
            )
            return int(self.conn.execute(f"DELETE FROM articles WHERE {condition}", (older_than,)).rowcount)

    # -- tags --------------------------------------------------------------

    def set_tags(self, feed_id: int, add: Iterable[str] = (), remove: Iterable[str] = ()) -> list[str]:
        """Add and remove tags of one feed; returns its tags afterwards."""
        with self.transaction():
            self.conn.executemany(
                "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)", [(feed_id, tag) for tag in add]
            )
            self.conn.executemany(
                "DELETE FROM feed_tags WHERE feed_id = ? AND tag = ?", [(feed_id, tag) for tag in remove]
            )
        return [
            row[0] for row in self.conn.execute("SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY tag", (feed_id,))
        ]

    def tags(self) -> list[tuple[str, int, int]]:
        """Every tag with its number of feeds and of unread articles, by name."""
        rows = self.conn.execute(
            """SELECT t.tag, count(*) AS feeds,
                sum((SELECT count(*) FROM articles a WHERE a.feed_id = t.feed_id AND a.read = 0)) AS unread
            FROM feed_tags t GROUP BY t.tag ORDER BY t.tag COLLATE NOCASE"""
        ).fetchall()
        return [(row["tag"], row["feeds"], row["unread"]) for row in rows]

    # -- reading articles --------------------------------------------------

    def list_articles(
        self,
        filter: ArticleFilter = ArticleFilter(),
        *,
        limit: int = 50,
        after: tuple[int, int] | None = None,
    ) -> list[ArticleRow]:
        """A page of articles, newest first.

        ``after`` is the ``(published, id)`` of the last row of the previous
        page (a keyset cursor: every page costs the same, however deep).
        """
        where, params = filter.where()
        if after is not None:
            where += " AND (a.published, a.id) < (?, ?)"
            params.extend(after)
        rows = self.conn.execute(
            f"""SELECT {_ARTICLE_COLUMNS}
            FROM articles a JOIN feeds f ON f.id = a.feed_id
            WHERE {where}
            ORDER BY a.published DESC, a.id DESC
            LIMIT ?""",
            [*params, max(0, limit)],
        ).fetchall()
        return [_row_to_article(row) for row in rows]

    def article_ids(self, filter: ArticleFilter = ArticleFilter()) -> list[int]:
        """Every matching article id, newest first: all a virtual list needs to hold."""
        where, params = filter.where()
        return [
            row[0]
            for row in self.conn.execute(
                f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.published DESC, a.id DESC",
                params,
            )
        ]

    def articles_by_ids(self, ids: Sequence[int]) -> list[ArticleRow]:
        """The list rows for ``ids``, in the order given (missing ids are skipped)."""
        found: dict[int, ArticleRow] = {}
        for marks, chunk in _in_chunks(ids):
            for row in self.conn.execute(
                f"""SELECT {_ARTICLE_COLUMNS}
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE a.id IN ({marks})""",
                chunk,
            ):
                found[row["id"]] = _row_to_article(row)
        return [found[i] for i in ids if i in found]

    def article(self, article_id: int, *, markdown: bool = True) -> ArticleDetail | None:
        """One article with its body and comment thread, or None.

        With ``markdown=False`` the (costly) Markdown is not made: ``text`` is
        the stored plain text, for callers that render in stages.
        """
        row = self.conn.execute(
            f"""SELECT {_ARTICLE_COLUMNS}, a.text, coalesce(a.full_html, a.html) AS html, a.updated, a.comments_seen,
                a.source_comment_count
            FROM articles a JOIN feeds f ON f.id = a.feed_id
            WHERE a.id = ?""",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return ArticleDetail(
            article=_row_to_article(row),
            text=readable_markdown(row["html"], row["text"], row["url"]) if markdown else row["text"],
            html=row["html"],
            updated=row["updated"],
            comments_seen=row["comments_seen"],
            comments=self.comments(article_id),
            source_comment_count=row["source_comment_count"],
        )

    def comments(self, article_id: int) -> list[CommentRow]:
        """An article's comments in display order (each followed by its replies)."""
        return [
            CommentRow(
                id=row["id"],
                parent_id=row["parent_id"],
                depth=row["depth"],
                position=row["position"],
                author=row["author"],
                published=row["published"],
                text=row["text"],
                url=row["url"],
                deleted=bool(row["deleted"]),
                first_seen=row["first_seen"],
                kind="more" if row["kind"] == "more" else "comment",
                more_count=row["more_count"],
                more_children=_json_ids(row["more_children"]),
            )
            for row in self.conn.execute(
                """SELECT id, parent_id, depth, position, author, published, text, url, deleted, first_seen,
                    kind, more_count, more_children
                FROM comments WHERE article_id = ? ORDER BY position""",
                (article_id,),
            )
        ]

    def search(self, query: str, *, limit: int = 50) -> list[ArticleRow]:
        """Articles whose title, text or comments match ``query``, newest first.

        Both full-text indexes are read newest-first (their rowids sort by
        article date) and merged until ``limit`` distinct articles are found,
        so the cost follows the page size, not the number of matches.
        Raises :class:`InvalidSearchError` with a friendly message when the
        query has nothing to search for or SQLite rejects it.
        """
        return self.articles_by_ids(self.search_ids(query, limit=limit))

    def search_ids(self, query: str, *, limit: int = 50) -> list[int]:
        """The ids of :meth:`search`'s articles, newest first, without reading their rows.

        The reader's list holds only ids (it reads the rows it draws), so
        reading a thousand rows here only to drop them cost a common word's
        search most of its time. A page of matching comments is mapped to
        its articles in one statement, not one per comment.
        """
        match = build_match(query)
        if limit <= 0:
            return []
        found: list[int] = []
        seen: set[int] = set()
        streams = heapq.merge(
            ((key, key & _ROW_ID_MASK) for key in self._newest_matches("articles_fts", match, limit)),
            self._comment_matches(match, limit),
            key=lambda item: item[0],
            reverse=True,
        )
        try:
            for _key, article_id in streams:
                if article_id > 0 and article_id not in seen:
                    seen.add(article_id)
                    found.append(article_id)
                    if len(found) >= limit:
                        break
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None
        return found

    def _comment_matches(self, match: str, page: int) -> Iterator[tuple[int, int]]:
        """``(rowid, article id)`` of the comments matching ``match``, newest first; -1 for a comment now gone."""
        for keys in self._newest_match_pages("comments_fts", match, page):
            article_of: dict[int, int] = {}
            for marks, chunk in _in_chunks(key & _ROW_ID_MASK for key in keys):
                for row in self.conn.execute(f"SELECT id, article_id FROM comments WHERE id IN ({marks})", chunk):
                    article_of[row[0]] = row[1]
            for key in keys:
                yield key, article_of.get(key & _ROW_ID_MASK, -1)

    def _newest_matches(self, table: str, match: str, page: int) -> Iterator[int]:
        """Rowids of ``table`` matching ``match``, highest (newest) first."""
        for keys in self._newest_match_pages(table, match, page):
            yield from keys

    def _newest_match_pages(self, table: str, match: str, page: int) -> Iterator[list[int]]:
        """Rowids of ``table`` matching ``match``, highest (newest) first, a page at a time."""
        upper: int | None = None
        while True:
            bound = "" if upper is None else f"AND rowid < {int(upper)}"
            keys = [
                row[0]
                for row in self.conn.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? {bound} ORDER BY rowid DESC LIMIT ?",
                    (match, page),
                )
            ]
            if keys:
                yield keys
            if len(keys) < page:
                return
            upper = keys[-1]

    def search_hits(self, article_id: int, query: str) -> SearchHits:
        """Where ``query`` matches one article: its own title and text, and which comments, in thread order.

        Both answers come from the full-text indexes, so they agree with
        :meth:`search`: the article is one rowid lookup, and every comment of
        an article is keyed under the article's date, so its matches are one
        rowid range of ``comments_fts``; the cost follows the matches, not the
        length of the thread. Raises :class:`InvalidSearchError` as
        :meth:`search` does; an unknown article has no hits.
        """
        match = build_match(query)
        row = self.conn.execute("SELECT published FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return SearchHits(article_id, in_article=False, comment_ids=[])
        base = int(row["published"]) << 31
        try:
            in_article = self._article_matches(base | article_id, match)
            hits = self.conn.execute(_THREAD_MATCHES, (_ROW_ID_MASK, match, base, base | _ROW_ID_MASK, article_id))
            comment_ids = [int(hit["id"]) for hit in hits]
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None
        return SearchHits(article_id, in_article=in_article, comment_ids=comment_ids)

    def search_results(self, query: str, *, limit: int = 50) -> list[SearchResult]:
        """The :meth:`search` page, each article with a snippet of where it matched.

        An article whose own words match shows its text around the first
        match (its title, already on the result line, only when the text has
        none); one found through its comments shows its first matching comment
        in thread order. Each result costs an index lookup or two and one row,
        so the page still costs what its size says, however many comments match.
        """
        rows = self.search(query, limit=limit)
        if not rows:
            return []
        match = build_match(query)
        terms = search_terms(query)
        try:
            return [self._search_result(row, match, terms) for row in rows]
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None

    def _search_result(self, row: ArticleRow, match: str, terms: Sequence[SearchTerm]) -> SearchResult:
        """One :meth:`search_results` entry: where ``row`` matched, and a snippet of it."""
        base = row.published << 31
        if self._article_matches(base | row.id, match):
            stored = self.conn.execute("SELECT title, text FROM articles WHERE id = ?", (row.id,)).fetchone()
            text, spans = snippet(stored["text"], terms)
            if not spans:
                title, title_spans = snippet(stored["title"], terms)
                if title_spans or not text:
                    return SearchResult(row, "title", title, title_spans)
            return SearchResult(row, "text", text, spans)
        first = self.conn.execute(
            _THREAD_MATCHES + " LIMIT 1", (_ROW_ID_MASK, match, base, base | _ROW_ID_MASK, row.id)
        ).fetchone()
        if first is None:  # only if the index and the rows disagree
            return SearchResult(row, "title", *snippet(row.title, terms))
        text, spans = snippet(first["text"], terms)
        return SearchResult(row, "comment", text, spans, comment_id=first["id"], comment_author=first["author"])

    def _article_matches(self, key: int, match: str) -> bool:
        """Whether the article with index key ``key`` matches ``match`` in its own title and text."""
        found = self.conn.execute("SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?", (match, key))
        return found.fetchone() is not None

    # -- sync with an aggregator server (reader/sync) ----------------------
    #
    # Everything the sync engine stores goes through these methods; the
    # engine itself (reader/service/sync/engine.py) only talks to the server. Marks
    # made here reach sync_pending from mark() and mark_feed_read(), and
    # leave it once the server has confirmed them.

    def _queue_marks(self, ids: Sequence[int], *, read: bool | None, starred: bool | None, now: int) -> None:
        """Queue marks on articles that came from the sync server; a no-op (one indexed probe) otherwise."""
        for placeholders, chunk in _in_chunks(ids):
            for name, value in (("read", read), ("starred", starred)):
                if value is None:
                    continue
                self.conn.execute(
                    f"""INSERT INTO sync_pending (remote_id, field, value, changed)
                    SELECT remote_id, '{name}', ?, ? FROM sync_articles WHERE article_id IN ({placeholders})
                    ON CONFLICT (remote_id, field) DO UPDATE SET value = excluded.value, changed = excluded.changed""",
                    [int(value), now, *chunk],
                )

    def _queue_feed_read(self, feed_id: int, now: int) -> None:
        """Queue "read" for the synced, unread articles of a feed (before they are marked)."""
        self.conn.execute(
            """INSERT INTO sync_pending (remote_id, field, value, changed)
            SELECT s.remote_id, 'read', 1, ? FROM articles a JOIN sync_articles s ON s.article_id = a.id
            WHERE a.feed_id = ? AND a.read = 0
            ON CONFLICT (remote_id, field) DO UPDATE SET value = excluded.value, changed = excluded.changed""",
            (now, feed_id),
        )

    def _feeds_with_stand_ins(self) -> set[int]:
        """Feeds holding synced articles stored under a guid's hash (read once per transaction).

        Most feeds have none, and a fetch then skips hashing every new guid.
        """
        if self._stand_in_feeds is None:
            self._stand_in_feeds = {
                row[0]
                for row in self.conn.execute(
                    "SELECT DISTINCT feed_id FROM articles WHERE guid >= ? AND guid < ?",
                    (SYNC_GUID_PREFIX, SYNC_GUID_PREFIX[:-1] + chr(ord(SYNC_GUID_PREFIX[-1]) + 1)),
                )
            }
        return self._stand_in_feeds

    def _adopt_synced(self, feed_id: int, guid: str) -> sqlite3.Row | None:
        """A synced article stored under the hash of its guid, now arriving from its feed with the guid itself.

        The server gave only the hash (TT-RSS keeps SHA-1 of the feed's guid),
        so the sync stored the article as ``sha1:HEX``; the feed's copy takes
        over that row (renamed to the real guid) instead of adding a second.
        """
        if not isinstance(guid, str) or guid.startswith(SYNC_GUID_PREFIX):
            return None  # not a guid (the insert reports it) or a stand-in itself
        stand_in = SYNC_GUID_PREFIX + hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT id, declared_comment_count FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, stand_in)
        ).fetchone()
        if row is not None:
            self.conn.execute("UPDATE articles SET guid = ? WHERE id = ?", (guid, row["id"]))
        return row

    def store_sync_feeds(self, feeds: Sequence[SyncFeed]) -> SyncFeedsResult:
        """Make the server's subscriptions feeds here; categories become tags.

        A server feed is matched to a local one by its URL (the key a
        subscription has here), else created. A category the server moved a
        feed out of loses its tag here. A feed gone from the server only
        loses its link to it: the feed and its articles stay.
        """
        result = SyncFeedsResult()
        with self.transaction():
            known = {
                row["remote_id"]: (int(row["feed_id"]), row["category"])
                for row in self.conn.execute("SELECT remote_id, feed_id, category FROM sync_feeds")
            }
            for feed in feeds:
                if feed.remote_id in known:
                    feed_id, category = known[feed.remote_id]
                else:
                    row = self.conn.execute(
                        "SELECT id, title, url FROM feeds WHERE key = ? OR url = ? ORDER BY id LIMIT 1",
                        (feed.url, feed.url),
                    ).fetchone()
                    if row is None:
                        feed_id, created = self.upsert_feed(
                            FeedData(key=feed.url, url=feed.url, title=feed.title or feed.url, site_url=feed.site_url)
                        )
                        result.created += created
                    else:
                        feed_id = int(row["id"])
                        if feed.title and row["title"] in ("", row["url"]):
                            self.conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (feed.title, feed_id))
                    # A local feed already linked to another server feed (two server
                    # feeds with one URL) keeps its first link.
                    if self.conn.execute("SELECT 1 FROM sync_feeds WHERE feed_id = ?", (feed_id,)).fetchone():
                        continue
                    self.conn.execute(
                        "INSERT INTO sync_feeds (feed_id, remote_id, category) VALUES (?, ?, NULL)",
                        (feed_id, feed.remote_id),
                    )
                    category = None
                if feed.category != category:
                    if category:
                        self.conn.execute("DELETE FROM feed_tags WHERE feed_id = ? AND tag = ?", (feed_id, category))
                    if feed.category:
                        self.conn.execute(
                            "INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)", (feed_id, feed.category)
                        )
                    self.conn.execute("UPDATE sync_feeds SET category = ? WHERE feed_id = ?", (feed.category, feed_id))
                result.feed_ids[feed.remote_id] = feed_id
            gone = [remote_id for remote_id in known if remote_id not in result.feed_ids]
            self.conn.executemany("DELETE FROM sync_feeds WHERE remote_id = ?", [(remote_id,) for remote_id in gone])
            result.gone = len(gone)
        return result

    def store_synced_articles(self, copies: Sequence[SyncedCopy], now: int | None = None) -> SyncArticlesResult:
        """Store one page of the server's articles in one transaction, each linked to its server id.

        An article is found here by its server id; else, in the same feed, by
        the hash of its guid (what TT-RSS keeps of it) or by its link, so one
        that ``reader fetch`` brought in is not stored twice; else it is new
        (stored as ``sha1:HEX`` until its feed's own copy names the guid).
        Read and starred come from the server unless a mark made here waits
        in the queue; an article first matched here that was marked here
        keeps those marks (and a read or star it got without a time), and
        they are queued for the server.
        """
        now = now if now is not None else dates.now()
        result = SyncArticlesResult()
        if not copies:
            return result
        with self.transaction():
            known: dict[str, sqlite3.Row] = {}
            for placeholders, chunk in _in_chunks(dict.fromkeys(copy.remote_id for copy in copies)):
                for row in self.conn.execute(
                    f"""SELECT s.remote_id, a.id, a.feed_id, a.guid FROM sync_articles s
                    JOIN articles a ON a.id = s.article_id WHERE s.remote_id IN ({placeholders})""",
                    chunk,
                ):
                    known[row["remote_id"]] = row
            feed_keys = {
                int(row["id"]): str(row["key"])
                for marks, chunk in _in_chunks({copy.feed_id for copy in copies})
                for row in self.conn.execute(f"SELECT id, key FROM feeds WHERE id IN ({marks})", chunk)
            }
            indexes: dict[int, _UnsyncedIndex] = {}
            batch = ImportBatch(kind="sync")
            # (remote id, feed id, guid, server copy, local row it matched or None, known?)
            placed: list[tuple[SyncedCopy, int, str, sqlite3.Row | None, bool]] = []
            taken: set[tuple[int, str]] = set()
            for copy in copies:
                if copy.remote_id in known:
                    row = known[copy.remote_id]
                    feed_id, guid = int(row["feed_id"]), str(row["guid"])
                    placed.append((copy, feed_id, guid, None, True))
                    if feed_id not in feed_keys:
                        feed_keys[feed_id] = self._feed_key(feed_id)
                    taken.add((feed_id, guid))
                    continue
                if copy.feed_id not in feed_keys:
                    result.skipped += 1
                    continue
                index = indexes.get(copy.feed_id)
                if index is None:
                    index = indexes[copy.feed_id] = self._unsynced_index(copy.feed_id)
                local = index.match(copy.guid_sha1, copy.article.url)
                if local is not None:
                    guid = str(local["guid"])
                elif copy.guid_sha1 and copy.guid_sha1 in index.pruned:
                    result.skipped += 1  # pruned here: it does not come back
                    continue
                else:
                    guid = SYNC_GUID_PREFIX + copy.guid_sha1 if copy.guid_sha1 else copy.article.url or ""
                    guid = guid or f"sync:{copy.remote_id}"
                if (copy.feed_id, guid) in taken:
                    if local is not None:
                        local = None
                    guid = f"sync:{copy.remote_id}"
                taken.add((copy.feed_id, guid))
                placed.append((copy, copy.feed_id, guid, local, False))
            for copy, feed_id, guid, local, is_known in placed:
                article = replace(copy.article, guid=guid)
                if is_known or local is not None:
                    # Stored already: its reading state is decided below, not by the store's "only add" rule.
                    article = replace(article, read=None, starred=None)
                batch.articles.append((FeedData(key=feed_keys[feed_id], title=""), article))
            stats = self._store_many([batch], now)[0]
            result.added = stats.articles_added
            result.updated = stats.articles_updated
            result.fresh_ids = stats.fresh_article_ids
            links: list[tuple[int, str]] = []
            for copy, feed_id, guid, local, is_known in placed:
                row = self.conn.execute(
                    "SELECT id, read, starred FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, guid)
                ).fetchone()
                if row is None:  # pruned here before: left out by the store
                    result.skipped += 1
                    continue
                article_id = int(row["id"])
                if not is_known:
                    links.append((article_id, copy.remote_id))
                if local is not None:
                    # First met: what was marked here wins and goes to the server: a
                    # mark with its time, or a read/star without one (made before
                    # marks had times, or brought by an import), which only adds.
                    for name in ("read", "starred"):
                        changed = local[f"{name}_changed"]
                        if changed is not None or row[name]:
                            self.conn.execute(
                                """INSERT INTO sync_pending (remote_id, field, value, changed) VALUES (?, ?, ?, ?)
                                ON CONFLICT (remote_id, field) DO NOTHING""",
                                (copy.remote_id, name, int(row[name]), int(changed if changed is not None else now)),
                            )
                if is_known or local is not None:
                    result.pulled += self._take_server_marks(article_id, copy)
            self.conn.executemany("INSERT OR IGNORE INTO sync_articles (article_id, remote_id) VALUES (?, ?)", links)
            result.linked = len(links)
        return result

    def _feed_key(self, feed_id: int) -> str:
        return str(self.conn.execute("SELECT key FROM feeds WHERE id = ?", (feed_id,)).fetchone()["key"])

    def _take_server_marks(self, article_id: int, copy: SyncedCopy) -> int:
        """Set read/starred as the server has them, except where a mark made here is queued; returns changes."""
        changed = 0
        for name, value in (("read", copy.article.read), ("starred", copy.article.starred)):
            if value is None:
                continue
            changed += self.conn.execute(
                f"""UPDATE articles SET {name} = ? WHERE id = ? AND {name} != ?
                AND NOT EXISTS (SELECT 1 FROM sync_pending WHERE remote_id = ? AND field = '{name}')""",
                (int(value), article_id, int(value), copy.remote_id),
            ).rowcount
        return changed

    def _unsynced_index(self, feed_id: int) -> _UnsyncedIndex:
        """The articles of a feed not linked to the server yet, by guid hash and by link; and what was pruned."""
        index = _UnsyncedIndex()
        for row in self.conn.execute(
            """SELECT a.id, a.guid, a.url, a.read, a.starred, a.read_changed, a.starred_changed FROM articles a
            WHERE a.feed_id = ? AND NOT EXISTS (SELECT 1 FROM sync_articles s WHERE s.article_id = a.id)""",
            (feed_id,),
        ):
            index.by_hash.setdefault(_guid_sha1(row["guid"]), row)
            if row["url"]:
                index.by_url.setdefault(row["url"], row)
        for (guid,) in self.conn.execute("SELECT guid FROM pruned WHERE feed_id = ?", (feed_id,)):
            index.pruned.add(_guid_sha1(guid))
        return index

    def apply_sync_state(self, unread: Iterable[str], starred: Iterable[str]) -> int:
        """Take read and starred from the server's lists for every synced article; returns how many changed.

        ``unread`` and ``starred`` are the server ids it lists as such: an
        article not in ``unread`` is read there. A field with a mark queued
        here is left alone (that mark wins, see README "Sync").
        """
        with self.transaction():
            changed = 0
            for name, listed, value_if_listed in (("read", unread, 0), ("starred", starred, 1)):
                self.conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS sync_listed (remote_id TEXT PRIMARY KEY) WITHOUT ROWID"
                )
                self.conn.execute("DELETE FROM temp.sync_listed")
                self.conn.executemany("INSERT OR IGNORE INTO temp.sync_listed VALUES (?)", ((r,) for r in listed))
                changed += self.conn.execute(
                    f"""UPDATE articles SET {name} = x.value
                    FROM (SELECT s.article_id, s.remote_id,
                            CASE WHEN s.remote_id IN (SELECT remote_id FROM temp.sync_listed) THEN ? ELSE ? END AS value
                          FROM sync_articles s) AS x
                    WHERE articles.id = x.article_id AND articles.{name} != x.value
                      AND NOT EXISTS (SELECT 1 FROM sync_pending p WHERE p.remote_id = x.remote_id AND p.field = ?)""",
                    (value_if_listed, 1 - value_if_listed, name),
                ).rowcount
            self.conn.execute("DELETE FROM temp.sync_listed")
        return changed

    def sync_pending(self) -> list[PendingMark]:
        """The marks made here that the server has not confirmed yet, oldest first."""
        return [
            PendingMark(row["remote_id"], row["field"], bool(row["value"]), int(row["changed"]))
            for row in self.conn.execute(
                "SELECT remote_id, field, value, changed FROM sync_pending ORDER BY changed, remote_id"
            )
        ]

    def clear_sync_pending(self, marks: Sequence[PendingMark]) -> None:
        """Forget marks the server confirmed; one made again since (another value or time) stays queued."""
        with self.transaction():
            self.conn.executemany(
                "DELETE FROM sync_pending WHERE remote_id = ? AND field = ? AND value = ? AND changed = ?",
                [(mark.remote_id, mark.field, int(mark.value), mark.changed) for mark in marks],
            )

    def sync_counts(self) -> dict[str, int]:
        """Linked feeds and articles, and queued marks (for ``reader sync status``)."""
        row = self.conn.execute(
            """SELECT (SELECT count(*) FROM sync_feeds) AS feeds, (SELECT count(*) FROM sync_articles) AS articles,
                (SELECT count(*) FROM sync_pending) AS pending"""
        ).fetchone()
        return {"feeds": int(row["feeds"]), "articles": int(row["articles"]), "pending": int(row["pending"])}

    def forget_sync(self) -> None:
        """Drop every link to a sync server and the queue (for a new account); feeds and articles stay."""
        with self.transaction():
            for table in ("sync_pending", "sync_articles", "sync_feeds"):
                self.conn.execute(f"DELETE FROM {table}")
            self.conn.execute("DELETE FROM settings WHERE key = 'sync.cursor'")

    def explain(self, sql: str, params: Sequence[object] | dict[str, object] = ()) -> list[str]:
        """The ``EXPLAIN QUERY PLAN`` lines for ``sql`` (used by the plan tests)."""
        return [row["detail"] for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _json_ids(stored: str | None) -> list[str]:
    """A "more" row's stored ids (a JSON array of strings); anything else reads as none."""
    if not stored:
        return []
    try:
        ids = json.loads(stored)
    except ValueError:
        return []
    return [item for item in ids if isinstance(item, str)] if isinstance(ids, list) else []


#: Values bound in one ``IN (...)`` list at most. SQLite refuses a statement
#: with more ``?`` variables than SQLITE_MAX_VARIABLE_NUMBER (999 before
#: SQLite 3.32, which some systems still ship; 32766 since), so a longer list
#: is sent this many at a time, leaving room for the statement's other
#: parameters.
IN_BATCH = 500

_T = TypeVar("_T")


def _in_chunks(values: Iterable[_T]) -> Iterator[tuple[str, list[_T]]]:
    """``values`` at most :data:`IN_BATCH` at a time, each batch with its ``?,?,...`` for ``IN (...)``.

    Every query over a list of ids of any length goes through this, so none
    passes SQLite's variable limit.
    """
    items = list(values)
    for start in range(0, len(items), IN_BATCH):
        chunk = items[start : start + IN_BATCH]
        yield ",".join("?" * len(chunk)), chunk


def _split_sql(script: str) -> list[str]:
    """Split a schema script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in script.splitlines():
        if not line.strip() or line.strip().startswith("--"):
            continue
        buffer.append(line)
        candidate = "\n".join(buffer)
        if sqlite3.complete_statement(candidate):
            statements.append(candidate)
            buffer = []
    if buffer:
        statements.append("\n".join(buffer))
    return statements
