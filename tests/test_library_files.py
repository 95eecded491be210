"""The library as files on disk: who can read them, what a damaged or read-only one does, what reading creates.

Everything is real: the ``reader`` command in a subprocess, SQLite files in
the test's folder, folders and files chmod'ed read-only, a library damaged
by flipping the bytes of one of its pages. Root ignores file modes, so the
read-only cases run ``reader`` through ``test_durability``'s launcher, which
gives up that power in the child only (nothing changes for another user).
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import stat
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import reader_command
from feedserver import FeedServer, Item, ok, rss
from test_durability import launcher
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.service.sync.account import ACCOUNT_KEY, Account, save_account
from reader.store import Store

ARTICLES = 600
SECRET = "s3cret-Pa55"


def reader_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``reader`` run: this test's home, nothing of the user's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("READER_", "XDG_"))}
    env.update(READER_HOME=str(home), PYTHONIOENCODING="utf-8", **extra)
    return env


def run(
    *args: str, env: dict[str, str], prefix: list[str] | None = None, umask: int = 0o022
) -> subprocess.CompletedProcess[str]:
    """Run the real ``reader`` with ``args`` (under the usual umask 022, as a login shell has)."""
    command = [*(prefix or []), *reader_command(), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, umask=umask)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def build_library(db: Path, count: int = ARTICLES) -> None:
    """A library of ``count`` articles of about 1 KB (a few per page), the ten newest starred, one with a comment."""
    feed = FeedData(key="file:/library.xml", title="Library", kind="local")
    batch = ImportBatch(kind="feed", feeds=[feed])
    batch.articles.extend(
        (
            feed,
            ArticleData(guid=f"article-{n}", title=f"Article {n}", text=f"body{n} " * 120, published=1_700_000_000 + n),
        )
        for n in range(count)
    )
    with Store(db) as store:
        store.store_batch(batch)
        ids = store.article_ids()
        store.mark(ids[:10], starred=True)
        store.add_comments(ids[0], [CommentData(guid="c-1", author="ann", text="a comment worth keeping")])


def article_state(db: Path) -> dict[str, int]:
    """guid -> starred, read straight from the file."""
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT guid, starred FROM articles").fetchall())
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Private files (issue 12, item 7)


def test_a_new_library_its_folders_and_its_wal_files_are_private(tmp_path: Path) -> None:
    """Under umask 022, `reader import` into a fresh home creates the folders 0700 and the library
    0600; the -wal and -shm files SQLite makes beside it are 0600 too; `reader config edit` creates
    the config folder 0700."""
    home = tmp_path / "home"
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<rss version='2.0'><channel><title>T</title><item><guid>a</guid><title>A</title>"
        "<description>text</description></item></channel></rss>",
        encoding="utf-8",
    )
    env = reader_env(home)
    imported = run("import", str(feed), env=env)
    assert imported.returncode == 0, imported.stderr
    db = home / "data" / "reader.db"
    assert (mode(home), mode(home / "data"), mode(db)) == (0o700, 0o700, 0o600)

    # A second connection keeps the -wal and -shm files after the command closes its own.
    holder = sqlite3.connect(db)
    try:
        holder.execute("SELECT count(*) FROM articles").fetchone()
        marked = run("mark", "1", "--star", env=env)
        assert marked.returncode == 0, marked.stderr
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
    finally:
        holder.close()

    edited = run("config", "edit", env=dict(env, EDITOR="true", VISUAL="true"))
    assert edited.returncode == 0, edited.stderr
    assert mode(home / "config") == 0o700


def test_an_existing_folder_keeps_its_mode_and_the_library_in_it_is_private(tmp_path: Path) -> None:
    """`--db` in a folder the user already has (0755) leaves the folder alone and makes the file 0600."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    db = folder / "mine.db"
    added = run("--db", str(db), "add", "--no-check", "https://example.org/feed.xml", env=reader_env(tmp_path / "home"))
    assert added.returncode == 0, added.stderr
    assert f"created a new library at {db}" in added.stderr
    assert mode(folder) == 0o755
    assert mode(db) == 0o600


def test_storing_the_password_makes_an_old_world_readable_library_private(tmp_path: Path) -> None:
    """A library made readable by others (0644, as an older reader made it) becomes 0600 when a
    password is stored in it, and saving the account says so in one line."""
    db = tmp_path / "reader.db"
    build_library(db, count=3)
    db.chmod(0o644)
    with Store(db) as store:
        notes = save_account(store, Account("ttrss", "https://example.org/tt-rss/", "alice"), SECRET)
    assert mode(db) == 0o600
    assert len(notes) == 1 and "\n" not in notes[0]
    assert "0644 -> 0600" in notes[0] and str(db) in notes[0]


