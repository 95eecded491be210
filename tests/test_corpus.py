"""The peer corpus: every fixture file of feedparser's and newsboat's test suites, imported for real.

About 2,100 small files (RSS, Atom, RDF, CDF, OPML, JSON Feed, legacy encodings,
UTF-16/32, ill-formed XML, empty files) are read in place from the shared corpus
and imported one by one into a real SQLite library through the real importer.
A user importing any of them sees the file stored, or one line saying what was
expected and what was found; never a traceback, a hang or a runaway process.

The run prints a summary table (stored by kind, refused by reason) with its wall
time and peak memory, so CI logs show how the corpus fares.
"""

from __future__ import annotations

import re
import resource
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reader.parse import FileOutcome, import_paths, iter_files
from reader.store import Store

pytestmark = pytest.mark.shared

#: Generous bounds: the run takes a few seconds and well under 300 MB here.
MAX_SECONDS = 300.0
MAX_RSS_BYTES = 1024**3
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What every refusal looks like: what was expected and what was found, or why it was refused.
ONE_CLEAR_LINE = re.compile(r"^(expected .+\bfound\b.+|refused: .+)$")
TABLES = ("feeds", "articles", "comments")


def corpus_roots(shared: Path) -> list[Path]:
    roots = [shared / "corpus" / "feedparser", shared / "corpus" / "newsboat"]
    for root in roots:
        assert root.is_dir(), f"the peer corpus is incomplete: {root} is missing"
    return roots


def peak_rss_bytes() -> int:
    """This process's peak resident set size (ru_maxrss is in KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def normalised_reason(error: str) -> str:
    """A refusal without its line/column details, so that the table groups alike files."""
    reason = re.sub(r"<unknown>:\d+:\d+: ", "", error)
    reason = re.sub(r"\b(line|column|byte) \d+", r"\1 N", reason)
    return reason


@dataclass
class CorpusRun:
    """Every outcome of importing the corpus once, with what the run cost."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    crashes: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0
    slowest: list[tuple[float, Path]] = field(default_factory=list)


def import_corpus(store: Store, roots: list[Path]) -> CorpusRun:
    """Import each file on its own through the real importer, noting any exception it lets out."""
    run = CorpusRun()
    timings: list[tuple[float, Path]] = []
    started = time.perf_counter()
    for path in iter_files(roots):
        began = time.perf_counter()
        try:
            run.outcomes.extend(import_paths(store, [path]))
        except Exception as error:  # anything but the importer's own one-line failure is a bug
            last = traceback.extract_tb(error.__traceback__)[-1]
            run.crashes.append((path, f"{type(error).__name__}: {error} (at {last.filename}:{last.lineno})"))
        timings.append((time.perf_counter() - began, path))
    run.seconds = time.perf_counter() - started
    run.slowest = sorted(timings, reverse=True)[:3]
    return run


def summary_table(run: CorpusRun, shared: Path, peak: int) -> str:
    stored = Counter(o.kind for o in run.outcomes if o.error is None)
    refused = Counter(normalised_reason(o.error) for o in run.outcomes if o.error is not None)
    total = len(run.outcomes) + len(run.crashes)
    width = min(90, max(len(reason) for reason in [*refused, "stored"]))
    lines = [
        "",
        f"peer corpus: {total:,} files in {run.seconds:.1f} s, peak RSS {peak / 1024**2:.0f} MB",
        f"  {'stored':<{width + 2}} {sum(stored.values()):>6,}",
    ]
    lines += [f"    {kind or '?':<{width}} {count:>6,}" for kind, count in stored.most_common()]
    lines.append(f"  {'refused':<{width + 2}} {sum(refused.values()):>6,}")
    lines += [f"    {reason[:width]:<{width}} {count:>6,}" for reason, count in refused.most_common()]
    if run.crashes:
        lines.append(f"  {'CRASHED (unexpected exceptions)':<{width + 2}} {len(run.crashes):>6,}")
    lines.append("  slowest files: " + ", ".join(f"{p.relative_to(shared)} {s * 1000:.0f} ms" for s, p in run.slowest))
    return "\n".join(lines)


