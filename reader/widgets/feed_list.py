"""The feed list: All, Unread, Starred, then every feed with its unread count.

A few thousand feeds at most, so Textual's OptionList is fast enough here;
every label is a ``rich.text.Text`` so feed titles are never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reader.models import FeedRow
from reader.sanitize import clean_line


@dataclass(frozen=True)
class Source:
    """What the article list shows: a view (all, unread, starred) or one feed."""

    view: str = "all"
    feed_id: int | None = None

    @property
    def key(self) -> str:
        """A stable string for this source (option ids, saved state)."""
        return f"feed:{self.feed_id}" if self.feed_id is not None else self.view

    @classmethod
    def from_key(cls, key: str) -> Source:
        """The source a key names (unknown keys mean "all")."""
        if key.startswith("feed:") and key[5:].isdigit():
            return cls("feed", int(key[5:]))
        return cls(key) if key in ("all", "unread", "starred") else cls()


VIEW_LABELS = {"all": "All articles", "unread": "Unread", "starred": "Starred"}


class FeedList(OptionList):
    """Views and feeds; highlighting one shows its articles."""

    DEFAULT_CSS = """
    FeedList {
        background: $surface;
        border: none;
        padding: 0;
    }
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="feeds.down"),
        Binding("k", "cursor_up", "Up", show=False, id="feeds.up"),
        Binding("g", "first", "Top", show=False, id="feeds.top"),
        Binding("G", "last", "Bottom", show=False, id="feeds.bottom"),
    ]

    @dataclass
    class Chosen(Message):
        """A view or feed was highlighted or selected."""

        feed_list: FeedList
        source: Source
        opened: bool

        @property
        def control(self) -> FeedList:
            """The list that sent the message."""
            return self.feed_list

    def set_feeds(self, feeds: list[FeedRow], counts: dict[str, int], current: Source) -> None:
        """Fill the list and highlight ``current`` without announcing it."""
        width = max(10, (self.scrollable_content_region.width or 28) - 7)
        options: list[Option | None] = []
        for view, label in VIEW_LABELS.items():
            options.append(Option(self._label(label, counts.get(view, 0), width, bold=True), id=view))
        options.append(None)
        for feed in feeds:
            title = clean_line(feed.title) or clean_line(feed.url) or f"feed {feed.id}"
            if feed.last_error:
                title = "\u26a0 " + title
            options.append(Option(self._label(title, feed.unread, width), id=Source("feed", feed.id).key))
        # Refilling must not look like the user choosing a feed.
        with self.prevent(OptionList.OptionHighlighted):
            self.clear_options()
            self.add_options(options)
            self.select_source(current)

    @staticmethod
    def _label(title: str, unread: int, width: int, bold: bool = False) -> Text:
        label = Text(set_cell_size(title, width), style="bold" if bold else "")
        if unread:
            label.append(f" {unread:>5}", style="bold")
        return label

    def select_source(self, source: Source) -> None:
        """Highlight ``source`` if it is listed (else "All")."""
        try:
            self.highlighted = self.get_option_index(source.key)
        except Exception:
            self.highlighted = 0

    @property
    def source(self) -> Source:
        """The highlighted view or feed."""
        if self.highlighted is None:
            return Source()
        option = self.get_option_at_index(self.highlighted)
        return Source.from_key(option.id or "all")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Announce the newly highlighted source."""
        event.stop()
        self.post_message(self.Chosen(self, self.source, opened=False))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a source: show it and move on to its articles."""
        event.stop()
        self.post_message(self.Chosen(self, self.source, opened=True))
