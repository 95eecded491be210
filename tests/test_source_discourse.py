"""The Discourse comment source: which links are topics, how a blog names its topic, and a topic stored as a tree.

Recorded Discourse answers (``/work/shared/corpus/comments/discourse/``, see
its README: perceval's topic 1148 with 20 of its 22 posts and every id of
its stream, topic 1448, and discourse_api's topic 57 and ``posts.json``
answer) are replayed byte for byte from a loopback server at the paths the
source asks, and read through the real HTTP client and the service's bounded
``get``; then stored in a real library, whose rows (depth, parent, text) are
what the reader shows. Where the rest of a topic's stream was not recorded,
the answer is built here from recorded post objects and says so in its
``"_comment"``. The larger and hostile topics are built here.
"""

from __future__ import annotations

import copy
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
from reader.parse.sources.discourse import MAX_REQUESTS, POSTS_PER_REQUEST, from_page, from_url
from reader.service.threads import MAX_REQUESTS_PER_THREAD, ThreadFailed, ThreadGone
from reader.store import Store

NOW = 1_800_000_000
BASES = CommentSources()
PERCEVAL = Path("comments/discourse/grimoirelab-perceval/tests/data/discourse")
DISCOURSE_API = Path("comments/discourse/discourse_api/spec/fixtures")


def _corpus(shared: Path, path: Path) -> bytes:
    return (shared / "corpus" / path).read_bytes()


def _fetch(ref: ThreadRef) -> ParsedThread:
    return fetched_thread(ref, BASES, NOW)


def _ref(server: FeedServer, topic: int, slug: str = "a-topic") -> ThreadRef:
    ref = from_url(server.url(f"/t/{slug}/{topic}"), BASES)
    assert ref is not None
    return ref


def _asked_ids(server: FeedServer, topic: int) -> list[list[str]]:
    """The ``post_ids[]`` of each ``posts.json`` request, in order."""
    return [
        parse_qs(urlsplit(r.path).query).get("post_ids[]", []) for r in server.requests_for(f"/t/{topic}/posts.json")
    ]


def _json_ok(document: Any) -> Behaviour:
    return ok(json.dumps(document).encode(), "application/json")


def _post(number: int, reply_to: int | None = None, ident: int | None = None, **extra: Any) -> dict[str, Any]:
    """A post built here (Discourse's shape, the fields the source reads)."""
    return {
        "id": ident if ident is not None else 10_000 + number,
        "post_number": number,
        "reply_to_post_number": reply_to,
        "post_type": 1,
        "name": "",
        "username": f"user{number}",
        "created_at": "2024-03-01T10:00:00.000Z",
        "cooked": f"<p>post {number}</p>",
        "deleted_at": None,
        "hidden": False,
        "user_deleted": False,
        **extra,
    }


def _serve_built(server: FeedServer, topic: int, posts: list[dict[str, Any]], first: int = 20) -> None:
    """A topic of ``posts`` served as Discourse does: the first ``first`` posts, every id, the rest on request."""
    by_id = {post["id"]: post for post in posts}
    server.route(
        f"/t/{topic}.json",
        _json_ok(
            {
                "_comment": "built for this test from Discourse's topic answer, not recorded",
                "id": topic,
                "posts_count": len(posts),
                "chunk_size": first,
                "post_stream": {"posts": posts[:first], "stream": [post["id"] for post in posts]},
            }
        ),
    )

    def rest(handler: Any, server: FeedServer) -> None:
        asked = parse_qs(urlsplit(handler.path).query).get("post_ids[]", [])
        found = [by_id[int(ident)] for ident in asked if ident.isdigit() and int(ident) in by_id]
        note = "built for this test from Discourse's posts answer, not recorded"
        _json_ok({"_comment": note, "id": topic, "post_stream": {"posts": found}})(handler, server)

    server.route(f"/t/{topic}/posts.json", rest)


# -- which links are topics --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "topic", "api"),
    [
        ("https://forum.example/t/support-ublock-origin/1148", "1148", "https://forum.example"),
        ("https://Forum.Example/t/support-ublock-origin/1148/19?u=someone", "1148", "https://forum.example"),
        ("https://forum.example/t/1148", "1148", "https://forum.example"),
        ("https://forum.example/t/1148/7", "1148", "https://forum.example"),  # topic, then post number
        ("https://forum.example/t/%E4%BD%A0%E5%A5%BD/57/", "57", "https://forum.example"),
        ("http://127.0.0.1:8123/t/a/9", "9", "http://127.0.0.1:8123"),
    ],
)
def test_topic_urls_are_claimed_with_the_forum_as_api(url: str, topic: str, api: str) -> None:
    ref = thread_for_url(url, BASES)
    assert ref == ThreadRef("discourse", topic, f"{api}/t/{topic}", api=api)


