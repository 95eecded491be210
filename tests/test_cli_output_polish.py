"""The command line's output as a person reads it: paged like git, plain text, aligned, worded right.

``reader show`` goes through ``$PAGER`` (else ``less -R``) on a terminal and
never when piped or with ``--no-pager``; its text has no Markdown escapes and
wraps by terminal cells (a CJK character takes two). ``reader feeds`` is a
table with a header, aligned by cells, errors said as sentences and cut at a
word. Counts agree with their nouns ("1 new article"). Everything runs the
real ``reader`` command; the pager tests run it in a real terminal (tmux).
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader, reader_command
from feedserver import FeedServer, Item, ok, rss
from rich.cells import cell_len
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip

from reader.models import FeedData, FetchOutcome
from reader.store import Store

#: What reader prints for a page when stdout is not a terminal.
PIPED_WIDTH = 100

THREAD = """\
Reading on the train
I read the whole article on the train (maybe even reading it twice), see [1] and #2; 2 * 3 = 6 of us did.
2 Comments
Ada
I kept it open (maybe even reading) for hours [sic]; #1 on my list, *really*.
  Grace
  Same here (maybe even reading) - and 1. is not a list.
"""

#: A thread from a feed: its comments are HTML, made Markdown by html2text, which escapes "(" and "[".
ATOM_THREAD = """\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <title>Forum</title><id>urn:f</id><updated>2026-01-02T00:00:00Z</updated>
  <entry><id>urn:f:post</id><title>The post</title><updated>2026-01-02T00:00:00Z</updated>
    <link href="https://example.com/post"/><content type="html">&lt;p&gt;Post body (short)&lt;/p&gt;</content></entry>
  <entry><id>urn:f:c1</id><title>c1</title><updated>2026-01-02T01:00:00Z</updated>
    <author><name>Ann</name></author><thr:in-reply-to ref="urn:f:post"/>
    <content type="html">&lt;p&gt;I left it open (maybe even reading) all day [really] - #3 of 5.&lt;/p&gt;
    </content></entry>
</feed>
"""

CJK_TITLE = "東京の朝の通勤電車で読むニュースと長い議論のまとめ" * 3
CJK_BODY = "朝の電車はとても混んでいて、新聞を広げる場所もありません。" * 8
CJK_COMMENT = "これは長いコメントです。読みやすく折り返されるべきです。" * 6
CJK_REPLY = "返信も同じように折り返されます、幅はセルで数えます。" * 5
CJK_THREAD = f"""\
{CJK_TITLE}
{CJK_BODY}
2 Comments
佐藤
{CJK_COMMENT}
  鈴木
  {CJK_REPLY}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def imported(run_reader: RunReader, *files: Path) -> dict[str, int]:
    """Import ``files``; the articles' ids by title."""
    result = run_reader("import", *map(str, files))
    assert result.returncode == 0, result.stderr
    return {row["title"]: row["id"] for row in json.loads(run_reader("list", "--json").stdout)}


def widest(lines: list[str]) -> int:
    return max(cell_len(line) for line in lines)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- reader show: plain reading text ---------------------------------------------------------


def test_backslashes_in_code_are_the_authors_and_stay(run_reader: RunReader, tmp_path: Path) -> None:
    """Found by review: dropping html2text's escapes dropped real backslashes in inline code too."""
    feed = write(
        tmp_path / "code.rss",
        '<rss version="2.0"><channel><title>Code</title><link>https://code.example/</link>'
        "<item><title>Patterns</title><guid>c1</guid><link>https://code.example/1</link>"
        "<description>&lt;p&gt;Match with &lt;code&gt;\\(\\d+\\)&lt;/code&gt; or open "
        "&lt;code&gt;C:\\Users\\*.txt&lt;/code&gt; (maybe *twice*).&lt;/p&gt;</description></item>"
        "</channel></rss>",
    )
    shown = run_reader("show", str(imported(run_reader, feed)["Patterns"]), "--no-pager")
    assert shown.returncode == 0, shown.stderr
    assert "Match with `\\(\\d+\\)` or open `C:\\Users\\*.txt` (maybe *twice*)." in shown.stdout


