"""One sync: push the queued marks, take the server's feeds, articles and marks, fetch new threads.

The order is what makes the conflict rule hold (README, "Sync"):

1. log in;
2. push every mark queued here (each confirmed group leaves the queue at
   once, so a sync cut short pushes the rest next time, never twice wrong);
3. store the server's subscriptions (feeds, categories as tags);
4. store the server's new articles, a page per transaction; an article
   that was already here without a link to the server (``reader fetch``
   brought it) is matched, and marks made on it here are queued;
5. push what step 4 queued;
6. take read/starred from the server for every synced article, except
   where a mark made here is still queued (made during this sync);
7. fetch the comment threads of new articles, the way ``reader fetch`` does.

A failure at any step stops the sync with one line (:class:`SyncError`):
what was stored stays stored, and the queue keeps every unconfirmed mark.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader.config import Config
from reader.models import MarkField, PendingMark, SyncedCopy
from reader.net.http import Limits
from reader.service.sync.account import (
    CURSOR_KEY,
    LAST_KEY,
    LAST_OK_KEY,
    Account,
    find_password,
    load_account,
)
from reader.service.sync.base import MARKS_PER_PUSH, Backend, SyncError
from reader.store import Store, StoreError, library_failure
from reader.text import dates, plural
from reader.text.sanitize import clean_line


@dataclass
class SyncSummary:
    """What one sync did."""

    account: str
    server: str = ""
    feeds: int = 0
    new_feeds: int = 0
    #: Feeds the server no longer has (kept here, no longer synced).
    gone_feeds: int = 0
    new_articles: int = 0
    #: Server articles already here (synced before, or matched with a fetched copy).
    updated_articles: int = 0
    #: Marks sent to the server and marks taken from it.
    pushed: int = 0
    pulled: int = 0
    threads: int = 0
    comments: int = 0
    thread_errors: list[str] = field(default_factory=list)
    #: Ids of the articles that are new here (their threads are fetched).
    new_article_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        """One line for the command line and the reader's header."""
        new_feeds = f" ({self.new_feeds} new)" if self.new_feeds else ""
        parts = [
            f"{plural(self.feeds, 'feed')}{new_feeds}",
            plural(self.new_articles, "new article"),
            f"{plural(self.pushed, 'mark')} sent",
            f"{self.pulled} received",
        ]
        if self.threads:
            parts.append(f"{plural(self.comments, 'comment')} in {plural(self.threads, 'thread')}")
        return f"synced with {self.account}: " + ", ".join(parts) + f" in {self.seconds:.1f} s"


#: Makes the backend for an account (tests and other servers can add theirs).
BackendFactory = Callable[[Account, str, Limits], Backend]


def make_backend(account: Account, password: str, limits: Limits) -> Backend:
    """The backend for ``account``'s kind of server."""
    if account.kind == "ttrss":
        from reader.service.sync.ttrss import TinyTinyRSS

        return TinyTinyRSS(account.url, account.user, password, limits)
    raise SyncError(f"unknown kind of sync server {account.kind!r}; run `reader sync setup` again")


def limits_for(config: Config) -> Limits:
    """Bounds on each API call: the config's time, and room for a page of 200 articles with their text."""
    return Limits(
        total_seconds=config.sync_timeout_seconds,
        max_raw_bytes=64 * 1024 * 1024,
        max_decoded_bytes=64 * 1024 * 1024,
        ca_file=config.tls_ca_file or None,
    )


def check_login(account: Account, password: str, config: Config | None = None) -> str:
    """Log in once (``reader sync setup``); returns the server's description, raises :class:`SyncError`."""
    backend = make_backend(account, password, limits_for(config or Config()))

    async def check() -> str:
        try:
            return await backend.login()
        finally:
            await backend.aclose()

    return asyncio.run(check())


def run_sync(
    db_path: Path,
    config: Config | None = None,
    *,
    password: str | None = None,
    comments: bool | None = None,
) -> SyncSummary:
    """Sync the library at ``db_path`` with its account's server; the core entry point (CLI and reader).

    ``password`` overrides where it would come from (``READER_SYNC_PASSWORD``,
    the password command, the library); ``comments`` overrides
    ``fetch.comments``. Synchronous: it runs its own event loop, so call it
    from a worker thread in an application that has one. Raises
    :class:`SyncError` (one line) when the sync cannot be done, the
    library's own failures included; what it stored before stays stored,
    and queued marks stay queued.
    """
    try:
        return _run_sync(db_path, config or Config(), password, comments)
    except StoreError as error:
        raise SyncError(str(error)) from None
    except sqlite3.Error as error:
        # The library failed (read-only, disk full, damaged): one line, as everywhere.
        failure = library_failure(error, db_path)
        # SQLite quotes the bytes of a row it cannot decode: cleaned, like every message.
        raise SyncError(str(failure) if failure else f"{db_path}: database error ({clean_line(str(error))})") from None


