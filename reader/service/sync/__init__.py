"""Sync with an aggregator server: subscriptions, articles, read and starred state, both ways.

The core entry point is :func:`run_sync` (``reader sync``, ``S`` in the
reader, ``sync.on_fetch``). Backends implement :class:`reader.service.sync.base.Backend`;
Tiny Tiny RSS (:mod:`reader.service.sync.ttrss`) is the first. Nothing here imports
Textual, and httpx is imported only when a sync runs.
"""

from __future__ import annotations

from reader.service.sync.account import Account, load_account
from reader.service.sync.base import SyncError
from reader.service.sync.engine import SyncSummary, run_sync

__all__ = ["Account", "SyncError", "SyncSummary", "load_account", "run_sync"]
