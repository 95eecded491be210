"""The Isso comment source: found in an article page, read from a real Isso server through the real client.

The server is Isso itself (PyPI ``isso``, run by ``tests/isso_server.py`` on
loopback with a fresh database): the tests post comments through its own
API, as its embed script does, then read the thread with reader's source.
It is installed only when asked (``READER_ISSO=1``; ``READER_REQUIRE_ISSO=1``,
as CI sets, also fails instead of skipping when it cannot run); otherwise
those tests skip and say how to run them. The answers a real server cannot
be made to send (a 404 of older versions, a thread 300 replies deep, a
hostile one) are built by hand in Isso's answer shape (the one the real
server's tests below read) and served from a loopback ``FeedServer``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import isso_server
import pytest
from conftest import skip_unless_required
from feedserver import FeedServer, ok

from reader.models import CommentData, ThreadRef, ThreadSource
from reader.net.http import Limits, get, make_client
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, parse_thread_result
from reader.parse.sources import threads_in_page
from reader.parse.sources.isso import MAX_COMMENTS, feed_url, from_page
from reader.service.threads import ThreadGone, fetch_thread

LIMITS = Limits(total_seconds=20)
BASES = CommentSources()


@pytest.fixture(scope="session")
def isso() -> Iterator[isso_server.Isso]:
    """A real Isso on loopback for the whole session (each test uses threads of its own), stopped at the end."""
    command = isso_server.executable()
    if command is None and not isso_server.asked():
        pytest.skip(
            f"Isso is not installed in {isso_server.venv_dir()}: set READER_ISSO=1 to install it there "
            f"(pip install isso=={isso_server.ISSO_VERSION}, about 10 s) and run these tests"
        )
    try:
        server = isso_server.start(command if command is not None else isso_server.install())
    except isso_server.Unavailable as error:
        skip_unless_required(f"Isso is unavailable: {error}", "READER_REQUIRE_ISSO")
    try:
        yield server
    finally:
        server.stop()


def page(server: str, thread: str | None, *, declared: bool = True, blog: str = "https://blog.example") -> str:
    """An article page embedding Isso the way its documentation shows it."""
    script = (
        f'<script data-isso="{server}/" src="{server}/js/embed.min.js"></script>'
        if declared
        else f'<script src="{server}/js/embed.min.js"></script>'
    )
    section = (
        f'<section id="isso-thread" data-isso-id="{thread}"></section>' if thread else '<section id="isso-thread">'
    )
    return (
        f"<html><head><title>A post</title>{script}</head><body><article><p>Text</p></article>{section}</body></html>"
    )


def read(ref: ThreadRef) -> ParsedThread:
    """The thread read the way the service reads it: the source's fetch through the real bounded client."""

    async def run() -> ParsedThread:
        async with make_client(LIMITS, environ={}) as client:
            return await fetch_thread(ref, client, LIMITS, BASES)

    return asyncio.run(run())


def fetch_body(url: str) -> bytes:
    async def run() -> bytes:
        async with make_client(LIMITS, environ={}) as client:
            response = await get(client, url, limits=LIMITS)
            assert response.status == 200, response.status
            return response.body

    return asyncio.run(run())


def tree(comments: list[CommentData]) -> list[tuple[str, str, str | None]]:
    """Each comment as (author, text, the text of the comment it answers), in display order."""
    by_guid = {comment.guid: comment for comment in comments}
    return [(c.author, c.text, by_guid[c.parent_guid].text if c.parent_guid is not None else None) for c in comments]


def ref_for(server: isso_server.Isso, uri: str) -> ThreadRef:
    """The thread as reader finds it: in the article page that embeds it."""
    refs = threads_in_page(page(server.url, uri), f"https://blog.example{uri}", BASES)
    assert [ref.source for ref in refs] == ["isso"]
    return refs[0]


# -- finding the thread in a page ----------------------------------------------------------


def test_the_page_names_the_server_and_the_thread() -> None:
    html = page("//comments.example.com", "/2024/hello/")
    refs = from_page(html, "https://blog.example/2024/hello/?utm=x#top", BASES)
    assert refs == [
        ThreadRef("isso", "/2024/hello/", "https://blog.example/2024/hello/?utm=x", api="https://comments.example.com")
    ]
    # The registry finds it among every source's signatures.
    assert [ref.source for ref in threads_in_page(html, "https://blog.example/2024/hello/", BASES)] == ["isso"]


def test_without_data_isso_the_server_is_the_script_address_and_may_have_a_path() -> None:
    html = page("https://blog.example/isso", None, declared=False)
    (ref,) = from_page(html, "https://blog.example/posts/caf%C3%A9.html", BASES)
    # No data-isso-id: the thread is the page's path, as Isso's own script takes it.
    assert (ref.api, ref.remote_id) == ("https://blog.example/isso", "/posts/caf%C3%A9.html")


