"""Every hot query uses an index: checked on the SQL the store really runs.

newsboat takes 14.6 s to start on 25,000 articles because one query per feed
picks the wrong index and scans every row. These tests capture the exact
statements each store method executes (sqlite3 trace callback) and assert
their ``EXPLAIN QUERY PLAN``: the intended index, no full table scan, and no
sort of the whole result for the paged lists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reader.models import ArticleData, ArticleFilter, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.store._sql import ANY_HIDDEN
from reader.store.reading import filter_where

FULL_SCAN = re.compile(r"^SCAN (a|f|c|articles|comments|feeds)$")


def _populate(store: Store, feeds: int = 3, per_feed: int = 300) -> None:
    batch = ImportBatch(kind="test")
    for f in range(feeds):
        feed = FeedData(
            key=f"https://example.com/{f}.xml",
            title=f"Feed {f}",
            url=f"https://example.com/{f}.xml",
            tags=["tech"] if f != 1 else ["garden"],
        )
        for i in range(per_feed):
            comments = [CommentData(guid=f"c{j}", author="x", text=f"comment {j} about gardens") for j in range(i % 4)]
            batch.articles.append(
                (
                    feed,
                    ArticleData(
                        guid=f"{f}-{i}",
                        title=f"Article {i} on gardens",
                        text="Lorem ipsum dolor sit amet " * 5,
                        published=1_600_000_000 + i * 3600 + f,
                        comments=comments,
                    ),
                )
            )
    store.store_batch(batch)
    ids = store.article_ids()
    store.mark(ids[::3], read=True)
    store.mark(ids[::50], starred=True)


@pytest.fixture(params=["fresh", "analyzed"])
def populated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A library with 900 articles; once as created, once after ANALYZE (planner statistics)."""
    with Store(tmp_path / "plans.db") as store:
        _populate(store)
        if request.param == "analyzed":
            store.conn.execute("ANALYZE")
        yield store


def plans_of(store: Store, call: Callable[[], object]) -> list[list[str]]:
    """Run ``call`` and return the query plan of every SELECT it executed."""
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.conn.set_trace_callback(None)
    # The lists' probe for hidden articles (one look at their partial index) is checked on its own below.
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and s.strip() != ANY_HIDDEN]
    assert selects, "the call ran no SELECT"
    return [store.explain(sql) for sql in selects]


def assert_no_full_scan(plans: list[list[str]], allowed: frozenset[str] = frozenset()) -> None:
    for plan in plans:
        for line in plan:
            match = FULL_SCAN.match(line.strip())
            assert not match or match.group(1) in allowed, f"full table scan: {line!r} in {plan}"


LIST_CASES = {
    "all": (ArticleFilter(), "articles_by_date"),
    "unread": (ArticleFilter(unread=True), "articles_unread_by_date"),
    "starred": (ArticleFilter(starred=True), "articles_starred_by_date"),
    "feed": (ArticleFilter(feed_id=2), "articles_by_feed_date"),
    "feed unread": (ArticleFilter(unread=True, feed_id=2), "articles_unread_by_feed_date"),
    # Walks the date index, checking each row's feed against the tag's
    # (small, indexed) feed list: a page costs the same as an untagged one.
    "tag": (ArticleFilter(tag="tech"), "articles_by_date"),
    "tag unread": (ArticleFilter(tag="tech", unread=True), "articles_unread_by_date"),
    # The starred walk, each row's feed checked against the removed feeds (a partial index).
    "saved": (ArticleFilter(saved=True), "articles_starred_by_date"),
}


@pytest.mark.parametrize("case", sorted(LIST_CASES))
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "keyset-page"])
def test_article_list_pages_walk_an_index_in_order(populated: Store, case: str, deep: bool) -> None:
    article_filter, index = LIST_CASES[case]
    after = None
    if deep:
        rows = populated.list_articles(article_filter, limit=100)
        # No feed was removed here, so Saved is empty: a cursor from the middle of the dates.
        after = (rows[-1].published, rows[-1].id) if rows else (1_600_500_000, 500)
    plans = plans_of(populated, lambda: populated.list_articles(article_filter, limit=50, after=after))
    text = "\n".join(plans[0])
    assert f"INDEX {index}" in text
    assert "TEMP B-TREE FOR ORDER BY" not in text, "the whole result would be sorted for one page"
    assert_no_full_scan(plans)
    if deep:
        assert "SEARCH a USING" in text, "a keyset page must seek, not scan from the top"


