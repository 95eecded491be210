"""Comment threads fetched from a real (loopback) server replaying recorded API answers.

The Hacker News, Reddit and Lobsters APIs are pointed at the test server with
READER_HN_API, READER_REDDIT_URL and READER_LOBSTERS_URL; the fixture feeds
link to the real sites, which the fetcher maps to those bases. The recorded
threads are read in place from ../shared (the ``shared`` fixture).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, conditional, ok, rss, status
from fetch_helpers import fetch_settings, subscribe

from reader.models import CommentRow
from reader.net.http import Limits
from reader.service.fetch import FetchSettings, fetch
from reader.service.reading import read_article
from reader.store import Store

HN_THREAD = "corpus/comments/hackernews/circumflex/8eae1964/comment/test/comments.json"
REDDIT_THREAD = "corpus/comments/reddit/rtv/extracted/test_content_flatten_comments.json"
LOBSTERS_STORY = "corpus/comments/lobsters/compose-lobsters/e81e28c3/api/src/test/resources/post_details_tdfoqh.json"

HN_ITEM = "https://news.ycombinator.com/item?id=25015967"
REDDIT_POST = "https://www.reddit.com/r/AskReddit/comments/cmwov/hey_reddit_what_tattoos_do_you_have/"
LOBSTERS_POST = "https://lobste.rs/s/tdfoqh/ranking_comments_by_sum_replies_scores"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The loopback server, with every comment API pointed at it."""
    with FeedServer() as running:
        monkeypatch.setenv("READER_HN_API", running.url("/api/v1"))
        monkeypatch.setenv("READER_REDDIT_URL", running.base)
        monkeypatch.setenv("READER_LOBSTERS_URL", running.base)
        yield running


def settings(**overrides: Any) -> FetchSettings:
    return fetch_settings(Limits(total_seconds=20), **overrides)


def article_id(store: Store, guid: str) -> int:
    return int(store.conn.execute("SELECT id FROM articles WHERE guid = ?", (guid,)).fetchone()[0])


def serve_feed(server: FeedServer, store: Store, *items: Item, path: str = "/feed.xml") -> int:
    return subscribe(store, server.route(path, ok(rss(items))))


def json_body(path: Path) -> Any:
    return json.loads(path.read_bytes())


def parent_positions(rows: list[CommentRow]) -> list[int | None]:
    """Each row's parent as an index into ``rows`` (None at top level)."""
    index = {row.id: i for i, row in enumerate(rows)}
    return [index[row.parent_id] if row.parent_id is not None else None for row in rows]


# -- Hacker News --------------------------------------------------------------------


def hnpwa_preorder(story: dict[str, Any]) -> list[tuple[dict[str, Any], int | None]]:
    """(comment, parent id) in display order."""
    out: list[tuple[dict[str, Any], int | None]] = []
    stack = [(child, None) for child in reversed(story["comments"])]
    while stack:
        item, parent = stack.pop()
        out.append((item, parent))
        stack.extend((child, item["id"]) for child in reversed(item.get("comments") or []))
    return out


def hn_id(row: CommentRow) -> int:
    assert row.url is not None
    return int(row.url.rsplit("=", 1)[1])


