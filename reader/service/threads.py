"""Reading one discussion from its source, bounded: the glue between the comment-source registry and HTTP.

:func:`fetch_thread` hands a source (``reader/parse/sources``) a ``get`` that
asks through the caller's request (a fetch run's, with its per-host limit, or
:func:`plain_request`), within the client's deadline and byte caps, and that
fails with one line for anything but a 200 with a body.

:func:`look_up` asks Hacker News, Lobsters, Lemmy and Reddit whether anyone
submitted an article (``parse/discussions.py`` builds the requests and reads
the answers); each site is its own unit of failure. Those modules (and the
HTML reader) are imported when a lookup runs: ``reader fetch`` imports this
module, and most fetches look nothing up (11 ms of start-up, ``-X importtime``).
A source therefore never opens a connection itself and cannot outlast the
bounds of the run. ``ThreadGone`` tells a 404/410 (the discussion is gone:
asking again will not help) from a failure that may pass (429, 5xx, the
network), so the caller knows whether to try again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from reader.defaults import DiscussionSite
from reader.models import ThreadRef, source_label
from reader.net.http import Client, FetchError, Limits, Response, get
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import Get, load_sources
from reader.text import dates
from reader.text.sanitize import clean_line

#: How many requests one thread may make (a Discourse topic of thousands of posts, WordPress pages).
MAX_REQUESTS_PER_THREAD = 40
ACCEPT = "application/json, */*;q=0.5"
#: Of an article's page, only this much is read for its canonical link (it is in the head).
MAX_PAGE_BYTES = 512 * 1024


class ThreadFailed(Exception):
    """A thread could not be read; ``str()`` is one line for the user, ``status`` the HTTP status (None: none)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ThreadGone(ThreadFailed):
    """The source says the thread is not there (404, 410): asking again will not help."""


#: One request as the caller makes it (the fetch's own, with its per-host limit; or a plain bounded GET).
Request = Callable[[str], Awaitable[Response]]


def plain_request(client: Client, limits: Limits) -> Request:
    """A :data:`Request` that is one bounded GET through ``client`` (for commands outside a fetch run)."""

    async def request(url: str) -> Response:
        return await get(client, url, headers={"Accept": ACCEPT}, limits=limits)

    return request


def getter(request: Request, budget: int = MAX_REQUESTS_PER_THREAD) -> Get:
    """A ``get`` for a source: the body of a 200 answer, else :class:`ThreadFailed` in one line.

    At most ``budget`` requests: a source that would ask for more is stopped
    there (its thread is then read from what it has, or fails).
    """
    asked = 0

    async def fetch(url: str) -> bytes:
        nonlocal asked
        asked += 1
        if asked > budget:
            raise ThreadFailed(f"the thread needs more than {budget} requests")
        try:
            response = await request(url)
        except FetchError as error:
            raise ThreadFailed(str(error)) from None
        if response.status in (404, 410):
            raise ThreadGone(f"HTTP {response.status}: not there", response.status)
        if response.status == 429:
            wait = response.retry_after
            raise ThreadFailed(
                "HTTP 429: too many requests" + (f", retry after {wait:.0f} s" if wait else ""), response.status
            )
        if response.status != 200:
            raise ThreadFailed(f"HTTP {response.status}", response.status)
        if not response.body:
            raise ThreadFailed("an empty answer")
        return response.body

    return fetch


async def fetch_thread(
    ref: ThreadRef, client: Client, limits: Limits, bases: CommentSources, now: int | None = None
) -> ParsedThread:
    """Read the discussion ``ref`` with plain bounded GETs through ``client`` (see :func:`fetch_thread_by`)."""
    return await fetch_thread_by(ref, plain_request(client, limits), bases, now)


async def fetch_thread_by(
    ref: ThreadRef, request: Request, bases: CommentSources, now: int | None = None
) -> ParsedThread:
    """Read the discussion ``ref`` from its source, each request made by ``request``.

    Raises :class:`ThreadFailed` (or :class:`~reader.parse.base.ImportFailure`
    for an answer that is not what the source sends), whose text is one line.
    """
    sources = load_sources()
    source = sources.get(ref.source)
    if source is None:
        raise ThreadFailed(f"no comment source {clean_line(ref.source)!r}")
    return await source.fetch(ref, getter(request), bases, now if now is not None else dates.now())


# -- discussions elsewhere ---------------------------------------------------------


@dataclass(frozen=True)
class LookupSettings:
    """Which sites a lookup asks (``discussions.sites``), and the Lemmy server to search (``discussions.lemmy``)."""

    sites: tuple[DiscussionSite, ...] = ("hackernews", "lobsters")
    lemmy: str = ""


