"""Time the full-screen reader on a 100,000-article library.

Measures the TUI targets: start to first painted screen (a real ``reader``
process in tmux, and headless with ``App.run_test``), a key press in the
article list, opening an article (a typical one and a ~50 KB one), opening a
2,000-comment thread (and one holding a 300-deep chain), and peak memory.

The library is ``generate.py``'s (same seed, same 100,000 articles) plus a
few articles this script adds with :meth:`Store.store_batch`; it is built
into ``--db`` (default ``benchmarks/bench-tui.db``) if that does not exist.

    python benchmarks/tui.py
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import gc
import json
import os
import pstats
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import benchinfo
import generate

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text.render import html_to_text
from reader.text.sanitize import clean_line

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from reader.tui.app import ReaderApp

DEFAULT_DB = Path(__file__).resolve().with_name("bench-tui.db")
EXTRAS_SITE = "https://tui-bench.example.org"
EXTRAS_FEED = FeedData(
    key=f"{EXTRAS_SITE}/feed.xml",
    url=f"{EXTRAS_SITE}/feed.xml",
    title="TUI Benchmark Threads",
    site_url=EXTRAS_SITE,
    kind="feed",
)
THREAD_COMMENTS = 2000
CHAIN_DEPTH = 300
LONG_ARTICLE_CHARS = 50_000
#: The window of every run (tmux and headless): wide enough for all four panes.
SIZE = (160, 48)
#: How often the tmux screen is read while waiting for the first paint.
POLL_SECONDS = 0.01
#: Typical articles opened, spread over the list (each once).
TYPICAL_OPENS = 20
#: The library with ten times the feeds (same articles' shape), and the small one for searches.
FEEDS_DB = DEFAULT_DB.with_name("bench-tui-2000-feeds.db")
MANY_FEEDS = 2000
SMALL_DB = DEFAULT_DB.with_name("bench-tui-10k.db")
SMALL_ARTICLES = 10_000
#: A rare word (in ~0.05% of articles: 5 at 10k, 51 at 100k) and a common one
#: (in ~65%: the TUI lists the newest SEARCH_LIMIT, 1,000, at either size).
SEARCH_QUERIES = {"rare word": "narwhal", "common word": "people"}
#: What the open search bar shows while it is empty.
SEARCH_PLACEHOLDER = "Search titles, text and comments"
#: Processes per library for the parts that compare libraries (run in turn: A B A B).
ROUNDS = 2


# --------------------------------------------------------------------------
# The library


def make_comments(
    maker: generate.TextMaker, article_guid: str, published: int, count: int, *, chain: int = 0
) -> list[CommentData]:
    """``count`` comments in source order; the first ``chain`` each answer the one before.

    The others follow ``generate.make_thread``'s shape: 30% top-level, else
    a reply to the latest comment (60%) or any earlier one, at most
    :data:`generate.MAX_DEPTH` deep unless they answer inside the chain.
    """
    rng = maker.rng
    comments: list[CommentData] = []
    parents: list[int | None] = []
    depths: list[int] = []
    when = published
    for number in range(count):
        parent: int | None = None
        if number < chain:
            parent = number - 1 if number else None
        elif comments and rng.random() > 0.3:
            if rng.random() < 0.6 or len(comments) <= chain:
                parent = len(comments) - 1
            else:
                parent = rng.randrange(chain, len(comments))
            while depths[parent] >= generate.MAX_DEPTH - 1:
                parent = parents[parent]
                assert parent is not None  # a comment that deep always has a parent
        when += rng.randint(5, 600)
        text, html = maker.body(rng.randint(60, 600), link_chance=0.05)
        comments.append(
            CommentData(
                guid=f"{article_guid}#comment-{number}",
                author=f"{rng.choice(generate.WORDS[60:])}{rng.randint(1, 999)}",
                text=text,
                parent_guid=comments[parent].guid if parent is not None else None,
                published=when,
                html=html,
                url=f"{article_guid}#comment-{number}",
            )
        )
        parents.append(parent)
        depths.append(depths[parent] + 1 if parent is not None else 0)
    return comments


def make_extras(seed: int) -> ImportBatch:
    """The articles the TUI benchmarks open: two 2,000-comment threads (one with a 300-deep chain), a 50 KB article."""
    maker = generate.TextMaker(random.Random(seed + 1))
    batch = ImportBatch(kind="feed", feeds=[EXTRAS_FEED])
    specs = [
        ("wide", f"{THREAD_COMMENTS:,} comments, up to {generate.MAX_DEPTH} deep", 3000, THREAD_COMMENTS, 0),
        ("deep", f"{THREAD_COMMENTS:,} comments with a {CHAIN_DEPTH}-deep chain", 3000, THREAD_COMMENTS, CHAIN_DEPTH),
        ("long", f"a {LONG_ARTICLE_CHARS // 1000} KB article", LONG_ARTICLE_CHARS, 12, 0),
    ]
    for number, (slug, what, body_chars, comments, chain) in enumerate(specs):
        published = generate.LATEST - (number + 1) * 6 * 3600
        url = f"{EXTRAS_SITE}/{slug}"
        _markdown, html = maker.body(body_chars, rare_chance=0.0)
        article = ArticleData(
            guid=url,
            title=f"Benchmark {slug}: {what} " + maker.title(),
            text=html_to_text(html),
            html=html,
            url=url,
            author=maker.name(),
            published=published,
            comments_url=f"{url}#comments",
            declared_comment_count=comments,
            comments=make_comments(maker, url, published, comments, chain=chain),
        )
        batch.articles.append((EXTRAS_FEED, article))
    return batch


def extras(store: Store) -> dict[str, int]:
    """The ids of the added articles by slug (empty if they are not there)."""
    return {
        row["guid"].rsplit("/", 1)[1]: row["id"]
        for row in store.conn.execute(
            "SELECT a.id, a.guid FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE f.key = ?",
            (EXTRAS_FEED.key,),
        )
    }


def build_library(path: Path, articles: int, feeds: int = generate.FEED_COUNT) -> None:
    """Build ``generate.py``'s library (``feeds`` feeds) plus the extras into ``path`` (through a partial file)."""
    partial = path.with_name(path.name + ".partial")
    generate.remove_database(partial)
    began = time.perf_counter()
    summary = generate.build(partial, articles, feeds=feeds)
    took = time.perf_counter() - began
    print(f"generate.build: {summary.articles} articles, {summary.comments} comments in {took:.0f} s")
    with Store(partial) as store:
        began = time.perf_counter()
        stats = store.store_batch(make_extras(generate.DEFAULT_SEED), now=generate.LATEST)
        took = time.perf_counter() - began
        print(f"extras: {stats.articles_added} articles, {stats.comments_added} comments in {took:.1f} s")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    generate.remove_database(partial)


def clear_ui_state(db: Path) -> None:
    """Forget the reader's saved view (last article, source), so every start opens the same plain list."""
    with Store(db, create=False) as store, store.transaction():
        store.conn.execute("DELETE FROM settings WHERE key LIKE 'ui.%'")


