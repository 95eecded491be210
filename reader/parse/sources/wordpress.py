"""WordPress comments: found in an article page by its REST API link, read from ``wp/v2/comments``.

Every WordPress page names its REST root in ``<link rel="https://api.w.org/">``
(``https://blog.example/wp-json/``, or ``https://blog.example/?rest_route=/``
on a site without pretty permalinks). A single post's page names the post
too: its shortlink (``?p=123``, ``?page_id=45`` for a page) or its own REST
document (``<link rel="alternate" type="application/json"
href="…/wp/v2/posts/123">``). A page with the root and no post (the blog's
front page, an archive) has no thread. (The ``postid-123`` class of
``<body>`` says it too, but the page reader keeps no ``body`` tag.)

The comments are read 100 a page, oldest first:
``{root}wp/v2/comments?post=ID&per_page=100&page=N&orderby=date&order=asc``
(or ``?rest_route=/wp/v2/comments&…``). The total page count is a header
(``X-WP-TotalPages``) the bounded ``get`` does not hand over, so the pages
are read until one is short or empty; past the last page WordPress 6.1's
comments endpoint answers an empty list (others, and its posts endpoint, a
400 ``rest_post_invalid_page_number``, which after the first page also means
the end). Comments name their parent by id (0: top level), so the tree
is put together once every page is in: each comment under its parent,
parents before replies, a comment whose parent is not among them (held for
moderation, trashed) at the top level, cycles broken. Only public fields are
used: ``author_name``, ``content.rendered``, ``date_gmt``, ``link``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register
from reader.parse.sources.page import Page, read_page
from reader.text import dates
from reader.text.sanitize import json_document, safe_url

#: A post's id: what may go into a request.
_POST_ID = re.compile(r"[1-9][0-9]{0,19}")
#: A post's or page's own REST document (pretty or ``rest_route`` form).
_REST_DOCUMENT = re.compile(r"/wp/v2/(?:posts|pages)/([1-9][0-9]{0,19})/?$")
#: The relation that names the REST root (one token of ``rel``).
_API_REL = "https://api.w.org/"
PER_PAGE = 100
#: Pages read at most (3,000 comments): below the caller's request budget, so a huge thread is cut, not failed.
MAX_PAGES = 30


def _rels(value: str | None) -> set[str]:
    return set((value or "").lower().split())


def _root(page: Page) -> str | None:
    """The REST root the page names, or None."""
    for tag in page.tags:
        if tag.name == "link" and _API_REL in _rels(tag.get("rel")):
            root = page.absolute(tag.get("href"))
            if root is not None:
                return root
    return None


def _post_id(page: Page) -> str | None:
    """The post the page shows: from its shortlink, else from its REST document link."""
    for tag in page.tags:
        if tag.name != "link":
            continue
        rels = _rels(tag.get("rel"))
        href = page.absolute(tag.get("href"))
        if href is None:
            continue
        parts = urlsplit(href)
        if "shortlink" in rels:
            query = parse_qs(parts.query)
            for key in ("p", "page_id"):
                value = query.get(key, [""])[0]
                if _POST_ID.fullmatch(value):
                    return value
        if "alternate" in rels and (tag.get("type") or "").lower().startswith("application/json"):
            route = parse_qs(parts.query).get("rest_route", [""])[0] or parts.path
            match = _REST_DOCUMENT.search(route)
            if match:
                return match.group(1)
    return None


def from_page(html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """The post's comment thread, when the page is a WordPress post (its REST root and its id)."""
    page = read_page(html, page_url)
    root = _root(page)
    post = _post_id(page) if root is not None else None
    public = safe_url(page_url)
    if root is None or post is None or public is None:
        return []
    return [ThreadRef("wordpress", post, urlunsplit(urlsplit(public)._replace(fragment="")), api=root)]


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """A WordPress post's URL says nothing of WordPress: its threads are found in its page."""
    return None