def _run_sync(db_path: Path, config: Config, password: str | None, comments: bool | None) -> SyncSummary:
    started = time.monotonic()
    store = Store(db_path)
    try:
        account = load_account(store)
        if account is None:
            raise SyncError("no sync account: set one up with `reader sync setup ttrss URL --user NAME`")
        summary = SyncSummary(account=account.describe())
        try:
            secret = password if password is not None else find_password(store, account)
            if not secret:
                raise SyncError(
                    f"no password for {account.user!r} at {account.url}: set READER_SYNC_PASSWORD, or run "
                    "`reader sync setup` with --password-command or --store-password"
                )
            backend = make_backend(account, secret, limits_for(config))
            asyncio.run(_sync(store, backend, summary))
        except (SyncError, StoreError, sqlite3.Error) as error:
            _remember(store, {"time": dates.now(), "ok": False, "error": str(error)})
            raise
        summary.seconds = time.monotonic() - started
        _remember(store, {"time": dates.now(), "ok": True, "line": summary.line()})
        store.set_setting(LAST_OK_KEY, str(dates.now()))
    finally:
        store.close()
    want_comments = config.fetch_comments if comments is None else comments
    if want_comments and summary.new_article_ids:
        _fetch_threads(db_path, config, summary)
        summary.seconds = time.monotonic() - started
    return summary


def _remember(store: Store, outcome: dict[str, object]) -> None:
    # The library itself failing is what the caller reports.
    with contextlib.suppress(StoreError, sqlite3.Error):
        store.set_setting(LAST_KEY, json.dumps(outcome))


async def _sync(store: Store, backend: Backend, summary: SyncSummary) -> None:
    loop = asyncio.get_running_loop()
    # Pages are stored in a thread, so the next page is on its way meanwhile;
    # one thread, so the store is never used by two at once.
    writer = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-sync-store")
    try:
        summary.server = await backend.login()
        summary.pushed = await _push(store, backend)
        feeds = await backend.subscriptions()
        stored = store.store_sync_feeds(feeds)
        summary.feeds, summary.new_feeds, summary.gone_feeds = len(stored.feed_ids), stored.created, stored.gone
        linked_before = store.sync_counts()["articles"]
        async for page in backend.articles_since(store.get_setting(CURSOR_KEY)):
            copies = [
                SyncedCopy(item.remote_id, stored.feed_ids[item.feed_remote_id], item.article, item.guid_sha1)
                for item in page.articles
                if item.feed_remote_id in stored.feed_ids
            ]
            result = await loop.run_in_executor(writer, store.store_synced_articles, copies)
            summary.new_articles += result.added
            summary.updated_articles += result.updated
            summary.pulled += result.pulled
            summary.new_article_ids.extend(result.fresh_ids)
            if page.cursor is not None:
                store.set_setting(CURSOR_KEY, page.cursor)
        # An article first matched in this sync (one `reader fetch` brought in)
        # may carry marks made here before: they were queued just now.
        summary.pushed += await _push(store, backend)
        if linked_before:
            # Older articles' marks; the ones stored above came with theirs
            # (so a first sync, 2.3 s of tt-rss's time for 5,000 unread, skips it).
            state = await backend.state()
            summary.pulled += store.apply_sync_state(state.unread, state.starred)
    finally:
        writer.shutdown(wait=True)
        await backend.aclose()


async def _push(store: Store, backend: Backend) -> int:
    """Send the queued marks, a group (field, value) at a time; each confirmed group leaves the queue."""
    groups: dict[tuple[MarkField, bool], list[PendingMark]] = {}
    for mark in store.sync_pending():
        groups.setdefault((mark.field, mark.value), []).append(mark)
    pushed = 0
    for (name, value), marks in groups.items():
        for start in range(0, len(marks), MARKS_PER_PUSH):
            chunk = marks[start : start + MARKS_PER_PUSH]
            await backend.push_marks(name, value, [mark.remote_id for mark in chunk])
            store.clear_sync_pending(chunk)
            pushed += len(chunk)
    return pushed


def _fetch_threads(db_path: Path, config: Config, summary: SyncSummary) -> None:
    """Comment threads of the new articles, by the same code as ``reader fetch`` (keyed by the article link)."""
    from reader.service.fetch import FetchSettings, fetch_comments

    threads = fetch_comments(db_path, summary.new_article_ids, FetchSettings.from_config(config))
    summary.threads = threads.threads
    summary.comments = threads.comments
    summary.thread_errors = threads.thread_errors
