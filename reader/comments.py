"""Where an article's comment thread lives, and reading each source's format.

Sources, by the article's links:

* a comment feed (``wfw:commentRss``); a WordPress feed's Atom twin
  (``.../feed/atom/``) carries RFC 4685 threading, so it is tried first;
* Hacker News (``news.ycombinator.com/item?id=N``): the Algolia items API
  (``/api/v1/items/N``: nested ``children``); the HNPWA shape (nested
  ``comments`` with ``level``) is read too;
* Reddit (``/r/<sub>/comments/<id>/...``): ``<permalink>.json``; "more"
  stubs become a visible "N more replies" row;
* Lobsters (``lobste.rs/s/<id>``): ``/s/<id>.json``, flat and in order.

Base URLs are settings (environment ``READER_HN_API``, ``READER_REDDIT_URL``,
``READER_LOBSTERS_URL``) so tests point them at a loopback server. Every
parser walks its tree with an explicit stack: threads are hundreds deep.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reader import dates
from reader.importers.base import ImportFailure, short_hash
from reader.models import CommentData
from reader.render import html_to_markdown, sanitize_html
from reader.sanitize import clean_line, safe_url
from reader.store import ThreadSource

_REDDIT_PATH = re.compile(r"^(/r/[^/]+/comments/[A-Za-z0-9]+)(?:/|$)")
_LOBSTERS_PATH = re.compile(r"^/s/([A-Za-z0-9]+)(?:/|$)")
_REDDIT_HOSTS = {"reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com"}


@dataclass(frozen=True)
class CommentSources:
    """Base URLs of the comment APIs."""

    hn_api: str = "https://hn.algolia.com/api/v1"
    reddit: str = "https://www.reddit.com"
    lobsters: str = "https://lobste.rs"

    @classmethod
    def from_environment(cls) -> CommentSources:
        """The defaults, each overridable by an environment variable."""
        default = cls()
        return cls(
            hn_api=os.environ.get("READER_HN_API", default.hn_api).rstrip("/"),
            reddit=os.environ.get("READER_REDDIT_URL", default.reddit).rstrip("/"),
            lobsters=os.environ.get("READER_LOBSTERS_URL", default.lobsters).rstrip("/"),
        )


@dataclass(frozen=True)
class ThreadPlan:
    """How to fetch one article's thread: the kind of source and the URLs to try, in order."""

    kind: str
    urls: tuple[str, ...]


def plan_thread(source: ThreadSource, bases: CommentSources) -> ThreadPlan | None:
    """Where this article's comments can be fetched from, or None (the link is simply kept)."""
    for link in (source.comments_url, source.url):
        checked = safe_url(link)
        if checked is None:
            continue
        parts = urlsplit(checked)
        host = parts.hostname or ""
        if host == "news.ycombinator.com" and parts.path == "/item":
            item = parse_qs(parts.query).get("id", [""])[0]
            if item.isdigit():
                return ThreadPlan("hackernews", (f"{bases.hn_api}/items/{item}",))
        if host in _REDDIT_HOSTS:
            match = _REDDIT_PATH.match(parts.path)
            if match:
                return ThreadPlan("reddit", (f"{bases.reddit}{match.group(1)}.json",))
        if host == "lobste.rs":
            match = _LOBSTERS_PATH.match(parts.path)
            if match:
                return ThreadPlan("lobsters", (f"{bases.lobsters}/s/{match.group(1)}.json",))
    feed = safe_url(source.comment_feed_url)
    if feed is not None:
        path = urlsplit(feed).path
        if path.rstrip("/").endswith("/feed"):
            # WordPress: the Atom twin has reply threading, the RSS one does not.
            return ThreadPlan("feed", (feed.rstrip("/") + "/atom/", feed))
        return ThreadPlan("feed", (feed,))
    return None


def parse_thread(kind: str, data: bytes, source: ThreadSource, now: int | None = None) -> list[CommentData]:
    """Read a fetched thread into comments in display order (parents before replies)."""
    now = now if now is not None else dates.now()
    if kind == "feed":
        return _from_comment_feed(data, source, now)
    try:
        document = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected {kind} JSON, found something else") from None
    if kind == "hackernews":
        return list(_from_hacker_news(document, now))
    if kind == "reddit":
        return list(_from_reddit(document, now))
    if kind == "lobsters":
        return list(_from_lobsters(document, now))
    raise ValueError(f"unknown comment source {kind!r}")


def _comment(
    guid: str,
    author: object,
    html: object,
    parent: str | None,
    when: int | None,
    url: str | None = None,
    *,
    deleted: bool = False,
) -> CommentData:
    body = sanitize_html(html if isinstance(html, str) else "")
    text = html_to_markdown(body)
    name = clean_line(author if isinstance(author, str) else "")
    if deleted and not text:
        text = "[deleted]"
    return CommentData(
        guid=guid,
        author=name or ("[deleted]" if deleted else "anonymous"),
        text=text,
        parent_guid=parent,
        published=when,
        html=body or None,
        url=url,
        deleted=deleted,
    )


# -- Hacker News -----------------------------------------------------------------


