"""Hardening: untrusted text never reaches the terminal as control sequences, and is never markup.

Three parts:

1. The real ``reader`` in a real terminal (tmux, fixed size) reads a library
   whose every displayed field carries escape sequences: ESC, CSI, OSC 0/2
   title changes, OSC 52 clipboard writes, OSC 8 hyperlink break-outs, DCS,
   C1 controls, NUL and bidi overrides. Everything the reader writes to the
   terminal is recorded with ``pipe-pane`` and searched for those sequences
   by the unique markers they carry (the reader's own escape sequences are
   fine; ours must never appear).
2. Textual markup (``[/]``, ``[bold]``, ``[@click=app.quit]``,
   ``[link=javascript:x]``) in every displayed field: no crash, no action when
   clicked, shown as written (Pilot).
3. Links: ``javascript:``, ``&#106;avascript:``, ``data:``, ``file:`` and SVG
   links are never offered; ``o``, ``y`` and the links list act on http and
   https only, after the target is shown. Browsers are never real: ``BROWSER``
   points at a script that records its arguments.

The library is stored with the real store API, which keeps text exactly as
given (importers clean it at ingest; these tests check the display boundary
with text that was never cleaned), except where a test says it imports.
"""

from __future__ import annotations

import re
import shlex
import stat
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import reader_command
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from tui_helpers import (
    FIXED_EPOCH,
    HOUR,
    WIDE,
    current_screen,
    notifications,
    open_article,
    press,
    running,
    screen_lines,
    screen_text,
    settle,
    wait_until,
    widget_text,
)

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.parse import import_paths
from reader.store import Store
from reader.tui.screens.link import LinkScreen
from reader.tui.screens.links import LinksScreen
from reader.tui.screens.main import MainScreen
from reader.tui.widgets.link_list import LinkList

# -- hostile text ------------------------------------------------------------------------------

#: Every marker starts with this, so a marker is never mistaken for the reader's own output.
MARK = "Zq"


def hostile(tag: str) -> str:
    """Every hostile sequence, each followed (or carried) by a marker naming the field: ``Zq<tag><kind>``."""
    m = MARK + tag
    return " ".join(
        [
            f"{m}Start",
            f"\x1b{m}EscAlone",  # ESC Z is DECID: the terminal would answer on the reader's stdin
            f"\x1b[2J{m}CsiClear",
            f"\x1b[31m{m}CsiRed",
            f"\x1b]0;{m}OscZero\x07",  # window and icon title
            f"\x1b]2;{m}OscTwo\x1b\\",  # window title, ST-terminated
            f"\x1b]52;c;cHduZWQ=\x07{m}Clip",  # clipboard write ("pwned")
            f"\x1b]8;;https://evil.example/{m}Osc8\x1b\\{m}Osc8Text\x1b]8;;\x1b\\",  # a hyperlink
            f"\x1bP1$r{m}Dcs\x1b\\",  # DCS (DECRQSS: another query the terminal answers)
            f"\x9b2J{m}C1Csi",  # C1 CSI
            f"\x9d0;{m}C1Osc\x07",  # C1 OSC
            f"\x00{m}Nul",
            f"\u202e{m}Rlo\u202c \u2066{m}Lri\u2069 \u2067{m}Rli\u2068{m}Fsi\u2069",
            f"[/] [@click=app.quit]{m}Click[/] [link=javascript:x]{m}Link",
            f"{m}End",
        ]
    )


#: The field each tag goes into (the tmux library).
TAGS = {
    "Feed": "feed name",
    "Title": "article title",
    "Author": "article author",
    "Body": "plain-text body",
    "Html": "HTML body",
    "Ent": "HTML body (entity-encoded controls)",
    "CAuthor": "comment author",
    "CText": "comment text",
    "Href": "link URL",
}

GOOD_ONE = "https://good.example/one"
#: Plain http, and a target whose parentheses and underscore Markdown escapes: it must open as written.
GOOD_TWO = "http://good.example/wiki/Two_(disambiguation)"
#: An https link whose target carries an OSC 8 break-out and an OSC 52 write.
BREAKOUT_HREF = f"https://evil.example/x\x1b\\\x1b]52;c;cHduZWQ=\x07{MARK}HrefBreak"
#: ... and how the reader shows that target: as text, escapes made visible.
BREAKOUT_SHOWN = f"https://evil.example/x\u241b\\\u241b]52;c;cHduZWQ=\u2407{MARK}HrefBreak"
HTML_ARTICLE_URL = "https://good.example/article"

