"""Time a first sync of 5,000 articles from a real Tiny Tiny RSS server and a real Fever API server.

The same ``--feeds`` feeds of ``--items`` items (each with a ~1 KB HTML body,
dated within the last hours so neither server drops them as old) are served on
loopback to each server, which subscribes and fetches them (not timed):

* tt-rss (``--server ttrss``), through the test harness ``tests/ttrss_server.py``
  (``tests/ttrss/server.sh``: Debian's tt-rss, PHP, Apache and PostgreSQL;
  installed and started when missing, root needed), its database reset and the
  feeds served at ``http://[::1]/``; the harness's lock is held throughout, so a
  test run waits instead of resetting the server under the benchmark;
* coldsweat, a Fever API server (``--server fever``), through ``tests/fever_server.py``
  (coldsweat 0.10.2 from PyPI in its own environment under ``~/.cache/reader-tests``,
  installed when missing): its three test feeds are deleted, the benchmark's feeds
  imported from an OPML file and fetched with its own commands.

Then, ``--runs`` times and the servers taking turns (so both see the same
background load), a fresh library is set up for the account (not timed) and
:func:`reader.service.sync.run_sync` is timed: login, subscriptions, every
article with its content (tt-rss: pages of 200, two asked at once; Fever: pages
of 50, one after the other, as each page's highest id is the next one's
``since_id``), storing. Comment threads are off (the items have no comment
links). Each run then times a second sync with nothing new, which reads the
server's unread and starred (saved) id lists to take marks made there. Beside
the wall time: the CPU time of this process (reader; ``getrusage``, all its
threads) and of the server's processes (``/proc``: coldsweat's one process;
tt-rss's Apache and PostgreSQL processes, children that ended included).

For scale, a bare client (urllib, nothing stored) asks for every page with
content one at a time: that is the server alone.

    python benchmarks/sync.py                      # both servers, 10 feeds x 500 items, 3 runs
    python benchmarks/sync.py --server fever --runs 5

With ``--server both`` a server that cannot run here (tt-rss without root) is
left out with the reason; named alone, it is an error. What this started
(PostgreSQL, Apache, coldsweat and the feed servers) is stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import benchinfo  # noqa: E402
import fever_server  # noqa: E402
import ttrss_server  # noqa: E402
from feedserver import Item, ok, rss  # noqa: E402

from reader.config import Config  # noqa: E402
from reader.service.sync import run_sync  # noqa: E402
from reader.service.sync.account import Account, save_account  # noqa: E402
from reader.store import Store  # noqa: E402

ServerName = Literal["ttrss", "fever"]

PARAGRAPH = (
    "<p>The committee met on Tuesday to review the <em>draft</em> of the harbour plan, and "
    "the <a href='http://example.invalid/minutes'>minutes</a> record a long discussion of the "
    "northern breakwater, its cost, and whether the old lighthouse can stay where it is.</p>"
)


def feed(number: int, items: int, now: int) -> str:
    """An RSS document of ``items`` items, newest first, each a minute apart (so all of them recent)."""
    return rss(
        [
            Item(
                f"bench-{number}-{n}",
                f"Harbour plan, part {n} of feed {number}",
                f"http://example.invalid/bench/{number}/{n}",
                description=PARAGRAPH * 3,
                pub_date=formatdate(now - n * 60 - number, usegmt=True),
            )
            for n in range(items)
        ],
        title=f"Benchmark feed {number}",
    )


# -- CPU time -------------------------------------------------------------------------------------


def own_cpu() -> float:
    """CPU seconds (user + system) of this process so far, all its threads (reader's store thread too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_TICK = os.sysconf("SC_CLK_TCK")


def processes_cpu(pids: Callable[[], list[int]]) -> float:
    """CPU seconds of these processes so far, with their children that ended (Apache's and PostgreSQL's workers).

    A worker that ends between two readings is counted in its parent's children time at the
    second; one already running at the first reading and ended at the second would be counted
    twice over its life before the first, which the servers' idle workers between runs avoid.
    """
    total = 0
    for pid in pids():
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{pid}/stat").read_text()
            # After "pid (comm) ": the state is field 3; utime, stime, cutime and cstime are fields 14-17.
            rest = text[text.rindex(")") + 2 :].split()
            total += sum(int(value) for value in rest[11:15])
    return total / _TICK


def named(*names: str) -> Callable[[], list[int]]:
    """A function listing the ids of the running processes with one of these command names."""

    def pids() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if (entry / "comm").read_text().strip() in names:
                        found.append(int(entry.name))
        return found

    return pids


def load() -> str:
    """The load averages over 1, 5 and 15 minutes."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# -- the servers ----------------------------------------------------------------------------------


@dataclass
class Served:
    """A server holding the benchmark's articles, and what the benchmark needs of it."""

    name: str
    #: Its software and versions, for the report.
    versions: str
    account: Account
    password: str
    #: Articles the server holds (every one must be stored by a sync).
    total: int
    #: Articles in one page of a sync.
    page: int
    #: Every page with content one at a time, nothing stored: (articles, requests).
    bare: Callable[[], tuple[int, int]]
    #: The server's process ids, read at each measurement.
    pids: Callable[[], list[int]]
    #: Seconds the server took to subscribe to and fetch the feeds.
    loaded: float


def _dpkg_versions(*packages: str) -> str:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", *packages], capture_output=True, text=True, check=False
    )
    return ", ".join(line for line in done.stdout.splitlines() if len(line.split()) == 2)


