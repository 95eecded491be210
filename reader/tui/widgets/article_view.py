"""The reading pane: an article drawn as pre-rendered lines (the Line API).

Textual's Markdown widget builds a widget per block (631 for a 50 KB
article, 1.1 s). Here the article is rendered once with Rich in a worker
thread into lines of segments, and the pane only copies the visible ones:
opening is as fast as rendering, and a long article shows its first screen
before the rest is laid out.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.models import ArticleDetail, source_label
from reader.text import dates
from reader.text.sanitize import clean_line, clean_text, safe_url
from reader.text.wrap import wrap
from reader.tui.widgets.scrolling import set_virtual_size

#: The first part rendered before the rest, enough for a screen or two.
FIRST_SCREEN_CHARS = 4000
_PARAGRAPH_BREAK = re.compile(r"\n\n(?!\s)")
# A Markdown link to an http(s) target, read left to right so that an escaped
# character (html2text escapes brackets, parentheses and backslashes, in the
# text and the target alike) never starts or ends one.
_LINK = re.compile(
    r"\\.|\[((?:\\.|[^\]\\\n])*)\]\((https?://(?:\\.|[^)\s\\])+)\)"
    # An autolink (html2text writes one for a link whose text is its target).
    r"|<(https?://[^>\s]+)>"
)
_ESCAPED = re.compile(r"\\(.)")


def split_first_screen(markdown: str, limit: int = FIRST_SCREEN_CHARS) -> tuple[str, bool]:
    """The opening of ``markdown`` cut at a paragraph break, and whether it was cut."""
    if len(markdown) <= limit:
        return markdown, False
    cut = markdown.rfind("\n\n", 0, limit)
    if cut <= 0 or markdown.count("```", 0, cut) % 2:
        return markdown, False  # never cut inside a code block
    return markdown[:cut], True


def article_links(markdown: str) -> list[tuple[str, str]]:
    """The http(s) links of an article as ``(text, url)``, in order, without repeats."""
    seen: set[str] = set()
    links = []
    for match in _LINK.finditer(markdown):
        if match.group(3) is not None:
            url = safe_url(match.group(3))
            if url and url not in seen:
                seen.add(url)
                links.append((url, url))
            continue
        if match.group(2) is None:
            continue  # an escaped character
        url = safe_url(_ESCAPED.sub(r"\1", match.group(2)))
        if url and url not in seen:
            seen.add(url)
            links.append((clean_line(_ESCAPED.sub(r"\1", match.group(1))) or url, url))
    return links


def theme_styles(variables: Mapping[str, str]) -> dict[str, str]:
    """Rich styles for the article, from the app theme's colours."""

    def solid(name: str, fallback: str) -> str:
        background = Color.parse(variables.get("background", "#000000"))
        try:
            color = Color.parse(variables.get(name, fallback))
        except Exception:
            color = Color.parse(fallback)
        return (background + color).hex6

    background = Color.parse(variables.get("background", "#000000"))
    try:
        found = background.blend(Color.parse(variables.get("warning", "#FFA62B")), 0.6)
    except Exception:
        found = background.blend(Color.parse("#FFA62B"), 0.6)
    heading = solid("text-primary", "#57A5E2")
    accent = solid("accent", "#FEA62B")
    muted = solid("foreground-muted", "#999999")
    panel = solid("surface", "#222222")
    return {
        "markdown.h1": f"bold {heading}",
        "markdown.h2": f"bold {heading}",
        "markdown.h3": f"bold {heading}",
        "markdown.h4": f"bold italic {heading}",
        "markdown.h5": f"italic {heading}",
        "markdown.h6": f"italic {muted}",
        "markdown.block_quote": f"italic {muted}",
        "markdown.code": f"bold {accent} on {panel}",
        "markdown.link": f"underline {heading}",
        "markdown.link_url": f"{muted}",
        "markdown.item.bullet": f"bold {accent}",
        "markdown.item.number": f"bold {accent}",
        "markdown.hr": muted,
        "article.title": f"bold {accent}",
        "article.meta": muted,
        "article.url": f"{muted} underline",
        # A search's matches: the theme's warning colour, with text that reads on it.
        "search.match": f"bold {found.get_contrast_text(1.0).hex6} on {found.hex6}",
    }


