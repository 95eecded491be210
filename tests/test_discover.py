"""Feed autodiscovery: from a page's address to the feeds behind it (``reader add https://blog/``).

The service (``reader.service.discover``) runs against a real HTTP server on
127.0.0.1 (``tests/feedserver.py``): what a user is offered is always a feed
that was fetched and parsed, with the feed's own title, and whatever could
not be read is named with its reason. The pure rules (``reader.parse.discover``:
which ``<link>`` and ``Link`` header entries count, the well-known sites, a
YouTube page's channel) are checked without a network, and fuzzed: a hostile
page or header never raises. No test sends anything beyond loopback.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import trustme
from feedserver import FeedServer, Item, ok, redirect, rss, stall
from fuzz_helpers import line_problem
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.config import Config
from reader.net.http import Limits, get, make_client
from reader.parse.discover import (
    COMMON_PATHS,
    MAX_PAGE_BYTES,
    FeedLink,
    common_path_urls,
    known_site_feed,
    links_in_header,
    links_in_page,
    youtube_channel_feed,
)
from reader.service.discover import MAX_CANDIDATES, Discovery, discover, discover_feeds
from reader.text.sanitize import normalize_url

CHANNEL = "UCabcdefghijklmnopqrstuv"  # "UC" and 22 characters, as YouTube's ids are
CHANNEL_FEED = f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"
HTML = "text/html; charset=utf-8"
NO_FEED_ERROR = (
    ": an HTML page with no feed (looked for <link rel=alternate>, the Link header and "
    "/feed, /rss, /atom.xml, /index.xml, /feed.xml)"
)


# -- documents -----------------------------------------------------------------------------


def page(head: str = "", title: str = "A blog", body: str = "<p>Hello</p>") -> str:
    head = f"<meta charset=utf-8><title>{title}</title>{head}"
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


def link(href: str, type: str = "application/rss+xml", title: str = "", rel: str = "alternate") -> str:
    return f'<link rel="{rel}" type="{type}" title="{title}" href="{href}">'


def an_rss(title: str) -> str:
    return rss([Item("a-1", "First post", "http://127.0.0.1/a-1")], title=title)


def an_atom(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:x-test:atom</id><updated>2026-03-02T10:00:00Z</updated>"
        "<entry><id>urn:x-test:1</id><title>First post</title><updated>2026-03-02T10:00:00Z</updated>"
        '<link href="http://127.0.0.1/1"/></entry></feed>'
    )


def a_json_feed(title: str) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [{"id": "1", "title": "First post", "content_text": "hello"}],
        }
    )


def serve_page(server: FeedServer, path: str, html: str, headers: dict[str, str] | None = None) -> str:
    return server.route(path, ok(html, HTML, headers))


def serve_rss(server: FeedServer, path: str, title: str) -> str:
    return server.route(path, ok(an_rss(title)))


def found(discovery: Discovery) -> list[tuple[str, str, str]]:
    return [(feed.url, feed.title, feed.kind) for feed in discovery.feeds]


def assert_one_line(text: str | None) -> None:
    assert text is not None
    assert line_problem(text) is None, line_problem(text)


# -- a page that names its feeds -------------------------------------------------------------


def test_relative_links_resolve_against_the_pages_base_href(server: FeedServer) -> None:
    """``href="feed.xml"`` under ``<base href="/site/">`` is /site/feed.xml; an absolute path ignores the base's."""
    feed = serve_rss(server, "/site/feed.xml", "Site feed")
    top = serve_rss(server, "/top.xml", "Top feed")
    head = '<base href="/site/">' + link("feed.xml") + link("/top.xml", title="Top")
    url = serve_page(server, "/blog/post/", page(head))

    discovery = discover_feeds(url)

    assert found(discovery) == [(feed, "Site feed", "RSS"), (top, "Top feed", "RSS")]
    assert discovery.error is None
    assert discovery.broken == []
    assert discovery.page_title == "A blog"
    assert server.requests_for("/blog/post/feed.xml") == []