def test_no_thread_without_the_script_or_the_thread_element_or_with_a_hostile_id() -> None:
    url = "https://blog.example/post/"
    assert from_page('<section id="isso-thread"></section>', url, BASES) == []
    assert from_page('<script src="https://c.example/js/embed.min.js"></script>', url, BASES) == []
    assert (
        from_page('<script src="https://c.example/js/app.js"></script><div id="isso-thread"></div>', url, BASES) == []
    )
    for hostile in ("/post?x=1", "/a b", "/post#frag", "x" * 2000):
        assert from_page(page("https://c.example", hostile), url, BASES) == []
    assert from_page(page("javascript:alert(1)//", "/post/"), url, BASES) == []


# -- the real Isso ----------------------------------------------------------------------------


def test_a_thread_posted_to_isso_reads_back_as_isso_stores_it(isso: isso_server.Isso) -> None:
    uri = "/post/three-levels"
    before = time.time()
    ann = isso.post(uri, "First **top** comment", "Ann & Bo <ab>")
    bob = isso.post(uri, "Reply to Ann", "Bob", parent=ann["id"])
    cy = isso.post(uri, "Reply to Bob, one level deeper", "Cy", parent=bob["id"])
    dee = isso.post(uri, "Second top-level comment", "Dee")
    after = time.time()
    # Isso keeps two levels: a reply to a reply is filed under the top-level comment.
    assert cy["parent"] == ann["id"]

    parsed = read(ref_for(isso, uri))

    assert [c.guid for c in parsed.comments] == [f"isso:{n['id']}" for n in (ann, bob, cy, dee)]
    assert tree(parsed.comments) == [
        ("Ann & Bo <ab>", "First **top** comment", None),
        ("Bob", "Reply to Ann", "First **top** comment"),
        ("Cy", "Reply to Bob, one level deeper", "First **top** comment"),
        ("Dee", "Second top-level comment", None),
    ]
    assert [c.url for c in parsed.comments] == [
        f"https://blog.example{uri}#isso-{n['id']}" for n in (ann, bob, cy, dee)
    ]
    assert all(c.published is not None and int(before) <= c.published <= after for c in parsed.comments)
    assert not any(c.deleted for c in parsed.comments) and parsed.note is None


def test_the_server_found_from_the_script_address_alone_is_the_real_one(isso: isso_server.Isso) -> None:
    uri = "/post/no-data-isso"
    isso.post(uri, "Found by the script's address", "Eve")
    (ref,) = from_page(page(isso.url, uri, declared=False), f"https://blog.example{uri}", BASES)
    assert ref.api == isso.url
    assert [(c.author, c.text) for c in read(ref).comments] == [("Eve", "Found by the script's address")]


def test_a_deleted_comment_with_replies_shows_as_deleted_and_keeps_them(isso: isso_server.Isso) -> None:
    uri = "/post/deleted"
    gone = isso.post(uri, "I will regret this", "Mallory")
    reply = isso.post(uri, "Answer to the regretted one", "Trent", parent=gone["id"])
    leaf = isso.post(uri, "Deleted without a trace", "Oscar")
    assert isso.delete(gone["id"]) is not None  # kept, emptied: mode 4
    assert isso.delete(leaf["id"]) is None  # no replies: removed

    comments = read(ref_for(isso, uri)).comments

    assert [(c.guid, c.author, c.text, c.deleted) for c in comments] == [
        (f"isso:{gone['id']}", "[deleted]", "[deleted]", True),
        (f"isso:{reply['id']}", "Trent", "Answer to the regretted one", False),
    ]
    assert comments[1].parent_guid == comments[0].guid


def test_what_a_commenter_types_is_made_safe(isso: isso_server.Isso) -> None:
    uri = "/post/hostile"
    typed = "Hi <script>alert(1)</script> [click](javascript:alert(2)) **kept** <img src=x onerror=alert(3)>"
    isso.post(uri, typed, "Evil\u202e\x1b[31m")

    (comment,) = read(ref_for(isso, uri)).comments

    # Terminal controls and bidirectional overrides do not reach the screen as such.
    assert comment.author.startswith("Evil") and "\x1b" not in comment.author and "\u202e" not in comment.author
    assert "**kept**" in comment.text
    # Isso escapes the tags it was sent and renders the Markdown; what reaches reader is cleaned again.
    assert comment.html is not None and "<strong>kept</strong>" in comment.html
    assert not any(bad in comment.html for bad in ("<script", "<img", 'href="javascript'))


def test_an_unknown_thread_is_empty(isso: isso_server.Isso) -> None:
    parsed = read(ref_for(isso, "/post/nobody-commented"))
    assert parsed.comments == [] and parsed.note is None


def test_the_json_api_and_the_atom_feed_give_the_same_tree(isso: isso_server.Isso) -> None:
    uri = "/post/feed-and-json"
    top = isso.post(uri, "The top of the thread", "Ann")
    middle = isso.post(uri, "A reply to the top", "Bob", parent=top["id"])
    isso.post(uri, "A reply to the reply", "Cy", parent=middle["id"])
    isso.post(uri, "Another top-level comment", "Dee")
    ref = ref_for(isso, uri)

    from_json = read(ref).comments
    feed = feed_url(ref)
    source = ThreadSource(0, ref.url, ref.url, None, feed, None)
    from_feed = parse_thread_result("feed", fetch_body(feed), source).comments

    def shape(comments: list[CommentData]) -> set[tuple[str, str, str | None, int | None]]:
        return {(*row, c.published) for row, c in zip(tree(comments), comments, strict=True)}

    assert len(from_json) == len(from_feed) == 4
    assert shape(from_feed) == shape(from_json)


