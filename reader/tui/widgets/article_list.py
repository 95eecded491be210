"""The article list: a Line API widget that stays instant at 100,000 rows.

It holds only the ordered list of article ids and reads the rows it draws
from SQLite a page at a time (through a callback), the way Textualize's
toolong draws huge logs. DataTable and OptionList measure every row up
front and freeze for seconds at this size.

Columns are planned for the width the list has when it draws (see
:func:`plan_columns`): the title gets what is left after the unread marker,
the star, the age and the comment count, and the feed's name is shown only
when the list mixes feeds and the title keeps at least :data:`TITLE_MIN`
cells beside it. Inside one feed that column would repeat the same name on
every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import set_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.message import Message

from reader.models import ArticleRow
from reader.text import dates
from reader.text.sanitize import clean_line
from reader.text.wrap import wrap
from reader.tui.widgets.line_list import LineList, moving_keys

#: Rows read around the one being drawn when it is not cached yet.
PAGE_BEFORE = 20
PAGE_AFTER = 80
CACHE_LIMIT = 4000
#: Title cells kept before a feed column may be shown beside them.
TITLE_MIN = 55
#: Cells of the unread marker and the star before the title.
LEAD = 4
#: Cells of the age and count after the title: "  Nov 20  412c ".
META = 15

RowLoader = Callable[[Sequence[int]], list[ArticleRow]]


@dataclass(frozen=True)
class Columns:
    """How a row is laid out at one width: title cells, feed cells (0: no feed column)."""

    title: int
    source: int


def plan_columns(width: int, *, mixed: bool) -> Columns:
    """The columns of an article row ``width`` cells wide.

    The feed column appears only for a list that mixes feeds, and only when
    the title keeps :data:`TITLE_MIN` cells; it takes a fifth of the width
    (12 to 28 cells), since feed names are told apart by their first words.
    """
    title = max(4, width - LEAD - META)
    if mixed:
        source = max(12, min(28, width // 5))
        if title - source - 2 >= TITLE_MIN:
            return Columns(title - source - 2, source)
    return Columns(title, 0)


class ArticleList(LineList):
    """Articles, newest first: unread marker, star, title, source, age, comment count."""

    DEFAULT_CSS = """
    ArticleList {
        & > .article-list--unread { text-style: bold; color: $foreground; }
        & > .article-list--read { color: $text-muted; }
        & > .article-list--marker { color: $accent; }
        & > .article-list--star { color: $warning; }
        & > .article-list--meta { color: $text-muted; }
        & > .article-list--empty { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {
        "article-list--unread",
        "article-list--read",
        "article-list--marker",
        "article-list--star",
        "article-list--meta",
        "article-list--empty",
    }

    BINDINGS = [
        *moving_keys("articles"),
        Binding("enter", "open", "Open", id="articles.open"),
    ]

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
        #: Shown when the list is empty; may hold several lines (wrapped to the width).
        self.empty_text = empty_text
        self._mixed_feeds = True

    @property
    def mixed_feeds(self) -> bool:
        """The list mixes feeds, so a feed column may be shown (inside one feed it would repeat)."""
        return self._mixed_feeds

    @mixed_feeds.setter
    def mixed_feeds(self, mixed: bool) -> None:
        if mixed != self._mixed_feeds:
            self._mixed_feeds = mixed
            # The rows drawn so far have the other columns.
            self.forget_strips()
            self.refresh()

    # -- data ----------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        """The ordered article ids shown."""
        return self._ids

    @property
    def row_count(self) -> int:
        """Articles in the list."""
        return len(self._ids)

    @property
    def article_id(self) -> int | None:
        """The highlighted article, if any."""
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def set_ids(self, ids: list[int], keep: int | None = None) -> None:
        """Show ``ids``; keep ``keep`` (an article id) highlighted if it is among them."""
        self._ids = ids
        self._position = None
        self._rows.clear()
        self.forget_strips()
        self.update_size()
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
        self.forget_strips()
        self.update_size()
        index = self.index_of(old_id) if old_id is not None else None
        if index is None:
            index = min(self.cursor, len(ids) - 1) if ids else 0
        self.cursor = max(0, index)
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
            self.forget_strips(index)
            self.refresh_line(index)

    def forget_rows(self) -> None:
        """Drop cached rows (after the library changed underneath)."""
        self._rows.clear()
        self.forget_strips()
        self.refresh()

    def on_mount(self) -> None:
        """Ages ("5m", "3h") are drawn again every minute, drawn rows being kept."""
        self.set_interval(60, self.forget_rows)

    # -- cursor --------------------------------------------------------------

    def cursor_moved(self, old: int, new: int) -> None:
        """Announce the newly highlighted article."""
        self.post_message(self.Highlighted(self, self.article_id))

    def action_open(self) -> None:
        """Read the highlighted article."""
        if self.article_id is not None:
            self.post_message(self.Opened(self, self.article_id))

    # -- drawing -------------------------------------------------------------

    def render_empty(self, y: int, width: int) -> list[Segment]:
        """The empty list's text, wrapped, from the second line (one line per paragraph line)."""
        lines: list[str] = []
        for paragraph in self.empty_text.split("\n"):
            lines.extend(wrap(paragraph, max(10, width - 2)) if paragraph else [""])
        if 1 <= y <= len(lines):
            return [Segment(" " + lines[y - 1], self.part_style("article-list--empty"))]
        return []

    def render_row(self, index: int, width: int) -> list[Segment]:
        """Unread marker, star, title, feed (in a mixed list, when it fits), age, comment count."""
        row = self.row(index)
        if row is None:
            return []
        part = self.part_style
        columns = plan_columns(width, mixed=self.mixed_feeds)
        age = self._age(row.published, self._clock())
        count = _count(row.comment_count)
        title = set_cell_size(clean_line(row.title) or "(untitled)", columns.title)
        segments = [
            Segment(" \u25cf" if not row.read else "  ", part("article-list--marker")),
            Segment("\u2605 " if row.starred else "  ", part("article-list--star")),
            Segment(title, part("article-list--read" if row.read else "article-list--unread")),
        ]
        meta = part("article-list--meta")
        if columns.source:
            segments.append(Segment("  " + set_cell_size(clean_line(row.feed), columns.source), meta))
        segments.append(Segment(f"  {age:>6} {count:>5} ", meta))
        return segments


def _count(comments: int) -> str:
    """A comment count in at most five cells: ``12c``, ``4821c``, ``12k``."""
    if not comments:
        return ""
    if comments < 10_000:
        return f"{comments}c"
    return f"{min(comments // 1000, 999)}k"