@pytest.mark.parametrize(
    "url",
    [
        "http://forum.example/t/slug/1148",  # plain http only on loopback
        "https://forum.example/t/slug",
        "https://forum.example/t/slug/abc",
        "https://forum.example/t/slug/1148/2/3",
        "https://forum.example/t/slug/1234567890123",  # longer than any id
        "https://forum.example/tags/t/1",
        "https://user:pw@forum.example/t/slug/1",
        "ftp://forum.example/t/slug/1",
    ],
)
def test_other_urls_are_not_topics(url: str) -> None:
    assert from_url(url, BASES) is None


def test_the_embed_script_names_its_topic_and_only_its_forum_s_links_count() -> None:
    page = """<html><head><script type="text/javascript">
      window.DiscourseEmbed = { discourseUrl: 'https://forum.example/community/',
                                discourseEmbedUrl: 'https://blog.example/2024/article', topicId: 321 };
      (function() { var d = document.createElement('script');
        d.src = DiscourseEmbed.discourseUrl + 'javascripts/embed.js'; })();
    </script></head><body>
      <a href="https://forum.example/community/t/another-topic/654/3">also on the forum</a>
      <a href="https://blog.example/t/tag/12">the blog's own /t/ path</a>
      <a href="https://other-forum.example/t/x/13">another forum</a>
    </body></html>"""
    refs = from_page(page, "https://blog.example/2024/article", BASES)
    base = "https://forum.example/community"  # a subfolder install keeps its path
    assert refs == [
        ThreadRef("discourse", "321", f"{base}/t/321", api=base),
        ThreadRef("discourse", "654", f"{base}/t/654", api=base),
    ]
    # Only an embed URL: no topic to name (the widget's /embed/comments is not asked), its forum's links still count.
    only_url = page.replace(", topicId: 321", "")
    assert [ref.remote_id for ref in from_page(only_url, "https://blog.example/2024/article", BASES)] == ["654"]
    # No embed script: /t/ links are any site's paths, none is claimed from the page.
    bare = "<html><body><a href='https://forum.example/t/x/5'>forum</a></body></html>"
    assert from_page(bare, "https://blog.example/a", BASES) == []
    # A forum named over plain http (not loopback) is not asked.
    insecure = page.replace("https://forum.example/community/", "http://forum.example/")
    assert from_page(insecure, "https://blog.example/2024/article", BASES) == []


# -- recorded topics ---------------------------------------------------------------------


@pytest.mark.shared
def test_recorded_topic_1148_stores_all_22_posts_and_its_reply_chain(
    shared: Path, server: FeedServer, store: Store
) -> None:
    server.route("/t/1148.json", ok(_corpus(shared, PERCEVAL / "discourse_topic_1148.json"), "application/json"))
    # The answer for posts 21 and 22 was not recorded: built from recorded post objects (topic 1448's).
    recorded = json.loads(_corpus(shared, PERCEVAL / "discourse_posts.json"))["post_stream"]["posts"]
    later = []
    for ident, source, reply_to in ((21, recorded[1], None), (22, recorded[3], 21)):
        post = copy.deepcopy(source)
        post.update(id=ident, post_number=ident, topic_id=1148, reply_to_post_number=reply_to)
        later.append(post)
    note = "built for this test from recorded post objects (perceval's topic 1448), renumbered: not recorded"
    server.route("/t/1148/posts.json", _json_ok({"_comment": note, "id": 1148, "post_stream": {"posts": later}}))

    parsed = _fetch(_ref(server, 1148, "support-ublock-origin"))
    rows = stored_comments(store, parsed)

    assert len(parsed.comments) == len(rows) == 22 and parsed.source_total == 22 and parsed.note is None
    # Exactly the two posts the topic left out were asked for, in one request.
    assert _asked_ids(server, 1148) == [["21", "22"]]
    by_number = {int((c.url or "").rsplit("/", 1)[1]): (c, row) for c, row in zip(parsed.comments, rows, strict=True)}
    # The chain 20 -> 19 -> 18 -> 14, nested as such (14 answers the topic: top level).
    chain = [by_number[n] for n in (14, 18, 19, 20)]
    assert [row.depth for _c, row in chain] == [0, 1, 2, 3]
    assert [c.parent_guid for c, _row in chain] == [None, chain[0][0].guid, chain[1][0].guid, chain[2][0].guid]
    assert [row.author for _c, row in chain] == ["Steveh", "Raymond Hill", "Steveh", "Keith14"]
    # Post 1 opens the thread, top level; the built later posts thread too.
    assert parsed.comments[0].guid == "discourse:18952" and rows[0].author == "Raymond Hill"
    assert "new support and feedback thread for uBlock Origin" in rows[0].text
    assert by_number[22][0].parent_guid == "discourse:21" and by_number[22][1].depth == 1
    assert "Ovirt/RHEV can support Power8" in by_number[22][1].text
    # Every reply is laid out after the post it answers.
    seen: set[str] = set()
    for comment in parsed.comments:
        assert comment.parent_guid is None or comment.parent_guid in seen
        seen.add(comment.guid)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("path", "topic", "expected"),
    [
        # discourse_api's topic 57: numbers 1, 2, 3, 14; 14 answers post 1 (top level); 2 is a moderator's post.
        (
            DISCOURSE_API / "topic.json",
            57,
            [
                (0, "Sam Saffron", "Try is a sandbox"),
                (0, "Sam Saffron", "now pinned"),
                (0, "Adam Davis", "ahh.gif"),  # an image only: its link
                (0, "Stefan Plattner", "What? So I have to post this every day?"),
            ],
        ),
        # perceval's topic 1448: post 4 answers post 2.
        (
            PERCEVAL / "discourse_posts.json",
            1448,
            [
                (0, "kincl", "IBM PowerVM"),
                (0, "Itamar", "oVirt/RHEV"),
                (1, "tao", "Power8"),
                (0, "John Prause", "can you review"),
            ],
        ),
    ],
)
def test_recorded_whole_topics_are_read_in_one_request(
    shared: Path, server: FeedServer, store: Store, path: Path, topic: int, expected: list[tuple[int, str, str]]
) -> None:
    server.route(f"/t/{topic}.json", ok(_corpus(shared, path), "application/json"))
    rows = stored_comments(store, _fetch(_ref(server, topic)))
    assert [(row.depth, row.author) for row in rows] == [(depth, author) for depth, author, _text in expected]
    assert all(text in row.text for row, (_d, _a, text) in zip(rows, expected, strict=True))
    assert len(server.requests) == 1  # every post of the stream came with the topic


