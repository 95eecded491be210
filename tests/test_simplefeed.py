"""The fast RSS/Atom reader stores exactly what the feedparser path stores.

Both paths run over the peer corpora (feedparser's and newsboat's own test
feeds, read in place) and over feeds written here; every field reader keeps
must come out the same, and the fast path must actually be taken for plain
feeds (or it would speed nothing up).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.parse import feeds as feeds_module
from reader.parse.base import ImportFailure
from reader.parse.feeds import parse_feed, prepare_xml
from reader.parse.simplefeed import read_simple

NOW = 1_795_000_000


def stored_fields(data: bytes, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(feeds_module, "read_simple", lambda *args, **kwargs: None)
        try:
            # With the address a fetch gives: resolving against it is half of what the paths must agree on.
            batch = parse_feed(data, source_key="k", now=NOW, url="https://feeds.example/blog/feed.xml")
        except ImportFailure as failure:
            return ("failure", str(failure))
    feed = batch.feeds[0]
    articles = [
        (
            a.guid,
            a.title,
            a.url,
            a.author,
            a.published,
            a.updated,
            a.text,
            a.html,
            a.comments_url,
            a.comment_feed_url,
            a.declared_comment_count,
            [(c.guid, c.parent_guid, c.author, c.text) for c in a.comments],
        )
        for _feed, a in batch.articles
    ]
    return (feed.key, feed.title, feed.site_url, articles, sorted(batch.warnings))


def corpus_files(shared: Path) -> list[Path]:
    roots = [
        shared / "corpus" / "feedparser" / "tests" / "wellformed" / "rss",
        shared / "corpus" / "feedparser" / "tests" / "wellformed" / "atom10",
        shared / "corpus" / "feedparser" / "tests" / "wellformed" / "namespace",
        shared / "corpus" / "newsboat" / "test" / "data",
    ]
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".atom", ""))


def test_both_paths_store_the_same_across_the_peer_corpora(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = corpus_files(shared)
    assert len(files) > 400
    fast_taken = []
    differences = []
    for path in files:
        data = path.read_bytes()
        try:
            prepared = prepare_xml(data)
        except ImportFailure:
            continue
        if read_simple(prepared, NOW) is not None:
            fast_taken.append(path.name)
        fast = stored_fields(data, fast=True, monkeypatch=monkeypatch)
        slow = stored_fields(data, fast=False, monkeypatch=monkeypatch)
        if fast != slow:
            differences.append(path.relative_to(shared))
    assert differences == []
    # The corpora are mostly one-feature test files, which the fast reader
    # leaves to feedparser; the plain, realistic ones take the fast path.
    assert {"rss20_1.xml", "rss2.0withAtomNS.xml"} <= set(fast_taken)


RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
     xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Plain &amp; simple</title><link>https://example.com/</link>
<atom:link rel="self" href="https://example.com/feed.xml"/>
<item><title>One &lt;b&gt;bold&lt;/b&gt;</title><link>https://example.com/1</link><guid>g1</guid>
<dc:creator>Ann</dc:creator><pubDate>Mon, 06 Sep 2021 10:00:00 +0200</pubDate>
<description>Short</description><content:encoded><![CDATA[<p>Longer <a href="/x">body</a></p>]]></content:encoded>
<comments>https://example.com/1#comments</comments><wfw:commentRss>https://example.com/1/feed/</wfw:commentRss>
<slash:comments>7</slash:comments></item>
<item><title>Two</title><guid>https://example.com/2</guid><author>bob@example.com (Bob)</author>
<description>&lt;p&gt;Escaped &amp;amp; html&lt;/p&gt;</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title type="text">Atom feed</title><link href="https://atom.example/"/><id>urn:f</id>
<entry><id>urn:e1</id><title type="html">A &amp;amp; B</title><link href="https://atom.example/1"/>
<author><name>Cy</name></author><published>2021-09-06T10:00:00Z</published><updated>2021-09-07T10:00:00+02:00</updated>
<summary>plain summary</summary><content type="html">&lt;p&gt;Rich&lt;/p&gt;</content>
<link rel="replies" type="application/atom+xml" href="https://atom.example/1/comments"/><thr:total>3</thr:total></entry>
<entry><id>urn:e2</id><title>Reply</title><thr:in-reply-to ref="urn:e1"/><content type="html">I agree</content>
<updated>2021-09-08T10:00:00Z</updated></entry>
</feed>"""


@pytest.mark.parametrize("document", [RSS, ATOM], ids=["rss", "atom"])
def test_plain_feeds_take_the_fast_path_and_match(document: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_simple(prepare_xml(document), NOW) is not None
    fast = stored_fields(document, fast=True, monkeypatch=monkeypatch)
    slow = stored_fields(document, fast=False, monkeypatch=monkeypatch)
    assert fast == slow


@pytest.mark.parametrize(
    "document",
    [
        RSS.replace(b"Mon, 06 Sep 2021", b"Mon, 45 Sep 2021"),  # impossible date
        RSS.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"'),  # not plain UTF-8
        ATOM.replace(
            b'<content type="html">&lt;p&gt;Rich&lt;/p&gt;</content>',
            b'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></content>',
        ),
        b'<rss version="0.91"><channel><title>old</title></channel></rss>',
    ],
    ids=["bad-date", "latin1", "xhtml", "rss091"],
)
def test_unusual_feeds_are_left_to_feedparser(document: bytes) -> None:
    assert read_simple(prepare_xml(document), NOW) is None


FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.iterdir() if p.suffix != ".md"), ids=lambda path: path.name)
def test_both_paths_store_the_same_for_every_fixture(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The classes of real feed that tests/test_feeds_read_right.py checks: the two paths must not drift apart.
    data = path.read_bytes()
    fast = stored_fields(data, fast=True, monkeypatch=monkeypatch)
    slow = stored_fields(data, fast=False, monkeypatch=monkeypatch)
    assert fast == slow
    assert not (isinstance(fast, tuple) and fast[0] == "failure")
