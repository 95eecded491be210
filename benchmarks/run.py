"""Time imports, article lists, search and threads against a large library.

Every figure is the median of ``--repeat`` runs (after one warm-up run), with
the fastest and slowest run, measured with :func:`time.perf_counter` around
the public API calls the CLI and the TUI make. The big library comes from
``generate.py`` and is built first if ``--db`` does not exist.

    python benchmarks/run.py --db benchmarks/bench.db
"""

from __future__ import annotations

import argparse
import cProfile
import email.utils
import pstats
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import benchinfo
import generate

from reader.models import ArticleFilter, ArticleRow
from reader.parse import parse_file
from reader.store import Store

RSS_ITEMS = 50
RSS_FILES = 20
SEARCHES = {
    "common word": "people",
    "rare word": "narwhal",
    "two words": "garden bridge",
    "phrase": '"supply chain"',
    "prefix": "transp*",
}


@dataclass
class Bench:
    """One benchmark: ``run`` does one repetition and returns the seconds it took."""

    key: str
    label: str
    run: Callable[[], float]
    target_ms: float | None = None
    #: Articles handled per repetition, to report a rate.
    articles: int | None = None
    #: What one call returns (e.g. ``50 rows``); worked out after the timing and the
    #: peak-memory reading, so that counting everything costs neither.
    describe: Callable[[], str] | None = None


@dataclass
class Result:
    """The timings of one benchmark."""

    bench: Bench
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median seconds per repetition."""
        return statistics.median(self.seconds)


def timed(call: Callable[[], object]) -> Callable[[], float]:
    """Wrap ``call`` into a repetition that returns its duration."""

    def run() -> float:
        start = time.perf_counter()
        call()
        return time.perf_counter() - start

    return run


def measure(bench: Bench, repeat: int) -> Result:
    """Warm up once, then time ``repeat`` runs."""
    bench.run()
    return Result(bench, [bench.run() for _ in range(repeat)])


# --------------------------------------------------------------------------
# RSS files for the import benchmarks


def write_rss(path: Path, maker: generate.TextMaker, number: int, items: int = RSS_ITEMS) -> None:
    """Write an RSS 2.0 file of ``items`` items with ~1 KB HTML descriptions."""
    site = f"https://blog-{number}.example.com"
    newest = generate.LATEST - number * 86400
    entries = []
    for index in range(items):
        title = maker.title()
        link = f"{site}/posts/{index}-{'-'.join(title.lower().split()[:5])}"
        _, html = maker.body(maker.rng.randint(600, 1000), link_chance=0.7)
        entries.append(
            f"""    <item>
      <title>{escape(title)}</title>
      <link>{link}</link>
      <guid isPermaLink="true">{link}</guid>
      <pubDate>{email.utils.formatdate(newest - index * 5400, usegmt=True)}</pubDate>
      <dc:creator>{escape(maker.name())}</dc:creator>
      <category>{maker.rng.choice(generate.TAGS)}</category>
      <comments>{link}#comments</comments>
      <description>{escape(html)}</description>
    </item>
"""
        )
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(maker.title())}</title>
    <link>{site}/</link>
    <description>{escape(" ".join(maker.words(12)))}</description>
    <language>en</language>
    <lastBuildDate>{email.utils.formatdate(newest, usegmt=True)}</lastBuildDate>
{"".join(entries)}  </channel>
</rss>
""",
        encoding="utf-8",
    )


@contextmanager
def fresh_store(folder: Path) -> Iterator[Store]:
    """A new, empty library in ``folder``, deleted afterwards."""
    path = folder / "import.db"
    generate.remove_database(path)
    store = Store(path)
    try:
        yield store
    finally:
        store.close()
        generate.remove_database(path)


def import_benches(folder: Path, seed: int) -> list[Bench]:
    """Importing one RSS file (and its parse and store halves), and many files into one library.

    Each repetition imports into a new library, so every article is inserted.
    No item answers another, so ``parse_file`` needs no thread lookup.
    """
    maker = generate.TextMaker(random.Random(seed))
    files = []
    for number in range(RSS_FILES):
        files.append(folder / f"feed-{number}.xml")
        write_rss(files[-1], maker, number)
    one = files[0]
    parsed = parse_file(one)

    def import_one() -> float:
        with fresh_store(folder) as store:
            start = time.perf_counter()
            store.store_batch(parse_file(one))
            return time.perf_counter() - start

    def store_one() -> float:
        with fresh_store(folder) as store:
            start = time.perf_counter()
            store.store_batch(parsed)
            return time.perf_counter() - start

    def import_many() -> float:
        with fresh_store(folder) as store:
            start = time.perf_counter()
            for path in files:
                store.store_batch(parse_file(path))
            return time.perf_counter() - start

    size = one.stat().st_size // 1024
    return [
        Bench("import", f"import 1 RSS file ({RSS_ITEMS} items, {size} KiB)", import_one, 30, RSS_ITEMS),
        Bench("import.parse", "  of which parse_file", timed(lambda: parse_file(one)), None, RSS_ITEMS),
        Bench("import.store", "  of which store_batch", store_one, None, RSS_ITEMS),
        Bench(
            "import.many", f"import {RSS_FILES} RSS files into one library", import_many, None, RSS_FILES * RSS_ITEMS
        ),
    ]


# --------------------------------------------------------------------------
# Queries over the big library