#: Unsafe targets (with the text each keeps) as they appear in feed HTML.
UNSAFE_LINKS_HTML = (
    '<a href="javascript:alert(1)">JsLink</a> '
    '<a href="&#106;avascript:alert(2)">EntityJsLink</a> '
    '<a href="&#x6A;avascript&#58;alert(3)">HexJsLink</a> '
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==">DataLink</a> '
    '<a href="file:///etc/passwd">FileLink</a> '
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<a xlink:href="javascript:alert(5)"><text>SvgLink</text></a></svg> '
    '<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="javascript:alert(6)">XlinkText</a>'
)
#: What must never be offered as a target, in the links list or anywhere a link is opened.
UNSAFE_TARGET_WORDS = ("javascript", "&#106;", "&#x6a;", "data:", "file:", "alert(", "passwd")


def links_html(extra: str = "") -> str:
    """Article HTML: two good links first (one https, one http), then every unsafe kind."""
    return (
        f'<p>Read <a href="{GOOD_ONE}">GoodOne</a> and <a href="{GOOD_TWO}">GoodTwo</a>.</p>'
        f"<p>{UNSAFE_LINKS_HTML}</p>{extra}"
    )


def build_hostile_library(db: Path) -> None:
    """A local source (never fetched) with a plain-text article and its thread, and an HTML article.

    Nothing is cleaned on the way in: the store keeps text exactly as given.
    """
    feed = FeedData(key="dir:/hostile", title=hostile("Feed"), kind="local")
    text_article = ArticleData(
        guid="hostile-text",
        title=hostile("Title"),
        author=hostile("Author"),
        text="\n\n".join([hostile("Body"), "Second paragraph after the sequences."]),
        # An unsafe link URL: controls in it, so it is never shown or opened.
        url=f"https://evil.example/a\x1b\\\x1b]52;c;cHduZWQ=\x07{MARK}UrlBreak",
        published=FIXED_EPOCH - HOUR,
        comments=[
            CommentData(guid="c1", author=hostile("CAuthor"), text=hostile("CText"), published=FIXED_EPOCH - 50 * 60),
            CommentData(guid="c2", author="Replier", text="A calm reply.", parent_guid="c1"),
        ],
    )
    entities = (
        f"&#27;]0;{MARK}EntOscZero&#7; &#x1b;]52;c;cHduZWQ=&#x07;{MARK}EntClip "
        f"&#155;2J{MARK}EntC1Csi &#x1b;P1$r{MARK}EntDcs&#x1b;\\ &#8238;{MARK}EntRlo"
    )
    html_article = ArticleData(
        guid="hostile-html",
        title="Hostile links page",
        text="",
        html=(
            f"<p>{hostile('Html')}</p><p>{MARK}EntStart {entities} {MARK}EntEnd</p>"
            + links_html(f'<p><a href="{BREAKOUT_HREF}">BreakLink</a></p>')
        ),
        url=HTML_ARTICLE_URL,
        author="Calm Author",
        published=FIXED_EPOCH - 2 * HOUR,
    )
    with Store(db) as store:
        store.store_batch(
            ImportBatch(kind="test", articles=[(feed, text_article), (feed, html_article)]), now=FIXED_EPOCH
        )


# -- a browser that only records ---------------------------------------------------------------


@pytest.fixture
def browser_record(tmp_path: Path) -> Path:
    """Where the recording browser writes each URL it is asked to open (one line per call)."""
    return tmp_path / "browser-calls.txt"


