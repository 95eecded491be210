"""Discussions elsewhere: ``reader discussions``, ``--auto`` during fetches, and ``D`` in the reader.

Real parts: a library file, the real ``reader`` command, the real fetch, and
a loopback server playing the article's blog, Hacker News (Algolia's search
and items API) and Lobsters (its lookup by URL and its story JSON). What it
serves, and which answers are recorded and which built:

* Hacker News search for the Steve Jobs page: **recorded** (the Algolia
  answer in ``../shared/corpus/comments/hackernews/node-hacker-news-api``,
  served re-encoded: the file keeps it parsed); for the strace article:
  **built** in Algolia's shape.
* Hacker News items (the threads): **built** in Algolia's items shape.
* Lobsters lookup: a list of story objects, **built** from the **recorded**
  story ``d9ucpe`` in ``../shared/corpus/comments/lobsters/compose-lobsters``;
  its story JSON (the thread, 7 comments): **recorded**, byte for byte.

The article pages name their canonical address (the real sites'), which is
what is looked up: nothing is ever asked of anything but 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss

from reader.store import Store

pytestmark = pytest.mark.shared

HN_RECORDED = "corpus/comments/hackernews/node-hacker-news-api/test/fixtures/fixtures.json"
LOBSTERS_STORY = "corpus/comments/lobsters/compose-lobsters/ca88d627/api/src/test/resources/post_details_d9ucpe.json"
JOBS = "https://www.apple.com/stevejobs/"
STRACE = "https://jvns.ca/blog/2021/04/03/what-problems-do-people-solve-with-strace/"
STRACE_HN = 26688522


def algolia_item(story: int, *said: tuple[int, str, str, int | None]) -> dict[str, Any]:
    """A BUILT Algolia item: ``said`` is (id, author, text, parent id or None for a top-level comment)."""
    nodes: dict[int | None, dict[str, Any]] = {None: {"id": story, "children": []}}
    for ident, author, text, parent in said:
        node = {"id": ident, "author": author, "text": f"<p>{text}</p>", "created_at_i": 1_700_000_000, "children": []}
        nodes[ident] = node
        nodes[parent]["children"].append(node)
    return nodes[None]


class Sites:
    """The blog, Hacker News and Lobsters on one loopback server; each lookup answered by the URL asked about."""

    def __init__(self, server: FeedServer, shared: Path) -> None:
        self.server = server
        pairs = json.loads((shared / HN_RECORDED).read_bytes())
        recorded = next(p["reply"] for p in pairs if p["url"] == "/api/v1/search?hitsPerPage=1&tags=(story)")
        strace_hit = {  # BUILT in Algolia's search shape
            "objectID": str(STRACE_HN),
            "title": "What problems do people solve with strace?",
            "url": STRACE,
            "points": 212,
            "num_comments": 3,
        }
        self.hn_search = {JOBS: recorded, STRACE: {"hits": [strace_hit], "nbHits": 1}}
        self.story = (shared / LOBSTERS_STORY).read_bytes()
        self.lobsters_status = 200
        server.route("/api/v1/search", self._hn)
        server.route("/stories/url/all.json", self._lobsters)
        server.route("/s/d9ucpe.json", ok(self.story, "application/json"))
        server.route(
            "/api/v1/items/3078128",
            ok(json.dumps(algolia_item(3078128, (1, "woz", "Thank you, Steve.", None))).encode(), "application/json"),
        )
        strace_thread = algolia_item(
            STRACE_HN,
            (11, "ann", "strace saved my week.", None),
            (12, "bob", "Same here, with -f.", 11),
            (13, "cyd", "ltrace too.", None),
        )
        server.route(f"/api/v1/items/{STRACE_HN}", ok(json.dumps(strace_thread).encode(), "application/json"))

    @staticmethod
    def _asked(handler: Any, name: str) -> str:
        return str(parse_qs(urlsplit(handler.path).query).get(name, [""])[0])

    def _hn(self, handler: Any, server: FeedServer) -> None:
        asked = self._asked(handler, "query")
        answer = self.hn_search.get(asked, {"hits": [], "nbHits": 0})
        handler.answer(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _lobsters(self, handler: Any, server: FeedServer) -> None:
        if self.lobsters_status != 200:
            handler.answer(self.lobsters_status, b"slow down", {"Retry-After": "120"})
            return
        found = [json.loads(self.story)] if self._asked(handler, "url") == STRACE else []
        handler.answer(200, json.dumps(found).encode(), {"Content-Type": "application/json"})

    def page(self, path: str, canonical: str, title: str) -> str:
        paragraphs = "".join(f"<p>{title}: paragraph {n} of the article, long enough to read.</p>" for n in range(5))
        body = f"<html><head><link rel='canonical' href='{canonical}'></head><body><article>{paragraphs}</article>"
        return self.server.route(path, ok((body + "</body></html>").encode(), "text/html; charset=utf-8"))

    def feed(self) -> str:
        items = [
            Item("jobs", "Steve Jobs, 1955-2011", self.page("/jobs.html", JOBS, "Jobs"), "<p>Remembering.</p>"),
            Item("strace", "strace problems", self.page("/strace.html", STRACE, "strace"), "<p>Tools.</p>"),
        ]
        return self.server.route("/feed.xml", ok(rss(items).encode()))

    def lookups(self) -> int:
        return len(self.server.requests_for("/api/v1/search")) + len(self.server.requests_for("/stories/url/all.json"))


@pytest.fixture
def sites(server: FeedServer, shared: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sites]:
    monkeypatch.setenv("READER_HN_API", server.base + "/api/v1")
    monkeypatch.setenv("READER_LOBSTERS_URL", server.base)
    yield Sites(server, shared)


def article(store: Store, guid: str) -> int:
    found = store.find_article(guid)
    assert found is not None
    return found


def subscribed(run_reader: RunReader, sites: Sites) -> None:
    assert run_reader("add", "--no-check", sites.feed()).returncode == 0
    fetched = run_reader("fetch", "--no-full-text")
    assert fetched.returncode == 0, fetched.stderr


def test_no_lookup_happens_unless_asked(run_reader: RunReader, sites: Sites) -> None:
    subscribed(run_reader, sites)
    assert sites.lookups() == 0  # a fetch tells no discussion site what the user reads


def test_discussions_lists_what_the_sites_answer_and_fetch_keeps_them(
    run_reader: RunReader, sites: Sites, store: Store
) -> None:
    subscribed(run_reader, sites)
    strace = article(store, "strace")

    listed = run_reader("discussions", str(strace))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == f"article {strace} is discussed in 2 places:"
    assert lines[1].startswith("  1. Hacker News \u00b7 \u201cWhat problems do people solve with strace?\u201d")
    assert "212 points \u00b7 3 comments" in lines[1]
    assert lines[2].startswith("  2. Lobsters \u00b7 \u201cWhat problems do people solve with strace?\u201d")
    assert "18 points \u00b7 7 comments \u00b7 https://lobste.rs/s/d9ucpe" in lines[2]
    # The canonical address was asked about, not the loopback link.
    asked = [parse_qs(urlsplit(r.path).query)["query"][0] for r in sites.server.requests_for("/api/v1/search")]
    assert asked == [STRACE]

    before = sites.lookups()
    fetched = run_reader("discussions", str(strace), "--fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert "(the answer kept from earlier; --refresh asks again)" in fetched.stdout
    assert sites.lookups() == before  # kept: the sites were not asked again
    assert fetched.stdout.rstrip().endswith("fetched 2 threads: 10 new comments")

    shown = run_reader("show", str(strace), "--no-pager").stdout
    assert "\u2500\u2500 Hacker News \u00b7 3 comments \u2500\u2500" in shown
    assert "\u2500\u2500 Lobsters \u00b7 7 comments \u2500\u2500" in shown
    assert shown.index("strace saved my week.") < shown.index("Same here, with -f.")
    as_json = json.loads(run_reader("discussions", str(strace), "--json").stdout)
    assert [(d["source"], d["stored"]) for d in as_json["discussions"]] == [("hackernews", True), ("lobsters", True)]
    listed = json.loads(run_reader("list", "--json").stdout)
    assert next(a for a in listed if a["id"] == strace)["comment_count"] == 10


def test_the_recorded_hacker_news_answer_finds_its_story(run_reader: RunReader, sites: Sites, store: Store) -> None:
    subscribed(run_reader, sites)
    jobs = article(store, "jobs")
    found = json.loads(run_reader("discussions", str(jobs), "--json", "--fetch").stdout)
    assert [(d["source"], d["title"], d["points"], d["comment_count"]) for d in found["discussions"]] == [
        ("hackernews", "Steve Jobs has passed away.", 4271, 376)
    ]
    assert found["fetched"] == {"threads": 1, "comments": 1, "thread_errors": []}


def test_a_site_that_refuses_costs_one_line(run_reader: RunReader, sites: Sites, store: Store) -> None:
    subscribed(run_reader, sites)
    sites.lobsters_status = 429
    strace = article(store, "strace")
    listed = run_reader("discussions", str(strace))
    assert listed.returncode == 0
    assert listed.stderr.strip() == "reader: error: Lobsters: too many requests (retry after 120 s)"
    assert "1. Hacker News" in listed.stdout and "Lobsters \u00b7" not in listed.stdout
    assert "Traceback" not in listed.stderr


def test_auto_looks_up_the_new_articles_of_a_feed_during_fetches(
    run_reader: RunReader, sites: Sites, store: Store
) -> None:
    feed = sites.feed()
    assert run_reader("add", "--no-check", feed).returncode == 0
    opted = run_reader("discussions", "--auto", feed)
    assert opted.returncode == 0, opted.stderr
    assert "looking up the new articles of" in opted.stdout
    report = json.loads(run_reader("fetch", "--no-full-text", "--json").stdout)
    assert report["looked_up"] == 2 and report["discussions_found"] == 3
    strace = article(store, "strace")
    threads = {t.source: t.comment_count for t in store.threads(strace)}
    assert threads == {"hackernews": 3, "lobsters": 7}
    # A later fetch does not look them up again.
    before = sites.lookups()
    run_reader("fetch", "--no-full-text")
    assert sites.lookups() == before


async def test_d_in_the_reader_finds_offers_and_keeps_the_discussions(
    run_reader: RunReader, sites: Sites, store: Store, db_path: Path
) -> None:
    from textual.content import Content
    from textual.widgets import OptionList
    from tui_helpers import open_article, press, running, wait_until

    from reader.tui.screens.pick import PickScreen

    subscribed(run_reader, sites)
    strace = article(store, "strace")
    async with running(db_path) as (app, pilot, screen):
        await open_article(pilot, strace)
        await press(pilot, "D")
        await wait_until(pilot, lambda: isinstance(app.screen, PickScreen), "the list of discussions")
        pick = app.screen
        assert isinstance(pick, PickScreen)
        # Keys go to the list once it is shown and has the focus (as a person sees it before pressing).
        await wait_until(pilot, lambda: pick.query_one(OptionList).has_focus, "the list to take the keys")
        assert pick.question.startswith("\u201cstrace problems\u201d is discussed in 2 places")
        assert pick.choices[0] == "All 2 of them"
        assert pick.choices[1].startswith("Hacker News \u00b7 \u201cWhat problems do people solve with strace?\u201d")
        assert pick.choices[2].splitlines()[1] == "https://lobste.rs/s/d9ucpe"
        await press(pilot, "1")
        panel = screen.comment_thread
        await wait_until(
            pilot,
            lambda: Content.from_markup(str(panel.border_title)).plain == "Hacker News 3 \u00b7 Lobsters 7",
            f"both threads in the panel (kept: {[t.source for t in store.threads(strace)]})",
            timeout=15,
        )
        panel.focus()
        await press(pilot, "t")
        await wait_until(
            pilot, lambda: panel.layout_model is not None and panel.layout_model.comment_count == 7, "Lobsters"
        )
    assert {t.source: t.found_by for t in store.threads(strace)} == {"hackernews": "lookup", "lobsters": "lookup"}


def test_a_site_that_asked_to_wait_is_left_alone_until_then(run_reader: RunReader, sites: Sites, store: Store) -> None:
    """A 429's Retry-After holds across runs: the next lookups do not ask that site until it has passed."""
    subscribed(run_reader, sites)
    sites.lobsters_status = 429
    strace, jobs = article(store, "strace"), article(store, "jobs")
    run_reader("discussions", str(strace))
    asked = len(sites.server.requests_for("/stories/url/all.json"))
    sites.lobsters_status = 200
    later = run_reader("discussions", str(jobs))
    assert len(sites.server.requests_for("/stories/url/all.json")) == asked  # left alone
    assert later.stderr.startswith("reader: error: Lobsters: not asked: it asked to wait until ")
    assert "1. Hacker News" in later.stdout  # the other site still answers


