"""OPML subscription lists and saved HTML pages."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

import pytest
from import_helpers import import_one, write

from reader.models import ArticleDetail, FeedRow
from reader.service.reading import read_article
from reader.store import Store


def feeds_by_url(store: Store) -> dict[str | None, FeedRow]:
    return {feed.url: feed for feed in store.feeds()}


def only_article(store: Store) -> ArticleDetail:
    rows = store.list_articles(limit=100)
    assert len(rows) == 1, [row.title for row in rows]
    detail = read_article(store, rows[0].id)
    assert detail is not None
    return detail


def table_sizes(store: Store) -> dict[str, int]:
    return {
        table: store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("feeds", "feed_tags", "articles", "comments")
    }


# --------------------------------------------------------------------------
# OPML

SUBSCRIPTIONS = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>My subscriptions</title></head><body>
  <outline text="Tech">
    <outline title="Linux">
      <outline text="LWN" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net/" category="news,/kernel/"/>
      <outline text="Script" xmlUrl="javascript:alert(1)"/>
      <outline text="Local" xmlURL="file:///etc/passwd"/>
    </outline>
    <outline text="HN" xmlurl="https://news.ycombinator.com/rss"/>
  </outline>
  <outline text="Top level" type="rss" xmlUrl="https://top.example/feed"/>
  <outline text="LWN again" xmlUrl="https://lwn.net/headlines/rss"/>
  <outline text="A/B"><outline text="Slashed" xmlUrl="https://slash.example/feed"/></outline>
</body></opml>
"""


def test_opml_feeds_get_their_folders_and_categories_as_tags(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "subs.opml", SUBSCRIPTIONS))

    assert outcome.error is None
    assert outcome.kind == "OPML"
    assert outcome.warnings == ["skipped 2 outlines without an http(s) feed URL"]
    assert outcome.stats.feeds_added == 4
    feeds = feeds_by_url(store)
    assert set(feeds) == {
        "https://lwn.net/headlines/rss",
        "https://news.ycombinator.com/rss",
        "https://top.example/feed",
        "https://slash.example/feed",
    }
    lwn = feeds["https://lwn.net/headlines/rss"]
    assert lwn.title == "LWN"
    assert lwn.site_url == "https://lwn.net/"
    assert lwn.kind == "feed"
    assert sorted(lwn.tags) == ["Tech/Linux", "kernel", "news"]
    assert feeds["https://news.ycombinator.com/rss"].tags == ["Tech"]
    assert feeds["https://top.example/feed"].tags == []
    # A slash inside a folder name does not invent a deeper folder.
    (slashed_tag,) = feeds["https://slash.example/feed"].tags
    assert slashed_tag != "A/B"
    assert "A" in slashed_tag and "B" in slashed_tag
    # Unsafe URLs never become feeds.
    assert not any(url and not url.startswith("https://") for url in feeds)
    assert store.counts()["all"] == 0


def test_reimporting_opml_adds_nothing_twice(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "subs.opml", SUBSCRIPTIONS)
    import_one(store, path)
    before = table_sizes(store)

    outcome = import_one(store, path)

    assert outcome.stats.feeds_added == 0
    assert table_sizes(store) == before


def test_deeply_nested_opml_is_read_without_recursion(store: Store, tmp_path: Path) -> None:
    depth = 3000
    document = (
        '<?xml version="1.0"?><opml version="1.0"><body>'
        + '<outline text="d">' * depth
        + '<outline text="Deep" xmlUrl="https://deep.example/feed"/>'
        + "</outline>" * depth
        + "</body></opml>"
    )
    outcome = import_one(store, write(tmp_path / "deep.opml", document))

    assert outcome.error is None
    (feed,) = store.feeds()
    assert feed.title == "Deep"
    assert feed.url == "https://deep.example/feed"
    assert feed.tags == ["/".join(["d"] * depth)]


def test_opml_without_feeds_warns(store: Store, tmp_path: Path) -> None:
    outcome = import_one(
        store, write(tmp_path / "empty.opml", '<opml version="1.0"><body><outline text="x"/></body></opml>')
    )

    assert outcome.error is None
    assert outcome.warnings == ["the OPML lists no feeds"]
    assert store.feeds() == []


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            '<opml version="1.0"><body><outline text="x" xmlUrl="https://a.example/f">',
            "expected OPML, found malformed XML",
        ),
        ('<opml version="1.0"><head/></opml>', "expected OPML with a <body>, found none"),
    ],
    ids=["truncated", "no-body"],
)
def test_broken_opml_gives_one_line_and_stores_nothing(
    store: Store, tmp_path: Path, document: str, expected: str
) -> None:
    outcome = import_one(store, write(tmp_path / "broken.opml", document))

    assert outcome.error is not None
    assert outcome.error.startswith(expected)
    assert "\n" not in outcome.error
    assert table_sizes(store) == {"feeds": 0, "feed_tags": 0, "articles": 0, "comments": 0}


