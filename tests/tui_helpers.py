"""Shared helpers for the TUI tests: a fixed library, waiting, and reading what is drawn.

The library is built with the real store API in a real SQLite file; the app
is then driven with Textual's Pilot. Workers run in threads, so tests wait
for them (and for a condition to hold) instead of sleeping.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.tui.app import workers_done as workers_done

if TYPE_CHECKING:
    from reader.tui.app import ReaderApp
    from reader.tui.screens.main import MainScreen

#: "Now" for every TUI test: 2026-11-20 12:00:00 UTC.
FIXED_EPOCH = 1_795_176_000
HOUR = 3600

WIDE = (160, 48)
NARROW = (80, 24)

#: Characters that must never reach the terminal from feed content.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

ALPHA = FeedData(key="https://alpha.example/feed", title="Alpha News", url="https://alpha.example/feed")
BETA = FeedData(key="https://beta.example/feed", title="Beta Blog", url="https://beta.example/feed")

THREAD_TITLE = "Threads and replies"
LONG_TITLE = "A long read about terminals"
SHORT_TITLE = "Alpha short note"
BETA_COUNT = 60
#: A word that appears only in one comment of the thread article.
COMMENT_ONLY_WORD = "zanzibarish"
LONG_HEADING = "Section heading about scrolling"


def beta_title(number: int) -> str:
    """Title of the ``number``-th Beta post (1-based)."""
    return f"Beta post {number:02d}"


def thread_comments() -> list[CommentData]:
    """A small thread with known shape (display index: author, depth).

    0 Ann (0), 1 Bob (1), 2 Cat (2), 3 Dan (2), 4 Eve (1), 5 Fay (0), 6 Gus (1), 7 Hal (0).
    """

    def comment(guid: str, author: str, text: str, parent: str | None = None, minutes: int = 0) -> CommentData:
        return CommentData(
            guid=guid,
            author=author,
            text=text,
            parent_guid=parent,
            published=FIXED_EPOCH - HOUR + minutes * 60,
        )

    return [
        comment("c1", "Ann", "First top-level comment about the article.", minutes=1),
        comment("c2", "Bob", "Bob answers Ann.", "c1", 2),
        comment("c3", "Cat", "Cat answers Bob.", "c2", 3),
        comment("c4", "Dan", "Dan also answers Bob.", "c2", 4),
        comment("c5", "Eve", "Eve answers Ann directly.", "c1", 5),
        comment("c6", "Fay", "Second top-level comment.", minutes=6),
        comment("c7", "Gus", "Gus answers Fay.", "c6", 7),
        comment("c8", "Hal", f"Third top-level comment, with the word {COMMENT_ONLY_WORD} in it.", minutes=8),
    ]


THREAD_AUTHORS = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal"]


def long_text(paragraphs: int = 60) -> str:
    """A Markdown body several screens long, with a heading near the top."""
    parts = ["The opening paragraph of the long read.", f"## {LONG_HEADING}"]
    parts += [f"Paragraph {n} says something about terminals, scrolling and reading." for n in range(1, paragraphs)]
    parts.append("The closing paragraph of the long read.")
    return "\n\n".join(parts)


@dataclass
class Library:
    """Ids of the standard test library, by name."""

    path: Path
    thread: int = 0
    long: int = 0
    short: int = 0
    beta: list[int] = field(default_factory=list)
    feeds: dict[str, int] = field(default_factory=dict)

    def all_ids(self) -> list[int]:
        """Every article id, newest first (as the store orders them)."""
        with Store(self.path) as store:
            return store.article_ids()


def build_library(db_path: Path) -> Library:
    """Alpha News (a thread, a long read, a short note) and Beta Blog (60 posts).

    Newest first: thread (-1h), Beta 01 (-2h), long read (-3h), Beta 02 (-4h),
    short note (-5h), then Beta 03..60 an hour apart.
    """
    alpha = [
        ArticleData(
            guid="alpha-thread",
            title=THREAD_TITLE,
            text="An article whose comments are the point.\n\n## What the thread covers\n\nReplies, nested.",
            url="https://alpha.example/thread",
            author="Ann",
            published=FIXED_EPOCH - 1 * HOUR,
            comments=thread_comments(),
        ),
        ArticleData(
            guid="alpha-long",
            title=LONG_TITLE,
            text=long_text(),
            url="https://alpha.example/long",
            author="Lee",
            published=FIXED_EPOCH - 3 * HOUR,
        ),
        ArticleData(
            guid="alpha-short",
            title=SHORT_TITLE,
            text="Short and sweet.",
            url="https://alpha.example/short",
            published=FIXED_EPOCH - 5 * HOUR,
        ),
    ]
    beta_dates = [FIXED_EPOCH - 2 * HOUR, FIXED_EPOCH - 4 * HOUR] + [
        FIXED_EPOCH - (4 + n) * HOUR for n in range(3, BETA_COUNT + 1)
    ]
    beta = [
        ArticleData(
            guid=f"beta-{n}",
            title=beta_title(n),
            text=f"Body of beta post {n}.",
            url=f"https://beta.example/{n}",
            published=beta_dates[n - 1],
        )
        for n in range(1, BETA_COUNT + 1)
    ]
    batch = ImportBatch(kind="test", articles=[(ALPHA, a) for a in alpha] + [(BETA, b) for b in beta])
    with Store(db_path) as store:
        store.store_batch(batch, now=FIXED_EPOCH - 10 * HOUR)
        ids = {row["guid"]: row["id"] for row in store.conn.execute("SELECT id, guid FROM articles")}
        feeds = {row["title"]: row["id"] for row in store.conn.execute("SELECT id, title FROM feeds")}
    return Library(
        path=db_path,
        thread=ids["alpha-thread"],
        long=ids["alpha-long"],
        short=ids["alpha-short"],
        beta=[ids[f"beta-{n}"] for n in range(1, BETA_COUNT + 1)],
        feeds=feeds,
    )


def add_article(
    db_path: Path,
    title: str,
    *,
    text: str = "Body.",
    comments: Iterable[CommentData] = (),
    published: int = FIXED_EPOCH - 30 * 60,
    feed: FeedData = ALPHA,
    url: str | None = None,
    author: str = "",
    now: int = FIXED_EPOCH - 10 * HOUR,
) -> int:
    """Store one more article (raw, exactly as given) and return its id."""
    article = ArticleData(
        guid=f"extra-{title}-{published}",
        title=title,
        text=text,
        url=url,
        author=author,
        published=published,
        comments=list(comments),
    )
    with Store(db_path) as store:
        store.store_batch(ImportBatch(kind="test", articles=[(feed, article)]), now=now)
        found = store.find_article(article.guid)
    assert found is not None
    return found


# -- driving the app -------------------------------------------------------------


def make_app(db_path: Path) -> ReaderApp:
    """The reader on ``db_path`` with the fixed clock."""
    from reader.tui.app import ReaderApp

    return ReaderApp(db_path, clock=lambda: FIXED_EPOCH)


def main_screen(app: ReaderApp) -> MainScreen:
    """The main screen (even while a modal screen is on top of it)."""
    from reader.tui.screens.main import MainScreen

    for screen in reversed(app.screen_stack):
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError(f"no MainScreen in the screen stack: {app.screen_stack}")


async def settle(pilot: Pilot[None]) -> None:
    """Let every worker finish and every message it posted be handled (bounded)."""
    app = pilot.app
    for _ in range(20):
        await workers_done(app)
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return
    raise AssertionError(f"workers still running: {list(app.workers)}")


async def wait_until(pilot: Pilot[None], condition: Callable[[], object], what: str, *, timeout: float = 5.0) -> None:
    """Poll ``condition`` (between short pauses) until it is true; fail with ``what`` after ``timeout``."""
    steps = max(1, int(timeout / 0.05))
    for _ in range(steps):
        await workers_done(pilot.app)
        if condition():
            return
        await pilot.pause(0.05)
    if condition():
        return
    raise AssertionError(f"timed out after {timeout:.1f}s waiting for: {what}")


async def started(pilot: Pilot[None]) -> MainScreen:
    """Wait until the main screen has loaded its feeds and articles."""
    from reader.tui.screens.main import MainScreen

    app = pilot.app
    await wait_until(pilot, lambda: any(isinstance(s, MainScreen) for s in app.screen_stack), "the main screen")
    screen = main_screen(app)  # type: ignore[arg-type]
    # The list's title gets its count ("All articles · 63") once the ids are loaded.
    await wait_until(pilot, lambda: "\u00b7" in str(screen.article_list.border_title), "the article list to load")
    await wait_until(pilot, lambda: screen.feed_list.row_count > 0, "the feed list to load")
    await settle(pilot)
    return screen


@asynccontextmanager
async def running(
    db_path: Path, size: tuple[int, int] = WIDE, messages: list[Message] | None = None
) -> AsyncIterator[tuple[ReaderApp, Pilot[None], MainScreen]]:
    """Run the reader on ``db_path`` until its main screen has loaded; collect messages into ``messages``."""
    app = make_app(db_path)
    hook = messages.append if messages is not None else None
    async with app.run_test(size=size, message_hook=hook) as pilot:
        screen = await started(pilot)
        yield app, pilot, screen


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys in order, then let workers and their messages settle."""
    await pilot.press(*keys)
    await settle(pilot)


