"""The first sources, in the registry: Hacker News, Reddit, Lobsters, and comment feeds.

Their URL plans and parsers stay in ``parse/comments.py`` (the fetch of a
feed's own threads, the "more replies" of Reddit and the count checks use
them directly); here they answer the registry's three questions, so a
thread of theirs named by an article page or found by a lookup is read the
same way. A comment feed has no URL shape of its own: it is registered for
its label and its fetch, and found only by the feed that links it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from reader.models import ThreadRef, ThreadSource, ThreadSourceName
from reader.parse.comments import CommentSources, ParsedThread, ThreadKind, parse_thread_result, plan_thread
from reader.parse.sources import CommentSource, Get, register
from reader.parse.sources.page import read_page


def _plan(url: str, bases: CommentSources) -> tuple[ThreadKind, str, str] | None:
    plan = plan_thread(ThreadSource(0, "", None, url, None, None), bases)
    if plan is None or plan.kind == "feed" or plan.key is None:
        return None
    return plan.kind, plan.key, plan.urls[0]


def _public_url(kind: ThreadSourceName, key: str, url: str) -> str:
    if kind == "hackernews":
        return f"https://news.ycombinator.com/item?id={key}"
    if kind == "lobsters":
        return f"https://lobste.rs/s/{key}"
    return url


def _from_url_of(kind: ThreadSourceName) -> Callable[[str, CommentSources], ThreadRef | None]:
    def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
        planned = _plan(url, bases)
        if planned is None or planned[0] != kind:
            return None
        _kind, key, _api = planned
        public = url if kind == "reddit" else _public_url(kind, key, url)
        return ThreadRef(kind, key, public)

    return from_url


def _from_page_of(kind: ThreadSourceName) -> Callable[[str, str, CommentSources], list[ThreadRef]]:
    from_url = _from_url_of(kind)

    def from_page(html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
        found: dict[str, ThreadRef] = {}
        for link in read_page(html, page_url).links():
            ref = from_url(link, bases)
            if ref is not None:
                found.setdefault(ref.remote_id, ref)
        return list(found.values())

    return from_page


def _fetch_of(kind: ThreadSourceName) -> Callable[[ThreadRef, Get, CommentSources, int], Awaitable[ParsedThread]]:
    async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
        planned = _plan(ref.url, bases)
        if planned is None:
            raise ValueError(f"not a {kind} thread: {ref.url}")
        body = await get(planned[2])
        return parse_thread_result(planned[0], body, ThreadSource(0, "", None, ref.url, None, None), now)

    return fetch


_API: tuple[tuple[ThreadSourceName, str], ...] = (
    ("hackernews", "Hacker News"),
    ("reddit", "Reddit"),
    ("lobsters", "Lobsters"),
)
for _kind, _label in _API:
    register(CommentSource(_kind, _label, _from_url_of(_kind), _from_page_of(_kind), _fetch_of(_kind)))


async def _fetch_feed(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    body = await get(ref.remote_id)
    return parse_thread_result("feed", body, ThreadSource(0, ref.url, ref.url, None, ref.remote_id, None), now)


register(CommentSource("feed", "Blog", lambda url, bases: None, lambda html, url, bases: [], _fetch_feed))
