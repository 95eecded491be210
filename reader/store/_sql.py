"""Small helpers every part of the store uses: lists of ids in ``IN (...)`` and stored id lists.

Kept apart so that the store's modules (feeds, articles, reading, search,
sync) share them without importing one another for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TypeVar

#: Values bound in one ``IN (...)`` list at most. SQLite refuses a statement
#: with more ``?`` variables than SQLITE_MAX_VARIABLE_NUMBER (999 before
#: SQLite 3.32, which some systems still ship; 32766 since), so a longer list
#: is sent this many at a time, leaving room for the statement's other
#: parameters.
IN_BATCH = 500

_T = TypeVar("_T")


def in_chunks(values: Iterable[_T]) -> Iterator[tuple[str, list[_T]]]:
    """``values`` at most :data:`IN_BATCH` at a time, each batch with its ``?,?,...`` for ``IN (...)``.

    Every query over a list of ids of any length goes through this, so none
    passes SQLite's variable limit.
    """
    items = list(values)
    for start in range(0, len(items), IN_BATCH):
        chunk = items[start : start + IN_BATCH]
        yield ",".join("?" * len(chunk)), chunk


def json_ids(stored: str | None) -> list[str]:
    """A "more" row's stored ids (a JSON array of strings); anything else reads as none."""
    if not stored:
        return []
    try:
        ids = json.loads(stored)
    except ValueError:
        return []
    return [item for item in ids if isinstance(item, str)] if isinstance(ids, list) else []


#: The order an article's threads are shown in (``t`` is the ``threads`` row): its own first (the feed's,
#: then those its page names, then those lookups found), then by source in a fixed order, then as they came.
#: Threads fetched at once arrive in any order; the panel, ``reader show`` and the layout must not follow that.
THREAD_ORDER = """CASE t.found_by WHEN 'feed' THEN 0 WHEN 'page' THEN 1 ELSE 2 END,
    CASE t.source WHEN 'feed' THEN 0 WHEN 'wordpress' THEN 1 WHEN 'isso' THEN 2 WHEN 'hackernews' THEN 3
        WHEN 'lobsters' THEN 4 WHEN 'reddit' THEN 5 WHEN 'lemmy' THEN 6 WHEN 'mastodon' THEN 7
        WHEN 'bluesky' THEN 8 WHEN 'discourse' THEN 9 ELSE 10 END,
    t.id"""

#: The articles a display rule of the killfile hides, and two ways (articles as ``a``) to leave them out,
#: measured at 100,000 articles (benchmarks/README.md, "The killfile's hidden articles"):
#:
#: * ``VISIBLE_ROW``, ``a.hidden = 0``, for a query that reads each row it walks anyway (a page of the
#:   list): free there, and it costs nothing however many are hidden;
#: * ``VISIBLE``, the ids checked against the hidden ones, a list made once per statement from their
#:   partial index (``articles_hidden``), for a walk that reads no row (every id of the list, counts),
#:   which ``a.hidden = 0`` would make read every row.
#:
#: Either costs on every row, so the lists add one only when something is hidden (``ANY_HIDDEN``, one
#: look at that index); counts subtract the hidden ones instead (``hidden_count``).
HIDDEN_IDS = "SELECT id FROM articles WHERE hidden = 1"
VISIBLE = f"a.id NOT IN ({HIDDEN_IDS})"
VISIBLE_ROW = "a.hidden = 0"
ANY_HIDDEN = "SELECT EXISTS (SELECT 1 FROM articles WHERE hidden = 1)"


def hidden_count(condition: str) -> str:
    """``- (count of the hidden articles that meet condition)``, over ``a``, to subtract from a count.

    A count of the visible articles is the count of all (an index-only count)
    minus this one, which reads the partial index of the hidden articles
    alone (it holds their feed and whether they are read): "not hidden"
    tested on every row made the feed list's counts twice as slow (7 -> 13 ms
    at 100,000 articles) with nothing hidden at all.
    """
    return f"- (SELECT count(*) FROM articles a WHERE a.hidden = 1 AND {condition})"
