"""Every key of the reader as one scrolling list: area headings, then each action's keys and what it does.

The old help was a table of two or three columns made to fit one screen: at
80 columns it cut descriptions ("Open in brows…") and left whole areas out,
and nothing scrolled it. Here each action is one row of a
:class:`~reader.tui.widgets.line_list.LineList` (the same keys move through it
as through every other list), the keys always show and the description
gets the rest; the id that rebinds an action in the config shows beside it
when the width allows, and below the list for the highlighted row always.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual.binding import Binding, BindingType
from textual.message import Message

from reader.tui.widgets.line_list import LineList, moving_keys

_KEY_NAMES = {
    "down": "\u2193",
    "up": "\u2191",
    "left": "\u2190",
    "right": "\u2192",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "full_stop": ".",
    "comma": ",",
}

#: The key column never takes more than this (a long rebinding is cut with "…").
KEY_COLUMN_MAX = 18


def key_label(keys: str) -> str:
    """``"j,down"`` as ``"j / ↓"``."""
    return " / ".join(_KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(",") if key.strip())


@dataclass(frozen=True)
class KeyRow:
    """A row of the key list: an area heading (``keys`` empty, ``heading`` set), a blank, or an action."""

    keys: str = ""
    description: str = ""
    binding_id: str = ""
    heading: str = ""


def key_rows(sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str] | None = None) -> list[KeyRow]:
    """The rows for ``sections`` (area, bindings), with the keys ``keymap`` (id to keys) rebinds."""
    keymap = keymap or {}
    rows: list[KeyRow] = []
    for title, bindings in sections:
        if rows:
            rows.append(KeyRow())
        rows.append(KeyRow(heading=title))
        for binding in bindings:
            if isinstance(binding, Binding):
                keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
                rows.append(KeyRow(key_label(keys), binding.description, binding.id or ""))
    return rows


class KeyList(LineList):
    """The key list of the ``?`` screen."""

    DEFAULT_CSS = """
    KeyList {
        background: $panel;
        & > .key-list--heading { text-style: bold underline; color: $text-primary; }
        & > .key-list--key { text-style: bold; color: $text-accent; }
        & > .key-list--id { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {"key-list--heading", "key-list--key", "key-list--id"}

    BINDINGS = [
        *moving_keys("help", page_down="pagedown,space", page_up="pageup,b"),
    ]

    @dataclass
    class Highlighted(Message):
        """The highlighted action changed (the screen shows its id)."""

        key_list: KeyList
        row: KeyRow

        @property
        def control(self) -> KeyList:
            """The list that sent the message."""
            return self.key_list

    def __init__(self, rows: list[KeyRow], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self._key_width = min(KEY_COLUMN_MAX, max((cell_len(row.keys) for row in rows), default=0))
        self._id_width = max((cell_len(row.binding_id) for row in rows), default=0)
        self._description_width = max((cell_len(row.description) for row in rows), default=0)

    def on_mount(self) -> None:
        """Start on the first action, the heading above it still in view."""
        self.start_on_first()

    @property
    def row_count(self) -> int:
        """Headings, blanks and actions."""
        return len(self.rows)

    def selectable(self, index: int) -> bool:
        """Only actions take the cursor."""
        return 0 <= index < len(self.rows) and bool(self.rows[index].keys)

    def cursor_moved(self, old: int, new: int) -> None:
        """Say which action is highlighted."""
        self.post_message(self.Highlighted(self, self.rows[new]))

    def shows_ids(self, width: int) -> bool:
        """Whether the ids fit beside whole descriptions at ``width``."""
        return width >= 1 + self._key_width + 2 + self._description_width + 2 + self._id_width

    def render_row(self, index: int, width: int) -> list[Segment]:
        """A heading, or the keys right-aligned in their column, the description and (if it fits) the id."""
        row = self.rows[index]
        if row.heading:
            return [Segment(" "), Segment(row.heading, self.part_style("key-list--heading"))]
        if not row.keys:
            return []
        keys = (
            row.keys
            if cell_len(row.keys) <= self._key_width
            else set_cell_size(row.keys, self._key_width - 1) + "\u2026"
        )
        segments = [
            Segment(" " + " " * (self._key_width - cell_len(keys)) + keys, self.part_style("key-list--key")),
            Segment("  "),
        ]
        room = width - 1 - self._key_width - 2
        if self.shows_ids(width):
            segments.append(Segment(set_cell_size(row.description, self._description_width + 2)))
            segments.append(Segment(row.binding_id, self.part_style("key-list--id")))
        else:
            segments.append(Segment(set_cell_size(row.description, max(1, room))))
        return segments
