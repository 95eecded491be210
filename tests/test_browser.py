"""Opening links: which browser runs, and a terminal browser gets the terminal to itself.

1. The choice (:func:`reader.service.browser.choose`) with real programs: small
   executables written into a PATH folder of the test's own, never mocks.
2. The real ``reader`` in tmux with a fake text browser named ``w3m``: the
   reader steps aside while it runs, the keys typed go to it alone, and the
   reader comes back, still working, when it exits.
3. Pilot (headless, where the app cannot step aside): a terminal browser is
   refused in one line; no browser at all, or one that cannot start, is one
   line too, and never "Opening...".

Nothing here opens a real browser or sends anything beyond this machine.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
import time
from pathlib import Path

import pytest
from conftest import reader_command
from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip
from textual.message import Message
from textual.pilot import Pilot
from tui_helpers import (
    FIXED_EPOCH,
    THREAD_TITLE,
    build_library,
    current_screen,
    notifications,
    press,
    running,
    started,
    workers_done,
)

from reader import config
from reader.service import browser
from reader.tui.app import ReaderApp
from reader.tui.screens.link import LinkScreen
from reader.tui.screens.main import MainScreen

URL = "https://news.example/story?id=1"


def program(folder: Path, name: str, body: str = "exit 0") -> Path:
    """An executable shell script ``folder/name`` running ``body``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """An empty folder that is the whole PATH of the choices below."""
    path = tmp_path / "bin"
    path.mkdir()
    return path


def console(bin_dir: Path, **more: str) -> dict[str, str]:
    """The environment of a session without a graphical display, PATH being ``bin_dir`` only."""
    return {"PATH": str(bin_dir), "TERM": "xterm-256color", **more}


# -- 1. the choice -----------------------------------------------------------------------------------


def test_the_browser_setting_wins_over_BROWSER(bin_dir: Path) -> None:
    program(bin_dir, "firefox")
    program(bin_dir, "w3m")
    launch = browser.choose(URL, ("firefox", "--new-tab"), environ=console(bin_dir, BROWSER="w3m"))
    assert launch == browser.Launch("run", ("firefox", "--new-tab", URL), terminal=False)


def test_a_percent_s_in_the_command_takes_the_link_instead_of_the_end(bin_dir: Path) -> None:
    program(bin_dir, "mybrowser")
    launch = browser.choose(URL, ("mybrowser", "--open=%s", "--quiet"), environ=console(bin_dir))
    assert launch.argv == ("mybrowser", f"--open={URL}", "--quiet")
    launch = browser.choose(URL, (), environ=console(bin_dir, BROWSER="mybrowser -x %s -y"))
    assert launch.argv == ("mybrowser", "-x", URL, "-y")


def test_BROWSER_is_a_list_and_its_first_program_found_is_used(bin_dir: Path) -> None:
    """Missing programs and broken entries (an unbalanced quote) are passed over, like Python's webbrowser does."""
    program(bin_dir, "links")
    program(bin_dir, "firefox")
    value = os.pathsep.join(["no-such-browser %s", "'broken", "/no/such/dir/lynx", "firefox --private-window", "links"])
    launch = browser.choose(URL, (), environ=console(bin_dir, BROWSER=value))
    assert launch == browser.Launch("run", ("firefox", "--private-window", URL), terminal=False)


@pytest.mark.parametrize("name", ["w3m", "lynx", "links", "links2", "elinks", "browsh", "carbonyl", "cha"])
def test_known_text_browsers_are_terminal_browsers(bin_dir: Path, name: str) -> None:
    program(bin_dir, name)
    by_name = browser.choose(URL, (), environ=console(bin_dir, BROWSER=name))
    by_path = browser.choose(URL, (str(bin_dir / name), "-o", "x"), environ=console(bin_dir))
    assert by_name == browser.Launch("run", (name, URL), terminal=True)
    assert by_path.terminal and by_path.argv == (str(bin_dir / name), "-o", "x", URL)


def test_other_browsers_are_not_terminal_browsers(bin_dir: Path) -> None:
    for name in ("firefox", "chromium", "xdg-open", "my-w3m-wrapper"):
        program(bin_dir, name)
        assert not browser.choose(URL, (), environ=console(bin_dir, BROWSER=name)).terminal, name


def test_a_symlink_to_a_text_browser_is_one(bin_dir: Path, tmp_path: Path) -> None:
    """Debian's www-browser is a symlink (through /etc/alternatives) to the real program."""
    real = program(tmp_path / "usr-bin", "lynx")
    (bin_dir / "www-browser").symlink_to(real)
    launch = browser.choose(URL, (), environ=console(bin_dir, BROWSER="www-browser"))
    assert launch.argv == ("www-browser", URL) and launch.terminal


def test_browser_terminal_true_or_false_overrides_the_guess(bin_dir: Path) -> None:
    program(bin_dir, "my-text-browser")
    program(bin_dir, "w3m")
    env = console(bin_dir)
    assert browser.choose(URL, ("my-text-browser",), True, environ=env).terminal
    assert not browser.choose(URL, ("w3m",), False, environ=env).terminal
    assert not browser.choose(URL, ("my-text-browser",), "auto", environ=env).terminal


