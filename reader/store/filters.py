"""A filter (``reader.text.filters``) as an SQL condition on the articles, and the REGEXP it uses.

:func:`filter_sql` turns the tree into a WHERE fragment over ``articles a``
with its parameters; every value is a parameter, never SQL text. The fragment
names no other table of the statement (feeds, tags and threads are reached
through subqueries), so it fits every list query: those that join
``feeds f`` (``Reading.list_articles``) and those that do not
(``article_ids``, ``next_unread``), keyset cursor and all.

The lists walk ``articles_by_date`` (or a partial index of it) newest first
and stop after a page; the fragment keeps that plan (tests/test_filters.py
checks it with EXPLAIN QUERY PLAN):

* feed and tag conditions are ``+a.feed_id IN (SELECT ... FROM feeds ...)``:
  a list of feed ids made once per statement (feeds are few), checked against
  each article; the ``+`` keeps the planner off the per-feed index, which
  would sort every article of those feeds to show one page;
* ``age`` becomes a range of ``a.published``, which the date index seeks;
* ``unread`` and ``starred`` are written ``a.read = 0`` and ``a.starred = 1``,
  the literals the partial indexes are declared with, so a filter that
  requires them walks the smaller index;
* thread and comment conditions are correlated subqueries on indexed columns
  (``threads(article_id, ...)``, ``comments(article_id, position)``), run only
  for the articles the walk reaches;
* ``search`` is the list of article ids the two full-text indexes give for
  the query, made once per statement, checked against each article.

Every condition is 0 or 1, never NULL (nullable columns are coalesced, an
article without points compares false), so ``not`` is plain negation, as in
:func:`reader.text.filters.matches`, which answers the same in Python.
"""

from __future__ import annotations

import sqlite3

from reader.text.filters import (
    ATTRIBUTES,
    SECONDS_A_DAY,
    SITES,
    And,
    Condition,
    Filter,
    Not,
    Or,
    condition_text,
    fold,
    regex_search,
)

# The article's own text attributes, as SQL over ``a``.
_ARTICLE_TEXT = {
    "title": "a.title",
    "author": "a.author",
    "content": "a.text",
    "link": "coalesce(a.url, '')",
    "guid": "a.guid",
}
# The feed's, as SQL over ``feeds`` in a subquery.
_FEED_TEXT = {"feed": "title", "feedurl": "coalesce(url, '')"}

_COMPARISONS = {"=": "=", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}

# A comment is new when it came after its own thread was last read; one of no known thread goes by the
# article's comments_seen. NULL (never read) makes none new, as the reader marks them. Found through
# comments(article_id, position), one article's comments.
_NEW_COMMENTS = """FROM comments c LEFT JOIN threads t ON t.id = c.thread_id AND t.article_id = c.article_id
    WHERE c.article_id = a.id AND c.kind = 'comment'
    AND c.first_seen > CASE WHEN t.id IS NULL THEN a.comments_seen ELSE t.seen END"""

# Counts and the like, as correlated subqueries on indexed columns (never NULL but for points).
_NUMBERS = {
    "comments": "a.comment_count",
    "threads": "(SELECT count(*) FROM threads t WHERE t.article_id = a.id)",
    "thread_points": "(SELECT max(t.points) FROM threads t WHERE t.article_id = a.id)",
    "new_comments": f"(SELECT count(*) {_NEW_COMMENTS})",
}
# "Any new comment" and "none", the usual questions, stop at the first new comment instead of counting
# a thread of 2,000.
_ANY = (">", 0), (">=", 1), ("!=", 0)
_NONE = ("=", 0), ("<", 1), ("<=", 0)


def _text_test(column: str, op: str) -> str:
    """``column op ?`` for a text attribute (one parameter)."""
    if op == "=~":
        return f"{column} REGEXP ?"
    if op == "!~":
        return f"NOT ({column} REGEXP ?)"
    return f"{column} {_COMPARISONS[op]} ?"


def _age(condition: Condition, now: int) -> tuple[str, list[object]]:
    """``age`` as a range of ``a.published``: whole days since, rounded down (``(now - published) // 86400``).

    age >= N is published <= now - N days; age <= N is published > now - (N + 1) days.
    """
    op, value = condition.op, condition.value
    low, high = value if isinstance(value, tuple) else (value, value)
    assert isinstance(low, int) and isinstance(high, int)

    def at_least(days: int) -> tuple[str, list[object]]:
        return "a.published <= ?", [now - days * SECONDS_A_DAY]

    def at_most(days: int) -> tuple[str, list[object]]:
        return "a.published > ?", [now - (days + 1) * SECONDS_A_DAY]

    if op == ">=":
        return at_least(low)
    if op == ">":
        return at_least(low + 1)
    if op == "<=":
        return at_most(low)
    if op == "<":
        return at_most(low - 1)
    (first, first_params), (second, second_params) = at_least(low), at_most(high)
    if op == "!=":
        return f"NOT ({first} AND {second})", [*first_params, *second_params]
    return f"{first} AND {second}", [*first_params, *second_params]  # "=" and between


