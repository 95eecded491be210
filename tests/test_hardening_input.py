"""Hostile input the entity/XXE/truncation tests do not cover: wrong encodings, huge items, odd dates.

tests/test_import_hostile_xml.py covers entity bombs, XXE, truncated, garbage and
empty files and the 16 MB cap on a plain-text file. Here:

* feeds and OPML lists whose declared encoding is wrong (ISO-8859-1 or
  windows-1252 declared on UTF-8, UTF-16 declared on single-byte text), UTF-16/32
  without a byte-order mark, a UTF-8 byte-order mark that contradicts the
  declaration, and UTF-16 LE/BE with a byte-order mark, all keeping their
  non-ASCII titles, authors and text intact;
* a feed whose single item is 50 MB (refused in one line, quickly, in little
  memory) and one just under the cap (imported whole, in bounded time and memory),
  both through the real ``reader`` command with its time and peak memory measured;
* dates a feed may carry (``0000-00-00``, year 9999, month 13, April 31, year 0001,
  epoch zero, time zones that do not exist) in RSS ``pubDate`` and Atom ``updated``:
  stored as the first-seen time (or, for a zone name nobody knows, the wall time
  read as UTC), and ``reader list --json`` still newest first.

Every file is built here, written to ``tmp_path`` and imported into a real SQLite library.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import RunReader

from reader.parse import FileOutcome, import_paths
from reader.parse.base import MAX_FILE_BYTES
from reader.service.reading import read_article
from reader.store import Store

TITLE = "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e \u2014 \u65e5\u672c\u8a9e"
LATIN_TITLE = "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e"  # what Latin-1 can hold
AUTHOR = "Zo\u00eb M\u00fcller"
BODY = "Gr\u00fc\u00dfe aus K\u00f6ln, na\u00efve fa\u00e7ade."
FEED_TITLE = "Les nouvelles fran\u00e7aises"


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def import_one(store: Store, path: Path) -> FileOutcome:
    (outcome,) = import_paths(store, [path])
    return outcome


# --------------------------------------------------------------------------
# Encodings


def declaration(encoding: str | None) -> str:
    return f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""


def rss_document(encoding: str | None, title: str = TITLE) -> str:
    return (
        f'{declaration(encoding)}<rss version="2.0"><channel><title>{FEED_TITLE}</title>'
        f"<link>https://enc.example/</link><item><title>{title}</title><guid>urn:e1</guid>"
        f"<author>zoe@enc.example ({AUTHOR})</author><description>{BODY}</description></item></channel></rss>\n"
    )


def atom_document(encoding: str | None, title: str = TITLE) -> str:
    return (
        f'{declaration(encoding)}<feed xmlns="http://www.w3.org/2005/Atom"><title>{FEED_TITLE}</title>'
        "<id>urn:enc</id><updated>2025-01-01T00:00:00Z</updated>"
        f"<entry><id>urn:e1</id><title>{title}</title><author><name>{AUTHOR}</name></author>"
        f"<updated>2025-01-01T00:00:00Z</updated><content>{BODY}</content></entry></feed>\n"
    )


BUILDERS = {"rss": rss_document, "atom": atom_document}
# name -> the file's bytes, made from a document builder
ENCODING_CASES = {
    "iso-8859-1-declared-utf-8-bytes": lambda doc: doc("iso-8859-1").encode("utf-8"),
    "windows-1252-declared-utf-8-bytes": lambda doc: doc("windows-1252").encode("utf-8"),
    "us-ascii-declared-utf-8-bytes": lambda doc: doc("us-ascii").encode("utf-8"),
    "utf-8-declared-latin-1-bytes": lambda doc: doc("utf-8", LATIN_TITLE).encode("latin-1"),
    "utf-16-declared-utf-8-bytes": lambda doc: doc("utf-16").encode("utf-8"),
    "utf-16-declared-latin-1-bytes": lambda doc: doc("utf-16", LATIN_TITLE).encode("latin-1"),
    "utf-16le-without-bom": lambda doc: doc("utf-16").encode("utf-16-le"),
    "utf-16be-without-bom": lambda doc: doc("utf-16").encode("utf-16-be"),
    "utf-32be-without-bom": lambda doc: doc("utf-32").encode("utf-32-be"),
    "utf-8-declared-utf-16le-bytes-without-bom": lambda doc: doc("utf-8").encode("utf-16-le"),
    "utf-8-bom-declared-iso-8859-1": lambda doc: codecs.BOM_UTF8 + doc("iso-8859-1").encode("utf-8"),
    "utf-8-bom-no-declaration": lambda doc: codecs.BOM_UTF8 + doc(None).encode("utf-8"),
    "utf-16le-bom": lambda doc: codecs.BOM_UTF16_LE + doc("utf-16").encode("utf-16-le"),
    "utf-16be-bom": lambda doc: codecs.BOM_UTF16_BE + doc("utf-16").encode("utf-16-be"),
    "utf-16le-bom-declared-utf-8": lambda doc: codecs.BOM_UTF16_LE + doc("utf-8").encode("utf-16-le"),
    "utf-32le-bom": lambda doc: codecs.BOM_UTF32_LE + doc("utf-32").encode("utf-32-le"),
    "unknown-encoding-declared": lambda doc: doc("x-no-such-charset").encode("utf-8"),
}
LATIN_ONLY = {"utf-8-declared-latin-1-bytes", "utf-16-declared-latin-1-bytes"}


@pytest.mark.parametrize("case", sorted(ENCODING_CASES))
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_a_feed_in_a_wrong_or_unusual_encoding_keeps_its_text(
    store: Store, tmp_path: Path, kind: str, case: str
) -> None:
    """Whatever a feed declares (or fails to declare) about its encoding, the user reads the
    article's title, author and text and the feed's name as written, never mojibake like 'CafÃ©'."""
    data = ENCODING_CASES[case](BUILDERS[kind])

    outcome = import_one(store, write(tmp_path / f"{kind}-{case}.xml", data))

    assert outcome.error is None, outcome.error
    (row,) = store.list_articles()
    assert row.title == (LATIN_TITLE if case in LATIN_ONLY else TITLE)
    assert AUTHOR in row.author, row.author
    assert [feed.title for feed in store.feeds()] == [FEED_TITLE]
    detail = read_article(store, row.id)
    assert detail is not None
    assert detail.text == BODY


OPML = (
    '<opml version="2.0"><head><title>Abonnements</title></head><body>'
    '<outline text="Tech"><outline text="Caf\u00e9 \u65e5\u672c" xmlUrl="https://cafe.example/feed"/></outline>'
    '<outline text="Na\u00efve fa\u00e7ade" xmlUrl="https://naive.example/feed"/></body></opml>\n'
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(codecs.BOM_UTF16_LE + (declaration("utf-16") + OPML).encode("utf-16-le"), id="utf-16le-bom"),
        pytest.param((declaration("utf-16") + OPML).encode("utf-16-be"), id="utf-16be-without-bom"),
        pytest.param(codecs.BOM_UTF8 + (declaration("iso-8859-1") + OPML).encode(), id="utf-8-bom-declared-latin-1"),
        pytest.param((declaration("iso-8859-1") + OPML).encode(), id="iso-8859-1-declared-utf-8-bytes"),
    ],
)
def test_an_opml_list_in_a_wrong_or_unusual_encoding_keeps_its_feed_names(
    store: Store, tmp_path: Path, data: bytes
) -> None:
    """Subscribing from an OPML file whose encoding is mislabelled still shows the feed names as written."""
    outcome = import_one(store, write(tmp_path / "subscriptions.opml", data))

    assert outcome.error is None, outcome.error
    assert sorted(feed.title for feed in store.feeds()) == ["Caf\u00e9 \u65e5\u672c", "Na\u00efve fa\u00e7ade"]
    assert {feed.title: feed.tags for feed in store.feeds()}["Caf\u00e9 \u65e5\u672c"] == ["Tech"]


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")], ids=["le", "be"]
)
def test_a_utf16_atom_thread_with_a_bom_keeps_non_ascii_titles_and_replies(
    store: Store, tmp_path: Path, bom: bytes, codec: str
) -> None:
    """A UTF-16 Atom feed (byte-order mark, either byte order) imports with its non-ASCII title,
    author and text intact, and its RFC 4685 reply lands in the article's thread."""
    document = (
        '<?xml version="1.0" encoding="utf-16"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">'
        f"<title>{FEED_TITLE}</title><id>urn:f16</id><updated>2025-01-01T00:00:00Z</updated>"
        f"<entry><id>urn:post</id><title>{TITLE}</title><author><name>{AUTHOR}</name></author>"
        f"<updated>2025-01-01T00:00:00Z</updated><content>{BODY}</content></entry>"
        '<entry><id>urn:reply</id><title>R\u00e9ponse</title><thr:in-reply-to ref="urn:post"/>'
        "<author><name>\u0141ukasz \u017b\u00f3\u0142w</name></author><updated>2025-01-02T00:00:00Z</updated>"
        "<content>\u0422\u0430\u043a \u0442\u043e\u0447\u043d\u043e \u2014 \u3059\u3070\u3089\u3057\u3044</content>"
        "</entry></feed>"
    )

    outcome = import_one(store, write(tmp_path / "thread16.atom", bom + document.encode(codec)))

    assert outcome.error is None, outcome.error
    (row,) = store.list_articles()
    assert (row.title, row.author) == (TITLE, AUTHOR)
    assert [feed.title for feed in store.feeds()] == [FEED_TITLE]
    (reply,) = store.comments(row.id)
    assert reply.author == "\u0141ukasz \u017b\u00f3\u0142w"
    assert reply.text == "\u0422\u0430\u043a \u0442\u043e\u0447\u043d\u043e \u2014 \u3059\u3070\u3089\u3057\u3044"


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")], ids=["le", "be"]
)
def test_a_utf16_plain_text_article_with_a_bom_keeps_its_text(
    store: Store, tmp_path: Path, bom: bytes, codec: str
) -> None:
    """A plain-text article saved as UTF-16 (with a byte-order mark) reads exactly like its UTF-8 twin."""
    text = (
        f"{TITLE}\nUne id\u00e9e simple, bien expliqu\u00e9e.\n"
        f"1 Comment\n{AUTHOR}\nTr\u00e8s bien \u2014 \u3059\u3070\u3089\u3057\u3044.\n"
    )
    outcome = import_one(store, write(tmp_path / "utf16" / "article.txt", bom + text.encode(codec)))
    twin = import_one(store, write(tmp_path / "utf8" / "article.txt", text.encode("utf-8")))

    assert outcome.error is None and twin.error is None
    assert outcome.warnings == []
    rows = store.list_articles()
    assert [row.title for row in rows] == [TITLE, TITLE]
    first, second = (read_article(store, row.id) for row in rows)
    assert first is not None and second is not None
    assert first.text == second.text
    assert [(c.author, c.text) for c in first.comments] == [(c.author, c.text) for c in second.comments]
    assert first.comments[0].author == AUTHOR