@pytest.fixture
def browser_script(tmp_path: Path, browser_record: Path) -> Path:
    """An executable that stands in for the browser: it appends its arguments to ``browser_record``."""
    script = tmp_path / "record-browser"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(browser_record))}\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def recording_browser(browser_script: Path, browser_record: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make this process's ``webbrowser`` run the recording script; returns the record file.

    ``webbrowser`` reads ``BROWSER`` once, when it first opens something, so
    its list is emptied here to be built again (with the script first).
    """
    monkeypatch.setenv("BROWSER", str(browser_script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    return browser_record


def browser_calls(record: Path) -> list[str]:
    """The URLs the recording browser was asked to open, in order."""
    return record.read_text(encoding="utf-8").splitlines() if record.exists() else []


# -- 1. the raw terminal stream (tmux) -----------------------------------------------------------

#: Footer text that shows which pane has the focus.
ARTICLE_KEYS = "Page/next"
COMMENT_KEYS = "Next sibling"
LIST_KEYS = "\u23ce Open"


def _markers() -> bytes:
    return b"|".join(re.escape(f"{MARK}{tag}".encode()) for tag in TAGS)


#: Hostile sequences that carry one of our markers, as they would appear if they got through.
LEAKS = {
    "an OSC sequence (title, clipboard, hyperlink) carrying feed text": re.compile(
        rb"\x1b\][^\x07\x1b]*(?:" + _markers() + rb")"
    ),
    "a DCS sequence carrying feed text": re.compile(rb"\x1bP[^\x1b]*(?:" + _markers() + rb")"),
    "a lone ESC right before feed text": re.compile(rb"\x1b(?:" + _markers() + rb")"),
    "the feed's CSI (clear screen, red) right before feed text": re.compile(
        rb"\x1b\[(?:2J|31m)(?:" + _markers() + rb")"
    ),
    "an OSC 8 hyperlink to the feed's target": re.compile(rb"\x1b\]8;[^\x07\x1b]*evil\.example"),
    "an OSC 0/1/2 title change": re.compile(rb"\x1b\][012];"),
    # The session never copies (y is not pressed), so any OSC 52 came from feed text.
    "an OSC 52 clipboard write": re.compile(rb"\x1b\]52;"),
    "a C1 CSI (U+009B)": re.compile(b"\xc2\x9b"),
    "a C1 OSC (U+009D)": re.compile(b"\xc2\x9d"),
    "a NUL byte": re.compile(b"\x00"),
    "a bidi override or isolate": re.compile(
        b"|".join(re.escape(chr(code).encode()) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    ),
}


def leaks(stream: bytes) -> dict[str, list[bytes]]:
    """Every hostile sequence found in ``stream``, by kind, with a little context."""
    found: dict[str, list[bytes]] = {}
    for what, pattern in LEAKS.items():
        hits = [stream[max(0, m.start() - 20) : m.end() + 20] for m in pattern.finditer(stream)]
        if hits:
            found[what] = hits[:3]
    return found


def test_the_leak_patterns_catch_every_raw_sequence() -> None:
    """The stream checks can fail: the raw payload, written as is, trips every one of them."""
    raw = " ".join(hostile(tag) for tag in TAGS).encode() + BREAKOUT_HREF.encode()
    assert set(leaks(raw)) == set(LEAKS)


@pytest.fixture
def hostile_terminal_env(tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    """A private home, a known terminal, a UTF-8 locale, and tmux's socket in the test's folder."""
    return reader_terminal_env(tmp_path, isolated_home)


@pytest.fixture
def terminal(hostile_terminal_env: dict[str, str]) -> Iterator[Terminal]:
    """One 160x48 tmux session; its server is killed afterwards, whatever happened.

    tmux missing: skipped, unless ``READER_REQUIRE_SHARED=1`` (CI), which makes it a failure.
    """
    term = Terminal(tmux_or_skip(), hostile_terminal_env, 160, 48)
    try:
        yield term
    finally:
        term.kill()


def wait_for_file(path: Path, found: Callable[[bytes], bool], what: str, timeout: float = 20.0) -> bytes:
    """Poll ``path`` until ``found(its bytes)``; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        data = path.read_bytes() if path.exists() else b""
        if found(data):
            return data
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}; {path.name} holds {data[-300:]!r}")
        time.sleep(0.02)


def page_until(terminal: Terminal, first: str, text: str, presses: int = 8) -> list[str]:
    """Page down from screen ``first`` until ``text`` shows; every screen seen on the way."""
    seen = [first]
    while text not in seen[-1] and len(seen) <= presses:
        seen.append(terminal.press_until_changed("PageDown", seen[-1]))
    assert text in seen[-1], f"{text!r} never showed; the last screen:\n{seen[-1]}"
    return seen


