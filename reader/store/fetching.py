"""What a fetch keeps: which feeds are due, how each fetch went, full pages and comment threads.

A round of fetched feeds is stored in one transaction with their fetch
records (:meth:`Fetching.store_fetched`); a feed whose batch cannot be stored
fails alone, and only a library that cannot be written fails the round.
Threads whose fetch failed are tried again by the next fetches, a few times;
recent threads fetched before are fetched again when their source reports a
new count (:meth:`Fetching.threads_to_refresh`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from reader.defaults import REFRESH_EVERY
from reader.models import BatchStats, FeedToFetch, FetchOutcome, ImportBatch, ThreadSource
from reader.store._sql import in_chunks
from reader.store.articles import Articles
from reader.text import dates
from reader.text.sanitize import clean_line

#: Fetches that try a failed thread before it is left to `reader comments ID`.
THREAD_ATTEMPTS = 3
#: ``refresh=auto``: the shortest and longest interval between fetches, and the one while the feed's pace is unknown.
AUTO_SHORTEST = 30 * 60
AUTO_LONGEST = 24 * 3600
AUTO_UNKNOWN = 3 * 3600
#: Fetches that try an article's page for its full text before giving up on it (``articles.page_tries``).
PAGE_TRIES = 3


@dataclass(frozen=True)
class ThreadToRefresh:
    """A recent article whose thread was fetched before, and what its count is compared with."""

    source: ThreadSource
    feed_id: int
    #: The comment count its source last reported (None: never asked yet).
    reported: int | None
    #: Comments stored that are not deleted: what a first reported count is
    #: compared with (0 when ``reported`` is known: not counted then).
    held: int


def _thread_source(row: sqlite3.Row) -> ThreadSource:
    """Where an article's thread comes from, out of a row with the columns ThreadSource names."""
    return ThreadSource(
        row["id"], row["guid"], row["url"], row["comments_url"], row["comment_feed_url"], row["declared_comment_count"]
    )


