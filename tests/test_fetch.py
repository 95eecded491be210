"""Fetching feeds from a real (loopback) HTTP server: conditional GET, redirects, errors, hostile servers.

Every hostile case first stores a good version of the feed (with an article
read and one starred), then serves the bad answer, and checks that nothing
stored is lost and that the feed's status says what happened.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import RunReader
from feedserver import (
    BILLION_LAUGHS,
    Behaviour,
    FeedServer,
    Item,
    conditional,
    drip,
    encoded,
    endless_chunked,
    gzip_bomb,
    gzip_twice,
    ok,
    redirect,
    rss,
    stall,
    status,
)
from fetch_helpers import fetch_settings, subscribe

from reader import __version__
from reader.models import FeedRow
from reader.net.http import Limits
from reader.service.fetch import FetchSettings, FetchSummary, Slots, fetch
from reader.service.reading import read_article
from reader.store import Store

#: Small enough that the stall and drip cases end in about two seconds.
LIMITS = Limits(total_seconds=2, max_raw_bytes=1024 * 1024, max_decoded_bytes=4 * 1024 * 1024)


def settings(**overrides: Any) -> FetchSettings:
    return fetch_settings(LIMITS, **{"comments": False, **overrides})


def good_items(server: FeedServer) -> list[Item]:
    return [
        Item(
            guid=f"post-{n}",
            title=f"Post number {n}",
            link=server.url(f"/posts/{n}.html"),
            description=f"<p>The body of post {n}, with <em>emphasis</em>.</p>",
            pub_date=f"Mon, 0{n} Mar 2026 10:00:00 GMT",
        )
        for n in (1, 2, 3)
    ]


def good_feed(server: FeedServer) -> str:
    return rss(good_items(server), title="Good feed")


def articles(store: Store, feed_id: int) -> list[dict[str, Any]]:
    """What a user would miss: every article's identity, texts and read/starred state."""
    rows = store.conn.execute(
        "SELECT guid, url, title, author, html, text, read, starred FROM articles WHERE feed_id = ? ORDER BY guid",
        (feed_id,),
    ).fetchall()
    return [dict(row) for row in rows]


def feed_row(store: Store, feed_id: int) -> FeedRow:
    return next(feed for feed in store.feeds() if feed.id == feed_id)


def feed_fetch_state(store: Store, feed_id: int) -> dict[str, Any]:
    row = store.conn.execute(
        "SELECT url, etag, last_modified, dead, retry_after FROM feeds WHERE id = ?", (feed_id,)
    ).fetchone()
    return dict(row)


def only_failure(summary: FetchSummary) -> str:
    assert len(summary.failed) == 1, summary.feeds
    error = summary.failed[0].error
    assert error is not None
    assert "\n" not in error
    return error


def good_then(
    server: FeedServer, store: Store, db_path: Path, path: str = "/feed.xml"
) -> tuple[int, list[dict[str, Any]]]:
    """Subscribe, fetch a good version, read one article and star another; returns (feed id, articles)."""
    url = server.route(path, ok(good_feed(server)))
    feed_id = subscribe(store, url)
    summary = fetch(db_path, settings())
    assert summary.failed == []
    assert summary.new_articles == 3
    ids = {
        row["guid"]: row["id"]
        for row in store.conn.execute("SELECT id, guid FROM articles WHERE feed_id = ?", (feed_id,))
    }
    store.mark([ids["post-1"]], read=True)
    store.mark([ids["post-2"]], starred=True)
    stored = articles(store, feed_id)
    assert [(a["read"], a["starred"]) for a in stored] == [(1, 0), (0, 1), (0, 0)]
    assert feed_row(store, feed_id).error_count == 0
    server.clear()
    return feed_id, stored


def fetch_bad(
    server: FeedServer, store: Store, db_path: Path, behaviour: Behaviour, path: str = "/feed.xml"
) -> tuple[int, list[dict[str, Any]], FetchSummary, float]:
    """A good fetch, then ``behaviour`` at the feed's path; returns (feed id, articles before, summary, seconds)."""
    feed_id, before = good_then(server, store, db_path, path)
    server.route(path, behaviour)
    started = time.monotonic()
    summary = fetch(db_path, settings())
    return feed_id, before, summary, time.monotonic() - started