@pytest.mark.shared
def test_hacker_news_thread_of_2170_comments(server: FeedServer, store: Store, db_path: Path, shared: Path) -> None:
    recorded = shared / HN_THREAD
    server.route("/api/v1/items/25015967", ok(recorded.read_bytes(), "application/json"))
    serve_feed(server, store, Item(HN_ITEM, "Biden wins White House", server.url("/story/1"), comments=HN_ITEM))

    summary = fetch(db_path, settings())

    assert summary.failed == [] and summary.thread_errors == []
    assert (summary.threads, summary.comments) == (1, 2170)
    expected = hnpwa_preorder(json_body(recorded))
    assert len(expected) == 2170
    rows = store.comments(article_id(store, HN_ITEM))
    assert len(rows) == 2170
    assert [hn_id(row) for row in rows] == [item["id"] for item, _ in expected]
    assert [row.depth for row in rows] == [item["level"] for item, _ in expected]
    assert [row.author for row in rows] == [item.get("user", "[deleted]") for item, _ in expected]
    parents = parent_positions(rows)
    assert [hn_id(rows[p]) if p is not None else None for p in parents] == [parent for _, parent in expected]
    deleted = {hn_id(row) for row in rows if row.deleted}
    assert len(deleted) == 98
    assert deleted == {item["id"] for item, _ in expected if item.get("deleted")}
    # HN's entity-escaped HTML is readable text.
    assert not any("&#x27;" in row.text or "&#x2F;" in row.text for row in rows)
    assert "site guidelines" in rows[0].text and rows[0].author == "dang"
    listed = store.list_articles()[0]
    assert listed.comment_count >= 2170


def algolia_chain(story_id: int, depth: int) -> dict[str, Any]:
    """An Algolia item: two top-level comments (one deleted), then a chain ``depth`` deep."""
    node: dict[str, Any] | None = None
    for level in reversed(range(depth)):
        node = {
            "id": 90000 + level,
            "type": "comment",
            "author": f"user{level}",
            "created_at_i": 1770000000 + level,
            "text": f"<p>reply at level {level}</p>",
            "parent_id": 90000 + level - 1 if level else story_id,
            "story_id": story_id,
            "points": None,
            "children": [node] if node else [],
        }
    deleted = {"id": 80001, "type": "comment", "author": None, "text": None, "children": [], "story_id": story_id}
    first = {
        "id": 80000,
        "type": "comment",
        "author": "alice",
        "created_at_i": 1770000000,
        "text": "<p>First &amp; foremost</p>",
        "children": [{"id": 80002, "author": "bob", "text": "<p>Agreed</p>", "children": []}],
    }
    return {
        "id": story_id,
        "type": "story",
        "author": "op",
        "title": "Deep",
        "text": None,
        "children": [first, deleted, node],
    }


def test_algolia_thread_300_deep_is_stored_whole(server: FeedServer, store: Store, db_path: Path) -> None:
    server.route("/api/v1/items/4242", ok(json.dumps(algolia_chain(4242, 300)), "application/json"))
    link = "https://news.ycombinator.com/item?id=4242"
    serve_feed(server, store, Item("hn-4242", "Deep", server.url("/story/4242"), comments=link))

    summary = fetch(db_path, settings())

    assert summary.thread_errors == [] and summary.comments == 303
    rows = store.comments(article_id(store, "hn-4242"))
    assert [(row.author, row.depth) for row in rows[:3]] == [("alice", 0), ("bob", 1), ("[deleted]", 0)]
    assert "First & foremost" in rows[0].text
    assert rows[2].deleted and not rows[0].deleted
    chain = rows[3:]
    assert [row.depth for row in chain] == list(range(300))
    deepest = max(rows, key=lambda row: row.depth)
    assert deepest.depth == 299 and deepest.author == "user299" and "level 299" in deepest.text
    # Walk back up from the deepest reply to the top.
    by_id = {row.id: row for row in rows}
    steps, current = 0, deepest
    while current.parent_id is not None:
        current = by_id[current.parent_id]
        steps += 1
    assert (steps, current.author) == (299, "user0")
    detail = read_article(store, article_id(store, "hn-4242"))
    assert detail is not None and len(detail.comments) == 303


# -- Reddit -------------------------------------------------------------------------


def reddit_preorder(document: list[Any]) -> list[tuple[str, dict[str, Any], int, int | None]]:
    """(kind, data, depth, parent index) of every comment and stub, in display order."""
    out: list[tuple[str, dict[str, Any], int, int | None]] = []
    stack: list[tuple[dict[str, Any], int, int | None]] = [
        (thing, 0, None) for thing in reversed(document[1]["data"]["children"])
    ]
    while stack:
        thing, depth, parent = stack.pop()
        index = len(out)
        out.append((thing["kind"], thing["data"], depth, parent))
        replies = thing["data"].get("replies") if thing["kind"] == "t1" else None
        if isinstance(replies, dict):
            stack.extend((child, depth + 1, index) for child in reversed(replies["data"]["children"]))
    return out