@pytest.mark.slow
def test_every_corpus_file_is_stored_or_refused_in_one_clear_line(
    shared: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    """Importing every peer-corpus file never shows a traceback: each file is stored, or
    refused in one line naming what was expected and what was found; the whole run is
    quick and small, and nothing stored carries a terminal control character."""
    roots = corpus_roots(shared)

    run = import_corpus(store, roots)
    peak = peak_rss_bytes()

    with capsys.disabled():
        print(summary_table(run, shared, peak))
    assert not run.crashes, "unexpected exceptions (not a one-line ImportFailure):\n" + "\n".join(
        f"  {path.relative_to(shared)}: {message}" for path, message in run.crashes
    )
    assert len(run.outcomes) > 2_000, "the corpus should hold about 2,100 files"
    unclear = [
        f"  {o.path.relative_to(shared)}: {o.error!r}"
        for o in run.outcomes
        if o.error is not None and ("\n" in o.error or "\r" in o.error or not ONE_CLEAR_LINE.match(o.error))
    ]
    assert not unclear, "refusals that are not one clear line:\n" + "\n".join(unclear)
    noisy = [
        f"  {o.path.relative_to(shared)}: {w!r}"
        for o in run.outcomes
        for w in o.warnings
        if "\n" in w or not w.strip() or "Traceback" in w
    ]
    assert not noisy, "warnings that are not one line:\n" + "\n".join(noisy)
    stored = [o for o in run.outcomes if o.error is None]
    assert len(stored) > len(run.outcomes) * 0.8, "most of the corpus is well-formed and should import"
    assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 1_000
    assert run.seconds < MAX_SECONDS, f"the corpus took {run.seconds:.0f} s to import"
    assert peak < MAX_RSS_BYTES, f"the corpus import peaked at {peak / 1024**2:.0f} MB"
    # Stored text is what the terminal shows: no escape or other control character survives.
    for table in TABLES:
        columns = [
            row["name"]
            for row in store.conn.execute(f"PRAGMA table_info({table})")
            if row["type"] == "TEXT" and row["name"] != "html"
        ]
        for row in store.conn.execute(f"SELECT {', '.join(columns)} FROM {table}"):
            for column, value in zip(columns, row, strict=True):
                assert value is None or not CONTROL.search(value), (table, column, value)


def library_snapshot(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Everything a user could see of the library: feeds, articles with their state, comments."""
    queries = {
        "feeds": "SELECT id, key, title, url, site_url, kind FROM feeds ORDER BY id",
        "articles": (
            "SELECT id, feed_id, guid, url, title, author, published, updated, first_seen, text, html,"
            " read, starred, comment_count, comments_url FROM articles ORDER BY id"
        ),
        "comments": (
            "SELECT id, article_id, guid, parent_id, depth, position, author, published, text FROM comments ORDER BY id"
        ),
    }
    return {name: [tuple(row) for row in store.conn.execute(sql)] for name, sql in queries.items()}


@pytest.mark.slow
def test_importing_the_corpus_twice_changes_nothing(shared: Path, store: Store) -> None:
    """Importing the whole corpus a second time adds no article, comment or feed, changes no
    stored text or date, keeps what the user marked read or starred, and refuses the same files
    with the same messages."""
    roots = corpus_roots(shared)
    first = import_corpus(store, roots)
    assert not first.crashes
    ids = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    store.mark(ids[::3], read=True)
    store.mark(ids[::7], starred=True)
    before = library_snapshot(store)
    assert before["articles"], "the corpus should store articles"

    second = import_corpus(store, roots)

    assert not second.crashes
    assert [o.stats.articles_added for o in second.outcomes if o.stats.articles_added] == []
    assert [o.stats.comments_added for o in second.outcomes if o.stats.comments_added] == []
    assert [o.stats.feeds_added for o in second.outcomes if o.stats.feeds_added] == []
    after = library_snapshot(store)
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    assert after == before
    assert [(o.path, o.error) for o in second.outcomes] == [(o.path, o.error) for o in first.outcomes]


# Spot checks of files that name their encoding in a way a reader must get right.
ENCODED = "feedparser/tests/encoding"
SPOT_CHECKS = [
    # (file, expected article titles, expected feed title or None to skip)
    (f"{ENCODED}/utf-8-bom.xml", [], None),
    (f"{ENCODED}/utf-16le.xml", [], None),
    (f"{ENCODED}/utf-16be.xml", [], None),
    (f"{ENCODED}/utf-16le-autodetect.xml", [], None),
    (f"{ENCODED}/u16.xml", [], None),
    (f"{ENCODED}/utf-32le.xml", [], None),
    (f"{ENCODED}/utf-32be-autodetect.xml", [], None),
    (f"{ENCODED}/utf_32.xml", [], None),
    (f"{ENCODED}/utf-16le-bom.xml", [], None),
    (f"{ENCODED}/euc-kr.xml", [], "\ub144"),
    ("feedparser/tests/illformed/chardet/koi8r.xml", ["Как пережить новогоднюю ночь"], None),
    ("feedparser/tests/illformed/chardet/shiftjis.xml", ["DrecomRSSに記事投稿が反映されない…"], None),
    ("feedparser/tests/illformed/chardet/eucjp.xml", ["ゲーム三昧な正月"], None),
]


@pytest.mark.parametrize(("name", "titles", "feed_title"), SPOT_CHECKS, ids=[Path(s[0]).name for s in SPOT_CHECKS])
def test_corpus_files_in_other_encodings_import_with_their_text_intact(
    shared: Path, store: Store, name: str, titles: list[str], feed_title: str | None
) -> None:
    """A feed in UTF-16 or UTF-32 (with or without a byte-order mark), UTF-8 with a byte-order
    mark, or a legacy encoding (KOI8-R, Shift-JIS, EUC-JP) imports, and its titles read as written."""
    path = shared / "corpus" / name

    (outcome,) = import_paths(store, [path])

    assert outcome.error is None, outcome.error
    assert [row.title for row in store.list_articles()] == titles
    if feed_title is not None:
        assert [feed.title for feed in store.feeds()] == [feed_title]
