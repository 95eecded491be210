"""The ``reader`` group (its options, no command opens the reader) and ``main``, where every error becomes one line.

Every error is one line on stderr and a non-zero exit status; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import io
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from reader import __version__, paths
from reader.cli.base import EXIT_FAILURE, Context, UserError, interactive, run_tui, say
from reader.config import load as load_config
from reader.store import StoreError, library_failure
from reader.text.sanitize import clean_line
from reader.text.search import InvalidSearchError


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="READER_DB",
    help="Database file (default: the user data folder; env READER_DB).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(__version__, prog_name="reader")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, debug: bool) -> None:
    """A terminal newsreader with threaded comments, offline in SQLite.

    Run a subcommand; `reader demo` shows what reader can do.
    """
    config = load_config()
    # A broken config never stops a command: each problem is one line, and
    # the setting keeps its default. `reader config` reports them itself, and
    # the reader shows them on its screen (printed here as well, each came twice).
    opens_reader = ctx.invoked_subcommand == "tui" or (ctx.invoked_subcommand is None and interactive())
    if ctx.invoked_subcommand != "config" and not opens_reader:
        for problem in config.problems:
            say(f"reader: warning: {problem}", err=True)
    if db_path is None:
        db_path = Path(config.database).expanduser() if config.database else paths.default_db_path()
    state = Context(db_path=db_path, debug=debug, config=config)
    ctx.obj = state
    global _library_path
    _library_path = db_path
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        if interactive():
            run_tui(state.db_path, state.config)
        else:
            say(ctx.get_help())


# -- entry point ------------------------------------------------------------

#: The library the running command uses, named in errors that escape it.
_library_path: Path | None = None


def _show_click_error(error: click.ClickException) -> None:
    """Print a click error through :func:`say`: usage errors quote what was typed (an extra argument)."""
    if isinstance(error, UserError):
        error.show()
        return
    shown = io.StringIO()
    error.show(file=shown)
    say(shown.getvalue(), err=True, nl=False)


def fail(message: str) -> NoReturn:
    say(f"reader: error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; the console script ``reader`` calls this."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    terminated = False

    def on_sigterm(signum: int, frame: Any) -> None:
        # SIGTERM (kill, a service manager, `timeout`) stops a command the way
        # Ctrl-C does: what is stored stays, parse workers are stopped, no
        # traceback. Python's default would end the process on the spot.
        nonlocal terminated
        terminated = True
        interrupt = signal.getsignal(signal.SIGINT)
        if callable(interrupt):
            interrupt(signal.SIGINT, frame)  # asyncio's own handler while a fetch runs
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        cli.main(args=args, prog_name="reader", standalone_mode=False)
    except click.exceptions.Abort as error:
        if terminated:  # click turned the interrupt into Abort; SIGTERM ends quietly, 128 + 15
            sys.exit(128 + signal.SIGTERM)
        if isinstance(error.__cause__, KeyboardInterrupt):
            # Ctrl-C: the user knows; the shell's convention, 128 + SIGINT, and no error line.
            sys.exit(128 + signal.SIGINT)
        fail("aborted")
    except click.ClickException as error:
        _show_click_error(error)
        sys.exit(error.exit_code)
    except (StoreError, InvalidSearchError) as error:
        if debug:
            raise
        fail(str(error))
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a word.
        sys.stderr.close()
        sys.exit(0)
    except KeyboardInterrupt:
        # The shell's convention: 128 + the signal's number.
        sys.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))
    except sqlite3.Error as error:
        # The library failed under a command (read-only, disk full, damaged): one line.
        if debug:
            raise
        failure = library_failure(error, _library_path)
        fail(str(failure) if failure else f"{_library_path}: database error ({error})")
    except Exception as error:
        if debug:
            raise
        fail(f"unexpected {type(error).__name__}: {clean_line(str(error))[:200]} (run with --debug for details)")
    finally:
        signal.signal(signal.SIGTERM, previous)
