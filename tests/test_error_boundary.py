"""One bad feed, comment thread or file never stops the others.

Every case here was found by an audit to take a whole run down: one odd
value in one answer (a lone surrogate, a ``Retry-After: ²``, a port above
65535, a Hacker News ``children`` that is not a list) and ``reader fetch``,
``reader comments`` or ``reader import`` stopped with a line naming nothing,
and the good units beside it were not stored. Each test serves the odd unit
beside good ones from a real loopback server (or writes it as a real file)
and asserts what a user sees: the good ones stored, the bad one's one line,
and the next run not broken by what this one kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, ok, redirect, rss, status
from fetch_helpers import fetch_settings, subscribe
from test_newsboat import NEWSBOAT_SCHEMA

from reader.models import FeedData
from reader.net.http import Limits
from reader.parse import import_paths
from reader.service.fetch import FetchSettings, fetch, fetch_comments
from reader.store import Store

LIMITS = Limits(total_seconds=5)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The loopback server, with the comment APIs pointed at it too."""
    with FeedServer() as running:
        monkeypatch.setenv("READER_HN_API", running.url("/api/v1"))
        monkeypatch.setenv("READER_REDDIT_URL", running.base)
        monkeypatch.setenv("READER_LOBSTERS_URL", running.base)
        yield running


def settings(**overrides: Any) -> FetchSettings:
    return fetch_settings(LIMITS, **{"comments": False, **overrides})


def good_feeds(server: FeedServer, count: int = 3) -> list[str]:
    """``count`` feeds of three articles each; returns their URLs."""
    urls = []
    for n in range(count):
        items = [Item(guid=f"g{n}-{i}", title=f"Good {n}.{i}", description="<p>fine</p>") for i in range(3)]
        urls.append(server.route(f"/good{n}.xml", ok(rss(items, f"Good {n}"))))
    return urls


def stored_guids(store: Store, feed_id: int) -> list[str]:
    rows = store.conn.execute("SELECT guid FROM articles WHERE feed_id = ? ORDER BY guid", (feed_id,)).fetchall()
    return [str(row[0]) for row in rows]


def assert_good_stored(store: Store, feed_ids: list[int]) -> None:
    for n, feed_id in enumerate(feed_ids):
        assert stored_guids(store, feed_id) == [f"g{n}-{i}" for i in range(3)]


def one_line(text: str | None) -> str:
    assert text, "expected an error line"
    assert "\n" not in text and "\x1b" not in text
    return text


JSON_FEED_WITH_SURROGATE = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "Odd \\ud800 feed", '
    b'"items": [{"id": "x\\udc00", "title": "x\\ud800y", "content_text": "body \\udfff here", '
    b'"author": {"name": "A\\ud801"}}]}'
)


# -- feeds ----------------------------------------------------------------------------


