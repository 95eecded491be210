"""What the comment-source tests share: a thread fetched through the real bounded client, and stored.

Each source's tests (Mastodon, Lemmy, Discourse, Bluesky) serve recorded or
schema-built answers from a loopback server; these run the service's own
``fetch_thread`` against it and put the result through the real store.
"""

from __future__ import annotations

import asyncio

from reader.models import ArticleData, CommentRow, FeedData, ImportBatch, ThreadRef
from reader.net.http import Limits, make_client
from reader.parse.comments import CommentSources, ParsedThread
from reader.service.threads import fetch_thread
from reader.store import Store


def fetched_thread(ref: ThreadRef, bases: CommentSources, now: int) -> ParsedThread:
    """``ref``'s thread as the service fetches it (default limits, no proxy from the environment)."""

    async def run() -> ParsedThread:
        limits = Limits()
        async with make_client(limits, environ={}) as client:
            return await fetch_thread(ref, client, limits, bases, now)

    return asyncio.run(run())


def stored_comments(store: Store, parsed: ParsedThread) -> list[CommentRow]:
    """``parsed``'s comments stored under a new article of ``store``, read back in thread order."""
    batch = ImportBatch(kind="test")
    batch.articles.append((FeedData(key="k", title="Feed"), ArticleData(guid="g", title="Article", text="x")))
    store.store_batch(batch)
    article = store.list_articles()[0].id
    store.add_comments(article, parsed.comments)
    return store.comments(article)
