"""Time `reader fetch` against a loopback feed server, beside newsboat.

For each latency (0 and 50 ms by default) this starts ``feedserver.py``
(``--feeds`` feeds × ``--items`` items) and, ``--runs`` times, makes a fresh
library, subscribes it to every feed by importing an OPML file (not timed), then times

* a cold fetch: ``reader --db lib.db fetch --quiet --json --no-comments
  --no-full-text``, the real command in a child process, every item new;
* an all-304 refresh: the same command again right after, every feed
  answering 304 Not Modified to its ETag.

Each command runs under ``/usr/bin/time -v`` (its "Maximum resident set size"
is the biggest single process, the reader or one of its parse workers; its
CPU that of the command and every process it waited for), and ``/proc`` is
polled every 20 ms for each process of the tree: its VmHWM (the largest
single process is the higher of the two figures), the summed VmRSS of all of
them at once (the sum over processes), and each one's own CPU (summed, it
replaces time's figure when higher: a helper nobody waits for).
``--code LABEL=PATH[,PYTHON]`` measures other checkouts instead, taking turns
run by run with each other and with newsboat.
The articles stored are counted in the library afterwards, and the server's
counters say what it answered (200, 304, gzip). If ``newsboat`` is installed,
``newsboat -x reload`` runs the same way on the same server: a fresh cache,
an empty config (``-u urls -c cache.db -C config``), a cold reload and two
more (newsboat 2.21 sends validators only from its third load of a feed).

Before the runs at each latency, a plain client loop (16 threads, keep-alive,
gzip, like the reader's) fetches every feed and then re-asks with the ETags,
to show what the server alone can serve. ``--profile`` instead looks inside
the reader (see :func:`profile`): a timeline and per-thread CPU of a cold
fetch in this process, cProfile of a cold fetch and a refresh, the store
timed alone with parts of the schema removed, and ``parse_fetched`` on a feed
of each kind.

    python benchmarks/fetch.py
    python benchmarks/fetch.py --feeds 100 --runs 5 --latencies 0 --no-newsboat
    python benchmarks/fetch.py --feeds 200 --items 500 --runs 2 --latencies 0   # 2 MB feeds: memory
    python benchmarks/fetch.py --code before=/tmp/wt-before --code after=. --newsboat-threads 8
    python benchmarks/fetch.py --profile
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import cProfile
import hashlib
import http.client
import json
import os
import pstats
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import benchinfo
import feedserver

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIME = "/usr/bin/time"
#: (feeds, items per feed) → {(kind, latency ms) → target seconds} for the reader (issue 16 and before).
TARGETS: dict[tuple[int, int], dict[tuple[str, int], float]] = {
    (10, 50): {("cold", 0): 0.4, ("refresh", 0): 0.15},
    (500, 50): {("cold", 0): 5.0, ("cold", 50): 6.0, ("refresh", 0): 0.3, ("refresh", 50): 2.0},
}
#: (feeds, items per feed) → most MB the largest process of a cold fetch may reach (and, reported beside
#: it, the sum over processes).
MEMORY_TARGETS_MB = {(500, 50): 100, (200, 500): 150}
#: At these sizes the reader's cold fetch must take no more CPU than newsboat's and no more wall time than
#: newsboat's with this many reload threads, at every latency measured.
NEWSBOAT_TARGETS = {(100, 50): 8}
LABELS = {"cold": "cold fetch", "refresh": "all-304 refresh", "second": "2nd reload", "third": "3rd reload"}
FETCH_ARGS = ["fetch", "--quiet", "--json", "--no-comments", "--no-full-text"]
#: Every feed, whatever its refresh interval (fetch.refresh is "auto" since 2026-12: an at-once refresh would
#: fetch nothing), as newsboat's -x reload does. Checkouts from before it fetched every feed anyway.
EVERY_FEED = "--all"


# --------------------------------------------------------------------------
# The server


class Server:
    """``feedserver.py`` in a child process."""

    def __init__(self, feeds: int, latency_ms: float, hosts: int, items: int = feedserver.DEFAULT_ITEMS) -> None:
        command = [sys.executable, str(HERE / "feedserver.py"), "--feeds", str(feeds), "--items", str(items)]
        command += ["--latency-ms", str(latency_ms), "--hosts", str(hosts)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit("feedserver.py did not start")
        self.info = json.loads(line)
        self.port: int = self.info["port"]
        self.urls = feedserver.feed_urls(self.port, feeds, hosts)
        self.latency_ms = latency_ms

    def stats(self) -> dict[str, object]:
        """The server's counters (``/_stats``)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", "/_stats")
            return json.loads(connection.getresponse().read())  # type: ignore[no-any-return]
        finally:
            connection.close()

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Served:
    """What the server did during one command."""

    status: Counter[str]
    gzip: int
    max_in_flight: int
    max_open: int
    connections: int
    cpu: float


@contextlib.contextmanager
def served(server: Server) -> Iterator[list[Served]]:
    """Counts what the server answered inside the block (appended to the yielded list on exit)."""
    before, cpu = server.stats(), server.cpu_seconds()
    out: list[Served] = []
    yield out
    after = server.stats()
    status: Counter[str] = Counter(after["status"])  # type: ignore[arg-type]
    status.subtract(before["status"])  # type: ignore[arg-type]
    status["200"] -= 1  # the /_stats request made before
    out.append(
        Served(
            status=+status,
            gzip=after["gzip"] - before["gzip"],  # type: ignore[operator]
            max_in_flight=after["max_in_flight"],  # type: ignore[arg-type]
            max_open=after["max_open"],  # type: ignore[arg-type]
            connections=after["connections"] - before["connections"] - 1,  # type: ignore[operator]
            cpu=server.cpu_seconds() - cpu,
        )
    )


