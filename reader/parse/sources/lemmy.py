"""Lemmy posts as comment threads: a post on a known instance, and reading its comments.

Lemmy is federated and its URLs (``/post/ID``) say nothing a path could tell
apart from any other site's, so a post is claimed only on an instance the
user named: :func:`lemmy_instances` (the environment's
``READER_LEMMY_INSTANCES``, comma-separated origins, until the config names
them). https, or http on loopback for tests. An article page counts a link
to ``/post/ID`` on one of them.

Reading, with Lemmy's v3 API (no login):

* ``GET {origin}/api/v3/post?id=ID`` (``GetPostResponse``): the post's
  ``counts.comments``, the total shown beside the thread. It is asked first
  and a failure fails the thread: it is the request that says the post is
  there (the comment list of a post that does not exist is just empty, which
  would read as a thread without comments).
* ``GET {origin}/api/v3/comment/list?post_id=ID&limit=50&page=N&sort=Old&type_=All``
  (``GetCommentsResponse``), page after page until an empty page, a page with
  nothing new (a server ignoring ``page``), or :data:`MAX_PAGES`. No
  ``max_depth``: Lemmy takes a ``max_depth`` as a tree fetch and then ignores
  ``page`` and ``limit`` (one answer of at most 300 comments, the same for
  every page), so paging works only without it. ``sort=Old`` lists parents
  before their replies. A later page failing keeps what was read, with a note.

The tree comes from each comment's ``path`` ("0.12.45": the root 0, then its
ancestors, then itself). A parent the list leaves out (older servers drop
deleted and removed comments from it) is shown as a "[deleted]" comment in
its place, so a reply still shows whom it answered. ``content`` is Markdown,
rendered with markdown-it-py (CommonMark, raw HTML off: a typed ``<script>``
stays text) and then sanitized like every comment's HTML. Deleted comments
show "[deleted]", removed ones "[removed]".
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register, server_base
from reader.parse.sources.page import read_page
from reader.text import dates
from reader.text.sanitize import clean_line, json_document, safe_url

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

#: Comments asked per page (Lemmy refuses more than 50).
PER_PAGE = 50
#: Pages of comments read at most: with the post's own request, under the service's
#: per-thread budget (``service/threads.py``), so a huge post stops here with a note.
MAX_PAGES = 29
#: Segments of a comment's path read at most (Lemmy's own depth is far less).
MAX_PATH = 2_000

_ID = re.compile(r"[0-9]{1,12}")
_POST_PATH = re.compile(r"^/post/([0-9]{1,12})/?$")
ENVIRONMENT = "READER_LEMMY_INSTANCES"


def named_instance(value: str) -> str | None:
    """``value`` (an origin, or a bare host: https) as ``scheme://host[:port]``, if it may be asked.

    The one reading of an instance the user names (``discussions.lemmy``,
    ``READER_LEMMY_INSTANCES``): the source and the lookup both use it.
    """
    value = value.strip()
    if value and "://" not in value:
        value = "https://" + value
    return server_base(value)


def lemmy_instances(bases: CommentSources) -> tuple[str, ...]:
    """The Lemmy instances the user named, as origins: the config's (``bases.lemmy``) and ``READER_LEMMY_INSTANCES``."""
    found = (named_instance(part) for part in (*bases.lemmy, *os.environ.get(ENVIRONMENT, "").split(",")))
    return tuple(dict.fromkeys(origin for origin in found if origin is not None))


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """The post of ``https://INSTANCE/post/ID`` when INSTANCE is a named Lemmy instance, else None."""
    checked = safe_url(url)
    if checked is None:
        return None
    parts = urlsplit(checked)
    match = _POST_PATH.match(parts.path)
    origin = named_instance(f"{parts.scheme}://{parts.netloc}")
    if match is None or origin is None or origin not in lemmy_instances(bases):
        return None
    post = match.group(1)
    return ThreadRef("lemmy", post, f"{origin}/post/{post}", api=origin)


def from_page(html_text: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """Posts on the named instances that the page links."""
    if not lemmy_instances(bases):
        return []
    found: dict[str, ThreadRef] = {}
    for link in read_page(html_text, page_url).links():
        ref = from_url(link, bases)
        if ref is not None:
            found.setdefault(ref.url, ref)
    return list(found.values())


def _json(body: bytes, what: str) -> Any:
    try:
        return json_document(body)
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected {what} (JSON), found something else") from None


def _int(value: object) -> int | None:
    """A positive JSON integer (``true`` is none), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**12:
        return None
    return value


def _count(value: object) -> int | None:
    """A JSON integer count in 0..10^9, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        return None
    return value


def _post_total(document: Any) -> int | None:
    """``post_view.counts.comments`` of a ``GetPostResponse``; raises for another answer."""
    view = document.get("post_view") if isinstance(document, dict) else None
    if not isinstance(view, dict) or not isinstance(view.get("post"), dict):
        raise ImportFailure("expected a Lemmy post, found other JSON")
    counts = view.get("counts")
    return _count(counts.get("comments")) if isinstance(counts, dict) else None


def _page(document: Any) -> list[dict[str, Any]]:
    """The ``CommentView`` objects of a ``GetCommentsResponse``; raises for another answer."""
    views = document.get("comments") if isinstance(document, dict) else None
    if not isinstance(views, list):
        raise ImportFailure("expected a Lemmy comment list, found other JSON")
    return [view for view in views if isinstance(view, dict) and isinstance(view.get("comment"), dict)]


def _text_html(content: object) -> str:
    """Lemmy's Markdown as HTML: CommonMark with raw HTML off (the HTML is sanitized after, as every comment's).

    markdown-it-py rather than hand-made rules: Lemmy's own renderer is a
    markdown-it, so lists, quotes, code and links come out as Lemmy shows them.
    """
    if not isinstance(content, str) or not content.strip():
        return ""
    rendered: str = _markdown().render(content)
    return rendered


@functools.cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False})


