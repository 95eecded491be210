"""Storing articles and their comment threads: imports, fetches and sync all come through here.

* Articles are unique per ``(feed_id, guid)``; storing the same article again
  updates it and never takes away read/starred state. Fields missing from a
  newer copy keep their stored value, and nothing is deleted because a newer
  copy lacks it.
* Comments carry their display order (``position``) and ``depth``, so a whole
  thread is one indexed ``ORDER BY`` query; every merge orders the thread
  again. Reddit's "more replies" are rows of their own kind, replaced by the
  replies once fetched (:meth:`Articles.expand_more`).
* What ``reader prune`` removed is not stored again.
* An article a sync server gave only as the hash of its guid is stored under
  ``sha1:HEX`` (reader/store/sync.py); its feed's own copy takes that row over.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from reader.models import (
    ArticleData,
    BatchStats,
    CommentData,
    FeedData,
    ImportBatch,
    MorePlaceholder,
    ThreadFoundBy,
    ThreadRef,
)
from reader.store._sql import THREAD_ORDER, in_chunks, json_ids
from reader.store.connection import StoreError
from reader.store.killfile import Killfile
from reader.text import dates
from reader.text.sanitize import url_origin
from reader.text.threads import order_thread

#: How a synced article is named until its feed's own copy gives the guid:
#: ``sha1:`` and the hex SHA-1 of that guid, which is what TT-RSS keeps.
SYNC_GUID_PREFIX = "sha1:"


def guid_sha1(guid: str) -> str:
    """The hex SHA-1 a sync server keeps of a feed's guid (a stand-in guid already is one)."""
    if guid.startswith(SYNC_GUID_PREFIX):
        return guid[len(SYNC_GUID_PREFIX) :]
    # Imported here: only synced articles are hashed, and loading hashlib
    # (OpenSSL) was about 3 ms of `import reader.store`.
    import hashlib

    return hashlib.sha1(guid.encode("utf-8", "surrogatepass")).hexdigest()


