"""Isso, the self-hosted comment server: found in an article page by its embed script, read from its JSON API.

A page that uses Isso loads ``…/js/embed.min.js`` (its ``data-isso``
attribute, when present, is the server's base URL; otherwise the base is the
script's address less ``/js/embed…``) and marks where the thread goes with
an element ``id="isso-thread"``, whose ``data-isso-id`` names the thread
(otherwise the thread is the page's path, as Isso's own script does it).
The server may live under a path (``https://blog.example/isso``), so the
base is kept whole.

The thread is one request: ``GET {base}/?uri=THREAD``. Asked without
``limit`` and ``nested_limit`` Isso sends every comment it shows, nested
under ``replies`` (Isso itself stores at most two levels: a reply to a reply
is filed under the top-level comment; the walk below takes any depth all
the same). ``mode`` 4 is a comment deleted while it had replies: Isso keeps
it, emptied, so its replies keep their place; it is shown as "[deleted]".
Isso stores the author's name HTML-escaped (``&amp;``), so it is unescaped
once before it is cleaned. An unknown thread is an empty answer (older
versions: a 404, which the caller reads as gone). ``hidden_replies`` counts
what a level of the answer leaves out (only a ``limit`` makes Isso leave
anything out, and none is asked for; a server that does all the same is
named in the thread's note, so a short thread is not taken for a whole one).
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register
from reader.parse.sources.page import Page, read_page
from reader.text import dates
from reader.text.sanitize import json_document, safe_url

#: A thread's uri as it goes into the request: a path or an id of URL characters (no space, ``?`` or ``#``).
_THREAD_URI = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%]{1,1000}")
#: What a page path keeps as it is when it becomes a thread uri (the rest is percent-encoded, as a browser does).
_PATH_SAFE = "/%!$&'()*+,;=:@"
#: Isso's embed script, whose address less this suffix is the server's base.
_EMBED_SCRIPT = re.compile(r"/js/embed(?:\.min|\.dev)?\.js$")
#: The largest comment number believed: Isso numbers comments by their SQLite row id.
_MAX_ID = 2**63 - 1
#: Comments read from one answer at most: the walk stops there (a thread of thousands stays bounded).
MAX_COMMENTS = 10_000


def _base(value: str | None, page: Page) -> str | None:
    """An Isso base URL from the page: absolute http(s), without query, fragment or trailing slash."""
    absolute = page.absolute(value)
    if absolute is None:
        return None
    parts = urlsplit(absolute)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _server(page: Page) -> str | None:
    """The Isso server the page's embed script talks to, or None when the page has no Isso."""
    for tag in page.tags:
        if tag.name != "script":
            continue
        declared = tag.get("data-isso")
        if declared is not None and declared.strip():
            return _base(declared, page)
        source = page.absolute(tag.get("src"))
        if source is None:
            continue
        parts = urlsplit(source)
        if _EMBED_SCRIPT.search(parts.path):
            return _base(urlunsplit((parts.scheme, parts.netloc, _EMBED_SCRIPT.sub("", parts.path), "", "")), page)
    return None


def _thread_uri(page: Page) -> str | None:
    """The thread the page's ``#isso-thread`` element names (its ``data-isso-id``, else the page's path)."""
    for tag in page.tags:
        if tag.get("id") != "isso-thread":
            continue
        named = tag.get("data-isso-id")
        if named is not None and named.strip():
            uri = named.strip()
        else:
            uri = quote(urlsplit(page.url).path or "/", safe=_PATH_SAFE)
        return uri if _THREAD_URI.fullmatch(uri) else None
    return None


def from_page(html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """The page's Isso thread: where its server is and which thread it shows (none without both)."""
    page = read_page(html, page_url)
    server = _server(page)
    uri = _thread_uri(page) if server is not None else None
    if server is None or uri is None:
        return []
    public = safe_url(page_url)
    if public is None:
        return []
    return [ThreadRef("isso", uri, urlunsplit(urlsplit(public)._replace(fragment="")), api=server)]


def thread_url(ref: ThreadRef) -> str:
    """The request for the whole thread ``ref`` (its uri checked, its server an http(s) base)."""
    api = safe_url(ref.api)
    if api is None or not _THREAD_URI.fullmatch(ref.remote_id):
        raise ImportFailure(f"not an Isso thread: {ref.remote_id[:80]!r} at {ref.api[:80]!r}")
    parts = urlsplit(api)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return f"{base}/?uri={quote(ref.remote_id, safe='/')}"


def feed_url(ref: ThreadRef) -> str:
    """The thread's Atom feed (RFC 4685 threading), when the server has it switched on (``[rss] base``)."""
    return thread_url(ref).replace("/?uri=", "/feed?uri=", 1)


def _ident(value: object) -> int | None:
    """A comment's number: a JSON integer in range (``true`` is none)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_ID:
        return None
    return value


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**9 else 0


def _replies(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_thread(data: bytes, ref: ThreadRef, now: int) -> ParsedThread:
    """Isso's answer for one thread: its comments in display order (parents before replies)."""
    try:
        document = json_document(data)
    except (ValueError, RecursionError):
        raise ImportFailure("expected an Isso thread (JSON), found something else") from None
    if not isinstance(document, dict) or not isinstance(document.get("replies"), list):
        raise ImportFailure("expected an Isso thread, found other JSON")
    page = urlunsplit(urlsplit(ref.url)._replace(fragment="")) if safe_url(ref.url) else None
    held_back = _count(document.get("hidden_replies"))
    comments: list[CommentData] = []
    seen: set[int] = set()
    stack: list[tuple[dict[str, Any], str | None]] = [(item, None) for item in reversed(_replies(document["replies"]))]
    while stack and len(comments) < MAX_COMMENTS:
        item, parent = stack.pop()
        ident = _ident(item.get("id"))
        if ident is None or ident in seen:
            continue  # nothing could answer a comment without its number; a repeat is the same comment
        seen.add(ident)
        held_back += _count(item.get("hidden_replies"))
        guid = f"isso:{ident}"
        author = item.get("author")
        created = item.get("created")
        comments.append(
            make_comment(
                guid,
                html_lib.unescape(author) if isinstance(author, str) else None,
                item.get("text"),
                parent,
                dates.plausible(created if isinstance(created, (int, float)) else None, now),
                f"{page}#isso-{ident}" if page else None,
                deleted=item.get("mode") == 4,
            )
        )
        stack.extend((child, guid) for child in reversed(_replies(item.get("replies"))))
    note = None
    if stack:
        note = f"Isso: only the first {MAX_COMMENTS:,} comments were read"
    elif held_back:
        note = f"Isso left out {held_back:,} {'comment' if held_back == 1 else 'comments'}"
    return ParsedThread(comments, note=note)


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Read the Isso thread ``ref`` in one request."""
    return parse_thread(await get(thread_url(ref)), ref, now)


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """Isso threads have no URL of their own: they are found only in the pages that embed them."""
    return None


SOURCE = register(CommentSource("isso", "Blog", from_url, from_page, fetch))
