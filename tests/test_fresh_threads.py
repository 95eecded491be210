"""Threads kept fresh: a later fetch brings the replies a thread gained since it was fetched.

Real parts: a library file, a loopback server playing Hacker News (Algolia's
items and search), Reddit (a post's ``.json`` and ``api/info``), Lobsters
(``/s/ID.json``) and a blog's feeds, whose threads grow between fetches, and
the real fetch (and the real ``reader`` command where its output matters).
The server counts the requests, so "not fetched again" is what it saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, Recorded, ok, rss, status
from fetch_helpers import fetch_settings, subscribe

from reader.net.http import Limits
from reader.parse.base import ImportFailure
from reader.parse.comments import COUNTED, CommentSources, count_urls, parse_counts
from reader.service.fetch import FetchSettings, FetchSummary, fetch
from reader.store import Store
from reader.text import dates


@dataclass(frozen=True)
class Said:
    """One comment at a source: its id, who wrote it, what it answers (None: the post)."""

    ident: str
    author: str
    parent: str | None = None
    text: str = ""

    def words(self) -> str:
        return self.text or f"{self.author} says {self.ident}"


class Sources:
    """The comment APIs on the test server, their threads changeable between fetches.

    Each thread is served from what it holds at the time of the request, and
    each source reports its count the way the real one does.
    """

    def __init__(self, server: FeedServer) -> None:
        self.server = server
        self.hn: dict[str, list[Said]] = {}
        self.reddit: dict[str, list[Said]] = {}
        self.lobsters: dict[str, list[Said]] = {}
        server.route("/api/v1/search", self._hn_search)
        server.route("/api/info.json", self._reddit_info)

    # Hacker News (Algolia): /items/N is the whole tree, /search the stories' num_comments.

    def hn_thread(self, story: str, *comments: Said) -> None:
        self.hn[story] = list(comments)
        self.server.route(
            f"/api/v1/items/{story}", lambda handler, _server: self._answer(handler, self._algolia(story))
        )

    def _algolia(self, story: str) -> dict[str, Any]:
        nodes: dict[str, dict[str, Any]] = {
            said.ident: {"id": int(said.ident), "author": said.author, "text": f"<p>{said.words()}</p>", "children": []}
            for said in self.hn[story]
        }
        top: list[dict[str, Any]] = []
        for said in self.hn[story]:
            (nodes[said.parent]["children"] if said.parent else top).append(nodes[said.ident])
        return {"id": int(story), "type": "story", "children": top}

    def _hn_search(self, handler: Any, _server: FeedServer) -> None:
        tags = parse_qs(urlsplit(handler.path).query)["tags"][0]
        assert tags.startswith("story,(") and tags.endswith(")"), tags
        asked = [tag.removeprefix("story_") for tag in tags[len("story,(") : -1].split(",")]
        hits = [{"objectID": s, "num_comments": len(self.hn[s]), "title": s} for s in asked if s in self.hn]
        self._answer(handler, {"hits": hits, "nbHits": len(hits)})

    # Reddit: <permalink>.json is the post and its comments, api/info the posts' num_comments.

    def reddit_thread(self, post: str, *comments: Said) -> None:
        self.reddit[post] = list(comments)
        self.server.route(
            f"/r/test/comments/{post}.json", lambda handler, _server: self._answer(handler, self._reddit_json(post))
        )

    def _reddit_post(self, post: str) -> dict[str, Any]:
        data = {"id": post, "name": f"t3_{post}", "num_comments": len(self.reddit[post]), "title": post}
        return {"kind": "t3", "data": {**data, "permalink": f"/r/test/comments/{post}/title/"}}

    def _reddit_json(self, post: str) -> list[Any]:
        things: dict[str, dict[str, Any]] = {}
        top: list[dict[str, Any]] = []
        for said in self.reddit[post]:
            data = {"id": said.ident, "name": f"t1_{said.ident}", "author": said.author, "body": said.words()}
            things[said.ident] = {"kind": "t1", "data": {**data, "created_utc": 1770000000, "replies": ""}}
            if said.parent:
                parent = things[said.parent]["data"]
                if not parent["replies"]:
                    parent["replies"] = {"kind": "Listing", "data": {"children": []}}
                parent["replies"]["data"]["children"].append(things[said.ident])
            else:
                top.append(things[said.ident])
        listing = {"kind": "Listing", "data": {"children": [self._reddit_post(post)]}}
        return [listing, {"kind": "Listing", "data": {"children": top}}]

    def _reddit_info(self, handler: Any, _server: FeedServer) -> None:
        asked = [name.removeprefix("t3_") for name in parse_qs(urlsplit(handler.path).query)["id"][0].split(",")]
        posts = [self._reddit_post(post) for post in asked if post in self.reddit]
        self._answer(handler, {"kind": "Listing", "data": {"children": posts}})

    # Lobsters: /s/ID.json is the story with its comment_count and every comment.

    def lobsters_story(self, story: str, *comments: Said) -> None:
        self.lobsters[story] = list(comments)
        self.server.route(f"/s/{story}.json", lambda handler, _server: self._answer(handler, self._lobsters(story)))

    def _lobsters(self, story: str) -> dict[str, Any]:
        comments = [
            {
                "short_id": said.ident,
                "short_id_url": f"https://lobste.rs/c/{said.ident}",
                "commenting_user": said.author,
                "comment": f"<p>{said.words()}</p>",
                "parent_comment": said.parent,
                "created_at": "2026-03-02T10:00:00.000-06:00",
            }
            for said in self.lobsters[story]
        ]
        return {"short_id": story, "comment_count": len(comments), "comments": comments}

    @staticmethod
    def _answer(handler: Any, document: object) -> None:
        handler.answer(200, json.dumps(document).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sources]:
    """The loopback server with every comment API pointed at it."""
    with FeedServer() as running:
        monkeypatch.setenv("READER_HN_API", running.url("/api/v1"))
        monkeypatch.setenv("READER_REDDIT_URL", running.base)
        monkeypatch.setenv("READER_LOBSTERS_URL", running.base)
        yield Sources(running)


def settings(**overrides: Any) -> FetchSettings:
    return fetch_settings(Limits(total_seconds=20), **overrides)


def hours_ago(hours: float) -> str:
    return format_datetime(datetime.now(UTC) - timedelta(hours=hours), usegmt=True)


def hn_item(sources: Sources, story: str, hours: float = 1) -> Item:
    link = f"https://news.ycombinator.com/item?id={story}"
    return Item(
        f"hn-{story}", f"Story {story}", sources.server.url(f"/story/{story}"), comments=link, pub_date=hours_ago(hours)
    )


def reddit_item(sources: Sources, post: str, hours: float = 1) -> Item:
    link = f"https://www.reddit.com/r/test/comments/{post}/title/"
    return Item(
        f"t3_{post}", f"Post {post}", sources.server.url(f"/r/{post}"), comments=link, pub_date=hours_ago(hours)
    )


def lobsters_item(sources: Sources, story: str, hours: float = 1) -> Item:
    link = f"https://lobste.rs/s/{story}/title"
    return Item(
        f"lobsters-{story}",
        f"Story {story}",
        sources.server.url(f"/l/{story}"),
        comments=link,
        pub_date=hours_ago(hours),
    )


def serve(sources: Sources, store: Store, *items: Item) -> int:
    return subscribe(store, sources.server.route("/feed.xml", ok(rss(items))))


def article_id(store: Store, guid: str) -> int:
    return int(store.conn.execute("SELECT id FROM articles WHERE guid = ?", (guid,)).fetchone()[0])


def authors(store: Store, guid: str) -> list[str]:
    return [comment.author for comment in store.comments(article_id(store, guid))]


def read_a_while_ago(store: Store, guid: str) -> None:
    """The user opened the thread five minutes ago, after its comments came (ten minutes ago)."""
    article = article_id(store, guid)
    with store.transaction():
        store.conn.execute("UPDATE comments SET first_seen = first_seen - 600 WHERE article_id = ?", (article,))
    store.mark_thread_seen(article, dates.now() - 300)


def marked_new(store: Store, guid: str) -> list[str]:
    """The authors of the comments the reader marks `● new`, by its rule (screens/main_reading.py)."""
    detail = store.article(article_id(store, guid))
    assert detail is not None and detail.comments_seen is not None
    seen = detail.comments_seen
    return [c.author for c in detail.comments if c.kind == "comment" and c.first_seen > seen]


def thread_requests(server: FeedServer) -> list[str]:
    """The paths asked for threads (not the feed, not the count checks), in order."""
    counted = ("/feed.xml", "/api/v1/search", "/api/info.json")
    return [urlsplit(r.path).path for r in server.requests if urlsplit(r.path).path not in counted]


def searches(server: FeedServer) -> list[Recorded]:
    return server.requests_for("/api/v1/search")


def quiet(summary: FetchSummary) -> FetchSummary:
    assert summary.failed == [] and summary.thread_errors == [] and summary.error is None, summary
    return summary


# -- new replies come, and only they are new -----------------------------------------


def test_a_later_fetch_brings_the_new_replies_and_marks_only_them_new(
    sources: Sources, store: Store, db_path: Path
) -> None:
    sources.hn_thread("101", Said("1011", "ann"), Said("1012", "bob", "1011"))
    serve(sources, store, hn_item(sources, "101"))
    first = quiet(fetch(db_path, settings()))
    assert (first.threads, first.threads_refreshed, first.comments) == (1, 0, 2)
    read_a_while_ago(store, "hn-101")

    # Two replies since (one deep in the thread), and ann edited hers.
    sources.hn_thread(
        "101",
        Said("1011", "ann", text="ann says 1011, edited"),
        Said("1012", "bob", "1011"),
        Said("1013", "cy", "1012"),
        Said("1014", "dee"),
    )
    sources.server.clear()
    second = quiet(fetch(db_path, settings()))

    assert (second.threads, second.threads_refreshed, second.comments) == (1, 1, 2)
    assert thread_requests(sources.server) == ["/api/v1/items/101"]
    assert len(searches(sources.server)) == 1
    rows = store.comments(article_id(store, "hn-101"))
    assert [(row.author, row.depth) for row in rows] == [("ann", 0), ("bob", 1), ("cy", 2), ("dee", 0)]
    assert "edited" in rows[0].text
    assert marked_new(store, "hn-101") == ["cy", "dee"]


def test_the_command_says_how_many_threads_were_refreshed(
    sources: Sources, store: Store, db_path: Path, run_reader: RunReader
) -> None:
    sources.reddit_thread("r1", Said("c1", "ann"))
    sources.hn_thread("102", Said("1021", "bob"))
    serve(sources, store, reddit_item(sources, "r1"), hn_item(sources, "102", hours=2))
    quiet(fetch(db_path, settings()))
    sources.reddit_thread("r1", Said("c1", "ann"), Said("c2", "cy", "c1"))

    result = run_reader("fetch", "--all", "--no-full-text")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "fetched 1 feed: 0 new articles, 1 new comment in 1 thread (1 refreshed), 0 full pages"
    ]
    report = json.loads(run_reader("fetch", "--all", "--no-full-text", "--json").stdout)
    assert (report["threads"], report["threads_refreshed"], report["comments"]) == (0, 0, 0)


# -- only what changed, only what is recent, only so many ------------------------------------


def test_a_thread_whose_count_did_not_change_is_not_fetched_again(
    sources: Sources, store: Store, db_path: Path
) -> None:
    sources.hn_thread("201", Said("2011", "ann"), Said("2012", "bob"))
    sources.reddit_thread("p2", Said("x1", "cy"))
    serve(sources, store, hn_item(sources, "201"), reddit_item(sources, "p2", hours=3))
    quiet(fetch(db_path, settings()))
    assert sorted(thread_requests(sources.server)) == ["/api/v1/items/201", "/r/test/comments/p2.json"]

    for _ in range(2):  # the first check of HN's count, then one compared with the count it gave
        sources.server.clear()
        again = quiet(fetch(db_path, settings()))
        assert (again.threads, again.threads_refreshed) == (0, 0)
        assert thread_requests(sources.server) == []
        # One request asks each source for every count.
        (search,) = searches(sources.server)
        assert parse_qs(urlsplit(search.path).query)["tags"] == ["story,(story_201)"]
        (info,) = sources.server.requests_for("/api/info.json")
        assert parse_qs(urlsplit(info.path).query)["id"] == ["t3_p2"]

    # Reddit's count moves: that thread alone.
    sources.reddit_thread("p2", Said("x1", "cy"), Said("x2", "dee"))
    sources.server.clear()
    moved = quiet(fetch(db_path, settings()))
    assert (moved.threads, moved.threads_refreshed, moved.comments) == (1, 1, 1)
    assert thread_requests(sources.server) == ["/r/test/comments/p2.json"]
    assert authors(store, "t3_p2") == ["cy", "dee"]


def test_articles_older_than_the_setting_are_not_checked(sources: Sources, store: Store, db_path: Path) -> None:
    sources.hn_thread("301", Said("3011", "ann"))
    sources.hn_thread("302", Said("3021", "bob"))
    serve(sources, store, hn_item(sources, "301", hours=1), hn_item(sources, "302", hours=3 * 24))
    assert quiet(fetch(db_path, settings())).threads == 2
    sources.hn_thread("301", Said("3011", "ann"), Said("3012", "cy"))
    sources.hn_thread("302", Said("3021", "bob"), Said("3022", "dee"))

    sources.server.clear()
    summary = quiet(fetch(db_path, settings()))  # the default: two days

    assert (summary.threads, summary.threads_refreshed) == (1, 1)
    assert thread_requests(sources.server) == ["/api/v1/items/301"]
    (search,) = searches(sources.server)
    assert "story_302" not in search.path
    assert authors(store, "hn-302") == ["bob"]

    # Four days reach it; none asks nothing at all.
    sources.server.clear()
    assert quiet(fetch(db_path, settings(refresh_threads_days=0))).threads == 0
    assert sources.server.paths() == ["/feed.xml"]
    assert quiet(fetch(db_path, settings(refresh_threads_days=4))).threads_refreshed == 1
    assert authors(store, "hn-302") == ["bob", "dee"]


def test_a_run_fetches_at_most_the_limit_newest_first_and_the_rest_next_time(
    sources: Sources, store: Store, db_path: Path
) -> None:
    ages = {"401": 1, "402": 2, "403": 3}
    for number in ages:
        sources.hn_thread(number, Said(f"{number}1", "ann"))
    serve(sources, store, *(hn_item(sources, number, hours) for number, hours in ages.items()))
    assert quiet(fetch(db_path, settings())).threads == 3
    for number in ("401", "402", "403"):
        sources.hn_thread(number, Said(f"{number}1", "ann"), Said(f"{number}2", "bob"))

    sources.server.clear()
    bounded = quiet(fetch(db_path, settings(refresh_threads_limit=2)))
    assert (bounded.threads, bounded.threads_refreshed, bounded.comments) == (2, 2, 2)
    assert sorted(thread_requests(sources.server)) == ["/api/v1/items/401", "/api/v1/items/402"]
    assert authors(store, "hn-403") == ["ann"]

    sources.server.clear()
    rest = quiet(fetch(db_path, settings(refresh_threads_limit=2)))
    assert (rest.threads, rest.threads_refreshed) == (1, 1)
    assert thread_requests(sources.server) == ["/api/v1/items/403"]
    assert authors(store, "hn-403") == ["ann", "bob"]


# -- nothing stored is lost -------------------------------------------------------------


def test_a_failed_refresh_keeps_the_stored_thread_and_is_one_line(
    sources: Sources, store: Store, db_path: Path, run_reader: RunReader
) -> None:
    sources.hn_thread("501", Said("5011", "ann"), Said("5012", "bob", "5011"))
    sources.hn_thread("502", Said("5021", "dee"))
    serve(sources, store, hn_item(sources, "501"), hn_item(sources, "502", hours=2))
    quiet(fetch(db_path, settings()))
    read_a_while_ago(store, "hn-501")
    before = store.comments(article_id(store, "hn-501"))
    sources.hn["501"].append(Said("5013", "cy"))
    sources.server.route("/api/v1/items/501", status(500))

    result = run_reader("fetch", "--no-full-text")

    assert result.returncode == 0, result.stderr
    story = article_id(store, "hn-501")
    assert result.stderr.splitlines() == [f"reader: warning: article {story}: hackernews: HTTP 500"]
    assert store.comments(story) == before
    assert marked_new(store, "hn-501") == []

    # The search failing too (502's count): one line more; 501 is tried again, and fails again.
    sources.server.route("/api/v1/search", status(503))
    down = fetch(db_path, settings())
    assert down.failed == [] and down.threads == 0
    assert down.thread_errors == ["Hacker News comment counts: HTTP 503", f"article {story}: hackernews: HTTP 500"]
    assert store.comments(story) == before


def test_comments_the_source_no_longer_lists_are_kept(sources: Sources, store: Store, db_path: Path) -> None:
    # Lobsters gives its count only with the story: a recent story's thread is fetched each time.
    sources.lobsters_story("ab12", Said("c1", "ann"), Said("c2", "bob", "c1"))
    serve(sources, store, lobsters_item(sources, "ab12"))
    quiet(fetch(db_path, settings()))
    read_a_while_ago(store, "lobsters-ab12")

    # bob's comment is gone from the source; a new one came.
    sources.lobsters_story("ab12", Said("c1", "ann"), Said("c3", "cy", "c1"))
    sources.server.clear()
    summary = quiet(fetch(db_path, settings()))

    assert (summary.threads, summary.threads_refreshed, summary.comments) == (1, 1, 1)
    assert thread_requests(sources.server) == ["/s/ab12.json"]
    assert authors(store, "lobsters-ab12") == ["ann", "bob", "cy"]
    assert marked_new(store, "lobsters-ab12") == ["cy"]


# -- a feed's slash:comments ---------------------------------------------------------------

POST = "https://blog.example/?p=7"


def comment_feed(*entries: tuple[str, str]) -> str:
    return rss(
        [
            Item(f"{POST}#comment-{n}", f"By: {who}", f"https://blog.example/#comment-{n}", f"<p>{who}</p>", author=who)
            for n, who in entries
        ],
        title="Comments on: a post",
    )


def test_a_changed_slash_comments_fetches_the_comment_feed_again(sources: Sources, store: Store, db_path: Path) -> None:
    server = sources.server

    def post(count: int) -> Item:
        return Item(
            POST,
            "A post",
            server.url("/post/7"),
            "<p>Text.</p>",
            comment_rss=server.url("/post/7/comments.xml"),
            comment_count=count,
            pub_date=hours_ago(1),
        )

    server.route("/post/7/comments.xml", ok(comment_feed(("1", "ann"), ("2", "bob"))))
    serve(sources, store, post(2))
    assert quiet(fetch(db_path, settings())).comments == 2
    read_a_while_ago(store, POST)

    # The same count: the comment feed is not asked.
    server.clear()
    assert quiet(fetch(db_path, settings())).threads == 0
    assert server.paths() == ["/feed.xml"]

    server.route("/post/7/comments.xml", ok(comment_feed(("1", "ann"), ("2", "bob"), ("3", "cy"))))
    server.route("/feed.xml", ok(rss([post(3)])))
    server.clear()
    summary = quiet(fetch(db_path, settings()))

    assert (summary.threads, summary.threads_refreshed, summary.comments) == (1, 1, 1)
    assert server.paths() == ["/feed.xml", "/post/7/comments.xml"]
    assert authors(store, POST) == ["ann", "bob", "cy"]
    assert marked_new(store, POST) == ["cy"]


# -- asking for counts ------------------------------------------------------------------


def test_count_requests_carry_only_ids_and_answers_only_counts() -> None:
    bases = CommentSources("http://127.0.0.1:9/api/v1", "http://127.0.0.1:9", "http://127.0.0.1:9")
    keys = [str(n) for n in range(1, 151)] + ["1", "12&tags=x", "٣"]
    requests = count_urls("hackernews", keys, bases)
    assert [len(chunk) for _url, chunk in requests] == [100, 50]
    assert requests[1][0] == (
        "http://127.0.0.1:9/api/v1/search?tags=story,(" + ",".join(f"story_{n}" for n in range(101, 151)) + ")"
        "&hitsPerPage=50"
    )
    ((url, chunk),) = count_urls("reddit", ["abc", "x/y", "def"], bases)
    assert (url, chunk) == ("http://127.0.0.1:9/api/info.json?id=t3_abc,t3_def&raw_json=1", ["abc", "def"])

    hits = [
        {"objectID": "7", "num_comments": 12},
        {"objectID": "8", "num_comments": None},
        {"objectID": "9", "num_comments": True},
        {"objectID": "x", "num_comments": 3},
        {"objectID": 10, "num_comments": -4},
        "junk",
    ]
    assert parse_counts("hackernews", json.dumps({"hits": hits}).encode()) == {"7": 12, "10": 0}
    posts = [
        {"kind": "t3", "data": {"id": "abc", "num_comments": 5}},
        {"kind": "t1", "data": {"id": "def", "num_comments": 6}},
        {"kind": "t3", "data": {"id": "../x", "num_comments": 7}},
    ]
    listing = {"kind": "Listing", "data": {"children": posts}}
    assert parse_counts("reddit", json.dumps(listing).encode()) == {"abc": 5}
    for kind in COUNTED:
        with pytest.raises(ImportFailure):
            parse_counts(kind, b"<html>rate limited</html>")
        with pytest.raises(ImportFailure):
            parse_counts(kind, b"[1, 2]")
