"""The SQLite library: settings, migrations, merging, state and paging."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reader.models import ArticleData, ArticleFilter, CommentData, FeedData, ImportBatch
from reader.service.reading import read_article
from reader.store import Store, StoreError
from reader.store.schema import SCHEMA_VERSION

FEED = FeedData(key="https://example.com/feed.xml", title="Example", url="https://example.com/feed.xml")


def batch_of(*articles: ArticleData, feed: FeedData = FEED) -> ImportBatch:
    batch = ImportBatch(kind="test")
    batch.articles.extend((feed, a) for a in articles)
    return batch


def article(guid: str, title: str = "Title", text: str = "Body text", **kw: object) -> ArticleData:
    return ArticleData(guid=guid, title=title, text=text, **kw)  # type: ignore[arg-type]


def test_new_database_uses_wal_foreign_keys_busy_timeout_and_a_schema_version(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert store.schema_version == SCHEMA_VERSION >= 1
    # The version is in the file itself, for the next process.
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "articles", "comments", "articles_fts", "comments_fts"} <= tables


def test_reopening_keeps_data_and_does_not_migrate_again(db_path: Path) -> None:
    with Store(db_path) as store:
        store.store_batch(batch_of(article("a")))
    with Store(db_path) as store:
        assert [a.guid for a in store.list_articles()] == ["a"]
        assert store.schema_version == SCHEMA_VERSION


def test_a_database_from_a_newer_reader_is_refused_untouched(db_path: Path) -> None:
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    raw.execute("CREATE TABLE precious (x)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db_path)
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 5
    assert raw.execute("SELECT count(*) FROM sqlite_master WHERE name = 'articles'").fetchone()[0] == 0


def test_a_file_that_is_not_a_database_gives_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match="not a reader database") as error:
        Store(path)
    assert "\n" not in str(error.value)
    assert path.read_bytes().startswith(b"these are my notes")


def test_storing_the_same_article_again_updates_it_and_keeps_read_and_star(store: Store) -> None:
    store.store_batch(batch_of(article("a", title="First title"), article("b")))
    first = {a.guid: a.id for a in store.list_articles()}
    store.mark([first["a"]], read=True, starred=True)

    stats = store.store_batch(batch_of(article("a", title="Corrected title"), article("b")))

    assert (stats.articles_added, stats.articles_updated) == (0, 1), "only the corrected article is an update"
    rows = {a.guid: a for a in store.list_articles()}
    assert len(rows) == 2
    assert rows["a"].id == first["a"]
    assert rows["a"].title == "Corrected title"
    assert rows["a"].read and rows["a"].starred
    assert not rows["b"].read


def test_a_newer_copy_missing_articles_or_fields_deletes_nothing(store: Store) -> None:
    store.store_batch(batch_of(article("a", text="Full text", url="https://example.com/a", author="Ann"), article("b")))
    store.store_batch(batch_of(article("a", title="", text="", author="")))

    rows = {a.guid: a for a in store.list_articles()}
    assert set(rows) == {"a", "b"}
    detail = read_article(store, rows["a"].id)
    assert detail is not None
    assert detail.text == "Full text"
    assert rows["a"].title == "Title"
    assert rows["a"].author == "Ann"
    assert rows["a"].url == "https://example.com/a"


def test_missing_dates_fall_back_to_first_seen_and_a_later_real_date_wins(store: Store) -> None:
    store.store_batch(batch_of(article("a")), now=1_700_000_000)
    assert store.list_articles()[0].published == 1_700_000_000
    store.store_batch(batch_of(article("a", published=1_650_000_000)), now=1_700_000_500)
    assert store.list_articles()[0].published == 1_650_000_000
    # A copy without a date keeps the date already known.
    store.store_batch(batch_of(article("a")), now=1_700_009_000)
    assert store.list_articles()[0].published == 1_650_000_000


def test_same_guid_in_two_feeds_is_two_articles(store: Store) -> None:
    other = FeedData(key="https://example.org/rss", title="Other", url="https://example.org/rss")
    store.store_batch(batch_of(article("shared")))
    store.store_batch(batch_of(article("shared"), feed=other))
    assert sorted(a.feed for a in store.list_articles()) == ["Example", "Other"]


def test_comments_merge_into_a_thread_in_display_order(store: Store) -> None:
    first = article(
        "a",
        comments=[
            CommentData("c1", "ann", "top one"),
            CommentData("c2", "bob", "reply to one", parent_guid="c1"),
            CommentData("c3", "cy", "top two"),
        ],
    )
    store.store_batch(batch_of(first))
    # A later copy adds a reply to c2 and lacks c3: c3 stays.
    second = article(
        "a",
        comments=[
            CommentData("c1", "ann", "top one"),
            CommentData("c2", "bob", "reply to one", parent_guid="c1"),
            CommentData("c4", "dee", "reply to bob", parent_guid="c2"),
        ],
    )
    stats = store.store_batch(batch_of(second))
    assert stats.comments_added == 1

    article_id = store.list_articles()[0].id
    thread = store.comments(article_id)
    assert [(c.author, c.depth) for c in thread] == [("ann", 0), ("bob", 1), ("dee", 2), ("cy", 0)]
    by_author = {c.author: c for c in thread}
    assert by_author["dee"].parent_id == by_author["bob"].id
    assert by_author["ann"].parent_id is None
    assert store.list_articles()[0].comment_count == 4


def test_comment_count_uses_the_declared_count_until_comments_arrive(store: Store) -> None:
    store.store_batch(batch_of(article("a", declared_comment_count=12)))
    row = store.list_articles()[0]
    assert row.comment_count == 12
    store.add_comments(row.id, [CommentData(f"c{i}", "x", "y") for i in range(15)])
    assert store.list_articles()[0].comment_count == 15


def test_mark_changes_only_what_it_is_told(store: Store) -> None:
    store.store_batch(batch_of(article("a"), article("b"), article("c")))
    ids = {a.guid: a.id for a in store.list_articles()}
    assert store.mark([ids["a"], ids["b"], 999_999], read=True) == 2
    assert store.mark([ids["b"]], starred=True) == 1
    assert store.mark([ids["a"]], read=False) == 1
    rows = {a.guid: (a.read, a.starred) for a in store.list_articles()}
    assert rows == {"a": (False, False), "b": (True, True), "c": (False, False)}
    assert store.counts() == {"all": 3, "unread": 2, "starred": 1, "saved": 0, "saved_unread": 0}


def test_keyset_pages_cover_every_article_once_in_order(store: Store) -> None:
    # Several articles share a timestamp: the id breaks the tie.
    store.store_batch(batch_of(*[article(f"g{i}", published=1_600_000_000 + (i // 3) * 60) for i in range(47)]))
    seen: list[int] = []
    after = None
    while True:
        page = store.list_articles(limit=10, after=after)
        if not page:
            break
        seen.extend(a.id for a in page)
        after = (page[-1].published, page[-1].id)
    assert len(seen) == len(set(seen)) == 47
    assert seen == store.article_ids()
    published = [a.published for a in store.articles_by_ids(seen)]
    assert published == sorted(published, reverse=True)


def test_filters_by_feed_unread_and_starred(store: Store) -> None:
    other = FeedData(key="local:x", title="Local", kind="local")
    store.store_batch(batch_of(article("a"), article("b")))
    store.store_batch(batch_of(article("c"), feed=other))
    ids = {a.guid: a for a in store.list_articles()}
    store.mark([ids["a"].id], read=True)
    store.mark([ids["b"].id, ids["c"].id], starred=True)
    feed_id = ids["a"].feed_id

    def guids(f: ArticleFilter) -> set[str]:
        return {a.guid for a in store.list_articles(f)}

    assert guids(ArticleFilter(feed_id=feed_id)) == {"a", "b"}
    assert guids(ArticleFilter(unread=True)) == {"b", "c"}
    assert guids(ArticleFilter(starred=True, feed_id=feed_id)) == {"b"}
    assert guids(ArticleFilter(unread=True, starred=True)) == {"b", "c"}
    feeds = {f.title: (f.unread, f.total) for f in store.feeds()}
    assert feeds == {"Example": (1, 2), "Local": (1, 1)}


def test_search_index_follows_edits_but_not_read_marks(store: Store) -> None:
    store.store_batch(batch_of(article("a", title="Tulips", text="About spring bulbs")))
    article_id = store.list_articles()[0].id
    assert [a.id for a in store.search("bulbs")] == [article_id]
    store.store_batch(batch_of(article("a", title="Tulips", text="About autumn leaves")))
    assert store.search("bulbs") == []
    assert [a.id for a in store.search("autumn")] == [article_id]
    store.mark([article_id], read=True)
    assert [a.id for a in store.search("tulips")] == [article_id]
    # FTS5's own check raises if the index disagrees with the table.
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_a_failing_batch_leaves_nothing_behind(store: Store) -> None:
    store.store_batch(batch_of(article("kept")))
    broken = batch_of(article("new1"), article("new2"))
    # A guid of the wrong type makes SQLite fail half-way through the batch.
    broken.articles.append((FEED, ArticleData(guid=None, title="x", text="y")))  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.store_batch(broken)
    assert [a.guid for a in store.list_articles()] == ["kept"]


def test_tags_are_added_never_removed(store: Store) -> None:
    store.add_feed(FeedData(key="https://a.example/rss", title="A", url="https://a.example/rss", tags=["news"]))
    store.add_feed(FeedData(key="https://a.example/rss", title="", url=None, tags=["tech"]))
    (feed,) = store.feeds()
    assert feed.title == "A"
    assert feed.tags == ["news", "tech"]


def test_a_subscription_wins_over_a_local_copy_of_the_same_feed(store: Store) -> None:
    url = "https://example.com/feed.xml"
    store.add_feed(FeedData(key=url, title="From a file", url=url, kind="local"))
    store.add_feed(FeedData(key=url, title="", url=url, kind="feed"))
    (feed,) = store.feeds()
    assert feed.kind == "feed"
    assert feed.title == "From a file"


def _fts_consistent(store: Store) -> None:
    # FTS5's own check raises if an index disagrees with what was inserted.
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    store.conn.execute("INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")


def test_search_keys_follow_a_date_change_for_the_article_and_its_comments(store: Store) -> None:
    with_thread = article("a", title="Harbour", text="Boats", comments=[CommentData("c", "Ann", "lighthouse")])
    store.store_batch(batch_of(with_thread, article("b", title="Other", published=1_650_000_000)))
    article_id = store.find_article("a")
    # A later copy brings a real (older) date: the article moves below "b".
    store.store_batch(batch_of(article("a", title="Harbour", text="Boats", published=1_600_000_000)))
    assert [a.guid for a in store.list_articles()] == ["b", "a"]
    assert [a.id for a in store.search("harbour")] == [article_id]
    assert [a.id for a in store.search("lighthouse")] == [article_id]
    assert [a.guid for a in store.search("harbour OR other")] == ["b", "a"]
    _fts_consistent(store)


def test_deleting_an_article_removes_it_and_its_comments_from_search(store: Store) -> None:
    keep = article("k", title="Kept lighthouse", comments=[CommentData("c1", "Bo", "lighthouse keeper")])
    gone = article("g", title="Gone lighthouse", comments=[CommentData("c2", "Cy", "lighthouse beam")])
    store.store_batch(batch_of(keep, gone))
    with store.transaction():
        store.conn.execute("DELETE FROM articles WHERE guid = 'g'")
    assert [a.guid for a in store.search("lighthouse")] == ["k"]
    assert [a.guid for a in store.search("beam")] == []
    assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 1
    _fts_consistent(store)


def test_search_pages_through_many_comment_matches_to_fill_the_limit(store: Store) -> None:
    # One article with many matching comments must not crowd out the others.
    chatty = article("chatty", published=1_700_000_000, comments=[CommentData(f"c{i}", "x", "tide") for i in range(80)])
    quiet = [article(f"q{i}", title="tide", published=1_600_000_000 + i) for i in range(5)]
    store.store_batch(batch_of(chatty, *quiet))
    found = [a.guid for a in store.search("tide", limit=4)]
    assert found == ["chatty", "q4", "q3", "q2"]
    assert len(store.search("tide", limit=100)) == 6


def test_a_version_1_library_is_migrated_forward_keeping_its_articles(db_path: Path) -> None:
    # Build a library exactly as version 1 left it.
    from reader.store.schema import MIGRATIONS, split_sql

    raw = sqlite3.connect(db_path)
    for statement in split_sql(MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute("INSERT INTO feeds (key, title, created) VALUES ('k', 'Old feed', 0)")
    raw.execute(
        "INSERT INTO articles (feed_id, guid, title, published, first_seen, read) VALUES (1, 'g', 'Kept', 5, 5, 1)"
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()

    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        (row,) = store.list_articles()
        assert (row.title, row.read) == ("Kept", True)
        # Indexed by version 1's trigger, still found after the index moved to the store.
        assert [a.title for a in store.search("kept")] == ["Kept"]
        store.store_batch(batch_of(article("new", title="Fresh arrival")))
        assert [a.title for a in store.search("fresh")] == ["Fresh arrival"]
        store.set_setting("last-article", "1")
        assert store.get_setting("last-article") == "1"


def test_an_article_stored_and_changed_in_one_transaction_is_searchable_by_its_last_text(store: Store) -> None:
    """New rows are indexed at commit; a change before then must not corrupt the index."""
    first = batch_of(article("same", title="Draft", text="original wording", published=100))
    second = batch_of(article("same", title="Final", text="corrected wording", published=200))
    store.store_batches([first, second])
    (row,) = store.list_articles()
    assert row.title == "Final"
    assert store.search("original") == []
    assert [a.id for a in store.search("corrected")] == [row.id]
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_a_comment_repeated_in_one_thread_is_searchable_by_its_last_text(store: Store) -> None:
    thread = [
        CommentData(guid="c1", author="Ann", text="first thoughts on turnips"),
        CommentData(guid="c1", author="Ann", text="edited thoughts on parsnips"),
    ]
    store.store_batch(batch_of(article("a", title="Roots", comments=thread)))
    (row,) = store.list_articles()
    assert [a.id for a in store.search("parsnips")] == [row.id]
    assert store.search("turnips") == []
    store.conn.execute("INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")


def test_a_round_of_feeds_stores_every_article_and_counts_each_feed_on_its_own(store: Store) -> None:
    """Articles of several feeds go in oldest first (for the index), stats stay per feed."""
    feeds = [FeedData(key=f"https://example.com/{n}.xml", title=f"Feed {n}") for n in range(3)]
    batches = [
        batch_of(
            *(article(f"{n}-{i}", text=f"word{n} item{i}", published=1000 * (3 - n) - i) for i in range(5)), feed=feed
        )
        for n, feed in enumerate(feeds)
    ]
    stats = store.store_batches(batches)
    assert [s.articles_added for s in stats] == [5, 5, 5]
    assert [len(store.search(f"word{n}")) for n in range(3)] == [5, 5, 5]
    dates = [a.published for a in store.list_articles(limit=100)]
    assert dates == sorted(dates, reverse=True)
    store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
