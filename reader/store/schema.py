"""The library's schema: the migrations that build it, and the schema they add up to.

The schema version lives in ``PRAGMA user_version``; :data:`MIGRATIONS` runs
forward, one transaction each (``Connection._migrate``). A new column or
table is a migration appended here, never an edit of an old one: libraries
made by every earlier reader replay the same steps.

Replayed steps are hard to read as a whole, so ``schema.sql`` beside this
module holds the schema a fresh library has after all of them, dumped from
``sqlite_master`` by :func:`dump`; ``tests/test_schema.py`` checks that it is
current. After adding a migration, write it again with::

    python -m reader.store > reader/store/schema.sql
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# Version 1: feeds and their tags, articles, comment threads, and the full-text
# indexes of articles and comments.
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
# in one ordered statement per transaction (``Connection._index_pending``),
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

# Version 8: a thread whose fetch failed (a server down, an answer that could
# not be read) is tried again by the next fetches, up to THREAD_ATTEMPTS times
# (reader/store/fetching.py): it is not "new" any more, so nothing else would
# ever ask for it again.
_SCHEMA_8 = """
ALTER TABLE articles ADD COLUMN thread_failures INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_thread_retry ON articles(id) WHERE thread_failures > 0;
"""

#: Forward migrations; entry ``n`` takes a database from version ``n`` to ``n + 1``.
# Version 9: an article whose feed gave no date it could be read from sorts by
# the time it was first seen (``published`` holds that), and says so where it
# is read: ``reader show`` writes "date unknown" instead of passing the time of
# the import off as the publication date. A later copy with a date clears it.
_SCHEMA_9 = """
ALTER TABLE articles ADD COLUMN undated INTEGER NOT NULL DEFAULT 0;
"""

# Version 10: subscriptions the user manages (``reader add/remove/rename/move``).
# ``url_key`` is the feed URL in its one normal spelling (scheme and host lower
# case, no default port, no fragment: ``text.sanitize.normalize_url``, given to
# SQLite as ``reader_url_key``), so ``HTTP://host/feed.xml`` finds the feed
# ``http://host/feed.xml`` is. ``own_title`` is the title the feed gives itself,
# kept beside a title the user chose, so ``rename --reset`` can go back to it.
# ``removed`` marks a feed the user unsubscribed from that still has starred
# articles: it is not fetched, not listed with the feeds, and its starred
# articles stay under "Saved". ``sync_feed_changes`` queues subscriptions made,
# removed, renamed or moved here for the sync server, as ``sync_pending``
# queues marks; each leaves the queue once the server has answered it.
_SCHEMA_10 = """
ALTER TABLE feeds ADD COLUMN url_key TEXT;
UPDATE feeds SET url_key = reader_url_key(url) WHERE kind = 'feed';
CREATE INDEX feeds_by_url_key ON feeds(url_key) WHERE url_key IS NOT NULL;
ALTER TABLE feeds ADD COLUMN own_title TEXT;
UPDATE feeds SET own_title = title WHERE custom_title = 0;
ALTER TABLE feeds ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX feeds_removed ON feeds(id) WHERE removed = 1;
CREATE TABLE sync_feed_changes (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'rename', 'move')),
    -- The feed here (NULL once it is deleted), and the server's id for it when it has one.
    feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    remote_id TEXT,
    url TEXT,
    title TEXT,
    changed INTEGER NOT NULL
);
"""

# Version 11: threads kept fresh. A fetch asks the sources of recent threads
# fetched before for their comment counts (Hacker News, Reddit) or fetches the
# thread (Lobsters), and fetches a thread again when its count is not the one
# the source reported last, kept here; Reddit's was kept already, as the
# source's total. The index holds only articles whose thread was fetched,
# newest first: the recent ones are one range of it.
_SCHEMA_11 = """
ALTER TABLE articles ADD COLUMN reported_comment_count INTEGER;
UPDATE articles SET reported_comment_count = source_comment_count WHERE source_comment_count IS NOT NULL;
CREATE INDEX articles_thread_refresh ON articles(published DESC, id DESC) WHERE comments_fetched IS NOT NULL;
"""

# Version 12: full text for the backlog. ``page_tries`` is how many more times
# a fetch may try an article's page for its full text (0: not wanted, or done).
# A new article whose text is short, or whose feed asks for full text, gets 3;
# a fetch tries the newest waiting ones, a bounded number per run and per
# host; a page that gives the text, or one that never will (404, no article
# text in it), sets 0, a network failure takes one try off. Articles of the
# last 30 days that were left waiting before (text shorter than the default
# 300 characters, or a full-text feed; no page kept) get one try.
_SCHEMA_12 = """
ALTER TABLE articles ADD COLUMN page_tries INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET page_tries = 1
WHERE full_html IS NULL AND url IS NOT NULL AND published > CAST(strftime('%s', 'now') AS INTEGER) - 30 * 86400
AND (length(text) < 300 OR feed_id IN (SELECT id FROM feeds WHERE full_text = 1));
CREATE INDEX articles_page_wanted ON articles(published DESC, id DESC) WHERE page_tries > 0;
"""

# Version 13: several threads per article. A thread is keyed by its source,
# its id there (an HN item, a Mastodon status, a comment feed's URL) and the
# server it is on (``api``: a Mastodon, Lemmy or Discourse post's id is its
# server's own; empty for single-site sources), so
# one discussion is stored once per article however it was found (the feed
# linked it, the article's page named it, a lookup found it); each has its
# own count, fetch time and "seen" time (comments first seen after it are
# new). Every comment belongs to one thread. Existing threads become one
# thread per article, found by the feed, its source told by its comments'
# guids; its id there is left empty and filled in by the next fetch of that
# thread (``Store.open_thread``), which knows it.
_SCHEMA_13 = """
CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    url TEXT,
    api TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    points INTEGER,
    comment_count INTEGER NOT NULL DEFAULT 0,
    source_count INTEGER,
    fetched INTEGER,
    seen INTEGER,
    note TEXT NOT NULL DEFAULT '',
    found_by TEXT NOT NULL DEFAULT 'feed' CHECK (found_by IN ('feed', 'page', 'lookup')),
    UNIQUE (article_id, source, remote_id, api)
);
ALTER TABLE comments ADD COLUMN thread_id INTEGER REFERENCES threads(id) ON DELETE CASCADE;
INSERT INTO threads (article_id, source, remote_id, url, comment_count, source_count, fetched, seen)
SELECT a.id,
    CASE (SELECT substr(c.guid, 1, instr(c.guid, ':')) FROM comments c WHERE c.article_id = a.id ORDER BY c.id LIMIT 1)
        WHEN 'hn:' THEN 'hackernews'
        WHEN 'reddit:' THEN 'reddit'
        WHEN 'reddit-more:' THEN 'reddit'
        WHEN 'lobsters:' THEN 'lobsters'
        ELSE 'feed'
    END,
    '', coalesce(a.comments_url, a.comment_feed_url),
    (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.kind = 'comment'),
    a.source_comment_count, a.comments_fetched, a.comments_seen
