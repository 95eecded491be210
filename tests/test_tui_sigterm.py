"""SIGTERM to the reader (``kill PID``, a closing terminal multiplexer, a service manager) ends it
the way ``q`` does: the terminal is given back as it was (alternate screen left, mouse reporting
off, cursor shown), and the exit status is the shell's 128 + 15. Without a handler Python dies on
the spot and leaves the terminal in the reader's modes: every later mouse move prints garbage.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import reader_command
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip

#: What Textual writes on entering and leaving: the alternate screen, and mouse reporting.
ENTER_ALTERNATE, LEAVE_ALTERNATE = b"\x1b[?1049h", b"\x1b[?1049l"
MOUSE_OFF = b"\x1b[?1000l"


def reader_pid(term: Terminal) -> int:
    """The pid of the reader process running under the pane's shell."""
    shell = term.run("display-message", "-p", "#{pane_pid}").stdout.strip()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    pytest.fail("the reader process did not start")


@pytest.mark.e2e
def test_sigterm_ends_the_reader_and_gives_the_terminal_back(tmp_path: Path, isolated_home: Path) -> None:
    tmux = tmux_or_skip()
    record = tmp_path / "terminal.bin"
    term = Terminal(tmux, reader_terminal_env(tmp_path, isolated_home), 100, 30)
    try:
        term.start(shlex.join([*reader_command(), "--db", str(tmp_path / "library.db")]), record)
        term.wait_text("reader fetch")  # the empty library's screen names the commands that fill it
        os.kill(reader_pid(term), signal.SIGTERM)
        screen = term.wait_text("EXIT=")
    finally:
        term.kill()

    assert "EXIT=143" in screen, screen
    assert "Traceback" not in screen, screen
    output = record.read_bytes()
    entered = output.rfind(ENTER_ALTERNATE)
    assert entered >= 0
    after = output[entered:]
    assert LEAVE_ALTERNATE in after, "the terminal was left on the reader's alternate screen"
    assert MOUSE_OFF in after, "mouse reporting was left on"