def check_server(server: Server, concurrency: int = 16) -> str:
    """Fetch every feed with a plain client loop, then again with the ETags; one line of figures."""
    local = threading.local()

    def get(url: str, etag: str | None) -> tuple[int, str, int]:
        parts = urlsplit(url)
        connections = local.__dict__.setdefault("connections", {})
        connection = connections.get(parts.netloc)
        if connection is None:
            connection = connections[parts.netloc] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, response.getheader("ETag") or "", len(body)

    lines = []
    etags: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for label in ("200", "304"):
            with served(server) as done:
                began = time.perf_counter()
                results = list(pool.map(get, server.urls, [etags.get(url) for url in server.urls]))
                seconds = time.perf_counter() - began
            if label == "200":
                etags = {url: etag for url, (_, etag, _) in zip(server.urls, results, strict=True)}
            statuses = Counter(str(status) for status, _, _ in results)
            size = sum(length for _, _, length in results)
            lines.append(
                f"{len(results)} GETs ({dict(statuses)}, {size / 1e6:.1f} MB) in {seconds:.2f} s "
                f"= {len(results) / seconds:,.0f}/s, server CPU {done[0].cpu:.2f} s"
            )
    return "; ".join(lines)


# --------------------------------------------------------------------------
# Running one command


@dataclass
class Run:
    """One timed command."""

    client: str
    kind: str
    latency_ms: float
    seconds: float
    #: "Maximum resident set size" from /usr/bin/time -v (the biggest single process), in kB.
    max_rss_kb: int | None
    #: Peak of the summed VmRSS of the process tree, polled every 20 ms, in kB.
    tree_rss_kb: int
    #: VmHWM of the command's own process, last polled value, in kB.
    main_hwm_kb: int
    articles: int
    served: Served
    exit_status: int
    failed: int = 0
    #: User + system CPU seconds of the command and every process it started: /usr/bin/time -v's
    #: figure, or the sum of each process's own CPU polled from /proc if that is higher.
    cpu: float | None = None
    notes: list[str] = field(default_factory=list)
    #: The highest VmHWM of any one process of the tree (polled), in kB.
    largest_hwm_kb: int = 0
    #: Peak of the summed PSS of the process tree (pages shared by several processes split among them), in kB.
    tree_pss_kb: int = 0
    #: Processes in the tree (the command and every process it started), as many as were seen.
    processes: int = 1

    @property
    def largest_kb(self) -> int:
        """The biggest single process: /usr/bin/time's figure, or the polled one if that is higher or missing."""
        return max(self.max_rss_kb or 0, self.largest_hwm_kb, self.main_hwm_kb)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    except OSError:
        pass
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


@dataclass
class Measured:
    """What :func:`run_command` saw of one command."""

    seconds: float
    status: int
    out: str
    #: "Maximum resident set size" from /usr/bin/time -v, in kB.
    max_rss_kb: int | None
    #: Peak of the summed VmRSS of the process tree, in kB.
    tree_kb: int
    #: VmHWM of the command's own process, in kB.
    main_hwm_kb: int
    #: The highest VmHWM of any process of the tree, in kB.
    largest_hwm_kb: int
    processes: int
    cpu: float | None
    #: Peak of the summed PSS of the process tree, in kB.
    tree_pss_kb: int = 0


def _rollup_kb(pid: int, key: str) -> int:
    """A field of /proc/PID/smaps_rollup in kB (``Pss:``), 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cpu_ticks(pid: int) -> int | None:
    """User + system clock ticks ``pid`` has used itself (children not included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])


