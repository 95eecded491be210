"""One sync: push the queued marks and subscription changes, take the server's feeds, articles and marks.

The order is what makes the conflict rule hold (README, "Sync"):

1. log in;
2. push every mark queued here (each confirmed group leaves the queue at
   once, so a sync cut short pushes the rest next time, never twice wrong);
3. push the subscriptions made, removed, renamed and moved here, in the
   order they were made; each answered one leaves the queue (done, or
   refused for good: one line in the summary), one the server could not do
   now stays for the next sync;
4. store the server's subscriptions (feeds, categories as tags); a feed it
   no longer has goes here too (starred articles kept);
5. store the server's new articles, a page per transaction; an article
   that was already here without a link to the server (``reader fetch``
   brought it) is matched, and marks made on it here are queued;
6. push what step 5 queued;
7. take read/starred from the server for every synced article, except
   where a mark made here is still queued (made during this sync);
8. fetch the comment threads of new articles, the way ``reader fetch`` does.

A failure at any step stops the sync with one line (:class:`SyncError`):
what was stored stays stored, and the queues keep every unconfirmed mark
and change. Only a server's no to one subscription change
(:class:`SyncRefused`) lets the sync go on.
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
from reader.models import MarkField, PendingFeedChange, PendingMark, SyncedCopy
from reader.net.http import Limits
from reader.service.sync.account import (
    CURSOR_KEY,
    LAST_KEY,
    LAST_OK_KEY,
    Account,
    find_password,
    load_account,
)
from reader.service.sync.base import MARKS_PER_PUSH, Backend, SyncError, SyncRefused
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
    #: Feeds the server no longer has (removed here too; their starred articles stay).
    gone_feeds: int = 0
    #: Subscription changes made here that the server took (subscribed, unsubscribed...).
    feed_changes: int = 0
    #: One line per subscription change the server refused, or could not do yet.
    feed_notes: list[str] = field(default_factory=list)
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
        counts = [f"{self.new_feeds} new"] if self.new_feeds else []
        counts += [f"{self.gone_feeds} gone"] if self.gone_feeds else []
        parts = [f"{plural(self.feeds, 'feed')}" + (f" ({', '.join(counts)})" if counts else "")]
        if self.feed_changes:
            parts.append(f"{plural(self.feed_changes, 'feed change')} sent")
        if self.feed_notes:
            parts.append(f"{plural(len(self.feed_notes), 'feed change')} refused")
        parts += [
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
    if account.kind == "fever":
        from reader.service.sync.fever import Fever

        return Fever(account.url, account.user, password, limits)
    raise SyncError(f"unknown kind of sync server {account.kind!r}; run `reader sync setup` again")


def limits_for(config: Config) -> Limits:
    """Bounds on each API call: the config's time, and room for a page of 200 articles with their text."""
    return Limits.from_config(
        config,
        total_seconds=config.sync_timeout_seconds,
        max_raw_bytes=64 * 1024 * 1024,
        max_decoded_bytes=64 * 1024 * 1024,
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
            raise SyncError("no sync account: set one up with `reader sync setup ttrss|fever URL --user NAME`")
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
        await _push_feed_changes(store, backend, summary)
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


#: How long a change the server cannot do yet (tt-rss could not download the feed) is tried again.
RETRY_SECONDS = 7 * 24 * 3600
#: What a change given up leaves: made here, not on the server.
_DONE_HERE_ONLY = {
    "subscribe": "subscribed here only",
    "unsubscribe": "removed here only",
    "rename": "renamed here only",
    "move": "moved here only",
}


async def _push_feed_changes(store: Store, backend: Backend, summary: SyncSummary) -> None:
    """Send the subscription changes queued here, oldest first; each answered one leaves the queue.

    Done, or refused for good (:class:`SyncRefused`, the server's API cannot
    do it): it leaves the queue, a refusal with a line in ``summary.feed_notes``.
    One the server cannot do yet stays queued (for :data:`RETRY_SECONDS`,
    then given up) and the next is sent. Any other :class:`SyncError` stops
    the sync with the change still queued, so nothing is lost.
    """
    for change in store.sync_feed_changes():
        try:
            sent = await _send_feed_change(store, backend, change)
        except SyncRefused as refusal:  # named only now: most changes go through unremarked
            note = f"{_feed_label(store, change)}: {clean_line(str(refusal))}"
            if refusal.retry and dates.now() - change.changed < RETRY_SECONDS:
                summary.feed_notes.append(f"{note}; tried again at the next sync")
                continue
            given_up = f"; given up after a week: {_DONE_HERE_ONLY[change.action]}"
            summary.feed_notes.append(note + given_up if refusal.retry else note)
            store.clear_sync_feed_change(change)
            continue
        summary.feed_changes += sent
        store.clear_sync_feed_change(change)


async def _send_feed_change(store: Store, backend: Backend, change: PendingFeedChange) -> bool:
    """Make one queued change on the server; False when there was nothing left to send."""
    if change.action == "subscribe":
        target = store.feed_to_subscribe(change.feed_id)
        if target is None or change.feed_id is None:
            return False  # removed here again, or the server has it already
        url, tag = target
        remote_id = await backend.subscribe(url, tag)
        if remote_id is not None:
            store.link_sync_feed(change.feed_id, remote_id)
        return True
    if change.remote_id is None:
        return False  # queued for a feed the server never had: nothing to tell it
    if change.action == "unsubscribe":
        await backend.unsubscribe(change.remote_id)
        return True
    if change.action == "rename":
        title = change.title
        if title is None:  # back to the feed's own title, whatever it is now
            here = store.feed_title(change.feed_id) if change.feed_id is not None else None
            if here is None:
                return False
            title = here[0]
        await backend.rename(change.remote_id, title)
        return True
    if change.url is None:
        return False
    await backend.move(change.remote_id, change.url)
    return True


def _feed_label(store: Store, change: PendingFeedChange) -> str:
    """How a note names the feed of a change: its address (here, else queued), else its title here, else its id."""
    here = store.feed_to_subscribe(change.feed_id) if change.action == "subscribe" else None
    url = here[0] if here is not None else change.url
    if url:
        return clean_line(url)
    title = store.feed_title(change.feed_id) if change.feed_id is not None else None
    if title is not None and title[0]:
        return f'"{clean_line(title[0])}"'
    return f"feed {clean_line(change.remote_id or '?')} on the server"


def _fetch_threads(db_path: Path, config: Config, summary: SyncSummary) -> None:
    """Comment threads of the new articles, by the same code as ``reader fetch`` (keyed by the article link)."""
    from reader.service.fetch import FetchSettings, fetch_comments

    threads = fetch_comments(db_path, summary.new_article_ids, FetchSettings.from_config(config))
    summary.threads = threads.threads
    summary.comments = threads.comments
    summary.thread_errors = threads.thread_errors
