"""Fuzzing the error boundaries: every comment thread and every imported file is its own unit of failure.

Issue 12: an unexpected exception in one thread or one file is that unit's
one-line error; the other units are stored, nothing stored before is lost,
no traceback reaches the user. Hypothesis makes the hostile unit by mutating
a valid one (tests/fuzz_helpers.py); the real boundary runs over it and two
good units:

* comment threads: ``fetch_comments`` over three articles whose HN, Reddit,
  Lobsters or comment-feed answers come from one loopback server; one answer
  is mutated (any node replaced by another JSON type, huge numbers, lone
  surrogates escaped as ``\\ud800``, control characters, deep nesting);
* imports: ``import_paths`` over three files, one of them a mutated RSS,
  Atom, JSON Feed, OPML, HTML, plain-text, newsboat urls file, or a newsboat
  ``cache.db`` with arbitrary text, numbers and BLOBs in its columns;
* the real ``reader import`` command over four bad files and two good ones.

Each asserts: nothing escapes (no traceback, not even on stderr); the good
units are stored, counted in the real SQLite file; the bad unit stored
something sane or is exactly one clean line of error; the library opens.
The failures the audit reproduced are plain tests below the properties.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss
from fuzz_helpers import (
    JSON,
    KEYS,
    Mutated,
    algolia_answer,
    atom_comment_feed,
    hostile_text,
    line_problem,
    lobsters_answer,
    mutated_bytes,
    mutated_json,
    reddit_answer,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_newsboat import NEWSBOAT_SCHEMA

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.net.http import Limits
from reader.parse import FileOutcome, import_paths
from reader.parse.comments import CommentSources
from reader.service.fetch import FetchSettings, FetchSummary, fetch_comments
from reader.store import Store

THREAD_EXAMPLES = 50
IMPORT_EXAMPLES = 60

# --------------------------------------------------------------------------
# What a sane library looks like after a run


def library_problems(db_path: Path) -> list[str]:
    """What is wrong with the library file: it must open, count, pass SQLite's check and hold clean names and trees."""
    problems: list[str] = []
    with Store(db_path, create=False) as store:
        counts = store.counts()
        assert {"all", "unread", "starred"} <= set(counts)
        (integrity,) = store.conn.execute("PRAGMA integrity_check").fetchone()
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        named = [
            ("feed title", "SELECT id, title FROM feeds"),
            ("article title", "SELECT id, title FROM articles"),
            ("article author", "SELECT id, author FROM articles"),
            ("comment author", "SELECT id, author FROM comments"),
        ]
        for what, query in named:
            for row_id, value in store.conn.execute(query):
                problem = line_problem(value, max_length=10**9)
                if problem is not None:
                    problems.append(f"{what} of row {row_id}: {problem}")
        crossed = store.conn.execute(
            """SELECT count(*) FROM comments c JOIN comments p ON c.parent_id = p.id
            WHERE p.article_id != c.article_id OR c.depth != p.depth + 1"""
        ).fetchone()[0]
        rootless = store.conn.execute("SELECT count(*) FROM comments WHERE parent_id IS NULL AND depth != 0").fetchone()
        if crossed or rootless[0]:
            problems.append(
                f"thread trees broken: {crossed} replies off their parent, {rootless[0]} roots not at depth 0"
            )
        for article_id in store.article_ids():
            store.comments(article_id)
    return problems


@contextlib.contextmanager
def stderr_kept() -> Iterator[io.StringIO]:
    """What the code under test writes to stderr (a traceback printed by a thread or asyncio ends up there)."""
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        yield captured


# --------------------------------------------------------------------------
# Comment threads

KINDS = ("hackernews", "reddit", "lobsters", "feed")


@dataclass(frozen=True)
class ThreadSpec:
    """One article of the fuzzed library: where its thread is linked and where the server answers for it."""

    kind: str
    guid: str
    path: str
    comments_url: str | None = None
    comment_feed: bool = False


SPECS = {
    "hackernews": ThreadSpec(
        "hackernews", "hn-4001", "/api/v1/items/4001", comments_url="https://news.ycombinator.com/item?id=4001"
    ),
    "reddit": ThreadSpec(
        "reddit", "t3_p4002", "/r/fuzz/comments/p4002.json", "https://www.reddit.com/r/fuzz/comments/p4002/a_story/"
    ),
    "lobsters": ThreadSpec("lobsters", "lobsters-l4003", "/s/l4003.json", "https://lobste.rs/s/l4003/a_story"),
    "feed": ThreadSpec("feed", "https://blog.example/?p=4004", "/c/4004.atom", comment_feed=True),
}


