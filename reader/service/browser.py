"""Which program opens a link, and whether it needs the reader's terminal.

The choice, in order: the config's ``browser`` command, else the first entry
of ``$BROWSER`` whose program exists, else the system's opener (``open`` on
macOS; ``xdg-open`` in a graphical session elsewhere, or a text browser
found on PATH outside one; Python's :mod:`webbrowser` where none of those
applies). A text browser (w3m, lynx...) draws in the terminal it starts in:
the app must step aside while it runs, or both would read the same keys. The
config's ``browser_terminal`` says whether the chosen program is one;
``"auto"`` recognises the known text browsers by name.

No Textual here: the app decides how to show the outcome, this module only
decides and starts processes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

#: ``browser_terminal`` in the config: ``"auto"`` guesses from the program's name.
TerminalSetting = bool | Literal["auto"]

#: How a link is opened: run ``argv``; hand it to Python's webbrowser; nothing can open it.
How = Literal["run", "webbrowser", "none"]

#: Programs that draw in the terminal they start in (compared with the program's
#: file name, and with the name of the file a symlink such as www-browser points to).
TEXT_BROWSERS = frozenset(
    {
        "w3m",
        "w3mmee",
        "lynx",
        "links",
        "links2",
        "elinks",
        "felinks",
        "browsh",
        "carbonyl",
        "chawan",
        "cha",
        "amfora",
        "bombadillo",
        "offpunk",
        "edbrowse",
        "netrik",
        "retawq",
    }
)

#: Outside a graphical session, the programs tried in order (Debian's
#: www-browser alternative first, then common text browsers by name).
CONSOLE_FALLBACKS = ("www-browser", "w3m", "lynx", "elinks", "links2", "links", "chawan", "cha")


@dataclass(frozen=True)
class Launch:
    """How one URL will be opened."""

    how: How
    #: The command, the URL in it (``how == "run"``); empty otherwise.
    argv: tuple[str, ...] = ()
    #: True when the program needs the terminal the reader runs in.
    terminal: bool = False

    @property
    def program(self) -> str:
        """The program's file name, for messages (``"your browser"`` for the webbrowser module)."""
        return os.path.basename(self.argv[0]) if self.argv else "your browser"


def with_url(template: Sequence[str], url: str) -> tuple[str, ...]:
    """``template`` with ``url`` put where ``%s`` is, or added as the last argument.

    The URL always stays inside one argument: nothing is ever given to a shell.
    """
    if any("%s" in part for part in template[1:]):
        return (template[0], *(part.replace("%s", url) for part in template[1:]))
    return (*template, url)


def is_text_browser(program: str, path: str | None = None) -> bool:
    """True if ``program`` (a name or a path) is a known text browser, itself or through a symlink."""
    names = {_name(program)}
    found = shutil.which(program, path=path)
    if found:
        names.add(_name(os.path.realpath(found)))
    return not names.isdisjoint(TEXT_BROWSERS)


def _name(program: str) -> str:
    name = os.path.basename(program).lower()
    return name.removesuffix(".exe")


def choose(
    url: str,
    setting: Sequence[str] = (),
    terminal: TerminalSetting = "auto",
    *,
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
) -> Launch:
    """How to open ``url``: the ``browser`` setting, else ``$BROWSER``, else the system's opener.

    ``environ`` (default: this process's) gives ``PATH``, ``BROWSER`` and the
    display variables; ``platform`` is ``sys.platform``'s kind of name.
    """
    env = os.environ if environ is None else environ
    path = env.get("PATH", os.defpath)
    argv = _from_setting(setting) or _from_browser_variable(env.get("BROWSER", ""), path)
    if argv is None:
        argv = _system_opener(env, path, platform)
    if argv is None:
        return _from_webbrowser(url, terminal, path, platform, env)
    return _launch(with_url(argv, url), terminal, path)