@pytest.mark.e2e
def test_no_feed_escape_sequence_reaches_a_real_terminal(
    tmp_path: Path, terminal: Terminal, browser_script: Path, browser_record: Path
) -> None:
    """Reading every hostile field in a real terminal writes none of its sequences, and shows its words.

    The reader runs in tmux; ``pipe-pane`` records every byte it writes from
    before it starts until after it exits. The session opens the plain-text
    article (title, author, feed name, body), its comments, the HTML article
    and its links list, opens a link through the recording browser, and shows
    the feed's own list (its name in the list's title).
    """
    db = tmp_path / "hostile.db"
    build_hostile_library(db)
    record = tmp_path / "terminal-output.bin"
    command = f"BROWSER={shlex.quote(str(browser_script))} " + shlex.join([*reader_command(), "--db", str(db)])
    terminal.start(command, record)
    screens: list[str] = []

    # The newest article (the plain-text one) is highlighted; enter reads it.
    screens.append(terminal.wait_text(f"{MARK}TitleStart"))
    terminal.keys("Enter")
    first = terminal.wait_for(
        lambda s: ARTICLE_KEYS in s and f"{MARK}BodyStart" in s and f"{MARK}AuthorStart" in s,
        "the plain-text article in the reading pane",
    )
    pages = page_until(terminal, first, "Second paragraph after the sequences.")
    screens += pages
    reading = "\n".join(pages)
    # Escapes show as visible stand-ins, the words around them stay, markup shows as written.
    for shown in (
        f"\u241b{MARK}BodyEscAlone",
        f"\u241b[2J{MARK}BodyCsiClear",
        f"\u241b]0;{MARK}BodyOscZero\u2407",
        f"\u241b]52;c;cHduZWQ=\u2407{MARK}BodyClip",
        f"\u241bP1$r{MARK}BodyDcs",
        f"\ufffd2J{MARK}BodyC1Csi",
        f"{MARK}BodyNul",
        f"{MARK}BodyRlo",
        f"[@click=app.quit]{MARK}BodyClick[/]",
        f"[link=javascript:x]{MARK}BodyLink",
        f"\u241b[31m{MARK}TitleCsiRed",
        f"{MARK}FeedStart",
        "Second paragraph after the sequences.",
    ):
        assert shown in reading, f"{shown!r} is not on screen:\n{reading}"
    # The article's URL carries controls: it is neither shown nor opened.
    assert f"{MARK}UrlBreak" not in reading
    terminal.keys("o")
    screens.append(terminal.wait_text("This article has no web link."))

    # The comments: tab focuses the panel (wide layout), j moves to the reply.
    terminal.keys("Tab")
    comments = terminal.wait_for(
        lambda s: COMMENT_KEYS in s and f"{MARK}CAuthorStart" in s and f"{MARK}CTextEnd" in s,
        "the hostile comment in the comments panel",
    )
    screens.append(comments)
    assert f"\u241b]52;c;cHduZWQ=\u2407{MARK}CTextClip" in comments, comments
    screens.append(terminal.press_until_changed("j", comments))

    # Back to the list, then the HTML article.
    terminal.keys("Escape")
    terminal.wait_text(ARTICLE_KEYS)
    terminal.keys("Escape")
    terminal.wait_for(lambda s: LIST_KEYS in s, "the article list focused")
    terminal.keys("j", "Enter")
    first = terminal.wait_for(
        lambda s: ARTICLE_KEYS in s and f"{MARK}HtmlStart" in s, "the HTML article in the reading pane"
    )
    pages = page_until(terminal, first, "BreakLink")
    screens += pages
    html_screen = "\n".join(pages)
    for shown in (
        f"\u241b]0;{MARK}EntOscZero\u2407",  # &#27; decoded, then made visible
        f"\u241b]52;c;cHduZWQ=\u2407{MARK}EntClip",
        f"2J{MARK}EntC1Csi",  # HTML maps &#155; to U+203A, not to the C1 CSI
        f"\u241b[2J{MARK}HtmlCsiClear",
        f"{MARK}HtmlEnd",
        f"{MARK}EntEnd",
        "GoodOne",
        "JsLink",
        "SvgLink",
    ):
        assert shown in html_screen, f"{shown!r} is not on screen:\n{html_screen}"

    # L lists the clean http(s) links only: the article and the two good ones.
    # The https break-out link carries escape sequences (shown as stand-ins)
    # and is refused like the rest.
    terminal.keys("L")
    targets = (HTML_ARTICLE_URL, GOOD_ONE, GOOD_TWO)
    links = terminal.wait_for(
        lambda s: "Links (3)" in s and all(target in s for target in targets), "the three http(s) links listed"
    )
    # Inside the links window (its thick border): the article behind it shows its own text as written.
    listed = "\n".join(
        line[line.index("\u2588") : line.rindex("\u2588")] for line in links.splitlines() if "\u2588" in line
    )
    assert "Links (3)" in listed and GOOD_ONE in listed
    assert BREAKOUT_SHOWN not in listed and f"{MARK}HrefBreak" not in listed
    screens.append(links)
    # Down to GoodOne; enter shows its target, enter again opens it.
    terminal.keys("Down", "Enter")
    confirm = terminal.wait_for(
        lambda s: "Open this link in your browser?" in s and GOOD_ONE in s, "the link's target before opening"
    )
    screens.append(confirm)
    assert browser_calls(browser_record) == [], "the link opened before the user confirmed it"
    terminal.keys("Enter")
    terminal.wait_for(lambda _screen: browser_calls(browser_record) == [GOOD_ONE], "the browser to open GoodOne")
    assert browser_calls(browser_record) == [GOOD_ONE]

    # The feed's own list: its (hostile) name becomes the list's title and the header's subtitle.
    terminal.wait_for(lambda s: "Open this link" not in s and ARTICLE_KEYS in s, "the reading pane again")
    terminal.keys("Escape")  # reading pane -> article list
    terminal.wait_for(lambda s: LIST_KEYS in s, "the article list focused")
    # Shift+tab to the feeds (escape then a key would read as alt+key), End to the last feed (ours).
    terminal.keys("BTab", "End")
    feed_screen = terminal.wait_for(
        lambda s: (
            f"{MARK}FeedStart" in s.splitlines()[0]  # the header's subtitle
            # the list's title (another feed's list: the article is put away, the list has the room)
            and f"{MARK}FeedStart" in s.splitlines()[1]
        ),
        "the feed's name as the article list's title and in the header",
    )
    screens.append(feed_screen)

    terminal.keys("q")
    screens.append(terminal.wait_text("EXIT="))
    assert "EXIT=0" in screens[-1], screens[-1]
    stream = wait_for_file(record, lambda data: b"EXIT=" in data, "the end of the recording")

    # The recording holds the whole session: the reader entering the
    # alternate screen, the hostile words it drew, and its exit.
    assert b"\x1b[?1049h" in stream, "the recording misses the reader's start"
    for word in ("TitleStart", "BodyEnd", "CTextEnd", "HtmlEnd", "EntEnd", "FeedStart"):
        assert f"{MARK}{word}".encode() in stream, f"{word} never reached the terminal"
    assert "\u241b".encode() in stream
    found = leaks(stream)
    assert not found, f"hostile sequences reached the terminal: {found}"
    # What the screen showed carries no control character either.
    for screen in screens:
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", screen), screen
    assert browser_calls(browser_record) == [GOOD_ONE]


