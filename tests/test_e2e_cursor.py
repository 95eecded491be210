"""The article cursor, seen in a real terminal: the highlighted row has its own background, and it moves with j.

The real ``reader`` runs in tmux; ``capture-pane -e`` gives each row with
the SGR sequences a terminal got, so the test reads the background colour
of each title's cells the way a terminal draws them. The cursor was
invisible in every theme before: the row's parts painted over it.
Also here: the demo says on the way out how to start for real.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import reader_command
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip

pytestmark = [pytest.mark.e2e]

TITLES = [f"Cursor row number {n} of the list" for n in range(1, 7)]
#: One SGR sequence: its parameters.
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def backgrounds(line: str, current: str | None = None) -> tuple[list[str | None], str | None]:
    """The background in effect at each printed cell of a ``capture-pane -e`` line, and at its end.

    tmux writes an attribute only where it changes, also from one line to
    the next, so ``current`` is what the line above left in effect (None:
    the terminal's default).
    """
    cells: list[str | None] = []
    position = 0
    while position < len(line):
        match = SGR.match(line, position)
        if match:
            params = re.split("[;:]", match.group(1)) or ["0"]
            index = 0
            while index < len(params):
                code = params[index] or "0"
                if code in ("0", "49"):
                    current = None
                elif code == "48" and index + 1 < len(params):
                    if params[index + 1] == "5":
                        current = f"5;{params[index + 2]}"
                        index += 2
                    elif params[index + 1] == "2":
                        current = "2;" + ";".join(params[index + 2 : index + 5])
                        index += 4
                elif code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107):
                    current = code
                elif code in ("38",) and index + 1 < len(params):
                    index += 2 if params[index + 1] == "5" else 4
                index += 1
            position = match.end()
            continue
        if line[position] == "\x1b":  # another escape: skip it whole
            other = re.match(r"\x1b(\[[0-9;?]*[A-Za-z]|.)", line[position:])
            position += other.end() if other else 1
            continue
        cells.append(current)
        position += 1
    return cells, current


def title_background(screen: list[str], title: str) -> str | None:
    """The background of the first cell of ``title`` on the captured screen."""
    current: str | None = None
    for line in screen:
        plain = SGR.sub("", line)
        cells, current = backgrounds(line, current)
        if title in plain:
            return cells[plain.index(title)]
    raise AssertionError(f"{title!r} is not on the screen")


@pytest.fixture
def terminal(tmp_path: Path, isolated_home: Path) -> Iterator[Terminal]:
    """One tmux session, killed afterwards."""
    made = Terminal(tmux_or_skip(), reader_terminal_env(tmp_path, isolated_home), 100, 30)
    try:
        yield made
    finally:
        made.kill()


@pytest.fixture
def six_articles(tmp_path: Path, isolated_home: Path) -> Path:
    """A library of six articles, imported with the real ``reader import``."""
    items = "".join(
        f"<item><title>{title}</title><link>https://cursor.example/{n}</link><guid>c{n}</guid>"
        f"<pubDate>Mon, 0{n} Jan 2024 00:00:00 GMT</pubDate><description>Body {n}.</description></item>"
        for n, title in reversed(list(enumerate(TITLES, start=1)))
    )
    feed = tmp_path / "cursor.rss"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Cursor Feed</title>{items}</channel></rss>',
        encoding="utf-8",
    )
    db = tmp_path / "library.db"
    done = subprocess.run(
        [*reader_command(), "--db", str(db), "import", str(feed)],
        capture_output=True,
        text=True,
        env=reader_terminal_env(tmp_path, isolated_home),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return db


def capture(terminal: Terminal) -> list[str]:
    """The screen with its colours, line by line."""
    return terminal.run("capture-pane", "-e", "-p").stdout.splitlines()


def test_the_cursor_rows_background_moves_with_j(terminal: Terminal, six_articles: Path, tmp_path: Path) -> None:
    terminal.start(shlex.join([*reader_command(), "--db", str(six_articles)]), tmp_path / "record.bin")
    # Newest first: the sixth article heads the list, and the cursor is on it.
    terminal.wait_text(TITLES[0][:20])
    terminal.wait_text(TITLES[5])
    screen = capture(terminal)
    order = list(reversed(TITLES))
    shades = [title_background(screen, title) for title in order]
    assert shades[0] != shades[1], f"the cursor row has no background of its own: {shades}"
    assert len(set(shades[1:])) == 1, f"the other rows differ among themselves: {shades}"
    plain = shades[1]

    for step in range(1, 4):
        terminal.keys("j")
        # Wait for the colours to move (the text does not change at all).
        deadline = time.monotonic() + 10
        while True:
            screen = capture(terminal)
            if title_background(screen, order[step]) != plain or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        shades = [title_background(screen, title) for title in order]
        assert shades[step] != plain, f"after {step} j the cursor is not on row {step}: {shades}"
        assert all(shade == plain for row, shade in enumerate(shades) if row != step), shades


def test_quitting_the_demo_says_how_to_start_for_real(terminal: Terminal, tmp_path: Path) -> None:
    terminal.start(shlex.join([*reader_command(), "demo"]), tmp_path / "record.bin")
    terminal.wait_text("Welcome to reader")
    terminal.keys("q")
    screen = terminal.wait_text("EXIT=")
    # One line, even at 80 columns.
    (said,) = [line for line in screen.splitlines() if "That was the demo" in line]
    assert "reader add URL" in said and "reader import FILE" in said and len(said) <= 80, screen
    assert "EXIT=0" in screen