def reset_reading_state(db: Path, ids: list[int]) -> None:
    """Make ``ids`` unread with never-seen threads, and forget the saved view."""
    with Store(db, create=False) as store, store.transaction():
        marks = ",".join("?" * len(ids))
        store.conn.execute(f"UPDATE articles SET read = 0, comments_seen = NULL WHERE id IN ({marks})", ids)
    clear_ui_state(db)


@contextmanager
def unread(db: Path, ids: list[int]) -> Iterator[None]:
    """Run the block with ``ids`` unread (opening marks them read), and leave them unread after it."""
    reset_reading_state(db, ids)
    try:
        yield
    finally:
        reset_reading_state(db, ids)


# --------------------------------------------------------------------------
# Results


def machine() -> str:
    """One line describing the machine (as ``run.py`` prints it)."""
    return benchinfo.machine()


@dataclass
class Row:
    """One line of the table: values in ``unit`` (ms or MiB)."""

    label: str
    values: list[float]
    target: float | None = None
    unit: str = "ms"
    note: str = ""

    @property
    def median(self) -> float:
        """The median value."""
        return statistics.median(self.values)

    @property
    def missed(self) -> bool:
        """True when there is a target and the median is above it."""
        return self.target is not None and self.median > self.target


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table, like ``run.py``'s."""

    def number(value: float, unit: str) -> str:
        return f"{value:.0f}" if unit == "MiB" else f"{value:.2f}" if value < 100 else f"{value:.1f}"

    header = ("benchmark", "median", "min", "max", "unit", "runs", "target", "", "notes")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.label,
                number(row.median, row.unit),
                number(min(row.values), row.unit),
                number(max(row.values), row.unit),
                row.unit,
                str(len(row.values)),
                f"\u2264 {row.target:g} {row.unit}" if row.target is not None else "",
                ("MISSED" if row.missed else "ok") if row.target is not None else "",
                row.note,
            )
        )
    return benchinfo.aligned(lines, left=(0, 4, 8))


# --------------------------------------------------------------------------
# A real process in tmux


def reader_command() -> list[str]:
    """The installed ``reader`` console script (or ``python -m reader``)."""
    script = Path(sys.executable).parent / "reader"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reader"]


def proc_memory_mib(pid: int) -> dict[str, float]:
    """VmHWM (peak resident) and VmRSS of a process, in MiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) / 1024
    return values


class Tmux:
    """A private tmux server (its own socket) with one detached session."""

    def __init__(self, tmux: str, env: dict[str, str]) -> None:
        self.tmux = tmux
        self.env = env
        self.socket = f"reader-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            [self.tmux, "-L", self.socket, "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=True,
            timeout=30,
        ).stdout

    def kill(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, env=self.env, check=False)

    def wait(self, found: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.perf_counter() + timeout
        while True:
            screen = self("capture-pane", "-p")
            if found(screen):
                return screen
            if time.perf_counter() > deadline:
                raise RuntimeError(f"timed out waiting for {what}; the screen shows:\n{screen}")
            time.sleep(POLL_SECONDS)

    def settle(self, quiet: float = 0.3, timeout: float = 15.0) -> str:
        """Wait until the screen has not changed for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        screen, since = self("capture-pane", "-p"), time.perf_counter()
        while time.perf_counter() < deadline:
            time.sleep(0.05)
            now = self("capture-pane", "-p")
            if now != screen:
                screen, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                break
        return screen


@dataclass
class ProcessRun:
    """One start of the real reader."""

    start: float
    memory: dict[str, float]
    thread_open: float | None = None
    thread_memory: dict[str, float] | None = None


