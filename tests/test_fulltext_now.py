"""Full text on demand: ``reader fulltext ID...`` and ``F`` in the reader fetch an article's page now.

Before, a page was tried only on an article's first fetch (and at most 200 a run), so a summary
stayed a summary for good. Real ``reader`` command, real library, pages served on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss
from test_fetch import ARTICLE_PAGE
from textual.message import Message
from tui_helpers import notifications, press, running, wait_until, widget_text


def summaries(server: FeedServer, run_reader: RunReader) -> dict[str, int]:
    """A subscribed, fetched feed of two summary-only items (one page served, one missing); title -> id."""
    server.route("/page.html", ok(ARTICLE_PAGE, "text/html"))
    items = [
        Item("a", "Skerryvore", server.url("/page.html"), "<p>A summary.</p>"),
        Item("b", "Gone", server.url("/missing.html"), "<p>Another summary.</p>"),
    ]
    feed = server.route("/feed.xml", ok(rss(items, title="Summaries")))
    assert run_reader("add", "--no-check", feed).returncode == 0
    assert run_reader("fetch", "-q", "--no-full-text", "--no-comments").returncode == 0
    listed = json.loads(run_reader("list", "--json").stdout)
    return {row["title"]: row["id"] for row in listed}


def test_fulltext_fetches_the_page_now_and_show_reads_it(server: FeedServer, run_reader: RunReader) -> None:
    ids = summaries(server, run_reader)
    assert "three keepers at a time" not in run_reader("show", str(ids["Skerryvore"]), "--no-pager").stdout

    done = run_reader("fulltext", str(ids["Skerryvore"]))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "fetched the full text of 1 article"
    assert "three keepers at a time lived on a rock" in run_reader("show", str(ids["Skerryvore"]), "--no-pager").stdout
    assert [row["title"] for row in json.loads(run_reader("search", "--json", "paraffin").stdout)] == ["Skerryvore"]


def test_a_page_that_gives_no_text_is_one_line_each_and_the_others_are_kept(
    server: FeedServer, run_reader: RunReader
) -> None:
    ids = summaries(server, run_reader)

    result = run_reader("fulltext", str(ids["Gone"]), str(ids["Skerryvore"]))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"reader: error: article {ids['Gone']}: HTTP 404"]
    assert result.stdout.strip() == "fetched the full text of 1 article"


def test_an_unknown_article_is_refused_in_one_line(server: FeedServer, run_reader: RunReader) -> None:
    summaries(server, run_reader)

    result = run_reader("fulltext", "999")

    assert result.returncode == 1
    assert result.stderr.splitlines() == ["reader: error: no article with id 999"]


async def test_F_in_the_reader_fetches_the_page_and_shows_it(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    ids = summaries(server, run_reader)
    messages: list[Message] = []
    async with running(db_path, messages=messages) as (_app, pilot, screen):
        screen.open_article(ids["Skerryvore"])
        await wait_until(pilot, lambda: "A summary." in widget_text(screen.article_view), "the summary")
        await press(pilot, "F")
        await wait_until(
            pilot,
            lambda: "three keepers at a time" in widget_text(screen.article_view),
            "the page's text in the reading pane",
            timeout=20.0,
        )
        assert "Full text fetched." in notifications(messages)
        screen.open_article(ids["Gone"])
        await wait_until(pilot, lambda: "Another summary." in widget_text(screen.article_view), "the other")
        await press(pilot, "F")
        await wait_until(
            pilot, lambda: any("HTTP 404" in note for note in notifications(messages)), "the one-line failure"
        )