def test_a_json_feed_with_a_lone_surrogate_is_stored_beside_the_others(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    good = [subscribe(store, url) for url in good_feeds(server)]
    odd = subscribe(store, server.route("/odd.json", ok(JSON_FEED_WITH_SURROGATE, "application/feed+json")))

    summary = fetch(db_path, settings())

    assert summary.failed == [], summary.feeds
    assert_good_stored(store, good)
    (title,) = [row[0] for row in store.conn.execute("SELECT title FROM articles WHERE feed_id = ?", (odd,))]
    # The half of a pair that cannot be shown is the replacement character, the rest kept.
    assert title == "x\ufffdy"
    assert summary.new_articles == 10


@pytest.mark.parametrize("value", ["\u00b2", "1e99", "-5", "nan", "99999999999999999999999"])
def test_an_odd_retry_after_is_the_feeds_own_wait(server: FeedServer, store: Store, db_path: Path, value: str) -> None:
    good = [subscribe(store, url) for url in good_feeds(server)]
    # http.server sends headers as Latin-1: "²" goes out as the byte 0xb2.
    busy = subscribe(store, server.route("/busy.xml", status(429, {"Retry-After": value})))

    summary = fetch(db_path, settings())

    assert_good_stored(store, good)
    (failed,) = summary.failed
    assert failed.feed_id == busy
    assert "wait" in one_line(failed.error)
    retry_after = store.conn.execute("SELECT retry_after FROM feeds WHERE id = ?", (busy,)).fetchone()[0]
    assert retry_after is not None


def test_a_redirect_to_a_port_above_65535_is_that_feeds_error(server: FeedServer, store: Store, db_path: Path) -> None:
    good = [subscribe(store, url) for url in good_feeds(server)]
    moved = subscribe(store, server.route("/moved.xml", redirect("http://127.0.0.1:70000/feed.xml")))

    summary = fetch(db_path, settings())

    assert_good_stored(store, good)
    (failed,) = summary.failed
    assert failed.feed_id == moved
    assert "70000" in one_line(failed.error) or "port" in one_line(failed.error)


def test_a_subscription_with_a_port_above_65535_is_that_feeds_error(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    # A library written before URLs were checked (or by hand) may hold one.
    good = [subscribe(store, url) for url in good_feeds(server)]
    bad = subscribe(store, "http://127.0.0.1:99999/feed.xml")

    summary = fetch(db_path, settings())

    assert_good_stored(store, good)
    (failed,) = summary.failed
    assert failed.feed_id == bad
    one_line(failed.error)


def test_add_and_import_refuse_a_port_above_65535(run_reader: RunReader, tmp_path: Path) -> None:
    added = run_reader("add", "--no-check", "http://example.invalid:70000/feed.xml")
    assert added.returncode == 1
    assert "Traceback" not in added.stderr
    assert "expected an http:// or https:// feed URL" in added.stderr

    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="bad" xmlUrl="http://example.invalid:70000/feed.xml"/>'
        '<outline text="fine" xmlUrl="http://example.invalid/feed.xml"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    imported = run_reader("import", str(opml))
    assert imported.returncode == 0, imported.stderr
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert [feed["url"] for feed in feeds] == ["http://example.invalid/feed.xml"]


def test_a_non_ascii_validator_is_not_kept_so_the_next_fetch_works(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    items = [Item(guid="v-1", title="Validated", description="<p>x</p>")]
    body = rss(items, "Validators")

    def behave(handler: Any, owner: FeedServer) -> None:
        # Raw header bytes: http.server writes them as Latin-1.
        handler.answer(
            200,
            body.encode(),
            {"Content-Type": "application/rss+xml", "ETag": '"caf\u00e9"', "Last-Modified": "Mon, 01 \u00e9 2026"},
        )

    feed_id = subscribe(store, server.route("/v.xml", behave))
    first = fetch(db_path, settings())
    assert first.failed == [] and first.new_articles == 1

    second = fetch(db_path, settings())

    assert second.failed == [], second.feeds
    sent = server.requests_for("/v.xml")[-1]
    assert sent.header("If-None-Match") is None
    assert stored_guids(store, feed_id) == ["v-1"]


def test_a_stored_non_ascii_validator_from_an_older_reader_is_not_sent(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    url = server.route("/v.xml", ok(rss([Item(guid="v-1", title="T", description="<p>x</p>")])))
    feed_id = subscribe(store, url)
    with store.transaction():
        store.conn.execute(
            "UPDATE feeds SET etag = ?, last_modified = ? WHERE id = ?", ("\u00e9t\u00e9", "\u2603", feed_id)
        )

    summary = fetch(db_path, settings())

    assert summary.failed == [], summary.feeds
    assert stored_guids(store, feed_id) == ["v-1"]


def test_a_feed_with_more_items_than_the_cap_keeps_the_newest(server: FeedServer, store: Store, db_path: Path) -> None:
    # Oldest first in the document: the cap must keep the newest by date, not the first ones.
    items = [
        Item(
            guid=f"i{n:03d}",
            title=f"Item {n}",
            description="<p>x</p>",
            pub_date=f"Mon, 01 Jan 2024 00:{n // 60:02d}:{n % 60:02d} GMT",
        )
        for n in range(150)
    ]
    good = [subscribe(store, url) for url in good_feeds(server)]
    big = subscribe(store, server.route("/big.xml", ok(rss(items, "Big"))))

    summary = fetch(db_path, settings(max_items=100))

    assert_good_stored(store, good)
    assert stored_guids(store, big) == [f"i{n:03d}" for n in range(50, 150)]
    report = next(r for r in summary.feeds if r.feed_id == big)
    assert report.error is None and report.new_articles == 100


def test_one_feed_the_store_cannot_take_is_that_feeds_error_and_the_round_is_kept(db_path: Path) -> None:
    """A batch a parser got wrong (here a guid SQLite cannot encode) fails alone, not its whole write round."""
    from reader.models import ArticleData, FetchOutcome, ImportBatch

    store = Store(db_path)
    ids = [subscribe(store, f"http://127.0.0.1:9/{n}.xml") for n in range(3)]

    def batch(n: int, guid: str) -> ImportBatch:
        feed = FeedData(
            key=f"http://127.0.0.1:9/{n}.xml", url=f"http://127.0.0.1:9/{n}.xml", title=f"F{n}", kind="feed"
        )
        return ImportBatch(kind="RSS", feeds=[feed], articles=[(feed, ArticleData(guid=guid, title="t", text="x"))])

    stats = store.store_fetched(
        [
            (ids[0], FetchOutcome("200"), batch(0, "fine-0")),
            (ids[1], FetchOutcome("200"), batch(1, "bad-\ud800")),
            (ids[2], FetchOutcome("200"), batch(2, "fine-2")),
        ]
    )

    assert [s.articles_added for s in stats] == [1, 0, 1]
    assert stats[1].error is not None and "could not store" in one_line(stats[1].error)
    assert stored_guids(store, ids[0]) == ["fine-0"] and stored_guids(store, ids[2]) == ["fine-2"]
    row = store.conn.execute("SELECT last_error, error_count FROM feeds WHERE id = ?", (ids[1],)).fetchone()
    assert row["error_count"] == 1 and "could not store" in row["last_error"]
    store.close()


def test_cli_fetch_with_an_odd_feed_stores_the_others_and_names_the_feed(
    server: FeedServer, run_reader: RunReader
) -> None:
    urls = good_feeds(server)
    busy = server.route("/busy.xml", status(503, {"Retry-After": "\u00b2"}))
    odd = server.route("/odd.json", ok(JSON_FEED_WITH_SURROGATE, "application/feed+json"))
    assert run_reader("add", "--no-check", *urls, busy, odd).returncode == 0

    result = run_reader("fetch", "--json", "--no-comments", "--no-full-text")

    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["new_articles"] == 10
    assert [feed["url"] for feed in report["feeds"] if feed["error"]] == [busy]
    listed = json.loads(run_reader("list", "--json", "--limit", "100").stdout)
    assert len(listed) == 10


# -- comment threads ---------------------------------------------------------------------


HN = "https://news.ycombinator.com/item?id={}"


def hn_item(ident: int, children: object) -> bytes:
    return json.dumps({"id": ident, "children": children}).encode()


def hn_comment(ident: int, text: str = "<p>hello</p>") -> dict[str, Any]:
    return {"id": ident, "author": "ann", "text": text, "created_at_i": 1_700_000_000, "children": []}


def articles_with_threads(server: FeedServer, store: Store, answers: dict[int, bytes | None]) -> dict[int, int]:
    """A feed with one article per HN item in ``answers`` (None: the API answers 500); item id -> article id."""
    items = [
        Item(guid=f"hn-{n}", title=f"Story {n}", link=server.url(f"/s/{n}"), comments=HN.format(n)) for n in answers
    ]
    subscribe(store, server.route("/hn.xml", ok(rss(items, "Stories"))))
    for n, body in answers.items():
        server.route(f"/api/v1/items/{n}", ok(body, "application/json") if body is not None else status(500))
    fetch(Path(store.path or ""), settings())
    rows = store.conn.execute("SELECT id, guid FROM articles").fetchall()
    return {int(str(row["guid"]).removeprefix("hn-")): int(row["id"]) for row in rows}


def comment_count(store: Store, article_id: int) -> int:
    return int(store.conn.execute("SELECT count(*) FROM comments WHERE article_id = ?", (article_id,)).fetchone()[0])


BAD_THREADS: dict[str, bytes] = {
    "hn children a number": hn_item(2, 5),
    "hn child children a string": hn_item(2, [{"id": 7, "author": "x", "text": "t", "children": 3}]),
    "hn lone surrogate in an id and author": (
        b'{"id": 2, "children": [{"id": "7\\ud800", "author": "b\\udc00", "text": "t"}]}'
    ),
    "hn ids of every type": hn_item(2, [{"id": [1]}, {"id": {"a": 1}}, {"id": 1.5}, {"id": None}, {"id": True}]),
}


@pytest.mark.parametrize("bad", list(BAD_THREADS))
def test_one_bad_thread_answer_is_that_threads_line_and_the_others_are_stored(
    server: FeedServer, store: Store, db_path: Path, bad: str
) -> None:
    good = hn_item(1, [hn_comment(11), hn_comment(12)])
    also_good = hn_item(3, [hn_comment(31)])
    articles = articles_with_threads(server, store, {1: good, 2: BAD_THREADS[bad], 3: also_good})

    summary = fetch_comments(db_path, list(articles.values()), settings(comments=True))

    assert comment_count(store, articles[1]) == 2
    assert comment_count(store, articles[3]) == 1
    assert len(summary.thread_errors) <= 1
    for line in summary.thread_errors:
        assert f"article {articles[2]}" in one_line(line)
    if not summary.thread_errors:
        # Read as far as it makes sense: whatever was stored shows as text.
        for row in store.comments(articles[2]):
            row.text.encode("utf-8")
            row.author.encode("utf-8")


REDDIT_POST = "https://www.reddit.com/r/test/comments/abc12/a_post/"


def reddit_thread(children: list[Any]) -> bytes:
    post = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"num_comments": 3}}]}}
    return json.dumps([post, {"kind": "Listing", "data": {"children": children}}]).encode()


