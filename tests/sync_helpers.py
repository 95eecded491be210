"""What the sync tests against real servers share: feed items to serve, and the library as `reader list` shows it."""

from __future__ import annotations

import json
from typing import Any

from conftest import RunReader
from feedserver import Item


def items(prefix: str, count: int) -> list[Item]:
    """``count`` items with links http://example.invalid/PREFIX/N, one day apart."""
    return [
        Item(
            f"{prefix}-guid-{n}",
            f"{prefix.title()} article {n}",
            f"http://example.invalid/{prefix}/{n}",
            description=f"Body of {prefix} article {n}.",
            pub_date=f"{n + 1:02d} Mar 2026 10:00:00 GMT",
        )
        for n in range(1, count + 1)
    ]


def listed(run_reader: RunReader, *args: str) -> list[dict[str, Any]]:
    """`reader list --json` (1,000 at most) with ``args``."""
    done = run_reader("list", "--json", "--limit", "1000", *args)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def by_url(run_reader: RunReader) -> dict[str, dict[str, Any]]:
    """The listed articles by their link."""
    return {row["url"]: row for row in listed(run_reader)}


def synced(run_reader: RunReader, server: str) -> str:
    """`reader sync`, which must work and say it synced with ``server`` (ttrss, fever); its output."""
    done = run_reader("sync")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"synced with {server}"), done.stdout
    return done.stdout