@pytest.mark.parametrize("case", sorted(LIST_CASES))
def test_ordered_id_list_uses_the_same_index(populated: Store, case: str) -> None:
    article_filter, index = LIST_CASES[case]
    plans = plans_of(populated, lambda: populated.article_ids(article_filter))
    text = "\n".join(plans[0])
    assert f"INDEX {index}" in text
    assert "TEMP B-TREE" not in text
    assert_no_full_scan(plans)


def test_a_feed_is_found_by_its_url_in_any_spelling_through_an_index(populated: Store) -> None:
    plans = plans_of(populated, lambda: populated.find_feed_by_url("HTTPS://Example.com:443/2.xml#top"))
    assert populated.find_feed_by_url("HTTPS://Example.com:443/2.xml#top") is not None
    text = "\n".join(plans[0])
    assert "feeds_by_url_key" in text
    assert_no_full_scan(plans)


def test_one_feed_by_number_is_a_lookup_not_the_whole_feed_list(populated: Store) -> None:
    plans = plans_of(populated, lambda: populated.feed(2))
    assert populated.feed(2) is not None
    text = "\n".join(line for plan in plans for line in plan)
    assert "SEARCH f USING INTEGER PRIMARY KEY" in text
    assert_no_full_scan(plans)


def test_feed_list_counts_use_per_feed_indexes(populated: Store) -> None:
    plans = plans_of(populated, populated.feeds)
    text = "\n".join(plans[0])
    # Scanning the (small) feeds table is the point of the query; the
    # per-feed counts must seek into the articles indexes, never scan them.
    assert "SEARCH a USING INDEX articles_unread_by_feed_date (feed_id=?)" in text
    assert "SEARCH a USING COVERING INDEX articles_by_feed_date (feed_id=?)" in text
    assert_no_full_scan(plans, allowed=frozenset({"f", "feed_tags"}))


def test_thread_is_one_indexed_query_in_display_order(populated: Store) -> None:
    article_id = populated.list_articles(limit=10)[3].id
    plans = plans_of(populated, lambda: populated.comments(article_id))
    assert len(plans) == 1
    assert "SEARCH comments USING INDEX comments_in_thread_order (article_id=?)" in plans[0]
    assert not any("TEMP B-TREE" in line for line in plans[0])


def test_article_by_id_and_by_guid_are_lookups(populated: Store) -> None:
    article_id = populated.list_articles(limit=1)[0].id
    plans = plans_of(populated, lambda: populated.article(article_id))
    assert any("SEARCH a USING INTEGER PRIMARY KEY" in line for line in plans[0])
    assert_no_full_scan(plans)
    plans = plans_of(populated, lambda: populated.find_article("1-5"))
    assert any("INDEX articles_by_guid" in line for line in plans[0])


def test_rows_for_visible_ids_are_primary_key_lookups(populated: Store) -> None:
    ids = populated.article_ids()[100:160]
    plans = plans_of(populated, lambda: populated.articles_by_ids(ids))
    assert any("SEARCH a USING INTEGER PRIMARY KEY" in line for line in plans[0])
    assert_no_full_scan(plans)


def test_search_reads_both_full_text_indexes_newest_first(populated: Store) -> None:
    plans = plans_of(populated, lambda: populated.search("gardens"))
    text = "\n".join("\n".join(plan) for plan in plans)
    assert "SCAN articles_fts VIRTUAL TABLE INDEX" in text
    assert "SCAN comments_fts VIRTUAL TABLE INDEX" in text
    # Matches come back in rowid order (newest first): no sort of all matches.
    assert "TEMP B-TREE" not in text
    assert_no_full_scan(plans)


def test_tag_counts_seek_the_tag_index(populated: Store) -> None:
    plans = plans_of(populated, populated.tags)
    text = "\n".join("\n".join(plan) for plan in plans)
    assert "feed_tags_by_tag" in text or "sqlite_autoindex_feed_tags_1" in text
    assert_no_full_scan(plans, allowed=frozenset({"feed_tags"}))


def test_search_hits_read_one_rowid_range_of_the_comment_index(populated: Store) -> None:
    article_id = next(a.id for a in populated.search("gardens", limit=10) if a.comment_count)
    plans = plans_of(populated, lambda: populated.search_hits(article_id, "gardens"))
    text = "\n".join("\n".join(plan) for plan in plans)
    assert "SEARCH articles USING INTEGER PRIMARY KEY (rowid=?)" in text
    # The article's own match is one rowid lookup in its index...
    (article_line,) = [line for line in text.splitlines() if "articles_fts" in line]
    assert "VIRTUAL TABLE INDEX" in article_line and "=" in article_line.split("INDEX", 1)[1], article_line
    # ...and its comments one rowid range of theirs (FTS5 shows the range as
    # ">" and "<" in its index string), each match then found by primary key:
    # the cost follows the matches, not the thread or the whole index.
    (comment_line,) = [line for line in text.splitlines() if "comments_fts" in line]
    assert "VIRTUAL TABLE INDEX" in comment_line, comment_line
    assert ">" in comment_line.split("INDEX", 1)[1] and "<" in comment_line.split("INDEX", 1)[1], comment_line
    assert "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)" in text
    assert_no_full_scan(plans)