@dataclass(frozen=True)
class GoodAnswer:
    """A valid answer and how many comment rows (comments and "more" stubs) it stores."""

    body: bytes
    rows: int


def _json_body(value: JSON) -> bytes:
    return json.dumps(value).encode("utf-8")


MINIMAL_BASES: dict[str, JSON] = {
    "hackernews": algolia_answer(4001),
    "reddit": reddit_answer("p4002"),
    "lobsters": lobsters_answer("l4003"),
}
MINIMAL = {
    "hackernews": GoodAnswer(_json_body(MINIMAL_BASES["hackernews"]), 3),
    "reddit": GoodAnswer(_json_body(MINIMAL_BASES["reddit"]), 3),
    "lobsters": GoodAnswer(_json_body(MINIMAL_BASES["lobsters"]), 2),
    "feed": GoodAnswer(atom_comment_feed(SPECS["feed"].guid), 3),
}


class LoopbackAPI:
    """The loopback server that answers for every comment API, with each example's answers set on it."""

    def __init__(self, server: FeedServer) -> None:
        self.server = server

    def __repr__(self) -> str:
        # Hypothesis prints the arguments of a failing example: the server's request log is no part of it.
        return f"LoopbackAPI({self.server.base})"

    def answer(self, answers: dict[str, bytes]) -> None:
        """Serve ``answers`` (kind: body) at their paths, forgetting the requests of earlier examples."""
        self.server.clear()
        for kind, body in answers.items():
            content_type = "application/atom+xml" if kind == "feed" else "application/json"
            self.server.route(SPECS[kind].path, ok(body, content_type))

    def settings(self) -> FetchSettings:
        server = self.server
        sources = CommentSources(hn_api=server.url("/api/v1"), reddit=server.base, lobsters=server.base)
        return FetchSettings(limits=Limits(total_seconds=20), full_text=False, parse_processes=1, sources=sources)


@pytest.fixture(scope="module")
def api() -> Iterator[LoopbackAPI]:
    """One loopback server for every example; each example sets the answers it needs."""
    with FeedServer() as server:
        yield LoopbackAPI(server)


def build_thread_library(db_path: Path, api: LoopbackAPI, kinds: Sequence[str]) -> dict[str, int]:
    """A library with one article per kind, each with one comment stored before the fetch; the article ids."""
    feed = FeedData(key="fuzz:threads", title="Threads", kind="local")
    articles = []
    for kind in kinds:
        spec = SPECS[kind]
        earlier = CommentData(guid=f"earlier-{kind}", author="earlier", text="Stored before the fetch.")
        article = ArticleData(
            guid=spec.guid,
            title=f"A {kind} story",
            text="A story with a thread.",
            comments_url=spec.comments_url,
            comment_feed_url=api.server.url(spec.path) if spec.comment_feed else None,
            comments=[earlier],
        )
        articles.append((feed, article))
    with Store(db_path) as store:
        store.store_batch(ImportBatch(kind="test", feeds=[feed], articles=articles))
        ids = {kind: store.find_article(SPECS[kind].guid) for kind in kinds}
    return {kind: article_id for kind, article_id in ids.items() if article_id is not None}


def comment_guids(db_path: Path, article_id: int) -> list[str]:
    """The guids of an article's stored comments, read from the SQLite file itself."""
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        return [row[0] for row in connection.execute("SELECT guid FROM comments WHERE article_id = ?", (article_id,))]


def check_threads(api: LoopbackAPI, bad_kind: str, bad: Mutated, good: dict[str, GoodAnswer]) -> FetchSummary:
    """Fetch three threads, ``bad`` being the answer for the ``bad_kind`` one, check the boundary held; the summary."""
    api.answer({bad_kind: bad.body, **{kind: answer.body for kind, answer in good.items()}})
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "library.db"
        ids = build_thread_library(db_path, api, [bad_kind, *good])
        with stderr_kept() as stderr:
            summary = fetch_comments(db_path, list(ids.values()), api.settings())
        assert "Traceback" not in stderr.getvalue(), stderr.getvalue()

        bad_id = ids[bad_kind]
        mentions = [error for error in summary.thread_errors if re.search(rf"\barticle {bad_id}\b", error)]
        assert summary.thread_errors == mentions, f"a good thread failed: {summary.thread_errors}"
        assert len(mentions) <= 1, f"the bad thread is reported {len(mentions)} times: {mentions}"
        for error in mentions:
            assert line_problem(error) is None, f"not one clean line: {line_problem(error)}"
        assert summary.threads == len(good) + (0 if mentions else 1)

        for kind, answer in good.items():
            stored = comment_guids(db_path, ids[kind])
            assert len(stored) == answer.rows + 1, f"{kind}: {len(stored)} rows stored, expected {answer.rows} + 1"
            assert f"earlier-{kind}" in stored
        # Nothing stored before is lost, whatever the bad answer held.
        assert f"earlier-{bad_kind}" in comment_guids(db_path, bad_id)
        assert library_problems(db_path) == []
    return summary