STUB = re.compile(r"\d+ more repl|continue this thread")


def is_stub(row: CommentRow) -> bool:
    return row.author == "" and bool(STUB.search(row.text))


def reddit_setup(server: FeedServer, store: Store, db_path: Path, shared: Path) -> tuple[list[Any], list[CommentRow]]:
    recorded = shared / REDDIT_THREAD
    server.route("/r/AskReddit/comments/cmwov.json", ok(recorded.read_bytes(), "application/json"))
    serve_feed(server, store, Item("t3_cmwov", "What tattoos do you have?", server.url("/r/1"), comments=REDDIT_POST))
    summary = fetch(db_path, settings())
    assert summary.failed == [] and summary.thread_errors == [] and summary.threads == 1
    assert len(server.requests_for("/r/AskReddit/comments/cmwov.json")) == 1
    return reddit_preorder(json_body(recorded)), store.comments(article_id(store, "t3_cmwov"))


@pytest.mark.shared
def test_reddit_comments_keep_their_tree_and_deleted_ones(
    server: FeedServer, store: Store, db_path: Path, shared: Path
) -> None:
    expected_all, rows = reddit_setup(server, store, db_path, shared)
    expected = [(i, data, depth, parent) for i, (kind, data, depth, parent) in enumerate(expected_all) if kind == "t1"]
    assert len(expected) == 199
    comments = [row for row in rows if not is_stub(row)]
    assert len(comments) == 199
    assert [row.author for row in comments] == [data["author"] for _, data, _, _ in expected]
    assert [row.depth for row in comments] == [data["depth"] for _, data, _, _ in expected]
    assert [row.depth for row in comments] == [depth for _, _, depth, _ in expected]
    # Parents: the parent of each comment is the comment the listing nests it in.
    position_of = {row.id: i for i, row in enumerate(comments)}
    expected_position = {source_index: i for i, (source_index, _, _, _) in enumerate(expected)}
    assert [position_of.get(row.parent_id) if row.parent_id else None for row in comments] == [
        expected_position[parent] if parent is not None else None for _, _, _, parent in expected
    ]
    # [deleted]: marked, and their replies stay under them.
    deleted = [row for row in comments if row.author == "[deleted]"]
    assert len(deleted) == 38 and all(row.deleted for row in deleted)
    deleted_ids = {row.id for row in deleted}
    replies_to_deleted = [
        data
        for _, data, _, parent in expected
        if parent is not None and expected_all[parent][1]["author"] == "[deleted]"
    ]
    assert len(replies_to_deleted) == 24
    assert sum(1 for row in comments if row.parent_id in deleted_ids) == 24
    assert all(row.text for row in comments)
    # Escaped body_html is readable text.
    assert "Please don't ask me how I managed to take this picture" in comments[0].text
    assert comments[0].author == "Saend"
    assert not any("&lt;" in row.text or "&amp;#39;" in row.text or "&#39;" in row.text for row in comments)


@pytest.mark.shared
def test_reddit_every_more_stub_is_a_visible_row(server: FeedServer, store: Store, db_path: Path, shared: Path) -> None:
    expected, rows = reddit_setup(server, store, db_path, shared)
    stubs = [(data, depth, parent) for kind, data, depth, parent in expected if kind == "more"]
    assert len(stubs) == 127  # 114 "N more replies" and 13 "continue this thread"
    stored_stubs = [row for row in rows if is_stub(row)]
    assert len(stored_stubs) == 127, f"{len(stored_stubs)} of 127 'more' stubs stored"
    assert len(rows) == len(expected) == 326
    # The whole thread, stubs included, in display order under the right parents.
    assert [(row.author, row.depth) for row in rows] == [
        ("" if kind == "more" else data["author"], depth) for kind, data, depth, _ in expected
    ]
    assert parent_positions(rows) == [parent for _, _, _, parent in expected]
    for row, (kind, data, _, _) in zip(rows, expected, strict=True):
        if kind == "more":
            count = data["count"]
            label = f"{count} more repl" if count else "continue this thread"
            assert label in row.text, (row.text, data)


