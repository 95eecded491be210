"""Tiny Tiny RSS over its JSON API (``/api/``), as Debian 12's tt-rss (API level 15) answers it.

Every call is a POST of a JSON object (tt-rss reads no form fields) and every
answer is ``{"seq", "status": 0 | 1, "content"}``; an error is status 1 with
``{"error": CODE}``. Calls go through :func:`reader.net.http.post`: one deadline
per call and a capped body, so a stalled or hostile server cannot hold a
sync or fill memory. What is used:

* ``login`` -> ``session_id`` (sent as ``sid`` afterwards; a session that
  expired mid-sync is renewed once);
* ``getCategories`` and ``getFeeds`` with ``cat_id: -3`` (every real feed);
* ``getHeadlines`` of feed -4 (all articles) with ``since_id``, 200 at a time
  (the most tt-rss gives) with ``skip``, with the content; tt-rss orders them
  by ``score, date_entered`` (one transaction per article when it stores
  them, so the order is total and paging with ``skip`` misses nothing);
* the unread list (feed -4, ``view_mode: unread``) and the starred one
  (feed -1) without content, for the state of older articles;
* ``updateArticle``: field 2 (unread) and field 0 (starred), mode 0/1;
* ``subscribeToFeed`` (with ``category_id`` when a category of the tag's
  name exists: the API cannot make one) and ``unsubscribeFeed``. The API
  has no call to rename a feed or change its address: those are refused
  (:class:`SyncUnsupported`), done here only.

tt-rss returns no time for a mark (``last_read`` and ``last_marked`` stay in
its database), so the conflict rule cannot compare times; see the README.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from reader.models import ArticleData, MarkField, SyncFeed
from reader.net.http import FetchError, Limits, make_client, post
from reader.text import dates
from reader.text.render import html_to_plain, sanitize_with_text
from reader.text.sanitize import clean_line, safe_url

if TYPE_CHECKING:
    from reader.net.http import Client
from reader.service.sync.base import (
    MARKS_PER_PUSH,
    ArticlePage,
    RemoteArticle,
    ServerState,
    SyncError,
    SyncRefused,
    SyncUnsupported,
)

#: Articles per getHeadlines call: tt-rss's own maximum.
PAGE = 200
#: getHeadlines calls in flight at once while paging.
AHEAD = 2
#: Pages followed at most in one listing: a server that keeps answering full
#: pages of new ids cannot keep a sync going for ever (10 million articles).
MAX_PAGES = 50_000
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
#: Field numbers of updateArticle.
_FIELDS = {"starred": 0, "read": 2}
#: subscribeToFeed's answers that are final, by its status code (0 and 1 are done, 5 is "try later").
_SUBSCRIBE_REFUSED = {
    2: "Tiny Tiny RSS calls the address invalid",
    3: "Tiny Tiny RSS found no feed at the address",
    4: "the page offers several feeds, so Tiny Tiny RSS took none (add one by its own address)",
}


def api_endpoint(url: str) -> str:
    """The API address of a tt-rss installation (``https://host/tt-rss/`` -> ``.../tt-rss/api/``)."""
    return url.rstrip("/") + "/api/"


class TinyTinyRSS:
    """One account on a Tiny Tiny RSS server."""

    kind = "ttrss"

    def __init__(self, url: str, user: str, password: str, limits: Limits | None = None) -> None:
        """Talk to the tt-rss at ``url`` (its folder, as kept in the account) as ``user``."""
        self.url = url
        self.endpoint = api_endpoint(url)
        self.user = user
        self._password = password
        # Pages of 200 articles with their content can be large; still bounded.
        self.limits = limits or Limits(max_raw_bytes=64 * 1024 * 1024, max_decoded_bytes=64 * 1024 * 1024)
        self._client: Client | None = None
        self._sid: str | None = None
        self._seq = 0
        #: The server's categories by folded title, asked once per sync (by the first subscribe).
        self._categories: dict[str, int] | None = None

    # -- calls ---------------------------------------------------------------

    async def _call(self, op: str, **params: Any) -> Any:
        """One API call; its ``content``, or :class:`SyncError` with a line naming what went wrong."""
        try:
            return await self._call_once(op, params)
        except _NotLoggedIn:
            if op == "login":
                raise SyncError(f"{self.url}: the server did not accept the login") from None
            # Sessions expire (a day by default): log in again, once.
            await self.login()
            try:
                return await self._call_once(op, params)
            except _NotLoggedIn:
                raise SyncError(f"{self.url}: the server keeps refusing the session after logging in") from None

    async def _call_once(self, op: str, params: dict[str, Any]) -> Any:
        if self._client is None:
            self._client = make_client(self.limits, max_connections=2)
        self._seq += 1
        payload = {"op": op, "seq": self._seq, **params}
        if self._sid and op != "login":
            payload["sid"] = self._sid
        try:
            response = await post(self._client, self.endpoint, json.dumps(payload).encode("utf-8"), limits=self.limits)
        except FetchError as error:
            raise SyncError(self._transport_failure(error)) from None
        if response.status != 200:
            hint = _status_hint(response.status)
            raise SyncError(f"{self.endpoint}: the server answered HTTP {response.status}{hint}")
        answer = self._decode(response.body, response.headers.get("content-type", ""))
        if answer.get("status") != 0:
            content = answer.get("content")
            code = str(content.get("error", "")) if isinstance(content, dict) else ""
            if code == "NOT_LOGGED_IN":
                raise _NotLoggedIn
            raise _ApiFailure(self._api_failure(op, code), code)
        return answer.get("content")

    def _decode(self, body: bytes, content_type: str) -> dict[str, Any]:
        text = body.strip()
        try:
            answer = json.loads(text)
        except ValueError:
            # With display_errors on, PHP prints warnings before the JSON.
            start = text.find(b'{"seq"')
            try:
                answer = json.loads(text[start:]) if start > 0 else None
            except ValueError:
                answer = None
            if answer is None:
                if text[:1] == b"<" or "html" in content_type.lower():
                    raise SyncError(
                        f"{self.endpoint}: the server answered with a web page, not the tt-rss API "
                        "(is the address tt-rss's own, such as https://example.org/tt-rss/?)"
                    ) from None
                raise SyncError(f"{self.endpoint}: the answer is not JSON, so not the tt-rss API") from None
        if not isinstance(answer, dict) or "status" not in answer or "content" not in answer:
            raise SyncError(f"{self.endpoint}: the answer is JSON but not from the tt-rss API")
        return answer

    def _transport_failure(self, error: FetchError) -> str:
        # The error can quote what the server sent (a redirect's target): cleaned.
        reason = clean_line(str(error))
        if error.kind == "network":
            return f"cannot reach {self.endpoint}: the server is down or unreachable ({reason})"
        if error.kind == "redirect":
            return f"{self.endpoint}: {reason}; use that address in `reader sync setup`"
        return f"{self.endpoint}: {reason}"

    def _api_failure(self, op: str, code: str) -> str:
        if code == "LOGIN_ERROR":
            return f"{self.url}: wrong user name or password for {self.user!r}"
        if code == "API_DISABLED":
            return (
                f"{self.url}: the API is disabled for {self.user!r}; "
                'turn on "Enable API access" in tt-rss\'s Preferences'
            )
        return f"{self.url}: {op} failed ({clean_line(code)[:60] or 'no reason given'})"

    # -- the Backend interface ----------------------------------------------------

    async def login(self) -> str:
        """Log in; returns ``API level N``."""
        content = await self._call("login", user=self.user, password=self._password)
        sid = content.get("session_id") if isinstance(content, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SyncError(f"{self.endpoint}: the login answer has no session")
        self._sid = sid
        return f"API level {content.get('api_level', '?')}"

    async def subscriptions(self) -> list[SyncFeed]:
        """Every feed on the server; a category becomes the feed's tag here (nested ones by their own name)."""
        categories: dict[int, str] = {}
        for row in _rows(await self._call("getCategories", include_empty=True), "getCategories"):
            number = _int(row.get("id"))
            # 0 is "Uncategorized"; negative ids are tt-rss's own groups (Special, Labels).
            if number is not None and number > 0:
                name = clean_line(html_to_plain(str(row.get("title") or "")))
                if name:
                    categories[number] = name
        feeds = []
        for row in _rows(await self._call("getFeeds", cat_id=-3), "getFeeds"):
            number = _int(row.get("id"))
            url = safe_url(str(row.get("feed_url") or ""))
            if number is None or url is None:
                continue
            feeds.append(
                SyncFeed(
                    remote_id=str(number),
                    url=url,
                    title=clean_line(html_to_plain(str(row.get("title") or ""))),
                    category=categories.get(_int(row.get("cat_id")) or 0),
                )
            )
        return feeds

    async def articles_since(self, cursor: str | None) -> AsyncIterator[ArticlePage]:
        """Articles with an id above ``cursor`` (a tt-rss article id), newest first, 200 a page."""
        since = int(cursor) if cursor and cursor.isdigit() else 0
        highest = since
        seen: set[int] = set()
        pages = self._pages(
            feed_id=-4,
            view_mode="all_articles",
            since_id=since,
            show_content=True,
            show_excerpt=False,
            include_attachments=False,
        )
        async for rows, last in pages:
            page = []
            for row in rows:
                article = _article(row)
                if article is not None and int(article.remote_id) not in seen:
                    seen.add(int(article.remote_id))
                    page.append(article)
            highest = max([highest, *(int(a.remote_id) for a in page)])
            yield ArticlePage(page, str(highest) if last else None)

    async def _pages(self, **query: Any) -> AsyncIterator[tuple[list[dict[str, Any]], bool]]:
        """getHeadlines a page (200) at a time with ``skip``, and whether the page is the last.

        :data:`AHEAD` pages are asked for at once: tt-rss spends about 0.1 s
        on a page, on its own cores, while this side stores the one before.
        A short page is the last; so is one with no id not seen before (a
        server that ignores ``skip`` would otherwise send the same page for ever).
        """
        pending: deque[asyncio.Task[Any]] = deque()
        asked = 0
        seen: set[Any] = set()

        def ask() -> None:
            nonlocal asked
            if asked >= MAX_PAGES:
                raise SyncError(f"{self.url}: more than {MAX_PAGES * PAGE} articles listed")
            call = self._call("getHeadlines", limit=PAGE, skip=asked * PAGE, **query)
            pending.append(asyncio.ensure_future(call))
            asked += 1

        try:
            for _ in range(AHEAD):
                ask()
            while pending:
                rows = _rows(await pending.popleft(), "getHeadlines")
                ids = {row.get("id") for row in rows}
                last = len(rows) < PAGE or ids <= seen
                seen |= ids
                if last:
                    yield rows, True
                    return
                ask()
                yield rows, False
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def push_marks(self, field: MarkField, value: bool, remote_ids: Sequence[str]) -> None:
        """updateArticle for these ids (read is tt-rss's field 2, "unread", so the mode is inverted)."""
        mode = int(not value) if field == "read" else int(value)
        for start in range(0, len(remote_ids), MARKS_PER_PUSH):
            chunk = remote_ids[start : start + MARKS_PER_PUSH]
            await self._call("updateArticle", article_ids=",".join(chunk), field=_FIELDS[field], mode=mode)

    async def state(self) -> ServerState:
        """The ids of every unread and every starred article on the server."""
        unread, starred = await asyncio.gather(
            self._ids(feed_id=-4, view_mode="unread"), self._ids(feed_id=-1, view_mode="all_articles")
        )
        return ServerState(frozenset(unread), frozenset(starred))

    async def _ids(self, **query: Any) -> set[str]:
        found: set[str] = set()
        async for rows, _last in self._pages(show_content=False, show_excerpt=False, **query):
            found.update(str(n) for row in rows if (n := _int(row.get("id"))) is not None)
        return found

    async def subscribe(self, url: str, category: str | None) -> str | None:
        """subscribeToFeed; the server's feed id. Already subscribed there is done too.

        tt-rss downloads the address first: when it cannot (code 5, the site
        down or an address its filter refuses) the change is kept for the next
        sync; an invalid address, a page without a feed or with several is final.
        """
        params: dict[str, Any] = {"feed_url": url}
        number = await self._category_id(category) if category else None
        if number is not None:
            params["category_id"] = number
        content = await self._call("subscribeToFeed", **params)
        status = content.get("status") if isinstance(content, dict) else None
        code = _int(status.get("code")) if isinstance(status, dict) else None
        if not isinstance(status, dict) or code is None:
            raise SyncError(f"{self.url}: unexpected answer to subscribeToFeed")
        if code in (0, 1):
            feed = _int(status.get("feed_id"))
            return str(feed) if feed is not None and feed > 0 else None
        if code == 5:
            reason = clean_line(str(status.get("message") or ""))[:120]
            raise SyncRefused(
                "Tiny Tiny RSS could not download the feed" + (f" ({reason})" if reason else ""), retry=True
            )
        refused = _SUBSCRIBE_REFUSED.get(code, f"Tiny Tiny RSS refused it (code {code})")
        raise SyncRefused(f"{refused}: subscribed here only")

    async def _category_id(self, name: str) -> int | None:
        """The id of the server's category called ``name`` (as :meth:`subscriptions` shows it), or None."""
        if self._categories is None:
            self._categories = {}
            for row in _rows(await self._call("getCategories", include_empty=True), "getCategories"):
                number = _int(row.get("id"))
                title = clean_line(html_to_plain(str(row.get("title") or ""))).casefold()
                if number is not None and number > 0:
                    self._categories.setdefault(title, number)
        return self._categories.get(clean_line(name).casefold())

    async def unsubscribe(self, remote_id: str) -> None:
        """unsubscribeFeed; a feed the server no longer has (FEED_NOT_FOUND) is as good as done."""
        number = _int(remote_id)
        if number is None:
            raise SyncRefused(f"{remote_id!r} is not a Tiny Tiny RSS feed id: removed here only")
        try:
            await self._call("unsubscribeFeed", feed_id=number)
        except _ApiFailure as failure:
            if failure.code != "FEED_NOT_FOUND":
                raise

    async def rename(self, remote_id: str, title: str) -> None:
        """tt-rss's API cannot rename a feed (only its web interface can)."""
        raise SyncUnsupported("Tiny Tiny RSS's API cannot rename a feed: renamed here only")

    async def move(self, remote_id: str, url: str) -> None:
        """tt-rss's API cannot change a feed's address (only its web interface can)."""
        raise SyncUnsupported("Tiny Tiny RSS's API cannot change a feed's address: moved here only")

    async def aclose(self) -> None:
        """Log out (ends the session on the server) and close the connection; never raises."""
        if self._client is None:
            return
        try:
            if self._sid:
                await self._call_once("logout", {})
        except (SyncError, _NotLoggedIn):
            pass
        finally:
            self._sid = None
            await self._client.aclose()
            self._client = None


class _NotLoggedIn(Exception):
    """tt-rss answered NOT_LOGGED_IN: the session expired."""


class _ApiFailure(SyncError):
    """tt-rss answered with an error; ``code`` is its error code (``FEED_NOT_FOUND``), raw, never shown."""

    def __init__(self, message: str, code: str) -> None:
        """The line for the user, and the code to tell one error from another."""
        super().__init__(message)
        self.code = code


def _status_hint(status: int) -> str:
    if status == 404:
        return " (no tt-rss API at this address?)"
    if status in (401, 403):
        return " (the web server refused access)"
    if status >= 500:
        return " (a server error: see the server's log)"
    return ""


def _rows(content: Any, op: str) -> list[dict[str, Any]]:
    if not isinstance(content, list):
        raise SyncError(f"unexpected answer to {op}: expected a list")
    return [row for row in content if isinstance(row, dict)]


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def guid_sha1(value: Any) -> str | None:
    """The hex SHA-1 of the feed's own guid, from tt-rss's stored ``guid``.

    Current entries hold ``{"ver":2,"uid":N,"hash":"SHA1:<hex>"}``; older
    ones hold ``N,<guid>`` itself. The ``SHA1:`` of ``"N,<guid>"`` (a
    compatibility form) cannot be matched and gives None.
    """
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return None
        digest = data.get("hash") if isinstance(data, dict) else None
        if isinstance(digest, str) and digest[:5].upper() == "SHA1:" and _HEX40.match(digest[5:].lower()):
            return digest[5:].lower()
        return None
    owner, comma, guid = value.partition(",")
    if comma and owner.isdigit() and guid:
        return hashlib.sha1(clean_line(guid).encode("utf-8", "surrogatepass")).hexdigest()
    return None


def _article(row: dict[str, Any]) -> RemoteArticle | None:
    """A getHeadlines row as a :class:`RemoteArticle` (None when it has no usable id)."""
    number = _int(row.get("id"))
    feed = _int(row.get("feed_id"))
    if number is None or number <= 0 or feed is None:
        return None
    link = safe_url(str(row.get("link") or ""))
    body, text = sanitize_with_text(str(row.get("content") or ""))
    title = clean_line(html_to_plain(str(row.get("title") or ""))) or clean_line(text[:80]) or "(untitled)"
    count = _int(row.get("comments_count"))
    article = ArticleData(
        guid="",
        title=title,
        text=text,
        html=body or None,
        url=link,
        author=clean_line(html_to_plain(str(row.get("author") or ""))),
        published=dates.plausible(_int(row.get("updated")) or None),
        comments_url=safe_url(str(row.get("comments_link") or "")),
        declared_comment_count=count if count else None,
        read=not row.get("unread", True),
        starred=bool(row.get("marked", False)),
    )
    return RemoteArticle(str(number), str(feed), article, guid_sha1(row.get("guid")))
