"""Reading one discussion from its source, bounded: the glue between the comment-source registry and HTTP.

:func:`fetch_thread` hands a source (``reader/parse/sources``) a ``get`` that
asks through the caller's request (a fetch run's, with its per-host limit, or
:func:`plain_request`), within the client's deadline and byte caps, and that
fails with one line for anything but a 200 with a body.
A source therefore never opens a connection itself and cannot outlast the
bounds of the run. ``ThreadGone`` tells a 404/410 (the discussion is gone:
asking again will not help) from a failure that may pass (429, 5xx, the
network), so the caller knows whether to try again later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reader.models import ThreadRef
from reader.net.http import Client, FetchError, Limits, Response, get
from reader.parse.comments import CommentSources, ParsedThread
from reader.parse.sources import Get, load_sources
from reader.text import dates
from reader.text.sanitize import clean_line

#: How many requests one thread may make (a Discourse topic of thousands of posts, WordPress pages).
MAX_REQUESTS_PER_THREAD = 40
ACCEPT = "application/json, */*;q=0.5"


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