@pytest.mark.shared
def test_newsboat_category_opml_gives_tags(store: Store, shared: Path) -> None:
    outcome = import_one(store, shared / "corpus" / "newsboat" / "test" / "data" / "category.opml")

    assert outcome.error is None
    (feed,) = store.feeds()
    assert feed.url == "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int"
    assert sorted(feed.tags) == ["tag one", "tag/three", "tag_two"]
    assert feed.title == feed.url  # the outline has no title


# --------------------------------------------------------------------------
# HTML pages

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Harbour Blog | The ferry vote</title>
<meta property="og:title" content="The Ferry Vote, Explained">
<meta name="author" content="Jane Doe">
<link rel="canonical" href="https://blog.example/2025/05/ferry.html">
<meta property="article:published_time" content="2025-05-01T12:00:00Z">
<script>var tracking = "SCRIPTBODY";</script><style>.x { color: red } /* STYLEBODY */</style></head>
<body><nav>NAVMENU Home About</nav><header>HEADERBANNER</header>
<article><h1>The Ferry Vote, Explained</h1>
<p>The council voted on <a href="../ferries.html">the ferry line</a> on Tuesday.</p>
<h2>What happens next</h2><p>A consultation in March.</p>
<form action="https://evil.example/"><input type="password" name="pw">FORMTEXT</form>
</article>
<aside>ASIDESTUFF</aside><footer>FOOTERLEGAL</footer></body></html>
"""


def test_html_page_gives_title_author_date_url_and_main_text(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "saved" / "ferry.html", PAGE))

    assert outcome.error is None and outcome.warnings == []
    assert outcome.kind == "HTML page"
    detail = only_article(store)
    assert detail.article.title == "The Ferry Vote, Explained"
    assert detail.article.author == "Jane Doe"
    assert detail.article.url == "https://blog.example/2025/05/ferry.html"
    assert detail.article.published == calendar.timegm((2025, 5, 1, 12, 0, 0, 0, 0, 0))
    assert detail.text == (
        "# The Ferry Vote, Explained\n\n"
        "The council voted on [the ferry line](https://blog.example/2025/ferries.html) on Tuesday.\n\n"
        "## What happens next\n\n"
        "A consultation in March."
    )
    stored = detail.text + (detail.html or "")
    for furniture in ("NAVMENU", "HEADERBANNER", "ASIDESTUFF", "FOOTERLEGAL", "SCRIPTBODY", "STYLEBODY", "FORMTEXT"):
        assert furniture not in stored
    assert "<script" not in (detail.html or "")
    assert "password" not in (detail.html or "")
    # Grouped under its folder.
    assert detail.article.feed == "saved"


def test_html_title_falls_back_to_title_then_h1_then_file_name(store: Store, tmp_path: Path) -> None:
    import_one(store, write(tmp_path / "a" / "t.html", "<html><head><title>From title</title></head><body><p>x.</p>"))
    import_one(store, write(tmp_path / "b" / "h.html", "<html><body><h1>From &amp; h1</h1><p>y.</p></body></html>"))
    import_one(store, write(tmp_path / "c" / "nameless-page.html", "<html><body><p>z.</p></body></html>"))

    titles = sorted(row.title for row in store.list_articles())
    assert titles == ["From & h1", "From title", "nameless-page"]


def test_html_meta_charset_is_honoured(store: Store, tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head>'
        "<body><p>Cr\xe8me br\xfbl\xe9e recipe.</p></body></html>"
    ).encode("latin-1")

    outcome = import_one(store, write(tmp_path / "latin.htm", page))

    assert outcome.error is None
    detail = only_article(store)
    assert detail.article.title == "Caf\u00e9"
    assert detail.text == "Cr\u00e8me br\u00fbl\u00e9e recipe."


def test_html_page_without_readable_text_is_refused(store: Store, tmp_path: Path) -> None:
    page = "<html><head><title>Nothing</title></head><body><script>run()</script><nav>menu</nav></body></html>"

    outcome = import_one(store, write(tmp_path / "empty.html", page))

    assert outcome.error == "expected an HTML page with readable text, found none"
    assert table_sizes(store)["articles"] == 0


def test_reimporting_a_page_keeps_one_article_and_its_marks(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ferry.html", PAGE)
    import_one(store, path)
    first = only_article(store)
    store.mark([first.article.id], read=True, starred=True)

    outcome = import_one(store, path)

    assert outcome.stats.articles_added == 0
    again = only_article(store)
    assert again.article.id == first.article.id
    assert again.article.read and again.article.starred


def test_an_html_page_saved_as_txt_is_read_as_html(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "page.txt", PAGE))

    assert outcome.kind == "HTML page"
    assert only_article(store).article.title == "The Ferry Vote, Explained"


def test_html_dates_that_make_no_sense_fall_back_to_first_seen(store: Store, tmp_path: Path) -> None:
    page = PAGE.replace("2025-05-01T12:00:00Z", "9999-12-31T23:59:59Z")
    before = int(time.time())
    import_one(store, write(tmp_path / "future.html", page))
    after = int(time.time())

    assert before <= only_article(store).article.published <= after