# -- 2. markup in every displayed field (Pilot) ---------------------------------------------------

#: Textual markup that crashes (an unbalanced close), styles, runs an action when clicked, or links.
MARKUP = {"close": "[/]", "bold": "[bold]", "click": "[@click=app.quit]x[/]", "link": "[link=javascript:x]"}


def markup_library(db: Path, payload: str) -> tuple[int, int]:
    """A local source named with ``payload``, whose articles and comments carry it in every field.

    Returns the ids of the plain-text article (with a comment) and the HTML article.
    """
    feed = FeedData(key="dir:/markup", title=f"Feed {payload}", kind="local")
    text_article = ArticleData(
        guid="markup-text",
        title=f"Title {payload}",
        author=f"Author {payload}",
        text=f"Body {payload} words\n\nSecond {payload} paragraph",
        url=f"https://markup.example/{payload}",
        published=FIXED_EPOCH - 60,
        comments=[CommentData(guid="m1", author=f"Commenter {payload}", text=f"Comment {payload} words")],
    )
    html_article = ArticleData(
        guid="markup-html",
        title=f"Html {payload}",
        text="",
        html=f'<p>Html body {payload} words <a href="https://markup.example/link?{payload}">Anchor {payload}</a></p>',
        published=FIXED_EPOCH - 120,
    )
    with Store(db) as store:
        store.store_batch(
            ImportBatch(kind="test", articles=[(feed, text_article), (feed, html_article)]), now=FIXED_EPOCH
        )
        text_id, html_id = store.find_article("markup-text"), store.find_article("markup-html")
    assert text_id is not None and html_id is not None
    return text_id, html_id