def run_command(command: list[str], env: dict[str, str], cwd: Path) -> Measured:
    """Run ``command``, polling its process tree's memory in /proc every 20 ms."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        wrapped = [TIME, "-v", "-o", report.name, *command] if Path(TIME).exists() else command
        began = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd)
        tree_peak = 0
        pss_peak = 0
        main_hwm = 0
        hwm: dict[int, int] = {}
        ticks: dict[int, int] = {}
        stop = threading.Event()

        def poll() -> None:
            nonlocal tree_peak, pss_peak, main_hwm
            while not stop.is_set():
                # Under /usr/bin/time the command is its only child.
                top = _children(process.pid) if wrapped[0] == TIME else [process.pid]
                pids = list(top)
                for pid in pids:
                    pids.extend(_children(pid))
                tree_peak = max(tree_peak, sum(_status_kb(pid, "VmRSS:") for pid in pids))
                pss_peak = max(pss_peak, sum(_rollup_kb(pid, "Pss:") for pid in pids))
                for pid in pids:
                    hwm[pid] = max(hwm.get(pid, 0), _status_kb(pid, "VmHWM:"))
                    used = _cpu_ticks(pid)
                    if used is not None:
                        ticks[pid] = max(ticks.get(pid, 0), used)
                if top:
                    main_hwm = max(main_hwm, hwm.get(top[0], 0))
                stop.wait(0.02)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        out, err = process.communicate()
        seconds = time.perf_counter() - began
        stop.set()
        poller.join()
        max_rss = None
        cpu = None
        if wrapped[0] == TIME:
            text = Path(report.name).read_text()
            times = re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text)
            cpu = sum(float(value) for value in times) if times else None
            match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            max_rss = int(match.group(1)) if match else None
            exited = re.search(r"Exit status: (\d+)", text)
            status = int(exited.group(1)) if exited else process.returncode
        else:
            status = process.returncode
    if status not in (0, 1):
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    # /usr/bin/time counts the processes the command waited for; a helper that is not waited for (a
    # forkserver and the workers it forked) is counted from the polled /proc figures instead.
    polled = sum(ticks.values()) / os.sysconf("SC_CLK_TCK")
    cpu = polled if cpu is None else max(cpu, polled)
    return Measured(
        seconds,
        status,
        out.decode(errors="replace"),
        max_rss,
        tree_peak,
        main_hwm,
        max(hwm.values(), default=0),
        max(1, len(hwm)),
        cpu,
        pss_peak,
    )


def count_rows(db: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(count)


def reader_env(code: Path | None = None) -> dict[str, str]:
    """The environment a client runs in: no proxy, no READER_DB; with ``code`` first on PYTHONPATH."""
    env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    env.pop("READER_DB", None)
    env.pop("PYTHONPATH", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def compile_reader(code: Path | None = None) -> str:
    """Write reader's bytecode, as ``pip install`` does, so a run does not compile its sources.

    An editable install compiles a module at its first import and caches the
    result, unless ``PYTHONDONTWRITEBYTECODE`` is set (as on the shared
    machines): then every run would pay 20-30 ms of compiling that no
    installed copy pays.
    """
    import compileall

    if code is None:
        import reader

        package = Path(reader.__file__).parent
    else:
        package = code / "reader"
    compileall.compile_dir(str(package), quiet=1)
    return f"bytecode: compiled {package} (as an install does)"


def reader_command() -> str:
    found = Path(sys.executable).with_name("reader")
    return str(found) if found.exists() else shutil.which("reader") or "reader"


@dataclass(frozen=True)
class Code:
    """A copy of reader to measure: ``label`` in the tables, ``path`` put first on PYTHONPATH (None: this one).

    ``python`` is the interpreter of another virtualenv (its ``reader`` script is run): a checkout from
    before a change of dependencies needs the ones it was written for.
    """

    label: str
    path: Path | None = None
    python: Path | None = None

    @property
    def client(self) -> str:
        return "reader" if self.path is None else f"reader {self.label}"

    def fetch_args(self) -> list[str]:
        """``reader fetch`` of every feed, as this checkout spells it."""
        return [*FETCH_ARGS, EVERY_FEED] if self.path is None else FETCH_ARGS

    def command(self) -> str:
        if self.python is None:
            return reader_command()
        found = self.python.with_name("reader")
        return str(found) if found.exists() else str(self.python)


def _run(client: str, kind: str, server: Server, measured: Measured, articles: int, done: Served) -> Run:
    return Run(
        client,
        kind,
        server.latency_ms,
        measured.seconds,
        measured.max_rss_kb,
        measured.tree_kb,
        measured.main_hwm_kb,
        articles,
        done,
        measured.status,
        cpu=measured.cpu,
        largest_hwm_kb=measured.largest_hwm_kb,
        processes=measured.processes,
        tree_pss_kb=measured.tree_pss_kb,
    )


def run_reader(server: Server, folder: Path, code: Code = Code("reader")) -> list[Run]:
    """A fresh library: import the OPML (not timed), then a cold fetch and an all-304 refresh."""
    db = folder / "library.db"
    opml = folder / "feeds.opml"
    opml.write_text(feedserver.opml(server.urls), encoding="utf-8")
    env = reader_env(code.path)
    subprocess.run(
        [code.command(), "--db", str(db), "import", "--quiet", str(opml)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    runs = []
    for kind in ("cold", "refresh"):
        with served(server) as done:
            measured = run_command([code.command(), "--db", str(db), *code.fetch_args()], env, folder)
        out = measured.out
        report = json.loads(out) if out.strip().startswith("{") else {"feeds": [], "failed": -1}
        run = _run(code.client, kind, server, measured, count_rows(db, "articles"), done[0])
        run.failed = report["failed"]
        statuses = Counter(feed["status"] for feed in report["feeds"])
        run.notes.append("reader saw " + ", ".join(f"{n}×{s}" for s, n in sorted(statuses.items())))
        runs.append(run)
    return runs


def run_newsboat(server: Server, folder: Path, threads: int) -> list[Run]:
    """A fresh newsboat cache: a cold ``newsboat -x reload``, then a refresh."""
    urls = folder / "urls"
    urls.write_text("".join(f"{url}\n" for url in server.urls), encoding="utf-8")
    config = folder / "config"
    config.write_text("" if threads == 1 else f"reload-threads {threads}\n", encoding="utf-8")
    cache = folder / "cache.db"
    env = {**reader_env(), "HOME": str(folder), "XDG_CONFIG_HOME": str(folder), "XDG_DATA_HOME": str(folder)}
    command = ["newsboat", "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)]
    runs = []
    # newsboat 2.21 stores a feed's ETag and Last-Modified only once the feed is in its
    # cache (so not on the first load): its second reload downloads everything again,
    # and the third is the first that can be all 304.
    for kind in ("cold", "second", "third"):
        with served(server) as done:
            measured = run_command(command, env, folder)
        client = "newsboat" if threads == 1 else f"newsboat, reload-threads {threads}"
        runs.append(_run(client, kind, server, measured, count_rows(cache, "rss_item"), done[0]))
    return runs


# --------------------------------------------------------------------------
# Output


def machine() -> str:
    """One line describing the machine and the software measured."""
    versions = []
    for module in ("aiohttp", "httpx", "feedparser", "nh3"):
        with contextlib.suppress(ImportError, AttributeError):
            versions.append(f"{module} {__import__(module).__version__}")
    newsboat = newsboat_version()
    if newsboat:
        versions.append(newsboat)
    return benchinfo.machine(versions)


def newsboat_version() -> str | None:
    if shutil.which("newsboat") is None:
        return None
    out = subprocess.run(["newsboat", "--version"], capture_output=True, text=True, check=False).stdout
    return " ".join(out.split()[:2]) if out else "newsboat"


def code_state(root: Path = ROOT) -> tuple[str, str]:
    """The commit measured and whether reader/ has uncommitted changes; and a fingerprint of reader/'s code."""
    digest = hashlib.sha1()
    for path in sorted((root / "reader").rglob("*.py")):
        digest.update(str(path).encode() + path.read_bytes())
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "reader"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return f"reader code in {root}: unknown (no git)", digest.hexdigest()
    changes = f", plus uncommitted changes to {len(dirty)} file(s) in reader/" if dirty else ""
    return f"reader code in {root}: commit {commit}{changes}", digest.hexdigest()


