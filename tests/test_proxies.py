"""Requests through proxies: real HTTP and SOCKS5 proxy servers on loopback (pproxy, from PyPI).

Each test starts a proxy of its own and reads the proxy's own log, one line
per connection it carried ("http 127.0.0.1:40424 -> 127.0.0.1:18183"), to
see which servers were reached through it. The feed, the comment thread and
the article's page are served from three loopback servers (three ports), so
the log shows each kind of request went through the proxy; a fourth server
named in NO_PROXY must not appear. Nothing is sent beyond loopback.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss
from proxyserver import StartProxy, free_port

from reader.net.http import FetchError, Limits, get, make_client
from reader.net.proxy import ProxyError, bypassed, choose_proxy, parse_proxy
from reader.store import Store

PAGE = """<!DOCTYPE html><html><head><title>The lighthouse</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<main><article><h1>The lighthouse keepers of Skerryvore</h1>
<p>For a century three keepers at a time lived on a rock eleven miles out in the Atlantic, trimming
the wicks of the great paraffin lamp through the night and winding the clockwork that turned it.</p>
<p>Supplies came by boat when the sea allowed, which in winter could mean weeks of waiting, and the
men kept logs of the weather, the passing ships and the birds that struck the lantern glass.</p>
<p>In 1954 a fire gutted the interior, and the light was not restored until 1959. It was automated
in 1994, and the last keepers left the rock that year.</p>
</article></main><footer><p>All rights reserved.</p></footer></body></html>"""


def port_of(server: FeedServer) -> str:
    return server.base.removeprefix("http://").removeprefix("https://")


@dataclass
class Sites:
    """Four loopback servers: a feed whose article has a comment feed and a page; and another feed."""

    feeds: FeedServer
    comments: FeedServer
    pages: FeedServer
    elsewhere: FeedServer

    @property
    def feed_url(self) -> str:
        return self.feeds.url("/feed.xml")

    @property
    def other_feed_url(self) -> str:
        return self.elsewhere.url("/other.xml")


@pytest.fixture
def sites() -> Iterator[Sites]:
    with FeedServer() as feeds, FeedServer() as comments, FeedServer() as pages, FeedServer() as elsewhere:
        page = pages.route("/2026/lighthouse.html", ok(PAGE.encode(), "text/html; charset=utf-8"))
        thread = comments.route("/lighthouse/feed/", ok(rss_comments().encode()))
        item = Item("lh", "The lighthouse", page, "<p>Keepers on a rock. Read more.</p>", comment_rss=thread)
        feeds.route("/feed.xml", ok(rss([item], title="Gazette").encode()))
        elsewhere.route(
            "/other.xml", ok(rss([Item("o", "Other news", None, "<p>" + "Long. " * 200 + "</p>")]).encode())
        )
        yield Sites(feeds, comments, pages, elsewhere)


def rss_comments() -> str:
    return rss(
        [Item(f"lh#c{n}", f"By: {who}", None, f"<p>{text}</p>", author=who) for n, who, text in COMMENTS],
        title="Comments on: The lighthouse",
    )


COMMENTS = [(1, "ann", "Lovely photos."), (2, "bob", "Were the keepers paid well?")]


def assert_everything_stored(db_path: Path) -> None:
    with Store(db_path) as store:
        titles = sorted(article.title for article in store.list_articles())
        assert titles == ["Other news", "The lighthouse"]
        [lighthouse] = [a for a in store.list_articles() if a.title == "The lighthouse"]
        assert [row.author for row in store.comments(lighthouse.id)] == ["ann", "bob"]
        full = store.conn.execute("SELECT full_html FROM articles WHERE id = ?", (lighthouse.id,)).fetchone()[0]
        assert full and "paraffin lamp" in full


def subscribe_both(run_reader: RunReader, sites: Sites) -> None:
    for url in (sites.feed_url, sites.other_feed_url):
        added = run_reader("add", "--no-check", url)
        assert added.returncode == 0, added.stdout + added.stderr


# -- the real command through real proxies -----------------------------------------------------


def test_fetch_goes_through_the_http_proxy_from_the_environment_except_no_proxy_hosts(
    start_proxy: StartProxy, sites: Sites, run_reader: RunReader, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = start_proxy("http")
    subscribe_both(run_reader, sites)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", f"example.invalid, {port_of(sites.elsewhere)}")

    fetched = run_reader("fetch")

    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert_everything_stored(db_path)
    reached = set(proxy.reached())
    # The feed, the comment feed and the article's page all went through the proxy ...
    assert {port_of(sites.feeds), port_of(sites.comments), port_of(sites.pages)} <= reached
    # ... and the host in NO_PROXY was reached directly.
    assert port_of(sites.elsewhere) not in reached
    assert sites.elsewhere.requests_for("/other.xml")


def test_fetch_goes_through_a_socks5h_proxy_from_the_config_whatever_the_environment_says(
    start_proxy: StartProxy,
    sites: Sites,
    run_reader: RunReader,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    socks = start_proxy("socks5")
    decoy = start_proxy("http")
    subscribe_both(run_reader, sites)
    config = tmp_path / "config.toml"
    config.write_text(f'[network]\nproxy = "socks5h://127.0.0.1:{socks.port}"\n', encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(config))
    monkeypatch.setenv("http_proxy", decoy.url)  # the setting wins over the environment

    fetched = run_reader("fetch")

    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert_everything_stored(db_path)
    reached = set(socks.reached())
    every = {port_of(s) for s in (sites.feeds, sites.comments, sites.pages, sites.elsewhere)}
    assert every <= reached
    assert decoy.reached() == []


def test_direct_in_the_config_ignores_the_environments_proxy(
    start_proxy: StartProxy,
    sites: Sites,
    run_reader: RunReader,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = start_proxy("http")
    subscribe_both(run_reader, sites)
    config = tmp_path / "config.toml"
    config.write_text('[network]\nproxy = "direct"\n', encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(config))
    monkeypatch.setenv("ALL_PROXY", proxy.url)

    fetched = run_reader("fetch")

    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert_everything_stored(db_path)
    assert proxy.reached() == []


def test_a_dead_proxy_is_one_line_per_feed_and_keeps_what_was_stored(
    sites: Sites, run_reader: RunReader, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe_both(run_reader, sites)
    assert run_reader("fetch", "--quiet").returncode == 0
    monkeypatch.setenv("ALL_PROXY", f"socks5://reader:hunter2-secret@127.0.0.1:{free_port()}")

    fetched = run_reader("fetch", "--all")

    assert fetched.returncode != 0
    output = fetched.stdout + fetched.stderr
    assert "Traceback" not in output
    assert "hunter2-secret" not in output, "a proxy's password is never printed"
    failures = [line for line in output.splitlines() if "proxy" in line.lower()]
    assert len(failures) >= 2, output
    assert sites.feeds.requests_for("/feed.xml") and len(sites.feeds.requests_for("/feed.xml")) == 1
    assert_everything_stored(db_path)


# -- the client itself -------------------------------------------------------------------------


def test_https_through_an_http_proxy_is_a_tunnel_with_the_certificate_checked(
    start_proxy: StartProxy, tmp_path: Path
) -> None:
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "authority.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    proxy = start_proxy("http")
    limits = Limits(ca_file=str(ca_file), proxy=proxy.url)

    async def run(url: str) -> bytes:
        async with make_client(limits, environ={}) as client:
            return (await get(client, url, limits=limits)).body

    with FeedServer(tls=context) as secure:
        url = secure.route("/feed.xml", ok(b"<rss>secret feed</rss>", "application/rss+xml"))
        assert asyncio.run(run(url)) == b"<rss>secret feed</rss>"
        # Without the authority the tunnel is made but the certificate refused, in one line.
        with pytest.raises(FetchError) as refused:
            asyncio.run(_get_once(url, Limits(proxy=proxy.url)))
    assert "certificate" in str(refused.value) and "\n" not in str(refused.value)
    assert port_of(secure) in proxy.reached()


async def _get_once(url: str, limits: Limits) -> bytes:
    async with make_client(limits, environ={}) as client:
        return (await get(client, url, limits=limits)).body


@pytest.mark.parametrize("scheme", ["http", "socks5"])
def test_a_proxy_that_wants_a_password_gets_it_from_the_url(
    scheme: str, start_proxy: StartProxy, server: FeedServer
) -> None:
    proxy = start_proxy(scheme, credentials="reader:s3cret")
    url = server.route("/feed.xml", ok(b"<rss>through</rss>", "application/rss+xml"))
    good = Limits(proxy=f"{scheme}://reader:s3cret@127.0.0.1:{proxy.port}")
    wrong = Limits(proxy=f"{scheme}://reader:wrong-pass@127.0.0.1:{proxy.port}")

    assert asyncio.run(_get_once(url, good)) == b"<rss>through</rss>"
    with pytest.raises(FetchError) as refused:
        asyncio.run(_get_once(url, wrong))
    assert "wrong-pass" not in str(refused.value) and "\n" not in str(refused.value)
    assert len(server.requests_for("/feed.xml")) == 1


def test_an_unusable_proxy_setting_fails_each_request_in_one_line_without_the_password(server: FeedServer) -> None:
    url = server.route("/feed.xml", ok(b"<rss/>", "application/rss+xml"))
    with pytest.raises(FetchError) as refused:
        asyncio.run(_get_once(url, Limits(proxy="ftp://user:pa55word@proxy.example:21")))
    assert refused.value.kind == "proxy"
    assert "pa55word" not in str(refused.value) and "scheme" in str(refused.value)
    assert server.requests == []


# -- which proxy a URL takes -------------------------------------------------------------------


def test_the_environment_is_read_as_curl_reads_it() -> None:
    env = {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2", "HTTPS_PROXY": "socks5h://tor:9050"}
    assert str(choose_proxy("http://a.example/", "", env)) == "Proxy(http://lower:2)"
    assert str(choose_proxy("https://a.example/", "", env)) == "Proxy(socks5h://tor:9050)"
    assert str(choose_proxy("http://a.example/", "", {"ALL_PROXY": "proxy:3128"})) == "Proxy(http://proxy:3128)"
    assert choose_proxy("http://a.example/", "", {}) is None
    # Under CGI, HTTP_PROXY is a header a client sent ("httpoxy"): ignored; lower case still counts.
    assert choose_proxy("http://a.example/", "", {"HTTP_PROXY": "http://evil:1", "REQUEST_METHOD": "GET"}) is None
    assert choose_proxy("http://a.example/", "direct", env) is None
    assert str(choose_proxy("http://a.example/", "socks5://10.0.0.1", env)) == "Proxy(socks5://10.0.0.1:1080)"


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "direct"),
    [
        ("feeds.example.org", 80, "example.org", True),
        ("example.org", 80, ".example.org", True),
        ("feeds.example.org", 80, "*.example.org", True),
        ("ample.org", 80, "example.org", False),
        ("example.org.evil", 80, "example.org", False),
        ("anything", 80, "*", True),
        ("10.1.2.3", 80, "10.0.0.0/8", True),
        ("11.1.2.3", 80, "10.0.0.0/8", False),
        ("::1", 443, "::1", True),
        ("::1", 443, "[::1]:443", True),
        ("::1", 80, "[::1]:443", False),
        ("127.0.0.1", 8080, "127.0.0.1:8080", True),
        ("127.0.0.1", 8081, "127.0.0.1:8080", False),
        ("Example.ORG", 80, "example.org.", True),
        ("example.org", 80, " , ,", False),
    ],
)
def test_no_proxy_entries(host: str, port: int, no_proxy: str, direct: bool) -> None:
    assert bypassed(host, port, no_proxy) is direct


def test_the_settings_no_proxy_replaces_the_environments() -> None:
    env = {"http_proxy": "http://proxy:1", "no_proxy": "a.example"}
    assert choose_proxy("http://a.example/", "", env) is None
    assert choose_proxy("http://a.example/", "", env, no_proxy="b.example") is not None
    assert choose_proxy("http://b.example/", "", env, no_proxy="b.example") is None


@pytest.mark.parametrize(
    "value", ["ftp://u:pw-123@h:1", "https://u:pw-123@h:1", "socks5://u:pw-123@:1", "http://u:pw-123@h:99999"]
)
def test_a_bad_proxy_url_is_named_without_its_password(value: str) -> None:
    with pytest.raises(ProxyError) as refused:
        parse_proxy(value)
    assert "pw-123" not in str(refused.value)
    assert "pw-123" not in repr(parse_proxy("socks5h://u:pw-123@127.0.0.1:9050"))


def test_a_mistyped_proxy_in_the_config_stops_every_request_instead_of_going_direct(
    server: FeedServer, run_reader: RunReader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone behind Tor who mistypes the proxy must not have reader connect directly.
    url = server.route("/feed.xml", ok(rss([Item("t", "Never fetched")]).encode()))
    assert run_reader("add", "--no-check", url).returncode == 0
    config = tmp_path / "config.toml"
    config.write_text('[network]\nproxy = "sock5h://tor:pa55word@127.0.0.1:9050"\n', encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(config))

    fetched = run_reader("fetch")

    output = fetched.stdout + fetched.stderr
    assert fetched.returncode != 0
    assert "network.proxy" in output and "nothing is fetched until it is fixed" in output
    assert "pa55word" not in output and "Traceback" not in output
    assert server.requests == []
