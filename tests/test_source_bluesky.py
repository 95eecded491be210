"""The Bluesky comment source: which links are posts, and a post's replies read into a stored tree.

No Bluesky server can run here, so the AppView's answers are files built
from the published atproto lexicons (``tests/fixtures/sources/bluesky/``,
whose README says so), served from a loopback server and read through the
real HTTP client and the service's bounded ``get``. The deep and wide
threads are built in the tests.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from feedserver import FeedServer, ok
from source_helpers import fetched_thread, stored_comments

from reader.models import ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import thread_for_url, threads_in_page
from reader.parse.sources.bluesky import from_page, from_url
from reader.service.threads import ThreadGone
from reader.store import Store
from reader.text.sanitize import _read_deep
from reader.text.threads import comment_plain_text

FIXTURES = Path(__file__).parent / "fixtures" / "sources" / "bluesky"
NOW = 1_800_000_000
WRITER = "did:plc:writeraaaaaaaaaaaaaaaaaa"
ROOT_URI = f"at://{WRITER}/app.bsky.feed.post/3lbroot222aaa"
RESOLVE = "/xrpc/com.atproto.identity.resolveHandle"
THREAD = "/xrpc/app.bsky.feed.getPostThread"
#: Ann's reply as the panel shows it: facets are links (the short URL to the whole one, the mention to the account).
ANN_SHOWN = (
    "Great read \U0001f389 \u2014 see example.org/threads\u2026 (https://example.org/threads/deep-dive)"
    " and @bob.example.net (https://bsky.app/profile/did:plc:bobaaaaaaaaaaaaaaaaaaaaa)'s take"
)


def _fetch(ref: ThreadRef, server: FeedServer) -> ParsedThread:
    return fetched_thread(ref, CommentSources(bluesky=server.base), NOW)


def _ref(url: str) -> ThreadRef:
    ref = from_url(url, CommentSources())
    assert ref is not None
    return ref


def _serve_fixtures(server: FeedServer, thread: bytes | None = None) -> None:
    server.route(RESOLVE, ok((FIXTURES / "resolveHandle.json").read_bytes(), "application/json"))
    body = thread if thread is not None else (FIXTURES / "getPostThread.json").read_bytes()
    server.route(THREAD, ok(body, "application/json; charset=utf-8"))


def _query(recorded_path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(recorded_path).query)


# -- which links are posts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "remote_id", "public"),
    [
        (
            "https://bsky.app/profile/Writer.Example.com/post/3lbroot222aaa",
            "at://writer.example.com/app.bsky.feed.post/3lbroot222aaa",
            "https://bsky.app/profile/writer.example.com/post/3lbroot222aaa",
        ),
        (
            f"https://bsky.app/profile/{WRITER}/post/3lbroot222aaa/?ref_src=embed",
            ROOT_URI,
            f"https://bsky.app/profile/{WRITER}/post/3lbroot222aaa",
        ),
        (
            "https://bsky.app/profile/did%3Aplc%3Awriteraaaaaaaaaaaaaaaaaa/post/3lbroot222aaa",
            ROOT_URI,
            f"https://bsky.app/profile/{WRITER}/post/3lbroot222aaa",
        ),
        (ROOT_URI, ROOT_URI, f"https://bsky.app/profile/{WRITER}/post/3lbroot222aaa"),
        (
            "https://bsky.app/profile/did:web:blog.example.com/post/self-hosted.key",
            "at://did:web:blog.example.com/app.bsky.feed.post/self-hosted.key",
            "https://bsky.app/profile/did:web:blog.example.com/post/self-hosted.key",
        ),
    ],
)
def test_post_links_and_at_uris_are_claimed_by_their_at_uri(url: str, remote_id: str, public: str) -> None:
    ref = thread_for_url(url, CommentSources())
    assert ref is not None and ref.source == "bluesky"
    assert (ref.remote_id, ref.url) == (remote_id, public)


@pytest.mark.parametrize(
    "url",
    [
        "https://bsky.app/profile/writer.example.com",  # a profile
        f"at://{WRITER}/app.bsky.feed.like/3lbroot222aaa",  # a like, not a post
        "https://bsky.app/profile/writer/post/3lbroot222aaa",  # a handle is a domain name
        "https://bsky.app/profile/did:plc:short/post/3lbroot222aaa",  # not a did:plc
        "https://bsky.app/profile/did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme/post/3lbroot222aaa",
        "https://bsky.app/profile/writer.example.com/post/..",
        "https://bsky.app/profile/writer.example.com/post/a%2F..%2Fb",
        "https://evil.example/profile/writer.example.com/post/3lbroot222aaa",
        "https://user@bsky.app/profile/writer.example.com/post/3lbroot222aaa",
        "https://bsky.app/profile/writer.example.com/post/" + "a" * 65,
    ],
)
def test_other_links_are_not_posts(url: str) -> None:
    assert from_url(url, CommentSources()) is None


def test_an_article_page_names_the_post_it_embeds() -> None:
    # Bluesky's embed code: a blockquote whose link is the post's page.
    page = f"""<html><body><p>Article.</p>
    <blockquote class="bluesky-embed" data-bluesky-uri="{ROOT_URI}">
    <p>post text</p>&mdash; The Writer (<a href="https://bsky.app/profile/{WRITER}?ref_src=embed">@writer</a>)
    <a href="https://bsky.app/profile/{WRITER}/post/3lbroot222aaa?ref_src=embed">March 2, 2026</a></blockquote>
    </body></html>"""
    refs = threads_in_page(page, "https://writer.example.com/posts/threads", CommentSources())
    assert [(r.source, r.remote_id) for r in refs] == [("bluesky", ROOT_URI)]
    many = "".join(f'<a href="https://bsky.app/profile/{WRITER}/post/3lbroot22{i:04d}">x</a>' for i in range(20))
    assert len(from_page(many, "https://writer.example.com/", CommentSources())) == 3


# -- reading the built thread -------------------------------------------------------------------


def test_the_handle_is_resolved_first_and_the_thread_asked_by_did(server: FeedServer) -> None:
    _serve_fixtures(server)
    parsed = _fetch(_ref("https://bsky.app/profile/writer.example.com/post/3lbroot222aaa"), server)
    assert [urlsplit(path).path for path in server.paths()] == [RESOLVE, THREAD]
    assert _query(server.requests_for(RESOLVE)[0].path) == {"handle": ["writer.example.com"]}
    asked = _query(server.requests_for(THREAD)[0].path)
    assert asked == {"uri": [ROOT_URI], "depth": ["1000"], "parentHeight": ["0"]}
    assert len(parsed.comments) == 7 and parsed.source_total == 3


def test_a_did_link_asks_no_resolution(server: FeedServer) -> None:
    _serve_fixtures(server)
    _fetch(_ref(f"https://bsky.app/profile/{WRITER}/post/3lbroot222aaa"), server)
    assert [urlsplit(path).path for path in server.paths()] == [THREAD]


def test_nested_replies_are_stored_as_a_tree_with_unavailable_posts_in_place(server: FeedServer, store: Store) -> None:
    _serve_fixtures(server)
    rows = stored_comments(store, _fetch(_ref(ROOT_URI), server))
    # What the panel shows of each: its Markdown as plain text.
    shown = [(row.depth, row.author, row.deleted, comment_plain_text(row.text).split("\n")[0].rstrip()) for row in rows]
    assert shown == [
        (0, "Ann Example", False, ANN_SHOWN),
        (1, "bob.example.net", False, "First line of the answer."),
        (2, "Dan", False, "<script>alert('x')</script> & <b>not bold</b>"),
        (1, "[deleted]", True, "[not found]"),
        (0, "Carol", False, "Here is the diagram I mentioned."),
        (1, "[deleted]", True, "[blocked]"),
        (0, "[deleted]", True, "[not found]"),
    ]
    by_id = {row.id: row for row in rows}
    assert [by_id[row.parent_id].author if row.parent_id else None for row in rows] == [
        None,
        "Ann Example",
        "bob.example.net",
        "Ann Example",
        None,
        "Carol",
        None,
    ]
    ann, bob, dan, _gone, carol, blocked, _top_gone = rows
    ann_text, bob_text, carol_text = (comment_plain_text(row.text) for row in (ann, bob, carol))
    assert ann_text == ANN_SHOWN
    # Line breaks are kept; the tag links to its page.
    assert [line.rstrip() for line in bob_text.split("\n")] == [
        "First line of the answer.",
        "Second line, same paragraph.",
        "",
        "A new paragraph. #threads (https://bsky.app/hashtag/threads)",
    ]
    assert carol_text.endswith(
        "[image (https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:carolaaaaaaaaaaaaaaaaaaa/bafkreiimage@jpeg):"
        " A diagram of a reply tree]"
    )
    # A reply's own page, by handle; by DID where the handle is not verified.
    assert ann.url == "https://bsky.app/profile/ann.example.com/post/3lbann2222aaa"
    assert dan.url == "https://bsky.app/profile/did:plc:danaaaaaaaaaaaaaaaaaaaaa/post/3lbdan2222aaa"
    assert blocked.url == "https://bsky.app/profile/did:plc:blockeraaaaaaaaaaaaaaaaa/post/3lbblock22aaa"
    assert ann.published == 1772445900  # 2026-03-02T10:05:00Z


def test_text_is_text_not_markup(server: FeedServer) -> None:
    _serve_fixtures(server)
    parsed = _fetch(_ref(ROOT_URI), server)
    dan = next(c for c in parsed.comments if c.author == "Dan")
    # Escaped into the stored HTML, so nothing in it is a tag.
    assert dan.html is not None and "<script" not in dan.html and "<b>" not in dan.html
    assert "&lt;script&gt;" in dan.html


def test_a_resolve_answer_that_is_not_a_did_is_refused_and_nothing_more_asked(server: FeedServer) -> None:
    server.route(RESOLVE, ok((FIXTURES / "resolveHandle-not-a-did.json").read_bytes(), "application/json"))
    server.route(THREAD, ok((FIXTURES / "getPostThread.json").read_bytes(), "application/json"))
    with pytest.raises(ImportFailure) as refused:
        _fetch(_ref("https://bsky.app/profile/writer.example.com/post/3lbroot222aaa"), server)
    assert str(refused.value) == "Bluesky resolved writer.example.com to something that is not a DID"
    assert server.requests_for(THREAD) == []


def test_a_thread_that_is_gone_is_thread_gone(server: FeedServer) -> None:
    with pytest.raises(ThreadGone):
        _fetch(_ref(ROOT_URI), server)  # nothing routed: 404


def test_an_html_answer_is_a_one_line_failure(server: FeedServer) -> None:
    server.route(THREAD, ok("<!doctype html>\n<html><body>\n<h1>Bluesky</h1></body></html>", "text/html"))
    with pytest.raises(ImportFailure) as failed:
        _fetch(_ref(ROOT_URI), server)
    assert str(failed.value) == "expected a Bluesky post thread, found something else"


@pytest.mark.parametrize(
    ("thread", "reason"),
    [
        ({"$type": "app.bsky.feed.defs#notFoundPost", "uri": ROOT_URI, "notFound": True}, "not found"),
        (
            {"$type": "app.bsky.feed.defs#blockedPost", "uri": ROOT_URI, "blocked": True, "author": {"did": WRITER}},
            "blocked",
        ),
    ],
)
def test_a_post_the_appview_cannot_show_says_why(server: FeedServer, thread: dict[str, Any], reason: str) -> None:
    server.route(THREAD, ok(json.dumps({"thread": thread}), "application/json"))
    with pytest.raises(ImportFailure) as failed:
        _fetch(_ref(ROOT_URI), server)
    assert str(failed.value) == f"the Bluesky post is {reason}"


# -- deep and wide threads ----------------------------------------------------------------------


def _post(index: int) -> dict[str, Any]:
    """One ``#postView`` of a built thread (the lexicon's required fields and those the source reads)."""
    return {
        "uri": f"at://did:plc:chainaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3lbc{index:09d}",
        "cid": f"bafyrei{index}",
        "author": {"did": "did:plc:chainaaaaaaaaaaaaaaaaaaa", "handle": "chain.example.com", "displayName": "Chain"},
        "record": {"$type": "app.bsky.feed.post", "text": f"level {index}", "createdAt": "2026-03-02T10:00:00Z"},
        "replyCount": 1,
        "indexedAt": "2026-03-02T10:00:00Z",
    }