@pytest.mark.shared
def test_a_recorded_posts_answer_fills_in_what_the_topic_left_out(shared: Path, server: FeedServer) -> None:
    # Topic 57 as recorded, but without its post 2 in "posts" and with discourse_api's
    # posts.json post (id 123456, number 2) in its place in the stream: built, and says so.
    document = json.loads(_corpus(shared, DISCOURSE_API / "topic.json"))
    stream = document["post_stream"]
    stream["posts"] = [post for post in stream["posts"] if post["post_number"] != 2]
    stream["stream"] = [83, 123456, 86, 226]
    document["_comment"] = "built for this test from discourse_api's recorded topic 57: post 2 left for posts.json"
    server.route("/t/57.json", _json_ok(document))
    server.route("/t/57/posts.json", ok(_corpus(shared, DISCOURSE_API / "topic_posts.json"), "application/json"))

    parsed = _fetch(_ref(server, 57))
    assert _asked_ids(server, 57) == [["123456"]]
    assert [(c.guid, c.author) for c in parsed.comments][:2] == [
        ("discourse:83", "Sam Saffron"),
        ("discourse:123456", "Someones Name"),
    ]
    assert parsed.comments[1].text == "Some text." and parsed.comments[1].url == server.url("/t/57/2")


# -- failures ----------------------------------------------------------------------------


def test_a_gone_topic_an_html_answer_and_a_rate_limit_fail_in_one_line(server: FeedServer) -> None:
    ref = _ref(server, 5)
    with pytest.raises(ThreadGone) as gone:
        _fetch(ref)  # nothing routed: 404
    assert "404" in str(gone.value) and "\n" not in str(gone.value)

    server.route("/t/5.json", ok(b"<!DOCTYPE html><html><body>Log in to see this forum</body></html>", "text/html"))
    with pytest.raises(ImportFailure) as html:
        _fetch(ref)
    assert "Discourse topic" in str(html.value) and "\n" not in str(html.value)

    server.route("/t/5.json", status(429, {"Retry-After": "60"}))
    with pytest.raises(ThreadFailed) as limited:
        _fetch(ref)
    assert "429" in str(limited.value) and "60" in str(limited.value) and "\n" not in str(limited.value)


def test_later_posts_refused_keep_the_first_ones_with_a_note(server: FeedServer) -> None:
    _serve_built(server, 6, [_post(n, n - 1 if n > 2 else None) for n in range(1, 31)])
    server.route("/t/6/posts.json", status(429))
    parsed = _fetch(_ref(server, 6))
    assert [c.guid for c in parsed.comments][:3] == ["discourse:10001", "discourse:10002", "discourse:10003"]
    assert len(parsed.comments) == 20 and parsed.source_total == 30
    assert parsed.note is not None and "20 of 30 posts read" in parsed.note and "429" in parsed.note