# --------------------------------------------------------------------------
# One huge item, through the real command, with its time and memory measured


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss: int  # bytes


def reader_command() -> list[str]:
    script = Path(sys.executable).parent / "reader"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reader"]


def run_measured(args: list[str], home: Path, limit: float) -> Measured:
    """Run ``reader ARGS`` and measure its wall time and its own peak RSS; killed after ``limit`` s.

    The peak is the child's ``VmHWM`` (the high-water mark of the memory it
    runs in after ``exec``), polled from ``/proc`` every few milliseconds.
    Not ``wait4``'s ``ru_maxrss``: Linux folds the memory the child was
    forked in (this test process, hundreds of MB into a full run) into it, so
    it measured pytest rather than reader. Elsewhere (macOS) ``ru_maxrss`` it is.
    """
    env = dict(os.environ, READER_HOME=str(home), PYTHONIOENCODING="utf-8")
    env.pop("READER_DB", None)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([*reader_command(), *args], stdout=out, stderr=err, env=env)
        killer = threading.Timer(limit, process.kill)
        killer.start()
        high_water = [0]
        done = threading.Event()

        def poll() -> None:
            status = Path(f"/proc/{process.pid}/status")
            while not done.is_set():
                try:
                    text = status.read_text()
                except OSError:
                    return
                kilobytes = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
                if kilobytes:
                    high_water[0] = max(high_water[0], int(kilobytes.group(1)) * 1024)
                time.sleep(0.003)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
            done.set()
        poller.join()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = usage.ru_maxrss if sys.platform == "darwin" else high_water[0]
        assert peak > 0, "no memory figure read"
        return Measured(process.returncode, out.read().decode("utf-8"), err.read().decode("utf-8"), seconds, peak)


