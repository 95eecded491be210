"""Fetch subscribed feeds, their comment threads and full article pages.

One asyncio loop drives every request through one aiohttp client
(keep-alive, through a proxy when set) with a global and a per-host limit. Parsing is the hot
path, so it runs in a pool of processes (both cores), and the library is
written by one thread in batches (one transaction per batch of feeds). A
feed that fails, answers 304 or comes back empty changes nothing it stored
before: errors are recorded on the feed and reported, never turned into
"the feed is now empty".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader import defaults
from reader.config import Config
from reader.models import (
    BatchStats,
    CommentData,
    FeedToFetch,
    FetchOutcome,
    ImportBatch,
    MorePlaceholder,
    ThreadSource,
)
from reader.net.http import FetchError, Limits, Response, get, make_client
from reader.parse.base import ImportFailure
from reader.parse.comments import (
    MAX_MORE_CHILDREN,
    CommentSources,
    ParsedThread,
    ThreadKind,
    more_stub,
    parse_more_children,
    parse_thread,
    parse_thread_result,
    plan_thread,
    reddit_continue_url,
    reddit_more_children_url,
    reddit_thread_path,
)
from reader.store import Store, StoreError, library_failure
from reader.text import dates
from reader.text.sanitize import clean_line

#: Feeds stored per transaction.
WRITE_BATCH = 40
#: Requests a run starts with. A server that answers within SLOW_ANSWER keeps
#: up with one client on a few connections (more only add bookkeeping: about
#: 1 ms a request in httpcore at 16 idle connections against 0.5 ms at 2-4);
#: the first answer that takes longer opens all of ``concurrency``, which on
#: any real network is the first answer.
START_CONCURRENCY = 4
SLOW_ANSWER = 0.010
#: Feeds fetched but not yet stored, at most: without a bound, bodies pile up
#: in front of the parsers and parsed feeds in front of the store (290 MB
#: for 500 feeds on loopback); with it the fetch waits for them instead.
MAX_UNSTORED = 2 * WRITE_BATCH + 16
#: Feeds below which parsing stays in this process (starting workers costs more).
POOL_FROM = 12


@dataclass(frozen=True)
class FetchSettings:
    """What a fetch does and how far it may go.

    The defaults that are also settings come from :mod:`reader.defaults`, as
    the config's do: no config file and an empty one fetch alike.
    """

    concurrency: int = defaults.FETCH_CONCURRENCY
    #: Requests in flight to one host. As many as the whole run by default
    #: (the way newsboat's reload threads work); a host that answers 429 or
    #: 503 gets half as many for the rest of the run, down to one.
    per_host: int = defaults.FETCH_PER_HOST
    limits: Limits = field(default_factory=Limits)
    comments: bool = defaults.FETCH_COMMENTS
    full_text: bool = True
    #: Articles whose stored text is shorter than this get their page fetched.
    full_text_threshold: int = defaults.FULL_TEXT_THRESHOLD
    #: At most this many article pages per run (a first fetch of a big OPML
    #: would otherwise mean thousands of page loads).
    full_text_limit: int = 200
    #: Articles kept from one feed per fetch, the newest (``fetch.max_items``).
    max_items: int = defaults.MAX_ITEMS
    parse_processes: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    sources: CommentSources = field(default_factory=CommentSources.from_environment)
    #: Print the traceback of an unforeseen error in one feed or thread (``--debug``) besides its one line.
    debug: bool = False

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> FetchSettings:
        """The settings a config file asks for, with ``overrides`` (command-line flags) on top."""
        values: dict[str, Any] = {
            "concurrency": config.fetch_concurrency,
            "per_host": config.fetch_per_host,
            "limits": Limits.from_config(config),
            "comments": config.fetch_comments,
            "full_text_threshold": config.fetch_full_text_threshold,
            "max_items": config.fetch_max_items,
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class FeedReport:
    """How one feed went."""

    feed_id: int
    url: str
    status: str
    error: str | None = None
    new_articles: int = 0
    updated_articles: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class Progress:
    """Counts so far, for a progress bar."""

    feeds_done: int = 0
    feeds_total: int = 0
    new_articles: int = 0
    errors: int = 0
    threads_done: int = 0
    threads_total: int = 0
    comments: int = 0
    pages: int = 0
    phase: str = "feeds"


@dataclass
class FetchSummary:
    """What a whole fetch did."""

    feeds: list[FeedReport] = field(default_factory=list)
    new_articles: int = 0
    comments: int = 0
    threads: int = 0
    thread_errors: list[str] = field(default_factory=list)
    full_texts: int = 0
    #: Article pages that gave no full text, one line each (``article 12: HTTP 404``).
    page_errors: list[str] = field(default_factory=list)
    #: Why the run stopped early: the library itself could not be used (read-only, full, damaged).
    #: What was stored before stays; the counts above say what that was.
    error: str | None = None

    @property
    def failed(self) -> list[FeedReport]:
        """The feeds that failed."""
        return [report for report in self.feeds if report.error is not None]


ProgressCallback = Callable[[Progress], None]


def parse_fetched(
    body: bytes, key: str, headers: dict[str, str], max_items: int | None = None, url: str | None = None
) -> ImportBatch:
    """Parse a fetched feed, keeping at most ``max_items`` articles (runs in a worker process).

    ``url`` is where the body came from (after redirects): relative links resolve against it.
    """
    from reader.parse import detect_kind
    from reader.parse.feeds import parse_feed
    from reader.parse.jsonfeed import parse_json_feed

    kind = detect_kind(body)
    if kind == "json":
        return parse_json_feed(body, source_key=key, kind="feed", max_items=max_items)
    if kind != "feed":
        raise ImportFailure(f"expected an RSS or Atom feed, found {'an HTML page' if kind == 'html' else kind}")
    return parse_feed(
        body, source_key=key, kind="feed", headers=headers, subscription=True, max_items=max_items, url=url
    )


def unexpected(error: BaseException) -> str:
    """One line for an exception nobody foresaw in one unit (a feed, a thread, a page): that unit's error."""
    return f"unexpected {type(error).__name__}: {clean_line(str(error))[:160]} (run with --debug for details)"


