"""Mastodon threads: a status and its replies, read from the server the link names.

A status is claimed by the shape of its URL on any host, so no list of
servers is kept: ``/@user/ID`` (the public page), ``/@user@their.host/ID``
(a remote account's status as another server shows it: the ID is that
server's) and ``/users/user/statuses/ID`` (the ActivityPub id). The server in
the link is the one asked, at two endpoints of its public API:

* ``/api/v1/statuses/ID``: the status itself, for its ``replies_count``
  (Mastodon counts direct replies there, so it is a floor, not the thread's
  size);
* ``/api/v1/statuses/ID/context``: ``descendants``, flat and in thread order,
  each naming its parent by ``in_reply_to_id``. They are put in reply order by
  :func:`reader.text.threads.order_thread` (iterative: threads run hundreds
  deep), which makes a reply whose parent is absent (deleted, private, the
  status itself) top level and cuts reply cycles.

A reader who is not logged in gets at most 60 descendants, at most 20
levels deep (Mastodon's ``DESCENDANTS_LIMIT`` and
``DESCENDANTS_DEPTH_LIMIT`` in its statuses API controller). When an answer
sits at such a limit and its own ``replies_count`` figures promise replies it
does not hold, the thread carries a one-line note saying so, rather than
looking complete.

Only ids checked against :data:`_ID` and an origin checked against
:data:`_ORIGIN` go into a request URL: nothing in an answer can point a
request elsewhere.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from reader.models import CommentData, ThreadRef
from reader.parse.base import ImportFailure
from reader.parse.comments import CommentSources, ParsedThread, make_comment
from reader.parse.sources import CommentSource, Get, register
from reader.parse.sources.page import read_page
from reader.text import dates
from reader.text.sanitize import clean_line, json_document, safe_url
from reader.text.threads import Placed, order_thread

#: A status id: Mastodon's are decimal (snowflake-like since 2.0, small on old servers).
_ID = re.compile(r"[0-9]{1,20}")
#: A descendant's id, which only names a comment (it never goes into a request):
#: other servers speaking Mastodon's API use base-62 flake ids.
_ANY_ID = re.compile(r"[0-9A-Za-z]{1,40}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*"
_USER = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}"
_HOST_NAME = re.compile(_HOST)
_STATUS_PATH = re.compile(
    rf"(?P<path>/(?:@{_USER}(?:@{_HOST})?|users/{_USER}/statuses)/(?P<id>[0-9]{{1,20}}))(?:/embed)?/?"
)
#: The origin a ThreadRef's ``api`` may hold: scheme, host name, port; nothing else.
_ORIGIN = re.compile(rf"https?://{_HOST}(?::[0-9]{{1,5}})?")
#: Hosts whose ``/@user/<number>`` pages are not Mastodon statuses (Medium's post ids can be all digits).
_NOT_MASTODON = ("medium.com",)

#: Mastodon's logged-out limits on a status's context (see the module).
LOGGED_OUT_REPLIES = 60
LOGGED_OUT_DEPTH = 20
#: More descendants than a logged-in context ever holds (Mastodon's CONTEXT_LIMIT) are not read.
MAX_DESCENDANTS = 4096
#: Status links an article page may name as its discussions: a page that lists
#: dozens of statuses is quoting them, not discussing itself on them.
MAX_PAGE_THREADS = 3
#: Attachments shown per status (Mastodon allows four).
_MAX_MEDIA = 8

NOTE_TOO_MANY = "Mastodon shows at most 60 replies to readers who are not logged in; this thread has more."
NOTE_TOO_DEEP = (
    "Mastodon shows replies at most 20 levels deep to readers who are not logged in; this thread goes deeper."
)


def status_of(url: str | None) -> tuple[str, str, str] | None:
    """``(origin, status id, status URL)`` of a Mastodon status link, or None for any other URL."""
    checked = safe_url(url)
    if checked is None:
        return None
    try:
        parts = urlsplit(checked)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None or not _HOST_NAME.fullmatch(host):
        return None
    if any(host == name or host.endswith("." + name) for name in _NOT_MASTODON):
        return None
    match = _STATUS_PATH.fullmatch(parts.path)
    if match is None:
        return None
    origin = f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")
    return origin, match.group("id"), origin + match.group("path")


def from_url(url: str, bases: CommentSources) -> ThreadRef | None:
    """The thread of a status URL on any server, asked at that server."""
    found = status_of(url)
    if found is None:
        return None
    origin, ident, public = found
    return ThreadRef("mastodon", ident, public, api=origin)


def from_page(page_html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """Status links of the page (the first :data:`MAX_PAGE_THREADS`), each once."""
    found: dict[tuple[str, str], ThreadRef] = {}
    for link in read_page(page_html, page_url).links():
        ref = from_url(link, bases)
        if ref is not None:
            found.setdefault((ref.api, ref.remote_id), ref)
            if len(found) >= MAX_PAGE_THREADS:
                break
    return list(found.values())


def _target(ref: ThreadRef) -> tuple[str, str]:
    """The origin and status id to ask for ``ref``, checked again (a stored ref is trusted no more than a link)."""
    if _ID.fullmatch(ref.remote_id) and _ORIGIN.fullmatch(ref.api):
        return ref.api, ref.remote_id
    found = status_of(ref.url)
    if found is None:
        raise ImportFailure(f"not a Mastodon status: {clean_line(ref.url)[:200]}")
    return found[0], found[1]


def _document(data: bytes, what: str) -> dict[str, Any]:
    try:
        document = json_document(data)
    except (ValueError, RecursionError):
        raise ImportFailure(f"expected a Mastodon {what}, found something else") from None
    if not isinstance(document, dict):
        raise ImportFailure(f"expected a Mastodon {what}, found other JSON")
    return document


def _count(value: object) -> int | None:
    """A count from the answer: a JSON integer in 0..10^9, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return min(max(value, 0), 10**9)


