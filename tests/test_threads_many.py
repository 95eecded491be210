"""Several threads per article: each keyed by its source and id there, laid out one after another.

Real parts: a library file made by the real store (and one made by the
migrations of schema 12, as an older reader left it), the real ``reader``
command for what a user reads (``show``, ``show --json``, ``search``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss
from fetch_helpers import fetch_settings, subscribe

from reader.models import ArticleData, CommentData, FeedData, ImportBatch, ThreadRef
from reader.net.http import Limits
from reader.parse.comments import CommentSources
from reader.service.fetch import fetch
from reader.store import Store
from reader.store.schema import MIGRATIONS
from reader.text.sanitize import normalize_url


def article_with_feed(store: Store) -> int:
    feed = FeedData(key="http://127.0.0.1:9/feed.xml", title="A blog", url="http://127.0.0.1:9/feed.xml")
    article = ArticleData(guid="post-1", title="Gardens on roofs", text="About roofs.", url="http://blog/p1")
    store.store_batch(ImportBatch("RSS", [feed], [(feed, article)]))
    found = store.find_article("post-1")
    assert found is not None
    return found


def said(guid: str, author: str, text: str, parent: str | None = None) -> CommentData:
    return CommentData(guid=guid, author=author, text=text, parent_guid=parent, published=1_770_000_000)


def two_threads(store: Store) -> tuple[int, int, int]:
    """An article discussed on Hacker News (3 comments, a reply chain) and on Lobsters (2)."""
    article = article_with_feed(store)
    hn = store.open_thread(article, ThreadRef("hackernews", "4242", "https://news.ycombinator.com/item?id=4242"))
    lobsters = store.open_thread(
        article, ThreadRef("lobsters", "abc123", "https://lobste.rs/s/abc123", title="Gardens", points=31), "lookup"
    )
    store.add_comments(
        article,
        [
            said("hn:1", "ann", "first on hn"),
            said("hn:2", "bob", "a reply", "hn:1"),
            said("hn:3", "cy", "deeper", "hn:2"),
        ],
        thread_id=hn,
    )
    store.add_comments(
        article,
        [said("lobsters:x1", "dee", "marmalade on lobsters"), said("lobsters:x2", "eve", "answer", "lobsters:x1")],
        thread_id=lobsters,
    )
    return article, hn, lobsters


def test_each_thread_keeps_its_comments_tree_and_count(store: Store) -> None:
    article, hn, lobsters = two_threads(store)
    detail = store.article(article)
    assert detail is not None
    assert [(t.source, t.comment_count) for t in detail.threads] == [("hackernews", 3), ("lobsters", 2)]
    assert detail.article.comment_count == 5  # the list's count is the sum
    by_thread = [(c.thread_id, c.author, c.depth) for c in detail.comments]
    # One thread after the other, each a tree.
    assert by_thread == [(hn, "ann", 0), (hn, "bob", 1), (hn, "cy", 2), (lobsters, "dee", 0), (lobsters, "eve", 1)]
    lobsters_info = detail.threads[1]
    assert (lobsters_info.title, lobsters_info.points, lobsters_info.found_by) == ("Gardens", 31, "lookup")


def test_one_discussion_found_twice_is_stored_once(store: Store) -> None:
    article, hn, _lobsters = two_threads(store)
    again = store.open_thread(
        article, ThreadRef("hackernews", "4242", "https://news.ycombinator.com/item?id=4242"), "lookup"
    )
    assert again == hn
    store.add_comments(article, [said("hn:1", "ann", "first on hn"), said("hn:4", "dan", "new")], thread_id=again)
    detail = store.article(article)
    assert detail is not None
    assert [(t.source, t.comment_count) for t in detail.threads] == [("hackernews", 4), ("lobsters", 2)]


def test_a_reply_cannot_hang_under_another_threads_comment(store: Store) -> None:
    article, _hn, lobsters = two_threads(store)
    store.add_comments(article, [said("lobsters:x3", "fay", "odd parent", "hn:1")], thread_id=lobsters)
    detail = store.article(article)
    assert detail is not None
    odd = next(c for c in detail.comments if c.author == "fay")
    assert (odd.thread_id, odd.parent_id, odd.depth) == (lobsters, None, 0)


def test_seen_is_kept_per_thread(store: Store) -> None:
    article, hn, lobsters = two_threads(store)
    store.mark_thread_seen(article, 1_780_000_000, thread_id=hn)
    seen = {t.id: t.seen for t in store.threads(article)}
    assert seen == {hn: 1_780_000_000, lobsters: None}


def test_show_prints_every_thread_under_its_source(store: Store, run_reader: RunReader) -> None:
    article, _hn, _lobsters = two_threads(store)
    shown = run_reader("show", str(article), "--no-pager")
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    hn_at = out.index("\u2500\u2500 Hacker News \u00b7 3 comments \u2500\u2500")
    lobsters_at = out.index("\u2500\u2500 Lobsters \u00b7 2 comments \u2500\u2500")
    assert hn_at < out.index("first on hn") < lobsters_at < out.index("marmalade on lobsters")
    assert "Thread: https://lobste.rs/s/abc123" in out

    as_json = json.loads(run_reader("show", str(article), "--json").stdout)
    threads = as_json["threads"]
    assert [(t["source"], t["label"], t["comment_count"]) for t in threads] == [
        ("hackernews", "Hacker News", 3),
        ("lobsters", "Lobsters", 2),
    ]
    assert [c["author"] for c in threads[1]["comments"]] == ["dee", "eve"]
    assert len(as_json["comments"]) == 5  # every thread's, as before there were several


def test_search_says_on_which_thread_a_comment_matched(store: Store, run_reader: RunReader) -> None:
    two_threads(store)
    found = run_reader("search", "marmalade")
    assert found.returncode == 0, found.stderr
    assert "in a comment by dee on Lobsters (id " in found.stdout
    (result,) = json.loads(run_reader("search", "marmalade", "--json").stdout)
    assert (result["match_in"], result["comment_thread"]) == ("comment", "lobsters")


def library_at_schema_12(db_path: Path) -> None:
    """A library as schema 12 left it: an article with a Hacker News thread of two comments, seen once."""
    raw = sqlite3.connect(db_path)
    raw.create_function("reader_url_key", 1, normalize_url, deterministic=True)  # as the store's connection has
    for script in MIGRATIONS[:12]:
        raw.executescript(script)
    raw.execute("PRAGMA user_version = 12")
    raw.execute(
        "INSERT INTO feeds (id, key, url, title, kind, created) VALUES (1, 'f', 'http://127.0.0.1/f', 'HN', 'feed', 0)"
    )
    raw.execute(
        """INSERT INTO articles (id, feed_id, guid, title, published, first_seen, comment_count, comments_url,
            comments_fetched, comments_seen, source_comment_count)
        VALUES (1, 1, 'g1', 'Old story', 1770000000, 1770000000, 2, 'https://news.ycombinator.com/item?id=77',
            1770000500, 1770000600, 2)"""
    )
    raw.execute(
        """INSERT INTO comments (id, article_id, guid, parent_guid, position, depth, author, text, first_seen)
        VALUES (1, 1, 'hn:1', NULL, 0, 0, 'ann', 'old words', 1770000100),
               (2, 1, 'hn:2', 'hn:1', 1, 1, 'bob', 'a reply', 1770000200)"""
    )
    raw.commit()
    raw.close()


def test_existing_threads_are_migrated_and_kept_by_the_next_fetch(db_path: Path) -> None:
    library_at_schema_12(db_path)
    with Store(db_path) as store:
        (thread,) = store.threads(1)
        assert (thread.source, thread.comment_count, thread.fetched, thread.seen) == (
            "hackernews",
            2,
            1770000500,
            1770000600,
        )
        assert {c.thread_id for c in store.comments(1)} == {thread.id}
        # The next fetch of the feed's thread knows its id at HN: it takes the migrated thread over.
        claimed = store.open_thread(1, ThreadRef("hackernews", "77", "https://news.ycombinator.com/item?id=77"))
        assert claimed == thread.id
        store.add_comments(
            1, [said("hn:1", "ann", "old words"), said("hn:3", "cy", "new one", "hn:1")], thread_id=claimed
        )
        (after,) = store.threads(1)
        assert (after.remote_id, after.comment_count, after.seen) == ("77", 3, 1770000600)


# -- threads an article's page names, fetched with its full text ---------------------


def test_threads_the_page_names_are_fetched_and_kept_apart(server: FeedServer, db_path: Path) -> None:
    """A blog post's page says "discuss on Hacker News / Lobsters": both threads come with its full text."""
    algolia = {
        "id": 4242,
        "children": [
            {
                "id": 1,
                "author": "ann",
                "text": "<p>hn first</p>",
                "created_at_i": 1770000000,
                "children": [
                    {"id": 2, "author": "bob", "text": "<p>hn reply</p>", "created_at_i": 1770000100, "children": []}
                ],
            }
        ],
    }
    story = {
        "short_id": "abc123",
        "comment_count": 1,
        "comments": [
            {
                "short_id": "c1",
                "comment": "<p>lobsters words</p>",
                "commenting_user": "dee",
                "created_at": "2026-02-01T10:00:00Z",
                "parent_comment": None,
            }
        ],
    }
    server.route("/api/v1/items/4242", ok(json.dumps(algolia).encode(), "application/json"))
    server.route("/s/abc123.json", ok(json.dumps(story).encode(), "application/json"))
    paragraphs = "".join(f"<p>Paragraph {n} about roof gardens and the soil they need to thrive.</p>" for n in range(6))
    page = server.route(
        "/post.html",
        ok(
            (
                f"<html><body><article><h1>Roofs</h1>{paragraphs}</article><footer>Discuss on "
                "<a href='https://news.ycombinator.com/item?id=4242'>Hacker News</a> or "
                "<a href='https://lobste.rs/s/abc123/roofs'>Lobsters</a></footer></body></html>"
            ).encode(),
            "text/html; charset=utf-8",
        ),
    )
    with Store(db_path) as store:
        subscribe(store, server.route("/feed.xml", ok(rss([Item("p1", "Roofs", page, "<p>Short.</p>")]).encode())))
    bases = CommentSources(hn_api=server.base + "/api/v1", reddit=server.base, lobsters=server.base)
    summary = fetch(db_path, fetch_settings(Limits(total_seconds=10), full_text=True, sources=bases))
    assert summary.full_texts == 1 and not summary.thread_errors
    with Store(db_path) as store:
        article = store.find_article("p1")
        assert article is not None
        detail = store.article(article)
    assert detail is not None
    assert [(t.source, t.remote_id, t.comment_count, t.found_by) for t in detail.threads] == [
        ("hackernews", "4242", 2, "page"),
        ("lobsters", "abc123", 1, "page"),
    ]
    assert [(c.author, c.depth) for c in detail.comments] == [("ann", 0), ("bob", 1), ("dee", 0)]
    assert detail.article.comment_count == 3


