"""The WordPress comment source: found in a post's page, its REST comments read through the real client.

The answers are built by hand from the WordPress REST API's documented
comment schema (``tests/fixtures/sources/wordpress/README.md``: built, not
recorded) and served from a loopback ``FeedServer`` that pages them the way
WordPress does (``page=N``, 100 a page, HTTP 400 past the last page). The
thread is read as the service reads it: the source's fetch through the real
bounded HTTP client.
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from feedserver import Behaviour, FeedServer, ok

from reader.models import CommentData, ThreadRef
from reader.net.http import Limits, make_client
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import threads_in_page
from reader.parse.sources.wordpress import MAX_PAGES, PER_PAGE, from_page
from reader.service.threads import ThreadFailed, ThreadGone, fetch_thread
from reader.text import dates

FIXTURES = Path(__file__).parent / "fixtures" / "sources" / "wordpress"
LIMITS = Limits(total_seconds=20)
BASES = CommentSources()
ROUTE = "/wp-json/wp/v2/comments"
POST_URL = "https://blog.example/2024/03/01/hello-world/"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


THREAD: list[dict[str, Any]] = json.loads(fixture("comments-post-123.json"))
INVALID_PAGE = fixture("invalid-page-number.json").encode("utf-8")


def made(ident: int, parent: int, text: str, minute: int = 0) -> dict[str, Any]:
    """A comment made from the fixture's first one (the documented schema), with its own id, parent and text."""
    comment = copy.deepcopy(THREAD[0])
    comment.update(id=ident, parent=parent, author_name=f"user{ident}", content={"rendered": f"<p>{text}</p>\n"})
    comment["date_gmt"] = f"2024-03-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00"
    comment["link"] = f"{POST_URL}#comment-{ident}"
    return comment


def paged(pages: list[list[dict[str, Any]]]) -> Behaviour:
    """WordPress's paging: ``page=N`` gets the N-th list, a page past the last one a 400 with its error code."""

    def behave(handler: Any, server: FeedServer) -> None:
        number = parse_qs(urlsplit(handler.path).query).get("page", ["1"])[0]
        index = int(number) - 1 if number.isdigit() else -1
        if 0 <= index < len(pages) or (index == 0 and not pages):
            body = json.dumps(pages[index] if pages else []).encode("utf-8")
            handler.answer(200, body, {"Content-Type": "application/json; charset=UTF-8"})
        else:
            handler.answer(400, INVALID_PAGE, {"Content-Type": "application/json; charset=UTF-8"})

    return behave


def ref_at(server: FeedServer, post: str = "123", root: str = "/wp-json/") -> ThreadRef:
    return ThreadRef("wordpress", post, POST_URL, api=server.url(root))


def read(ref: ThreadRef) -> ParsedThread:
    """The thread read the way the service reads it: the source's fetch through the real bounded client."""

    async def run() -> ParsedThread:
        async with make_client(LIMITS, environ={}) as client:
            return await fetch_thread(ref, client, LIMITS, BASES)

    return asyncio.run(run())


def pages_asked(server: FeedServer, route: str = ROUTE) -> list[str]:
    return [parse_qs(urlsplit(r.path).query)["page"][0] for r in server.requests_for(route)]


def parents(comments: list[CommentData]) -> list[tuple[str, str | None]]:
    return [(c.guid, c.parent_guid) for c in comments]


# -- finding the thread in a page ----------------------------------------------------------------


def test_a_post_page_names_its_rest_root_and_the_post() -> None:
    refs = from_page(fixture("post.html"), POST_URL + "#comments", BASES)
    assert refs == [ThreadRef("wordpress", "123", POST_URL, api="https://blog.example/wp-json/")]
    # Through the registry too, once, though the page names the post twice (shortlink and REST document).
    assert [(r.source, r.remote_id) for r in threads_in_page(fixture("post.html"), POST_URL, BASES)] == [
        ("wordpress", "123")
    ]


def test_a_site_without_pretty_permalinks_and_a_page_rather_than_a_post() -> None:
    (ref,) = from_page(fixture("post-plain-permalinks.html"), "https://blog.example/?page_id=45", BASES)
    assert (ref.remote_id, ref.api) == ("45", "https://blog.example/?rest_route=/")
    # The REST document alone names the post as well.
    only_rest = fixture("post.html").replace("rel='shortlink'", "rel='prev'")
    assert [r.remote_id for r in from_page(only_rest, POST_URL, BASES)] == ["123"]


