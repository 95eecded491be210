"""The feed list: All, Unread, Starred, then each tag with its feeds, then the untagged feeds.

A few thousand feeds at most, so Textual's OptionList is fast enough here.
Every label is a ``rich.text.Text`` made from cleaned text, so feed titles
and tag names are never parsed as markup and never reach the terminal with
control characters in them.
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
    """What the article list shows: a view (all, unread, starred), one tag or one feed."""

    view: str = "all"
    feed_id: int | None = None
    #: The tag of a ``"tag"`` source.
    tag: str | None = None
    #: For a feed: the tag it was chosen under (a feed with two tags is listed
    #: under both), so its own row stays highlighted; None for an untagged row.
    group: str | None = None

    @property
    def key(self) -> str:
        """A stable string for this source (option ids, saved state)."""
        if self.feed_id is not None:
            return f"feed:{self.feed_id}" + (f"@{self.group}" if self.group is not None else "")
        if self.view == "tag" and self.tag is not None:
            return f"tag:{self.tag}"
        return self.view

    @classmethod
    def from_key(cls, key: str) -> Source:
        """The source a key names (unknown keys mean "all")."""
        if key.startswith("tag:"):
            return cls("tag", tag=key[4:])
        if key.startswith("feed:"):
            # The id is digits, so the first "@" ends it; the tag may hold anything.
            number, at, group = key[5:].partition("@")
            if number.isascii() and number.isdigit():
                return cls("feed", int(number), group=group if at else None)
        return cls(key) if key in VIEW_LABELS else cls()


VIEW_LABELS = {"all": "All articles", "unread": "Unread", "starred": "Starred"}
#: Feeds under a tag are indented by this much.
INDENT = "  "


def feed_title(feed: FeedRow) -> str:
    """A feed's name as shown: cleaned of control characters, never empty."""
    return clean_line(feed.title) or clean_line(feed.url) or f"feed {feed.id}"


def tag_title(tag: str) -> str:
    """A tag's name as shown: cleaned of control characters, never empty."""
    return clean_line(tag) or "(unnamed tag)"


class FeedList(OptionList):
    """Views, tags and feeds; highlighting one shows its articles."""

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
        # Not in the footer: at 80 columns it would push "? Keys" and "q Quit" off it.
        Binding("A", "mark_read", "Mark all read", show=False, id="feeds.mark-read"),
    ]

    @dataclass
    class Chosen(Message):
        """A view, tag or feed was highlighted or selected."""

        feed_list: FeedList
        source: Source
        opened: bool

        @property
        def control(self) -> FeedList:
            """The list that sent the message."""
            return self.feed_list

    @dataclass
    class MarkReadAsked(Message):
        """The user asked to mark every unread article of ``source`` read (not yet confirmed)."""

        feed_list: FeedList
        source: Source
        #: How the source is named in the list (cleaned text, never markup).
        name: str

        @property
        def control(self) -> FeedList:
            """The list that sent the message."""
            return self.feed_list

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None, disabled: bool = False
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        #: The shown name of every listed source, by option id.
        self._names: dict[str, str] = {}
        #: The first row of each feed, for a saved place whose tag is gone.
        self._first_row: dict[int, str] = {}

    def set_feeds(self, feeds: list[FeedRow], counts: dict[str, int], current: Source) -> None:
        """Fill the list and highlight ``current`` without announcing it.

        After the views come the tags (by name, case-insensitively), each
        with its unread count and its feeds indented under it; a feed with
        two tags is under both. The feeds without a tag come last.
        """
        width = max(10, (self.scrollable_content_region.width or 28) - 7)
        options: list[Option | None] = []
        names: dict[str, str] = {}
        first_row: dict[int, str] = {}

        def add(
            source: Source, name: str, unread: int, *, bold: bool = False, indent: str = "", mark: str = ""
        ) -> None:
            key = source.key
            names[key] = name
            if source.feed_id is not None:
                first_row.setdefault(source.feed_id, key)
            label = self._label(indent + set_cell_size(mark + name, width - len(indent)), unread, width, bold=bold)
            options.append(Option(label, id=key))

        def add_feed(feed: FeedRow, group: str | None) -> None:
            # A feed whose last fetch failed is flagged (the header says why).
            mark = "\u26a0 " if feed.last_error else ""
            indent = INDENT if group is not None else ""
            add(Source("feed", feed.id, group=group), feed_title(feed), feed.unread, indent=indent, mark=mark)

        for view, label in VIEW_LABELS.items():
            add(Source(view), label, counts.get(view, 0), bold=True)
        options.append(None)
        by_tag: dict[str, list[FeedRow]] = {}
        untagged: list[FeedRow] = []
        for feed in feeds:
            for tag in dict.fromkeys(feed.tags):
                by_tag.setdefault(tag, []).append(feed)
            if not feed.tags:
                untagged.append(feed)
        for tag in sorted(by_tag, key=lambda name: (name.casefold(), name)):
            members = by_tag[tag]
            add(Source("tag", tag=tag), tag_title(tag), sum(feed.unread for feed in members), bold=True)
            for feed in members:
                add_feed(feed, tag)
        if by_tag and untagged:
            options.append(None)
        for feed in untagged:
            add_feed(feed, None)
        self._names = names
        self._first_row = first_row
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
        """Highlight ``source`` if it is listed (a feed whose tag is gone: its first row; else "All")."""
        key = source.key
        if key not in self._names and source.feed_id is not None:
            key = self._first_row.get(source.feed_id, key)
        try:
            self.highlighted = self.get_option_index(key)
        except Exception:
            self.highlighted = 0

    @property
    def source(self) -> Source:
        """The highlighted view, tag or feed."""
        if self.highlighted is None:
            return Source()
        option = self.get_option_at_index(self.highlighted)
        return Source.from_key(option.id or "all")

    def name_of(self, source: Source) -> str:
        """How ``source`` is named in the list (cleaned text)."""
        return self._names.get(source.key, VIEW_LABELS.get(source.view, ""))

    def action_mark_read(self) -> None:
        """Ask (through the screen) to mark every unread article of the highlighted source read."""
        source = self.source
        self.post_message(self.MarkReadAsked(self, source, self.name_of(source)))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Announce the newly highlighted source."""
        event.stop()
        self.post_message(self.Chosen(self, self.source, opened=False))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a source: show it and move on to its articles."""
        event.stop()
        self.post_message(self.Chosen(self, self.source, opened=True))