def assert_failed_and_kept(
    store: Store, feed_id: int, before: list[dict[str, Any]], summary: FetchSummary, *words: str
) -> FeedRow:
    error = only_failure(summary)
    for word in words:
        assert word in error, error
    assert articles(store, feed_id) == before
    row = feed_row(store, feed_id)
    assert row.last_error == error
    assert row.error_count == 1
    assert row.total == 3 and row.unread == 2
    return row


# -- conditional GET ---------------------------------------------------------------


def test_304_sends_validators_and_changes_nothing(server: FeedServer, store: Store, db_path: Path) -> None:
    etag = '"v1-abc"'
    modified = "Mon, 02 Mar 2026 10:00:00 GMT"
    url = server.route("/feed.xml", conditional(good_feed(server), etag, modified))
    feed_id = subscribe(store, url)
    first = fetch(db_path, settings())
    assert first.failed == [] and first.new_articles == 3
    assert feed_fetch_state(store, feed_id)["etag"] == etag
    assert feed_fetch_state(store, feed_id)["last_modified"] == modified
    store.mark([a.id for a in store.list_articles()][:1], starred=True)
    before = articles(store, feed_id)
    first_request = server.requests_for("/feed.xml")[0]
    assert first_request.header("If-None-Match") is None

    # The server now has a different document: only a client that skips the
    # validators (or parses a 304) would see it.
    changed = rss([Item(guid="post-1", title="Rewritten title", description="<p>Changed</p>")], title="Changed")
    server.route("/feed.xml", conditional(changed, etag, modified))
    server.clear()
    second = fetch(db_path, settings())

    (request,) = server.requests_for("/feed.xml")
    assert request.header("If-None-Match") == etag
    assert request.header("If-Modified-Since") == modified
    assert second.failed == []
    assert [(r.status, r.new_articles, r.updated_articles) for r in second.feeds] == [("304 not modified", 0, 0)]
    assert articles(store, feed_id) == before
    row = feed_row(store, feed_id)
    assert row.title == "Good feed"
    assert row.last_status == "304 not modified" and row.last_error is None and row.error_count == 0


def test_a_refresh_of_unchanged_feeds_reuses_its_connections(server: FeedServer, store: Store, db_path: Path) -> None:
    """Answers with no body worth reading (304) must not cost a new connection each."""
    for number in range(12):
        url = server.route(
            f"/feed{number}.xml", conditional(good_feed(server), f'"v{number}"', "Mon, 02 Mar 2026 10:00:00 GMT")
        )
        subscribe(store, url)
    fetch(db_path, settings(concurrency=2))
    server.clear()
    again = fetch(db_path, settings(concurrency=2))
    assert {report.status for report in again.feeds} == {"304 not modified"}
    assert len(server.requests) == 12
    assert len({request.client_port for request in server.requests}) <= 2


def test_a_limit_widened_lets_the_waiting_requests_start_at_once() -> None:
    """A run starts with a few requests at once and opens up to all of them when answers are slow."""

    async def run() -> list[int]:
        limit = Slots(2)
        most = 0
        widened = False

        async def request() -> None:
            nonlocal most, widened
            async with limit:
                most = max(most, limit.active)
                if not widened:
                    widened = True
                    await limit.widen(6)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(request() for _ in range(12)))
        return [limit.limit, most]

    assert asyncio.run(run()) == [6, 6]


def test_a_host_that_answers_429_gets_fewer_requests_at_once() -> None:
    """After a 429 or 503 a host's limit halves (never below one) for the rest of the run."""

    async def most_at_once(limit: Slots) -> int:
        most = 0

        async def request() -> None:
            nonlocal most
            async with limit:
                most = max(most, limit.active)
                await asyncio.sleep(0.01)

        await asyncio.gather(*(request() for _ in range(12)))
        return most

    async def run() -> list[int]:
        limit = Slots(4)
        seen = [await most_at_once(limit)]
        limit.slow_down()
        seen.append(await most_at_once(limit))
        for _ in range(5):
            limit.slow_down()
        seen.append(await most_at_once(limit))
        return seen

    assert asyncio.run(run()) == [4, 2, 1]


# -- redirects ---------------------------------------------------------------------