@pytest.mark.parametrize(
    "children",
    [
        [{"kind": "t1", "data": "not an object"}],
        [{"kind": "t1", "data": {"id": "c1", "author": "a", "body": "hi", "replies": {"data": [1, 2]}}}],
        [{"kind": "more", "data": {"id": "m1", "count": {"n": 3}, "children": ["x1"]}}],
        [{"kind": "more", "data": {"id": "m1", "count": [3], "children": {"a": "b"}}}],
        [{"kind": "t1", "data": {"id": "c\ud800", "author": "a\udc00", "body": "hi"}}],
    ],
)
def test_odd_reddit_answers_never_stop_the_comment_phase(
    server: FeedServer, store: Store, db_path: Path, children: list[Any]
) -> None:
    items = [
        Item(guid="r", title="Reddit story", link=server.url("/s/r"), comments=REDDIT_POST),
        Item(guid="hn-1", title="HN story", link=server.url("/s/1"), comments=HN.format(1)),
    ]
    subscribe(store, server.route("/mixed.xml", ok(rss(items, "Mixed"))))
    server.route("/r/test/comments/abc12.json", ok(reddit_thread(children), "application/json"))
    server.route("/api/v1/items/1", ok(hn_item(1, [hn_comment(11)]), "application/json"))

    summary = fetch(db_path, settings(comments=True))

    hn_article = int(store.conn.execute("SELECT id FROM articles WHERE guid = 'hn-1'").fetchone()[0])
    assert comment_count(store, hn_article) == 1
    assert summary.failed == []
    assert len(summary.thread_errors) <= 1
    for line in summary.thread_errors:
        one_line(line)