def comments_url(ref: ThreadRef, page: int) -> str:
    """The request for page ``page`` of the post's comments (the post id checked, the root an http(s) URL)."""
    root = safe_url(ref.api)
    if root is None or not _POST_ID.fullmatch(ref.remote_id):
        raise ImportFailure(f"not a WordPress thread: post {ref.remote_id[:40]!r} at {ref.api[:80]!r}")
    query = f"post={ref.remote_id}&per_page={PER_PAGE}&page={page}&orderby=date&order=asc"
    parts = urlsplit(root)
    if "rest_route" in parse_qs(parts.query, keep_blank_values=True):
        # A site without pretty permalinks: the route is a query parameter of its front page.
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", f"rest_route=/wp/v2/comments&{query}", ""))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + "/", "", ""))
    return f"{base}wp/v2/comments?{query}"


def _page_items(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """The comments of one page of answers (a JSON list of objects), and how long the list was."""
    try:
        document = json_document(data)
    except (ValueError, RecursionError):
        raise ImportFailure("expected WordPress comments (JSON), found something else") from None
    if not isinstance(document, list):
        raise ImportFailure("expected a list of WordPress comments, found other JSON")
    return [item for item in document if isinstance(item, dict)], len(document)


def _number(value: object) -> int | None:
    """A non-negative JSON integer (``true`` is none)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return None
    return value


def _is_past_last_page(error: Exception) -> bool:
    """The caller's "HTTP 400" failure: what WordPress answers for a page past the last one."""
    return getattr(error, "status", None) == 400 or str(error).startswith("HTTP 400")


def build_thread(items: list[dict[str, Any]], now: int) -> list[CommentData]:
    """The comments of every page, as a tree in display order: parents first, siblings oldest first."""
    order: list[int] = []
    by_id: dict[int, dict[str, Any]] = {}
    for item in items:
        ident = _number(item.get("id"))
        if ident is None or ident == 0 or ident in by_id:
            continue  # a comment moved to the next page while it was read comes twice
        by_id[ident] = item
        order.append(ident)
    children: dict[int, list[int]] = {}
    roots: list[int] = []
    for ident in order:
        parent = _number(by_id[ident].get("parent")) or 0
        if parent in by_id and parent != ident:
            children.setdefault(parent, []).append(ident)
        else:
            roots.append(ident)
    comments: list[CommentData] = []
    placed: set[int] = set()
    # Roots first, then anything a cycle kept out of reach, which then stands at the top.
    for start in [*roots, *order]:
        if start in placed:
            continue
        stack: list[tuple[int, str | None]] = [(start, None)]
        while stack:
            ident, parent_guid = stack.pop()
            if ident in placed:
                continue
            placed.add(ident)
            comments.append(_comment(by_id[ident], ident, parent_guid, now))
            stack.extend((child, f"wordpress:{ident}") for child in reversed(children.get(ident, [])))
    return comments


def _comment(item: dict[str, Any], ident: int, parent: str | None, now: int) -> CommentData:
    content = item.get("content")
    rendered = content.get("rendered") if isinstance(content, dict) else None
    when = item.get("date_gmt")
    link = item.get("link")
    return make_comment(
        f"wordpress:{ident}",
        item.get("author_name"),
        rendered,
        parent,
        dates.from_iso(when, now) if isinstance(when, str) else None,
        safe_url(link) if isinstance(link, str) else None,
    )


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Read every page of the post's comments (at most :data:`MAX_PAGES`) and build the tree."""
    items: list[dict[str, Any]] = []
    note = None
    for page in range(1, MAX_PAGES + 1):
        try:
            body = await get(comments_url(ref, page))
        except Exception as error:
            if page > 1 and _is_past_last_page(error):
                break
            raise
        batch, length = _page_items(body)
        items.extend(batch)
        if length < PER_PAGE:
            break
    else:
        note = f"WordPress: only the first {MAX_PAGES * PER_PAGE:,} comments were read"
    return ParsedThread(build_thread(items, now), note=note)


SOURCE = register(CommentSource("wordpress", "Blog", from_url, from_page, fetch))