def test_threads_show_in_a_fixed_order_whatever_order_they_came_in(store: Store) -> None:
    """Threads fetched at once are stored as they arrive; they show the blog's own first, then by site."""
    article = article_with_feed(store)
    lobsters = store.open_thread(article, ThreadRef("lobsters", "abc123", "https://lobste.rs/s/abc123"), "lookup")
    store.add_comments(article, [said("lobsters:x1", "dee", "lobsters first in")], thread_id=lobsters)
    hn = store.open_thread(
        article, ThreadRef("hackernews", "4242", "https://news.ycombinator.com/item?id=4242"), "lookup"
    )
    store.add_comments(article, [said("hn:1", "ann", "hn second in")], thread_id=hn)
    store.add_comments(article, [said("blog-1", "bea", "the blog's own, last in")])
    detail = store.article(article)
    assert detail is not None
    assert [t.source for t in detail.threads] == ["feed", "hackernews", "lobsters"]
    assert [c.author for c in detail.comments] == ["bea", "ann", "dee"]  # laid out in the same order


def test_a_blogs_rest_thread_replaces_its_comment_feed_thread(store: Store) -> None:
    """WordPress's REST API and its comment feed hold the same comments: kept once, the REST tree."""
    article = article_with_feed(store)
    feed = store.open_thread(
        article, ThreadRef("feed", "https://blog.example/p1/feed/atom/", "https://blog.example/p1")
    )
    store.add_comments(article, [said("https://blog.example/p1#comment-1", "ann", "first")], thread_id=feed)
    other = store.open_thread(
        article, ThreadRef("feed", "https://elsewhere.example/c.xml", "https://elsewhere.example/")
    )
    store.add_comments(article, [said("elsewhere-1", "zed", "another site's feed")], thread_id=other)
    rest = store.open_thread(
        article, ThreadRef("wordpress", "1", "https://blog.example/p1", api="https://blog.example/wp-json/"), "page"
    )
    store.add_comments(
        article,
        [said("wordpress:1", "ann", "first"), said("wordpress:2", "bob", "reply", "wordpress:1")],
        thread_id=rest,
    )
    assert store.drop_feed_threads_of(article, rest, "https://blog.example") == 1
    detail = store.article(article)
    assert detail is not None
    assert [(t.source, t.comment_count) for t in detail.threads] == [("feed", 1), ("wordpress", 2)]
    assert detail.threads[0].remote_id == "https://elsewhere.example/c.xml"  # another site's feed stays
    assert detail.article.comment_count == 3
    assert store.search("first") and [c.author for c in store.comments(article)] == ["zed", "ann", "bob"]