def _mb(kb: int | None) -> float:
    return (kb or 0) * 1024 / 1e6


def table(rows: list[tuple[str, ...]]) -> str:
    header = ("benchmark", "median", "min", "max", "unit", "runs", "target", "", "notes")
    rows = [header, *rows]
    return benchinfo.aligned(rows, left=(0, 4, 8))


def _is_reader(client: str) -> bool:
    return client.startswith("reader")


def summarise(runs: list[Run], feeds: int, items: int) -> tuple[str, list[str]]:
    """The figures table and the list of missed targets."""
    rows: list[tuple[str, ...]] = []
    missed = []
    groups: dict[tuple[str, str, float], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.client, run.kind, run.latency_ms), []).append(run)
    targets = TARGETS.get((feeds, items), {})
    for (client, kind, latency), group in groups.items():
        seconds = [run.seconds for run in group]
        median = statistics.median(seconds)
        target = targets.get((kind, int(latency))) if _is_reader(client) else None
        verdict = ""
        if target is not None:
            verdict = "ok" if median <= target else "MISSED"
            if verdict == "MISSED":
                missed.append(f"{client} {kind} at {latency:g} ms: {median:.2f} s > {target:g} s")
        served = Counter[str]()
        for run in group:
            served.update(run.served.status)
        per_run = {status: count / len(group) for status, count in served.items()}
        gzip = sum(run.served.gzip for run in group) / len(group)
        articles = sorted({run.articles for run in group})
        opened = sum(run.served.connections for run in group) / len(group)
        cpu = [run.cpu for run in group if run.cpu is not None]
        notes = [
            f"{'/'.join(map(str, articles))} articles stored",
            "server answered " + ", ".join(f"{n:g}×{s}" for s, n in sorted(per_run.items())) + f" ({gzip:g} gzip)",
            f"{opened:.0f} connection{'s' if round(opened) != 1 else ''} opened, "
            f"≤{max(run.served.max_open for run in group)} at once",
            f"server CPU {statistics.median(run.served.cpu for run in group):.2f} s",
        ]
        if cpu:
            notes.insert(1, f"CPU {statistics.median(cpu):.2f} s")
        if any(run.failed or run.exit_status not in (0,) for run in group):
            notes.append(f"exit {sorted({run.exit_status for run in group})}, failed {[r.failed for r in group]}")
        if kind == "cold" and _is_reader(client) and any(run.articles != feeds * items for run in group):
            missed.append(f"{client} cold at {latency:g} ms stored {articles} articles, not {feeds * items}")
        label = f"{client}: {LABELS[kind]}, {latency:g} ms latency"
        rows.append(
            (
                label,
                f"{median:.2f}",
                f"{min(seconds):.2f}",
                f"{max(seconds):.2f}",
                "s",
                str(len(group)),
                f"≤ {target:g} s" if target is not None else "",
                verdict,
                "; ".join(notes),
            )
        )
    memory_target = MEMORY_TARGETS_MB.get((feeds, items))
    for client in dict.fromkeys(run.client for run in runs):
        later = [_mb(run.largest_kb) for run in runs if run.client == client and run.kind != "cold"]
        for latency in dict.fromkeys(run.latency_ms for run in runs):
            mine = [run for run in runs if run.client == client and run.kind == "cold" and run.latency_ms == latency]
            if not mine:
                continue
            largest = [_mb(run.largest_kb) for run in mine]
            main = statistics.median(_mb(run.main_hwm_kb) for run in mine)
            tree = [_mb(run.tree_rss_kb) for run in mine]
            verdict = target = ""
            if _is_reader(client) and memory_target is not None:
                target = f"≤ {memory_target} MB"
                verdict = "ok" if statistics.median(largest) <= memory_target else "MISSED"
                if verdict == "MISSED":
                    missed.append(
                        f"{client} peak memory at {latency:g} ms: {statistics.median(largest):.0f} MB "
                        f"> {memory_target} MB"
                    )
                if statistics.median(tree) > memory_target:
                    missed.append(
                        f"{client} memory summed over processes at {latency:g} ms: "
                        f"{statistics.median(tree):.0f} MB > {memory_target} MB"
                    )
            notes = [
                "largest process (time -v, or VmHWM polled if higher)",
                f"main process {main:.0f} MB (VmHWM)",
                f"all {max(run.processes for run in mine)} processes {statistics.median(tree):.0f} MB "
                f"(summed VmRSS, polled every 20 ms; {min(tree):.0f}-{max(tree):.0f}); "
                f"{statistics.median(_mb(run.tree_pss_kb) for run in mine):.0f} MB summed PSS (shared pages split)",
            ]
            if later:
                notes.append(f"later fetches ≤ {max(later):.0f} MB")
            rows.append(
                (
                    f"{client}: peak RSS, cold fetch, {latency:g} ms",
                    f"{statistics.median(largest):.0f}",
                    f"{min(largest):.0f}",
                    f"{max(largest):.0f}",
                    "MB",
                    str(len(largest)),
                    target,
                    verdict,
                    "; ".join(notes),
                )
            )
    missed += _against_newsboat(groups, feeds, items)
    return table(rows) + "\n\n" + side_by_side(groups), missed


