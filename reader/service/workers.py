"""Worker processes that never outlive the process that started them.

A fetch parses feeds in a pool of processes (forked, or spawned). Killed (SIGKILL, or a
SIGTERM that does not run Python's cleanup), the parent never tells its
workers to stop, and they cannot notice on their own: each holds a copy of
both ends of the pool's job queue, so waiting on it never ends. They would
sit there (tens of megabytes each) together with multiprocessing's resource
tracker, which waits for every process holding its pipe to go.

So every worker gets a lifeline: the reading end of a pipe whose only
writing end stays in the parent (pipes are not inherited by spawned
processes unless handed over, and only this end is; a forked worker closes
the copy of the writing end it was born with). A thread in the worker
waits on it; the kernel closes the writing end when the parent dies, however
it dies, and the read returns at once: the worker exits, and with the last
of them the resource tracker. Unlike ``PR_SET_PDEATHSIG`` this is not tied to
the parent's thread that started the worker (any thread may submit the
first job), and it works on every POSIX system.
"""

from __future__ import annotations

import contextlib
import multiprocessing.connection
import os
import signal
import threading
from multiprocessing.context import BaseContext


class Lifeline:
    """The parent's side of the pipe: :attr:`child_end` goes to each worker (``watch_parent``)."""

    def __init__(self, context: BaseContext) -> None:
        #: The writing end stays here, never handed to anyone, until :meth:`close`.
        self.child_end, self.parent_end = context.Pipe(duplex=False)

    def close(self) -> None:
        """Let go of both ends (after the workers stopped: any still running exit too)."""
        self.child_end.close()
        self.parent_end.close()


def watch_parent(
    lifeline: multiprocessing.connection.Connection, inherited: multiprocessing.connection.Connection | None = None
) -> None:
    """Worker initializer: exit as soon as the parent is gone; leave Ctrl-C and SIGTERM to the parent.

    Ctrl-C reaches the whole process group; the parent stops the pool in
    order (what was parsed is stored), while a worker interrupted on its own
    would only print a traceback and break the pool under the parent. A
    forked worker starts with a copy of everything the parent had: its copy
    of the lifeline's writing end (``inherited``) is closed here, so that the
    parent's stays the only one, and the parent's SIGTERM handler is put back
    to the default.
    """
    if inherited is not None:
        inherited.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_exit_with_parent, args=(lifeline,), name="reader-lifeline", daemon=True).start()


def _exit_with_parent(lifeline: multiprocessing.connection.Connection) -> None:
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()  # the parent never sends: this returns when its end closes
    # os._exit: no cleanup to wait for; the job queue's other side is gone.
    os._exit(1)
