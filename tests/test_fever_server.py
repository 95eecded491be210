"""The Fever test server (tests/fever_server.py) gives what the Fever sync tests need.

These tests talk to the real coldsweat server with raw HTTP (urllib), not with
reader's Fever backend: they check that the harness's server authenticates with
its key, lists the groups, feeds and items that the loopback feed server
serves, records marks, shows new items after a fetch, forgets a deleted item,
comes back as the template after a reset, and keeps its state across a stop and
a start. They also pin down where coldsweat reads each parameter (the query
string or the form body), which the backend has to get right.

They run only when coldsweat is installed or asked for (READER_FEVER=1;
READER_REQUIRE_FEVER=1 makes a failure to install or start fail them).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import pytest
from fever_server import Fever, published


def post(url: str, query: str = "", form: Mapping[str, str | int] | None = None) -> tuple[int, bytes]:
    """A raw POST to the Fever endpoint ``url?api[&query]``: status and body, errors included."""
    request = urllib.request.Request(
        url + "?api" + (f"&{query}" if query else ""),
        data=urllib.parse.urlencode(dict(form or {})).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def call(server: Fever, query: str = "", **form: str | int) -> dict[str, Any]:
    """An authenticated call with the key computed here (not the harness's): the JSON answer."""
    key = hashlib.md5(f"{server.email}:{server.password}".encode()).hexdigest()
    status, body = post(server.url, query, {"api_key": key, **form})
    assert status == 200, body[:200]
    answer = json.loads(body)
    assert isinstance(answer, dict)
    return answer


def ids(text: str) -> set[int]:
    return {int(part) for part in text.split(",") if part}


def all_items(server: Fever) -> list[dict[str, Any]]:
    """Every item, paging with since_id in the query string."""
    rows: list[dict[str, Any]] = []
    since = 0
    while page := call(server, f"items&since_id={since}")["items"]:
        rows.extend(page)
        since = max(int(row["id"]) for row in page)
    return rows


def test_the_key_is_md5_of_email_and_password_and_authenticates(fever: Fever) -> None:
    assert fever.api_key == hashlib.md5(b"fever@example.invalid:fever-test-password").hexdigest()
    answer = call(fever)
    assert (answer["auth"], answer["api_version"]) == (1, 3)
    # The last fetch was part of setting up the session: minutes ago at most, not a fallback date.
    assert abs(answer["last_refreshed_on_time"] - time.time()) < 3600


def test_a_wrong_or_missing_key_gets_auth_0_and_nothing_else(fever: Fever) -> None:
    wrong = hashlib.md5(f"{fever.email}:not-the-password".encode()).hexdigest()
    for form in ({"api_key": wrong}, {"api_key": ""}, {}):
        status, body = post(fever.url, "items&groups&unread_item_ids", form)
        assert (status, json.loads(body)) == (200, {"api_version": 3, "auth": 0})


def test_groups_and_feeds_are_those_of_the_opml(fever: Fever) -> None:
    answer = call(fever, "groups&feeds")
    groups = {group["title"]: int(group["id"]) for group in answer["groups"]}
    assert sorted(groups) == ["Science", "Tech"]
    feeds = {feed["title"]: feed for feed in answer["feeds"]}
    assert sorted(feeds) == ["Alpha News", "Beta Notes", "Gamma Science"]
    for served in fever.served.values():
        assert (feeds[served.title]["url"], feeds[served.title]["site_url"]) == (served.url, served.site_url)
    members = {int(row["group_id"]): ids(row["feed_ids"]) for row in answer["feeds_groups"]}
    assert members == {
        groups["Tech"]: {int(feeds["Alpha News"]["id"]), int(feeds["Beta Notes"]["id"])},
        groups["Science"]: {int(feeds["Gamma Science"]["id"])},
    }


def test_items_are_those_the_feeds_serve(fever: Fever) -> None:
    rows = all_items(fever)
    feed_titles = {int(feed["id"]): feed["title"] for feed in call(fever, "feeds")["feeds"]}
    got = {
        (feed_titles[int(row["feed_id"])], row["title"], row["url"], row["author"], row["html"], row["created_on_time"])
        for row in rows
    }
    # coldsweat re-serialises the body: the feed's "&amp;" comes back as a bare "&" (the backend cleans it anyway).
    expected = {
        (feed.title, item.title, item.link, item.author, item.description.replace("&amp;", "&"), published(item))
        for feed in fever.served.values()
        for item in feed.items
    }
    assert len(expected) == 15
    assert got == expected
    assert call(fever, "items")["total_items"] == 15
    # Fresh: all unread, none saved.
    assert {(row["is_read"], row["is_saved"]) for row in rows} == {(0, 0)}
    assert ids(call(fever, "unread_item_ids")["unread_item_ids"]) == {int(row["id"]) for row in rows}
    assert call(fever, "saved_item_ids")["saved_item_ids"] == ""


def test_marking_read_and_unread_changes_unread_item_ids(fever: Fever) -> None:
    everything = ids(call(fever, "unread_item_ids")["unread_item_ids"])
    first, second = sorted(everything)[:2]
    call(fever, mark="item", id=first, **{"as": "read"})
    call(fever, mark="item", id=second, **{"as": "read"})
    assert ids(call(fever, "unread_item_ids")["unread_item_ids"]) == everything - {first, second}
    call(fever, mark="item", id=first, **{"as": "unread"})
    assert ids(call(fever, "unread_item_ids")["unread_item_ids"]) == everything - {second}
    (row,) = call(fever, f"items&with_ids={second}")["items"]
    assert row["is_read"] == 1
    # What the harness itself reads agrees.
    assert fever.unread_ids() == everything - {second}


def test_marking_a_feed_read_before_a_time_reads_its_items(fever: Fever) -> None:
    answer = call(fever, "feeds&unread_item_ids")
    alpha = next(int(feed["id"]) for feed in answer["feeds"] if feed["title"] == "Alpha News")
    alpha_items = {int(row["id"]) for row in all_items(fever) if int(row["feed_id"]) == alpha}
    assert len(alpha_items) == 5
    call(fever, mark="feed", id=alpha, before=int(time.time()), **{"as": "read"})
    assert ids(call(fever, "unread_item_ids")["unread_item_ids"]) == ids(answer["unread_item_ids"]) - alpha_items


def test_saving_changes_saved_item_ids(fever: Fever) -> None:
    chosen = sorted(fever.item_ids().values())[-3:]
    for ident in chosen:
        call(fever, mark="item", id=ident, **{"as": "saved"})
    assert ids(call(fever, "saved_item_ids")["saved_item_ids"]) == set(chosen)
    call(fever, mark="item", id=chosen[0], **{"as": "unsaved"})
    assert ids(call(fever, "saved_item_ids")["saved_item_ids"]) == set(chosen[1:])
    assert fever.saved_ids() == set(chosen[1:])
    # Saving does not read.
    assert set(chosen) <= ids(call(fever, "unread_item_ids")["unread_item_ids"])


def test_new_items_appear_after_a_fetch(fever: Fever) -> None:
    newest = max(int(row["id"]) for row in all_items(fever))
    added = fever.add_items("beta", 2)
    rows = call(fever, f"items&since_id={newest}")["items"]
    assert [(row["title"], row["url"], row["author"]) for row in rows] == [
        (item.title, item.link, item.author) for item in added
    ]
    assert {row["is_read"] for row in rows} == {0}
    assert {int(row["id"]) for row in rows} <= ids(call(fever, "unread_item_ids")["unread_item_ids"])
    assert call(fever, "items")["total_items"] == 17


def test_a_feed_added_on_the_server_shows_with_its_group_and_items(fever: Fever) -> None:
    added = fever.add_feed("delta", "Delta Digest", "Science", 3)
    answer = call(fever, "groups&feeds")
    feed = next(row for row in answer["feeds"] if row["title"] == "Delta Digest")
    science = next(int(row["id"]) for row in answer["groups"] if row["title"] == "Science")
    assert int(feed["id"]) in next(ids(row["feed_ids"]) for row in answer["feeds_groups"] if row["group_id"] == science)
    titles = [row["title"] for row in all_items(fever) if row["feed_id"] == feed["id"]]
    assert titles == [item.title for item in added.items]


def test_a_deleted_item_is_gone_and_a_mark_of_it_is_refused(fever: Fever) -> None:
    victim = fever.item_ids()["tag:reader.test,2024:gamma:2"]
    call(fever, mark="item", id=victim, **{"as": "saved"})
    fever.delete_item(victim)
    assert victim not in {int(row["id"]) for row in all_items(fever)}
    assert victim not in ids(call(fever, "unread_item_ids")["unread_item_ids"])
    assert call(fever, "saved_item_ids")["saved_item_ids"] == ""
    key = fever.api_key
    status, body = post(fever.url, "", {"api_key": key, "mark": "item", "as": "read", "id": victim})
    assert status == 404 and body.lstrip().lower().startswith(b"<!doctype html")  # HTML, not JSON
    # The feed no longer serves it either: a new fetch does not bring it back.
    fever.fetch()
    assert "tag:reader.test,2024:gamma:2" not in fever.item_ids()
    assert call(fever, "items")["total_items"] == 14


def test_reset_brings_the_template_back(fever: Fever) -> None:
    before = all_items(fever)
    one, two = int(before[0]["id"]), int(before[1]["id"])
    call(fever, mark="item", id=one, **{"as": "read"})
    call(fever, mark="item", id=two, **{"as": "saved"})
    fever.add_items("alpha", 3)
    fever.add_feed("epsilon", "Epsilon Extra", "Tech", 2)
    fever.delete_item(int(before[5]["id"]))
    assert call(fever, "items")["total_items"] == 15 + 3 + 2 - 1

    fever.reset()
    assert fever.timings["reset"] < 1.0  # the template is written into the live database: no restart
    assert all_items(fever) == before
    answer = call(fever, "feeds&unread_item_ids&saved_item_ids")
    assert sorted(feed["title"] for feed in answer["feeds"]) == ["Alpha News", "Beta Notes", "Gamma Science"]
    assert ids(answer["unread_item_ids"]) == {int(row["id"]) for row in before}
    assert answer["saved_item_ids"] == ""
    # The feeds serve their first items again too: a fetch adds nothing.
    fever.fetch()
    assert all_items(fever) == before


def test_reset_starts_a_stopped_server(fever: Fever) -> None:
    fever.stop()
    fever.reset()
    assert call(fever)["auth"] == 1


def test_stop_and_start_keep_the_state_and_the_address(fever: Fever) -> None:
    url = fever.url
    first = min(fever.item_ids().values())
    call(fever, mark="item", id=first, **{"as": "read"})
    call(fever, mark="item", id=first, **{"as": "saved"})
    fever.stop()
    with pytest.raises(urllib.error.URLError) as refused:
        post(url, "", {"api_key": fever.api_key})
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    fever.start()
    assert fever.url == url
    answer = call(fever, "unread_item_ids&saved_item_ids")
    assert first not in ids(answer["unread_item_ids"])
    assert ids(answer["saved_item_ids"]) == {first}


def test_where_coldsweat_reads_each_parameter(fever: Fever) -> None:
    """What a Fever client must send where, for this server (the backend has to get it right)."""
    rows = all_items(fever)
    newest = max(int(row["id"]) for row in rows)
    # since_id is read from the query string only: in the form body it is ignored and every item comes.
    assert len(call(fever, "items", since_id=newest)["items"]) == 15
    assert call(fever, f"items&since_id={newest}")["items"] == []
    assert [row["id"] for row in call(fever, f"items&max_id={rows[3]['id']}")["items"]] == [
        row["id"] for row in rows[:3]
    ]
    # mark, as and id are read from the form only: in the query string the call is refused (400, HTML).
    status, body = post(fever.url, f"mark=item&as=read&id={newest}", {"api_key": fever.api_key})
    assert status == 400 and b"<html" in body.lower()
    assert newest in ids(call(fever, "unread_item_ids")["unread_item_ids"])
    # Without ?api in the query string there is no API: 400, even with the key.
    request = urllib.request.Request(fever.url, data=b"api_key=" + fever.api_key.encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as no_api:
        urllib.request.urlopen(request, timeout=20)
    no_api.value.close()
    assert no_api.value.code == 400


def test_coldsweat_cannot_reach_beyond_loopback(fever: Fever) -> None:
    """A request of coldsweat's to another host ends at the harness's closed proxy port on 127.0.0.1."""
    python = fever.command.parent / "python"
    probe = (
        "import requests\n"
        "try:\n"
        "    requests.get('http://reader-fever-probe.invalid/icon.ico', timeout=5)\n"
        "except requests.exceptions.ProxyError as error:\n"
        "    print('proxy refused:', error)\n"
    )
    done = subprocess.run(
        [str(python), "-c", probe], env=fever.environment, capture_output=True, text=True, timeout=60, check=False
    )
    proxy = fever.environment["http_proxy"]
    assert proxy.startswith("http://127.0.0.1:")
    assert done.stdout.startswith("proxy refused:") and proxy.rsplit(":", 1)[1] in done.stdout, done.stderr