def flat(text: str) -> str:
    """``text`` with every run of whitespace (line ends too) folded to one space."""
    return " ".join(text.split())


def border_line(pilot: Pilot[None], widget_region_y: int) -> str:
    """The screen line a widget's top border (and its title) is drawn on."""
    return screen_lines(pilot)[widget_region_y]


async def click_at(pilot: Pilot[None], widget: Widget, *points: tuple[int, int]) -> None:
    """Click ``widget`` at each ``(x, y)`` (relative to its border box); the app must still be running."""
    for x, y in points:
        await pilot.click(widget, offset=(x, y))
        assert pilot.app.return_code is None, f"a click at ({x}, {y}) on {widget!r} ended the app"
    await settle(pilot)
    assert pilot.app.return_code is None, f"a click on {widget!r} ended the app"


@pytest.mark.slow
@pytest.mark.parametrize("payload", list(MARKUP.values()), ids=list(MARKUP))
async def test_markup_in_every_field_shows_as_written_and_clicks_do_nothing(
    db_path: Path, recording_browser: Path, payload: str
) -> None:
    """Markup in the feed name, title, author, body, link, comment author and text is plain text.

    It never crashes the reader (``[/]`` has nothing to close), never styles
    or links, and clicking anywhere it is drawn (rows, titles, borders, the
    link dialog) neither quits nor opens a browser.
    """
    text_id, html_id = markup_library(db_path, payload)
    url = f"https://markup.example/{payload}"
    messages: list[Message] = []
    async with running(db_path, WIDE, messages) as (app, pilot, screen):
        feed_name = f"Feed {payload}"
        assert f"Title {payload}" in widget_text(screen.article_list)
        assert feed_name[:14] in widget_text(screen.feed_list)  # the feed list cuts long names short

        await open_article(pilot, text_id)
        view, thread = screen.article_view, screen.comment_thread
        await wait_until(pilot, lambda: f"Second {payload} paragraph" in widget_text(view), "the body")
        drawn = flat(widget_text(view))  # long lines wrap
        for shown in (f"Title {payload}", f"Author {payload}", feed_name, url, f"Body {payload} words"):
            assert shown in drawn, f"{shown!r} is not drawn in the reading pane:\n{drawn}"
        assert feed_name in border_line(pilot, view.region.y), "the reading pane's title is the feed name"
        comments = widget_text(thread)
        for shown in (f"Commenter {payload}", f"Comment {payload} words"):
            assert shown in comments, f"{shown!r} is not drawn in the comments:\n{comments}"

        # Where the text is drawn, and where a markup action's text would be if it were markup.
        # Rows and borders where the text is drawn, at the columns where a markup
        # action's text would be if it were taken for markup.
        await click_at(pilot, screen.article_list, (6, 1), (11, 1))
        await click_at(pilot, view, (3, 0), (8, 0), (14, 0), (8, 1), (8, 2), (3, 3), (10, 3), (8, 5))
        await click_at(pilot, thread, (4, 1), (12, 1), (4, 2), (12, 2))

        # o shows the link as written; clicking it does nothing, escape opens nothing.
        view.focus()
        await press(pilot, "o")
        assert isinstance(current_screen(app), LinkScreen)
        assert url in screen_text(pilot)
        await click_at(pilot, current_screen(app).query_one("#target"), (0, 0), (6, 0), (24, 0))
        await press(pilot, "escape")
        assert current_screen(app) is screen
        # y copies exactly the link, and says so in plain text.
        await press(pilot, "y")
        assert app.clipboard == url
        assert f"Copied {url}" in notifications(messages)

        # The HTML article: body and link text as written; the links list shows both as written.
        await open_article(pilot, html_id)
        await wait_until(pilot, lambda: f"Html body {payload} words" in widget_text(view), "the HTML body")
        assert f"Anchor {payload}" in widget_text(view)
        await press(pilot, "L")
        links = current_screen(app)
        assert isinstance(links, LinksScreen)
        assert links.links == [(f"Anchor {payload}", f"https://markup.example/link?{payload}")]
        assert f"Anchor {payload}" in screen_text(pilot)
        await click_at(pilot, links.query_one(LinkList), (3, 1), (9, 1))
        while not isinstance(current_screen(app), MainScreen):
            await press(pilot, "escape")

        # The feed's own list: its name titles the list and the header.
        screen.feed_list.focus()
        await press(pilot, "end")
        await wait_until(pilot, lambda: feed_name in border_line(pilot, screen.article_list.region.y), "feed title")
        assert feed_name in screen_lines(pilot)[0], "the header names the feed"
        await click_at(pilot, screen.article_list, (3, 0), (8, 0), (14, 0))
        await click_at(pilot, screen.feed_list, (6, 5), (12, 5))

        # Searching for the title: the query shows as written in the list's title.
        screen.article_list.focus()
        await press(pilot, "slash", *f"Title {payload}", "enter")
        await wait_until(
            pilot, lambda: f"Search: Title {payload}" in border_line(pilot, screen.article_list.region.y), "search"
        )
        assert screen.article_list.ids and screen.article_list.ids[0] == text_id

        assert app.return_code is None and app.is_running
        assert isinstance(current_screen(app), MainScreen)
    assert browser_calls(recording_browser) == [], "feed text opened a browser"