def test_several_feeds_keep_the_pages_order_and_the_feeds_own_titles_and_kinds(server: FeedServer) -> None:
    """RSS, Atom and JSON Feed links: each checked, titled by the feed itself, and said for what it really is."""
    atom = server.route("/atom", ok(an_atom("Atom of the blog"), "application/atom+xml"))
    jsonfeed = server.route("/feed.json", ok(a_json_feed("JSON of the blog"), "application/feed+json"))
    rss_url = serve_rss(server, "/rss.xml", "RSS of the blog")
    head = (
        link("/atom", "application/atom+xml", "Link says Atom")
        + link("/feed.json", "application/feed+json", "Link says JSON")
        + link("/rss.xml", title="Link says RSS")
    )
    url = serve_page(server, "/", page(head))

    discovery = discover_feeds(url)

    assert found(discovery) == [
        (atom, "Atom of the blog", "Atom"),
        (jsonfeed, "JSON of the blog", "JSON Feed"),
        (rss_url, "RSS of the blog", "RSS"),
    ]
    assert discovery.error is None


def test_a_feed_without_a_title_is_named_by_its_link(server: FeedServer) -> None:
    feed = serve_rss(server, "/untitled.xml", "")
    url = serve_page(server, "/", page(link("/untitled.xml", title="Posts &amp; notes")))

    assert found(discover_feeds(url)) == [(feed, "Posts & notes", "RSS")]


def test_feeds_named_in_the_link_header(server: FeedServer) -> None:
    """RFC 8288: two links in one header, a comma inside a quoted title; nothing guessed when the header names feeds."""
    comments = serve_rss(server, "/blog/comments.xml", "Comments")
    atom = server.route("/atom.xml", ok(an_atom("Posts"), "application/atom+xml"))
    header = (
        '<comments.xml>; rel="alternate"; type="application/rss+xml"; title="Comments, all of them", '
        "</atom.xml>; rel=alternate; type=application/atom+xml, "
        '</style.css>; rel="stylesheet"'
    )
    url = serve_page(server, "/blog/", page(), {"Link": header})

    discovery = discover_feeds(url)

    # The relative target resolved against the page; the stylesheet was not fetched, nothing was guessed.
    assert found(discovery) == [(comments, "Comments", "RSS"), (atom, "Posts", "Atom")]
    assert server.requests_for("/style.css") == []
    assert server.requests_for("/feed") == []


def test_a_page_that_names_no_feed_gets_the_common_paths_tried(server: FeedServer) -> None:
    """Only /atom.xml exists: it is found; the other guesses were asked for, got 404, and are not called broken."""
    atom = server.route("/atom.xml", ok(an_atom("Found by guessing"), "application/atom+xml"))
    url = serve_page(server, "/blog/", page())

    discovery = discover_feeds(url)

    assert found(discovery) == [(atom, "Found by guessing", "Atom")]
    assert discovery.broken == []
    assert discovery.error is None
    for path in COMMON_PATHS:
        assert len(server.requests_for(path)) == 1, path
    assert server.requests_for("/blog/feed") == []


def test_a_page_with_no_feed_anywhere_is_one_line_of_error(server: FeedServer) -> None:
    url = serve_page(server, "/about", page(link("/style.css", "text/css", rel="stylesheet")))

    discovery = discover_feeds(url)

    assert discovery.feeds == []
    assert discovery.broken == []
    assert discovery.error == url + NO_FEED_ERROR
    assert discovery.page_title == "A blog"


