"""Reading: the article lists, one article with its thread, marks, pruning, and small settings.

Every list query pages (``LIMIT`` with a keyset cursor) and has an index;
``tests/test_query_plans.py`` checks the plans. A mark's time is kept per
article, and a mark on an article that came from a sync server is queued for
the server in the same transaction (``sync_pending``, read by
reader/store/sync.py).
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from reader.models import ArticleDetail, ArticleFilter, ArticleRow, CommentRow, ThreadInfo, thread_source_name
from reader.store._sql import (
    ANY_HIDDEN,
    HIDDEN_IDS,
    THREAD_ORDER,
    VISIBLE,
    VISIBLE_ROW,
    hidden_count,
    in_chunks,
    json_ids,
)
from reader.store.connection import Connection
from reader.text import dates

if TYPE_CHECKING:
    from reader.text.filters import Filter

_ARTICLE_COLUMNS = """
    a.id, a.feed_id, f.title AS feed, a.guid, a.url, a.title, a.author, a.published,
    a.read, a.starred, a.comment_count, a.comments_url
"""

# Filter fragments are fixed SQL (never built from user text), written with
# literals so SQLite can prove that the partial indexes apply.
_UNREAD = "a.read = 0"
_STARRED = "a.starred = 1"
#: Starred and from a removed feed: what "Saved" lists.
_SAVED = f"{_STARRED} AND +a.feed_id IN (SELECT id FROM feeds WHERE removed = 1)"


def filter_where(
    filter: ArticleFilter, *, any_hidden: bool = True, reads_rows: bool = False
) -> tuple[str, list[object]]:
    """The WHERE clause (articles as ``a``) and its parameters for the articles ``filter`` lets through.

    ``any_hidden`` False (no article is hidden: :meth:`Reading.where`) leaves
    out the test for hidden articles, which costs on every row;
    ``reads_rows``: the query reads each row it walks, so the test reads the
    row's mark rather than a list of the hidden ids (reader/store/_sql.py).
    """
    if filter.hidden:
        clauses = [f"a.id IN ({HIDDEN_IDS})"]
    else:
        clauses = [(VISIBLE_ROW if reads_rows else VISIBLE) if any_hidden else "1"]
    params: list[object] = []
    if filter.unread:
        clauses.append(_UNREAD)
    if filter.starred:
        clauses.append(_STARRED)
    if filter.feed_id is not None:
        clauses.append("a.feed_id = ?")
        params.append(filter.feed_id)
    if filter.tag is not None:
        # "+" keeps the planner on the date index: through the per-feed one
        # it would sort every article of the tag to show one page.
        clauses.append("+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
        params.append(filter.tag)
    if filter.saved:
        # The starred articles kept from feeds the user removed (a partial index lists those feeds);
        # one unstarred there is an ordinary read article, which prune takes in time.
        clauses.append(_SAVED)
    if filter.expression:
        # A filter keeps the date index's walk (reader/store/filters.py); its ``age`` counts from now.
        condition, more = _filter_condition(filter.expression, dates.now())
        clauses.append(condition)
        params.extend(more)
    return " AND ".join(clauses), params


def _filter_condition(expression: str, now: int) -> tuple[str, list[object]]:
    """The filter language's ``expression`` as SQL over ``a`` (raises ``FilterError``, one line with its place)."""
    from reader.store.filters import filter_sql

    return filter_sql(_parsed(expression), now) if expression else ("1", [])


@functools.lru_cache(maxsize=64)
def _parsed(expression: str) -> Filter:
    from reader.text.filters import parse_filter

    return parse_filter(expression)


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


def _prune_condition(*, starred: bool, unread: bool) -> str:
    """The articles :meth:`Reading.prune` deletes (one parameter: the cutoff); fixed SQL."""
    where = ["published < ?"]
    if not starred:
        where.append("starred = 0")
    if not unread:
        # A hidden article is one nobody will read: it goes as a read one does.
        where.append("(read = 1 OR hidden = 1)")
    return " AND ".join(where)


