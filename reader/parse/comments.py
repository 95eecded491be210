"""Where an article's comment thread lives, and reading each source's format.

Sources, by the article's links:

* a comment feed (``wfw:commentRss``); a WordPress feed's Atom twin
  (``.../feed/atom/``) carries RFC 4685 threading, so it is tried first;
* Hacker News (``news.ycombinator.com/item?id=N``): the Algolia items API
  (``/api/v1/items/N``: nested ``children``); the HNPWA shape (nested
  ``comments`` with ``level``) is read too;
* Reddit (``/r/<sub>/comments/<id>/...``): ``<permalink>.json``; "more"
  stubs become placeholder rows (kind "more") whose replies are fetched on
  demand through ``api/morechildren`` (:func:`parse_more_children`), or for
  "continue this thread" through the parent comment's own permalink;
* Lobsters (``lobste.rs/s/<id>``): ``/s/<id>.json``, flat and in order.

A thread fetched before is fetched again when its source reports a different
comment count (``service/fetch.py``). Hacker News and Reddit give the counts
of many threads in one answer (:func:`count_urls`, :func:`parse_counts`:
Algolia's search, ``num_comments``; Reddit's ``api/info``, ``num_comments``);
Lobsters gives ``comment_count`` only with the thread itself
(:attr:`ParsedThread.reported`).

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
from typing import Any, Literal
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from reader.models import CommentData, ThreadSource
from reader.parse.base import ImportFailure, short_hash
from reader.text import dates
from reader.text.render import html_to_markdown, sanitize_html
from reader.text.sanitize import clean_line, json_document, safe_url

_REDDIT_PATH = re.compile(r"^(/r/[^/]+/comments/([A-Za-z0-9]+))(?:/|$)")
#: A Reddit id (base 36): what may go into a morechildren or permalink URL.
_REDDIT_ID = re.compile(r"[A-Za-z0-9]{1,20}")
_HN_ID = re.compile(r"[0-9]{1,20}")
#: At most this many reply ids are kept per "more" stub (Reddit lists thousands
#: under a big thread's top-level stub; each call fetches 100 of them).
MAX_MORE_CHILDREN = 500
#: Counts above this are not believed (and would overflow SQLite's integers).
_MAX_COUNT = 10**9
_LOBSTERS_PATH = re.compile(r"^/s/([A-Za-z0-9]+)(?:/|$)")
_REDDIT_HOSTS = {"reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com"}


@dataclass(frozen=True)
class CommentSources:
    """Base URLs of the comment APIs."""

    hn_api: str = "https://hn.algolia.com/api/v1"
    reddit: str = "https://www.reddit.com"
    lobsters: str = "https://lobste.rs"
    #: Bluesky's public AppView (``app.bsky.*`` and ``com.atproto.identity.resolveHandle``, no login).
    bluesky: str = "https://public.api.bsky.app"
    #: Lemmy servers whose ``/post/ID`` links are threads (``discussions.lemmy``; more in ``READER_LEMMY_INSTANCES``).
    lemmy: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, *, lemmy: str = "") -> CommentSources:
        """The defaults, each overridable by an environment variable; ``lemmy``: the config's Lemmy server."""
        default = cls()
        return cls(
            hn_api=os.environ.get("READER_HN_API", default.hn_api).rstrip("/"),
            reddit=os.environ.get("READER_REDDIT_URL", default.reddit).rstrip("/"),
            lobsters=os.environ.get("READER_LOBSTERS_URL", default.lobsters).rstrip("/"),
            bluesky=os.environ.get("READER_BLUESKY_URL", default.bluesky).rstrip("/"),
            lemmy=(lemmy,) if lemmy else (),
        )


#: Where a thread is read from: a comment feed or one of the comment APIs.
ThreadKind = Literal["feed", "hackernews", "reddit", "lobsters"]


#: The sources whose comment counts can be asked for many threads at once.
CountKind = Literal["hackernews", "reddit"]
COUNTED: tuple[CountKind, ...] = ("hackernews", "reddit")
#: Threads whose counts one request asks for (Reddit's api/info takes 100 at most).
COUNTS_PER_REQUEST = 100