class Articles(Killfile):
    """Storing batches of articles and merging comment threads."""

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
        ignoring = self._ignore_rules()
        feeds_as_stored: dict[int, tuple[str, str, list[str]]] = {}
        for _published, index, _position, feed, article in pending:
            stats = all_stats[index]
            feed_id = feed_id_for(feed, stats)
            verdict, hiding = (
                self._killfile(ignoring, feed_id, article, now, feeds_as_stored) if ignoring else (None, [])
            )
            if verdict == "download":
                stats.articles_ignored += 1
                continue
            article_id, created, changed, fresh = self._upsert_article(feed_id, article, now)
            if created and verdict == "display":
                # Stored as it came, comments and all, but nothing more is fetched for it (no thread, no
                # page, no notification) while a rule hides it.
                self._hide(article_id, hiding)
                stats.articles_hidden += 1
                self._merge_comments(article_id, article.comments, now)
                continue
            if created:
                stats.articles_added += 1
                stats.new_article_ids.append(article_id)
            elif changed:
                stats.articles_updated += 1
            if fresh:
                stats.fresh_article_ids.append(article_id)
            stats.comments_added += self._merge_comments(article_id, article.comments, now)
        for batch, stats in zip(batches, all_stats, strict=True):
            for article_id, comments in batch.thread_additions:
                stats.comments_added += self._merge_comments(article_id, comments, now)
            self._store_rules(batch, stats, now)
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

    def add_comments(
        self, article_id: int, comments: Sequence[CommentData], now: int | None = None, *, thread_id: int | None = None
    ) -> int:
        """Merge ``comments`` into one of an article's threads in one transaction; returns how many were new.

        ``thread_id`` None: the article's own thread (see :meth:`_own_thread`).
        """
        now = now if now is not None else dates.now()
        with self.transaction():
            return self._merge_comments(article_id, comments, now, thread_id)

    def open_thread(self, article_id: int, ref: ThreadRef, found_by: ThreadFoundBy = "feed") -> int:
        """The id of the article's thread ``ref`` (by source, id there and server), made if new; in one transaction.

        A thread kept from before schema 13 has no id there yet: the first
        thread of the same source that the feed leads to takes it over, so its
        comments and "seen" time stay with it. What ``ref`` knows of the
        thread (title, points, its page, its API) is kept; how it was found
        is the first way.
        """
        with self.transaction():
            return self._open_thread(article_id, ref, found_by)

    def _open_thread(self, article_id: int, ref: ThreadRef, found_by: ThreadFoundBy) -> int:
        values = {
            "article_id": article_id,
            "source": ref.source,
            "remote_id": ref.remote_id,
            "url": ref.url or None,
            "api": ref.api,
            "title": ref.title,
            "points": ref.points,
            "count": ref.comment_count,
            "found_by": found_by,
        }
        row = self.conn.execute(
            """SELECT id FROM threads
            WHERE article_id = :article_id AND source = :source AND remote_id = :remote_id AND api = :api""",
            values,
        ).fetchone()
        if row is None:
            # A thread kept from before schema 13 (no id there yet): whoever finds it first takes it over.
            row = self.conn.execute(
                """SELECT id FROM threads WHERE article_id = :article_id AND source = :source AND remote_id = ''
                ORDER BY id LIMIT 1""",
                values,
            ).fetchone()
        if row is not None:
            values["id"] = row["id"]
            self.conn.execute(
                """UPDATE threads SET remote_id = :remote_id, url = coalesce(:url, url), api = :api,
                    title = CASE WHEN :title != '' THEN :title ELSE title END,
                    points = coalesce(:points, points), source_count = coalesce(:count, source_count)
                WHERE id = :id""",
                values,
            )
            return int(row["id"])
        cursor = self.conn.execute(
            """INSERT INTO threads (article_id, source, remote_id, url, api, title, points, source_count, found_by)
            VALUES (:article_id, :source, :remote_id, :url, :api, :title, :points, :count, :found_by)""",
            values,
        )
        return int(cursor.lastrowid or 0)

    def drop_feed_threads_of(self, article_id: int, keep_thread_id: int, origin: str) -> int:
        """Drop the article's comment-feed threads served from ``origin``; how many comments went with them.

        For a blog whose own comment API was read (WordPress's REST API): its
        comment feed holds the same comments (the newest ten, flattened), so
        keeping both would show every comment twice. ``keep_thread_id`` is the
        API's thread, never dropped.
        """
        with self.transaction():
            doomed = [
                int(row["id"])
                for row in self.conn.execute(
                    "SELECT id, remote_id, url FROM threads WHERE article_id = ? AND source = 'feed' AND id != ?",
                    (article_id, keep_thread_id),
                )
                if url_origin(row["remote_id"] or row["url"]) == origin
            ]
            if not doomed:
                return 0
            # Only when the API's thread holds them all: an empty or short answer (a plugin that
            # hides comments from the API, a failure read as nothing) must not take them away.
            held = self.conn.execute(
                "SELECT count(*) FROM comments WHERE thread_id = ? AND kind = 'comment'", (keep_thread_id,)
            ).fetchone()[0]
            marks = ", ".join("?" * len(doomed))
            fed = self.conn.execute(
                f"SELECT count(*) FROM comments WHERE thread_id IN ({marks}) AND kind = 'comment'", doomed
            ).fetchone()[0]
            if held < fed:
                return 0
            if self._unindexed:
                self._index_pending()  # the rows leave the search index: they must be in it first
            dropped = 0
            for thread_id in doomed:
                dropped += self.conn.execute("DELETE FROM comments WHERE thread_id = ?", (thread_id,)).rowcount
                self.conn.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
            self._reorder_thread(article_id)
            return dropped

    def blog_threads(self, article_ids: Sequence[int]) -> dict[int, ThreadRef]:
        """Of these articles, those whose blog's own comment API thread is stored (WordPress): that thread."""
        found: dict[int, ThreadRef] = {}
        for marks, chunk in in_chunks(article_ids):
            for row in self.conn.execute(
                f"""SELECT article_id, remote_id, url, api FROM threads
                WHERE source = 'wordpress' AND article_id IN ({marks})""",
                chunk,
            ):
                found[int(row["article_id"])] = ThreadRef("wordpress", row["remote_id"], row["url"] or "", row["api"])
        return found

    def _own_thread(self, article_id: int) -> int:
        """The thread of comments that come with the article itself (a file's, a comment feed's), made if new.

        The first thread the feed led to; an article without one gets a
        "feed" thread keyed by nothing more (its comments came with it).
        """
        row = self.conn.execute(
            "SELECT id FROM threads WHERE article_id = ? AND found_by = 'feed' ORDER BY id LIMIT 1", (article_id,)
        ).fetchone()
        if row is not None:
            return int(row["id"])
        return self._open_thread(article_id, ThreadRef("feed", "", ""), "feed")

    # How a stored article takes in a newer copy, column by new value. Read
    # and starred state only ever gains a mark here, and a value missing from
    # the newer copy keeps the stored one.
    _ARTICLE_MERGE = (
        ("url", "coalesce(:url, url)"),
        ("title", "CASE WHEN :title != '' THEN :title ELSE title END"),
        ("author", "CASE WHEN :author != '' THEN :author ELSE author END"),
        ("published", "coalesce(:published, published)"),
        ("undated", "CASE WHEN :published IS NULL THEN undated ELSE 0 END"),
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
            "SELECT id, declared_comment_count, hidden FROM articles WHERE feed_id = ? AND guid = ?",
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
                    comment_feed_url, read, starred, undated)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                    int(article.published is None and article.dated_by_source),
                ),
            )
            self._unindexed = True
            return int(cursor.lastrowid or 0), True, True, True
        article_id = int(existing["id"])
        if self._unindexed:
            self._index_pending()
        declared = article.declared_comment_count
        # A new comment count on an article the killfile hides fetches nothing either.
        fresh = declared is not None and declared != existing["declared_comment_count"] and not existing["hidden"]
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

    def _merge_comments(
        self, article_id: int, comments: Sequence[CommentData], now: int, thread_id: int | None = None
    ) -> int:
        """Upsert comments into one of an article's threads, then recompute its display order.

        ``thread_id`` None: the article's own thread. A comment is keyed by
        its guid within the article (guids carry their source's prefix), and
        stays in the thread it first came in.

        Returns how many comments were new ("more" placeholders are stored
        but not counted: they are not comments). A row's kind is set when it
        is first stored and never changes, which keeps the search index (of
        comments only) right.
        """
        if not comments:
            return 0
        if thread_id is None:
            thread_id = self._own_thread(article_id)
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
                "thread_id": thread_id,
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
                        published, text, html, url, deleted, first_seen, kind, more_count, more_children, thread_id)
                    VALUES (:article_id, :guid, :parent_guid, :rank, :author, :published, :text,
                        :html, :url, :deleted, :now, :kind, :more_count, :more_children, :thread_id)""",
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
        """Lay out every thread of the article: one after another (in :data:`THREAD_ORDER`), each a tree.

        Positions run over the whole article, so each thread is one range of
        them; a reply can only hang under a comment of its own thread.
        """
        rows = self.conn.execute(
            f"""SELECT c.id, c.guid, c.parent_guid, c.kind, c.thread_id
            FROM comments c LEFT JOIN threads t ON t.id = c.thread_id WHERE c.article_id = ?
            ORDER BY {THREAD_ORDER}, c.source_rank, c.id""",
            (article_id,),
        ).fetchall()
        thread_of = {row["guid"]: row["thread_id"] for row in rows}

        def parent(row: sqlite3.Row) -> str | None:
            guid: str | None = row["parent_guid"]
            return guid if guid is None or thread_of.get(guid, row["thread_id"]) == row["thread_id"] else None

        id_by_guid = {row["guid"]: row["id"] for row in rows}
        placed = order_thread([(row["guid"], parent(row)) for row in rows])
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
        per_thread: dict[int, int] = {}
        for row in rows:
            if row["kind"] == "comment" and row["thread_id"] is not None:
                per_thread[row["thread_id"]] = per_thread.get(row["thread_id"], 0) + 1
        self.conn.execute(
            """UPDATE threads SET comment_count = coalesce((SELECT value FROM json_each(?) WHERE key = threads.id), 0)
            WHERE article_id = ?""",
            (json.dumps({str(key): value for key, value in per_thread.items()}), article_id),
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
            children=json_ids(row["more_children"]),
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
                "SELECT article_id, thread_id FROM comments WHERE id = ? AND kind = 'more'", (more_comment_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"comment {more_comment_id} is not a placeholder for more replies (loaded already?)")
            article_id = int(row["article_id"])
            if self._unindexed:
                self._index_pending()
            self.conn.execute("DELETE FROM comments WHERE id = ?", (more_comment_id,))
            added = self._merge_comments(article_id, comments, now, row["thread_id"])
            if not comments:
                self._reorder_thread(article_id)
        return added

    # -- articles a sync server gave by the hash of their guid -------------

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
        stand_in = SYNC_GUID_PREFIX + guid_sha1(guid)
        row: sqlite3.Row | None = self.conn.execute(
            "SELECT id, declared_comment_count, hidden FROM articles WHERE feed_id = ? AND guid = ?",
            (feed_id, stand_in),
        ).fetchone()
        if row is not None:
            self.conn.execute("UPDATE articles SET guid = ? WHERE id = ?", (guid, row["id"]))
        return row
