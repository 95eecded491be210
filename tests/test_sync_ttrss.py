"""Sync with a real Tiny Tiny RSS server (Debian 12's tt-rss, PostgreSQL, Apache on loopback).

The server comes from tests/ttrss/server.sh through the ``ttrss`` fixture
(installed and started when missing, a fresh database for every test); its
feeds are served by the test at http://[::1]/ (``feed_host``). Everything is
checked the way a user would: with the ``reader`` command here, and on the
server with its API (as a second client) and with ``psql``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss, status
from proxyserver import StartProxy
from sync_helpers import by_url, items, listed, synced
from ttrss_server import PASSWORD, URL, FeedHost, TinyTinyRSS

from reader.service.sync.account import Account, load_account, save_account
from reader.store import Store
from reader.store.schema import MIGRATIONS

pytestmark = pytest.mark.ttrss


@pytest.fixture(autouse=True)
def no_password_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """A READER_SYNC_PASSWORD of whoever runs the tests must not leak in."""
    monkeypatch.delenv("READER_SYNC_PASSWORD", raising=False)


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The right password, given to every `reader` run through READER_SYNC_PASSWORD."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.fixture
def account(run_reader: RunReader, ttrss: TinyTinyRSS, password: str) -> TinyTinyRSS:
    """`reader sync setup` done against the fresh server."""
    done = run_reader("sync", "setup", "ttrss", URL, "--user", "admin")
    assert done.returncode == 0, done.stderr
    return ttrss


def sync(run_reader: RunReader) -> str:
    return synced(run_reader, "ttrss")


def failed_sync(run_reader: RunReader) -> str:
    """A sync that must fail: exit 1, one line on stderr, no traceback; returns the line."""
    done = run_reader("sync")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert lines[0].startswith("reader: error: sync: ")
    return lines[0]


def status_lines(run_reader: RunReader) -> dict[str, str]:
    done = run_reader("sync", "status")
    assert done.returncode == 0, done.stderr
    return dict(line.split(": ", 1) for line in done.stdout.splitlines())


# -- feeds and articles come down ----------------------------------------------------


def test_server_feeds_become_feeds_with_their_category_as_tag_and_articles_arrive(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    tech = account.add_category("Tech")
    account.subscribe(feed_host.put("/tech.xml", rss(items("tech", 3), title="Tech news")), tech)
    misc = account.subscribe(feed_host.put("/misc.xml", rss(items("misc", 2), title="Misc")))

    line = sync(run_reader)
    assert "2 feeds (2 new), 5 new articles" in line

    feeds = {feed["url"]: feed for feed in json.loads(run_reader("feeds", "--json").stdout)}
    assert feeds["http://[::1]/tech.xml"]["title"] == "Tech news"
    assert feeds["http://[::1]/tech.xml"]["tags"] == ["Tech"]
    assert feeds["http://[::1]/misc.xml"]["tags"] == []
    assert feeds["http://[::1]/tech.xml"]["unread"] == 3
    rows = by_url(run_reader)
    assert rows["http://example.invalid/tech/2"]["title"] == "Tech article 2"
    assert rows["http://example.invalid/tech/2"]["feed"] == "Tech news"
    assert rows["http://example.invalid/tech/2"]["published"] == "2026-03-03T10:00:00Z"
    shown = run_reader("show", str(rows["http://example.invalid/tech/2"]["id"]))
    assert "Body of tech article 2." in shown.stdout

    # Syncing again brings nothing twice; a new item on the server comes down.
    assert "0 new articles" in sync(run_reader)
    feed_host.put("/misc.xml", rss(items("misc", 3), title="Misc"))
    account.update(misc)
    assert "1 new article," in sync(run_reader)
    assert len(listed(run_reader)) == 6


def test_a_feed_moved_to_another_category_on_the_server_moves_tag_here(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    work, play = account.add_category("Work"), account.add_category("Play")
    feed = account.subscribe(feed_host.put("/moving.xml", rss(items("moving", 1))), work)
    sync(run_reader)
    assert run_reader("tags", "--json").stdout.count('"Work"') == 1

    account.psql(f"UPDATE ttrss_feeds SET cat_id = {play} WHERE id = {feed};")
    sync(run_reader)
    tags = [row["tag"] for row in json.loads(run_reader("tags", "--json").stdout)]
    assert tags == ["Play"]


# -- marks, both ways ------------------------------------------------------------------


def test_marks_made_here_reach_the_server(run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost) -> None:
    account.subscribe(feed_host.put("/marks.xml", rss(items("marks", 3))))
    sync(run_reader)
    rows = by_url(run_reader)
    first, second = rows["http://example.invalid/marks/1"], rows["http://example.invalid/marks/2"]
    assert run_reader("mark", str(first["id"]), "--read").returncode == 0
    assert run_reader("mark", str(second["id"]), "--star").returncode == 0
    assert status_lines(run_reader)["pending marks"].startswith("2")

    assert "2 marks sent" in sync(run_reader)

    server = account.article_ids()
    first_remote, second_remote = server["http://example.invalid/marks/1"], server["http://example.invalid/marks/2"]
    assert account.state(first_remote) == (True, False)
    assert account.state(second_remote) == (False, True)
    # And in tt-rss's own tables.
    rows_db = account.psql(
        "SELECT e.link, ue.unread, ue.marked FROM ttrss_user_entries ue JOIN ttrss_entries e ON e.id = ue.ref_id "
        "ORDER BY e.link;"
    )
    assert rows_db == [
        ["http://example.invalid/marks/1", "f", "f"],
        ["http://example.invalid/marks/2", "t", "t"],
        ["http://example.invalid/marks/3", "t", "f"],
    ]
    assert status_lines(run_reader)["pending marks"] == "0"

    # Taking marks back works the same way.
    run_reader("mark", str(first["id"]), "--unread")
    run_reader("mark", str(second["id"]), "--unstar")
    sync(run_reader)
    assert account.state(first_remote) == (False, False)
    assert account.state(second_remote) == (False, False)


def test_marking_a_whole_feed_read_here_reaches_the_server(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    account.subscribe(feed_host.put("/all.xml", rss(items("all", 4))))
    sync(run_reader)
    feed_id = json.loads(run_reader("feeds", "--json").stdout)[0]["id"]
    assert run_reader("mark-feed-read", str(feed_id)).returncode == 0
    sync(run_reader)
    assert account.psql("SELECT count(*) FROM ttrss_user_entries WHERE unread;") == [["0"]]


def test_marks_made_on_the_server_come_down(run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost) -> None:
    account.subscribe(feed_host.put("/server.xml", rss(items("server", 3))))
    sync(run_reader)
    server = account.article_ids()
    account.mark(server["http://example.invalid/server/1"], read=True)
    account.mark(server["http://example.invalid/server/2"], starred=True)

    assert "2 received" in sync(run_reader)
    rows = by_url(run_reader)
    assert (rows["http://example.invalid/server/1"]["read"], rows["http://example.invalid/server/1"]["starred"]) == (
        True,
        False,
    )
    assert (rows["http://example.invalid/server/2"]["read"], rows["http://example.invalid/server/2"]["starred"]) == (
        False,
        True,
    )
    assert rows["http://example.invalid/server/3"]["read"] is False

    # Undone on the server: undone here.
    account.mark(server["http://example.invalid/server/1"], read=False)
    account.mark(server["http://example.invalid/server/2"], starred=False)
    sync(run_reader)
    rows = by_url(run_reader)
    assert rows["http://example.invalid/server/1"]["read"] is False
    assert rows["http://example.invalid/server/2"]["starred"] is False


def test_conflict_a_mark_queued_here_wins_the_server_wins_the_rest(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    account.subscribe(feed_host.put("/conflict.xml", rss(items("conflict", 2))))
    sync(run_reader)
    rows = by_url(run_reader)
    server = account.article_ids()
    one, two = "http://example.invalid/conflict/1", "http://example.invalid/conflict/2"

    # The same article is starred here and, on the server, starred and unstarred again;
    # another one is read on the server only.
    run_reader("mark", str(rows[one]["id"]), "--star")
    account.mark(server[one], starred=True)
    account.mark(server[one], starred=False)
    account.mark(server[two], read=True)

    sync(run_reader)
    rows = by_url(run_reader)
    assert rows[one]["starred"] is True and account.state(server[one]) == (False, True)
    assert rows[two]["read"] is True and account.state(server[two]) == (True, False)


# -- offline ------------------------------------------------------------------------------


def test_marks_made_while_the_server_is_down_are_kept_and_sent_later(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    account.subscribe(feed_host.put("/offline.xml", rss(items("offline", 3))))
    sync(run_reader)
    rows = by_url(run_reader)
    ids = [str(rows[f"http://example.invalid/offline/{n}"]["id"]) for n in (1, 2)]
    account.pause()
    try:
        assert run_reader("mark", ids[0], "--read").returncode == 0
        assert run_reader("mark", ids[1], "--read", "--star").returncode == 0
        line = failed_sync(run_reader)
        assert "cannot reach http://127.0.0.1" in line
        # A second try while still down changes nothing either.
        failed_sync(run_reader)
        status = status_lines(run_reader)
        assert status["pending marks"].startswith("3")
        assert any(key.startswith("last attempt failed") and "cannot reach" in value for key, value in status.items())
        assert [row["read"] for row in listed(run_reader)] == [False, True, True]
    finally:
        account.resume()

    assert "3 marks sent" in sync(run_reader)
    server = account.article_ids()
    assert account.state(server["http://example.invalid/offline/1"]) == (True, False)
    assert account.state(server["http://example.invalid/offline/2"]) == (True, True)
    assert account.state(server["http://example.invalid/offline/3"]) == (False, False)
    assert status_lines(run_reader)["pending marks"] == "0"


# -- articles `reader fetch` also brings ----------------------------------------------


def test_an_article_fetched_here_first_is_matched_not_duplicated_and_keeps_its_marks(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    url = feed_host.put("/both.xml", rss(items("both", 3)))
    assert run_reader("add", url).returncode == 0
    assert run_reader("fetch", "--no-comments", "--no-full-text").returncode == 0
    rows = by_url(run_reader)
    run_reader("mark", str(rows["http://example.invalid/both/1"]["id"]), "--read", "--star")
    account.subscribe(url)

    line = sync(run_reader)
    assert "0 new articles" in line
    after = listed(run_reader)
    assert len(after) == 3
    assert {row["id"] for row in after} == {row["id"] for row in rows.values()}
    assert len(json.loads(run_reader("feeds", "--json").stdout)) == 1
    # The marks made here before the server knew the article went to the server.
    server = account.article_ids()
    assert account.state(server["http://example.invalid/both/1"]) == (True, True)
    assert account.state(server["http://example.invalid/both/2"]) == (False, False)


def test_a_library_from_before_sync_keeps_its_read_and_starred_articles(
    run_reader: RunReader, ttrss: TinyTinyRSS, feed_host: FeedHost, db_path: Path, password: str
) -> None:
    url = feed_host.put("/old.xml", rss(items("old", 3)))
    # A library of schema 5, written before marks had times: one article read, one starred.
    raw = sqlite3.connect(db_path)
    for script in MIGRATIONS[:5]:
        raw.executescript(script)
    raw.execute("PRAGMA user_version = 5")
    raw.execute("INSERT INTO feeds (id, key, url, title, kind, created) VALUES (1, ?, ?, 'Old', 'feed', 0)", (url, url))
    for n, read, starred in ((1, 1, 0), (2, 0, 1), (3, 0, 0)):
        raw.execute(
            "INSERT INTO articles (feed_id, guid, url, title, published, first_seen, read, starred) "
            "VALUES (1, ?, ?, ?, ?, 0, ?, ?)",
            (f"old-guid-{n}", f"http://example.invalid/old/{n}", f"Old article {n}", 1772000000 + n, read, starred),
        )
    # Indexed for search as the store of that version did (it indexes what it inserts).
    raw.execute(
        "INSERT INTO articles_fts (rowid, title, text) SELECT (published << 31) | id, title, text FROM articles"
    )
    raw.commit()
    raw.close()
    ttrss.subscribe(url)
    server = ttrss.article_ids()
    ttrss.mark(server["http://example.invalid/old/3"], starred=True)
    assert run_reader("sync", "setup", "ttrss", URL, "--user", "admin").returncode == 0

    assert "0 new articles" in sync(run_reader)
    rows = by_url(run_reader)
    assert [
        (rows[f"http://example.invalid/old/{n}"]["read"], rows[f"http://example.invalid/old/{n}"]["starred"])
        for n in (1, 2, 3)
    ] == [
        (True, False),
        (False, True),
        (False, True),
    ]
    assert [ttrss.state(server[f"http://example.invalid/old/{n}"]) for n in (1, 2, 3)] == [
        (True, False),
        (False, True),
        (False, True),
    ]


def test_an_article_synced_first_is_not_duplicated_by_reader_fetch(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    url = feed_host.put("/synced-first.xml", rss(items("first", 3)))
    account.subscribe(url)
    sync(run_reader)
    before = by_url(run_reader)
    run_reader("mark", str(before["http://example.invalid/first/2"]["id"]), "--star")

    done = run_reader("fetch", "--no-comments", "--no-full-text")
    assert done.returncode == 0, done.stderr
    assert "0 new articles" in done.stdout
    after = by_url(run_reader)
    assert {row["id"] for row in after.values()} == {row["id"] for row in before.values()}
    assert after["http://example.invalid/first/2"]["starred"] is True
    # Still linked to the server: a mark made now reaches it.
    run_reader("mark", str(after["http://example.invalid/first/3"]["id"]), "--read")
    sync(run_reader)
    server = account.article_ids()
    assert account.state(server["http://example.invalid/first/3"]) == (True, False)
    assert account.state(server["http://example.invalid/first/2"]) == (False, True)


# -- comment threads ------------------------------------------------------------------------


@pytest.fixture
def comment_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A loopback Hacker News API (READER_HN_API) for the threads of synced articles."""
    with FeedServer() as running:
        monkeypatch.setenv("READER_HN_API", running.url("/api/v1"))
        yield running