def sendable(value: str | None) -> str | None:
    """``value`` if it can go back to the server as a header (visible ASCII, bounded), else None.

    A validator is echoed back on every later fetch: one with a non-ASCII
    byte made each of them fail before sending, for good.
    """
    if value and len(value) <= 1024 and value.isascii() and value.isprintable():
        return value
    return None


def _conditional_headers(feed: FeedToFetch) -> dict[str, str]:
    headers = {"Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.8"}
    # Checked again here: a library kept validators before they were checked.
    if etag := sendable(feed.etag):
        headers["If-None-Match"] = etag
    if last_modified := sendable(feed.last_modified):
        headers["If-Modified-Since"] = last_modified
    return headers


def _outcome_for(response: Response, now: int) -> FetchOutcome | None:
    """The outcome of a non-200 answer (None when there is a body to parse)."""
    status = response.status
    if status == 304:
        return FetchOutcome("304 not modified", moved_to=response.moved_to)
    if status == 410:
        return FetchOutcome("410 gone", "the feed is gone (410); it will not be fetched again", dead=True)
    if status in (429, 503):
        wait = response.retry_after
        wait = 3600.0 if wait is None else min(max(wait, 60.0), 7 * 86400.0)
        return FetchOutcome(
            f"{status}",
            f"the server asked to wait (HTTP {status}); next try after {int(wait // 60)} min",
            retry_after=now + int(wait),
        )
    if not 200 <= status < 300:
        return FetchOutcome(f"{status}", f"HTTP {status}")
    if not response.body.strip():
        return FetchOutcome(f"{status}", "empty response")
    return None