def _other_two(bad_kind: str) -> st.SearchStrategy[tuple[str, ...]]:
    others = [kind for kind in KINDS if kind != bad_kind]
    return st.permutations(others).map(lambda order: tuple(order[:2]))


@st.composite
def bad_minimal_threads(draw: st.DrawFn) -> tuple[str, Mutated, tuple[str, ...]]:
    """(kind of the bad thread, its mutated answer, the kinds of the two good ones)."""
    kind = draw(st.sampled_from(KINDS))
    if kind == "feed":
        bad = draw(mutated_bytes("minimal Atom comment feed", MINIMAL["feed"].body))
    else:
        bad = draw(mutated_json(f"minimal {kind} answer", MINIMAL_BASES[kind], KEYS[kind]))
    return kind, bad, draw(_other_two(kind))


def test_three_valid_threads_are_stored_whole(api: LoopbackAPI) -> None:
    """The harness itself: with nothing hostile, every thread is stored, none reported."""
    for bad_kind in KINDS:
        unchanged = Mutated("unchanged", (), MINIMAL[bad_kind].body)
        others = [kind for kind in KINDS if kind != bad_kind][:2]
        summary = check_threads(api, bad_kind, unchanged, {kind: MINIMAL[kind] for kind in others})
        assert (summary.threads, summary.thread_errors) == (3, [])


@pytest.mark.slow
@settings(max_examples=THREAD_EXAMPLES, deadline=None)
@given(case=bad_minimal_threads())
def test_a_hostile_thread_answer_is_its_own_failure(
    api: LoopbackAPI, case: tuple[str, Mutated, tuple[str, ...]]
) -> None:
    """One mutated answer among three: no traceback, the two good threads stored, the bad one sane or one line."""
    bad_kind, bad, good_kinds = case
    summary = check_threads(api, bad_kind, bad, {kind: MINIMAL[kind] for kind in good_kinds})
    assert summary.threads >= len(good_kinds), "the good threads were not both stored"


# -- recorded answers (../shared/corpus/comments) ---------------------------------------

RECORDED = {
    "hackernews": "corpus/comments/hackernews/circumflex/9dc6b9ca/comment/test/comments.json",
    "reddit": "corpus/comments/reddit/rtv/extracted/test_content_flatten_comments.json",
    "lobsters": "corpus/comments/lobsters/compose-lobsters/ca88d627/api/src/test/resources/post_details_d9ucpe.json",
}


def recorded_rows(kind: str, document: Any) -> int:
    """Comment rows a recorded answer holds, counted from the JSON itself (not by the parser under test)."""
    if kind == "lobsters":
        return len(document["comments"])
    if kind == "hackernews":
        stack = list(document["comments"])
        count = 0
        while stack:
            item = stack.pop()
            count += 1
            stack.extend(item.get("comments") or [])
        return count
    things = list(document[1]["data"]["children"])
    count = 0
    while things:
        thing = things.pop()
        count += thing["kind"] in ("t1", "more")
        replies = thing["data"].get("replies") if thing["kind"] == "t1" else None
        if isinstance(replies, dict):
            things.extend(replies["data"]["children"])
    return count


@cache
def recorded(shared: Path) -> dict[str, tuple[JSON, GoodAnswer]]:
    """Each recorded answer, parsed (the base to mutate) and as served unchanged."""
    answers: dict[str, tuple[JSON, GoodAnswer]] = {}
    for kind, relative in RECORDED.items():
        body = (shared / relative).read_bytes()
        document = json.loads(body)
        answers[kind] = (document, GoodAnswer(body, recorded_rows(kind, document)))
    answers["feed"] = (None, MINIMAL["feed"])
    return answers