def test_deleted_hidden_and_small_action_posts(server: FeedServer, store: Store) -> None:
    posts = [
        _post(1),
        _post(2, deleted_at="2024-03-02T00:00:00Z", cooked="<p>gone</p>"),
        _post(3, 2, user_deleted=True, cooked="<p>(post deleted by author)</p>"),
        _post(4, hidden=True, cooked="<p>flagged by the community</p>"),
        _post(5, post_type=3, cooked="", action_code="closed.enabled"),  # "closed the topic": no comment
        _post(6, 3, name="Real Name", cooked="<p>still <b>here</b></p><script>alert(1)</script>"),
    ]
    _serve_built(server, 7, posts)
    rows = stored_comments(store, _fetch(_ref(server, 7)))
    assert [(row.depth, row.author, row.text, row.deleted) for row in rows] == [
        (0, "user1", "post 1", False),
        (0, "user2", "[deleted]", True),
        (1, "user3", "[deleted]", True),
        (2, "Real Name", "still **here**", False),
        (0, "user4", "[deleted]", True),
    ]


def test_a_posts_relative_links_point_at_its_forum(server: FeedServer) -> None:
    """Discourse writes mentions and uploads as /u/name and /uploads/...: kept, they would point nowhere."""
    posts = [
        _post(1, cooked='<p>Thanks <a class="mention" href="/u/ann">@ann</a>, see <a href="/t/other/9">this</a></p>')
    ]
    _serve_built(server, 11, posts)
    (comment,) = _fetch(_ref(server, 11)).comments
    assert f'href="{server.base}/u/ann"' in (comment.html or "")
    assert f'href="{server.base}/t/other/9"' in (comment.html or "")


def test_hostile_ids_and_replies_cannot_steer_requests_or_loop(server: FeedServer) -> None:
    posts = [_post(n) for n in range(1, 21)]
    extra = _post(21, 25)  # answers a later post: top level
    stream: list[Any] = [post["id"] for post in posts] + [extra["id"], "../../admin", 1.5, True, -3, "12", extra["id"]]
    server.route(
        "/t/8.json",
        _json_ok({"_comment": "built", "id": 8, "posts_count": 21, "post_stream": {"posts": posts, "stream": stream}}),
    )
    slipped = _post(22, ident=99_999)  # not asked for: not taken
    server.route("/t/8/posts.json", _json_ok({"_comment": "built", "post_stream": {"posts": [extra, slipped]}}))
    parsed = _fetch(_ref(server, 8))
    assert _asked_ids(server, 8) == [[str(extra["id"])]]
    assert len(parsed.comments) == 21 and parsed.comments[-1].parent_guid is None
    assert all(c.guid != "discourse:99999" for c in parsed.comments)


# -- big and deep ------------------------------------------------------------------------


def test_a_2000_post_topic_stops_at_its_request_bound_with_a_note(server: FeedServer) -> None:
    posts = [_post(n, (n // 2) if n > 3 else None) for n in range(1, 2001)]
    _serve_built(server, 9, posts)
    parsed = _fetch(_ref(server, 9))
    asked = _asked_ids(server, 9)
    read = 20 + (MAX_REQUESTS - 1) * POSTS_PER_REQUEST
    # Bounded, under the service's budget: the thread is read, not failed.
    assert len(server.requests) == MAX_REQUESTS < MAX_REQUESTS_PER_THREAD
    assert all(len(ids) <= POSTS_PER_REQUEST and all(i.isdigit() for i in ids) for ids in asked)
    flat = [i for ids in asked for i in ids]
    assert len(flat) == len(set(flat)) == read - 20
    assert len(parsed.comments) == read and parsed.source_total == 2000
    assert parsed.note is not None and f"{read:,} of 2,000 posts read" in parsed.note
    parents = {c.guid: c.parent_guid for c in parsed.comments}
    assert parents[f"discourse:{10_000 + read}"] == f"discourse:{10_000 + read // 2}"


def test_a_300_deep_reply_chain_is_stored_300_deep(server: FeedServer, store: Store) -> None:
    # Post 2 answers the topic (top level); each later post answers the one before it.
    posts = [_post(1)] + [_post(n, n - 1 if n > 2 else 1) for n in range(2, 302)]
    _serve_built(server, 10, posts)
    parsed = _fetch(_ref(server, 10))
    rows = stored_comments(store, parsed)
    assert len(rows) == 301
    assert [row.depth for row in rows] == [0, *range(300)]
    assert rows[-1].text == "post 301" and parsed.comments[-1].parent_guid == "discourse:10300"
