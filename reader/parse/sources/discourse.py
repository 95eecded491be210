"""Discourse topics as comment threads: a forum topic URL, a blog's ``DiscourseEmbed``, and reading the topic.

A topic is claimed by its URL (``/t/SLUG/ID``, ``/t/SLUG/ID/POST``,
``/t/ID``, ``/t/ID/POST``; https, or http on loopback for tests). An article
page names its topic through the embed script Discourse asks blogs to paste
(``DiscourseEmbed = { discourseUrl: '...', topicId: 123, ... }``): the
forum's base URL (a subfolder install keeps its path) and, when the blog
gives it, the topic id. Only topic ids are supported: with only
``discourseEmbedUrl``, the widget asks ``/embed/comments?embed_url=...``,
an HTML page that would have to be read to find the topic, and whose request
would carry a URL from the page rather than an id checked here. ``/t/``
links in the page count only on the forum the embed script names (``/t/x/1``
is too common a path to claim on any host).

Reading: ``GET {base}/t/{ID}.json`` gives the first posts (``post_stream.posts``,
about 20) and every post id (``post_stream.stream``); the rest come from
``GET {base}/t/{ID}/posts.json?post_ids[]=...``, :data:`POSTS_PER_REQUEST`
ids a request, each id checked to be a number. Discourse's own filter takes
any number of ids; 50 keeps the URL short. At most :data:`MAX_REQUESTS`
requests in all, under the service's own budget per thread, so a topic of
thousands of posts stops with what it read and a note instead of failing
at the budget. A later request that fails (429, an error page) also keeps
what was read, with a note; the first one failing fails the thread.

A topic is flat; replies name the post they answer by number
(``reply_to_post_number``). Post 1, the topic's opening post, is kept as the
first top-level comment, and replies to it are top-level too: on a blog's
embed topic it is the forum's short excerpt of the article (harmless), on a
topic reached by its own URL it is the question or announcement the replies
answer, without which they read as answers to nothing; and ``posts_count``,
the total shown beside the thread, counts it, so the stored comments and that
total agree. Small-action posts (``post_type`` 3: "closed the topic") and
whispers (4) are not comments and are left out. Deleted, author-deleted and
hidden posts show as "[deleted]".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register, server_base
from reader.parse.sources.page import read_page
from reader.text import dates
from reader.text.sanitize import clean_line, json_document, safe_url

#: Post ids asked in one ``posts.json`` request.
POSTS_PER_REQUEST = 50
#: Requests one topic may make (the topic and its later posts): under the service's
#: per-thread budget (``service/threads.py``), so a huge topic stops here, with a note.
MAX_REQUESTS = 30
#: Ids of a topic's stream read at most (a topic's stream lists every post).
MAX_STREAM = 20_000

_ID = re.compile(r"[0-9]{1,12}")
_TOPIC_BY_ID = re.compile(r"^/t/([0-9]{1,12})(?:/([0-9]{1,9}))?/?$")
_TOPIC_BY_SLUG = re.compile(r"^/t/([^/]{1,200})/([0-9]{1,12})(?:/([0-9]{1,9}))?/?$")
#: The embed script's object (no nested braces in what Discourse documents), read only so far.
_EMBED = re.compile(r"DiscourseEmbed\s*=\s*\{([^{}]{0,4000})\}")
_EMBED_BASE = re.compile(r"""discourseUrl\s*:\s*(['"`])([^'"`\s]{1,500})\1""")
_EMBED_TOPIC = re.compile(r"""topicId\s*:\s*['"`]?([0-9]{1,12})\b""")
_SMALL_ACTION, _WHISPER = 3, 4


def _base(url: str | None) -> str | None:
    """``url`` as a forum base (scheme, host, and a subfolder's path), if it may be asked (see :func:`server_base`)."""
    return server_base(url, keep_path=True)


def _ref(base: str, topic: str) -> ThreadRef:
    return ThreadRef("discourse", topic, f"{base}/t/{topic}", api=base)


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """The topic of a Discourse topic URL (``/t/SLUG/ID``, ``/t/SLUG/ID/N``, ``/t/ID``), or None."""
    checked = safe_url(url)
    if checked is None:
        return None
    parts = urlsplit(checked)
    # /t/ID/N: Discourse routes two numbers as topic and post (a slug is never all digits).
    match = _TOPIC_BY_ID.match(parts.path) or _TOPIC_BY_SLUG.match(parts.path)
    if match is None:
        return None
    topic = match.group(1) if match.re is _TOPIC_BY_ID else match.group(2)
    origin = _base(f"{parts.scheme}://{parts.netloc}/")
    return _ref(origin, topic) if origin is not None else None


def from_page(html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """The topic a page's ``DiscourseEmbed`` names (its ``topicId``), and ``/t/`` links to that forum."""
    page = read_page(html, page_url)
    embed = _EMBED.search(page.scripts)
    if embed is None:
        return []
    named = _EMBED_BASE.search(embed.group(1))
    base = _base(page.absolute(named.group(2))) if named else None
    if base is None:
        return []
    found: dict[str, ThreadRef] = {}
    topic = _EMBED_TOPIC.search(embed.group(1))
    if topic is not None:
        found[topic.group(1)] = _ref(base, topic.group(1))
    for link in page.links():
        if not link.startswith(base + "/t/"):
            continue
        path = urlsplit(link).path[len(urlsplit(base).path) :]
        match = _TOPIC_BY_ID.match(path) or _TOPIC_BY_SLUG.match(path)
        if match is not None:
            ident = match.group(1) if match.re is _TOPIC_BY_ID else match.group(2)
            found.setdefault(ident, _ref(base, ident))
    return list(found.values())


def _int(value: object) -> int | None:
    """A positive JSON integer (``true`` is none), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**12:
        return None
    return value


def _posts(document: Any, what: str) -> list[dict[str, Any]]:
    stream = document.get("post_stream") if isinstance(document, dict) else None
    posts = stream.get("posts") if isinstance(stream, dict) else None
    if not isinstance(posts, list):
        raise ImportFailure(f"expected {what}, found other JSON")
    return [post for post in posts if isinstance(post, dict)]


def _json(body: bytes, what: str) -> Any:
    try:
        return json_document(body)
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected {what} (JSON), found something else") from None


def _missing(document: dict[str, Any], posts: list[dict[str, Any]]) -> list[int]:
    """The ids of the topic's stream that ``posts`` does not hold, in stream order.

    A stream that shares no id with the posts sent (a renumbered one, as in
    some test data) is read as Discourse builds it: its head is what
    ``posts`` answers, so the ids past that head are the ones to ask.
    """
    stream_raw = document["post_stream"].get("stream")
    listed = stream_raw[:MAX_STREAM] if isinstance(stream_raw, list) else []
    stream = list(dict.fromkeys(ident for ident in map(_int, listed) if ident is not None))
    loaded = {ident for ident in (_int(post.get("id")) for post in posts) if ident is not None}
    missing = [ident for ident in stream if ident not in loaded]
    if posts and len(missing) == len(stream):
        missing = stream[len(posts) :]
    return missing


@dataclass
class _Read:
    posts: list[dict[str, Any]]
    #: Why reading stopped before the end of the stream, in words (None: it read it all).
    stopped: str | None = None


async def _rest(base: str, topic: str, missing: list[int], get: Get) -> _Read:
    """The posts of ``missing``, :data:`POSTS_PER_REQUEST` a request, within :data:`MAX_REQUESTS` in all."""
    batches = [missing[start : start + POSTS_PER_REQUEST] for start in range(0, len(missing), POSTS_PER_REQUEST)]
    allowed = batches[: MAX_REQUESTS - 1]
    read: list[dict[str, Any]] = []
    for asked in allowed:
        query = "&".join(f"post_ids[]={ident}" for ident in asked)
        try:
            body = await get(f"{base}/t/{topic}/posts.json?{query}")
            answered = _posts(_json(body, "Discourse posts"), "Discourse posts")
        except Exception as failure:  # a later page failing keeps what was read (the note says so)
            return _Read(read, f"a later request failed ({clean_line(str(failure))[:160]})")
        wanted = set(asked)
        # Only the posts asked for: an answer cannot slip others in.
        read.extend(post for post in answered if _int(post.get("id")) in wanted)
    if len(allowed) < len(batches):
        return _Read(read, f"the rest would take more than {MAX_REQUESTS} requests")
    return _Read(read)


def _comment(post: dict[str, Any], parent: str | None, base: str, topic: str, number: int, now: int) -> CommentData:
    ident = _int(post.get("id"))
    deleted = bool(post.get("deleted_at")) or post.get("user_deleted") is True or post.get("hidden") is True
    name = post.get("name")
    author = name if isinstance(name, str) and name.strip() else post.get("username")
    created = post.get("created_at")
    return make_comment(
        f"discourse:{ident}",
        author,
        None if deleted else post.get("cooked"),
        parent,
        dates.from_iso(created if isinstance(created, str) else None, now),
        f"{base}/t/{topic}/{number}",
        deleted=deleted,
        base_url=base + "/",
    )


def thread_from_posts(posts: list[dict[str, Any]], base: str, topic: str, now: int) -> list[CommentData]:
    """The comments of a topic's posts, in display order (each reply after the post it answers).

    A post answers ``reply_to_post_number`` when that post was read and came
    before it; replies to post 1, and to posts not read, are top-level.
    """
    by_number: dict[int, dict[str, Any]] = {}
    for post in posts:
        number, ident = _int(post.get("post_number")), _int(post.get("id"))
        if number is None or ident is None or post.get("post_type") in (_SMALL_ACTION, _WHISPER):
            continue
        by_number.setdefault(number, post)
    children: dict[int | None, list[int]] = {}
    for number in sorted(by_number):
        answered = _int(by_number[number].get("reply_to_post_number"))
        # A reply answers an earlier post: that also rules out loops in a hostile answer.
        parent = answered if answered in by_number and answered != 1 and answered < number else None
        children.setdefault(parent, []).append(number)
    comments: list[CommentData] = []
    stack: list[tuple[int, str | None]] = [(number, None) for number in reversed(children.get(None, []))]
    while stack:
        number, parent_guid = stack.pop()
        comment = _comment(by_number[number], parent_guid, base, topic, number, now)
        comments.append(comment)
        stack.extend((child, comment.guid) for child in reversed(children.get(number, [])))
    return comments


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Read a topic: its first posts, then the rest of its stream, threaded by the post each answers."""
    claimed = None if ref.api else from_url(ref.url, bases)
    base = _base(ref.api) if ref.api else (claimed.api if claimed is not None else None)
    if base is None or not _ID.fullmatch(ref.remote_id):
        raise ImportFailure(f"not a Discourse topic: {clean_line(ref.url)[:200]}")
    topic = ref.remote_id
    document = _json(await get(f"{base}/t/{topic}.json"), "a Discourse topic")
    posts = _posts(document, "a Discourse topic")
    rest = await _rest(base, topic, _missing(document, posts), get)
    posts.extend(rest.posts)
    total = _int(document.get("posts_count"))
    note = None
    if rest.stopped is not None:
        of = f" of {total:,}" if total is not None else ""
        note = f"Discourse: {len(posts):,}{of} posts read: {rest.stopped}"
    return ParsedThread(thread_from_posts(posts, base, topic, now), source_total=total, reported=total, note=note)


register(CommentSource("discourse", "Discourse", from_url, from_page, fetch))
