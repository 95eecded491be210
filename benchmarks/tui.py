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
from reader.render import html_to_text
from reader.sanitize import clean_line
from reader.store import Store

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from reader.app import ReaderApp

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


def build_library(path: Path, articles: int) -> None:
    """Build ``generate.py``'s library plus the extras into ``path`` (through a partial file)."""
    partial = path.with_name(path.name + ".partial")
    generate.remove_database(partial)
    began = time.perf_counter()
    summary = generate.build(partial, articles)
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


def tmux_runs(db: Path, runs: int, first_row: str, thread_index: int, touched: list[int]) -> list[ProcessRun]:
    """Start ``reader --db`` in tmux ``runs`` times, after a warm-up run (disk cache, bytecode)."""
    tmux = shutil.which("tmux")
    if tmux is None:
        raise RuntimeError("tmux is not installed (use --no-tmux to skip the real-process figures)")
    home = Path(tempfile.mkdtemp(prefix="reader-bench-home-"))
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "READER_DB", "COLORTERM")}
    # The tmux sockets go in the temporary folder too (tmux leaves them behind).
    env.update(READER_HOME=str(home), TMUX_TMPDIR=str(home), TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    results = []
    try:
        for _ in range(runs + 1):
            clear_ui_state(db)
            session = Tmux(tmux, env)
            # Each run opens the thread unread, as a new one is.
            try:
                with unread(db, touched):
                    results.append(tmux_run(session, db, first_row, thread_index))
            finally:
                session.kill()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return results[1:]


def tmux_run(session: Tmux, db: Path, first_row: str, thread_index: int) -> ProcessRun:
    """One real process: time to the first painted row, then to the opened thread; memory after each.

    The pane first waits for a line of input; the clock starts just before
    that Enter is sent and stops when ``capture-pane`` (polled every 10 ms)
    shows the list's first row. Peak memory (VmHWM) is read once the screen
    is still. Then the 2,000-comment thread (row ``thread_index``) is
    highlighted, and Enter timed until its comment count shows in the
    panel's title (drawn in the same frame as its first comments).
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
    run = ProcessRun(time.perf_counter() - began, proc_memory_mib(pid))
    session.settle()
    run.memory = proc_memory_mib(pid)
    if thread_index:
        session("send-keys", *["j"] * thread_index)
        session.settle()
    began = time.perf_counter()
    session("send-keys", "Enter")
    session.wait(lambda screen: f"Comments \u00b7 {THREAD_COMMENTS}" in screen, 60, "the thread")
    run.thread_open = time.perf_counter() - began
    session.settle()
    run.thread_memory = proc_memory_mib(pid)
    session("send-keys", "q")
    deadline = time.perf_counter() + 15
    while Path(f"/proc/{pid}").exists() and time.perf_counter() < deadline:
        time.sleep(0.02)
    return run


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
        self.list_cursor: int | None = None
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


def install_probe() -> None:
    """Wrap the widgets and the app so :data:`PROBE` sees what is drawn (this process only)."""
    from textual._compositor import CompositorUpdate
    from textual.app import App

    from reader.app import ReaderApp
    from reader.screens.main import MainScreen
    from reader.widgets.article_list import ArticleList
    from reader.widgets.article_view import ArticleView
    from reader.widgets.comment_thread import CommentThread

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

    ArticleList.render_line = list_render_line  # type: ignore[method-assign]
    ArticleView.render_line = article_render_line  # type: ignore[method-assign]
    CommentThread.render_line = comment_render_line  # type: ignore[method-assign]
    MainScreen.on_article_rendered = on_article_rendered  # type: ignore[method-assign]
    ReaderApp._display = display  # type: ignore[method-assign]
    ReaderApp._probe_installed = True  # type: ignore[attr-defined]
    gc.callbacks.append(PROBE.gc_callback)


async def settle(app: ReaderApp, pilot: Pilot[None]) -> None:
    """Wait for workers, pending saves and a repaint."""
    for _ in range(2):
        await app.workers.wait_for_complete()
        await asyncio.to_thread(app.writer.flush)
        await pilot.pause()


async def headless_start(db: Path) -> float:
    """Seconds from creating the app to the first frame showing list rows."""
    from reader.app import ReaderApp

    clear_ui_state(db)
    PROBE.reset()
    first = PROBE.when(lambda: PROBE.list_rows)
    began = time.perf_counter()
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        painted = (await asyncio.wait_for(first, 60)).wall
        await settle(app, pilot)
    return painted - began


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


async def open_article(app: ReaderApp, pilot: Pilot[None], article_id: int, *, comments: bool) -> Opened:
    """Highlight ``article_id`` in the list (not timed), then press Enter and time the paints."""
    screen = app.screen
    articles = screen.article_list  # type: ignore[attr-defined]
    screen.reading_id = None  # type: ignore[attr-defined]
    screen.article_view.show_placeholder("")  # type: ignore[attr-defined]
    screen.comment_thread.clear_thread("")  # type: ignore[attr-defined]
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
    return {"start": [await headless_start(db) for _ in range(runs)]}


async def headless_session(db: Path, presses: int, opens: int, plan: Plan) -> dict[str, object]:
    """One app: ``j`` presses, then opening typical articles, the long one and both big threads."""
    from reader.app import ReaderApp

    install_probe()
    clear_ui_state(db)
    PROBE.reset()
    app = ReaderApp(db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await press_keys(app, pilot, 20)  # warm-up
        key_cpu, key_wall = await press_keys(app, pilot, presses)
        typical = [await open_article(app, pilot, article_id, comments=False) for article_id in plan.typical]
        results: dict[str, object] = {"key_cpu": key_cpu, "key_wall": key_wall, "typical": typical}
        for name in ("long", "wide", "deep"):
            await open_article(app, pilot, plan.ids[name], comments=True)  # warm-up
            results[name] = [await open_article(app, pilot, plan.ids[name], comments=True) for _ in range(opens)]
    results["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        key: [asdict(v) for v in value] if key in ("typical", "long", "wide", "deep") else value
        for key, value in results.items()
    }


def run_part(args: argparse.Namespace, part: str) -> dict[str, Any]:
    """Run one headless part in a fresh process (so each has its own heap and peak memory)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--db", str(args.db), "--part", part]
    command += ["--runs", str(args.runs), "--presses", str(args.presses), "--opens", str(args.opens)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"headless {part} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def profile_session(db: Path, what: str, plan: Plan) -> None:
    """Run one benchmark under cProfile (the UI thread), then the worker's work for it (synchronously)."""
    from reader.app import ReaderApp

    ids, typical_ids = plan.ids, plan.typical
    install_probe()
    profiler = cProfile.Profile()
    if what == "start":
        await headless_start(db)
        profiler.enable()
        for _ in range(5):
            await headless_start(db)
        profiler.disable()
    else:
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
    print(f"== {what}: the UI thread (cProfile), by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    print(f"== {what}: the UI thread, by cumulative time")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if what in ("open", "open-long", "wide", "deep"):
        worker_profile(db, what, ids, typical_ids)


def worker_profile(db: Path, what: str, ids: dict[str, int], typical_ids: list[int]) -> None:
    """Profile what ``MainScreen.load_article`` does in its worker thread, run here synchronously."""
    from reader.thread_view import ThreadLayout
    from reader.widgets.article_view import render_article

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
            note=f"{len(plan.typical)} unread articles, each once; " + gc("typical", "article_gc"),
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
    from reader.thread_view import ThreadLayout

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


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="library (default %(default)s; built if missing)")
    parser.add_argument("--articles", type=int, default=generate.DEFAULT_ARTICLES, help="size if --db must be built")
    parser.add_argument(
        "--runs", type=int, default=7, help="starts of each kind, after a warm-up (default %(default)s)"
    )
    parser.add_argument("--presses", type=int, default=300, help="timed j presses (default %(default)s)")
    parser.add_argument("--opens", type=int, default=10, help="opens of each long article/thread (default %(default)s)")
    parser.add_argument("--no-tmux", action="store_true", help="skip the real-process runs in tmux")
    parser.add_argument(
        "--profile",
        choices=["start", "key", "open", "open-long", "wide", "deep"],
        help="profile one benchmark with cProfile instead of timing",
    )
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--part", choices=["starts", "session"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        build_library(args.db, args.articles)
        return 0
    if min(args.runs, args.presses, args.opens) < 1:
        parser.error("--runs, --presses and --opens must be positive")
    if args.part == "starts":
        print(json.dumps(asyncio.run(headless_starts(args.db, args.runs))))
        return 0
    if args.part == "session":
        print(json.dumps(asyncio.run(headless_session(args.db, args.presses, args.opens, make_plan(args.db)))))
        return 0

    if not args.db.exists():
        print(f"{args.db} does not exist; building it with {args.articles} articles (a few minutes)", flush=True)
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--db",
            str(args.db),
            "--articles",
            str(args.articles),
        ]
        subprocess.run([*command, "--build-only"], check=True)

    plan = make_plan(args.db)
    print(f"machine: {machine()}")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
