"""Subscriptions made, removed, renamed and moved here reach the sync server; feeds it drops go here too.

The behaviour against Tiny Tiny RSS is tested against the real server
(``ttrss`` fixture: Debian 12's tt-rss, run with READER_TTRSS=1), with the
``reader`` command here and tt-rss's API as a second client there. The
changes are made the way ``reader.service.subscriptions`` makes them: the
change queued (``Store.queue_feed_change``) and made in the library.

The first tests need no server: the store's side of a sync (which server
feed is which feed here, what goes) with the store alone, and the engine's
handling of its queue (order, what leaves it, what stops a sync) with a
scripted backend that answers as it is told. They test that bookkeeping
only; what a real server answers is for the tests after them.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import rss
from sync_helpers import items
from ttrss_server import PASSWORD, URL, FeedHost, TinyTinyRSS

from reader.config import Config
from reader.models import ArticleData, ArticleFilter, FeedData, MarkField, SyncedCopy, SyncFeed
from reader.net.http import Limits
from reader.service.sync import engine
from reader.service.sync.account import Account, load_account, save_account
from reader.service.sync.base import ArticlePage, Backend, ServerState, SyncError, SyncRefused, SyncUnsupported
from reader.store import Store


def add_here(store: Store, url: str, title: str = "", tags: Sequence[str] = ()) -> int:
    """Subscribe here and queue it for the server, as ``reader add`` does; returns the feed id."""
    feed_id, _created = store.add_feed(FeedData(key=url, url=url, title=title or url, tags=list(tags)))
    assert store.queue_feed_change("subscribe", feed_id, url=url)
    return feed_id


def remove_here(store: Store, feed_id: int) -> None:
    """Unsubscribe here and queue it for the server, as ``reader remove`` does (starred articles kept)."""
    store.queue_feed_change("unsubscribe", feed_id)
    store.remove_feed(feed_id)


def feed_here(store: Store, url: str) -> int:
    found = store.find_feed_by_url(url)
    assert found is not None and not found[1], url
    return found[0]


def article(store: Store, feed_id: int, remote_id: str, title: str, *, starred: bool = False) -> None:
    """One server article stored in a feed here, as a sync stores it."""
    data = ArticleData(guid="", title=title, text="", url=f"http://example.org/{remote_id}", starred=starred)
    store.store_synced_articles([SyncedCopy(remote_id, feed_id, data)])


# -- the store: which server feed is which feed here, and what goes ------------------------


def test_a_server_feed_matches_a_feed_here_in_another_spelling_of_its_url(store: Store) -> None:
    feed_id, _ = store.add_feed(FeedData(key="http://example.org/f.xml", url="http://example.org/f.xml", title="F"))
    stored = store.store_sync_feeds([SyncFeed("7", "HTTP://Example.ORG:80/f.xml", "F there")])
    assert stored.feed_ids == {"7": feed_id}
    assert stored.created == 0
    assert [feed.id for feed in store.feeds()] == [feed_id]


def test_a_feed_removed_here_with_its_unsubscribe_queued_does_not_come_back(store: Store) -> None:
    server = [SyncFeed("1", "http://example.org/kept.xml", "K"), SyncFeed("2", "http://example.org/gone.xml", "G")]
    linked = store.store_sync_feeds(server).feed_ids
    article(store, linked["2"], "20", "Starred one", starred=True)
    remove_here(store, linked["2"])  # kept as removed: it has a starred article

    # The server still lists it: the unsubscribe waits for the next sync (or came during this one).
    stored = store.store_sync_feeds(server)
    assert stored.feed_ids == {"1": linked["1"]}
    assert (stored.created, stored.gone) == (0, 0)
    assert [feed.id for feed in store.feeds()] == [linked["1"]]
    assert [change.action for change in store.sync_feed_changes()] == ["unsubscribe"]
    assert [row.title for row in store.list_articles(ArticleFilter(saved=True))] == ["Starred one"]


def test_a_feed_deleted_here_with_its_unsubscribe_queued_is_not_made_again(store: Store) -> None:
    server = [SyncFeed("1", "http://example.org/a.xml", "A")]
    remove_here(store, store.store_sync_feeds(server).feed_ids["1"])  # no starred article: deleted
    stored = store.store_sync_feeds(server)
    assert (stored.feed_ids, stored.created) == ({}, 0)
    assert store.feeds() == []


def test_a_removed_feed_the_server_lists_with_no_unsubscribe_waiting_comes_back(store: Store) -> None:
    """Removed before the server knew it (no link, nothing queued): the server's list wins, as for any feed."""
    feed_id, _ = store.add_feed(FeedData(key="http://example.org/a.xml", url="http://example.org/a.xml", title="A"))
    article(store, feed_id, "5", "Starred", starred=True)
    store.remove_feed(feed_id)
    stored = store.store_sync_feeds([SyncFeed("3", "http://example.org/a.xml", "A")])
    assert stored.feed_ids == {"3": feed_id}
    assert [feed.id for feed in store.feeds()] == [feed_id]