def render_article(
    detail: ArticleDetail,
    width: int,
    styles: Mapping[str, str],
    *,
    base: Style | None = None,
    first_screen: bool = False,
) -> tuple[list[list[Segment]], bool]:
    """Render the header and body to lines of segments, each padded to ``width``.

    ``base`` (the pane's own style) is laid under every segment here, so the
    pane can show the lines as they are. With ``first_screen`` only the
    opening part is rendered; the second value says whether more remains.
    Runs in a worker thread: it touches no widget.
    """
    console = Console(
        width=max(20, width),
        color_system="truecolor",
        force_terminal=True,
        theme=Theme(dict(styles)),
        markup=False,
        emoji=False,
        highlight=False,
        legacy_windows=False,
    )
    article = detail.article
    header = Text(clean_line(article.title) or "(untitled)", style="article.title")
    byline = " \u00b7 ".join(
        part
        for part in (clean_line(article.author), dates.to_human(article.published), clean_line(article.feed))
        if part
    )
    parts: list[RenderableType] = [header, Text(byline, style="article.meta")]
    url = safe_url(article.url)
    if url:
        parts.append(Text(url, style="article.url"))
    discussed = discussed_line(detail)
    if discussed:
        parts.append(Text(discussed, style="article.meta"))
    parts.append(Rule(style="markdown.hr"))
    markdown = clean_text(detail.text)
    more = False
    if first_screen:
        markdown, more = split_first_screen(markdown)
    body = Markdown(markdown or "*(no text)*", hyperlinks=False, code_theme="monokai")
    parts.append(body)
    if more:
        parts.append(Text("\u2026", style="article.meta"))
    lines = console.render_lines(Group(*parts), console.options.update_width(max(20, width)), style=base, pad=True)
    return lines, more


def discussed_line(detail: ArticleDetail) -> str:
    """``Discussed on Hacker News (412) · Lobsters (37)``: the article's threads when any is not the blog's own.

    Empty for an article whose only comments are its blog's (the panel's title says how many).
    """
    if all(thread.source in ("feed", "wordpress", "isso") for thread in detail.threads):
        return ""
    return "Discussed on " + " \u00b7 ".join(
        f"{source_label(thread.source)} ({thread.comment_count:,})" for thread in detail.threads
    )


