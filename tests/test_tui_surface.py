"""What a person sees in the first minute, checked the way a person looks at it.

A snapshot records whatever is drawn, so it froze an invisible cursor and
titles cut to 18 characters. These tests read the composed screen (every
cell's character and colours, as the terminal would get them) and assert
what a person would say: the highlighted row stands out, a title shows so
many characters, a count sits at the right edge, a key is listed.

Every test runs the real app headless on a real SQLite library with a
fixed clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.style import Style
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget
from tui_helpers import (
    FIXED_EPOCH,
    HOUR,
    add_article,
    current_screen,
    focused,
    notifications,
    open_article,
    press,
    running,
    screen_lines,
    settle,
    wait_until,
)

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.tui.keymap import binding_sections
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.links import LinksScreen
from reader.tui.screens.main import MainScreen
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList
from reader.tui.widgets.key_list import KeyList, key_label
from reader.tui.widgets.link_list import LinkList

THEMES = ["textual-dark", "textual-light", "gruvbox"]
#: WCAG contrast between the cursor row and the rows around it: the focused
#: cursor must jump out, the cursor of a list another pane has the focus of
#: must still be findable at a glance.
FOCUSED_CONTRAST = 2.5
BLURRED_CONTRAST = 1.5

#: Three feeds whose names share their first 20 characters, as real sites' do.
FEED_NAMES = [
    "example.com website \u2014 Engineering notebook",
    "example.com website \u2014 Product announcements",
    "example.com website \u2014 Security advisories",
]
TITLE = "A long article title that goes on well past fifty-five characters, as real ones do, number {n:02d}"
THREAD = "The discussion article with links, old comments and a word to search for"
SEARCH_WORD = "quixotically"
COMMENT_LINK = "https://comment.example/from-a-comment"
AUTOLINK = "https://autolink.example/bare"
DISCUSSION = "https://news.ycombinator.com/item?id=4242"


@dataclass
class Busy:
    """The ids of the busy library."""

    path: Path
    feeds: list[int]
    thread: int
    articles: list[int]


def build_busy(db_path: Path) -> Busy:
    """Three feeds with look-alike names, 20 long-titled articles each, and one discussion with old comments."""
    batch = ImportBatch(kind="test")
    feeds = [
        FeedData(key=f"https://example.com/{n}.xml", title=name, url=f"https://example.com/{n}.xml")
        for n, name in enumerate(FEED_NAMES)
    ]
    for number in range(60):
        feed = feeds[number % 3]
        batch.articles.append(
            (
                feed,
                ArticleData(
                    guid=f"busy-{number}",
                    title=TITLE.format(n=number),
                    text=f"Body {number}.",
                    url=f"https://example.com/post/{number}",
                    published=FIXED_EPOCH - (number + 2) * HOUR,
                ),
            )
        )
    old = 1_615_680_000  # 2021-03-14
    comments = [
        CommentData(guid="k1", author="Ada", text="The first comment, from long ago.", published=old),
        CommentData(
            guid="k2",
            author="Bea",
            text=f"A reply with a [link]({COMMENT_LINK}) and an autolink <{AUTOLINK}> in it.",
            parent_guid="k1",
            published=old + 86_400,
            url="https://news.ycombinator.com/item?id=4243",
        ),
        CommentData(guid="k3", author="Cy", text="Nothing to see in this one.", published=old + 2 * 86_400),
        CommentData(guid="k4", author="Di", text=f"Only this comment says {SEARCH_WORD}.", published=old + 3 * 86_400),
        CommentData(guid="k5", author="Ed", text=f"And this one says {SEARCH_WORD} again.", published=old + 4 * 86_400),
    ]
    batch.articles.append(
        (
            feeds[0],
            ArticleData(
                guid="busy-thread",
                title=THREAD,
                text="The article itself links to [its source](https://source.example/paper).",
                url="https://example.com/thread",
                comments_url=DISCUSSION,
                published=FIXED_EPOCH - HOUR,
                comments=comments,
            ),
        )
    )
    with Store(db_path) as store:
        store.store_batch(batch, now=FIXED_EPOCH - 100 * HOUR)
        ids = {row["guid"]: row["id"] for row in store.conn.execute("SELECT id, guid FROM articles")}
        by_title = {row["title"]: row["id"] for row in store.conn.execute("SELECT id, title FROM feeds")}
        feed_ids = [by_title[name] for name in FEED_NAMES]
    return Busy(db_path, feed_ids, ids["busy-thread"], [ids[f"busy-{n}"] for n in range(60)])


@pytest.fixture
def busy(db_path: Path) -> Busy:
    """The busy library."""
    return build_busy(db_path)


# -- reading the composed screen ------------------------------------------------------------------


@dataclass
class Cell:
    """One cell of the screen as the terminal gets it."""

    char: str
    style: Style


def screen_cells(pilot: Pilot[None]) -> list[list[Cell]]:
    """Every cell of the current screen, row by row."""
    rows = []
    for strip in pilot.app.screen._compositor.render_strips():
        row = []
        for segment in strip:
            if segment.control:
                continue
            for char in segment.text:
                row.append(Cell(char, segment.style or Style()))
        rows.append(row)
    return rows


def widget_row(pilot: Pilot[None], widget: Widget, line: int) -> list[Cell]:
    """The cells of ``widget``'s content at its ``line`` (0: its first content line; scrollbars left out)."""
    region = widget.scrollable_content_region
    return screen_cells(pilot)[region.y + line][region.x : region.right]


