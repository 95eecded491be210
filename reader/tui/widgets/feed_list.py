"""The feed list: All, Unread, Starred, then each tag with its feeds, the untagged feeds, and Saved.

"Saved" is there only when feeds the user removed left starred articles
behind: they are listed under it. The list asks (by message) to remove,
rename or move the highlighted feed; the screen asks the user and does it.

A :class:`~reader.tui.widgets.line_list.LineList`: rows are drawn for the width
the pane has at the moment they are drawn, so the unread counts are always
right-aligned, whatever the width was when the list was filled and after
every resize (labels made once, for a width measured before layout, lost
their counts or wrapped them onto a line of their own). 2,000 feeds cost
what a screenful costs. Names are cleaned text drawn as plain segments:
never parsed as markup, never with control characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.message import Message

from reader.models import FeedRow
from reader.text import feed_name
from reader.text.sanitize import clean_line
from reader.tui.widgets.line_list import LineList, moving_keys

#: What the list can show: a view of every feed, one tag's feeds, or one feed.
SourceView = Literal["all", "unread", "starred", "saved", "tag", "feed", "query"]

#: What the list can ask the screen to do with the highlighted feed.
FeedAction = Literal["remove", "rename", "move", "settings"]


@dataclass(frozen=True)
class Source:
    """What the article list shows: a view (all, unread, starred), one tag or one feed."""

    view: SourceView = "all"
    feed_id: int | None = None
    #: The tag of a ``"tag"`` source.
    tag: str | None = None
    #: For a feed: the tag it was chosen under (a feed with two tags is listed
    #: under both), so its own row stays highlighted; None for an untagged row.
    group: str | None = None
    #: The name of a ``"query"`` source (a saved search, ``reader query add``).
    query: str | None = None

    @property
    def key(self) -> str:
        """A stable string for this source (option ids, saved state)."""
        if self.feed_id is not None:
            return f"feed:{self.feed_id}" + (f"@{self.group}" if self.group is not None else "")
        if self.view == "tag" and self.tag is not None:
            return f"tag:{self.tag}"
        if self.view == "query" and self.query is not None:
            return f"query:{self.query}"
        return self.view

    @classmethod
    def from_key(cls, key: str) -> Source:
        """The source a key names (unknown keys mean "all")."""
        if key.startswith("tag:"):
            return cls("tag", tag=key[4:])
        if key.startswith("query:"):
            return cls("query", query=key[6:])
        if key.startswith("feed:"):
            # The id is digits, so the first "@" ends it; the tag may hold anything.
            number, at, group = key[5:].partition("@")
            if number.isascii() and number.isdigit():
                return cls("feed", int(number), group=group if at else None)
        for view in NAMED_VIEWS:
            if key == view:
                return cls(view)
        return cls()


VIEW_LABELS: dict[SourceView, str] = {"all": "All articles", "unread": "Unread", "starred": "Starred"}
#: Before a saved search's name in the list (the search key's own sign).
QUERY_MARK = "/ "
#: The place of the starred articles kept from removed feeds (listed after the feeds, when there are any).
SAVED_LABEL = "Saved"
#: The views a key names by itself.
NAMED_VIEWS: tuple[SourceView, ...] = ("all", "unread", "starred", "saved")
#: Feeds under a tag are indented by this much.
INDENT = "  "


@dataclass(frozen=True)
class Entry:
    """One row of the feed list: a view, a tag or a feed (a separator is ``None`` in the rows)."""

    key: str
    name: str
    unread: int
    bold: bool = False
    indent: str = ""
    #: Shown before the name: a warning sign for a feed whose last fetch failed.
    mark: str = ""

    @property
    def lead(self) -> str:
        """What comes before the name: the indent under a tag and the mark."""
        return self.indent + self.mark


def tag_title(tag: str) -> str:
    """A tag's name as shown: cleaned of control characters, never empty."""
    return clean_line(tag) or "(unnamed tag)"


