"""The article list: a Line API widget that stays instant at 100,000 rows.

It holds only the ordered list of article ids and reads the rows it draws
from SQLite a page at a time (through a callback), the way Textualize's
toolong draws huge logs. DataTable and OptionList measure every row up
front and freeze for seconds at this size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader import dates
from reader.models import ArticleRow
from reader.sanitize import clean_line

#: Rows read around the one being drawn when it is not cached yet.
PAGE_BEFORE = 20
PAGE_AFTER = 80
CACHE_LIMIT = 4000

RowLoader = Callable[[Sequence[int]], list[ArticleRow]]


class ArticleList(ScrollView, can_focus=True):
    """Articles, newest first: unread marker, star, title, source, age, comment count."""

    DEFAULT_CSS = """
    ArticleList {
        background: $surface;
        & > .article-list--cursor { background: $panel-lighten-1; }
        &:focus > .article-list--cursor { background: $accent 40%; }
        & > .article-list--unread { text-style: bold; color: $foreground; }
        & > .article-list--read { color: $text-muted; }
        & > .article-list--marker { color: $accent; }
        & > .article-list--star { color: $warning; }
        & > .article-list--meta { color: $text-muted; }
        & > .article-list--empty { color: $text-muted; text-style: italic; }
    }
    """

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--unread",
        "article-list--read",
        "article-list--marker",
        "article-list--star",
        "article-list--meta",
        "article-list--empty",
    }

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="articles.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="articles.up"),
        Binding("g,home", "first", "Top", show=False, id="articles.top"),
        Binding("G,end", "last", "Bottom", show=False, id="articles.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="articles.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="articles.page-up"),
        Binding("enter", "open", "Open", id="articles.open"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False, init=False)
    """Position of the highlighted article in the list."""

    @dataclass
    class Highlighted(Message):
        """The highlighted article changed."""

        article_list: ArticleList
        article_id: int | None

        @property
        def control(self) -> ArticleList:
            """The list that sent the message."""
            return self.article_list

    @dataclass
    class Opened(Message):
        """The user asked to read the highlighted article."""

        article_list: ArticleList
        article_id: int

        @property
        def control(self) -> ArticleList:
            """The list that sent the message."""
            return self.article_list

    def __init__(
        self,
        load_rows: RowLoader,
        *,
        clock: Callable[[], int] = dates.now,
        date_format: str = "relative",
        empty_text: str = "No articles here.",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._load_rows = load_rows
        self._clock = clock
        self._age = dates.formatter(date_format)
        self._ids: list[int] = []
        self._position: dict[int, int] | None = None
        self._rows: dict[int, ArticleRow] = {}
        self.empty_text = empty_text

    # -- data ----------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        """The ordered article ids shown."""
        return self._ids

    @property
    def article_id(self) -> int | None:
        """The highlighted article, if any."""
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def set_ids(self, ids: list[int], keep: int | None = None) -> None:
        """Show ``ids``; keep ``keep`` (an article id) highlighted if it is among them."""
        self._ids = ids
        self._position = None
        self._rows.clear()
        self.virtual_size = Size(self.size.width, len(ids))
        target = self.index_of(keep) if keep is not None else None
        self.set_cursor(target if target is not None else 0, announce=True, force=True)
        self.refresh()

    def replace_ids(self, ids: list[int]) -> None:
        """Show ``ids`` after the library changed underneath, without moving the user's place.

        The highlighted article stays highlighted at the same height on
        screen (articles stored above it push the rows above it off the
        top, not it down); if it is gone, the highlight stays where it was.
        Every row is read again, since other programs may have changed it.
        """
        old_id = self.article_id
        height = self.cursor - self.scroll_offset.y
        self._ids = ids
        self._position = None
        self._rows.clear()
        self.virtual_size = Size(self.size.width, len(ids))
        index = self.index_of(old_id) if old_id is not None else None
        if index is None:
            index = min(self.cursor, len(ids) - 1) if ids else 0
        self.set_reactive(ArticleList.cursor, max(0, index))
        self.scroll_to(y=max(0, index - height), animate=False, force=True)
        self.refresh()
        if self.article_id != old_id:
            self.post_message(self.Highlighted(self, self.article_id))

    def index_of(self, article_id: int) -> int | None:
        """Position of an article in the list."""
        if self._position is None:
            self._position = {article_id: i for i, article_id in enumerate(self._ids)}
        return self._position.get(article_id)

    def row(self, index: int) -> ArticleRow | None:
        """The article at ``index``, reading its page from the library if needed."""
        if not 0 <= index < len(self._ids):
            return None
        article_id = self._ids[index]
        row = self._rows.get(article_id)
        if row is None:
            if len(self._rows) > CACHE_LIMIT:
                self._rows.clear()
            page = [i for i in self._ids[max(0, index - PAGE_BEFORE) : index + PAGE_AFTER] if i not in self._rows]
            for loaded in self._load_rows(page):
                self._rows[loaded.id] = loaded
            row = self._rows.get(article_id)
        return row

    def update_row(self, row: ArticleRow) -> None:
        """Replace a row after its state changed (read, starred) and redraw it."""
        self._rows[row.id] = row
        index = self.index_of(row.id)
        if index is not None:
            self.refresh_line(index)

    def forget_rows(self) -> None:
        """Drop cached rows (after the library changed underneath)."""
        self._rows.clear()
        self.refresh()

    # -- cursor --------------------------------------------------------------

    def set_cursor(self, index: int, *, announce: bool = True, force: bool = False) -> None:
        """Move the highlight to ``index`` (clamped) and scroll it into view."""
        index = max(0, min(index, len(self._ids) - 1)) if self._ids else 0
        old = self.cursor
        if index == old and not force:
            return
        self.set_reactive(ArticleList.cursor, index)
        self.refresh_line(old)
        self.refresh_line(index)
        self.scroll_to_region(Region(0, index, 1, 1), animate=False, force=True, immediate=True)
        if announce:
            self.post_message(self.Highlighted(self, self.article_id))

    def action_cursor_down(self) -> None:
        """Highlight the next article."""
        self.set_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        """Highlight the previous article."""
        self.set_cursor(self.cursor - 1)

    def action_first(self) -> None:
        """Highlight the newest article."""
        self.set_cursor(0)

    def action_last(self) -> None:
        """Highlight the oldest article."""
        self.set_cursor(len(self._ids) - 1)

    def action_page_down(self) -> None:
        """Move down one screen."""
        self.set_cursor(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        """Move up one screen."""
        self.set_cursor(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_open(self) -> None:
        """Read the highlighted article."""
        if self.article_id is not None:
            self.post_message(self.Opened(self, self.article_id))

    def on_click(self, event: object) -> None:
        """Highlight the clicked row."""
        offset = getattr(event, "y", None)
        if isinstance(offset, int):
            self.set_cursor(self.scroll_offset.y + offset)

    # -- drawing -------------------------------------------------------------

    def on_resize(self) -> None:
        """Keep the virtual size in step with the width."""
        self.virtual_size = Size(self.size.width, len(self._ids))

    def render_line(self, y: int) -> Strip:
        """Draw the row at screen line ``y``."""
        width = self.scrollable_content_region.width or self.size.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if not self._ids:
            if y == 0:
                style = base + self.get_component_rich_style("article-list--empty")
                return Strip([Segment(set_cell_size(" " + self.empty_text, width), style)], width)
            return Strip.blank(width, base)
        row = self.row(index)
        if row is None:
            return Strip.blank(width, base)
        return self._render_row(row, width, base, selected=index == self.cursor)

    def _render_row(self, row: ArticleRow, width: int, base: Style, *, selected: bool) -> Strip:
        style = self.get_component_rich_style
        if selected:
            base = base + style("article-list--cursor")
        title_style = base + style("article-list--read" if row.read else "article-list--unread")
        meta = base + style("article-list--meta")
        marker = Segment(" \u25cf" if not row.read else "  ", base + style("article-list--marker"))
        star = Segment("\u2605 " if row.starred else "  ", base + style("article-list--star"))
        age = self._age(row.published, self._clock())
        if row.comment_count:
            count = f"{row.comment_count} comments" if width >= 100 else f"{row.comment_count}c"
        else:
            count = ""
        source_width = 18 if width >= 100 else 12 if width >= 70 else 0
        right = f"  {set_cell_size(clean_line(row.feed), source_width)}" if source_width else ""
        count_width = 12 if width >= 100 else 5
        right += f"  {age:>6}  {count:>{count_width}} "
        title_width = max(4, width - 4 - len(right))
        title = set_cell_size(clean_line(row.title) or "(untitled)", title_width)
        segments = [marker, star, Segment(title, title_style), Segment(right, meta)]
        return Strip(segments).adjust_cell_length(width, base)