def text_of(cells: list[Cell]) -> str:
    """The characters of some cells."""
    return "".join(cell.char for cell in cells)


def luminance(color: RichColor) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(one: RichColor, other: RichColor) -> float:
    """WCAG contrast ratio of two colours (1: the same; 21: black on white)."""
    a, b = luminance(one), luminance(other)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def background(cells: list[Cell]) -> RichColor:
    """The one background of some cells (they must agree)."""
    colours = {cell.style.bgcolor for cell in cells}
    assert len(colours) == 1 and None not in colours, f"cells with several or no backgrounds: {colours}"
    (colour,) = colours
    assert colour is not None
    return colour


def assert_stands_out(
    pilot: Pilot[None], widget: Widget, line: int, around: list[int], minimum: float, what: str
) -> None:
    """The cells of ``line`` share one background, far enough from the one of each line in ``around``."""
    cursor = background(widget_row(pilot, widget, line))
    for other in around:
        row = widget_row(pilot, widget, other)
        ratio = contrast(cursor, background(row))
        assert ratio >= minimum, f"{what}: cursor row {line} against row {other} has contrast {ratio:.2f} < {minimum}"


async def set_theme(pilot: Pilot[None], theme: str) -> None:
    """Switch the app's theme and let it repaint."""
    pilot.app.theme = theme
    await pilot.pause()
    await settle(pilot)


# -- 1. the cursor can be seen, in every list, in every theme ---------------------------------------


@pytest.mark.parametrize("theme", THEMES)
async def test_the_article_and_feed_cursors_stand_out_focused_and_not(busy: Busy, theme: str) -> None:
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        await set_theme(pilot, theme)
        articles, feeds = screen.article_list, screen.feed_list
        await press(pilot, "j", "j", "j")
        assert articles.cursor == 3
        assert_stands_out(pilot, articles, 3, [2, 4], FOCUSED_CONTRAST, f"focused article list, {theme}")
        # Every cell of the row carries it, title, feed, date and count alike.
        assert THREAD not in text_of(widget_row(pilot, articles, 3))
        await press(pilot, "escape")  # to the feeds: the list keeps its place, fainter
        assert focused(screen) is feeds
        assert_stands_out(pilot, articles, 3, [2, 4], BLURRED_CONTRAST, f"article list without the focus, {theme}")
        await press(pilot, "j")  # Unread
        assert feeds.cursor == 1
        assert_stands_out(pilot, feeds, 1, [0, 2], FOCUSED_CONTRAST, f"focused feed list, {theme}")