async def open_article(pilot: Pilot[None], article_id: int) -> None:
    """Highlight ``article_id`` in the list and press enter; wait until it and its comments show."""
    screen = main_screen(pilot.app)  # type: ignore[arg-type]
    articles = screen.article_list
    index = articles.index_of(article_id)
    assert index is not None, f"article {article_id} is not in the list"
    articles.focus()
    articles.set_cursor(index)
    await pilot.pause()
    await press(pilot, "enter")
    await wait_until(pilot, lambda: screen.article_view.article_id == article_id, f"article {article_id} to show")
    await wait_until(
        pilot, lambda: screen.comment_thread.article_id == article_id, f"the comments of article {article_id}"
    )


# -- reading what is drawn ---------------------------------------------------------


def widget_lines(widget: Widget) -> list[str]:
    """The text of every line a Line API widget draws right now."""
    height = widget.scrollable_content_region.height or widget.size.height
    return [widget.render_line(y).text for y in range(height)]


def widget_text(widget: Widget) -> str:
    """The drawn lines of a Line API widget, joined with newlines."""
    return "\n".join(widget_lines(widget))


def screen_lines(pilot: Pilot[None]) -> list[str]:
    """The text of the current screen, line by line (modal screens show only their own widgets)."""
    strips = pilot.app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def screen_text(pilot: Pilot[None]) -> str:
    """The current screen as plain text."""
    return "\n".join(screen_lines(pilot))