@pytest.mark.slow
@pytest.mark.shared
@settings(
    max_examples=30,
    deadline=None,
    # Shrinking one failure re-fetches a 250 kB thread hundreds of times: one is enough.
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_hostile_recorded_thread_answer_is_its_own_failure(
    api: LoopbackAPI, shared: Path, data: st.DataObject
) -> None:
    """A real recorded HN, Reddit or Lobsters answer mutated, beside two real ones: the same boundary holds."""
    answers = recorded(shared)
    bad_kind = data.draw(st.sampled_from(sorted(RECORDED)), label="bad kind")
    base, _answer = answers[bad_kind]
    bad = data.draw(mutated_json(RECORDED[bad_kind], base, KEYS[bad_kind]), label="bad answer")
    good_kinds = data.draw(_other_two(bad_kind), label="good kinds")
    summary = check_threads(api, bad_kind, bad, {kind: answers[kind][1] for kind in good_kinds})
    assert summary.threads >= len(good_kinds), "the good threads were not both stored"


# -- the failures the audit reproduced ------------------------------------------------------


def _reddit_with(thing: str) -> bytes:
    """A Reddit permalink answer whose comment listing holds ``thing`` (JSON text) after one good comment."""
    good = '{"kind":"t1","data":{"id":"c1","name":"t1_c1","author":"ann","body":"First","replies":""}}'
    listing = '{"kind":"Listing","data":{"children":[' + good + "," + thing + "]}}"
    return ('[{"kind":"Listing","data":{"children":[]}},' + listing + "]").encode()


KNOWN_THREAD_FAILURES = {
    "hn-children-not-a-list": (
        "hackernews",
        b'{"id":4001,"children":[{"id":1,"author":"ann","text":"hi","children":5}]}',
    ),
    "hn-top-children-not-a-list": ("hackernews", b'{"id":4001,"children":5}'),
    "reddit-data-not-an-object": (
        "reddit",
        b'[{"kind":"Listing","data":[]},{"kind":"Listing","data":{"children":[{"kind":"t1","data":"x"},'
        b'{"kind":"t1","data":{"id":"c9","author":"ann","body":"hi","replies":{"kind":"Listing","data":7}}}]}}]',
    ),
    "reddit-more-count-object": ("reddit", _reddit_with('{"kind":"more","data":{"id":"m1","count":{},"children":[]}}')),
    "reddit-more-count-list": ("reddit", _reddit_with('{"kind":"more","data":{"id":"m1","count":[3],"children":[]}}')),
    "reddit-author-lone-surrogate": (
        "reddit",
        _reddit_with('{"kind":"t1","data":{"id":"c7","author":"x\\ud800y","body":"hi"}}'),
    ),
    "reddit-id-lone-surrogate": (
        "reddit",
        _reddit_with('{"kind":"t1","data":{"id":"c\\ud800","author":"ann","body":"hi"}}'),
    ),
    "hn-author-lone-surrogate": (
        "hackernews",
        b'{"id":4001,"children":[{"id":1,"author":"x\\ud800y","text":"hi","children":[]}]}',
    ),
    "hn-id-lone-surrogate": ("hackernews", b'{"id":4001,"children":[{"id":"\\udc00","author":"ann","text":"hi"}]}'),
    "lobsters-author-lone-surrogate": (
        "lobsters",
        b'{"comments":[{"short_id":"a1","commenting_user":"x\\ud800y","comment":"<p>hi</p>"}]}',
    ),
}


@pytest.mark.parametrize("name", sorted(KNOWN_THREAD_FAILURES))
def test_known_hostile_thread_answers(api: LoopbackAPI, name: str) -> None:
    """Each failure the audit reproduced, as its own unit among three threads."""
    bad_kind, body = KNOWN_THREAD_FAILURES[name]
    others = [kind for kind in KINDS if kind != bad_kind][:2]
    summary = check_threads(api, bad_kind, Mutated(name, (), body), {kind: MINIMAL[kind] for kind in others})
    # Each of these is read as far as it makes sense now: the bad thread is stored too, with no error.
    assert (summary.threads, summary.thread_errors) == (3, []), summary.thread_errors


# --------------------------------------------------------------------------
# Imports

GOOD_RSS_GUIDS = ("good-rss-1", "good-rss-2")
GOOD_RSS = rss(
    [
        Item("good-rss-1", "Good feed, first", "https://good.example/1", "<p>One.</p>"),
        Item("good-rss-2", "Good feed, second", "https://good.example/2", "<p>Two.</p>"),
    ],
    title="Good feed",
).encode()
GOOD_TEXT_TITLE = "A good plain-text article"
GOOD_TEXT = f"{GOOD_TEXT_TITLE}\nIts one paragraph.\n2 Comments\nann\nHello there.\n  bob\nHello ann.\n".encode()


def _bad_rss() -> bytes:
    items = [
        Item("bad-rss-1", "Hostile, first", "https://bad.example/1", "<p>A <b>bold</b> one.</p>", comment_count=3),
        Item(
            "bad-rss-2",
            "Hostile, second",
            "https://bad.example/2",
            "<p>Two</p>",
            comments="https://news.ycombinator.com/item?id=7",
            author="Ann",
        ),
    ]
    return rss(items, title="Hostile feed").encode()


BAD_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Hostile Atom</title><id>urn:bad:atom</id><updated>2026-03-02T12:00:00Z</updated>
<entry><id>urn:bad:1</id><title type="html">First &amp;amp; only</title><updated>2026-03-02T12:00:00Z</updated>
<author><name>Ann</name></author><link href="https://bad.example/a1"/>
<content type="html">&lt;p&gt;Body &lt;i&gt;here&lt;/i&gt;&lt;/p&gt;</content></entry>
<entry><id>urn:bad:2</id><title>A reply</title><updated>2026-03-02T13:00:00Z</updated>
<thr:in-reply-to ref="urn:bad:1"/><content type="text">Agreed.</content></entry>
</feed>
"""
BAD_JSON_FEED: JSON = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Hostile JSON Feed",
    "home_page_url": "https://bad.example/",
    "feed_url": "https://bad.example/feed.json",
    "authors": [{"name": "Ann"}],
    "items": [
        {
            "id": "bad-json-1",
            "url": "https://bad.example/j1",
            "title": "First",
            "content_html": "<p>One</p>",
            "date_published": "2026-03-01T10:00:00Z",
        },
        {"id": 2, "title": "Second", "content_text": "Two\n\nparagraphs", "authors": [{"name": "Bob"}]},
    ],
}
JSON_FEED_KEYS = (
    "version",
    "title",
    "items",
    "id",
    "url",
    "external_url",
    "content_html",
    "content_text",
    "summary",
    "date_published",
    "date_modified",
    "authors",
    "author",
    "name",
    "feed_url",
    "home_page_url",
)
BAD_OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Hostile subscriptions</title></head><body>
<outline text="Tech" title="Tech">
  <outline type="rss" text="One" title="One" xmlUrl="https://bad.example/one.xml" htmlUrl="https://bad.example/"/>
  <outline type="rss" text="Two" xmlUrl="https://bad.example/two.xml"/>
</outline>
<outline type="rss" text="Three" xmlUrl="https://bad.example/three.xml"/>
</body></opml>
"""
BAD_HTML = b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A hostile page</title>
<meta property="og:title" content="A hostile page"><link rel="canonical" href="https://bad.example/page"></head>
<body><article><h1>A hostile page</h1><p>Its first paragraph, long enough to be the article text.</p>
<p>A second one with <a href="https://bad.example/x">a link</a> and <script>alert(1)</script>.</p>
</article></body></html>
"""
BAD_TEXT = (
    b"A hostile plain-text article\nIts first paragraph.\nA heading\nIts second paragraph.\n3 Comments\n"
    b"carol\nFirst!\n  dave\nA reply to carol.\nerin\nAnother top-level comment.\n"
)
BAD_URLS = (
    b'# feeds\nhttps://bad.example/feed.xml tech "~Renamed"\nhttps://bad.example/atom news\nquery:x:unread = "yes"\n'
)
FILE_BASES = {
    "rss": _bad_rss(),
    "atom": BAD_ATOM,
    "opml": BAD_OPML,
    "html": BAD_HTML,
    "plaintext": BAD_TEXT,
    "newsboat-urls": BAD_URLS,
}


@dataclass(frozen=True)
class BadFile:
    """The hostile file of an import: its name and how it was made."""

    name: str
    content: Mutated


def _arbitrary_content() -> st.SearchStrategy[Mutated]:
    raw = st.binary(max_size=2000).map(lambda data: Mutated("arbitrary bytes", (repr(data[:200]),), data))
    text = hostile_text.map(
        lambda value: Mutated("arbitrary text", (repr(value[:200]),), value.encode("utf-8", "surrogatepass"))
    )
    return st.one_of(raw, text)


def _named(name: str) -> Callable[[Mutated], BadFile]:
    def named(content: Mutated) -> BadFile:
        return BadFile(name, content)

    return named


_mutated_files = st.one_of(
    *[mutated_bytes(kind, base).map(_named(f"bad-{kind}.txt")) for kind, base in FILE_BASES.items()]
)
_mutated_json_feeds = mutated_json("JSON Feed", BAD_JSON_FEED, JSON_FEED_KEYS).map(_named("bad-feed.json"))
# Each branch is about as likely as the others: byte edits of every kind of file (twice), JSON Feeds
# with hostile values in their fields (twice: where a bad value is likeliest to reach the store), a
# JSON Feed edited byte by byte, arbitrary content.
bad_files: st.SearchStrategy[BadFile] = st.one_of(
    _mutated_files,
    _mutated_files,
    _mutated_json_feeds,
    _mutated_json_feeds,
    mutated_bytes("JSON Feed", _json_body(BAD_JSON_FEED)).map(_named("bad-feed.json")),
    _arbitrary_content().map(_named("bad-anything")),
)


def good_articles_stored(db_path: Path) -> list[str]:
    """What of the good files is missing from the SQLite file itself (empty: all there)."""
    missing = []
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        for guid in GOOD_RSS_GUIDS:
            if connection.execute("SELECT 1 FROM articles WHERE guid = ?", (guid,)).fetchone() is None:
                missing.append(guid)
        row = connection.execute(
            "SELECT (SELECT count(*) FROM comments WHERE article_id = a.id) FROM articles a WHERE title = ?",
            (GOOD_TEXT_TITLE,),
        ).fetchone()
        if row is None or row[0] != 2:
            missing.append(f"{GOOD_TEXT_TITLE!r} with its 2 comments")
    return missing


def check_import(folder: Path, bad_path: Path, position: int) -> list[FileOutcome]:
    """Import the bad file beside two good ones (at ``position`` among them) and check the boundary held."""
    good = [
        _write(folder / "good" / "feed.xml", GOOD_RSS),
        _write(folder / "good" / "article.txt", GOOD_TEXT),
    ]
    paths = [*good[:position], bad_path, *good[position:]]
    db_path = folder / "library.db"
    with Store(db_path) as store, stderr_kept() as stderr:
        outcomes = list(import_paths(store, paths))
    assert "Traceback" not in stderr.getvalue(), stderr.getvalue()
    assert [outcome.path for outcome in outcomes] == paths
    for outcome in outcomes:
        if outcome.path != bad_path:
            assert outcome.error is None, f"a good file failed: {outcome.path.name}: {outcome.error}"
    (bad,) = [outcome for outcome in outcomes if outcome.path == bad_path]
    if bad.error is not None:
        assert line_problem(bad.error) is None, f"not one clean line: {line_problem(bad.error)}"
    for warning in bad.warnings:
        problem = line_problem(warning, max_length=10**9)
        assert problem is None, f"a warning that is not one clean line: {problem}"
    assert good_articles_stored(db_path) == []
    assert library_problems(db_path) == []
    return outcomes


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_the_good_files_import() -> None:
    """The harness itself: every base file imports cleanly beside the good ones."""
    with tempfile.TemporaryDirectory() as folder:
        for index, (kind, base) in enumerate(FILE_BASES.items()):
            outcomes = check_import(Path(folder) / str(index), _write(Path(folder) / f"bad-{kind}.txt", base), 1)
            assert all(outcome.error is None for outcome in outcomes), outcomes
        outcomes = check_import(Path(folder) / "json", _write(Path(folder) / "f.json", _json_body(BAD_JSON_FEED)), 0)
        assert all(outcome.error is None for outcome in outcomes), outcomes


@settings(max_examples=IMPORT_EXAMPLES, deadline=None)
@given(bad=bad_files, position=st.integers(0, 2))
def test_a_hostile_file_is_its_own_failure(bad: BadFile, position: int) -> None:
    """One mutated file among three: an outcome each, no traceback, good ones stored, the bad one sane or one line."""
    with tempfile.TemporaryDirectory() as folder:
        outcomes = check_import(Path(folder), _write(Path(folder) / "bad" / bad.name, bad.content.body), position)
    assert len(outcomes) == 3 and sum(outcome.error is None for outcome in outcomes) >= 2


# -- a newsboat cache.db with anything in its columns ------------------------------------------

FEED_URL = "https://cache.example/feed"


@dataclass(frozen=True)
class Cell:
    """A value for one column: stored as bound (text, integer, real, BLOB), or ``raw`` bytes stored as TEXT.

    TEXT that is not UTF-8 is what a file written by another program can hold.
    """

    value: str | int | float | bytes | None
    raw_text: bool = False

    def sql(self) -> str:
        return "CAST(? AS TEXT)" if self.raw_text else "?"

    def __repr__(self) -> str:
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else f"{shown[:50]}... ({len(shown)} characters)"
        return f"Cell({shown}{', raw_text=True' if self.raw_text else ''})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def _text(value: str) -> Cell:
    return Cell(value)


FEED_ROW = {"rssurl": _text(FEED_URL), "url": _text("https://cache.example/"), "title": _text("A <b>cached</b> feed")}
ITEM_ROW = {
    "guid": _text("cached-1"),
    "title": _text("A cached article"),
    "author": _text("Ann"),
    "url": _text("https://cache.example/1"),
    "feedurl": _text(FEED_URL),
    "pubDate": Cell(1772000000),
    "content": _text("<p>Cached <em>content</em></p>"),
    "unread": Cell(1),
    "flags": _text("s"),
    "deleted": Cell(0),
}
NULLABLE = {"flags"}

cells: st.SearchStrategy[Cell] = st.one_of(
    st.builds(Cell, hostile_text.filter(lambda value: not any(0xD800 <= ord(c) <= 0xDFFF for c in value))),
    st.builds(Cell, st.integers(-(2**63), 2**63 - 1)),
    st.builds(Cell, st.floats(allow_nan=False)),  # SQLite stores NaN as NULL
    st.builds(Cell, st.binary(max_size=24)),
    st.builds(Cell, st.sampled_from([b"x\xed\xa0\x80y", b"\xff\xfe", b"\x00abc", b"9" * 5000]), st.just(True)),
)


@st.composite
def hostile_rows(draw: st.DrawFn, base: dict[str, Cell]) -> dict[str, Cell]:
    """``base`` with some of its columns given arbitrary values (never NULL where the schema forbids it)."""
    row = dict(base)
    for column in draw(st.sets(st.sampled_from(sorted(base)), min_size=1, max_size=4)):
        nullable = st.just(Cell(None)) if column in NULLABLE else st.nothing()
        row[column] = draw(st.one_of(cells, nullable))
    return row


@dataclass(frozen=True)
class CacheSpec:
    """What goes into the hostile cache.db: one feed row and two item rows (the second always a good one)."""

    feed: dict[str, Cell]
    item: dict[str, Cell]


def write_cache(path: Path, spec: CacheSpec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.executescript(NEWSBOAT_SCHEMA)
        for table, row in (("rss_feed", spec.feed), ("rss_item", spec.item), ("rss_item", ITEM_ROW | _second())):
            columns = ", ".join(row)
            marks = ", ".join(cell.sql() for cell in row.values())
            connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [c.value for c in row.values()])
        connection.commit()
    return path


def _second() -> dict[str, Cell]:
    return {
        "guid": _text("cached-2"),
        "title": _text("Another cached article"),
        "url": _text("https://cache.example/2"),
    }


cache_specs = st.one_of(
    st.builds(CacheSpec, hostile_rows(FEED_ROW), st.just(ITEM_ROW)),
    st.builds(CacheSpec, st.just(FEED_ROW), hostile_rows(ITEM_ROW)),
    st.builds(CacheSpec, hostile_rows(FEED_ROW), hostile_rows(ITEM_ROW)),
)


@pytest.mark.slow
@settings(max_examples=IMPORT_EXAMPLES, deadline=None)
@given(spec=cache_specs, position=st.integers(0, 2))
def test_a_hostile_newsboat_cache_is_its_own_failure(spec: CacheSpec, position: int) -> None:
    """A cache.db with arbitrary text, numbers and BLOBs in its columns, among two good files: the boundary holds."""
    with tempfile.TemporaryDirectory() as folder:
        outcomes = check_import(Path(folder), write_cache(Path(folder) / "bad" / "cache.db", spec), position)
    assert len(outcomes) == 3 and sum(outcome.error is None for outcome in outcomes) >= 2


def test_a_valid_newsboat_cache_imports() -> None:
    """The harness itself: the unmutated cache imports its two articles."""
    with tempfile.TemporaryDirectory() as folder:
        outcomes = check_import(Path(folder), write_cache(Path(folder) / "cache.db", CacheSpec(FEED_ROW, ITEM_ROW)), 2)
        assert outcomes[2].error is None and outcomes[2].stats.articles_added == 2


# -- the failures the audit reproduced ------------------------------------------------------

JSON_FEED_SURROGATE_TITLE = (
    b'{"version":"https://jsonfeed.org/version/1.1","title":"x\\ud800y","items":[{"id":"j1","content_text":"hi"}]}'
)
KNOWN_PLAIN_TEXT_DIGITS = b"A title\nA paragraph.\n" + b"9" * 5000 + b" Comments\nann\nHello.\n"
KNOWN_CACHE_BLOB_GUID = CacheSpec(FEED_ROW, ITEM_ROW | {"guid": Cell(b"blob-guid")})
KNOWN_FILE_FAILURES: dict[str, tuple[str, bytes | CacheSpec]] = {
    "json-feed-title-lone-surrogate": ("feed.json", JSON_FEED_SURROGATE_TITLE),
    "json-feed-item-title-lone-surrogate": (
        "feed.json",
        b'{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"j1","title":"x\\ud800y"}]}',
    ),
    "plaintext-5000-digit-comment-count": ("article.txt", KNOWN_PLAIN_TEXT_DIGITS),
    "newsboat-cache-blob-guid": ("cache.db", KNOWN_CACHE_BLOB_GUID),
    "newsboat-cache-blob-title": ("cache.db", CacheSpec(FEED_ROW | {"title": Cell(b"\x00\x01")}, ITEM_ROW)),
    "newsboat-cache-blob-content": ("cache.db", CacheSpec(FEED_ROW, ITEM_ROW | {"content": Cell(b"<p>x</p>")})),
}


@pytest.mark.parametrize("name", sorted(KNOWN_FILE_FAILURES))
def test_known_hostile_files(tmp_path: Path, name: str) -> None:
    """Each failure the audit reproduced, as the middle one of three files."""
    file_name, content = KNOWN_FILE_FAILURES[name]
    target = tmp_path / "bad" / file_name
    bad = write_cache(target, content) if isinstance(content, CacheSpec) else _write(target, content)
    outcomes = check_import(tmp_path, bad, 1)
    # Each of these took a whole import down; each is imported now, its odd value mended.
    assert outcomes[1].error is None and outcomes[1].stats.articles_added >= 1, outcomes[1]


# -- the real command -------------------------------------------------------------------------


def test_reader_import_reports_each_bad_file_in_one_line_and_imports_the_others(
    tmp_path: Path, run_reader: RunReader, db_path: Path
) -> None:
    """`reader import` of bad files around two good ones: exit 1, one clean line per failure, the summary, the rest."""
    Store(db_path).close()  # an existing library: a new one would add its own line to stderr
    folder = tmp_path / "in"
    bad = [
        _write(folder / "0-binary.bin", bytes(range(256)) * 4),  # refused as binary: the run must exit 1
        _write(folder / "1-title.json", JSON_FEED_SURROGATE_TITLE),
        _write(folder / "3-count.txt", KNOWN_PLAIN_TEXT_DIGITS),
        write_cache(folder / "4-cache.db", KNOWN_CACHE_BLOB_GUID),
    ]
    good = [_write(folder / "2-feed.xml", GOOD_RSS), _write(folder / "5-article.txt", GOOD_TEXT)]
    files = sorted([*bad, *good])

    result = run_reader("import", *map(str, files))

    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.stdout, result.stderr)
    for line in result.stderr.splitlines():
        assert line.startswith(("reader: error: ", "reader: warning: ")), line
        assert line_problem(line) is None, line_problem(line)
    errors = [line for line in result.stderr.splitlines() if line.startswith("reader: error: ")]
    failed = {path for path in files if any(line.startswith(f"reader: error: {path}: ") for line in errors)}
    assert len(errors) == len(failed), f"a file reported more than once, or an error naming no file: {errors}"
    assert bad[0] in failed and not failed & set(good), errors
    summary = re.search(r"^imported (\d+) of 6 files: ", result.stdout, re.MULTILINE)
    assert summary is not None, result.stdout
    assert int(summary.group(1)) == 6 - len(failed)
    assert good_articles_stored(tmp_path / "library.db") == []
    assert library_problems(tmp_path / "library.db") == []
