"""A real Fever API server on loopback, for the Fever sync tests: coldsweat from PyPI.

coldsweat (PyPI ``coldsweat``, Flask + peewee + SQLite) is a feed reader whose
``/fever/`` endpoint speaks the Fever API. It runs in its own virtual
environment under the user's cache (``~/.cache/reader-tests/coldsweat-venv``,
or ``$READER_FEVER_VENV``), apart from reader's: it pins Flask 3.0 and urllib3 1.
:func:`install` makes that environment from ``tests/fever/requirements.txt``
(every version pinned), and only when asked (``READER_FEVER=1`` or
``READER_REQUIRE_FEVER=1``): a plain ``pytest`` never installs anything.

:func:`start` builds one server for a test session, with coldsweat's own
commands, the way its README sets one up:

1. a :class:`~feedserver.FeedServer` on 127.0.0.1 serves three feeds (:data:`FEEDS`:
   two in "Tech", one in "Science", five items each, with known titles, links,
   authors, bodies and dates), each with a square ``<image>`` on the same server
   (without one coldsweat asks an outside icon service for the site's favicon);
2. ``coldsweat setup EMAIL -p PASSWORD`` makes the user (the Fever API key is
   ``md5("EMAIL:PASSWORD")``, as coldsweat's ``User.make_fever_api_key``
   computes it), ``coldsweat import feeds.opml EMAIL`` subscribes them in their
   groups, ``coldsweat fetch`` stores the items;
3. the database is copied as the template, then ``coldsweat run`` serves it on a
   free loopback port.

The database is a SQLite file in a temporary directory (coldsweat reads its
``DATABASE_URL`` from ``FLASK_DATABASE_URL``). :meth:`Fever.reset` brings the
template back while the server runs, through SQLite's backup API: coldsweat keeps
a connection open, so swapping the file would leave it (and its write-ahead log)
on the old one, whereas the backup writes the pages through SQLite's own
locking, and the next request sees the template (a few milliseconds).

coldsweat's fetcher would follow any URL a feed names; every coldsweat process
gets a proxy on a closed loopback port for everything but 127.0.0.1, so nothing
can leave the machine, whatever a feed says. Nothing here talks to anything but
127.0.0.1, except pip's install from the package registry.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NoReturn

import pytest
from feedserver import FeedServer, Item, not_found, ok, rss
from pypi_tool import PypiTool, Unavailable, flag, free_port, tail

#: The coldsweat the tests were written against (its answer shapes are what they check).
COLDSWEAT_VERSION = "0.10.2"
#: What pip installs (coldsweat and every dependency, pinned).
REQUIREMENTS = Path(__file__).resolve().parent / "fever" / "requirements.txt"
#: What pip may take to install it (about 10 s on a warm machine).
INSTALL_SECONDS = 600
#: How long the server may take to answer after it was started (it takes about 0.3 s).
START_SECONDS = 30
#: How long one of coldsweat's commands (setup, import, fetch) may take.
COMMAND_SECONDS = 120

#: The test user. coldsweat wants a password of at least 12 characters.
EMAIL = "fever@example.invalid"
PASSWORD = "fever-test-password"
NAME = "Fever Tester"

#: The feeds every session starts with: (slug, title, group). The slug names their paths on the feed server.
FEEDS: tuple[tuple[str, str, str], ...] = (
    ("alpha", "Alpha News", "Tech"),
    ("beta", "Beta Notes", "Tech"),
    ("gamma", "Gamma Science", "Science"),
)
ITEMS_PER_FEED = 5
AUTHORS = ("Ann Author", "Bob Byline", "Cy Columnist")
#: Item dates start here (in the past: coldsweat moves a future date to the time of the fetch).
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

MarkKind = Literal["item", "feed", "group"]
MarkAs = Literal["read", "unread", "saved", "unsaved"]


def api_key(email_address: str, password: str) -> str:
    """The Fever API key of a user: md5 of ``email:password`` in lowercase hex (coldsweat's own formula)."""
    return hashlib.md5(f"{email_address}:{password}".encode()).hexdigest()


# -- the installed copy ------------------------------------------------------------------------


def asked() -> bool:
    """True when the environment asks for the real server (READER_FEVER=1, or READER_REQUIRE_FEVER=1 as CI sets)."""
    return flag("READER_FEVER") or required()


def required() -> bool:
    """True when a server that cannot be installed or started must fail the tests (READER_REQUIRE_FEVER=1)."""
    return flag("READER_REQUIRE_FEVER")


#: coldsweat's own environment (tests/pypi_tool.py): ``~/.cache/reader-tests/coldsweat-venv`` or
#: $READER_FEVER_VENV; the marker holds the version and the requirements' hash (a changed pin reinstalls).
TOOL = PypiTool(
    label=f"coldsweat {COLDSWEAT_VERSION}",
    command="coldsweat",
    pip_args=("-r", str(REQUIREMENTS)),
    stamp=f"coldsweat {COLDSWEAT_VERSION} {hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]}",
    venv_variable="READER_FEVER_VENV",
    folder="coldsweat-venv",
    install_seconds=INSTALL_SECONDS,
)
venv_dir = TOOL.venv_dir
executable = TOOL.executable
install = TOOL.install


# -- what the feed server serves -----------------------------------------------------------------


def _png() -> bytes:
    """A 1x1 PNG, the feeds' icon (coldsweat stores it as a data: URI and serves it in ``favicons``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x20\x60\xa0")  # filter byte, one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def published(item: Item) -> int:
    """An item's date as a Unix time (what the Fever API's ``created_on_time`` gives)."""
    return int(email.utils.parsedate_to_datetime(item.pub_date).timestamp())


@dataclass
class ServedFeed:
    """One feed on the loopback feed server: what coldsweat fetches, and so what its API should list."""

    slug: str
    title: str
    group: str
    #: Its position in :data:`FEEDS` (later feeds' items are dated later).
    index: int
    #: Feed URL (the OPML's xmlUrl; the Fever feed's ``url``).
    url: str
    #: Site URL (the channel's link and the OPML's htmlUrl; the Fever feed's ``site_url``).
    site_url: str
    items: list[Item] = field(default_factory=list)
    #: Items made so far (numbers keep growing after a delete, so a guid is never reused).
    made: int = 0


def _new_item(feeds: FeedServer, feed: ServedFeed) -> Item:
    feed.made += 1
    n = feed.made
    when = EPOCH + timedelta(days=feed.index, hours=n)
    return Item(
        guid=f"tag:reader.test,2024:{feed.slug}:{n}",
        title=f"{feed.title} #{n}",
        link=feeds.url(f"/{feed.slug}/{n}.html"),
        description=f"<p>{feed.title} item {n}: <b>bold</b> &amp; plain.</p>",
        author=AUTHORS[(n - 1) % len(AUTHORS)],
        pub_date=email.utils.format_datetime(when, usegmt=True),
    )


def _publish(feeds: FeedServer, feed: ServedFeed) -> None:
    """Serve the feed's current items (and a small page at each item's link)."""
    body = rss(feed.items, feed.title, feed.site_url)
    # A square <image>: coldsweat takes it as the icon and fetches it from here (else an outside service).
    image = (
        f"<image><url>{html.escape(feeds.url('/icon.png'))}</url><title>{html.escape(feed.title)}</title>"
        f"<link>{html.escape(feed.site_url)}</link><width>16</width><height>16</height></image>"
    )
    feeds.route(f"/{feed.slug}.xml", ok(body.replace("</description>", "</description>" + image, 1)))
    for item in feed.items:
        assert item.link is not None
        page = f"<html><head><title>{html.escape(item.title)}</title></head><body>{item.description}</body></html>"
        feeds.route(urllib.parse.urlsplit(item.link).path, ok(page, "text/html; charset=utf-8"))


def _opml(feeds: Sequence[ServedFeed]) -> str:
    """An OPML file of ``feeds``, one outline per group (coldsweat's import makes the groups from them)."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<opml version="2.0">', "<head><title>reader</title></head>"]
    lines.append("<body>")
    for group in dict.fromkeys(feed.group for feed in feeds):
        lines.append(f'<outline text="{html.escape(group)}" title="{html.escape(group)}">')
        for feed in feeds:
            if feed.group == group:
                lines.append(
                    f'<outline type="rss" text="{html.escape(feed.title)}" title="{html.escape(feed.title)}"'
                    f' xmlUrl="{html.escape(feed.url)}" htmlUrl="{html.escape(feed.site_url)}"/>'
                )
        lines.append("</outline>")
    lines += ["</body>", "</opml>"]
    return "\n".join(lines) + "\n"


