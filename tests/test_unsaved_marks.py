"""Marks that cannot be saved: the list shows the truth, and the shell hears how many were lost.

The library is made read-only for real before the reader opens it: its file
mode is 0444, and when the tests run as root (whom file modes do not stop)
the file is also made immutable with ``chattr +i``, which stops root too.
SQLite then opens the library read-only and every write fails with "attempt
to write a readonly database", exactly as on a read-only disk or share. The
reader runs under Textual's Pilot, and as the real ``reader`` command in a
real terminal (tmux), where its exit status and last line are read.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import RunReader, reader_command
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip
from textual.message import Message
from tui_helpers import (
    BETA_COUNT,
    THREAD_TITLE,
    build_library,
    db_flags,
    notifications,
    press,
    running,
    settle,
    unread_shown,
    wait_until,
    widget_lines,
)

#: Every article of the test library starts unread.
ARTICLES = BETA_COUNT + 3
#: What the one notification of a failed save says (however many marks fail), in lower case.
NOT_SAVED = "could not save"


@contextmanager
def read_only(db: Path) -> Iterator[None]:
    """Make the library file read-only for whoever runs the tests, root included; undo afterwards."""
    chattr = shutil.which("chattr") if os.geteuid() == 0 else None
    if os.geteuid() == 0:
        # Root ignores file modes; the immutable flag binds root as well.
        assert chattr is not None, "running as root, chattr (e2fsprogs) makes the library read-only; install it"
    db.chmod(0o444)
    try:
        if chattr is not None:
            made = subprocess.run([chattr, "+i", str(db)], capture_output=True, text=True)
            assert made.returncode == 0, f"running as root, chattr +i makes the library read-only: {made.stderr}"
        yield
    finally:
        if chattr is not None:
            subprocess.run([chattr, "-i", str(db)], capture_output=True, check=False)
        db.chmod(0o644)


def not_saved_notes(messages: list[Message]) -> list[str]:
    """The notifications that say changes were not saved."""
    return [note for note in notifications(messages) if NOT_SAVED in note.lower()]


async def test_a_mark_that_cannot_be_saved_is_taken_back_in_the_list_and_told_once(tmp_path: Path) -> None:
    """On a read-only library, r (read) and s (star) show for a moment, then the row goes back to
    what the library holds (unread, no star); one notification says why; the unread counts never
    drop; "mark all read" does not claim it marked anything; and nothing reached the file."""
    library = build_library(tmp_path / "library.db")
    messages: list[Message] = []
    with read_only(library.path):
        async with running(library.path, messages=messages) as (app, pilot, screen):
            articles = screen.article_list
            index = articles.index_of(library.thread)
            assert index is not None
            articles.focus()
            articles.set_cursor(index)
            await settle(pilot)

            def row_marks() -> tuple[bool, bool]:
                row = articles.row(index)
                assert row is not None
                return row.read, row.starred

            await press(pilot, "r")
            await wait_until(pilot, lambda: bool(not_saved_notes(messages)), "the failed save to be told")
            await wait_until(pilot, lambda: row_marks() == (False, False), "the row to show unread again")
            assert "\u25cf" in widget_lines(articles)[index], "the unread marker is back"

            await press(pilot, "s")
            await wait_until(pilot, lambda: app.writer.lost_marks == 2, "the star to fail as well")
            await wait_until(pilot, lambda: row_marks() == (False, False), "the row to show no star again")
            await settle(pilot)
            notes = not_saved_notes(messages)
            assert len(notes) == 1, notes
            assert "read-only" in notes[0], notes

            # Mark all read from the feed list: the question, yes, and still all unread.
            await press(pilot, "escape")
            screen.feed_list.focus()
            await press(pilot, "A")
            await press(pilot, "y")
            await wait_until(pilot, lambda: app.writer.lost_marks == 2 + ARTICLES, "mark all read to fail")
            await settle(pilot)
            assert not any(note.startswith("Marked ") for note in notifications(messages)), notifications(messages)
            assert unread_shown(screen, "all") == ARTICLES
            assert len(not_saved_notes(messages)) == 1
    assert app.writer.lost_marks == 2 + ARTICLES
    assert app.return_code in (None, 0)
    assert db_flags(library.path, library.thread) == (False, False)


@pytest.mark.e2e
def test_quitting_after_marks_were_lost_exits_1_with_one_line_and_the_article_stays_unread(
    tmp_path: Path, isolated_home: Path, run_reader: RunReader
) -> None:
    """The real `reader` in a real terminal, on a read-only library: r on the first article shows
    it unread again after the failure; q ends with exit status 1 and one line saying one mark
    could not be saved and why; afterwards the library still has the article unread."""
    tmux = tmux_or_skip()
    library = build_library(tmp_path / "library.db")
    term = Terminal(tmux, reader_terminal_env(tmp_path, isolated_home), 160, 48)

    def unread(screen: str) -> bool:
        row = next((line for line in screen.splitlines() if THREAD_TITLE in line), "")
        return "\u25cf" in row  # the unread marker

    try:
        with read_only(library.path):
            term.start(shlex.join([*reader_command(), "--db", str(library.path)]), tmp_path / "terminal.bin")
            term.wait_for(unread, "the first article, unread")
            term.keys("r")
            term.wait_for(
                lambda screen: NOT_SAVED in screen.lower() and unread(screen), "the failure told and the article unread"
            )
            term.keys("q")
            term.wait_text("EXIT=")
            # -J: the error line as printed, even where the terminal wrapped it.
            screen = term.run("capture-pane", "-p", "-J").stdout
    finally:
        term.kill()
    assert "EXIT=1" in screen, screen
    assert "Traceback" not in screen, screen
    errors = [line for line in screen.splitlines() if line.startswith("reader: ")]
    assert len(errors) == 1, screen
    assert re.match(r"reader: error: 1 mark could not be saved: .*read-only", errors[0]), errors

    listed = run_reader("list", "--unread", "--json", "--limit", "500", db=library.path)
    assert listed.returncode == 0, listed.stderr
    assert library.thread in [article["id"] for article in json.loads(listed.stdout)]