def test_a_thread_prints_without_markdown_escapes(run_reader: RunReader, tmp_path: Path) -> None:
    """Comments are read as written: "(maybe even reading)", not html2text's "\\(maybe even reading\\)"."""
    ids = imported(
        run_reader, write(tmp_path / "posts" / "train.txt", THREAD), write(tmp_path / "thread.atom", ATOM_THREAD)
    )

    plain = run_reader("show", str(ids["Reading on the train"]))
    from_feed = run_reader("show", str(ids["The post"]))

    assert plain.returncode == 0 and from_feed.returncode == 0, plain.stderr + from_feed.stderr
    for shown in (plain.stdout, from_feed.stdout):
        assert "\\" not in shown, shown
    assert plain.stdout.count("(maybe even reading") == 3, plain.stdout
    assert "I kept it open (maybe even reading) for hours [sic]; #1 on my list, *really*." in plain.stdout
    assert "  Same here (maybe even reading) - and 1. is not a list." in plain.stdout.splitlines()
    assert "I left it open (maybe even reading) all day [really] - #3 of 5." in from_feed.stdout.splitlines()


def test_cjk_text_wraps_by_terminal_cells_to_100_when_piped(run_reader: RunReader, tmp_path: Path) -> None:
    """A CJK character takes two cells: no line (title, body, comments) is wider than 100 cells; nothing is lost."""
    ids = imported(run_reader, write(tmp_path / "posts" / "cjk.txt", CJK_THREAD))

    shown = run_reader("show", str(ids[CJK_TITLE]))

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert widest(lines) <= PIPED_WIDTH, "\n".join(line for line in lines if cell_len(line) > PIPED_WIDTH)
    joined = "".join(line.strip() for line in lines)
    for text in (CJK_TITLE, CJK_BODY, CJK_COMMENT, CJK_REPLY):
        assert text in joined
    # The title takes its first lines, wrapped, and the reply's lines keep their indent.
    assert "".join(lines[:2]) == CJK_TITLE
    reply_at = lines.index(next(line for line in lines if line.startswith("  鈴木")))
    assert lines[reply_at + 1].startswith("  返信") and lines[reply_at + 2].startswith("  ")


# -- reader feeds: a table ---------------------------------------------------------------------


FEED_TITLES = {
    "https://news.example/rss": "Hacker News",
    "https://jp.example/feed": "日本語のニュース速報",
    "https://long.example/feed": "A Very Long Feed Title That Goes On and On About Everything Under the Sun Forever",
    "https://cjk-long.example/feed": "とても長い日本語のフィードのタイトルはセルで数えて切られるべきです本当に",
}


def test_feeds_has_a_header_and_columns_aligned_in_cells(run_reader: RunReader, db_path: Path) -> None:
    with Store(db_path) as store:
        for url, title in FEED_TITLES.items():
            store.add_feed(FeedData(key=url, url=url, title=title))

    result = run_reader("feeds")

    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "unread/total", "title", "address"]
    title_at, address_at = header.index("title"), header.index("address")
    assert len(rows) == len(FEED_TITLES)
    for url, title in FEED_TITLES.items():
        (row,) = [row for row in rows if url in row]
        # Offsets in cells: the CJK rows line up with the others as the terminal shows them.
        assert cell_len(row[: row.index(title[:4])]) == title_at, (row, header)
        assert cell_len(row[: row.index(url)]) == address_at, (row, header)
        shown = row[row.index(title[:4]) : row.index(url)].rstrip()
        if cell_len(title) <= address_at - title_at - 2:
            assert shown == title
        else:  # too long for its column: cut by cells, with an ellipsis
            assert shown.endswith("\u2026") and title.startswith(shown[:-1]), shown
            assert cell_len(shown) <= address_at - title_at - 2


LONG_ERROR = (
    "could not parse: the document ends before its channel closes, after 1,024 bytes of a feed "
    "that promised many more items than it held"
)


def test_feed_errors_read_as_sentences_cut_at_a_word(run_reader: RunReader, db_path: Path, server: FeedServer) -> None:
    good = server.route("/good.xml", ok(rss([Item("g-1", "Fine")], title="Good feed")))
    missing = server.url("/missing.xml")  # nothing routed there: 404
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    unresolved, broken = "https://nowhere.example/feed", "https://broken.example/feed"
    assert run_reader("add", "--no-check", good, missing, refused).returncode == 0
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 1, fetched.stderr
    # Errors as a fetch stores them where this test cannot make them happen (no DNS here; a parser's long text).
    with Store(db_path) as store:
        for url, error in ((unresolved, "network error: [Errno -2] Name or service not known"), (broken, LONG_ERROR)):
            feed_id, _created = store.add_feed(FeedData(key=url, url=url, title=url))
            store.record_fetch(feed_id, FetchOutcome("network", error))

    listed = run_reader("feeds")

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    rows = {url: next(row for row in lines if url in row) for url in (good, missing, refused, unresolved, broken)}
    assert "\u26a0" not in rows[good]
    assert rows[missing].endswith(f"\u26a0 {missing}  HTTP 404: not found")
    assert rows[refused].endswith(f"\u26a0 {refused}  connection refused")
    assert rows[unresolved].endswith(f"\u26a0 {unresolved}  could not resolve the host name")
    assert "Errno" not in listed.stdout
    # Too long for one row: cut after a whole word, never inside one.
    cut = rows[broken].rsplit(f"{broken}  ", 1)[1]  # the title is the address too
    assert cut.endswith("\u2026") and len(cut) < len(LONG_ERROR), cut
    assert re.match(re.escape(cut[:-1]) + r"[ ,;:]", LONG_ERROR), cut
    # The library keeps the text as it came, and --json prints that.
    as_json = {feed["url"]: feed for feed in json.loads(run_reader("feeds", "--json").stdout)}
    assert as_json[unresolved]["last_error"] == "network error: [Errno -2] Name or service not known"