def test_permanent_redirect_chain_moves_the_feed_and_keeps_its_articles(
    server: FeedServer, store: Store, db_path: Path
) -> None:
    feed_id, before = good_then(server, store, db_path)
    server.route("/feed.xml", redirect("/moved/once.xml", 301))
    server.route("/moved/once.xml", redirect(server.url("/moved/final.xml"), 308))
    more = [*good_items(server), Item(guid="post-4", title="Post number 4", description="<p>Four</p>")]
    server.route("/moved/final.xml", ok(rss(more, title="Good feed")))

    summary = fetch(db_path, settings())

    assert summary.failed == []
    assert server.paths() == ["/feed.xml", "/moved/once.xml", "/moved/final.xml"]
    assert feed_fetch_state(store, feed_id)["url"] == server.url("/moved/final.xml")
    after = articles(store, feed_id)
    assert [a["guid"] for a in after] == ["post-1", "post-2", "post-3", "post-4"]
    assert after[:3] == before
    assert store.conn.execute("SELECT count(*) FROM feeds").fetchone()[0] == 1

    # The next run goes straight to the new address.
    server.clear()
    assert fetch(db_path, settings()).failed == []
    assert server.paths() == ["/moved/final.xml"]


@pytest.mark.parametrize("chain", [[302], [301, 302], [307]], ids=["302", "301-then-302", "307"])
def test_temporary_redirect_keeps_the_feed_url(
    server: FeedServer, store: Store, db_path: Path, chain: list[int]
) -> None:
    feed_id, before = good_then(server, store, db_path)
    paths = ["/feed.xml", *[f"/hop/{i}.xml" for i in range(1, len(chain))], "/mirror/feed.xml"]
    for (source, target), code in zip(itertools.pairwise(paths), chain, strict=True):
        server.route(source, redirect(target, code))
    server.route("/mirror/feed.xml", ok(good_feed(server)))

    summary = fetch(db_path, settings())

    assert summary.failed == []
    assert server.paths() == paths
    assert feed_fetch_state(store, feed_id)["url"] == server.url("/feed.xml")
    assert articles(store, feed_id) == before
    server.clear()
    fetch(db_path, settings())
    assert server.paths()[0] == "/feed.xml"


def test_five_redirects_are_followed_and_a_sixth_is_an_error(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before = good_then(server, store, db_path)
    for hop in range(5):
        server.route(f"/r{hop}", redirect(f"/r{hop + 1}", 302))
    server.route("/r5", ok(good_feed(server)))
    server.route("/feed.xml", redirect("/r0", 302))

    # /feed.xml -> r0 -> ... -> r5: six redirects.
    summary = fetch(db_path, settings())
    error = only_failure(summary)
    assert "more than 5 redirects" in error
    assert len(server.requests) == 6  # the sixth Location is never requested
    assert articles(store, feed_id) == before
    row = feed_row(store, feed_id)
    assert row.last_error == error and row.error_count == 1

    # Five redirects are fine.
    server.route("/feed.xml", redirect("/r1", 302))
    server.clear()
    assert fetch(db_path, settings()).failed == []
    assert server.paths()[-1] == "/r5"
    assert feed_row(store, feed_id).error_count == 0
    assert articles(store, feed_id) == before


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)", "ftp://127.0.0.1/feed.xml"])
def test_redirect_to_another_scheme_is_refused(server: FeedServer, store: Store, db_path: Path, target: str) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, redirect(target, 301))
    row = assert_failed_and_kept(store, feed_id, before, summary, "non-http(s)")
    assert row.url == server.url("/feed.xml")
    assert len(server.requests) == 1
    assert not any("root:" in a["text"] for a in articles(store, feed_id))


@pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd"])
def test_a_feed_redirecting_to_another_scheme_does_not_stop_the_others(
    server: FeedServer, store: Store, db_path: Path, target: str
) -> None:
    good = subscribe(store, server.route("/good.xml", ok(good_feed(server))))
    bad = subscribe(store, server.route("/bad.xml", redirect(target, 302)))

    summary = fetch(db_path, settings())

    assert [a["guid"] for a in articles(store, good)] == ["post-1", "post-2", "post-3"]
    assert [r.url for r in summary.failed] == [server.url("/bad.xml")]
    assert feed_row(store, bad).error_count == 1
    assert feed_row(store, good).last_error is None


# -- error statuses ----------------------------------------------------------------


