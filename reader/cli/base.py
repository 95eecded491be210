"""What every command shares: the library it works on, printing cleaned for the terminal, errors, the reader."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reader.cli import output
from reader.config import Config
from reader.store import Store

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

        A command that only reads does not create a missing library, nor
        its folders (a mistyped ``--db`` or a wrong ``HOME`` would leave them
        behind): it says there is none yet.
        """
        if self._store is None:
            if _command_name() in _READING_COMMANDS and not self.db_path.exists():
                raise UserError(
                    f"no library yet at {self.db_path}: `reader add URL` or `reader import FILE` starts one"
                )
            self._store = Store(self.db_path)
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

#: Commands that only read the library (``sync`` and ``sync status`` say there is no account).
_READING_COMMANDS = frozenset({"list", "show", "search", "feeds", "tags", "export opml", "export markdown"})


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
    return max(40, min(120, shutil.get_terminal_size((100, 24)).columns))


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
        line = f"reader: error: {lost} mark{'s' if lost != 1 else ''} could not be saved: {app.writer.lost_reason}"
        if unsaved:
            line += f"; {unsaved} more change{'s' if unsaved != 1 else ''} waited for another program in vain"
        say(line, err=True)
        raise SystemExit(EXIT_FAILURE)
    if unsaved:
        say(
            f"reader: error: {unsaved} change{'s' if unsaved != 1 else ''} (read/starred marks) could not be saved: "
            "another program held the library for over a minute",
            err=True,
        )
        raise SystemExit(EXIT_FAILURE)
    if app.return_code:
        # The app failed (Textual has printed the traceback): say so in the exit status.
        raise SystemExit(app.return_code)
