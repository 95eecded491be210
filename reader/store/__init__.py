"""The article library: one SQLite file with feeds, articles and comment threads.

Design points:

* WAL mode, foreign keys on, ``busy_timeout`` set, ``synchronous=FULL``:
  read/starred state and imported files cannot be fetched again, and the
  write volume is small, so every commit is made durable. A fetch, which
  can fetch again, opens its connection with ``bulk=True`` instead.
* The schema version lives in ``PRAGMA user_version``; ``schema.MIGRATIONS``
  runs forward, one transaction each, and ``schema.sql`` shows the schema
  they add up to.
* Articles are unique per ``(feed_id, guid)``; storing the same article again
  updates it and never touches read/starred state. Fields missing from a
  newer copy keep their stored value, and nothing is deleted because a newer
  copy lacks it.
* Comments carry their display order (``position``) and ``depth``, so a whole
  thread is one indexed ``ORDER BY`` query.
* Every list query pages (``LIMIT`` with a keyset cursor) and has an index;
  ``tests/test_query_plans.py`` checks the plans.

:class:`Store` is put together from one class per job, each in its module
(each builds on the ones it names, so it can use their methods):

* ``connection.Connection``: opening and checking the file, pragmas,
  migrations, transactions, the search index's upkeep;
* ``feeds.Feeds(Connection)``: feeds, their settings and tags;
* ``articles.Articles(Feeds)``: storing articles and merging comment threads;
* ``fetching.Fetching(Articles)``: fetch bookkeeping (feeds due, outcomes,
  full pages, threads to fetch again);
* ``sync.SyncState(Articles)``: links to a sync server and what it is told;
* ``reading.Reading(Connection)``: lists, one article, marks, prune, settings;
* ``search.Search(Reading)``: full-text search.

``schema`` holds the migrations (and ``schema.sql`` the schema they add up
to, printed by ``python -m reader.store``), ``_sql`` the helpers the modules
share, and ``recover`` copies what is readable out of a damaged library. The
records the store takes and returns are in :mod:`reader.models`.
"""

from __future__ import annotations

from reader.store.connection import StoreError, library_failure
from reader.store.discussions import Discussions
from reader.store.fetching import Fetching
from reader.store.rules import Rules
from reader.store.search import Search
from reader.store.sync import SyncState

__all__ = ["Store", "StoreError", "library_failure"]


class Store(Fetching, SyncState, Search, Discussions, Rules):
    """The library of feeds, articles and comments in one SQLite file.

    Open one ``Store`` per thread; SQLite's WAL mode lets readers and one
    writer work side by side, across threads and processes.
    """
