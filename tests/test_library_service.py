"""The command line and the reader fetch comments through one service (reader.service.library).

Both ask :class:`Library` the same question and get the same answer: an
article whose discussion is at a known source gets its thread, one at no
known source is said to have none (and nothing is asked of any server), and
an id that is no article is named. Driven here through the reader's ``C`` and
``reader comments`` against a loopback Hacker News API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunReader
from feedserver import FeedServer, ok
from textual.message import Message
from tui_helpers import FIXED_EPOCH, add_article, build_library, notifications, press, running

from reader.service.library import Library
from reader.store import Store

HN_ITEM = "https://news.ycombinator.com/item?id=4242"
THREAD = {
    "id": 4242,
    "children": [
        {"id": 1, "author": "ann", "text": "<p>First</p>", "created_at_i": FIXED_EPOCH - 600, "children": []},
        {"id": 2, "author": "bob", "text": "<p>Second</p>", "created_at_i": FIXED_EPOCH - 300, "children": []},
    ],
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    with FeedServer() as running_server:
        monkeypatch.setenv("READER_HN_API", running_server.url("/api/v1"))
        running_server.route("/api/v1/items/4242", ok(json.dumps(THREAD).encode(), "application/json"))
        yield running_server


async def test_c_in_the_reader_fetches_a_known_thread_and_says_when_there_is_none(
    server: FeedServer, tmp_path: Path
) -> None:
    db = tmp_path / "library.db"
    build_library(db)
    discussed = add_article(db, "A discussed story", url=HN_ITEM, published=FIXED_EPOCH - 1)
    messages: list[Message] = []
    async with running(db, messages=messages) as (_app, pilot, screen):
        assert screen.article_list.article_id == discussed
        await press(pilot, "C")
        await pilot.pause(0.5)
        await press(pilot)
        assert any(text == "2 new comments" for text in notifications(messages)), notifications(messages)
        with Store(db) as store:
            assert [row.author for row in store.comments(discussed)] == ["ann", "bob"]

        messages.clear()
        server.clear()
        await press(pilot, "j", "C")
        await pilot.pause(0.3)
        await press(pilot)
        assert any("No known comment source" in text for text in notifications(messages)), notifications(messages)
        assert server.requests == []


def test_the_service_names_ids_that_are_no_article(server: FeedServer, tmp_path: Path, run_reader: RunReader) -> None:
    db = tmp_path / "library.db"
    build_library(db)
    discussed = add_article(db, "A discussed story", url=HN_ITEM)

    outcome = Library(db).fetch_comments([discussed, 999_999])

    assert outcome.unknown == [999_999]
    assert outcome.without_source == []
    assert (outcome.summary.threads, outcome.summary.comments) == (1, 2)
    unknown = run_reader("comments", "999999", db=db)
    assert unknown.returncode == 1 and "no article with id 999999" in unknown.stderr
