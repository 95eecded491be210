"""Full text for the backlog: articles still waiting for their page get it in later fetches.

A real loopback server serves a feed of short summaries and each article's
page; the real fetch runs against a real SQLite file. What a user sees: the
pages of a big first fetch arrive over the next fetches, newest first, a
bounded number per host each time; a page that failed for a passing reason
is tried again (three times at most), one that never will give text (404,
no article in it) is not; an upgraded library's recent summaries get their
pages too.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from feedserver import FeedServer, Item, ok, rss, status
from fetch_helpers import fetch_settings, subscribe

from reader.models import ArticleData, FeedData, ImportBatch
from reader.net.http import Limits
from reader.service.fetch import PAGES_PER_HOST, fetch
from reader.store import Store
from reader.store.schema import MIGRATIONS

LIMITS = Limits(total_seconds=10)


def page_html(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {p} of article {n}: the keepers trimmed the wicks and wound the clockwork that turned "
        f"the great lamp, and wrote the weather in the log every four hours through the night.</p>"
        for p in range(4)
    )
    return (
        f"<!DOCTYPE html><html><head><title>Article {n}</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<main><article><h1>Article {n}</h1>{paragraphs}</article></main><footer>All rights reserved.</footer>"
        "</body></html>"
    ).encode()


def items_on(server: FeedServer, count: int, prefix: str = "a") -> list[Item]:
    """``count`` items with short summaries, newest first, each linking to its page on ``server``."""
    made = []
    for n in range(count):
        page = server.route(f"/{prefix}/{n}.html", ok(page_html(n), "text/html; charset=utf-8"))
        day = 28 - (n % 28)
        made.append(
            Item(
                f"{prefix}-{n}",
                f"Article {n}",
                page,
                "<p>Short.</p>",
                pub_date=f"{day:02d} Mar 2026 {n % 24:02d}:00:00 GMT",
            )
        )
    return made


def with_text(db_path: Path) -> set[str]:
    with Store(db_path) as store:
        rows = store.conn.execute("SELECT guid FROM articles WHERE full_html IS NOT NULL").fetchall()
    return {row[0] for row in rows}


def pages_asked(server: FeedServer, prefix: str = "a") -> list[str]:
    return [r.path for r in server.requests if r.path.startswith(f"/{prefix}/")]


def test_a_backlog_arrives_over_several_fetches_a_bounded_number_per_host(server: FeedServer, db_path: Path) -> None:
    count = PAGES_PER_HOST + 7
    items = items_on(server, count)
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(items).encode())))

    first = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))
    assert first.full_texts == PAGES_PER_HOST
    assert len(pages_asked(server)) == PAGES_PER_HOST

    server.clear()
    second = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))
    # The feed brought nothing new; the seven left waiting came now, and nothing was asked twice.
    assert second.new_articles == 0 and second.full_texts == 7
    assert len(pages_asked(server)) == 7
    assert with_text(db_path) == {item.guid for item in items}

    server.clear()
    third = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))
    assert third.full_texts == 0 and pages_asked(server) == []


def test_the_newest_waiting_articles_go_first_and_the_per_run_limit_holds(server: FeedServer, db_path: Path) -> None:
    items = items_on(server, 12)
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(items).encode())))

    fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False, full_text_limit=5))

    with Store(db_path) as store:
        newest = [a.id for a in store.list_articles(limit=5)]
        got = {int(row[0]) for row in store.conn.execute("SELECT id FROM articles WHERE full_html IS NOT NULL")}
    assert got == set(newest)


def test_each_host_gets_its_own_share(server: FeedServer, db_path: Path) -> None:
    # Two host names for the one loopback server: 127.0.0.1 and localhost.
    first = items_on(server, PAGES_PER_HOST + 3, "x")
    second = [
        Item(
            item.guid.replace("x", "y"),
            item.title,
            (item.link or "").replace("127.0.0.1", "localhost"),
            item.description,
            pub_date=item.pub_date,
        )
        for item in first
    ]
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(first + second).encode())))

    summary = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))

    assert summary.full_texts == 2 * PAGES_PER_HOST
    by_host = [r.header("host") or "" for r in server.requests if r.path.startswith("/x/")]
    assert sum(host.startswith("127.0.0.1") for host in by_host) == PAGES_PER_HOST
    assert sum(host.startswith("localhost") for host in by_host) == PAGES_PER_HOST


def test_a_page_that_failed_for_a_passing_reason_is_tried_again_and_one_that_never_will_is_not(
    server: FeedServer, db_path: Path
) -> None:
    items = items_on(server, 3)
    busy, gone, empty = items[0].link, items[1].link, items[2].link
    assert busy and gone and empty
    server.route("/a/0.html", status(503))
    server.route("/a/1.html", status(404))
    server.route("/a/2.html", ok(b"<html><body><nav>Home</nav></body></html>", "text/html"))
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(items).encode())))

    def run() -> list[str]:
        server.clear()
        summary = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))
        assert summary.failed == []
        return sorted(pages_asked(server))

    assert run() == ["/a/0.html", "/a/1.html", "/a/2.html"]
    # The busy server is asked again (three fetches in all); the missing and the empty page never again.
    assert run() == ["/a/0.html"]
    server.route("/a/0.html", ok(page_html(0), "text/html; charset=utf-8"))
    assert run() == ["/a/0.html"]
    assert with_text(db_path) == {"a-0"}
    assert run() == []


def test_a_page_failing_three_times_is_left_alone(server: FeedServer, db_path: Path) -> None:
    items = items_on(server, 1)
    server.route("/a/0.html", status(500))
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(items).encode())))
    for _ in range(4):
        fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))
    assert len(pages_asked(server)) == 3
    assert with_text(db_path) == set()


def test_fetching_named_feeds_fetches_only_their_waiting_pages(db_path: Path) -> None:
    with FeedServer() as one, FeedServer() as two:
        with Store(db_path) as store:
            first = subscribe(store, one.route("/feed.xml", ok(rss(items_on(one, 2, "x")).encode())))
            subscribe(store, two.route("/feed.xml", ok(rss(items_on(two, 2, "y")).encode())))
        fetch(db_path, fetch_settings(LIMITS, full_text=False, comments=False))
        with Store(db_path) as store:  # both feeds' pages wait (as after a fetch that was cut short)
            store.conn.execute("UPDATE articles SET page_tries = 3")
        fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False), feed_ids=[first])
        assert len(pages_asked(one, "x")) == 2 and pages_asked(two, "y") == []


def test_an_upgraded_library_fetches_the_pages_of_its_recent_summaries(server: FeedServer, tmp_path: Path) -> None:
    """A library from before version 12: recent short articles without a page get one try."""
    db_path = tmp_path / "old.db"
    now = int(time.time())
    feed_url = server.route("/feed.xml", status(304))
    recent, old, long = (server.route(f"/a/{n}.html", ok(page_html(n), "text/html")) for n in range(3))
    feed = FeedData(key=feed_url, url=feed_url, title="Old feed", kind="feed")
    batch = ImportBatch(kind="test")
    for guid, url, text, published in [
        ("recent", recent, "Short.", now - 3 * 86400),
        ("old", old, "Short.", now - 90 * 86400),
        ("long", long, "Long text. " * 100, now - 86400),
    ]:
        batch.articles.append((feed, ArticleData(guid=guid, url=url, title=guid, text=text, published=published)))
    with Store(db_path) as store:
        store.store_batch(batch)
        store.conn.execute("UPDATE articles SET page_tries = 0")
    # Back to version 11, as a reader before this one left it: what versions 12 and later added goes
    # (SQLite drops the column and its index; the later tables and the comments' thread column).
    raw = sqlite3.connect(db_path)
    raw.executescript(
        "DROP INDEX articles_page_wanted; ALTER TABLE articles DROP COLUMN page_tries;"
        "DROP TABLE discussion_lookups; DROP INDEX comments_by_thread; PRAGMA foreign_keys = OFF;"
        "ALTER TABLE comments DROP COLUMN thread_id; DROP TABLE threads;"
        "ALTER TABLE feeds DROP COLUMN refresh_minutes; ALTER TABLE feeds DROP COLUMN item_limit;"
        "DROP TABLE saved_queries; DROP TABLE ignore_rules;"
        "DROP TABLE hidden_by; DROP INDEX articles_hidden; ALTER TABLE articles DROP COLUMN hidden;"
        "PRAGMA user_version = 11;"
    )
    raw.close()
    assert len(MIGRATIONS) == 19  # a migration after 19 must be undone above too

    summary = fetch(db_path, fetch_settings(LIMITS, full_text=True, comments=False))

    assert summary.full_texts == 1
    assert pages_asked(server) == ["/a/0.html"]
    assert with_text(db_path) == {"recent"}


@pytest.mark.parametrize("setting", [False])
def test_no_page_is_fetched_when_full_text_is_off(server: FeedServer, db_path: Path, setting: bool) -> None:
    items = items_on(server, 3)
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss(items).encode())))
        store.conn.execute("UPDATE articles SET page_tries = 3")
    fetch(db_path, fetch_settings(LIMITS, full_text=setting, comments=False))
    assert pages_asked(server) == []