@pytest.mark.parametrize("theme", THEMES)
async def test_the_comment_cursor_stands_out_on_its_header_not_as_a_block(busy: Busy, theme: str) -> None:
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        await set_theme(pilot, theme)
        await open_article(pilot, busy.thread)
        thread = screen.comment_thread
        await press(pilot, "tab")
        assert focused(screen) is thread
        await press(pilot, "j")  # Bea's reply
        assert thread.cursor == 1 and thread.layout_model is not None
        line = thread.layout_model.first_line(1) - thread.scroll_offset.y
        header = widget_row(pilot, thread, line)
        assert "Bea" in text_of(header)
        start = text_of(header).index("Bea")
        label = header[start : start + len("Bea")]
        text_line = widget_row(pilot, thread, line + 1)
        ratio = contrast(background(label), background(text_line[start : start + 3]))
        assert ratio >= FOCUSED_CONTRAST, f"the focused comment's header does not stand out ({ratio:.2f}), {theme}"
        # The highlight covers the header, not the whole width, and not the comment's text.
        assert header[-1].style.bgcolor == text_line[-1].style.bgcolor
        assert background(text_line[start:]) == background(widget_row(pilot, thread, line - 1)[start:])


@pytest.mark.parametrize("theme", THEMES)
async def test_the_help_and_links_cursors_stand_out(busy: Busy, theme: str) -> None:
    async with running(busy.path, size=(120, 40)) as (app, pilot, _screen):
        await set_theme(pilot, theme)
        await press(pilot, "question_mark")
        keys = current_screen(app).query_one(KeyList)
        await press(pilot, "j")
        line = keys.cursor - keys.scroll_offset.y
        assert_stands_out(pilot, keys, line, [line - 1, line + 1], FOCUSED_CONTRAST, f"help, {theme}")
        await press(pilot, "escape")

        await open_article(pilot, busy.thread)
        await press(pilot, "L")
        links = current_screen(app).query_one(LinkList)
        line = links.cursor - links.scroll_offset.y
        assert_stands_out(pilot, links, line, [line + 1], FOCUSED_CONTRAST, f"links, {theme}")


# -- 2. titles and names get the room ---------------------------------------------------------------


def title_shown(row: str) -> int:
    """How many characters of a busy-library title a drawn row shows."""
    start = row.index("A long article")
    shown = 0
    full = TITLE.format(n=0)
    for mine, theirs in zip(row[start:], full, strict=False):
        if mine != theirs and not (theirs.isdigit() and mine.isdigit()):
            break
        shown += 1
    return shown


async def test_at_80_columns_a_row_shows_55_title_characters_and_no_repeated_feed(busy: Busy) -> None:
    async with running(busy.path, size=(80, 24)) as (_app, pilot, screen):
        articles = screen.article_list
        rows = [text_of(widget_row(pilot, articles, n)) for n in range(1, 6)]
        assert all(title_shown(row) >= 55 for row in rows), rows
        # Inside one feed the feed's name is not on every row.
        await press(pilot, "escape", "j", "j", "j", "enter")  # the first feed (the separator is skipped)
        await wait_until(pilot, lambda: FEED_NAMES[0] in str(articles.border_title), "the first feed's list")
        rows = [text_of(widget_row(pilot, articles, n)) for n in range(0, 5)]
        assert not any("example.com website" in row for row in rows), rows
        assert all(title_shown(row) >= 55 for row in rows[1:]), rows


@pytest.mark.parametrize("size", [(120, 40), (160, 48), (220, 60)])
async def test_from_120_columns_titles_keep_50_characters_while_reading_and_more_while_not(
    busy: Busy, size: tuple[int, int]
) -> None:
    async with running(busy.path, size=size) as (_app, pilot, screen):
        articles = screen.article_list
        browsing = [title_shown(text_of(widget_row(pilot, articles, n))) for n in range(1, 6)]
        await open_article(pilot, busy.articles[0])
        reading = [title_shown(text_of(widget_row(pilot, articles, n))) for n in range(1, 6)]
        assert min(reading) >= 50, reading
        assert min(browsing) > min(reading), (browsing, reading)
        assert min(browsing) >= 55, browsing


@pytest.mark.parametrize("size", [(120, 40), (160, 48)])
async def test_feed_names_show_26_characters_and_look_alike_feeds_can_be_told_apart(
    busy: Busy, size: tuple[int, int]
) -> None:
    async with running(busy.path, size=size) as (_app, _pilot, screen):
        feeds = screen.feed_list
        rows = [feeds.row_text(f"feed:{feed}") for feed in busy.feeds]
        for row, name in zip(rows, FEED_NAMES, strict=True):
            assert name[:26] in row, row
        assert len({row.split("\u2014")[1][:6] for row in rows}) == 3, rows