def _median_cpu(group: list[Run]) -> float:
    return statistics.median(run.cpu for run in group if run.cpu is not None) if any(r.cpu for r in group) else 0.0


def _against_newsboat(groups: dict[tuple[str, str, float], list[Run]], feeds: int, items: int) -> list[str]:
    """The targets relative to newsboat in the same run: cold CPU ≤ newsboat's, wall ≤ newsboat's with N threads."""
    threads = NEWSBOAT_TARGETS.get((feeds, items))
    if threads is None:
        return []
    missed = []
    newsboat = f"newsboat, reload-threads {threads}"
    for (client, kind, latency), group in groups.items():
        theirs = groups.get((newsboat, "cold", latency))
        if kind != "cold" or not _is_reader(client) or theirs is None:
            continue
        wall, their_wall = statistics.median(r.seconds for r in group), statistics.median(r.seconds for r in theirs)
        cpu, their_cpu = _median_cpu(group), _median_cpu(theirs)
        if wall > their_wall:
            missed.append(f"{client} cold at {latency:g} ms: wall {wall:.2f} s > {newsboat}'s {their_wall:.2f} s")
        if cpu > their_cpu:
            missed.append(f"{client} cold at {latency:g} ms: CPU {cpu:.2f} s > {newsboat}'s {their_cpu:.2f} s")
    return missed


def side_by_side(groups: dict[tuple[str, str, float], list[Run]]) -> str:
    """One line per client and latency: cold wall and CPU, refresh wall and CPU, memory (medians)."""
    rows: list[tuple[str, ...]] = [
        (
            "side by side (medians)",
            "latency",
            "cold wall",
            "cold CPU",
            "refresh wall",
            "refresh CPU",
            "largest",
            "sum RSS",
            "sum PSS",
        )
    ]
    pairs = dict.fromkeys((client, latency) for client, _kind, latency in groups)
    for client, latency in pairs:
        cold = groups.get((client, "cold", latency))
        refresh = groups.get((client, "refresh", latency)) or groups.get((client, "third", latency))
        if cold is None:
            continue
        cells = [client + ("" if _is_reader(client) or refresh is None else " (3rd reload)"), f"{latency:g} ms"]
        cells += [f"{statistics.median(r.seconds for r in cold):.2f} s", f"{_median_cpu(cold):.2f} s"]
        if refresh is not None:
            cells += [f"{statistics.median(r.seconds for r in refresh):.2f} s", f"{_median_cpu(refresh):.2f} s"]
        else:
            cells += ["", ""]
        cells += [
            f"{statistics.median(_mb(r.largest_kb) for r in cold):.0f} MB",
            f"{statistics.median(_mb(r.tree_rss_kb) for r in cold):.0f} MB",
            f"{statistics.median(_mb(r.tree_pss_kb) for r in cold):.0f} MB",
        ]
        rows.append(tuple(cells))
    return benchinfo.aligned(rows, left=(0,))


# --------------------------------------------------------------------------
# Profiling