@dataclass
class LookupResult:
    """What asking the sites about one article gave: the discussions, and one line per site that failed."""

    found: list[ThreadRef] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Sites that answered 429 (too many requests): not asked again in this run.
    refused: set[DiscussionSite] = field(default_factory=set)
    #: Of those, how long each asked to be left alone (seconds; its Retry-After, else :data:`REFUSED_WAIT`).
    waits: dict[DiscussionSite, float] = field(default_factory=dict)
    #: How many sites answered (none: nothing is known, so the lookup is not kept as made).
    answered: int = 0


#: How long a site that answered 429 without a Retry-After is left alone (seconds), and the longest any is.
REFUSED_WAIT = 15 * 60.0
MAX_WAIT = 24 * 3600.0


async def canonical_url(url: str, request: Request) -> str | None:
    """The page's ``<link rel="canonical">``, or None (no page, no such link, any failure: the link is enough)."""
    from reader.parse.htmlpage import decode_html
    from reader.parse.sources.page import read_page

    try:
        response = await request(url)
    except FetchError:
        return None
    if response.status != 200 or not response.body:
        return None
    page = read_page(decode_html(response.body[:MAX_PAGE_BYTES]), response.url)
    for tag in page.tags:
        if tag.name == "link" and "canonical" in (tag.get("rel") or "").lower().split():
            return page.absolute(tag.get("href"))
    return None


async def look_up(
    url: str,
    request: Request,
    settings: LookupSettings,
    bases: CommentSources,
    *,
    skip: set[DiscussionSite] | None = None,
) -> LookupResult:
    """Ask each site of ``settings`` whether anyone submitted the article at ``url``; never raises for a site.

    The URLs asked about are the page's canonical one, the link as given and
    its normal form (:func:`~reader.parse.discussions.lookup_urls`).
    Algolia's search is fuzzy, so Hacker News is asked once and its hits
    filtered; Lobsters, Lemmy and Reddit match exactly and are asked for each
    spelling. A site that fails costs one line; one that answers 429 is
    named in ``refused`` so that a run asks it no more. ``skip``: sites not
    to ask (refused earlier in the run).
    """
    from reader.parse.discussions import lookup_urls

    result = LookupResult()
    canonical = await canonical_url(url, request)
    urls = lookup_urls(url, canonical)
    if not urls:
        result.errors.append("the article has no http(s) link to look up")
        return result
    seen: set[tuple[str, str, str]] = set()
    for site in settings.sites:
        if skip and site in skip:
            continue
        if site == "lemmy" and _lemmy_instance(settings) is None:
            continue
        try:
            for address, parse in _site_requests(site, urls, settings, bases):
                response = await request(address)
                if response.status == 429:
                    wait = response.retry_after
                    result.refused.add(site)
                    result.waits[site] = min(max(wait or REFUSED_WAIT, 1.0), MAX_WAIT)
                    raise ThreadFailed("too many requests" + (f" (retry after {wait:.0f} s)" if wait else ""))
                if response.status != 200:
                    raise ThreadFailed(f"HTTP {response.status}")
                for ref in parse(response.body):
                    if (ref.source, ref.remote_id, ref.api) not in seen:
                        seen.add((ref.source, ref.remote_id, ref.api))
                        result.found.append(ref)
            result.answered += 1
        except (FetchError, ThreadFailed, ImportFailure, ValueError) as failure:
            result.errors.append(f"{source_label(site)}: {clean_line(str(failure))}")
    return result


def _lemmy_instance(settings: LookupSettings) -> str | None:
    """The Lemmy instance to search, read as the Lemmy source reads it (found by review: a bare host such
    as ``lemmy.world`` was an instance to the source but skipped by the lookup), or None."""
    from reader.parse.sources.lemmy import named_instance

    return named_instance(settings.lemmy) if settings.lemmy else None


def _site_requests(
    site: DiscussionSite, urls: list[str], settings: LookupSettings, bases: CommentSources
) -> list[tuple[str, Callable[[bytes], list[ThreadRef]]]]:
    """The requests that ask ``site`` about the article, each with the parser of its answer."""
    from reader.parse.discussions import (
        hn_search_url,
        lemmy_search_url,
        lobsters_lookup_url,
        parse_hn_search,
        parse_lemmy_search,
        parse_lobsters_lookup,
        parse_reddit_info,
        reddit_info_url,
    )

    if site == "hackernews":
        return [(hn_search_url(bases, urls[0]), lambda body: parse_hn_search(body, urls))]
    if site == "lobsters":
        return [(lobsters_lookup_url(bases, each), parse_lobsters_lookup) for each in urls]
    if site == "reddit":
        return [(reddit_info_url(bases, each), parse_reddit_info) for each in urls]
    origin = _lemmy_instance(settings) or ""

    def lemmy(body: bytes) -> list[ThreadRef]:
        return parse_lemmy_search(body, origin, urls)

    return [(lemmy_search_url(origin, each), lemmy) for each in urls]
