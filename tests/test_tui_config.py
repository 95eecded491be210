"""The config file reaching the reader: rebound keys, theme, date format, thread settings, browser, refresh."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from feedserver import FeedServer, Item, ok, rss
from textual.pilot import Pilot
from tui_helpers import (
    FIXED_EPOCH,
    WIDE,
    build_library,
    db_flags,
    open_article,
    press,
    screen_text,
    started,
    wait_until,
    widget_text,
    workers_done,
)

from reader.config import Config, parse
from reader.models import FeedData
from reader.store import Store
from reader.tui.app import ReaderApp
from reader.tui.keymap import binding_ids
from reader.tui.screens.main import MainScreen


@asynccontextmanager
async def reader_with(
    db_path: Path, config: Config, notes: list[str] | None = None
) -> AsyncIterator[tuple[ReaderApp, Pilot[None], MainScreen]]:
    """The reader on ``db_path`` with ``config`` (and the fixed clock), once loaded."""
    app = ReaderApp(db_path, clock=lambda: FIXED_EPOCH, config=config)
    async with app.run_test(size=WIDE) as pilot:
        screen = await started(pilot)
        if notes is not None:
            notes.extend(str(n.message) for n in app._notifications)
        yield app, pilot, screen


async def test_a_rebound_key_acts_and_the_old_one_no_longer_does(db_path: Path) -> None:
    library = build_library(db_path)
    config = parse('[keys]\n"reader.toggle-star" = "f"\n')
    async with reader_with(db_path, config) as (app, pilot, screen):
        await open_article(pilot, library.short)
        screen.article_list.focus()
        await press(pilot, "s")
        await workers_done(app)
        app.writer.flush()
        assert db_flags(db_path, library.short)[1] is False, "s was rebound away from star"
        await press(pilot, "f")
        app.writer.flush()
        assert db_flags(db_path, library.short)[1] is True, "f stars the article"
        await press(pilot, "question_mark")
        shown = screen_text(pilot)
        assert "reader.toggle-star" in shown
        star_line = next(line for line in shown.splitlines() if "reader.toggle-star" in line)
        assert " f Star" in star_line.replace("  ", " ")


async def test_an_unknown_binding_id_is_named_and_the_reader_still_runs(db_path: Path) -> None:
    build_library(db_path)
    notes: list[str] = []
    config = parse('[keys]\n"reader.no-such-thing" = "x"\n"reader.refresh" = "f5"\n')
    async with reader_with(db_path, config, notes) as (_app, _pilot, screen):
        assert any("keys.reader.no-such-thing" in note for note in notes)
        assert "Threads and replies" in widget_text(screen.article_list)
        await press(_pilot, "question_mark")
        refresh_line = next(line for line in screen_text(_pilot).splitlines() if "reader.refresh" in line)
        assert "f5 Fetch" in " ".join(refresh_line.split())


def test_every_rebindable_id_is_unique_and_namespaced() -> None:
    ids = binding_ids()
    assert "reader.toggle-star" in ids and "app.quit" in ids
    assert all("." in binding_id for binding_id in ids)


async def test_the_theme_comes_from_the_config_and_a_palette_choice_persists(db_path: Path) -> None:
    build_library(db_path)
    async with reader_with(db_path, parse('theme = "nord"\n')) as (app, pilot, _screen):
        assert app.theme == "nord"
        app.theme = "gruvbox"
        await pilot.pause()
        app.writer.flush()
    async with reader_with(db_path, parse('theme = "nord"\n')) as (app, _pilot, _screen):
        assert app.theme == "gruvbox", "the palette's choice outlives a restart"


async def test_an_unknown_theme_says_so_and_keeps_the_default(db_path: Path) -> None:
    build_library(db_path)
    notes: list[str] = []
    async with reader_with(db_path, parse('theme = "no-such-theme"\n'), notes) as (app, _pilot, _screen):
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in note for note in notes)


async def test_a_date_pattern_replaces_relative_dates_in_the_list(db_path: Path) -> None:
    build_library(db_path)
    async with reader_with(db_path, parse('date_format = "%Y-%m-%d"\n')) as (_app, _pilot, screen):
        text = widget_text(screen.article_list)
        assert "2026-11-" in text
        assert " 1h " not in text


async def test_depth_cap_and_collapsed_replies_shape_the_thread(db_path: Path) -> None:
    library = build_library(db_path)
    config = parse("[comments]\ndepth_cap = 1\ncollapse_replies = true\n")
    async with reader_with(db_path, config) as (_app, pilot, screen):
        await open_article(pilot, library.thread)
        layout = screen.comment_thread.layout_model
        assert layout is not None
        assert layout.indent_cap == 1
        assert layout.collapsed, "replies start collapsed under their top-level comments"
        assert "hidden" in widget_text(screen.comment_thread)


async def test_links_open_with_the_configured_command_as_one_argument(db_path: Path, tmp_path: Path) -> None:
    library = build_library(db_path)
    record = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').write('\\n'.join(sys.argv[2:]))\n", encoding="utf-8")
    config = Config(browser=(sys.executable, str(script), str(record)))
    async with reader_with(db_path, config) as (_app, pilot, _screen):
        await open_article(pilot, library.short)
        await press(pilot, "o")
        await press(pilot, "enter")
        await wait_until(pilot, record.exists, "the browser command to run", timeout=10)
    assert record.read_text(encoding="utf-8") == "https://alpha.example/short"


async def test_refresh_on_start_fetches_without_a_key(db_path: Path, server: FeedServer) -> None:
    build_library(db_path)
    url = server.route(
        "/fresh.xml",
        ok(
            rss(
                [
                    Item(
                        guid="f1",
                        title="Arrived on start",
                        description="<p>hi</p>",
                        pub_date="Fri, 20 Nov 2026 11:30:00 GMT",
                    )
                ]
            )
        ),
    )
    with Store(db_path) as store:
        store.add_feed(FeedData(key=url, title="Fresh", url=url))
    config = Config(refresh_on_start=True, fetch_comments=False)
    async with reader_with(db_path, config) as (_app, pilot, screen):

        def arrived() -> int | None:
            with Store(db_path) as store:
                row = store.conn.execute("SELECT id FROM articles WHERE title = 'Arrived on start'").fetchone()
            return None if row is None else screen.article_list.index_of(int(row[0]))

        # The list keeps the user's place, so the new (newest) article is listed above the view.
        await wait_until(pilot, lambda: arrived() is not None, "the fetched article in the list", timeout=20)
        assert arrived() == 0