FROM articles a WHERE EXISTS (SELECT 1 FROM comments c WHERE c.article_id = a.id);
UPDATE comments SET thread_id = (SELECT t.id FROM threads t WHERE t.article_id = comments.article_id);
CREATE INDEX comments_by_thread ON comments(thread_id, position);
"""

# Version 14: discussions found elsewhere. A lookup of an article's address
# on Hacker News, Lobsters, Lemmy or Reddit (``reader discussions``, ``D``, or
# a fetch for the feeds the user opted in) is kept here with its time, so the
# sites are not asked again within ``discussions.cache_hours``, and a fetch
# does not look an article up twice. ``found`` is the JSON list of what the
# sites answered (the threads chosen are in ``threads``).
_SCHEMA_14 = """
CREATE TABLE discussion_lookups (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    checked INTEGER NOT NULL,
    found TEXT NOT NULL DEFAULT '[]'
);
"""

# Version 15: per-feed settings. ``refresh_minutes``: how often a fetch takes
# the feed (NULL: every fetch, as before; 0: "auto", following how often the
# feed really publishes, between half an hour and a day); ``item_limit``: the
# newest N articles kept (starred ones always; NULL: all). Both set with
# ``reader feed set``.
_SCHEMA_15 = """
ALTER TABLE feeds ADD COLUMN refresh_minutes INTEGER;
ALTER TABLE feeds ADD COLUMN item_limit INTEGER;
"""

# Version 16: rules. Saved searches (``reader query add``: a name and a
# filter, listed with the feeds) and the killfile (``reader ignore add``:
# articles a filter matches are not stored; ``feed_id`` limits a rule to
# one feed, removed with it). Both keep the filter's text, checked when saved.
_SCHEMA_16 = """
CREATE TABLE saved_queries (
    name TEXT PRIMARY KEY,
    expression TEXT NOT NULL,
    created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE ignore_rules (
    id INTEGER PRIMARY KEY,
    expression TEXT NOT NULL,
    feed_id INTEGER REFERENCES feeds(id) ON DELETE CASCADE,
    created INTEGER NOT NULL
);
"""

# Version 17: the killfile's display mode. A rule's ``mode``: "download" (a
# new article it matches is not stored) or "display" (it is stored hidden:
# ``articles.hidden`` 1, left out of every list, count and search; taking the
# rule out shows it again). The partial index is the small set of hidden
# articles every list leaves out (``a.id NOT IN`` it keeps the lists' plans).
_SCHEMA_17 = """
ALTER TABLE ignore_rules ADD COLUMN mode TEXT NOT NULL DEFAULT 'download';
ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_hidden ON articles(feed_id) WHERE hidden = 1;
"""

# Version 18: the hidden articles' index holds whether each is read too, so the feed list's counts,
# which subtract the hidden articles, read that index alone (with a quarter of 100,000 articles hidden,
# reading their rows made the feed list take 52 ms instead of 7; benchmarks/README.md).
_SCHEMA_18 = """
DROP INDEX articles_hidden;
CREATE INDEX articles_hidden ON articles(feed_id, read) WHERE hidden = 1;
"""

# Version 19: which display rule hid which article, so that taking a rule out shows again exactly what it
# hid (and nothing another rule still hides); recomputing from the rules left gave other answers, as a
# rule is judged when an article is stored (``unread``, ``age`` and comment counts change since).
# ``articles.hidden`` stays the flag the lists test. Articles hidden before are put down to the
# display rules that match them (:func:`_credit_hidden`).
_SCHEMA_19 = """
CREATE TABLE hidden_by (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    rule_id INTEGER NOT NULL REFERENCES ignore_rules(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, rule_id)
) WITHOUT ROWID;
CREATE INDEX hidden_by_rule ON hidden_by(rule_id);
"""


def _credit_hidden(conn: sqlite3.Connection) -> None:
    """Schema 19's data: each article hidden before, put down to the display rules that match it.

    A rule is the filter language, so this is Python (the connection has its
    REGEXP by now). An article no rule matches any more (rules are judged
    when an article is stored; its age and counts moved since) is put down to
    every display rule that could have hidden it, so it shows again when the
    last of them goes. A starred article is shown: starred ones are never
    hidden (found by review: crediting every rule made removing one show
    nothing).
    """
    import time

    from reader.store.filters import filter_sql
    from reader.text.filters import FilterError, parse_rule

    now = int(time.time())
    for rule_id, expression, feed_id in conn.execute(
        "SELECT id, expression, feed_id FROM ignore_rules WHERE mode = 'display' ORDER BY id"
    ).fetchall():
        try:
            condition, params = filter_sql(parse_rule(str(expression)), now)
        except FilterError:
            continue
        limit = " AND a.feed_id = ?" if feed_id is not None else ""
        conn.execute(
            f"""INSERT OR IGNORE INTO hidden_by (article_id, rule_id)
            SELECT a.id, ? FROM articles a WHERE a.hidden = 1 AND {condition}{limit}""",
            [rule_id, *params, *([feed_id] if feed_id is not None else [])],
        )
    conn.execute(
        """INSERT OR IGNORE INTO hidden_by (article_id, rule_id)
        SELECT a.id, r.id FROM articles a JOIN ignore_rules r
        ON r.mode = 'display' AND (r.feed_id IS NULL OR r.feed_id = a.feed_id)
        WHERE a.hidden = 1 AND a.id NOT IN (SELECT article_id FROM hidden_by)"""
    )
    conn.execute("DELETE FROM hidden_by WHERE article_id IN (SELECT id FROM articles WHERE starred = 1)")
    conn.execute("UPDATE articles SET hidden = 0 WHERE hidden = 1 AND id NOT IN (SELECT article_id FROM hidden_by)")


#: What a migration does in Python after its SQL, in the same transaction (by the version it makes).
MIGRATION_STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {19: _credit_hidden}

MIGRATIONS: list[str] = [
    _SCHEMA_1,
    _SCHEMA_2,
    _SCHEMA_3,
    _SCHEMA_4,
    _SCHEMA_5,
    _SCHEMA_6,
    _SCHEMA_7,
    _SCHEMA_8,
    _SCHEMA_9,
    _SCHEMA_10,
    _SCHEMA_11,
    _SCHEMA_12,
    _SCHEMA_13,
    _SCHEMA_14,
    _SCHEMA_15,
    _SCHEMA_16,
    _SCHEMA_17,
    _SCHEMA_18,
    _SCHEMA_19,
]
SCHEMA_VERSION = len(MIGRATIONS)


def split_sql(script: str) -> list[str]:
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


# -- the schema as a whole (schema.sql) -------------------------------------------

_HEADER = """\
-- The schema of a fresh reader library, after every migration in reader/store/schema.py.
-- Generated: do not edit. After adding a migration, write it again with
--     python -m reader.store > reader/store/schema.sql
-- tests/test_schema.py checks that it matches a library the migrations build."""

# Tables first, then their indexes, then their triggers; tables by name.
_IN_ORDER = """SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL
ORDER BY tbl_name, CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'trigger' THEN 2 ELSE 3 END, name"""


def dump(conn: sqlite3.Connection) -> str:
    """The schema of the library open on ``conn``, as ``schema.sql`` holds it.

    Every table, index and trigger from ``sqlite_master`` in a stable order
    (by table; each table, then its indexes, then its triggers, by name),
    each statement as SQLite keeps it with trailing blanks removed, and the
    schema version last. A table lists one column or constraint a line
    (SQLite appends the columns a migration adds to the last line). The
    tables FTS5 makes for its own indexes (``articles_fts_data``...) are left
    out: SQLite creates them with their virtual table, in a form that may
    change between SQLite versions.
    """
    rows = conn.execute(_IN_ORDER).fetchall()
    virtual = [str(row[1]) for row in rows if str(row[3]).upper().startswith("CREATE VIRTUAL TABLE")]
    parts = [_HEADER]
    for kind, name, _table, sql in rows:
        if kind == "table" and any(str(name).startswith(f"{owner}_") for owner in virtual):
            continue
        statement = str(sql).strip()
        if kind == "table" and statement.upper().startswith("CREATE TABLE"):
            statement = _one_column_a_line(statement)
        parts.append("\n".join(line.rstrip() for line in statement.splitlines()) + ";")
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    parts.append(f"PRAGMA user_version = {version};")
    return "\n\n".join(parts) + "\n"


def _one_column_a_line(statement: str) -> str:
    """``CREATE TABLE name (a, b, c) rest`` written with each of a, b and c on its own line."""
    opening = statement.index("(")
    items: list[str] = []
    depth, quote, start = 0, "", opening + 1
    for at in range(opening, len(statement)):
        char = statement[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char == "[":
            quote = "]"
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                items.append(statement[start:at])
                rest = statement[at + 1 :].strip()
                break
        elif char == "," and depth == 1:
            items.append(statement[start:at])
            start = at + 1
    else:
        return statement  # not the shape SQLite keeps: left as it is
    columns = ",\n".join(f"    {item.strip()}" for item in items)
    return f"{statement[:opening].rstrip()} (\n{columns}\n){' ' + rest if rest else ''}"


def fresh_schema() -> str:
    """:func:`dump` of a new library made by :class:`~reader.store.Store` (in memory), every migration run."""
    from reader.store import Store  # the package imports this module first

    with Store(":memory:") as store:
        return dump(store.conn)