async def test_an_answer_to_an_older_d_is_dropped(
    run_reader: RunReader, sites: Sites, store: Store, db_path: Path
) -> None:
    """Found by review: D on one article, then D on another; the first lookup's answer came second and won."""
    from tui_helpers import open_article, press, running, wait_until

    from reader.models import ThreadRef
    from reader.service.library import DiscussionsOutcome
    from reader.tui.screens.main_messages import DiscussionsFound
    from reader.tui.screens.pick import PickScreen

    subscribed(run_reader, sites)
    jobs, strace = article(store, "jobs"), article(store, "strace")
    async with running(db_path) as (app, pilot, screen):
        await open_article(pilot, strace)
        await press(pilot, "D")
        await wait_until(pilot, lambda: isinstance(app.screen, PickScreen), "the strace discussions")
        await press(pilot, "escape")
        # The answer to an earlier press (about another article) arrives late: dropped.
        late = DiscussionsOutcome(jobs, found=[ThreadRef("hackernews", "1", "https://news.ycombinator.com/item?id=1")])
        screen.post_message(DiscussionsFound(jobs, late, title="Jobs", sequence=screen._discussion_request - 1))
        await press(pilot)
        assert not isinstance(app.screen, PickScreen)
        # The same answer to the latest press is offered: the check is the sequence.
        screen.post_message(DiscussionsFound(jobs, late, title="Jobs", sequence=screen._discussion_request))
        await wait_until(pilot, lambda: isinstance(app.screen, PickScreen), "the current answer offered")