def test_search_results_add_only_lookups_to_the_search(populated: Store) -> None:
    plans = plans_of(populated, lambda: populated.search_results("gardens", limit=20))
    assert_no_full_scan(plans)
    for plan in plans:
        for line in plan:
            # The one scan besides the indexes' own: the partial index of the killfile's hidden articles,
            # which holds only those.
            hidden = line == "SCAN articles USING INDEX articles_hidden"
            assert not line.startswith("SCAN") or "VIRTUAL TABLE INDEX" in line or hidden, plan


def test_hidden_articles_are_left_out_through_their_own_small_index(populated: Store) -> None:
    # Whether anything is hidden: one look at the partial index of hidden articles.
    (probe,) = [populated.explain(ANY_HIDDEN)]
    assert any("articles_hidden" in line for line in probe), probe
    # Something hidden: the lists check each row against the hidden ids, a list made once per statement
    # from that index, and keep their walk.
    for article_filter, index in (
        (ArticleFilter(), "articles_by_date"),
        (ArticleFilter(unread=True, feed_id=2), "articles_unread_by_feed_date"),
    ):
        where, params = filter_where(article_filter, any_hidden=True)
        plan = populated.explain(
            f"""SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE {where}
            ORDER BY a.published DESC, a.id DESC LIMIT 50""",
            params,
        )
        text = "\n".join(plan)
        assert "LIST SUBQUERY" in text and "articles_hidden" in text and f"INDEX {index}" in text, text
        assert "TEMP B-TREE" not in text, text
    # Nothing hidden (this library): the lists test nothing for it.
    plans = plans_of(populated, functools.partial(populated.list_articles, ArticleFilter(), limit=50))
    assert not any("articles_hidden" in line for plan in plans for line in plan), plans
    # Counts subtract the hidden ones, which they read through the partial index alone.
    plans = plans_of(populated, populated.feeds)
    text = "\n".join(line for plan in plans for line in plan)
    assert "SEARCH a USING INDEX articles_hidden (feed_id=?)" in text, text
    assert "articles_unread_by_feed_date" in text, text
    assert_no_full_scan(plans, allowed=frozenset({"f"}))  # every feed is listed


def test_threads_to_retry_read_only_the_small_index_of_failed_threads(populated: Store) -> None:
    # Every fetch asks; a library of 100,000 articles has a handful of failed threads.
    failed = populated.list_articles(limit=3)[0].id
    populated.record_thread_failure(failed)
    plans = plans_of(populated, populated.threads_to_retry)
    assert len(plans) == 1
    assert any("USING INDEX articles_thread_retry" in line for line in plans[0]), plans[0]
    assert_no_full_scan(plans)
    assert populated.threads_to_retry() == [failed]


def test_threads_to_refresh_read_one_range_of_the_index_of_fetched_threads(populated: Store) -> None:
    # Every fetch asks; only articles whose thread was fetched are in the index, the recent ones one range of it.
    articles = populated.list_articles(limit=900)
    fetched = [a.id for a in articles[:40]] + [a.id for a in articles[-5:]]
    for article_id in fetched:
        populated.mark_comments_fetched(article_id)
    populated.note_reported_counts([(articles[0].id, 3)])
    since = articles[19].published
    plans = plans_of(populated, lambda: populated.threads_to_refresh(since, 1000))
    assert len(plans) == 1
    assert any("USING INDEX articles_thread_refresh (published>?)" in line for line in plans[0]), plans[0]
    assert not any("TEMP B-TREE" in line for line in plans[0]), plans[0]
    assert_no_full_scan(plans)
    found = populated.threads_to_refresh(since, 1000)
    assert [thread.source.article_id for thread in found] == [a.id for a in articles[:20]]
    assert (found[0].reported, found[1].reported) == (3, None)
    assert [thread.held for thread in found[1:]] == [len(populated.comments(t.source.article_id)) for t in found[1:]]
    assert any(thread.held for thread in found)
    assert [thread.source.article_id for thread in populated.threads_to_refresh(since, 5)] == fetched[:5]


