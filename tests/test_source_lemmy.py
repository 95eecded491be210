"""The Lemmy comment source: which links are posts on the user's instances, and a post's comments stored as a tree.

No Lemmy server can run here and the shared corpus holds no recorded Lemmy
answer, so the answers are built from Lemmy's published API types
(``tests/fixtures/sources/lemmy/``, whose README says so; the larger and
hostile ones are built below). They are served from a loopback server and
read through the real HTTP client and the service's bounded ``get``, then
stored in a real library, whose rows (depth, parent, text) are what the
reader shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from feedserver import Behaviour, FeedServer, ok, status
from source_helpers import fetched_thread, stored_comments

from reader.models import ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import thread_for_url
from reader.parse.sources.lemmy import MAX_PAGES, PER_PAGE, from_page, from_url, lemmy_instances
from reader.service.threads import MAX_REQUESTS_PER_THREAD, ThreadFailed, ThreadGone
from reader.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "sources" / "lemmy"
NOW = 1_800_000_000
BASES = CommentSources()
POST = "4242"
LIST = "/api/v3/comment/list"


@pytest.fixture
def instance(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> FeedServer:
    """The loopback server, named as the user's Lemmy instance."""
    monkeypatch.setenv("READER_LEMMY_INSTANCES", f"https://lemmy.example, {server.base}")
    return server


def _fetch(ref: ThreadRef) -> ParsedThread:
    return fetched_thread(ref, BASES, NOW)


def _ref(server: FeedServer, post: str = POST) -> ThreadRef:
    ref = from_url(server.url(f"/post/{post}"), BASES)
    assert ref is not None
    return ref


def _query(handler: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(handler.path).query)


def _pages(answer: Any) -> Behaviour:
    """The comment list: ``answer(page)`` is the page's JSON (a dict), for the ``page`` the request asks."""

    def behave(handler: Any, server: FeedServer) -> None:
        page = int(_query(handler).get("page", ["1"])[0])
        ok(json.dumps(answer(page)).encode(), "application/json")(handler, server)

    return behave


def _post(total: int | None) -> bytes:
    """A GetPostResponse built here, holding only what the source reads."""
    counts = {"post_id": 1, "comments": total} if total is not None else {}
    return json.dumps(
        {
            "_comment": "built for this test from Lemmy's GetPostResponse, not recorded",
            "post_view": {"post": {"id": 1}, "counts": counts},
        }
    ).encode()


def _view(ident: int, path: str, text: str = "", **comment: Any) -> dict[str, Any]:
    """A CommentView built here (Lemmy's shape, the fields the source reads)."""
    return {
        "comment": {
            "id": ident,
            "content": text or f"comment {ident}",
            "published": "2024-03-01T10:00:00Z",
            "deleted": False,
            "removed": False,
            "ap_id": f"https://lemmy.example/comment/{ident}",
            "path": path,
            **comment,
        },
        "creator": {"id": ident, "name": f"user{ident}"},
        "counts": {"comment_id": ident, "child_count": 0},
    }


def _serve_built(server: FeedServer, views: list[dict[str, Any]], total: int | None = None) -> None:
    server.route("/api/v3/post", ok(_post(len(views) if total is None else total), "application/json"))
    note = "built for this test from Lemmy's GetCommentsResponse, not recorded"
    server.route(
        LIST,
        _pages(lambda page: {"_comment": note, "comments": views[(page - 1) * PER_PAGE : page * PER_PAGE]}),
    )


def _list_requests(server: FeedServer) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.path).query) for r in server.requests_for(LIST)]


# -- which links are posts ---------------------------------------------------------------


def test_instances_come_from_the_environment_as_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "READER_LEMMY_INSTANCES",
        " https://Lemmy.World/ ,lemmy.ml, http://lemmy.insecure.example, http://127.0.0.1:8080,,javascript:x, https://lemmy.world",
    )
    # A bare host is https; plain http only on loopback; each once; junk left out.
    assert lemmy_instances(BASES) == ("https://lemmy.world", "https://lemmy.ml", "http://127.0.0.1:8080")
    monkeypatch.delenv("READER_LEMMY_INSTANCES")
    assert lemmy_instances(BASES) == ()


def test_post_links_are_claimed_only_on_named_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://lemmy.world/post/123456"
    # Without the instance named, /post/ID is any site's path: not claimed.
    monkeypatch.delenv("READER_LEMMY_INSTANCES", raising=False)
    assert from_url(url, BASES) is None
    monkeypatch.setenv("READER_LEMMY_INSTANCES", "https://lemmy.world")
    ref = thread_for_url(url + "?scrollToComments=true", BASES)
    assert ref == ThreadRef("lemmy", "123456", url, api="https://lemmy.world")
    for other in (
        "https://lemmy.ml/post/123456",  # not named
        "https://lemmy.world/comment/123456",  # a comment, not a post
        "https://lemmy.world/post/abc",
        "https://lemmy.world/post/1234567890123",  # longer than any id
        "https://lemmy.world/post/1/extra",
        "http://lemmy.world/post/1",  # the named instance is https
        "https://evil.example/lemmy.world/post/1",
    ):
        assert from_url(other, BASES) is None, other