class _LazyParser:
    """Where fetched feeds are parsed: worker processes for a big run, else a thread.

    Made at the first body to parse, so a refresh where every feed answers
    304 never pays for starting (and importing into) worker processes.
    """

    def __init__(self, processes: bool, count: int) -> None:
        self._processes = processes
        self._count = count
        self._executor: concurrent.futures.Executor | None = None
        #: Lets go of the workers' lifeline (see reader.service.workers) once they are done.
        self._release_workers: Callable[[], None] | None = None

    def executor(self) -> concurrent.futures.Executor:
        if self._executor is None:
            if self._processes:
                # Imported with the pool, as lazily: most runs never start one.
                from reader.service.workers import Lifeline, watch_parent

                # "spawn": forking a process that runs threads (the TUI) can deadlock.
                context = multiprocessing.get_context("spawn")
                # The workers exit when this process dies, however it dies.
                lifeline = Lifeline(context)
                self._release_workers = lifeline.close
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    self._count, mp_context=context, initializer=watch_parent, initargs=(lifeline.child_end,)
                )
            else:
                self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-parse")
        return self._executor

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._release_workers is not None and wait:
            # Only once the workers are done: letting go ends any that still run.
            self._release_workers()
            self._release_workers = None


class Slots:
    """How many requests may be in flight (to one host, or in the whole run).

    A host's slots halve when it says it is busy (429/503); the run's widen
    when answers turn out to be slow.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.active = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.active < self.limit)
            self.active += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self.active -= 1
            self._changed.notify()

    async def widen(self, limit: int) -> None:
        """Allow up to ``limit`` at once from now on (waiting requests start at once)."""
        async with self._changed:
            if limit > self.limit:
                self.limit = limit
                self._changed.notify_all()

    def slow_down(self) -> None:
        """Halve the limit (never below one); requests already in flight finish."""
        self.limit = max(1, self.limit // 2)


class Fetcher:
    """One fetch run over a library."""

    def __init__(self, db_path: Path, settings: FetchSettings, progress: ProgressCallback | None = None) -> None:
        self.db_path = db_path
        self.settings = settings
        self._progress_callback = progress
        self.progress = Progress()
        self.summary = FetchSummary()
        self._host_limits: dict[str, Slots] = {}
        #: Requests in flight in the whole run (``run`` starts it narrower and widens it).
        self._global = Slots(settings.concurrency)

    def _report(self) -> None:
        if self._progress_callback is not None:
            self._progress_callback(self.progress)

    def _debug(self, error: BaseException) -> None:
        """Keep an unforeseen error's traceback for ``--debug`` (the user sees the unit's one line)."""
        if self.settings.debug:
            import traceback

            traceback.print_exception(error)

    def _host_limit(self, url: str) -> Slots:
        host = urlsplit(url).hostname or ""
        if host not in self._host_limits:
            self._host_limits[host] = Slots(self.settings.per_host)
        return self._host_limits[host]

    async def _get(self, client: object, url: str, headers: dict[str, str] | None = None) -> Response:
        # The host's slot first: a request waiting for its host must not hold
        # one of the run's slots that another host could use.
        host = self._host_limit(url)
        loop = asyncio.get_running_loop()
        async with host, self._global:
            began = loop.time()
            response = await get(client, url, headers=headers, limits=self.settings.limits)  # type: ignore[arg-type]
            waited = loop.time() - began
        if waited >= SLOW_ANSWER and self._global.limit < self.settings.concurrency:
            # Answers take long enough that more requests at once pay off.
            await self._global.widen(self.settings.concurrency)
        if response.status in (429, 503):
            host.slow_down()
        return response

    async def run(self, feed_ids: Sequence[int] | None = None) -> FetchSummary:
        """Fetch the due feeds (or only ``feed_ids``), then threads and pages of what is new."""
        self._global = Slots(min(START_CONCURRENCY, self.settings.concurrency))
        loop = asyncio.get_running_loop()
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-fetch-store")
        store = await loop.run_in_executor(writer, lambda: Store(self.db_path, bulk=True))
        try:
            if store.read_only:
                # Before anything is downloaded: every answer would be thrown away at its first write.
                raise StoreError(f"{self.db_path}: the library is read-only; nothing was fetched")
            due = await loop.run_in_executor(writer, store.feeds_due, feed_ids)
            self.progress.feeds_total = len(due)
            self._report()
            fresh = await self._fetch_feeds(due, store, writer)
            full_text_feeds = {feed.id for feed in due if feed.full_text}
            if self.settings.comments:
                # New articles' threads, and those that failed on an earlier fetch.
                retry = await loop.run_in_executor(writer, store.threads_to_retry)
                wanted = list(dict.fromkeys([*fresh, *retry]))
                if wanted:
                    sources = await loop.run_in_executor(writer, store.articles_for_comments, wanted)
                    await self.fetch_threads(sources, store, writer)
            if self.settings.full_text and fresh:
                pages = await loop.run_in_executor(
                    writer,
                    store.articles_needing_full_text,
                    fresh,
                    self.settings.full_text_threshold,
                    full_text_feeds,
                )
                await self.fetch_pages(pages[: self.settings.full_text_limit], store, writer)
        finally:
            await loop.run_in_executor(writer, store.close)
            writer.shutdown(wait=True)
        return self.summary

    # -- feeds -------------------------------------------------------------------

    async def _fetch_feeds(
        self, due: list[FeedToFetch], store: Store, writer: concurrent.futures.Executor
    ) -> list[int]:
        loop = asyncio.get_running_loop()
        parser = _LazyParser(len(due) >= POOL_FROM and self.settings.parse_processes > 1, self.settings.parse_processes)
        pending: list[tuple[FeedToFetch, FetchOutcome, ImportBatch | None]] = []
        fresh: list[int] = []
        writes: list[asyncio.Future[None]] = []

        def write(round_: list[tuple[FeedToFetch, FetchOutcome, ImportBatch | None]]) -> None:
            stats = store.store_fetched([(feed.id, outcome, batch) for feed, outcome, batch in round_])
            for (feed, outcome, batch), stat in zip(round_, stats, strict=True):
                self._account(feed, outcome, stat, batch.warnings if batch is not None else [])
                fresh.extend(stat.fresh_article_ids)

        room = asyncio.Semaphore(max(MAX_UNSTORED, WRITE_BATCH))

        def release(count: int) -> None:
            for _ in range(count):
                room.release()

        def send(round_: list[tuple[FeedToFetch, FetchOutcome, ImportBatch | None]]) -> None:
            written = loop.run_in_executor(writer, write, round_)
            # Done-callbacks run on the event loop, where the semaphore lives.
            written.add_done_callback(lambda _future: release(len(round_)))
            writes.append(written)

        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(feed: FeedToFetch) -> None:
                await room.acquire()
                try:
                    outcome, batch = await self._fetch_feed(client, feed, parser)
                except Exception as error:  # one feed's surprise is its own error, never the run's
                    self._debug(error)
                    outcome, batch = FetchOutcome("error", unexpected(error)), None
                pending.append((feed, outcome, batch))
                self.progress.feeds_done += 1
                if outcome.error:
                    self.progress.errors += 1
                self._report()
                if len(pending) >= WRITE_BATCH:
                    round_ = pending[:]
                    pending.clear()
                    send(round_)

            try:
                await asyncio.gather(*(one(feed) for feed in due))
            finally:
                parser.shutdown(wait=True, cancel_futures=True)
        if pending:
            send(pending[:])
        # Every write ends before one's failure is raised: the store closes
        # after this, and a write still running would meet a closed database.
        for result in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
        self._report()
        return fresh

    async def _fetch_feed(
        self, client: object, feed: FeedToFetch, parser: _LazyParser
    ) -> tuple[FetchOutcome, ImportBatch | None]:
        now = dates.now()
        try:
            response = await self._get(client, feed.url, _conditional_headers(feed))
        except FetchError as error:
            return FetchOutcome(error.kind, str(error)), None
        outcome = _outcome_for(response, now)
        if outcome is not None:
            outcome.moved_to = outcome.moved_to or response.moved_to
            return outcome, None
        headers = {"content-type": response.headers.get("content-type", "")}
        try:
            batch = await asyncio.get_running_loop().run_in_executor(
                parser.executor(),
                parse_fetched,
                response.body,
                feed.key,
                headers,
                self.settings.max_items,
                response.url,
            )
        except ImportFailure as failure:
            return FetchOutcome(str(response.status), str(failure), moved_to=response.moved_to), None
        except Exception as error:  # a parser crash is this feed's error, never the run's
            message = f"could not parse: {type(error).__name__}: {clean_line(str(error))[:120]}"
            return FetchOutcome(str(response.status), message, moved_to=response.moved_to), None
        return (
            FetchOutcome(
                f"{response.status}",
                etag=sendable(response.headers.get("etag")),
                last_modified=sendable(response.headers.get("last-modified")),
                moved_to=response.moved_to,
            ),
            batch,
        )

    def _account(self, feed: FeedToFetch, outcome: FetchOutcome, stats: BatchStats, warnings: list[str]) -> None:
        report = FeedReport(
            feed.id,
            feed.url,
            outcome.status,
            # The store's word wins: a feed it could not take failed, whatever the answer was.
            stats.error or outcome.error,
            stats.articles_added,
            stats.articles_updated,
            # Only what a user can act on: a cut feed (the "no entries" note is normal for a quiet feed).
            [warning for warning in warnings if "fetch.max_items" in warning],
        )
        self.summary.feeds.append(report)
        self.summary.new_articles += stats.articles_added
        self.progress.new_articles += stats.articles_added

    # -- comment threads --------------------------------------------------------------

    async def fetch_threads(
        self, sources: Sequence[ThreadSource], store: Store, writer: concurrent.futures.Executor
    ) -> None:
        """Fetch and store the threads of ``sources`` that have a known comment source."""
        if not hasattr(self, "_global"):
            self._global = Slots(min(START_CONCURRENCY, self.settings.concurrency))
        loop = asyncio.get_running_loop()
        plans = [(source, plan) for source in sources if (plan := plan_thread(source, self.settings.sources))]
        self.progress.phase = "comments"
        self.progress.threads_total = len(plans)
        self._report()
        if not plans:
            return
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(source: ThreadSource, kind: ThreadKind, urls: tuple[str, ...]) -> None:
                try:
                    error = await self._fetch_thread(client, source, kind, urls, store, writer)
                except Exception as failure:  # one thread's surprise is its own line, never the run's
                    if self._fatal(failure):
                        raise
                    self._debug(failure)
                    error = unexpected(failure)
                if error is not None:
                    self.summary.thread_errors.append(f"article {source.article_id}: {kind}: {clean_line(error)}")
                    await loop.run_in_executor(writer, store.record_thread_failure, source.article_id)
                self.progress.threads_done += 1
                self._report()

            await asyncio.gather(*(one(source, plan.kind, plan.urls) for source, plan in plans))

    async def _fetch_thread(
        self,
        client: object,
        source: ThreadSource,
        kind: ThreadKind,
        urls: tuple[str, ...],
        store: Store,
        writer: concurrent.futures.Executor,
    ) -> str | None:
        """Fetch, read and store one thread from the first of ``urls`` that answers; None, or the last error."""
        loop = asyncio.get_running_loop()
        error = "no answer"
        for url in urls:
            try:
                response = await self._get(client, url)
            except FetchError as failure:
                error = str(failure)
                continue
            if response.status != 200 or not response.body:
                error = f"HTTP {response.status}"
                continue
            try:
                parsed = await loop.run_in_executor(None, parse_thread_result, kind, response.body, source)
            except (ImportFailure, ValueError) as failure:
                error = str(failure)
                continue
            added = await loop.run_in_executor(writer, self._store_thread, store, source.article_id, parsed)
            self.summary.threads += 1
            self.summary.comments += added
            self.progress.comments += added
            return None
        return error

    def _fatal(self, error: BaseException) -> bool:
        """True when ``error`` means the library itself cannot be used (read-only, full, damaged): stop the run."""
        return library_failure(error, self.db_path) is not None

    @staticmethod
    def _store_thread(store: Store, article_id: int, parsed: ParsedThread) -> int:
        comments = parsed.comments
        if any(comment.kind == "more" and comment.more_children for comment in comments):
            comments = _without_loaded_replies(comments, store.comment_guids(article_id))
        added = store.add_comments(article_id, comments) if comments else 0
        store.mark_comments_fetched(article_id, source_total=parsed.source_total)
        return added

    # -- full pages ------------------------------------------------------------------------

    async def fetch_pages(
        self, pages: Sequence[tuple[int, str]], store: Store, writer: concurrent.futures.Executor
    ) -> None:
        if not pages:
            return
        from reader.service.fulltext import extract_main_html

        loop = asyncio.get_running_loop()
        self.progress.phase = "pages"
        self._report()
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(article_id: int, url: str) -> None:
                try:
                    problem = await page(article_id, url)
                except Exception as failure:  # a page is a nicety: its failure costs only that page
                    if self._fatal(failure):
                        raise
                    self._debug(failure)
                    problem = unexpected(failure)
                if problem is not None:
                    self.summary.page_errors.append(f"article {article_id}: {problem}")

            async def page(article_id: int, url: str) -> str | None:
                try:
                    response = await self._get(client, url, {"Accept": "text/html, */*;q=0.5"})
                except FetchError as error:
                    return clean_line(str(error))
                if response.status != 200 or not response.body:
                    return f"HTTP {response.status}" if response.status != 200 else "an empty page"
                extracted = await loop.run_in_executor(None, extract_main_html, response.body, response.url)
                if extracted is None:
                    return "no article text found on its page"
                html, text = extracted
                await loop.run_in_executor(writer, store.set_full_text, article_id, html, text)
                self.summary.full_texts += 1
                self.progress.pages += 1
                self._report()
                return None

            await asyncio.gather(*(one(article_id, url) for article_id, url in pages))


def _without_loaded_replies(comments: list[CommentData], known: set[str]) -> list[CommentData]:
    """``comments`` with the replies already stored taken out of their "more" stubs.

    Fetching a Reddit thread again brings back the stubs of replies that were
    loaded since: a stub keeps only the ids still missing, and one left with
    none is dropped rather than offering to load what is already shown.
    """
    kept: list[CommentData] = []
    for comment in comments:
        if comment.kind == "more" and comment.more_children:
            missing = [child for child in comment.more_children if f"reddit:t1_{child}" not in known]
            if not missing:
                continue
            loaded = len(comment.more_children) - len(missing)
            if loaded:
                comment = more_stub(
                    comment.guid, comment.parent_guid, max(len(missing), comment.more_count - loaded), missing
                )
        kept.append(comment)
    return kept


@dataclass(frozen=True)
class MoreResult:
    """What loading the replies behind one "more replies" row did: comments added, or a one-line error."""

    added: int = 0
    error: str | None = None


#: Reddit's limit of ids per ``api/morechildren`` call.
MORE_PER_CALL = 100


def fetch_more_replies(db_path: Path, comment_id: int, settings: FetchSettings | None = None) -> MoreResult:
    """Fetch the replies behind a "more replies" row and put them in its place (called from a worker thread).

    An "N more replies" row asks Reddit's ``api/morechildren`` for its first
    :data:`MORE_PER_CALL` ids; if more remain, a row for the rest stays after
    them. A "continue this thread" row fetches its parent comment's own
    permalink. The request is bounded like every fetch (``settings.limits``).
    Any failure is a one-line ``error`` and leaves the thread as it was.
    """
    settings = settings or FetchSettings()
    try:
        with Store(db_path, create=False) as store:
            placeholder = store.more_placeholder(comment_id)
            if placeholder is None:
                return MoreResult(error=f"comment {comment_id} is not a placeholder for more replies")
            sources = store.articles_for_comments([placeholder.article_id])
            path = reddit_thread_path(sources[0]) if sources else None
            if not sources or path is None:
                return MoreResult(error="these replies are not from a Reddit thread; they cannot be fetched")
            now = dates.now()
            replies = _fetch_replies(store, placeholder, sources[0], path, settings, now)
            if isinstance(replies, str):
                return MoreResult(error=replies)
            return MoreResult(added=store.expand_more(comment_id, replies, now))
    except StoreError as error:
        return MoreResult(error=clean_line(str(error))[:300])
    except sqlite3.Error as error:
        return MoreResult(error=f"{db_path}: {clean_line(str(error))[:200]}")


def _fetch_replies(
    store: Store, placeholder: MorePlaceholder, source: ThreadSource, path: str, settings: FetchSettings, now: int
) -> list[CommentData] | str:
    """The comments that replace ``placeholder`` (new stubs included), or a one-line error."""
    bases = settings.sources
    if placeholder.children:
        known = store.comment_guids(placeholder.article_id)
        wanted = [child for child in placeholder.children if f"reddit:t1_{child}" not in known]
        if not wanted:
            return []  # all loaded already: the row just goes
        batch, rest = wanted[:MORE_PER_CALL], wanted[MORE_PER_CALL:]
        body = _fetch_json(reddit_more_children_url(bases, path, batch), settings.limits)
        if isinstance(body, str):
            return body
        try:
            replies = parse_more_children(body, placeholder.parent_guid, now, path)
        except ImportFailure as failure:
            return f"Reddit: {clean_line(str(failure))[:200]}"
        except Exception as error:  # a parser crash is this row's error, never the reader's
            return f"Reddit: could not parse: {type(error).__name__}: {clean_line(str(error))[:120]}"
        if rest:
            _keep_the_rest(replies, placeholder, rest)
        return replies
    if placeholder.count:
        # A row stored before the ids were kept (an older library).
        return f"the ids of these replies were not kept; fetch the thread again (reader comments {source.article_id})"
    parent = placeholder.parent_guid
    url = reddit_continue_url(bases, path, parent) if parent else None
    if parent is None or url is None:
        return "this thread cannot be continued here: the comment it continues is unknown"
    body = _fetch_json(url, settings.limits)
    if isinstance(body, str):
        return body
    try:
        subtree = parse_thread("reddit", body, source, now)
    except (ImportFailure, ValueError) as failure:
        return f"Reddit: {clean_line(str(failure))[:200]}"
    except Exception as error:  # a parser crash is this row's error, never the reader's
        return f"Reddit: could not parse: {type(error).__name__}: {clean_line(str(error))[:120]}"
    # The answer starts with the continued comment itself, stored already:
    # only what is under it is new.
    return [
        comment if comment.parent_guid is not None else replace(comment, parent_guid=parent)
        for comment in subtree
        if comment.guid != parent
    ]


def _keep_the_rest(replies: list[CommentData], placeholder: MorePlaceholder, rest: list[str]) -> None:
    """Add a row for the ids not asked for yet, after what was fetched in the placeholder's place.

    Reddit may answer with a stub of its own for ids it did not return, in
    the same place: the rest joins that one rather than making two rows
    for one gap.
    """
    fetched = sum(reply.more_count if reply.kind == "more" else 1 for reply in replies)
    remaining = max(len(rest), placeholder.count - fetched)
    for index in range(len(replies) - 1, -1, -1):
        reply = replies[index]
        if reply.kind == "more" and reply.parent_guid == placeholder.parent_guid and reply.more_children:
            children = list(dict.fromkeys(reply.more_children + rest))[:MAX_MORE_CHILDREN]
            replies[index] = more_stub(reply.guid, reply.parent_guid, reply.more_count + remaining, children)
            return
    replies.append(more_stub(placeholder.guid, placeholder.parent_guid, remaining, rest[:MAX_MORE_CHILDREN]))


def _fetch_json(url: str, limits: Limits) -> bytes | str:
    """GET one API answer within ``limits``: its body, or a one-line error."""

    async def one() -> Response:
        async with make_client(limits, max_connections=1) as client:
            return await get(client, url, headers={"Accept": "application/json"}, limits=limits)

    try:
        response = asyncio.run(one())
    except FetchError as error:
        return f"Reddit: {error}"
    if response.status in (429, 503):
        return f"Reddit: the server asked to wait (HTTP {response.status}); try again later"
    if response.status != 200 or not response.body.strip():
        return f"Reddit: HTTP {response.status}" if response.status != 200 else "Reddit: empty answer"
    return response.body


def fetch(
    db_path: Path,
    settings: FetchSettings | None = None,
    *,
    feed_ids: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
) -> FetchSummary:
    """Fetch everything due, synchronously (runs its own event loop)."""
    fetcher = Fetcher(db_path, settings or FetchSettings(), progress)
    return _finished(fetcher, db_path, lambda: asyncio.run(fetcher.run(feed_ids)))


def _finished(fetcher: Fetcher, db_path: Path, run: Callable[[], FetchSummary]) -> FetchSummary:
    """Run a fetch; a library that cannot be used ends it with :attr:`FetchSummary.error`, the report kept."""
    try:
        return run()
    except (StoreError, sqlite3.Error) as error:
        failure = library_failure(error, db_path)
        if failure is None:
            raise
        fetcher.summary.error = clean_line(str(failure))
    return fetcher.summary


def fetch_full_text(
    db_path: Path, pages: Sequence[tuple[int, str]], settings: FetchSettings | None = None
) -> FetchSummary:
    """Fetch these articles' pages now and keep their main text (``reader fulltext ID``, ``F`` in the reader).

    ``pages`` are (article id, link); a page that gives no text is one line
    in :attr:`FetchSummary.page_errors`.
    """
    fetcher = Fetcher(db_path, settings or FetchSettings())

    async def run() -> FetchSummary:
        loop = asyncio.get_running_loop()
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        store = await loop.run_in_executor(writer, Store, db_path)
        try:
            await fetcher.fetch_pages(list(pages), store, writer)
        finally:
            await loop.run_in_executor(writer, store.close)
            writer.shutdown(wait=True)
        return fetcher.summary

    return _finished(fetcher, db_path, lambda: asyncio.run(run()))


def fetch_comments(db_path: Path, article_ids: Sequence[int], settings: FetchSettings | None = None) -> FetchSummary:
    """Fetch the threads of some articles now (``reader comments ID``, ``C`` in the reader)."""
    fetcher = Fetcher(db_path, settings or FetchSettings())

    async def run() -> FetchSummary:
        loop = asyncio.get_running_loop()
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        store = await loop.run_in_executor(writer, Store, db_path)
        try:
            sources = await loop.run_in_executor(writer, store.articles_for_comments, list(article_ids))
            await fetcher.fetch_threads(sources, store, writer)
        finally:
            await loop.run_in_executor(writer, store.close)
            writer.shutdown(wait=True)
        return fetcher.summary

    return _finished(fetcher, db_path, lambda: asyncio.run(run()))
