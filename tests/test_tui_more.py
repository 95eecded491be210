"""Reddit's "more replies" in the comments panel: a row of its own, loaded in place by enter.

The thread is fetched for real from a loopback server replaying Reddit's
answers (READER_REDDIT_URL points at it); the thread and the
``api/morechildren`` answer are BUILT from Reddit's documented API shape
(see tests/test_reddit_more.py), not recorded. Then the reader runs headless
on that library.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedserver import FeedServer, status
from test_reddit_more import MANY, MORE_PATH, NESTED_ANSWER, json_answer, serve_built_thread
from textual.message import Message
from tui_helpers import focused, notifications, open_article, press, running, wait_until, widget_lines

from reader.store import Store


async def fetched_thread(server: FeedServer, db_path: Path) -> int:
    """Fetch the built thread into the library (in a thread: fetching runs an event loop of its own)."""

    def fetch() -> int:
        with Store(db_path) as store:
            return serve_built_thread(server, store, db_path)

    return await asyncio.to_thread(fetch)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The loopback server, with Reddit's base URL pointed at it."""
    with FeedServer() as running_server:
        monkeypatch.setenv("READER_REDDIT_URL", running_server.base)
        yield running_server


async def test_placeholders_are_rows_of_their_own_and_enter_loads_them_in_place(
    server: FeedServer, db_path: Path
) -> None:
    post = await fetched_thread(server, db_path)
    server.route(MORE_PATH, json_answer(NESTED_ANSWER))
    messages: list[Message] = []
    async with running(db_path, size=(120, 40), messages=messages) as (_app, pilot, screen):
        await open_article(pilot, post)
        thread = screen.comment_thread
        # Three comments, and Reddit's own count beside them.
        assert "Comments \u00b7 3 of 197" in str(thread.border_title)
        text = "\n".join(widget_lines(thread))
        assert "load 4 more replies" in text and f"load {MANY + 40} more replies" in text
        assert "anonymous" not in text and "not fetched" not in text
        # The list counts what is stored, not the placeholders.
        assert " 3c " in "\n".join(widget_lines(screen.article_list))

        await press(pilot, "tab")
        assert focused(screen) is thread
        await press(pilot, "j", "j")  # alice, bob, then the placeholder under alice
        layout = thread.layout_model
        assert layout is not None and layout.is_more(thread.cursor)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: "dave was first" in "\n".join(widget_lines(thread)), "the loaded replies")
        assert "3 replies loaded." in notifications(messages)
        layout = thread.layout_model
        assert layout is not None
        # In the placeholder's place, under alice, and the highlight on the first of them.
        assert [c.author for c in layout.comments] == ["alice", "bob", "dave", "erin", "", "fay", "carol", ""]
        assert layout.comments[thread.cursor].author == "dave"
        assert "Comments \u00b7 6 of 197" in str(thread.border_title)


async def test_a_failed_load_is_one_line_and_the_placeholder_stays(server: FeedServer, db_path: Path) -> None:
    post = await fetched_thread(server, db_path)
    server.route(MORE_PATH, status(500))
    messages: list[Message] = []
    async with running(db_path, size=(120, 40), messages=messages) as (_app, pilot, screen):
        await open_article(pilot, post)
        await press(pilot, "tab", "j", "j", "enter")
        await wait_until(pilot, lambda: len(notifications(messages)) > 1, "the reason it failed")
        said = notifications(messages)[-1]
        assert "\n" not in said and "500" in said
        assert "load 4 more replies" in "\n".join(widget_lines(screen.comment_thread))
