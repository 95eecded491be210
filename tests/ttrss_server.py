"""A real Tiny Tiny RSS server for the sync tests and benchmark, through ``tests/ttrss/server.sh``.

:func:`start` installs the server when it is missing (apt, the first time:
about 25 s) and starts what is not running; :class:`TinyTinyRSS` resets its
database (about 0.2 s), calls its API the way a second client would, and
reads its database with ``psql``; :class:`FeedHost` serves the test feeds
where tt-rss agrees to fetch them: ``http://[::1]:80/`` (it refuses
127.0.0.1, "localhost" and ports other than 80 and 443). Nothing here
reaches beyond loopback; the script's apt-get is the one exception.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve().parent / "ttrss" / "server.sh"
PORT = int(os.environ.get("READER_TTRSS_PORT", "8280"))
URL = f"http://127.0.0.1:{PORT}/tt-rss/"
USER = "admin"
PASSWORD = "password"
#: What `install` may take: apt downloads about 40 packages the first time.
INSTALL_SECONDS = 900
#: Held by the test run that uses the server (beside server.sh's own state).
LOCK = Path("/run/reader-ttrss/lock")
#: How long a second test run waits for the first to finish with the server.
LOCK_WAIT_SECONDS = 1200


class Unavailable(Exception):
    """The server cannot run on this machine; ``str()`` says why (the skip or failure reason)."""


def _script(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, check=False)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


@dataclass
class TinyTinyRSS:
    """The running server: reset it, stop and start its web server, use its API and database."""

    url: str = URL
    #: What this harness started (stopped again by :meth:`stop`).
    started: list[str] = field(default_factory=list)
    _sid: str | None = None

    # -- lifecycle -------------------------------------------------------------

    def reset(self) -> None:
        """A fresh server: admin/password, API on, no feeds, no articles."""
        done = _script("reset")
        if done.returncode != 0:
            raise RuntimeError(f"tt-rss reset failed: {_last_line(done.stderr or done.stdout)}")
        self._sid = None

    def pause(self) -> None:
        """Stop the web server: the API is down (connection refused), the database keeps everything."""
        done = _script("pause")
        assert done.returncode == 0, done.stderr

    def resume(self) -> None:
        """Start the web server again and wait until the API answers."""
        done = _script("resume")
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        """Stop what this harness started (a server that ran before the tests keeps running)."""
        if self.started:
            _script("stop", *self.started)
            self.started = []

    # -- API, as another client ------------------------------------------------

    def call(self, op: str, **params: Any) -> Any:
        """One API call as admin; the ``content`` of a successful answer (AssertionError otherwise)."""
        if op != "login" and self._sid is None:
            self._sid = self.call("login", user=USER, password=PASSWORD)["session_id"]
        payload = {"op": op, **params}
        if op != "login":
            payload["sid"] = self._sid
        request = urllib.request.Request(
            self.url + "api/", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            data = json.load(answer)
        assert data["status"] == 0, f"{op}: {data}"
        return data["content"]

    def subscribe(self, feed_url: str, category: int | None = None) -> int:
        """Subscribe on the server and fetch the feed now (synchronously); returns the server's feed id."""
        params: dict[str, Any] = {"feed_url": feed_url}
        if category is not None:
            params["category_id"] = category
        status = self.call("subscribeToFeed", **params)["status"]
        assert status["code"] in (0, 1), status
        feed_id = int(status["feed_id"])
        self.update(feed_id)
        return feed_id

    def update(self, feed_id: int) -> None:
        """Fetch a feed again now (tt-rss does it before answering)."""
        self.call("updateFeed", feed_id=feed_id, force_refetch=True)

    def headlines(self, feed_id: int = -4) -> list[dict[str, Any]]:
        """Every article of a feed (all feeds by default) as tt-rss lists them."""
        rows: list[dict[str, Any]] = []
        while True:
            page = self.call("getHeadlines", feed_id=feed_id, limit=200, skip=len(rows), view_mode="all_articles")
            rows.extend(page)
            if len(page) < 200:
                return rows

    def article_ids(self) -> dict[str, int]:
        """Server article id by link."""
        return {row["link"]: int(row["id"]) for row in self.headlines()}

    def mark(self, article_id: int, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Mark an article on the server, as another client would."""
        if read is not None:
            self.call("updateArticle", article_ids=str(article_id), field=2, mode=int(not read))
        if starred is not None:
            self.call("updateArticle", article_ids=str(article_id), field=0, mode=int(starred))

    def state(self, article_id: int) -> tuple[bool, bool]:
        """``(read, starred)`` of an article, as the API gives them."""
        row = self.call("getArticle", article_id=str(article_id))[0]
        return (not row["unread"], bool(row["marked"]))

    # -- its database ----------------------------------------------------------

    def psql(self, sql: str) -> list[list[str]]:
        """Rows of a query run in tt-rss's PostgreSQL database (columns as text)."""
        done = subprocess.run(
            ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "ttrss", "ttrss"],
            input=sql,
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PGPASSWORD="ttrss"),
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def add_category(self, title: str) -> int:
        """A category for admin (the API has no call for it)."""
        rows = self.psql(
            "INSERT INTO ttrss_feed_categories (owner_uid, title) "
            f"SELECT id, '{title}' FROM ttrss_users WHERE login = 'admin' RETURNING id;"
        )
        return int(rows[0][0])

    def add_user(self, login: str, password: str) -> None:
        """Another user with API access (tt-rss takes a plain SHA1 hash and upgrades it at the first login)."""
        digest = hashlib.sha1(password.encode()).hexdigest()
        self.psql(
            "INSERT INTO ttrss_users (login, pwd_hash, access_level, created) "
            f"VALUES ('{login}', 'SHA1:{digest}', 0, NOW());"
            "INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value) "
            "SELECT u.id, p.pref_name, NULL, p.def_value FROM ttrss_users u CROSS JOIN ttrss_prefs p "
            f"WHERE u.login = '{login}';"
            "UPDATE ttrss_user_prefs SET value = 'true' WHERE pref_name = 'ENABLE_API_ACCESS';"
        )

    def set_api_access(self, enabled: bool) -> None:
        """The "Enable API access" preference of admin."""
        self.psql(
            f"UPDATE ttrss_user_prefs SET value = '{'true' if enabled else 'false'}' "
            "WHERE pref_name = 'ENABLE_API_ACCESS';"
        )
        self._sid = None