@contextmanager
def tmux_environment() -> Iterator[tuple[str, dict[str, str]]]:
    """The tmux binary and the environment of every real process: a temporary home, C.UTF-8, xterm-256color."""
    tmux = shutil.which("tmux")
    if tmux is None:
        raise RuntimeError("tmux is not installed (use --no-tmux to skip the real-process figures)")
    home = Path(tempfile.mkdtemp(prefix="reader-bench-home-"))
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "READER_DB", "COLORTERM")}
    # The tmux sockets go in the temporary folder too (tmux leaves them behind).
    env.update(READER_HOME=str(home), TMUX_TMPDIR=str(home), TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    try:
        yield tmux, env
    finally:
        shutil.rmtree(home, ignore_errors=True)


def tmux_runs(db: Path, runs: int, first_row: str, thread_index: int, touched: list[int]) -> list[ProcessRun]:
    """Start ``reader --db`` in tmux ``runs`` times, after a warm-up run (disk cache, bytecode)."""
    results = []
    with tmux_environment() as (tmux, env):
        for _ in range(runs + 1):
            clear_ui_state(db)
            session = Tmux(tmux, env)
            # Each run opens the thread unread, as a new one is.
            try:
                with unread(db, touched):
                    results.append(tmux_run(session, db, first_row, thread_index))
            finally:
                session.kill()
    return results[1:]


def tmux_start(session: Tmux, db: Path, first_row: str) -> tuple[int, float]:
    """Start ``reader --db`` in the session: its pid, and seconds from Enter to ``first_row`` on screen.

    The pane first waits for a line of input; the clock starts just before
    that Enter is sent and stops when ``capture-pane`` (polled every 10 ms)
    shows ``first_row``.
    """
    width, height = SIZE
    names = ("READER_HOME", "TERM", "LANG", "LC_ALL")
    environment = [arg for name in names for arg in ("-e", f"{name}={session.env[name]}")]
    command = "read _go; exec " + shlex.join([*reader_command(), "--db", str(db)])
    session("new-session", "-d", "-x", str(width), "-y", str(height), *environment, command)
    session("set-option", "-g", "status", "off")
    pid = int(session("display-message", "-p", "#{pane_pid}").strip())
    began = time.perf_counter()
    session("send-keys", "Enter")
    session.wait(lambda screen: first_row in screen, 60, f"the first row ({first_row!r})")
    return pid, time.perf_counter() - began


def tmux_quit(session: Tmux, pid: int) -> None:
    """Press q and wait (at most 15 s) for the process to end."""
    session("send-keys", "q")
    deadline = time.perf_counter() + 15
    while Path(f"/proc/{pid}").exists() and time.perf_counter() < deadline:
        time.sleep(0.02)


def tmux_run(session: Tmux, db: Path, first_row: str, thread_index: int) -> ProcessRun:
    """One real process: time to the first painted row, then to the opened thread; memory after each.

    The pane first waits for a line of input; the clock starts just before
    that Enter is sent and stops when ``capture-pane`` (polled every 10 ms)
    shows the list's first row. Peak memory (VmHWM) is read once the screen
    is still. Then the 2,000-comment thread (row ``thread_index``) is
    highlighted, and Enter timed until its comment count shows in the
    panel's title (drawn in the same frame as its first comments).
    """
    pid, started = tmux_start(session, db, first_row)
    run = ProcessRun(started, proc_memory_mib(pid))
    session.settle()
    run.memory = proc_memory_mib(pid)
    if thread_index:
        session("send-keys", *["j"] * thread_index)
        session.settle()
    began = time.perf_counter()
    session("send-keys", "Enter")
    session.wait(lambda screen: f"Comments \u00b7 {THREAD_COMMENTS:,}" in screen, 60, "the thread")
    run.thread_open = time.perf_counter() - began
    session.settle()
    run.thread_memory = proc_memory_mib(pid)
    tmux_quit(session, pid)
    return run


#: What a fresh process imports before the TUI can start (``reader`` runs ``reader.cli``, which imports the app).
TUI_IMPORTS = "import reader.cli, reader.tui.app, reader.tui.screens.main"


def tmux_starts(libraries: list[Library], runs: int) -> tuple[dict[str, list[ProcessRun]], list[float]]:
    """Start ``reader --db`` on each library in turn (A B A B ...), ``runs`` times each after a warm-up round.

    Each run times Enter to the first row on screen, then reads VmHWM once
    the screen is still (the feed list filled too). Each round also times a
    fresh ``python -c`` doing the TUI's imports (seconds, the second list).
    """
    results: dict[str, list[ProcessRun]] = {library.name: [] for library in libraries}
    imports: list[float] = []
    with tmux_environment() as (tmux, env):
        for round_number in range(runs + 1):
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", TUI_IMPORTS], env=env, check=True)
            if round_number:
                imports.append(time.perf_counter() - began)
            for library in libraries:
                clear_ui_state(library.db)
                session = Tmux(tmux, env)
                try:
                    pid, started = tmux_start(session, library.db, library.first_row)
                    session.settle()
                    run = ProcessRun(started, proc_memory_mib(pid))
                    tmux_quit(session, pid)
                finally:
                    session.kill()
                if round_number:
                    results[library.name].append(run)
    return results, imports


def tmux_search(session: Tmux, query: str, first_title: str) -> float:
    """``/``, type ``query``, then time Enter until the list's title and its first result are on screen."""
    session("send-keys", "/")
    session.wait(lambda screen: SEARCH_PLACEHOLDER in screen, 10, "the search bar")
    session("send-keys", "-l", query)
    session.settle(quiet=0.2)
    title = f"Search: {query} \u00b7 "
    began = time.perf_counter()
    session("send-keys", "Enter")
    session.wait(lambda screen: title in screen and first_title in screen, 30, f"the results of {query!r}")
    took = time.perf_counter() - began
    session.settle(quiet=0.2)
    session("send-keys", "Escape")
    session.wait(lambda screen: "All articles \u00b7 " in screen, 30, "the list back")
    session.settle(quiet=0.2)
    return took


def tmux_searches(libraries: list[Library], queries: dict[str, str], rounds: int, searches: int) -> dict[str, Any]:
    """Searches in real processes: per round, one process per library (in turn), each query ``searches`` times.

    In each process every query is searched once unmeasured first. Returns
    seconds by library name and query label.
    """
    results: dict[str, dict[str, list[float]]] = {
        library.name: {label: [] for label in queries} for library in libraries
    }
    with tmux_environment() as (tmux, env):
        for _ in range(rounds):
            for library in libraries:
                clear_ui_state(library.db)
                session = Tmux(tmux, env)
                try:
                    pid, _started = tmux_start(session, library.db, library.first_row)
                    session.settle()
                    for repeat in range(searches + 1):
                        for label, query in queries.items():
                            took = tmux_search(session, query, library.first_results[query])
                            if repeat:
                                results[library.name][label].append(took)
                    tmux_quit(session, pid)
                finally:
                    session.kill()
    return results


# --------------------------------------------------------------------------
# Headless, with Pilot


@dataclass(frozen=True)
class Stamp:
    """When a frame was finished: wall clock, process CPU time, garbage-collection time so far."""

    wall: float
    cpu: float
    gc: float


class Probe:
    """What the reader's widgets drew, and futures resolved when a frame with it is finished.

    Installed by :func:`install_probe`, which wraps (in this process only)
    the widgets' ``render_line`` and the app's ``_display``. Headless,
    Textual composes every frame but skips turning it into terminal output;
    the wrapper does that step too (``render_segments``), so the figures
    include everything but the write to the terminal.
    """

    def __init__(self) -> None:
        self.waiters: list[tuple[Callable[[], bool], asyncio.Future[Stamp]]] = []
        self.reset()

    def reset(self) -> None:
        """Forget everything drawn (a new app)."""
        self.list_rows = False
        #: The id list the article list last drew rows of (the very object).
        self.list_drawn: object = None
        self.list_cursor: int | None = None
        #: While True, the wrapped calls of :func:`install_probe` add (label, began, ended) to ``marks``.
        self.recording = False
        self.marks: list[tuple[str, float, float]] = []
        #: Called with every mark, recording or not (:func:`frame_log`).
        self.listener: Callable[[str, float, float], None] | None = None
        self.article: int | None = None
        self.comments: int | None = None
        self.complete: dict[int, float] = {}
        self.waiters = []
        self.gc_seconds = 0.0
        self._gc_began = 0.0

    def gc_callback(self, phase: str, info: dict[str, int]) -> None:
        """Add up the time the garbage collector stops every thread (``gc.callbacks``)."""
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc_seconds += time.perf_counter() - self._gc_began

    def mark(self, label: str, began: float, ended: float) -> None:
        """Note that ``label`` ran from ``began`` to ``ended`` (perf_counter), if recording."""
        if self.recording:
            self.marks.append((label, began, ended))
        if self.listener is not None:
            self.listener(label, began, ended)

    def record(self) -> None:
        """Start a new timeline."""
        self.marks = []
        self.recording = True

    def timeline(self, began: float, ended: float) -> list[tuple[str, float, float]]:
        """Stop recording: the marks that began before ``ended``, in ms from ``began``."""
        self.recording = False
        return [
            (label, (start - began) * 1000, (end - began) * 1000) for label, start, end in self.marks if start <= ended
        ]

    def when(self, predicate: Callable[[], bool]) -> asyncio.Future[Stamp]:
        """A future for the :class:`Stamp` of the first finished frame after which ``predicate()`` holds."""
        future: asyncio.Future[Stamp] = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, future))
        return future

    def frame_done(self) -> None:
        """A frame was composed and rendered: resolve the futures it satisfies."""
        if not self.waiters:
            return
        stamp = Stamp(time.perf_counter(), time.process_time(), self.gc_seconds)
        waiting = []
        for predicate, future in self.waiters:
            if future.done():
                continue
            if predicate():
                future.set_result(stamp)
            else:
                waiting.append((predicate, future))
        self.waiters = waiting


PROBE = Probe()


