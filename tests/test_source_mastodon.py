"""The Mastodon comment source: which links are statuses, and a status's replies read into a stored tree.

A recorded mastodon.social thread (59 replies, 7 deep; from rtoot's vcr
cassette, see /work/shared/corpus/comments/README.md) is replayed byte for
byte from a loopback server with the headers recorded beside it, and read
through the real HTTP client and the service's bounded ``get``. The
status's own answer was not recorded: the tests build a minimal one and say
so in it (``"_comment"``). The larger and hostile threads are built here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from feedserver import FeedServer, ok, status
from source_helpers import fetched_thread, stored_comments

from reader.models import ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import thread_for_url, threads_in_page
from reader.parse.sources.mastodon import NOTE_TOO_DEEP, NOTE_TOO_MANY, from_page, from_url
from reader.service.threads import ThreadFailed, ThreadGone
from reader.store import Store

ROOT = "109294719267373593"
NOW = 1_800_000_000
BASES = CommentSources()


def _fetch(ref: ThreadRef) -> ParsedThread:
    return fetched_thread(ref, BASES, NOW)


def _ref(server: FeedServer, ident: str = ROOT) -> ThreadRef:
    ref = from_url(server.url(f"/@Gargron/{ident}"), BASES)
    assert ref is not None
    return ref


def _built_root(ident: str, replies: int) -> bytes:
    """The status's own answer, which the corpus does not hold: only what the source reads of it."""
    return json.dumps(
        {
            "_comment": "built for this test from Mastodon's Status entity, not recorded",
            "id": ident,
            "in_reply_to_id": None,
            "content": "<p>the thread's first post</p>",
            "replies_count": replies,
            "account": {"acct": "Gargron", "display_name": "Eugen"},
        }
    ).encode()


def _status(
    ident: int | str, parent: int | str | None, text: str = "", replies: int = 0, **extra: Any
) -> dict[str, Any]:
    return {
        "id": str(ident),
        "in_reply_to_id": None if parent is None else str(parent),
        "created_at": "2026-03-02T10:00:00.000Z",
        "content": f"<p>{text or f'status {ident}'}</p>",
        "url": f"https://example.social/@user{ident}/{ident}",
        "replies_count": replies,
        "account": {"acct": f"user{ident}@example.social", "display_name": f"User {ident}"},
        "media_attachments": [],
        **extra,
    }


def _serve(server: FeedServer, ident: str, replies: int, descendants: list[dict[str, Any]]) -> None:
    server.route(f"/api/v1/statuses/{ident}", ok(_built_root(ident, replies), "application/json"))
    context = json.dumps({"_comment": "built for this test", "ancestors": [], "descendants": descendants})
    server.route(f"/api/v1/statuses/{ident}/context", ok(context, "application/json"))


# -- which links are statuses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ident", "api"),
    [
        ("https://mastodon.social/@Gargron/109294719267373593", "109294719267373593", "https://mastodon.social"),
        ("https://fosstodon.org/@someone@mastodon.social/1234/", "1234", "https://fosstodon.org"),
        ("https://Mastodon.Social/users/Gargron/statuses/42", "42", "https://mastodon.social"),
        ("http://127.0.0.1:8123/@a_b/7/embed", "7", "http://127.0.0.1:8123"),
        (
            "https://mastodon.social/@Gargron/109294719267373593?utm=x#top",
            "109294719267373593",
            "https://mastodon.social",
        ),
    ],
)
def test_status_links_on_any_server_are_claimed_with_that_server_as_api(url: str, ident: str, api: str) -> None:
    ref = thread_for_url(url, BASES)
    assert ref is not None and ref.source == "mastodon"
    assert (ref.remote_id, ref.api) == (ident, api)
    # The link a person opens is the status's own page, without tracking or the embed suffix.
    assert ref.url.startswith(api) and ref.url.endswith(f"/{ident}")


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/@Gargron",  # a profile
        "https://mastodon.social/@Gargron/media",  # a profile tab
        "https://mastodon.social/@Gargron/12a",  # not an id
        "https://mastodon.social/@Gargron/123456789012345678901",  # 21 digits
        "https://mastodon.social/@Gargron/12/reblogs",
        "https://user:pass@mastodon.social/@Gargron/12",  # credentials in the link
        "https://medium.com/@writer/123456789012",  # Medium's all-digit post ids
        "ftp://mastodon.social/@Gargron/12",
        "javascript:alert(1)//mastodon.social/@Gargron/12",
    ],
)
def test_other_links_are_not_statuses(url: str) -> None:
    assert from_url(url, BASES) is None


