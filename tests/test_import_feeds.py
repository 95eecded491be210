"""RSS, Atom and JSON Feed files, RFC 4685 comment threads, merging and the peer corpora."""

from __future__ import annotations

import calendar
import codecs
import json
import os
import time
from pathlib import Path

import pytest
from import_helpers import import_one, write

from reader.models import ArticleDetail, CommentRow
from reader.parse import FileOutcome, import_paths
from reader.service.reading import read_article
from reader.store import Store

THR = "http://purl.org/syndication/thread/1.0"


def articles_by_guid(store: Store) -> dict[str, ArticleDetail]:
    found = {}
    for row in store.list_articles(limit=10_000):
        detail = read_article(store, row.id)
        assert detail is not None
        found[row.guid] = detail
    return found


def epoch(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def tree(comments: list[CommentRow]) -> list[tuple[int, str, str | None]]:
    """(depth, author, parent's author) in display order."""
    by_id = {c.id: c for c in comments}
    return [(c.depth, c.author, by_id[c.parent_id].author if c.parent_id else None) for c in comments]


def rss(items: str, title: str = "Harbour News", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{title}</title><link>https://news.example/</link>{extra}{items}</channel></rss>"
    )


def rss_item(guid: str, title: str, description: str, date: str = "Mon, 05 Jan 2026 10:00:00 GMT") -> str:
    return (
        f"<item><title>{title}</title><link>https://news.example/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{date}</pubDate><description>{description}</description></item>"
    )


def atom_entry(entry_id: str, title: str, author: str, body: str, extra: str = "", updated: str = "") -> str:
    updated = updated or "2026-01-02T00:00:00Z"
    return (
        f"<entry><id>{entry_id}</id><title>{title}</title><updated>{updated}</updated>"
        f'<author><name>{author}</name></author>{extra}<content type="html">{body}</content></entry>'
    )


def atom(entries: str, prefix: str = "thr", title: str = "Discussion", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:{prefix}="{THR}">'
        f"<title>{title}</title><id>urn:feed:{title}</id><updated>2026-01-02T00:00:00Z</updated>{extra}"
        f"{entries}</feed>"
    )


def reply(prefix: str, ref: str) -> str:
    return f'<{prefix}:in-reply-to ref="{ref}"/>'


# --------------------------------------------------------------------------
# RSS and Atom


def test_rss_items_give_title_url_author_date_and_markdown_with_resolved_links(store: Store, tmp_path: Path) -> None:
    body = (
        "&lt;p&gt;See &lt;a href=&quot;../2/&quot;&gt;the next post&lt;/a&gt; and "
        "&lt;a href=&quot;/about&quot;&gt;about us&lt;/a&gt;, &lt;strong&gt;today&lt;/strong&gt;.&lt;/p&gt;"
        "&lt;p&gt;Second paragraph.&lt;/p&gt;"
    )
    items = (
        "<item><title>Ferry &amp; Port</title><link>https://news.example/posts/1/</link><guid>post-1</guid>"
        "<dc:creator>Alice Moreau</dc:creator><pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>"
        f"<description>{body}</description></item>"
        "<item><title>Market Day</title><link>https://news.example/posts/2/</link><guid>post-2</guid>"
        "<author>bob@news.example (Bob Lin)</author><pubDate>Tue, 06 Jan 2026 08:15:00 +0100</pubDate>"
        "<description>Plain words only.</description></item>"
        "<item><title>Night Bus</title><link>https://news.example/posts/3/</link><guid>post-3</guid>"
        "<pubDate>Wed, 07 Jan 2026 23:00:00 GMT</pubDate>"
        "<description><![CDATA[<ul><li>one</li><li>two</li></ul>]]></description></item>"
    )
    outcome = import_one(store, write(tmp_path / "news.xml", rss(items)))

    assert outcome.error is None and outcome.warnings == []
    assert outcome.kind == "feed"
    assert outcome.stats.articles_added == 3
    found = articles_by_guid(store)
    first, second, third = found["post-1"], found["post-2"], found["post-3"]
    assert first.article.title == "Ferry & Port"
    assert first.article.url == "https://news.example/posts/1/"
    assert first.article.author == "Alice Moreau"
    assert first.article.published == epoch("2026-01-05T10:00:00Z")
    assert first.text == (
        "See [the next post](https://news.example/posts/2/) and [about us](https://news.example/about), "
        "**today**.\n\nSecond paragraph."
    )
    assert "Bob Lin" in second.article.author
    assert second.article.published == epoch("2026-01-06T07:15:00Z")
    assert second.text == "Plain words only."
    assert [line.strip() for line in third.text.split("\n")] == ["* one", "* two"]
    # Newest first.
    assert [row.guid for row in store.list_articles()] == ["post-3", "post-2", "post-1"]
    (feed,) = store.feeds()
    assert feed.title == "Harbour News"
    assert feed.site_url == "https://news.example/"
    assert feed.total == 3


def test_atom_entries_give_title_url_author_date_and_markdown(store: Store, tmp_path: Path) -> None:
    document = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom &amp; Co</title><id>urn:feed</id>
<updated>2025-03-02T00:00:00Z</updated><link rel="alternate" href="https://atom.example/"/>
<entry><id>tag:atom.example,2025:1</id><title>One</title>
<link rel="alternate" href="https://atom.example/2025/03/one/"/><author><name>Ada</name></author>
<published>2025-03-01T08:30:00Z</published><updated>2025-03-01T09:00:00Z</updated>
<content type="html">&lt;p&gt;Read &lt;a href="notes.html"&gt;the notes&lt;/a&gt; and
&lt;a href="/feed"&gt;the feed&lt;/a&gt;, &lt;em&gt;now&lt;/em&gt;.&lt;/p&gt;</content></entry>
<entry><id>tag:atom.example,2025:2</id><title type="html">Two &lt;b&gt;bold&lt;/b&gt;</title>
<link href="https://atom.example/2025/03/two/"/><author><name>Grace</name></author>
<published>2025-03-02T08:30:00+02:00</published><summary>Just a summary.</summary></entry>
<entry><id>tag:atom.example,2025:3</id><title>Three</title><link href="https://atom.example/three"/>
<updated>2025-02-01T00:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>XHTML <a href="x/y">relative</a></p></div></content>
</entry></feed>"""
    outcome = import_one(store, write(tmp_path / "atom.xml", document))

    assert outcome.error is None and outcome.warnings == []
    found = articles_by_guid(store)
    one = found["tag:atom.example,2025:1"]
    two = found["tag:atom.example,2025:2"]
    three = found["tag:atom.example,2025:3"]
    assert (one.article.title, one.article.author, one.article.url) == (
        "One",
        "Ada",
        "https://atom.example/2025/03/one/",
    )
    assert one.article.published == epoch("2025-03-01T08:30:00Z")
    assert one.text == (
        "Read [the notes](https://atom.example/2025/03/one/notes.html) and "
        "[the feed](https://atom.example/feed), _now_."
    )
    assert two.article.title == "Two bold"  # markup in an HTML title is not kept as tags
    assert two.article.published == epoch("2025-03-02T06:30:00Z")
    assert two.text == "Just a summary."
    assert three.article.published == epoch("2025-02-01T00:00:00Z")  # no published: updated is used
    assert three.text == "XHTML [relative](https://atom.example/x/y)"
    assert store.feeds()[0].title == "Atom & Co"


def test_a_feed_is_recognised_by_content_not_by_extension(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "looks-like-text.txt", rss(rss_item("g1", "Real Feed", "Words."))))

    assert outcome.kind == "feed"
    assert [row.title for row in store.list_articles()] == ["Real Feed"]


# --------------------------------------------------------------------------
# RFC 4685 threads


def _thread_entries(prefix: str) -> str:
    return "".join(
        [
            atom_entry(
                "urn:post", "The post", "Poster", "&lt;p&gt;Post body&lt;/p&gt;", '<link href="https://ex.org/post"/>'
            ),
            atom_entry("urn:c1", "c1", "Ann", "First!", reply(prefix, "urn:post"), "2026-01-02T01:00:00Z"),
            # Two in-reply-to: the first one (Ann's comment) counts.
            atom_entry(
                "urn:c2",
                "c2",
                "Bob",
                "Replying to Ann",
                reply(prefix, "urn:c1") + reply(prefix, "urn:post"),
                "2026-01-02T02:00:00Z",
            ),
            atom_entry("urn:c3", "c3", "Cid", "Another top comment", reply(prefix, "urn:post"), "2026-01-02T03:00:00Z"),
            atom_entry("urn:c4", "c4", "Dee", "Replying to Bob", reply(prefix, "urn:c2"), "2026-01-02T04:00:00Z"),
        ]
    )


@pytest.mark.parametrize("prefix", ["thr", "t"])
def test_atom_replies_become_a_tree_under_the_post(store: Store, tmp_path: Path, prefix: str) -> None:
    outcome = import_one(store, write(tmp_path / "thread.atom", atom(_thread_entries(prefix), prefix=prefix)))

    assert outcome.error is None and outcome.warnings == []
    assert outcome.stats.articles_added == 1
    assert outcome.stats.comments_added == 4
    (post,) = articles_by_guid(store).values()
    assert post.article.title == "The post"
    assert post.text == "Post body"
    assert tree(post.comments) == [
        (0, "Ann", None),
        (1, "Bob", "Ann"),
        (2, "Dee", "Bob"),
        (0, "Cid", None),
    ]
    assert [c.text for c in post.comments] == ["First!", "Replying to Ann", "Replying to Bob", "Another top comment"]
    assert post.comments[0].published == epoch("2026-01-02T01:00:00Z")


def test_first_in_reply_to_counts_even_when_the_feed_uses_html_entities(store: Store, tmp_path: Path) -> None:
    # &nbsp; is undefined in XML, yet common in real feeds: feedparser reads
    # such documents with its lenient parser. The thread must not change.
    document = atom(_thread_entries("t"), prefix="t", title="Discussion&nbsp;board")

    outcome = import_one(store, write(tmp_path / "thread.atom", document))

    assert outcome.error is None
    (post,) = articles_by_guid(store).values()
    assert tree(post.comments) == [
        (0, "Ann", None),
        (1, "Bob", "Ann"),
        (2, "Dee", "Bob"),
        (0, "Cid", None),
    ]


def _late_comments(*entries: str) -> str:
    return atom("".join(entries), title="Comments")


EVE = atom_entry("urn:c5", "c5", "Eve", "Late to the party", reply("thr", "urn:post"), "2026-01-03T00:00:00Z")
FAY = atom_entry("urn:c6", "c6", "Fay", "Welcome, Eve", reply("thr", "urn:c5"), "2026-01-03T01:00:00Z")
GUS = atom_entry("urn:c7", "c7", "Gus", "Dee is right", reply("thr", "urn:c4"), "2026-01-03T02:00:00Z")


def test_a_comment_feed_imported_later_attaches_to_the_stored_post(store: Store, tmp_path: Path) -> None:
    import_one(store, write(tmp_path / "post.atom", atom(_thread_entries("thr"))))
    post_id = store.find_article("urn:post")
    assert post_id is not None

    outcome = import_one(store, write(tmp_path / "comments.atom", _late_comments(EVE, FAY)))

    assert outcome.error is None and outcome.warnings == []
    assert outcome.stats.articles_added == 0
    assert outcome.stats.comments_added == 2
    assert [row.id for row in store.list_articles()] == [post_id]  # no new articles
    shape = {author: (depth, parent) for depth, author, parent in tree(store.comments(post_id))}
    assert shape == {
        "Ann": (0, None),
        "Bob": (1, "Ann"),
        "Dee": (2, "Bob"),
        "Cid": (0, None),
        "Eve": (0, None),
        "Fay": (1, "Eve"),
    }
    assert store.articles_by_ids([post_id])[0].comment_count == 6


def test_comments_from_a_later_comment_feed_come_after_those_already_shown(store: Store, tmp_path: Path) -> None:
    import_one(store, write(tmp_path / "post.atom", atom(_thread_entries("thr"))))
    post_id = store.find_article("urn:post")
    assert post_id is not None

    import_one(store, write(tmp_path / "comments.atom", _late_comments(EVE, FAY)))

    # Eve's comment is newer than every stored one and was seen later: it must
    # not jump ahead of Cid's top-level comment.
    assert tree(store.comments(post_id)) == [
        (0, "Ann", None),
        (1, "Bob", "Ann"),
        (2, "Dee", "Bob"),
        (0, "Cid", None),
        (0, "Eve", None),
        (1, "Fay", "Eve"),
    ]


def test_a_comment_feed_reply_to_a_stored_comment_joins_its_thread(store: Store, tmp_path: Path) -> None:
    import_one(store, write(tmp_path / "post.atom", atom(_thread_entries("thr"))))
    post_id = store.find_article("urn:post")
    assert post_id is not None

    outcome = import_one(store, write(tmp_path / "comments.atom", _late_comments(GUS)))

    assert outcome.warnings == []
    assert [row.id for row in store.list_articles()] == [post_id]
    assert (3, "Gus", "Dee") in tree(store.comments(post_id))


def test_replies_to_an_unknown_article_are_imported_as_articles_with_a_warning(store: Store, tmp_path: Path) -> None:
    document = atom(
        atom_entry("urn:x1", "x1", "Gus", "An answer to something we never saw", reply("thr", "urn:missing"))
        + atom_entry("urn:x2", "x2", "Hal", "And a reply to that answer", reply("thr", "urn:x1")),
        title="Orphans",
    )
    outcome = import_one(store, write(tmp_path / "orphans.atom", document))

    assert outcome.error is None
    assert outcome.warnings == [
        "2 entries answer articles not in this file or the library; imported as articles",
    ]
    found = articles_by_guid(store)
    assert set(found) == {"urn:x1", "urn:x2"}
    assert found["urn:x1"].text == "An answer to something we never saw"
    assert found["urn:x1"].article.author == "Gus"
    assert found["urn:x2"].article.author == "Hal"
    assert store.conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 0


def test_reply_cycles_neither_hang_nor_lose_entries(store: Store, tmp_path: Path) -> None:
    document = atom(
        atom_entry("urn:post", "The post", "Poster", "Body")
        + atom_entry("urn:a", "a", "Ann", "a answers b", reply("thr", "urn:b"))
        + atom_entry("urn:b", "b", "Bob", "b answers a", reply("thr", "urn:a"))
        + atom_entry("urn:self", "s", "Sam", "answers itself", reply("thr", "urn:self"))
        + atom_entry("urn:ok", "ok", "Oli", "answers the post", reply("thr", "urn:post"))
        + atom_entry("urn:deep", "d", "Dan", "answers the cycle", reply("thr", "urn:a")),
    )
    outcome = import_one(store, write(tmp_path / "cycles.atom", document))

    assert outcome.error is None
    stored_authors = [row["author"] for row in store.conn.execute("SELECT author FROM articles")]
    stored_authors += [row["author"] for row in store.conn.execute("SELECT author FROM comments")]
    # Every entry is somewhere, exactly once.
    assert sorted(stored_authors) == ["Ann", "Bob", "Dan", "Oli", "Poster", "Sam"]
    post_id = store.find_article("urn:post")
    assert post_id is not None
    assert tree(store.comments(post_id)) == [(0, "Oli", None)]
    assert outcome.warnings and "imported as articles" in outcome.warnings[0]


# --------------------------------------------------------------------------
# Merging: re-import, older and newer copies


def test_reimporting_a_feed_never_duplicates_and_keeps_read_and_starred(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "feed.xml",
        rss(rss_item("a", "Alpha", "Alpha text") + rss_item("b", "Bravo", "Bravo text") + rss_item("c", "C", "C")),
    )
    import_one(store, path)
    ids = {row.guid: row.id for row in store.list_articles()}
    store.mark([ids["a"]], read=True)
    store.mark([ids["b"]], starred=True)

    for _ in range(2):
        outcome = import_one(store, path)
        assert outcome.stats.articles_added == 0
        assert outcome.stats.articles_updated == 0, "the same file again changes nothing"

    rows = {row.guid: row for row in store.list_articles()}
    assert {guid: row.id for guid, row in rows.items()} == ids
    assert (rows["a"].read, rows["a"].starred) == (True, False)
    assert (rows["b"].read, rows["b"].starred) == (False, True)
    assert (rows["c"].read, rows["c"].starred) == (False, False)
    assert len(store.feeds()) == 1


def test_an_older_copy_lacking_an_item_deletes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    write(path, rss(rss_item("a", "Alpha", "Alpha text") + rss_item("b", "Bravo", "Bravo text")))
    import_one(store, path)
    write(path, rss(rss_item("a", "Alpha", "Alpha text")))

    outcome = import_one(store, path)

    assert outcome.error is None
    found = articles_by_guid(store)
    assert set(found) == {"a", "b"}
    assert found["b"].text == "Bravo text"


def test_a_later_copy_with_an_empty_description_keeps_the_earlier_text(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    write(path, rss(rss_item("a", "Alpha", "&lt;p&gt;The full &lt;em&gt;story&lt;/em&gt;.&lt;/p&gt;")))
    import_one(store, path)
    write(path, rss(rss_item("a", "Alpha (updated)", "")))

    outcome = import_one(store, path)

    assert outcome.stats.articles_updated == 1
    (detail,) = articles_by_guid(store).values()
    assert detail.article.title == "Alpha (updated)"
    assert detail.text == "The full _story_."
    assert detail.html is not None and "story" in detail.html


def test_items_without_guid_or_link_are_not_duplicated_on_reimport(store: Store, tmp_path: Path) -> None:
    items = "".join(f"<item><title>Note {n}</title><description>Text {n}.</description></item>" for n in range(3))
    path = write(tmp_path / "feed.xml", rss(items))
    import_one(store, path)
    first = sorted(row.id for row in store.list_articles())

    outcome = import_one(store, path)

    assert outcome.stats.articles_added == 0
    assert sorted(row.id for row in store.list_articles()) == first
    assert sorted(row.title for row in store.list_articles()) == ["Note 0", "Note 1", "Note 2"]


# --------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    "bad_date",
    ["0000-00-00T00:00:00Z", "9999-12-31T23:59:59Z", "2025-13-01T00:00:00Z"],
    ids=["year-zero", "year-9999", "month-13"],
)
def test_an_implausible_date_falls_back_to_the_first_seen_time(store: Store, tmp_path: Path, bad_date: str) -> None:
    document = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>D</title><id>urn:d</id>'
        f"<entry><id>urn:bad</id><title>Bad date</title><published>{bad_date}</published>"
        f"<updated>{bad_date}</updated><content>x</content></entry></feed>"
    )
    before = int(time.time())
    outcome = import_one(store, write(tmp_path / "dates.atom", document))
    after = int(time.time())

    assert outcome.error is None
    (row,) = store.list_articles()
    assert before <= row.published <= after, f"{bad_date} was stored as {time.gmtime(row.published)}"


def test_articles_with_bad_dates_still_sort_and_page(store: Store, tmp_path: Path) -> None:
    dated = [
        ("zero", "0000-00-00T00:00:00Z"),
        ("far", "9999-12-31T23:59:59Z"),
        ("month", "2025-13-01T00:00:00Z"),
        ("old", "2024-06-01T00:00:00Z"),
        ("older", "2023-06-01T00:00:00Z"),
        ("garbage", "not a date at all"),
    ]
    entries = "".join(
        f"<entry><id>urn:{g}</id><title>{g}</title><published>{d}</published><content>x</content></entry>"
        for g, d in dated
    )
    document = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>D</title>{entries}</feed>'
    outcome = import_one(store, write(tmp_path / "dates.atom", document))
    assert outcome.error is None

    everything = store.list_articles(limit=100)
    assert len(everything) == 6
    keys = [(row.published, row.id) for row in everything]
    assert keys == sorted(keys, reverse=True)
    # The two good dates sort last, in order.
    assert [row.title for row in everything][-2:] == ["old", "older"]
    # Paging with the keyset cursor visits every article once.
    paged: list[str] = []
    cursor = None
    while True:
        page = store.list_articles(limit=2, after=cursor)
        if not page:
            break
        paged += [row.title for row in page]
        cursor = (page[-1].published, page[-1].id)
    assert paged == [row.title for row in everything]


# --------------------------------------------------------------------------
# Encodings and formats


@pytest.mark.parametrize(("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_a_bom(store: Store, tmp_path: Path, bom: bytes, codec: str) -> None:
    document = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>\u00dcn\u00efcode f\u00ebed</title>'
        "<item><title>Caf\u00e9 na\u00efve \u2014 \u65e5\u672c\u8a9e</title><guid>u1</guid>"
        "<description>Gr\u00fc\u00dfe aus K\u00f6ln</description></item></channel></rss>"
    )
    outcome = import_one(store, write(tmp_path / "utf16.xml", bom + document.encode(codec)))

    assert outcome.error is None
    (detail,) = articles_by_guid(store).values()
    assert detail.article.title == "Caf\u00e9 na\u00efve \u2014 \u65e5\u672c\u8a9e"
    assert detail.text == "Gr\u00fc\u00dfe aus K\u00f6ln"
    assert store.feeds()[0].title == "\u00dcn\u00efcode f\u00ebed"


@pytest.mark.parametrize(
    ("declared", "actual"),
    [("utf-8", "latin-1"), ("iso-8859-1", "utf-8")],
    ids=["latin1-declared-utf8", "utf8-declared-latin1"],
)
def test_a_wrongly_declared_encoding_still_gives_the_right_text(
    store: Store, tmp_path: Path, declared: str, actual: str
) -> None:
    document = (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel><title>Cuisine</title>'
        "<item><title>Caf\u00e9 cr\u00e8me</title><guid>e1</guid>"
        "<description>Cr\u00e8me br\u00fbl\u00e9e, s'il vous pla\u00eet.</description></item></channel></rss>"
    )
    outcome = import_one(store, write(tmp_path / "enc.xml", document.encode(actual)))

    assert outcome.error is None
    (detail,) = articles_by_guid(store).values()
    assert detail.article.title == "Caf\u00e9 cr\u00e8me"
    assert detail.text == "Cr\u00e8me br\u00fbl\u00e9e, s'il vous pla\u00eet."


def test_a_json_feed_file(store: Store, tmp_path: Path) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON Harbour",
        "home_page_url": "https://json.example/",
        "items": [
            {
                "id": "j1",
                "url": "https://json.example/posts/one/",
                "title": "Json one",
                "content_html": "<p>Hello <a href='../two/'>two</a></p>",
                "date_published": "2025-05-01T00:00:00Z",
                "authors": [{"name": "Jay"}],
            },
            {"id": "j2", "url": "https://json.example/posts/two/", "title": "Json two", "content_text": "Plain."},
        ],
    }
    outcome = import_one(store, write(tmp_path / "feed.json", json.dumps(document)))

    assert outcome.error is None, outcome.error
    found = articles_by_guid(store)
    assert set(found) == {"j1", "j2"}
    assert found["j1"].article.title == "Json one"
    assert found["j1"].article.author == "Jay"
    assert found["j1"].article.published == epoch("2025-05-01T00:00:00Z")
    assert found["j1"].text == "Hello [two](https://json.example/posts/two/)"
    assert found["j2"].text == "Plain."
    assert store.feeds()[0].title == "JSON Harbour"


def test_other_json_is_refused_with_one_line(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "data.json", '{"name": "not a feed", "items": []}'))

    assert outcome.error == "expected a JSON Feed (https://jsonfeed.org), found other JSON"
    assert store.counts()["all"] == 0


def test_a_feed_with_a_long_leading_comment_imports(store: Store, tmp_path: Path) -> None:
    licence = "<!--\n" + "This feed is published under the licence terms below.\n" * 250 + "-->\n"
    document = rss(rss_item("lic", "Licensed item", "Words."))
    document = document.replace("?>\n", "?>\n" + licence, 1)
    assert len(licence) > 10_000

    outcome = import_one(store, write(tmp_path / "licensed.xml", document))

    assert outcome.error is None, outcome.error
    assert [row.title for row in store.list_articles()] == ["Licensed item"]


def test_doctype_text_inside_cdata_is_content_not_a_doctype(store: Store, tmp_path: Path) -> None:
    # Modelled on feedparser's wellformed/rss/item_description_not_a_doctype2.xml.
    items = (
        "<item><title>HTML basics</title><guid>h1</guid><description><![CDATA[ <!DOCTYPE ]]></description></item>"
        + rss_item("h2", "Second item", "Still here.")
    )
    outcome = import_one(store, write(tmp_path / "cdata.xml", rss(items)))

    assert outcome.error is None, outcome.error
    assert set(articles_by_guid(store)) == {"h1", "h2"}


# --------------------------------------------------------------------------
# The peer corpora, read in place


def _corpus_files(root: Path) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        found += [Path(folder) / name for name in files if not name.startswith(".")]
    return found


def _check_corpus(store: Store, root: Path) -> list[FileOutcome]:
    skipped: list[Path] = []
    outcomes = list(import_paths(store, [root], on_skip=skipped.append))
    # Every file is imported, fails in one line, or is named as skipped (a folder holds only some articles).
    assert len(outcomes) + len(skipped) == len(_corpus_files(root))
    for outcome in outcomes:
        if outcome.error is not None:
            assert outcome.error.strip()
            assert "\n" not in outcome.error, (outcome.path.name, outcome.error)
            assert "Traceback" not in outcome.error
            assert outcome.stats.articles_added == outcome.stats.feeds_added == 0
        else:
            assert outcome.kind
    # What the outcomes report is what the library holds.
    assert sum(o.stats.articles_added for o in outcomes) == store.counts()["all"]
    assert sum(o.stats.feeds_added for o in outcomes) == len(store.feeds())
    return outcomes


@pytest.mark.shared
def test_newsboat_test_data_imports_or_fails_cleanly(store: Store, shared: Path) -> None:
    root = shared / "corpus" / "newsboat" / "test" / "data"
    outcomes = _check_corpus(store, root)

    failed = sorted(o.path.name for o in outcomes if o.error)
    stored = [o for o in outcomes if o.error is None]
    assert len(outcomes) == 25
    # Only a deliberately broken fixture fails; the empty ones, the XML that is no feed and the
    # list of links not named as a urls file are passed over by the folder walk.
    assert failed == ["body-element-missing.opml"]
    assert len(stored) == 24
    assert sum(1 for o in stored if o.kind == "feed") == 17
    assert sum(1 for o in stored if o.kind == "OPML") == 6
    assert store.counts()["all"] >= 40


@pytest.mark.shared
def test_feedparser_wellformed_rss_imports_or_fails_cleanly(store: Store, shared: Path) -> None:
    root = shared / "corpus" / "feedparser" / "tests" / "wellformed" / "rss"
    outcomes = _check_corpus(store, root)

    failed = [o for o in outcomes if o.error]
    assert len(outcomes) == 191
    assert all(o.kind == "feed" for o in outcomes if o.error is None)
    assert len(outcomes) - len(failed) >= 189
    assert store.counts()["all"] >= 80