class Fetching(Articles):
    """Fetch bookkeeping: feeds due, fetch records, full pages, threads fetched and to retry."""

    def feeds_due(
        self,
        feed_ids: Sequence[int] | None = None,
        now: int | None = None,
        *,
        default_minutes: int = REFRESH_EVERY,
        every_feed: bool = False,
    ) -> tuple[list[FeedToFetch], int]:
        """Subscriptions to fetch (not dead, not asked to wait by a 429/503), and how many are not due yet.

        Without ``feed_ids``, a feed is left out until its refresh interval
        has passed since its last fetch: its own (``reader feed set FEED
        refresh=2h``, or ``auto``), else ``default_minutes`` (``fetch.refresh``;
        ``REFRESH_EVERY``: every fetch takes it, ``REFRESH_AUTO``: as often as
        it publishes). ``every_feed`` (``reader fetch --all``, ``R`` in the
        reader) and naming feeds fetch them whatever their interval.
        """
        now = now if now is not None else dates.now()
        rows = self.conn.execute(
            """SELECT id, key, url, etag, last_modified, full_text, refresh_minutes, last_success FROM feeds
            WHERE kind = 'feed' AND url IS NOT NULL AND dead = 0 AND removed = 0
              AND (retry_after IS NULL OR retry_after <= ?)
            ORDER BY id""",
            (now,),
        ).fetchall()
        wanted = set(feed_ids) if feed_ids is not None else None

        def is_due(row: sqlite3.Row) -> bool:
            if wanted is not None:
                return row["id"] in wanted
            return every_feed or self._interval_passed(row, now, default_minutes)

        due = [
            FeedToFetch(row["id"], row["key"], row["url"], row["etag"], row["last_modified"], bool(row["full_text"]))
            for row in rows
            if is_due(row)
        ]
        return due, (len(rows) - len(due) if wanted is None else 0)

    def _interval_passed(self, row: sqlite3.Row, now: int, default_minutes: int) -> bool:
        """Whether the feed of ``row`` is due: fetched every time, or its interval passed since it last worked.

        Counted from the last fetch that worked, so a feed never fetched, or
        whose last fetch failed, is tried again by the next one (a 429 or
        503's wait is kept apart, in ``retry_after``).
        """
        minutes, last = row["refresh_minutes"], row["last_success"]
        if minutes is None:
            minutes = default_minutes
        if minutes < 0 or last is None:
            return True
        seconds = minutes * 60 if minutes > 0 else self.auto_interval(int(row["id"]))
        return bool(now - last >= seconds)

    def auto_interval(self, feed_id: int) -> int:
        """``refresh=auto``: half the usual gap between the feed's last articles, from 30 minutes to a day (seconds).

        A feed that publishes hourly is asked every half hour; one that
        publishes weekly, once a day; one with fewer than two different
        dates, every three hours until it has. Only the feed's own dates
        count: an article without one was dated when it was fetched (a whole
        fetch shares one time), and a feed that stamps every item alike tells
        nothing either (found by review: both gave gaps of 0, so the shortest
        interval, for the feeds that say least). Reads the twenty newest rows
        through the feed's date index.
        """
        rows = self.conn.execute(
            "SELECT published, undated FROM articles WHERE feed_id = ? ORDER BY published DESC, id DESC LIMIT 20",
            (feed_id,),
        ).fetchall()
        dates_seen = sorted({int(row[0]) for row in rows if not row[1]}, reverse=True)[:10]
        if len(dates_seen) < 2:
            return AUTO_UNKNOWN
        gaps = sorted(newer - older for newer, older in itertools.pairwise(dates_seen))
        return min(max(gaps[len(gaps) // 2] // 2, AUTO_SHORTEST), AUTO_LONGEST)

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
                    url = coalesce(:moved, url), url_key = reader_url_key(coalesce(:moved, url))
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
                    url = coalesce(:moved, url), url_key = reader_url_key(coalesce(:moved, url))
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
                # A feed removed while it was being fetched stays removed: its articles are not stored.
                results = self._still_subscribed(results)
                stored = iter(self._store_many([batch for _, _, batch in results if batch is not None], now))
                stats = [next(stored) if batch is not None else BatchStats() for _, _, batch in results]
                for feed_id, outcome, batch in results:
                    self._record_fetch(feed_id, outcome, now)
                    if batch is not None and batch.articles:
                        self._trim_to_limit(feed_id)
            return stats
        except Exception as error:
            self._raise_if_unusable(error)
        return [self._store_one_fetched(feed_id, outcome, batch, now) for feed_id, outcome, batch in results]

    def _still_subscribed(
        self, results: Sequence[tuple[int, FetchOutcome, ImportBatch | None]]
    ) -> list[tuple[int, FetchOutcome, ImportBatch | None]]:
        """``results`` without the batches of feeds that are no longer subscribed (removed meanwhile)."""
        live: set[int] = set()
        for marks, chunk in in_chunks([feed_id for feed_id, _, _ in results]):
            query = f"SELECT id FROM feeds WHERE removed = 0 AND id IN ({marks})"
            live.update(row[0] for row in self.conn.execute(query, chunk))
        return [(feed_id, outcome, batch if feed_id in live else None) for feed_id, outcome, batch in results]

    def _store_one_fetched(
        self, feed_id: int, outcome: FetchOutcome, batch: ImportBatch | None, now: int
    ) -> BatchStats:
        """One feed of a round that failed as a whole, in its own transaction; its own failure is its error."""
        try:
            with self.transaction():
                stats = self._store_many([batch], now)[0] if batch is not None else BatchStats()
                self._record_fetch(feed_id, outcome, now)
                if batch is not None and batch.articles:
                    self._trim_to_limit(feed_id)
            return stats
        except Exception as error:
            self._raise_if_unusable(error)
            message = f"could not store it: {type(error).__name__}: {clean_line(str(error))[:160]}"
        with self.transaction():
            self._record_fetch(feed_id, FetchOutcome(outcome.status, message), now)
        return BatchStats(error=message)

    def set_full_text(self, article_id: int, html: str, text: str) -> None:
        """Keep an article's extracted full page beside the feed's version; search sees its text."""
        with self.transaction():
            self.conn.execute(
                "UPDATE articles SET full_html = ?, text = CASE WHEN length(?) > length(text) THEN ? ELSE text END, "
                "page_tries = 0 WHERE id = ?",
                (html, text, text, article_id),
            )

    def page_failed(self, article_id: int, *, for_good: bool) -> None:
        """An article's page gave no full text: try again later (one try fewer), or never (``for_good``)."""
        with self.transaction():
            self.conn.execute(
                "UPDATE articles SET page_tries = CASE WHEN ? THEN 0 ELSE max(page_tries - 1, 0) END WHERE id = ?",
                (int(for_good), article_id),
            )

    def articles_for_comments(self, article_ids: Sequence[int]) -> list[ThreadSource]:
        """Where the threads of these articles can be fetched from."""
        found = []
        for marks, chunk in in_chunks(article_ids):
            for row in self.conn.execute(
                f"""SELECT id, guid, url, comments_url, comment_feed_url, declared_comment_count
                FROM articles WHERE id IN ({marks})""",
                chunk,
            ):
                found.append(_thread_source(row))
        return found

    def want_pages(self, article_ids: Sequence[int], threshold: int, full_text_feeds: set[int]) -> int:
        """Mark for a page fetch (:data:`PAGE_TRIES` tries) those of these articles whose stored text is
        shorter than ``threshold`` or whose feed wants full text, and that have a link and no page yet.
        Returns how many."""
        wanted = []
        for marks, chunk in in_chunks(article_ids):
            for row in self.conn.execute(
                f"""SELECT id, feed_id, length(text) AS size FROM articles
                WHERE id IN ({marks}) AND full_html IS NULL AND url IS NOT NULL""",
                chunk,
            ):
                if row["size"] < threshold or row["feed_id"] in full_text_feeds:
                    wanted.append(int(row["id"]))
        with self.transaction():
            for marks, chunk in in_chunks(wanted):
                self.conn.execute(f"UPDATE articles SET page_tries = {PAGE_TRIES} WHERE id IN ({marks})", chunk)
        return len(wanted)

    def pages_wanted(self, limit: int, per_host: int, feed_ids: Sequence[int] | None = None) -> list[tuple[int, str]]:
        """(id, link) of the newest articles waiting for their page: at most ``limit``, ``per_host`` a host.

        Only subscribed feeds' articles (not those kept under Saved), and only
        ``feed_ids``' when given. Reads the ``articles_page_wanted`` index
        newest first and stops after ``limit * 4`` rows, so a backlog that is
        all one host costs one short range, not the whole index.
        """
        where = "" if feed_ids is None else f" AND a.feed_id IN ({', '.join('?' * len(feed_ids))})"
        rows = self.conn.execute(
            f"""SELECT a.id, a.url FROM articles a
            JOIN feeds f ON f.id = a.feed_id AND f.removed = 0
            WHERE a.page_tries > 0 AND a.hidden = 0{where}
            ORDER BY a.published DESC, a.id DESC LIMIT ?""",
            (*(feed_ids or ()), limit * 4),
        )
        chosen: list[tuple[int, str]] = []
        per: dict[str, int] = {}
        for row in rows:
            host = (urlsplit(row["url"]).hostname or "").lower()
            if per.get(host, 0) >= per_host:
                continue
            per[host] = per.get(host, 0) + 1
            chosen.append((int(row["id"]), str(row["url"])))
            if len(chosen) >= limit:
                break
        return chosen

    def mark_comments_fetched(
        self,
        article_id: int,
        when: int | None = None,
        *,
        source_total: int | None = None,
        reported: int | None = None,
    ) -> None:
        """Remember when an article's thread was last fetched, and how many comments its source reported.

        ``source_total`` is the total shown beside the thread, ``reported`` the
        count a later check compares with; None keeps what was stored (a
        source that reports none).
        """
        with self.transaction():
            self.conn.execute(
                """UPDATE articles SET comments_fetched = ?, source_comment_count = coalesce(?, source_comment_count),
                    reported_comment_count = coalesce(?, reported_comment_count), thread_failures = 0
                WHERE id = ?""",
                (when if when is not None else dates.now(), source_total, reported, article_id),
            )

    def mark_thread_fetched(
        self, thread_id: int, when: int | None = None, *, source_total: int | None = None, note: str = ""
    ) -> None:
        """Remember when one thread was fetched, the total its source gave (None keeps the last), and its note."""
        with self.transaction():
            self.conn.execute(
                "UPDATE threads SET fetched = ?, source_count = coalesce(?, source_count), note = ? WHERE id = ?",
                (when if when is not None else dates.now(), source_total, note, thread_id),
            )

    def threads_to_refresh(self, since: int, limit: int) -> list[ThreadToRefresh]:
        """Articles published since ``since`` whose thread was fetched before, newest first, at most ``limit``.

        One range of the index ``articles_thread_refresh``; the stored
        comments are counted only for a thread whose source was never asked.
        """
        rows = self.conn.execute(
            """SELECT a.id, a.feed_id, a.guid, a.url, a.comments_url, a.comment_feed_url,
                a.declared_comment_count, a.reported_comment_count,
                CASE WHEN a.reported_comment_count IS NULL THEN
                    (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.kind = 'comment' AND c.deleted = 0)
                ELSE 0 END AS held
            FROM articles a
            JOIN feeds f ON f.id = a.feed_id AND f.removed = 0
            WHERE a.comments_fetched IS NOT NULL AND a.published >= ? AND a.hidden = 0
            ORDER BY a.published DESC, a.id DESC LIMIT ?""",
            (since, limit),
        )
        return [
            ThreadToRefresh(
                _thread_source(row),
                int(row["feed_id"]),
                row["reported_comment_count"],
                int(row["held"]),
            )
            for row in rows
        ]

    def note_reported_counts(self, counts: Sequence[tuple[int, int]]) -> None:
        """Keep the comment counts sources reported for threads not fetched again: ``(article id, count)``."""
        if not counts:
            return
        with self.transaction():
            self.conn.executemany(
                "UPDATE articles SET reported_comment_count = ? WHERE id = ?",
                [(count, article_id) for article_id, count in counts],
            )

    def threads_fetched_before(self, article_ids: Sequence[int]) -> set[int]:
        """Those of ``article_ids`` whose thread has been fetched (a fetch now is a refresh)."""
        found: set[int] = set()
        for marks, chunk in in_chunks(article_ids):
            query = f"SELECT id FROM articles WHERE comments_fetched IS NOT NULL AND id IN ({marks})"
            found.update(int(row[0]) for row in self.conn.execute(query, chunk))
        return found

    def record_thread_failure(self, article_id: int) -> None:
        """Count a failed fetch of an article's thread, so the next fetches try it again (:meth:`threads_to_retry`)."""
        with self.transaction():
            self.conn.execute("UPDATE articles SET thread_failures = thread_failures + 1 WHERE id = ?", (article_id,))

    def threads_to_retry(self) -> list[int]:
        """Articles whose thread failed fewer than :data:`THREAD_ATTEMPTS` times and never came since."""
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE thread_failures > 0 AND thread_failures < ? AND hidden = 0 ORDER BY id",
            (THREAD_ATTEMPTS,),
        )
        return [int(row[0]) for row in rows]