async def test_in_the_one_pane_layout_feed_names_use_the_whole_width(busy: Busy) -> None:
    async with running(busy.path, size=(80, 24)) as (_app, pilot, screen):
        await press(pilot, "escape")
        for feed, name in zip(busy.feeds, FEED_NAMES, strict=True):
            assert name in screen.feed_list.row_text(f"feed:{feed}")


# -- 3. unread counts are right-aligned and present at every size ---------------------------------


def assert_counts_right_aligned(pilot: Pilot[None], feeds: FeedList, expected: dict[str, int]) -> None:
    region = feeds.content_region
    rows = {text_of(widget_row(pilot, feeds, n)).rstrip(): n for n in range(region.height)}
    ends = set()
    for key, count in expected.items():
        text = feeds.row_text(key).rstrip()
        assert text.endswith(f" {count}"), f"{key} has no count at its end: {text!r}"
        assert text in rows, f"{key}'s row is not on one line of the screen: {text!r}"
        ends.add(len(text))
    assert len(ends) == 1, f"counts end at different columns: {ends}"


@pytest.mark.parametrize("width", [100, 120])
async def test_counts_are_right_aligned_on_a_fresh_start(busy: Busy, width: int) -> None:
    async with running(busy.path, size=(width, 30)) as (_app, pilot, screen):
        expected = {"all": 61, "unread": 61, **{f"feed:{feed}": 20 + (feed == busy.feeds[0]) for feed in busy.feeds}}
        assert_counts_right_aligned(pilot, screen.feed_list, expected)


