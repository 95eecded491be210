"""Durability: a big fetch beside a process that marks, SIGKILLed runs, and libraries that cannot be used.

Everything here is real: ``reader`` subprocesses on SQLite files in the
test's folder, a second process using the library at the same time, the
loopback feed server of ``feedserver.py``, SIGKILL at seeded random moments,
and files that the operating system refuses to write (permissions, a file
size limit standing in for a full disk). A test running as root first gives
up root's power to ignore file permissions, in the child only, so a
read-only file is read-only for it as it is for a user.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import reader_command
from feedserver import Behaviour, FeedServer, Item, ok, rss

from reader.models import ArticleData, FeedData, ImportBatch
from reader.store import Store
from reader.store.schema import SCHEMA_VERSION


def reader_env(home: Path) -> dict[str, str]:
    """The environment a ``reader`` subprocess runs with (its own READER_HOME, no READER_DB)."""
    env = dict(os.environ, READER_HOME=str(home), PYTHONIOENCODING="utf-8")
    env.pop("READER_DB", None)
    return env


def run_cli(
    db: Path, *args: str, home: Path, launcher: list[str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``reader --db DB ARGS`` to the end (optionally through a launcher that limits it first)."""
    command = [*(launcher or []), *reader_command(), "--db", str(db), *args]
    return subprocess.run(command, capture_output=True, text=True, env=reader_env(home), timeout=timeout)