def profile(feeds: int, hosts: int, top: int) -> None:
    """Where a cold fetch and a refresh spend their time, in this process; then ``parse_fetched`` alone.

    1. Start-up of the command (``reader --version`` and the imports ``reader fetch`` needs).
    2. A cold fetch without a profiler, sampled every 0.25 s: responses received, feeds parsed,
       feeds stored, this process's RSS; then the CPU of the event loop thread, the store
       thread and the parse workers.
    3. A cold fetch of a fresh library under cProfile: the event loop thread, and separately
       the store thread (``Store.store_fetched`` wrapped in a profiler of its own).
    4. The all-304 refresh right after, under cProfile.
    5. Storing parsed feeds alone (``Store.store_fetched`` in rounds of 40 feeds, as the fetcher
       does), into fresh libraries that lack one part of the schema each, to see what it costs.
    6. ``parse_fetched`` (what each worker runs) on one feed of each kind.
    """
    import asyncio

    import reader.service.fetch
    from reader.parse.opml import parse_opml
    from reader.service.fetch import Fetcher, FetchSettings, Progress, parse_fetched
    from reader.store import Store

    command = reader_command()
    startup = []
    imports = []
    for _ in range(5):
        began = time.perf_counter()
        subprocess.run([command, "--version"], check=True, stdout=subprocess.DEVNULL)
        startup.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import reader.cli, reader.service.fetch, reader.store"], check=True)
        imports.append(time.perf_counter() - began)
    print(
        f"start-up: `reader --version` {statistics.median(startup):.2f} s; "
        f"python -c 'import reader.cli, reader.service.fetch, reader.store' {statistics.median(imports):.2f} s "
        f"(medians of 5)"
    )

    settings = FetchSettings(comments=False, full_text=False)
    server = Server(feeds, 0, hosts)
    try:
        # -- 2. a timeline ------------------------------------------------------------
        received = 0
        real_get = reader.service.fetch.get

        async def counting_get(*args: object, **kwargs: object) -> object:
            nonlocal received
            response = await real_get(*args, **kwargs)  # type: ignore[arg-type]
            received += 1
            return response

        with tempfile.TemporaryDirectory(prefix="reader-fetch-profile-") as name:
            db = Path(name) / "library.db"
            with Store(db) as store:
                store.store_batch(parse_opml(feedserver.opml(server.urls).encode()))
            progress = Progress()

            def track(value: Progress) -> None:
                nonlocal progress
                progress = value

            fetcher = Fetcher(db, settings, track)
            samples: list[tuple[float, int, int, int, int]] = []
            threads_cpu: dict[str, float] = {}
            stop = threading.Event()
            began = time.perf_counter()

            def sample() -> None:
                while not stop.is_set():
                    for thread in threading.enumerate():
                        with contextlib.suppress(OSError, IndexError):
                            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
                            ticks = fields.rsplit(")", 1)[1].split()
                            cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")
                            key = re.sub(r"_\d+$", "", thread.name)
                            threads_cpu[key] = max(threads_cpu.get(key, 0.0), cpu)
                    samples.append(
                        (
                            time.perf_counter() - began,
                            received,
                            progress.feeds_done,
                            len(fetcher.summary.feeds),
                            _status_kb(os.getpid(), "VmRSS:"),
                        )
                    )
                    stop.wait(0.25)

            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = time.process_time()
            sampler = threading.Thread(target=sample, name="sampler", daemon=True)
            reader.service.fetch.get = counting_get  # type: ignore[assignment]
            try:
                sampler.start()
                asyncio.run(fetcher.run())
            finally:
                reader.service.fetch.get = real_get
                stop.set()
                sampler.join()
            wall = time.perf_counter() - began
            main_cpu = time.process_time() - cpu
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
            refresh_began = time.perf_counter()
            asyncio.run(Fetcher(db, settings).run())
            refresh = time.perf_counter() - refresh_began
        print(
            f"\ncold fetch in this process, no profiler: {wall:.2f} s wall, {fetcher.summary.new_articles} new articles"
        )
        print(
            f"  CPU: this process {main_cpu:.2f} s ({main_cpu / wall:.0%} of the wall time) of which "
            + ", ".join(f"{name} {value:.2f} s" for name, value in sorted(threads_cpu.items()) if value >= 0.01)
            + f"; {settings.parse_processes} parse workers {workers:.2f} s in all "
            f"({workers / wall / settings.parse_processes:.0%} of their wall time, start-up included)"
        )
        print(f"  the all-304 refresh right after, in this process, no profiler: {refresh:.2f} s wall")
        print("  timeline:      s  received  parsed  stored  RSS MB")
        step = max(1, len(samples) // 24)
        for at, got, parsed, stored, rss in [*samples[::step], samples[-1]]:
            print(f"             {at:6.2f}  {got:8}  {parsed:6}  {stored:6}  {rss * 1024 / 1e6:6.0f}")

        # -- 3 and 4. cProfile of a cold fetch and a refresh -------------------------------
        with tempfile.TemporaryDirectory(prefix="reader-fetch-profile-") as name:
            db = Path(name) / "library.db"
            with Store(db) as store:
                store.store_batch(parse_opml(feedserver.opml(server.urls).encode()))
            store_profiler = cProfile.Profile()
            real_store = Store.store_fetched

            def profiled_store(self: Store, *args: object, **kwargs: object) -> object:
                store_profiler.enable()
                try:
                    return real_store(self, *args, **kwargs)  # type: ignore[arg-type]
                finally:
                    store_profiler.disable()

            Store.store_fetched = profiled_store  # type: ignore[method-assign,assignment]
            try:
                for kind in ("cold fetch", "all-304 refresh"):
                    profiler = cProfile.Profile()
                    began = time.perf_counter()
                    profiler.enable()
                    asyncio.run(Fetcher(db, settings).run())
                    profiler.disable()
                    wall = time.perf_counter() - began
                    print(f"\n{kind} under cProfile: {wall:.2f} s wall")
                    _print_profile(profiler, top, f"{kind}: event loop thread (the parse workers are not in it)")
                    if kind == "cold fetch":
                        _print_profile(store_profiler, top, f"{kind}: store thread, Store.store_fetched")
            finally:
                Store.store_fetched = real_store  # type: ignore[method-assign]
    finally:
        server.close()

    store_breakdown(feeds)

    # -- 6. the parser -----------------------------------------------------------------------
    for number, kind in (
        (0, "RSS 2.0, HTML escaped in <description>"),
        (1, "RSS 2.0, CDATA <content:encoded>"),
        (4, "Atom 1.0, escaped type=html content"),
    ):
        feed = feedserver.make_feed(number)
        headers = {"content-type": feed.content_type}
        parse_fetched(feed.body, feed.path, headers)
        times = []
        for _ in range(5):
            began = time.perf_counter()
            parse_fetched(feed.body, feed.path, headers)
            times.append(time.perf_counter() - began)
        print(
            f"\nparse_fetched, feed {number} ({kind}, {len(feed.body) // 1024} KiB, 50 items): "
            f"median {statistics.median(times) * 1000:.1f} ms of 5"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            parse_fetched(feed.body, feed.path, headers)
        profiler.disable()
        _print_profile(profiler, top, f"parse_fetched × 5, feed {number}")


# The store adds a transaction's new articles to ``articles_fts`` in one
# statement before it commits; a view that swallows inserts stands in for the
# index, so that statement still runs and costs only the reading of the rows.
_NO_ARTICLE_INDEX = [
    "DROP TABLE articles_fts",
    "CREATE VIEW articles_fts(rowid, title, text) AS SELECT NULL, NULL, NULL WHERE 0",
    "CREATE TRIGGER articles_fts_swallow INSTEAD OF INSERT ON articles_fts BEGIN SELECT 1; END",
]


def store_breakdown(count: int) -> None:
    """Time ``Store.store_fetched`` of ``count`` parsed feeds into scratch libraries, whole and cut down.

    The scratch libraries are made by ``Store`` as usual and then altered (a trigger or the
    indexes dropped, a pragma changed) to see what each part of the schema costs; reader's
    own code is not changed.
    """
    from reader.models import FetchOutcome
    from reader.parse.opml import parse_opml
    from reader.service.fetch import WRITE_BATCH, parse_fetched
    from reader.store import Store

    urls = feedserver.feed_urls(8080, count)
    batches = []
    for number, url in enumerate(urls):
        feed = feedserver.make_feed(number)
        batches.append(parse_fetched(feed.body, url, {"content-type": feed.content_type}))
    articles = sum(len(batch.articles) for batch in batches)
    indexes = ["articles_by_date", "articles_by_feed_date", "articles_unread_by_date"]
    indexes += ["articles_unread_by_feed_date", "articles_starred_by_date", "articles_by_guid"]
    variants = {
        "as reader stores them": [],
        "without the articles' full-text index": _NO_ARTICLE_INDEX,
        "without the 6 secondary indexes on articles": [f"DROP INDEX {name}" for name in indexes],
        "with PRAGMA synchronous = NORMAL (no fsync per commit)": ["PRAGMA synchronous = NORMAL"],
        "without the full-text index and the indexes, synchronous = NORMAL": [
            *_NO_ARTICLE_INDEX,
            *(f"DROP INDEX {name}" for name in indexes),
            "PRAGMA synchronous = NORMAL",
        ],
    }
    print(f"\nStore.store_fetched of {count} parsed feeds ({articles} articles) in rounds of {WRITE_BATCH} feeds:")
    for label, statements in variants.items():
        seconds = []
        for _ in range(3):
            with tempfile.TemporaryDirectory(prefix="reader-store-") as name:
                db = Path(name) / "library.db"
                with Store(db) as store:
                    store.store_batch(parse_opml(feedserver.opml(urls).encode()))
                    for statement in statements:
                        store.conn.execute(statement)
                    ids = {feed.url: feed.id for feed in store.feeds_due()}
                    rounds = [
                        [(ids[url], FetchOutcome("200"), batch) for url, batch in zip(urls, batches, strict=True)][
                            start : start + WRITE_BATCH
                        ]
                        for start in range(0, count, WRITE_BATCH)
                    ]
                    began = time.perf_counter()
                    for round_ in rounds:
                        store.store_fetched(round_)
                    seconds.append(time.perf_counter() - began)
        median = statistics.median(seconds)
        print(
            f"  {label:<58} {median:6.2f} s (median of 3) = {articles / median:7,.0f} articles/s, "
            f"{median / articles * 25000:5.2f} s per 25,000"
        )


def _print_profile(profiler: cProfile.Profile, top: int, title: str) -> None:
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, calls, f"{_short(filename)}:{line}({function})"))
    print(f"\n{title}: {total:.3f} s profiled")
    for heading, key in (("by own time", 0), ("by cumulative time", 1)):
        print(f"  {heading}:  own%   cum%      calls  function")
        for own, cum, calls, where in sorted(rows, key=lambda row: row[key], reverse=True)[:top]:
            print(f"  {'':<{len(heading)}}  {own / total:5.1%} {cum / total:6.1%} {calls:>10}  {where}")


