"""The HTTP client alone: CPU per request of ``reader.net.http.get``, 304s and full gzip GETs.

The feed server (``benchmarks/feedserver.py``) runs in its own process, so
only the client's work is counted: each measurement runs in a fresh child
process that makes ``--requests`` GETs through one client, ``--in-flight``
at a time, and reports its own CPU (``time.process_time``) and wall time
for them (imports and start-up excluded). Two kinds:

* ``304``: every request carries the feed's ETag and the server answers
  304 Not Modified (an all-unchanged refresh);
* ``gzip``: a full answer, a 50-item feed of about 100 KB gzipped, read
  and decompressed within the caps.

``--compare PATH`` runs the same with another checkout's code
(``PYTHONPATH=PATH``; for the code before aiohttp, also its libraries:
``pip install --target /tmp/httpx-libs 'httpx[http2]==0.28.1' h11 httpcore sniffio``
and ``--compare-libs /tmp/httpx-libs``), interleaved run by run::

    git worktree add /tmp/wt-httpx 3c266c0
    .venv/bin/python benchmarks/http_client.py --compare /tmp/wt-httpx --compare-libs /tmp/httpx-libs

Nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = r"""
import asyncio, json, sys, time
from reader.net.http import Limits, get, make_client

base, kind, count, in_flight = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
paths = [f"/feeds/{n}.atom" if n % 5 == 4 else f"/feeds/{n}.xml" for n in range(100)]  # feedserver.feed_path
urls = [base + paths[n % 100] for n in range(count)]

async def main():
    limits = Limits()
    async with make_client(limits, max_connections=in_flight) as client:
        etags = {}
        if kind == "304":
            for url in urls[:100]:
                answer = await get(client, url, limits=limits)
                etags[url] = answer.headers.get("etag", "")
        gate = asyncio.Semaphore(in_flight)
        async def one(url):
            async with gate:
                headers = {"If-None-Match": etags[url]} if kind == "304" else None
                answer = await get(client, url, headers=headers, limits=limits)
                assert answer.status == (304 if kind == "304" else 200), answer.status
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(url) for url in urls))
        return time.process_time() - cpu, time.perf_counter() - wall

cpu, wall = asyncio.run(main())
print(json.dumps({"cpu": cpu, "wall": wall}))
"""


def measure(code: Path | None, libs: Path | None, base: str, kind: str, count: int, in_flight: int) -> dict[str, float]:
    env = dict(os.environ)
    paths = [str(p) for p in (code, libs) if p is not None]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, base, kind, str(count), str(in_flight)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the client failed: {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per run (default %(default)s)")
    parser.add_argument("--in-flight", type=int, default=16, help="requests at once (default %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="runs per kind and code (default %(default)s)")
    parser.add_argument("--compare", type=Path, help="another checkout to run side by side (PYTHONPATH)")
    parser.add_argument("--compare-libs", type=Path, help="libraries the other checkout needs (PYTHONPATH)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import benchinfo

    server = subprocess.Popen(
        [sys.executable, str(HERE / "feedserver.py"), "--feeds", "100", "--items", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = json.loads(server.stdout.readline())["port"]
        base = f"http://127.0.0.1:{port}"
        codes: dict[str, tuple[Path | None, Path | None]] = {"this": (None, None)}
        if args.compare:
            codes["compare"] = (args.compare.resolve(), args.compare_libs.resolve() if args.compare_libs else None)
        results: dict[tuple[str, str], list[dict[str, float]]] = {}
        for _run in range(args.runs):
            for kind in ("304", "gzip"):
                for name, (code, libs) in codes.items():
                    outcome = measure(code, libs, base, kind, args.requests, args.in_flight)
                    results.setdefault((name, kind), []).append(outcome)
    finally:
        server.terminate()
        server.wait()
    print(benchinfo.machine())
    print(f"{args.requests} GETs per run, {args.in_flight} in flight, median of {args.runs} runs (client CPU only)\n")
    rows = [("code", "kind", "CPU ms/request", "wall ms/request")]
    for (name, kind), outcomes in results.items():
        cpu = statistics.median(o["cpu"] for o in outcomes) * 1000 / args.requests
        wall = statistics.median(o["wall"] for o in outcomes) * 1000 / args.requests
        rows.append((name, kind, f"{cpu:.3f}", f"{wall:.3f}"))
    print(benchinfo.aligned(rows, left={0, 1}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
