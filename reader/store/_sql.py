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

#: The articles a display rule of the killfile hides, and the condition (articles as ``a``) that leaves them
#: out. The hidden ids are read once per statement from their small partial index (``articles_hidden``),
#: so every list and count keeps its index walk (tests/test_query_plans.py) and reads no row only to ask
#: whether it is hidden.
HIDDEN_IDS = "SELECT id FROM articles WHERE hidden = 1"
VISIBLE = f"a.id NOT IN ({HIDDEN_IDS})"