def test_no_thread_on_the_front_page_or_without_the_rest_root_or_with_odd_ids() -> None:
    assert from_page(fixture("front-page.html"), "https://blog.example/", BASES) == []
    without_root = fixture("post.html").replace('rel="https://api.w.org/"', 'rel="preconnect"')
    assert from_page(without_root, POST_URL, BASES) == []
    odd = (
        '<link rel="https://api.w.org/" href="https://blog.example/wp-json/">'
        "<link rel='shortlink' href='https://blog.example/?p=12x'>"
        '<link rel="alternate" type="application/json" href="https://blog.example/wp-json/wp/v2/categories/5">'
    )
    assert from_page(odd, POST_URL, BASES) == []
    hostile_root = fixture("post.html").replace("https://blog.example/wp-json/", "javascript:alert(1)//")
    assert from_page(hostile_root, POST_URL, BASES) == []


# -- reading the thread ------------------------------------------------------------------------------


def test_the_comments_come_back_as_a_tree_in_reading_order() -> None:
    with FeedServer() as server:
        server.route(ROUTE, paged([THREAD]))
        parsed = read(ref_at(server))
        (request,) = server.requests_for(ROUTE)
    assert request.path == f"{ROUTE}?post=123&per_page=100&page=1&orderby=date&order=asc"
    comments = parsed.comments
    # Cy answered Bob after Dee's comment was written: still shown under Bob, before Dee.
    assert parents(comments) == [
        ("wordpress:11", None),
        ("wordpress:12", "wordpress:11"),
        ("wordpress:13", "wordpress:12"),
        ("wordpress:14", None),
        ("wordpress:15", "wordpress:14"),
        ("wordpress:16", None),
        ("wordpress:17", None),  # its parent is held for moderation: not public, so it stands at the top
        ("wordpress:18", None),
    ]
    assert [c.author for c in comments[:7]] == ["Ann", "Bob", "Cy", "Dee", "admin", "Other Blog", "Late"]
    assert comments[0].text == "Great post\\! See [this](https://example.org/more)."  # Markdown, "!" escaped
    assert comments[1].text == "I disagree \u2013 strongly."
    assert comments[0].published == dates.from_iso("2024-03-01T10:00:00Z")  # date_gmt, not the local date
    assert comments[0].url == f"{POST_URL}#comment-11"
    hostile = comments[7]
    assert hostile.author.startswith("Eve") and "\x1b" not in hostile.author and "\u202e" not in hostile.author
    assert hostile.html is not None and "Hi" in hostile.text and "there" in hostile.text
    assert not any(bad in hostile.html for bad in ("<script", "alert", "onerror", "javascript:"))
    assert parsed.note is None


def test_a_site_without_pretty_permalinks_is_asked_through_rest_route() -> None:
    with FeedServer() as server:
        server.route("/", paged([THREAD[:2]]))
        comments = read(ref_at(server, post="45", root="/?rest_route=/")).comments
        (request,) = server.requests_for("/")
    assert request.path == "/?rest_route=/wp/v2/comments&post=45&per_page=100&page=1&orderby=date&order=asc"
    assert parents(comments) == [("wordpress:11", None), ("wordpress:12", "wordpress:11")]


def test_two_pages_are_read_and_a_reply_on_the_second_finds_its_parent_on_the_first() -> None:
    first = [made(n, 0, f"top {n}", minute=n) for n in range(1, 101)]
    second = [made(100 + n, n, f"reply to {n}", minute=100 + n) for n in range(1, 31)]
    with FeedServer() as server:
        server.route(ROUTE, paged([first, second]))
        comments = read(ref_at(server)).comments
        asked = pages_asked(server)
    assert asked == ["1", "2"]  # the second page is short: no third request
    assert len(comments) == 130
    assert parents(comments[:4]) == [
        ("wordpress:1", None),
        ("wordpress:101", "wordpress:1"),
        ("wordpress:2", None),
        ("wordpress:102", "wordpress:2"),
    ]
    assert [c.text for c in comments[-2:]] == ["top 99", "top 100"]


