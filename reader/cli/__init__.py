"""The ``reader`` command, one module per topic.

``root`` holds the group and ``main`` (where every error becomes one line);
``base`` what every command shares (the library, ``say``, JSON, errors). Each
topic module adds its commands to the group when imported, which this
package does, so ``reader.cli:main`` (the console script) sees them all.
"""

from __future__ import annotations

from reader.cli import fetching, housekeeping, importing, launch, reading, rules, settings, subscriptions, sync
from reader.cli.root import cli, main

__all__ = [
    "cli",
    "fetching",
    "housekeeping",
    "importing",
    "launch",
    "main",
    "reading",
    "rules",
    "settings",
    "subscriptions",
    "sync",
]