def test_an_article_page_names_the_status_it_is_discussed_on() -> None:
    page = """<html><body><article>text <a href="https://example.com/other">elsewhere</a></article>
    <p>Comment on <a href="https://hachyderm.io/@author/113000000000000001">Mastodon</a>,
    or <a href="https://hachyderm.io/@author">follow me</a>.</p></body></html>"""
    refs = threads_in_page(page, "https://blog.example/post", BASES)
    assert [(r.source, r.remote_id, r.api) for r in refs] == [
        ("mastodon", "113000000000000001", "https://hachyderm.io")
    ]


def test_a_page_quoting_many_statuses_names_only_the_first_few() -> None:
    links = "".join(f'<a href="https://m.example/@u/{i}">toot {i}</a>' for i in range(1, 40))
    refs = from_page(f"<html><body>{links}</body></html>", "https://blog.example/post", BASES)
    assert [r.remote_id for r in refs] == ["1", "2", "3"]


# -- the recorded thread ---------------------------------------------------------------------


def _recorded_headers(cassette: Path) -> dict[str, str]:
    """The response headers of the cassette's first interaction (vcr YAML; no YAML library needed for them)."""
    lines = cassette.read_text(encoding="utf-8").splitlines()
    start = lines.index("    headers:")
    headers: dict[str, str] = {}
    name = ""
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break  # "    body:": the headers are over
        if line.startswith("        ") and name:
            headers[name] += " " + line.strip()  # a folded long value
            continue
        name, _, value = line.strip().partition(":")
        headers[name] = value.strip()
    return {key: value.strip("'") for key, value in headers.items()}


@pytest.fixture
def recorded(shared: Path) -> tuple[bytes, dict[str, str]]:
    base = shared / "corpus" / "comments" / "mastodon" / "rtoot"
    body = (base / "extracted" / "get_context_default.json").read_bytes()
    headers = _recorded_headers(base / "tests" / "fixtures" / "get_context_default.yml")
    # The recording stores the body decoded but kept the gzip header and the
    # compressed length: replayed as they are, they would lie about the body.
    for dropped in ("content-encoding", "content-length"):
        headers.pop(dropped)
    return body, headers


def test_the_recorded_thread_is_stored_as_the_tree_mastodon_sent(
    recorded: tuple[bytes, dict[str, str]], server: FeedServer, store: Store
) -> None:
    body, headers = recorded
    content_type = headers.pop("content-type")
    server.route(f"/api/v1/statuses/{ROOT}/context", ok(body, content_type, headers))
    server.route(f"/api/v1/statuses/{ROOT}", ok(_built_root(ROOT, 43), "application/json"))

    parsed = _fetch(_ref(server))
    rows = stored_comments(store, parsed)

    recorded_statuses = json.loads(body)["descendants"]
    by_url = {s["url"]: s for s in recorded_statuses}
    assert len(rows) == len(recorded_statuses) == 59
    row_by_id = {row.id: row for row in rows}
    for row in rows:
        status_ = by_url[row.url]
        parent = row_by_id[row.parent_id] if row.parent_id is not None else None
        # Who answered whom, as Mastodon recorded it: a reply to the status itself is top level.
        expected = None if status_["in_reply_to_id"] == ROOT else status_["in_reply_to_id"]
        assert (by_url[parent.url]["id"] if parent else None) == expected
    assert max(row.depth for row in rows) == 6  # seven levels: 0 is a direct reply
    assert sum(row.parent_id is None for row in rows) == 43
    first = rows[0]
    assert first.author == "Austin Kocher, PhD \U0001f30e"
    assert "support the team" in first.text and "<p>" not in first.text
    # The status's count of direct replies is the source's total; 59 is below Mastodon's 60: no note.
    assert parsed.source_total == 43 and parsed.note is None
    assert [r.path for r in server.requests] == [f"/api/v1/statuses/{ROOT}", f"/api/v1/statuses/{ROOT}/context"]


# -- built threads ----------------------------------------------------------------------------


def test_sixty_replies_under_a_larger_count_carry_the_logged_out_note(server: FeedServer) -> None:
    sixty = [_status(1000 + i, ROOT) for i in range(60)]
    _serve(server, ROOT, 75, sixty)
    parsed = _fetch(_ref(server))
    assert len(parsed.comments) == 60
    assert parsed.note == NOTE_TOO_MANY and "\n" not in parsed.note
    assert "60 replies" in parsed.note and "not logged in" in parsed.note


def test_exactly_sixty_replies_that_the_counts_agree_with_carry_no_note(server: FeedServer) -> None:
    _serve(server, ROOT, 60, [_status(1000 + i, ROOT) for i in range(60)])
    assert _fetch(_ref(server)).note is None


def test_a_chain_cut_at_twenty_levels_says_so(server: FeedServer) -> None:
    # The twentieth reply says it has an answer that the answer leaves out.
    chain = [_status(2000 + i, ROOT if i == 0 else 2000 + i - 1, replies=1) for i in range(20)]
    _serve(server, ROOT, 1, chain)
    parsed = _fetch(_ref(server))
    assert len(parsed.comments) == 20 and parsed.note == NOTE_TOO_DEEP