@contextlib.contextmanager
def ttrss(feeds: int, items: int, now: int) -> Iterator[Served]:
    """tt-rss with the feeds subscribed and fetched (the harness's lock held until the end)."""
    with ttrss_server.exclusive():
        server = ttrss_server.start()
        host: ttrss_server.FeedHost | None = None
        try:
            host = ttrss_server.FeedHost()
            server.reset()
            loaded = time.perf_counter()
            for number in range(feeds):
                server.subscribe(host.put(f"/bench-{number}.xml", feed(number, items, now)))
            total = len(server.headlines())
            loaded = time.perf_counter() - loaded

            def bare() -> tuple[int, int]:
                """Every page with content, one call at a time with urllib: tt-rss's own time."""
                sid = server.call("login", user=ttrss_server.USER, password=ttrss_server.PASSWORD)["session_id"]
                got, requests = 0, 1
                while True:
                    body = json.dumps(
                        {
                            "sid": sid,
                            "op": "getHeadlines",
                            "feed_id": -4,
                            "view_mode": "all_articles",
                            "show_content": True,
                            "limit": 200,
                            "skip": got,
                        }
                    ).encode()
                    request = urllib.request.Request(server.url + "api/", body, {"Content-Type": "application/json"})
                    with urllib.request.urlopen(request, timeout=120) as answer:
                        page = list(json.load(answer)["content"])
                    got, requests = got + len(page), requests + 1
                    if len(page) < 200:
                        return got, requests

            versions = _dpkg_versions("tt-rss", "libapache2-mod-php?.?", "apache2", "postgresql-1?")
            yield Served(
                "tt-rss",
                versions or "tt-rss (Debian)",
                Account("ttrss", server.url, ttrss_server.USER),
                ttrss_server.PASSWORD,
                total,
                200,
                bare,
                named("apache2", "postgres"),
                loaded,
            )
        finally:
            if host is not None:
                host.close()
            server.stop()


def _opml(urls: list[str]) -> str:
    """An OPML file subscribing to ``urls`` in one group (coldsweat's import wants a group)."""
    outlines = "\n".join(
        f'<outline type="rss" text="Benchmark feed {n}" xmlUrl="{url}"/>' for n, url in enumerate(urls)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0"><head><title>bench</title></head><body>\n'
        f'<outline text="Benchmark" title="Benchmark">\n{outlines}\n</outline>\n</body></opml>\n'
    )


