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