def _from_hacker_news(document: Any, now: int) -> Iterator[CommentData]:
    """Algolia items (``children``/``author``/``text``) or HNPWA (``comments``/``user``/``content``)."""
    if not isinstance(document, dict):
        raise ImportFailure("expected a Hacker News item, found other JSON")
    key = "children" if "children" in document else "comments"
    stack: list[tuple[dict[str, Any], str | None]] = [
        (child, None) for child in reversed(document.get(key) or []) if isinstance(child, dict)
    ]
    while stack:
        item, parent = stack.pop()
        guid = f"hn:{item.get('id')}"
        when_raw = item.get("created_at_i", item.get("time"))
        when = dates.plausible(when_raw if isinstance(when_raw, (int, float)) else None, now)
        author = item.get("author", item.get("user"))
        html = item.get("text", item.get("content"))
        deleted = bool(item.get("deleted")) or (author is None and not html)
        yield _comment(
            guid,
            author,
            html,
            parent,
            when,
            f"https://news.ycombinator.com/item?id={item.get('id')}",
            deleted=deleted,
        )
        children = item.get(key) or []
        stack.extend((child, guid) for child in reversed(children) if isinstance(child, dict))


# -- Reddit ------------------------------------------------------------------------


def _from_reddit(document: Any, now: int) -> Iterator[CommentData]:
    """The comment listing of a permalink ``.json`` (the second of its two listings)."""
    listing = document[1] if isinstance(document, list) and len(document) > 1 else document
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        raise ImportFailure("expected a Reddit comment listing, found other JSON")
    stack: list[tuple[dict[str, Any], str | None]] = [
        (child, None) for child in reversed(_children(listing)) if isinstance(child, dict)
    ]
    while stack:
        thing, parent = stack.pop()
        data = thing.get("data") or {}
        kind = thing.get("kind")
        if kind == "more":
            count = int(data.get("count") or 0)
            label = f"{count} more {'reply' if count == 1 else 'replies'}" if count else "continue this thread"
            stub_id = data.get("id")
            if not stub_id or stub_id == "_" or not count:
                # "continue this thread" stubs all have id "_": tell them apart by parent.
                stub_id = f"{parent}:{stub_id or short_hash(str(parent), label)}"
            yield CommentData(
                guid=f"reddit-more:{stub_id}",
                author="",
                text=f"\u2026 {label} (not fetched)",
                parent_guid=parent,
                deleted=True,
            )
            continue
        if kind != "t1":
            continue
        guid = f"reddit:{data.get('name') or data.get('id')}"
        html = data.get("body_html")
        if isinstance(html, str):
            # Reddit escapes the HTML it sends (and without raw_json=1, twice).
            import html as html_lib

            html = html_lib.unescape(html)
            if "&lt;" in html[:20]:
                html = html_lib.unescape(html)
        else:
            body = data.get("body")
            html = f"<p>{body}</p>" if isinstance(body, str) else ""
        created = data.get("created_utc")
        author = data.get("author")
        deleted = author == "[deleted]" or data.get("body") in ("[deleted]", "[removed]")
        permalink = data.get("permalink")
        url = f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None
        yield _comment(
            guid,
            author,
            html,
            parent,
            dates.plausible(created if isinstance(created, (int, float)) else None, now),
            url,
            deleted=deleted,
        )
        replies = data.get("replies")
        if isinstance(replies, dict):
            stack.extend((child, guid) for child in reversed(_children(replies)) if isinstance(child, dict))


def _children(listing: dict[str, Any]) -> list[Any]:
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    return children if isinstance(children, list) else []


# -- Lobsters ----------------------------------------------------------------------


def _from_lobsters(document: Any, now: int) -> Iterator[CommentData]:
    """A story's flat ``comments``, already in display order with ``parent_comment``."""
    if not isinstance(document, dict) or not isinstance(document.get("comments"), list):
        raise ImportFailure("expected a Lobsters story with comments, found other JSON")
    for item in document["comments"]:
        if not isinstance(item, dict):
            continue
        user = item.get("commenting_user")
        if isinstance(user, dict):
            user = user.get("username")
        parent = item.get("parent_comment")
        deleted = str(item.get("is_deleted")).lower() == "true" or str(item.get("is_moderated")).lower() == "true"
        yield _comment(
            f"lobsters:{item.get('short_id')}",
            user,
            item.get("comment"),
            f"lobsters:{parent}" if isinstance(parent, str) and parent and parent != "None" else None,
            dates.from_iso(item.get("created_at") if isinstance(item.get("created_at"), str) else None, now),
            safe_url(item.get("short_id_url") if isinstance(item.get("short_id_url"), str) else None),
            deleted=deleted,
        )


# -- comment feeds -------------------------------------------------------------------


def _from_comment_feed(data: bytes, source: ThreadSource, now: int) -> list[CommentData]:
    """Entries of a comment feed; RFC 4685 replies keep their parent, the rest are top-level."""
    from reader.importers.feeds import parse_feed

    def lookup(guid: str) -> tuple[int, bool] | None:
        return (source.article_id, False) if guid in (source.guid, source.url) else None

    batch = parse_feed(data, source_key="comments", thread_lookup=lookup, now=now, subscription=True)
    comments: list[CommentData] = []
    for _article_id, replies in batch.thread_additions:
        comments.extend(replies)
    # Entries that answer nothing known (a flat RSS comment feed) are comments
    # on this article too, top-level, in feed order.
    for _feed, article in batch.articles:
        comments.append(
            CommentData(
                guid=article.guid,
                author=article.author or "anonymous",
                text=html_to_markdown(article.html or "") or article.text,
                published=article.published,
                html=article.html,
                url=article.url,
            )
        )
        comments.extend(article.comments)
    return comments