async def fetch(ref: ThreadRef, get: Get, bases: CommentSources, now: int) -> ParsedThread:
    """Read the status's replies: the status (its reply count), then its context."""
    origin, ident = _target(ref)
    root = _document(await get(f"{origin}/api/v1/statuses/{ident}"), "status")
    context = _document(await get(f"{origin}/api/v1/statuses/{ident}/context"), "status context")
    return parse_context(context, ident, _count(root.get("replies_count")), now)


def parse_context(context: dict[str, Any], root_id: str, root_replies: int | None, now: int) -> ParsedThread:
    """The comments of a ``/context`` answer for the status ``root_id``, in reply order, with the limits' note."""
    descendants = context.get("descendants")
    if not isinstance(descendants, list):
        raise ImportFailure("expected a Mastodon status context, found other JSON")
    statuses: dict[str, dict[str, Any]] = {}
    links: list[tuple[str, str | None]] = []
    for status in descendants[:MAX_DESCENDANTS]:
        if not isinstance(status, dict):
            continue
        ident = status.get("id")
        if not isinstance(ident, str) or not _ANY_ID.fullmatch(ident) or ident in statuses:
            continue  # a status without a usable id can be neither stored nor answered
        parent = status.get("in_reply_to_id")
        statuses[ident] = status
        # A reply to the status itself is a top-level comment of the thread.
        links.append((ident, parent if isinstance(parent, str) and parent != root_id else None))
    placed = order_thread(links)
    comments = [_comment(statuses[p.key], p.key, p.parent, now) for p in placed]
    return ParsedThread(comments, source_total=root_replies, note=_note(statuses, placed, root_id, root_replies))


def _note(
    statuses: dict[str, dict[str, Any]], placed: list[Placed[str]], root_id: str, root_replies: int | None
) -> str | None:
    """The logged-out limit the answer is at, when its reply counts say replies are missing; else None."""
    too_many = len(statuses) >= LOGGED_OUT_REPLIES
    too_deep = any(p.depth + 1 >= LOGGED_OUT_DEPTH for p in placed)
    if not too_many and not too_deep:
        return None
    held: dict[str | None, int] = {}
    for p in placed:
        held[p.parent] = held.get(p.parent, 0) + 1
    # The status's direct replies are those naming it, not every top-level
    # comment (a reply to an absent status is top level too).
    direct = sum(1 for status in statuses.values() if status.get("in_reply_to_id") == root_id)
    missing = root_replies is not None and root_replies > direct
    for ident, status in statuses.items():
        promised = _count(status.get("replies_count"))
        if promised is not None and promised > held.get(ident, 0):
            missing = True
            break
    if not missing:
        return None
    return NOTE_TOO_MANY if too_many else NOTE_TOO_DEEP


def _comment(status: dict[str, Any], ident: str, parent: str | None, now: int) -> CommentData:
    account = status.get("account")
    account = account if isinstance(account, dict) else {}
    name = account.get("display_name")
    author = name if isinstance(name, str) and clean_line(name) else account.get("acct")
    content = status.get("content")
    body = content if isinstance(content, str) else ""
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and clean_line(spoiler):
        # The content warning the author put before the text, shown as its first line.
        body = f"<p>CW: {html.escape(clean_line(spoiler))}</p>{body}"
    media = _media(status.get("media_attachments"))
    poll = status.get("poll")
    # Mastodon never serves an empty status (text, media or a poll is required),
    # so one that holds nothing stands for a status gone at the source.
    deleted = not body.strip() and not media and not isinstance(poll, dict)
    created = status.get("created_at")
    link = status.get("url") if isinstance(status.get("url"), str) else status.get("uri")
    return make_comment(
        f"mastodon:{ident}",
        author,
        body + media,
        f"mastodon:{parent}" if parent is not None else None,
        dates.from_iso(created if isinstance(created, str) else None, now),
        safe_url(link if isinstance(link, str) else None),
        deleted=deleted,
    )


def _media(value: object) -> str:
    """Links to a status's attachments, each with its description (the only text an image-only reply has)."""
    if not isinstance(value, list):
        return ""
    parts: list[str] = []
    for item in value[:_MAX_MEDIA]:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        url = safe_url(item.get("url") if isinstance(item.get("url"), str) else None)
        if url is None:
            url = safe_url(item.get("remote_url") if isinstance(item.get("remote_url"), str) else None)
        description = item.get("description")
        label = clean_line(kind if isinstance(kind, str) else "") or "attachment"
        text = clean_line(description if isinstance(description, str) else "")
        link = f'<a href="{html.escape(url)}">{html.escape(label)}</a>' if url else html.escape(label)
        parts.append(f"<p>[{link}{': ' + html.escape(text) if text else ''}]</p>")
    return "".join(parts)


register(CommentSource("mastodon", "Mastodon", from_url, from_page, fetch))