PARAGRAPH = "<p>A calm paragraph about the harbour, the ferries and the weather that morning.</p>\n"


def write_one_item_feed(path: Path, total_bytes: int) -> int:
    """Write an RSS feed of ``total_bytes`` whose one item carries nearly all of it; returns the paragraphs."""
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Huge</title>'
        "<link>https://huge.example/</link><item><title>One enormous item</title><guid>urn:huge</guid>"
        "<link>https://huge.example/1</link><pubDate>Sat, 01 Jun 2024 12:00:00 GMT</pubDate><description><![CDATA["
    )
    tail = "]]></description></item></channel></rss>\n"
    count = (total_bytes - len(head) - len(tail)) // len(PARAGRAPH)
    chunk = PARAGRAPH * 10_000
    with path.open("w", encoding="utf-8") as handle:
        handle.write(head)
        for _ in range(count // 10_000):
            handle.write(chunk)
        handle.write(PARAGRAPH * (count % 10_000))
        handle.write(tail)
    return count


def test_a_feed_with_one_50_mb_item_is_refused_in_one_line_quickly(
    tmp_path: Path, db_path: Path, isolated_home: Path
) -> None:
    """`reader import` of a feed whose one item is 50 MB says in one line that the file is over
    the size cap, exits 1, stores nothing, and neither hangs nor balloons in memory."""
    Store(db_path).close()  # an existing library: a new one would add its own line to stderr
    path = tmp_path / "fifty.xml"
    write_one_item_feed(path, 50 * 1024 * 1024)
    assert path.stat().st_size > 49 * 1024 * 1024

    result = run_measured(["--db", str(db_path), "import", str(path)], isolated_home, limit=120)
    print(f"50 MB item: refused in {result.seconds:.2f} s, peak RSS {result.peak_rss / 1024**2:.0f} MB")

    assert result.returncode == 1, result.stderr
    limit_mb = MAX_FILE_BYTES // (1024 * 1024)
    assert result.stderr == f"reader: error: {path}: expected a file of at most {limit_mb} MB, found a larger one\n"
    assert "imported 0 of 1 file" in result.stdout
    assert result.seconds < 30
    assert result.peak_rss < 300 * 1024**2
    with Store(db_path) as store:
        assert store.list_articles() == []


def test_a_feed_with_one_item_just_under_the_cap_imports_whole_in_bounded_time_and_memory(
    tmp_path: Path, db_path: Path, isolated_home: Path
) -> None:
    """A feed just under the size cap whose one item holds all of it imports through `reader import`
    in bounded time and memory, and the whole article (every paragraph) is kept and listed."""
    Store(db_path).close()  # an existing library: a new one would add its own line to stderr
    path = tmp_path / "almost.xml"
    paragraphs = write_one_item_feed(path, MAX_FILE_BYTES - 64 * 1024)
    assert MAX_FILE_BYTES - 128 * 1024 < path.stat().st_size <= MAX_FILE_BYTES

    result = run_measured(["--db", str(db_path), "import", str(path)], isolated_home, limit=300)
    print(
        f"{path.stat().st_size / 1024**2:.1f} MB item: imported in {result.seconds:.2f} s, "
        f"peak RSS {result.peak_rss / 1024**2:.0f} MB"
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "imported 1 of 1 file: 1 new article" in result.stdout
    assert result.seconds < 120
    assert result.peak_rss < 1024**3
    with Store(db_path) as store:
        (row,) = store.list_articles()
        assert row.title == "One enormous item"
        text = store.conn.execute("SELECT text FROM articles WHERE id = ?", (row.id,)).fetchone()[0]
    assert text.count("the weather that morning.") == paragraphs


# --------------------------------------------------------------------------
# Dates

GOOD = {"good-2024": "2024-06-01T12:00:00Z", "good-2023": "2023-06-01T10:00:00Z"}
# Dates that name nothing real: stored as the time the article was first seen.
RSS_BOGUS = {
    "mysql-zero": "0000-00-00 00:00:00",
    "rfc822-zero": "Sat, 00 Jan 0000 00:00:00 +0000",
    "year-9999": "Fri, 31 Dec 9999 23:59:59 GMT",
    "month-13": "2025-13-01T00:00:00Z",
    "day-32": "Mon, 32 Jan 2025 10:00:00 GMT",
    "april-31": "Thu, 31 Apr 2025 10:00:00 GMT",
    "php-minus-one": "Tue, 30 Nov -001 00:00:00 +0000",
    "epoch-zero": "Thu, 01 Jan 1970 00:00:00 GMT",
    "hour-25": "Sun, 05 Jan 2025 25:61:00 GMT",
    "offset-plus-99-hours": "Sun, 05 Jan 2025 10:00:00 +9900",
    "offset-99-minutes": "Sun, 05 Jan 2025 10:00:00 +0099",
    "words": "yesterday afternoon",
    "empty": "",
}
ATOM_BOGUS = {
    "zero": "0000-00-00T00:00:00Z",
    "year-9999": "9999-12-31T23:59:59Z",
    "month-13": "2025-13-01T00:00:00Z",
    "april-31": "2025-04-31T10:00:00Z",
    "february-30": "2025-02-30T10:00:00Z",
    "php-minus-one": "-0001-11-30T00:00:00Z",
    "year-one": "0001-01-01T00:00:00Z",
    "epoch-zero": "1970-01-01T00:00:00Z",
    "offset-plus-24": "2025-01-05T10:00:00+24:00",
    "offset-99-minutes": "2025-01-05T10:00:00+05:99",
}
# Zones nobody can resolve: the wall time read as UTC (at most 14 hours off) or the first-seen time.
NOMINAL = "2025-01-05T10:00:00Z"
RSS_UNKNOWN_ZONES = {
    "zone-xyz": "Sun, 05 Jan 2025 10:00:00 XYZ",
    "zone-olson-name": "Sun, 05 Jan 2025 10:00:00 Europe/Paris",
    "zone-missing": "Sun, 05 Jan 2025 10:00:00",
}
ATOM_UNKNOWN_ZONES = {"zone-cest": "2025-01-05T10:00:00 CEST", "zone-missing": "2025-01-05T10:00:00"}


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def rss_dates_feed() -> str:
    rfc822 = {"good-2024": "Sat, 01 Jun 2024 12:00:00 GMT", "good-2023": "Thu, 01 Jun 2023 12:00:00 +0200"}
    dated = {**RSS_BOGUS, **RSS_UNKNOWN_ZONES, **rfc822}
    items = "".join(
        f"<item><title>rss {name}</title><guid>rss-{name}</guid><pubDate>{value}</pubDate>"
        f"<description>Dated {name}.</description></item>"
        for name, value in dated.items()
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>RSS dates</title>{items}</channel></rss>\n'


def atom_dates_feed() -> str:
    dated = {**ATOM_BOGUS, **ATOM_UNKNOWN_ZONES, **GOOD}
    entries = "".join(
        f"<entry><id>urn:atom-{name}</id><title>atom {name}</title><updated>{value}</updated>"
        f"<content>Dated {name}.</content></entry>"
        for name, value in dated.items()
    )
    # A comment with a bogus date too: it shows the time it was first seen.
    reply = (
        '<entry><id>urn:reply</id><title>re</title><thr:in-reply-to ref="urn:atom-good-2024"/>'
        "<author><name>Ann</name></author><updated>9999-12-31T23:59:59Z</updated><content>A reply.</content></entry>"
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:thr="http://purl.org/syndication/thread/1.0"><title>Atom dates</title><id>urn:dates</id>'
        f"{entries}{reply}</feed>\n"
    )


def test_odd_dates_fall_back_to_first_seen_and_the_list_stays_newest_first(
    tmp_path: Path, run_reader: RunReader
) -> None:
    """`reader list --json` after importing feeds full of impossible dates (0000-00-00, year 9999,
    month 13, April 31, year 0001, 1970, offsets of 99 hours) shows those articles at the time
    they were first seen, articles in unknown zones within 14 hours of their wall time, real
    dates exactly, all newest first; a comment with a bogus date shows its first-seen time."""
    rss = write(tmp_path / "in" / "dates.rss", rss_dates_feed().encode())
    atom = write(tmp_path / "in" / "dates.atom", atom_dates_feed().encode())
    before = int(time.time())
    imported = run_reader("import", str(rss), str(atom))
    after = int(time.time())
    assert imported.returncode == 0, imported.stderr

    listed = run_reader("list", "--json", "--limit", "100")

    assert listed.returncode == 0, listed.stderr
    articles = json.loads(listed.stdout)
    published = {row["title"]: epoch(row["published"]) for row in articles}
    bogus = [f"rss {name}" for name in RSS_BOGUS] + [f"atom {name}" for name in ATOM_BOGUS]
    zoned = [f"rss {name}" for name in RSS_UNKNOWN_ZONES] + [f"atom {name}" for name in ATOM_UNKNOWN_ZONES]
    good = [f"{kind} {name}" for kind in ("rss", "atom") for name in GOOD]
    assert sorted(published) == sorted(bogus + zoned + good)
    wrong = {
        title: row_published
        for title, row_published in published.items()
        if title in bogus and not before <= row_published <= after
    }
    shown_dates = {title: datetime.fromtimestamp(stored, UTC).isoformat() for title, stored in wrong.items()}
    assert not wrong, f"stored instead of the first-seen time: {shown_dates}"
    for title in zoned:
        first_seen = before <= published[title] <= after
        assert first_seen or abs(published[title] - epoch(NOMINAL)) <= 14 * 3600, (title, published[title])
    for kind in ("rss", "atom"):
        assert published[f"{kind} good-2024"] == epoch(GOOD["good-2024"])
        assert published[f"{kind} good-2023"] == epoch(GOOD["good-2023"])
    # Newest first: first-seen articles on top, the real dates in order below.
    order = [epoch(row["published"]) for row in articles]
    assert order == sorted(order, reverse=True)
    titles = [row["title"] for row in articles]
    assert titles.index("rss good-2024") < titles.index("rss good-2023")
    assert all(titles.index(title) < titles.index("atom good-2024") for title in bogus)
    assert all(row["published"].endswith("Z") and len(row["published"]) == 20 for row in articles)

    (post,) = [row for row in articles if row["title"] == "atom good-2024"]
    shown = run_reader("show", str(post["id"]), "--json")
    assert shown.returncode == 0, shown.stderr
    (comment,) = json.loads(shown.stdout)["comments"]
    assert comment["author"] == "Ann"
    assert before <= epoch(comment["published"]) <= after
