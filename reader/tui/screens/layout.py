"""Which panes the main screen shows, and how wide: a pure function of the width and what the user is doing.

Measured beside newsboat (57 title characters at 80 columns), the old fixed
split (a 28-column feed pane, then 2:3 between the list and the reading
pane) cut titles to 18 characters at 100 and 120 columns while the reading
pane stood mostly empty, and cut feed names at 19. The rule now:

* **The list widens while you browse and narrows while you read.** With no
  article open, or with the focus in the feed pane, the screen is the feed
  pane and the list; there is no empty reading pane. With an article open
  the list keeps :data:`LIST_WHILE_READING` columns (50 title characters)
  and the reading pane takes the rest, up to about 100 columns of text
  (beyond that lines are too long to read, so the list gets the extra).
* **The feed pane is sized to its names**, between :data:`FEEDS_MIN` and
  :data:`FEEDS_MAX` columns (26 characters of an indented name at the most),
  and steps aside while reading unless the reading pane keeps its room.
* **Below** :data:`NARROW_BELOW` **columns one pane shows at a time**, as in
  newsboat: Enter goes deeper, Escape back, tab to the next pane.

No Textual here: the screen applies the plan, and tests check it alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Pane = Literal["feeds", "articles", "article", "comments"]

#: Below this width one pane shows at a time.
NARROW_BELOW = 100
#: From this width the comments sit beside the article instead of under it.
SIDE_BY_SIDE_FROM = 200
#: The feed pane's width range (borders included).
FEEDS_MIN = 28
FEEDS_MAX = 40
#: The list's width while an article is open: 50 title characters beside
#: the unread marker, star, age, comment count, border and scrollbar.
LIST_WHILE_READING = 72
#: The reading pane never gets narrower than this while the list has room to give.
READING_MIN = 48
#: Wider than this, the reading pane's lines get too long; the list takes the rest.
READING_MAX = 100
#: Per side-by-side column (article, comments).
READING_MAX_SIDE_BY_SIDE = 170


@dataclass(frozen=True)
class PanePlan:
    """Widths in columns of the shown panes (0: hidden; ``None``: the rest of the screen)."""

    feeds: int | None
    articles: int | None
    reading: int | None
    narrow: bool
    side_by_side: bool

    def shown(self, pane: Literal["feeds", "articles", "reading"]) -> bool:
        """Whether ``pane`` is on screen."""
        width: int | None = getattr(self, pane)
        return width != 0


def feeds_width(wanted: int) -> int:
    """The feed pane's width for names that want ``wanted`` cells (plus border and scrollbar)."""
    return max(FEEDS_MIN, min(FEEDS_MAX, wanted + 3))


def plan_panes(
    width: int,
    *,
    article_open: bool,
    focus: Pane,
    feeds_wanted: int,
    narrow_pane: Pane = "articles",
) -> PanePlan:
    """The panes for a screen ``width`` columns wide.

    ``article_open``: the reading pane has an article; ``focus``: the pane
    with the focus; ``feeds_wanted``: cells the feed names and counts want;
    ``narrow_pane``: the one pane shown below :data:`NARROW_BELOW`.
    """
    side_by_side = width >= SIDE_BY_SIDE_FROM
    if width < NARROW_BELOW:
        shown: dict[str, int | None] = {"feeds": 0, "articles": 0, "reading": 0}
        shown["reading" if narrow_pane in ("article", "comments") else narrow_pane] = None
        return PanePlan(shown["feeds"], shown["articles"], shown["reading"], narrow=True, side_by_side=False)
    feeds = feeds_width(feeds_wanted)
    if not article_open or focus == "feeds":
        return PanePlan(feeds, None, 0, narrow=False, side_by_side=side_by_side)
    widest = READING_MAX_SIDE_BY_SIDE if side_by_side else READING_MAX
    # The feed pane stays beside the list only when the reading pane keeps its full width.
    if width - feeds - LIST_WHILE_READING >= widest:
        return PanePlan(feeds, width - feeds - widest, None, narrow=False, side_by_side=side_by_side)
    articles = max(min(LIST_WHILE_READING, width - READING_MIN), width - widest)
    return PanePlan(0, articles, None, narrow=False, side_by_side=side_by_side)