async def test_counts_stay_right_aligned_after_a_live_resize(busy: Busy) -> None:
    async with running(busy.path, size=(80, 24)) as (_app, pilot, screen):
        await press(pilot, "escape")
        expected = {"all": 61, **{f"feed:{feed}": 20 + (feed == busy.feeds[0]) for feed in busy.feeds}}
        assert_counts_right_aligned(pilot, screen.feed_list, expected)
        for size in [(160, 48), (100, 30), (220, 60)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert_counts_right_aligned(pilot, screen.feed_list, expected)


# -- 4. the help lists every key at 80 columns and scrolls ------------------------------------------


@pytest.mark.slow
async def test_at_80_columns_the_help_shows_every_key_and_description_whole(busy: Busy) -> None:
    async with running(busy.path, size=(80, 24)) as (app, pilot, _screen):
        await press(pilot, "question_mark")
        help_screen = current_screen(app)
        assert isinstance(help_screen, HelpScreen)
        keys = help_screen.query_one(KeyList)
        seen: list[str] = []
        for _ in range(keys.row_count):
            seen.extend(text_of(widget_row(pilot, keys, n)) for n in range(keys.scrollable_content_region.height))
            before = keys.cursor
            await press(pilot, "j")
            if keys.cursor == before:
                break
        shown = "\n".join(seen)
        assert "\u2026" not in shown, "something is cut short in the help"
        for _section, bindings in binding_sections():
            for binding in bindings:
                line = f"{key_label(binding.key)}  {binding.description}"  # type: ignore[union-attr]
                assert line in shown, f"{line!r} is not listed whole"
        # The same keys as every list: G to the end, g to the top, k up.
        await press(pilot, "G")
        assert keys.cursor == keys.row_count - 1
        await press(pilot, "g")
        first = keys.cursor
        await press(pilot, "j", "k")
        assert keys.cursor == first
        await press(pilot, "escape")
        assert isinstance(current_screen(app), MainScreen)


# -- 5. an empty library says how to start -----------------------------------------------------------


async def test_an_empty_library_says_how_to_start(db_path: Path) -> None:
    Store(db_path).close()
    async with running(db_path, size=(80, 24)) as (_app, pilot, _screen):
        text = "\n".join(screen_lines(pilot))
        for expected in ("library is empty", "reader add", "reader import", "newsboat", "reader demo"):
            assert expected in text, f"{expected!r} missing from the first screen:\n{text}"


# -- 6. search shows where it matched -----------------------------------------------------------------


async def test_opening_a_result_found_in_comments_shows_the_matching_comments(busy: Busy) -> None:
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        await press(pilot, "slash", *SEARCH_WORD, "enter")
        await wait_until(pilot, lambda: screen.article_list.ids == [busy.thread], "the search result")
        await press(pilot, "enter")
        thread = screen.comment_thread
        await wait_until(pilot, lambda: thread.article_id == busy.thread and thread.matches, "the matches")
        # Only the comments match: they get the focus, on the first match (Di's).
        assert focused(screen) is thread
        assert thread.layout_model is not None
        assert thread.layout_model.comments[thread.cursor].author == "Di"
        assert "2 matches" in str(thread.border_title)
        match_cells = [
            cell for row in range(thread.scrollable_content_region.height) for cell in widget_row(pilot, thread, row)
        ]
        word_cells = highlighted_words(match_cells)
        assert word_cells == [SEARCH_WORD, SEARCH_WORD], word_cells  # Di's and Ed's, in their own colour
        await press(pilot, "m")
        assert thread.layout_model.comments[thread.cursor].author == "Ed"
        await press(pilot, "M")
        assert thread.layout_model.comments[thread.cursor].author == "Di"


def highlighted_words(cells: list[Cell]) -> list[str]:
    """The runs of bold text on a background other than the surrounding text's, as words."""
    words: list[str] = []
    current = ""
    plain = {cell.style.bgcolor for cell in cells if cell.char == " "}
    for cell in cells:
        if cell.style.bold and cell.style.bgcolor not in plain and cell.char.isalpha():
            current += cell.char
        elif current:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    return [word for word in words if word.lower() == SEARCH_WORD]


async def test_opening_a_result_found_in_the_text_highlights_it_there(busy: Busy) -> None:
    article = add_article(
        busy.path,
        "An article whose own text matches",
        text=f"Opening words.\n\nThe middle says {SEARCH_WORD} once.",
        url="https://example.com/own",
        published=FIXED_EPOCH - 60,
    )
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        await press(pilot, "slash", *SEARCH_WORD, "enter")
        await wait_until(pilot, lambda: article in screen.article_list.ids, "the search result")
        screen.article_list.set_cursor(screen.article_list.index_of(article) or 0)
        await press(pilot, "enter")
        view = screen.article_view
        await wait_until(pilot, lambda: view.article_id == article and view.match_lines, "the highlighted text")
        cells = [cell for row in range(view.scrollable_content_region.height) for cell in widget_row(pilot, view, row)]
        assert highlighted_words(cells) == [SEARCH_WORD]


# -- 7. links: the article's, the discussion's, the comment's ----------------------------------------


async def test_L_lists_the_article_discussion_and_comment_links_and_comments_hide_autolink_brackets(
    busy: Busy,
) -> None:
    async with running(busy.path, size=(120, 40)) as (app, pilot, screen):
        await open_article(pilot, busy.thread)
        thread = screen.comment_thread
        text = "\n".join(text_of(widget_row(pilot, thread, n)) for n in range(thread.scrollable_content_region.height))
        assert AUTOLINK in text and f"<{AUTOLINK}>" not in text
        await press(pilot, "tab", "j")  # Bea's comment
        await press(pilot, "L")
        links = current_screen(app)
        assert isinstance(links, LinksScreen)
        targets = [url for _label, url in links.links]
        assert targets[:2] == ["https://example.com/thread", "https://source.example/paper"]
        assert DISCUSSION in targets
        assert COMMENT_LINK in targets and AUTOLINK in targets
        assert "https://news.ycombinator.com/item?id=4243" in targets  # Bea's comment itself
        titles = [group.title for group in links.groups]
        assert titles[:3] == ["This article", "Discussion", "In the comment by Bea"]


# -- 10. the smaller things ---------------------------------------------------------------------------


async def test_n_at_the_end_of_a_feeds_unread_articles_goes_on_to_the_next_feed(busy: Busy) -> None:
    messages: list[Message] = []
    async with running(busy.path, size=(120, 40), messages=messages) as (_app, pilot, screen):
        await press(pilot, "escape", "j", "j", "j", "enter")  # the first feed (the separator is skipped)
        first = FEED_NAMES[0]
        await wait_until(pilot, lambda: first in str(screen.article_list.border_title), "the first feed")
        with Store(busy.path) as store:
            ids = store.article_ids()
            in_first = [i for i in ids if store.articles_by_ids([i])[0].feed == first]
            store.mark(in_first[:-1], read=True)
        screen.library_changed()
        await settle(pilot)
        await press(pilot, "n")  # the last unread one of this feed
        await wait_until(pilot, lambda: screen.reading_id == in_first[-1], "the feed's last unread article")
        await press(pilot, "n")  # none left here: on to the next feed with unread articles
        await wait_until(pilot, lambda: FEED_NAMES[1] in str(screen.article_list.border_title), "the next feed")
        await wait_until(pilot, lambda: screen.reading_id is not None and screen.reading_id not in in_first, "opening")
        # The next feed's newest unread article is open, and the user was told why the feed changed.
        assert screen.source.feed_id == busy.feeds[1]
        assert screen.reading_id == screen.article_list.ids[0]
        assert f"No more unread here: on to {FEED_NAMES[1]}." in notifications(messages)


async def test_tab_moves_between_panes_below_100_columns(busy: Busy) -> None:
    async with running(busy.path, size=(80, 24)) as (_app, pilot, screen):
        assert focused(screen) is screen.article_list
        await press(pilot, "tab")
        assert isinstance(focused(screen), FeedList)  # no article open: feeds and list
        await press(pilot, "tab")
        assert isinstance(focused(screen), ArticleList)
        await open_article(pilot, busy.thread)
        await press(pilot, "tab")
        assert isinstance(focused(screen), CommentThread)
        assert screen.comment_thread.display and not screen.article_list.display
        await press(pilot, "shift+tab", "shift+tab")
        assert isinstance(focused(screen), ArticleList)


async def test_old_comments_show_their_day(busy: Busy) -> None:
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        await open_article(pilot, busy.thread)
        header = text_of(widget_row(pilot, screen.comment_thread, 0))
        assert "Ada  2021-03-14" in header, header


async def test_the_footer_keeps_help_and_quit_and_nothing_runs_under_the_palette_key(busy: Busy) -> None:
    for size in [(80, 24), (100, 30), (120, 40)]:
        async with running(busy.path, size=size) as (_app, pilot, _screen):
            await open_article(pilot, busy.thread)
            await press(pilot, "tab")  # the comments: the most keys of any pane
            footer = screen_lines(pilot)[-1].rstrip()
            assert "? Keys" in footer and "q Quit" in footer, footer
            assert footer.endswith("^p palette"), footer


async def test_the_article_list_has_no_sideways_scrollbar_over_its_last_row(busy: Busy) -> None:
    async with running(busy.path, size=(120, 40)) as (_app, pilot, screen):
        articles = screen.article_list
        assert not articles.show_horizontal_scrollbar
        last = articles.scrollable_content_region.height - 1
        assert "A long article" in text_of(widget_row(pilot, articles, last))


async def test_L_with_no_article_open_says_what_to_do(busy: Busy) -> None:
    messages: list[Message] = []
    async with running(busy.path, size=(120, 40), messages=messages) as (_app, pilot, _screen):
        await press(pilot, "L")
        assert "Open an article first" in " ".join(notifications(messages))


async def test_an_article_opened_behind_the_list_does_not_hold_up_its_thread(busy: Busy) -> None:
    # At 80 columns the list alone shows; the last article comes back open behind it at start.
    # Its worker waits for the first screen to be drawn before laying out the thread: an article
    # that is not drawn must not keep it waiting (it used to, for half a second).
    from reader.tui.screens.main import ArticleRendered

    with Store(busy.path) as store:
        store.set_setting("ui.article", str(busy.thread))
    messages: list[Message] = []
    async with running(busy.path, size=(80, 24), messages=messages) as (_app, pilot, screen):
        await wait_until(pilot, lambda: screen.comment_thread.article_id == busy.thread, "the restored thread")
        assert not screen.article_view.display or not screen.query_one("#reading").display
        first = [m for m in messages if isinstance(m, ArticleRendered) and m.painted is not None]
        assert first and first[0].painted is not None and first[0].painted.is_set()