def _path(comment: dict[str, Any], ident: int) -> list[int]:
    """The ids of a comment's ancestors, root first (from ``path``; empty when it makes no sense)."""
    path = comment.get("path")
    if not isinstance(path, str):
        return []
    parts = path.split(".", MAX_PATH)[:MAX_PATH]
    if len(parts) < 2 or parts[0] != "0" or parts[-1] != str(ident):
        return []  # a path that does not end at the comment itself says nothing about it: top level
    ancestors: list[int] = []
    for part in parts[1:-1]:
        value = _int(int(part)) if _ID.fullmatch(part) else None
        if value is None or value == ident:
            return []
        ancestors.append(value)
    return ancestors


def _comment(view: dict[str, Any], ident: int, parent: str | None, now: int) -> CommentData:
    comment = view["comment"]
    creator = view.get("creator")
    person = creator if isinstance(creator, dict) else {}
    display = person.get("display_name")
    author = display if isinstance(display, str) and display.strip() else person.get("name")
    removed = comment.get("removed") is True
    deleted = comment.get("deleted") is True or removed
    published = comment.get("published")
    ap_id = comment.get("ap_id")
    made = make_comment(
        f"lemmy:{ident}",
        author,
        None if deleted else _text_html(comment.get("content")),
        parent,
        dates.from_iso(published if isinstance(published, str) else None, now),
        safe_url(ap_id if isinstance(ap_id, str) else None),
        deleted=deleted,
    )
    # A constant, not the answer's text: shown as the "[deleted]" make_comment writes is.
    return replace(made, text="[removed]") if removed else made


def thread_from_views(views: list[dict[str, Any]], now: int) -> list[CommentData]:
    """The comments of ``CommentView`` objects in display order, threaded by their ``path``."""
    nodes: dict[int, dict[str, Any] | None] = {}  # None: a parent the list left out
    parent_of: dict[int, int | None] = {}
    order: list[int] = []
    for view in views:
        ident = _int(view["comment"].get("id"))
        if ident is None or nodes.get(ident) is not None:
            continue
        ancestors = _path(view["comment"], ident)
        above: int | None = None
        for ancestor in ancestors:
            if ancestor not in nodes:  # left out: stands in its place, under its own parent
                nodes[ancestor] = None
                parent_of[ancestor] = above
                order.append(ancestor)
            above = ancestor
        if ident in nodes:  # a stand-in until now, the comment itself at last
            nodes[ident] = view
            continue
        nodes[ident] = view
        parent_of[ident] = above
        order.append(ident)
    children: dict[int | None, list[int]] = {}
    for ident in order:
        children.setdefault(parent_of[ident], []).append(ident)
    comments: list[CommentData] = []
    stack: list[tuple[int, str | None]] = [(ident, None) for ident in reversed(children.get(None, []))]
    while stack:
        ident, parent_guid = stack.pop()
        found = nodes[ident]
        if found is None:
            comment = make_comment(f"lemmy:{ident}", None, None, parent_guid, None, deleted=True)
        else:
            comment = _comment(found, ident, parent_guid, now)
        comments.append(comment)
        stack.extend((child, comment.guid) for child in reversed(children.get(ident, [])))
    return comments


@dataclass
class _Read:
    views: list[dict[str, Any]]
    #: Why reading stopped before the end, in words (None: it read to the end).
    stopped: str | None = None


async def _comments(origin: str, post: str, get: Get, total: int | None) -> _Read:
    """Every page of the post's comments, within :data:`MAX_PAGES`."""
    views: list[dict[str, Any]] = []
    seen: set[int] = set()
    for page in range(1, MAX_PAGES + 1):
        url = f"{origin}/api/v3/comment/list?post_id={post}&limit={PER_PAGE}&page={page}&sort=Old&type_=All"
        try:
            answered = _page(_json(await get(url), "a Lemmy comment list"))
        except Exception as failure:
            if page == 1:
                raise  # nothing read: the thread fails, in one line
            return _Read(views, f"a later page failed ({clean_line(str(failure))[:160]})")
        new: list[dict[str, Any]] = []
        for view in answered:
            ident = _int(view["comment"].get("id"))
            if ident is not None and ident not in seen:
                seen.add(ident)
                new.append(view)
        if not new:
            return _Read(views)
        views.extend(new)
    if total is not None and len(views) >= total:
        return _Read(views)
    return _Read(views, f"at most {MAX_PAGES} pages of {PER_PAGE} are read")


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Read a post's comments: its total first, then every page of its comments, threaded by path."""
    origin = named_instance(ref.api) if ref.api else None
    if origin is None and not ref.api:
        claimed = from_url(ref.url, bases)
        origin = claimed.api if claimed is not None else None
    if origin is None or not _ID.fullmatch(ref.remote_id):
        raise ImportFailure(f"not a Lemmy post: {clean_line(ref.url)[:200]}")
    post = ref.remote_id
    total = _post_total(_json(await get(f"{origin}/api/v3/post?id={post}"), "a Lemmy post"))
    read = await _comments(origin, post, get, total)
    note = None
    if read.stopped is not None:
        of = f" of {total:,}" if total is not None else ""
        note = f"Lemmy: {len(read.views):,}{of} comments read: {read.stopped}"
    return ParsedThread(thread_from_views(read.views, now), source_total=total, reported=total, note=note)


register(CommentSource("lemmy", "Lemmy", from_url, from_page, fetch))
