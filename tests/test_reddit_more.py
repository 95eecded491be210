"""Reddit's "more replies" placeholders: stored as their own kind of row, and fetched on demand.

A thread is fetched from a real (loopback) server replaying Reddit's answers
(READER_REDDIT_URL points the fetcher at it): placeholders are rows of kind
"more" that are never counted, searched or shown as a comment by nobody,
and :func:`reader.service.fetch.fetch_more_replies` puts the replies behind one in
its place. The recorded thread is read in place from ../shared (the
``shared`` fixture); the small threads and ``api/morechildren`` answers
below are BUILT from Reddit's documented API shape
(https://www.reddit.com/dev/api#GET_api_morechildren), not recorded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import RunReader
from feedserver import Behaviour, FeedServer, Item, ok, rss, status

from reader.models import CommentRow, FeedData
from reader.net.http import Limits
from reader.service.fetch import FetchSettings, MoreResult, fetch, fetch_comments, fetch_more_replies
from reader.service.reading import read_article
from reader.store import Store
from reader.store.schema import MIGRATIONS

RECORDED_THREAD = "corpus/comments/reddit/rtv/extracted/test_content_flatten_comments.json"
RECORDED_MORE = "corpus/comments/reddit/rtv/extracted/test_content_flatten_comments.morechildren.json"
RECORDED_POST = "https://www.reddit.com/r/AskReddit/comments/cmwov/hey_reddit_what_tattoos_do_you_have/"

POST = "https://www.reddit.com/r/test/comments/abc123/a_built_thread/"
THREAD_PATH = "/r/test/comments/abc123.json"
MORE_PATH = "/api/morechildren.json"
#: The top-level stub of the built thread lists this many reply ids (more than one call's 100).
MANY = 150


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """The loopback server, with Reddit's base URL pointed at it."""
    with FeedServer() as running:
        monkeypatch.setenv("READER_REDDIT_URL", running.base)
        yield running


def settings() -> FetchSettings:
    return FetchSettings(limits=Limits(total_seconds=20), full_text=False, parse_processes=1)


def json_answer(document: Any) -> Behaviour:
    return ok(json.dumps(document), "application/json")


def article_id(store: Store, guid: str) -> int:
    return int(store.conn.execute("SELECT id FROM articles WHERE guid = ?", (guid,)).fetchone()[0])


def comment_count(store: Store, article: int) -> int:
    (row,) = store.articles_by_ids([article])
    return row.comment_count


