"""Feeds: subscribing, the feed list with its counts, per-feed settings and tags.

A feed is identified by its key (its URL, or ``file:``/``dir:`` for a local
source); storing one again only fills in what it lacked, and a subscription
wins over a local copy of the same feed. A feed carries any number of tags,
listed with their feed and unread counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from reader.models import FeedData, FeedRow
from reader.store.connection import Connection
from reader.text import dates


class Feeds(Connection):
    """The feeds of the library and their tags."""

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

    def feed_title(self, feed_id: int) -> tuple[str, str | None] | None:
        """A feed's title and its last error (None when its last fetch went well), or None for no such feed."""
        row = self.conn.execute("SELECT title, last_error FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        return None if row is None else (str(row["title"]), row["last_error"])

    def set_feed_full_text(self, feed_id: int, enabled: bool) -> None:
        """Fetch every article page of this feed (feeds that carry only summaries)."""
        with self.transaction():
            self.conn.execute("UPDATE feeds SET full_text = ? WHERE id = ?", (int(enabled), feed_id))

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