def _launch(argv: tuple[str, ...], terminal: TerminalSetting, path: str) -> Launch:
    needs_terminal = is_text_browser(argv[0], path) if terminal == "auto" else terminal
    return Launch("run", argv, needs_terminal)


def _from_setting(setting: Sequence[str]) -> tuple[str, ...] | None:
    # The setting wins even when its program is missing: starting it then
    # fails with a message naming it, instead of some other browser opening.
    return tuple(setting) if setting else None


def _from_browser_variable(value: str, path: str) -> tuple[str, ...] | None:
    # Python's webbrowser reads $BROWSER as a list separated by os.pathsep,
    # each entry a command line; the first whose program exists is used.
    for entry in value.split(os.pathsep):
        try:
            argv = shlex.split(entry)
        except ValueError:  # an unbalanced quote: not a command line
            continue
        if argv and shutil.which(argv[0], path=path):
            return tuple(argv)
    return None


def _system_opener(env: Mapping[str, str], path: str, platform: str) -> tuple[str, ...] | None:
    if platform == "win32":
        return None  # the webbrowser module asks Windows itself
    if platform == "darwin":
        return ("open",) if shutil.which("open", path=path) else None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ("xdg-open",) if shutil.which("xdg-open", path=path) else None
    # No graphical session: xdg-open (and webbrowser) would fall back to a
    # text browser anyway, run in this terminal; pick it here, so it is known
    # to be one.
    for program in CONSOLE_FALLBACKS:
        if shutil.which(program, path=path):
            return (program,)
    return None


def _from_webbrowser(url: str, terminal: TerminalSetting, path: str, platform: str, env: Mapping[str, str]) -> Launch:
    graphical = platform in ("win32", "darwin") or bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if not graphical:
        return Launch("none")  # the console browsers it knows were looked for above
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return Launch("none")
    if isinstance(controller, webbrowser.GenericBrowser | webbrowser.UnixBrowser):
        # A plain command (firefox, chromium...): run it like any other, so a
        # text browser it picked is still recognised. webbrowser registers
        # $BROWSER's entries even when they do not exist: check.
        if not controller.name or not shutil.which(controller.name, path=path):
            return Launch("none")
        args = controller.args if isinstance(controller, webbrowser.GenericBrowser) else ["%s"]
        return _launch(with_url((controller.name, *args), url), terminal, path)
    # The platform's own mechanism (Windows' file associations, macOS's
    # AppleScript): no program to name.
    return Launch("webbrowser", (), terminal is True)


def start_detached(launch: Launch, url: str) -> bool:
    """Start a browser that opens its own window, without waiting for it; False if none answered.

    Raises OSError (FileNotFoundError, PermissionError) when the program cannot start.
    """
    if launch.how == "webbrowser":
        return webbrowser.open(url)
    # Its own session and no stdio: it outlives the reader and never writes
    # into the reader's screen.
    subprocess.Popen(
        launch.argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return True


def run_in_terminal(launch: Launch, url: str) -> int:
    """Run a terminal browser in this terminal until it exits; its exit status (0 for webbrowser's success).

    The caller must have handed the terminal over first. Raises OSError when
    the program cannot start.
    """
    with _interrupts_go_to_the_browser():
        if launch.how == "webbrowser":
            return 0 if webbrowser.open(url) else 1
        return subprocess.run(launch.argv, check=False).returncode


@contextmanager
def _interrupts_go_to_the_browser() -> Iterator[None]:
    # With the terminal in the browser's hands, ctrl+c signals the whole
    # foreground process group, the reader included: the browser handles it,
    # and the reader must not die of it. A Python-level handler (not SIG_IGN)
    # so that the browser itself starts with the default one.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, _ignore_signal)
    try:
        yield
    finally:
        # None: a handler not installed from Python; the default is the closest.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


def _ignore_signal(_number: int, _frame: object) -> None:
    """Stand in for the interrupt handler while a terminal browser runs."""
