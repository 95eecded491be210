"""A killed or terminated `reader fetch` leaves no parse workers or resource tracker behind.

A fetch of at least POOL_FROM feeds parses in worker processes (forked at
its start on Linux, else spawned, with multiprocessing's resource tracker
beside them). Here a real
``reader fetch`` runs against the loopback feed server of ``feedserver.py``:
a few feeds answer at once (so the pool is busy), the others take a minute
(so the run is still going). Once its workers (and tracker) exist, only the
``reader`` process itself is sent SIGKILL or SIGTERM, as ``kill PID`` or a
service manager would; the test then looks in /proc for the processes it
had seen. The run is started in a session of its own so that whatever a
failing run leaves is killed at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import reader_command
from feedserver import Behaviour, FeedServer, Item, ok, rss

from reader.models import FeedData
from reader.service.fetch import POOL_FROM
from reader.store import Store

#: Feeds that answer at once: their bodies start the parse pool.
QUICK = 3
#: How long the other feeds take to answer (the server's teardown ends the wait).
SLOW_SECONDS = 60.0
#: Generous bounds for what must happen "within a few seconds".
WAIT = 30.0


def slowly(behaviour: Behaviour, seconds: float) -> Behaviour:
    """``behaviour`` after ``seconds`` (or at once when the server stops)."""

    def behave(handler: object, server: FeedServer) -> None:
        server.stopping.wait(seconds)
        behaviour(handler, server)  # type: ignore[arg-type]

    return behave


def subscribe(db: Path, server: FeedServer) -> None:
    """A library with POOL_FROM + 4 feeds: QUICK answer at once, the rest after SLOW_SECONDS."""
    with Store(db) as store:
        for number in range(POOL_FROM + 4):
            items = [Item(guid=f"f{number}-{n}", title=f"Feed {number} item {n}") for n in range(5)]
            body = ok(rss(items, title=f"Feed {number}"))
            url = server.route(f"/feed{number}.xml", body if number < QUICK else slowly(body, SLOW_SECONDS))
            store.add_feed(FeedData(key=url, url=url, title=f"Feed {number}", kind="feed"))


def process_info(pid: int) -> tuple[str, str] | None:
    """``(start time, command line)`` of a live process; None once it is gone (or only a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    state, start_time = fields[0], fields[19]
    return None if state in ("Z", "X") else (start_time, command)


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (every thread's)."""
    found: list[int] = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in listing.read_text().split()]
        except FileNotFoundError:
            continue
    return found


def helpers_of(pid: int) -> dict[int, tuple[str, str]]:
    """The processes ``pid`` started (parse workers, forked or spawned, and any resource tracker), by pid."""
    found: dict[int, tuple[str, str]] = {}
    for child in children(pid):
        info = process_info(child)
        if info is not None:
            found[child] = info
    return found


def start_fetch(db: Path, home: Path, folder: Path) -> subprocess.Popen[bytes]:
    """``reader fetch`` in a session of its own; its output goes to files (a lingering worker would hold a pipe)."""
    env = dict(os.environ, READER_HOME=str(home))
    env.pop("READER_DB", None)
    with (folder / "stdout").open("wb") as out, (folder / "stderr").open("wb") as err:
        return subprocess.Popen(
            [*reader_command(), "--db", str(db), "fetch"], stdout=out, stderr=err, env=env, start_new_session=True
        )


def wait_for_helpers(process: subprocess.Popen[bytes]) -> dict[int, tuple[str, str]]:
    """Wait until the run has both parse workers (and, if they were spawned, the resource tracker); return them."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        helpers = helpers_of(process.pid)
        commands = [command for _start, command in helpers.values()]
        # Every worker, not only the first: one killed half-born (its parent gone while
        # it reads its start-up data) prints multiprocessing's own traceback, before any
        # of reader's code runs in it; the test is about workers that have started.
        workers = sum("resource_tracker" not in c for c in commands)
        spawned = any("spawn_main" in c for c in commands)
        tracked = any("resource_tracker" in c for c in commands)
        if workers >= min(2, os.cpu_count() or 1) and (tracked or not spawned):
            return helpers
        assert process.poll() is None, "reader fetch ended before its workers started"
        time.sleep(0.05)
    raise AssertionError(f"no parse workers (and resource tracker) after {WAIT:g} s")


def still_running(helpers: dict[int, tuple[str, str]]) -> list[str]:
    """The command lines of those ``helpers`` that still run (the same process: same start time)."""
    return [info[1] for pid, info in helpers.items() if process_info(pid) == info]


@pytest.mark.parametrize("sent", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_a_killed_fetch_takes_its_workers_and_resource_tracker_with_it(
    sent: signal.Signals, server: FeedServer, tmp_path: Path, isolated_home: Path
) -> None:
    """SIGKILL, SIGTERM or SIGINT to `reader fetch` alone: within seconds none of its parse workers and
    not its resource tracker still runs. SIGTERM ends it like Ctrl-C, quietly (exit status 143, or 130
    for Ctrl-C, nothing but white space on stderr, no traceback). Either way the library is whole and
    `reader list` works."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: reader fetch parses in a thread, so there are no worker processes to outlive it")
    db = tmp_path / "library.db"
    subscribe(db, server)
    process = start_fetch(db, isolated_home, tmp_path)
    try:
        helpers = wait_for_helpers(process)
        os.kill(process.pid, sent)
        status = process.wait(timeout=WAIT)
        deadline = time.monotonic() + WAIT
        while still_running(helpers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert still_running(helpers) == [], "outlived `reader fetch`"
    finally:
        # Whatever a failing run left (same process group), so nothing outlives the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.poll() is None:
            process.wait(timeout=WAIT)

    stderr = (tmp_path / "stderr").read_text(errors="replace")
    if sent in (signal.SIGTERM, signal.SIGINT):
        # Ctrl-C and SIGTERM alike: the shell's 128 + the signal, and no error line.
        assert status == 128 + sent, (status, stderr)
        assert stderr.strip() == "", stderr
    else:
        assert status == -signal.SIGKILL
    assert "Traceback" not in stderr, stderr

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    env = dict(os.environ, READER_HOME=str(isolated_home))
    env.pop("READER_DB", None)
    listed = subprocess.run(
        [*reader_command(), "--db", str(db), "list"], capture_output=True, text=True, env=env, timeout=60
    )
    assert (listed.returncode, listed.stderr) == (0, ""), listed.stderr