def test_linked_feeds_that_cannot_be_read_are_listed_with_their_reasons(server: FeedServer) -> None:
    """A 404 and an HTML page served as a feed: neither is offered, each is named with why, and the error says so."""
    server.route("/disguised.xml", ok(page(title="Not a feed"), "application/rss+xml"))
    head = link("/missing.xml", title="Gone") + link("/disguised.xml")
    url = serve_page(server, "/", page(head))

    discovery = discover_feeds(url)

    assert discovery.feeds == []
    assert discovery.broken == [
        (server.url("/missing.xml"), "HTTP 404"),
        (server.url("/disguised.xml"), "an HTML page, not a feed"),
    ]
    assert discovery.error == f"{url}: the page links to 2 feeds and none could be read"
    for path in COMMON_PATHS:  # the usual places were tried all the same
        assert len(server.requests_for(path)) == 1, path


def test_a_broken_link_beside_a_good_one_is_listed_and_the_good_one_found(server: FeedServer) -> None:
    feed = serve_rss(server, "/good.xml", "Good")
    url = serve_page(server, "/", page(link("/missing.xml") + link("/good.xml")))

    discovery = discover_feeds(url)

    assert found(discovery) == [(feed, "Good", "RSS")]
    assert discovery.broken == [(server.url("/missing.xml"), "HTTP 404")]
    assert discovery.error is None
    assert server.requests_for("/feed") == []  # a feed was found: nothing guessed


def test_a_linked_feed_that_stalls_is_cut_off_by_the_configured_timeout(server: FeedServer) -> None:
    """fetch.timeout_seconds bounds each candidate: the stalled one is broken, the other found."""
    server.route("/stalls.xml", stall(b"<?xml version='1.0'?><rss"))
    feed = serve_rss(server, "/good.xml", "Good")
    url = serve_page(server, "/", page(link("/stalls.xml") + link("/good.xml")))

    discovery = discover_feeds(url, Config(fetch_timeout_seconds=1.0))

    assert found(discovery) == [(feed, "Good", "RSS")]
    assert discovery.broken == [(server.url("/stalls.xml"), "no complete answer within 1 s")]


def test_at_most_twenty_linked_candidates_are_fetched(server: FeedServer) -> None:
    head = ""
    for number in range(30):
        serve_rss(server, f"/f{number}.xml", f"Feed {number}")
        head += link(f"/f{number}.xml")
    url = serve_page(server, "/", page(head))

    discovery = discover_feeds(url)

    assert [feed.title for feed in discovery.feeds] == [f"Feed {number}" for number in range(MAX_CANDIDATES)]
    assert sum(1 for path in server.paths() if path.startswith("/f")) == MAX_CANDIDATES


# -- a URL that is a feed, moves, or fails ----------------------------------------------------


@pytest.mark.parametrize(
    ("document", "content_type", "kind"),
    [
        (an_rss("Itself"), "application/rss+xml", "RSS"),
        (an_atom("Itself"), "application/atom+xml", "Atom"),
        (a_json_feed("Itself"), "application/feed+json", "JSON Feed"),
        (an_rss("Itself"), "text/html", "RSS"),  # a wrong Content-Type does not make a feed a page
    ],
)
def test_a_url_that_is_already_a_feed_is_that_feed(
    server: FeedServer, document: str, content_type: str, kind: str
) -> None:
    url = server.route("/feed.xml", ok(document, content_type))

    discovery = discover_feeds(url)

    assert found(discovery) == [(url, "Itself", kind)]
    assert discovery.page_title == "Itself"
    assert discovery.error is None
    assert server.paths() == ["/feed.xml"]


def test_a_redirected_page_resolves_its_links_where_it_landed(server: FeedServer) -> None:
    """The page moved: its relative links are the new place's. A feed moved for good is offered at its new
    address; one moved for now at the address the page gave."""
    server.route("/old", redirect("/blog/"))
    serve_page(
        server, "/blog/", page(link("feed.xml") + link("/moved.xml") + link("/elsewhere.xml", "application/atom+xml"))
    )
    feed = serve_rss(server, "/blog/feed.xml", "Blog")
    server.route("/moved.xml", redirect("/new-home.xml", 301))
    moved = serve_rss(server, "/new-home.xml", "Moved")
    server.route("/elsewhere.xml", redirect("/atom-today.xml", 302))
    server.route("/atom-today.xml", ok(an_atom("For now"), "application/atom+xml"))

    discovery = discover_feeds(server.url("/old"))

    assert found(discovery) == [
        (feed, "Blog", "RSS"),
        (moved, "Moved", "RSS"),
        (server.url("/elsewhere.xml"), "For now", "Atom"),
    ]
    assert discovery.url == server.url("/old")


