"""Subscriptions at several sizes: OPML import (new and again), ``reader feeds``, ``reader remove``.

Each step runs the real ``reader`` command in a child process; wall time and
the child's CPU (user + system, from ``wait4``) are taken per run and the
median of ``--runs`` reported. ``--compare PATH`` runs the same steps with
another checkout's code (``PYTHONPATH=PATH``), interleaved run by run, so a
change is measured side by side on the same machine at the same moment::

    git worktree add /tmp/wt-old 3dcbcdf
    .venv/bin/python benchmarks/subscriptions.py --compare /tmp/wt-old

Why these: adding compares every feed's URL in one spelling (an indexed
``url_key``), the feed list leaves removed feeds out, and ``remove`` deletes a
feed's articles through the search index's triggers. Nothing leaves this
machine: the feeds are never fetched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READER = [sys.executable, "-m", "reader"]


def opml(count: int) -> str:
    """An OPML list of ``count`` feeds on 300 hosts, in one folder."""
    outlines = "\n".join(
        f'<outline text="Feed {n}" xmlUrl="https://host{n % 300}.example/feed{n}.xml"/>' for n in range(count)
    )
    return f'<opml version="2.0"><body><outline text="Tech">\n{outlines}\n</outline></body></opml>\n'


def run(code: Path | None, db: Path, *args: str) -> tuple[float, float]:
    """Run ``reader --db DB ARGS`` with ``code`` first on the path; (wall seconds, CPU seconds)."""
    env = dict(os.environ, READER_HOME=str(db.parent / "home"))
    if code is not None:
        env["PYTHONPATH"] = str(code)
    started = time.monotonic()
    child = subprocess.Popen(
        [*READER, "--db", str(db), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reader {' '.join(args)} failed: {errors.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def articles_feed(path: Path, count: int) -> None:
    """An RSS file of ``count`` items (a feed to import, then remove)."""
    items = "".join(
        f"<item><guid>g{n}</guid><title>Story {n}</title><description>Words about story {n}.</description></item>"
        for n in range(count)
    )
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000], help="feeds in the OPML list")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout to run side by side (PYTHONPATH)")
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    codes: dict[str, Path | None] = {"this": here}
    if args.compare:
        codes["compare"] = args.compare.resolve()
    steps = ["import new", "import again", "feeds"]
    results: dict[tuple[str, int, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            listing = Path(folder) / f"{size}.opml"
            listing.write_text(opml(size), encoding="utf-8")
            for _ in range(args.runs):
                for name, code in codes.items():  # interleaved: both see the same machine
                    db = Path(folder) / f"{name}-{size}.db"
                    for leftover in db.parent.glob(db.name + "*"):
                        leftover.unlink()
                    results.setdefault((name, size, steps[0]), []).append(run(code, db, "import", "-q", str(listing)))
                    results.setdefault((name, size, steps[1]), []).append(run(code, db, "import", "-q", str(listing)))
                    results.setdefault((name, size, steps[2]), []).append(run(code, db, "feeds"))
        big = Path(folder) / "big.xml"
        articles_feed(big, 10_000)
        removes: list[tuple[float, float]] = []
        for _ in range(args.runs):
            db = Path(folder) / "remove.db"
            for leftover in db.parent.glob(db.name + "*"):
                leftover.unlink()
            run(here, db, "import", "-q", str(big))
            removes.append(run(here, db, "remove", "--yes", "Big"))
    print(f"{'step':<16} {'feeds':>6}  " + "  ".join(f"{name + ' wall / CPU (s)':>26}" for name in codes))
    for size in args.sizes:
        for step in steps:
            cells = []
            for name in codes:
                runs = results[(name, size, step)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                cells.append(f"{wall:>12.3f} / {cpu:<11.3f}")
            print(f"{step:<16} {size:>6}  " + "  ".join(cells))
    wall = statistics.median(r[0] for r in removes)
    cpu = statistics.median(r[1] for r in removes)
    print(f"remove a feed of 10,000 articles (this code): {wall:.3f} s wall / {cpu:.3f} s CPU, median of {args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