def spawn_cli(db: Path, *args: str, home: Path) -> subprocess.Popen[str]:
    """Start ``reader --db DB ARGS`` in its own process group (so its parse workers can be killed with it)."""
    return subprocess.Popen(
        [*reader_command(), "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=reader_env(home),
        start_new_session=True,
    )


def stderr_lines(text: str) -> list[str]:
    """The non-blank lines of a command's stderr."""
    return [line for line in text.splitlines() if line.strip()]


def slowly(behaviour: Behaviour, seconds: float) -> Behaviour:
    """``behaviour`` after ``seconds`` (a server with some latency, so a fetch lasts a while)."""

    def behave(handler: object, server: FeedServer) -> None:
        server.stopping.wait(seconds)
        behaviour(handler, server)  # type: ignore[arg-type]

    return behave


# --------------------------------------------------------------------------
# 1. Concurrency: a fetch of 300 feeds while another process reads and marks

#: Runs in its own Python process: reads and marks even article ids through
#: the Store API, over and over, until the stop file appears; then reports
#: what it set last on each article, as JSON on stdout.
MARKER = r"""
import json, random, sys
from pathlib import Path
from reader.store import Store

db, stop, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
marks, totals = {}, []
state = {"rounds": 0, "marked_before_revision": 0}
store = Store(db)

def one_round():
    totals.append(store.counts()["all"])
    store.list_articles(limit=50)
    store.search("zebra", limit=20)
    ids = [i for i in store.article_ids() if i % 2 == 0]
    for article_id in rng.sample(ids, min(20, len(ids))):
        read, starred = rng.random() < 0.5, rng.random() < 0.5
        store.mark([article_id], read=read, starred=starred)
        marks[article_id] = [read, starred]
        (row,) = store.articles_by_ids([article_id])
        if "revised" not in row.title:
            state["marked_before_revision"] += 1
    state["rounds"] += 1

one_round()
print("ready", flush=True)
while not stop.exists():
    one_round()
one_round()
store.close()
print(json.dumps({"marks": marks, "totals": totals, **state}))
"""

BIG_FEEDS = 300
FIRST_ITEMS = 20
REVISED_ITEMS = 30


def big_feed_items(feed: int, revised: bool) -> list[Item]:
    """A feed's items; the revised version changes every title and text and adds ten items."""
    count = REVISED_ITEMS if revised else FIRST_ITEMS
    word = "revised" if revised else "first"
    return [
        Item(
            guid=f"feed{feed}-item{item}",
            title=f"zebra {word} feed {feed} item {item}",
            description=f"The {word} text of item {item} in feed {feed}. " * 8,
        )
        for item in range(count)
    ]


@pytest.mark.slow
def test_marks_made_while_a_big_fetch_runs_all_survive_and_nothing_is_locked(
    server: FeedServer, db_path: Path, isolated_home: Path, tmp_path: Path
) -> None:
    """A fetch of 300 feeds x 30 items, which updates every stored article, runs while a second
    process (the Store API) and the `reader mark` / `reader list` commands read and mark articles:
    no process sees "database is locked" or any error, and every mark keeps the value last set,
    also on articles the fetch updated after they were marked."""
    urls = [
        server.route(f"/big/{feed}.xml", ok(rss(big_feed_items(feed, revised=False), title=f"Feed {feed}")))
        for feed in range(BIG_FEEDS)
    ]
    added = run_cli(db_path, "add", "--no-check", *urls, home=isolated_home)
    assert added.returncode == 0, added.stderr
    first = run_cli(db_path, "fetch", "--quiet", home=isolated_home)
    assert (first.returncode, first.stderr) == (0, "")
    stored_first = BIG_FEEDS * FIRST_ITEMS
    # The next fetch brings a revision of every article, and new ones; the
    # server answers after 20 ms, four at a time, so the fetch lasts a while.
    for feed in range(BIG_FEEDS):
        revised = ok(rss(big_feed_items(feed, revised=True), title=f"Feed {feed}"))
        server.route(f"/big/{feed}.xml", slowly(revised, 0.02))

    stop = tmp_path / "stop-marking"
    marker = subprocess.Popen(
        [sys.executable, "-c", MARKER, str(db_path), str(stop), "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=reader_env(isolated_home),
    )
    try:
        assert marker.stdout is not None
        assert marker.stdout.readline() == "ready\n", marker.stderr.read() if marker.stderr else ""
        fetching = spawn_cli(db_path, "fetch", "--all", "--quiet", "--concurrency", "4", home=isolated_home)
        # Meanwhile the commands a user would type: list, then mark odd ids.
        rng = random.Random(7)
        cli_marks: dict[int, tuple[bool, bool]] = {}
        commands: list[subprocess.CompletedProcess[str]] = []
        while fetching.poll() is None:
            listed = run_cli(db_path, "list", "--json", "--limit", "300", home=isolated_home)
            commands.append(listed)
            odd = [row["id"] for row in json.loads(listed.stdout or "[]") if row["id"] % 2 == 1]
            chosen = rng.sample(odd, min(3, len(odd)))
            read, starred = rng.random() < 0.5, rng.random() < 0.5
            marked = run_cli(
                db_path,
                "mark",
                *map(str, chosen),
                "--read" if read else "--unread",
                "--star" if starred else "--unstar",
                home=isolated_home,
            )
            commands.append(marked)
            cli_marks.update(dict.fromkeys(chosen, (read, starred)))
        _fetch_out, fetch_err = fetching.communicate(timeout=120)
    finally:
        stop.touch()
        marker_out, marker_err = marker.communicate(timeout=120)

    assert (fetching.returncode, fetch_err) == (0, ""), fetch_err
    assert (marker.returncode, marker_err) == (0, ""), marker_err
    for command in commands:
        assert (command.returncode, command.stderr) == (0, ""), (command.args, command.stderr)
    assert cli_marks, "the fetch ended before any `reader mark` ran"
    report = json.loads(marker_out.splitlines()[-1])
    marker_marks = {int(key): tuple(value) for key, value in report["marks"].items()}
    # The marker worked while the fetch stored: it saw the library between
    # the first version and the revised one, and marked articles still in
    # their first version that the fetch then updated.
    assert any(stored_first < total < BIG_FEEDS * REVISED_ITEMS for total in report["totals"]), report["totals"]
    assert report["marked_before_revision"] > 0

    conn = sqlite3.connect(db_path)
    rows = {row[0]: row[1:] for row in conn.execute("SELECT id, title, read, starred FROM articles")}
    conn.close()
    assert len(rows) == BIG_FEEDS * REVISED_ITEMS
    assert all(" revised " in title for title, _read, _starred in rows.values())
    lost = {
        article_id: (wanted, rows[article_id][1:])
        for article_id, wanted in {**marker_marks, **cli_marks}.items()
        if (int(wanted[0]), int(wanted[1])) != rows[article_id][1:]
    }
    assert lost == {}
    print(
        f"{len(marker_marks)} articles marked by the Store process in {report['rounds']} rounds "
        f"({report['marked_before_revision']} marks on articles not yet revised), "
        f"{len(cli_marks)} by {len(commands) // 2} `reader mark` runs"
    )


# --------------------------------------------------------------------------
# 2. Crashes: SIGKILL a fetch and an import at random moments

KILL_FEEDS = 150
KILL_FILES = 150
KILL_ITEMS = 20
KILLS_EACH = 12
TITLE_REVISION = re.compile(r" rev(\d+)$")
TEXT_REVISION = re.compile(r"at rev(\d+)\.")


def revision_items(source: str, revision: int) -> list[Item]:
    """One source's items at ``revision``: its KILL_ITEMS articles revised, and one new article.

    Every title and text names the revision, so an article torn between two
    versions, or a source stored in part, shows.
    """
    revised = [
        Item(
            guid=f"{source}-item{item}",
            title=f"zebra {source} item {item} rev{revision}",
            description=f"The text of {source} item {item}, written at rev{revision}. " * 6,
        )
        for item in range(KILL_ITEMS)
    ]
    new = Item(
        guid=f"{source}-new{revision}",
        title=f"zebra {source} new article rev{revision}",
        description=f"The text of the article {source} added, written at rev{revision}. " * 6,
    )
    return [*revised, new]


@dataclass
class Snapshot:
    """What a library holds after a run: each source's revision, articles and marks by guid."""

    revisions: dict[str, int]
    marks: dict[str, tuple[int, int]]
    articles: int


def check_whole(db: Path) -> Snapshot:
    """Check a library after a crash: intact file, whole articles, whole sources, a search index that agrees.

    Each source (a feed or a file, named by the start of its guids) is stored
    in one transaction, so its revised articles must all be at one revision,
    together with the new article of that revision.
    """
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # Raises if either full-text index is internally inconsistent.
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        conn.execute("INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")
        rows = conn.execute("SELECT id, published, guid, title, text, read, starred FROM articles").fetchall()
        revised: dict[str, list[int]] = {}
        added: set[tuple[str, int]] = set()
        keys_by_revision: dict[int, set[int]] = {}
        for article_id, published, guid, title, text, _read, _starred in rows:
            title_revision = TITLE_REVISION.search(title)
            text_revision = TEXT_REVISION.search(text)
            assert title_revision and text_revision, (guid, title, text[:80])
            revision = int(title_revision.group(1))
            assert int(text_revision.group(1)) == revision, (guid, title, text[:80])
            source, item = guid.split("-", 1)
            if item.startswith("item"):
                revised.setdefault(source, []).append(revision)
            else:
                assert item == f"new{revision}", (guid, title)
                added.add((source, revision))
            keys_by_revision.setdefault(revision, set()).add((published << 31) | article_id)
        torn = {source: found for source, found in revised.items() if found != [found[0]] * KILL_ITEMS}
        assert torn == {}
        missing_new = {source for source, found in revised.items() if (source, found[0]) not in added}
        assert missing_new == set()
        # The index holds exactly the stored articles, each under its current text.
        every = {(published << 31) | article_id for article_id, published, *_rest in rows}
        indexed = {row[0] for row in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'zebra'")}
        assert indexed == every
        for revision, keys in keys_by_revision.items():
            found = conn.execute(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (f"rev{revision}",)
            ).fetchall()
            assert {row[0] for row in found} == keys, f"rev{revision}"
        return Snapshot(
            revisions={source: found[0] for source, found in revised.items()},
            marks={guid: (read, starred) for _id, _published, guid, _title, _text, read, starred in rows},
            articles=len(rows),
        )
    finally:
        conn.close()


def mark_some(db: Path, home: Path, rng: random.Random, count: int) -> dict[str, tuple[int, int]]:
    """Mark ``count`` random articles with `reader mark` (read, starred or both); returns guid -> (read, starred)."""
    conn = sqlite3.connect(db)
    # Articles every later revision updates.
    revised = conn.execute("SELECT id, guid FROM articles WHERE guid LIKE '%-item%' ORDER BY id").fetchall()
    chosen = rng.sample(revised, count)
    conn.close()
    groups: dict[tuple[str, ...], list[tuple[int, str]]] = {
        ("--read",): chosen[0::3],
        ("--star",): chosen[1::3],
        ("--read", "--star"): chosen[2::3],
    }
    wanted = {}
    for flags, group in groups.items():
        result = run_cli(db, "mark", *(str(article_id) for article_id, _guid in group), *flags, home=home)
        assert result.returncode == 0, result.stderr
        for _article_id, guid in group:
            wanted[guid] = (int("--read" in flags), int("--star" in flags))
    return wanted


@dataclass
class KillReport:
    """What a series of killed runs did."""

    kills: int = 0
    #: Kills that left some sources at the new revision and some not: the
    #: run was cut off between two of its commits.
    mid_run: int = 0
    finished: int = 0


def kill_repeatedly(
    rng: random.Random,
    start: Callable[[int], subprocess.Popen[str]],
    check: Callable[[], Snapshot],
    marks: dict[str, tuple[int, int]],
    full_run_seconds: float,
    first_revision: int,
) -> tuple[KillReport, int]:
    """Start runs of new revisions and SIGKILL each at a random moment until KILLS_EACH kills; check after each."""
    report = KillReport()
    revision = first_revision
    previous = check()
    while report.kills < KILLS_EACH:
        assert revision < first_revision + 3 * KILLS_EACH, f"only {report.kills} runs could be killed"
        process = start(revision)
        time.sleep(rng.uniform(0.05, 1.0) * full_run_seconds)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its parse workers, at once
        _out, err = process.communicate(timeout=30)
        if process.returncode == -signal.SIGKILL:
            report.kills += 1
        else:
            assert (process.returncode, err) == (0, ""), err
            report.finished += 1
        snapshot = check()
        at_new = sum(1 for found in snapshot.revisions.values() if found == revision)
        report.mid_run += 0 < at_new < len(snapshot.revisions)
        # Nothing committed earlier is lost, no source goes back a revision,
        # and the marks made before the kills are all still set.
        assert snapshot.articles >= previous.articles
        assert all(snapshot.revisions[source] >= found for source, found in previous.revisions.items())
        assert {guid: snapshot.marks[guid] for guid in marks} == marks
        previous = snapshot
        revision += 1
    return report, revision


@pytest.mark.slow
def test_sigkilled_fetches_and_imports_leave_a_whole_library_and_a_rerun_completes(
    server: FeedServer, db_path: Path, isolated_home: Path, tmp_path: Path
) -> None:
    """SIGKILL `reader fetch` (150 feeds) and `reader import` (150 files) at seeded random moments,
    12 times each: after every kill the file passes integrity_check, every article has its title
    and text from one revision, every feed and file is stored whole or not at all, the search index
    holds exactly the stored articles under their current text, and the marks made before the kills
    are intact; a final uninterrupted run of each brings everything to the last revision."""
    rng = random.Random(20260305)
    home = isolated_home

    def serve(revision: int) -> None:
        for feed in range(KILL_FEEDS):
            server.route(f"/kill/{feed}.xml", ok(rss(revision_items(f"feed{feed}", revision), title=f"Feed {feed}")))

    folder = tmp_path / "files"
    folder.mkdir()

    def write_files(revision: int) -> None:
        for number in range(KILL_FILES):
            items = revision_items(f"file{number}", revision)
            (folder / f"file{number:03}.xml").write_text(rss(items, title=f"File {number}"), encoding="utf-8")

    def check() -> Snapshot:
        return check_whole(db_path)

    # Revision 0 of everything, stored by complete runs; then marks.
    serve(0)
    urls = [server.url(f"/kill/{feed}.xml") for feed in range(KILL_FEEDS)]
    assert run_cli(db_path, "add", "--no-check", *urls, home=home).returncode == 0
    started = time.monotonic()
    fetched = run_cli(db_path, "fetch", "--quiet", home=home)
    fetch_seconds = time.monotonic() - started
    assert (fetched.returncode, fetched.stderr) == (0, "")
    write_files(0)
    started = time.monotonic()
    imported = run_cli(db_path, "import", "--quiet", str(folder), home=home)
    import_seconds = time.monotonic() - started
    assert (imported.returncode, imported.stderr) == (0, "")
    assert check().articles == (KILL_FEEDS + KILL_FILES) * (KILL_ITEMS + 1)
    marks = mark_some(db_path, home, rng, 60)

    def start_fetch(revision: int) -> subprocess.Popen[str]:
        serve(revision)
        return spawn_cli(db_path, "fetch", "--all", "--quiet", home=home)

    def start_import(revision: int) -> subprocess.Popen[str]:
        write_files(revision)
        return spawn_cli(db_path, "import", "--quiet", str(folder), home=home)

    fetches, revision = kill_repeatedly(rng, start_fetch, check, marks, fetch_seconds, 1)
    imports, revision = kill_repeatedly(rng, start_import, check, marks, import_seconds, revision)
    # The kills landed in the middle of the work, not only before or after it.
    assert fetches.mid_run > 0, fetches
    assert imports.mid_run > 0, imports

    # Uninterrupted runs complete the work: every feed and file at the last revision.
    serve(revision)
    write_files(revision)
    fetched = run_cli(db_path, "fetch", "--all", "--quiet", home=home)
    assert (fetched.returncode, fetched.stderr) == (0, "")
    imported = run_cli(db_path, "import", "--quiet", str(folder), home=home)
    assert (imported.returncode, imported.stderr) == (0, "")
    final = check()
    assert len(final.revisions) == KILL_FEEDS + KILL_FILES
    assert set(final.revisions.values()) == {revision}
    assert {guid: final.marks[guid] for guid in marks} == marks
    print(f"killed {fetches.kills} fetches ({fetches.mid_run} mid-run), {imports.kills} imports ({imports.mid_run})")


# --------------------------------------------------------------------------
# 3. Resource bounds: a library that cannot be written, is damaged or is too new

#: Runs before the real command, in the child only: gives up root's power to
#: ignore file permissions (a read-only file is then read-only, as for any
#: user; nothing changes for a user who is not root), optionally caps the size
#: any file may grow to (a full disk: writes past the cap fail with EFBIG,
#: and SIGXFSZ is ignored so they fail instead of killing), then execs.
LAUNCHER = r"""
import ctypes, os, resource, signal, sys
cap = int(sys.argv[1])
if os.geteuid() == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop capability %d" % capability)
if cap:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
os.execv(sys.argv[2], sys.argv[2:])
"""


def launcher(file_size_cap: int = 0) -> list[str]:
    """The command prefix that runs ``reader`` without root's override (and with a file size cap)."""
    return [sys.executable, "-c", LAUNCHER, str(file_size_cap)]


#: The file size cap standing in for a full disk: above the WAL index (32 KiB)
#: so the library opens, far below what storing the new articles needs.
FULL_DISK = 64 * 1024
#: Articles in the library before the bad thing happens.
BEFORE = 120


@dataclass
class Bad:
    """A library that cannot be used normally, and what each command must do with it."""

    db: Path
    #: What the one error line says (a regular expression).
    says: str
    #: Commands that must still work (reading a library that cannot be written).
    works: tuple[str, ...] = ()
    file_size_cap: int = 0
    #: Check afterwards that every earlier article and mark is intact (where bytes may change).
    intact_after: bool = False


def build_library(db: Path, feed_url: str) -> None:
    """A real library: BEFORE articles (three read, two starred) and a subscription to ``feed_url``."""
    local = FeedData(key="file:/before.xml", title="Before", kind="local")
    batch = ImportBatch(kind="feed", feeds=[local])
    batch.articles.extend(
        (local, ArticleData(guid=f"before-{n}", title=f"Kept article {n}", text=f"Kept text {n}. " * 30))
        for n in range(BEFORE)
    )
    with Store(db) as store:
        store.store_batch(batch)
        store.add_feed(FeedData(key=feed_url, url=feed_url, title="New feed", kind="feed"))
        ids = store.article_ids()
        store.mark(ids[:3], read=True)
        store.mark(ids[3:5], starred=True)


def library_state(db: Path) -> list[tuple[str, str, str, int, int]]:
    """Every article's guid, title, text and marks (what a user would miss)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return conn.execute("SELECT guid, title, text, read, starred FROM articles ORDER BY guid").fetchall()
    finally:
        conn.close()


def damage_btree_roots(db: Path) -> None:
    """Keep the header and the schema, fill the root page of every table and index with random bytes."""
    conn = sqlite3.connect(db)
    roots = [row[0] for row in conn.execute("SELECT rootpage FROM sqlite_master WHERE rootpage > 1")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    noise = random.Random(3)
    for page in roots:
        start = (page - 1) * page_size
        data[start : start + page_size] = noise.randbytes(page_size)
    db.write_bytes(bytes(data))


def make_bad(kind: str, folder: Path, feed_url: str) -> Bad:
    """Build the library for case ``kind`` in ``folder``."""
    db = folder / "library.db"
    if kind == "read-only folder, new library":
        folder.chmod(0o555)
        # Writing commands cannot create it; reading ones create nothing and say so.
        return Bad(db, r"cannot create the library file|no library yet")
    if kind == "newer schema, rollback journal":
        # A newer reader might not use WAL: the file must not even be switched to it.
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE precious (x)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()
        return Bad(db, r"newer than this reader")
    if kind == "random bytes":
        db.write_bytes(random.Random(1).randbytes(64 * 1024))
        return Bad(db, r"not a reader database")
    build_library(db, feed_url)
    if kind == "read-only file":
        db.chmod(0o444)
        return Bad(db, r"the library is read-only", works=("list",), intact_after=True)
    if kind == "read-only folder, existing library":
        folder.chmod(0o555)
        return Bad(db, r"the library is read-only", works=("list",), intact_after=True)
    if kind == "disk full":
        return Bad(db, r"disk.*full", works=("list",), file_size_cap=FULL_DISK, intact_after=True)
    if kind == "newer schema":
        conn = sqlite3.connect(db)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()
        return Bad(db, r"newer than this reader")
    if kind == "truncated to half":
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 2])
        return Bad(db, r"the library file is damaged")
    if kind == "last page cut off":
        data = db.read_bytes()
        db.write_bytes(data[:-4096])
        return Bad(db, r"the library file is damaged")
    if kind == "garbage pages behind a valid header":
        damage_btree_roots(db)
        return Bad(db, r"the library file is damaged")
    raise AssertionError(kind)


BAD_KINDS = [
    "read-only file",
    "read-only folder, new library",
    "read-only folder, existing library",
    "disk full",
    "newer schema",
    "newer schema, rollback journal",
    "random bytes",
    "truncated to half",
    "last page cut off",
    "garbage pages behind a valid header",
]


def new_articles_feed(count: int) -> str:
    """A feed with ``count`` articles of about 1 KB that no library holds yet."""
    return rss(
        [Item(guid=f"new-{n}", title=f"New article {n}", description=f"Fresh text {n}. " * 80) for n in range(count)],
        title="New feed",
    )


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_a_library_that_cannot_be_used_gets_one_clear_line_and_is_not_overwritten(
    kind: str, server: FeedServer, tmp_path: Path, isolated_home: Path
) -> None:
    """For a read-only library file or folder, a full disk, a library from a newer reader and a
    damaged file, `reader import`, `reader fetch` and `reader list` each print one line on stderr
    saying what is wrong (no traceback) and exit 1, and the file is left as it was (byte for byte;
    on a full disk, every earlier article and mark is intact). Reading still works where it can:
    `reader list` shows a read-only library, and a library on a full disk."""
    feed_url = server.route("/new.xml", ok(new_articles_feed(300)))
    folder = tmp_path / "library"
    folder.mkdir()
    files = tmp_path / "to-import"
    files.mkdir()
    for number in range(3):
        items = [
            Item(guid=f"import-{number}-{n}", title=f"Imported {n}", description=f"Imported text {n}. " * 80)
            for n in range(200)
        ]
        (files / f"import{number}.xml").write_text(rss(items, title=f"Import {number}"), encoding="utf-8")
    bad = make_bad(kind, folder, feed_url)
    before_bytes = bad.db.read_bytes() if bad.db.exists() else None
    before_state = library_state(bad.db) if bad.intact_after else None
    limited = launcher(bad.file_size_cap)
    try:
        for command in (["import", str(files)], ["fetch"], ["list"]):
            result = run_cli(bad.db, *command, home=isolated_home, launcher=limited)
            assert "Traceback" not in result.stderr
            if command[0] in bad.works:
                assert (result.returncode, result.stderr) == (0, ""), (command, result.stderr)
                assert "Kept article" in result.stdout
            else:
                lines = stderr_lines(result.stderr)
                assert len(lines) == 1, (command, result.stderr)
                assert lines[0].startswith("reader: error: "), lines
                assert re.search(bad.says, lines[0], re.IGNORECASE), (command, lines[0])
                assert result.returncode == 1, (command, result.returncode)
            if kind != "disk full":
                now = bad.db.read_bytes() if bad.db.exists() else None
                assert now == before_bytes, f"{command[0]} changed the file"
    finally:
        folder.chmod(0o755)
        if bad.db.exists():
            bad.db.chmod(0o644)
    if before_state is not None:
        # Opened normally again, the library holds everything it held, marks included.
        assert set(before_state) <= set(library_state(bad.db))


def test_a_full_disk_keeps_the_library_usable_once_there_is_room(
    server: FeedServer, tmp_path: Path, isolated_home: Path
) -> None:
    """After imports and fetches failed on a full disk, the library opens normally with every earlier
    article and mark, and the same import and fetch then succeed."""
    feed_url = server.route("/new.xml", ok(new_articles_feed(300)))
    db = tmp_path / "library.db"
    build_library(db, feed_url)
    before = library_state(db)
    files = tmp_path / "to-import"
    files.mkdir()
    (files / "big.xml").write_text(new_articles_feed(300).replace("new-", "big-"), encoding="utf-8")
    for command in (["import", str(files)], ["fetch"]):
        failed = run_cli(db, *command, home=isolated_home, launcher=launcher(FULL_DISK))
        assert failed.returncode == 1, failed.stderr
    assert set(before) <= set(library_state(db))
    for command in (["import", str(files)], ["fetch"]):
        result = run_cli(db, *command, home=isolated_home)
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
    after = library_state(db)
    assert set(before) <= set(after)
    assert len(after) == BEFORE + 600


def test_a_read_only_library_can_be_read_and_made_writable_again(tmp_path: Path, isolated_home: Path) -> None:
    """A read-only library lists, refuses `reader mark` in one line and is left unchanged. Reading it
    leaves SQLite's -shm file read-only too: once the library is writable again, the error names that
    file, and with it writable the mark is made."""
    db = tmp_path / "library.db"
    build_library(db, "http://127.0.0.1:9/never-fetched.xml")
    db.chmod(0o444)
    before = db.read_bytes()

    def reader(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(db, *args, home=isolated_home, launcher=launcher())

    listed = reader("list", "--limit", "3")
    assert (listed.returncode, listed.stderr) == (0, "")
    assert "Kept article" in listed.stdout
    refused = reader("mark", "10", "--star")
    lines = stderr_lines(refused.stderr)
    assert refused.returncode == 1 and len(lines) == 1, refused.stderr
    assert "read-only" in lines[0]
    assert db.read_bytes() == before

    db.chmod(0o644)
    shm = Path(f"{db}-shm")
    assert shm.exists()
    still = reader("mark", "10", "--star")
    lines = stderr_lines(still.stderr)
    assert still.returncode == 1 and len(lines) == 1, still.stderr
    assert str(shm) in lines[0], lines
    for leftover in (shm, Path(f"{db}-wal")):
        if leftover.exists():
            leftover.chmod(0o644)
    marked = reader("mark", "10", "--star")
    assert (marked.returncode, marked.stderr) == (0, ""), marked.stderr
    assert ("before-9", 1) in [(guid, starred) for guid, _title, _text, _read, starred in library_state(db)]


def test_the_launcher_really_takes_away_write_access(tmp_path: Path) -> None:
    """The read-only cases above mean something: through the launcher, writing a 0444 file fails
    (root included), and a file cannot grow past the cap."""
    target = tmp_path / "locked.txt"
    target.write_text("kept")
    target.chmod(0o444)
    script = f"open({str(target)!r}, 'a').write('x')"
    refused = subprocess.run([*launcher(), sys.executable, "-c", script], capture_output=True, text=True)
    target.chmod(0o644)
    assert refused.returncode != 0 and "Permission denied" in refused.stderr
    assert target.read_text() == "kept"
    grow = f"open({str(tmp_path / 'big.bin')!r}, 'wb').write(bytes({2 * FULL_DISK}))"
    capped = subprocess.run([*launcher(FULL_DISK), sys.executable, "-c", grow], capture_output=True, text=True)
    assert capped.returncode != 0 and "File too large" in capped.stderr
    assert (tmp_path / "big.bin").stat().st_size <= FULL_DISK