def timed(owner: type, name: str, label: str) -> None:
    """Wrap ``owner.name`` so each call is a mark of :data:`PROBE`'s timeline ("[worker]" off the UI thread)."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            where = "" if threading.current_thread() is threading.main_thread() else " [worker]"
            PROBE.mark(label + where, began, time.perf_counter())

    setattr(owner, name, wrapper)


def install_probe() -> None:
    """Wrap the widgets and the app so :data:`PROBE` sees what is drawn (this process only)."""
    from textual._compositor import CompositorUpdate
    from textual.app import App
    from textual.screen import Screen

    from reader.tui.app import ReaderApp
    from reader.tui.screens.main import MainScreen
    from reader.tui.widgets.article_list import ArticleList
    from reader.tui.widgets.article_view import ArticleView
    from reader.tui.widgets.comment_thread import CommentThread
    from reader.tui.widgets.search_bar import SearchBar

    if getattr(ReaderApp, "_probe_installed", False):
        return
    list_line = ArticleList.render_line
    article_line = ArticleView.render_line
    comment_line = CommentThread.render_line
    rendered = MainScreen.on_article_rendered

    def list_render_line(self, y):  # type: ignore[no-untyped-def]
        strip = list_line(self, y)
        if self.ids:
            PROBE.list_rows = True
            PROBE.list_drawn = self.ids
            if self.scroll_offset.y + y == self.cursor:
                PROBE.list_cursor = self.cursor
        return strip

    def article_render_line(self, y):  # type: ignore[no-untyped-def]
        PROBE.article = self.article_id if self.line_count else None
        return article_line(self, y)

    def comment_render_line(self, y):  # type: ignore[no-untyped-def]
        PROBE.comments = self.article_id if self.comment_count else None
        return comment_line(self, y)

    def on_article_rendered(self, message):  # type: ignore[no-untyped-def]
        rendered(self, message)
        if message.complete:
            PROBE.complete[message.detail.article.id] = time.perf_counter()

    def display(self, screen, renderable):  # type: ignore[no-untyped-def]
        App._display(self, screen, renderable)
        if isinstance(renderable, CompositorUpdate) and self.is_headless and not self._batch_count:
            renderable.render_segments(self.console)  # what a terminal would be sent
        PROBE.frame_done()

    timed(Store, "feeds", "Store.feeds")
    timed(Store, "counts", "Store.counts")
    timed(Store, "article_ids", "Store.article_ids")
    timed(Store, "search", "Store.search")
    # What the reader calls since it keeps only ids (Store.search reads the rows too).
    timed(Store, "search_ids", "Store.search_ids")
    timed(Store, "articles_by_ids", "Store.articles_by_ids")
    timed(MainScreen, "on_library_loaded", "LibraryLoaded handler (FeedList.set_feeds)")
    timed(MainScreen, "on_list_loaded", "ListLoaded handler (ArticleList.set_ids)")
    timed(MainScreen, "run_search", "run_search (starts the worker)")
    timed(MainScreen, "show_pane", "MainScreen.show_pane")
    timed(SearchBar, "close", "SearchBar.close")
    timed(Screen, "_on_timer_update", "frame: layout, compose, render")
    ArticleList.render_line = list_render_line  # type: ignore[method-assign]
    ArticleView.render_line = article_render_line  # type: ignore[method-assign]
    CommentThread.render_line = comment_render_line  # type: ignore[method-assign]
    MainScreen.on_article_rendered = on_article_rendered  # type: ignore[method-assign]
    ReaderApp._display = display  # type: ignore[method-assign]
    ReaderApp._probe_installed = True  # type: ignore[attr-defined]
    gc.callbacks.append(PROBE.gc_callback)


async def settle(app: ReaderApp, pilot: Pilot[None]) -> None:
    """Wait for workers, pending saves and a repaint."""
    from reader.tui.app import workers_done

    for _ in range(2):
        await workers_done(app)
        await asyncio.to_thread(app.writer.flush)
        await pilot.pause()


@dataclass
class Start:
    """One headless start: seconds (wall, process CPU) to the first frame with list rows, and its timeline."""

    wall: float
    cpu: float
    #: (label, began ms, ended ms) from creating the app, up to the first frame with list rows.
    timeline: list[tuple[str, float, float]]


async def headless_start(db: Path) -> Start:
    """From creating the app to the first frame showing list rows."""
    from reader.tui.app import ReaderApp

    clear_ui_state(db)
    PROBE.reset()
    first = PROBE.when(lambda: PROBE.list_rows)
    PROBE.record()
    began, cpu = time.perf_counter(), time.process_time()
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        painted = await asyncio.wait_for(first, 60)
        timeline = PROBE.timeline(began, painted.wall)
        await settle(app, pilot)
    return Start(painted.wall - began, painted.cpu - cpu, timeline)


async def press_keys(app: ReaderApp, pilot: Pilot[None], presses: int) -> tuple[list[float], list[float]]:
    """``j`` in the article list ``presses`` times from the top: (CPU seconds, wall seconds) to the repainted frame."""
    screen = app.screen
    articles = screen.article_list  # type: ignore[attr-defined]
    screen.show_pane("articles")  # type: ignore[attr-defined]
    articles.set_cursor(0)
    await settle(app, pilot)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(presses):
        target = articles.cursor + 1
        done = PROBE.when(lambda target=target: PROBE.list_cursor == target)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await pilot.press("j")
        stamp = await asyncio.wait_for(done, 10)
        cpu.append(stamp.cpu - cpu0)
        wall.append(stamp.wall - wall0)
    return cpu, wall


@dataclass
class Opened:
    """Seconds from Enter to the first frame showing the article, its comments, and the whole article laid out."""

    article: float
    comments: float | None
    complete: float
    #: Time spent in garbage collection from Enter to the article's and the comments' paints.
    article_gc: float
    comments_gc: float | None


async def open_article(
    app: ReaderApp, pilot: Pilot[None], article_id: int, *, comments: bool, first: bool = False
) -> Opened:
    """Highlight ``article_id`` in the list (not timed), then press Enter and time the paints.

    The reading pane is out already (an article was open, the list has the
    focus: reading on with j and Enter, the usual case); with ``first`` no
    article is open, so the reading pane comes out with this one (the first
    open of a session, or of a feed: the screen is laid out anew).
    """
    screen = app.screen
    articles = screen.article_list  # type: ignore[attr-defined]
    if first:
        screen.close_article()  # type: ignore[attr-defined]
    screen.show_pane("articles")  # type: ignore[attr-defined]
    index = articles.index_of(article_id)
    assert index is not None, article_id
    articles.set_cursor(index)
    await settle(app, pilot)
    PROBE.complete.pop(article_id, None)
    PROBE.article = PROBE.comments = None
    shown = PROBE.when(lambda: PROBE.article == article_id)
    thread = PROBE.when(lambda: PROBE.comments == article_id) if comments else None
    gc_before = PROBE.gc_seconds
    began = time.perf_counter()
    await pilot.press("enter")
    article = await asyncio.wait_for(shown, 30)
    comment = await asyncio.wait_for(thread, 30) if thread is not None else None
    await settle(app, pilot)
    complete_at = PROBE.complete.get(article_id, article.wall)
    return Opened(
        article.wall - began,
        comment.wall - began if comment is not None else None,
        complete_at - began,
        article.gc - gc_before,
        comment.gc - gc_before if comment is not None else None,
    )


async def headless_starts(db: Path, runs: int) -> dict[str, object]:
    """Headless starts in this process: a warm-up (imports, disk cache), then ``runs`` timed ones."""
    install_probe()
    await headless_start(db)
    starts = [await headless_start(db) for _ in range(runs)]
    return {
        "start": [start.wall for start in starts],
        "start_cpu": [start.cpu for start in starts],
        "timeline": [start.timeline for start in starts],
    }


@dataclass
class Searched:
    """One search: from Enter to the first frame showing the results."""

    wall: float
    cpu: float
    gc: float
    results: int
    #: perf_counter when Enter was pressed.
    began: float
    #: (label, began ms, ended ms) from Enter, up to that frame.
    timeline: list[tuple[str, float, float]]


async def search_once(
    app: ReaderApp, pilot: Pilot[None], query: str, profiler: cProfile.Profile | None = None
) -> Searched:
    """``/``, type ``query`` (not timed), then time Enter to the first frame with the results' rows and count.

    That frame is the first one after which the article list's border title
    reads "Search: <query> · <count>" and the list has drawn rows of the new
    id list. Escape afterwards brings the plain list back (not timed).
    ``profiler`` (if given) runs from Enter to that frame only.
    """
    from reader.tui.widgets.search_bar import SearchBar

    screen = app.screen
    articles = screen.article_list  # type: ignore[attr-defined]
    bar = screen.query_one(SearchBar)
    await pilot.press("slash", *query)
    await settle(app, pilot)
    assert bar.value == query, (bar.value, query)
    title = f"Search: {query} \u00b7 "
    # The very list object, or (if the widget hands out copies) an equal one: the results differ in length.
    shown = PROBE.when(
        lambda: (
            (PROBE.list_drawn is articles.ids or PROBE.list_drawn == articles.ids)
            and str(articles.border_title).startswith(title)
        )
    )
    gc_before = PROBE.gc_seconds
    PROBE.record()
    if profiler is not None:
        profiler.enable()
    began, cpu = time.perf_counter(), time.process_time()
    await pilot.press("enter")
    stamp = await asyncio.wait_for(shown, 30)
    if profiler is not None:
        profiler.disable()
    timeline = PROBE.timeline(began, stamp.wall)
    results = len(articles.ids)
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)
    assert not str(articles.border_title).startswith(title), articles.border_title
    return Searched(stamp.wall - began, stamp.cpu - cpu, stamp.gc - gc_before, results, began, timeline)


async def headless_searches(db: Path, queries: dict[str, str], searches: int) -> dict[str, list[dict[str, Any]]]:
    """One app: every query in turn, ``searches`` + 1 times (the first round unmeasured)."""
    from reader.tui.app import ReaderApp

    install_probe()
    clear_ui_state(db)
    PROBE.reset()
    results: dict[str, list[dict[str, Any]]] = {label: [] for label in queries}
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for repeat in range(searches + 1):
            for label, query in queries.items():
                searched = await search_once(app, pilot, query)
                if repeat:
                    results[label].append(asdict(searched))
    return results


async def headless_session(db: Path, presses: int, opens: int, plan: Plan) -> dict[str, object]:
    """One app: ``j`` presses, then opening typical articles, the long one and both big threads."""
    from reader.tui.app import ReaderApp

    install_probe()
    clear_ui_state(db)
    PROBE.reset()
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press_keys(app, pilot, 20)  # warm-up
        key_cpu, key_wall = await press_keys(app, pilot, presses)
        half = len(plan.typical) // 2
        await open_article(app, pilot, plan.typical[-1], comments=False)  # the reading pane out
        typical = [await open_article(app, pilot, article_id, comments=False) for article_id in plan.typical[:half]]
        first = [
            await open_article(app, pilot, article_id, comments=False, first=True) for article_id in plan.typical[half:]
        ]
        results: dict[str, object] = {"key_cpu": key_cpu, "key_wall": key_wall, "typical": typical, "first": first}
        for name in ("long", "wide", "deep"):
            await open_article(app, pilot, plan.ids[name], comments=True)  # warm-up
            results[name] = [await open_article(app, pilot, plan.ids[name], comments=True) for _ in range(opens)]
    results["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        key: [asdict(v) for v in value] if key in ("typical", "first", "long", "wide", "deep") else value
        for key, value in results.items()
    }


def run_part(args: argparse.Namespace, part: str, db: Path | None = None) -> dict[str, Any]:
    """Run one headless part in a fresh process (so each has its own heap and peak memory)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--db", str(db or args.db), "--part", part]
    command += ["--runs", str(args.runs), "--presses", str(args.presses), "--opens", str(args.opens)]
    command += ["--searches", str(args.searches)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"headless {part} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def profile_session(db: Path, what: str, plan: Plan) -> None:
    """Run one benchmark under cProfile (the UI thread), then the worker's work for it (synchronously)."""
    from reader.tui.app import ReaderApp

    ids, typical_ids = plan.ids, plan.typical
    install_probe()
    profiler = cProfile.Profile()
    clear_ui_state(db)
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        if what == "key":
            await press_keys(app, pilot, 20)
            profiler.enable()
            await press_keys(app, pilot, 300)
            profiler.disable()
        else:
            targets = {"open": typical_ids[:5], "open-long": [ids["long"]] * 5}.get(what, [ids.get(what, 0)] * 5)
            profiler.enable()
            for article_id in targets:
                await open_article(app, pilot, article_id, comments=what != "open")
            profiler.disable()
    print_profile(what, profiler)
    if what in ("open", "open-long", "wide", "deep"):
        worker_profile(db, what, ids, typical_ids)


def print_profile(what: str, profiler: cProfile.Profile, where: str = "the UI thread") -> None:
    """The 25 costliest functions by own time, then by cumulative time."""
    print(f"== {what}: {where} (cProfile), by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(f"== {what}: {where}, by cumulative time")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


@contextmanager
def frame_log() -> Iterator[list[tuple[str, str, float, float]]]:
    """Log (kind, what, ms taken, perf_counter at the start) of frames, widget renders and CSS applies."""
    from textual.css.stylesheet import Stylesheet
    from textual.screen import Screen
    from textual.widget import Widget

    log: list[tuple[str, str, float, float]] = []
    originals = (Widget.render_lines, Screen._refresh_layout, Stylesheet.apply)
    render_lines, refresh_layout, apply = originals

    def note(kind: str, what: str, began: float) -> None:
        log.append((kind, what, (time.perf_counter() - began) * 1000, began))

    def logged_render_lines(self, crop):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        lines = render_lines(self, crop)
        note("render", f"{type(self).__name__}#{self.id}", began)
        return lines

    def logged_refresh_layout(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        refresh_layout(self, *args, **kwargs)
        note("layout", "Screen._refresh_layout", began)

    def frame(label: str, began: float, ended: float) -> None:
        # The screen's update timer holds its bound method: frames come from install_probe's wrapper.
        if label.startswith("frame"):
            log.append(("frame", "", (ended - began) * 1000, began))

    def logged_apply(self, node, *args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        applied = apply(self, node, *args, **kwargs)
        note("css", type(node).__name__, began)
        return applied

    Widget.render_lines = logged_render_lines  # type: ignore[method-assign]
    Screen._refresh_layout = logged_refresh_layout  # type: ignore[method-assign]
    Stylesheet.apply = logged_apply  # type: ignore[method-assign]
    PROBE.listener = frame
    try:
        yield log
    finally:
        PROBE.listener = None
        Widget.render_lines, Screen._refresh_layout, Stylesheet.apply = originals  # type: ignore[method-assign]


def print_frames(log: list[tuple[str, str, float, float]], began: float, ended: float) -> None:
    """Each frame of ``log`` from ``began`` to ``ended`` with the widget renders and CSS applies before its end."""
    pending: dict[str, tuple[int, float]] = {}
    for kind, what, took_ms, at in log:
        if not began <= at <= ended:
            continue
        if kind != "frame":
            count, total = pending.get(f"{kind} {what}", (0, 0.0))
            pending[f"{kind} {what}"] = (count + 1, total + took_ms)
            continue
        start = (at - began) * 1000
        parts = ", ".join(f"{name} x{count} {total:.1f}" for name, (count, total) in pending.items() if total >= 0.5)
        print(f"  frame at {start:6.1f} ms, {took_ms:5.1f} ms; in it and since the last one (ms): {parts}")
        pending = {}


async def profile_start(db: Path, starts: int = 5) -> None:
    """Profile ``starts`` headless starts (the UI thread), then the library workers' reads (synchronously)."""
    install_probe()
    await headless_start(db)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(starts):
        await headless_start(db)
    profiler.disable()
    print_profile(f"start on {db.name}", profiler)
    profiler = cProfile.Profile()
    with Store(db, create=False) as store:
        profiler.enable()
        for _ in range(starts):
            store.feeds()
            store.counts()
            store.article_ids()
        profiler.disable()
    print_profile(f"start on {db.name}", profiler, "the workers' reads (feeds, counts, article_ids), run here")


async def profile_searches(db: Path, queries: dict[str, str], searches: int = 5) -> None:
    """Profile the UI thread from Enter to the painted results (``searches`` per query), then the worker's query."""
    from reader.tui.app import ReaderApp

    install_probe()
    clear_ui_state(db)
    PROBE.reset()
    profiler = cProfile.Profile()
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for query in queries.values():
            await search_once(app, pilot, query)  # warm-up
        for _ in range(searches):
            for query in queries.values():
                await search_once(app, pilot, query, profiler)
        with frame_log() as log:
            for query in queries.values():
                log.clear()
                searched = await search_once(app, pilot, query)
                print(f"== search {query!r} on {db.name}: {searched.wall * 1000:.1f} ms; frames from Enter:")
                print_frames(log, searched.began, searched.began + searched.wall)
    print_profile(f"search on {db.name}", profiler, "the UI thread from Enter to the painted results")
    profiler = cProfile.Profile()
    with Store(db, create=False) as store:
        profiler.enable()
        for _ in range(searches):
            for query in queries.values():
                store.search_ids(query, limit=search_limit())
        profiler.disable()
    print_profile(f"search on {db.name}", profiler, "the worker's Store.search_ids, run here")


def worker_profile(db: Path, what: str, ids: dict[str, int], typical_ids: list[int]) -> None:
    """Profile what ``MainScreen.load_article`` does in its worker thread, run here synchronously."""
    from reader.text.threads import ThreadLayout
    from reader.tui.widgets.article_view import render_article

    styles: dict[str, str] = {}
    targets = typical_ids[:5] if what == "open" else [ids["long" if what == "open-long" else what]] * 5
    width = 74  # the reading pane's and comments panel's text width in a 160-column window
    profiler = cProfile.Profile()
    with Store(db, create=False) as store:
        profiler.enable()
        for article_id in targets:
            detail = store.article(article_id)
            assert detail is not None
            render_article(detail, width, styles, first_screen=True)
            layout = ThreadLayout(detail.comments, op_author=detail.article.author, new_ids=[])
            layout.set_width(width)
            layout.lines  # noqa: B018
            render_article(detail, width, styles)
        profiler.disable()
    print(f"== {what}: the worker's work (Store.article, render_article, ThreadLayout), by cumulative time")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


# --------------------------------------------------------------------------


def ms(values: list[float]) -> list[float]:
    """Seconds to milliseconds."""
    return [value * 1000 for value in values]


def rows_for(process: list[ProcessRun], starts: dict[str, Any], session: dict[str, Any], plan: Plan) -> list[Row]:
    """The table rows."""

    def opened(name: str, field: str) -> list[float]:
        return ms([entry[field] for entry in session[name]])

    def gc(name: str, field: str) -> str:
        return f"GC pauses within: median {statistics.median(opened(name, field)):.0f} ms"

    rows = []
    if process:
        rows.append(Row("start to first row, real process in tmux", ms([r.start for r in process]), 600))
    rows += [
        Row("start to first row, headless run_test", ms(starts["start"]), 600),
        Row(
            "key j in the article list, CPU",
            ms(session["key_cpu"]),
            16,
            note="from the top; the list scrolls after its first 44 rows",
        ),
        Row("key j in the article list, wall", ms(session["key_wall"]), note="to the repainted frame"),
        Row(
            "open article (1-3 KB), first paint",
            opened("typical", "article"),
            50,
            note=f"{len(plan.typical) // 2} unread articles, each once, reading on; " + gc("typical", "article_gc"),
        ),
        Row(
            "  the first one (the reading pane comes out)",
            opened("first", "article"),
            note=f"{len(plan.typical) - len(plan.typical) // 2} more, each from the list alone; "
            + gc("first", "article_gc"),
        ),
        Row("open 50 KB article, first paint", opened("long", "article"), 50, note=gc("long", "article_gc")),
        Row("open 50 KB article, all laid out", opened("long", "complete")),
        Row(
            f"open {THREAD_COMMENTS:,}-comment thread, comments painted",
            opened("wide", "comments"),
            200,
            note=f"{plan.lines['wide']:,} lines, up to {plan.depth['wide'] + 1} levels; " + gc("wide", "comments_gc"),
        ),
        Row(
            f"open {THREAD_COMMENTS:,} with a {CHAIN_DEPTH}-deep chain, painted",
            opened("deep", "comments"),
            200,
            note=f"{plan.lines['deep']:,} lines, {plan.depth['deep'] + 1} levels; " + gc("deep", "comments_gc"),
        ),
    ]
    if process:
        opens = [r.thread_open for r in process if r.thread_open is not None]
        rows.append(
            Row(
                f"open {THREAD_COMMENTS:,}-comment thread, real process in tmux",
                ms(opens),
                200,
                note="first open in each process; capture-pane polled every 10 ms",
            )
        )
        listed = [r.memory["VmHWM"] for r in process]
        rows.append(Row("peak memory, tmux process, list shown", listed, 150, "MiB", "VmHWM"))
        thread = [r.thread_memory["VmHWM"] for r in process if r.thread_memory]
        rows.append(Row(f"peak memory, tmux process, {THREAD_COMMENTS:,} comments shown", thread, 150, "MiB", "VmHWM"))
    rows.append(
        Row(
            "peak memory, headless session process", [session["peak_mib"]], 150, "MiB", "ru_maxrss after the rows above"
        )
    )
    return rows


@dataclass
class Plan:
    """What the runs open, read from the library."""

    ids: dict[str, int]
    typical: list[int]
    first_row: str
    thread_index: int
    lines: dict[str, int]
    depth: dict[str, int]
    describe: str


def make_plan(db: Path) -> Plan:
    """The added articles, typical articles spread over the list, and the list's first row."""
    from reader.text.threads import ThreadLayout

    with Store(db, create=False) as store:
        ids = extras(store)
        if set(ids) != {"wide", "deep", "long"}:
            raise SystemExit(f"{db} lacks this script's articles; give a --db that does not exist to build one")
        order = store.article_ids()
        step = len(order) // (TYPICAL_OPENS + 1)
        typical = [order[step * (n + 1)] for n in range(TYPICAL_OPENS) if order[step * (n + 1)] not in ids.values()]
        rows = store.articles_by_ids([order[0], *typical])
        lines, depth = {}, {}
        for name in ("wide", "deep"):
            comments = store.comments(ids[name])
            layout = ThreadLayout(comments)
            layout.set_width(SIZE[0] * 3 // 5 - 4)
            lines[name], depth[name] = len(layout.lines), max(c.depth for c in comments)
        counts = store.counts()
        (comments_total,) = store.conn.execute("SELECT count(*) FROM comments").fetchone()
        describe = (
            f"{db} ({db.stat().st_size / 2**20:.0f} MiB): {counts['all']} articles ({counts['unread']} unread), "
            f"{comments_total} comments"
        )
    return Plan(
        ids=ids,
        typical=typical,
        first_row=clean_line(rows[0].title)[:20],
        thread_index=order.index(ids["wide"]),
        lines=lines,
        depth=depth,
        describe=describe,
    )


@dataclass
class Library:
    """A library the feeds and search parts run on, and what its screen shows."""

    name: str
    db: Path
    #: The newest article's title as the list cuts it (the start is over when it shows).
    first_row: str
    #: By query: the first result's title (as cut), and how many articles match in all.
    first_results: dict[str, str]
    matches: dict[str, int]
    describe: str


def distinct_names(libraries: list[Library]) -> None:
    """Add the file name to the libraries' names if two are the same (their figures are kept by name)."""
    if len({library.name for library in libraries}) < len(libraries):
        for library in libraries:
            library.name = f"{library.name} ({library.db.name})"


def search_limit() -> int:
    """How many results the TUI lists (``reader.tui.screens.main.SEARCH_LIMIT``)."""
    from reader.tui.screens import main as main_screen

    return int(getattr(main_screen, "SEARCH_LIMIT", 1000))


def feed_count(db: Path) -> int:
    """The number of feeds in a library."""
    with Store(db, create=False) as store:
        return int(store.conn.execute("SELECT count(*) FROM feeds").fetchone()[0])


def article_count(db: Path) -> int:
    """The number of articles in a library."""
    with Store(db, create=False) as store:
        return int(store.conn.execute("SELECT count(*) FROM articles").fetchone()[0])


def describe_library(name: str, db: Path, queries: dict[str, str]) -> Library:
    """The library's first row, and the first result and number of matches of each query."""
    with Store(db, create=False) as store:
        order = store.article_ids()
        (first,) = store.articles_by_ids(order[:1])
        first_results, matches = {}, {}
        for query in queries.values():
            rows = store.search(query, limit=search_limit())
            first_results[query] = clean_line(rows[0].title)[:20] if rows else ""
            matches[query] = store.conn.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)
            ).fetchone()[0]
        (feeds,) = store.conn.execute("SELECT count(*) FROM feeds").fetchone()
    describe = f"{name}: {db} ({db.stat().st_size / 2**20:.0f} MiB): {len(order)} articles in {feeds} feeds"
    return Library(name, db, clean_line(first.title)[:20], first_results, matches, describe)


def took(timeline: list[list[Any]], label: str) -> float:
    """Milliseconds spent in ``label`` within one timeline."""
    return sum(end - began for name, began, end in timeline if name == label)


def timeline_table(columns: dict[str, list[list[list[Any]]]]) -> str:
    """The steps of the timelines (label, began ms, ended ms): per column, when each first began and its time.

    ``at`` is the median start of a step's first call, ``ms`` the median
    time in it per run (all its calls), ``n`` the median number of calls.
    """
    labels: list[str] = []
    for timelines in columns.values():
        for timeline in timelines:
            for label, _began, _ended in timeline:
                if label not in labels:
                    labels.append(label)
    header = ["step"]
    for name in columns:
        header += [f"{name}: at", "ms", "n"]
    lines = [tuple(header)]
    for label in labels:
        line = [label]
        for timelines in columns.values():
            firsts = [min(b for name, b, _e in t if name == label) for t in timelines if any(n == label for n, *_ in t)]
            if not firsts:
                line += ["", "", ""]
                continue
            spent = statistics.median(took(t, label) for t in timelines)
            calls = statistics.median(sum(1 for name, *_ in t if name == label) for t in timelines)
            line += [f"{statistics.median(firsts):.1f}", f"{spent:.1f}", f"{calls:g}"]
        lines.append(tuple(line))
    return benchinfo.aligned(lines, left=(0,))


def ensure_library(db: Path, articles: int, feeds: int = generate.FEED_COUNT) -> None:
    """Build the library at ``db`` (in a child process) if it does not exist."""
    if db.exists():
        return
    print(f"{db} does not exist; building it: {articles} articles in {feeds} feeds (a few minutes)", flush=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--db", str(db), "--articles", str(articles)]
    subprocess.run([*command, "--build-feeds", str(feeds), "--build-only"], check=True)


def reader_code() -> str:
    """Where the measured ``reader`` package is imported from (it is not always the working tree)."""
    import reader

    return str(Path(reader.__file__).resolve().parent)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


PARTS = ("base", "feeds", "search")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="library (default %(default)s; built if missing)")
    parser.add_argument("--articles", type=int, default=generate.DEFAULT_ARTICLES, help="size if --db must be built")
    parser.add_argument(
        "--feeds-db",
        type=Path,
        default=FEEDS_DB,
        help=f"the same size in {MANY_FEEDS:,} feeds, for --only feeds (default %(default)s; built if missing)",
    )
    parser.add_argument(
        "--small-db",
        type=Path,
        default=SMALL_DB,
        help=f"{SMALL_ARTICLES:,} articles, for --only search (default %(default)s; built if missing)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        help="run only these parts: base (the first table), feeds (first paint at 200 and "
        f"{MANY_FEEDS:,} feeds), search (Enter to painted results at 10k and 100k); default all",
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="starts of each kind, after a warm-up (default %(default)s)"
    )
    parser.add_argument("--presses", type=int, default=300, help="timed j presses (default %(default)s)")
    parser.add_argument("--opens", type=int, default=10, help="opens of each long article/thread (default %(default)s)")
    parser.add_argument(
        "--searches",
        type=int,
        default=5,
        help=f"searches of each query per process, {ROUNDS} processes per library (default %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a quick check: --runs 2 --presses 30 --opens 2 --searches 2"
    )
    parser.add_argument("--no-tmux", action="store_true", help="skip the real-process runs in tmux")
    parser.add_argument(
        "--profile",
        choices=["start", "start-feeds", "key", "open", "open-long", "wide", "deep", "search"],
        help="profile one benchmark with cProfile instead of timing (start-feeds: start on --feeds-db; "
        "search: the searches on --db)",
    )
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build-feeds", type=int, default=generate.FEED_COUNT, help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=["starts", "session", "searches"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.presses, args.opens, args.searches = 2, 30, 2, 2
    if args.build_only:
        build_library(args.db, args.articles, args.build_feeds)
        return 0
    if min(args.runs, args.presses, args.opens, args.searches) < 1:
        parser.error("--runs, --presses, --opens and --searches must be positive")
    if args.part == "starts":
        print(json.dumps(asyncio.run(headless_starts(args.db, args.runs))))
        return 0
    if args.part == "session":
        print(json.dumps(asyncio.run(headless_session(args.db, args.presses, args.opens, make_plan(args.db)))))
        return 0
    if args.part == "searches":
        print(json.dumps(asyncio.run(headless_searches(args.db, SEARCH_QUERIES, args.searches))))
        return 0

    only = set(args.only or PARTS) if not args.profile else set()
    ensure_library(args.db, args.articles)
    if "feeds" in only or args.profile == "start-feeds":
        ensure_library(args.feeds_db, args.articles, MANY_FEEDS)
    if "search" in only:
        ensure_library(args.small_db, SMALL_ARTICLES)
    print(f"machine: {machine()}")
    print(f"reader code: {reader_code()}; load average {load_average()}", flush=True)
    if args.profile in ("start", "start-feeds"):
        db = args.feeds_db if args.profile == "start-feeds" else args.db
        asyncio.run(profile_start(db))
        return 0
    if args.profile == "search":
        asyncio.run(profile_searches(args.db, SEARCH_QUERIES))
        return 0
    if args.profile or "base" in only:
        plan = make_plan(args.db)
        print(f"library: {plan.describe}")
        print(
            f"added: {THREAD_COMMENTS}-comment threads (articles {plan.ids['wide']}, {plan.ids['deep']}), "
            f"a {LONG_ARTICLE_CHARS // 1000} KB article ({plan.ids['long']}); window {SIZE[0]}x{SIZE[1]}",
            flush=True,
        )
        touched = [*plan.typical, *plan.ids.values()]
        if args.profile:
            with unread(args.db, touched):
                asyncio.run(profile_session(args.db, args.profile, plan))
            return 0
        # Opening marks articles read: every part starts with the opened ones unread.
        process: list[ProcessRun] = []
        if not args.no_tmux:
            process = tmux_runs(args.db, args.runs, plan.first_row, plan.thread_index, touched)
        with unread(args.db, touched):
            starts = run_part(args, "starts")
        with unread(args.db, touched):
            session = run_part(args, "session")
        print(
            f"starts: {args.runs} after a warm-up; key: {args.presses} presses after 20; opens: "
            f"{len(plan.typical)} articles once each, the others {args.opens} times after a warm-up open (so read)\n"
        )
        rows = rows_for(process, starts, session, plan)
        print(table(rows))
        missed = [row.label for row in rows if row.missed]
        if missed:
            print(f"\ntargets missed: {'; '.join(missed)}")
        print(flush=True)
    if "feeds" in only:
        feeds_part(args)
    if "search" in only:
        search_part(args)
    print(f"load average at the end: {load_average()} (the machine is shared: other work slows every figure)")
    return 0


def feeds_part(args: argparse.Namespace) -> None:
    """Start to first row at 200 and 2,000 feeds: tmux and headless, the libraries in turn; then the timelines."""
    libraries = [
        describe_library(f"{feed_count(args.db):,} feeds", args.db, {}),
        describe_library(f"{feed_count(args.feeds_db):,} feeds", args.feeds_db, {}),
    ]
    distinct_names(libraries)
    print(f"== start to first row by number of feeds (libraries in turn, {ROUNDS} headless processes each)")
    for library in libraries:
        print(f"library: {library.describe}")
    print(flush=True)
    process, imports = tmux_starts(libraries, args.runs) if not args.no_tmux else ({}, [])
    headless: dict[str, dict[str, list[Any]]] = {library.name: {} for library in libraries}
    for _ in range(ROUNDS):
        for library in libraries:
            for key, values in run_part(args, "starts", library.db).items():
                headless[library.name].setdefault(key, []).extend(values)
    rows = []
    for library in libraries:
        name = library.name
        if process:
            runs = process[name]
            memory = statistics.median(run.memory["VmHWM"] for run in runs)
            rows.append(
                Row(
                    f"start to first row, tmux, {name}",
                    ms([run.start for run in runs]),
                    600,
                    note=f"VmHWM once still: median {memory:.0f} MiB",
                )
            )
    if imports:
        rows.append(Row("  the TUI's imports alone, fresh python", ms(imports), note=f"python -c '{TUI_IMPORTS}'"))
    for library in libraries:
        name = library.name
        rows.append(Row(f"start to first row, headless, {name}", ms(headless[name]["start"]), 600))
        rows.append(Row("  CPU, all threads", ms(headless[name]["start_cpu"]), note="process_time"))
    print(table(rows))
    print(f"\nwhere the headless start goes (ms from creating the app; medians of {len(headless[name]['start'])}):")
    print(timeline_table({library.name: headless[library.name]["timeline"] for library in libraries}))
    print(flush=True)


def search_part(args: argparse.Namespace) -> None:
    """Enter to painted results at 10k and 100k articles: headless and tmux, libraries in turn; then timelines."""
    libraries = [
        describe_library(f"{article_count(db) // 1000}k", db, SEARCH_QUERIES) for db in (args.small_db, args.db)
    ]
    distinct_names(libraries)
    print(f"== search: Enter to the painted results (libraries in turn, {ROUNDS} processes each)")
    for library in libraries:
        print(f"library: {library.describe}")
    print(flush=True)
    headless: dict[str, dict[str, list[dict[str, Any]]]] = {
        library.name: {label: [] for label in SEARCH_QUERIES} for library in libraries
    }
    for _ in range(ROUNDS):
        for library in libraries:
            for label, entries in run_part(args, "searches", library.db).items():
                headless[library.name][label].extend(entries)
    process = tmux_searches(libraries, SEARCH_QUERIES, ROUNDS, args.searches) if not args.no_tmux else {}
    rows = []
    for library in libraries:
        for label, query in SEARCH_QUERIES.items():
            entries = headless[library.name][label]
            results = entries[0]["results"]
            gc_ms = statistics.median(entry["gc"] for entry in entries) * 1000
            rows.append(
                Row(
                    f"search {label} {query!r}, {library.name}, headless",
                    ms([entry["wall"] for entry in entries]),
                    50,
                    note=f"{results:,} listed, {library.matches[query]:,} match title/text; GC within {gc_ms:.0f} ms",
                )
            )
            rows.append(Row("  CPU, all threads", ms([entry["cpu"] for entry in entries]), note="process_time"))
            rows.append(
                Row(
                    "  of which the query",
                    [took(entry["timeline"], "Store.search_ids [worker]") for entry in entries],
                    note=f"Store.search_ids(limit={search_limit()}) in the worker",
                )
            )
            if process:
                rows.append(
                    Row(
                        "  real process in tmux",
                        ms(process[library.name][label]),
                        50,
                        note="capture-pane polled every 10 ms",
                    )
                )
    print(table(rows))
    for library in libraries:
        print(
            f"\nwhere the search goes, {library.name} (ms from Enter; medians of "
            f"{len(headless[library.name]['rare word'])}):"
        )
        searched = headless[library.name]
        print(timeline_table({label: [entry["timeline"] for entry in searched[label]] for label in SEARCH_QUERIES}))
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