def test_a_replies_link_to_a_mastodon_status_brings_its_thread(server: FeedServer, db_path: Path) -> None:
    """An Atom entry whose rel="replies" names the Mastodon post it is discussed under: that thread is fetched."""
    status_url = server.url("/@alice/111")
    descendants = [
        {
            "id": "112",
            "in_reply_to_id": "111",
            "content": "<p>first reply</p>",
            "created_at": "2026-02-01T10:00:00Z",
            "url": server.url("/@bob/112"),
            "account": {"acct": "bob", "display_name": "Bob"},
        },
        {
            "id": "113",
            "in_reply_to_id": "112",
            "content": "<p>answer</p>",
            "created_at": "2026-02-01T11:00:00Z",
            "url": server.url("/@cy/113"),
            "account": {"acct": "cy", "display_name": ""},
        },
    ]  # BUILT in the shape of Mastodon's /api/v1/statuses/:id/context
    server.route("/api/v1/statuses/111", ok(json.dumps({"id": "111", "replies_count": 1}).encode(), "application/json"))
    server.route(
        "/api/v1/statuses/111/context",
        ok(json.dumps({"ancestors": [], "descendants": descendants}).encode(), "application/json"),
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>b</id>'
        "<updated>2026-02-01T00:00:00Z</updated><entry><id>e1</id><title>Post</title>"
        '<updated>2026-02-01T00:00:00Z</updated><link href="https://blog.example/p1"/>'
        f'<link rel="replies" type="text/html" href="{status_url}"/><summary>hi</summary></entry></feed>'
    )
    with Store(db_path) as store:
        subscribe(store, server.route("/atom.xml", ok(atom.encode(), "application/atom+xml")))
    summary = fetch(db_path, fetch_settings(Limits(total_seconds=10)))
    assert summary.threads == 1 and not summary.thread_errors
    with Store(db_path) as store:
        article = store.find_article("e1")
        assert article is not None
        (thread,) = store.threads(article)
        comments = store.comments(article)
    assert (thread.source, thread.remote_id, thread.comment_count) == ("mastodon", "111", 2)
    assert [(c.author, c.depth) for c in comments] == [("Bob", 0), ("cy", 1)]