class Reading(Connection):
    """What the reader and ``reader list`` show, and the marks made on it."""

    def where(self, filter: ArticleFilter, *, reads_rows: bool = False) -> tuple[str, list[object]]:
        """:func:`filter_where` for this library: the hidden articles are tested for only when there are some."""
        any_hidden = filter.hidden or bool(self.conn.execute(ANY_HIDDEN).fetchone()[0])
        return filter_where(filter, any_hidden=any_hidden, reads_rows=reads_rows)

    # -- reading state -----------------------------------------------------

    def mark(self, ids: Iterable[int], *, read: bool | None = None, starred: bool | None = None) -> int:
        """Set read and/or starred on articles; returns how many articles exist among ``ids``.

        The time of the mark is kept per article, and marks on articles that
        came from a sync server are queued for it (see :meth:`_queue_marks`).
        A starred article is shown, whatever the killfile hid.
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
            for marks, chunk in in_chunks(id_list):
                found += self.conn.execute(
                    f"UPDATE articles SET {', '.join(assignments)} WHERE id IN ({marks})",
                    [*params, *chunk],
                ).rowcount
                self._queue_marks(chunk, read=read, starred=starred, now=now)
                if starred:
                    # Starred articles are never hidden: one starred while the killfile hid it (by its
                    # number, or from a sync server) shows again (found by review).
                    self.conn.execute(f"DELETE FROM hidden_by WHERE article_id IN ({marks})", chunk)
                    self.conn.execute(f"UPDATE articles SET hidden = 0 WHERE hidden = 1 AND id IN ({marks})", chunk)
        return found

    def mark_thread_seen(self, article_id: int, when: int | None = None, *, thread_id: int | None = None) -> None:
        """Remember that the user has seen this article's comments as of ``when``: one thread's, or all.

        The article's own ``comments_seen`` is the latest of its threads'.
        """
        when = when if when is not None else dates.now()
        with self.transaction():
            self.conn.execute(
                "UPDATE threads SET seen = ? WHERE article_id = ? AND (? IS NULL OR id = ?)",
                (when, article_id, thread_id, thread_id),
            )
            self.conn.execute("UPDATE articles SET comments_seen = ? WHERE id = ?", (when, article_id))

    def mark_feed_read(self, feed_id: int) -> int:
        """Mark every article of one feed read (those the killfile hides stay as they are); returns how many.

        The marks are queued for a sync server too.
        """
        now = dates.now()
        with self.transaction():
            self._queue_feed_read(feed_id, now)
            return int(
                self.conn.execute(
                    "UPDATE articles SET read = 1, read_changed = ? WHERE feed_id = ? AND read = 0 AND hidden = 0",
                    (now, feed_id),
                ).rowcount
            )

    def prune(self, older_than: int, *, starred: bool = False, unread: bool = False) -> int:
        """Delete read, unstarred articles published before ``older_than``; returns how many.

        ``starred`` and ``unread`` widen it to those too. What is removed is
        remembered, so a feed that still lists it does not bring it back.
        """
        condition = _prune_condition(starred=starred, unread=unread)
        with self.transaction():
            self.conn.execute(
                f"INSERT OR IGNORE INTO pruned (feed_id, guid) SELECT feed_id, guid FROM articles WHERE {condition}",
                (older_than,),
            )
            return int(self.conn.execute(f"DELETE FROM articles WHERE {condition}", (older_than,)).rowcount)

    def prune_count(self, older_than: int, *, starred: bool = False, unread: bool = False) -> int:
        """How many articles :meth:`prune` with the same arguments would delete now."""
        condition = _prune_condition(starred=starred, unread=unread)
        return int(self.conn.execute(f"SELECT count(*) FROM articles WHERE {condition}", (older_than,)).fetchone()[0])

    # -- reading articles --------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Number of articles in the all, unread, starred and saved (kept from removed feeds) views.

        ``saved_unread`` is how many of the saved ones are unread (the feed list's number for Saved).
        """
        views = {
            "all": "1",
            "unread": _UNREAD,
            "starred": _STARRED,
            "saved": _SAVED,
            "saved_unread": f"{_UNREAD} AND {_SAVED}",
        }
        return {
            view: self.conn.execute(
                f"SELECT (SELECT count(*) FROM articles a WHERE {where}) {hidden_count(where)}"
            ).fetchone()[0]
            for view, where in views.items()
        }

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
        where, params = self.where(filter, reads_rows=True)
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

    def next_unread(
        self, filter: ArticleFilter, after: tuple[int, int], step: int, *, skip: int | None = None
    ) -> tuple[int, int] | None:
        """The next unread article of ``filter`` past ``after`` (``(published, id)``), as its ``(published, id)``.

        ``step`` 1 goes down the list (older), -1 up (newer); ``skip`` is never
        the answer (the article being read). One indexed query, however many
        read articles lie between: the reader's ``n`` and ``p`` used to read
        the list's rows page by page on the UI thread until one was unread.
        """
        # It stops at the first unread article, whose row it reads: few rows, however many are hidden.
        where, params = self.where(replace(filter, unread=True), reads_rows=True)
        if step > 0:
            where += " AND (a.published, a.id) < (?, ?)"
            order = "DESC"
        else:
            where += " AND (a.published, a.id) > (?, ?)"
            order = "ASC"
        params.extend(after)
        if skip is not None:
            where += " AND a.id != ?"
            params.append(skip)
        row = self.conn.execute(
            f"""SELECT a.published, a.id FROM articles a WHERE {where}
            ORDER BY a.published {order}, a.id {order} LIMIT 1""",
            params,
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    def article_ids(self, filter: ArticleFilter = ArticleFilter()) -> list[int]:
        """Every matching article id, newest first: all a virtual list needs to hold."""
        where, params = self.where(filter)
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
        for marks, chunk in in_chunks(ids):
            for row in self.conn.execute(
                f"""SELECT {_ARTICLE_COLUMNS}
                FROM articles a JOIN feeds f ON f.id = a.feed_id
                WHERE a.id IN ({marks})""",
                chunk,
            ):
                found[row["id"]] = _row_to_article(row)
        return [found[i] for i in ids if i in found]

    def article(self, article_id: int) -> ArticleDetail | None:
        """One article with its stored HTML and plain text and its comment thread, or None.

        No Markdown is made here (it needs html2text): reader.service.reading
        makes it for the command line, the reader in its own worker.
        """
        row = self.conn.execute(
            f"""SELECT {_ARTICLE_COLUMNS}, a.text, coalesce(a.full_html, a.html) AS html, a.updated, a.comments_seen,
                a.source_comment_count, a.undated
            FROM articles a JOIN feeds f ON f.id = a.feed_id
            WHERE a.id = ?""",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        return ArticleDetail(
            article=_row_to_article(row),
            text=row["text"],
            html=row["html"],
            updated=row["updated"],
            comments_seen=row["comments_seen"],
            comments=self.comments(article_id),
            source_comment_count=row["source_comment_count"],
            undated=bool(row["undated"]),
            threads=self.threads(article_id),
        )

    def thread_keys(self, article_id: int) -> set[tuple[str, str, str]]:
        """The keys (source, id there, server) of the article's threads: which found discussions are kept."""
        rows = self.conn.execute("SELECT source, remote_id, api FROM threads WHERE article_id = ?", (article_id,))
        return {(str(row[0]), str(row[1]), str(row[2])) for row in rows}

    def matching_ids(self, article_ids: Sequence[int], expression: str, now: int | None = None) -> list[int]:
        """Those of ``article_ids`` that the filter ``expression`` matches (raises ``FilterError``, one line)."""
        condition, params = _filter_condition(expression, now if now is not None else dates.now())
        found: list[int] = []
        for marks, chunk in in_chunks(article_ids):
            query = f"SELECT a.id FROM articles a WHERE a.id IN ({marks}) AND {condition}"
            rows = self.conn.execute(query, [*chunk, *params])
            found.extend(int(row[0]) for row in rows)
        return found

    def threads(self, article_id: int) -> list[ThreadInfo]:
        """The article's threads in the order they are shown and laid out (``THREAD_ORDER``), each with its state."""
        return [
            ThreadInfo(
                id=row["id"],
                source=thread_source_name(row["source"]),
                remote_id=row["remote_id"],
                url=row["url"],
                title=row["title"],
                points=row["points"],
                comment_count=row["comment_count"],
                source_count=row["source_count"],
                fetched=row["fetched"],
                seen=row["seen"],
                note=row["note"],
                found_by="page" if row["found_by"] == "page" else "lookup" if row["found_by"] == "lookup" else "feed",
            )
            for row in self.conn.execute(
                f"""SELECT id, source, remote_id, url, title, points, comment_count, source_count, fetched, seen,
                    note, found_by
                FROM threads t WHERE article_id = ? ORDER BY {THREAD_ORDER}""",
                (article_id,),
            )
        ]

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
                more_children=json_ids(row["more_children"]),
                thread_id=row["thread_id"],
            )
            for row in self.conn.execute(
                """SELECT id, parent_id, depth, position, author, published, text, url, deleted, first_seen,
                    kind, more_count, more_children, thread_id
                FROM comments WHERE article_id = ? ORDER BY position""",
                (article_id,),
            )
        ]

    # -- marks on synced articles, queued for the sync server --------------

    def _queue_marks(self, ids: Sequence[int], *, read: bool | None, starred: bool | None, now: int) -> None:
        """Queue marks on articles that came from the sync server; a no-op (one indexed probe) otherwise."""
        for placeholders, chunk in in_chunks(ids):
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
            WHERE a.feed_id = ? AND a.read = 0 AND a.hidden = 0
            ON CONFLICT (remote_id, field) DO UPDATE SET value = excluded.value, changed = excluded.changed""",
            (now, feed_id),
        )