@contextmanager
def exclusive(wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the server for this test run: another run (or xdist worker) waits for it, then starts its own.

    There is one server, one database and one port 80: two runs would reset the
    database under each other's tests, and the first to finish would stop the
    services the other still uses. Without root there is no lock (and no server).
    """
    try:
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        handle = LOCK.open("a")
    except OSError:
        yield
        return
    with handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Unavailable(f"another test run has held the server for {wait:g} s ({LOCK})") from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start() -> TinyTinyRSS:
    """Install (when missing) and start the server; raises :class:`Unavailable` with the reason."""
    if os.name != "posix" or os.geteuid() != 0:
        raise Unavailable("the tt-rss server needs root (apt-get, services, port 80 for its feeds)")
    if not Path("/usr/bin/apt-get").exists() and not Path("/usr/share/tt-rss").exists():
        raise Unavailable("tt-rss is not installed and there is no apt-get to install it (Debian 12 has it)")
    started: list[str] = []
    for step, timeout in (("install", INSTALL_SECONDS), ("start", 120)):
        try:
            done = _script(step, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"tt-rss {step} took more than {timeout} s") from None
        for line in done.stdout.splitlines():
            if line.startswith("started:"):
                started.extend(name for name in line.split()[1:] if name not in started)
        if done.returncode != 0:
            server = TinyTinyRSS(started=started)
            server.stop()
            raise Unavailable(f"tt-rss {step} failed: {_last_line(done.stderr or done.stdout)}")
    return TinyTinyRSS(started=started)


class _FeedHandler(BaseHTTPRequestHandler):
    server: _FeedHTTPServer

    def do_GET(self) -> None:
        body = self.server.owner.files.get(self.path.split("?", 1)[0])
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _FeedHTTPServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    owner: FeedHost


class FeedHost:
    """Feeds for tt-rss to fetch, served at ``http://[::1]/PATH`` (IPv6 loopback, port 80)."""

    def __init__(self) -> None:
        """Bind [::1]:80; raises :class:`Unavailable` when the port is taken or not allowed."""
        self.files: dict[str, bytes] = {}
        try:
            self._httpd = _FeedHTTPServer(("::1", 80), _FeedHandler)
        except OSError as error:
            raise Unavailable(f"cannot serve the test feeds on [::1]:80 ({error.strerror or error})") from None
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def put(self, path: str, body: str | bytes) -> str:
        """Serve ``body`` at ``path``; returns the URL tt-rss (and reader) fetch it from."""
        self.files[path] = body.encode("utf-8") if isinstance(body, str) else body
        return f"http://[::1]{path}"

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
