"""What the reader's screens are given to work with, built once by the app.

The main screen gets these through its constructor (the app builds them),
not by reaching into ``self.app``: a screen then says in its signature what
it depends on, a test can build one around any library, and the screen
module never imports the app (which imports the screen).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from reader.config import Config
from reader.service.library import Library
from reader.service.writer import Writer
from reader.store import Store


@dataclass(frozen=True)
class Services:
    """The library and the means to read and write it, for one run of the reader."""

    #: Fetch, comments and sync: the services the command line uses too.
    library: Library
    #: The UI thread's connection (quick reads only: a row, a title).
    store: Store
    #: Every write goes through it, in its own thread, in order.
    writer: Writer
    #: A connection kept for one kind of worker (``"list"``, ``"article"``...), used under its lock.
    connection: Callable[[str], AbstractContextManager[Store]]
    config: Config
    #: Now, in seconds (tests give a fixed clock).
    clock: Callable[[], int]
    #: Open a checked http(s) link in the browser the config names (blocking: run it in a thread).
    open_link: Callable[[str], None]
