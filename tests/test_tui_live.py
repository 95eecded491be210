"""The reader stays usable while other programs write to its library.

A ``reader fetch`` from cron, an import in another terminal or the reader's
own background fetch commit to the same SQLite file while the reader is
open. These tests run the real app headless on a real file and make those
writes from real subprocesses (the fetch against a loopback feed server),
then check what the user sees and what the database keeps: new articles
and counts show up without a restart, the user's place and focus stay
where they were, and no mark is lost to "database is locked".
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from conftest import reader_command
from feedserver import FeedServer, Item, ok, rss
from textual.message import Message
from textual.notifications import Notify
from tui_helpers import (
    FIXED_EPOCH,
    HOUR,
    Library,
    add_article,
    beta_title,
    build_library,
    db_flags,
    focused,
    notifications,
    open_article,
    press,
    running,
    unread_shown,
    wait_until,
)

from reader.models import FeedData
from reader.store import Store
from reader.tui.screens.main import ListRefreshed, keep_shown
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.feed_list import FeedList
from reader.tui.widgets.search_bar import SearchBar

#: Long enough for a couple of the reader's change checks (every 2 s) and a reload.
APPEAR_TIMEOUT = 15.0


@pytest.fixture
def library(db_path: Path) -> Library:
    """The standard library: Alpha News (thread, long read, short note) and Beta Blog (60 posts)."""
    return build_library(db_path)


def problems(messages: list[Message]) -> list[str]:
    """Every warning or error notification shown so far, and any that mentions a locked database."""
    found = []
    for message in messages:
        if isinstance(message, Notify):
            note = message.notification
            if note.severity in ("warning", "error") or "locked" in str(note.message).lower():
                found.append(f"{note.severity}: {note.message}")
    return found


def feed_titles(feeds: FeedList) -> str:
    """Every label in the feed list, one a line."""
    return "\n".join(feeds.row_text(key) for key in feeds.keys if key is not None)


def titles_shown(articles: ArticleList, library: Library) -> list[str]:
    """The titles of the articles in the list, in list order (read from the database)."""
    with Store(library.path) as store:
        return [row.title for row in store.articles_by_ids(articles.ids)]


async def run_command(*args: str, home: Path) -> tuple[int, str, str]:
    """Run the real ``reader`` command without blocking the app's event loop."""
    env = dict(os.environ, READER_HOME=str(home), PYTHONIOENCODING="utf-8")
    env.pop("READER_DB", None)
    process = await asyncio.create_subprocess_exec(
        *reader_command(),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def rfc822(epoch: int) -> str:
    """An RSS date for ``epoch``."""
    from email.utils import formatdate

    return formatdate(epoch, usegmt=True)


# -- new articles from a real `reader fetch` -------------------------------------


async def test_articles_a_reader_fetch_stores_appear_without_moving_the_user(
    library: Library, isolated_home: Path
) -> None:
    gamma_titles = ["Gamma breaking one", "Gamma breaking two", "Gamma breaking three"]
    # Dated between the thread (-1 h) and Beta post 01 (-2 h): they land above
    # the article the user is reading, which must not move on screen.
    items = [
        Item(guid=f"gamma-{n}", title=title, pub_date=rfc822(FIXED_EPOCH - 90 * 60 - n))
        for n, title in enumerate(gamma_titles)
    ]
    messages: list[Message] = []
    with FeedServer() as server:
        url = server.route("/gamma.xml", ok(rss(items, title="Gamma Wire")))
        with Store(library.path) as store:
            gamma_id, _ = store.add_feed(FeedData(key=url, title="Gamma Wire", url=url))

        async with running(library.path, messages=messages) as (_app, pilot, screen):
            articles = screen.article_list
            # The user reads Beta post 30, far down the list, with the list scrolled.
            target = library.beta[29]
            await press(pilot, "G")
            await open_article(pilot, target)
            assert isinstance(focused(screen), ArticleView)
            row_on_screen = articles.cursor - articles.scroll_offset.y
            assert articles.scroll_offset.y > 0, "the list should be scrolled for this test to mean anything"
            await wait_until(pilot, lambda: unread_shown(screen, "unread") == 62, "opening to count one unread fewer")

            status, out, err = await run_command(
                "--db",
                str(library.path),
                "fetch",
                str(gamma_id),
                "--json",
                "--no-comments",
                "--no-full-text",
                home=isolated_home,
            )
            assert status == 0, err + out
            assert json.loads(out)["new_articles"] == 3

            await wait_until(
                pilot,
                lambda: set(gamma_titles) <= set(titles_shown(articles, library)),
                "the fetched articles to appear in the list",
                timeout=APPEAR_TIMEOUT,
            )
            await wait_until(
                pilot,
                lambda: unread_shown(screen, "unread") == 65 and unread_shown(screen, f"feed:{gamma_id}") == 3,
                "the feed counts to include the fetched articles",
                timeout=APPEAR_TIMEOUT,
            )
            # Newest first: the new articles sit between the thread and Beta post 01.
            shown = titles_shown(articles, library)
            assert shown[1:4] == gamma_titles
            assert shown[4] == beta_title(1)
            assert "All articles \u00b7 66" in str(articles.border_title)
            # The user's place: same article highlighted, at the same height, still being read.
            assert articles.article_id == target
            assert articles.cursor - articles.scroll_offset.y == row_on_screen
            assert screen.reading_id == target
            assert screen.article_view.article_id == target
            assert isinstance(focused(screen), ArticleView)
            assert problems(messages) == []


async def test_the_readers_own_fetch_shows_new_articles_without_moving_the_user(library: Library) -> None:
    gamma_titles = ["Gamma from R one", "Gamma from R two"]
    items = [
        Item(guid=f"gamma-r-{n}", title=title, pub_date=rfc822(FIXED_EPOCH - 90 * 60 - n))
        for n, title in enumerate(gamma_titles)
    ]
    messages: list[Message] = []
    with FeedServer() as server:
        # Every feed of the library is served on loopback: R fetches them all.
        with Store(library.path) as store:
            for title in ("Alpha News", "Beta Blog"):
                url = server.route(f"/{title.split()[0].lower()}.xml", ok(rss([], title=title)))
                store.conn.execute("UPDATE feeds SET url = ? WHERE title = ?", (url, title))
            url = server.route("/gamma.xml", ok(rss(items, title="Gamma Wire")))
            gamma_id, _ = store.add_feed(FeedData(key=url, title="Gamma Wire", url=url))

        async with running(library.path, messages=messages) as (_app, pilot, screen):
            articles = screen.article_list
            await press(pilot, "G", *["k"] * 20)
            target = articles.article_id
            row_on_screen = articles.cursor - articles.scroll_offset.y
            assert articles.scroll_offset.y > 0

            await press(pilot, "R")
            await wait_until(
                pilot,
                lambda: any(text.startswith("3 feeds: 2 new articles") for text in notifications(messages)),
                "the fetch to finish",
                timeout=30,
            )
            await wait_until(
                pilot,
                lambda: (
                    set(gamma_titles) <= set(titles_shown(articles, library))
                    and unread_shown(screen, f"feed:{gamma_id}") == 2
                ),
                "the fetched articles and their count",
                timeout=APPEAR_TIMEOUT,
            )
            assert articles.article_id == target
            assert articles.cursor - articles.scroll_offset.y == row_on_screen
            assert focused(screen) is articles
            assert screen.sub_title == "All articles"
            assert problems(messages) == []


# -- marks while another process writes ----------------------------------------

#: Stores a batch of 200 articles again and again (each in its own
#: transaction, so the write lock is taken and released continuously) until
#: the stop file exists; prints the number of batches after each commit.
WRITER_SCRIPT = """
import sys
from pathlib import Path

from reader.models import ArticleData, FeedData, ImportBatch
from reader.store import Store

path, stop, oldest = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
feed = FeedData(key="https://delta.example/feed", title="Delta Firehose", url="https://delta.example/feed")
rounds = 0
with Store(path) as store:
    while not stop.exists():
        articles = [
            ArticleData(
                guid=f"delta-{rounds}-{n}",
                title=f"Delta {rounds}.{n}",
                text=" ".join(f"word{(rounds * 200 + n + k) % 997}" for k in range(300)),
                published=oldest - rounds * 1000 - n,
            )
            for n in range(200)
        ]
        store.store_batch(ImportBatch(kind="test", articles=[(feed, a) for a in articles]))
        rounds += 1
        print(rounds, flush=True)
"""


@pytest.mark.slow
async def test_marks_made_while_another_process_writes_are_all_saved(library: Library, tmp_path: Path) -> None:
    stop = tmp_path / "stop-writing"
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        articles = screen.article_list
        writer = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WRITER_SCRIPT,
            str(library.path),
            str(stop),
            # Older than every article in the library: the batches go to the end of the list.
            str(FIXED_EPOCH - 100 * HOUR),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert writer.stdout is not None
            first = await asyncio.wait_for(writer.stdout.readline(), timeout=30)
            assert first.strip() == b"1", "the writing process did not start"

            # Keys per row (then j to the next row), and what each row ends as: (read, starred).
            plan = [("r", (True, False)), ("s", (False, True)), ("rs", (True, True)), ("rr", (False, False))]
            plan += [("sss", (False, True)), ("rrr", (True, False)), ("rsr", (False, True)), ("srs", (True, False))]
            expected: dict[int, tuple[bool, bool]] = {}
            for keys, outcome in plan:
                article_id = articles.article_id
                assert article_id is not None
                expected[article_id] = outcome
                for key in keys:
                    await press(pilot, key)
                await press(pilot, "j")

            # It wrote all along (it stops only when told) and got more than one batch in.
            more = await asyncio.wait_for(writer.stdout.readline(), timeout=30)
            assert int(more) > 1
        finally:
            stop.touch()
            _out, err = await asyncio.wait_for(writer.communicate(), timeout=60)
        assert writer.returncode == 0, err.decode()

        assert app.writer.flush(timeout=30)
        for article_id, outcome in expected.items():
            assert db_flags(library.path, article_id) == outcome, f"article {article_id}"
        # The list shows the marks too, and the other process's articles arrived meanwhile.
        await wait_until(
            pilot,
            lambda: any(title.startswith("Delta ") for title in titles_shown(articles, library)),
            "the other process's articles to appear",
            timeout=APPEAR_TIMEOUT,
        )
        for article_id, (read, starred) in expected.items():
            index = articles.index_of(article_id)
            assert index is not None
            row = articles.row(index)
            assert row is not None and (row.read, row.starred) == (read, starred), row
        assert problems(messages) == []


# -- a write that holds the lock longer than SQLite waits ----------------------

#: Opens a write transaction, stores a feed in it, says so, and commits only
#: once the stop file exists: a long import holding the write lock.
LOCK_SCRIPT = """
import sys, time
from pathlib import Path

from reader.models import FeedData
from reader.store import Store

path, stop = Path(sys.argv[1]), Path(sys.argv[2])
with Store(path) as store, store.transaction():
    store.upsert_feed(FeedData(key="https://slow.example/feed", title="Slow Import", url="https://slow.example/feed"))
    print("locked", flush=True)
    while not stop.exists():
        time.sleep(0.05)
"""


@pytest.mark.slow
async def test_a_mark_waits_for_a_long_write_and_is_saved_without_an_error(library: Library, tmp_path: Path) -> None:
    stop = tmp_path / "stop-writing"
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        articles = screen.article_list
        target = articles.article_id
        assert target == library.thread
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            LOCK_SCRIPT,
            str(library.path),
            str(stop),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert holder.stdout is not None
            assert (await asyncio.wait_for(holder.stdout.readline(), timeout=30)).strip() == b"locked"
            await press(pilot, "r", "s")
            # Shown at once, though it cannot be saved yet.
            row = articles.row(articles.cursor)
            assert row is not None and (row.read, row.starred) == (True, True)
            # SQLite's own wait (the busy timeout) runs out; the reader says it is waiting, not that it failed.
            await wait_until(
                pilot,
                lambda: any("Another program is writing" in text for text in notifications(messages)),
                "the reader to say the change waits for another program",
                timeout=30,
            )
            assert db_flags(library.path, target) == (False, False)
            # A reload meanwhile (what the end of a fetch does) reads the rows again from a
            # library that lacks the mark: the list must still show the mark as made.
            reloads = sum(isinstance(m, ListRefreshed) for m in messages)
            screen.library_changed()
            await wait_until(
                pilot, lambda: sum(isinstance(m, ListRefreshed) for m in messages) > reloads, "the list to reload"
            )
            row = articles.row(articles.cursor)
            assert row is not None and (row.id, row.read, row.starred) == (target, True, True)
        finally:
            stop.touch()
            _out, err = await asyncio.wait_for(holder.communicate(), timeout=60)
        assert holder.returncode == 0, err.decode()

        assert app.writer.flush(timeout=30)
        assert db_flags(library.path, target) == (True, True)
        # The other program's feed shows up too, and the keys still work.
        await wait_until(
            pilot,
            lambda: "Slow Import" in feed_titles(screen.feed_list),
            "the feed the other program stored to be listed",
            timeout=APPEAR_TIMEOUT,
        )
        await press(pilot, "j")
        assert articles.article_id == library.beta[0]
        assert problems(messages) == []


# -- searching while the library changes ---------------------------------------


@pytest.mark.slow
async def test_a_search_being_typed_or_shown_is_not_replaced_but_counts_update(library: Library) -> None:
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (_app, pilot, screen):
        articles = screen.article_list
        every = list(articles.ids)
        bar = screen.query_one(SearchBar)

        await press(pilot, "slash")
        await pilot.press(*"beta")
        # Another connection stores an article (one the search would find) while the user types.
        first = add_article(library.path, "Beta arrived while typing", published=FIXED_EPOCH - 10 * 60)
        await wait_until(pilot, lambda: unread_shown(screen, "unread") == 64, "the counts to include it")
        assert articles.ids == every
        assert focused(screen) is bar
        assert bar.value == "beta"

        await press(pilot, "enter")
        await wait_until(pilot, lambda: "Search: beta" in str(articles.border_title), "the search results")
        results = list(articles.ids)
        assert first in results
        second = add_article(library.path, "Beta arrived while searching", published=FIXED_EPOCH - 5 * 60)
        await wait_until(pilot, lambda: unread_shown(screen, "unread") == 65, "the counts to include it")
        # The results stay as they were run, though the new article matches too.
        assert articles.ids == results
        assert "Search: beta" in str(articles.border_title)

        # Leaving the search shows the list as the library has it now.
        await press(pilot, "escape")
        await wait_until(pilot, lambda: articles.ids[:2] == [second, first], "both new articles at the top")
        assert problems(messages) == []


# -- where a filtered-out article goes --------------------------------------------


def test_an_article_read_in_the_unread_view_keeps_its_place_among_new_arrivals() -> None:
    # Ids by date (newest first): 9 is new and 7 was just read by the user.
    published = {10: 100, 9: 95, 8: 90, 7: 80, 6: 70, 5: 60}
    shown = [10, 8, 7, 6]
    current = [10, 9, 8, 6, 5]  # what the unread filter matches now

    def sort_keys(ids: list[int]) -> dict[int, tuple[int, int]]:
        return {i: (published[i], i) for i in ids if i in published}

    assert keep_shown(shown, current, sort_keys) == [10, 9, 8, 7, 6, 5]
    # A newcomer dated between 8 and the read 7 goes above it; one below it, under it.
    published.update({4: 85, 3: 75})
    assert keep_shown(shown, [10, 8, 4, 3, 6], sort_keys) == [10, 8, 4, 7, 3, 6]
    # An article gone from the library is not kept.
    del published[7]
    assert keep_shown(shown, current, sort_keys) == [10, 9, 8, 6, 5]
