"""One library file and what can be done to it: the service the command line and the reader share.

``reader fetch`` and the reader's ``R``, ``reader comments`` and ``C``,
``reader sync`` and ``S`` used to put their settings together each on their
own, and drifted apart (the command said which articles have no comment
source; the reader guessed it from an empty result). Both now ask a
:class:`Library`, which turns the config into settings once and answers with
the same records. Every call is synchronous (each runs its own event loop):
the reader calls it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.config import Config
from reader.models import ThreadRef
from reader.text import dates

if TYPE_CHECKING:
    # Imported where used: the reader starts without aiohttp and the parsers
    # (about 0.1 s), and most commands never fetch.
    from reader.service.fetch import FetchSettings, FetchSummary, MoreResult, ProgressCallback
    from reader.service.sync.engine import SyncSummary


@dataclass
class CommentsOutcome:
    """What fetching some articles' threads now did."""

    summary: FetchSummary
    #: Articles whose discussion is at no known comment source (their link is kept).
    without_source: list[int] = field(default_factory=list)
    #: Ids that are no article of this library.
    unknown: list[int] = field(default_factory=list)


@dataclass
class DiscussionsOutcome:
    """An article's discussions elsewhere: what the sites answered (or the kept answer), and which are stored."""

    article_id: int
    found: list[ThreadRef] = field(default_factory=list)
    #: One line per site that could not be asked (or "no such article", "no link").
    errors: list[str] = field(default_factory=list)
    #: The answer is the one kept from an earlier lookup (within ``discussions.cache_hours``).
    cached: bool = False
    #: Keys (source, id there, server) of the found discussions already stored as threads of the article.
    stored: set[tuple[str, str, str]] = field(default_factory=set)


@dataclass
class FullTextOutcome:
    """What fetching some articles' pages now did."""

    summary: FetchSummary
    #: Articles with no link to fetch.
    without_link: list[int] = field(default_factory=list)
    #: Ids that are no article of this library.
    unknown: list[int] = field(default_factory=list)


class Library:
    """The services over one library file, with one config.

    ``parse_in_threads``: parse fetched feeds in threads of this process
    rather than worker processes (the reader: a worker process could write
    to the terminal it draws on).
    """

    def __init__(
        self, db_path: Path, config: Config | None = None, *, parse_in_threads: bool = False, debug: bool = False
    ) -> None:
        self.db_path = db_path
        self.config = config or Config()
        self.parse_in_threads = parse_in_threads
        self.debug = debug

    def fetch_settings(self, **overrides: Any) -> FetchSettings:
        """The fetch settings the config asks for, with ``overrides`` (command-line flags) on top."""
        from reader.service.fetch import FetchSettings

        values: dict[str, Any] = {"debug": self.debug}
        if self.parse_in_threads:
            values["parse_processes"] = 1
        values.update(overrides)
        return FetchSettings.from_config(self.config, **values)

    def fetch(
        self,
        feed_ids: Sequence[int] | None = None,
        *,
        progress: ProgressCallback | None = None,
        **overrides: Any,
    ) -> FetchSummary:
        """Fetch the due feeds (or ``feed_ids``), their threads and short articles' pages; then notify.command."""
        from reader.service.fetch import fetch
        from reader.service.notify import notify_new

        summary = fetch(self.db_path, self.fetch_settings(**overrides), feed_ids=feed_ids, progress=progress)
        if summary.error is None:
            summary.notify_error = notify_new(self.db_path, self.config, summary.new_article_ids)
        return summary

    def fetch_comments(self, article_ids: Sequence[int], **overrides: Any) -> CommentsOutcome:
        """Fetch these articles' threads now; say which have no known source and which are no article."""
        from reader.service.fetch import FetchSummary, fetch_comments, thread_plan
        from reader.store import Store

        settings = self.fetch_settings(**overrides)
        with Store(self.db_path) as store:
            sources = store.articles_for_comments(list(article_ids))
        known = {source.article_id for source in sources}
        without = [source.article_id for source in sources if thread_plan(source, settings.sources) is None]
        outcome = CommentsOutcome(
            FetchSummary(), without, [article_id for article_id in article_ids if article_id not in known]
        )
        wanted = [source.article_id for source in sources if source.article_id not in without]
        if wanted:
            outcome.summary = fetch_comments(self.db_path, wanted, settings)
        return outcome

    def find_discussions(self, article_id: int, *, refresh: bool = False) -> DiscussionsOutcome:
        """Look the article up on the discussion sites (the kept answer if recent, unless ``refresh``).

        Each lookup tells the sites in ``discussions.sites`` the article's
        address: it happens only when asked (``reader discussions``, ``D``)
        or for the feeds the user opted in.
        """
        from reader.service.fetch import look_up_discussions
        from reader.store import Store

        outcome = DiscussionsOutcome(article_id)
        with Store(self.db_path) as store:
            rows = store.articles_by_ids([article_id])
            cached = None
            if rows and not refresh and self.config.discussions_cache_hours:
                since = dates.now() - self.config.discussions_cache_hours * 3600
                cached = store.cached_lookup(article_id, since)
        if not rows:
            outcome.errors.append(f"no article with id {article_id}")
            return outcome
        url = rows[0].url
        if cached is not None:
            outcome.found, outcome.cached = cached, True
        elif not url:
            outcome.errors.append("the article has no link to look up")
            return outcome
        else:
            result, summary = look_up_discussions(self.db_path, article_id, url, self.fetch_settings())
            outcome.found, outcome.errors = result.found, result.errors
            if summary.error:
                outcome.errors.append(summary.error)
        with Store(self.db_path) as store:
            outcome.stored = store.thread_keys(article_id)
        return outcome

    def fetch_discussions(self, article_id: int, refs: Sequence[ThreadRef]) -> FetchSummary:
        """Fetch these discussions of the article (found by :meth:`find_discussions`) and keep them as its threads."""
        from reader.service.fetch import fetch_found_discussions

        return fetch_found_discussions(self.db_path, article_id, refs, self.fetch_settings())

    def fetch_full_text(self, article_ids: Sequence[int], **overrides: Any) -> FullTextOutcome:
        """Fetch these articles' web pages now and keep their main text (summary-only feeds)."""
        from reader.service.fetch import FetchSummary, fetch_full_text
        from reader.store import Store

        with Store(self.db_path) as store:
            rows = store.articles_by_ids(list(dict.fromkeys(article_ids)))
        found = {row.id for row in rows}
        outcome = FullTextOutcome(
            FetchSummary(),
            [row.id for row in rows if not row.url],
            [article_id for article_id in article_ids if article_id not in found],
        )
        pages = [(row.id, row.url) for row in rows if row.url]
        if pages:
            outcome.summary = fetch_full_text(self.db_path, pages, self.fetch_settings(**overrides))
        return outcome

    def fetch_more_replies(self, comment_id: int) -> MoreResult:
        """Fetch the replies behind a "more replies" row and put them in its place."""
        from reader.service.fetch import fetch_more_replies

        return fetch_more_replies(self.db_path, comment_id, self.fetch_settings())

    def sync(self, *, password: str | None = None, comments: bool | None = None) -> SyncSummary:
        """Sync with the account's server; raises ``SyncError`` (one line) when it cannot."""
        from reader.service.sync import run_sync

        return run_sync(self.db_path, self.config, password=password, comments=comments)