class ArticleView(ScrollView, can_focus=True):
    """The article being read: header, then the text as formatted Markdown."""

    DEFAULT_CSS = """
    ArticleView {
        background: $surface;
        padding: 0 1;
        scrollbar-gutter: stable;
    }
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Scroll down", show=False, id="article.down"),
        Binding("k,up", "scroll_up", "Scroll up", show=False, id="article.up"),
        Binding("space", "page_or_next", "Page/next", id="article.page-or-next"),
        Binding("pagedown", "page_down", "Page down", show=False, id="article.page-down"),
        Binding("pageup,b", "page_up", "Page up", show=False, id="article.page-up"),
        Binding("g,home", "scroll_home", "Top", show=False, id="article.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="article.bottom"),
    ]

    @dataclass
    class EndReached(Message):
        """Space was pressed at the end of the article: time for the next unread one."""

        article_view: ArticleView

        @property
        def control(self) -> ArticleView:
            """The view that sent the message."""
            return self.article_view

    @dataclass
    class WidthChanged(Message):
        """The pane's text width changed: the article needs rendering again."""

        article_view: ArticleView

        @property
        def control(self) -> ArticleView:
            """The view that sent the message."""
            return self.article_view

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Lines stay segment lists; a Strip is made only for a line that is
        # drawn (Strips carry caches: tens of thousands of them cost seconds
        # of garbage collection).
        self._lines: list[list[Segment]] = []
        self._strips: dict[int, Strip] = {}
        self._last_width = 0
        self.article_id: int | None = None
        self.detail: ArticleDetail | None = None
        #: Lines holding a match of the search the article was opened from.
        self.match_lines: list[int] = []
        self._painted: threading.Event | None = None
        self.placeholder = "Select an article and press Enter to read it."

    def show_placeholder(self, text: str) -> None:
        """Show a message instead of an article."""
        self.article_id = None
        self.detail = None
        self.match_lines = []
        self.placeholder = text
        self._lines = []
        self._strips = {}
        set_virtual_size(self, Size(0, 0))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def show_lines(
        self,
        detail: ArticleDetail,
        lines: list[list[Segment]],
        *,
        keep_scroll: bool,
        match_lines: list[int] | None = None,
        painted: threading.Event | None = None,
    ) -> None:
        """Display rendered lines for ``detail`` (a first screen, or the whole article).

        ``match_lines``: the lines holding a search's matches (already
        highlighted in ``lines``); the first one is scrolled into view when
        the article opens, and ``m``/``M`` go from one to the next.
        ``painted`` is set once these lines are drawn: the worker rendering
        the rest of a long article waits for it, so that it does not compete
        with the first screen's drawing for the interpreter.
        """
        self._painted = painted
        same = self.article_id == detail.article.id
        had_matches = same and bool(self.match_lines)
        self.match_lines = match_lines or []
        self.article_id = detail.article.id
        self.detail = detail
        self._lines = lines
        self._strips = {}
        width = max((sum(segment.cell_length for segment in line) for line in lines[:1]), default=0)
        set_virtual_size(self, Size(width, len(self._lines)))
        if not (keep_scroll and same):
            self.scroll_to(0, 0, animate=False, immediate=True)
        if self.match_lines and not had_matches and self.scroll_offset.y == 0:
            first = self.match_lines[0]
            if first >= self.scrollable_content_region.height - 2:
                self.scroll_to(y=max(0, first - 3), animate=False, immediate=True)
        self.refresh()

    def next_match(self, step: int) -> bool:
        """Scroll the next (``step`` 1) or previous (-1) line with a match near the top; False if there is none."""
        top = self.scroll_offset.y + 3
        candidates = [n for n in self.match_lines if (n > top if step > 0 else n < top)]
        if not candidates:
            return False
        target = candidates[0] if step > 0 else candidates[-1]
        self.scroll_to(y=max(0, target - 3), animate=False, immediate=True)
        return True

    @property
    def text_width(self) -> int:
        """Cells available for the text."""
        return max(20, self.scrollable_content_region.width or self.size.width - 2)

    @property
    def line_count(self) -> int:
        """Lines currently laid out."""
        return len(self._lines)

    def on_resize(self) -> None:
        """Ask for a new rendering when the text width changes."""
        if self.text_width != self._last_width:
            self._last_width = self.text_width
            self.post_message(self.WidthChanged(self))

    def render_line(self, y: int) -> Strip:
        """Copy one pre-rendered line."""
        width = self.scrollable_content_region.width or self.size.width
        index = self.scroll_offset.y + y
        if not self._lines:
            # Wrapped, from the second line: a narrow pane must not cut the sentence off.
            placeholder = wrap(self.placeholder, max(1, width - 1))
            if 1 <= y <= len(placeholder):
                text = Segment(placeholder[y - 1], self.rich_style + Style(italic=True, dim=True))
                return Strip([text]).adjust_cell_length(width, self.rich_style)
            return Strip.blank(width, self.rich_style)
        if self._painted is not None:
            # Drawing has begun: the event is set once this frame is out (the
            # next turn of the message loop), not while it is being drawn.
            self.call_later(self._painted.set)
            self._painted = None
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = Strip(self._lines[index])
        scroll_x = self.scroll_offset.x
        if scroll_x == 0 and strip.cell_length == width:
            return strip
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def action_page_or_next(self) -> None:
        """Page down; at the end, ask for the next unread article."""
        if self.scroll_offset.y >= self.max_scroll_y:
            self.post_message(self.EndReached(self))
        else:
            self.scroll_page_down(animate=False)

    def action_page_down(self) -> None:
        """Page down."""
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        """Page up."""
        self.scroll_page_up(animate=False)

    def action_scroll_down(self) -> None:
        """One line down."""
        self.scroll_relative(y=1, animate=False)

    def action_scroll_up(self) -> None:
        """One line up."""
        self.scroll_relative(y=-1, animate=False)

    def action_scroll_home(self) -> None:
        """To the top."""
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        """To the end."""
        self.scroll_end(animate=False)