@dataclass(frozen=True)
class ThreadPlan:
    """How to fetch one article's thread: the kind of source and the URLs to try, in order.

    ``key`` is the thread's id at an API source (the HN item, the Reddit post,
    the Lobsters story), which its comment count is asked by.
    """

    kind: ThreadKind
    urls: tuple[str, ...]
    key: str | None = None


@dataclass(frozen=True)
class ParsedThread:
    """A fetched thread read: its comments in display order, and the total the source reports (None: none).

    ``reported`` is the comment count the source gives with the thread, the
    one a later check compares with (Reddit's ``num_comments``, Lobsters'
    ``comment_count``; None where the thread's answer has none).
    """

    comments: list[CommentData]
    source_total: int | None = None
    reported: int | None = None
    #: One line about what the source left out ("Mastodon shows at most 60 replies ..."), else None.
    note: str | None = None


def reddit_thread_path(source: ThreadSource) -> str | None:
    """The Reddit path of this article's thread (``/r/<sub>/comments/<post id>``), or None."""
    for link in (source.comments_url, source.url):
        checked = safe_url(link)
        if checked is None:
            continue
        parts = urlsplit(checked)
        if (parts.hostname or "") in _REDDIT_HOSTS:
            match = _REDDIT_PATH.match(parts.path)
            if match:
                return match.group(1)
    return None


def reddit_more_children_url(bases: CommentSources, thread_path: str, children: list[str]) -> str:
    """The ``api/morechildren`` request for ``children`` (at most 100: Reddit's limit) of a thread.

    Ids that are not Reddit ids are left out, so nothing from an answer can
    change the request beyond the list.
    """
    post = thread_path.rsplit("/", 1)[-1]
    ids = ",".join(child for child in children[:100] if _REDDIT_ID.fullmatch(child))
    return f"{bases.reddit}/api/morechildren.json?api_type=json&link_id=t3_{post}&children={ids}&raw_json=1"


def reddit_continue_url(bases: CommentSources, thread_path: str, comment_guid: str) -> str | None:
    """The permalink ``.json`` of one comment's subtree ("continue this thread"), or None for a non-Reddit guid."""
    comment = comment_guid.removeprefix("reddit:").removeprefix("t1_")
    if not comment_guid.startswith("reddit:") or not _REDDIT_ID.fullmatch(comment):
        return None
    return f"{bases.reddit}{thread_path}/_/{comment}.json?raw_json=1"


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
                return ThreadPlan("hackernews", (f"{bases.hn_api}/items/{item}",), item)
        if host in _REDDIT_HOSTS:
            match = _REDDIT_PATH.match(parts.path)
            if match:
                return ThreadPlan("reddit", (f"{bases.reddit}{match.group(1)}.json",), match.group(2))
        if host == "lobste.rs":
            match = _LOBSTERS_PATH.match(parts.path)
            if match:
                return ThreadPlan("lobsters", (f"{bases.lobsters}/s/{match.group(1)}.json",), match.group(1))
    feed = safe_url(source.comment_feed_url)
    if feed is not None:
        path = urlsplit(feed).path
        if path.rstrip("/").endswith("/feed"):
            # WordPress: the Atom twin has reply threading, the RSS one does not.
            return ThreadPlan("feed", (feed.rstrip("/") + "/atom/", feed))
        parts = urlsplit(feed)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if ("feed", "rss2") in query and {name for name, _value in query} & {"p", "page_id"}:
            # WordPress with Plain permalinks (?feed=rss2&p=ID): its twin is ?feed=atom&p=ID.
            twin = [(name, "atom" if name == "feed" else value) for name, value in query]
            return ThreadPlan("feed", (urlunsplit(parts._replace(query=urlencode(twin))), feed))
        return ThreadPlan("feed", (feed,))
    return None


def parse_thread(kind: ThreadKind, data: bytes, source: ThreadSource, now: int | None = None) -> list[CommentData]:
    """Read a fetched thread into comments in display order (parents before replies)."""
    return parse_thread_result(kind, data, source, now).comments


