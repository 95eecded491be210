"""The Fever API, which FreshRSS, Miniflux, yarr, BazQux, coldsweat and TT-RSS (with a plugin) serve.

Every call is a POST of the form field ``api_key`` (the MD5 of
``email:password``, hex) to the API's address with ``?api`` and the call's
own parameters in the query; every answer is a JSON object with ``auth``
(1, or 0 for a key the server does not know) and the call's fields. Calls
go through :func:`reader.net.http.post`: one deadline per call and a capped
body. What is used:

* ``?api`` alone: the key is checked (``auth``), ``api_version`` said;
* ``groups`` (``id``, ``title``) and ``feeds`` (``id``, ``title``, ``url``),
  joined by ``feeds_groups`` (``group_id``, ``feed_ids`` as ``"1,2,3"``): a
  group becomes the feed's tag here (the first, when a feed is in several);
* ``items&since_id=N``: the items with an id above N, oldest first, 50 at a
  time (the API's page); the highest id stored is the cursor for the next sync;
* ``unread_item_ids`` and ``saved_item_ids`` (comma-separated ids): the
  server's state of every item, for the articles synced before;
* ``mark=item&as=read|unread|saved|unsaved&id=N`` (in the body): one item a
  call (the API has no batch), a few calls in flight at once; an item the
  server no longer has (404) counts as marked.

The API cannot subscribe, unsubscribe, rename or move a feed: those changes
are refused (:class:`SyncUnsupported`), done here only. Its items carry no
guid (articles already fetched here are matched by their link) and no
comments link (threads come from the comment sources, by the article's link,
and from discussions elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from reader.models import ArticleData, MarkField, SyncFeed
from reader.net.http import FetchError, Limits, make_client, post
from reader.service.sync.base import (
    ArticlePage,
    RemoteArticle,
    ServerState,
    SyncError,
    SyncUnsupported,
)
from reader.text import dates
from reader.text.render import html_to_plain, sanitize_with_text
from reader.text.sanitize import clean_line, json_document, safe_url

if TYPE_CHECKING:
    from reader.net.http import Client

#: An id as the API gives them: ASCII digits, at most what SQLite's integers hold ("²" is a digit to str.isdigit).
_ID = re.compile(r"[0-9]{1,18}")
#: Items in one answer to ``items``: what every Fever server sends at most.
PAGE = 50
#: Pages followed at most in one sync: a server that keeps answering cannot keep a sync going for ever.
MAX_PAGES = 200_000
#: ``mark`` calls in flight at once (one item a call).
MARKS_AT_ONCE = 4
_AS = {("read", True): "read", ("read", False): "unread", ("starred", True): "saved", ("starred", False): "unsaved"}


def api_key(email: str, password: str) -> str:
    """The Fever API key: the MD5 of ``email:password``, in lower-case hex (as every Fever server computes it)."""
    return hashlib.md5(f"{email}:{password}".encode(), usedforsecurity=False).hexdigest()


class Fever:
    """One account on a server that speaks the Fever API."""

    kind = "fever"

    def __init__(self, url: str, user: str, password: str, limits: Limits | None = None) -> None:
        """Talk to the Fever API at ``url`` (its own address, as kept in the account) as ``user`` (an e-mail)."""
        self.url = url
        self.user = user
        self._key = api_key(user, password)
        self.limits = limits or Limits(max_raw_bytes=64 * 1024 * 1024, max_decoded_bytes=64 * 1024 * 1024)
        self._client: Client | None = None

    # -- calls ---------------------------------------------------------------

    def _address(self, params: dict[str, str | int]) -> str:
        query = "api" + ("&" + urlencode(params) if params else "")
        return self.url + ("&" if "?" in self.url else "?") + query

    async def _call(self, form: dict[str, str | int] | None = None, **params: str | int) -> dict[str, Any]:
        """One API call: its answer, or :class:`SyncError` with a line naming what went wrong.

        ``params`` go in the address (the call's name, ``since_id``), ``form``
        in the body beside the key (``mark``, ``as``, ``id``): servers differ in
        which they read where (coldsweat ignores a ``since_id`` in the body and
        refuses a ``mark`` in the address), and this split is the one all read.
        """
        if self._client is None:
            self._client = make_client(self.limits, max_connections=MARKS_AT_ONCE)
        body = urlencode({"api_key": self._key, **(form or {})}).encode("ascii")
        try:
            response = await post(
                self._client,
                self._address(params),
                body,
                content_type="application/x-www-form-urlencoded",
                limits=self.limits,
            )
        except FetchError as error:
            reason = clean_line(str(error))
            if error.kind == "network":
                raise SyncError(f"cannot reach {self.url}: the server is down or unreachable ({reason})") from None
            raise SyncError(f"{self.url}: {reason}") from None
        if response.status == 404 and form and "mark" in form:
            raise _Gone  # an item the server no longer has: nothing left to mark
        if response.status != 200:
            hint = " (no Fever API at this address?)" if response.status == 404 else ""
            hint = " (a server error: see the server's log)" if response.status >= 500 else hint
            raise SyncError(f"{self.url}: the server answered HTTP {response.status}{hint}")
        try:
            answer = json_document(response.body)
        except ValueError:
            if response.body.lstrip()[:1] == b"<":
                raise SyncError(
                    f"{self.url}: the server answered with a web page, not the Fever API "
                    "(is the address the API's own, such as https://example.org/api/fever.php?)"
                ) from None
            raise SyncError(f"{self.url}: the answer is not JSON, so not the Fever API") from None
        if not isinstance(answer, dict) or "auth" not in answer:
            raise SyncError(f"{self.url}: the answer is JSON but not from the Fever API")
        if answer.get("auth") != 1:
            raise SyncError(
                f"{self.url}: the server did not accept the key of {self.user!r} (wrong e-mail or password)"
            )
        return answer

    # -- the Backend interface ----------------------------------------------------

    async def login(self) -> str:
        """Check the key; returns ``Fever API version N``."""
        answer = await self._call()
        version = answer.get("api_version")
        return f"Fever API version {version if isinstance(version, int | str) else '?'}"

    async def subscriptions(self) -> list[SyncFeed]:
        """Every feed on the server; its (first) group becomes the feed's tag here."""
        groups_answer = await self._call(groups="")
        feeds_answer = await self._call(feeds="")
        names = {
            number: name
            for row in _objects(groups_answer.get("groups"))
            if (number := _int(row.get("id"))) is not None
            and (name := clean_line(html_to_plain(str(row.get("title") or ""))))
        }
        group_of: dict[int, str] = {}
        for row in _objects(feeds_answer.get("feeds_groups") or groups_answer.get("feeds_groups")):
            group = names.get(_int(row.get("group_id")) or 0)
            for feed in _ids(row.get("feed_ids")):
                if group:
                    group_of.setdefault(feed, group)
        feeds = []
        for row in _objects(feeds_answer.get("feeds")):
            number = _int(row.get("id"))
            url = safe_url(str(row.get("url") or ""))
            if number is None or url is None:
                continue
            title = clean_line(html_to_plain(str(row.get("title") or "")))
            feeds.append(SyncFeed(remote_id=str(number), url=url, title=title, category=group_of.get(number)))
        return feeds

    async def articles_since(self, cursor: str | None) -> AsyncIterator[ArticlePage]:
        """Items with an id above ``cursor``, a page of 50 at a time, oldest first.

        The next page is asked for as soon as this one's highest id is known,
        before its items are cleaned and stored: the server works meanwhile
        (13% off a first sync of 5,000 items from coldsweat, measured).
        """
        since = int(cursor) if cursor and _ID.fullmatch(cursor) else 0
        ahead = asyncio.ensure_future(self._call(items="", since_id=since))
        try:
            for _page in range(MAX_PAGES):
                rows = _objects((await ahead).get("items"))
                numbers = [number for row in rows if (number := _int(row.get("id"))) is not None and number > since]
                if not numbers:
                    yield ArticlePage([], str(since))
                    return
                floor, since = since, max(numbers)
                ahead = asyncio.ensure_future(self._call(items="", since_id=since))
                page = [item for row in rows if (item := _item(row)) is not None and int(item.remote_id) > floor]
                yield ArticlePage(page, str(since))
            raise SyncError(f"{self.url}: more than {MAX_PAGES * PAGE} items listed")
        finally:
            if not ahead.done():
                ahead.cancel()
            await asyncio.gather(ahead, return_exceptions=True)

    async def push_marks(self, field: MarkField, value: bool, remote_ids: Sequence[str]) -> None:
        """``mark=item`` for each id (read, unread, saved or unsaved), a few at once; any failure stops all."""
        verb = _AS[(field, value)]
        numbers = [number for remote_id in remote_ids if (number := _int(remote_id)) is not None]

        async def mark(number: int) -> None:
            with contextlib.suppress(_Gone):  # deleted on the server since: the mark is as good as sent
                await self._call({"mark": "item", "as": verb, "id": number})

        for start in range(0, len(numbers), MARKS_AT_ONCE):
            await asyncio.gather(*(mark(number) for number in numbers[start : start + MARKS_AT_ONCE]))

    async def state(self) -> ServerState:
        """The ids of every unread and every saved item on the server."""
        unread = await self._call(unread_item_ids="")
        saved = await self._call(saved_item_ids="")
        return ServerState(
            frozenset(str(number) for number in _ids(unread.get("unread_item_ids"))),
            frozenset(str(number) for number in _ids(saved.get("saved_item_ids"))),
        )

    async def subscribe(self, url: str, category: str | None) -> str | None:
        """The Fever API cannot subscribe to a feed."""
        raise SyncUnsupported("the Fever API cannot subscribe to a feed: subscribed here only")

    async def unsubscribe(self, remote_id: str) -> None:
        """The Fever API cannot unsubscribe from a feed."""
        raise SyncUnsupported("the Fever API cannot unsubscribe from a feed: removed here only")

    async def rename(self, remote_id: str, title: str) -> None:
        """The Fever API cannot rename a feed."""
        raise SyncUnsupported("the Fever API cannot rename a feed: renamed here only")

    async def move(self, remote_id: str, url: str) -> None:
        """The Fever API cannot change a feed's address."""
        raise SyncUnsupported("the Fever API cannot change a feed's address: moved here only")

    async def aclose(self) -> None:
        """Close the connection (the API has no session to end); never raises."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


class _Gone(Exception):
    """The server answered a mark with 404: it has no such item (any more)."""


def _objects(value: object) -> list[dict[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _ID.fullmatch(value.strip()):
        return int(value)
    return None


def _ids(value: object) -> list[int]:
    """Ids as the API gives them: ``"1,2,3"`` (a list of numbers read too); anything else is skipped."""
    parts = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return [number for part in parts if (number := _int(part)) is not None and number > 0]


def _item(row: dict[str, Any]) -> RemoteArticle | None:
    """An item as a :class:`RemoteArticle` (None without a usable id or feed)."""
    number, feed = _int(row.get("id")), _int(row.get("feed_id"))
    if number is None or number <= 0 or feed is None:
        return None
    body, text = sanitize_with_text(str(row.get("html") or ""))
    title = clean_line(html_to_plain(str(row.get("title") or ""))) or clean_line(text[:80]) or "(untitled)"
    article = ArticleData(
        guid="",
        title=title,
        text=text,
        html=body or None,
        url=safe_url(str(row.get("url") or "")),
        author=clean_line(html_to_plain(str(row.get("author") or ""))),
        published=dates.plausible(_int(row.get("created_on_time")) or None),
        read=_int(row.get("is_read")) == 1,
        starred=_int(row.get("is_saved")) == 1,
    )
    return RemoteArticle(str(number), str(feed), article)


def describe_limits() -> str:
    """What the Fever API cannot do, as ``reader sync status`` says it."""
    return (
        "the Fever API cannot subscribe, unsubscribe, rename or move feeds (those stay here), and its items carry "
        "no comments link (threads come from the article's link and from `reader discussions`)"
    )