def test_opening_a_readable_library_that_holds_a_password_tightens_it_with_one_warning(tmp_path: Path) -> None:
    """A library holding a stored password with its file, -wal and -shm readable by others is made
    private by the next command, which says once, in one line, what it changed."""
    db = tmp_path / "reader.db"
    build_library(db, count=3)
    with Store(db) as store:
        save_account(store, Account("ttrss", "https://example.org/tt-rss/", "alice"), SECRET)
    db.chmod(0o644)
    # A second connection makes -wal and -shm (0644, like the file) and keeps them.
    holder = sqlite3.connect(db)
    try:
        holder.execute("SELECT count(*) FROM articles").fetchone()
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert (mode(wal), mode(shm)) == (0o644, 0o644)
        status = run("--db", str(db), "sync", "status", env=reader_env(tmp_path / "home"))
        assert status.returncode == 0, status.stderr
        warnings = lines(status.stderr)
        assert len(warnings) == 1, status.stderr
        assert warnings[0].startswith("reader: warning: ") and "password" in warnings[0]
        assert "0644 -> 0600" in warnings[0]
        assert (mode(db), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        holder.close()
    again = run("--db", str(db), "sync", "status", env=reader_env(tmp_path / "home"))
    assert again.stderr == ""


async def test_the_reader_tightens_a_readable_library_that_holds_a_password_and_says_so(tmp_path: Path) -> None:
    """The reader opens its library itself: the same tightening, told as a notification on its screen."""
    from textual.message import Message
    from tui_helpers import notifications, running

    db = tmp_path / "reader.db"
    build_library(db, count=3)
    with Store(db) as store:
        save_account(store, Account("ttrss", "https://example.org/tt-rss/", "alice"), SECRET)
    db.chmod(0o644)
    messages: list[Message] = []
    async with running(db, messages=messages):
        told = [text for text in notifications(messages) if "password" in text]
    assert len(told) == 1 and "readable by you only" in told[0], notifications(messages)
    assert mode(db) == 0o600


# --------------------------------------------------------------------------
# Credentials in the sync address (item 9)


def test_a_sync_address_with_a_user_and_password_is_refused_without_repeating_them(tmp_path: Path) -> None:
    """`reader sync setup ttrss https://alice:SECRET@host/` fails in one line that names --user and
    the password options, never shows the password, and keeps no account."""
    db = tmp_path / "reader.db"
    build_library(db, count=3)
    env = reader_env(tmp_path / "home", READER_SYNC_PASSWORD=SECRET)
    url = f"https://alice:{SECRET}@127.0.0.1:9/tt-rss/"
    setup = run("--db", str(db), "sync", "setup", "ttrss", url, "--user", "alice", env=env)
    assert setup.returncode == 1
    assert SECRET not in setup.stdout + setup.stderr
    [line] = lines(setup.stderr)
    assert line.startswith("reader: error: ") and "--user" in line and "--password-command" in line
    status = run("--db", str(db), "sync", "status", env=env)
    assert "no sync account" in status.stdout


def test_an_account_kept_with_a_password_in_its_address_never_prints_it(tmp_path: Path) -> None:
    """An account an older reader kept with user:password@ in its address: `reader sync status` and
    a failing `reader sync` show the server without them."""
    db = tmp_path / "reader.db"
    build_library(db, count=3)
    with Store(db) as store:
        store.set_setting(
            ACCOUNT_KEY,
            json.dumps({"kind": "ttrss", "url": f"http://alice:{SECRET}@127.0.0.1:9/tt-rss/", "user": "alice"}),
        )
    env = reader_env(tmp_path / "home", READER_SYNC_PASSWORD="another")
    synced = run("--db", str(db), "sync", env=env)
    assert synced.returncode == 1
    assert "127.0.0.1:9" in synced.stderr
    status = run("--db", str(db), "sync", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "account: ttrss http://127.0.0.1:9/tt-rss/ as alice" in status.stdout
    for output in (synced.stdout, synced.stderr, status.stdout, status.stderr):
        assert SECRET not in output and "alice:" not in output


# --------------------------------------------------------------------------
# A damaged library (item 10)


def flip_a_page_of(db: Path, table: str) -> int:
    """Flip every bit of the first 16 bytes of one leaf page of ``table`` (the middle one); returns its number."""
    conn = sqlite3.connect(db)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    page = int(root)
    while data[(page - 1) * page_size] != 0x0D:  # down the b-tree to a table leaf page
        base = (page - 1) * page_size
        assert data[base] == 0x05, "an interior table page"
        cells = struct.unpack(">H", data[base + 3 : base + 5])[0]
        pointer_at = base + 12 + 2 * (cells // 2)
        cell = struct.unpack(">H", data[pointer_at : pointer_at + 2])[0]
        page = struct.unpack(">I", data[base + cell : base + cell + 4])[0]
    start = (page - 1) * page_size
    for offset in range(start, start + 16):
        data[offset] ^= 0xFF
    db.write_bytes(bytes(data))
    return page


def test_a_byte_flipped_library_is_refused_in_one_line_and_recover_copies_out_the_rest(tmp_path: Path) -> None:
    """A library with one page of articles byte-flipped: `reader list` says in one line that it is
    damaged and how to recover, and leaves the file as it is. `reader recover NEW.db` copies every
    other article, with its star and comment, into a sound library that lists and searches."""
    db = tmp_path / "reader.db"
    build_library(db)
    before = article_state(db)
    flip_a_page_of(db, "articles")
    damaged = db.read_bytes()
    env = reader_env(tmp_path / "home")

    listed = run("--db", str(db), "list", env=env)
    assert listed.returncode == 1
    [line] = lines(listed.stderr)
    assert line.startswith("reader: error: ") and "damaged" in line and "reader recover NEW.db" in line
    assert db.read_bytes() == damaged

    new = tmp_path / "rescued.db"
    recovered = run("--db", str(db), "recover", str(new), env=env)
    assert recovered.returncode == 0, recovered.stderr
    assert "damaged place" in recovered.stdout
    assert db.read_bytes() == damaged
    conn = sqlite3.connect(new)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    after = article_state(new)
    lost = set(before) - set(after)
    assert 0 < len(lost) < 10, f"one page holds a few articles; lost {len(lost)}"
    assert all(after[guid] == before[guid] for guid in after), "stars kept"
    newest = run("--db", str(new), "list", "--starred", "--json", env=env)
    assert newest.returncode == 0, newest.stderr
    assert len(json.loads(newest.stdout)) == sum(after.values())
    survivor = next(guid for guid in sorted(after) if guid != "article-0")
    number = survivor.removeprefix("article-")
    found = run("--db", str(new), "search", f"body{number}", "--json", env=env)
    assert [hit["title"] for hit in json.loads(found.stdout)] == [f"Article {number}"]
    conn = sqlite3.connect(new)
    [(commented,)] = conn.execute("SELECT article_id FROM comments").fetchall()
    conn.close()
    shown = run("--db", str(new), "show", str(commented), env=env)
    assert shown.returncode == 0 and "a comment worth keeping" in shown.stdout


# --------------------------------------------------------------------------
# Read-only libraries, and reading without a library (item 12)


@pytest.fixture
def read_only_library(tmp_path: Path) -> Iterator[Path]:
    """A library in a folder chmod'ed 0555, the file 0444 (the modes are put back afterwards)."""
    folder = tmp_path / "mount"
    folder.mkdir()
    db = folder / "reader.db"
    build_library(db, count=40)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)


def test_a_read_only_library_reads_and_refuses_a_write_in_one_line(read_only_library: Path, tmp_path: Path) -> None:
    """In a read-only folder (file 0444 too): list, show, search, feeds, tags and export work; a mark
    fails with one line saying the library is read-only; nothing in the folder changes."""
    db = read_only_library
    folder_before = sorted(path.name for path in db.parent.iterdir())
    file_before = db.read_bytes()
    env = reader_env(tmp_path / "home")
    blind = launcher()
    for command in (
        ["list", "--limit", "5"],
        ["show", "3"],
        ["search", "body7"],
        ["feeds"],
        ["tags"],
        ["export", "opml"],
        ["sync", "status"],
    ):
        result = run("--db", str(db), *command, env=env, prefix=blind)
        assert (result.returncode, result.stderr) == (0, ""), (command, result.stderr)
    assert "Article 39" in run("--db", str(db), "list", env=env, prefix=blind).stdout
    refused = run("--db", str(db), "mark", "3", "--star", env=env, prefix=blind)
    assert refused.returncode == 1
    [line] = lines(refused.stderr)
    assert line.startswith("reader: error: ") and "the library is read-only" in line
    assert sorted(path.name for path in db.parent.iterdir()) == folder_before
    assert db.read_bytes() == file_before


def test_the_reader_opens_a_read_only_library(read_only_library: Path, tmp_path: Path) -> None:
    """The full-screen reader, in a real terminal, shows the articles of a library in a read-only folder."""
    tmux = tmux_or_skip()
    home = tmp_path / "home"
    term = Terminal(tmux, reader_terminal_env(tmp_path, home), 120, 40)
    try:
        term.start(shlex.join([*launcher(), *reader_command(), "--db", str(read_only_library), "tui"]), tmp_path / "t")
        term.wait_text("Article 39")
        term.keys("q")
        screen = term.wait_text("EXIT=")
    finally:
        term.kill()
    assert "EXIT=0" in screen, screen


def test_commands_that_only_read_create_nothing_where_there_is_no_library(tmp_path: Path) -> None:
    """With a home that does not exist (READER_HOME, or HOME without it), list, show, search, feeds,
    tags, export, config show and sync status create no folder and no library: those that need a
    library say in one line that there is none yet and how to start one; sync status, that there is
    no account."""
    nowhere = tmp_path / "no-such-home"
    by_reader_home = reader_env(nowhere)
    by_home = {key: value for key, value in by_reader_home.items() if key != "READER_HOME"}
    by_home["HOME"] = str(nowhere)
    for env in (by_reader_home, by_home):
        for command in (
            ["list"],
            ["show", "1"],
            ["search", "word"],
            ["feeds"],
            ["tags"],
            ["export", "opml"],
        ):
            result = run(*command, env=env)
            assert result.returncode == 1, (command, result.stdout)
            [line] = lines(result.stderr)
            assert line.startswith("reader: error: no library yet at "), line
            assert "reader add URL" in line
        # No library is no account: the status says so, as for a library without one.
        status = run("sync", "status", env=env)
        assert (status.returncode, status.stderr) == (0, "")
        assert status.stdout.startswith("no sync account")
        shown = run("config", "show", env=env)
        assert shown.returncode == 0, shown.stderr
        assert not nowhere.exists(), sorted(str(path) for path in nowhere.rglob("*"))


# --------------------------------------------------------------------------
# A bad tls.ca_file (item 13b)


def test_a_bad_ca_file_warning_is_shown_once_by_the_reader(tmp_path: Path) -> None:
    """The reader in a real terminal shows the config's tls.ca_file problem on its screen, and it is
    not printed again behind it (seen once the reader quits); a command prints it once."""
    tmux = tmux_or_skip()
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text('[tls]\nca_file = "/no/such/authority.pem"\n', encoding="utf-8")
    db = tmp_path / "reader.db"
    build_library(db, count=3)
    term = Terminal(tmux, reader_terminal_env(tmp_path, home), 160, 48)
    try:
        term.start(shlex.join([*reader_command(), "--db", str(db), "tui"]), tmp_path / "t")
        term.wait_text("Article 2")
        term.wait_text("ca_file")
        term.keys("q")
        after = term.wait_text("EXIT=")
    finally:
        term.kill()
    assert "EXIT=0" in after, after
    assert "ca_file" not in after, after
    listed = run("--db", str(db), "list", env=reader_env(home))
    assert len([line for line in lines(listed.stderr) if "ca_file" in line]) == 1, listed.stderr


def test_a_library_from_before_the_check_is_noted_not_checked_on_its_first_open(tmp_path: Path) -> None:
    """Upgrading costs no quick_check: a library without its -seen file (an earlier reader made it)
    opens without one and gets its -seen; a change made behind reader's back after that is checked."""
    from reader.store import connection

    db = tmp_path / "reader.db"
    build_library(db, count=3)
    seen = Path(f"{db}-seen")
    seen.unlink()
    connection._CHECKED.clear()  # what this process checked: the test's own record of it

    Store(db).close()

    assert seen.exists()
    assert connection._CHECKED == {}, "the first open after the upgrade ran quick_check"
    # Written by another program after reader noted it: the next open checks it (and finds it sound).
    other = sqlite3.connect(db)
    other.execute("UPDATE articles SET title = 'changed outside' WHERE id = (SELECT min(id) FROM articles)")
    other.commit()
    other.close()
    Store(db).close()
    assert list(connection._CHECKED.values()) == [""]


def test_a_fetch_on_a_read_only_library_fails_at_once_and_downloads_nothing(
    read_only_library: Path, tmp_path: Path
) -> None:
    """Every answer would be thrown away at its first write: one line, exit 1, no request made."""
    with FeedServer() as server:
        url = server.route("/feed.xml", ok(rss([Item("a", "An article")])))
        db = read_only_library
        db.parent.chmod(0o755)
        db.chmod(0o644)
        with Store(db) as store:
            store.add_feed(FeedData(key=url, url=url, title="Served"))
        db.chmod(0o444)
        db.parent.chmod(0o555)
        file_before = db.read_bytes()

        result = run("--db", str(db), "fetch", env=reader_env(tmp_path / "home"), prefix=launcher())

        assert result.returncode == 1
        [line] = lines(result.stderr)
        assert line.startswith("reader: error: ") and "the library is read-only; nothing was fetched" in line
        assert server.requests == []
    assert db.read_bytes() == file_before