def test_the_system_opener_in_a_graphical_session_and_outside_one(bin_dir: Path) -> None:
    """xdg-open with a display; without one, a text browser found on PATH (what xdg-open would fall back to)."""
    program(bin_dir, "xdg-open")
    program(bin_dir, "lynx")
    desktop = browser.choose(URL, (), environ=console(bin_dir, DISPLAY=":0"), platform="linux")
    assert desktop == browser.Launch("run", ("xdg-open", URL), terminal=False)
    wayland = browser.choose(URL, (), environ=console(bin_dir, WAYLAND_DISPLAY="wayland-0"), platform="linux")
    assert wayland.argv == ("xdg-open", URL)
    text_only = browser.choose(URL, (), environ=console(bin_dir), platform="linux")
    assert text_only == browser.Launch("run", ("lynx", URL), terminal=True)
    program(bin_dir, "open")
    mac = browser.choose(URL, (), environ=console(bin_dir), platform="darwin")
    assert mac == browser.Launch("run", ("open", URL), terminal=False)


def test_no_browser_at_all_is_detected(bin_dir: Path) -> None:
    """No setting, $BROWSER naming only missing programs, no opener, no text browser: nothing can open a link."""
    for environ in (console(bin_dir), console(bin_dir, BROWSER="no-such-browser:/no/such/w3m")):
        launch = browser.choose(URL, (), environ=environ, platform="linux")
        assert launch.how == "none" and launch.argv == ()


def test_the_link_stays_one_argument_and_no_shell_sees_it(bin_dir: Path, tmp_path: Path) -> None:
    """A started browser gets the link exactly, as one argument, its shell characters untouched."""
    record = tmp_path / "arguments.txt"
    witness = tmp_path / "pwned"
    program(bin_dir, "recorder", f'printf "%s\\n" "$#" "$@" > {shlex.quote(str(record))}')
    url = f"https://news.example/a;touch${{IFS}}{witness}&b=$(touch${{IFS}}{witness})|`id`'\""
    launch = browser.choose(url, (str(bin_dir / "recorder"),), environ=console(bin_dir))
    assert launch.argv == (str(bin_dir / "recorder"), url)
    assert browser.start_detached(launch, url)
    deadline = time.monotonic() + 10
    while not record.exists() or not record.read_text(encoding="utf-8").endswith("\n"):
        assert time.monotonic() < deadline, "the browser never ran"
        time.sleep(0.02)
    assert record.read_text(encoding="utf-8").splitlines() == ["1", url]
    assert not witness.exists()


def test_browser_terminal_in_the_config_file() -> None:
    assert config.Config().browser_terminal == "auto"
    assert config.parse("browser_terminal = true\n").browser_terminal is True
    assert config.parse("browser_terminal = false\n").browser_terminal is False
    assert config.parse('browser_terminal = "auto"\n').browser_terminal == "auto"
    wrong = config.parse('browser_terminal = "yes"\n')
    assert wrong.browser_terminal == "auto"
    assert wrong.problems == (
        'config: browser_terminal: expected "auto", true or false, found a string (\'yes\'); using "auto"',
    )


# -- 2. a terminal browser in a real terminal (tmux) ------------------------------------------------

FAKE_BROWSER = """#!{python}
# Stands in for w3m: says which link it got, then takes one key in raw mode.
import os, sys, termios, tty
print("FAKE-BROWSER", sys.argv[1], flush=True)
saved = termios.tcgetattr(0)
tty.setraw(0, termios.TCSANOW)
# Said once raw mode is on, so a key typed after it cannot be lost on the way.
print("press a key to quit", end="\\r\\n", flush=True)
try:
    key = os.read(0, 1)
finally:
    termios.tcsetattr(0, termios.TCSADRAIN, saved)
# Written aside and renamed: the test waits for the file, which must never be seen empty.
with open({marker!r} + ".part", "wb") as marker:
    marker.write(key)
os.replace({marker!r} + ".part", {marker!r})
"""

LIST_KEYS = "\u23ce Open"


