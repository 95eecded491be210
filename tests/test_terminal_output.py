"""Nothing reader prints outside article text carries a terminal escape sequence either.

File names, paths, exception texts (SQLite quotes the bytes of a row it
cannot decode), config keys and server messages are as untrusted as feed
text: a file named ``ESC ] 52 ; c ; … BEL`` writes the clipboard of whoever
imports it. These tests run the real ``reader`` command on real files and
libraries, read its stdout and stderr as bytes, and look for any control
character other than newline and tab, for C1 controls (also as the raw bytes
a file name that is not UTF-8 carries) and for bidi overrides. What was
hostile must still be recognisable: escapes show as stand-ins such as ␛.

Also here: importing a file again that has not changed reports nothing as
"updated" (issue 12, item 13).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RunReader, reader_command
from test_newsboat import NEWSBOAT_SCHEMA
from tui_helpers import FIXED_EPOCH, WIDE, started

from reader.config import parse
from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.tui.app import ReaderApp

# -- what must never reach a terminal ------------------------------------------------------

#: Controls other than tab and newline, DEL, the C1 block, bidi marks, and
#: bytes that are not UTF-8 (decoded below as lone surrogates U+DC80-U+DCFF:
#: a raw 0x9b byte is a C1 CSI to a terminal that reads 8-bit controls).
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


def raw_controls(data: bytes) -> list[str]:
    """Every character in ``data`` that a terminal could act on, as readable escapes."""
    return [ascii(found) for found in RAW.findall(data.decode("utf-8", "surrogateescape"))]


def shown(data: bytes) -> str:
    """``data`` as text (anything that is not UTF-8 shows as U+FFFD, so assertions can name it)."""
    return data.decode("utf-8", "replace")


#: Hostile pieces of file names, each with a tag that names it in the output.
HOSTILE_NAMES = {
    "osc52": "\x1b]52;c;cHduZWQ=\x07",  # writes "pwned" to the clipboard
    "title": "\x1b]0;owned\x07",  # sets the window title
    "clear": "\x1b[2J",  # clears the screen
    "c1csi": "\u009b2J",  # the same as one C1 character (UTF-8 c2 9b)
    "bidi": "\u202egnp.exe",  # shows reversed: "exe.png"
}
#: How each shows once cleaned: a control picture for C0, U+FFFD for C1, bidi marks dropped.
HOSTILE_SHOWN = {
    "osc52": "\u241b]52;c;cHduZWQ=\u2407",
    "title": "\u241b]0;owned\u2407",
    "clear": "\u241b[2J",
    "c1csi": "\ufffd2J",
    "bidi": "gnp.exe",
}


RunBytes = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def run_bytes(db_path: Path, isolated_home: Path) -> RunBytes:
    """Run the real ``reader`` on the test's library; stdout and stderr come back as bytes.

    Output is UTF-8 with ``surrogateescape``, which is what a C or POSIX locale
    gives: undecodable bytes of a file name would go out exactly as they are.
    """

    def run(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        env = dict(os.environ, READER_HOME=str(isolated_home), PYTHONIOENCODING="utf-8:surrogateescape")
        env.pop("READER_DB", None)
        env.pop("READER_CONFIG", None)
        if config is not None:
            env["READER_CONFIG"] = str(config)
        return subprocess.run(
            [*reader_command(), "--db", str(db_path), *args], capture_output=True, env=env, timeout=60, check=False
        )

    return run


def assert_clean(result: subprocess.CompletedProcess[bytes], what: str) -> None:
    """Neither stdout nor stderr of ``result`` carries anything a terminal would act on."""
    assert raw_controls(result.stdout) == [], f"{what}: stdout carries controls: {shown(result.stdout)!r}"
    assert raw_controls(result.stderr) == [], f"{what}: stderr carries controls: {shown(result.stderr)!r}"


# -- file names ----------------------------------------------------------------------------


def test_import_shows_hostile_file_names_as_visible_text_on_success_and_error_lines(
    tmp_path: Path, run_bytes: RunBytes
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    # The bad files are named on the command line: in a folder, a file that is no article is
    # only passed over (named in the "skipped" line), while a named one must fail in one line.
    rejects = tmp_path / "rejects"
    rejects.mkdir()
    for tag, piece in HOSTILE_NAMES.items():
        (folder / f"good-{tag}{piece}.txt").write_text(f"Article {tag}\nSome text.\n", encoding="utf-8")
        (rejects / f"bad-{tag}{piece}.txt").write_bytes(b"\x00\x01\x02\x03 not text")
    # A name that is not UTF-8 at all: a bare 0x9b byte, a C1 CSI to 8-bit terminals.
    (folder / os.fsdecode(b"good-rawc1\x9b2J.txt")).write_text("Article rawc1\nSome text.\n", encoding="utf-8")
    (rejects / os.fsdecode(b"bad-rawc1\x9b2J.txt")).write_bytes(b"\x00\x01\x02\x03 not text")

    result = run_bytes("import", str(folder), *(str(path) for path in sorted(rejects.iterdir())))

    assert result.returncode == 1, "bad files make the import fail"
    assert_clean(result, "reader import")
    out, err = shown(result.stdout), shown(result.stderr)
    for tag, visible in HOSTILE_SHOWN.items():
        assert f"good-{tag}{visible}.txt: plain-text article: 1 new" in out, out
        assert f"bad-{tag}{visible}.txt: expected a feed" in err, err
    assert "good-rawc1\ufffd2J.txt: plain-text article: 1 new" in out, out
    assert "bad-rawc1\ufffd2J.txt: expected a feed" in err, err
    assert "imported 6 of 12 files" in out


def test_a_missing_file_with_a_hostile_name_is_named_visibly(tmp_path: Path, run_bytes: RunBytes) -> None:
    missing = tmp_path / f"gone{HOSTILE_NAMES['osc52']}.xml"
    result = run_bytes("import", str(missing))
    assert result.returncode == 1
    assert_clean(result, "reader import of a missing file")
    assert f"gone{HOSTILE_SHOWN['osc52']}.xml: no such file or directory" in shown(result.stderr)


# -- exception texts that quote bytes --------------------------------------------------------

#: Bytes that are not UTF-8 (0xff), then an OSC 52 clipboard write: SQLite
#: refuses to decode the column and quotes it in the error message.
UNDECODABLE = b"A\xff\x1b]52;c;cHduZWQ=\x07Z"


def test_a_damaged_newsboat_cache_fails_in_one_line_that_quotes_its_bytes_visibly(
    tmp_path: Path, run_bytes: RunBytes, db_path: Path
) -> None:
    Store(db_path).close()  # an existing library: a new one would add its own line to stderr
    cache = tmp_path / "cache.db"
    connection = sqlite3.connect(cache)
    connection.executescript(NEWSBOAT_SCHEMA)
    # A table named with an OSC 52, whose schema text is then broken: SQLite
    # quotes the name (bytes from the file) in the error of every query.
    name = "t\x1b]52;c;cHduZWQ=\x07Z"
    connection.execute(f'CREATE TABLE "{name}" (x)')
    connection.commit()
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE broken(' WHERE name = ?", (name,))
    connection.commit()
    connection.close()

    result = run_bytes("import", str(cache))

    assert result.returncode == 1
    assert_clean(result, "reader import of a damaged cache")
    (line,) = shown(result.stderr).splitlines()
    assert "expected a newsboat cache; it is damaged (malformed database schema" in line
    assert "t\u241b]52;c;cHduZWQ=\u2407Z" in line, "the quoted bytes stay recognisable"


def test_a_newsboat_cache_with_undecodable_text_never_reaches_the_terminal_raw(
    tmp_path: Path, run_bytes: RunBytes
) -> None:
    cache = tmp_path / "cache.db"
    connection = sqlite3.connect(cache)
    connection.executescript(NEWSBOAT_SCHEMA)
    connection.execute(
        "INSERT INTO rss_feed (rssurl, url, title) VALUES (?, ?, CAST(? AS TEXT))",
        ("https://blog.example/feed", "https://blog.example/", UNDECODABLE),
    )
    connection.commit()
    connection.close()

    imported = run_bytes("import", str(cache))
    feeds = run_bytes("feeds")

    assert_clean(imported, "reader import of an undecodable cache")
    assert_clean(feeds, "reader feeds after it")
    # Refused in one line that quotes the bytes, or imported with the text: either way it shows, cleaned.
    if imported.returncode:
        (line,) = shown(imported.stderr).splitlines()
        assert "expected a newsboat cache" in line
    visible = "\u241b]52;c;cHduZWQ=\u2407Z"
    assert visible in shown(imported.stderr) + shown(feeds.stdout)


def test_a_damaged_library_row_is_quoted_visibly_in_the_database_error(
    db_path: Path, tmp_path: Path, run_bytes: RunBytes
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss_feed([("g1", "One", "First.")]), encoding="utf-8")
    assert run_bytes("import", str(feed)).returncode == 0
    # Damage one row the way a broken disk or another program would: bytes that are not UTF-8.
    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE articles SET title = CAST(? AS TEXT)", (UNDECODABLE,))
    connection.commit()
    connection.close()

    result = run_bytes("list")

    assert result.returncode == 1
    assert_clean(result, "reader list on a damaged library")
    (line,) = shown(result.stderr).splitlines()
    assert line.startswith("reader: error: ") and "database error" in line
    assert "\u241b]52;c;cHduZWQ=\u2407Z" in line


# -- JSON ----------------------------------------------------------------------------------

#: C1 controls (CSI, NEL), DEL and bidi overrides: json.dumps(ensure_ascii=False) leaves them raw.
JSON_HOSTILE = "news\u009b2J \u0085next \x7fdel \u202eevil\u202c \u2066iso\u2069"


def test_json_output_escapes_c1_controls_and_bidi_marks_and_parses_back_unchanged(
    db_path: Path, run_bytes: RunBytes
) -> None:
    with Store(db_path) as store:
        feed_id, _ = store.add_feed(FeedData(key="https://a.example/feed", url="https://a.example/feed", title="A"))
        # Stored as given, like a row an older version wrote.
        store.set_tags(feed_id, add=[JSON_HOSTILE])

    result = run_bytes("tags", "--json")

    assert result.returncode == 0, shown(result.stderr)
    assert_clean(result, "reader tags --json")
    assert json.loads(result.stdout) == [{"tag": JSON_HOSTILE, "feeds": 1, "unread": 0}]
    assert "\\u009b" in shown(result.stdout), "escaped, not dropped"


# -- a scan over the commands ----------------------------------------------------------------


def hostile(tag: str) -> str:
    """Every kind of sequence that acts on a terminal, around the ``tag`` that names the field."""
    return (
        f"{tag} \x1b]52;c;cHduZWQ=\x07 \x1b]0;owned\x07 \x1b[2J \x1b[31mred \u009b2J \u009d0;t\x07 "
        f"\x00nul \x7fdel \x85nel \u202e{tag}rlo\u202c \u2066iso\u2069 {tag}end"
    )


def closed_port() -> int:
    """A loopback port nothing listens on (a fetch fails there at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_no_command_prints_raw_controls_over_a_hostile_library(
    db_path: Path, tmp_path: Path, run_bytes: RunBytes
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    local = FeedData(key="dir:/hostile", title=hostile("Feed"), kind="local", tags=[hostile("Tag")])
    article = ArticleData(
        guid="a1",
        title=hostile("Title") + " needle",
        author=hostile("Author"),
        text=hostile("Body") + " needle",
        comments=[CommentData(guid="c1", author=hostile("CAuthor"), text=hostile("CText") + " needle")],
    )
    with Store(db_path) as store:
        store.store_batch(ImportBatch(kind="feed", feeds=[local], articles=[(local, article)]))
        store.add_feed(FeedData(key=url, url=url, title=hostile("Subscribed")))
    # A config key is text from a file too: every command warns about an unknown one.
    config = tmp_path / "config.toml"
    config.write_text('"\\u001b]52;c;cHduZWQ=\\u0007\\u009b2J" = 1\n', encoding="utf-8")
    hostile_file = tmp_path / f"note{HOSTILE_NAMES['osc52']}.txt"
    hostile_file.write_text("A note\nWith text.\n", encoding="utf-8")
    article_id = "1"

    commands = [
        ("import", str(hostile_file)),
        ("fetch", "--json"),
        ("fetch",),
        ("feeds",),
        ("feeds", "--json"),
        ("list",),
        ("list", "--json"),
        ("show", article_id),
        ("show", "--json", article_id),
        ("search", "needle"),
        ("search", "--json", "needle"),
        ("tags",),
        ("tags", "--json"),
        ("export", "markdown", article_id),
        ("export", "opml"),
        # Arguments cannot hold NUL; everything else in them can come back in an error.
        ("list", "--tag", hostile("NoSuchTag").replace("\x00", "")),
        ("mark-feed-read", "1", "extra" + HOSTILE_NAMES["title"]),
        ("no-such-command" + HOSTILE_NAMES["osc52"],),
    ]
    for command in commands:
        result = run_bytes(*command, config=config)
        assert_clean(result, f"reader {' '.join(map(ascii, command))}")
        assert "Traceback" not in shown(result.stderr)
    listed = run_bytes("list", "--json", config=config)
    assert "Title" in json.loads(listed.stdout)[-1]["title"], "the hostile title is still there, cleaned"


# -- the reader's notifications ------------------------------------------------------------


async def test_notifications_show_config_problems_cleaned_and_never_as_markup(db_path: Path) -> None:
    Store(db_path).close()
    config = parse(
        '"\\u001b]52;c;cHduZWQ=\\u0007[bold]" = 1\n[keys]\n"\\u001b]0;owned\\u0007[@click=app.quit]x" = "f9"\n'
    )
    app = ReaderApp(db_path, clock=lambda: FIXED_EPOCH, config=config)
    async with app.run_test(size=WIDE) as pilot:
        await started(pilot)
        notes = list(app._notifications)
    texts = [note.message for note in notes]
    assert any("\u241b]52;c;cHduZWQ=\u2407[bold]" in text for text in texts), texts
    assert any("\u241b]0;owned\u2407[@click=app.quit]x" in text for text in texts), texts
    for note in notes:
        assert RAW.findall(note.message) == [], note.message
        assert RAW.findall(note.title) == [], note.title
        if "\u241b" in note.message:
            assert note.markup is False, "untrusted text is never parsed as markup"


# -- re-importing an unchanged file (item 13) ------------------------------------------------


def rss_feed(items: list[tuple[str, str, str]]) -> str:
    """An RSS 2.0 document with ``(guid, title, text)`` items (one dated, the others not)."""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://e.example/{guid}</link>"
        f"<description>&lt;p&gt;{text}&lt;/p&gt;</description>"
        + ("<pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>" if number == 0 else "")
        + "</item>"
        for number, (guid, title, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://e.example/</link>{entries}</channel></rss>"
    )


def atom_feed(items: list[tuple[str, str, str]]) -> str:
    """An Atom document with ``(id, title, text)`` entries."""
    entries = "".join(
        f"<entry><id>urn:e:{guid}</id><title>{title}</title><updated>2026-01-0{number + 1}T00:00:00Z</updated>"
        f'<author><name>Ann</name></author><link href="https://e.example/{guid}"/>'
        f'<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry>'
        for number, (guid, title, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>T</title><id>urn:e</id><updated>2026-01-05T00:00:00Z</updated>{entries}</feed>"
    )


def json_feed(items: list[tuple[str, str, str]]) -> str:
    """A JSON Feed 1.1 document with ``(id, title, text)`` items (the first dated)."""
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "T",
            "items": [
                {"id": guid, "title": title, "content_html": f"<p>{text}</p>", "url": f"https://e.example/{guid}"}
                | ({"date_published": "2026-01-05T10:00:00Z"} if number == 0 else {})
                for number, (guid, title, text) in enumerate(items)
            ],
        }
    )


def plain_text(replies: int) -> str:
    """A plain-text article with a comment and ``replies`` replies to it."""
    comments = "".join(f"  Reader {number}\nReply number {number}.\n" for number in range(replies))
    return f"The title\nA paragraph.\nA heading\nMore text.\n{replies + 1} Comments\nAnn\nFirst comment.\n{comments}"


ITEMS = [("g1", "One", "First text."), ("g2", "Two", "Second text.")]
#: The first item's text corrected.
CORRECTED = [("g1", "One", "First text, corrected."), *ITEMS[1:]]
#: Each kind of file, then the same file with one article changed. A plain-text
#: article's identity is its title and text, so what changes in it is its thread.
FORMATS = {
    "rss": (rss_feed(ITEMS), rss_feed(CORRECTED)),
    "atom": (atom_feed(ITEMS), atom_feed(CORRECTED)),
    "json-feed": (json_feed(ITEMS), json_feed(CORRECTED)),
    "plain-text": (plain_text(1), plain_text(2)),
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_importing_an_unchanged_file_again_updates_nothing_and_a_changed_article_is_one_update(
    kind: str, tmp_path: Path, run_reader: RunReader
) -> None:
    original, changed_copy = FORMATS[kind]
    path = tmp_path / "source.txt"
    path.write_text(original, encoding="utf-8")
    first = run_reader("import", str(path))
    assert first.returncode == 0, first.stderr
    assert ", 0 updated," in first.stdout

    again = run_reader("import", str(path))
    assert again.returncode == 0, again.stderr
    assert "0 new articles, 0 updated" in again.stdout, again.stdout

    path.write_text(changed_copy, encoding="utf-8")
    changed = run_reader("import", str(path))
    assert changed.returncode == 0, changed.stderr
    assert "0 new articles, 1 updated" in changed.stdout, changed.stdout


def test_importing_the_seed_article_again_updates_nothing(seed_file: Path, run_reader: RunReader) -> None:
    assert run_reader("import", str(seed_file)).returncode == 0
    again = run_reader("import", str(seed_file))
    assert again.returncode == 0, again.stderr
    assert "0 new articles, 0 updated, 0 new comments" in again.stdout, again.stdout
