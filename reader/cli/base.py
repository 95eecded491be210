"""What every command shares: the library it works on, printing cleaned for the terminal, errors, the reader."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reader.cli import output
from reader.config import Config
from reader.store import Store
from reader.text import plural

if TYPE_CHECKING:
    from reader.service.library import Library


EXIT_FAILURE = 1
EXIT_USAGE = 2


class UserError(click.ClickException):
    """An error the user can act on; printed as one line."""

    def show(self, file: Any = None) -> None:
        say(f"reader: error: {self.format_message()}", err=True)


@dataclass
class Context:
    """Shared state for the subcommands: where the database is, and its handle."""

    db_path: Path
    debug: bool = False
    config: Config = field(default_factory=Config)
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        """Open the library (once per command), its warnings on stderr.

        A command that only reads, or one with nothing to act on without a
        library (``remove``, ``prune``), does
        not create a missing library, nor its folders (a mistyped ``--db`` or
        a wrong ``HOME`` would leave them behind): it says there is none yet.
        The others create it and say so, once, on stderr.
        """
        if self._store is None:
            existed = self.db_path.exists()
            if not existed and _command_name() in _NEEDS_A_LIBRARY:
                raise UserError(
                    f"no library yet at {self.db_path}: `reader add URL` or `reader import FILE` starts one"
                )
            self._store = Store(self.db_path)
            if not existed:
                say_created(self.db_path)
            for warning in self._store.warnings:
                say(f"reader: warning: {warning}", err=True)
        return self._store

    def library(self) -> Library:
        """The services over this library (fetch, comments, sync): the same the reader uses."""
        from reader.service.library import Library

        return Library(self.db_path, self.config, debug=self.debug)

    def close(self) -> None:
        """Close the library if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_context = click.make_pass_decorator(Context)

#: Commands that refuse a missing library rather than create one: those that only read it (``sync``
#: and ``sync status`` say there is no account), and those that change feeds or articles it would
#: not hold (an empty library made only to say "no feed with id 1" is a file left behind by a typo).
_NEEDS_A_LIBRARY = frozenset(
    {
        "list",
        "show",
        "search",
        "feeds",
        "tags",
        "export opml",
        "export markdown",
        "remove",
        "rename",
        "move",
        "tag",
        "prune",
        "mark",
        "mark-feed-read",
        "comments",
        "fulltext",
    }
)


def say_created(path: Path) -> None:
    """Say on stderr that a command made a new library at ``path`` (a mistyped ``--db`` shows at once)."""
    say(f"reader: created a new library at {path}", err=True)


def _command_name() -> str:
    """The running subcommand, as typed after ``reader`` (``export opml``); empty outside one."""
    names = []
    context = click.get_current_context(silent=True)
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names))


def say(message: str, err: bool = False, nl: bool = True, *, bold: bool = False) -> None:
    """Print ``message`` (to stderr with ``err``), every line cleaned for the terminal, newlines kept.

    Every human-readable line the command prints goes through here: file
    names, paths, exception texts and server messages can carry escape
    sequences as feed text can (a file named ``ESC ] 52 ; ...`` writes the
    clipboard of whoever imports it). ``bold`` keeps search's emphasis.
    """
    click.echo(output.printable(message, bold=bold), err=err, nl=nl)


# What ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal acts on
# or reorders: DEL, the C1 block (U+009B is CSI), bidi marks, and lone
# surrogates (bytes of a file name that is not UTF-8).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def emit_json(data: object) -> None:
    """Print ``data`` as JSON, with what a terminal would act on written as ``\\uXXXX`` escapes.

    Those characters occur only inside strings, where the escape stands for
    the same character: the JSON stays valid and parses back to ``data``.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def terminal_width() -> int:
    """The width to wrap text to: the terminal's (``COLUMNS`` if set), 100 off a terminal.

    At most 120, a comfortable line to read on a wide terminal; at least 20,
    below which nothing reads anyway.
    """
    return max(20, min(120, shutil.get_terminal_size((100, 24)).columns))


def page(text: str, *, pager: bool = True) -> None:
    """Print ``text`` as :func:`say` does, through a pager when stdout is a terminal, as git does.

    The pager is ``$PAGER`` (split into words, run without a shell; empty or
    ``cat`` means none), else ``less -R``; without less, or when it cannot
    start, the text is printed directly. ``LESS`` defaults to git's ``FRX``:
    a text shorter than the screen is printed and stays, with no screen
    cleared. Piped, or with ``pager`` False, nothing is paged.
    """
    cleaned = output.printable(text)
    command = _pager_command() if pager and sys.stdout.isatty() else None
    if command is None or not _run_pager(command, cleaned):
        click.echo(cleaned, nl=False)


def _pager_command() -> list[str] | None:
    """The pager to run, as words; None for none."""
    configured = os.environ.get("PAGER")
    if configured is None:
        less = shutil.which("less")
        return [less, "-R"] if less else None
    try:
        words = shlex.split(configured)
    except ValueError:  # an unclosed quote: no pager can be made of it
        return None
    return words if words and words != ["cat"] else None


def _run_pager(command: list[str], text: str) -> bool:
    """Give ``text`` to the pager ``command`` and wait until it ends; False when it could not start.

    A pager that quits before reading everything (q pressed) is how paging
    ends, not an error: what it did not read is dropped. While it runs,
    Ctrl-C is the pager's (less uses it to stop a search); reader ignores it
    instead of dying under the pager and leaving it the terminal.
    """
    environment = dict(os.environ)
    environment.setdefault("LESS", "FRX")
    environment.setdefault("LV", "-c")  # the lv pager's colour option, as git sets it
    sys.stdout.flush()  # anything printed before comes before the pager's screen
    try:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, env=environment)
    except OSError:  # not found, not executable
        return False
    # Set once the pager runs: a child started with SIGINT ignored would keep ignoring it.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        # communicate() writes what the pager takes (a pager that quit early closes the pipe:
        # the rest is dropped, without BrokenPipeError), closes its input and waits.
        process.communicate(text.encode(sys.stdout.encoding or "utf-8", errors="replace"))
    finally:
        signal.signal(signal.SIGINT, previous)
    return True


def interactive() -> bool:
    """True when a person is at a terminal (the full-screen reader needs one)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_tui(db_path: Path, config: Config | None = None) -> None:
    """Open the reader on ``db_path`` (Textual is imported only here)."""
    from reader.tui.app import ReaderApp

    app = ReaderApp(db_path, config=config)
    # Not main's Ctrl-C stand-in: Textual takes Ctrl-C as a key and owns the
    # terminal. The app quits on SIGTERM as on q, giving the terminal back
    # (ReaderApp.on_mount); until it runs, and after, the default applies.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    app.run()
    unsaved = getattr(app, "unsaved_changes", 0)
    lost = app.writer.lost_marks
    if lost:
        # Marks that failed (read-only library, full disk): the list showed them
        # taken back, and the shell must hear it too, in one line.
        line = f"reader: error: {plural(lost, 'mark')} could not be saved: {app.writer.lost_reason}"
        if unsaved:
            line += f"; {plural(unsaved, 'more change')} waited for another program in vain"
        say(line, err=True)
        raise SystemExit(EXIT_FAILURE)
    if unsaved:
        say(
            f"reader: error: {plural(unsaved, 'change')} (read/starred marks) could not be saved: "
            "another program held the library for over a minute",
            err=True,
        )
        raise SystemExit(EXIT_FAILURE)
    if app.return_code:
        # The app failed (Textual has printed the traceback): say so in the exit status.
        raise SystemExit(app.return_code)