def query_benches(store: Store) -> list[Bench]:
    """Article list pages, the id list, the feed list, searches and the biggest thread."""
    ids = store.article_ids()
    deep_id = ids[len(ids) * 9 // 10]
    deep = (store.articles_by_ids([deep_id])[0].published, deep_id)
    biggest_feed = max(store.feeds(), key=lambda feed: feed.total)
    (busiest,) = store.conn.execute("SELECT id FROM articles ORDER BY comment_count DESC LIMIT 1").fetchone()

    def page(label: str, key: str, filter: ArticleFilter, after: tuple[int, int] | None = None) -> Bench:
        def call() -> list[ArticleRow]:
            return store.list_articles(filter, limit=50, after=after)

        return Bench(key, label, timed(call), 20, describe=lambda: f"{len(call())} rows")

    def search(kind: str, query: str) -> Bench:
        def describe() -> str:
            return f"{len(store.search(query, limit=50))} of {len(store.search(query, limit=len(ids)))} matches"

        return Bench(
            f"search.{kind.replace(' ', '-')}",
            f"search {kind}: {query}",
            timed(lambda: store.search(query, limit=50)),
            20,
            describe=describe,
        )

    def thread() -> str:
        comments = store.comments(busiest)
        return f"{len(comments)} comments, {1 + max(c.depth for c in comments)} levels"

    return [
        page("list first page, all", "list.all", ArticleFilter()),
        page("list first page, unread", "list.unread", ArticleFilter(unread=True)),
        page(
            f"list first page, biggest feed ({biggest_feed.total})", "list.feed", ArticleFilter(feed_id=biggest_feed.id)
        ),
        page(f"list page after row {len(ids) * 9 // 10} (keyset)", "list.deep", ArticleFilter(), deep),
        Bench("ids", "article_ids, all", timed(store.article_ids), describe=lambda: f"{len(ids)} ids"),
        Bench("feeds", "feeds with unread counts", timed(store.feeds), describe=lambda: f"{len(store.feeds())} feeds"),
        *(search(kind, query) for kind, query in SEARCHES.items()),
        Bench("thread", "comments of the biggest thread", timed(lambda: store.comments(busiest)), describe=thread),
    ]


# --------------------------------------------------------------------------
# Output


def machine() -> str:
    """One line describing the machine and the libraries."""
    return benchinfo.machine()


def peak_memory_mib() -> float:
    """The process's peak resident memory (``ru_maxrss``) in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def table(results: list[Result], notes: list[str]) -> str:
    """The results, with a note on what each call returned, as an aligned text table."""
    header = ("benchmark", "median ms", "min ms", "max ms", "articles/s", "target", "", "returns")
    rows = [header]
    for result, note in zip(results, notes, strict=True):
        bench = result.bench
        rate = f"{bench.articles / result.median:,.0f}" if bench.articles else ""
        target = f"≤ {bench.target_ms:g} ms" if bench.target_ms else ""
        verdict = ""
        if bench.target_ms:
            verdict = "ok" if result.median * 1000 <= bench.target_ms else "MISSED"
        rows.append(
            (
                bench.label,
                f"{result.median * 1000:.2f}",
                f"{min(result.seconds) * 1000:.2f}",
                f"{max(result.seconds) * 1000:.2f}",
                rate,
                target,
                verdict,
                note,
            )
        )
    return benchinfo.aligned(rows, left=(0, 7))


def profile(bench: Bench, repeat: int) -> None:
    """Run ``bench`` under cProfile and print where the time goes."""
    profiler = cProfile.Profile()
    bench.run()
    profiler.enable()
    for _ in range(repeat):
        bench.run()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=generate.DEFAULT_DB, help="big library (default %(default)s)")
    parser.add_argument(
        "--articles", type=int, default=generate.DEFAULT_ARTICLES, help="size if --db must be built (%(default)s)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per benchmark (default %(default)s)")
    parser.add_argument(
        "--only", metavar="KEY", nargs="+", help="run only these benchmarks (e.g. import search.phrase)"
    )
    parser.add_argument("--profile", metavar="KEY", help="profile one benchmark with cProfile instead of timing")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be positive")

    if not args.db.exists():
        print(f"{args.db} does not exist; building it with {args.articles} articles", flush=True)
        script = Path(__file__).resolve().with_name("generate.py")
        command = [sys.executable, str(script), "--db", str(args.db), "--articles", str(args.articles), "--quiet"]
        subprocess.run(command, check=True)

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as folder, Store(args.db, create=False) as store:
        counts = store.counts()
        (comments,) = store.conn.execute("SELECT count(*) FROM comments").fetchone()
        print(
            f"library: {args.db} ({args.db.stat().st_size / 2**20:.0f} MiB): {counts['all']} articles "
            f"({counts['unread']} unread, {counts['starred']} starred), {comments} comments"
        )
        benches = import_benches(Path(folder), generate.DEFAULT_SEED) + query_benches(store)
        if args.profile:
            chosen = [bench for bench in benches if bench.key == args.profile]
            if not chosen:
                parser.error(f"no benchmark {args.profile!r}; keys: {', '.join(b.key for b in benches)}")
            profile(chosen[0], args.repeat)
            return 0
        if args.only:
            benches = [bench for bench in benches if bench.key in args.only or bench.key.split(".")[0] in args.only]
            if not benches:
                parser.error(f"no benchmark matches {' '.join(args.only)}")
        print(f"each figure: median of {args.repeat} runs after one warm-up\n")
        results = [measure(bench, args.repeat) for bench in benches]
        peak = peak_memory_mib()
        notes = [result.bench.describe() if result.bench.describe else "" for result in results]
    print(table(results, notes))
    print(f"\npeak memory (maxrss): {peak:.0f} MiB")
    missed = [r.bench.label.strip() for r in results if r.bench.target_ms and r.median * 1000 > r.bench.target_ms]
    if missed:
        print(f"targets missed: {'; '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