def test_a_fetch_names_a_network_failure_as_it_happens(run_reader: RunReader, db_path: Path) -> None:
    # Named where it happens (not only when `reader feeds` shows it): the fetch's own line says it
    # in a sentence, with the library's words after it for whoever needs them.
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    assert run_reader("add", "--no-check", refused).returncode == 0
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 1
    (line,) = [row for row in fetched.stderr.splitlines() if refused in row]
    assert "network error: connection refused (" in line, line
    with Store(db_path) as store:
        (feed,) = store.feeds()
    assert feed.last_error is not None and feed.last_error.startswith("network error: connection refused (")


def test_an_answer_cut_short_reads_as_a_sentence(run_reader: RunReader, server: FeedServer) -> None:
    """Found by the audit of issue 14: a body shorter than its Content-Length showed the library's text."""

    def cut_short(handler: Any, _server: FeedServer) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", "5000")
        handler.end_headers()
        handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><chan')
        handler.wfile.flush()

    url = server.route("/short.xml", cut_short)
    assert run_reader("add", "--no-check", url).returncode == 0
    assert run_reader("fetch", "--no-comments", "--no-full-text").returncode == 1
    (row,) = [line for line in run_reader("feeds").stdout.splitlines() if url in line]
    assert row.endswith(f"\u26a0 {url}  the answer was cut short"), row


# -- grammar -------------------------------------------------------------------------------------


def test_one_is_said_in_the_singular(run_reader: RunReader, server: FeedServer) -> None:
    url = server.route("/one.xml", ok(rss([Item("one-1", "The only one", comment_count=1)], title="Only")))
    assert run_reader("add", "--no-check", url).returncode == 0

    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == "fetched 1 feed: 1 new article, 0 new comments in 0 threads, 0 full pages"
    assert run_reader("list").stdout.rstrip().endswith("The only one  (1 comment)")
    assert run_reader("tag", "1", "news").returncode == 0
    assert run_reader("tags").stdout.strip() == "news  1 feed, 1 unread"
    assert run_reader("mark-feed-read", "1").stdout.strip() == "marked 1 article read"


# -- the pager, in a real terminal ---------------------------------------------------------------

TERMINAL_WIDTH = 60


@pytest.fixture
def library(tmp_path: Path, run_reader: RunReader) -> dict[str, int]:
    """The thread and the CJK thread imported into the test's library: ids by title."""
    return imported(
        run_reader, write(tmp_path / "posts" / "train.txt", THREAD), write(tmp_path / "posts" / "cjk.txt", CJK_THREAD)
    )


@pytest.fixture
def terminal(tmp_path: Path, isolated_home: Path) -> Iterator[Terminal]:
    term = Terminal(tmux_or_skip(), reader_terminal_env(tmp_path, isolated_home), TERMINAL_WIDTH, 20)
    try:
        yield term
    finally:
        term.kill()