def test_a_feed_gone_from_the_server_goes_here_keeping_its_starred_articles(store: Store) -> None:
    server = [SyncFeed("1", "http://example.org/a.xml", "A", "Tech"), SyncFeed("2", "http://example.org/b.xml", "B")]
    linked = store.store_sync_feeds(server).feed_ids
    article(store, linked["1"], "10", "Kept", starred=True)
    article(store, linked["1"], "11", "Dropped")
    article(store, linked["2"], "12", "Other feed's")
    store.queue_feed_change("rename", linked["1"], title="Mine")

    stored = store.store_sync_feeds(server[1:])
    assert stored.gone == 1
    assert [feed.id for feed in store.feeds()] == [linked["2"]]
    assert [row.title for row in store.list_articles(ArticleFilter(saved=True))] == ["Kept"]
    assert sorted(row.title for row in store.list_articles()) == ["Kept", "Other feed's"]
    assert store.tags() == []
    assert store.sync_counts()["feeds"] == 1
    # The server has no feed left to rename: the change means nothing any more.
    assert store.sync_feed_changes() == []
    # And it stays gone.
    assert store.store_sync_feeds(server[1:]).gone == 0
    assert [feed.id for feed in store.feeds()] == [linked["2"]]


def test_a_server_that_suddenly_lists_none_of_several_feeds_deletes_nothing_here(store: Store) -> None:
    """A reinstalled server (or another account at its address) is not the user unsubscribing from everything."""
    server = [SyncFeed("1", "http://example.org/a.xml", "A"), SyncFeed("2", "http://example.org/b.xml", "B")]
    linked = store.store_sync_feeds(server).feed_ids
    article(store, linked["1"], "10", "Unstarred, still here")

    stored = store.store_sync_feeds([])

    assert stored.gone == 2
    assert sorted(feed.id for feed in store.feeds()) == sorted(linked.values())
    assert [row.title for row in store.list_articles()] == ["Unstarred, still here"]
    assert store.sync_counts()["feeds"] == 0


def test_a_feed_added_and_removed_before_any_sync_leaves_nothing_for_the_server(store: Store) -> None:
    feed_id = add_here(store, "http://example.org/brief.xml")
    assert [change.action for change in store.sync_feed_changes()] == ["subscribe"]

    assert store.queue_feed_change("unsubscribe", feed_id) is False
    store.remove_feed(feed_id)

    assert store.sync_feed_changes() == []


# -- the engine's queue, with a scripted backend ---------------------------------------------