def test_synced_articles_get_their_comment_threads(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, comment_api: FeedServer
) -> None:
    thread = {
        "id": 4242,
        "type": "story",
        "children": [
            {"id": 1, "author": "ada", "created_at_i": 1770000000, "text": "<p>First!</p>", "children": []},
            {"id": 2, "author": "bob", "created_at_i": 1770000100, "text": "<p>Second.</p>", "children": []},
        ],
    }
    comment_api.route("/api/v1/items/4242", ok(json.dumps(thread), "application/json"))
    story = Item(
        "story-4242",
        "A story with a discussion",
        "http://example.invalid/story",
        description="Story body.",
        comments="https://news.ycombinator.com/item?id=4242",
    )
    account.subscribe(feed_host.put("/hn.xml", rss([story])))

    line = sync(run_reader)
    assert "2 comments in 1 thread in" in line
    row = listed(run_reader)[0]
    shown = json.loads(run_reader("show", str(row["id"]), "--json").stdout)
    assert [comment["author"] for comment in shown["comments"]] == ["ada", "bob"]
    assert shown["comments_url"] == "https://news.ycombinator.com/item?id=4242"


# -- errors: one line each, nothing changed here --------------------------------------------


def test_wrong_password_is_one_line_and_changes_nothing(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.subscribe(feed_host.put("/pw.xml", rss(items("pw", 2))))
    sync(run_reader)
    rows = listed(run_reader)
    run_reader("mark", str(rows[0]["id"]), "--star")
    monkeypatch.setenv("READER_SYNC_PASSWORD", "not-the-password")

    line = failed_sync(run_reader)
    assert line == f"reader: error: sync: {URL}: wrong user name or password for 'admin'"
    assert listed(run_reader) == [{**rows[0], "starred": True}, rows[1]]
    assert status_lines(run_reader)["pending marks"].startswith("1")


def test_setup_with_a_wrong_password_keeps_no_account(run_reader: RunReader, ttrss: TinyTinyRSS) -> None:
    done = run_reader("sync", "setup", "ttrss", URL, "--user", "admin", "--password-command", "echo nope")
    assert done.returncode == 1
    assert done.stderr.strip() == f"reader: error: sync setup: {URL}: wrong user name or password for 'admin'"
    assert run_reader("sync", "status").stdout.startswith("no sync account")
    missing = run_reader("sync")
    assert missing.returncode == 1
    assert "no sync account" in missing.stderr


def test_api_disabled_on_the_server_is_one_line_and_changes_nothing(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost
) -> None:
    account.subscribe(feed_host.put("/api.xml", rss(items("api", 2))))
    sync(run_reader)
    rows = listed(run_reader)
    run_reader("mark", str(rows[1]["id"]), "--read")
    account.set_api_access(False)

    line = failed_sync(run_reader)
    assert "the API is disabled for 'admin'" in line and "Enable API access" in line
    assert [row["read"] for row in listed(run_reader)] == [False, True]
    assert status_lines(run_reader)["pending marks"].startswith("1")

    account.set_api_access(True)
    assert "1 mark sent" in sync(run_reader)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (ok("<!doctype html><html><body>Welcome</body></html>", "text/html"), "answered with a web page"),
        (status(500), "the server answered HTTP 500"),
        (ok("Service temporarily unavailable", "text/plain"), "the answer is not JSON"),
    ],
    ids=["html", "500", "text"],
)
def test_a_server_answering_html_or_500_is_one_line_and_changes_nothing(
    run_reader: RunReader,
    account: TinyTinyRSS,
    feed_host: FeedHost,
    db_path: Path,
    answer: Any,
    expected: str,
) -> None:
    account.subscribe(feed_host.put("/bad.xml", rss(items("bad", 2))))
    sync(run_reader)
    rows = listed(run_reader)
    run_reader("mark", str(rows[0]["id"]), "--read")
    with FeedServer() as broken:
        broken.route("/tt-rss/api/", answer)
        # The account now points at a server that answers wrongly (as after a web server change).
        with Store(db_path) as store:
            current = load_account(store)
            assert current is not None
            save_account(store, Account("ttrss", broken.url("/tt-rss/"), "admin"), None)
        line = failed_sync(run_reader)
        assert expected in line
        assert broken.requests_for("/tt-rss/api/")
        setup = run_reader("sync", "setup", "ttrss", broken.url("/tt-rss/"), "--user", "admin")
        assert setup.returncode == 1 and expected in setup.stderr and len(setup.stderr.splitlines()) == 1
    assert [row["read"] for row in listed(run_reader)] == [True, False]
    assert status_lines(run_reader)["pending marks"].startswith("1")


