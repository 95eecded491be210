"""Time a first sync of 5,000 articles from a real Tiny Tiny RSS server.

Uses the test harness (``tests/ttrss/server.sh`` through ``tests/ttrss_server.py``):
the server is installed and started when missing, its database reset, and
``--feeds`` feeds of ``--items`` items (each with a ~1 KB HTML body, dated
within the last days so tt-rss keeps them) are served on ``http://[::1]/``,
subscribed on the server and fetched by it (not timed). Then, ``--runs``
times, a fresh library is set up for the account (not timed) and
:func:`reader.service.sync.run_sync` is timed: login, subscriptions, every article
with its content in pages of 200, the unread and starred lists, storing.
Comment threads are off (the items have no comment links). Each run then
times a second sync with nothing new, which reads the server's unread and
starred lists to take marks made there.

For comparison, the time a bare client (urllib) spends asking for every page
with content one at a time is measured too: that is tt-rss, PHP and
PostgreSQL alone.

    python benchmarks/sync.py
    python benchmarks/sync.py --feeds 10 --items 500 --runs 5

What this started (PostgreSQL, Apache) is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import ttrss_server  # noqa: E402
from feedserver import Item, rss  # noqa: E402

from reader.config import Config  # noqa: E402
from reader.service.sync import run_sync  # noqa: E402
from reader.service.sync.account import Account, save_account  # noqa: E402
from reader.store import Store  # noqa: E402

PARAGRAPH = (
    "<p>The committee met on Tuesday to review the <em>draft</em> of the harbour plan, and "
    "the <a href='http://example.invalid/minutes'>minutes</a> record a long discussion of the "
    "northern breakwater, its cost, and whether the old lighthouse can stay where it is.</p>"
)


def feed(number: int, items: int, now: int) -> str:
    """An RSS document of ``items`` items, newest first, each a minute apart."""
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


def bare_client_seconds(server: ttrss_server.TinyTinyRSS) -> float:
    """Every page with content, one call at a time with urllib, nothing stored: tt-rss's own time."""
    started = time.perf_counter()
    sid = server.call("login", user=ttrss_server.USER, password=ttrss_server.PASSWORD)["session_id"]

    def call(**params: object) -> list[object]:
        request = urllib.request.Request(
            server.url + "api/", json.dumps({"sid": sid, **params}).encode(), {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as answer:
            return list(json.load(answer)["content"])

    skip = 0
    while True:
        page = call(op="getHeadlines", feed_id=-4, view_mode="all_articles", show_content=True, limit=200, skip=skip)
        skip += len(page)
        if len(page) < 200:
            return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10)
    parser.add_argument("--items", type=int, default=500, help="items per feed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    server = ttrss_server.start()
    host = ttrss_server.FeedHost()
    try:
        server.reset()
        now = int(time.time())
        loaded = time.perf_counter()
        for number in range(args.feeds):
            server.subscribe(host.put(f"/bench-{number}.xml", feed(number, args.items, now)))
        total = len(server.headlines())
        print(f"tt-rss holds {total} articles in {args.feeds} feeds (loaded in {time.perf_counter() - loaded:.1f} s)")

        times, again = [], []
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="reader-sync-bench-") as folder:
                db_path = Path(folder) / "library.db"
                with Store(db_path) as store:
                    save_account(store, Account("ttrss", server.url, ttrss_server.USER), None)
                started = time.perf_counter()
                summary = run_sync(db_path, Config(), password=ttrss_server.PASSWORD, comments=False)
                times.append(time.perf_counter() - started)
                with Store(db_path) as store:
                    stored = store.counts()["all"]
                assert stored == total, f"stored {stored} of {total}"
                started = time.perf_counter()
                run_sync(db_path, Config(), password=ttrss_server.PASSWORD, comments=False)
                again.append(time.perf_counter() - started)
                print(
                    f"run {run + 1}: {times[-1]:.2f} s ({summary.new_articles} new articles); "
                    f"again with nothing new: {again[-1]:.2f} s"
                )
        bare = [bare_client_seconds(server) for _ in range(args.runs)]
        median = statistics.median(times)
        print()
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"first sync of {total} articles: median {median:.2f} s ({total / median:.0f} articles/s)")
        print(f"  min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} runs")
        print(f"a sync with nothing new (the unread list of {total}): median {statistics.median(again):.2f} s")
        print(f"every page with content, one at a time, by a bare client: median {statistics.median(bare):.2f} s")
    finally:
        host.close()
        server.stop()


if __name__ == "__main__":
    main()
