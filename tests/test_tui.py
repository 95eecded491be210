"""Pilot tests of the reader TUI: what a user does, and what they see and keep afterwards.

Every test builds a library in a real SQLite file with the store API, runs
the real app headless with a fixed clock, presses keys, and checks what is
highlighted, what is drawn and what the database holds afterwards.
"""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from tui_helpers import (
    BETA_COUNT,
    COMMENT_ONLY_WORD,
    CONTROL_CHARS,
    FIXED_EPOCH,
    HOUR,
    LONG_HEADING,
    LONG_TITLE,
    NARROW,
    THREAD_AUTHORS,
    THREAD_TITLE,
    WIDE,
    Library,
    add_article,
    beta_title,
    build_library,
    current_screen,
    db_flags,
    focused,
    notifications,
    open_article,
    press,
    running,
    screen_text,
    settle,
    shown,
    unread_shown,
    wait_until,
    widget_lines,
    widget_text,
)

from reader.models import CommentData
from reader.store import Store
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.link import LinkScreen
from reader.tui.screens.main import MainScreen
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList, Source
from reader.tui.widgets.search_bar import SearchBar


@pytest.fixture
def library(db_path: Path) -> Library:
    """The standard library: Alpha News (thread, long read, short note) and Beta Blog (60 posts)."""
    return build_library(db_path)


def author_at_cursor(thread: CommentThread) -> str:
    """The author of the highlighted comment."""
    assert thread.layout_model is not None
    return thread.layout_model.comments[thread.cursor].author


def comment_row(thread: CommentThread) -> int:
    """The screen row (inside the panel) of the highlighted comment's first line."""
    assert thread.layout_model is not None
    return thread.layout_model.first_line(thread.cursor) - thread.scroll_offset.y


async def focus_comments(pilot: Pilot[None], screen: MainScreen) -> CommentThread:
    """Move focus from the reading pane to the comments panel with tab."""
    await press(pilot, "tab")
    thread = screen.comment_thread
    assert focused(screen) is thread, f"tab from the article focused {screen.focused!r}"
    return thread


# -- start and the article list ----------------------------------------------------


async def test_start_shows_all_articles_newest_first_and_feeds_with_unread_counts(library: Library) -> None:
    async with running(library.path) as (_app, _pilot, screen):
        articles = screen.article_list
        assert articles.ids == library.all_ids()
        with Store(library.path) as store:
            published = [row.published for row in store.articles_by_ids(articles.ids)]
        assert published == sorted(published, reverse=True)
        assert articles.article_id == library.thread
        assert focused(screen) is articles
        assert "All articles \u00b7 63" in str(articles.border_title)

        lines = widget_lines(articles)
        assert THREAD_TITLE in lines[0]
        assert beta_title(1) in lines[1]
        assert LONG_TITLE in lines[2]
        assert beta_title(2) in lines[3]

        feeds = screen.feed_list
        keys = [key for key in feeds.keys if key is not None]
        alpha, beta = library.feeds["Alpha News"], library.feeds["Beta Blog"]
        assert keys == ["all", "unread", "starred", f"feed:{alpha}", f"feed:{beta}"]
        feed_text = widget_text(feeds)
        for label in ("All articles", "Unread", "Starred", "Alpha News", "Beta Blog"):
            assert label in feed_text
        assert unread_shown(screen, "all") == 63
        assert unread_shown(screen, "unread") == 63
        assert unread_shown(screen, "starred") == 0
        assert unread_shown(screen, f"feed:{alpha}") == 3
        assert unread_shown(screen, f"feed:{beta}") == BETA_COUNT


async def test_at_110_columns_with_nothing_open_the_list_has_the_room_of_the_reading_pane(library: Library) -> None:
    # No empty reading pane beside the list: titles show whole.
    async with running(library.path, size=(110, 30)) as (_app, pilot, screen):
        text = screen_text(pilot)
        assert THREAD_TITLE in text and LONG_TITLE in text
        assert not shown(screen.article_view) and "read it." not in text


