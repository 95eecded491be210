"""Tags on feeds (CLI and OPML both ways), marking a feed read, and pruning old articles."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunReader

from reader.models import ArticleData, ArticleFilter, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text import dates

DAY = 86400


def feed_xml(title: str, items: list[tuple[str, str, int]]) -> str:
    """An RSS document; items are (guid, title, published epoch)."""
    from email.utils import formatdate

    body = "".join(
        f"<item><guid>{guid}</guid><title>{name}</title><description>About {name}</description>"
        f"<pubDate>{formatdate(when, usegmt=True)}</pubDate></item>"
        for guid, name, when in items
    )
    return f'<rss version="2.0"><channel><title>{title}</title><link>https://x.example/</link>{body}</channel></rss>'


def library(db_path: Path) -> dict[str, int]:
    """Two feeds: ``news`` with three articles, ``blog`` with two; returns feed ids by name."""
    now = dates.now()
    with Store(db_path) as store:
        for key, names in (("news", ["n1", "n2", "n3"]), ("blog", ["b1", "b2"])):
            feed = FeedData(key=f"https://{key}.example/feed", title=key.title(), url=f"https://{key}.example/feed")
            batch = ImportBatch(kind="test")
            for age, name in enumerate(names):
                batch.articles.append(
                    (feed, ArticleData(guid=name, title=name, text=f"text {name}", published=now - age * DAY))
                )
            store.store_batch(batch)
        return {row.title.lower(): row.id for row in store.feeds()}


def test_tags_are_added_listed_filtered_and_removed(db_path: Path, run_reader: RunReader) -> None:
    feeds = library(db_path)
    added = run_reader("tag", str(feeds["news"]), "daily", "world")
    assert added.returncode == 0 and "daily, world" in added.stdout
    run_reader("tag", str(feeds["blog"]), "daily")
    tags = json.loads(run_reader("tags", "--json").stdout)
    assert tags == [{"tag": "daily", "feeds": 2, "unread": 5}, {"tag": "world", "feeds": 1, "unread": 3}]
    listed = json.loads(run_reader("list", "--tag", "world", "--json").stdout)
    assert sorted(row["title"] for row in listed) == ["n1", "n2", "n3"]
    removed = run_reader("tag", str(feeds["news"]), "world", "--remove")
    assert removed.returncode == 0 and "world" not in removed.stdout
    missing = run_reader("list", "--tag", "world")
    assert missing.returncode != 0 and "no feed has the tag 'world'" in missing.stderr
    assert run_reader("tag", "999", "x").returncode != 0


def test_opml_folders_and_categories_become_tags_and_go_back_out(tmp_path: Path, run_reader: RunReader) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        """<?xml version="1.0"?><opml version="2.0"><head><title>s</title></head><body>
<outline text="Tech">
  <outline type="rss" text="One" xmlUrl="https://one.example/feed" category="/linux,python"/>
</outline>
<outline type="rss" text="Two" xmlUrl="https://two.example/feed"/>
</body></opml>""",
        encoding="utf-8",
    )
    assert run_reader("import", str(opml)).returncode == 0
    feeds = {row["title"]: row for row in json.loads(run_reader("feeds", "--json").stdout)}
    assert set(feeds["One"]["tags"]) >= {"Tech", "linux", "python"}
    assert feeds["Two"]["tags"] == []
    exported = run_reader("export", "opml").stdout
    again = tmp_path / "again.opml"
    again.write_text(exported, encoding="utf-8")
    second = tmp_path / "second.db"
    assert run_reader("import", str(again), db=second).returncode == 0
    round_trip = {row["title"]: row for row in json.loads(run_reader("feeds", "--json", db=second).stdout)}
    assert set(round_trip["One"]["tags"]) == set(feeds["One"]["tags"])


def test_mark_feed_read_touches_only_that_feed(db_path: Path, run_reader: RunReader) -> None:
    feeds = library(db_path)
    result = run_reader("mark-feed-read", str(feeds["news"]))
    assert result.returncode == 0 and "marked 3 articles read" in result.stdout
    with Store(db_path) as store:
        assert store.counts()["unread"] == 2
        assert all(not row.read for row in store.list_articles(ArticleFilter(feed_id=feeds["blog"])))


def test_prune_keeps_starred_and_unread_unless_asked(db_path: Path, run_reader: RunReader) -> None:
    now = dates.now()
    feed = FeedData(key="https://old.example/feed", title="Old", url="https://old.example/feed")
    with Store(db_path) as store:
        batch = ImportBatch(kind="test")
        for name, age in (("ancient-read", 200), ("ancient-starred", 200), ("ancient-unread", 200), ("recent-read", 5)):
            comments = [CommentData(guid=f"{name}-c", author="a", text=f"reply to {name} zebra")]
            batch.articles.append(
                (
                    feed,
                    ArticleData(
                        guid=name, title=name, text="zebra crossing", published=now - age * DAY, comments=comments
                    ),
                )
            )
        store.store_batch(batch)
        ids = {row.title: row.id for row in store.list_articles()}
        store.mark([ids["ancient-read"], ids["ancient-starred"], ids["recent-read"]], read=True)
        store.mark([ids["ancient-starred"]], starred=True)

    result = run_reader("prune", "--older-than", "90d")
    assert result.returncode == 0 and "deleted 1 article " in result.stdout
    with Store(db_path) as store:
        left = {row.title for row in store.list_articles()}
        assert left == {"ancient-starred", "ancient-unread", "recent-read"}
        assert {a.title for a in store.search("zebra")} == left
        assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 3
        store.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        store.conn.execute("INSERT INTO comments_fts(comments_fts) VALUES ('integrity-check')")

    assert (
        "deleted 2 articles"
        in run_reader("prune", "--older-than", "12w", "--include-unread", "--include-starred").stdout
    )
    with Store(db_path) as store:
        assert {row.title for row in store.list_articles()} == {"recent-read"}


def test_a_pruned_article_does_not_come_back_from_its_feed(
    db_path: Path, tmp_path: Path, run_reader: RunReader
) -> None:
    now = dates.now()
    path = tmp_path / "feed.xml"
    path.write_text(feed_xml("Keeps old items", [("old", "Old story", now - 400 * DAY), ("new", "New story", now)]))
    assert run_reader("import", str(path)).returncode == 0
    with Store(db_path) as store:
        store.mark([row.id for row in store.list_articles() if row.title == "Old story"], read=True)
    assert "deleted 1 article " in run_reader("prune", "--older-than", "1y").stdout
    assert run_reader("import", str(path)).returncode == 0
    with Store(db_path) as store:
        assert [row.title for row in store.list_articles()] == ["New story"]


def test_prune_refuses_an_age_it_cannot_read(run_reader: RunReader) -> None:
    for bad in ("90", "ninety days", "0d", "-5d", "3x"):
        result = run_reader("prune", "--older-than", bad)
        assert result.returncode != 0
        assert "--older-than wants an age like 90d" in result.stderr and result.stderr.count("\n") == 1