@pytest.mark.e2e
def test_a_terminal_browser_owns_the_terminal_until_it_exits(tmp_path: Path, isolated_home: Path) -> None:
    """o, enter: the fake w3m replaces the reader on screen and gets the key typed (q, which would quit the reader).

    When it exits, the reader is back as it was and still answers keys.
    """
    tmux = tmux_or_skip()
    library = build_library(tmp_path / "library.db")
    marker = tmp_path / "key-the-browser-got"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "w3m"
    fake.write_text(FAKE_BROWSER.format(python=sys.executable, marker=str(marker)), encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)

    term = Terminal(tmux, reader_terminal_env(tmp_path, isolated_home), 120, 32)
    try:
        command = f'PATH={shlex.quote(str(bin_dir))}:"$PATH" BROWSER=w3m ' + shlex.join(
            [*reader_command(), "--db", str(library.path)]
        )
        term.start(command, tmp_path / "terminal-output.bin")
        term.wait_for(lambda s: THREAD_TITLE in s and LIST_KEYS in s, "the article list")

        term.keys("o")
        term.wait_for(
            lambda s: "Open this link in your browser?" in s and "https://alpha.example/thread" in s,
            "the link's target",
        )
        term.keys("Enter")
        term.wait_text("FAKE-BROWSER https://alpha.example/thread")
        term.wait_text("press a key to quit")
        # The reader is not drawing over it: its list, its dialog and its footer are gone.
        screen = term.screen()
        for reader_text in (THREAD_TITLE, "Open this link", LIST_KEYS, "Alpha News"):
            assert reader_text not in screen, f"{reader_text!r} still shows beside the browser:\n{screen}"

        # q goes to the browser alone: the reader, which q would quit, never sees it.
        term.keys("q")
        deadline = time.monotonic() + 10
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists() and marker.read_bytes() == b"q", "the browser did not get the key"

        # The browser quit on its own: the reader is back, as it was, and still running.
        screen = term.wait_for(
            lambda s: THREAD_TITLE in s and LIST_KEYS in s and "FAKE-BROWSER" not in s, "the reader back"
        )
        assert "EXIT=" not in screen and "Open this link" not in screen, screen
        # ...and it still works: j moves to the next article, enter reads it.
        term.keys("j", "Enter")
        term.wait_text("Body of beta post 1.")
        term.keys("q")
        assert "EXIT=0" in term.wait_text("EXIT=")
    finally:
        term.kill()


# -- 3. what the app says when it cannot open a link (Pilot, headless) --------------------------------


async def open_first_link(pilot: Pilot[None]) -> None:
    """o on the highlighted article, then enter on the link's target."""
    await press(pilot, "o")
    assert isinstance(current_screen(pilot.app), LinkScreen)
    await press(pilot, "enter")


async def wait_for_notification(pilot: Pilot[None], messages: list[Message], start: str) -> str:
    """The first notification starting with ``start`` (polled until it comes, bounded)."""
    for _ in range(100):
        await workers_done(pilot.app)
        found = [text for text in notifications(messages) if text.startswith(start)]
        if found:
            return found[0]
        await pilot.pause(0.05)
    raise AssertionError(f"no notification starting {start!r}; got {notifications(messages)}")


async def test_a_terminal_browser_is_refused_where_the_app_cannot_step_aside(
    db_path: Path, bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headless (like `reader serve`), there is no terminal to hand over: one line says so, and w3m never runs."""
    ran = tmp_path / "w3m-ran"
    program(bin_dir, "w3m", f": > {shlex.quote(str(ran))}")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("BROWSER", "w3m")
    build_library(db_path)
    messages: list[Message] = []
    async with running(db_path, messages=messages) as (app, pilot, _screen):
        await open_first_link(pilot)
        line = await wait_for_notification(pilot, messages, "can't run a terminal browser here: ")
        assert "w3m" in line and "\n" not in line
        assert isinstance(current_screen(app), MainScreen)
        assert app.return_code is None
    assert not ran.exists(), "the terminal browser ran while the reader kept the terminal"
    assert not any(text.startswith("Opening") for text in notifications(messages))


async def test_no_browser_at_all_is_said_in_one_line(
    db_path: Path, bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No setting, no $BROWSER, no display, nothing on PATH: the line says so and how to set one."""
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    build_library(db_path)
    messages: list[Message] = []
    async with running(db_path, messages=messages) as (_app, pilot, _screen):
        await open_first_link(pilot)
        line = await wait_for_notification(pilot, messages, "no browser found to open links")
    assert 'browser = ["' in line and "config.toml" in line and "\n" not in line
    assert not any(text.startswith("Opening") for text in notifications(messages))


@pytest.mark.parametrize("problem", ["missing", "not executable"])
async def test_a_browser_that_cannot_start_is_one_line(db_path: Path, tmp_path: Path, problem: str) -> None:
    """The configured command does not exist, or is not a program: the line names it and the reason."""
    command = tmp_path / "my-browser"
    if problem == "not executable":
        command.write_text("#!/bin/sh\n", encoding="utf-8")
    build_library(db_path)
    app = ReaderApp(db_path, clock=lambda: FIXED_EPOCH, config=config.Config(browser=(str(command), "--new-tab")))
    messages: list[Message] = []
    async with app.run_test(size=(160, 48), message_hook=messages.append) as pilot:
        await started(pilot)
        await open_first_link(pilot)
        line = await wait_for_notification(pilot, messages, "couldn't start my-browser: ")
        assert app.return_code is None
    reason = "No such file or directory" if problem == "missing" else "Permission denied"
    assert line == f"couldn't start my-browser: {reason}"
    assert not any(text.startswith("Opening") for text in notifications(messages))
