"""Bluesky threads: a post and its replies, read from the public AppView.

A post is claimed by its page, ``https://bsky.app/profile/WHO/post/RKEY``
(``WHO`` a handle, which is a domain name, or a DID), or by its AT URI,
``at://WHO/app.bsky.feed.post/RKEY``. The thread is keyed by the AT URI, by
the DID when the link gives it (a handle can change hands; a DID stays).

Reading it is two questions to the AppView (the ``bluesky`` base of
:class:`~reader.parse.comments.CommentSources`, no login needed):
``com.atproto.identity.resolveHandle`` when the link names a handle (the
thread is asked by DID), then ``app.bsky.feed.getPostThread`` with
``depth=1000`` (the lexicon's maximum) and ``parentHeight=0`` (the posts
above are not comments). The answer nests: each ``#threadViewPost`` holds
its ``post`` and its ``replies``, walked here with an explicit stack. A reply
the AppView cannot show is a ``#notFoundPost`` or ``#blockedPost``: it is
kept as a deleted-style comment ("[not found]", "[blocked]") so the replies
under it keep their place.

A post's text is plain text; its links, mentions and tags are *facets*
(UTF-8 byte ranges with a target), so the text is escaped into HTML and the
facets made into links here, and embedded images, link cards and quotes are
listed after it. Everything then goes through
:func:`~reader.parse.comments.make_comment` like every source's comments.

Depth: the answer nests two JSON levels per reply, so a chain of a few
hundred replies is past what ``json.loads`` takes before Python's recursion
limit; :func:`read_json` then reads it with a loop of its own instead.

Request URLs are built only from a handle, DID and record key that passed
the strict patterns below (a DID from the resolve answer included), so
nothing in an answer can steer a request elsewhere.
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register
from reader.parse.sources.page import read_page
from reader.text import dates
from reader.text.sanitize import clean_line, json_document, safe_url

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
#: A handle: a domain name of two labels or more, the last not starting with a digit (atproto's handle syntax).
_HANDLE = re.compile(rf"(?=.{{3,253}}$)(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?")
#: The DIDs Bluesky accounts have: did:plc (24 base-32 characters) and did:web (a host, its port encoded).
_DID = re.compile(rf"did:plc:[a-z2-7]{{24}}|did:web:{_LABEL}(?:\.{_LABEL})*(?:%3A[0-9]{{1,5}})?")
#: A record key: atproto's general syntax (a TID is 13 base-32 characters), kept to 64 characters.
_RKEY = re.compile(r"(?!\.{1,2}$)[A-Za-z0-9._~:-]{1,64}")
_POST_COLLECTION = "app.bsky.feed.post"
_WEB_HOSTS = ("bsky.app", "www.bsky.app")
_WEB_PATH = re.compile(r"/profile/(?P<who>[^/]+)/post/(?P<rkey>[^/]+)/?")
_ENCODED_DID = re.compile(r"^did%3[Aa](plc|web)%3[Aa]")
_AT_URI = re.compile(r"at://(?P<who>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)")

#: The union members of a thread node (``app.bsky.feed.defs``).
_THREAD_POST = "app.bsky.feed.defs#threadViewPost"
_NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
_BLOCKED = "app.bsky.feed.defs#blockedPost"
NodeKind = Literal["post", "not found", "blocked", "unavailable"]

#: Posts read from one answer at most (the AppView sends a few hundred; a hostile one could send more).
MAX_POSTS = 10_000
#: Facets and embedded items read per post (a post has 300 graphemes: a handful of each).
_MAX_FACETS = 100
_MAX_EMBEDS = 8
#: Post links an article page may name as its discussions (more is a page quoting posts).
MAX_PAGE_THREADS = 3


# -- which links are posts -------------------------------------------------------------------


def _authority(value: str) -> str | None:
    """A checked handle (lower-cased: handles ignore case) or DID, else None."""
    if _DID.fullmatch(value):
        return value
    if _HANDLE.fullmatch(value):
        return value.lower()
    return None


def post_of(url: str | None) -> tuple[str, str] | None:
    """``(handle or DID, record key)`` of a bsky.app post link or a post's AT URI, or None."""
    if not url:
        return None
    url = url.strip()
    if url.startswith("at://"):
        match = _AT_URI.fullmatch(url)
        if match is None:
            return None
        who, rkey = match.group("who"), match.group("rkey")
    else:
        checked = safe_url(url)
        if checked is None:
            return None
        parts = urlsplit(checked)
        if (parts.hostname or "") not in _WEB_HOSTS or parts.username is not None:
            return None
        match = _WEB_PATH.fullmatch(parts.path)
        if match is None:
            return None
        # A DID in a link may have its two colons percent-encoded (a did:web port stays encoded: it is part of the DID).
        who, rkey = _ENCODED_DID.sub(r"did:\1:", match.group("who")), match.group("rkey")
    authority = _authority(who)
    if authority is None or not _RKEY.fullmatch(rkey):
        return None
    return authority, rkey


def _at_uri(authority: str, rkey: str) -> str:
    return f"at://{authority}/{_POST_COLLECTION}/{rkey}"