def test_a_thread_that_failed_is_fetched_again_on_the_next_fetch(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    items = [
        Item(guid=f"hn-{n}", title=f"Story {n}", link=server.url(f"/s/{n}"), comments=HN.format(n)) for n in (1, 2)
    ]
    subscribe(store, server.route("/hn.xml", ok(rss(items, "Stories"))))
    server.route("/api/v1/items/1", ok(hn_item(1, [hn_comment(11)]), "application/json"))
    server.route("/api/v1/items/2", status(503))
    first = fetch(db_path, settings(comments=True))
    ids = {row["guid"]: int(row["id"]) for row in store.conn.execute("SELECT id, guid FROM articles")}
    assert [line.split(":")[0] for line in first.thread_errors] == [f"article {ids['hn-2']}"]
    assert comment_count(store, ids["hn-1"]) == 1 and comment_count(store, ids["hn-2"]) == 0

    # The feed has nothing new; the thread that failed comes now that its server answers.
    server.route("/api/v1/items/2", ok(hn_item(2, [hn_comment(21), hn_comment(22)]), "application/json"))
    server.clear()
    second = fetch(db_path, settings(comments=True))

    assert second.new_articles == 0 and second.thread_errors == []
    assert comment_count(store, ids["hn-2"]) == 2
    # A thread fetched fine is not asked for again.
    assert server.requests_for("/api/v1/items/1") == []

    # Once stored, it is not retried either.
    server.clear()
    fetch(db_path, settings(comments=True))
    assert server.requests_for("/api/v1/items/2") == []


def test_a_thread_that_keeps_failing_is_left_after_a_few_fetches(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    from reader.store.fetching import THREAD_ATTEMPTS

    items = [Item(guid="hn-2", title="Story", link=server.url("/s/2"), comments=HN.format(2))]
    subscribe(store, server.route("/hn.xml", ok(rss(items, "Stories"))))
    server.route("/api/v1/items/2", status(500))
    for _ in range(THREAD_ATTEMPTS + 2):
        fetch(db_path, settings(comments=True))

    assert len(server.requests_for("/api/v1/items/2")) == THREAD_ATTEMPTS


def test_cli_comments_reports_each_thread_and_stores_the_rest(
    server: FeedServer, store: Store, db_path: Path, run_reader: RunReader
) -> None:
    articles = articles_with_threads(server, store, {1: hn_item(1, [hn_comment(11)]), 2: hn_item(2, 5), 3: None})
    store.conn.execute("DELETE FROM comments")

    result = run_reader("comments", *(str(articles[n]) for n in (1, 2, 3)))

    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("reader: error:")]
    assert len(errors) == len(
        [line for line in errors if f"article {articles[2]}" in line or f"article {articles[3]}" in line]
    )
    assert any(f"article {articles[3]}" in line for line in errors)
    assert comment_count(store, articles[1]) == 1


# -- files -----------------------------------------------------------------------------


def write_good_files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "a-good.txt"
    first.write_text("A good article\n\nIts body.\n", encoding="utf-8")
    second = folder / "z-good.xml"
    second.write_text(rss([Item(guid="z-1", title="Zed", description="<p>z</p>")], "Zed"), encoding="utf-8")
    return [first, second]


def newsboat_cache_with_a_blob(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(NEWSBOAT_SCHEMA)
        db.execute(
            "INSERT INTO rss_feed (rssurl, url, title) "
            "VALUES ('http://example.invalid/f.xml', 'http://example.invalid/', 'F')"
        )
        db.execute(
            "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags, deleted) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, '', 0)",
            (
                "g1",
                b"\xffbinary title",
                "auth",
                "http://example.invalid/1",
                "http://example.invalid/f.xml",
                1700000000,
                b"\x00\xff\xfe blob",
            ),
        )
        db.execute(
            "INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags, deleted) "
            "VALUES ('g2', CAST(X'48c3' AS TEXT), 'b', 'http://example.invalid/2', "
            "'http://example.invalid/f.xml', 1700000001, 'ok', 1, '', 0)"
        )


BAD_FILES: dict[str, bytes] = {
    "m-comments.txt": b"A title\n\nBody.\n\n" + b"9" * 5000 + b" Comments\n\nann: hi\n",
    "m-surrogate.json": JSON_FEED_WITH_SURROGATE,
}


@pytest.mark.parametrize("name", [*BAD_FILES, "m-cache.db"])
def test_one_odd_file_never_stops_the_import(store: Store, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "files"
    good = write_good_files(folder)
    bad = folder / name
    if name.endswith(".db"):
        newsboat_cache_with_a_blob(bad)
    else:
        bad.write_bytes(BAD_FILES[name])

    outcomes = list(import_paths(store, [folder]))

    assert [outcome.path for outcome in outcomes] == [good[0], bad, good[1]]
    assert all(outcome.error is None for outcome in (outcomes[0], outcomes[2])), outcomes
    if outcomes[1].error is not None:
        one_line(outcomes[1].error)
    titles = {row[0] for row in store.conn.execute("SELECT title FROM articles")}
    assert {"A good article", "Zed"} <= titles


def test_cli_import_goes_on_after_an_odd_file_and_prints_the_summary(run_reader: RunReader, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    write_good_files(folder)
    (folder / "m-comments.txt").write_bytes(BAD_FILES["m-comments.txt"])
    newsboat_cache_with_a_blob(folder / "m-cache.db")

    result = run_reader("import", str(folder))

    assert "Traceback" not in result.stderr
    assert "imported" in result.stdout and "of 4 files" in result.stdout
    listed = {article["title"] for article in json.loads(run_reader("list", "--json").stdout)}
    assert {"A good article", "Zed"} <= listed


def test_importing_the_folder_that_holds_the_library_skips_the_library_itself(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write_good_files(folder)
    with Store(folder / "lib.db") as store:
        outcomes = list(import_paths(store, [folder]))

        assert [outcome.path.name for outcome in outcomes] == ["a-good.txt", "z-good.xml"]
        assert all(outcome.error is None for outcome in outcomes)
