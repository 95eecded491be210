"""The links of what is being read, grouped (the article, its discussion, the comments), as a keyboard list.

A :class:`~reader.tui.widgets.line_list.LineList`: one row per link (its text,
then its target, dim, cut to the width), a heading row per group, and the
cursor drawn over the whole row like every other list. Labels and targets
are cleaned text and ``safe_url`` targets only (the caller guarantees it):
nothing here is parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.message import Message

from reader.tui.widgets.line_list import LineList, moving_keys

#: (text, target) of one link.
Link = tuple[str, str]


@dataclass(frozen=True)
class LinkGroup:
    """Links under one heading ("This article", "Discussion", a comment, "Elsewhere in the thread")."""

    title: str
    links: list[Link]


@dataclass(frozen=True)
class LinkRow:
    """A row: a heading (``link`` None) or a link."""

    heading: str = ""
    link: Link | None = None


class LinkList(LineList):
    """Links, grouped; enter chooses the highlighted one."""

    DEFAULT_CSS = """
    LinkList {
        background: $panel;
        & > .link-list--heading { text-style: bold underline; color: $text-primary; }
        & > .link-list--url { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {"link-list--heading", "link-list--url"}

    BINDINGS = [
        *moving_keys("links"),
        Binding("enter", "choose", "Show", id="links.choose"),
    ]

    @dataclass
    class Chosen(Message):
        """Enter on a link."""

        link_list: LinkList
        link: Link

        @property
        def control(self) -> LinkList:
            """The list that sent the message."""
            return self.link_list

    @dataclass
    class Highlighted(Message):
        """The highlighted link changed (the screen shows its whole target)."""

        link_list: LinkList
        link: Link

        @property
        def control(self) -> LinkList:
            """The list that sent the message."""
            return self.link_list

    def __init__(self, groups: list[LinkGroup], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[LinkRow] = []
        for group in groups:
            if not group.links:
                continue
            if self.rows:
                self.rows.append(LinkRow())
            self.rows.append(LinkRow(heading=group.title))
            self.rows.extend(LinkRow(link=link) for link in group.links)

    def on_mount(self) -> None:
        """Start on the first link, the heading above it still in view."""
        self.start_on_first()

    @property
    def row_count(self) -> int:
        """Headings, blanks and links."""
        return len(self.rows)

    @property
    def link(self) -> Link | None:
        """The highlighted link."""
        return self.rows[self.cursor].link if 0 <= self.cursor < len(self.rows) else None

    def selectable(self, index: int) -> bool:
        """Only links take the cursor."""
        return 0 <= index < len(self.rows) and self.rows[index].link is not None

    def cursor_moved(self, old: int, new: int) -> None:
        """Say which link is highlighted."""
        link = self.rows[new].link
        if link is not None:
            self.post_message(self.Highlighted(self, link))

    def action_choose(self) -> None:
        """Enter: the highlighted link."""
        if self.link is not None:
            self.post_message(self.Chosen(self, self.link))

    def render_row(self, index: int, width: int) -> list[Segment]:
        """A heading, or the link's text then its target (cut to the width)."""
        row = self.rows[index]
        if row.link is None:
            return [Segment(" "), Segment(row.heading, self.part_style("link-list--heading"))] if row.heading else []
        text, url = row.link
        room = max(1, width - 3)
        label = text if text != url else ""
        label_width = min(cell_len(label), max(0, room // 2)) if label else 0
        segments = [Segment("   ")]
        if label_width:
            segments.append(Segment(set_cell_size(label, label_width) + "  "))
            room -= label_width + 2
        segments.append(Segment(set_cell_size(url, max(1, room)), self.part_style("link-list--url")))
        return segments
