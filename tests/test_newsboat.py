"""Coming from newsboat: its urls file and a real cache.db keep feeds, tags, read and flagged state."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import RunReader, skip_unless_required
from feedserver import FeedServer, Item, ok, rss

from reader.models import ArticleFilter
from reader.service.reading import read_article
from reader.store import Store

URLS = """# my feeds
https://one.example/feed.xml tech "~Renamed One" "long tag"
https://two.example/rss
"query:Unread articles:unread = \\"yes\\""
exec:~/bin/make-feed
"filter:~/bin/clean:https://three.example/feed"

https://four.example/atom news
"""

# newsboat 2.21's own schema (from a cache it created), so the hand-made cache
# is what a user's file looks like.
NEWSBOAT_SCHEMA = """
CREATE TABLE rss_feed (  rssurl VARCHAR(1024) PRIMARY KEY NOT NULL,  url VARCHAR(1024) NOT NULL,
  title VARCHAR(1024) NOT NULL , lastmodified INTEGER(11) NOT NULL DEFAULT 0,
  is_rtl INTEGER(1) NOT NULL DEFAULT 0, etag VARCHAR(128) NOT NULL DEFAULT "");
CREATE TABLE rss_item (  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,  guid VARCHAR(64) NOT NULL,
  title VARCHAR(1024) NOT NULL,  author VARCHAR(1024) NOT NULL,  url VARCHAR(1024) NOT NULL,
  feedurl VARCHAR(1024) NOT NULL,  pubDate INTEGER NOT NULL,  content VARCHAR(65535) NOT NULL,
  unread INTEGER(1) NOT NULL , enclosure_url VARCHAR(1024), enclosure_type VARCHAR(1024),
  enqueued INTEGER(1) NOT NULL DEFAULT 0, flags VARCHAR(52), deleted INTEGER(1) NOT NULL DEFAULT 0,
  base VARCHAR(128) NOT NULL DEFAULT "");
