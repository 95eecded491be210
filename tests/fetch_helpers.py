"""What the fetch tests share: settings for a quick, bounded fetch and a subscription made directly."""

from __future__ import annotations

from typing import Any

from reader.models import FeedData
from reader.net.http import Limits
from reader.service.fetch import FetchSettings
from reader.store import Store


def fetch_settings(limits: Limits, **overrides: Any) -> FetchSettings:
    """Settings for a test fetch: no full pages, one parse process, every feed, then ``overrides``.

    Every fetch here is one asked for now, as ``reader fetch --all``: these
    tests fetch the same feed again at once to see what the second answer
    does. The refresh intervals that would skip it are tests/test_feed_settings.py's.
    """
    values: dict[str, Any] = {"limits": limits, "full_text": False, "parse_processes": 1, "every_feed": True}
    values.update(overrides)
    return FetchSettings(**values)


def subscribe(store: Store, url: str) -> int:
    """Subscribe ``store`` to ``url`` (titled by its URL); the feed's id."""
    feed_id, _created = store.add_feed(FeedData(key=url, url=url, title=url, kind="feed"))
    return feed_id