def test_pages_wanted_read_the_small_index_of_waiting_articles_newest_first(populated: Store) -> None:
    # Every fetch asks which articles wait for their page: a partial index of only those, newest first.
    articles = populated.list_articles(limit=900)
    waiting = [a.id for a in articles[100:130]]
    marks = ",".join("?" * len(waiting))
    populated.conn.execute(
        f"UPDATE articles SET url = 'http://h' || (id % 2) || '.example/' || id WHERE id IN ({marks})", waiting
    )
    populated.conn.execute(f"UPDATE articles SET page_tries = 3 WHERE id IN ({marks})", waiting)
    plans = plans_of(populated, lambda: populated.pages_wanted(10, 4))
    assert any("USING INDEX articles_page_wanted" in line for line in plans[0]), plans[0]
    assert not any("TEMP B-TREE" in line for line in plans[0]), plans[0]
    assert_no_full_scan(plans)
    # Newest first, four a host: the first four of each of the two hosts.
    chosen = [article_id for article_id, _url in populated.pages_wanted(10, 4)]
    assert chosen == waiting[:8]


@pytest.mark.parametrize("case", ["all", "feed", "tag"])
@pytest.mark.parametrize("step", [1, -1], ids=["down", "up"])
def test_the_next_unread_article_is_one_seek_of_an_unread_index(populated: Store, case: str, step: int) -> None:
    # n and p in the reader: past any number of read articles, one indexed step.
    article_filter = {"all": ArticleFilter(), "feed": ArticleFilter(feed_id=2), "tag": ArticleFilter(tag="tech")}[case]
    middle = populated.list_articles(article_filter, limit=200)[100]
    plans = plans_of(populated, lambda: populated.next_unread(article_filter, (middle.published, middle.id), step))
    assert len(plans) == 1
    assert any("USING INDEX articles_unread_by" in line for line in plans[0]), plans[0]
    assert not any("TEMP B-TREE" in line for line in plans[0]), plans[0]
    assert_no_full_scan(plans)
    found = populated.next_unread(article_filter, (middle.published, middle.id), step)
    assert found is not None
    rows = populated.list_articles(
        ArticleFilter(unread=True, feed_id=article_filter.feed_id, tag=article_filter.tag), limit=1000
    )
    keys = [(row.published, row.id) for row in rows]
    here = (middle.published, middle.id)
    expected = max(k for k in keys if k < here) if step > 0 else min(k for k in keys if k > here)
    assert found == expected


def test_threads_of_removed_feeds_are_not_refreshed(populated: Store) -> None:
    # Starred articles kept under Saved belong to no subscription: their threads are not asked about.
    articles = populated.list_articles(limit=10)
    for article in articles:
        populated.mark_comments_fetched(article.id)
    removed = populated.conn.execute("SELECT feed_id FROM articles WHERE id = ?", (articles[0].id,)).fetchone()[0]
    populated.conn.execute("UPDATE feeds SET removed = 1 WHERE id = ?", (removed,))
    since = articles[-1].published
    found = [thread.source.article_id for thread in populated.threads_to_refresh(since, 100)]
    kept = [
        a.id
        for a in articles
        if populated.conn.execute("SELECT feed_id FROM articles WHERE id = ?", (a.id,)).fetchone()[0] != removed
    ]
    assert found == kept and articles[0].id not in found


def test_an_articles_threads_and_its_kept_lookup_are_lookups_by_article(populated: Store) -> None:
    """Opening an article reads its threads (a few rows, sorted: no scan) and a lookup's kept answer (the key)."""
    article_id = populated.list_articles(limit=10)[3].id
    plans = plans_of(populated, lambda: populated.threads(article_id))
    assert any(
        re.match(r"SEARCH t USING INDEX sqlite_autoindex_threads_1 \(article_id=\?\)", line) for line in plans[0]
    )
    assert_no_full_scan(plans)
    plans = plans_of(populated, lambda: populated.cached_lookup(article_id, 0))
    assert any("SEARCH discussion_lookups USING INTEGER PRIMARY KEY" in line for line in plans[0])


def test_articles_to_look_up_read_only_the_fetched_ones(populated: Store) -> None:
    ids = populated.article_ids()[:40]
    plans = plans_of(populated, lambda: populated.articles_to_look_up(ids, {1, 2}, {"tech"}, 20))
    assert any("SEARCH a USING INTEGER PRIMARY KEY (rowid=?)" in line for line in plans[0])
    assert_no_full_scan(plans)


def test_a_saved_searchs_unread_count_walks_the_unread_index(populated: Store) -> None:
    """The reader's feed list asks only unread counts: one walk of the small index per search, not all articles."""
    populated.save_query("gardens", 'content =~ "garden"')
    plans = plans_of(populated, lambda: populated.saved_queries(totals=False))
    counted = [plan for plan in plans if any("articles_unread" in line for line in plan)]
    assert counted, plans
    assert_no_full_scan(plans, allowed=frozenset())
