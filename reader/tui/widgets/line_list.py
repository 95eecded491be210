"""What every keyboard list of the reader shares: rows drawn with the Line API and a cursor you can see.

The feed list, the article list, the help screen and the links screen are
all a :class:`LineList`: only the visible rows are drawn (a list of 100,000
articles or 2,000 feeds costs what a screenful costs), and the cursor is laid
over the whole row *last*, after the row's own colours. When it was laid
first, the styles of a row's parts (unread, read, marker, meta) each carried
their own background and painted over it: the cursor was invisible in every
theme and people opened articles they could not see they had chosen.

The cursor takes the theme's block-cursor colours (as Textual's own lists
do): a solid bar while the list has the focus and a fainter one while
another pane has it, so the place in the list stays visible while reading.
Rows that cannot be chosen (headings, separators) are skipped by the keys.

Drawn rows are kept (a strip per row, for the width, focus and cursor they
were drawn with): every layout of the screen draws every visible line of
every widget again, and a screen's worth of article rows cost ~9 ms to
draw, most of the 15 ms by which opening an article missed its 50 ms (see
benchmarks/README.md). A row's strip is dropped when its row changes.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.tui.widgets.parts import cursor_overlay, overlaid, without_background
from reader.tui.widgets.scrolling import set_virtual_size


def moving_keys(area: str, *, page_down: str = "pagedown", page_up: str = "pageup") -> list[Binding]:
    """The keys that move through every list, with ids ``<area>.down`` and so on for the config's ``[keys]``."""
    return [
        Binding("j,down", "cursor_down", "Down", show=False, id=f"{area}.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id=f"{area}.up"),
        Binding("g,home", "first", "Top", show=False, id=f"{area}.top"),
        Binding("G,end", "last", "Bottom", show=False, id=f"{area}.bottom"),
        Binding(page_down, "page_down", "Page down", show=False, id=f"{area}.page-down"),
        Binding(page_up, "page_up", "Page up", show=False, id=f"{area}.page-up"),
    ]


#: Drawn rows kept at most (a few screens of the biggest terminal).
STRIPS_KEPT = 2000


class LineList(ScrollView, can_focus=True):
    """A list of rows with a cursor; subclasses say how many rows there are and draw one."""

    DEFAULT_CSS = """
    LineList {
        background: $surface;
        overflow-x: hidden;
        & > .line-list--cursor {
            /* Stronger than the theme's blurred cursor (primary at 30%): the
               list's place must show at a glance while the article has the focus. */
            background: $primary 45%;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .line-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    COMPONENT_CLASSES = {"line-list--cursor"}

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: Position of the highlighted row.
        self.cursor = 0
        self._part_styles: dict[str, Style] = {}
        #: Drawn rows by index, with the (width, focus, cursor) they were drawn for.
        self._strips: dict[int, tuple[int, bool, bool, Strip]] = {}

    def forget_strips(self, index: int | None = None) -> None:
        """Draw row ``index`` (or every row) afresh next time: its content changed."""
        if index is None:
            self._strips.clear()
        else:
            self._strips.pop(index, None)

    # -- what subclasses provide ----------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows the list has (none, until a subclass says otherwise)."""
        return 0

    def render_row(self, index: int, width: int) -> list[Segment]:
        """The segments of row ``index`` (styles without a background: the list lays its own under them)."""
        return []

    def selectable(self, index: int) -> bool:
        """Whether the cursor can rest on row ``index`` (headings and separators say no)."""
        return True

    def render_empty(self, y: int, width: int) -> list[Segment]:
        """What screen line ``y`` shows while the list has no rows."""
        return []

    def cursor_moved(self, old: int, new: int) -> None:
        """Called after the cursor moved from ``old`` to ``new`` (subclasses announce it)."""

    # -- styles ------------------------------------------------------------------

    def part_style(self, component: str) -> Style:
        """The colour and text style of a component class, without its background.

        The full component style carries a background (the widget's own), which
        would paint over the cursor; its colour is kept as blended against the
        widget's background, so translucent colours like ``$text-muted`` stay right.
        """
        style = self._part_styles.get(component)
        if style is None:
            style = self._part_styles[component] = without_background(self.get_component_rich_style(component))
        return style

    def cursor_style(self) -> Style:
        """The style laid over the highlighted row: the theme's block cursor, focused or not."""
        return cursor_overlay(self.get_component_rich_style("line-list--cursor"))

    def notify_style_update(self) -> None:
        """Theme, focus or CSS changed: part styles are read again, rows drawn again."""
        self._part_styles.clear()
        self._strips.clear()
        super().notify_style_update()

    # -- cursor --------------------------------------------------------------------

    def set_cursor(self, index: int, *, announce: bool = True, force: bool = False) -> None:
        """Move the highlight to ``index`` (clamped) and scroll it into view."""
        count = self.row_count
        index = max(0, min(index, count - 1)) if count else 0
        old = self.cursor
        if index == old and not force:
            return
        self.cursor = index
        self.refresh_line(old)
        self.refresh_line(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, immediate=True)
        if announce:
            self.cursor_moved(old, index)

    def _step(self, start: int, step: int) -> int | None:
        """The first selectable row from ``start`` (inclusive) going by ``step``."""
        index = start
        count = self.row_count
        while 0 <= index < count:
            if self.selectable(index):
                return index
            index += step
        return None

    def start_on_first(self) -> None:
        """Highlight the first selectable row without scrolling (for lists filled before their first layout)."""
        self.update_size()
        first = self._step(0, +1)
        if first is not None:
            self.cursor = first
            self.cursor_moved(first, first)

    def move_to(self, index: int, step: int = 1) -> None:
        """Highlight the selectable row nearest ``index`` in the direction ``step`` (else the other way)."""
        found = self._step(index, step)
        if found is None:
            found = self._step(index, -step)
        if found is not None:
            self.set_cursor(found)

    def action_cursor_down(self) -> None:
        """Highlight the next row."""
        found = self._step(self.cursor + 1, +1)
        if found is not None:
            self.set_cursor(found)

    def action_cursor_up(self) -> None:
        """Highlight the previous row."""
        found = self._step(self.cursor - 1, -1)
        if found is not None:
            self.set_cursor(found)

    def action_first(self) -> None:
        """Highlight the first row."""
        self.move_to(0, +1)

    def action_last(self) -> None:
        """Highlight the last row."""
        self.move_to(self.row_count - 1, -1)

    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_page_down(self) -> None:
        """Down one screen."""
        self.move_to(min(self.row_count - 1, self.cursor + self._page_rows()), -1)

    def action_page_up(self) -> None:
        """Up one screen."""
        self.move_to(max(0, self.cursor - self._page_rows()), +1)

    def on_click(self, event: Click) -> None:
        """Highlight the clicked row."""
        index = self.scroll_offset.y + event.y
        if 0 <= index < self.row_count and self.selectable(index):
            self.set_cursor(index)

    # -- drawing -------------------------------------------------------------------

    def update_size(self) -> None:
        """Keep the scrollable height in step with the rows (never wider than the pane: no sideways bar)."""
        set_virtual_size(self, Size(self.scrollable_content_region.width, self.row_count))

    def on_resize(self) -> None:
        """Rows are drawn for the width they get: only the height needs keeping."""
        self.update_size()

    def render_line(self, y: int) -> Strip:
        """Draw screen line ``y``: its row, with the cursor laid over it if it is the highlighted one."""
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if not self.row_count:
            segments = list(Segment.apply_style(self.render_empty(y, width), base))
            return Strip(segments).adjust_cell_length(width, base)
        index = self.scroll_offset.y + y
        if index >= self.row_count:
            return Strip.blank(width, base)
        selected = index == self.cursor and self.selectable(index)
        # Only the cursor row looks different with and without the focus.
        focus = selected and self.has_focus
        kept = self._strips.get(index)
        if kept is not None and kept[:3] == (width, focus, selected):
            return kept[3]
        segments = list(Segment.apply_style(self.render_row(index, width), base))
        if selected:
            cursor = self.cursor_style()
            # Laid over every cell, the padding too: the whole row is the cursor.
            segments = overlaid(segments, cursor)
            strip = Strip(segments).adjust_cell_length(width, base + cursor)
        else:
            strip = Strip(segments).adjust_cell_length(width, base)
        if len(self._strips) > STRIPS_KEPT:
            self._strips.clear()
        self._strips[index] = (width, focus, selected, strip)
        return strip