def parse_thread_result(kind: ThreadKind, data: bytes, source: ThreadSource, now: int | None = None) -> ParsedThread:
    """Read a fetched thread: its comments in display order, and the source's own total where it gives one."""
    now = now if now is not None else dates.now()
    if kind == "feed":
        return ParsedThread(_from_comment_feed(data, source, now))
    document = _json(data, kind)
    if kind == "hackernews":
        return ParsedThread(list(_from_hacker_news(document, now)))
    if kind == "reddit":
        total = _reddit_total(document)
        return ParsedThread(list(_from_reddit(document, now)), total, total)
    if kind == "lobsters":
        comments = list(_from_lobsters(document, now))
        count = document.get("comment_count")
        return ParsedThread(comments, reported=_count(count) if _is_count(count) else None)
    raise ValueError(f"unknown comment source {kind!r}")


def count_urls(kind: CountKind, keys: list[str], bases: CommentSources) -> list[tuple[str, list[str]]]:
    """The requests that ask the comment counts of the threads ``keys`` (ids from :attr:`ThreadPlan.key`).

    One request per :data:`COUNTS_PER_REQUEST` threads, each with the keys
    it asks for. Hacker News: Algolia's search for these stories (tags
    ``story,(story_1,story_2)``: stories, and any of these); Reddit:
    ``api/info`` for these posts. Keys that are not ids of the source are
    left out, so nothing can change a request beyond its list.
    """
    valid = _HN_ID if kind == "hackernews" else _REDDIT_ID
    wanted = list(dict.fromkeys(key for key in keys if valid.fullmatch(key)))
    requests: list[tuple[str, list[str]]] = []
    for start in range(0, len(wanted), COUNTS_PER_REQUEST):
        chunk = wanted[start : start + COUNTS_PER_REQUEST]
        if kind == "hackernews":
            tags = ",".join(f"story_{key}" for key in chunk)
            url = f"{bases.hn_api}/search?tags=story,({tags})&hitsPerPage={len(chunk)}"
        else:
            names = ",".join(f"t3_{key}" for key in chunk)
            url = f"{bases.reddit}/api/info.json?id={names}&raw_json=1"
        requests.append((url, chunk))
    return requests


def parse_counts(kind: CountKind, data: bytes) -> dict[str, int]:
    """The comment count of each thread an answer to :func:`count_urls` gives, by key.

    A thread the answer leaves out (not indexed yet, removed) is not in it:
    its count is unknown, not zero.
    """
    document = _json(data, "Hacker News search" if kind == "hackernews" else "Reddit info")
    counts: dict[str, int] = {}
    if kind == "hackernews":
        hits = document.get("hits") if isinstance(document, dict) else None
        if not isinstance(hits, list):
            raise ImportFailure("expected Hacker News search hits, found other JSON")
        for hit in _dicts(hits):
            ident, count = hit.get("objectID"), hit.get("num_comments")
            if _is_count(count) and isinstance(ident, (int, str)) and _HN_ID.fullmatch(str(ident)):
                counts[str(ident)] = _count(count)
        return counts
    if not isinstance(document, dict) or document.get("kind") != "Listing":
        raise ImportFailure("expected a Reddit listing, found other JSON")
    for thing in _children(document):
        post = thing.get("data") if isinstance(thing, dict) and thing.get("kind") == "t3" else None
        if not isinstance(post, dict):
            continue
        ident, count = post.get("id"), post.get("num_comments")
        if _is_count(count) and isinstance(ident, str) and _REDDIT_ID.fullmatch(ident):
            counts[ident] = _count(count)
    return counts