def test_a_page_that_is_not_there_is_one_line_of_error(server: FeedServer) -> None:
    url = server.url("/nothing-here")

    discovery = discover_feeds(url)

    assert discovery.feeds == []
    assert discovery.error == f"{url}: HTTP 404"
    assert server.paths() == ["/nothing-here"]  # no guesses at a site that is not there


def test_a_server_that_is_not_there_is_one_line_of_error() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"

    discovery = discover_feeds(url)

    assert discovery.feeds == []
    assert discovery.error is not None and discovery.error.startswith(f"{url}: ")
    assert_one_line(discovery.error)


def test_what_is_neither_a_feed_nor_a_page_is_said_so(server: FeedServer) -> None:
    url = server.route("/data.json", ok('{"some": "data"}', "application/json"))

    discovery = discover_feeds(url)

    assert discovery.feeds == []
    assert discovery.error is not None and discovery.error.startswith(f"{url}: ")
    assert "JSON Feed" in discovery.error
    assert_one_line(discovery.error)


def test_a_url_that_is_no_http_url_is_refused_without_a_request() -> None:
    discovery = discover_feeds("file:///etc/passwd")

    assert discovery.feeds == []
    assert discovery.error == "file:///etc/passwd: not an http(s) URL (or an invalid one)"


# -- TLS: the configured authority -----------------------------------------------------------


def test_https_with_the_authority_named_in_tls_ca_file(tmp_path: Path) -> None:
    authority = trustme.CA()
    ca_file = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with FeedServer(tls=context) as tls_server:
        feed = serve_rss(tls_server, "/feed.xml", "Private")
        url = serve_page(tls_server, "/", page(link("/feed.xml")))

        trusted = discover_feeds(url, Config(tls_ca_file=str(ca_file)))
        untrusted = discover_feeds(url)

    assert found(trusted) == [(feed, "Private", "RSS")]
    assert untrusted.feeds == []
    assert untrusted.error is not None and "certificate" in untrusted.error
    assert_one_line(untrusted.error)


def test_an_unreadable_ca_file_is_one_line_of_error(tmp_path: Path) -> None:
    discovery = discover_feeds("https://127.0.0.1:1/", Config(tls_ca_file=str(tmp_path / "missing.pem")))

    assert discovery.feeds == []
    assert discovery.error is not None and discovery.error.startswith("https://127.0.0.1:1/: ")
    assert_one_line(discovery.error)


# -- YouTube pages that name no channel in their URL ------------------------------------------


YOUTUBE_PAGES = {
    "canonical": page(f'<link rel="canonical" href="https://www.youtube.com/channel/{CHANNEL}">'),
    "meta": page(body=f'<meta itemprop="channelId" content="{CHANNEL}"><p>videos</p>'),
    "script": page(
        body='<script>var ytInitialData = {"header":{"c4TabbedHeaderRenderer":'
        f'{{"channelId":"{CHANNEL}","title":"A channel"}}}};</script>'
    ),
}


@pytest.mark.parametrize("where", sorted(YOUTUBE_PAGES))
def test_a_youtube_handle_page_names_its_channel_feed(server: FeedServer, where: str) -> None:
    """The page is served from loopback and read as if it were youtube.com/@handle (nothing goes to YouTube)."""
    served = serve_page(server, "/@handle", YOUTUBE_PAGES[where])

    async def fetch() -> bytes:
        async with make_client() as client:
            return (await get(client, served, limits=Limits())).body

    body = asyncio.run(fetch())

    assert youtube_channel_feed(body, "https://www.youtube.com/@handle") == CHANNEL_FEED
    assert youtube_channel_feed(body.decode(), "https://m.youtube.com/c/name") == CHANNEL_FEED


