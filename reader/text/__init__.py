"""Text helpers every layer above uses: terminal-safe cleaning, HTML to Markdown, dates, search queries, threads.

Pure functions over strings and records: no SQLite, no network, no Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reader.models import FeedRow


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count and its noun in the right number: ``1 feed``, ``0 feeds``, ``2 feeds``.

    ``many`` is the plural where adding an "s" is wrong (``reply``, ``replies``).
    """
    return f"{count} {word if count == 1 else many or word + 's'}"


def feed_name(feed: FeedRow) -> str:
    """A feed as the user reads its name: its title, else its URL (cleaned, one line), never empty."""
    from reader.text.sanitize import clean_line

    return clean_line(feed.title) or clean_line(feed.url or "") or f"feed {feed.id}"