# -- 3. links: only http and https, only after the target is shown (Pilot) -------------------------

LINKS_ARTICLE_URL = "https://good.example/article"
EXPECTED_LINKS = [("The article itself", LINKS_ARTICLE_URL), ("GoodOne", GOOD_ONE), ("GoodTwo", GOOD_TWO)]


def _rss_with_html(html: str) -> str:
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Links Feed</title>'
        "<link>https://good.example/</link><description>d</description>"
        f"<item><title>Links article</title><link>{LINKS_ARTICLE_URL}</link><guid>links-1</guid>"
        f"<pubDate>Fri, 20 Nov 2026 11:00:00 GMT</pubDate><description>{escaped}</description></item>"
        "</channel></rss>\n"
    )


def store_links_article(db: Path, tmp_path: Path, how: str) -> int:
    """The links article, either imported from an RSS file (cleaned at ingest) or stored raw (never cleaned)."""
    with Store(db) as store:
        if how == "imported":
            path = tmp_path / "links.rss"
            path.write_text(_rss_with_html(links_html()), encoding="utf-8")
            outcomes = list(import_paths(store, [path]))
            assert [outcome.error for outcome in outcomes] == [None]
            found = store.find_article("links-1")
        else:
            feed = FeedData(key="dir:/links", title="Links Feed", kind="local")
            article = ArticleData(
                guid="links-1",
                title="Links article",
                text="",
                html=links_html(),
                url=LINKS_ARTICLE_URL,
                published=FIXED_EPOCH - HOUR,
            )
            store.store_batch(ImportBatch(kind="test", articles=[(feed, article)]), now=FIXED_EPOCH)
            found = store.find_article("links-1")
    assert found is not None
    return found


