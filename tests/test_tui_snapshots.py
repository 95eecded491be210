"""SVG snapshots of the reader's main screens, on the demo library with every date fixed.

The SVGs live in ``tests/__snapshots__/test_tui_snapshots/``. After a change
that alters them, run ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at every changed SVG before keeping it: that review is the point.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import (
    FIXED_EPOCH,
    HOUR,
    NARROW,
    WIDE,
    main_screen,
    make_app,
    open_article,
    press,
    screen_text,
    settle,
    started,
)

from reader.service.demo import load_demo
from reader.store import Store

SnapCompare = Callable[..., bool]

DISCUSSION = "Should a newsreader collapse replies by default?"
FORMATTING = "A tour of formatting: headings, quotes, lists and code"


@pytest.fixture
def demo_db(db_path: Path) -> Path:
    """The demo library with every stored time fixed, so the screens never change with the clock."""
    with Store(db_path) as store:
        load_demo(store)
        with store.transaction():
            # The plain-text article has no date of its own: it was "published" when imported.
            store.conn.execute(
                "UPDATE articles SET published = ? WHERE guid NOT LIKE 'urn:reader:demo%'",
                (FIXED_EPOCH - 2 * HOUR,),
            )
            store.conn.execute("UPDATE articles SET first_seen = ?", (FIXED_EPOCH - HOUR,))
            store.conn.execute("UPDATE comments SET first_seen = ?", (FIXED_EPOCH - HOUR,))
            store.conn.execute("UPDATE feeds SET created = ?", (FIXED_EPOCH - HOUR,))
    return db_path


def article_id(db_path: Path, title: str) -> int:
    """The id of the demo article titled ``title``."""
    with Store(db_path) as store:
        row = store.conn.execute("SELECT id FROM articles WHERE title = ?", (title,)).fetchone()
    assert row is not None, f"the demo has no article {title!r}"
    return int(row["id"])


def opening(article: int, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A ``run_before`` that waits for the library, opens ``article`` and presses ``keys``."""

    async def run_before(pilot: Pilot[None]) -> None:
        await started(pilot)
        await open_article(pilot, article)
        if keys:
            await press(pilot, *keys)
        await counts_saved(pilot)

    return run_before


async def counts_saved(pilot: Pilot[None]) -> None:
    """Reload the feed list's counts once every mark is saved.

    The reader reloads them right after asking for a mark, and that read can
    beat the write (see test_tui's unread-count test); without this the
    snapshot would show either count, depending on thread timing.
    """
    app = pilot.app
    assert app.writer.flush()  # type: ignore[attr-defined]
    main_screen(app).load_library()  # type: ignore[arg-type]
    await settle(pilot)


def test_wide_discussion_with_comments(demo_db: Path, snap_compare: SnapCompare) -> None:
    """160x48: the list (narrowed for reading), the discussion article and its thread, the third comment highlighted."""
    discussion = article_id(demo_db, DISCUSSION)
    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=opening(discussion, "tab", "j", "j"))


def test_wide_formatted_article(demo_db: Path, snap_compare: SnapCompare) -> None:
    """160x48: the formatting tour (headings, quote, lists, code) in the reading pane, no comments."""
    formatting = article_id(demo_db, FORMATTING)
    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=opening(formatting))


def test_wide_browsing_in_a_light_theme(demo_db: Path, snap_compare: SnapCompare) -> None:
    """160x48, textual-light: nothing open, so the feeds and a wide list; the second article highlighted."""

    async def run_before(pilot: Pilot[None]) -> None:
        await started(pilot)
        pilot.app.theme = "textual-light"
        await press(pilot, "j")

    assert snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=run_before)


def test_120_columns_reading_in_gruvbox(demo_db: Path, snap_compare: SnapCompare) -> None:
    """120x40, gruvbox: the list keeps 50 title characters beside the discussion; the comments have the focus."""
    discussion = article_id(demo_db, DISCUSSION)

    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.theme = "gruvbox"
        await opening(discussion, "tab")(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=(120, 40), run_before=run_before)


def test_narrow_article_list(demo_db: Path, snap_compare: SnapCompare) -> None:
    """80x24: only the article list, newest first, the first article highlighted."""

    async def run_before(pilot: Pilot[None]) -> None:
        await started(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=NARROW, run_before=run_before)


def test_narrow_comments_with_a_collapsed_reply(demo_db: Path, snap_compare: SnapCompare) -> None:
    """80x24: only the comments pane; Ines's reply collapsed with its "3 replies hidden" line."""
    discussion = article_id(demo_db, DISCUSSION)
    assert snap_compare(make_app(demo_db), terminal_size=NARROW, run_before=opening(discussion, "c", "j", "h"))


def test_help_screen(demo_db: Path, snap_compare: SnapCompare) -> None:
    """160x48: the ``?`` screen over the main screen, one list of the keys by area, the first action highlighted."""
    seen: list[str] = []

    async def run_before(pilot: Pilot[None]) -> None:
        await started(pilot)
        await press(pilot, "question_mark")
        seen.append(screen_text(pilot))
        assert main_screen(pilot.app) is not pilot.app.screen  # type: ignore[arg-type]

    matches = snap_compare(make_app(demo_db), terminal_size=WIDE, run_before=run_before)
    assert seen, "the help screen was not shown"
    for expected in ("Everywhere", "Reading", "Next unread", "reader.next-unread", "Article list"):
        assert expected in seen[0], f"{expected!r} is not visible on the help screen"
    assert matches