# -- the password ------------------------------------------------------------------------------


def library_bytes(db_path: Path) -> bytes:
    return b"".join(path.read_bytes() for path in db_path.parent.glob(db_path.name + "*"))


def test_password_command_is_used_and_the_password_is_stored_nowhere(
    run_reader: RunReader, ttrss: TinyTinyRSS, db_path: Path, isolated_home: Path, tmp_path: Path
) -> None:
    secret = "Sesame-7f3k-unique"
    ttrss.add_user("bob", secret)
    # As a password manager would: the command prints the password kept elsewhere.
    vault = tmp_path / "vault.txt"
    vault.write_text(secret + "\n", encoding="utf-8")
    command = f'{sys.executable} -c "import sys; print(open(sys.argv[1]).read().strip())" {vault}'
    done = run_reader("sync", "setup", "ttrss", URL, "--user", "bob", "--password-command", command)
    assert done.returncode == 0, done.stderr
    assert "password from the command" in done.stdout

    assert sync(run_reader)
    assert secret.encode() not in library_bytes(db_path)
    config_files = list(isolated_home.rglob("*"))
    assert all(secret.encode() not in path.read_bytes() for path in config_files if path.is_file())
    assert "from the command" in status_lines(run_reader)["password"]


def test_store_password_keeps_it_in_the_library_for_unattended_syncs(
    run_reader: RunReader, ttrss: TinyTinyRSS, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "Kept-9q2w-unique"
    ttrss.add_user("carol", secret)
    monkeypatch.setenv("READER_SYNC_PASSWORD", secret)
    done = run_reader("sync", "setup", "ttrss", URL + "api/", "--user", "carol", "--store-password")
    assert done.returncode == 0, done.stderr
    monkeypatch.delenv("READER_SYNC_PASSWORD")
    assert "plain text" in status_lines(run_reader)["password"]
    assert secret.encode() in library_bytes(db_path)
    sync(run_reader)

    # Set up again without the flag: the stored password is gone from the file, free pages included.
    monkeypatch.setenv("READER_SYNC_PASSWORD", secret)
    assert run_reader("sync", "setup", "ttrss", URL, "--user", "carol").returncode == 0
    monkeypatch.delenv("READER_SYNC_PASSWORD")
    assert secret.encode() not in library_bytes(db_path)
    line = failed_sync(run_reader)
    assert "no password for 'carol'" in line and "READER_SYNC_PASSWORD" in line


def test_setup_without_any_password_source_says_how_to_give_one(run_reader: RunReader, ttrss: TinyTinyRSS) -> None:
    done = run_reader("sync", "setup", "ttrss", URL, "--user", "admin")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "reader: error: no password: type it at a terminal, set READER_SYNC_PASSWORD, or give --password-command"
    )