def condition_sql(condition: Condition, now: int) -> tuple[str, list[object]]:
    """One condition as SQL over ``a`` and its parameters."""
    name, op, value = condition.attribute, condition.op, condition.value
    kind = ATTRIBUTES[name].kind
    if name in _ARTICLE_TEXT:
        return _text_test(_ARTICLE_TEXT[name], op), [value]
    if name in _FEED_TEXT:
        # Each article has one feed: "its feed's title != x" is "its feed is one whose title != x".
        return f"+a.feed_id IN (SELECT id FROM feeds WHERE {_text_test(_FEED_TEXT[name], op)})", [value]
    if kind == "flag" and isinstance(value, bool):
        wanted = value == (op == "=")
        if name == "unread":
            return ("a.read = 0" if wanted else "a.read != 0"), []
        return ("a.starred = 1" if wanted else "a.starred != 1"), []
    if name == "age":
        return _age(condition, now)
    if kind == "number":
        if name == "new_comments" and (op, value) in (*_ANY, *_NONE):
            return f"{'NOT ' if (op, value) in _NONE else ''}EXISTS (SELECT 1 {_NEW_COMMENTS})", []
        column = _NUMBERS[name]
        params: list[object]
        if op == "between" and isinstance(value, tuple):
            test, params = f"{column} BETWEEN ? AND ?", [value[0], value[1]]
        else:
            test, params = f"{column} {_COMPARISONS[op]} ?", [value]
        # Only points can be missing (no thread gives any): the comparison is then false, not NULL.
        return (f"coalesce({test}, 0)" if name == "thread_points" else test), params
    if name == "tags":
        inside = "NOT IN" if op in ("!#", "!~") else "IN"
        test = "tag REGEXP ?" if op in ("=~", "!~") else "tag = ?"
        return f"+a.feed_id {inside} (SELECT feed_id FROM feed_tags WHERE {test})", [value]
    if name == "discussed_on" and isinstance(value, str):
        sources = SITES[value]
        marks = ", ".join("?" * len(sources))
        exists = "EXISTS" if op == "#" else "NOT EXISTS"
        return (
            f"{exists} (SELECT 1 FROM threads t WHERE t.article_id = a.id AND t.source IN ({marks}))",
            list(sources),
        )
    if name == "search" and isinstance(value, str):
        return _search(value, op)
    raise ValueError(f"a condition that cannot be: {condition_text(condition)}")


# The articles the full-text search finds, as ``/`` does: its title and text, or one of its comments. Each
# index keys its rows as (date << 31 | id) (reader/store/search.py); a comment's row is mapped to its
# article by its primary key, and a row of one deleted since drops out in the join. UNION ALL: the IN list
# keeps each id once anyway, and UNION would sort the ids to drop doubles.
_SEARCHED = """SELECT rowid & 2147483647 FROM articles_fts WHERE articles_fts MATCH ?
    UNION ALL SELECT c.article_id FROM comments_fts CROSS JOIN comments c ON c.id = comments_fts.rowid & 2147483647
    WHERE comments_fts MATCH ?"""


def _search(query: str, op: str) -> tuple[str, list[object]]:
    """``search = "words"``: the article is among those the search finds (made once per statement).

    The query is read as ``/`` reads it (``build_match``); the parser has
    refused one with nothing to search for.
    """
    from reader.text.search import build_match

    match = build_match(query)
    inside = "IN" if op == "=" else "NOT IN"
    # "+" keeps the list on its date walk: by the ids, a common word would sort thousands of rows for a page.
    return f"+a.id {inside} ({_SEARCHED})", [match, match]


def filter_sql(tree: Filter, now: int) -> tuple[str, list[object]]:
    """``tree`` as a parenthesised SQL condition over ``articles a`` and its parameters, ``age`` counted from ``now``.

    AND it into a list query's WHERE; a library's connection has the REGEXP a regular expression needs
    (``Connection._configure``), another connection gets it from :func:`register_functions`.
    """

    def combine(node: Not | And | Or, parts: list[tuple[str, list[object]]]) -> tuple[str, list[object]]:
        params = [param for _sql, part_params in parts for param in part_params]
        if isinstance(node, Not):
            return f"NOT ({parts[0][0]})", params
        joiner = " AND " if isinstance(node, And) else " OR "
        return joiner.join(f"({sql})" for sql, _params in parts), params

    sql, params = fold(tree, lambda condition: condition_sql(condition, now), combine)
    return f"({sql})", params


def regexp(pattern: object, value: object) -> int | None:
    """SQLite's ``value REGEXP pattern``: :func:`reader.text.filters.regex_search`, case-insensitive.

    A refused pattern raises (the statement fails) rather than matching nothing; the filter
    parser refuses those before any SQL is made.
    """
    if pattern is None or value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return int(regex_search(str(pattern), str(value)))


def register_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the ``REGEXP`` operator filters use (Python's ``re``; patterns compiled once, bounded)."""
    conn.create_function("regexp", 2, regexp, deterministic=True)
