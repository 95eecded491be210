"""A background writer: reading-state changes saved in order, off the UI thread.

Each mark is committed durably (``synchronous=FULL``), which can take a few
milliseconds on a real disk; the interface must not wait for that. One
thread with its own connection applies the changes in the order they were
asked for, so "read, unread, read" always ends read.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from reader.store import Store

_STOP = object()
Job = Callable[[Store], object]


class Writer:
    """Applies changes to the library in a thread of its own, in order."""

    def __init__(self, db_path: Path, on_error: Callable[[str], None] | None = None) -> None:
        self._db_path = db_path
        self._on_error = on_error
        self._jobs: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="reader-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        store: Store | None = None
        try:
            store = Store(self._db_path)
            while True:
                job = self._jobs.get()
                try:
                    if job is _STOP:
                        return
                    try:
                        job(store)  # type: ignore[operator]
                    except Exception as error:  # report, keep serving later changes
                        if self._on_error:
                            self._on_error(f"could not save: {error}")
                finally:
                    self._jobs.task_done()
        except Exception as error:
            if self._on_error:
                self._on_error(f"could not open the library to save changes: {error}")
        finally:
            if store is not None:
                store.close()

    def submit(self, job: Job) -> None:
        """Run ``job(store)`` after every change asked for before it."""
        self._jobs.put(job)

    def mark(self, ids: Iterable[int], *, read: bool | None = None, starred: bool | None = None) -> None:
        """Save read/starred state."""
        id_list = list(ids)
        self.submit(lambda store: store.mark(id_list, read=read, starred=starred))

    def thread_seen(self, article_id: int, when: int) -> None:
        """Remember when the user last opened a thread."""
        self.submit(lambda store: store.mark_thread_seen(article_id, when))

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

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change asked for so far is saved; False on timeout."""
        done = threading.Event()
        self.submit(lambda _store: done.set())
        return done.wait(timeout)

    def close(self) -> None:
        """Save what is pending, then stop the thread."""
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout=10)
