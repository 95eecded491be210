"""A background writer: reading-state changes saved in order, off the UI thread.

Each mark is committed durably (``synchronous=FULL``), which can take a few
milliseconds on a real disk; the interface must not wait for that. One
thread with its own connection applies the changes in the order they were
asked for, so "read, unread, read" always ends read.

Other programs write to the same file (``reader fetch`` from cron, an
import): a change that finds the write lock taken past the store's busy
timeout is tried again until it lands, never dropped with an error. The
writer's connection is also where the reader asks whether anyone else has
committed (:meth:`Writer.check_changed`).

A change that fails for any other reason (a read-only library, a full disk)
is not tried again: every later write would fail the same way. Marks that
failed are counted (:attr:`Writer.lost_marks`) so the interface can put the
articles back as they are stored and the command line can say so on exit.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from reader.store import Store, library_failure

_STOP = object()
Job = Callable[[Store], object]

#: Pause before trying a change again after the store's busy timeout (10 s)
#: ran out: another program still holds the write lock.
RETRY_PAUSE = 0.2


def _is_busy(error: sqlite3.Error) -> bool:
    """True for "database is locked" (SQLITE_BUSY): another connection holds the lock."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        # Extended codes (SQLITE_BUSY_SNAPSHOT, ...) keep the primary code in the low byte.
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "database is locked" in str(error)


class Writer:
    """Applies changes to the library in a thread of its own, in order."""

    def __init__(
        self,
        db_path: Path,
        on_error: Callable[[str], None] | None = None,
        on_busy: Callable[[str], None] | None = None,
    ) -> None:
        """Start the writer's thread on ``db_path``.

        ``on_error`` hears (in the writer's thread) of a change that could
        not be saved; ``on_busy`` hears once when a change has to wait for
        another program to finish writing.
        """
        self._db_path = db_path
        self._on_error = on_error
        self._on_busy = on_busy
        #: ``PRAGMA data_version`` of the writer's connection at the last check.
        self._data_version: int | None = None
        #: Articles whose read/star change failed (not for a busy library: those wait and land).
        self.lost_marks = 0
        #: Why the first of them failed (one line, for the exit message).
        self.lost_reason = ""
        #: Failure messages already reported: a read-only library fails every write the same way.
        self._told: set[str] = set()
        self._jobs: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="reader-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        store: Store | None = None
        try:
            store = Store(self._db_path)
            # Before any job, and so before the interface's first read: commits
            # from here on are what check_changed reports.
            self._data_version = _data_version(store)
            while True:
                job = self._jobs.get()
                try:
                    if job is _STOP:
                        return
                    try:
                        self._apply(store, job)  # type: ignore[arg-type]
                    except Exception as error:  # report, keep serving later changes
                        self._report(self._describe(error))
                finally:
                    self._jobs.task_done()
        except Exception as error:
            if self._on_error:
                self._on_error(f"could not open the library to save changes: {error}")
        finally:
            if store is not None:
                store.close()

    def _apply(self, store: Store, job: Job) -> None:
        """Run ``job``; while another program holds the write lock, wait and try again.

        Every job is one transaction (or none), so a failed attempt left
        nothing behind. SQLite already waited the busy timeout inside each
        attempt; giving up would lose a mark the user has seen made.
        """
        told = False
        while True:
            try:
                job(store)
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            if not told and self._on_busy:
                told = True
                self._on_busy("Another program is writing to the library; your changes will be saved when it is done.")
            time.sleep(RETRY_PAUSE)

    def _describe(self, error: Exception) -> str:
        """One line for ``error``: what is wrong with the library when that is the cause."""
        failure = library_failure(error, self._db_path) if isinstance(error, sqlite3.Error) else None
        return str(failure) if failure is not None else f"{type(error).__name__}: {error}"

    def _report(self, reason: str) -> None:
        # Once per reason: with a read-only library every mark and setting fails alike.
        if reason in self._told:
            return
        self._told.add(reason)
        if self._on_error:
            self._on_error(f"Could not save your changes: {reason}")

    def submit(self, job: Job) -> None:
        """Run ``job(store)`` after every change asked for before it."""
        self._jobs.put(job)

    def mark(
        self,
        ids: Iterable[int],
        *,
        read: bool | None = None,
        starred: bool | None = None,
        then: Callable[[bool], object] | None = None,
    ) -> None:
        """Save read/starred state; ``then`` hears (in the writer's thread) whether it was saved.

        A mark that fails (read-only library, full disk) is counted in
        :attr:`lost_marks`, one per article, and reported once per reason.
        """
        id_list = list(ids)

        def job(store: Store) -> None:
            saved = True
            try:
                store.mark(id_list, read=read, starred=starred)
            except Exception as error:
                if isinstance(error, sqlite3.OperationalError) and _is_busy(error):
                    raise  # _apply waits for the other program, then runs this job again
                self._lost(len(id_list), error)
                saved = False
            if then is not None:
                then(saved)

        self.submit(job)

    def _lost(self, count: int, error: Exception) -> None:
        reason = self._describe(error)
        self.lost_marks += count
        self.lost_reason = self.lost_reason or reason
        self._report(reason)

    def thread_seen(self, article_id: int, when: int, thread_id: int | None = None) -> None:
        """Remember when the user last opened a thread (one of the article's, or all of them)."""
        self.submit(lambda store: store.mark_thread_seen(article_id, when, thread_id=thread_id))

    def setting(self, key: str, value: str) -> None:
        """Save a setting."""
        self.submit(lambda store: store.set_setting(key, value))

    def after_saved(self, callback: Callable[[], object], *, call: Callable[..., object] | None = None) -> None:
        """Run ``callback`` once everything asked for so far is saved.

        ``call`` hands it to another thread (``App.call_from_thread``); by
        default it runs in the writer's thread.
        """

        def job(_store: Store) -> None:
            # RuntimeError: the app is shutting down; nothing left to refresh.
            with contextlib.suppress(RuntimeError):
                (call or (lambda f: f()))(callback)

        self.submit(job)

    def check_changed(self, callback: Callable[[bool], object]) -> None:
        """Tell ``callback`` (in the writer's thread) whether another connection committed since the last check.

        ``PRAGMA data_version`` on the writer's own connection changes only
        when some other connection commits (another process, a fetch), never
        for the writer's own changes, and the check runs after the changes
        asked for before it: the reader's own marks never count as news.
        """

        def job(store: Store) -> None:
            version = _data_version(store)
            changed = version != self._data_version
            self._data_version = version
            callback(changed)

        self.submit(job)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change asked for so far is saved; False on timeout."""
        done = threading.Event()
        self.submit(lambda _store: done.set())
        return done.wait(timeout)

    def close(self, timeout: float = 60.0) -> int:
        """Save what is pending, then stop the thread; returns how many changes are still unsaved.

        A change waits while another program holds the library; after
        ``timeout`` the caller is told instead of the change vanishing silently.
        """
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout=timeout)
        if not self._thread.is_alive():
            return 0
        return max(0, self._jobs.qsize())


def _data_version(store: Store) -> int:
    return int(store.conn.execute("PRAGMA data_version").fetchone()[0])
