"""Search over titles, text and comments, with whatever people type."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text.search import InvalidSearchError, build_match

FEED = FeedData(key="https://example.com/rss", title="Example", url="https://example.com/rss")


@pytest.fixture
def library(store: Store) -> Store:
    batch = ImportBatch(kind="test")
    batch.articles += [
        (FEED, ArticleData(guid="1", title="Peace talks in Davos", text="Delegations met to discuss guarantees.")),
        (FEED, ArticleData(guid="2", title="Winter power grid", text="Attacks on the energy infrastructure.")),
        (
            FEED,
            ArticleData(
                guid="3",
                title="Gardening notes",
                text="Tulips and daffodils.",
                comments=[CommentData("c", "Ann", "The reconstruction package is huge.")],
            ),
        ),
        (FEED, ArticleData(guid="4", title="Café culture", text="Espresso everywhere.")),
    ]
    store.store_batch(batch)
    return store


def titles(store: Store, query: str) -> set[str]:
    return {a.title for a in store.search(query)}


def test_words_phrases_prefixes_or_and_exclusion(library: Store) -> None:
    assert titles(library, "peace") == {"Peace talks in Davos"}
    assert titles(library, "PEACE davos") == {"Peace talks in Davos"}
    assert titles(library, '"peace talks"') == {"Peace talks in Davos"}
    assert titles(library, '"talks peace"') == set()
    assert titles(library, "deleg*") == {"Peace talks in Davos"}
    assert titles(library, "tulips OR energy") == {"Gardening notes", "Winter power grid"}
    assert titles(library, "peace -davos") == set()
    assert titles(library, "cafe") == {"Café culture"}  # diacritics folded


def test_comment_text_finds_its_article(library: Store) -> None:
    assert titles(library, "reconstruction") == {"Gardening notes"}


HOSTILE_QUERIES = [
    '"',
    '""',
    '"unbalanced',
    'unbalanced"',
    "AND",
    "OR",
    "NOT",
    "AND OR",
    "OR peace",
    "peace OR",
    "peace AND",
    "NEAR(",
    "NEAR(peace davos)",
    "NEAR(peace davos, 2)",
    "*",
    "**",
    "peace*",
    "*peace",
    "-",
    "-peace",
    "--peace",
    "- peace",
    "title:peace",
    "nosuchcolumn:peace",
    "{title text}:peace",
    "^peace",
    "peace^",
    "'",
    "%",
    "_",
    "(",
    ")",
    "(peace",
    "peace)",
    "(" * 5000 + "peace" + ")" * 5000,
    "peace\x00davos",
    "\x00",
    " ",
    "",
    "\t\n",
    "x" * 10_000,
    "peace " * 5_000,
    "+peace",
    "peace + davos",
    "a:b:c",
    '"peace" "davos"',
    "\u202epeace",
    "\x1b]52;c;eA==\x07peace",
    "\\",
    "[@click=app.quit]x[/]",
    "ünïcödé",
    "😀",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=[repr(q)[:30] for q in HOSTILE_QUERIES])
def test_hostile_queries_give_results_or_a_friendly_error(library: Store, query: str) -> None:
    try:
        results = library.search(query)
    except InvalidSearchError as error:
        message = str(error)
        assert message and "\n" not in message
        assert "fts5" not in message.lower(), "raw SQLite errors are not for users"
    else:
        assert isinstance(results, list)
    assert len(HOSTILE_QUERIES) >= 40


def test_queries_with_words_still_find_them(library: Store) -> None:
    assert titles(library, "NEAR(peace") == {"Peace talks in Davos"}
    assert titles(library, "(peace)") == {"Peace talks in Davos"}
    assert titles(library, "peace\x00") == {"Peace talks in Davos"}
    assert titles(library, "title:peace") == set()  # the colon stays text, not a column filter


def test_nothing_to_search_for_says_so() -> None:
    for query in ("", "   ", '"', "AND OR", "*"):
        with pytest.raises(InvalidSearchError, match="type a word"):
            build_match(query)
    with pytest.raises(InvalidSearchError, match="-word"):
        build_match("-peace")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_builds_a_query_sqlite_accepts(query: str) -> None:
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
    try:
        match = build_match(query)
    except InvalidSearchError:
        return
    assert match.strip(), "a query that searches must search for something"
    assert isinstance(conn.execute("SELECT * FROM t WHERE t MATCH ?", (match,)).fetchall(), list)
