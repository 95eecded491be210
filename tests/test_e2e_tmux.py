"""End to end: the real ``reader`` command in a real terminal (tmux).

The library is filled with ``reader import`` (the shared seed article and an
RSS file whose title carries OSC 52 and OSC 0 escape sequences), then
``reader --db X`` runs in a detached tmux session of a fixed size. The test
reads the screen with ``capture-pane -p`` (polling, bounded; no fixed
sleeps) and records everything the reader writes to the terminal with
``pipe-pane``, so it can check that no hostile escape sequence from feed
text ever reaches the terminal.

tmux missing: skipped, unless ``READER_REQUIRE_SHARED=1`` (CI), which makes
it a failure.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import reader_command, skip_unless_required

pytestmark = [pytest.mark.e2e, pytest.mark.shared]

TIMEOUT = 20.0
POLL = 0.02

SEED_TITLE = "Ukrainian Delegation Engages in US Peace Talks"
SEED_HEADING = "Discussions with Key US Officials and Diplomatic Push"
COMMENTERS = {"Donatello", "Michelangelo", "Leonardo", "Coccinella"}
#: A comment's header line in the comments panel: the depth gutter (heavier on the highlighted one), then the author.
COMMENT_HEADER = re.compile(r"[\u258e\u258c] (\S+)(?: \[OP\])?  \S")
#: Footer text that shows which pane has the focus (its own keys come first).
ARTICLE_KEYS = "Page/next"
COMMENT_KEYS = "Next sibling"
LIST_KEYS = "\u23ce Open"

OSC_52 = "\x1b]52;c;ZXZpbA==\x07"
OSC_TITLE = "\x1b]0;pwned\x07"
HOSTILE_WORDS = ["Zebra", "Quokka", "Marzipan"]
HOSTILE_TITLE = f"Zebra {OSC_52} Quokka {OSC_TITLE} Marzipan"
#: Any OSC 0 or 2 (window/icon title) whose text came from the feed.
FEED_TITLE_SEQUENCE = re.compile(rb"\x1b\][02];[^\x07\x1b]*pwned")


def tmux_or_skip() -> str:
    """The tmux program; skipped without it, unless ``READER_REQUIRE_SHARED=1`` (CI) makes that a failure."""
    tmux = shutil.which("tmux")
    if tmux is None:
        skip_unless_required("tmux is not installed; the end-to-end terminal tests need it", "READER_REQUIRE_SHARED")
    return tmux


class Terminal:
    """One detached tmux session on a socket of its own."""

    def __init__(self, tmux: str, env: dict[str, str], width: int, height: int) -> None:
        self.tmux = tmux
        self.env = env
        self.width = width
        self.height = height
        # A private server: parallel runs (xdist, two checkouts) never share one.
        self.socket = f"reader-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a tmux command against this test's server."""
        return subprocess.run(
            [self.tmux, "-L", self.socket, "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
            check=check,
        )

    def start(self, command: str, record: Path) -> None:
        """Start ``command`` in a new session and record its output to ``record``.

        The pane first waits for one line of input, so recording starts
        before the reader writes its first byte.
        """
        names = ("READER_HOME", "TERM", "LANG", "LC_ALL")
        environment = [arg for name in names for arg in ("-e", f"{name}={self.env[name]}")]
        script = f"read _go; {command}; echo EXIT=$?; sleep 30"
        self.run("new-session", "-d", "-x", str(self.width), "-y", str(self.height), *environment, script)
        # No status line: the reader gets every row of the window.
        self.run("set-option", "-g", "status", "off")
        self.run("pipe-pane", "-o", f"cat >> {shlex.quote(str(record))}")
        self.run("send-keys", "Enter")

    def screen(self) -> str:
        """The visible text of the pane."""
        return self.run("capture-pane", "-p").stdout

    def keys(self, *keys: str) -> None:
        """Type ``keys`` (tmux key names)."""
        self.run("send-keys", *keys)

    def wait_for(self, found: Callable[[str], bool], what: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until ``found(screen)``; fail with the last screen after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if found(screen):
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:g} s waiting for {what}; the screen shows:\n{screen}")
            time.sleep(POLL)

    def wait_text(self, text: str, timeout: float = TIMEOUT) -> str:
        """Poll until ``text`` is on screen."""
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def press_until_changed(self, key: str, before: str) -> str:
        """Press ``key`` and wait for the screen to differ from ``before`` (or a while: the key may change nothing).

        Six seconds, not two: on a loaded machine (CI under ``-n auto``) a
        PageDown could take longer to show, the caller pressed again, and the
        two pages together scrolled past what it was looking for.
        """
        self.keys(key)
        deadline = time.monotonic() + 6.0
        screen = self.screen()
        while screen == before and time.monotonic() < deadline:
            time.sleep(POLL)
            screen = self.screen()
        return self.settled(screen)

    def settled(self, screen: str, quiet: float = 0.5) -> str:
        """The screen once it has not changed for ``quiet`` seconds (at most a few seconds).

        An article is drawn in stages (its first screen, then all of it): a
        change may be that second stage, not the key just pressed, and a
        next key pressed meanwhile would land on top of the first.
        """
        deadline = time.monotonic() + 6.0
        still_since = time.monotonic()
        while time.monotonic() - still_since < quiet and time.monotonic() < deadline:
            time.sleep(POLL)
            now = self.screen()
            if now != screen:
                screen, still_since = now, time.monotonic()
        return screen

    def kill(self) -> None:
        """Stop the server and everything in it."""
        self.run("kill-server", check=False)


def reader_terminal_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """A private home, a known terminal, a UTF-8 locale and tmux's socket in the test's folder.

    Nothing of the person running the tests leaks in: their library, config,
    browser, colour settings or the tmux they may be sitting in.
    """
    env = dict(os.environ)
    for name in ("TMUX", "TMUX_PANE", "READER_DB", "READER_CONFIG", "COLORTERM", "NO_COLOR", "TEXTUAL", "BROWSER"):
        env.pop(name, None)
    env.update(
        READER_HOME=str(home),
        TERM="xterm-256color",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        TMUX_TMPDIR=str(tmp_path),
    )
    return env


@pytest.fixture
def terminal_env(tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    """The environment the reader runs in (see :func:`reader_terminal_env`)."""
    return reader_terminal_env(tmp_path, isolated_home)


@pytest.fixture
def hostile_feed(tmp_path: Path) -> Path:
    """An RSS file with one old article whose title carries OSC 52 and OSC 0 sequences."""
    path = tmp_path / "hostile.rss"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0"><channel><title>Hostile Feed</title><link>https://hostile.example/</link>'
        "<description>d</description>"
        f"<item><title>{HOSTILE_TITLE}</title><link>https://hostile.example/a</link><guid>h1</guid>"
        # Older than the seed article, so it is the second row of the list.
        "<pubDate>Mon, 01 Jan 2001 00:00:00 GMT</pubDate><description>Body text.</description></item>"
        "</channel></rss>\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def library(tmp_path: Path, seed_file: Path, hostile_feed: Path, terminal_env: dict[str, str]) -> Path:
    """A library holding the seed article and the hostile one, made with the real ``reader import``."""
    db = tmp_path / "library.db"
    seed_copy = tmp_path / "seed" / seed_file.name
    seed_copy.parent.mkdir()
    seed_copy.write_bytes(seed_file.read_bytes())
    imported = subprocess.run(
        [*reader_command(), "--db", str(db), "import", str(seed_copy), str(hostile_feed)],
        capture_output=True,
        text=True,
        env=terminal_env,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert "2 new articles" in imported.stdout, imported.stdout
    return db


@pytest.fixture
def terminal_factory(terminal_env: dict[str, str]) -> Iterator[Callable[[int, int], Terminal]]:
    """Make tmux sessions; every server is killed afterwards, whatever happened."""
    tmux = tmux_or_skip()
    made: list[Terminal] = []

    def make(width: int, height: int) -> Terminal:
        made.append(Terminal(tmux, terminal_env, width, height))
        return made[-1]

    try:
        yield make
    finally:
        for terminal in made:
            terminal.kill()


@pytest.mark.parametrize(("width", "height"), [(160, 48), (80, 24)], ids=["160x48", "80x24"])
def test_reading_the_seed_in_a_real_terminal(
    library: Path, tmp_path: Path, terminal_factory: Callable[[int, int], Terminal], width: int, height: int
) -> None:
    narrow = width < 100
    record = tmp_path / "terminal-output.bin"
    term = terminal_factory(width, height)
    command = shlex.join([*reader_command(), "--db", str(library)])
    term.start(command, record)

    # The article list's first row is the seed (the hostile article is older).
    term.wait_text(SEED_TITLE[:20])

    # Enter reads it: the reading pane shows the whole title on one line (the
    # list cuts it short), laid out at the pane's width...
    term.keys("Enter")
    screen = term.wait_for(
        lambda text: (
            ARTICLE_KEYS in text and SEED_TITLE in text and "Ukrainian delegation arrived in the United States" in text
        ),
        "the seed article, focused and laid out at the reading pane's width",
    )
    screen = term.settled(screen)  # all of it drawn, not only its first screen
    # ...then page down until its second section heading shows.
    for _ in range(10):
        if SEED_HEADING in screen:
            break
        screen = term.press_until_changed("PageDown", screen)
    assert SEED_HEADING in screen, screen

    # Bring the comments forward (narrow: `c` swaps panes; wide: tab focuses the panel).
    term.keys("c" if narrow else "Tab")
    screen = term.wait_for(
        lambda text: COMMENT_KEYS in text and "Comments \u00b7 5" in text, "the comments panel focused"
    )
    seen: set[str] = set()
    for _ in range(12):
        seen.update(COMMENT_HEADER.findall(screen))
        if seen >= COMMENTERS:
            break
        screen = term.press_until_changed("j", screen)
    assert seen >= COMMENTERS, f"commenters seen: {sorted(seen)}; last screen:\n{screen}"

    # Back to the list (comments -> article -> articles), then read the hostile article.
    term.keys("Escape")
    term.wait_text(ARTICLE_KEYS)
    term.keys("Escape")
    term.wait_for(lambda text: LIST_KEYS in text and "Zebra" in text, "the article list focused")
    term.keys("j", "Enter")
    screen = term.wait_for(
        lambda text: all(word in text for word in HOSTILE_WORDS) and "hostile.example/a" in text,
        "the hostile article laid out at the reading pane's width (whole title, link on one line)",
    )
    # The escapes show as visible symbols (ESC as U+241B), never as sequences.
    assert "\u241b]52;c;ZXZpbA==\u2407" in screen, screen

    term.keys("q")
    screen = term.wait_text("EXIT=")
    assert "EXIT=0" in screen, screen

    stream = record.read_bytes()
    assert b"Quokka" in stream and b"Marzipan" in stream, "the recording holds the reader's output"
    assert b"\x1b]52;" not in stream, "an OSC 52 clipboard write reached the terminal"
    assert OSC_TITLE.encode() not in stream
    assert not FEED_TITLE_SEQUENCE.search(stream), "feed text retitled the terminal"
