"""The reader application: opens the library and shows the main screen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.notifications import SeverityLevel
from textual.screen import Screen

from reader.config import Config
from reader.service.browser import Launch
from reader.service.library import Library
from reader.service.writer import Writer
from reader.store import Store
from reader.text import dates
from reader.text.sanitize import clean_text
from reader.tui.keymap import APP_BINDINGS, binding_ids, binding_sections
from reader.tui.services import Services

#: Allocations between young-generation collections (CPython's default is 700):
#: opening a big thread allocates tens of thousands of short-lived objects.
GC_THRESHOLD = 20_000


class ReaderApp(App[None]):
    """A terminal newsreader with threaded comments, offline in SQLite."""

    CSS_PATH = "reader.tcss"
    TITLE = "reader"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = APP_BINDINGS

    def __init__(self, db_path: Path, *, clock: Callable[[], int] = dates.now, config: Config | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.clock = clock
        self.config = config or Config()
        # Opened here so a bad path fails before the terminal is taken over.
        self.store = Store(db_path)
        self.writer = Writer(db_path, on_error=self._writer_error, on_busy=self._writer_busy)
        # The same services as the command line's; parsing stays in threads here
        # (a worker process could write to the terminal the reader draws on).
        self.library = Library(db_path, self.config, parse_in_threads=True)
        self._connections: dict[str, tuple[threading.Lock, Store]] = {}
        self._connections_lock = threading.Lock()
        #: The config's keys as applied (binding id -> keys): the help screen shows them.
        self.keymap: dict[str, str] = {}

    @contextmanager
    def connection(self, name: str) -> Iterator[Store]:
        """A connection kept for one kind of worker (opening one costs milliseconds under load).

        Workers of a group can overlap (a cancelled thread finishes its
        query), so each connection is used under its own lock.
        """
        with self._connections_lock:
            if name not in self._connections:
                self._connections[name] = (threading.Lock(), Store(self.db_path))
            lock, store = self._connections[name]
        with lock:
            yield store

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Post a notification, its text cleaned like feed text first.

        Every notification passes here (a widget's or screen's ``notify`` calls
        the app's): paths, exception texts, config keys and server messages
        can carry escape sequences, which Rich passes on to the terminal.
        Callers with such text also pass ``markup=False``.
        """
        super().notify(clean_text(message), title=clean_text(title), severity=severity, timeout=timeout, markup=markup)

    def _writer_error(self, message: str) -> None:
        self.call_from_thread(self.notify, message, severity="error", markup=False)

    def _writer_busy(self, message: str) -> None:
        # notify only posts a message (safe from the writer's thread), and
        # unlike call_from_thread it cannot wait on a UI thread that is
        # itself waiting for the writer to close.
        with contextlib.suppress(RuntimeError):
            self.notify(message, markup=False, timeout=5)

    def on_mount(self) -> None:
        """Apply the config (theme, keys), then show the main screen."""
        from reader.tui.screens.main import MainScreen

        self._apply_theme()
        self._apply_keymap()
        # The config's problems, and the library's (a password others could read, now made private).
        for problem in [*self.config.problems, *self.store.warnings]:
            self.notify(problem, severity="warning", markup=False, timeout=10)
        services = Services(
            library=self.library,
            store=self.store,
            writer=self.writer,
            connection=self.connection,
            config=self.config,
            clock=self.clock,
            open_link=self.open_link,
        )
        self.push_screen(MainScreen(services))
        self.call_after_refresh(self._settle_memory)
        # SIGTERM (kill, a closing multiplexer) quits as q does: Python's
        # default ends the process on the spot, leaving the terminal on the
        # alternate screen with mouse reporting on. 143 is the shell's 128 + 15.
        # Not available off the main thread (some test harnesses): nothing to undo there.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit, None, 128 + signal.SIGTERM)

    def _apply_theme(self) -> None:
        # The palette's last choice (kept in the library) wins over the config's.
        wanted = self.store.get_setting("ui.theme") or self.config.theme
        if wanted in self.available_themes:
            self.theme = wanted
        elif wanted != self.config.theme or self.config.theme != Config().theme:
            self.notify(f"theme {wanted!r} is not one reader knows; using {self.theme!r}", markup=False, timeout=10)
        self._theme_applied = True

    def watch_theme(self, theme: str) -> None:
        """Remember a theme picked in the palette for the next start."""
        if getattr(self, "_theme_applied", False) and self.store.get_setting("ui.theme") != theme:
            self.writer.submit(lambda store: store.set_setting("ui.theme", theme))

    def _apply_keymap(self) -> None:
        if not self.config.keys:
            return
        known = binding_ids()
        unknown = sorted(set(self.config.keys) - known)
        for binding_id in unknown:
            self.notify(f"config: keys.{binding_id}: no action has this id (see ? for ids)", markup=False, timeout=10)
        self.keymap = {binding_id: keys for binding_id, keys in self.config.keys.items() if binding_id in known}
        self.set_keymap(self.keymap)

    def _settle_memory(self) -> None:
        # Everything alive after start-up (Textual, the widgets) lives for the
        # whole session: freezing it keeps full collections from re-scanning
        # it, which otherwise cost 30-60 ms in the middle of opening a thread.
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, 20, 20)

    def on_unmount(self) -> None:
        """Save pending changes and close the library."""
        #: Changes the writer could not save before quitting (the command line says so).
        self.unsaved_changes = self.writer.close()
        for lock, store in self._connections.values():
            with lock:
                store.close()
        self.store.close()

    def action_next_pane(self, step: int) -> None:
        """Tab (``step`` 1) and shift+tab (-1): the main screen's next pane (it knows which are shown), else widget."""
        next_pane = getattr(self.screen, "next_pane", None)
        if next_pane is not None:
            next_pane(step)
        elif step > 0:
            self.action_focus_next()
        else:
            self.action_focus_previous()

    def action_help(self) -> None:
        """Show every key (as the config's [keys] may have changed them)."""
        from reader.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(binding_sections(), keymap=dict(self.keymap)))

    def open_link(self, url: str) -> None:
        """Open an http(s) link in the browser of the config, ``$BROWSER`` or the system; else say why, in one line.

        Runs in a worker thread: finding a browser and starting one can take a
        while. A terminal browser (w3m, lynx...) needs the terminal itself, so
        the app steps aside for it, on the UI thread, until it exits.
        """
        from reader.config import config_path
        from reader.service import browser
        from reader.text.sanitize import safe_url

        checked = safe_url(url)
        if checked is None:
            self.call_from_thread(self._say, "only http and https links can be opened", "warning")
            return
        launch = browser.choose(checked, self.config.browser, self.config.browser_terminal)
        if launch.how == "none":
            where = self.config.path or config_path()
            message = f'no browser found to open links: set browser = ["your-browser"] in {where}'
            self.call_from_thread(self._say, message, "warning")
        elif launch.terminal:
            self.call_from_thread(self._run_terminal_browser, launch, checked)
        else:
            try:
                opened = browser.start_detached(launch, checked)
            except OSError as error:
                self.call_from_thread(self._say, _not_started(launch.program, error), "error")
                return
            if opened:
                self.call_from_thread(self._say, f"Opening {checked}", "information", 3)
            else:
                self.call_from_thread(self._say, f"{launch.program} did not open {checked}", "warning")

    def _run_terminal_browser(self, launch: Launch, url: str) -> None:
        """Hand the terminal to a text browser until it exits (UI thread: App.suspend must run there)."""
        import shutil

        from textual.app import SuspendNotSupported

        from reader.service import browser

        # Checked first, so a missing program does not blank the screen for nothing.
        if launch.how == "run" and shutil.which(launch.argv[0]) is None:
            self._say(_not_started(launch.program, "not found"), "error")
            return
        outcome: int | OSError = 0
        try:
            with self.suspend():
                # Caught inside: App.suspend resumes the app only when its block
                # ends without an exception.
                try:
                    outcome = browser.run_in_terminal(launch, url)
                except OSError as error:
                    outcome = error
        except SuspendNotSupported:
            # `reader serve` (a web page) and headless runs have no terminal to lend.
            self._say(
                f"can't run a terminal browser here: {launch.program} needs a terminal this session cannot hand over",
                "warning",
            )
            return
        if isinstance(outcome, OSError):
            self._say(_not_started(launch.program, outcome), "error")
        elif outcome > 0:  # below 0: ended by a signal, such as the user's ctrl+c
            self._say(f"{launch.program} exited with status {outcome}", "warning")

    def _say(self, message: str, severity: SeverityLevel, timeout: float | None = None) -> None:
        """One notification line; its text (URLs, program names, error texts) is untrusted, so cleaned."""
        from reader.text.sanitize import clean_line

        self.notify(clean_line(message), severity=severity, timeout=timeout, markup=False)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key's action in the command palette, plus Textual's own commands."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            node = active.node

            def run(node=node, action=binding.action) -> None:  # type: ignore[no-untyped-def]
                self.call_later(self.run_action, action, node)

            yield SystemCommand(binding.description, f"key: {key}", run)