def test_404_is_an_error_and_the_feed_is_tried_again(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, status(404))
    row = assert_failed_and_kept(store, feed_id, before, summary, "HTTP 404")
    assert row.last_status == "404"

    server.clear()
    again = fetch(db_path, settings())
    assert len(server.requests_for("/feed.xml")) == 1
    assert only_failure(again) == "HTTP 404"
    assert feed_row(store, feed_id).error_count == 2
    assert articles(store, feed_id) == before

    # Back to normal: the count resets, nothing was lost on the way.
    server.route("/feed.xml", ok(good_feed(server)))
    assert fetch(db_path, settings()).failed == []
    row = feed_row(store, feed_id)
    assert (row.last_status, row.last_error, row.error_count) == ("200", None, 0)
    assert articles(store, feed_id) == before


def test_410_marks_the_feed_dead_and_it_is_not_fetched_again(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, status(410))
    row = assert_failed_and_kept(store, feed_id, before, summary, "gone")
    assert row.last_status == "410 gone"
    assert feed_fetch_state(store, feed_id)["dead"] == 1

    server.clear()
    again = fetch(db_path, settings())
    assert server.requests == []
    assert again.feeds == []
    assert articles(store, feed_id) == before


@pytest.mark.parametrize("when", ["seconds", "http-date"])
def test_429_retry_after_is_respected(server: FeedServer, store: Store, db_path: Path, when: str) -> None:
    wait = 7200
    value = (
        str(wait) if when == "seconds" else format_datetime(datetime.now(UTC) + timedelta(seconds=wait), usegmt=True)
    )
    started = int(time.time())
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, status(429, {"Retry-After": value}))
    row = assert_failed_and_kept(store, feed_id, before, summary, "wait", "429")
    assert row.last_status == "429"
    retry_after = feed_fetch_state(store, feed_id)["retry_after"]
    assert started + wait - 120 <= retry_after <= int(time.time()) + wait + 5

    server.clear()
    again = fetch(db_path, settings())
    assert server.requests == []
    assert again.feeds == []
    assert articles(store, feed_id) == before


def test_500_is_an_error_and_keeps_everything(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, status(500))
    row = assert_failed_and_kept(store, feed_id, before, summary, "HTTP 500")
    assert row.last_status == "500"
    assert feed_fetch_state(store, feed_id)["dead"] == 0


# -- hostile servers ---------------------------------------------------------------


def test_stall_after_headers_is_bounded_by_the_deadline(server: FeedServer, store: Store, db_path: Path) -> None:
    feed = good_feed(server).encode()
    feed_id, before, summary, seconds = fetch_bad(server, store, db_path, stall(feed[:200], len(feed)))
    assert seconds < LIMITS.total_seconds + 2
    row = assert_failed_and_kept(store, feed_id, before, summary, "2 s")
    assert row.last_status == "timeout"


def test_one_byte_a_second_drip_is_bounded_by_the_deadline(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, seconds = fetch_bad(server, store, db_path, drip(good_feed(server).encode()))
    assert seconds < LIMITS.total_seconds + 2
    row = assert_failed_and_kept(store, feed_id, before, summary, "2 s")
    assert row.last_status == "timeout"


def test_gzip_bomb_is_refused_quickly_without_inflating_memory(server: FeedServer, store: Store, db_path: Path) -> None:
    bomb = gzip_bomb()  # 100 MB of zeros, ~100 KB on the wire
    assert len(bomb) < 200_000
    feed_id, before = good_then(server, store, db_path)
    server.route("/feed.xml", encoded(bomb, "gzip"))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.monotonic()
    summary = fetch(db_path, settings())
    seconds = time.monotonic() - started
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before

    assert seconds < 1.5
    assert growth < 30 * 1024 * 1024, f"peak memory grew by {growth // (1024 * 1024)} MB"
    row = assert_failed_and_kept(store, feed_id, before, summary, "larger than", "decompressed")
    assert row.last_status == "too-large"


def test_double_gzip_encoding_is_refused(server: FeedServer, store: Store, db_path: Path) -> None:
    body = gzip_twice(good_feed(server).encode())
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, encoded(body, "gzip, gzip"))
    row = assert_failed_and_kept(store, feed_id, before, summary, "more than one content encoding")
    assert row.last_status == "encoding"


def test_single_gzip_encoding_is_read(server: FeedServer, store: Store, db_path: Path) -> None:
    import gzip

    more = [*good_items(server), Item(guid="post-4", title="Zipped", description="<p>Compressed</p>")]
    feed_id, before = good_then(server, store, db_path)
    server.route("/feed.xml", encoded(gzip.compress(rss(more).encode()), "gzip"))
    assert fetch(db_path, settings()).failed == []
    after = articles(store, feed_id)
    assert after[:3] == before
    assert after[3]["title"] == "Zipped"
    assert "gzip" in (server.requests_for("/feed.xml")[0].header("Accept-Encoding") or "")