def _node(index: int, replies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.defs#threadViewPost", "post": _post(index), "replies": replies}


def _chain(depth: int) -> bytes:
    """A root and ``depth`` replies each answering the one before, as nested as the AppView sends it."""
    # Written as text: json.dumps itself recurses, and stops near 1,000 levels.
    opening = [json.dumps(_node(i, []))[: -len("]}")] for i in range(depth + 1)]
    return ('{"thread":' + "".join(opening) + "]}" * (depth + 1) + "}").encode()


@pytest.mark.parametrize("depth", [300, 1000])
def test_a_deep_chain_is_read_whole_without_recursion(server: FeedServer, store: Store, depth: int) -> None:
    body = _chain(depth)
    if depth == 1000:
        # Past what json.loads takes: the source's own reader is what reads it.
        with pytest.raises(RecursionError):
            json.loads(body)
    _serve_fixtures(server, body)
    parsed = _fetch(_ref(ROOT_URI), server)
    assert len(parsed.comments) == depth
    assert all(c.parent_guid == parsed.comments[i - 1].guid for i, c in enumerate(parsed.comments) if i)
    rows = stored_comments(store, parsed)
    assert max(row.depth for row in rows) == depth - 1 and rows[-1].text == f"level {depth}"


def test_two_thousand_replies_are_read_whole_and_fast(server: FeedServer) -> None:
    # 40 top-level replies with 49 answers each.
    tops = [_node(t, [_node(1000 * t + r, []) for r in range(49)]) for t in range(1, 41)]
    _serve_fixtures(server, json.dumps({"thread": _node(0, tops)}).encode())
    started = time.perf_counter()
    parsed = _fetch(_ref(ROOT_URI), server)
    elapsed = time.perf_counter() - started
    assert len(parsed.comments) == 2_000
    top_level = [c for c in parsed.comments if c.parent_guid is None]
    assert [c.text for c in top_level] == [f"level {t}" for t in range(1, 41)]
    assert [c.text for c in parsed.comments if c.parent_guid == top_level[0].guid] == [
        f"level {1000 + r}" for r in range(49)
    ]
    assert elapsed < 10, f"2,000 posts took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "text",
    ['{"a":[1,-2.5e3,true,null,{"b":"\\u00e9\\ud83d\\ude00"}],"c":{}}', " [ ] ", '" x "', '{"k":"\\ud800x"}'],
)
def test_the_deep_reader_reads_what_json_reads(text: str) -> None:
    # A lone surrogate becomes U+FFFD, as the project's JSON reader makes it.
    assert _read_deep(text) == json.loads(text.replace("\\ud800", "\\ufffd"))


@pytest.mark.parametrize("text", ["", "{", "[1,]", '{"a" 1}', '{"a":1,}', "[1 2]", "1 2", "{1:2}", "[}", "[" * 5000])
def test_the_deep_reader_refuses_what_is_not_json(text: str) -> None:
    with pytest.raises(ValueError):
        _read_deep(text)