def pager_script(folder: Path, body: str) -> str:
    """``$PAGER`` for a script doing ``body`` (in a folder whose name has a space), with an option."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "my pager"
    script.write_text(f"#!/bin/sh\nrecords={shlex.quote(str(folder))}\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return shlex.join([str(script), "--from-reader"])


#: A pager that keeps what it was given: its arguments, $LESS, and its input.
RECORDING = """\
printf '%s\\n' "$@" > "$records/argv"
printf '%s' "${LESS-unset}" > "$records/less"
cat > "$records/input"
touch "$records/done"
"""


def start_show(terminal: Terminal, db: Path, tmp_path: Path, pager: str, *args: str) -> None:
    """Start ``reader show ARGS`` in the terminal with this ``$PAGER`` and no ``$LESS``."""
    command = shlex.join(["env", "-u", "LESS", f"PAGER={pager}", *reader_command(), "--db", str(db), "show", *args])
    terminal.start(command, tmp_path / "terminal.log")


def show_in_terminal(terminal: Terminal, db: Path, tmp_path: Path, pager: str, *args: str) -> str:
    """Run ``reader show ARGS`` in the terminal (see :func:`start_show`); the screen once it has ended."""
    start_show(terminal, db, tmp_path, pager, *args)
    return terminal.wait_text("EXIT=")


def wait_for_file(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name} never appeared: the pager did not run")
        time.sleep(0.02)


@pytest.mark.e2e
def test_show_on_a_terminal_is_paged_through_pager_with_gits_less_default(
    terminal: Terminal, library: dict[str, int], db_path: Path, tmp_path: Path
) -> None:
    records = tmp_path / "pager records"
    pager = pager_script(records, RECORDING)

    screen = show_in_terminal(terminal, db_path, tmp_path, pager, str(library[CJK_TITLE]))

    assert "EXIT=0" in screen, screen
    assert (records / "done").exists(), screen
    # Split into words like a shell would, run without one: the script got its own argument.
    assert (records / "argv").read_text(encoding="utf-8") == "--from-reader\n"
    assert (records / "less").read_text(encoding="utf-8") == "FRX"
    given = (records / "input").read_text(encoding="utf-8")
    assert "\x1b" not in given
    lines = given.splitlines()
    # Wrapped to this terminal's width, in cells.
    assert widest(lines) <= TERMINAL_WIDTH, "\n".join(line for line in lines if cell_len(line) > TERMINAL_WIDTH)
    joined = "".join(line.strip() for line in lines)
    assert CJK_TITLE in joined and CJK_COMMENT in joined and CJK_REPLY in joined


@pytest.mark.e2e
def test_no_pager_and_a_pipe_print_directly(
    terminal: Terminal,
    library: dict[str, int],
    db_path: Path,
    tmp_path: Path,
    run_reader: RunReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = tmp_path / "pager records"
    pager = pager_script(records, RECORDING)
    article = str(library["Reading on the train"])

    screen = show_in_terminal(terminal, db_path, tmp_path, pager, "--no-pager", article)
    monkeypatch.setenv("PAGER", pager)
    piped = run_reader("show", article)

    assert "EXIT=0" in screen, screen
    assert "Same here (maybe even reading)" in screen
    assert piped.returncode == 0, piped.stderr
    assert "Same here (maybe even reading)" in piped.stdout
    assert not records.joinpath("argv").exists(), "the pager ran"


@pytest.mark.e2e
def test_a_pager_that_quits_at_once_or_cannot_start_is_no_error(
    terminal: Terminal, library: dict[str, int], db_path: Path, tmp_path: Path, run_reader: RunReader
) -> None:
    records = tmp_path / "pager records"
    # q pressed at once: the pager ends without reading what reader writes.
    quitter = pager_script(records, 'touch "$records/started"\nexit 0')
    # Far more than a pipe holds (64 KiB): reader is still writing when the pager has gone.
    long_text = "Long read\n" + "".join(
        f"Paragraph {n} of a long read, all of it words. " * 20 + "\n" for n in range(300)
    )
    long_id = imported(run_reader, write(tmp_path / "long" / "long.txt", long_text))["Long read"]

    screen = show_in_terminal(terminal, db_path, tmp_path, quitter, str(long_id))

    assert (records / "started").exists(), screen
    assert "EXIT=0" in screen, screen
    assert "Traceback" not in screen and "error" not in screen.lower(), screen

    terminal.kill()
    again = Terminal(terminal.tmux, terminal.env, TERMINAL_WIDTH, 20)
    try:
        screen = show_in_terminal(again, db_path, tmp_path, str(tmp_path / "no such pager"), str(library[CJK_TITLE]))
    finally:
        again.kill()
    # A pager that cannot start: the text is printed as it is.
    assert "EXIT=0" in screen, screen
    assert "鈴木" in screen and "Traceback" not in screen, screen


@pytest.mark.e2e
def test_ctrl_c_while_paging_ends_quietly(
    terminal: Terminal, library: dict[str, int], db_path: Path, tmp_path: Path
) -> None:
    records = tmp_path / "pager records"
    # A pager that sits there until Ctrl-C ends it.
    pager = pager_script(records, 'touch "$records/started"\nexec sleep 60')
    start_show(terminal, db_path, tmp_path, pager, str(library["Reading on the train"]))
    wait_for_file(records / "started")

    terminal.keys("C-c")
    screen = terminal.wait_text("EXIT=")

    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen, screen
    assert re.search(r"EXIT=(0|130)\b", screen), screen
