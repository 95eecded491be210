"""Pilot tests of managing subscriptions in the reader: add (from a site's address), import, remove, rename, move.

The library is the standard one (Alpha News: 3 articles, Beta Blog: 60) in a
real SQLite file, its two feeds served on a loopback HTTP server (so that a
fetch of every feed, ``R``, reads nothing but loopback). The sites to add are
HTML pages on that server announcing their feeds with ``<link rel="alternate">``;
discovery, subscribing and fetching are the real ones. What is checked is what
a user sees (the question asked, the feed list, the article list, the
notifications) and, where it matters, what the server was asked.
"""

from __future__ import annotations

import asyncio
import html
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from feedserver import FeedServer, Item, ok, rss
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from tui_helpers import (
    LONG_TITLE,
    NARROW,
    SHORT_TITLE,
    THREAD_TITLE,
    Library,
    build_library,
    current_screen,
    db_flags,
    highlight,
    notifications,
    press,
    running,
    screen_lines,
    screen_text,
    wait_until,
    widget_text,
)

from reader.models import FeedData
from reader.service.library import Library as ReaderLibrary
from reader.store import Store
from reader.tui.screens.ask import AskScreen
from reader.tui.screens.confirm import ConfirmScreen
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.main import MainScreen
from reader.tui.screens.pick import PickScreen
from reader.tui.widgets.feed_list import FeedList

#: The site's one feed (under /blog/: discovery's guesses at the site's root find nothing).
NOTES_TITLE = "Loopback Notes"
NOTES_ITEMS = ["Notes one", "Notes two", "Notes three"]
#: A site with two feeds.
POSTS_TITLE = "Two Feeds: posts"
COMMENTS_TITLE = "Two Feeds: comments"
#: How long a discovery or fetch on loopback may take at most.
NETWORK_TIMEOUT = 20.0


def page(*links: tuple[str, str]) -> str:
    """An HTML page whose head announces ``links`` ((href, title) pairs) as RSS feeds."""
    heads = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{html.escape(title)}" href="{html.escape(href)}">'
        for href, title in links
    )
    return f"<!doctype html><html><head><title>A site</title>{heads}</head><body><p>Hello.</p></body></html>"


def items(titles: list[str], prefix: str) -> list[Item]:
    """RSS items with these titles, a day apart, newest first."""
    return [
        Item(guid=f"{prefix}-{n}", title=title, pub_date=f"Mon, {10 - n:02d} Nov 2026 10:00:00 GMT")
        for n, title in enumerate(titles)
    ]


@dataclass
class Site:
    """The standard library with its feeds on loopback, and sites to subscribe to."""

    path: Path
    library: Library
    server: FeedServer
    alpha: int
    beta: int

    @property
    def one_feed_page(self) -> str:
        """A page announcing one feed (Loopback Notes)."""
        return self.server.url("/blog/")

    @property
    def two_feeds_page(self) -> str:
        """A page announcing two feeds (posts, comments)."""
        return self.server.url("/two/")

    @property
    def no_feed_page(self) -> str:
        """A page announcing no feed."""
        return self.server.url("/plain/")

    def feed_titles(self) -> list[str]:
        """The titles of the subscribed feeds, as the database holds them."""
        with Store(self.path) as store:
            return [feed.title for feed in store.feeds()]

    def feed_id(self, title: str) -> int:
        """The id of the subscribed feed called ``title``."""
        with Store(self.path) as store:
            return next(feed.id for feed in store.feeds() if feed.title == title)