CREATE TABLE metadata (  db_schema_version_major INTEGER NOT NULL,  db_schema_version_minor INTEGER NOT NULL );
"""


def test_urls_file_gives_feeds_tags_and_renames_and_notes_what_it_skips(tmp_path: Path, run_reader: RunReader) -> None:
    urls = tmp_path / "urls"
    urls.write_text(URLS, encoding="utf-8")
    result = run_reader("import", str(urls))
    assert result.returncode == 0, result.stderr
    assert "exec:" in result.stdout + result.stderr
    # newsboat's query feed is a saved search here, its filter read as written.
    saved = json.loads(run_reader("query", "list", "--json").stdout)
    assert [(q["name"], q["filter"]) for q in saved] == [("Unread articles", 'unread = "yes"')]
    feeds = {row["url"]: row for row in json.loads(run_reader("feeds", "--json").stdout)}
    assert set(feeds) == {"https://one.example/feed.xml", "https://two.example/rss", "https://four.example/atom"}
    one = feeds["https://one.example/feed.xml"]
    assert one["title"] == "Renamed One"
    assert sorted(one["tags"]) == ["long tag", "tech"]
    assert feeds["https://four.example/atom"]["tags"] == ["news"]
    # Subscriptions: `reader fetch` will fetch them.
    with Store(tmp_path / "library.db") as store:
        assert {feed.url for feed in store.feeds_due()[0]} == set(feeds)
    # The file's line says what it brought: its feeds and its saved search.
    assert f"{urls}: newsboat-urls: 3 feeds (3 new), 1 saved search" in result.stdout.splitlines()


def test_a_config_file_brings_its_killfile_rules_in_the_mode_it_names(tmp_path: Path, run_reader: RunReader) -> None:
    config = tmp_path / "config"
    config.write_text(
        'ignore-article "*" "title =~ \\"^sponsored\\""\nreload-time 30\n'
        'ignore-article "*" "author = \\"bot\\""\nignore-mode "display"\n',
        encoding="utf-8",
    )
    result = run_reader("import", str(config))
    assert result.returncode == 0, result.stderr
    assert f"{config}: newsboat-config: 2 new killfile rules" in result.stdout.splitlines()
    assert result.stderr.splitlines()[-1].endswith("1 other config line is newsboat's own setting; skipped")
    rules = json.loads(run_reader("ignore", "list", "--json").stdout)["rules"]
    assert [(rule["filter"], rule["mode"]) for rule in rules] == [
        ('title =~ "^sponsored"', "display"),  # ignore-mode counts wherever it stands
        ('author = "bot"', "display"),
    ]
    again = run_reader("import", str(config))
    assert f"{config}: newsboat-config: 0 new killfile rules" in again.stdout.splitlines()


def hand_made_cache(path: Path) -> None:
    """A cache as newsboat leaves it: one feed, four items (read, flagged, deleted, unread)."""
    connection = sqlite3.connect(path)
    connection.executescript(NEWSBOAT_SCHEMA)
    connection.execute(
        "INSERT INTO rss_feed (rssurl, url, title) VALUES (?, ?, ?)",
        ("https://blog.example/feed", "https://blog.example/", "A <b>Blog</b>"),
    )
    rows = [
        ("g-read", "Read one", "<p>was read</p>", 0, ""),
        ("g-flagged", "Flagged one", "<p>flagged <script>x()</script></p>", 1, "s"),
        ("g-deleted", "Deleted one", "<p>gone</p>", 0, ""),
        ("g-unread", "Unread one", "<p>still new</p>", 1, None),
    ]
    for number, (guid, title, content, unread, flags) in enumerate(rows):
        connection.execute(
            """INSERT INTO rss_item (guid, title, author, url, feedurl, pubDate, content, unread, flags, deleted)
            VALUES (?, ?, 'Ann', ?, 'https://blog.example/feed', ?, ?, ?, ?, ?)""",
            (
                guid,
                title,
                f"https://blog.example/{guid}",
                1_760_000_000 + number,
                content,
                unread,
                flags,
                int(guid == "g-deleted"),
            ),
        )
    connection.commit()
    connection.close()


def test_cache_keeps_feeds_articles_read_and_flagged_state(
    tmp_path: Path, run_reader: RunReader, db_path: Path
) -> None:
    cache = tmp_path / "cache.db"
    hand_made_cache(cache)
    before = cache.read_bytes()
    result = run_reader("import", str(cache))
    assert result.returncode == 0, result.stderr
    assert cache.read_bytes() == before, "the newsboat cache is opened read-only"
    with Store(db_path) as store:
        (feed,) = store.feeds()
        assert (feed.title, feed.url) == ("A Blog", "https://blog.example/feed")
        rows = {row.title: row for row in store.list_articles()}
        assert set(rows) == {"Read one", "Flagged one", "Unread one"}
        assert (rows["Read one"].read, rows["Read one"].starred) == (True, False)
        assert (rows["Flagged one"].read, rows["Flagged one"].starred) == (False, True)
        assert (rows["Unread one"].read, rows["Unread one"].starred) == (False, False)
        flagged = read_article(store, rows["Flagged one"].id)
        assert flagged is not None
        assert "x()" not in (flagged.html or "")


def test_importing_the_cache_again_never_undoes_marks_made_here(
    tmp_path: Path, run_reader: RunReader, db_path: Path
) -> None:
    cache = tmp_path / "cache.db"
    hand_made_cache(cache)
    run_reader("import", str(cache))
    with Store(db_path) as store:
        ids = {row.title: row.id for row in store.list_articles()}
        store.mark([ids["Unread one"]], read=True, starred=True)
    assert run_reader("import", str(cache)).returncode == 0
    with Store(db_path) as store:
        again = {row.title: row for row in store.list_articles()}
        assert len(again) == 3
        assert again["Unread one"].read and again["Unread one"].starred
        assert again["Read one"].read and again["Flagged one"].starred


def test_another_sqlite_file_is_refused_in_one_line(tmp_path: Path, run_reader: RunReader) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    result = run_reader("import", str(other))
    assert result.returncode != 0
    assert "expected a newsboat cache" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def newsboat() -> str:
    """The newsboat program (Debian's package; .ci/run installs it)."""
    found = shutil.which("newsboat")
    if found is None:
        skip_unless_required("newsboat is not installed (apt-get install -y newsboat)", "READER_REQUIRE_NEWSBOAT")
    return found


def test_a_cache_made_by_newsboat_itself_round_trips(
    newsboat: str, server: FeedServer, tmp_path: Path, run_reader: RunReader, db_path: Path
) -> None:
    """newsboat fetches two feeds from loopback into its own cache; reader keeps every item and mark."""
    first = server.route(
        "/a.xml",
        ok(
            rss(
                [Item(guid=f"a{n}", title=f"Alpha {n}", description=f"<p>alpha {n}</p>") for n in range(3)],
                title="Alpha",
            )
        ),
    )
    second = server.route(
        "/b.xml",
        ok(rss([Item(guid=f"b{n}", title=f"Beta {n}", description="<p>beta</p>") for n in range(2)], title="Beta")),
    )
    home = tmp_path / "nb"
    home.mkdir()
    (home / "urls").write_text(f'{first} loopback "~First"\n{second}\n', encoding="utf-8")
    (home / "config").write_text("", encoding="utf-8")
    cache = home / "cache.db"
    subprocess.run(
        [newsboat, "-u", str(home / "urls"), "-c", str(cache), "-C", str(home / "config"), "-x", "reload"],
        env={**os.environ, "HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    # Read and flag the way newsboat records them.
    connection = sqlite3.connect(cache)
    connection.execute("UPDATE rss_item SET unread = 0 WHERE guid = 'a0'")
    connection.execute("UPDATE rss_item SET flags = 'ab' WHERE guid = 'b1'")
    connection.commit()
    connection.close()

    assert run_reader("import", str(home / "urls")).returncode == 0
    result = run_reader("import", str(cache))
    assert result.returncode == 0, result.stderr
    with Store(db_path) as store:
        titles = {feed.url: feed.title for feed in store.feeds()}
        assert titles[first] == "First", "the urls file's rename is kept over the feed's own title"
        rows = {row.title: row for row in store.list_articles(limit=100)}
        assert set(rows) == {"Alpha 0", "Alpha 1", "Alpha 2", "Beta 0", "Beta 1"}
        assert rows["Alpha 0"].read and not rows["Alpha 1"].read
        assert rows["Beta 1"].starred and not rows["Beta 0"].starred
        assert len(store.list_articles(ArticleFilter(unread=True), limit=100)) == 4


def test_a_newsboat_cache_given_as_the_library_is_refused_untouched(tmp_path: Path, run_reader: RunReader) -> None:
    """`reader --db cache.db` must not turn newsboat's file into a reader library."""
    cache = tmp_path / "cache.db"
    hand_made_cache(cache)
    before = cache.read_bytes()
    result = run_reader("list", db=cache)
    assert result.returncode != 0
    assert "not a reader library" in result.stderr and "reader import" in result.stderr
    assert result.stderr.count("\n") == 1
    assert cache.read_bytes() == before


def test_importing_the_urls_file_again_keeps_the_titles_fetches_gave(
    server: FeedServer, tmp_path: Path, run_reader: RunReader
) -> None:
    """Found by review: a line with no ~"rename" set the feed's title back to its address."""
    url = server.route("/feed.xml", ok(rss([Item("g", "One", "https://example.org/1", "<p>x</p>")], title="Alpha")))
    urls = tmp_path / "urls"
    urls.write_text(f'{url} tech\n{url.replace("feed", "other")} "~Named here"\n', encoding="utf-8")
    assert run_reader("import", str(urls)).returncode == 0
    assert run_reader("fetch", "1", "--no-comments", "--no-full-text").returncode == 0
    assert run_reader("import", str(urls)).returncode == 0
    titles = {feed["url"]: feed["title"] for feed in json.loads(run_reader("feeds", "--json").stdout)}
    assert titles == {url: "Alpha", url.replace("feed", "other"): "Named here"}
