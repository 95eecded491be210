"""Fetch subscribed feeds, their comment threads and full article pages.

One asyncio loop drives every request through one aiohttp client
(keep-alive, through a proxy when set) with a global and a per-host limit. Parsing is the hot
path: a few feeds are parsed in a thread here, many in a pool of worker
processes (both cores), and the library is written by one thread in batches
(one transaction per batch of feeds). What was fetched and is not stored yet
is bounded in bytes (``fetch.memory_budget_mb``, :class:`_Budget`): the
fetch waits for the store rather than pile up bodies and parsed articles. A
feed that fails, answers 304 or comes back empty changes nothing it stored
before: errors are recorded on the feed and reported, never turned into
"the feed is now empty".

How the workers start (measured on a 2-core Linux VM, Python 3.11, two workers
parsing 22 feeds of 50 items; ``benchmarks/README.md`` has the whole runs):
"spawn" starts a fresh interpreter per worker, which imports the parser
again: first results after 0.38-0.46 s, 0.64 s of CPU in the workers of
which ~0.42 s start-up. "forkserver" starts one fresh interpreter (with the
parser preloaded) and forks the workers from it: first results after
0.23-0.31 s, the server's start-up still on the critical path. "fork" copies
this process: first results after 0.08-0.10 s, ~0.08 s of CPU of start-up for
both. ``reader fetch`` of 100 feeds × 50 items, cold (medians of 5, the
machine shared): workers forked 1.43 s wall and 2.14 s of CPU, spawned
1.58 s and 2.42 s, parsing in a thread 1.86 s and 2.27 s (one core for
everything, and the threads contend for the interpreter). So: fewer than
:data:`POOL_FROM` due feeds parse in a thread; more, in workers forked before
the first request, at a moment when the only other thread is the idle store
writer (forking a process whose threads hold locks can hang the child; see
:class:`_LazyParser`), else spawned as before. Forking costs a refresh where
nothing changed about 10 ms.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import functools
import multiprocessing
import os
import sqlite3
import sys
import threading
import warnings
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader import defaults
from reader.config import Config
from reader.defaults import DiscussionSite
from reader.models import (
    BatchStats,
    CommentData,
    FeedToFetch,
    FetchOutcome,
    ImportBatch,
    MorePlaceholder,
    ThreadFoundBy,
    ThreadRef,
    ThreadSource,
    source_label,
)
from reader.net.http import FetchError, Limits, Response, get, make_client
from reader.parse.base import ImportFailure
from reader.parse.comments import (
    COUNTED,
    MAX_MORE_CHILDREN,
    CommentSources,
    CountKind,
    ParsedThread,
    ThreadPlan,
    count_urls,
    more_stub,
    parse_counts,
    parse_more_children,
    parse_thread,
    parse_thread_result,
    plan_thread,
    reddit_continue_url,
    reddit_more_children_url,
    reddit_thread_path,
)
from reader.parse.sources import thread_for_url, threads_in_page
from reader.service.threads import LookupResult, LookupSettings, ThreadFailed, fetch_thread_by, look_up
from reader.store import Store, StoreError, library_failure
from reader.text import dates
from reader.text.sanitize import clean_line, url_origin

#: Feeds stored per transaction, at most (fewer when they are big: a round is
#: written once it holds half of ``FetchSettings.memory_budget``).
WRITE_BATCH = 40
#: Requests a run starts with. A server that answers within SLOW_ANSWER keeps
#: up with one client on a few connections (more only add bookkeeping: about
#: 1 ms a request in httpcore at 16 idle connections against 0.5 ms at 2-4);
#: the first answer that takes longer opens all of ``concurrency``, which on
#: any real network is the first answer.
START_CONCURRENCY = 4
SLOW_ANSWER = 0.010
#: Threads fetched from what one article page names, at most (a page that links a dozen discussions).
THREADS_PER_PAGE = 5
#: Threads fetched from one lookup's answer, at most (the first: the sites list the most discussed first).
THREADS_PER_LOOKUP = 5
#: What a comment API is asked for.
THREAD_ACCEPT = "application/json, */*;q=0.5"
#: Feeds due below which parsing stays in a thread of this process: workers,
#: even forked, gain nothing there (10 feeds: the same wall time, 0.06 s more
#: CPU, and 0.03 s more for a refresh that parses nothing).
POOL_FROM = 12
#: Article pages fetched from one host in one run, at most (full text for the backlog: a site
#: with hundreds of waiting articles gets them over several fetches, not all at once).
PAGES_PER_HOST = 20
#: ``fetch.memory_budget_mb`` counts in these (10^6 bytes).
MB = 1_000_000


def _refresh_minutes(text: str) -> int:
    """``fetch.refresh`` in minutes (the config has said a bad one is a problem and gives the default)."""
    minutes = defaults.parse_refresh(text)
    return defaults.REFRESH_AUTO if minutes is None else minutes


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
    #: Bytes of fetched feeds not yet stored, about (``fetch.memory_budget_mb``):
    #: see :class:`_Budget`. A feed bigger than this is still fetched, alone.
    memory_budget: int = defaults.FETCH_MEMORY_BUDGET_MB * MB
    #: Threads of articles younger than this (days) are fetched again when their
    #: source reports a new comment count (``fetch.refresh_threads_days``; 0: never).
    refresh_threads_days: int = defaults.REFRESH_THREADS_DAYS
    #: Most threads fetched again that way per run (``fetch.refresh_threads_limit``).
    refresh_threads_limit: int = defaults.REFRESH_THREADS_LIMIT
    parse_processes: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    sources: CommentSources = field(default_factory=CommentSources.from_environment)
    #: Where discussions are looked up (``discussions.sites``, ``discussions.lemmy``).
    lookup: LookupSettings = field(default_factory=LookupSettings)
    #: Feeds (URL or title) and ``tag:NAME`` whose new articles a fetch looks up (``discussions.auto``),
    #: besides the library's own list (``reader discussions --auto``).
    discussions_auto: tuple[str, ...] = ()
    #: Articles looked up per run at most (``discussions.per_run``).
    discussions_per_run: int = 20
    #: How often a feed with no interval of its own is taken (``fetch.refresh``, in minutes: -1 every
    #: fetch, 0 auto); ``every_feed`` (``reader fetch --all``, ``R`` in the reader) takes every feed now.
    default_refresh: int = field(default_factory=lambda: _refresh_minutes(defaults.FETCH_REFRESH))
    every_feed: bool = False
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
            "memory_budget": config.fetch_memory_budget_mb * MB,
            "refresh_threads_days": config.fetch_refresh_threads_days,
            "refresh_threads_limit": config.fetch_refresh_threads_limit,
            "default_refresh": _refresh_minutes(config.fetch_refresh),
            "sources": CommentSources.from_environment(lemmy=config.discussions_lemmy),
            "lookup": LookupSettings(
                tuple(site for site in defaults.DISCUSSION_SITES if site in config.discussions_sites),
                config.discussions_lemmy,
            ),
            "discussions_auto": config.discussions_auto,
            "discussions_per_run": config.discussions_per_run,
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
    #: Feeds left for a later fetch: their refresh interval has not passed (``reader fetch --all`` takes them).
    not_due: int = 0
    #: New articles the killfile kept out, and those its display rules stored hidden (not in new_articles).
    ignored: int = 0
    hidden: int = 0
    comments: int = 0
    threads: int = 0
    #: Of ``threads``, those fetched before and fetched again (their source reported a new count).
    threads_refreshed: int = 0
    thread_errors: list[str] = field(default_factory=list)
    #: The articles this fetch stored for the first time.
    new_article_ids: list[int] = field(default_factory=list)
    #: ``notify.command`` did not do its job (it failed, or ran out of time): one line.
    notify_error: str | None = None
    #: Articles whose discussions elsewhere were looked up, and the discussions found.
    looked_up: int = 0
    discussions_found: int = 0
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
        return parse_json_feed(body, source_key=key, kind="feed", max_items=max_items, url=url)
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
    """Where fetched feeds are parsed: a thread of this process, or worker processes for a big run.

    A run of fewer than :data:`POOL_FROM` due feeds parses in one thread here.
    A bigger one parses in worker processes (both cores) that :meth:`fork_early`
    forks from this process before the first request: each starts in about a
    millisecond with every module already imported, where a spawned worker
    pays a fresh interpreter and its imports (0.2 s of CPU each, measured;
    multiprocessing's "forkserver" pays one, and 0.25 s before the first
    result). Forking a process that runs threads can hang the child on a lock
    another thread held at that moment, so this forks only on Linux, from the
    main thread, while the one other thread is this fetch's store writer,
    waiting for work: the child runs nothing but the parser, which takes no
    lock the writer could hold. Anywhere else (another system, a host
    application with threads of its own) the workers are spawned, at the
    first body to parse, so a refresh where every feed answers 304 never
    pays for them.
    """

    def __init__(self, processes: bool, count: int) -> None:
        self._processes = processes
        self._count = count
        self._executor: concurrent.futures.Executor | None = None
        #: Lets go of the workers' lifeline (see reader.service.workers) once they are done.
        self._release_workers: Callable[[], None] | None = None

    def may_fork(self) -> bool:
        """True if this run is to parse in worker processes and they may be forked here (see the class)."""
        return self._processes and self._executor is None and _fork_is_safe()

    def fork_early(self) -> None:
        """Fork the workers now, if :meth:`may_fork` (else they are spawned when the first body comes)."""
        if self.may_fork():
            self._start("fork")

    def executor(self) -> concurrent.futures.Executor:
        if self._executor is None:
            if self._processes:
                self._start("spawn")
            else:
                self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-parse")
        assert self._executor is not None
        return self._executor

    def _start(self, method: str) -> None:
        # Imported with the pool, as lazily: most runs never start one.
        from reader.service.workers import Lifeline, watch_parent

        context = multiprocessing.get_context(method)
        # The workers exit when this process dies, however it dies.
        lifeline = Lifeline(context)
        self._release_workers = lifeline.close
        # A forked worker holds a copy of the lifeline's end that must stay here alone: it closes it.
        inherited = lifeline.parent_end if method == "fork" else None
        executor = concurrent.futures.ProcessPoolExecutor(
            self._count, mp_context=context, initializer=watch_parent, initargs=(lifeline.child_end, inherited)
        )
        if method == "fork":
            with warnings.catch_warnings():
                # Python 3.12+ warns of forking with threads; see the class for why this one is safe.
                warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
                # A "fork" pool forks every worker at its first job: that is now, while it is safe.
                executor.submit(os.getpid)
        self._executor = executor

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)
        if self._release_workers is not None and wait:
            # Only once the workers are done: letting go ends any that still run.
            self._release_workers()
            self._release_workers = None


def _fork_is_safe() -> bool:
    """True on Linux in the main thread when the only other threads are this fetch's store writer's (idle)."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    here = threading.current_thread()
    if here is not threading.main_thread():
        return False
    return all(thread is here or thread.name.startswith(_WRITER_THREAD) for thread in threading.enumerate())