@pytest.fixture
def site(db_path: Path, server: FeedServer) -> Site:
    """Alpha News and Beta Blog served on loopback; a one-feed site, a two-feed site and a page without a feed."""
    library = build_library(db_path)
    with Store(db_path) as store:
        for title in ("Alpha News", "Beta Blog"):
            url = server.route(f"/{title.split()[0].lower()}.xml", ok(rss([], title=title)))
            with store.transaction():
                store.conn.execute("UPDATE feeds SET url = ? WHERE title = ?", (url, title))
    server.route("/blog/", ok(page(("/blog/feed.xml", "Notes feed")), "text/html; charset=utf-8"))
    server.route("/blog/feed.xml", ok(rss(items(NOTES_ITEMS, "notes"), title=NOTES_TITLE)))
    server.route(
        "/two/",
        ok(page(("/two/posts.xml", "Posts"), ("/two/comments.xml", "Comments")), "text/html; charset=utf-8"),
    )
    server.route("/two/posts.xml", ok(rss(items(["A post"], "posts"), title=POSTS_TITLE)))
    server.route("/two/comments.xml", ok(rss(items(["A comment"], "comments"), title=COMMENTS_TITLE)))
    server.route("/plain/", ok(page(), "text/html; charset=utf-8"))
    return Site(db_path, library, server, library.feeds["Alpha News"], library.feeds["Beta Blog"])