def _not_started(program: str, why: OSError | str) -> str:
    """The line saying a browser could not start (the OS's reason when there is one)."""
    reason = why if isinstance(why, str) else why.strerror or str(why)
    return f"couldn't start {program}: {reason}"


def serve(db_path: Path, host: str, port: int) -> None:
    """Serve the reader on ``db_path`` to web browsers through textual-serve (``reader serve``)."""
    import shlex
    import sys

    from textual_serve.server import Server

    # textual-serve starts this through a shell for every browser tab; the
    # paths are quoted, and nothing from a feed is in it.
    command = " ".join(shlex.quote(part) for part in (sys.executable, "-m", "reader", "--db", str(db_path), "tui"))
    # reader's own page: textual-serve's loads a web font from Google on every
    # visit; this one loads nothing from anywhere but this server.
    templates = Path(__file__).parent / "serve_templates"
    Server(command, host=host, port=port, title="reader", templates_path=templates).serve()


async def workers_done(app: App[Any]) -> None:
    """Wait for every worker; one cancelled because a newer one replaced it counts as done.

    Exclusive workers (a re-render, a list load) are cancelled by design when a newer request
    comes; Textual's ``wait_for_complete`` raises ``WorkerCancelled`` for them.
    """
    from textual.worker import WorkerCancelled

    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def _screenshot(
    app: ReaderApp, destination: Path, size: tuple[int, int], keys: list[str], theme: str | None
) -> None:
    async with app.run_test(size=size) as pilot:
        await workers_done(app)
        await pilot.pause()
        if theme is not None:
            app.theme = theme
        for key in keys:
            await pilot.press(key)
            await workers_done(app)
            await pilot.pause()
        await pilot.pause(0.2)
        destination.write_text(app.export_screenshot(), encoding="utf-8")


def save_screenshot(
    db_path: Path,
    destination: Path,
    *,
    size: tuple[int, int] = (160, 48),
    keys: list[str],
    theme: str | None = None,
) -> None:
    """Run the reader headless on ``db_path`` (in ``theme``), press ``keys`` and save what it shows as SVG."""
    import asyncio

    app = ReaderApp(db_path)
    asyncio.run(_screenshot(app, destination, size, keys, theme))
