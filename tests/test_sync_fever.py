"""Sync with a Fever API server: the real ``reader`` command against a real server, and against hostile answers.

The hostile answers (a web page, HTTP 500, plain text, ``{"auth": 0}``, JSON
that is no Fever answer) come from a loopback server of the test's own: no
Fever server sends them on purpose, and each must cost one line and change
nothing stored. The real server (coldsweat, a Fever API server from PyPI) is
started by ``tests/fever_server.py`` through the ``fever`` fixture; those
tests are below, in their own section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import FeedServer, ok, status
from fever_server import Fever
from sync_helpers import by_url, listed, synced

from reader.service.sync.account import Account, save_account
from reader.service.sync.fever import api_key
from reader.store import Store

EMAIL = "reader@example.org"
PASSWORD = "correct horse"


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("READER_SYNC_PASSWORD", PASSWORD)
    return PASSWORD


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (ok("<!doctype html><html><body>Log in</body></html>", "text/html"), "answered with a web page"),
        (status(500), "the server answered HTTP 500"),
        (ok("Service temporarily unavailable", "text/plain"), "the answer is not JSON"),
        (ok(json.dumps({"api_version": 3, "auth": 0}), "application/json"), "did not accept the key"),
        (ok(json.dumps({"items": []}), "application/json"), "JSON but not from the Fever API"),
    ],
    ids=["html", "500", "text", "auth-0", "other-json"],
)
def test_a_server_answering_wrongly_is_one_line_and_changes_nothing(
    run_reader: RunReader, db_path: Path, answer: Any, expected: str
) -> None:
    with FeedServer() as broken:
        broken.route("/fever/", answer)
        setup = run_reader("sync", "setup", "fever", broken.url("/fever/"), "--user", EMAIL)
        assert setup.returncode == 1
        (line,) = setup.stderr.splitlines()
        assert expected in line and "Traceback" not in setup.stderr
        # A sync on an account that points there (as after a web server change): one line, nothing lost.
        with Store(db_path) as store:
            save_account(store, Account("fever", broken.url("/fever/"), EMAIL), None)
        synced = run_reader("sync")
        assert synced.returncode == 1
        (line,) = synced.stderr.splitlines()
        assert expected in line
        assert PASSWORD not in synced.stderr + setup.stderr
        # Every request carried the key in its body, never in the address (logs keep addresses).
        assert all(api_key(EMAIL, PASSWORD) not in r.path for r in broken.requests)


def test_setup_keeps_the_api_address_as_given_and_status_says_what_fever_cannot_do(
    run_reader: RunReader,
) -> None:
    with FeedServer() as server:
        server.route("/api/fever.php", ok(json.dumps({"api_version": 3, "auth": 1}), "application/json"))
        setup = run_reader("sync", "setup", "fever", server.url("/api/fever.php?api"), "--user", EMAIL)
        assert setup.returncode == 0, setup.stderr
        assert f"sync account: fever {server.url('/api/fever.php')} as {EMAIL} (Fever API version 3)" in setup.stdout
        (asked,) = server.requests_for("/api/fever.php")
        assert asked.method == "POST" and asked.path == "/api/fever.php?api"
    shown = run_reader("sync", "status").stdout
    assert "note: the Fever API cannot subscribe, unsubscribe, rename or move feeds" in shown


# -- a real Fever API server (coldsweat) ------------------------------------------------------


@pytest.fixture
def account(run_reader: RunReader, fever: Fever, monkeypatch: pytest.MonkeyPatch) -> Fever:
    """`reader sync setup fever` done against the server as set up (three feeds in two groups, 15 items)."""
    monkeypatch.setenv("READER_SYNC_PASSWORD", fever.password)
    done = run_reader("sync", "setup", "fever", fever.url, "--user", fever.email)
    assert done.returncode == 0, done.stderr
    assert "(Fever API version 3)" in done.stdout
    return fever


def sync(run_reader: RunReader) -> str:
    return synced(run_reader, "fever")


def server_ids(fever: Fever) -> dict[str, int]:
    """The server's item ids by article link."""
    return {str(item["url"]): int(item["id"]) for item in fever.items()}


def test_feeds_come_down_with_their_groups_as_tags_and_every_item(run_reader: RunReader, account: Fever) -> None:
    line = sync(run_reader)
    assert "3 feeds (3 new)" in line and "15 new articles" in line
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    by_title = {feed["title"]: feed for feed in feeds}
    assert {title: feed["tags"] for title, feed in by_title.items()} == {
        "Alpha News": ["Tech"],
        "Beta Notes": ["Tech"],
        "Gamma Science": ["Science"],
    }
    rows = by_url(run_reader)
    served = {str(item.link): item for feed in account.served.values() for item in feed.items}
    assert set(rows) == set(served)
    for link, item in served.items():
        assert rows[link]["title"] == item.title
        assert rows[link]["author"] == item.author
    # Nothing new on the server: the next sync asks from the cursor and stores nothing.
    assert "0 new articles" in sync(run_reader)


def test_articles_since_the_cursor_arrive_in_the_next_sync(run_reader: RunReader, account: Fever) -> None:
    sync(run_reader)
    added = account.add_items("beta", 3)
    line = sync(run_reader)
    assert "3 new articles" in line
    rows = by_url(run_reader)
    assert {item.link for item in added} <= set(rows)
    assert len(rows) == 18