def test_page_links_to_posts_on_named_instances_are_its_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("READER_LEMMY_INSTANCES", "https://lemmy.world")
    page = """<html><body><p>Discuss this on
        <a href="https://lemmy.world/post/77">Lemmy</a> or <a href="https://lemmy.world/post/77/">again</a>,
        not <a href="https://blog.example/post/5">our own post page</a>
        nor <a href="/post/6">a relative one</a>.</p></body></html>"""
    refs = from_page(page, "https://blog.example/2024/article", BASES)
    assert refs == [ThreadRef("lemmy", "77", "https://lemmy.world/post/77", api="https://lemmy.world")]
    monkeypatch.delenv("READER_LEMMY_INSTANCES")
    assert from_page(page, "https://blog.example/2024/article", BASES) == []


# -- a post's comments -------------------------------------------------------------------


def test_built_post_is_stored_as_the_tree_its_paths_describe(instance: FeedServer, store: Store) -> None:
    instance.route("/api/v3/post", ok((FIXTURES / "post_4242.json").read_bytes(), "application/json"))
    page1, empty = (FIXTURES / "comments_4242_page1.json").read_bytes(), (FIXTURES / "comments_empty.json").read_bytes()

    def behave(handler: Any, server: FeedServer) -> None:
        ok(page1 if _query(handler).get("page") == ["1"] else empty, "application/json")(handler, server)

    instance.route(LIST, behave)
    parsed = _fetch(_ref(instance))

    # Who replied to whom, by path: 101 > 102 > 105 > 106, 101 > 108, 103 > 104.
    assert [(c.guid, c.parent_guid) for c in parsed.comments] == [
        ("lemmy:101", None),
        ("lemmy:102", "lemmy:101"),
        ("lemmy:105", "lemmy:102"),
        ("lemmy:106", "lemmy:105"),
        ("lemmy:108", "lemmy:101"),
        ("lemmy:103", None),
        ("lemmy:104", "lemmy:103"),
    ]
    rows = stored_comments(store, parsed)
    assert [(row.depth, row.author) for row in rows] == [
        (0, "Alice A."),  # the display name when there is one
        (1, "bob"),  # else the account name
        (2, "erin"),
        (3, "Alice A."),
        (1, "Frank"),
        (0, "Carol"),
        (1, "Dave (other)"),
    ]
    by_author = {row.author: row for row in rows}
    first = rows[0]
    # Markdown rendered as Lemmy shows it: the typed <script> is text, never markup; two paragraphs, bold kept.
    html = parsed.comments[0].html or ""
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<p>") == 2 and "<strong>bold</strong>" in html
    assert "First, a **bold** claim." in first.text
    assert (rows[2].text, rows[2].deleted) == ("[removed]", True)
    assert (rows[5].text, rows[5].deleted) == ("[deleted]", True)
    assert by_author["Dave (other)"].text == "Replying to a comment since deleted."
    # The link is the comment's own (ap_id: on its home instance when federated); the date is read.
    assert by_author["Dave (other)"].url == "https://other.example/comment/104"
    assert first.published == 1709287260  # 2024-03-01T10:01:00Z
    assert (parsed.source_total, parsed.note) == (7, None)
    # The post first, then pages until an empty one: no max_depth (Lemmy ignores paging with it).
    assert instance.requests[0].path == f"/api/v3/post?id={POST}"
    assert _list_requests(instance) == [
        {"post_id": [POST], "limit": ["50"], "page": [str(page)], "sort": ["Old"], "type_": ["All"]} for page in (1, 2)
    ]


def test_paging_reads_every_page_until_an_empty_one(instance: FeedServer) -> None:
    views = [_view(i, f"0.{i}" if i % 3 == 1 else f"0.{i - (i - 1) % 3}.{i}") for i in range(1, 121)]
    _serve_built(instance, views)
    parsed = _fetch(_ref(instance))
    assert len(parsed.comments) == 120 and parsed.note is None
    assert [q["page"] for q in _list_requests(instance)] == [["1"], ["2"], ["3"], ["4"]]
    parents = {c.guid: c.parent_guid for c in parsed.comments}
    # Each answers the top-level comment before it, by path, even across pages (51 on page 2 answers 49).
    for view in views:
        path = view["comment"]["path"].split(".")
        expected = None if len(path) == 2 else f"lemmy:{path[-2]}"
        assert parents[f"lemmy:{view['comment']['id']}"] == expected


def test_a_server_that_ignores_the_page_is_not_read_forever(instance: FeedServer) -> None:
    same = [_view(i, f"0.{i}") for i in range(1, 51)]
    instance.route("/api/v3/post", ok(_post(50), "application/json"))
    instance.route(LIST, _pages(lambda page: {"_comment": "built: every page the same", "comments": same}))
    parsed = _fetch(_ref(instance))
    # The second page brought nothing new: reading stopped there, each comment once.
    assert [c.guid for c in parsed.comments] == [f"lemmy:{i}" for i in range(1, 51)]
    assert len(instance.requests_for(LIST)) == 2


