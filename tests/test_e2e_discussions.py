"""End to end in a real terminal (tmux): ``D`` finds where an article is discussed, and both threads read offline.

A loopback server plays the article's blog, Hacker News and Lobsters (see
``tests/test_discussions.py`` for which answers are recorded and which
built). The real ``reader`` runs in tmux: open the article, ``D``, pick all,
read the Hacker News thread, ``t`` to the Lobsters one; then quit, stop the
server, start the reader again and read both threads from the library.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import reader_command
from feedserver import FeedServer
from test_discussions import Sites
from test_e2e_tmux import COMMENT_KEYS, Terminal, reader_terminal_env, tmux_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.shared]

TITLE = "strace problems"
HN_WORDS = "strace saved my week."
#: From the recorded Lobsters thread (its third comment).
LOBSTERS_WORDS = "ltrace is also quite useful."
BOTH = "Hacker News 3 \u00b7 Lobsters 7"


@pytest.fixture
def terminal_env(tmp_path: Path, isolated_home: Path) -> dict[str, str]:
    return reader_terminal_env(tmp_path, isolated_home)


@pytest.fixture
def terminal_factory(terminal_env: dict[str, str]) -> Iterator[Callable[[], Terminal]]:
    tmux = tmux_or_skip()
    made: list[Terminal] = []

    def make() -> Terminal:
        made.append(Terminal(tmux, terminal_env, 160, 48))
        return made[-1]

    try:
        yield make
    finally:
        for terminal in made:
            terminal.kill()


def reader(db: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*reader_command(), "--db", str(db), *args], capture_output=True, text=True, env=env, timeout=60
    )


def open_the_article(term: Terminal) -> None:
    """Search for it and read it (the list has two articles of the same date)."""
    term.wait_text("All articles")
    term.keys("/")
    term.wait_text("Search titles, text and comments")  # the search bar has the keys now, not the list
    term.keys("strace", "Enter")
    term.wait_text("Search: strace")
    term.keys("Enter")
    term.wait_for(lambda screen: "Tools." in screen or "paragraph" in screen, "the article read")


def test_d_keeps_both_discussions_and_they_read_offline(
    tmp_path: Path, shared: Path, terminal_env: dict[str, str], terminal_factory: Callable[[], Terminal]
) -> None:
    db = tmp_path / "library.db"
    server = FeedServer().start()
    try:
        sites = Sites(server, shared)
        env = {**terminal_env, "READER_HN_API": server.base + "/api/v1", "READER_LOBSTERS_URL": server.base}
        assert reader(db, env, "add", "--no-check", sites.feed()).returncode == 0
        fetched = reader(db, env, "fetch", "--no-full-text")
        assert fetched.returncode == 0, fetched.stderr

        term = terminal_factory()
        bases = f"READER_HN_API={shlex.quote(env['READER_HN_API'])} READER_LOBSTERS_URL={shlex.quote(server.base)}"
        term.start(f"{bases} {shlex.join([*reader_command(), '--db', str(db)])}", tmp_path / "first.bin")
        open_the_article(term)
        term.keys("D")
        term.wait_text("All 2 of them")
        term.keys("1")
        screen = term.wait_for(lambda text: BOTH in text and HN_WORDS in text, "the Hacker News thread kept")
        term.keys("Tab")
        term.wait_text(COMMENT_KEYS)
        term.keys("t")
        screen = term.wait_for(lambda text: LOBSTERS_WORDS in text, "the Lobsters thread")
        assert HN_WORDS not in screen
        term.keys("q")
        term.wait_text("EXIT=0")
    finally:
        server.stop()

    # The server is gone: both threads are read from the library.
    offline = terminal_factory()
    offline.start(shlex.join([*reader_command(), "--db", str(db)]), tmp_path / "second.bin")
    open_the_article(offline)
    offline.wait_for(lambda text: BOTH in text and HN_WORDS in text, "the Hacker News thread, offline")
    offline.keys("Tab")
    offline.wait_text(COMMENT_KEYS)
    offline.keys("t")
    offline.wait_text(LOBSTERS_WORDS)
