"""What a sync backend is: the small interface every aggregator server implements.

A backend talks to one server for one account. The engine
(:mod:`reader.service.sync.engine`) does everything else: the queues of marks
and of subscription changes made here, matching the server's feeds and
articles with the ones here, the conflict rule, comment threads. So a
Miniflux, FreshRSS (Google Reader API) or Fever backend only has to implement
:class:`Backend`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reader.models import ArticleData, MarkField, SyncFeed

__all__ = [
    "MARKS_PER_PUSH",
    "ArticlePage",
    "Backend",
    "RemoteArticle",
    "ServerState",
    "SyncError",
    "SyncFeed",
    "SyncRefused",
    "SyncUnsupported",
]

#: Ids given to one :meth:`Backend.push_marks` call at most. The engine takes
#: each batch out of the queue once the server has confirmed it, so a sync cut
#: short sends again at most one batch; tt-rss gets a batch as one
#: ``updateArticle`` call (the ids travel as one comma-separated string).
#: A server request size, not SQLite's variable limit (``reader.store._sql.IN_BATCH``).
MARKS_PER_PUSH = 500


class SyncError(Exception):
    """A sync that could not go on; ``str()`` is one line for the user, naming the server."""


class SyncRefused(SyncError):
    """The server answered one subscription change with a no; the sync goes on with the next.

    ``str()`` is one line for the user (the engine puts the feed before it). With ``retry`` False the
    answer is final (an address the server calls invalid, or not a feed) and
    the change leaves the queue, done here only; with ``retry`` True the
    server could not do it now (it could not download the feed) and the change
    stays queued for the next sync. Unlike a plain :class:`SyncError` (the
    server down, a session refused), it does not stop the sync: one change,
    one failure.
    """

    def __init__(self, message: str, *, retry: bool = False) -> None:
        """A refusal said by ``message``; ``retry`` when asking again later may succeed."""
        super().__init__(message)
        self.retry = retry


class SyncUnsupported(SyncRefused):
    """The server's API has no way to make this change (tt-rss cannot rename a feed): final, done here only."""


@dataclass(frozen=True)
class RemoteArticle:
    """One article on the server.

    ``article.read`` and ``article.starred`` are the server's state;
    ``article.guid`` is ignored (the store names the article). ``guid_sha1``
    is the hex SHA-1 of the feed's own guid when the server keeps it.
    """

    remote_id: str
    feed_remote_id: str
    article: ArticleData
    guid_sha1: str | None = None


@dataclass(frozen=True)
class ArticlePage:
    """A page of articles, and the cursor to keep once it (and every page before it) is stored.

    ``cursor`` is None until the backend can name a point to continue from;
    the next sync passes the last one kept to :meth:`Backend.articles_since`.
    """

    articles: list[RemoteArticle]
    cursor: str | None = None


@dataclass(frozen=True)
class ServerState:
    """Which of the server's articles are unread and which starred (server ids)."""

    unread: frozenset[str] = field(default_factory=frozenset)
    starred: frozenset[str] = field(default_factory=frozenset)


class Backend(Protocol):
    """One account on one aggregator server. Every method raises :class:`SyncError` on failure.

    The subscription methods (:meth:`subscribe` to :meth:`move`) raise
    :class:`SyncRefused` when the server answers that change with a no, and
    :class:`SyncUnsupported` when it has no call for it; the engine then
    goes on with the next change.
    """

    #: Short name used in the config and on the command line (``ttrss``).
    kind: str

    async def login(self) -> str:
        """Log in; returns a short description of the server (``API level 15``)."""

    async def subscriptions(self) -> list[SyncFeed]:
        """Every feed subscribed on the server, with its category."""

    def articles_since(self, cursor: str | None) -> AsyncIterator[ArticlePage]:
        """The articles the server got since ``cursor`` (every article when None), a page at a time."""

    async def push_marks(self, field: MarkField, value: bool, remote_ids: Sequence[str]) -> None:
        """Set ``field`` (``read`` or ``starred``) to ``value`` on these articles, on the server."""

    async def state(self) -> ServerState:
        """The server's unread and starred articles now."""

    async def subscribe(self, url: str, category: str | None) -> str | None:
        """Subscribe to the feed at ``url``, in the category of that name when the server has one.

        Returns the server's id for the feed when it says it (so the engine
        links it at once), else None (the next :meth:`subscriptions` links it
        by its URL). Already subscribed there counts as done.
        """

    async def unsubscribe(self, remote_id: str) -> None:
        """Unsubscribe from the server's feed ``remote_id``; a feed the server no longer has counts as done."""

    async def rename(self, remote_id: str, title: str) -> None:
        """Give the server's feed ``remote_id`` the title ``title``."""

    async def move(self, remote_id: str, url: str) -> None:
        """Give the server's feed ``remote_id`` the address ``url`` (its articles and marks stay)."""

    async def aclose(self) -> None:
        """End the session and close the connection (never raises)."""
