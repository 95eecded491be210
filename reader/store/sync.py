"""Sync with an aggregator server (reader/service/sync): which feed and article here each server one is.

Everything the sync engine stores goes through these methods; the engine
itself (reader/service/sync/engine.py) only talks to the server. Marks made
here reach ``sync_pending`` from ``mark()`` and ``mark_feed_read()``
(reader/store/reading.py), and leave it once the server has confirmed them.
A server article is matched to one stored here by its server id, else by
the hash of its guid or its link, so nothing is stored twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from reader.models import (
    FeedChangeAction,
    FeedData,
    ImportBatch,
    PendingFeedChange,
    PendingMark,
    SyncArticlesResult,
    SyncedCopy,
    SyncFeed,
    SyncFeedsResult,
)
from reader.store._sql import in_chunks
from reader.store.articles import SYNC_GUID_PREFIX, Articles, guid_sha1
from reader.text import dates
from reader.text.sanitize import normalize_url


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


class SyncState(Articles):
    """The links to a sync server's feeds and articles, and the marks queued for it."""

    def store_sync_feeds(self, feeds: Sequence[SyncFeed]) -> SyncFeedsResult:
        """Make the server's subscriptions feeds here, and remove here the feeds it no longer has.

        A server feed is matched to a local one by its server id (linked
        before), else by its URL in any spelling (``url_key``), else created.
        A feed removed here whose unsubscribe is still queued for the server
        is left out (it would come back otherwise); a feed removed here that
        the server lists without one is subscribed again (the server's list
        wins where nothing waits to be told to it). A category the server
        moved a feed out of loses its tag here. A feed linked before that the
        server no longer lists goes here too, as ``remove_feed`` does it: its
        starred articles stay (under "Saved"); changes still queued for it
        are dropped, the server has nothing left to apply them to.
        """
        result = SyncFeedsResult()
        with self.transaction():
            known = {
                row["remote_id"]: (int(row["feed_id"]), row["category"])
                for row in self.conn.execute("SELECT remote_id, feed_id, category FROM sync_feeds")
            }
            leaving = {
                str(row["remote_id"])
                for row in self.conn.execute(
                    "SELECT remote_id FROM sync_feed_changes WHERE action = 'unsubscribe' AND remote_id IS NOT NULL"
                )
            }
            listed = {feed.remote_id for feed in feeds}
            for feed in feeds:
                if feed.remote_id in known:
                    feed_id, category = known[feed.remote_id]
                else:
                    if feed.remote_id in leaving:
                        continue  # removed here; the server is told at the next sync
                    url_key = normalize_url(feed.url)
                    row = self.conn.execute(
                        """SELECT id, title, url, removed FROM feeds WHERE key = :url OR url = :url OR url_key = :key
                        ORDER BY removed, key = :url DESC, id LIMIT 1""",
                        {"url": feed.url, "key": url_key},
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
                    linked = self.conn.execute(
                        "SELECT remote_id FROM sync_feeds WHERE feed_id = ?", (feed_id,)
                    ).fetchone()
                    if linked is not None:
                        if linked["remote_id"] in listed:
                            # Two server feeds with one URL: the local feed keeps its first link.
                            continue
                        # Subscribed again there (a new id for the same feed): the link moves to
                        # it, and the feed, its articles and its tag stay as they are.
                        self.conn.execute(
                            "UPDATE sync_feeds SET remote_id = ? WHERE feed_id = ?", (feed.remote_id, feed_id)
                        )
                        category = known.pop(linked["remote_id"])[1]
                        known[feed.remote_id] = (feed_id, category)
                        self._apply_category(feed_id, category, feed.category)
                        result.feed_ids[feed.remote_id] = feed_id
                        continue
                    if row is not None and row["removed"]:
                        self.conn.execute("UPDATE feeds SET removed = 0 WHERE id = ?", (feed_id,))
                    self.conn.execute(
                        "INSERT INTO sync_feeds (feed_id, remote_id, category) VALUES (?, ?, NULL)",
                        (feed_id, feed.remote_id),
                    )
                    category = None
                self._apply_category(feed_id, category, feed.category)
                result.feed_ids[feed.remote_id] = feed_id
            gone = [
                (remote_id, feed_id) for remote_id, (feed_id, _) in known.items() if remote_id not in result.feed_ids
            ]
            # A server that suddenly lists none of the linked feeds (reinstalled, another
            # account at the same address, an answer cut short) is not taken as the user
            # unsubscribing from all of them: they are only unlinked, and keep every article.
            wiped = len(gone) == len(known)
            for remote_id, feed_id in gone:
                if not wiped:
                    self._remove_feed(feed_id)
                self.conn.execute("DELETE FROM sync_feeds WHERE remote_id = ?", (remote_id,))
                self.conn.execute("DELETE FROM sync_feed_changes WHERE remote_id = ?", (remote_id,))
            result.gone = len(gone)
        return result

    def _apply_category(self, feed_id: int, before: str | None, now: str | None) -> None:
        """The server's category is the feed's tag here: the old one goes, the new one comes."""
        if now == before:
            return
        if before:
            self.conn.execute("DELETE FROM feed_tags WHERE feed_id = ? AND tag = ?", (feed_id, before))
        if now:
            self.conn.execute("INSERT OR IGNORE INTO feed_tags (feed_id, tag) VALUES (?, ?)", (feed_id, now))
        self.conn.execute("UPDATE sync_feeds SET category = ? WHERE feed_id = ?", (now, feed_id))

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
            for placeholders, chunk in in_chunks(dict.fromkeys(copy.remote_id for copy in copies)):
                for row in self.conn.execute(
                    f"""SELECT s.remote_id, a.id, a.feed_id, a.guid FROM sync_articles s
                    JOIN articles a ON a.id = s.article_id WHERE s.remote_id IN ({placeholders})""",
                    chunk,
                ):
                    known[row["remote_id"]] = row
            feed_keys = {
                int(row["id"]): str(row["key"])
                for marks, chunk in in_chunks({copy.feed_id for copy in copies})
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
            index.by_hash.setdefault(guid_sha1(row["guid"]), row)
            if row["url"]:
                index.by_url.setdefault(row["url"], row)
        for (guid,) in self.conn.execute("SELECT guid FROM pruned WHERE feed_id = ?", (feed_id,)):
            index.pruned.add(guid_sha1(guid))
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

    # -- subscriptions changed here ------------------------------------------

    def queue_feed_change(
        self, action: FeedChangeAction, feed_id: int, *, url: str | None = None, title: str | None = None
    ) -> bool:
        """Queue a change to one subscription for the sync server; False when there is nothing to tell it.

        Call it before the change is made here: an unsubscribe needs the
        server's id for the feed, which removing the feed forgets. Renames,
        moves and removals of a feed the server does not have are nothing to
        the server (False). A newer change of the same kind to the same
        feed replaces an older one still queued.
        """
        row = self.conn.execute("SELECT remote_id FROM sync_feeds WHERE feed_id = ?", (feed_id,)).fetchone()
        remote_id = None if row is None else str(row["remote_id"])
        if remote_id is None and action != "subscribe":
            if action == "unsubscribe":
                # Added and removed before any sync: the server never has to hear of it.
                with self.transaction():
                    self.conn.execute("DELETE FROM sync_feed_changes WHERE feed_id = ?", (feed_id,))
            return False
        with self.transaction():
            self.conn.execute("DELETE FROM sync_feed_changes WHERE feed_id = ? AND action = ?", (feed_id, action))
            if action == "unsubscribe":
                # What was queued for the feed means nothing once it is gone from the server.
                self.conn.execute("DELETE FROM sync_feed_changes WHERE feed_id = ?", (feed_id,))
            self.conn.execute(
                """INSERT INTO sync_feed_changes (action, feed_id, remote_id, url, title, changed)
                VALUES (?, ?, ?, ?, ?, ?)""",
                (action, feed_id, remote_id, url, title, dates.now()),
            )
        return True

    def sync_feed_changes(self) -> list[PendingFeedChange]:
        """The subscription changes made here that the server has not answered yet, oldest first."""
        return [
            PendingFeedChange(
                id=row["id"],
                action=row["action"],
                feed_id=row["feed_id"],
                remote_id=row["remote_id"],
                url=row["url"],
                title=row["title"],
                changed=row["changed"],
            )
            for row in self.conn.execute("SELECT * FROM sync_feed_changes ORDER BY id")
        ]

    def clear_sync_feed_change(self, change: PendingFeedChange) -> None:
        """Forget a change the server has answered (done, or refused for good)."""
        with self.transaction():
            self.conn.execute("DELETE FROM sync_feed_changes WHERE id = ?", (change.id,))

    def feed_to_subscribe(self, feed_id: int | None) -> tuple[str, str | None] | None:
        """The address and first tag of a feed whose subscribe is queued; None when there is nothing to send.

        Taken when the change is sent, not when it was queued, so a feed moved
        here meanwhile is subscribed at its new address. None for a feed
        deleted or removed here since (its unsubscribe had no server id to
        queue), one that is not a web feed, and one the server already has
        (linked).
        """
        if feed_id is None:
            return None
        row = self.conn.execute(
            """SELECT f.url, (SELECT min(t.tag) FROM feed_tags t WHERE t.feed_id = f.id) AS tag FROM feeds f
            WHERE f.id = ? AND f.removed = 0 AND f.kind = 'feed' AND f.url IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM sync_feeds s WHERE s.feed_id = f.id)""",
            (feed_id,),
        ).fetchone()
        return None if row is None else (str(row["url"]), row["tag"])

    def link_sync_feed(self, feed_id: int, remote_id: str) -> bool:
        """Link a feed just subscribed on the server to its id there; False when either is linked already.

        Linked at once, the server's feed is this one even when the server
        keeps it under another address (a page's feed it found, a redirect).
        Its category is left unknown, so the next sync sets the tag from it.
        """
        with self.transaction():
            return (
                self.conn.execute(
                    """INSERT INTO sync_feeds (feed_id, remote_id, category)
                    SELECT id, ?, NULL FROM feeds WHERE id = ? AND removed = 0
                    ON CONFLICT DO NOTHING""",
                    (remote_id, feed_id),
                ).rowcount
                > 0
            )

    def sync_counts(self) -> dict[str, int]:
        """Linked feeds and articles, queued marks and subscription changes (for ``reader sync status``)."""
        row = self.conn.execute(
            """SELECT (SELECT count(*) FROM sync_feeds) AS feeds, (SELECT count(*) FROM sync_articles) AS articles,
                (SELECT count(*) FROM sync_pending) AS pending, (SELECT count(*) FROM sync_feed_changes) AS changes"""
        ).fetchone()
        return {
            "feeds": int(row["feeds"]),
            "articles": int(row["articles"]),
            "pending": int(row["pending"]),
            "feed_changes": int(row["changes"]),
        }

    def forget_sync(self) -> None:
        """Drop every link to a sync server and the queue (for a new account); feeds and articles stay."""
        with self.transaction():
            for table in ("sync_pending", "sync_articles", "sync_feeds", "sync_feed_changes"):
                self.conn.execute(f"DELETE FROM {table}")
            self.conn.execute("DELETE FROM settings WHERE key = 'sync.cursor'")