#: The name of the thread that writes a fetch's library (its ThreadPoolExecutor's prefix).
_WRITER_THREAD = "reader-fetch-store"
#: What an article or a comment takes besides its text (its object and the other fields), about.
_RECORD_BYTES = 500


def _held_size(batch: ImportBatch) -> int:
    """About the memory a parsed feed takes until it is stored: its articles' and comments' text and objects."""
    size = 0
    for _feed, article in batch.articles:
        size += sys.getsizeof(article.text) + sys.getsizeof(article.html or "") + sys.getsizeof(article.title)
        size += _RECORD_BYTES + len(article.comments) * _RECORD_BYTES
        for comment in article.comments:
            size += sys.getsizeof(comment.text) + sys.getsizeof(comment.html or "")
    for _article_id, comments in batch.thread_additions:
        for comment in comments:
            size += sys.getsizeof(comment.text) + sys.getsizeof(comment.html or "") + _RECORD_BYTES
    return size


class _Budget:
    """Bytes fetched but not yet stored, and the requests that may add to them (``fetch.memory_budget_mb``).

    Each feed counts from its answer until its articles are stored: what it
    is expected to come to (or its body, if bigger) while it waits for the
    parser, then what parsing made of it (:func:`_held_size`; three times the
    body, measured: its text twice, as HTML and as plain text, in Python's
    strings). A request starts only when what is held plus what the requests
    in flight are expected to bring (the mean feed so far; at first a quarter
    of the budget) leaves room for its own. With nothing held and nothing in
    flight a request always starts, so a feed bigger than the whole budget is
    fetched, alone. A feed bigger than expected can take the total over the
    budget by the difference; then nothing starts until enough is stored.
    """

    def __init__(self, limit: int, on_wait: Callable[[], None]) -> None:
        self.limit = max(1, limit)
        #: Bytes held for the feeds answered and not yet stored.
        self.held = 0
        #: Requests started and not answered.
        self.in_flight = 0
        #: Feeds answered with a body and their bodies' bytes; feeds parsed and what they came to.
        #: Answers without a body (304, errors) are left out: they say nothing of the next feed's
        #: size, and counting them would bring the means, and so the bound, down to nothing.
        self._answers = 0
        self._answered_bytes = 0
        self._settled = 0
        self._settled_bytes = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        #: Called when a request has to wait: what is held must be written for it to go on.
        self._on_wait = on_wait

    @property
    def waiting(self) -> int:
        """Requests waiting for room."""
        return len(self._waiters)

    def _expected(self) -> int:
        """What one more feed is expected to come to: the mean parsed feed, else the mean body, at first a guess."""
        if self._settled:
            return -(-self._settled_bytes // self._settled)
        if self._answers:
            return -(-self._answered_bytes // self._answers)
        return self.limit // START_CONCURRENCY

    def _room(self) -> bool:
        if not self.held and not self.in_flight:
            return True
        return self.held + (self.in_flight + 1) * self._expected() <= self.limit

    async def start(self) -> None:
        """Wait until a request may start, and count it in flight."""
        if not self._waiters and self._room():
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._on_wait()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.in_flight -= 1  # counted by _wake, then cancelled before it could run
                self._wake()
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def answered(self, size: int) -> int:
        """A request in flight came back with a body of ``size`` bytes (0: none); what is now held for it.

        That is what its feed is expected to come to once parsed, if more
        than the body: a body waiting for the parser holds its room.
        """
        charge = max(size, self._expected()) if size else 0
        self.in_flight -= 1
        self.held += charge
        if size:
            self._answers += 1
            self._answered_bytes += size
        self._wake()
        return charge

    def resized(self, old: int, new: int, body: int) -> None:
        """What was held for one feed (``old``, from :meth:`answered`) is now ``new``: what it was parsed into."""
        self.held += new - old
        if body or new:
            self._settled += 1
            self._settled_bytes += max(body, new)
        self._wake()

    def release(self, size: int) -> None:
        """``size`` bytes held were stored (or dropped)."""
        self.held -= size
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._room():
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


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
        #: Discussion sites not asked in this run because one asked to be left alone (a 429), one line each.
        self.waiting: list[str] = []
        self._host_limits: dict[str, Slots] = {}
        #: Requests in flight in the whole run (``run`` starts it narrower and widens it).
        self._global = Slots(settings.concurrency)
        #: Articles whose thread was fetched before: fetching it now is a refresh (``threads_refreshed``).
        self._refreshing: set[int] = set()
        #: The comment count a source reported for a thread about to be fetched again, kept with the thread.
        self._reported: dict[int, int] = {}

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
            due, self.summary.not_due = await loop.run_in_executor(
                writer,
                functools.partial(
                    store.feeds_due,
                    feed_ids,
                    default_minutes=self.settings.default_refresh,
                    every_feed=self.settings.every_feed,
                ),
            )
            self.progress.feeds_total = len(due)
            self._report()
            fresh = await self._fetch_feeds(due, store, writer)
            full_text_feeds = {feed.id for feed in due if feed.full_text}
            if self.settings.comments:
                # New articles' threads (and those whose feed declares a new count), those that
                # failed on an earlier fetch, and recent ones whose source reports a new count.
                retry = await loop.run_in_executor(writer, store.threads_to_retry)
                wanted = list(dict.fromkeys([*fresh, *retry]))
                self._refreshing = await loop.run_in_executor(writer, store.threads_fetched_before, wanted)
                sources = await loop.run_in_executor(writer, store.articles_for_comments, wanted) if wanted else []
                fetched_feeds = {feed.id for feed in due} if feed_ids is not None else None
                again = await self._threads_to_refresh(store, writer, set(wanted), fetched_feeds)
                self._refreshing.update(source.article_id for source in again)
                if sources or again:
                    await self.fetch_threads([*sources, *again], store, writer)
                if fresh and self.settings.discussions_per_run:
                    feeds, tags = await loop.run_in_executor(writer, self._auto_discussions, store)
                    chosen = await loop.run_in_executor(
                        writer, store.articles_to_look_up, fresh, feeds, tags, self.settings.discussions_per_run
                    )
                    await self.fetch_discussions(chosen, store, writer)
            if self.settings.full_text:
                # New articles whose text is short wait for their page with those left from earlier
                # fetches; the newest go first, a bounded number per run and per host.
                if fresh:
                    await loop.run_in_executor(
                        writer, store.want_pages, fresh, self.settings.full_text_threshold, full_text_feeds
                    )
                pages = await loop.run_in_executor(
                    writer,
                    store.pages_wanted,
                    self.settings.full_text_limit,
                    PAGES_PER_HOST,
                    [feed.id for feed in due] if feed_ids is not None else None,
                )
                await self.fetch_pages(pages, store, writer)
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
        if parser.may_fork():
            # The writer finishes what it was given (nothing more is given before the fork): idle, as forking needs.
            await loop.run_in_executor(writer, int)
            parser.fork_early()
        Round = list[tuple[FeedToFetch, FetchOutcome, ImportBatch | None, int]]
        pending: Round = []
        pending_bytes = 0
        fresh: list[int] = []
        writes: list[asyncio.Future[None]] = []
        writing = 0

        def write(round_: Round) -> None:
            stats = store.store_fetched([(feed.id, outcome, batch) for feed, outcome, batch, _size in round_])
            for (feed, outcome, batch, _size), stat in zip(round_, stats, strict=True):
                self._account(feed, outcome, stat, batch.warnings if batch is not None else [])
                fresh.extend(stat.fresh_article_ids)
                self.summary.new_article_ids.extend(stat.new_article_ids)

        def written(size: int) -> None:
            nonlocal writing
            writing -= 1
            budget.release(size)
            flush()

        def send() -> None:
            nonlocal pending, pending_bytes, writing
            round_, size = pending, pending_bytes
            pending, pending_bytes = [], 0
            writing += 1
            future = loop.run_in_executor(writer, write, round_)
            # Done-callbacks run on the event loop, where the budget lives.
            future.add_done_callback(lambda _future: written(size))
            writes.append(future)

        def flush() -> None:
            """Write what waits, once there is a round of it, or as soon as a request waits for room."""
            if pending and (
                len(pending) >= WRITE_BATCH or pending_bytes >= budget.limit // 2 or (budget.waiting and not writing)
            ):
                send()

        budget = _Budget(self.settings.memory_budget, flush)
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(feed: FeedToFetch) -> None:
                nonlocal pending_bytes
                await budget.start()
                sizes: list[int] = []

                def answered(size: int) -> None:
                    sizes.append(size)
                    sizes.append(budget.answered(size))

                try:
                    outcome, batch = await self._fetch_feed(client, feed, parser, answered)
                except Exception as error:  # one feed's surprise is its own error, never the run's
                    self._debug(error)
                    outcome, batch = FetchOutcome("error", unexpected(error)), None
                finally:
                    if not sizes:
                        answered(0)
                # The body is gone now; what waits for the store is what it was parsed into (or nothing).
                size = _held_size(batch) if batch is not None else 0
                body, charged = sizes
                budget.resized(charged, size, body)
                pending.append((feed, outcome, batch, size))
                pending_bytes += size
                self.progress.feeds_done += 1
                if outcome.error:
                    self.progress.errors += 1
                self._report()
                flush()

            try:
                await asyncio.gather(*(one(feed) for feed in due))
            finally:
                parser.shutdown(wait=True, cancel_futures=True)
        if pending:
            send()
        # Every write ends before one's failure is raised: the store closes
        # after this, and a write still running would meet a closed database.
        for result in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
        self._report()
        return fresh

    async def _fetch_feed(
        self, client: object, feed: FeedToFetch, parser: _LazyParser, answered: Callable[[int], None]
    ) -> tuple[FetchOutcome, ImportBatch | None]:
        """Fetch and parse one feed; ``answered`` gets the size of its body as soon as it is in."""
        now = dates.now()
        try:
            response = await self._get(client, feed.url, _conditional_headers(feed))
        except FetchError as error:
            return FetchOutcome(error.kind, str(error)), None
        answered(len(response.body))
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
        self.summary.ignored += stats.articles_ignored
        self.summary.hidden += stats.articles_hidden
        self.progress.new_articles += stats.articles_added

    # -- comment threads --------------------------------------------------------------

    #: Recent threads whose counts one run asks for at most, the newest articles' (10 requests to each API).
    REFRESH_CHECKS = 1000

    async def _threads_to_refresh(
        self,
        store: Store,
        writer: concurrent.futures.Executor,
        skip: set[int],
        feed_ids: set[int] | None,
    ) -> list[ThreadSource]:
        """Recent threads fetched before whose source now reports another comment count, newest first.

        Hacker News and Reddit are asked for the counts of many threads in one
        request; Lobsters gives its count only with the thread, so its recent
        threads are fetched to learn it. A comment feed's count comes with its
        feed (a changed ``slash:comments`` makes the article fresh), so those
        are not asked here. At most ``refresh_threads_limit`` threads; those
        left over are asked again by the next fetch. ``skip``: threads fetched
        anyway; ``feed_ids``: only these feeds' articles (None: every feed's).
        """
        days, limit = self.settings.refresh_threads_days, self.settings.refresh_threads_limit
        if days <= 0 or limit <= 0:
            return []
        loop = asyncio.get_running_loop()
        since = dates.now() - days * 86_400
        recent = await loop.run_in_executor(writer, store.threads_to_refresh, since, self.REFRESH_CHECKS)
        planned = [
            (thread, plan)
            for thread in recent
            if thread.source.article_id not in skip and (feed_ids is None or thread.feed_id in feed_ids)
            if (plan := plan_thread(thread.source, self.settings.sources)) is not None and plan.key is not None
        ]
        counts: dict[tuple[str, str], int] = {}
        asked = {kind: [plan.key for _, plan in planned if plan.kind == kind and plan.key] for kind in COUNTED}
        if any(asked.values()):
            self.progress.phase = "comments"
            self._report()
            async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:
                answers = await asyncio.gather(
                    *(self._ask_counts(client, kind, keys) for kind, keys in asked.items() if keys)
                )
            counts = {key: count for answer in answers for key, count in answer.items()}
        again: list[ThreadSource] = []
        #: Lobsters gives its count only with the thread: those go after every thread known to have changed.
        unknown: list[ThreadSource] = []
        first_counts: list[tuple[int, int]] = []
        for thread, plan in planned:
            article_id = thread.source.article_id
            if plan.kind == "lobsters":
                unknown.append(thread.source)
                continue
            count = counts.get((plan.kind, plan.key or ""))
            if count is None:
                continue  # not asked, or the source did not say: nothing to go by
            # Never asked before, new replies make the count more than the comments stored.
            changed = count > thread.held if thread.reported is None else count != thread.reported
            if changed:
                again.append(thread.source)
                self._reported[article_id] = count
            elif count != thread.reported:
                first_counts.append((article_id, count))
        await loop.run_in_executor(writer, store.note_reported_counts, first_counts)
        return [*again, *unknown][:limit]

    async def _ask_counts(self, client: object, kind: CountKind, keys: list[str]) -> dict[tuple[str, str], int]:
        """The comment counts ``kind`` reports for the threads ``keys``; a failed request is one line, no counts."""
        counts: dict[tuple[str, str], int] = {}
        label = "Hacker News" if kind == "hackernews" else "Reddit"
        for url, _chunk in count_urls(kind, keys, self.settings.sources):
            try:
                response = await self._get(client, url, {"Accept": "application/json"})
                if response.status != 200 or not response.body:
                    raise ImportFailure(f"HTTP {response.status}")
                found = parse_counts(kind, response.body)
            except (FetchError, ImportFailure) as failure:
                self.summary.thread_errors.append(f"{label} comment counts: {clean_line(str(failure))}")
                continue
            counts.update(((kind, key), count) for key, count in found.items())
        return counts

    async def fetch_threads(
        self, sources: Sequence[ThreadSource], store: Store, writer: concurrent.futures.Executor
    ) -> None:
        """Fetch and store the threads of ``sources`` that have a known comment source.

        The first four sources (comment feeds, Hacker News, Reddit, Lobsters)
        go by their URL plans (``parse/comments.py``); a link none of them
        knows is offered to the registry (a Mastodon status, a Bluesky post,
        a Discourse topic as the article's link or its ``rel="replies"``).
        """
        loop = asyncio.get_running_loop()
        # A blog whose REST comments were read (its page named them) is asked there again, not by its feed.
        blog = await loop.run_in_executor(writer, store.blog_threads, [source.article_id for source in sources])
        plans = [
            (source, plan)
            for source in sources
            if (plan := blog.get(source.article_id) or thread_plan(source, self.settings.sources))
        ]
        self.progress.phase = "comments"
        self.progress.threads_total = len(plans)
        self._report()
        if not plans:
            return
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(source: ThreadSource, plan: ThreadPlan | ThreadRef) -> None:
                kind = plan.kind if isinstance(plan, ThreadPlan) else plan.source
                try:
                    if isinstance(plan, ThreadPlan):
                        error = await self._fetch_thread(client, source, plan, store, writer)
                    else:
                        error = await self._fetch_registered(client, source.article_id, plan, "feed", store, writer)
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

            await asyncio.gather(*(one(source, plan) for source, plan in plans))

    async def _fetch_registered(
        self,
        client: object,
        article_id: int,
        ref: ThreadRef,
        found_by: ThreadFoundBy,
        store: Store,
        writer: concurrent.futures.Executor,
    ) -> str | None:
        """Fetch one thread through its registered source and store it under the article; None, or the error."""
        loop = asyncio.get_running_loop()

        async def request(url: str) -> Response:
            return await self._get(client, url, {"Accept": THREAD_ACCEPT})

        try:
            parsed = await fetch_thread_by(ref, request, self.settings.sources)
        except (ThreadFailed, ImportFailure, ValueError) as failure:
            return str(failure)
        added = await loop.run_in_executor(writer, self._store_thread, store, article_id, parsed, None, ref, found_by)
        self.summary.threads += 1
        self.summary.comments += added
        self.progress.comments += added
        return None

    async def _fetch_thread(
        self,
        client: object,
        source: ThreadSource,
        plan: ThreadPlan,
        store: Store,
        writer: concurrent.futures.Executor,
    ) -> str | None:
        """Fetch, read and store one thread from the first of the plan's URLs that answers; None, or the last error."""
        loop = asyncio.get_running_loop()
        error = "no answer"
        for url in plan.urls:
            try:
                response = await self._get(client, url)
            except FetchError as failure:
                error = str(failure)
                continue
            if response.status != 200 or not response.body:
                error = f"HTTP {response.status}"
                continue
            try:
                parsed = await loop.run_in_executor(None, parse_thread_result, plan.kind, response.body, source)
            except (ImportFailure, ValueError) as failure:
                error = str(failure)
                continue
            reported = parsed.reported if parsed.reported is not None else self._reported.get(source.article_id)
            ref = own_thread_ref(source, plan)
            added = await loop.run_in_executor(
                writer, self._store_thread, store, source.article_id, parsed, reported, ref
            )
            self.summary.threads += 1
            self.summary.threads_refreshed += source.article_id in self._refreshing
            self.summary.comments += added
            self.progress.comments += added
            return None
        return error

    def _fatal(self, error: BaseException) -> bool:
        """True when ``error`` means the library itself cannot be used (read-only, full, damaged): stop the run."""
        return library_failure(error, self.db_path) is not None

    @staticmethod
    def _store_thread(
        store: Store,
        article_id: int,
        parsed: ParsedThread,
        reported: int | None = None,
        ref: ThreadRef | None = None,
        found_by: ThreadFoundBy = "feed",
    ) -> int:
        # Merged into what is stored: a comment the answer no longer has (deleted at the
        # source) stays, one stored before stays not new, only those never seen come in new.
        thread_id = store.open_thread(article_id, ref, found_by) if ref is not None else None
        comments = parsed.comments
        if ref is not None and ref.api and ref.source in SERVER_LOCAL_IDS:
            comments = _on_server(comments, url_origin(ref.api) or "")
        if any(comment.kind == "more" and comment.more_children for comment in comments):
            comments = _without_loaded_replies(comments, store.comment_guids(article_id))
        added = store.add_comments(article_id, comments, thread_id=thread_id) if comments else 0
        if found_by == "feed":
            store.mark_comments_fetched(article_id, source_total=parsed.source_total, reported=reported)
        if thread_id is not None:
            store.mark_thread_fetched(thread_id, source_total=parsed.source_total, note=parsed.note or "")
        if thread_id is not None and ref is not None and ref.source == "wordpress":
            # The blog's REST thread is the whole tree; its comment feed, the newest ten flattened.
            store.drop_feed_threads_of(article_id, thread_id, url_origin(ref.api or ref.url) or "")
        return added

    # -- discussions elsewhere --------------------------------------------------------

    def _auto_discussions(self, store: Store) -> tuple[set[int], set[str]]:
        """The feeds and tags opted in to lookups: the library's list and the config's (by URL, title or tag:)."""
        feeds, tags = store.auto_discussions()
        wanted = [entry.strip() for entry in self.settings.discussions_auto if entry.strip()]
        if wanted:
            known = store.feeds()
            for entry in wanted:
                if entry.startswith("tag:"):
                    tags.add(entry[4:].strip())
                    continue
                feeds.update(feed.id for feed in known if entry in (feed.url, feed.title))
        return feeds, tags

    async def fetch_discussions(
        self,
        articles: Sequence[tuple[int, str]],
        store: Store,
        writer: concurrent.futures.Executor,
        *,
        with_threads: bool = True,
    ) -> list[LookupResult]:
        """Look each article up on the discussion sites, keep what was found, and fetch and store those threads.

        One article at a time (the lookups all go to the same few sites); a
        site that answers 429 is asked no more in this run. Each article and
        each thread is its own unit of failure.
        """
        results: list[LookupResult] = []
        if not articles:
            return results
        loop = asyncio.get_running_loop()
        self.progress.phase = "discussions"
        self._report()
        now = dates.now()
        waits = await loop.run_in_executor(writer, store.site_waits, now)
        refused: set[DiscussionSite] = {site for site in defaults.DISCUSSION_SITES if site in waits}
        for site in sorted(refused & set(self.settings.lookup.sites)):
            line = f"{source_label(site)}: not asked: it asked to wait until {dates.to_human(waits[site])}"
            self.waiting.append(line)
            self.summary.thread_errors.append(line)
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def request(url: str) -> Response:
                return await self._get(client, url, {"Accept": THREAD_ACCEPT})

            for article_id, url in articles:
                try:
                    result = await look_up(url, request, self.settings.lookup, self.settings.sources, skip=refused)
                except Exception as failure:  # one article's surprise is its own line
                    if self._fatal(failure):
                        raise
                    self._debug(failure)
                    self.summary.thread_errors.append(f"article {article_id}: discussions: {unexpected(failure)}")
                    results.append(LookupResult(errors=[unexpected(failure)]))
                    continue
                results.append(result)
                refused |= result.refused
                for site, wait in result.waits.items():
                    await loop.run_in_executor(writer, store.set_site_wait, site, dates.now() + int(wait))
                self.summary.looked_up += 1
                self.summary.discussions_found += len(result.found)
                self.summary.thread_errors.extend(f"article {article_id}: {error}" for error in result.errors)
                if result.answered:
                    await loop.run_in_executor(writer, store.save_lookup, article_id, result.found)
                for ref in result.found[:THREADS_PER_LOOKUP] if with_threads else []:
                    await self._keep_found(client, article_id, ref, store, writer)
        return results

    async def _keep_found(
        self,
        client: object,
        article_id: int,
        ref: ThreadRef,
        store: Store,
        writer: concurrent.futures.Executor,
        found_by: ThreadFoundBy = "lookup",
    ) -> None:
        """Fetch and store one discussion a lookup (or the article's page) found; what goes wrong is its one line."""
        try:
            error = await self._fetch_registered(client, article_id, ref, found_by, store, writer)
        except Exception as failure:  # one thread's surprise is its own line
            if self._fatal(failure):
                raise
            self._debug(failure)
            error = unexpected(failure)
        if error is not None:
            label = source_label(ref.source)
            self.summary.thread_errors.append(f"article {article_id}: {label}: {clean_line(error)}")

    async def fetch_found(
        self, article_id: int, refs: Sequence[ThreadRef], store: Store, writer: concurrent.futures.Executor
    ) -> None:
        """Fetch the discussions ``refs`` (chosen from a lookup) and store each as a thread of the article."""
        if not refs:
            return
        self.progress.phase = "comments"
        self.progress.threads_total = len(refs)
        self._report()
        async with make_client(self.settings.limits, max_connections=self.settings.concurrency) as client:

            async def one(ref: ThreadRef) -> None:
                await self._keep_found(client, article_id, ref, store, writer)
                self.progress.threads_done += 1
                self._report()

            await asyncio.gather(*(one(ref) for ref in refs))

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
                    failed = await page(article_id, url)
                except Exception as failure:  # a page is a nicety: its failure costs only that page
                    if self._fatal(failure):
                        raise
                    self._debug(failure)
                    failed = (unexpected(failure), False)
                if failed is not None:
                    problem, for_good = failed
                    self.summary.page_errors.append(f"article {article_id}: {problem}")
                    await loop.run_in_executor(writer, lambda: store.page_failed(article_id, for_good=for_good))

            async def discussions_in_page(article_id: int, response: Response) -> None:
                """Fetch the threads the article's page embeds or links (its Isso, Discourse, Mastodon ...)."""
                refs = await loop.run_in_executor(None, _threads_in_page, response.body, response.url, self.settings)
                for ref in refs[:THREADS_PER_PAGE]:
                    # A thread's surprise is that thread's line, never the page's failure (found by review).
                    await self._keep_found(client, article_id, ref, store, writer, "page")

            async def page(article_id: int, url: str) -> tuple[str, bool] | None:
                """None when the page's text is kept, else (why not, whether trying again is pointless)."""
                try:
                    response = await self._get(client, url, {"Accept": "text/html, */*;q=0.5"})
                except FetchError as error:
                    return clean_line(str(error)), False
                if response.status != 200:
                    # Gone, forbidden or not there: the same next time. A busy or failing server may recover.
                    return f"HTTP {response.status}", 400 <= response.status < 500 and response.status not in (408, 429)
                if not response.body:
                    return "an empty page", True
                if self.settings.comments:
                    await discussions_in_page(article_id, response)
                extracted = await loop.run_in_executor(None, extract_main_html, response.body, response.url)
                if extracted is None:
                    return "no article text found on its page", True
                html, text = extracted
                await loop.run_in_executor(writer, store.set_full_text, article_id, html, text)
                self.summary.full_texts += 1
                self.progress.pages += 1
                self._report()
                return None

            await asyncio.gather(*(one(article_id, url) for article_id, url in pages))


#: Sources whose comment ids are their server's own (two Lemmy servers both have a comment 7).
SERVER_LOCAL_IDS = frozenset({"lemmy", "discourse", "mastodon", "isso", "wordpress"})


def _on_server(comments: list[CommentData], origin: str) -> list[CommentData]:
    """``comments`` with their ids (and their parents') qualified by the server they are on.

    A comment is kept by its id within the article; two threads on two
    servers could otherwise give the same id to two comments, one replacing
    the other.
    """
    host = urlsplit(origin).netloc
    return [
        replace(
            comment,
            guid=f"{comment.guid}@{host}",
            parent_guid=f"{comment.parent_guid}@{host}" if comment.parent_guid is not None else None,
        )
        for comment in comments
    ]


def thread_plan(source: ThreadSource, bases: CommentSources) -> ThreadPlan | ThreadRef | None:
    """Where the thread an article's feed leads to is fetched from: a URL plan, a registered source, or None."""
    plan = plan_thread(source, bases)
    if plan is not None:
        return plan
    return thread_for_url(source.comments_url, bases) or thread_for_url(source.url, bases)


def _threads_in_page(body: bytes, url: str, settings: FetchSettings) -> list[ThreadRef]:
    """The discussions an article page names (see ``parse/sources``), read in a worker thread."""
    from reader.parse.htmlpage import decode_html

    return threads_in_page(decode_html(body), url, settings.sources)


def own_thread_ref(source: ThreadSource, plan: ThreadPlan) -> ThreadRef:
    """The thread an article's feed leads to, as the registry keys it.

    An API thread by its id there; a comment feed by its own URL (the last of
    the plan's, the one the feed gave).
    """
    page = source.comments_url or source.url or ""
    if plan.kind == "feed" or plan.key is None:
        return ThreadRef("feed", plan.urls[-1], page)
    return ThreadRef(plan.kind, plan.key, page)


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


def _in_store(
    fetcher: Fetcher,
    db_path: Path,
    work: Callable[[Store, concurrent.futures.ThreadPoolExecutor], Coroutine[Any, Any, object]],
) -> FetchSummary:
    """Run ``work`` on the library, in its own event loop with a store thread, for one command or key.

    What ``reader fulltext``, ``comments`` and ``discussions`` (and ``F``,
    ``C``, ``D``) share: the store is opened and closed in its writer thread,
    and a library that cannot be used ends the run with
    :attr:`FetchSummary.error` (:func:`_finished`).
    """

    async def run() -> FetchSummary:
        loop = asyncio.get_running_loop()
        writer = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        store = await loop.run_in_executor(writer, Store, db_path)
        try:
            await work(store, writer)
        finally:
            await loop.run_in_executor(writer, store.close)
            writer.shutdown(wait=True)
        return fetcher.summary

    return _finished(fetcher, db_path, lambda: asyncio.run(run()))


def fetch_full_text(
    db_path: Path, pages: Sequence[tuple[int, str]], settings: FetchSettings | None = None
) -> FetchSummary:
    """Fetch these articles' pages now and keep their main text (``reader fulltext ID``, ``F`` in the reader).

    ``pages`` are (article id, link); a page that gives no text is one line
    in :attr:`FetchSummary.page_errors`.
    """
    fetcher = Fetcher(db_path, settings or FetchSettings())
    return _in_store(fetcher, db_path, lambda store, writer: fetcher.fetch_pages(list(pages), store, writer))


def fetch_comments(db_path: Path, article_ids: Sequence[int], settings: FetchSettings | None = None) -> FetchSummary:
    """Fetch the threads of some articles now (``reader comments ID``, ``C`` in the reader)."""
    fetcher = Fetcher(db_path, settings or FetchSettings())

    async def work(store: Store, writer: concurrent.futures.ThreadPoolExecutor) -> None:
        sources = await asyncio.get_running_loop().run_in_executor(
            writer, store.articles_for_comments, list(article_ids)
        )
        await fetcher.fetch_threads(sources, store, writer)

    return _in_store(fetcher, db_path, work)


def look_up_discussions(
    db_path: Path, article_id: int, url: str, settings: FetchSettings | None = None
) -> tuple[LookupResult, FetchSummary]:
    """Ask the discussion sites about one article now and keep the answer (``reader discussions ID``, ``D``)."""
    fetcher = Fetcher(db_path, settings or FetchSettings())
    results: list[LookupResult] = []

    async def work(store: Store, writer: concurrent.futures.ThreadPoolExecutor) -> None:
        results.extend(await fetcher.fetch_discussions([(article_id, url)], store, writer, with_threads=False))

    summary = _in_store(fetcher, db_path, work)
    result = results[0] if results else LookupResult(errors=[summary.error or "nothing was asked"])
    result.errors[:0] = fetcher.waiting  # the sites left alone, said first
    return result, summary


def fetch_found_discussions(
    db_path: Path, article_id: int, refs: Sequence[ThreadRef], settings: FetchSettings | None = None
) -> FetchSummary:
    """Fetch the chosen discussions of an article and store each as one of its threads."""
    fetcher = Fetcher(db_path, settings or FetchSettings())
    return _in_store(fetcher, db_path, lambda store, writer: fetcher.fetch_found(article_id, list(refs), store, writer))