class ScriptedServer:
    """A :class:`Backend` that answers each subscription call as told and records them in order.

    ``answers`` maps a call as recorded (``"subscribe URL TAG"``) to what it
    gives: a value, or an exception to raise. ``feeds`` is its list of
    subscriptions; it has no articles and no marks.
    """

    kind = "scripted"

    def __init__(self, feeds: Sequence[SyncFeed] = (), answers: dict[str, Any] | None = None) -> None:
        """A server with these feeds and answers."""
        self.feeds = list(feeds)
        self.answers = answers or {}
        self.calls: list[str] = []

    def _answer(self, call: str) -> Any:
        self.calls.append(call)
        answer = self.answers.get(call)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def login(self) -> str:
        """Always in."""
        return "scripted"

    async def subscriptions(self) -> list[SyncFeed]:
        """The feeds it was given."""
        return list(self.feeds)

    async def articles_since(self, cursor: str | None) -> AsyncIterator[ArticlePage]:
        """No articles."""
        pages: list[ArticlePage] = []
        for page in pages:
            yield page

    async def push_marks(self, field: MarkField, value: bool, remote_ids: Sequence[str]) -> None:
        """Taken."""
        self.calls.append(f"mark {field} {value}")

    async def state(self) -> ServerState:
        """Nothing unread, nothing starred."""
        return ServerState()

    async def subscribe(self, url: str, category: str | None) -> str | None:
        """As told (None when not told)."""
        answer = self._answer(f"subscribe {url} {category}")
        return answer if isinstance(answer, str) else None

    async def unsubscribe(self, remote_id: str) -> None:
        """As told."""
        self._answer(f"unsubscribe {remote_id}")

    async def rename(self, remote_id: str, title: str) -> None:
        """As told."""
        self._answer(f"rename {remote_id} {title}")

    async def move(self, remote_id: str, url: str) -> None:
        """As told."""
        self._answer(f"move {remote_id} {url}")

    async def aclose(self) -> None:
        """Nothing to close."""