def notifications(messages: list[Message]) -> list[str]:
    """The text of every notification posted so far (collect with ``run_test(message_hook=...)``)."""
    return [str(m.notification.message) for m in messages if isinstance(m, Notify)]


def focused(screen: Screen[Any]) -> Widget | None:
    """The focused widget (a call, so type checkers do not narrow it between key presses)."""
    return screen.focused


def current_screen(app: App[Any]) -> Screen[Any]:
    """The screen on top (a call, so type checkers do not narrow it between key presses)."""
    return app.screen


def shown(widget: Widget) -> bool:
    """True if the widget and all its ancestors are displayed and it has a size on screen."""
    node: object = widget
    while isinstance(node, Widget):
        if not node.display:
            return False
        node = node.parent
    return widget.region.area > 0


def db_flags(db_path: Path, article_id: int) -> tuple[bool, bool]:
    """``(read, starred)`` of an article as the database holds it (a second connection)."""
    with Store(db_path) as store:
        row = store.conn.execute("SELECT read, starred FROM articles WHERE id = ?", (article_id,)).fetchone()
    assert row is not None, f"article {article_id} is not stored"
    return bool(row["read"]), bool(row["starred"])


def feed_label(screen: MainScreen, key: str) -> str:
    """The label the feed list shows for a view (``all``, ``unread``) or ``feed:<id>``."""
    return screen.feed_list.row_text(key)


def unread_shown(screen: MainScreen, key: str) -> int:
    """The unread count the feed list shows for ``key`` (0 when none is shown)."""
    label = feed_label(screen, key).rstrip()
    match = re.search(r"\s(\d+)$", label)
    return int(match.group(1)) if match else 0


async def highlight(pilot: Pilot[None], screen: MainScreen, key: str) -> None:
    """Focus the feed list and move down with j until the row ``key`` is highlighted."""
    feeds = screen.feed_list
    if focused(screen) is not feeds:
        await press(pilot, "escape")
        assert focused(screen) is feeds
    await press(pilot, "g")
    for _ in range(feeds.row_count):
        if feeds.source.key == key:
            return
        await press(pilot, "j")
    assert feeds.source.key == key, f"j never reached {key!r} in {feeds.keys}"