# -- the server ------------------------------------------------------------------------------------


#: The proxy variables coldsweat's requests library reads (either case).
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def _environment(database: Path, dead_port: int) -> dict[str, str]:
    """coldsweat's environment: its database, and no way off loopback."""
    environment = {
        name: value
        for name, value in os.environ.items()
        # FLASK_*: Flask loads every one of them into coldsweat's configuration.
        if not name.startswith("FLASK_") and name.lower() not in PROXY_VARIABLES
    }
    environment["FLASK_DATABASE_URL"] = f"sqlite:///{database}"
    environment["FLASK_SECRET_KEY"] = "reader-tests-only"
    environment["FLASK_SKIP_DOTENV"] = "1"
    # Anything but 127.0.0.1 goes to a proxy on a closed loopback port, and fails there.
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        environment[name] = environment[name.upper()] = f"http://127.0.0.1:{dead_port}"
    environment["no_proxy"] = environment["NO_PROXY"] = "127.0.0.1"
    return environment


@dataclass
class Answer:
    """A raw answer of the server: status, content type and body (errors included)."""

    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fever:
    """A coldsweat server: its Fever API, its feeds, its database, and its process."""

    command: Path
    directory: Path
    feeds: FeedServer
    port: int
    environment: dict[str, str]
    served: dict[str, ServedFeed] = field(default_factory=dict)
    email: str = EMAIL
    password: str = PASSWORD
    process: subprocess.Popen[bytes] | None = None
    #: Seconds each step took (install, setup, import, fetch, template, start, session; reset and restart).
    timings: dict[str, float] = field(default_factory=dict)
    #: The items each feed served when the template was taken (:meth:`reset` serves them again).
    _initial: dict[str, tuple[list[Item], int]] = field(default_factory=dict)

    # -- where it is -----------------------------------------------------------

    @property
    def url(self) -> str:
        """The Fever API endpoint (coldsweat's route is ``/fever``, with or without the slash)."""
        return f"http://127.0.0.1:{self.port}/fever/"

    @property
    def api_key(self) -> str:
        return api_key(self.email, self.password)

    @property
    def database(self) -> Path:
        """coldsweat's SQLite database (write-ahead log mode: -wal and -shm files beside it)."""
        return self.directory / "coldsweat.db"

    @property
    def template(self) -> Path:
        return self.directory / "template.db"

    # -- its API, raw ----------------------------------------------------------

    def raw(
        self, *commands: str, query: Mapping[str, str | int] | None = None, form: Mapping[str, str | int] | None = None
    ) -> Answer:
        """A POST to ``/fever/?api&COMMAND...&QUERY`` with ``form`` as the body; any status comes back as it is.

        coldsweat reads ``since_id``, ``max_id`` and ``with_ids`` from the query string only,
        and ``api_key``, ``mark``, ``as``, ``id`` and ``before`` from the form body only.
        """
        parts = ["api", *commands]
        if query:
            parts.append(urllib.parse.urlencode(query))
        body = urllib.parse.urlencode(dict(form or {})).encode()
        request = urllib.request.Request(self.url + "?" + "&".join(parts), data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return Answer(response.status, response.headers.get("Content-Type", ""), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers.get("Content-Type", ""), error.read())

    def api(
        self,
        *commands: str,
        query: Mapping[str, str | int] | None = None,
        form: Mapping[str, str | int] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        """One authenticated call (the key in the form): its parsed JSON; AssertionError on any other answer."""
        answer = self.raw(
            *commands, query=query, form={"api_key": self.api_key if key is None else key, **(form or {})}
        )
        assert answer.status == 200 and answer.content_type.startswith("application/json"), (
            answer.status,
            answer.body[:200],
        )
        data = answer.json()
        assert isinstance(data, dict), data
        return data

    def items(self) -> list[dict[str, Any]]:
        """Every item the server has, by pages of 50 (``since_id``), in id order."""
        found: list[dict[str, Any]] = []
        since = 0
        while True:
            page = self.api("items", query={"since_id": since})["items"]
            if not page:
                return sorted(found, key=lambda row: int(row["id"]))
            found.extend(page)
            since = max(int(row["id"]) for row in page)

    def _ids(self, command: str) -> set[int]:
        text = str(self.api(command)[command])
        return {int(part) for part in text.split(",") if part}

    def unread_ids(self) -> set[int]:
        return self._ids("unread_item_ids")

    def saved_ids(self) -> set[int]:
        return self._ids("saved_item_ids")

    def mark(self, kind: MarkKind, ident: int, as_: MarkAs, before: int | None = None) -> Answer:
        """Mark as another client would (``mark=item&as=read&id=N``; feeds and groups need ``before``)."""
        form: dict[str, str | int] = {"api_key": self.api_key, "mark": kind, "as": as_, "id": ident}
        if before is not None:
            form["before"] = before
        return self.raw(form=form)

    # -- its database ----------------------------------------------------------

    def sql(self, statement: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a statement run on coldsweat's database (committed; foreign keys on, as coldsweat has them)."""
        with closing(sqlite3.connect(self.database, timeout=10)) as connection:
            connection.execute("PRAGMA foreign_keys = ON")
            with connection:
                rows: list[tuple[Any, ...]] = connection.execute(statement, parameters).fetchall()
            return rows

    def item_ids(self) -> dict[str, int]:
        """Server item id by the feed's guid."""
        return {str(guid): int(ident) for guid, ident in self.sql("SELECT guid, id FROM entries")}

    def delete_item(self, ident: int, from_feed: bool = True) -> None:
        """Delete an item on the server (in its database: its read and saved marks go with it).

        With ``from_feed`` the feed stops serving it too, so a later fetch does not bring it back.
        """
        rows = self.sql("SELECT guid FROM entries WHERE id = ?", (ident,))
        assert rows, f"no item {ident} on the server"
        self.sql("DELETE FROM entries WHERE id = ?", (ident,))
        if from_feed:
            for feed in self.served.values():
                kept = [item for item in feed.items if item.guid != rows[0][0]]
                if len(kept) != len(feed.items):
                    feed.items = kept
                    _publish(self.feeds, feed)

    # -- its feeds -------------------------------------------------------------

    def _coldsweat(self, *args: str) -> str:
        """Run one of coldsweat's commands on this server's database; its output (logged), or Unavailable."""
        try:
            done = subprocess.run(
                [str(self.command), *args],
                cwd=self.directory,
                env=self.environment,
                capture_output=True,
                text=True,
                timeout=COMMAND_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Unavailable(f"`coldsweat {args[0]}` took more than {COMMAND_SECONDS} s") from None
        output = done.stdout + done.stderr
        with (self.directory / "commands.log").open("a", encoding="utf-8") as log:
            log.write(f"$ coldsweat {' '.join(args)}\n{output}")
        if done.returncode != 0:
            raise Unavailable(f"`coldsweat {args[0]}` failed (exit {done.returncode}): {tail(output)}")
        return output

    def fetch(self) -> None:
        """Run coldsweat's fetch of every feed now (the server may be running or stopped).

        coldsweat skips a feed checked or updated less than 3 minutes ago; the
        harness clears those times (and the ETag) first, so the fetch happens.
        """
        self.sql("UPDATE feeds SET last_checked_on = NULL, last_updated_on = NULL, etag = ''")
        self._coldsweat("fetch")

    def add_items(self, slug: str, count: int, fetch: bool = True) -> list[Item]:
        """``count`` new items at the end of a feed, fetched by the server (unless ``fetch`` is False)."""
        feed = self.served[slug]
        made = [_new_item(self.feeds, feed) for _ in range(count)]
        feed.items.extend(made)
        _publish(self.feeds, feed)
        if fetch:
            self.fetch()
        return made

    def add_feed(self, slug: str, title: str, group: str, count: int = ITEMS_PER_FEED) -> ServedFeed:
        """A new feed subscribed on the server (coldsweat's import of a one-feed OPML, then its fetch)."""
        assert slug not in self.served, slug
        feed = ServedFeed(
            slug, title, group, len(self.served), self.feeds.url(f"/{slug}.xml"), self.feeds.url(f"/{slug}/")
        )
        feed.items = [_new_item(self.feeds, feed) for _ in range(count)]
        self.served[slug] = feed
        _publish(self.feeds, feed)
        opml = self.directory / f"add-{slug}.opml"
        opml.write_text(_opml([feed]), encoding="utf-8")
        self._coldsweat("import", str(opml), self.email)
        self.fetch()
        return feed

    # -- lifecycle ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _answers(self) -> bool:
        try:
            return self.raw(form={"api_key": ""}).status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> None:
        """Start the server on its port (again, after :meth:`stop`) and wait until it answers."""
        if self.running:
            return
        began = time.monotonic()
        with (self.directory / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(self.command),
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--no-debug",
                    "--no-reload",
                    "--no-debugger",
                    "--with-threads",
                ],
                cwd=self.directory,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = began + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            if self._answers():
                self.timings["start"] = time.monotonic() - began
                return
            time.sleep(0.05)
        status = f"exit {self.process.returncode}" if self.process.poll() is not None else "no answer"
        self.stop()
        raise Unavailable(f"coldsweat run on port {self.port} did not answer ({status}): {tail(self.log())}")

    def stop(self) -> None:
        """Stop the server process (this harness's own, by its id); the database stays as it is."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again (the database as it is); its time goes in ``timings["restart"]``."""
        began = time.monotonic()
        self.stop()
        self.start()
        self.timings["restart"] = time.monotonic() - began

    def reset(self) -> None:
        """The server as the session set it up: the template database, the first feeds, the server running.

        The template is written into the live database through SQLite's backup API, so the
        running server needs no restart (a stopped one is started again).
        """
        began = time.monotonic()
        for slug in list(self.served):
            if slug not in self._initial:
                feed = self.served.pop(slug)
                self.feeds.route(urllib.parse.urlsplit(feed.url).path, not_found)
                continue
            items, made = self._initial[slug]
            self.served[slug].items, self.served[slug].made = list(items), made
            _publish(self.feeds, self.served[slug])
        with (
            closing(sqlite3.connect(self.template)) as source,
            closing(sqlite3.connect(self.database, timeout=10)) as target,
        ):
            source.backup(target)
        self.timings["reset"] = time.monotonic() - began
        self.start()

    def log(self) -> str:
        """What the server and coldsweat's commands printed (Flask's warnings, request lines)."""
        parts = []
        for name in ("commands.log", "server.log"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    def close(self) -> None:
        """Stop the server and the feed server, and remove the data directory."""
        self.stop()
        self.feeds.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(command: Path) -> Fever:
    """A set-up coldsweat with the three feeds fetched, serving on a free loopback port.

    Raises :class:`Unavailable` with the reason when a step fails.
    """
    began = time.monotonic()
    # Flask's instance folder of the installed package (empty here): a config.toml there would win over the
    # environment and point coldsweat at another database.
    stray = command.parent.parent / "var" / "coldsweat-instance" / "config.toml"
    if stray.exists():
        raise Unavailable(f"{stray} exists: coldsweat would read it instead of the test database's settings")
    directory = Path(tempfile.mkdtemp(prefix="reader-fever-"))
    feeds = FeedServer().start()
    database = directory / "coldsweat.db"
    server = Fever(command, directory, feeds, free_port(), _environment(database, free_port()))
    try:
        feeds.route("/icon.png", ok(_png(), "image/png"))
        for index, (slug, title, group) in enumerate(FEEDS):
            feed = ServedFeed(slug, title, group, index, feeds.url(f"/{slug}.xml"), feeds.url(f"/{slug}/"))
            feed.items = [_new_item(feeds, feed) for _ in range(ITEMS_PER_FEED)]
            server.served[slug] = feed
            _publish(feeds, feed)
        (directory / "feeds.opml").write_text(_opml(list(server.served.values())), encoding="utf-8")

        for step, args in (
            ("setup", ("setup", EMAIL, "-p", PASSWORD, "-n", NAME)),
            ("import", ("import", str(directory / "feeds.opml"), EMAIL)),
            ("fetch", ("fetch",)),
        ):
            step_began = time.monotonic()
            server._coldsweat(*args)
            server.timings[step] = time.monotonic() - step_began
        # coldsweat's commands exit 0 even when they refuse (a user that exists, an unknown one): check the result.
        keys = server.sql("SELECT fever_api_key FROM users WHERE email = ?", (EMAIL,))
        if keys != [(server.api_key,)]:
            raise Unavailable(f"coldsweat setup made no user with the expected API key: {tail(server.log())}")
        expected = sum(len(feed.items) for feed in server.served.values())
        stored = server.sql("SELECT count(*) FROM entries")[0][0]
        if stored != expected:
            raise Unavailable(f"coldsweat fetch stored {stored} items of {expected}: {tail(server.log())}")

        step_began = time.monotonic()
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(server.template)) as target:
            source.backup(target)
        server.timings["template"] = time.monotonic() - step_began
        server._initial = {slug: (list(feed.items), feed.made) for slug, feed in server.served.items()}

        for attempt in range(3):  # the free port may be taken between the probe and coldsweat's bind
            try:
                server.start()
                break
            except Unavailable as error:
                if attempt == 2 or "in use" not in str(error):
                    raise
                server.port = free_port()
        server.timings["session"] = time.monotonic() - began
        return server
    except BaseException:
        server.close()
        raise


def _unavailable(reason: str) -> NoReturn:
    message = f"the coldsweat Fever server is unavailable: {reason}"
    if required():
        pytest.fail(message)
    pytest.skip(message)


def session() -> Iterator[Fever]:
    """The body of a session fixture: a running server, closed at the end.

    Without an installed copy and without READER_FEVER=1 / READER_REQUIRE_FEVER=1 it skips
    with the reason; with READER_REQUIRE_FEVER=1 an install or start that fails is a failure.
    """
    command = executable()
    if command is None and not asked():
        pytest.skip(
            f"coldsweat is not installed in {venv_dir()}: set READER_FEVER=1 to install it there "
            f"(pip install coldsweat=={COLDSWEAT_VERSION}, about 10 s) and run the Fever tests"
        )
    installing = time.monotonic()
    try:
        if command is None:
            command = install()
        installed = time.monotonic() - installing
        server = start(command)
    except Unavailable as error:
        _unavailable(str(error))
    server.timings["install"] = installed
    try:
        yield server
    finally:
        server.close()