def assert_index_whole(store: Store) -> None:
    """The search index holds exactly what was put in it: a delete of a row never indexed would damage it."""
    store.conn.execute("INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def by_text(rows: list[CommentRow], needle: str) -> CommentRow:
    (row,) = [row for row in rows if row.kind == "comment" and needle in row.text]
    return row


def outline(rows: list[CommentRow]) -> list[tuple[int, str]]:
    """Each row as (depth, what it is): the comment's text, or "more N" for a placeholder."""
    return [(row.depth, f"more {row.more_count}" if row.kind == "more" else row.text.strip()) for row in rows]


def requested_ids(server: FeedServer) -> list[list[str]]:
    """The ``children`` of every morechildren request, in order."""
    calls = [parse_qs(urlsplit(r.path).query) for r in server.requests_for(MORE_PATH)]
    for query in calls:
        assert query["api_type"] == ["json"] and query["link_id"] == ["t3_abc123"] and query["raw_json"] == ["1"]
    return [query["children"][0].split(",") for query in calls]


# -- built answers (Reddit's documented shape, not recorded) ------------------------


def t1(ident: str, author: str, body: str, parent: str, replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A listing comment (``kind: t1``); ``replies`` nested the way a permalink .json nests them."""
    data: dict[str, Any] = {
        "id": ident,
        "name": f"t1_{ident}",
        "author": author,
        "body": body,
        "body_html": f"&lt;div class=&quot;md&quot;&gt;&lt;p&gt;{body}&lt;/p&gt;&lt;/div&gt;",
        "created_utc": 1770000000,
        "parent_id": parent,
        "permalink": f"/r/test/comments/abc123/a_built_thread/{ident}/",
        "replies": {"kind": "Listing", "data": {"children": replies}} if replies else "",
    }
    return {"kind": "t1", "data": data}


def more(ident: str, count: int, children: list[str], parent: str) -> dict[str, Any]:
    return {
        "kind": "more",
        "data": {"count": count, "id": ident, "name": f"t1_{ident}", "children": children, "parent_id": parent},
    }


def many_ids() -> list[str]:
    return [f"z{n:03d}" for n in range(MANY)]


def built_thread() -> list[dict[str, Any]]:
    """A permalink .json: alice (bob, then a stub for 4 replies), carol, then a top-level stub for 150."""
    comments = [
        t1(
            "c1",
            "alice",
            "alice opens",
            "t3_abc123",
            [t1("c2", "bob", "bob answers", "t1_c1"), more("m1", 4, ["m1", "m2"], "t1_c1")],
        ),
        t1("c3", "carol", "carol agrees", "t3_abc123"),
        more("z000", MANY + 40, many_ids(), "t3_abc123"),
    ]
    post = {"kind": "t3", "data": {"id": "abc123", "name": "t3_abc123", "title": "A built thread", "num_comments": 197}}
    return [
        {"kind": "Listing", "data": {"children": [post]}},
        {"kind": "Listing", "data": {"children": comments}},
    ]


def more_children_answer(things: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET api/morechildren``'s answer: a flat list in display order, each thing naming its parent."""
    for thing in things:
        thing["data"]["replies"] = ""
    return {"json": {"errors": [], "data": {"things": things}}}


#: The answer for the stub under alice (ids m1, m2): m1 with a reply m3, whose
#: own reply m4 is left out (a further stub), then m2.
NESTED_ANSWER = more_children_answer(
    [
        t1("m1", "dave", "dave was first", "t1_c1"),
        t1("m3", "erin", "erin replies to dave", "t1_m1"),
        more("m4", 1, ["m4"], "t1_m3"),
        t1("m2", "fay", "fay was second", "t1_c1"),
    ]
)


def serve_built_thread(server: FeedServer, store: Store, db_path: Path) -> int:
    """Subscribe to a feed linking the built thread and fetch it; returns the article id."""
    server.route(THREAD_PATH, json_answer(built_thread()))
    url = server.route("/feed.xml", ok(rss([Item("t3_abc123", "A built thread", server.url("/post"), comments=POST)])))
    store.add_feed(FeedData(key=url, url=url, title="r/test", kind="feed"))
    summary = fetch(db_path, settings())
    assert summary.failed == [] and summary.thread_errors == [] and summary.threads == 1
    return article_id(store, "t3_abc123")


def placeholder(rows: list[CommentRow], count: int) -> CommentRow:
    (row,) = [row for row in rows if row.kind == "more" and row.more_count == count]
    return row


# -- what a fetched thread stores ----------------------------------------------------


def test_built_thread_stores_placeholders_apart_from_comments(
    server: FeedServer, store: Store, db_path: Path, run_reader: RunReader
) -> None:
    post = serve_built_thread(server, store, db_path)

    rows = store.comments(post)
    assert outline(rows) == [
        (0, "alice opens"),
        (1, "bob answers"),
        (1, "more 4"),
        (0, "carol agrees"),
        (0, f"more {MANY + 40}"),
    ]
    assert placeholder(rows, 4).more_children == ["m1", "m2"]
    assert placeholder(rows, MANY + 40).more_children == many_ids()
    assert all(row.author == "" and row.published is None for row in rows if row.kind == "more")
    # Three comments, whatever the placeholders stand for; Reddit's own total is kept beside it.
    assert comment_count(store, post) == 3
    detail = read_article(store, post)
    assert detail is not None and detail.source_comment_count == 197
    # A placeholder's label is not something to search for.
    assert store.search("fetched") == []
    assert [a.id for a in store.search("carol")] == [post]

    shown = run_reader("show", str(post))
    assert shown.returncode == 0, shown.stderr
    assert "\u2500\u2500 Reddit \u00b7 3 comments \u2500\u2500" in shown.stdout
    assert "\n  [\u2026 4 more replies not fetched]\n" in shown.stdout
    assert f"\n[\u2026 {MANY + 40} more replies not fetched]\n" in shown.stdout
    assert "anonymous" not in shown.stdout
    as_json = json.loads(run_reader("show", "--json", str(post)).stdout)
    assert as_json["comment_count"] == 3
    assert [(c["kind"], c["more_count"], c["depth"], c["author"]) for c in as_json["comments"]] == [
        ("comment", 0, 0, "alice"),
        ("comment", 0, 1, "bob"),
        ("more", 4, 1, ""),
        ("comment", 0, 0, "carol"),
        ("more", MANY + 40, 0, ""),
    ]


# -- loading the replies behind a placeholder -----------------------------------------


def test_more_replies_take_the_placeholders_place_under_the_right_parents(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    post = serve_built_thread(server, store, db_path)
    server.route(MORE_PATH, json_answer(NESTED_ANSWER))
    stub = placeholder(store.comments(post), 4)

    result = fetch_more_replies(db_path, stub.id, settings())

    assert result == MoreResult(added=3, error=None)
    assert requested_ids(server) == [["m1", "m2"]]
    rows = store.comments(post)
    assert outline(rows) == [
        (0, "alice opens"),
        (1, "bob answers"),
        (1, "dave was first"),
        (2, "erin replies to dave"),
        (3, "more 1"),
        (1, "fay was second"),
        (0, "carol agrees"),
        (0, f"more {MANY + 40}"),
    ]
    alice, dave, erin = by_text(rows, "alice"), by_text(rows, "dave was"), by_text(rows, "erin")
    assert (dave.parent_id, erin.parent_id, by_text(rows, "fay").parent_id) == (alice.id, dave.id, alice.id)
    assert (dave.author, dave.deleted) == ("dave", False)
    assert placeholder(rows, 1).parent_id == erin.id and placeholder(rows, 1).more_children == ["m4"]
    assert stub.id not in {row.id for row in rows}
    assert comment_count(store, post) == 3 + 3
    # The fetched replies are searchable; the new placeholder is not.
    assert [a.id for a in store.search("erin")] == [post]
    assert store.search("fetched") == []
    assert_index_whole(store)
    # A new date for the article moves its comments in the index, and only them.
    store.conn.execute("UPDATE articles SET published = published + 60 WHERE id = ?", (post,))
    assert_index_whole(store)
    assert [a.id for a in store.search("erin")] == [post]

    # Loading the same row again: it is gone, and nothing is asked or added.
    again = fetch_more_replies(db_path, stub.id, settings())
    assert again.added == 0 and again.error is not None and "\n" not in again.error
    assert len(server.requests_for(MORE_PATH)) == 1
    assert comment_count(store, post) == 6


def test_a_long_list_is_fetched_100_ids_at_a_time_leaving_a_row_for_the_rest(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    post = serve_built_thread(server, store, db_path)
    ids = many_ids()
    first = more_children_answer(
        [
            t1("z000", "gus", "gus at the top", "t3_abc123"),
            t1("zz01", "hal", "hal answers gus", "t1_z000"),
            t1("z001", "ivy", "ivy at the top too", "t3_abc123"),
        ]
    )
    server.route(MORE_PATH, json_answer(first))
    stub = placeholder(store.comments(post), MANY + 40)

    assert fetch_more_replies(db_path, stub.id, settings()) == MoreResult(added=3)

    assert requested_ids(server) == [ids[:100]]
    rows = store.comments(post)
    rest = placeholder(rows, MANY + 40 - 3)
    assert rest.more_children == ids[100:]
    assert outline(rows)[-4:] == [
        (0, "gus at the top"),
        (1, "hal answers gus"),
        (0, "ivy at the top too"),
        (0, f"more {MANY + 40 - 3}"),
    ]
    assert comment_count(store, post) == 6

    # The rest: the last 50 ids, and the row is gone.
    server.route(MORE_PATH, json_answer(more_children_answer([t1("z149", "jo", "jo comes last", "t3_abc123")])))
    assert fetch_more_replies(db_path, rest.id, settings()) == MoreResult(added=1)
    assert requested_ids(server)[-1] == ids[100:]
    rows = store.comments(post)
    assert outline(rows)[-1] == (0, "jo comes last")
    assert not any(row.kind == "more" and row.depth == 0 for row in rows)
    assert comment_count(store, post) == 7


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (status(500), "HTTP 500"),
        (ok("<html><body>upstream trouble</body></html>", "text/html"), "JSON"),
        (json_answer({"json": {"errors": [["RATELIMIT", "you are doing that too much", "ratelimit"]]}}), "RATELIMIT"),
        (json_answer({"things": []}), "morechildren"),
    ],
    ids=["http-500", "not-json", "reddit-error", "other-json"],
)
def test_a_failed_fetch_is_one_line_and_changes_nothing(
    server: FeedServer, store: Store, db_path: Path, answer: Behaviour, expected: str
) -> None:
    post = serve_built_thread(server, store, db_path)
    server.route(MORE_PATH, answer)
    before = store.comments(post)
    stub = placeholder(before, 4)

    result = fetch_more_replies(db_path, stub.id, settings())

    assert result.added == 0 and result.error is not None
    assert "\n" not in result.error and "Traceback" not in result.error
    assert expected in result.error
    assert len(server.requests_for(MORE_PATH)) == 1
    assert store.comments(post) == before
    assert comment_count(store, post) == 3


def test_continue_this_thread_fetches_the_parent_comments_permalink(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    continued = {"kind": "more", "data": {"count": 0, "id": "_", "name": "t1__", "children": [], "parent_id": "t1_d1"}}
    deep = t1("d1", "kim", "kim goes deep", "t1_c1", [continued])
    document = built_thread()
    document[1]["data"]["children"][1]["data"]["replies"] = {"kind": "Listing", "data": {"children": [deep]}}
    server.route(THREAD_PATH, json_answer(document))
    url = server.route("/feed.xml", ok(rss([Item("t3_abc123", "A built thread", server.url("/post"), comments=POST)])))
    store.add_feed(FeedData(key=url, url=url, title="r/test", kind="feed"))
    assert fetch(db_path, settings()).thread_errors == []
    post = article_id(store, "t3_abc123")
    stub = placeholder(store.comments(post), 0)
    # The comment's own permalink: itself first, its replies nested in it.
    subtree = [
        document[0],
        {
            "kind": "Listing",
            "data": {
                "children": [
                    t1(
                        "d1",
                        "kim",
                        "kim goes deep",
                        "t1_c3",
                        [t1("d2", "lee", "lee goes deeper", "t1_d1", [t1("d3", "max", "max at the bottom", "t1_d2")])],
                    )
                ]
            },
        },
    ]
    server.route("/r/test/comments/abc123/_/d1.json", json_answer(subtree))

    assert fetch_more_replies(db_path, stub.id, settings()) == MoreResult(added=2)

    rows = store.comments(post)
    kim = by_text(rows, "kim")
    assert outline(rows)[3:7] == [
        (0, "carol agrees"),
        (1, "kim goes deep"),
        (2, "lee goes deeper"),
        (3, "max at the bottom"),
    ]
    assert by_text(rows, "lee").parent_id == kim.id and kim.parent_id == by_text(rows, "carol").id
    assert sum(1 for row in rows if "kim goes deep" in row.text) == 1
    assert comment_count(store, post) == 3 + 1 + 2


def test_fetching_the_thread_again_does_not_offer_replies_already_loaded(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    post = serve_built_thread(server, store, db_path)
    server.route(MORE_PATH, json_answer(NESTED_ANSWER))
    assert fetch_more_replies(db_path, placeholder(store.comments(post), 4).id, settings()).added == 3
    loaded = outline(store.comments(post))

    # Reddit still lists the stub for m1 and m2 under alice: both are shown already.
    summary = fetch_comments(db_path, [post], settings())

    assert summary.thread_errors == [] and summary.comments == 0
    assert outline(store.comments(post)) == loaded
    assert comment_count(store, post) == 6


# -- the recorded thread ---------------------------------------------------------------


def recorded_preorder(document: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, data) of every comment and stub of a permalink .json, in display order."""
    out: list[tuple[str, dict[str, Any]]] = []
    stack = list(reversed(document[1]["data"]["children"]))
    while stack:
        thing = stack.pop()
        out.append((thing["kind"], thing["data"]))
        replies = thing["data"].get("replies") if thing["kind"] == "t1" else None
        if isinstance(replies, dict):
            stack.extend(reversed(replies["data"]["children"]))
    return out


def fetch_recorded(server: FeedServer, store: Store, db_path: Path, shared: Path) -> int:
    server.route("/r/AskReddit/comments/cmwov.json", ok((shared / RECORDED_THREAD).read_bytes(), "application/json"))
    url = server.route("/feed.xml", ok(rss([Item("t3_cmwov", "Tattoos", server.url("/r/1"), comments=RECORDED_POST)])))
    store.add_feed(FeedData(key=url, url=url, title="r/AskReddit", kind="feed"))
    summary = fetch(db_path, settings())
    assert summary.failed == [] and summary.thread_errors == [] and summary.threads == 1
    assert summary.comments == 199
    return article_id(store, "t3_cmwov")


@pytest.mark.shared
def test_recorded_thread_counts_199_comments_not_its_127_placeholders(
    server: FeedServer, store: Store, db_path: Path, shared: Path, run_reader: RunReader
) -> None:
    post = fetch_recorded(server, store, db_path, shared)
    expected = recorded_preorder(json.loads((shared / RECORDED_THREAD).read_bytes()))

    rows = store.comments(post)
    assert [row.kind for row in rows] == ["comment" if kind == "t1" else "more" for kind, _ in expected]
    assert sum(1 for row in rows if row.kind == "more") == 127
    stubs = [(row, data) for row, (kind, data) in zip(rows, expected, strict=True) if kind == "more"]
    assert [row.more_count for row, _ in stubs] == [data["count"] for _, data in stubs]
    assert [row.more_children for row, _ in stubs] == [data["children"] for _, data in stubs]
    assert not any(row.author in ("", "anonymous") for row in rows if row.kind == "comment")
    assert all(row.author == "" for row in rows if row.kind == "more")
    assert comment_count(store, post) == 199
    detail = read_article(store, post)
    assert detail is not None and detail.source_comment_count == 1376

    shown = run_reader("show", str(post))
    assert shown.returncode == 0, shown.stderr
    assert "\u2500\u2500 Reddit \u00b7 199 comments \u2500\u2500" in shown.stdout and "anonymous" not in shown.stdout
    assert shown.stdout.count(" more replies not fetched]") + shown.stdout.count(" more reply not fetched]") == 114
    assert shown.stdout.count("[\u2026 this thread continues (replies not fetched)]") == 13


@pytest.mark.shared
def test_recorded_morechildren_answer_fills_in_the_top_level_replies(
    server: FeedServer, store: Store, db_path: Path, shared: Path
) -> None:
    post = fetch_recorded(server, store, db_path, shared)
    answer = json.loads((shared / RECORDED_MORE).read_bytes())
    server.route(MORE_PATH, ok((shared / RECORDED_MORE).read_bytes(), "application/json"))
    rows = store.comments(post)
    (top,) = [row for row in rows if row.kind == "more" and row.depth == 0]
    assert (top.more_count, len(top.more_children)) == (440, 220)

    result = fetch_more_replies(db_path, top.id, settings())

    things = answer["json"]["data"]["things"]
    comments = [thing["data"] for thing in things if thing["kind"] == "t1"]
    assert result == MoreResult(added=len(comments)) and len(comments) == 96
    asked = parse_qs(urlsplit(server.requests_for(MORE_PATH)[0].path).query)
    assert asked["children"] == [",".join(top.more_children[:100])] and asked["link_id"] == ["t3_cmwov"]
    rows = store.comments(post)
    assert comment_count(store, post) == 199 + 96
    # Every stored comment's link ends in its id (the answer gives no permalinks; the thread's path makes them).
    by_reddit_id = {(row.url or "").rstrip("/").rsplit("/", 1)[-1]: row for row in rows if row.kind == "comment"}
    assert len(by_reddit_id) == 199 + 96
    for data in comments:
        row = by_reddit_id[data["id"]]
        assert row.url == f"https://www.reddit.com/r/AskReddit/comments/cmwov/_/{data['id']}/"
        assert (row.author, row.kind) == (data["author"], "comment")
        # Reddit's own depth, and the parent it names.
        assert row.depth == data["depth"], data["id"]
        if data["parent_id"].startswith("t3_"):
            assert row.parent_id is None
        else:
            assert row.parent_id == by_reddit_id[data["parent_id"][3:]].id
    # Reddit's answer holds a top-level stub of its own for what it left out:
    # the ids not asked for yet join it, in one row at the end of the thread.
    (answer_rest,) = [t["data"] for t in things if t["kind"] == "more" and t["data"]["parent_id"] == "t3_cmwov"]
    assert sum(1 for row in rows if row.kind == "more") == 127 - 1 + 37
    (rest,) = [row for row in rows if row.kind == "more" and row.depth == 0]
    assert rows[-1] == rest
    assert rest.more_children[: len(answer_rest["children"])] == answer_rest["children"]
    assert set(rest.more_children) == set(answer_rest["children"]) | set(top.more_children[100:])
    assert rest.more_count >= answer_rest["count"] + 120


# -- a library from before placeholders were a kind of row -------------------------------


def library_at_schema_6(db_path: Path) -> None:
    """A library as version 6 left it: a Reddit thread whose stubs are comments by nobody, indexed for search."""
    raw = sqlite3.connect(db_path)
    for script in MIGRATIONS[:6]:
        raw.executescript(script)
    raw.execute("PRAGMA user_version = 6")
    raw.execute(
        "INSERT INTO feeds (id, key, url, title, kind, created) "
        "VALUES (1, 'f', 'http://127.0.0.1/f', 'r/test', 'feed', 0)"
    )
    raw.execute(
        "INSERT INTO articles (id, feed_id, guid, title, published, first_seen, comment_count, comments_url) "
        "VALUES (1, 1, 't3_abc123', 'Old thread', 1770000000, 1770000000, 3, ?)",
        (POST,),
    )
    rows = [
        (1, "reddit:t1_c1", None, None, 0, 0, "alice", 1770000100, "alice was here", 0),
        (2, "reddit-more:m1", "reddit:t1_c1", 1, 1, 1, "", None, "\u2026 12 more replies (not fetched)", 1),
        (
            3,
            "reddit-more:reddit:t1_c1:_",
            "reddit:t1_c1",
            1,
            2,
            1,
            "",
            None,
            "\u2026 continue this thread (not fetched)",
            1,
        ),
    ]
    raw.executemany(
        "INSERT INTO comments (id, article_id, guid, parent_guid, parent_id, source_rank, position, depth, "
        "author, published, text, deleted, first_seen) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1770000200)",
        [
            (i, guid, pg, pid, rank, rank, depth, author, when, text, deleted)
            for i, guid, pg, pid, rank, depth, author, when, text, deleted in rows
        ],
    )
    # Indexed for search as the store of that version did (every comment row).
    raw.execute(
        "INSERT INTO articles_fts (rowid, title, text) SELECT (published << 31) | id, title, text FROM articles"
    )
    raw.execute(
        "INSERT INTO comments_fts (rowid, text) SELECT (a.published << 31) | c.id, c.text "
        "FROM comments c JOIN articles a ON a.id = c.article_id"
    )
    raw.commit()
    raw.close()


def test_a_schema_6_library_turns_its_stubs_into_placeholders(
    server: FeedServer, db_path: Path, run_reader: RunReader
) -> None:
    library_at_schema_6(db_path)
    with Store(db_path) as store:  # opening it migrates it
        rows = store.comments(1)
        assert [(row.kind, row.more_count, row.author, row.depth) for row in rows] == [
            ("comment", 0, "alice", 0),
            ("more", 12, "", 1),
            ("more", 0, "", 1),
        ]
        assert all(row.more_children == [] for row in rows)
        assert comment_count(store, 1) == 1
        # The labels left the search index; the comment is still in it, and the index is whole.
        assert store.search("fetched") == [] and store.search("replies") == []
        assert [a.id for a in store.search("alice")] == [1]
        assert_index_whole(store)

    shown = run_reader("show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "\u2500\u2500 Reddit \u00b7 1 comment \u2500\u2500" in shown.stdout
    assert "\n  [\u2026 12 more replies not fetched]\n" in shown.stdout
    assert "anonymous" not in shown.stdout

    # Its ids were never kept: the way to the replies is fetching the thread again.
    result = fetch_more_replies(db_path, 2, settings())
    assert result.added == 0 and result.error is not None and "\n" not in result.error
    assert "fetch the thread again" in result.error and "reader comments 1" in result.error
    assert server.requests == []

    # Removing the article removes exactly what was indexed (a wrong delete would damage the index).
    with Store(db_path) as store:
        assert store.prune(older_than=2_000_000_000, unread=True) == 1
        assert_index_whole(store)
        assert store.search("alice") == []