def test_a_parent_left_out_of_the_list_stands_as_deleted(instance: FeedServer, store: Store) -> None:
    # Older Lemmy drops deleted and removed comments from the list; their replies keep their path.
    views = [_view(1, "0.1"), _view(4, "0.2.3.4", "answer to a vanished comment"), _view(5, "0.1.5")]
    _serve_built(instance, views)
    rows = stored_comments(store, _fetch(_ref(instance)))
    assert [(row.depth, row.text, row.deleted) for row in rows] == [
        (0, "comment 1", False),
        (1, "comment 5", False),
        (0, "[deleted]", True),  # 2, in its place
        (1, "[deleted]", True),  # 3
        (2, "answer to a vanished comment", False),
    ]


def test_hostile_paths_and_ids_cannot_break_the_tree(instance: FeedServer) -> None:
    views = [
        _view(1, "0.1"),
        _view(2, "0.2.1"),  # claims to be answered by itself further down: its own id is not last
        _view(3, "1.3"),  # not from the root
        _view(4, "0.4.4"),  # its own ancestor
        _view(5, "0.x.5"),
        _view(6, "0.1.6"),
        {"comment": {"id": True, "path": "0.1"}},  # not an id
        {"comment": "not an object"},
        _view(6, "0.6", "a second answer for 6: the first stays"),
    ]
    _serve_built(instance, views)
    parsed = _fetch(_ref(instance))
    assert [(c.guid, c.parent_guid) for c in parsed.comments] == [
        ("lemmy:1", None),
        ("lemmy:6", "lemmy:1"),
        ("lemmy:2", None),
        ("lemmy:3", None),
        ("lemmy:4", None),
        ("lemmy:5", None),
    ]


def test_a_gone_post_or_an_html_answer_fails_in_one_line(instance: FeedServer) -> None:
    ref = _ref(instance)
    with pytest.raises(ThreadGone) as gone:
        _fetch(ref)  # nothing routed: 404 for the post
    assert "404" in str(gone.value) and "\n" not in str(gone.value)
    assert instance.requests_for(LIST) == []  # a missing post is not read as an empty thread

    instance.route("/api/v3/post", ok(b"<html><body>Lemmy is starting</body></html>", "text/html"))
    with pytest.raises(ImportFailure) as html_post:
        _fetch(ref)
    assert "Lemmy post" in str(html_post.value) and "\n" not in str(html_post.value)

    instance.route("/api/v3/post", ok(_post(3), "application/json"))
    instance.route(LIST, ok(b"<!doctype html><p>maintenance</p>", "text/html"))
    with pytest.raises(ImportFailure) as html_list:
        _fetch(ref)
    assert "comment list" in str(html_list.value)

    instance.route(LIST, status(429, {"Retry-After": "30"}))
    with pytest.raises(ThreadFailed) as limited:
        _fetch(ref)
    assert "429" in str(limited.value) and "\n" not in str(limited.value)


def test_a_later_page_refused_keeps_what_was_read_with_a_note(instance: FeedServer) -> None:
    views = [_view(i, f"0.{i}") for i in range(1, 51)]
    instance.route("/api/v3/post", ok(_post(80), "application/json"))

    def behave(handler: Any, server: FeedServer) -> None:
        if _query(handler).get("page") == ["1"]:
            ok(json.dumps({"_comment": "built", "comments": views}), "application/json")(handler, server)
        else:
            status(429)(handler, server)

    instance.route(LIST, behave)
    parsed = _fetch(_ref(instance))
    assert len(parsed.comments) == 50 and parsed.source_total == 80
    assert parsed.note is not None and "50 of 80" in parsed.note and "429" in parsed.note


def test_a_300_deep_chain_is_stored_300_deep(instance: FeedServer, store: Store) -> None:
    views = [_view(i, "0." + ".".join(str(n) for n in range(1, i + 1))) for i in range(1, 301)]
    _serve_built(instance, views)
    parsed = _fetch(_ref(instance))
    rows = stored_comments(store, parsed)
    assert [row.depth for row in rows] == list(range(300))
    assert rows[-1].text == "comment 300"
    assert parsed.comments[-1].parent_guid == "lemmy:299"


def test_2000_comments_stop_at_the_page_bound_with_a_note(instance: FeedServer) -> None:
    views = [_view(i, f"0.{i}" if i <= 10 else f"0.{(i - 1) % 10 + 1}.{i}") for i in range(1, 2001)]
    _serve_built(instance, views)
    parsed = _fetch(_ref(instance))
    read = MAX_PAGES * PER_PAGE
    assert len(parsed.comments) == read and parsed.source_total == 2000
    # Within the service's budget, with the post's request: the thread is read, not failed.
    assert len(instance.requests) == 1 + MAX_PAGES <= MAX_REQUESTS_PER_THREAD
    assert parsed.note is not None and f"{read:,} of 2,000" in parsed.note
    parents = {c.guid: c.parent_guid for c in parsed.comments}
    assert parents["lemmy:10"] is None and parents["lemmy:11"] == "lemmy:1" and parents[f"lemmy:{read}"] == "lemmy:10"
