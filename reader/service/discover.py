"""Feed autodiscovery: from the address of a page (``reader add https://some-blog.example/``) to its feeds.

People subscribe to a site, not to a feed URL they have to dig out. Given any
URL this finds the feeds behind it and checks each one, so that what is
offered for subscribing is a feed that reads today:

1. a well-known site (YouTube, Reddit, Lobsters, Hacker News) is mapped to
   its feed from the URL alone (:func:`reader.parse.discover.known_site_feed`),
   and that feed is fetched like any candidate; when it reads, that is all;
2. the URL is fetched: a feed (RSS, Atom, JSON Feed) is the answer itself;
3. an HTML page gives candidates: its ``<link rel="alternate">`` tags, the
   response's ``Link`` header, and on YouTube the channel named in the page;
   at most :data:`MAX_CANDIDATES` of them are fetched, :data:`CONCURRENCY`
   at a time, and each is kept only if it parses as a feed (its own title,
   the link's as fallback); the others are listed in ``broken`` with why;
4. only when that gave no readable feed, the usual paths
   (``/feed``, ``/rss``, ``/atom.xml``, ``/index.xml``, ``/feed.xml``) at
   the site's root are tried; these are guesses, so one that is missing or
   no feed is not reported as broken.

Every request goes through ``reader.net.http.get`` within the config's
:class:`~reader.net.http.Limits` (one deadline each, capped bodies, checked
redirects). Nothing a server does raises: the outcome is a :class:`Discovery`
with the feeds found, the candidates that failed, and one line of error when
nothing was found (the rule "one unit, one failure": here the unit is the
URL asked about, and each candidate within it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.config import Config
from reader.net.http import FetchError, Limits, Response, get, make_client
from reader.parse import detect_kind
from reader.parse.base import ImportFailure
from reader.parse.discover import (
    COMMON_PATHS,
    common_path_urls,
    feed_format,
    known_site_feed,
    links_in_header,
    scan_page,
    youtube_channel_feed,
)
from reader.text.sanitize import clean_line, normalize_url

if TYPE_CHECKING:
    from reader.net.http import Client

__all__ = ["CONCURRENCY", "MAX_CANDIDATES", "Discovery", "FoundFeed", "discover", "discover_feeds"]

#: At most this many candidates (linked from the page, its header, YouTube's channel) are fetched.
MAX_CANDIDATES = 20
#: Candidates fetched at once.
CONCURRENCY = 4
#: A page is asked for as a browser asks, feeds welcome.
PAGE_ACCEPT = (
    "text/html, application/xhtml+xml, application/atom+xml;q=0.9, application/rss+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, */*;q=0.7"
)
#: A candidate is asked for as a feed.
FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class FoundFeed:
    """A feed that was fetched and parsed: where to subscribe, its title, and what it is."""

    url: str
    title: str
    #: "RSS", "Atom" or "JSON Feed": what the document is, whatever the link announced.
    kind: str


@dataclass
class Discovery:
    """What was found behind one URL."""

    #: The URL asked about, as given.
    url: str
    #: Feeds that read, in the order the page (or header) lists them.
    feeds: list[FoundFeed] = field(default_factory=list)
    #: Candidates that could not be read: (URL, one-line reason).
    broken: list[tuple[str, str]] = field(default_factory=list)
    #: One line when no feed was found (starting with the URL); None when some was.
    error: str | None = None
    #: The page's ``<title>``; for a URL that is a feed (or a known site's), the feed's title.
    page_title: str = ""


def _one_line(text: str) -> str:
    return clean_line(text)[:200]


def _unexpected(error: BaseException) -> str:
    return f"unexpected {type(error).__name__}: {_one_line(str(error))[:160]}"


def _mime(response: Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _fetch(client: Client, url: str, limits: Limits, accept: str) -> Response | str:
    """GET ``url``: the answer when it is a 2xx with a body, else why not in one line."""
    try:
        response = await get(client, url, headers={"Accept": accept}, limits=limits)
    except FetchError as error:
        return _one_line(str(error))
    if response.status in (429, 503):
        return f"HTTP {response.status}: the server asked to wait; try again later"
    if not 200 <= response.status < 300:
        return f"HTTP {response.status}"
    if not response.body.strip():
        return "empty response"
    return response


def _kind(response: Response) -> tuple[str, str]:
    """What a body is ("feed", "json", "html", or another kind) and, when it is no feed, why in one line."""
    try:
        kind = detect_kind(response.body)
    except ImportFailure as failure:
        kind, reason = "", _one_line(str(failure))
    else:
        reason = "" if kind in ("feed", "json") else f"not a feed ({kind})"
    if kind == "html" or (kind not in ("feed", "json") and _mime(response) in _HTML_TYPES):
        return "html", "an HTML page, not a feed"
    return kind, reason


def _parse(response: Response, url: str, kind: str, fallback_title: str) -> FoundFeed | str:
    """Parse a fetched feed (in a thread): the feed found, or why it is none."""
    from reader.parse.feeds import parse_feed
    from reader.parse.jsonfeed import parse_json_feed

    # Only the title is wanted: one item spares making every item's text.
    try:
        if kind == "json":
            batch = parse_json_feed(response.body, source_key=url, kind="feed", max_items=1)
            format_ = "JSON Feed"
        else:
            batch = parse_feed(
                response.body,
                source_key=url,
                kind="feed",
                headers=response.headers,
                subscription=True,
                max_items=1,
                url=response.url,
            )
            format_ = feed_format(response.body) or "RSS"
    except ImportFailure as failure:
        return _one_line(str(failure))
    except RecursionError:
        return "refused: the document nests too deeply"
    except MemoryError:
        return "refused: the document is too large to parse"
    except Exception as error:
        return _unexpected(error)
    title = _one_line(batch.feeds[0].title if batch.feeds else "") or _one_line(fallback_title)
    return FoundFeed(url=url, title=title, kind=format_)


async def _as_feed(response: Response, asked: str, fallback_title: str = "") -> FoundFeed | str:
    """The feed a fetched answer holds (at its new address if it moved for good), or why it holds none."""
    kind, reason = _kind(response)
    if kind not in ("feed", "json"):
        return reason
    url = normalize_url(response.moved_to) or normalize_url(asked) or asked
    return await asyncio.to_thread(_parse, response, url, kind, fallback_title)


async def _check(client: Client, url: str, title: str, limits: Limits, gate: asyncio.Semaphore) -> FoundFeed | str:
    """Fetch one candidate and parse it: the feed, or why it is none (never raises for a server's doing)."""
    async with gate:
        try:
            answer = await _fetch(client, url, limits, FEED_ACCEPT)
            if isinstance(answer, str):
                return answer
            return await _as_feed(answer, url, title)
        except Exception as error:  # one candidate, one failure
            return _unexpected(error)


async def _check_all(
    client: Client, candidates: Iterable[tuple[str, str]], limits: Limits
) -> list[tuple[str, FoundFeed | str]]:
    """Each (url, title) candidate checked, :data:`CONCURRENCY` at a time; results in candidate order."""
    gate = asyncio.Semaphore(CONCURRENCY)
    listed = list(candidates)
    results = await asyncio.gather(*(_check(client, url, title, limits, gate) for url, title in listed))
    return [(url, result) for (url, _title), result in zip(listed, results, strict=True)]


def _keep(discovery: Discovery, feed: FoundFeed) -> None:
    """Add ``feed`` unless an earlier candidate led to the same one (two links, one redirect)."""
    if all(found.url != feed.url for found in discovery.feeds):
        discovery.feeds.append(feed)


async def discover(url: str, client: Client, limits: Limits) -> Discovery:
    """The feeds behind ``url``, each fetched and checked (see the module's docstring for the steps).

    Never raises for anything a server (or the network) does: the failure is
    the result's ``error``, or a candidate's line in ``broken``.
    """
    discovery = Discovery(url=url)
    try:
        await _discover(discovery, client, limits)
    except Exception as error:  # whatever nobody foresaw is this URL's one line
        discovery.error = f"{_one_line(url)}: {_unexpected(error)}"
    return discovery


async def _discover(discovery: Discovery, client: Client, limits: Limits) -> None:
    url = discovery.url
    shown = _one_line(url)
    tried: set[str] = set()

    known = known_site_feed(url)
    if known is not None:
        tried.add(known)
        [(_url, result)] = await _check_all(client, [(known, "")], limits)
        if isinstance(result, FoundFeed):
            discovery.feeds.append(result)
            discovery.page_title = result.title
            return
        discovery.broken.append((known, result))

    page = await _fetch(client, url, limits, PAGE_ACCEPT)
    if isinstance(page, str):
        discovery.error = f"{shown}: {page}"
        return
    kind, reason = _kind(page)
    if kind in ("feed", "json"):
        itself = await _as_feed(page, url)
        if isinstance(itself, FoundFeed):
            discovery.feeds.append(itself)
            discovery.page_title = itself.title
        else:
            discovery.error = f"{shown}: {itself}"
        return
    if kind != "html":
        discovery.error = f"{shown}: neither a feed nor an HTML page ({reason})"
        return

    scan = scan_page(page.body, page.url)
    discovery.page_title = scan.title
    candidates: dict[str, str] = {}
    for link in [*scan.links, *links_in_header(page.headers.get("link", ""), page.url)]:
        candidates.setdefault(link.url, link.title)
    channel = youtube_channel_feed(page.body, page.url)
    if channel is not None:
        candidates.setdefault(channel, scan.title)
    for done in tried:
        candidates.pop(done, None)
    linked = list(candidates.items())[:MAX_CANDIDATES]
    for candidate, result in await _check_all(client, linked, limits):
        if isinstance(result, FoundFeed):
            _keep(discovery, result)
        else:
            discovery.broken.append((candidate, result))
    if discovery.feeds:
        return

    # Nothing announced reads: the usual places. Guesses, so a miss is no broken feed.
    tried.update(candidates)
    guesses = [(guess, "") for guess in common_path_urls(page.url) if guess not in tried]
    for _guess, result in await _check_all(client, guesses, limits):
        if isinstance(result, FoundFeed):
            _keep(discovery, result)
    if discovery.feeds:
        return
    if len(linked) == 1:
        discovery.error = f"{shown}: the page links to a feed that could not be read ({linked[0][0]})"
    elif linked:
        discovery.error = f"{shown}: the page links to {len(linked)} feeds and none could be read"
    else:
        paths = ", ".join(COMMON_PATHS)
        discovery.error = (
            f"{shown}: an HTML page with no feed (looked for <link rel=alternate>, the Link header and {paths})"
        )


def discover_feeds(url: str, config: Config | None = None) -> Discovery:
    """:func:`discover` with a client of its own, within ``config``'s fetch limits (``tls.ca_file`` too).

    For the command line: it runs its own event loop, so it is not for code
    already inside one (that awaits :func:`discover`).
    """
    from reader.service.fetch import FetchSettings

    limits = FetchSettings.from_config(config or Config()).limits

    async def run() -> Discovery:
        async with make_client(limits, max_connections=CONCURRENCY) as client:
            return await discover(url, client, limits)

    try:
        return asyncio.run(run())
    except (OSError, ValueError) as error:  # the client itself could not be made: tls.ca_file unreadable
        return Discovery(url=url, error=f"{_one_line(url)}: cannot make connections: {_one_line(str(error))}")
    except Exception as error:
        return Discovery(url=url, error=f"{_one_line(url)}: {_unexpected(error)}")