def test_endless_chunked_body_stops_at_the_raw_cap(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, seconds = fetch_bad(server, store, db_path, endless_chunked())
    assert seconds < LIMITS.total_seconds
    row = assert_failed_and_kept(store, feed_id, before, summary, "larger than")
    assert row.last_status == "too-large"


# -- not a feed --------------------------------------------------------------------


def test_empty_200_body_is_an_error_not_an_empty_feed(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, ok(b""))
    assert_failed_and_kept(store, feed_id, before, summary, "empty")


def test_html_page_instead_of_a_feed(server: FeedServer, store: Store, db_path: Path) -> None:
    page = "<!DOCTYPE html><html><head><title>Moved</title></head><body><p>Our feed moved.</p></body></html>"
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, ok(page, "text/html"))
    assert_failed_and_kept(store, feed_id, before, summary, "HTML")


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><item><title>half',
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Bad</title></item></rss>',
        "\x00\x01\x02 not xml at all \xff",
    ],
    ids=["truncated", "mismatched-tags", "binary"],
)
def test_invalid_xml_is_an_error(server: FeedServer, store: Store, db_path: Path, body: str) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, ok(body.encode("latin-1")))
    assert_failed_and_kept(store, feed_id, before, summary)


def test_entity_bomb_is_refused(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, seconds = fetch_bad(server, store, db_path, ok(BILLION_LAUGHS))
    assert seconds < 2
    assert_failed_and_kept(store, feed_id, before, summary, "entit")
    assert not any("lol" in a["text"] or "lol" in a["title"] for a in articles(store, feed_id))


def test_feed_with_no_items_deletes_nothing(server: FeedServer, store: Store, db_path: Path) -> None:
    feed_id, before, summary, _ = fetch_bad(server, store, db_path, ok(rss([], title="Good feed")))
    assert summary.failed == []
    assert articles(store, feed_id) == before
    row = feed_row(store, feed_id)
    assert (row.last_status, row.last_error, row.error_count) == ("200", None, 0)
    assert (row.total, row.unread) == (3, 2)


# -- many feeds --------------------------------------------------------------------


def five_feeds(server: FeedServer) -> tuple[list[str], list[str]]:
    """Two good feeds and three broken ones; returns (good urls, broken urls)."""
    first = [Item(guid="a-1", title="Alpha one", description="<p>alpha</p>")]
    second = [Item(guid=f"b-{n}", title=f"Beta {n}", description="<p>beta</p>") for n in (1, 2)]
    good = [server.route("/alpha.xml", ok(rss(first, "Alpha"))), server.route("/beta.xml", ok(rss(second, "Beta")))]
    broken = [
        server.route("/e500.xml", status(500)),
        server.route("/page.xml", ok("<!DOCTYPE html><html><body><p>hello</p></body></html>", "text/html")),
        server.route("/cut.xml", ok('<?xml version="1.0"?><rss version="2.0"><channel><item><title>x')),
    ]
    return good, broken


def test_broken_feeds_never_stop_the_others(server: FeedServer, store: Store, db_path: Path) -> None:
    good, broken = five_feeds(server)
    ids = {url: subscribe(store, url) for url in [good[0], *broken[:2], good[1], broken[2]]}

    summary = fetch(db_path, settings())

    assert len(summary.feeds) == 5
    assert sorted(r.url for r in summary.failed) == sorted(broken)
    assert summary.new_articles == 3
    assert [a["guid"] for a in articles(store, ids[good[0]])] == ["a-1"]
    assert [a["guid"] for a in articles(store, ids[good[1]])] == ["b-1", "b-2"]
    for url in broken:
        row = feed_row(store, ids[url])
        assert row.error_count == 1 and row.last_error and row.total == 0
    for url in good:
        assert feed_row(store, ids[url]).last_error is None


def test_cli_fetch_reports_each_failure_on_one_line(server: FeedServer, run_reader: RunReader) -> None:
    good, broken = five_feeds(server)
    added = run_reader("add", "--no-check", *good, *broken)
    assert added.returncode == 0, added.stderr

    result = run_reader("fetch", "--no-comments", "--no-full-text")

    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert "Traceback" not in result.stderr
    for url in broken:
        (line,) = [line for line in lines if url in line]
        assert line.startswith("reader: error: feed ")
    assert "HTTP 500" in next(line for line in lines if "/e500.xml" in line)
    assert "fetched 5 feeds: 3 new articles" in result.stdout
    assert "3 failed" in result.stdout

    feeds = {feed["url"]: feed for feed in json.loads(run_reader("feeds", "--json").stdout)}
    assert feeds[broken[0]]["last_status"] == "500"
    assert feeds[broken[0]]["last_error"] == "HTTP 500"
    assert (feeds[good[1]]["last_status"], feeds[good[1]]["last_error"], feeds[good[1]]["total"]) == ("200", None, 2)
    assert feeds[good[0]]["title"] == "Alpha"


def test_cli_fetch_json_and_quiet(server: FeedServer, run_reader: RunReader) -> None:
    good, broken = five_feeds(server)
    assert run_reader("add", "--no-check", *good, *broken).returncode == 0

    result = run_reader("fetch", "--json", "--no-comments", "--no-full-text")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["failed"] == 3
    assert report["new_articles"] == 3
    by_url = {feed["url"]: feed for feed in report["feeds"]}
    assert set(by_url) == {*good, *broken}
    assert by_url[good[1]]["new"] == 2 and by_url[good[1]]["error"] is None
    assert by_url[broken[0]]["status"] == "500" and by_url[broken[0]]["error"] == "HTTP 500"
    assert all(by_url[url]["error"] for url in broken)

    quiet = run_reader("fetch", "--quiet", "--no-comments", "--no-full-text")
    assert quiet.returncode == 1
    assert quiet.stdout == ""
    assert len(quiet.stderr.splitlines()) == 3

    # Only the good feeds: success, exit 0, and nothing new the second time.
    ids = [str(feed["id"]) for feed in report["feeds"] if feed["url"] in good]
    again = run_reader("fetch", *ids, "--no-comments", "--no-full-text")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    assert "fetched 2 feeds: 0 new articles" in again.stdout


def test_user_agent_names_the_project(server: FeedServer, store: Store, db_path: Path) -> None:
    good_then(server, store, db_path)
    server.route("/feed.xml", redirect("/elsewhere.xml", 302))
    server.route("/elsewhere.xml", ok(good_feed(server)))
    fetch(db_path, settings())
    assert len(server.requests) == 2
    for request in server.requests:
        agent = request.header("User-Agent") or ""
        assert agent.startswith(f"reader/{__version__} "), agent
        assert "aiohttp" in agent


# -- full text ---------------------------------------------------------------------

ARTICLE_PAGE = """<!DOCTYPE html><html><head><title>The lighthouse keepers of Skerryvore</title></head><body>
<header><nav class="site-nav"><a href="/">Home</a> <a href="/about">About us</a>
<a href="/contact">Contact the newsroom</a></nav></header>
<div class="layout">
<aside class="sidebar"><h3>Trending now</h3><ul><li><a href="/a">Ten gadgets you need this winter</a></li>
<li><a href="/b">Subscribe to our weekly newsletter</a></li></ul></aside>
<main><article><h1>The lighthouse keepers of Skerryvore</h1>
<p>For more than a century, three keepers at a time lived on a rock eleven miles off the coast of Tiree,
tending a light that could be seen from eighteen miles away on a clear night.</p>
<p>The tower was built between 1838 and 1844 by Alan Stevenson, who designed it to withstand the full force
of the Atlantic swell, using granite blocks dovetailed into one another.</p>
<p>Supplies came by boat when the weather allowed, which in winter could mean weeks of waiting; the keepers
kept a careful log of the paraffin, the food and the fresh water.</p>
<p>In 1954 a fire gutted the interior, and the light was not restored until 1959. It was automated in 1994,
and the last keepers left the rock that year.</p>
</article></main></div>
<footer><p>Copyright 2026 Example Gazette. All rights reserved.</p><p><a href="/privacy">Privacy policy</a></p></footer>
</body></html>"""

STUB_PAGE = """<!DOCTYPE html><html><head><title>Sign in</title></head><body>
<nav><a href="/">Home</a></nav><p>Please enable cookies to continue.</p><footer>All rights reserved.</footer>
</body></html>"""

LONG_SUMMARY = "<p>" + " ".join(["This feed carries a long and complete article body."] * 12) + "</p>"


def full_text_of(store: Store, article_id: int) -> str | None:
    row = store.conn.execute("SELECT full_html FROM articles WHERE id = ?", (article_id,)).fetchone()
    full_html: str | None = row[0]
    return full_html


def article_id_by_guid(store: Store, guid: str) -> int:
    return int(store.conn.execute("SELECT id FROM articles WHERE guid = ?", (guid,)).fetchone()[0])


def test_short_summary_gets_the_pages_main_text(server: FeedServer, store: Store, db_path: Path) -> None:
    page = server.route("/2026/skerryvore.html", ok(ARTICLE_PAGE, "text/html; charset=utf-8"))
    item = Item(guid="sk", title="Skerryvore", link=page, description="<p>Keepers on a rock. Read more.</p>")
    feed_id = subscribe(store, server.route("/feed.xml", ok(rss([item]))))

    summary = fetch(db_path, settings(full_text=True))

    assert summary.failed == [] and summary.full_texts == 1
    article_id = article_id_by_guid(store, "sk")
    assert full_text_of(store, article_id)
    detail = read_article(store, article_id)
    assert detail is not None
    text = detail.text
    assert "three keepers at a time lived on a rock" in text
    assert "the last keepers left the rock that year" in text
    for furniture in ("Contact the newsroom", "Subscribe to our weekly newsletter", "All rights reserved", "Privacy"):
        assert furniture not in text
    # Search finds the page's words, not only the summary's.
    assert [row.id for row in store.search("paraffin")] == [article_id]
    assert feed_row(store, feed_id).last_error is None


def test_add_full_text_fetches_pages_of_long_items_too(server: FeedServer, run_reader: RunReader, store: Store) -> None:
    server.route("/full/page.html", ok(ARTICLE_PAGE, "text/html"))
    server.route("/plain/page.html", ok(ARTICLE_PAGE, "text/html"))
    full = server.route("/full.xml", ok(rss([Item("full-1", "Long", server.url("/full/page.html"), LONG_SUMMARY)])))
    plain = server.route("/plain.xml", ok(rss([Item("plain-1", "Long", server.url("/plain/page.html"), LONG_SUMMARY)])))
    assert run_reader("add", "--full-text", full).returncode == 0
    assert run_reader("add", plain).returncode == 0

    result = run_reader("fetch", "--no-comments")

    assert result.returncode == 0, result.stderr
    assert "1 full page" in result.stdout
    assert len(server.requests_for("/full/page.html")) == 1
    assert server.requests_for("/plain/page.html") == []
    full_id, plain_id = article_id_by_guid(store, "full-1"), article_id_by_guid(store, "plain-1")
    assert full_text_of(store, full_id) and "Alan Stevenson" in (full_text_of(store, full_id) or "")
    assert full_text_of(store, plain_id) is None
    plain_detail = read_article(store, plain_id)
    assert plain_detail is not None and "long and complete article body" in plain_detail.text


def test_stub_page_stores_nothing_and_is_no_error(server: FeedServer, store: Store, db_path: Path) -> None:
    page = server.route("/stub.html", ok(STUB_PAGE, "text/html"))
    feed_id = subscribe(store, server.route("/feed.xml", ok(rss([Item("st", "Stub", page, "<p>Short summary.</p>")]))))

    summary = fetch(db_path, settings(full_text=True))

    assert summary.failed == [] and summary.full_texts == 0
    assert len(server.requests_for("/stub.html")) == 1
    article_id = article_id_by_guid(store, "st")
    assert full_text_of(store, article_id) is None
    detail = read_article(store, article_id)
    assert detail is not None and "Short summary." in detail.text and "cookies" not in detail.text
    assert feed_row(store, feed_id).last_error is None


def test_page_fetch_is_bounded_and_keeps_the_article(server: FeedServer, store: Store, db_path: Path) -> None:
    page = server.route("/slow.html", stall(b"<html><body><p>", 50_000))
    feed_id = subscribe(store, server.route("/feed.xml", ok(rss([Item("sl", "Slow", page, "<p>A summary.</p>")]))))

    started = time.monotonic()
    summary = fetch(db_path, settings(full_text=True))

    assert time.monotonic() - started < LIMITS.total_seconds + 2
    assert summary.failed == [] and summary.full_texts == 0
    article_id = article_id_by_guid(store, "sl")
    assert full_text_of(store, article_id) is None
    detail = read_article(store, article_id)
    assert detail is not None and "A summary." in detail.text
    assert feed_row(store, feed_id).total == 1