@pytest.mark.parametrize("how", ["imported", "stored-raw"])
async def test_the_links_list_offers_only_http_links_and_opens_one_after_showing_it(
    db_path: Path, tmp_path: Path, recording_browser: Path, how: str
) -> None:
    """L lists the article's http(s) links only; choosing one shows its target, and only enter opens it.

    The article links to ``javascript:``, ``&#106;avascript:``, ``&#x6A;``,
    ``data:``, ``file:`` and SVG ``xlink:href`` targets besides two good ones.
    Imported, the importer already dropped the bad targets; stored raw (an
    older library, say), the links list itself must leave them out.
    """
    article_id = store_links_article(db_path, tmp_path, how)
    async with running(db_path) as (app, pilot, screen):
        await open_article(pilot, article_id)
        await wait_until(pilot, lambda: "GoodTwo" in widget_text(screen.article_view), "the article body")
        for text in ("JsLink", "EntityJsLink", "DataLink", "FileLink"):
            assert text in widget_text(screen.article_view), f"the link text {text!r} is kept"
        await press(pilot, "L")
        links = current_screen(app)
        assert isinstance(links, LinksScreen)
        assert links.links == EXPECTED_LINKS
        # What the links screen draws (the article behind it shows its text as written, link syntax too).
        listed = widget_text(links.query_one(LinkList)) + str(links.query_one("#links-target", Static).render())
        for _label, target in EXPECTED_LINKS:
            assert target in listed
        for word in UNSAFE_TARGET_WORDS:
            assert word not in listed.lower(), f"{word!r} is offered in the links list:\n{listed}"

        # GoodTwo (the http one): enter shows where it goes, and opens nothing yet.
        await press(pilot, "down", "down", "enter")
        confirm = current_screen(app)
        assert isinstance(confirm, LinkScreen)
        assert confirm.url == GOOD_TWO
        assert GOOD_TWO in screen_text(pilot)
        await pilot.pause(0.2)
        assert browser_calls(recording_browser) == []
        # Enter opens it: the browser gets exactly that URL.
        await press(pilot, "enter")
        await wait_until(pilot, lambda: browser_calls(recording_browser) == [GOOD_TWO], "the browser to be called")
        assert isinstance(current_screen(app), MainScreen)
        assert app.return_code is None


UNSAFE_ARTICLE_URLS = [
    "javascript:alert(1)",
    "&#106;avascript:alert(2)",
    "JaVaScRiPt:alert(3)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "https://evil.example/\x1b]52;c;cHduZWQ=\x07",
    "https://evil.example/\x1b]8;;https://other.example/\x1b\\",
]


@pytest.mark.slow
async def test_o_y_and_the_links_list_refuse_an_unsafe_article_link(db_path: Path, recording_browser: Path) -> None:
    """An article whose own link is not a clean http(s) URL: o and y refuse it, L leaves it out, nothing shows it."""
    feed = FeedData(key="dir:/unsafe", title="Unsafe links", kind="local")
    articles = [
        ArticleData(
            guid=f"unsafe-{number}",
            title=f"Unsafe link {number}",
            text="",
            html=f'<p>Only <a href="{GOOD_ONE}">GoodOne</a> here.</p>',
            url=url,
            published=FIXED_EPOCH - number * 60,
        )
        for number, url in enumerate(UNSAFE_ARTICLE_URLS, start=1)
    ]
    with Store(db_path) as store:
        store.store_batch(ImportBatch(kind="test", articles=[(feed, a) for a in articles]), now=FIXED_EPOCH)
        ids = [store.find_article(a.guid) for a in articles]
    for url in UNSAFE_ARTICLE_URLS:
        with pytest.raises(ValueError):
            LinkScreen(url, lambda _url: None)

    messages: list[Message] = []
    async with running(db_path, WIDE, messages) as (app, pilot, screen):
        clipboard_before = app.clipboard
        for article_id, url in zip(ids, UNSAFE_ARTICLE_URLS, strict=True):
            assert article_id is not None
            await open_article(pilot, article_id)
            await wait_until(pilot, lambda: "GoodOne" in widget_text(screen.article_view), "the article body")
            drawn = widget_text(screen.article_view)
            assert "evil.example" not in drawn and "alert(" not in drawn and "data:" not in drawn, drawn
            warnings_before = notifications(messages).count("This article has no web link.")
            await press(pilot, "o")
            assert isinstance(current_screen(app), MainScreen), f"o offered to open {url!r}"
            await press(pilot, "y")
            assert app.clipboard == clipboard_before, f"y copied {url!r}"
            assert notifications(messages).count("This article has no web link.") == warnings_before + 2
            await press(pilot, "L")
            links = current_screen(app)
            assert isinstance(links, LinksScreen)
            assert links.links == [("GoodOne", GOOD_ONE)], f"the links list offers {url!r}"
            await press(pilot, "escape")
        assert app.return_code is None
    assert browser_calls(recording_browser) == []