def _web_url(authority: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{authority}/post/{rkey}"


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """The thread of a Bluesky post link or AT URI, keyed by its AT URI."""
    found = post_of(url)
    if found is None:
        return None
    authority, rkey = found
    return ThreadRef("bluesky", _at_uri(authority, rkey), _web_url(authority, rkey))


def from_page(page_html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """Post links of the page (an embedded post links its bsky.app page), the first :data:`MAX_PAGE_THREADS`."""
    found: dict[str, ThreadRef] = {}
    for link in read_page(page_html, page_url).links():
        ref = from_url(link, bases)
        if ref is not None:
            found.setdefault(ref.remote_id, ref)
            if len(found) >= MAX_PAGE_THREADS:
                break
    return list(found.values())


# -- reading the thread -----------------------------------------------------------------------


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Resolve the handle when the thread names one, then read the thread by its DID."""
    found = post_of(ref.remote_id) or post_of(ref.url)
    if found is None:
        raise ImportFailure(f"not a Bluesky post: {clean_line(ref.remote_id)[:200]}")
    authority, rkey = found
    base = bases.bluesky.rstrip("/")
    if not authority.startswith("did:"):
        answer = _document(
            await get(f"{base}/xrpc/com.atproto.identity.resolveHandle?handle={quote(authority, safe='')}"),
            "handle resolution",
        )
        did = answer.get("did")
        if not isinstance(did, str) or not _DID.fullmatch(did):
            raise ImportFailure(f"Bluesky resolved {authority} to something that is not a DID")
        authority = did
    uri = quote(_at_uri(authority, rkey), safe="")
    body = await get(f"{base}/xrpc/app.bsky.feed.getPostThread?uri={uri}&depth=1000&parentHeight=0")
    return parse_thread(_document(body, "post thread"), now)


def _document(data: bytes, what: str) -> dict[str, Any]:
    try:
        document = read_json(data)
    except ValueError:
        raise ImportFailure(f"expected a Bluesky {what}, found something else") from None
    if not isinstance(document, dict):
        raise ImportFailure(f"expected a Bluesky {what}, found other JSON")
    return document


def parse_thread(document: dict[str, Any], now: int) -> ParsedThread:
    """The replies of a ``getPostThread`` answer in display order; the post's ``replyCount`` as the total."""
    thread = document.get("thread")
    if not isinstance(thread, dict):
        raise ImportFailure("expected a Bluesky post thread, found other JSON")
    kind = _kind(thread)
    if kind != "post":
        raise ImportFailure(f"the Bluesky post is {kind}")
    post = thread["post"]
    comments: list[CommentData] = []
    seen: set[str] = set()
    stack: list[tuple[object, str | None, int]] = [
        (reply, None, index) for index, reply in reversed(list(enumerate(_replies(thread))))
    ]
    while stack and len(comments) < MAX_POSTS:
        node, parent, index = stack.pop()
        if not isinstance(node, dict):
            continue
        comment = _node_comment(node, parent, index, now)
        if comment.guid in seen:
            continue  # the same post twice: its first place stands (and no loop can form)
        seen.add(comment.guid)
        comments.append(comment)
        stack.extend((reply, comment.guid, i) for i, reply in reversed(list(enumerate(_replies(node)))))
    return ParsedThread(comments, source_total=_count(post.get("replyCount")))


def _kind(node: dict[str, Any]) -> NodeKind:
    kind = node.get("$type")
    if kind == _NOT_FOUND or node.get("notFound") is True:
        return "not found"
    if kind == _BLOCKED or node.get("blocked") is True:
        return "blocked"
    if (kind == _THREAD_POST or kind is None) and isinstance(node.get("post"), dict):
        return "post"
    # An open union: a node of a kind this reader does not know still holds a
    # place in the thread (and may hold replies).
    return "unavailable"


def _replies(node: dict[str, Any]) -> list[Any]:
    replies = node.get("replies")
    return replies if isinstance(replies, list) else []


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return min(max(value, 0), 10**9)


def _node_comment(node: dict[str, Any], parent: str | None, index: int, now: int) -> CommentData:
    kind = _kind(node)
    post = node["post"] if kind == "post" else node
    uri = post.get("uri")
    located = post_of(uri) if isinstance(uri, str) else None
    if isinstance(uri, str) and clean_line(uri):
        guid = f"bluesky:{clean_line(uri)[:400]}"
    else:
        # The lexicon requires a uri; one left out is named by its place, stable across fetches.
        guid = f"{parent or 'bluesky:thread'}#{index}"
    if kind != "post":
        url = _web_url(*located) if located else None
        return make_comment(guid, "", f"<p>[{kind}]</p>", parent, None, url, deleted=True)
    author = post.get("author")
    author = author if isinstance(author, dict) else {}
    handle = author.get("handle")
    handle = handle.lower() if isinstance(handle, str) and _HANDLE.fullmatch(handle) else None
    name = author.get("displayName")
    shown = name if isinstance(name, str) and clean_line(name) else handle
    record = post.get("record")
    record = record if isinstance(record, dict) else {}
    text = record.get("text")
    body = _rich_html(text if isinstance(text, str) else "", record.get("facets")) + _embed_html(post.get("embed"))
    created = record.get("createdAt")
    when = dates.from_iso(created if isinstance(created, str) else None, now)
    if when is None:
        indexed = post.get("indexedAt")
        when = dates.from_iso(indexed if isinstance(indexed, str) else None, now)
    url = None
    if located is not None:
        # A handle reads better than a DID, but "handle.invalid" (an unverified one) opens nothing.
        who = handle if handle is not None and handle != "handle.invalid" else located[0]
        url = _web_url(who, located[1])
    return make_comment(guid, shown, body, parent, when, url)


# -- the post's text, links and embeds ---------------------------------------------------------


def _facet_target(features: object) -> str | None:
    """Where a facet points: a link's URL, a mentioned account's page, a tag's page; None for anything else."""
    if not isinstance(features, list):
        return None
    for feature in features:
        if not isinstance(feature, dict):
            continue
        kind = feature.get("$type")
        if kind == "app.bsky.richtext.facet#link":
            uri = feature.get("uri")
            return safe_url(uri if isinstance(uri, str) else None)
        if kind == "app.bsky.richtext.facet#mention":
            did = feature.get("did")
            return f"https://bsky.app/profile/{did}" if isinstance(did, str) and _DID.fullmatch(did) else None
        if kind == "app.bsky.richtext.facet#tag":
            tag = feature.get("tag")
            if isinstance(tag, str) and clean_line(tag):
                return f"https://bsky.app/hashtag/{quote(clean_line(tag)[:64], safe='')}"
    return None


def _rich_html(text: str, facets: object) -> str:
    """The post's plain text as HTML: escaped, its facets made links, its line breaks kept."""
    data = text.encode("utf-8", errors="replace")
    spans: list[tuple[int, int, str]] = []
    for facet in facets[:_MAX_FACETS] if isinstance(facets, list) else []:
        if not isinstance(facet, dict) or not isinstance(facet.get("index"), dict):
            continue
        index = facet["index"]
        start, end = index.get("byteStart"), index.get("byteEnd")
        if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
            continue
        target = _facet_target(facet.get("features"))
        if target is not None and 0 <= start < end <= len(data):
            spans.append((start, end, target))
    parts: list[str] = []
    position = 0
    for start, end, target in sorted(spans):
        if start < position:
            continue  # overlapping facets: the first one stands
        parts.append(html.escape(data[position:start].decode("utf-8", errors="replace")))
        label = html.escape(data[start:end].decode("utf-8", errors="replace"))
        parts.append(f'<a href="{html.escape(target)}">{label}</a>')
        position = end
    parts.append(html.escape(data[position:].decode("utf-8", errors="replace")))
    joined = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")
    return f"<p>{joined}</p>" if joined.strip() else ""


def _string(value: object, key: str) -> str | None:
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def _item(label: str, url: str | None, text: str | None) -> str:
    """One embedded thing as a line: ``[label: text]``, the label a link when there is a safe URL."""
    shown = html.escape(label)
    link = f'<a href="{html.escape(url)}">{shown}</a>' if url else shown
    words = clean_line(text)[:300]
    return f"<p>[{link}{': ' + html.escape(words) if words else ''}]</p>"


def _embed_html(embed: object) -> str:
    """Images, a video, a link card or a quoted post embedded in the post (the ``#view`` forms), as lines."""
    parts: list[str] = []
    pending: list[object] = [embed]
    # recordWithMedia holds a media embed and a record embed: at most these two more.
    for _ in range(3):
        if not pending:
            break
        current = pending.pop(0)
        if not isinstance(current, dict):
            continue
        kind = current.get("$type")
        if kind == "app.bsky.embed.images#view":
            images = current.get("images")
            for image in images[:_MAX_EMBEDS] if isinstance(images, list) else []:
                parts.append(_item("image", safe_url(_string(image, "fullsize")), _string(image, "alt")))
        elif kind == "app.bsky.embed.video#view":
            parts.append(_item("video", safe_url(_string(current, "playlist")), _string(current, "alt")))
        elif kind == "app.bsky.embed.external#view":
            external = current.get("external")
            parts.append(_item("link", safe_url(_string(external, "uri")), _string(external, "title")))
        elif kind == "app.bsky.embed.record#view":
            quoted = post_of(_string(current.get("record"), "uri"))
            parts.append(_item("quoted post", _web_url(*quoted) if quoted else None, None))
        elif kind == "app.bsky.embed.recordWithMedia#view":
            pending.extend((current.get("media"), current.get("record")))
    return "".join(parts)


def read_json(data: bytes) -> Any:
    """Parse an answer (:func:`~reader.text.sanitize.json_document` reads one nested past the recursion limit too).

    Raises ``ValueError`` for anything that is not JSON.
    """
    return json_document(data)


register(CommentSource("bluesky", "Bluesky", from_url, from_page, fetch))