# -- Lobsters -----------------------------------------------------------------------


@pytest.mark.shared
def test_lobsters_story_comments_are_flat_with_parents(
    server: FeedServer, store: Store, db_path: Path, shared: Path
) -> None:
    recorded = shared / LOBSTERS_STORY
    server.route("/s/tdfoqh.json", ok(recorded.read_bytes(), "application/json"))
    serve_feed(server, store, Item("lobsters-tdfoqh", "Ranking comments", server.url("/l/1"), comments=LOBSTERS_POST))

    summary = fetch(db_path, settings())

    assert summary.thread_errors == [] and summary.comments == 10
    story = json_body(recorded)
    rows = store.comments(article_id(store, "lobsters-tdfoqh"))
    assert [row.url for row in rows] == [c["short_id_url"] for c in story["comments"]]
    assert [row.author for row in rows] == [c["commenting_user"] for c in story["comments"]]
    assert [row.depth for row in rows] == [c["depth"] for c in story["comments"]]
    short_ids = [c["short_id"] for c in story["comments"]]
    assert [short_ids[p] if p is not None else None for p in parent_positions(rows)] == [
        c["parent_comment"] for c in story["comments"]
    ]
    assert not any(row.deleted for row in rows)
    assert "sum" in rows[0].text or "superficial" in rows[0].text


# -- comment feeds ------------------------------------------------------------------

POST_GUID = "https://blog.example/?p=42"


def wordpress_post(server: FeedServer, count: int = 3) -> Item:
    return Item(
        POST_GUID,
        "The lighthouse",
        server.url("/2026/03/lighthouse/"),
        "<p>A post with comments.</p>",
        comment_rss=server.url("/2026/03/lighthouse/feed/"),
        comment_count=count,
    )