# -- answers a real server cannot be made to send (built in Isso's shape) -------------------------


def _comment(ident: int, parent: int | None, text: str, **extra: Any) -> dict[str, Any]:
    """One comment in the shape the real server sends (see the tests above): built, not recorded."""
    return {
        "id": ident,
        "parent": parent,
        "created": 1_700_000_000.5 + ident,
        "modified": None,
        "mode": 1,
        "text": f"<p>{text}</p>",
        "author": f"user{ident}",
        "website": None,
        "likes": 0,
        "dislikes": 0,
        "notification": None,
        "hash": "4505c1eeda98",
        "replies": [],
        **extra,
    }


def _answer(replies: list[Any], **extra: Any) -> bytes:
    document = {"id": None, "total_replies": len(replies), "hidden_replies": 0, "replies": replies, **extra}
    return json.dumps(document).encode("utf-8")


def _served(server: FeedServer, body: bytes | str, content_type: str = "application/json") -> ThreadRef:
    server.route("/isso/", ok(body, content_type))
    return ThreadRef("isso", "/post/1", "https://blog.example/post/1", api=server.url("/isso"))


def test_a_thread_300_replies_deep_keeps_every_parent() -> None:
    root = _comment(1, None, "level 1")
    current = root
    for level in range(2, 301):
        child = _comment(level, level - 1, f"level {level}")
        current["replies"] = [child]
        current = child
    with FeedServer() as server:
        parsed = read(_served(server, _answer([root])))
        (request,) = server.requests_for("/isso/")
    assert request.path == "/isso/?uri=/post/1"
    assert [c.text for c in parsed.comments] == [f"level {n}" for n in range(1, 301)]
    assert [c.parent_guid for c in parsed.comments] == [None] + [f"isso:{n}" for n in range(1, 300)]


def test_two_thousand_comments_are_all_read_and_left_out_ones_are_told() -> None:
    tops = [
        _comment(n, None, f"top {n}", replies=[_comment(n + 1000, n, f"reply {n}")], hidden_replies=1)
        for n in range(1, 1001)
    ]
    with FeedServer() as server:
        started = time.perf_counter()
        parsed = read(_served(server, _answer(tops, hidden_replies=2)))
        took = time.perf_counter() - started
    assert len(parsed.comments) == 2000 < MAX_COMMENTS
    assert parsed.comments[1].parent_guid == "isso:1" and parsed.comments[-1].text == "reply 1000"
    assert parsed.note == "Isso left out 1,002 comments"
    assert took < 10


def test_a_hostile_answer_is_cleaned_and_its_odd_items_skipped() -> None:
    replies = [
        _comment(1, None, "<script>alert(1)</script><b onclick='x()'>bold</b>", author="A\x00B &amp; C"),
        {"id": True, "text": "<p>a boolean id</p>", "author": "x"},
        {"id": "7", "text": "<p>a string id</p>"},
        _comment(1, None, "the same id again"),
        "not a comment",
        _comment(2, None, "", mode=4, author=None),  # as Isso sends a deleted one
    ]
    with FeedServer() as server:
        comments = read(_served(server, _answer(replies))).comments
    assert [(c.guid, c.author, c.text, c.deleted) for c in comments] == [
        ("isso:1", "AB & C", "**bold**", False),
        ("isso:2", "[deleted]", "[deleted]", True),
    ]
    assert comments[0].html is not None and "onclick" not in comments[0].html and "<script" not in comments[0].html


def test_a_missing_thread_is_gone_and_a_page_instead_of_json_fails_in_one_line() -> None:
    with FeedServer() as server:
        ref = ThreadRef("isso", "/post/1", "https://blog.example/post/1", api=server.url("/isso"))
        with pytest.raises(ThreadGone):
            read(ref)  # nothing routed: 404, as older Isso versions answer for a thread without comments
        with pytest.raises(ImportFailure) as failure:
            read(_served(server, "<html><body>Welcome</body></html>", "text/html"))
        with pytest.raises(ImportFailure):
            read(_served(server, json.dumps([{"id": 1}])))
    assert "Isso" in str(failure.value) and "\n" not in str(failure.value)


def test_a_thread_id_that_could_steer_the_request_is_refused_before_asking() -> None:
    with FeedServer() as server:
        for uri in ("/post?next=http://elsewhere", "/a b", ""):
            with pytest.raises(ImportFailure):
                read(ThreadRef("isso", uri, "https://blog.example/", api=server.url("/isso")))
        with pytest.raises(ImportFailure):
            read(ThreadRef("isso", "/post/1", "https://blog.example/", api="file:///etc"))
        assert server.requests == []