def _short(filename: str) -> str:
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1]
    standard = re.split(r"/lib/python3\.\d+/", filename, maxsplit=1)
    if len(standard) == 2:
        return standard[1]
    with contextlib.suppress(ValueError):
        return str(Path(filename).relative_to(ROOT))
    return filename


# --------------------------------------------------------------------------


def _code(value: str) -> Code:
    label, _, rest = value.partition("=")
    path, _, python = rest.partition(",")
    if not path:
        label, path = "", label
    folder = Path(path).resolve()
    if not (folder / "reader" / "__init__.py").exists():
        raise argparse.ArgumentTypeError(f"{folder} holds no reader/ package")
    if python and not Path(python).exists():
        raise argparse.ArgumentTypeError(f"{python}: no such interpreter")
    return Code(label or folder.name, folder, Path(python) if python else None)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=feedserver.DEFAULT_FEEDS, help="feeds (default %(default)s)")
    parser.add_argument(
        "--items", type=int, default=feedserver.DEFAULT_ITEMS, help="items per feed (default %(default)s)"
    )
    parser.add_argument("--runs", type=int, default=3, help="cold + refresh pairs per latency (default %(default)s)")
    parser.add_argument("--latencies", type=float, nargs="+", default=[0, 50], help="ms (default 0 50)")
    parser.add_argument("--hosts", type=int, default=1, help="spread the feeds over 127.0.0.1 … 127.0.0.N (default 1)")
    parser.add_argument(
        "--code",
        type=_code,
        action="append",
        metavar="LABEL=PATH[,PYTHON]",
        help="measure the reader of this checkout (put first on PYTHONPATH; run by PYTHON's virtualenv if "
        "given) instead of this one; repeat to compare several, run by run",
    )
    parser.add_argument("--no-newsboat", action="store_true", help="do not run newsboat")
    parser.add_argument(
        "--newsboat-threads",
        type=int,
        nargs="+",
        default=[1],
        help="newsboat reload-threads settings to run (1 = the empty config; default 1)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one cold fetch instead of timing")
    parser.add_argument("--top", type=int, default=20, help="functions shown per profile (default %(default)s)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.feeds < 1 or args.items < 1:
        parser.error("--runs, --feeds and --items must be positive")

    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    codes: list[Code] = args.code or [Code("reader")]
    roots = [code.path or ROOT for code in codes]
    states = [code_state(root) for root in roots]
    print("\n".join(state for state, _ in states))
    if args.profile:
        profile(args.feeds, args.hosts, args.top)
        return 0
    for code in codes:
        print(f"{code.client}: " + compile_reader(code.path))
    newsboat = not args.no_newsboat and shutil.which("newsboat") is not None
    if not args.no_newsboat and not newsboat:
        print("newsboat: not installed (`apt-get install -y newsboat`), so not measured")
    print(
        f"each figure: median of {args.runs} runs after one unmeasured warm-up, the clients taking turns run by run; "
        f"every cold run on a fresh library; {args.feeds} feeds × {args.items} items on "
        + ("127.0.0.1" if args.hosts == 1 else f"127.0.0.1 … 127.0.0.{args.hosts}")
    )
    runs: list[Run] = []
    warmed = False
    for latency in args.latencies:
        server = Server(args.feeds, latency, args.hosts, args.items)
        try:
            info = server.info
            print(
                f"\nserver at {latency:g} ms: {info['feeds']} feeds, {info['bytes'] / 1e6:.1f} MB "
                f"({info['gzip_bytes'] / 1e6:.1f} MB gzipped), item HTML {info['item_html_bytes'][0]}-"
                f"{info['item_html_bytes'][2]} bytes (median {info['item_html_bytes'][1]}), "
                f"built in {info['build_seconds']} s",
                flush=True,
            )
            print(f"  server alone (16-thread client loop): {check_server(server)}", flush=True)
            if not warmed:
                for code in codes:
                    with tempfile.TemporaryDirectory(prefix="reader-fetch-warm-") as name:
                        run_reader(server, Path(name), code)
                warmed = True
            for number in range(args.runs):
                # Turn by turn, so that a change in the machine's load falls on every client alike.
                for code in codes:
                    with tempfile.TemporaryDirectory(prefix="reader-fetch-") as name:
                        mine = run_reader(server, Path(name), code)
                    runs += mine
                    print(
                        f"  {code.client} run {number + 1}: "
                        + ", ".join(
                            f"{run.kind} {run.seconds:.2f} s CPU {run.cpu or 0:.2f} s ({run.articles} articles, "
                            f"{run.notes[0]}, largest {_mb(run.largest_kb):.0f} MB, sum {_mb(run.tree_rss_kb):.0f} MB, "
                            f"PSS {_mb(run.tree_pss_kb):.0f} MB)"
                            for run in mine
                        ),
                        flush=True,
                    )
                if newsboat:
                    for threads in args.newsboat_threads:
                        with tempfile.TemporaryDirectory(prefix="newsboat-fetch-") as name:
                            mine = run_newsboat(server, Path(name), threads)
                        runs += mine
                        print(
                            f"  {mine[0].client} run {number + 1}: "
                            + ", ".join(
                                f"{run.kind} {run.seconds:.2f} s CPU {run.cpu or 0:.2f} s ({run.articles} items, "
                                f"{dict(run.served.status)})"
                                for run in mine
                            ),
                            flush=True,
                        )
        finally:
            server.close()

    text, missed = summarise(runs, args.feeds, args.items)
    for root, (_state, fingerprint) in zip(roots, states, strict=True):
        if code_state(root)[1] != fingerprint:
            print(f"\nWARNING: the code in {root}/reader changed during the runs; measure again")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(text)
    if missed:
        print("\ntargets missed: " + "; ".join(missed))
    else:
        print("\nevery target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