# -- driving -----------------------------------------------------------------------------


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Type ``text`` key by key (as a person does)."""
    keys = ["space" if char == " " else char for char in text]
    await pilot.press(*keys)


async def ask(pilot: Pilot[None], key: str) -> str:
    """Press ``key`` and wait for the one-line question; return the text the modal shows."""
    await press(pilot, key)
    await wait_until(pilot, lambda: isinstance(current_screen(pilot.app), AskScreen), f"the question after {key}")
    return screen_text(pilot)


async def answer(pilot: Pilot[None], text: str, *, clear: bool = False) -> None:
    """Type ``text`` into the question (emptying the field first with ``clear``) and press enter."""
    if clear:
        await pilot.press("end", "ctrl+u")
    await type_text(pilot, text)
    await press(pilot, "enter")


def feed_rows(feeds: FeedList) -> list[str]:
    """Every row of the feed list as drawn (separators left out), stripped."""
    return [feeds.row_text(key).strip() for key in feeds.keys if key is not None]


def highlighted_row(feeds: FeedList) -> str:
    """The highlighted row of the feed list as drawn."""
    key = feeds.keys[feeds.cursor]
    assert key is not None
    return feeds.row_text(key).strip()


def requested(server: FeedServer, path: str) -> int:
    """How many times ``path`` was asked for."""
    return len(server.requests_for(path))


# -- adding a feed -----------------------------------------------------------------------


async def test_a_with_a_sites_address_subscribes_shows_the_feed_and_fetches_it(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        text = await ask(pilot, "a")
        assert "Add a feed: the address of a site or of its feed" in text
        assert "enter looks for its feeds" in text
        await answer(pilot, site.one_feed_page)

        await wait_until(
            pilot,
            lambda: any(note.startswith(f"Subscribed to {NOTES_TITLE}") for note in notifications(messages)),
            "the Subscribed notification",
            timeout=NETWORK_TIMEOUT,
        )
        assert isinstance(current_screen(app), MainScreen)
        feeds = screen.feed_list
        await wait_until(pilot, lambda: NOTES_TITLE in highlighted_row(feeds), "the new feed highlighted")
        assert any(row.startswith(NOTES_TITLE) for row in feed_rows(feeds))
        # Its articles come with the background fetch, listed under it.
        await wait_until(
            pilot,
            lambda: all(title in widget_text(screen.article_list) for title in NOTES_ITEMS),
            "the new feed's articles",
            timeout=NETWORK_TIMEOUT,
        )
        # Its three articles and nothing else (the list shown before is not kept under its name).
        await wait_until(
            pilot, lambda: str(screen.article_list.border_title) == f"{NOTES_TITLE} \u00b7 3", "only its articles"
        )
        assert "Alpha" not in widget_text(screen.article_list)
        await wait_until(
            pilot,
            lambda: any(row.startswith(NOTES_TITLE) and row.endswith(" 3") for row in feed_rows(feeds)),
            "the new feed's unread count",
        )
        assert requested(site.server, "/blog/feed.xml") >= 1
        assert not any(note.startswith("fetch failed") for note in notifications(messages))
    assert NOTES_TITLE in site.feed_titles()


async def test_a_site_with_two_feeds_lets_the_user_pick_one(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        await ask(pilot, "a")
        await answer(pilot, site.two_feeds_page)
        await wait_until(
            pilot, lambda: isinstance(current_screen(app), PickScreen), "the pick list", timeout=NETWORK_TIMEOUT
        )
        text = screen_text(pilot)
        assert f"{site.two_feeds_page} offers 2 feeds:" in text
        # Each feed's title (and what it is) beside its number, its address under it.
        lines = screen_lines(pilot)
        row = next(n for n, line in enumerate(lines) if f"1. {POSTS_TITLE} (RSS)" in line)
        column = lines[row].index("1. ")
        # Up to the list's right edge (the box and the list behind it are drawn further right).
        shown = [line[column:].split("\u258e")[0].rstrip() for line in lines[row : row + 4]]
        assert shown == [
            f"1. {POSTS_TITLE} (RSS)",
            f"   {site.server.url('/two/posts.xml')}",
            f"2. {COMMENTS_TITLE} (RSS)",
            f"   {site.server.url('/two/comments.xml')}",
        ]
        assert "enter or a number picks \u00b7 escape cancels" in text

        await press(pilot, "2")
        await wait_until(
            pilot,
            lambda: any(note.startswith(f"Subscribed to {COMMENTS_TITLE}") for note in notifications(messages)),
            "the Subscribed notification",
            timeout=NETWORK_TIMEOUT,
        )
        feeds = screen.feed_list
        await wait_until(pilot, lambda: COMMENTS_TITLE in highlighted_row(feeds), "the picked feed highlighted")
        await wait_until(
            pilot,
            lambda: "A comment" in widget_text(screen.article_list),
            "the picked feed's article",
            timeout=NETWORK_TIMEOUT,
        )
        await wait_until(
            pilot, lambda: str(screen.article_list.border_title) == f"{COMMENTS_TITLE} \u00b7 1", "only its article"
        )
        assert not any(row.startswith(POSTS_TITLE) for row in feed_rows(feeds))
    assert COMMENTS_TITLE in site.feed_titles()
    assert POSTS_TITLE not in site.feed_titles()


async def test_at_80x24_a_long_pick_list_scrolls_and_keeps_its_hint(site: Site) -> None:
    links = []
    for n in range(1, 7):
        path = f"/many/feed-number-{n}-with-a-longish-path/rss.xml"
        title = f"Feed number {n} of a site with a fairly long name"
        site.server.route(path, ok(rss(items([f"Item of feed {n}"], f"many-{n}"), title=title)))
        links.append((path, title))
    site.server.route("/many/", ok(page(*links), "text/html; charset=utf-8"))
    messages: list[Message] = []
    async with running(site.path, size=NARROW, messages=messages) as (app, pilot, _screen):
        await ask(pilot, "a")
        await answer(pilot, site.server.url("/many/"))
        await wait_until(
            pilot, lambda: isinstance(current_screen(app), PickScreen), "the pick list", timeout=NETWORK_TIMEOUT
        )
        assert "offers 6 feeds:" in screen_text(pilot)
        await press(pilot, "down", "down", "down", "down", "down")
        text = screen_text(pilot)
        # The list scrolled to the sixth feed: its name and its whole address show, and so does the hint.
        assert "6. Feed number 6 of a site with a fairly long name" in text
        assert "rss.xml" in text.split("6. Feed number 6")[1]
        assert "1. Feed number 1" not in text
        assert "enter or a number picks \u00b7 escape cancels" in text
        await press(pilot, "enter")
        await wait_until(
            pilot,
            lambda: any(note.startswith("Subscribed to Feed number 6") for note in notifications(messages)),
            "the Subscribed notification",
            timeout=NETWORK_TIMEOUT,
        )
    assert [title for title in site.feed_titles() if title.startswith("Feed number")] == [links[5][1]]


async def test_a_page_without_a_feed_says_so_and_subscribes_nothing(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        before = feed_rows(screen.feed_list)
        await ask(pilot, "a")
        await answer(pilot, site.no_feed_page)
        await wait_until(
            pilot,
            lambda: any("no feed" in note for note in notifications(messages)),
            "the error notification",
            timeout=NETWORK_TIMEOUT,
        )
        shown = [m.notification for m in messages if isinstance(m, Notify)]
        assert any(
            n.severity == "error" and str(n.message).startswith(f"{site.no_feed_page}: an HTML page with no feed")
            for n in shown
        ), [str(n.message) for n in shown]
        assert isinstance(current_screen(app), MainScreen)
        assert feed_rows(screen.feed_list) == before
        assert "Looking for feeds" not in str(screen.sub_title)
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]


async def test_escape_on_the_question_does_nothing(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        before = feed_rows(screen.feed_list)
        await ask(pilot, "a")
        await type_text(pilot, site.one_feed_page)
        await press(pilot, "escape")
        assert isinstance(current_screen(app), MainScreen)
        await pilot.pause(0.2)
        assert feed_rows(screen.feed_list) == before
        assert notifications(messages) == []
    assert requested(site.server, "/blog/") == 0
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]


# -- removing a feed ---------------------------------------------------------------------


async def test_d_asks_with_the_numbers_and_n_keeps_everything(site: Site) -> None:
    with Store(site.path) as store:
        store.mark([site.library.long], starred=True)
    async with running(site.path) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{site.alpha}")
        await press(pilot, "d")
        await wait_until(pilot, lambda: isinstance(current_screen(app), ConfirmScreen), "the question")
        text = screen_text(pilot)
        assert "Remove Alpha News and its 3 articles (1 starred, kept under Saved)?" in text
        assert "y / enter yes" in text
        await press(pilot, "n")
        assert isinstance(current_screen(app), MainScreen)
        assert any(row.startswith("Alpha News") for row in feed_rows(screen.feed_list))
        assert "Saved" not in feed_rows(screen.feed_list)
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]
    assert len(site.library.all_ids()) == 63


async def test_d_then_y_removes_the_feed_and_keeps_its_starred_article_under_saved(site: Site) -> None:
    with Store(site.path) as store:
        store.mark([site.library.long], starred=True)
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        feeds = screen.feed_list
        await highlight(pilot, screen, f"feed:{site.alpha}")
        await press(pilot, "d")
        await wait_until(pilot, lambda: isinstance(current_screen(app), ConfirmScreen), "the question")
        await press(pilot, "y")
        await wait_until(pilot, lambda: "Saved" in [row.split()[0] for row in feed_rows(feeds)], "the Saved row")
        assert isinstance(current_screen(app), MainScreen)
        assert not any(row.startswith("Alpha News") for row in feed_rows(feeds))
        assert feeds.keys[-1] == "saved", "Saved is the last row"
        assert "Removed Alpha News: 2 articles deleted; 1 starred article kept under Saved" in notifications(messages)

        await highlight(pilot, screen, "saved")
        await wait_until(
            pilot, lambda: screen.article_list.ids == [site.library.long], "the saved article alone under Saved"
        )
        assert LONG_TITLE in widget_text(screen.article_list)
        assert str(screen.article_list.border_title).startswith("Saved")
        assert str(screen.article_list.border_title).endswith("\u00b7 1")
        assert THREAD_TITLE not in widget_text(screen.article_list)
        assert db_flags(site.path, site.library.long) == (False, True)

        await highlight(pilot, screen, "all")
        await wait_until(pilot, lambda: len(screen.article_list.ids) == 61, "All articles without the unstarred two")
        listed = widget_text(screen.article_list)
        assert THREAD_TITLE not in listed and SHORT_TITLE not in listed
        assert LONG_TITLE in listed
    assert site.feed_titles() == ["Beta Blog"]


@pytest.mark.slow
async def test_a_removal_the_library_cannot_take_says_so_and_keeps_the_feed(site: Site) -> None:
    """Another program holds the library past the wait (a long write): one error line, nothing half done."""
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{site.alpha}")
        await press(pilot, "d")
        await wait_until(pilot, lambda: isinstance(current_screen(app), ConfirmScreen), "the question")
        holder = sqlite3.connect(site.path, timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")
            await press(pilot, "y")
            await wait_until(
                pilot,
                lambda: any(note.startswith("Could not remove Alpha News") for note in notifications(messages)),
                "the failure's one line",
                timeout=30.0,
            )
        finally:
            holder.rollback()
            holder.close()
        assert any(row.startswith("Alpha News") for row in feed_rows(screen.feed_list))
        assert "\u2026" not in str(screen.sub_title), "the header does not stay on a step under way"
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]


async def test_d_on_all_articles_says_to_highlight_a_feed(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        await highlight(pilot, screen, "all")
        await press(pilot, "d")
        assert isinstance(current_screen(app), MainScreen)
        assert "Highlight a feed to remove it." in notifications(messages)
        await press(pilot, "e")
        assert isinstance(current_screen(app), MainScreen)
        assert "Highlight a feed to rename it." in notifications(messages)
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]
    assert len(site.library.all_ids()) == 63


# -- renaming and moving -----------------------------------------------------------------


async def test_e_renames_a_fetch_keeps_the_name_and_an_empty_name_gives_back_its_own(site: Site) -> None:
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        feeds = screen.feed_list
        key = f"feed:{site.alpha}"
        await highlight(pilot, screen, key)
        text = await ask(pilot, "e")
        assert "Rename Alpha News" in text
        field = current_screen(app).query_one("#answer")
        assert getattr(field, "value", None) == "Alpha News"

        await answer(pilot, "My Alpha", clear=True)
        await wait_until(pilot, lambda: feeds.row_text(key).strip().startswith("My Alpha"), "the new name")
        assert "Renamed to My Alpha" in notifications(messages)

        # The server calls it Alpha News: fetching keeps the user's name.
        site.server.clear()
        await press(pilot, "R")
        await wait_until(
            pilot,
            lambda: any(note.startswith("2 feeds:") for note in notifications(messages)),
            "the fetch to finish",
            timeout=NETWORK_TIMEOUT,
        )
        assert requested(site.server, "/alpha.xml") == 1
        assert feeds.row_text(key).strip().startswith("My Alpha")
        assert "My Alpha" in site.feed_titles()

        await highlight(pilot, screen, key)
        await ask(pilot, "e")
        await answer(pilot, "", clear=True)
        await wait_until(pilot, lambda: feeds.row_text(key).strip().startswith("Alpha News"), "its own title back")
        assert "Back to its own title: Alpha News" in notifications(messages)
    assert site.feed_titles() == ["Alpha News", "Beta Blog"]


async def test_E_moves_the_feed_and_the_next_fetch_reads_the_new_address(site: Site) -> None:
    old = site.server.route("/moving/old.xml", ok(rss(items(["Moved one", "Moved two"], "moving"), title="Mover")))
    with Store(site.path) as store:
        mover, _ = store.add_feed(FeedData(key=old, url=old, title="Mover"))
    # The library's own fetch (it runs an event loop of its own: in a thread, away from the test's).
    await asyncio.to_thread(ReaderLibrary(site.path, parse_in_threads=True).fetch, [mover])
    with Store(site.path) as store:
        rows = store.conn.execute("SELECT id, title FROM articles WHERE feed_id = ? ORDER BY title", (mover,))
        moved = {row["title"]: int(row["id"]) for row in rows}
        assert sorted(moved) == ["Moved one", "Moved two"]
        store.mark([moved["Moved one"]], read=True, starred=True)
    new_path = "/moving/new.xml"
    site.server.route(new_path, ok(rss(items(["Moved one", "Moved two", "Moved three"], "moving"), title="Mover")))
    site.server.clear()

    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        key = f"feed:{mover}"
        await highlight(pilot, screen, key)
        text = await ask(pilot, "E")
        assert "New address for Mover (its articles and marks stay)" in text
        assert getattr(current_screen(app).query_one("#answer"), "value", None) == old

        await answer(pilot, site.server.url(new_path), clear=True)
        await wait_until(
            pilot,
            lambda: any(
                note.startswith(f"Moved Mover to {site.server.url(new_path)}") for note in notifications(messages)
            ),
            "the Moved notification",
        )
        # The feed is fetched at once, at its new address.
        await wait_until(
            pilot,
            lambda: "Moved three" in widget_text(screen.article_list),
            "the article only the new address has",
            timeout=NETWORK_TIMEOUT,
        )
        assert requested(site.server, new_path) >= 1
        assert requested(site.server, "/moving/old.xml") == 0
        listed = widget_text(screen.article_list)
        assert listed.count("Moved one") == 1 and listed.count("Moved two") == 1
        assert screen.feed_list.row_text(key).strip().startswith("Mover")
    assert db_flags(site.path, moved["Moved one"]) == (True, True)
    assert db_flags(site.path, moved["Moved two"]) == (False, False)
    with Store(site.path) as store:
        assert next(feed.url for feed in store.feeds() if feed.id == mover) == site.server.url(new_path)


# -- importing ---------------------------------------------------------------------------


async def test_i_imports_an_opml_file_typed_by_path(site: Site, tmp_path: Path) -> None:
    opml = tmp_path / "subscriptions.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>'
        f'<outline type="rss" text="Imported One" xmlUrl="{site.server.url("/imported/one.xml")}"/>'
        f'<outline type="rss" text="Imported Two" xmlUrl="{site.server.url("/imported/two.xml")}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    messages: list[Message] = []
    async with running(site.path, messages=messages) as (app, pilot, screen):
        text = await ask(pilot, "i")
        assert "Import a file or folder" in text
        await answer(pilot, str(opml))
        await wait_until(
            pilot,
            lambda: {"Imported One", "Imported Two"} <= {row.split("  ")[0] for row in feed_rows(screen.feed_list)},
            "the imported feeds in the list",
        )
        assert isinstance(current_screen(app), MainScreen)
        assert any(
            note.startswith("Imported 1 of 1 file") and "2 new feeds" in note for note in notifications(messages)
        )
    assert {"Imported One", "Imported Two"} <= set(site.feed_titles())


# -- finding the keys --------------------------------------------------------------------


async def test_the_help_lists_the_subscription_keys(site: Site) -> None:
    async with running(site.path) as (app, pilot, _screen):
        await press(pilot, "question_mark")
        assert isinstance(current_screen(app), HelpScreen)
        seen = screen_text(pilot)
        await press(pilot, "G")
        seen += screen_text(pilot)
        for description in ("Add feed", "Remove feed", "Rename feed", "Change feed address", "Import file"):
            assert description in seen, f"{description!r} is not in the help"


async def test_the_command_palette_finds_add_feed(site: Site) -> None:
    async with running(site.path) as (app, pilot, _screen):
        await press(pilot, "ctrl+p")
        assert isinstance(current_screen(app), CommandPalette)
        await type_text(pilot, "add feed")
        commands = current_screen(app).query_one(CommandList)

        def prompts() -> list[str]:
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

        await wait_until(pilot, lambda: any("Add feed" in p for p in prompts()), "Add feed in the palette")
        assert "Add feed" in screen_text(pilot)
        await press(pilot, "down")
        assert commands.highlighted is not None
        assert "Add feed" in prompts()[commands.highlighted]
        await press(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(current_screen(app), AskScreen), "the add-feed question")
        assert "Add a feed" in screen_text(pilot)