class FeedList(LineList):
    """Views, tags and feeds; highlighting one shows its articles."""

    DEFAULT_CSS = """
    FeedList {
        & > .feed-list--heading { text-style: bold; }
        & > .feed-list--count { text-style: bold; }
        & > .feed-list--separator { color: $panel-lighten-2; }
        & > .feed-list--warning { color: $warning; }
    }
    """

    COMPONENT_CLASSES = {"feed-list--heading", "feed-list--count", "feed-list--separator", "feed-list--warning"}

    BINDINGS = [
        *moving_keys("feeds"),
        Binding("enter", "open", "Open", id="feeds.open"),
        # Not in the footer: at 80 columns it would push "? Keys" and "q Quit" off it.
        Binding("A", "mark_read", "Mark all read", show=False, id="feeds.mark-read"),
        Binding("d", "manage('remove')", "Remove feed", show=False, id="feeds.remove"),
        Binding("e", "manage('rename')", "Rename feed", show=False, id="feeds.rename"),
        Binding("E", "manage('move')", "Change feed address", show=False, id="feeds.move"),
        Binding("O", "manage('settings')", "Feed settings", show=False, id="feeds.settings"),
    ]

    @dataclass
    class _About(Message):
        """What every message of the list carries: the list itself and the source it is about."""

        feed_list: FeedList
        source: Source

        @property
        def control(self) -> FeedList:
            """The list that sent the message."""
            return self.feed_list

    @dataclass
    class Chosen(_About):
        """A view, tag or feed was highlighted or selected."""

        opened: bool

    @dataclass
    class MarkReadAsked(_About):
        """The user asked to mark every unread article of ``source`` read (not yet confirmed)."""

        #: How the source is named in the list (cleaned text, never markup).
        name: str

    @dataclass
    class ManageAsked(_About):
        """The user asked to remove, rename or move the highlighted source (a feed; not yet done)."""

        #: How the source is named in the list (cleaned text, never markup).
        name: str
        action: FeedAction

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: The rows in order; ``None`` is a separator line.
        self.rows: list[Entry | None] = []
        self._index: dict[str, int] = {}
        #: The first row of each feed, for a saved place whose tag is gone.
        self._first_row: dict[int, str] = {}
        #: Cells of the widest unread count, with the space before it.
        self._count_width = 0
        self._width_wanted = 0

    @property
    def row_count(self) -> int:
        """Rows, separators included."""
        return len(self.rows)

    @property
    def keys(self) -> list[str | None]:
        """The key of every row in order (``None`` for a separator)."""
        return [entry.key if entry is not None else None for entry in self.rows]

    def selectable(self, index: int) -> bool:
        """Separators are skipped."""
        return 0 <= index < len(self.rows) and self.rows[index] is not None

    def set_feeds(
        self,
        feeds: list[FeedRow],
        counts: dict[str, int],
        current: Source,
        queries: Sequence[tuple[str, int]] = (),
    ) -> None:
        """Fill the list and highlight ``current`` without announcing it.

        After the views come the saved searches (``queries``: name and unread
        count, marked ``/``), then the tags (by name, case-insensitively), each
        with its unread count and its feeds indented under it; a feed with
        two tags is under both. The feeds without a tag come last.
        """
        rows: list[Entry | None] = []
        first_row: dict[int, str] = {}

        def add(
            source: Source, name: str, unread: int, *, bold: bool = False, indent: str = "", mark: str = ""
        ) -> None:
            if source.feed_id is not None:
                first_row.setdefault(source.feed_id, source.key)
            rows.append(Entry(source.key, name, unread, bold, indent, mark))

        def add_feed(feed: FeedRow, group: str | None) -> None:
            # A feed whose last fetch failed is flagged (the header says why).
            mark = "\u26a0 " if feed.last_error else ""
            indent = INDENT if group is not None else ""
            add(Source("feed", feed.id, group=group), feed_name(feed), feed.unread, indent=indent, mark=mark)

        for view, label in VIEW_LABELS.items():
            add(Source(view), label, counts.get(view, 0), bold=True)
        rows.append(None)
        if queries:
            for name, unread in queries:
                add(Source("query", query=name), name, unread, mark=QUERY_MARK)
            rows.append(None)
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
            rows.append(None)
        for feed in untagged:
            add_feed(feed, None)
        if counts.get("saved"):
            rows.append(None)
            add(Source("saved"), SAVED_LABEL, counts.get("saved_unread", 0), bold=True)
        self.rows = rows
        self.forget_strips()
        self._index = {entry.key: i for i, entry in enumerate(rows) if entry is not None}
        self._first_row = first_row
        widest = max((entry.unread for entry in rows if entry is not None), default=0)
        self._count_width = len(str(widest)) + 1 if widest else 0
        # Measured once here: the layout asks on every focus change. Names
        # longer than the widest pane need not be measured to the end.
        names = (cell_len(entry.lead) + cell_len(entry.name[:64]) for entry in rows if entry is not None)
        self._width_wanted = max(names, default=0) + self._count_width + 1
        self.update_size()
        self.refresh()
        # Refilling must not look like the user choosing a feed.
        self.select_source(current, announce=False)

    def width_wanted(self) -> int:
        """Cells a row needs to show every name whole and its count (the pane may give fewer)."""
        return self._width_wanted

    def index_of(self, key: str) -> int | None:
        """The row of ``key`` (a :attr:`Source.key`), if listed."""
        return self._index.get(key)

    def select_source(self, source: Source, *, announce: bool = False) -> None:
        """Highlight ``source`` if it is listed (a feed whose tag is gone: its first row; else "All")."""
        key = source.key
        if key not in self._index and source.feed_id is not None:
            key = self._first_row.get(source.feed_id, key)
        self.set_cursor(self._index.get(key, 0), announce=announce, force=True)

    @property
    def source(self) -> Source:
        """The highlighted view, tag or feed."""
        entry = self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None
        return Source.from_key(entry.key) if entry is not None else Source()

    def name_of(self, source: Source) -> str:
        """How ``source`` is named in the list (cleaned text)."""
        index = self._index.get(source.key)
        entry = self.rows[index] if index is not None else None
        if entry is not None:
            return entry.name
        if source.view == "query":
            return source.query or ""
        return SAVED_LABEL if source.view == "saved" else VIEW_LABELS.get(source.view, "")

    def row_text(self, key: str) -> str:
        """The text row ``key`` shows at the list's width right now (what a person reads)."""
        index = self._index.get(key)
        if index is None:
            return ""
        width = self.scrollable_content_region.width or self.size.width
        return "".join(segment.text for segment in self.render_row(index, width))

    def render_row(self, index: int, width: int) -> list[Segment]:
        """Indent, mark, the name cut to fit, the unread count right-aligned."""
        entry = self.rows[index]
        if entry is None:
            return [Segment("\u2500" * width, self.part_style("feed-list--separator"))]
        count = f"{entry.unread:>{self._count_width - 1}}" if entry.unread else ""
        room = max(1, width - 1 - self._count_width - cell_len(entry.lead))
        name_style = self.part_style("feed-list--heading") if entry.bold else None
        segments = [Segment(" " + entry.indent)]
        if entry.mark:
            segments.append(Segment(entry.mark, self.part_style("feed-list--warning")))
        segments.append(Segment(set_cell_size(entry.name, room), name_style))
        if self._count_width:
            segments.append(
                Segment(" " + set_cell_size(count, self._count_width - 1), self.part_style("feed-list--count"))
            )
        return segments

    def cursor_moved(self, old: int, new: int) -> None:
        """Announce the newly highlighted source."""
        self.post_message(self.Chosen(self, self.source, opened=False))

    def action_open(self) -> None:
        """Enter on a source: show it and move on to its articles."""
        self.post_message(self.Chosen(self, self.source, opened=True))

    def action_manage(self, action: FeedAction) -> None:
        """Ask (through the screen) to remove, rename or move the highlighted feed."""
        source = self.source
        self.post_message(self.ManageAsked(self, source, self.name_of(source), action))

    def action_mark_read(self) -> None:
        """Ask (through the screen) to mark every unread article of the highlighted source read."""
        source = self.source
        self.post_message(self.MarkReadAsked(self, source, self.name_of(source)))