def _coldsweat_versions(command: Path) -> str:
    python = command.parent / "python"
    script = (
        "import importlib.metadata as m, platform, sqlite3; "
        "print(', '.join(f'{p} {m.version(p)}' for p in ('coldsweat', 'Flask', 'Werkzeug', 'peewee', 'feedparser'))"
        " + f', on Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}')"
    )
    done = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=False)
    return done.stdout.strip() or f"coldsweat {fever_server.COLDSWEAT_VERSION}"


@contextlib.contextmanager
def fever(feeds: int, items: int, now: int) -> Iterator[Served]:
    """coldsweat with the feeds (and only them) imported and fetched."""
    command = fever_server.install()
    server = fever_server.start(command)
    try:
        # The harness's three test feeds go (their entries and subscriptions with them: ON DELETE CASCADE).
        server.sql("DELETE FROM feeds")
        urls = [server.feeds.route(f"/bench-{number}.xml", ok(feed(number, items, now))) for number in range(feeds)]
        loaded = time.perf_counter()
        opml = server.directory / "bench.opml"
        opml.write_text(_opml(urls), encoding="utf-8")
        done = subprocess.run(
            [str(command), "import", str(opml), server.email],
            cwd=server.directory,
            env=server.environment,
            capture_output=True,
            text=True,
            timeout=fever_server.COMMAND_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise fever_server.Unavailable(f"coldsweat import failed: {(done.stderr or done.stdout).strip()[-300:]}")
        server.fetch()
        loaded = time.perf_counter() - loaded
        # coldsweat keeps every item it is given (no cap, no age limit): check it did.
        per_feed = server.sql("SELECT feed_id, count(*) FROM entries GROUP BY feed_id")
        if sorted(count for _, count in per_feed) != [items] * feeds:
            raise fever_server.Unavailable(f"coldsweat stored {sorted(per_feed)} items by feed, not {items} in each")

        def bare() -> tuple[int, int]:
            """``?api&items&since_id=N`` until an empty page, one call at a time with urllib: coldsweat's own time."""
            body = urllib.parse.urlencode({"api_key": server.api_key}).encode()
            since, got, requests = 0, 0, 0
            while True:
                request = urllib.request.Request(
                    f"{server.url}?api&items&since_id={since}",
                    body,
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                with urllib.request.urlopen(request, timeout=120) as answer:
                    page = json.load(answer)["items"]
                requests += 1
                if not page:
                    return got, requests
                got += len(page)
                since = max(int(row["id"]) for row in page)

        process = server.process
        yield Served(
            "coldsweat",
            _coldsweat_versions(command),
            Account("fever", server.url, server.email),
            server.password,
            server.sql("SELECT count(*) FROM entries")[0][0],
            50,
            bare,
            lambda: [process.pid] if process is not None else [],
            loaded,
        )
    finally:
        server.close()


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Measure:
    """Wall seconds, reader's CPU seconds and the server's CPU seconds of several runs of one step."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)

    @contextlib.contextmanager
    def run(self, served: Served) -> Iterator[None]:
        server_before, cpu_before = processes_cpu(served.pids), own_cpu()
        started = time.perf_counter()
        yield
        self.wall.append(time.perf_counter() - started)
        self.cpu.append(own_cpu() - cpu_before)
        self.server_cpu.append(processes_cpu(served.pids) - server_before)

    def cells(self) -> tuple[str, str, str, str]:
        """Median wall, min – max wall, median reader CPU, median server CPU."""
        return (
            f"{statistics.median(self.wall):.2f} s",
            f"{min(self.wall):.2f} – {max(self.wall):.2f} s",
            f"{statistics.median(self.cpu):.2f} s",
            f"{statistics.median(self.server_cpu):.2f} s",
        )


@dataclass
class Results:
    """Everything measured of one server."""

    served: Served
    first: Measure = field(default_factory=Measure)
    again: Measure = field(default_factory=Measure)
    bare: Measure = field(default_factory=Measure)
    bare_requests: int = 0


def sync_once(results: Results, run: int) -> None:
    """One first sync and one sync with nothing new into a fresh library, timed."""
    served = results.served
    with tempfile.TemporaryDirectory(prefix="reader-sync-bench-") as folder:
        db_path = Path(folder) / "library.db"
        with Store(db_path) as store:
            save_account(store, served.account, None)
        with results.first.run(served):
            summary = run_sync(db_path, Config(), password=served.password, comments=False)
        with Store(db_path) as store:
            stored = store.counts()["all"]
        assert stored == served.total, f"{served.name}: stored {stored} of {served.total}"
        with results.again.run(served):
            run_sync(db_path, Config(), password=served.password, comments=False)
    print(
        f"{served.name} run {run + 1}: {results.first.wall[-1]:.2f} s, reader CPU {results.first.cpu[-1]:.2f} s, "
        f"server CPU {results.first.server_cpu[-1]:.2f} s ({summary.new_articles} new articles); "
        f"again with nothing new: {results.again.wall[-1]:.2f} s; load {load()}",
        flush=True,
    )


def bare_once(results: Results) -> None:
    with results.bare.run(results.served):
        got, results.bare_requests = results.served.bare()
    assert got == results.served.total, f"{results.served.name}: the bare client read {got} of {results.served.total}"


def table(all_results: list[Results]) -> str:
    """The figures as a Markdown table, a row per step and server."""
    rows = [
        "| step | server | median | min – max | reader CPU | server CPU |",
        "|---|---|---|---|---|---|",
    ]
    for results in all_results:
        served = results.served
        wall, spread, cpu, server_cpu = results.first.cells()
        rate = served.total / statistics.median(results.first.wall)
        rows.append(
            f"| first sync of {served.total:,} articles ({served.page} a page) | {served.name} | **{wall}** "
            f"({rate:,.0f} articles/s) | {spread} | {cpu} | {server_cpu} |"
        )
    for results in all_results:
        rows.append(f"| a sync with nothing new | {results.served.name} | " + " | ".join(results.again.cells()) + " |")
    for results in all_results:
        rows.append(
            f"| the server alone: {results.bare_requests} requests one at a time (bare client) "
            f"| {results.served.name} | "
            + " | ".join(results.bare.cells()[:2])
            + " | | "
            + results.bare.cells()[3]
            + " |"
        )
    return "\n".join(rows)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("ttrss", "fever", "both"), default="both")
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--items", type=int, default=500, help="items per feed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chosen: list[ServerName] = ["ttrss", "fever"] if args.server == "both" else [args.server]
    makers = {"ttrss": ttrss, "fever": fever}
    unavailable = (ttrss_server.Unavailable, fever_server.Unavailable)

    print(f"load before: {load()}", flush=True)
    now = int(time.time())
    with contextlib.ExitStack() as stack:
        all_results = []
        for name in chosen:
            try:
                served = stack.enter_context(makers[name](args.feeds, args.items, now))
            except unavailable as error:
                if args.server != "both":
                    raise SystemExit(f"{name}: {error}") from None
                print(f"{name} left out: {error}")
                continue
            print(f"{served.name} holds {served.total} articles (subscribed and fetched in {served.loaded:.1f} s)")
            all_results.append(Results(served))
        if not all_results:
            raise SystemExit("no server to sync with")
        # The servers take turns, each going first in every other run: the first sync of all also
        # pays for reader's imports that load on first use (a few hundredths of a second).
        for run in range(args.runs):
            for results in all_results[:: -1 if run % 2 else 1]:
                sync_once(results, run)
        for run in range(args.runs):
            for results in all_results[:: -1 if run % 2 else 1]:
                bare_once(results)
        print()
        print(benchinfo.machine())
        for results in all_results:
            print(f"{results.served.name}: {results.served.versions}")
        print(f"load after: {load()}; {args.runs} runs; reader CPU is this process's, server CPU the server's")
        print()
        print(table(all_results))


if __name__ == "__main__":
    main()