def atom_comments(entries: list[tuple[str, str, str, str]]) -> str:
    """An Atom comment feed: (comment number, author, text, replies-to guid) per entry."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">',
        "<title>Comments on: The lighthouse</title><id>https://blog.example/?p=42#comments</id>",
        "<updated>2026-03-02T12:00:00Z</updated>",
    ]
    for number, author, text, ref in entries:
        parts.append(
            f"<entry><id>{POST_GUID}#comment-{number}</id><title>By: {author}</title>"
            f"<author><name>{author}</name></author>"
            f'<link rel="alternate" href="https://blog.example/2026/03/lighthouse/#comment-{number}"/>'
            f'<thr:in-reply-to ref="{ref}" type="text/html"/>'
            f"<published>2026-03-02T1{number[-1]}:00:00Z</published><updated>2026-03-02T1{number[-1]}:00:00Z</updated>"
            f'<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry>'
        )
    parts.append("</feed>")
    return "\n".join(parts)


THREADED = atom_comments(
    [
        ("17", "ann", "Lovely photos.", POST_GUID),
        ("18", "bob", "Agreed with Ann.", f"{POST_GUID}#comment-17"),
        ("19", "carol", "Was it automated?", POST_GUID),
    ]
)

FLAT = rss(
    [
        Item(
            f"{POST_GUID}#comment-{n}", f"By: {who}", f"https://blog.example/#comment-{n}", f"<p>{text}</p>", author=who
        )
        for n, who, text in [
            (17, "ann", "Lovely photos."),
            (18, "bob", "Agreed with Ann."),
            (19, "carol", "Automated?"),
        ]
    ],
    title="Comments on: The lighthouse",
)


def tree(rows: list[CommentRow]) -> list[tuple[int, str, str | None]]:
    by_id = {row.id: row for row in rows}
    return [(row.depth, row.author, by_id[row.parent_id].author if row.parent_id else None) for row in rows]


def test_wordpress_atom_twin_gives_nested_replies(server: FeedServer, store: Store, db_path: Path) -> None:
    server.route("/2026/03/lighthouse/feed/atom/", ok(THREADED, "application/atom+xml"))
    server.route("/2026/03/lighthouse/feed/", ok(FLAT))
    serve_feed(server, store, wordpress_post(server))

    summary = fetch(db_path, settings())

    assert summary.thread_errors == [] and summary.comments == 3
    assert server.requests_for("/2026/03/lighthouse/feed/") == []
    rows = store.comments(article_id(store, POST_GUID))
    assert tree(rows) == [(0, "ann", None), (1, "bob", "ann"), (0, "carol", None)]
    assert "Agreed with Ann." in rows[1].text
    # The comments are a thread, not articles of their own.
    assert [a.title for a in store.list_articles()] == ["The lighthouse"]


def test_flat_rss_comment_feed_when_the_atom_twin_is_missing(server: FeedServer, store: Store, db_path: Path) -> None:
    server.route("/2026/03/lighthouse/feed/", ok(FLAT))
    serve_feed(server, store, wordpress_post(server))

    summary = fetch(db_path, settings())

    assert summary.thread_errors == [] and summary.comments == 3
    assert [r.path for r in server.requests if "/feed/" in r.path] == [
        "/2026/03/lighthouse/feed/atom/",
        "/2026/03/lighthouse/feed/",
    ]
    rows = store.comments(article_id(store, POST_GUID))
    assert tree(rows) == [(0, "ann", None), (0, "bob", None), (0, "carol", None)]
    assert "Lovely photos." in rows[0].text
    assert [a.title for a in store.list_articles()] == ["The lighthouse"]


def algolia(story_id: int, *authors: str) -> str:
    children = [
        {"id": story_id * 10 + i, "author": who, "created_at_i": 1770000000, "text": f"<p>{who} says hi</p>"}
        for i, who in enumerate(authors)
    ]
    return json.dumps({"id": story_id, "type": "story", "children": children})


def hn_item(server: FeedServer, story_id: int, count: int | None = None) -> Item:
    link = f"https://news.ycombinator.com/item?id={story_id}"
    return Item(
        f"hn-{story_id}", f"Story {story_id}", server.url(f"/story/{story_id}"), comments=link, comment_count=count
    )


def test_broken_comment_feed_loses_nothing(server: FeedServer, store: Store, db_path: Path) -> None:
    server.route("/2026/03/lighthouse/feed/atom/", ok(THREADED, "application/atom+xml"))
    feed_id = serve_feed(server, store, wordpress_post(server, 3))
    assert fetch(db_path, settings()).comments == 3
    post = article_id(store, POST_GUID)
    store.mark([post], read=True, starred=True)
    before = store.comments(post)

    # More comments announced, but the comment feed is broken now; a new story arrives too.
    server.route("/2026/03/lighthouse/feed/atom/", status(500))
    server.route("/2026/03/lighthouse/feed/", status(500))
    server.route("/api/v1/items/777", ok(algolia(777, "dora", "eli"), "application/json"))
    server.route("/feed.xml", ok(rss([wordpress_post(server, 5), hn_item(server, 777)])))
    summary = fetch(db_path, settings())

    assert summary.failed == []
    assert len(summary.thread_errors) == 1
    assert f"article {post}" in summary.thread_errors[0] and "500" in summary.thread_errors[0]
    assert len(server.requests_for("/2026/03/lighthouse/feed/atom/")) == 2
    assert store.comments(post) == before
    (row,) = store.articles_by_ids([post])
    assert (row.title, row.read, row.starred) == ("The lighthouse", True, True)
    assert [c.author for c in store.comments(article_id(store, "hn-777"))] == ["dora", "eli"]
    feed = next(f for f in store.feeds() if f.id == feed_id)
    assert (feed.last_error, feed.error_count, feed.total) == (None, 0, 2)


# -- when threads are fetched -------------------------------------------------------


def test_threads_are_fetched_only_for_new_or_changed_articles(server: FeedServer, store: Store, db_path: Path) -> None:
    api = "/api/v1/items/501"
    server.route(api, ok(algolia(501, "ann", "bob"), "application/json"))
    server.route("/api/v1/items/502", ok(algolia(502, "cy"), "application/json"))
    first_version = rss([hn_item(server, 501, count=2)])
    subscribe(store, server.route("/feed.xml", conditional(first_version, '"e1"', "Mon, 02 Mar 2026 10:00:00 GMT")))

    assert fetch(db_path, settings()).comments == 2
    assert len(server.requests_for(api)) == 1

    # 304: nothing new, no thread requests.
    server.clear()
    unchanged = fetch(db_path, settings())
    assert unchanged.feeds[0].status == "304 not modified"
    assert server.paths() == ["/feed.xml"]

    # The same document again without validators: still nothing to ask.
    server.route("/feed.xml", ok(first_version))
    server.clear()
    assert fetch(db_path, settings()).failed == []
    assert server.paths() == ["/feed.xml"]

    # The comment count went up and a story is new: exactly those two threads.
    server.route(api, ok(algolia(501, "ann", "bob", "cat"), "application/json"))
    server.route("/feed.xml", ok(rss([hn_item(server, 501, count=3), hn_item(server, 502)])))
    server.clear()
    changed = fetch(db_path, settings())
    assert sorted(server.paths()) == ["/api/v1/items/501", "/api/v1/items/502", "/feed.xml"]
    assert changed.comments == 2
    assert [c.author for c in store.comments(article_id(store, "hn-501"))] == ["ann", "bob", "cat"]


# -- on demand (CLI) ----------------------------------------------------------------


@pytest.mark.shared
def test_cli_comments_on_demand(server: FeedServer, run_reader: RunReader, store: Store, shared: Path) -> None:
    server.route("/s/tdfoqh.json", ok((shared / LOBSTERS_STORY).read_bytes(), "application/json"))
    server.route("/api/v1/items/9", status(500))
    items = [
        Item("lobsters-tdfoqh", "Ranking comments", server.url("/l/1"), comments=LOBSTERS_POST),
        Item("forum-1", "Elsewhere", server.url("/f/1"), comments="https://forum.example.org/discussion?id=123"),
        hn_item(server, 9),
    ]
    assert run_reader("add", server.route("/feed.xml", ok(rss(items)))).returncode == 0
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0, fetched.stderr
    assert server.requests_for("/s/tdfoqh.json") == []

    lobsters = str(article_id(store, "lobsters-tdfoqh"))
    result = run_reader("comments", lobsters)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "10 new comments" in result.stdout
    assert len(server.requests_for("/s/tdfoqh.json")) == 1
    shown = json.loads(run_reader("show", "--json", lobsters).stdout)
    assert len(shown["comments"]) == 10

    unknown = run_reader("comments", str(article_id(store, "forum-1")))
    assert unknown.returncode == 0, unknown.stderr
    assert unknown.stderr == ""
    assert "no known comment source" in unknown.stdout
    assert not any("forum" in path for path in server.paths())

    broken_id = article_id(store, "hn-9")
    broken = run_reader("comments", str(broken_id))
    assert broken.returncode == 1
    (line,) = broken.stderr.splitlines()
    assert line.startswith("reader: error: ") and f"article {broken_id}" in line and "500" in line
    listed = json.loads(run_reader("list", "--json").stdout)
    assert sorted(a["title"] for a in listed) == ["Elsewhere", "Ranking comments", "Story 9"]