def test_read_and_saved_go_both_ways(run_reader: RunReader, account: Fever) -> None:
    sync(run_reader)
    ids = server_ids(account)
    rows = listed(run_reader)
    first, second = rows[0], rows[1]
    assert run_reader("mark", str(first["id"]), "--read").returncode == 0
    assert run_reader("mark", str(second["id"]), "--star").returncode == 0
    assert "2 marks sent" in sync(run_reader)
    # Checked on the server through its own API.
    assert ids[first["url"]] not in account.unread_ids()
    assert ids[second["url"]] in account.saved_ids()
    # Marks made on the server come down.
    third = rows[2]
    account.mark("item", ids[third["url"]], "read")
    account.mark("item", ids[third["url"]], "saved")
    account.mark("item", ids[first["url"]], "unread")
    sync(run_reader)
    after = by_url(run_reader)
    assert (after[third["url"]]["read"], after[third["url"]]["starred"]) == (True, True)
    assert after[first["url"]]["read"] is False


def test_marks_made_while_the_server_is_down_are_kept_and_sent_later(run_reader: RunReader, account: Fever) -> None:
    sync(run_reader)
    ids = server_ids(account)
    rows = listed(run_reader)
    account.stop()
    for row in rows[:3]:
        assert run_reader("mark", str(row["id"]), "--read").returncode == 0
    down = run_reader("sync")
    assert down.returncode == 1
    (line,) = down.stderr.splitlines()
    assert line.startswith("reader: error: sync: cannot reach ") and "down or unreachable" in line
    assert run_reader("sync", "status").stdout.count("pending marks: 3") == 1
    account.start()
    assert "3 marks sent" in sync(run_reader)
    assert not {ids[row["url"]] for row in rows[:3]} & account.unread_ids()
    assert "pending marks: 0" in run_reader("sync", "status").stdout


def test_a_mark_on_an_item_the_server_deleted_is_not_kept_for_ever(run_reader: RunReader, account: Fever) -> None:
    sync(run_reader)
    ids = server_ids(account)
    gone, kept = listed(run_reader)[:2]
    account.delete_item(ids[gone["url"]])
    for row in (gone, kept):
        run_reader("mark", str(row["id"]), "--read")
    assert "2 marks sent" in sync(run_reader)  # the deleted one counts as done (404 on the server)
    assert ids[kept["url"]] not in account.unread_ids()
    assert "pending marks: 0" in run_reader("sync", "status").stdout
    assert gone["url"] in by_url(run_reader)  # what was stored here stays


def test_a_wrong_password_is_one_line_and_keeps_no_account(
    run_reader: RunReader, fever: Fever, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("READER_SYNC_PASSWORD", "not the password")
    setup = run_reader("sync", "setup", "fever", fever.url, "--user", fever.email)
    assert setup.returncode == 1
    (line,) = setup.stderr.splitlines()
    assert "did not accept the key" in line and "not the password" not in line
    assert "no sync account" in run_reader("sync", "status").stdout


def test_fetched_articles_are_matched_by_their_link_not_stored_twice(run_reader: RunReader, account: Fever) -> None:
    """A feed read here first (reader fetch) and then synced: one copy of each article, its mark kept."""
    alpha = account.served["alpha"]
    assert run_reader("add", "--no-check", alpha.url).returncode == 0
    assert run_reader("fetch", "--no-comments", "--no-full-text").returncode == 0
    first = next(row for row in listed(run_reader) if row["url"] == alpha.items[0].link)
    run_reader("mark", str(first["id"]), "--star")
    sync(run_reader)
    rows = listed(run_reader)
    assert len(rows) == 15 and len({row["url"] for row in rows}) == 15
    assert server_ids(account)[first["url"]] in account.saved_ids()


def test_an_item_id_that_is_a_digit_but_no_number_is_skipped_not_a_crash(run_reader: RunReader) -> None:
    """Found by review: "²" is a digit to str.isdigit, and int() refused it: the sync ended in a traceback line."""

    def answer(handler: Any, server: FeedServer) -> None:
        query = handler.path.split("?", 1)[-1]
        body: dict[str, Any] = {"api_version": 3, "auth": 1}
        if "groups" in query:
            body.update(groups=[{"id": 1, "title": "Tech"}], feeds_groups=[{"group_id": 1, "feed_ids": "1"}])
        elif "feeds" in query:
            body.update(feeds=[{"id": 1, "title": "A feed", "url": "https://example.org/feed.xml"}])
        elif "since_id=0" in query:
            items = [
                {"id": "²", "feed_id": 1, "title": "odd", "html": "<p>x</p>", "url": "https://example.org/odd"},
                {"id": 5, "feed_id": 1, "title": "fine", "html": "<p>y</p>", "url": "https://example.org/fine"},
            ]
            body.update(items=items)
        elif "items" in query:
            body.update(items=[])
        handler.answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    with FeedServer() as server:
        server.route("/fever/", answer)
        assert run_reader("sync", "setup", "fever", server.url("/fever/"), "--user", EMAIL).returncode == 0
        synced = run_reader("sync")
        assert synced.returncode == 0, synced.stderr
        assert "1 new article" in synced.stdout
    assert [row["title"] for row in json.loads(run_reader("list", "--json").stdout)] == ["fine"]
