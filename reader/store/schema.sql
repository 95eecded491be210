-- The schema of a fresh reader library, after every migration in reader/store/schema.py.
-- Generated: do not edit. After adding a migration, write it again with
--     python -m reader.store > reader/store/schema.sql
-- tests/test_schema.py checks that it matches a library the migrations build.

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    url TEXT,
    title TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
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
    comments_seen INTEGER,
    full_html TEXT,
    comment_feed_url TEXT,
    comments_fetched INTEGER,
    read_changed INTEGER,
    starred_changed INTEGER,
    source_comment_count INTEGER,
    thread_failures INTEGER NOT NULL DEFAULT 0,
    undated INTEGER NOT NULL DEFAULT 0,
    reported_comment_count INTEGER,
    page_tries INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, guid)
);

CREATE INDEX articles_by_date ON articles(published DESC, id DESC);

CREATE INDEX articles_by_feed_date ON articles(feed_id, published DESC, id DESC);

CREATE INDEX articles_by_guid ON articles(guid);

CREATE INDEX articles_hidden ON articles(feed_id, read) WHERE hidden = 1;

CREATE INDEX articles_page_wanted ON articles(published DESC, id DESC) WHERE page_tries > 0;

CREATE INDEX articles_starred_by_date ON articles(published DESC, id DESC) WHERE starred = 1;

CREATE INDEX articles_thread_refresh ON articles(published DESC, id DESC) WHERE comments_fetched IS NOT NULL;

CREATE INDEX articles_thread_retry ON articles(id) WHERE thread_failures > 0;

CREATE INDEX articles_unread_by_date ON articles(published DESC, id DESC) WHERE read = 0;

CREATE INDEX articles_unread_by_feed_date ON articles(feed_id, published DESC, id DESC) WHERE read = 0;

CREATE TRIGGER articles_fts_delete BEFORE DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', (old.published << 31) | old.id, old.title, old.text);
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = old.id AND c.kind = 'comment';
END;

CREATE TRIGGER articles_fts_rekey_comments AFTER UPDATE OF published ON articles
WHEN old.published IS NOT new.published BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (old.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = new.id AND c.kind = 'comment';
    INSERT INTO comments_fts(rowid, text)
    SELECT (new.published << 31) | c.id, c.text FROM comments c
    WHERE c.article_id = new.id AND c.kind = 'comment';
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, published ON articles
WHEN old.title IS NOT new.title OR old.text IS NOT new.text OR old.published IS NOT new.published BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
    VALUES ('delete', (old.published << 31) | old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text)
    VALUES ((new.published << 31) | new.id, new.title, new.text);
END;

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='', tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    parent_id INTEGER REFERENCES comments(id) ON DELETE SET NULL,
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
    kind TEXT NOT NULL DEFAULT 'comment' CHECK (kind IN ('comment', 'more')),
    more_count INTEGER NOT NULL DEFAULT 0,
    more_children TEXT,
    thread_id INTEGER REFERENCES threads(id) ON DELETE CASCADE,
    UNIQUE (article_id, guid)
);

CREATE INDEX comments_by_guid ON comments(guid);

CREATE INDEX comments_by_parent ON comments(parent_id);

CREATE INDEX comments_by_thread ON comments(thread_id, position);

CREATE INDEX comments_in_thread_order ON comments(article_id, position);

CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments
WHEN old.kind = 'comment' AND EXISTS (SELECT 1 FROM articles WHERE id = old.article_id) BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
END;

CREATE TRIGGER comments_fts_update AFTER UPDATE OF text ON comments
WHEN old.text IS NOT new.text AND new.kind = 'comment' BEGIN
    INSERT INTO comments_fts(comments_fts, rowid, text)
    SELECT 'delete', (a.published << 31) | old.id, old.text FROM articles a WHERE a.id = old.article_id;
    INSERT INTO comments_fts(rowid, text)
    SELECT (a.published << 31) | new.id, new.text FROM articles a WHERE a.id = new.article_id;
END;

CREATE VIRTUAL TABLE comments_fts USING fts5(
    text, content='', tokenize='unicode61 remove_diacritics 2'
);

CREATE TABLE discussion_lookups (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    checked INTEGER NOT NULL,
    found TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE feed_tags (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (feed_id, tag)
) WITHOUT ROWID;

CREATE INDEX feed_tags_by_tag ON feed_tags(tag, feed_id);

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
    created INTEGER NOT NULL,
    retry_after INTEGER,
    full_text INTEGER NOT NULL DEFAULT 0,
    custom_title INTEGER NOT NULL DEFAULT 0,
    url_key TEXT,
    own_title TEXT,
    removed INTEGER NOT NULL DEFAULT 0,
    refresh_minutes INTEGER,
    item_limit INTEGER
);

CREATE INDEX feeds_by_url_key ON feeds(url_key) WHERE url_key IS NOT NULL;

CREATE INDEX feeds_removed ON feeds(id) WHERE removed = 1;

CREATE TABLE hidden_by (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    rule_id INTEGER NOT NULL REFERENCES ignore_rules(id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, rule_id)
) WITHOUT ROWID;

CREATE INDEX hidden_by_rule ON hidden_by(rule_id);

CREATE TABLE ignore_rules (
    id INTEGER PRIMARY KEY,
    expression TEXT NOT NULL,
    feed_id INTEGER REFERENCES feeds(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    mode TEXT NOT NULL DEFAULT 'download'
);

CREATE TABLE pruned (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    PRIMARY KEY (feed_id, guid)
) WITHOUT ROWID;

CREATE TABLE saved_queries (
    name TEXT PRIMARY KEY,
    expression TEXT NOT NULL,
    created INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_articles (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE
);

CREATE TABLE sync_feed_changes (
    id INTEGER PRIMARY KEY,
    action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'rename', 'move')),
    feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
    remote_id TEXT,
    url TEXT,
    title TEXT,
    changed INTEGER NOT NULL
);

CREATE TABLE sync_feeds (
    feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
    remote_id TEXT NOT NULL UNIQUE,
    category TEXT
);

CREATE TABLE sync_pending (
    remote_id TEXT NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('read', 'starred')),
    value INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    PRIMARY KEY (remote_id, field)
) WITHOUT ROWID;

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

PRAGMA user_version = 19;