def test_a_status_that_is_gone_is_thread_gone(server: FeedServer) -> None:
    with pytest.raises(ThreadGone):
        _fetch(_ref(server, "404404"))
    assert server.paths() == ["/api/v1/statuses/404404"]


def test_an_html_answer_is_a_one_line_failure(server: FeedServer) -> None:
    page = "<!DOCTYPE html>\n<html><body><h1>Welcome to Mastodon</h1>\n<p>sign in</p></body></html>"
    server.route(f"/api/v1/statuses/{ROOT}", ok(page, "text/html"))
    with pytest.raises(ImportFailure) as failed:
        _fetch(_ref(server))
    assert str(failed.value) == "expected a Mastodon status, found something else"


def test_a_server_error_on_the_context_is_a_failure_not_an_empty_thread(server: FeedServer) -> None:
    server.route(f"/api/v1/statuses/{ROOT}", ok(_built_root(ROOT, 3), "application/json"))
    server.route(f"/api/v1/statuses/{ROOT}/context", status(503))
    with pytest.raises(ThreadFailed, match="HTTP 503"):
        _fetch(_ref(server))


def test_replies_to_absent_statuses_are_top_level_and_empty_ones_show_as_deleted(
    server: FeedServer, store: Store
) -> None:
    descendants = [
        _status(1, ROOT, "first"),
        # Its parent (deleted, or followers-only) is not in the answer.
        _status(2, 999, "answering something gone"),
        _status(3, 1, "", content=""),
        _status(4, 3, "under the empty one"),
        _status(5, 1, "look", spoiler_text="spoilers\n ahead", content="<p>the ending</p>"),
        _status(
            6,
            5,
            "",
            content="",
            media_attachments=[{"type": "image", "url": "https://files.example/a.png", "description": "a cat"}],
        ),
        _status(
            7, 1, "hostile", content='<p onclick="x()">hi <a href="javascript:steal()">x</a><script>1</script></p>'
        ),
    ]
    descendants[0]["account"] = {"acct": "ann@else.where", "display_name": "  "}
    _serve(server, ROOT, 1, descendants)
    rows = stored_comments(store, _fetch(_ref(server)))
    by_text = {row.text.split("\n")[0]: row for row in rows}
    tree = [(row.depth, row.author, row.text.replace("\n", " | ")) for row in rows]
    assert tree[0] == (0, "ann@else.where", "first")  # no display name: the account's address
    assert by_text["answering something gone"].parent_id is None
    empty = next(row for row in rows if row.deleted)
    assert empty.text == "[deleted]" and empty.depth == 1
    assert by_text["under the empty one"].parent_id == empty.id
    assert by_text["CW: spoilers ahead"].text == "CW: spoilers ahead\n\nthe ending"
    image = next(row for row in rows if "a cat" in row.text)
    assert "https://files.example/a.png" in image.text and not image.deleted and image.depth == 2
    hostile = next(row for row in rows if row.text.startswith("hi"))
    assert "javascript" not in hostile.text and "steal" not in hostile.text and "1" not in hostile.text


def test_a_ref_naming_a_bad_server_or_id_asks_nothing(server: FeedServer) -> None:
    bad = ThreadRef("mastodon", "1/../../admin", "https://nowhere.invalid/x", api=server.base + "/evil?")
    with pytest.raises(ImportFailure, match="not a Mastodon status"):
        _fetch(bad)
    assert server.paths() == []


def test_two_thousand_replies_and_a_300_deep_chain_are_read_whole_and_fast(server: FeedServer, store: Store) -> None:
    # 1,700 replies in a wide tree (each answers one of the ten before it),
    # then a chain of 300, each answering the one before.
    wide = [_status(10_000 + i, ROOT if i < 10 else 10_000 + i - 1 - i % 10) for i in range(1_700)]
    chain = [_status(20_000 + i, ROOT if i == 0 else 20_000 + i - 1) for i in range(300)]
    _serve(server, ROOT, 11, wide + chain)
    started = time.perf_counter()
    parsed = _fetch(_ref(server))
    elapsed = time.perf_counter() - started
    assert len(parsed.comments) == 2_000
    parents = {c.guid: c.parent_guid for c in parsed.comments}
    for status_ in wide + chain:
        expected = None if status_["in_reply_to_id"] == ROOT else f"mastodon:{status_['in_reply_to_id']}"
        assert parents[f"mastodon:{status_['id']}"] == expected
    rows = stored_comments(store, parsed)
    assert len(rows) == 2_000 and max(row.depth for row in rows) == 299
    assert rows[-1].text == "status 20299"
    assert elapsed < 10, f"2,000 statuses took {elapsed:.1f} s"