def _is_count(value: object) -> bool:
    """True for a JSON integer (``true`` is no count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _json(data: bytes, kind: str) -> Any:
    try:
        return json_document(data)
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected {kind} JSON, found something else") from None


def make_comment(
    guid: str,
    author: object,
    html: object,
    parent: str | None,
    when: int | None,
    url: str | None = None,
    *,
    deleted: bool = False,
    base_url: str | None = None,
) -> CommentData:
    """A comment from a source's answer: the HTML sanitized, the Markdown made, the author cleaned.

    What every source's parser builds its comments with; anything that is not
    a string counts as missing. ``base_url``: relative links in the HTML are
    made absolute against it (a forum's ``/u/name``, ``/uploads/...``).
    """
    body = sanitize_html(html if isinstance(html, str) else "", base_url)
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
    stack: list[tuple[dict[str, Any], str | None]] = [(child, None) for child in reversed(_dicts(document.get(key)))]
    while stack:
        item, parent = stack.pop()
        ident = item.get("id")
        if isinstance(ident, bool) or not isinstance(ident, (int, str)) or not str(ident).strip():
            continue  # no comment of HN's is without its number; nothing could answer it either
        ident = clean_line(str(ident))[:40]
        guid = f"hn:{ident}"
        when_raw = item.get("created_at_i", item.get("time"))
        when = dates.plausible(when_raw if isinstance(when_raw, (int, float)) else None, now)
        author = item.get("author", item.get("user"))
        html = item.get("text", item.get("content"))
        deleted = bool(item.get("deleted")) or (author is None and not html)
        yield make_comment(
            guid,
            author,
            html,
            parent,
            when,
            f"https://news.ycombinator.com/item?id={ident}" if ident.isdigit() else None,
            deleted=deleted,
        )
        stack.extend((child, guid) for child in reversed(_dicts(item.get(key))))


def _dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else holds none): APIs send odd shapes."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# -- Reddit ------------------------------------------------------------------------


def _from_reddit(document: Any, now: int) -> Iterator[CommentData]:
    """The comment listing of a permalink ``.json`` (the second of its two listings)."""
    listing = document[1] if isinstance(document, list) and len(document) > 1 else document
    if not isinstance(listing, dict) or listing.get("kind") != "Listing":
        raise ImportFailure("expected a Reddit comment listing, found other JSON")
    thread_path = _reddit_post_path(document)
    stack: list[tuple[dict[str, Any], str | None]] = [
        (child, None) for child in reversed(_children(listing)) if isinstance(child, dict)
    ]
    while stack:
        thing, parent = stack.pop()
        data = thing.get("data")
        if not isinstance(data, dict):
            continue
        kind = thing.get("kind")
        if kind == "more":
            yield _reddit_more(data, parent)
            continue
        if kind != "t1":
            continue
        comment = _reddit_comment(data, parent, now, thread_path)
        yield comment
        replies = data.get("replies")
        if isinstance(replies, dict):
            stack.extend((child, comment.guid) for child in reversed(_children(replies)) if isinstance(child, dict))


def _reddit_post(document: Any) -> dict[str, Any]:
    """The post's ``data``, from the first listing of a permalink ``.json`` (empty when absent)."""
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        return {}
    posts = _children(document[0])
    post = posts[0].get("data") if posts and isinstance(posts[0], dict) else None
    return post if isinstance(post, dict) else {}


def _reddit_total(document: Any) -> int | None:
    """The post's ``num_comments`` (None when absent)."""
    total = _reddit_post(document).get("num_comments")
    return _count(total) if isinstance(total, int) and not isinstance(total, bool) else None


def _reddit_post_path(document: Any) -> str | None:
    """``/r/<sub>/comments/<post id>`` from the post's permalink, for comments that come without one."""
    permalink = _reddit_post(document).get("permalink")
    match = _REDDIT_PATH.match(permalink) if isinstance(permalink, str) else None
    return match.group(1) if match else None


def _count(value: object) -> int:
    """A count from the source: an integer in 0..10^9, else 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return min(max(value, 0), _MAX_COUNT)


def _reddit_guid(data: dict[str, Any]) -> str:
    """``reddit:t1_<id>``, the same whether the source gives the fullname (``name``) or only the id."""
    name = data.get("name")
    if isinstance(name, str) and name.startswith("t1_"):
        return f"reddit:{name}"
    ident = data.get("id")
    if isinstance(ident, str) and ident:
        return f"reddit:t1_{ident}"
    return f"reddit:{name or ident}"


def _reddit_comment(data: dict[str, Any], parent: str | None, now: int, thread_path: str | None = None) -> CommentData:
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
    ident = data.get("id")
    if isinstance(permalink, str):
        url: str | None = f"https://www.reddit.com{permalink}"
    elif thread_path and isinstance(ident, str) and _REDDIT_ID.fullmatch(ident):
        # morechildren answers carry no permalink; the thread's path and the id make one.
        url = f"https://www.reddit.com{thread_path}/_/{ident}/"
    else:
        url = None
    return make_comment(
        _reddit_guid(data),
        author,
        html,
        parent,
        dates.plausible(created if isinstance(created, (int, float)) else None, now),
        url,
        deleted=deleted,
    )


def _more_words(count: int) -> str:
    return f"{count} more {'reply' if count == 1 else 'replies'}" if count else "continue this thread"


def more_label(count: int) -> str:
    """What a "more" row says: ``… 12 more replies (not fetched)``, or that the thread continues."""
    return f"\u2026 {_more_words(count)} (not fetched)"


def more_stub(guid: str, parent: str | None, count: int, children: list[str]) -> CommentData:
    """A placeholder row for ``count`` replies not fetched, whose ids are ``children``."""
    return CommentData(
        guid=guid,
        author="",
        text=more_label(count),
        parent_guid=parent,
        kind="more",
        more_count=count,
        more_children=children,
    )


def _reddit_more(data: dict[str, Any], parent: str | None) -> CommentData:
    """A ``more`` stub: how many replies it stands for, and their ids (at most :data:`MAX_MORE_CHILDREN`)."""
    count = _count(data.get("count"))
    listed = data.get("children")
    children = [c for c in listed if isinstance(c, str) and _REDDIT_ID.fullmatch(c)] if isinstance(listed, list) else []
    stub_id = data.get("id")
    if not isinstance(stub_id, str) or not stub_id or stub_id == "_" or not count:
        # "continue this thread" stubs all have id "_": tell them apart by parent.
        known = stub_id if isinstance(stub_id, str) and stub_id else short_hash(str(parent), _more_words(count))
        stub_id = f"{parent}:{known}"
    return more_stub(f"reddit-more:{clean_line(stub_id)[:200]}", parent, count, children[:MAX_MORE_CHILDREN])


def parse_more_children(
    data: bytes, stub_parent: str | None, now: int | None = None, thread_path: str | None = None
) -> list[CommentData]:
    """Read an ``api/morechildren`` answer into comments and further "more" stubs, in display order.

    The answer is a flat list of things, each naming its parent by fullname:
    ``t1_x`` is the comment ``reddit:t1_x`` (stored already, or earlier in
    the answer), ``t3_...`` the post itself, for which the replies take the
    place of the stub they were fetched for (``stub_parent``, its parent).
    Depth is left to the store, which orders the thread by parent links.
    ``thread_path`` (``/r/<sub>/comments/<post id>``) makes each comment's
    link, which these answers leave out.
    """
    now = now if now is not None else dates.now()
    document = _json(data, "Reddit morechildren")
    answer = document.get("json") if isinstance(document, dict) else None
    if not isinstance(answer, dict):
        raise ImportFailure("expected a Reddit morechildren answer, found other JSON")
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        raise ImportFailure(f"Reddit refused: {clean_line(json.dumps(errors[0]))[:160]}")
    body = answer.get("data")
    things = body.get("things") if isinstance(body, dict) else None
    if not isinstance(things, list):
        raise ImportFailure("expected a Reddit morechildren answer, found other JSON")
    comments: list[CommentData] = []
    for thing in things:
        item = thing.get("data") if isinstance(thing, dict) else None
        if not isinstance(item, dict):
            continue
        parent_id = item.get("parent_id")
        parent = f"reddit:{parent_id}" if isinstance(parent_id, str) and parent_id.startswith("t1_") else stub_parent
        kind = thing.get("kind")
        if kind == "more":
            comments.append(_reddit_more(item, parent))
        elif kind == "t1":
            comments.append(_reddit_comment(item, parent, now, thread_path))
    return comments


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
        yield make_comment(
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
    from reader.parse.feeds import parse_feed

    def lookup(guid: str) -> tuple[int, bool] | None:
        return (source.article_id, False) if guid in (source.guid, source.url) else None

    batch = parse_feed(
        data, source_key="comments", thread_lookup=lookup, now=now, subscription=True, url=source.comment_feed_url
    )
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
        # Replies the feed nests under an entry (RFC 4685 with no in-reply-to of its own on the
        # entry, as Isso writes them) answer that entry: every entry here is a comment.
        for reply in article.comments:
            if reply.parent_guid is None:
                reply.parent_guid = article.guid
        comments.extend(article.comments)
    return comments