@pytest.fixture
def scripted(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> ScriptedServer:
    """A library with a sync account whose server is a :class:`ScriptedServer` (set up its feeds and answers)."""
    server = ScriptedServer()

    def make(account: Account, password: str, limits: Limits) -> Backend:
        return server

    monkeypatch.setattr(engine, "make_backend", make)
    with Store(db_path) as store:
        save_account(store, Account(kind="ttrss", url="http://127.0.0.1:9/tt-rss/", user="u"), None)
    return server


def run(db_path: Path) -> engine.SyncSummary:
    return engine.run_sync(db_path, Config(), password="x", comments=False)


def test_changes_go_in_order_and_each_answered_one_leaves_the_queue(db_path: Path, scripted: ScriptedServer) -> None:
    a, b = "http://example.org/a.xml", "http://example.org/b.xml"
    scripted.feeds = [SyncFeed("1", a, "A"), SyncFeed("2", b, "B")]
    run(db_path)
    with Store(db_path) as store:
        store.rename_feed(feed_here(store, a), "Mine")
        store.queue_feed_change("rename", feed_here(store, a), title="Mine")
        added = add_here(store, "http://example.org/c", tags=["Tech", "Art"])
        remove_here(store, feed_here(store, b))
    scripted.answers = {
        "rename 1 Mine": SyncUnsupported("this server cannot rename a feed: renamed here only"),
        "subscribe http://example.org/c Art": "3",
    }
    # The server keeps the new feed under the address it found in the page.
    scripted.feeds = [SyncFeed("1", a, "A"), SyncFeed("3", "http://example.org/c/feed.xml", "C", "Art")]

    summary = run(db_path)
    assert scripted.calls == ["rename 1 Mine", "subscribe http://example.org/c Art", "unsubscribe 2"]
    assert summary.feed_changes == 2
    assert summary.feed_notes == ['"Mine": this server cannot rename a feed: renamed here only']
    assert "2 feeds, 2 feed changes sent, 1 feed change refused," in summary.line()
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []
        # Linked by the id the server gave: not a second feed for its other address.
        assert sorted(feed.id for feed in store.feeds()) == sorted([feed_here(store, a), added])
        assert store.sync_counts()["feeds"] == 2

    scripted.calls.clear()
    summary = run(db_path)
    assert (scripted.calls, summary.feed_changes, summary.feed_notes) == ([], 0, [])
    assert "feed change" not in summary.line()


def test_a_server_failure_stops_the_sync_and_keeps_the_change_and_those_after_it(
    db_path: Path, scripted: ScriptedServer
) -> None:
    urls = [f"http://example.org/{name}.xml" for name in ("x", "y", "z")]
    with Store(db_path) as store:
        for url in urls:
            add_here(store, url)
    scripted.answers = {f"subscribe {urls[0]} None": "5", f"subscribe {urls[1]} None": SyncError("server down")}
    with pytest.raises(SyncError, match="server down"):
        run(db_path)
    assert scripted.calls == [f"subscribe {url} None" for url in urls[:2]]
    with Store(db_path) as store:
        assert [change.url for change in store.sync_feed_changes()] == urls[1:]
        assert store.sync_counts()["feeds"] == 1  # the first one, linked as soon as it was done

    scripted.calls.clear()
    scripted.answers = {}
    assert run(db_path).feed_changes == 2
    assert scripted.calls == [f"subscribe {url} None" for url in urls[1:]]
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []


def test_a_change_the_server_cannot_do_yet_stays_queued_for_a_week_and_a_final_no_leaves_at_once(
    db_path: Path, scripted: ScriptedServer
) -> None:
    later, never, fine = "http://example.org/later.xml", "http://example.org/never.xml", "http://example.org/fine.xml"
    with Store(db_path) as store:
        for url in (later, never, fine):
            add_here(store, url)
    scripted.answers = {
        f"subscribe {later} None": SyncRefused("could not download the feed (HTTP 503)", retry=True),
        f"subscribe {never} None": SyncRefused("not a feed: subscribed here only"),
    }
    summary = run(db_path)
    assert summary.feed_notes == [
        f"{later}: could not download the feed (HTTP 503); tried again at the next sync",
        f"{never}: not a feed: subscribed here only",
    ]
    assert summary.feed_changes == 1
    with Store(db_path) as store:
        assert [change.url for change in store.sync_feed_changes()] == [later]

    # Still failing a week on: given up.
    with Store(db_path) as store, store.transaction():
        store.conn.execute("UPDATE sync_feed_changes SET changed = changed - ?", (engine.RETRY_SECONDS + 1,))
    summary = run(db_path)
    assert summary.feed_notes == [
        f"{later}: could not download the feed (HTTP 503); given up after a week: subscribed here only"
    ]
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []


def test_a_feed_added_and_removed_again_before_a_sync_is_not_sent(db_path: Path, scripted: ScriptedServer) -> None:
    with Store(db_path) as store:
        remove_here(store, add_here(store, "http://example.org/brief.xml"))
    summary = run(db_path)
    assert scripted.calls == []
    assert summary.feed_changes == 0
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []


def test_a_feed_moved_here_before_its_subscribe_was_sent_is_subscribed_at_its_new_address(
    db_path: Path, scripted: ScriptedServer
) -> None:
    with Store(db_path) as store:
        feed_id = add_here(store, "http://example.org/old.xml")
        assert not store.queue_feed_change("move", feed_id, url="http://example.org/new.xml")  # not on the server yet
        store.move_feed(feed_id, "http://example.org/new.xml")
    run(db_path)
    assert scripted.calls == ["subscribe http://example.org/new.xml None"]


# -- against a real Tiny Tiny RSS server ------------------------------------------------------


@pytest.fixture(autouse=True)
def no_password_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """A READER_SYNC_PASSWORD of whoever runs the tests must not leak in."""
    monkeypatch.delenv("READER_SYNC_PASSWORD", raising=False)


@pytest.fixture
def account(run_reader: RunReader, ttrss: TinyTinyRSS, monkeypatch: pytest.MonkeyPatch) -> TinyTinyRSS:
    """`reader sync setup` done against the fresh server; every `reader` run gets the password."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", PASSWORD)
    done = run_reader("sync", "setup", "ttrss", URL, "--user", "admin")
    assert done.returncode == 0, done.stderr
    return ttrss


def sync(run_reader: RunReader, warnings: Sequence[str] = ()) -> str:
    """A sync that works; exactly these warning lines on stderr. Returns the summary line."""
    done = run_reader("sync", "--no-comments")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("synced with ttrss"), done.stdout
    assert done.stderr.splitlines() == [f"reader: warning: sync: {line}" for line in warnings]
    return done.stdout


def server_feeds(ttrss: TinyTinyRSS) -> dict[str, dict[str, Any]]:
    """The server's feeds by URL, as another client sees them (getFeeds)."""
    return {row["feed_url"]: row for row in ttrss.call("getFeeds", cat_id=-3)}


def feeds_here(run_reader: RunReader) -> dict[str, dict[str, Any]]:
    done = run_reader("feeds", "--json")
    assert done.returncode == 0, done.stderr
    return {row["url"]: row for row in json.loads(done.stdout)}


@pytest.mark.ttrss
def test_a_feed_added_here_is_subscribed_on_the_server_in_its_category(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    tech = account.add_category("Tech")
    url = feed_host.put("/added.xml", rss(items("added", 2), title="Added here"))
    with Store(db_path) as store:
        add_here(store, url, "Added here", tags=["Tech"])

    line = sync(run_reader)
    assert "1 feed, 1 feed change sent, 0 new articles" in line
    on_server = server_feeds(account)
    assert list(on_server) == [url]
    assert on_server[url]["cat_id"] == tech
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []
        assert store.sync_counts()["feeds"] == 1

    # Its articles come down into the same feed, not a second one.
    account.update(on_server[url]["id"])
    assert "1 feed, 2 new articles" in sync(run_reader)
    here = feeds_here(run_reader)
    assert list(here) == [url]
    assert (here[url]["tags"], here[url]["total"]) == (["Tech"], 2)


@pytest.mark.ttrss
def test_a_subscribe_tt_rss_refuses_is_one_line_and_one_it_cannot_download_is_tried_again(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    invalid = "http://bad_host.invalid/feed.xml"  # tt-rss's URL check refuses the underscore
    missing = "http://[::1]/not-yet.xml"
    with Store(db_path) as store:
        add_here(store, invalid)
        add_here(store, missing)

    line = sync(
        run_reader,
        [
            f"{invalid}: Tiny Tiny RSS calls the address invalid: subscribed here only",
            f"{missing}: Tiny Tiny RSS could not download the feed (HTTP/1.0 404 Not Found); "
            "tried again at the next sync",
        ],
    )
    assert "0 feeds, 2 feed changes refused," in line  # the feeds the server has
    assert server_feeds(account) == {}
    with Store(db_path) as store:
        assert [change.url for change in store.sync_feed_changes()] == [missing]

    feed_host.put("/not-yet.xml", rss(items("later", 1)))
    assert "1 feed change sent" in sync(run_reader)
    assert list(server_feeds(account)) == [missing]
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []


@pytest.mark.ttrss
def test_a_feed_removed_here_is_unsubscribed_on_the_server_and_does_not_come_back(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    keep = feed_host.put("/keep.xml", rss(items("keep", 1), title="Keep"))
    drop = feed_host.put("/drop.xml", rss(items("drop", 2), title="Drop"))
    account.subscribe(keep)
    account.subscribe(drop)
    sync(run_reader)
    with Store(db_path) as store:
        feed_id = feed_here(store, drop)
        starred = store.list_articles(ArticleFilter(feed_id=feed_id))[0]
        store.mark([starred.id], starred=True)
        remove_here(store, feed_id)

    line = sync(run_reader)
    assert "1 feed, 1 feed change sent, 0 new articles, 1 mark sent" in line
    assert list(server_feeds(account)) == [keep]
    # The star reached the server before the feed left it (tt-rss keeps starred articles as archived).
    assert account.psql("SELECT count(*) FROM ttrss_user_entries WHERE marked;") == [["1"]]

    for _ in range(2):
        assert "1 feed, 0 new articles" in sync(run_reader)
        assert list(feeds_here(run_reader)) == [keep]
        with Store(db_path) as store:
            assert [row.id for row in store.list_articles(ArticleFilter(saved=True))] == [starred.id]
            assert store.sync_feed_changes() == []


@pytest.mark.ttrss
def test_rename_and_move_are_one_unsupported_line_each_and_leave_the_queue(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    old = feed_host.put("/named.xml", rss(items("named", 1), title="Its own name"))
    new = feed_host.put("/moved.xml", rss(items("named", 1), title="Its own name"))
    remote = account.subscribe(old)
    sync(run_reader)
    with Store(db_path) as store:
        feed_id = feed_here(store, old)
        store.rename_feed(feed_id, "My name")
        assert store.queue_feed_change("rename", feed_id, title="My name")
        assert store.queue_feed_change("move", feed_id, url=new)
        assert store.move_feed(feed_id, new) is None

    line = sync(
        run_reader,
        [
            '"My name": Tiny Tiny RSS\'s API cannot rename a feed: renamed here only',
            f"{new}: Tiny Tiny RSS's API cannot change a feed's address: moved here only",
        ],
    )
    assert "1 feed, 2 feed changes refused," in line
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []
    # Done here, kept by the sync; the server's feed is unchanged and still this one.
    assert {url: row["title"] for url, row in feeds_here(run_reader).items()} == {new: "My name"}
    assert server_feeds(account)[old]["id"] == remote
    assert "1 feed, 0 new articles" in sync(run_reader)


@pytest.mark.ttrss
def test_a_feed_unsubscribed_on_the_server_goes_here_keeping_its_starred_articles(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    other = feed_host.put("/other.xml", rss(items("other", 1), title="Other"))
    leaving = feed_host.put("/leaving.xml", rss(items("leaving", 3), title="Leaving"))
    account.subscribe(other)
    remote = account.subscribe(leaving)
    account.mark(account.article_ids()["http://example.invalid/leaving/2"], starred=True)
    sync(run_reader)

    account.call("unsubscribeFeed", feed_id=remote)
    line = sync(run_reader)
    assert "1 feed (1 gone), 0 new articles" in line
    assert list(feeds_here(run_reader)) == [other]
    with Store(db_path) as store:
        saved = store.list_articles(ArticleFilter(saved=True))
        assert [(row.title, row.starred) for row in saved] == [("Leaving article 2", True)]
        # The unstarred ones are gone with their feed; the other feed's stays.
        assert sorted(row.title for row in store.list_articles()) == ["Leaving article 2", "Other article 1"]

    assert "1 feed, 0 new articles" in sync(run_reader)
    assert list(feeds_here(run_reader)) == [other]


def free_port() -> int:
    """A loopback port nothing listens on (bound and let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.ttrss
def test_changes_made_while_the_server_cannot_be_reached_stay_queued_and_go_later(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    first = feed_host.put("/first.xml", rss(items("first", 1)))
    second = feed_host.put("/second.xml", rss(items("second", 1)))
    account.subscribe(first)
    sync(run_reader)
    with Store(db_path) as store:
        remove_here(store, feed_here(store, first))
        add_here(store, second)
        queued = store.sync_feed_changes()
        real = load_account(store)
        assert real is not None
        save_account(store, dataclasses.replace(real, url=f"http://127.0.0.1:{free_port()}/tt-rss/"), None)
    assert [change.action for change in queued] == ["unsubscribe", "subscribe"]

    for _ in range(2):
        done = run_reader("sync", "--no-comments")
        assert done.returncode == 1
        assert len(done.stderr.splitlines()) == 1
        assert done.stderr.startswith("reader: error: sync: cannot reach http://127.0.0.1:")
        with Store(db_path) as store:
            assert store.sync_feed_changes() == queued
    assert list(server_feeds(account)) == [first]

    with Store(db_path) as store:
        save_account(store, real, None)
    assert "1 feed, 2 feed changes sent" in sync(run_reader)
    assert list(server_feeds(account)) == [second]
    assert list(feeds_here(run_reader)) == [second]
    with Store(db_path) as store:
        assert store.sync_feed_changes() == []


def test_a_feed_subscribed_again_on_the_server_keeps_its_articles_here(store: Store) -> None:
    """Unsubscribed and subscribed again there (a new server id, the same URL): the same feed here, whole."""
    server = [SyncFeed("1", "http://example.org/a.xml", "A", "Tech"), SyncFeed("2", "http://example.org/b.xml", "B")]
    linked = store.store_sync_feeds(server).feed_ids
    article(store, linked["1"], "10", "Read and unstarred")

    stored = store.store_sync_feeds([SyncFeed("9", "http://example.org/a.xml", "A", "Tech"), server[1]])

    assert stored.feed_ids == {"9": linked["1"], "2": linked["2"]}
    assert (stored.created, stored.gone) == (0, 0)
    assert [row.title for row in store.list_articles(ArticleFilter(feed_id=linked["1"]))] == ["Read and unstarred"]
    assert store.tags() == [("Tech", 1, 1)]


def test_a_server_listing_nothing_leaves_even_a_single_feed_whole(store: Store) -> None:
    linked = store.store_sync_feeds([SyncFeed("1", "http://example.org/a.xml", "A")]).feed_ids
    article(store, linked["1"], "10", "Unstarred")

    assert store.store_sync_feeds([]).gone == 1

    assert [feed.id for feed in store.feeds()] == [linked["1"]]
    assert [row.title for row in store.list_articles()] == ["Unstarred"]