def test_a_channel_id_on_a_page_off_youtube_is_an_embedded_video_not_the_pages_feed() -> None:
    assert youtube_channel_feed(YOUTUBE_PAGES["script"], "https://blog.example/post") is None
    assert youtube_channel_feed(page(), "https://www.youtube.com/@handle") is None
    not_an_id = page(body='<meta itemprop="channelId" content="UC-too-short">')
    assert youtube_channel_feed(not_an_id, "https://www.youtube.com/@handle") is None


def test_the_canonical_channel_wins_over_ids_of_other_channels_in_the_scripts() -> None:
    other = "UCzyxwvutsrqponmlkjihgfe"
    html = page(
        f'<link rel="canonical" href="https://www.youtube.com/channel/{CHANNEL}">',
        body=f'<script>{{"channelId":"{other}"}}</script>',
    )

    assert youtube_channel_feed(html, "https://youtube.com/@handle") == CHANNEL_FEED


#: An answer of the offline client: status, Content-Type, body.
Answer = tuple[int, str, str]


class _Loopback:
    """An aiohttp resolver that sends every host name to one loopback port (for well-known sites' names)."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict[str, Any]]:
        return [
            {"hostname": host, "host": "127.0.0.1", "port": self.port, "family": socket.AF_INET, "proto": 0, "flags": 0}
        ]

    async def close(self) -> None:
        return None


def discover_offline(url: str, answers: dict[str, Answer]) -> tuple[Discovery, list[str]]:
    """:func:`discover` against a real loopback HTTPS server that answers for YouTube's and Reddit's names.

    For the steps that only happen on those sites: a resolver of the test's own sends their names
    to 127.0.0.1, where a server with a certificate for them (from an authority only this client
    trusts) answers each URL with its answer, else 404. No test sends traffic beyond loopback.
    """
    authority = trustme.CA()
    names = sorted({urlsplit(each).hostname or "" for each in [url, *answers]})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert(*names).configure_cert(context)

    def by_url(handler, owner):  # type: ignore[no-untyped-def]
        asked_url = f"https://{handler.headers['Host']}{handler.path}"
        status, content_type, body = answers.get(asked_url, (404, "text/plain", "not found"))
        handler.answer(status, body.encode(), {"Content-Type": content_type})

    with tempfile.TemporaryDirectory() as folder, FeedServer(tls=context) as server:
        ca_file = Path(folder) / "authority.pem"
        authority.cert_pem.write_to_path(str(ca_file))
        for each in {urlsplit(u).path for u in [url, *answers]}:
            server.route(each, by_url)
        limits = Limits(ca_file=str(ca_file))
        port = int(server.base.rsplit(":", 1)[1])

        async def run() -> Discovery:
            async with make_client(limits, resolver=_Loopback(port)) as client:  # type: ignore[arg-type]
                return await discover(url, client, limits)

        discovery = asyncio.run(run())
        asked = [f"https://{r.header('host')}{r.path}" for r in server.requests]
    return discovery, asked


def test_a_youtube_handle_page_is_discovered_as_its_channels_feed() -> None:
    handle = "https://www.youtube.com/@handle"
    answers = {
        handle: (200, HTML, YOUTUBE_PAGES["script"]),
        CHANNEL_FEED: (200, "application/atom+xml", an_atom("Videos")),
    }

    discovery, asked = discover_offline(handle, answers)

    assert found(discovery) == [(CHANNEL_FEED, "Videos", "Atom")]
    assert asked == [handle, CHANNEL_FEED]


def test_a_well_known_site_is_mapped_and_its_feed_checked_without_loading_the_page() -> None:
    channel = f"https://www.youtube.com/channel/{CHANNEL}"
    answers = {
        CHANNEL_FEED: (200, "application/atom+xml", an_atom("Videos")),
    }

    discovery, asked = discover_offline(channel, answers)

    assert found(discovery) == [(CHANNEL_FEED, "Videos", "Atom")]
    assert discovery.page_title == "Videos"
    assert asked == [CHANNEL_FEED]


def test_a_well_known_sites_feed_that_fails_is_listed_and_the_page_read_instead() -> None:
    subreddit = "https://old.reddit.com/r/python/"
    mapped = "https://www.reddit.com/r/python/.rss"
    page_feed = "https://old.reddit.com/r/python/feed.xml"
    answers = {
        mapped: (429, "text/html", ""),
        subreddit: (200, HTML, page(link("feed.xml"))),
        page_feed: (200, "application/rss+xml", an_rss("Python")),
    }

    discovery, asked = discover_offline(subreddit, answers)

    assert found(discovery) == [(page_feed, "Python", "RSS")]
    assert discovery.broken == [(mapped, "HTTP 429: the server asked to wait; try again later")]
    assert asked == [mapped, subreddit, page_feed]


# -- well-known sites, from the URL alone ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "feed"),
    [
        (f"https://www.youtube.com/channel/{CHANNEL}", CHANNEL_FEED),
        (f"https://YouTube.com/channel/{CHANNEL}/videos", CHANNEL_FEED),
        (f"http://m.youtube.com/channel/{CHANNEL}?view=0", CHANNEL_FEED),
        (
            "https://www.youtube.com/playlist?list=PLabc_DEF-123",
            "https://www.youtube.com/feeds/videos.xml?playlist_id=PLabc_DEF-123",
        ),
        ("https://www.reddit.com/r/Python", "https://www.reddit.com/r/Python/.rss"),
        ("https://old.reddit.com/r/python/comments/abc/a_post/", "https://www.reddit.com/r/python/.rss"),
        ("https://REDDIT.com/r/rust/top/?t=week", "https://www.reddit.com/r/rust/.rss"),
        ("https://www.reddit.com/user/spez", "https://www.reddit.com/user/spez/.rss"),
        ("https://www.reddit.com/u/spez/", "https://www.reddit.com/user/spez/.rss"),
        ("https://lobste.rs/", "https://lobste.rs/rss"),
        ("https://lobste.rs", "https://lobste.rs/rss"),
        ("https://lobste.rs/t/python", "https://lobste.rs/t/python.rss"),
        ("https://news.ycombinator.com/", "https://news.ycombinator.com/rss"),
        ("https://news.ycombinator.com/news", "https://news.ycombinator.com/rss"),
    ],
)
def test_well_known_sites_map_to_their_feeds(url: str, feed: str) -> None:
    assert known_site_feed(url) == feed


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/@handle",  # no id in the URL: the page is read instead
        "https://www.youtube.com/channel/not-an-id",
        "https://www.youtube.com/playlist",
        "https://www.reddit.com/",
        "https://www.reddit.com/r/python/top/.rss?t=week",  # already a feed the user chose
        "https://lobste.rs/s/abc123/a_story",
        "https://news.ycombinator.com/item?id=1",
        "https://youtube.com.evil.example/channel/" + CHANNEL,
        "https://blog.example/r/python",
        "javascript:alert(1)",
        "",
    ],
)
def test_other_urls_are_no_well_known_feed(url: str) -> None:
    assert known_site_feed(url) is None


# -- which links count (pure) -----------------------------------------------------------------


BASE = "https://blog.example/posts/2026/"


def urls(links: list[FeedLink]) -> list[str]:
    return [item.url for item in links]


def test_rel_is_a_case_insensitive_token_list_and_the_type_may_carry_parameters() -> None:
    head = (
        '<LINK REL="Alternate Home" TYPE="Application/RSS+XML; charset=utf-8" HREF="/a.xml" TITLE=" Posts\n  A ">'
        + link("/b.xml", "application/atom+xml", rel="feed")
        + link("/c.css", "text/css", rel="alternate stylesheet")
        + link("/d.html", "text/html", rel="alternate")
        + link("/e.xml", "application/rss+xml", rel="canonical")
        + link("/f.xml", "")
    )

    assert links_in_page(page(head), BASE) == [
        FeedLink("https://blog.example/a.xml", "Posts A", "application/rss+xml"),
        FeedLink("https://blog.example/b.xml", "", "application/atom+xml"),
    ]


def test_generic_xml_and_json_types_count_only_where_they_name_a_feed() -> None:
    head = (
        link("/rdf", "application/rdf+xml")
        + link("/text.xml", "text/xml")
        + link("/rdf-feed-rel", "application/rdf+xml", rel="feed")
        + link("/feed.json", "application/json")
        + link("/api/x", "application/json", title="JSON Feed")
        + link("/wp-json/wp/v2/pages/2", "application/json")
        + link("/feedback.json", "application/json")
        + link("/feed.json", "application/json", rel="feed")
        + link("/jf", "application/feed+json", rel="feed")
    )

    assert urls(links_in_page(page(head), BASE)) == [
        "https://blog.example/rdf",
        "https://blog.example/text.xml",
        "https://blog.example/feed.json",
        "https://blog.example/api/x",
        "https://blog.example/jf",
    ]


def test_only_http_urls_are_kept_once_each_normalised_in_page_order() -> None:
    head = (
        link("javascript:alert(1)")
        + link("data:text/xml,<rss/>")
        + link("HTTPS://Blog.Example:443/feed.xml#top", title="First")
        + link("/feed.xml", title="Second")
        + link("ftp://blog.example/feed.xml")
        + link("  rel.xml  ", title="Relative")
        + link("")
        + link("http://[::1")
    )

    assert links_in_page(page(head), BASE) == [
        FeedLink("https://blog.example/feed.xml", "First", "application/rss+xml"),
        FeedLink("https://blog.example/posts/2026/rel.xml", "Relative", "application/rss+xml"),
    ]


def test_a_base_href_that_is_no_http_url_is_ignored() -> None:
    head = '<base href="javascript:void(0)/">' + link("feed.xml")

    assert urls(links_in_page(page(head), BASE)) == ["https://blog.example/posts/2026/feed.xml"]


def test_only_the_head_is_read_and_only_its_first_512_kb() -> None:
    after_head = page(body=link("/in-body.xml"))
    padded = "<html><head>" + "<meta name=x content=y>" * (MAX_PAGE_BYTES // 23 + 1) + link("/late.xml")

    assert links_in_page(after_head, BASE) == []
    assert links_in_page(padded, BASE) == []
    # A page whose head is never closed (or a stray </head>-less page) is still read.
    assert urls(links_in_page("<title>x</title>" + link("/feed.xml"), BASE)) == ["https://blog.example/feed.xml"]


def test_bytes_are_decoded_by_the_pages_charset_and_titles_cleaned_for_the_terminal() -> None:
    latin = ('<head><meta charset="iso-8859-1">' + link("/f.xml", title="Caf\xe9 \x1b]52;c;x\x07")).encode("latin-1")

    [feed] = links_in_page(latin, BASE)

    assert feed.title.startswith("Café")
    assert "\x1b" not in feed.title and "\x07" not in feed.title


def test_the_link_header_rules() -> None:
    """Quoted commas and semicolons, title* (RFC 8187), rel lists, first parameter wins, junk skipped."""
    header = (
        'junk, <https://other.example/a.xml>; rel="alternate"; type="application/rss+xml"; title="A; B, C", '
        "<b.xml>; rel=\"feed other\"; type=application/atom+xml; title*=UTF-8''Caf%C3%A9%20news, "
        '<c.xml>; rel="alternate"; rel="nofeed"; type="application/rss+xml"; type="text/html", '
        '<d.xml>; rel="preload"; type="application/rss+xml", '
        '<unterminated.xml; rel="alternate"'
    )

    assert links_in_header(header, BASE) == [
        FeedLink("https://other.example/a.xml", "A; B, C", "application/rss+xml"),
        FeedLink("https://blog.example/posts/2026/b.xml", "Café news", "application/atom+xml"),
        FeedLink("https://blog.example/posts/2026/c.xml", "", "application/rss+xml"),
    ]


def test_common_paths_are_at_the_sites_root() -> None:
    assert common_path_urls("https://Blog.Example:443/posts/2026/?page=2") == [
        "https://blog.example/feed",
        "https://blog.example/rss",
        "https://blog.example/atom.xml",
        "https://blog.example/index.xml",
        "https://blog.example/feed.xml",
    ]
    assert common_path_urls("http://127.0.0.1:8080/x") == [f"http://127.0.0.1:8080{path}" for path in COMMON_PATHS]
    assert common_path_urls("mailto:someone@example.org") == []


# -- hostile input never raises ----------------------------------------------------------------


FRAGMENTS = st.sampled_from(
    [
        "<link",
        " rel=",
        '"alternate"',
        "'feed'",
        " type=",
        "application/rss+xml",
        "application/json",
        " href=",
        '"/f"',
        "'http://[::1'",
        "javascript:x",
        " title=",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "\x00",
        "\x1b[31m",
        "\ud800",
        "<base href=",
        "<title>",
        "</title>",
        "</head>",
        "<!--",
        "-->",
        "<![CDATA[",
        "<!DOCTYPE",
        "<?",
        "<script>",
        "</script>",
        "<",
        ">",
        "/>",
        '"',
        "'",
        "=",
        " ",
        "\n",
        "<meta itemprop=channelId content=",
        CHANNEL,
        '"channelId":"',
        "<link rel=canonical href=https://www.youtube.com/channel/",
    ]
)
PAGES = st.one_of(st.text(), st.lists(FRAGMENTS, max_size=60).map("".join))
HEADERS = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(["<", ">", "/f.xml", ";", ",", " rel=", '"alternate"', " type=", "application/rss+xml"])
        | st.sampled_from([" title*=", "UTF-8''%E2%82", "x-unknown''%41", '"', "\\", " title=", "\ud800", "\x00"]),
        max_size=40,
    ).map("".join),
)
BASES = st.sampled_from([BASE, "http://127.0.0.1:1/", "", "not a url", "http://[::1", "https://www.youtube.com/@x"])


@settings(max_examples=300, deadline=None)
@given(html=PAGES, base=BASES, as_bytes=st.booleans())
def test_a_hostile_page_never_raises_and_yields_only_clean_http_links(html: str, base: str, as_bytes: bool) -> None:
    source: str | bytes = html.encode("utf-8", "surrogatepass") if as_bytes else html
    links = links_in_page(source, base)
    for item in links:
        assert normalize_url(item.url) == item.url
        assert line_problem(item.title) is None
    youtube_channel_feed(source, base)
    known_site_feed(html)
    common_path_urls(html)


@settings(max_examples=300, deadline=None)
@given(value=HEADERS, base=BASES)
def test_a_hostile_link_header_never_raises_and_yields_only_clean_http_links(value: str, base: str) -> None:
    for item in links_in_header(value, base):
        assert normalize_url(item.url) == item.url
        assert line_problem(item.title) is None


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000))
def test_any_bytes_as_a_page_never_raise(data: bytes) -> None:
    for item in links_in_page(data, BASE):
        assert normalize_url(item.url) == item.url
        assert line_problem(item.title) is None
    channel = youtube_channel_feed(data, "https://www.youtube.com/@x")
    assert channel is None or channel.startswith("https://www.youtube.com/feeds/videos.xml?channel_id=UC")
