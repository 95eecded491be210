"""Feeds: subscribing, the feed list with its counts, per-feed settings and tags.

A feed is identified by its key (its URL, or ``file:``/``dir:`` for a local
source); storing one again only fills in what it lacked, and a subscription
wins over a local copy of the same feed. A feed carries any number of tags,
listed with their feed and unread counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.models import FeedCounts, FeedData, FeedRow, FeedSettings
from reader.store._sql import hidden_count
from reader.store.connection import Connection
from reader.text import dates
from reader.text.sanitize import normalize_url


class Feeds(Connection):
    """The feeds of the library and their tags."""

    def upsert_feed(self, feed: FeedData, now: int | None = None) -> tuple[int, bool]:
        """Store ``feed`` (matched by key, else by its URL's one spelling); returns ``(id, created)``.

        A stored title or URL is only replaced by a non-empty one; a title the
        user chose (``custom_title``) only by another of theirs, while the
        feed's own is kept beside it (``own_title``). Tags are added, never
        removed. A feed the user had removed is subscribed again.
        """
        now = now if now is not None else dates.now()
        url_key = normalize_url(feed.url) if feed.kind == "feed" else None
        row = self.conn.execute("SELECT id FROM feeds WHERE key = ?", (feed.key,)).fetchone()
        if row is None and url_key is not None:
            row = self.conn.execute(
                "SELECT id FROM feeds WHERE url_key = ? ORDER BY removed, id LIMIT 1", (url_key,)
            ).fetchone()
        if row is None:
            cursor = self.conn.execute(
                """INSERT INTO feeds (key, url, title, site_url, kind, created, custom_title, own_title, url_key)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    feed.key,
                    feed.url,
                    feed.title,
                    feed.site_url,
                    feed.kind,
                    now,
                    int(feed.custom_title),
                    None if feed.custom_title else feed.title,
                    url_key,
                ),
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
                    own_title = CASE WHEN :custom = 0 AND :title != '' THEN :title ELSE own_title END,
                    custom_title = max(custom_title, :custom),
                    url = coalesce(:url, url),
                    url_key = CASE WHEN :kind = 'feed' OR kind = 'feed'
                        THEN reader_url_key(coalesce(:url, url)) ELSE url_key END,
                    site_url = coalesce(:site_url, site_url),
                    kind = CASE WHEN :kind = 'feed' THEN 'feed' ELSE kind END,
                    -- Subscribed again: due at the next fetch, whatever its refresh interval, and asked
                    -- afresh (its old validators would get a 304 for the articles removed with it).
                    last_success = CASE WHEN removed = 1 THEN NULL ELSE last_success END,
                    etag = CASE WHEN removed = 1 THEN NULL ELSE etag END,
                    last_modified = CASE WHEN removed = 1 THEN NULL ELSE last_modified END,
                    removed = 0
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
        return self._feed_rows("f.removed = 0", ())

    def feed(self, feed_id: int) -> FeedRow | None:
        """One subscribed feed with its counts and tags (a removed one is None, as for no such feed)."""
        rows = self._feed_rows("f.id = ? AND f.removed = 0", (feed_id,))
        return rows[0] if rows else None

    def feed_ids_by_title(self) -> list[tuple[int, str]]:
        """Every subscribed feed's id and title, by title: what naming a feed by its title looks through."""
        rows = self.conn.execute("SELECT id, title FROM feeds WHERE removed = 0 ORDER BY title COLLATE NOCASE, id")
        return [(int(row["id"]), str(row["title"])) for row in rows]

    def _feed_rows(self, where: str, params: tuple[object, ...]) -> list[FeedRow]:
        # ``where`` is fixed SQL written here (never user text); the counts use the per-feed indexes.
        rows = self.conn.execute(
            f"""
            SELECT f.*,
                (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.read = 0)
                    {hidden_count("a.feed_id = f.id AND a.read = 0")} AS unread,
                (SELECT count(*) FROM articles a WHERE a.feed_id = f.id)
                    {hidden_count("a.feed_id = f.id")} AS total
            FROM feeds f
            WHERE {where}
            ORDER BY f.title COLLATE NOCASE, f.id
            """,
            params,
        ).fetchall()
        tags: dict[int, list[str]] = {}
        tag_query = "SELECT feed_id, tag FROM feed_tags ORDER BY tag"
        tag_params: tuple[object, ...] = ()
        if len(rows) == 1:
            tag_query = "SELECT feed_id, tag FROM feed_tags WHERE feed_id = ? ORDER BY tag"
            tag_params = (rows[0]["id"],)
        for tag_row in self.conn.execute(tag_query, tag_params):
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

    # -- managing subscriptions ---------------------------------------------

    def find_feed_by_url(self, url: str) -> tuple[int, bool] | None:
        """The feed whose URL is ``url`` in any spelling (``normalize_url``): ``(id, removed)``, or None."""
        url_key = normalize_url(url)
        if url_key is None:
            return None
        # The feed whose own address this is first (two feeds of an older library may share one spelling).
        row = self.conn.execute(
            """SELECT id, removed FROM feeds WHERE url_key = :key OR key = :url
            ORDER BY key = :url DESC, url = :url DESC, removed, id LIMIT 1""",
            {"key": url_key, "url": url},
        ).fetchone()
        return None if row is None else (int(row["id"]), bool(row["removed"]))

    def feed_counts(self, feed_id: int) -> FeedCounts:
        """How many articles a feed has, and how many of them are starred (what removing it would cost)."""
        row = self.conn.execute(
            "SELECT count(*) AS total, coalesce(sum(starred), 0) AS starred FROM articles WHERE feed_id = ?",
            (feed_id,),
        ).fetchone()
        return FeedCounts(total=int(row["total"]), starred=int(row["starred"]))

    def remove_feed(self, feed_id: int, *, include_starred: bool = False) -> FeedCounts:
        """Unsubscribe: delete the feed and its articles, keeping starred ones unless ``include_starred``.

        A feed with starred articles to keep stays as a removed feed (not
        fetched, not listed with the feeds): its starred articles are what
        the feed list's "Saved" place shows. Returns what was deleted.
        """
        with self.transaction():
            return self._remove_feed(feed_id, include_starred=include_starred)

    def _remove_feed(self, feed_id: int, *, include_starred: bool = False) -> FeedCounts:
        """:meth:`remove_feed` inside the caller's transaction (a sync removes the feeds gone from the server)."""
        counts = self.feed_counts(feed_id)
        if include_starred or not counts.starred:
            self.conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))
            return counts
        self.conn.execute("DELETE FROM articles WHERE feed_id = ? AND starred = 0", (feed_id,))
        self.conn.execute("DELETE FROM feed_tags WHERE feed_id = ?", (feed_id,))
        self.conn.execute("DELETE FROM sync_feeds WHERE feed_id = ?", (feed_id,))
        self.conn.execute("UPDATE feeds SET removed = 1 WHERE id = ?", (feed_id,))
        return FeedCounts(total=counts.total - counts.starred, starred=0)

    def rename_feed(self, feed_id: int, title: str | None) -> str:
        """Give a feed the user's own ``title`` (fetches keep it), or its own again for None; returns the title."""
        with self.transaction():
            if title is None:
                self.conn.execute(
                    """UPDATE feeds SET custom_title = 0,
                        title = coalesce(nullif(own_title, ''), url, key) WHERE id = ?""",
                    (feed_id,),
                )
            else:
                self.conn.execute("UPDATE feeds SET custom_title = 1, title = ? WHERE id = ?", (title, feed_id))
            row = self.conn.execute("SELECT title FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return str(row["title"]) if row is not None else ""

    def move_feed(self, feed_id: int, url: str, *, check_only: bool = False) -> int | None:
        """Give a feed a new address, keeping its articles and their read and starred state.

        ``url`` is stored in its one spelling; the next fetch asks for it
        afresh (no validators, no error, no back-off from the old address,
        and due whatever its refresh interval).
        Returns the id of another feed that already has this address (and
        changes nothing then), else None; ``check_only`` only asks.
        """
        url_key = normalize_url(url)
        if url_key is None:
            raise ValueError(f"not an http(s) URL: {url!r}")
        with self.transaction():
            other = self.conn.execute(
                "SELECT id FROM feeds WHERE (url_key = ? OR key = ?) AND id != ? LIMIT 1", (url_key, url_key, feed_id)
            ).fetchone()
            if other is not None:
                return int(other["id"])
            if check_only:
                return None
            self.conn.execute(
                """UPDATE feeds SET key = :url, url = :url, url_key = :url, kind = 'feed', etag = NULL,
                    last_modified = NULL, last_status = NULL, last_error = NULL, error_count = 0, dead = 0,
                    retry_after = NULL, last_success = NULL
                WHERE id = :id""",
                {"url": url_key, "id": feed_id},
            )
        return None

    def feed_exists(self, feed_id: int) -> bool:
        """True if a feed with this id is subscribed (a removed one, kept for its starred articles, is not)."""
        return self.conn.execute("SELECT 1 FROM feeds WHERE id = ? AND removed = 0", (feed_id,)).fetchone() is not None

    def has_saved(self) -> bool:
        """True if a removed feed kept starred articles (the feed list's "Saved" place has something)."""
        row = self.conn.execute(
            "SELECT 1 FROM articles WHERE starred = 1 AND feed_id IN (SELECT id FROM feeds WHERE removed = 1) LIMIT 1"
        ).fetchone()
        return row is not None

    def feed_title(self, feed_id: int) -> tuple[str, str | None] | None:
        """A feed's title and its last error (None when its last fetch went well), or None for no such feed."""
        row = self.conn.execute("SELECT title, last_error FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return None if row is None else (str(row["title"]), row["last_error"])

    def set_feed_full_text(self, feed_id: int, enabled: bool) -> None:
        """Fetch every article page of this feed (feeds that carry only summaries)."""
        with self.transaction():
            self.conn.execute("UPDATE feeds SET full_text = ? WHERE id = ?", (int(enabled), feed_id))

    # -- tags --------------------------------------------------------------

    def feed_settings(self, feed_id: int) -> FeedSettings | None:
        """The feed's own settings (None: no such feed)."""
        row = self.conn.execute(
            "SELECT refresh_minutes, item_limit, full_text FROM feeds WHERE id = ?", (feed_id,)
        ).fetchone()
        if row is None:
            return None
        return FeedSettings(row["refresh_minutes"], row["item_limit"], bool(row["full_text"]))

    def set_feed_settings(self, feed_id: int, settings: FeedSettings) -> int:
        """Replace the feed's settings; with an item limit, trim its articles to it now. Returns how many went."""
        with self.transaction():
            self.conn.execute(
                "UPDATE feeds SET refresh_minutes = ?, item_limit = ?, full_text = ? WHERE id = ?",
                (settings.refresh_minutes, settings.item_limit, int(settings.full_text), feed_id),
            )
            return self._trim_to_limit(feed_id)

    def _trim_to_limit(self, feed_id: int) -> int:
        """Delete the feed's articles beyond its item limit, oldest first, never a starred one.

        What goes is remembered (``pruned``), as for ``reader prune``, so the
        feed does not bring it back. The limit counts the articles you see:
        everything older than the feed's N-th newest one that the killfile
        does not hide goes (hidden ones among the newest stay hidden).
        """
        row = self.conn.execute("SELECT item_limit FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is None or row["item_limit"] is None or int(row["item_limit"]) < 1:
            return 0
        # No N-th visible article (fewer than N): the subquery is NULL, the comparison too, nothing goes.
        beyond = """SELECT id FROM articles WHERE feed_id = :feed AND starred = 0 AND (published, id) <
            (SELECT published, id FROM articles WHERE feed_id = :feed AND hidden = 0
             ORDER BY published DESC, id DESC LIMIT 1 OFFSET :skip)"""
        values = {"feed": feed_id, "skip": int(row["item_limit"]) - 1}
        if self._unindexed:
            self._index_pending()  # deleted rows leave the search index: they must be in it first
        self.conn.execute(
            f"INSERT OR IGNORE INTO pruned (feed_id, guid) SELECT feed_id, guid FROM articles WHERE id IN ({beyond})",
            values,
        )
        return int(self.conn.execute(f"DELETE FROM articles WHERE id IN ({beyond})", values).rowcount)

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
            f"""SELECT t.tag, count(*) AS feeds,
                sum((SELECT count(*) FROM articles a WHERE a.feed_id = t.feed_id AND a.read = 0)
                    {hidden_count("a.feed_id = t.feed_id AND a.read = 0")}) AS unread
            FROM feed_tags t GROUP BY t.tag ORDER BY t.tag COLLATE NOCASE"""
        ).fetchall()
        return [(row["tag"], row["feeds"], row["unread"]) for row in rows]