def test_a_full_last_page_ends_at_the_400_past_it_but_a_400_first_is_a_failure() -> None:
    full = [made(n, 0, f"comment {n}", minute=n) for n in range(1, 101)]
    with FeedServer() as server:
        server.route(ROUTE, paged([full]))
        comments = read(ref_at(server)).comments
        assert pages_asked(server) == ["1", "2"]
        assert [c.guid for c in comments] == [f"wordpress:{n}" for n in range(1, 101)]

        server.route(ROUTE, lambda handler, _server: handler.answer(400, INVALID_PAGE))
        with pytest.raises(ThreadFailed, match="400"):
            read(ref_at(server))


def test_a_post_without_comments_is_an_empty_thread() -> None:
    with FeedServer() as server:
        server.route(ROUTE, paged([]))
        parsed = read(ref_at(server))
        assert pages_asked(server) == ["1"]
    assert parsed.comments == [] and parsed.note is None


def test_a_missing_api_is_gone_and_a_page_or_an_error_object_instead_fails_in_one_line() -> None:
    with FeedServer() as server:
        with pytest.raises(ThreadGone):
            read(ref_at(server))  # nothing routed: 404 (the REST API switched off, the post gone)
        server.route(ROUTE, ok("<!DOCTYPE html><html><body>Just a blog</body></html>", "text/html"))
        with pytest.raises(ImportFailure) as html_failure:
            read(ref_at(server))
        server.route(ROUTE, ok(json.dumps({"code": "rest_no_route", "data": {"status": 404}}), "application/json"))
        with pytest.raises(ImportFailure):
            read(ref_at(server))
    assert "WordPress" in str(html_failure.value) and "\n" not in str(html_failure.value)


def test_a_chain_300_replies_deep_over_three_pages_keeps_every_parent() -> None:
    chain = [made(n, n - 1, f"level {n}", minute=n) for n in range(1, 301)]
    with FeedServer() as server:
        server.route(ROUTE, paged([chain[0:100], chain[100:200], chain[200:300]]))
        comments = read(ref_at(server)).comments
        assert pages_asked(server) == ["1", "2", "3", "4"]  # the fourth answers 400: past the last page
    assert [c.text for c in comments] == [f"level {n}" for n in range(1, 301)]
    assert [c.parent_guid for c in comments] == [None] + [f"wordpress:{n}" for n in range(1, 300)]


def test_odd_answers_doubles_cycles_and_junk_place_each_comment_once() -> None:
    items: list[Any] = [
        made(1, 0, "top"),
        made(2, 3, "in a cycle with 3", minute=1),
        made(3, 2, "in a cycle with 2", minute=2),
        made(4, 4, "its own parent", minute=3),
        made(1, 0, "top again: moved to the next page while the pages were read"),
        {"id": "5", "parent": 0, "content": {"rendered": "<p>a string id</p>"}},
        {"id": True, "parent": 0},
        "not a comment",
        made(6, 1, "answer to top", minute=4),
    ]
    with FeedServer() as server:
        server.route(ROUTE, ok(json.dumps(items), "application/json"))
        comments = read(ref_at(server)).comments
    assert [(c.guid, c.parent_guid) for c in comments] == [
        ("wordpress:1", None),
        ("wordpress:6", "wordpress:1"),
        ("wordpress:4", None),
        ("wordpress:2", None),
        ("wordpress:3", "wordpress:2"),
    ]
    assert comments[0].text == "top"


def test_a_huge_thread_is_cut_at_the_page_limit_with_a_note() -> None:
    full = [made(n, 0, f"comment {n}") for n in range(1, PER_PAGE + 1)]

    def always_full(handler: Any, server: FeedServer) -> None:
        number = int(parse_qs(urlsplit(handler.path).query)["page"][0])
        page = [dict(item, id=item["id"] + (number - 1) * PER_PAGE) for item in full]
        handler.answer(200, json.dumps(page).encode("utf-8"), {"Content-Type": "application/json"})

    with FeedServer() as server:
        server.route(ROUTE, always_full)
        parsed = read(ref_at(server))
        assert len(server.requests_for(ROUTE)) == MAX_PAGES
    assert len(parsed.comments) == MAX_PAGES * PER_PAGE
    assert parsed.note == f"WordPress: only the first {MAX_PAGES * PER_PAGE:,} comments were read"


def test_ids_that_could_steer_the_request_are_refused_before_asking() -> None:
    with FeedServer() as server:
        for post in ("123&post=1", "../1", "0", ""):
            with pytest.raises(ImportFailure):
                read(ref_at(server, post=post))
        with pytest.raises(ImportFailure):
            read(ThreadRef("wordpress", "123", POST_URL, api="file:///etc/"))
        assert server.requests == []