async def test_j_k_g_G_and_page_keys_move_the_article_highlight(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        articles = screen.article_list
        ids = library.all_ids()
        await press(pilot, "j")
        assert articles.article_id == ids[1]
        await press(pilot, "j", "j")
        assert articles.article_id == ids[3]
        await press(pilot, "k")
        assert articles.article_id == ids[2]
        await press(pilot, "G")
        assert articles.article_id == ids[-1]
        # The last row is drawn, highlighted, at the bottom of the scrolled list.
        assert beta_title(BETA_COUNT) in widget_text(articles)
        await press(pilot, "g")
        assert articles.article_id == ids[0]
        await press(pilot, "pagedown")
        page = articles.scrollable_content_region.height - 1
        assert page > 10
        assert articles.article_id == ids[page]
        await press(pilot, "pageup")
        assert articles.article_id == ids[0]
        await press(pilot, "k")  # at the top already: stays
        assert articles.article_id == ids[0]


async def test_choosing_a_feed_filters_the_article_list(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        feeds, articles = screen.feed_list, screen.article_list
        await press(pilot, "escape")  # from the article list back to the feed list
        assert focused(screen) is feeds

        await press(pilot, "j")  # Unread
        assert feeds.source == Source("unread")
        await wait_until(pilot, lambda: "Unread" in str(articles.border_title), "the Unread view")
        assert len(articles.ids) == 63

        await press(pilot, "j")  # Starred: nothing starred yet
        await wait_until(pilot, lambda: articles.ids == [], "the empty Starred view")
        assert "No starred articles" in widget_text(articles)

        await press(pilot, "j")  # past the separator to the first feed
        assert feeds.source == Source("feed", library.feeds["Alpha News"])
        await wait_until(pilot, lambda: articles.ids == [library.thread, library.long, library.short], "Alpha only")
        assert "Alpha News \u00b7 3" in str(articles.border_title)
        text = widget_text(articles)
        assert THREAD_TITLE in text and beta_title(1) not in text

        await press(pilot, "j")  # Beta Blog
        await wait_until(pilot, lambda: articles.ids == library.beta, "Beta only")

        await press(pilot, "enter")  # choosing it moves on to its articles
        assert focused(screen) is articles
        assert articles.article_id == library.beta[0]


async def test_enter_opens_the_article_marks_it_read_and_lowers_the_unread_count(library: Library) -> None:
    async with running(library.path) as (app, pilot, screen):
        alpha = f"feed:{library.feeds['Alpha News']}"
        assert unread_shown(screen, alpha) == 3
        await open_article(pilot, library.long)
        view = screen.article_view
        assert isinstance(focused(screen), ArticleView)
        text = widget_text(view)
        assert LONG_TITLE in text
        assert LONG_HEADING in text
        assert "The opening paragraph of the long read." in text
        assert "Alpha News" in str(view.border_title)

        assert app.writer.flush()
        assert db_flags(library.path, library.long) == (True, False)
        # The list row loses its unread marker.
        row = widget_lines(screen.article_list)[screen.article_list.index_of(library.long) or 0]
        assert LONG_TITLE in row and "\u25cf" not in row
        # ...and the feed list counts one unread fewer.
        await wait_until(
            pilot,
            lambda: unread_shown(screen, alpha) == 2 and unread_shown(screen, "unread") == 62,
            f"the unread counts to drop (feed list shows Alpha {unread_shown(screen, alpha)}, "
            f"Unread {unread_shown(screen, 'unread')})",
            timeout=2.0,
        )


async def test_r_toggles_read_and_s_toggles_star(library: Library) -> None:
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        target = library.beta[0]
        await press(pilot, "j")
        assert screen.article_list.article_id == target

        await press(pilot, "r")
        assert app.writer.flush()
        assert db_flags(library.path, target) == (True, False)
        await press(pilot, "r")
        assert app.writer.flush()
        assert db_flags(library.path, target) == (False, False)

        await press(pilot, "s")
        assert app.writer.flush()
        assert db_flags(library.path, target) == (False, True)
        assert "Starred." in notifications(messages)
        assert "\u2605" in widget_lines(screen.article_list)[1]
        await press(pilot, "s")
        assert app.writer.flush()
        assert db_flags(library.path, target) == (False, False)
        assert "Star removed." in notifications(messages)

        # In the reading pane the keys apply to the article being read.
        await open_article(pilot, library.short)
        assert app.writer.flush()
        assert db_flags(library.path, library.short) == (True, False)
        await press(pilot, "r", "s")
        assert app.writer.flush()
        assert db_flags(library.path, library.short) == (False, True)
        assert db_flags(library.path, target) == (False, False)


async def test_u_shows_only_unread_articles_and_toggles_back(library: Library) -> None:
    with Store(library.path) as store:
        store.mark([library.beta[0], library.short], read=True)
    async with running(library.path) as (_app, pilot, screen):
        articles = screen.article_list
        every = library.all_ids()
        unread = [i for i in every if i not in (library.beta[0], library.short)]
        await press(pilot, "j", "j")
        assert articles.article_id == library.long

        await press(pilot, "u")
        await wait_until(pilot, lambda: articles.ids == unread, "the unread-only list")
        assert "(unread only)" in str(articles.border_title)
        assert articles.article_id == library.long  # the selection stays
        assert beta_title(1) not in widget_text(articles)

        await press(pilot, "u")
        await wait_until(pilot, lambda: articles.ids == every, "every article again")
        assert articles.article_id == library.long
        assert "(unread only)" not in str(articles.border_title)


async def test_n_and_p_read_the_next_and_previous_unread_article(library: Library) -> None:
    with Store(library.path) as store:
        store.mark([library.beta[0]], read=True)  # the second row
    async with running(library.path) as (app, pilot, screen):
        articles, view = screen.article_list, screen.article_view
        assert articles.article_id == library.thread

        await press(pilot, "n")  # skips the read Beta post 01
        await wait_until(pilot, lambda: view.article_id == library.long, "the long read to open")
        assert articles.article_id == library.long
        assert LONG_TITLE in widget_text(view)

        await press(pilot, "n")
        await wait_until(pilot, lambda: view.article_id == library.beta[1], "Beta post 02 to open")
        assert articles.article_id == library.beta[1]

        await press(pilot, "p")  # back past the now-read long read and Beta post 01
        await wait_until(pilot, lambda: view.article_id == library.thread, "the thread article to open")
        assert articles.article_id == library.thread

        assert app.writer.flush()
        for article_id in (library.long, library.beta[1], library.thread):
            assert db_flags(library.path, article_id)[0], f"article {article_id} should be read"


async def test_space_pages_down_and_at_the_end_opens_the_next_unread(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        view = screen.article_view
        await open_article(pilot, library.long)
        assert view.max_scroll_y > view.scrollable_content_region.height  # several screens long
        await press(pilot, "space")
        assert view.article_id == library.long
        assert view.scroll_offset.y == view.scrollable_content_region.height
        positions = [view.scroll_offset.y]
        for _ in range(30):
            if view.article_id != library.long:
                break
            await press(pilot, "space")
            positions.append(view.scroll_offset.y)
        await wait_until(pilot, lambda: view.article_id == library.beta[1], "the next unread article to open")
        assert max(positions) == positions[-2], "the long read should have been paged to its end first"
        assert screen.article_list.article_id == library.beta[1]
        assert beta_title(2) in widget_text(view)
        assert view.scroll_offset.y == 0


async def test_search_replaces_the_list_and_escape_restores_it(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        articles = screen.article_list
        await press(pilot, "j", "j", "j")
        before = articles.article_id
        assert before == library.beta[1]

        await press(pilot, "slash")
        bar = screen.query_one(SearchBar)
        assert focused(screen) is bar and shown(bar)
        await pilot.press(*COMMENT_ONLY_WORD)
        await press(pilot, "enter")
        # The word is only in a comment: its article is found.
        await wait_until(pilot, lambda: articles.ids == [library.thread], "the search results")
        assert f"Search: {COMMENT_ONLY_WORD} \u00b7 1" in str(articles.border_title)
        assert THREAD_TITLE in widget_lines(articles)[0]
        assert focused(screen) is articles
        assert not shown(bar)

        await press(pilot, "escape")
        await wait_until(pilot, lambda: articles.ids == library.all_ids(), "the previous list")
        assert articles.article_id == before
        assert "All articles" in str(articles.border_title)


async def test_search_for_a_lone_quote_warns_without_crashing(library: Library) -> None:
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        articles = screen.article_list
        await press(pilot, "slash")
        await pilot.press('"')
        await press(pilot, "enter")
        await wait_until(
            pilot, lambda: any(n.startswith("Search:") for n in notifications(messages)), "a search warning"
        )
        assert app.return_code is None
        assert articles.ids == library.all_ids()
        await press(pilot, "j")  # still answering keys
        assert articles.article_id == library.all_ids()[1]


# -- comments ---------------------------------------------------------------------


async def test_c_hides_and_shows_the_comments(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, library.thread)
        thread = screen.comment_thread
        assert shown(thread)
        assert "Bob answers Ann." in widget_text(thread)
        assert "Comments \u00b7 8" in str(thread.border_title)

        await press(pilot, "c")
        assert not shown(thread)
        assert isinstance(focused(screen), ArticleView)

        await press(pilot, "c")
        assert shown(thread)
        assert focused(screen) is thread


async def test_comment_keys_move_between_comments(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, library.thread)
        thread = await focus_comments(pilot, screen)
        assert author_at_cursor(thread) == "Ann"

        steps = [
            ("j", "Bob"),
            ("j", "Cat"),
            ("k", "Bob"),
            ("J", "Eve"),  # Bob's next sibling
            ("K", "Ann"),  # Eve's parent
            ("J", "Fay"),  # next top-level sibling
            ("n", "Hal"),  # next top-level
            ("N", "Fay"),  # previous top-level
            ("j", "Gus"),
            ("N", "Fay"),  # from a reply: its own top-level comment
            ("G", "Hal"),
            ("g", "Ann"),
            ("down", "Bob"),
        ]
        for key, author in steps:
            await press(pilot, key)
            assert author_at_cursor(thread) == author, f"after {key!r}"
        assert thread.focused_comment is not None
        with Store(library.path) as store:
            by_id = {c.id: c.author for c in store.comments(library.thread)}
        assert by_id[thread.focused_comment] == "Bob"


async def test_comment_collapse_expand_and_collapse_all(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, library.thread)
        thread = await focus_comments(pilot, screen)
        layout = thread.layout_model
        assert layout is not None
        assert [layout.comments[i].author for i in layout.visible()] == THREAD_AUTHORS

        await press(pilot, "h")  # on Ann: hide her four replies
        assert layout.collapsed == {0}
        assert layout.visible() == [0, 5, 6, 7]
        text = widget_text(thread)
        assert "4 replies hidden" in text
        assert "Bob answers Ann." not in text
        await press(pilot, "l")
        assert layout.collapsed == set()
        assert "Bob answers Ann." in widget_text(thread)

        await press(pilot, "space")
        assert layout.collapsed == {0}
        assert "4 replies hidden" in widget_text(thread)
        await press(pilot, "space")
        assert layout.collapsed == set()
        assert "replies hidden" not in widget_text(thread)

        await press(pilot, "j", "j")  # Cat has no replies: h goes to her parent
        assert author_at_cursor(thread) == "Cat"
        await press(pilot, "h")
        assert author_at_cursor(thread) == "Bob"
        await press(pilot, "h")  # Bob's two replies
        assert "2 replies hidden" in widget_text(thread)
        await press(pilot, "l")

        await press(pilot, "z")  # collapse every top-level thread
        assert layout.collapsed == {0, 5}
        assert layout.visible() == [0, 5, 7]
        assert author_at_cursor(thread) == "Ann"  # Bob was hidden: his top-level comment takes the cursor
        text = widget_text(thread)
        assert "4 replies hidden" in text and "1 reply hidden" in text
        await press(pilot, "z")
        assert layout.collapsed == set()
        assert layout.visible() == list(range(8))


async def test_collapsing_keeps_the_focused_comment_on_the_same_screen_row(library: Library) -> None:
    comments = []
    for top in range(40):
        comments.append(CommentData(guid=f"t{top}", author=f"Top{top}", text=f"Top-level comment {top}."))
        for reply in range(3):
            comments.append(
                CommentData(
                    guid=f"t{top}r{reply}",
                    author=f"Reply{top}-{reply}",
                    text=f"Reply {reply} to comment {top}.",
                    parent_guid=f"t{top}",
                )
            )
    article = add_article(library.path, "Many top-level comments", comments=comments)
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        thread = await focus_comments(pilot, screen)
        await press(pilot, *["n"] * 15)
        assert author_at_cursor(thread) == "Top15"
        row = comment_row(thread)
        assert thread.scroll_offset.y > 0 and row > 0, "the test needs a scrolled panel"

        await press(pilot, "space")
        assert author_at_cursor(thread) == "Top15"
        assert comment_row(thread) == row
        assert thread.layout_model is not None
        assert ("hidden", "3 replies hidden") in [(line.kind, line.text) for line in thread.layout_model.lines]
        await press(pilot, "space")
        assert comment_row(thread) == row

        await press(pilot, "j")  # a reply of Top15
        assert author_at_cursor(thread) == "Reply15-0"
        row = comment_row(thread)
        await press(pilot, "z")  # everything collapses: the reply's top-level comment takes its row
        assert author_at_cursor(thread) == "Top15"
        assert comment_row(thread) == row
        assert "Top-level comment 15." in widget_text(thread)
        await press(pilot, "z")
        assert author_at_cursor(thread) == "Top15"
        assert comment_row(thread) == row


async def test_e_jumps_to_the_next_new_comment(library: Library) -> None:
    earlier, later = FIXED_EPOCH - 5 * HOUR, FIXED_EPOCH - 2 * HOUR
    with Store(library.path) as store:
        store.add_comments(
            library.thread,
            [
                CommentData(guid="new1", author="Ivy", text="A new reply to Ann.", parent_guid="c1"),
                CommentData(guid="new2", author="Jon", text="A new top-level comment."),
            ],
            now=later,
        )
        store.conn.execute("UPDATE comments SET first_seen = ? WHERE guid NOT IN ('new1', 'new2')", (earlier,))
        store.mark_thread_seen(library.thread, earlier + HOUR)
        new_ids = [c.id for c in store.comments(library.thread) if c.author in ("Ivy", "Jon")]
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        await open_article(pilot, library.thread)
        thread = screen.comment_thread
        assert "2 new" in str(thread.border_title)
        assert "\u25cf new" in widget_text(thread)
        await focus_comments(pilot, screen)
        assert author_at_cursor(thread) == "Ann"

        await press(pilot, "e")
        assert thread.focused_comment == new_ids[0]
        assert author_at_cursor(thread) == "Ivy"
        await press(pilot, "e")
        assert thread.focused_comment == new_ids[1]
        assert author_at_cursor(thread) == "Jon"
        await press(pilot, "e")
        assert thread.focused_comment == new_ids[1]
        assert "No more new comments." in notifications(messages)
        await press(pilot, "E")
        assert thread.focused_comment == new_ids[0]

        # Opening the thread remembered when it was seen.
        assert app.writer.flush()
    with Store(library.path) as store:
        seen = store.conn.execute("SELECT comments_seen FROM articles WHERE id = ?", (library.thread,)).fetchone()[0]
    assert seen == FIXED_EPOCH


async def test_a_2000_comment_thread_opens_and_navigates(library: Library) -> None:
    comments = []
    for top in range(400):
        comments.append(CommentData(guid=f"t{top}", author=f"Top{top}", text=f"Top-level comment number {top}."))
        parent = f"t{top}"
        for depth in range(1, 5):
            guid = f"t{top}d{depth}"
            comments.append(
                CommentData(guid=guid, author=f"Deep{top}-{depth}", text=f"Depth {depth} reply.", parent_guid=parent)
            )
            parent = guid
    article = add_article(library.path, "Two thousand comments", comments=comments)
    with Store(library.path) as store:
        ordered = store.comments(article)
    assert len(ordered) == 2000
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        thread = screen.comment_thread
        assert thread.comment_count == 2000
        assert "Comments \u00b7 2,000" in str(thread.border_title)
        await focus_comments(pilot, screen)
        await press(pilot, "G")
        assert thread.focused_comment == ordered[-1].id
        assert "Deep399-4" in widget_text(thread)
        await press(pilot, "N", "N")
        assert author_at_cursor(thread) == "Top398"
        await press(pilot, "z")
        assert thread.layout_model is not None and len(thread.layout_model.visible()) == 400
        await press(pilot, "g")
        assert thread.focused_comment == ordered[0].id


async def test_a_20000_comment_thread_with_cycles_and_orphans_opens_whole(library: Library) -> None:
    """Twenty thousand comments, replies to unknown parents and a reply cycle: every one shown, once."""
    comments = []
    for number in range(20_000):
        if number % 10 == 0:
            parent = None  # a top-level comment every ten
        elif number % 997 == 0:
            parent = f"ghost{number}"  # answers a comment that is not in the thread
        else:
            parent = f"c{number - 1}"
        comments.append(
            CommentData(guid=f"c{number}", author=f"User{number}", text=f"Comment {number}.", parent_guid=parent)
        )
    # A answers B answers A.
    comments.append(CommentData(guid="cycle-a", author="CycleA", text="I answer B.", parent_guid="cycle-b"))
    comments.append(CommentData(guid="cycle-b", author="CycleB", text="I answer A.", parent_guid="cycle-a"))
    article = add_article(library.path, "Twenty thousand comments", comments=comments)
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        thread = await focus_comments(pilot, screen)
        assert thread.comment_count == 20_002
        layout = thread.layout_model
        assert layout is not None
        assert sorted(c.id for c in layout.comments) == sorted({c.id for c in layout.comments})
        await press(pilot, "G")
        assert author_at_cursor(thread) in {"CycleA", "CycleB", "User19999"}
        await press(pilot, "g")
        assert author_at_cursor(thread) == "User0"
        assert "Comment 0." in widget_text(thread)


async def test_a_300_deep_chain_opens_and_reaches_its_last_comment(library: Library) -> None:
    comments = [CommentData(guid="d0", author="Level0", text="The start of a long chain.")]
    for depth in range(1, 300):
        comments.append(
            CommentData(
                guid=f"d{depth}", author=f"Level{depth}", text=f"Reply at depth {depth}.", parent_guid=f"d{depth - 1}"
            )
        )
    article = add_article(library.path, "A very deep chain", comments=comments)
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        thread = await focus_comments(pilot, screen)
        assert thread.comment_count == 300
        await press(pilot, "G")
        assert author_at_cursor(thread) == "Level299"
        assert thread.layout_model is not None
        assert thread.layout_model.comments[thread.cursor].depth == 299
        text = widget_text(thread)
        assert "Reply at depth 299." in text
        assert "depth 299" in text
        await press(pilot, "K")
        assert author_at_cursor(thread) == "Level298"
        await press(pilot, "g", *["j"] * 10)
        assert author_at_cursor(thread) == "Level10"
        await press(pilot, "h")  # collapse the 289 replies below
        assert author_at_cursor(thread) == "Level10"
        assert thread.layout_model.visible() == list(range(11))
        assert ("hidden", "289 replies hidden") in [(line.kind, line.text) for line in thread.layout_model.lines]
        await press(pilot, "G")
        assert author_at_cursor(thread) == "Level10"


# -- narrow terminals ---------------------------------------------------------------


async def test_narrow_terminal_shows_one_pane_at_a_time(library: Library) -> None:
    async with running(library.path, size=NARROW) as (_app, pilot, screen):
        panes = {
            "feeds": screen.feed_list,
            "articles": screen.article_list,
            "article": screen.article_view,
            "comments": screen.comment_thread,
        }

        def showing() -> list[str]:
            return [name for name, widget in panes.items() if shown(widget)]

        assert showing() == ["articles"]
        await press(pilot, "j")
        chosen = screen.article_list.article_id
        assert chosen == library.beta[0]

        await press(pilot, "enter")
        await wait_until(pilot, lambda: screen.article_view.article_id == chosen, "the article to open")
        assert showing() == ["article"]
        assert beta_title(1) in widget_text(screen.article_view)

        await press(pilot, "c")
        assert showing() == ["comments"]
        await press(pilot, "escape")
        assert showing() == ["article"]
        await press(pilot, "escape")
        assert showing() == ["articles"]
        assert screen.article_list.article_id == chosen
        await press(pilot, "escape")
        assert showing() == ["feeds"]
        await press(pilot, "enter")  # "All articles" chosen: on to the list
        assert showing() == ["articles"]
        assert screen.article_list.article_id == chosen


async def test_resizing_narrow_and_back_keeps_the_selected_article(library: Library) -> None:
    async with running(library.path, size=WIDE) as (_app, pilot, screen):
        await open_article(pilot, library.long)
        await press(pilot, "escape")  # back to the list
        await press(pilot, "j", "j")
        chosen = screen.article_list.article_id
        assert chosen == library.short

        await pilot.resize_terminal(*NARROW)
        await settle(pilot)
        assert screen.narrow
        assert shown(screen.article_list) and not shown(screen.feed_list) and not shown(screen.article_view)
        assert screen.article_list.article_id == chosen

        await pilot.resize_terminal(*WIDE)
        await settle(pilot)
        assert not screen.narrow
        # An article is open: the list and the reading pane (the feeds step aside while reading).
        assert all(shown(w) for w in (screen.article_list, screen.article_view))
        assert screen.article_list.article_id == chosen
        assert screen.article_view.article_id == library.long
        assert LONG_TITLE in widget_text(screen.article_view)


# -- help, palette, links ------------------------------------------------------------


async def test_question_mark_shows_the_keys_and_escape_closes_them(library: Library) -> None:
    async with running(library.path) as (app, pilot, _screen):
        await press(pilot, "question_mark")
        assert isinstance(current_screen(app), HelpScreen)
        seen = screen_text(pilot)
        # The list scrolls with the keys of every other list: G reaches the end.
        await press(pilot, "G")
        seen += screen_text(pilot)
        for expected in (
            "Keys",
            "Reading",
            "Comments",
            "Next unread",
            "Unread only",
            "Collapse/expand",
            "Next sibling",
        ):
            assert expected in seen, f"{expected!r} missing from the help screen"
        assert "/ " in seen and "Search" in seen
        await press(pilot, "escape")
        assert isinstance(current_screen(app), MainScreen)


async def test_command_palette_lists_and_runs_next_unread(library: Library) -> None:
    async with running(library.path) as (app, pilot, screen):
        await press(pilot, "ctrl+p")
        assert isinstance(current_screen(app), CommandPalette)
        await pilot.press(*"next unread")
        palette = app.screen
        commands = palette.query_one(CommandList)

        def prompts() -> list[str]:
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

        await wait_until(pilot, lambda: any("Next unread" in p for p in prompts()), "Next unread in the palette")
        assert "Next unread" in screen_text(pilot)
        await press(pilot, "down")
        assert commands.highlighted is not None
        assert "Next unread" in prompts()[commands.highlighted]
        await press(pilot, "enter")
        await wait_until(pilot, lambda: isinstance(current_screen(app), MainScreen), "the palette to close")
        await wait_until(
            pilot, lambda: screen.article_view.article_id == library.beta[0], "the next unread article to open"
        )


async def test_o_shows_the_link_target_and_escape_opens_nothing(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def record(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setenv("BROWSER", "true")  # were anything to reach a real browser, it would run `true`
    monkeypatch.setattr(webbrowser, "open", record)
    monkeypatch.setattr(webbrowser, "open_new_tab", record)
    async with running(library.path) as (app, pilot, screen):
        await press(pilot, "o")
        assert isinstance(current_screen(app), LinkScreen)
        text = screen_text(pilot)
        assert "https://alpha.example/thread" in text
        assert "Open this link" in text
        await press(pilot, "escape")
        assert current_screen(app) is screen
        await pilot.pause(0.1)
        await settle(pilot)
        assert opened == []
        assert app.return_code is None


async def test_y_copies_the_article_link(library: Library) -> None:
    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, _screen):
        await press(pilot, "j", "y")
        assert "Copied https://beta.example/1" in notifications(messages)
        assert app.clipboard == "https://beta.example/1"


# -- hostile content ---------------------------------------------------------------------

HOSTILE = "[@click=app.quit]x[/] \x1b]52;c;ZXZpbA==\x07 C1\u009bend"


async def test_hostile_article_cannot_quit_or_write_control_characters(library: Library) -> None:
    article = add_article(
        library.path,
        f"{HOSTILE} hostile title",
        text=f"Body words {HOSTILE}\n\nSecond paragraph \x1b[2J cleared?",
        author=f"Mallory {HOSTILE}",
        url="https://evil.example/a",
        published=FIXED_EPOCH - 60,
        comments=[
            CommentData(guid="h1", author=f"Eve {HOSTILE}", text=f"Comment words {HOSTILE}"),
            CommentData(guid="h2", author="Trent", text=f"Reply words \x1b[31m{HOSTILE}", parent_guid="h1"),
        ],
    )
    async with running(library.path) as (app, pilot, screen):
        articles = screen.article_list
        assert articles.article_id == article
        await pilot.click(articles, offset=(6, 0))
        await settle(pilot)
        await open_article(pilot, article)
        await pilot.click(screen.article_view, offset=(3, 0))
        await pilot.click(screen.article_view, offset=(12, 0))
        await pilot.click(screen.comment_thread, offset=(4, 1))
        await settle(pilot)
        assert app.return_code is None, "a click on feed text must not run an action"
        assert isinstance(current_screen(app), MainScreen)

        drawn = {
            "article list": widget_lines(articles),
            "reading pane": widget_lines(screen.article_view),
            "comments": widget_lines(screen.comment_thread),
            "feed list": widget_lines(screen.feed_list),
        }
        for name, lines in drawn.items():
            for line in lines:
                assert not CONTROL_CHARS.search(line), f"control character drawn in the {name}: {line!r}"
        list_text = "\n".join(drawn["article list"])
        view_text = "\n".join(drawn["reading pane"])
        comment_text = "\n".join(drawn["comments"])
        assert "[@click=app.quit]x[/] \u241b]52" in list_text
        for words in (
            "[@click=app.quit]x[/] \u241b]52;c;ZXZpbA==",
            "C1",
            "hostile title",
            "ZXZpbA==",
            "Body words",
            "Second paragraph",
            "Mallory",
        ):
            assert words in view_text, f"{words!r} missing from the reading pane"
        for words in ("Comment words [@click=app.quit]x[/]", "ZXZpbA==", "Reply words", "Eve", "Trent"):
            assert words in comment_text, f"{words!r} missing from the comments"

        assert isinstance(focused(screen), CommentThread)  # the click focused the comments
        await press(pilot, "escape", "escape", "j")  # the app still answers keys
        assert articles.article_id == library.thread
        assert app.return_code is None


# -- state across runs ---------------------------------------------------------------------


async def test_next_start_restores_the_feed_and_article(library: Library) -> None:
    beta = library.feeds["Beta Blog"]
    async with running(library.path) as (_app, pilot, screen):
        await press(pilot, "escape")
        for _ in range(6):
            if screen.feed_list.source == Source("feed", beta):
                break
            await press(pilot, "j")
        assert screen.feed_list.source == Source("feed", beta)
        await press(pilot, "enter")
        await wait_until(pilot, lambda: screen.article_list.ids == library.beta, "the Beta list")
        await press(pilot, "j", "j", "enter")
        await wait_until(pilot, lambda: screen.article_view.article_id == library.beta[2], "Beta post 03 to open")

    async with running(library.path) as (_app, pilot, screen):
        assert screen.feed_list.source == Source("feed", beta)
        assert screen.article_list.ids == library.beta
        assert screen.article_list.article_id == library.beta[2]
        await wait_until(pilot, lambda: screen.article_view.article_id == library.beta[2], "the last article to show")
        assert beta_title(3) in widget_text(screen.article_view)
        assert isinstance(screen.feed_list, FeedList)