# -- sync.on_fetch ---------------------------------------------------------------------------------


def test_sync_on_fetch_syncs_after_every_fetch(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, isolated_home: Path
) -> None:
    account.subscribe(feed_host.put("/onfetch.xml", rss(items("onfetch", 2))))
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[sync]\non_fetch = true\n", encoding="utf-8")

    done = run_reader("fetch", "--no-comments", "--no-full-text")
    assert done.returncode == 0, done.stderr
    assert "synced with ttrss" in done.stdout
    assert len(listed(run_reader)) == 2

    account.pause()
    try:
        down = run_reader("fetch", "--no-comments", "--no-full-text")
    finally:
        account.resume()
    assert down.returncode == 1
    assert down.stderr.strip().startswith("reader: error: sync: cannot reach")


# -- in the reader ---------------------------------------------------------------------


async def test_s_in_the_reader_syncs_in_the_background_and_shows_what_came(
    run_reader: RunReader, account: TinyTinyRSS, feed_host: FeedHost, db_path: Path
) -> None:
    """S brings the server's articles into the open reader and says so in one line; a failure is one line too."""
    from tui_helpers import WIDE, started, wait_until

    from reader.tui.app import ReaderApp

    account.subscribe(feed_host.put("/tui.xml", rss(items("tui", 2), title="From the server")))
    app = ReaderApp(db_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await started(pilot)
        await pilot.press("S")
        await wait_until(
            pilot, lambda: len(screen.article_list._ids) == 2, "the synced articles in the list", timeout=30
        )
        notes = [str(note.message) for note in app._notifications]
        assert any(note.startswith("synced with ttrss") for note in notes), notes
        with Store(db_path) as store:
            assert {row.title for row in store.list_articles()} == {"Tui article 1", "Tui article 2"}

        account.pause()
        try:
            await pilot.press("S")
            await wait_until(
                pilot,
                lambda: any(str(n.message).startswith("sync:") for n in app._notifications),
                "the failure in one line",
                timeout=30,
            )
        finally:
            account.resume()
        assert len(screen.article_list._ids) == 2


# -- through a proxy -----------------------------------------------------------------------


def test_sync_goes_through_the_proxy_the_environment_names(
    run_reader: RunReader,
    account: TinyTinyRSS,
    feed_host: FeedHost,
    start_proxy: StartProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account.subscribe(feed_host.put("/proxied.xml", rss(items("proxied", 2), title="Proxied")))
    proxy = start_proxy("http")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)

    assert "1 feed (1 new), 2 new articles" in sync(run_reader)
    assert URL.removeprefix("http://").split("/")[0] in proxy.reached()