def test_review_findings_about_threads(store: Store, db_path: Path) -> None:
    """Found by review: a short or empty REST answer took the comment feed's thread away; two servers'
    comments with the same id replaced each other; a thread kept from schema 12 was doubled by a lookup."""
    from reader.parse.comments import ParsedThread
    from reader.service.fetch import Fetcher

    article = article_with_feed(store)
    feed = store.open_thread(article, ThreadRef("feed", "https://blog.example/p1/feed/", "https://blog.example/p1"))
    store.add_comments(article, [said("c1", "ann", "one"), said("c2", "bob", "two")], thread_id=feed)
    rest = store.open_thread(
        article, ThreadRef("wordpress", "1", "https://blog.example/p1", api="https://blog.example/wp-json/"), "page"
    )
    assert store.drop_feed_threads_of(article, rest, "https://blog.example") == 0  # empty: the feed's stays
    assert [(t.source, t.comment_count) for t in store.threads(article)] == [("feed", 2), ("wordpress", 0)]

    for server, author in (("https://lemmy.world", "alice"), ("https://lemmy.ml", "bob")):
        ref = ThreadRef("lemmy", "99", f"{server}/post/99", api=server)
        parsed = ParsedThread([CommentData(guid="lemmy:7", author=author, text=f"{author} here")])
        Fetcher._store_thread(store, article, parsed, None, ref, "lookup")
    counts = {t.url: t.comment_count for t in store.threads(article) if t.source == "lemmy"}
    assert counts == {"https://lemmy.world/post/99": 1, "https://lemmy.ml/post/99": 1}
    assert {c.author for c in store.comments(article)} >= {"alice", "bob"}


def test_a_thread_kept_from_schema_12_is_taken_over_by_a_lookup_too(db_path: Path) -> None:
    library_at_schema_12(db_path)
    with Store(db_path) as store:
        (old,) = store.threads(1)
        claimed = store.open_thread(
            1, ThreadRef("hackernews", "77", "https://news.ycombinator.com/item?id=77"), "lookup"
        )
        assert claimed == old.id
        again = store.open_thread(1, ThreadRef("hackernews", "77", "https://news.ycombinator.com/item?id=77"))
        assert again == old.id and len(store.threads(1)) == 1
