"""Several threads in the comments panel: one shown at a time, every one named in its title, ``t`` to switch.

The library is the standard test library (a real SQLite file) plus one article
discussed on its blog, on Hacker News and on Lobsters, stored through the
real store API; the reader runs headless under Pilot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.content import Content
from textual.widget import Widget
from tui_helpers import (
    FIXED_EPOCH,
    HOUR,
    Library,
    add_article,
    build_library,
    open_article,
    press,
    running,
    widget_text,
)

from reader.models import ArticleFilter, CommentData, ThreadRef
from reader.store import Store


@pytest.fixture
def library(db_path: Path) -> Library:
    return build_library(db_path)


def said(guid: str, author: str, text: str, parent: str | None = None, *, minutes: int = 0) -> CommentData:
    return CommentData(guid=guid, author=author, text=text, parent_guid=parent, published=FIXED_EPOCH - HOUR + minutes)


def discussed_article(db_path: Path) -> tuple[int, dict[str, int]]:
    """An article with its own two comments, 3 on Hacker News (read an hour ago; one came since), 1 on Lobsters."""
    article = add_article(
        db_path,
        "Discussed everywhere",
        comments=[said("blog-1", "Bea", "On the blog itself."), said("blog-2", "Cal", "Blog reply.", "blog-1")],
    )
    with Store(db_path) as store:
        hn = store.open_thread(
            article, ThreadRef("hackernews", "99", "https://news.ycombinator.com/item?id=99"), "lookup"
        )
        store.add_comments(
            article,
            [said("hn:1", "Hal", "Hacker News words."), said("hn:2", "Ivy", "An answer on HN.", "hn:1")],
            now=FIXED_EPOCH - 2 * HOUR,
            thread_id=hn,
        )
        store.mark_thread_seen(article, FIXED_EPOCH - HOUR, thread_id=hn)
        store.add_comments(article, [said("hn:3", "Jo", "Came after.", "hn:1")], now=FIXED_EPOCH - 60, thread_id=hn)
        lobsters = store.open_thread(article, ThreadRef("lobsters", "zz9", "https://lobste.rs/s/zz9"), "lookup")
        store.add_comments(article, [said("lobsters:q", "Kim", "Lobsters take.")], thread_id=lobsters)
        threads: dict[str, int] = {t.source: t.id for t in store.threads(article)}
    return article, threads


def title_of(panel: Widget) -> Content:
    """The panel's title as drawn (Textual keeps a border title as markup)."""
    return Content.from_markup(str(panel.border_title))


def marked(panel: Widget) -> list[str]:
    """The parts of the title drawn in a style of their own: the thread shown."""
    title = title_of(panel)
    return [title.plain[span.start : span.end] for span in title.spans]


async def test_the_panel_names_every_thread_and_t_switches(library: Library) -> None:
    article, threads = discussed_article(library.path)
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        panel = screen.comment_thread
        assert title_of(panel).plain == "Blog 2 \u00b7 Hacker News 3 \u00b7 Lobsters 1"
        # The shown thread is the marked one; its comments are what the panel draws.
        assert "On the blog itself." in widget_text(panel) and "Hacker News words." not in widget_text(panel)
        # The reading pane says where else the article is discussed, even with the comments hidden.
        assert "Discussed on Blog (2) \u00b7 Hacker News (3) \u00b7 Lobsters (1)" in widget_text(screen.article_view)
        assert marked(panel) == ["Blog 2"]

        panel.focus()
        await press(pilot, "t")
        text = widget_text(panel)
        assert "Hacker News words." in text and "On the blog itself." not in text
        assert marked(panel) == ["Hacker News 3"]
        # New is per thread: Jo's reply came after this thread was last read.
        assert title_of(panel).plain.endswith("\u00b7 1 new")
        assert "new" in text

        await press(pilot, "t")
        assert "Lobsters take." in widget_text(panel)
        await press(pilot, "t")  # round the end, back to the first
        assert "On the blog itself." in widget_text(panel)
        await press(pilot, "T")
        assert "Lobsters take." in widget_text(panel)

    with Store(library.path) as store:
        seen = {t.source: t.seen for t in store.threads(article)}
    # Reading a thread counts for that thread: each shown one is now read.
    assert seen["lobsters"] == FIXED_EPOCH and seen["hackernews"] == FIXED_EPOCH
    assert threads.keys() == {"feed", "hackernews", "lobsters"}


async def test_one_thread_keeps_the_plain_title_and_offers_no_switch(library: Library) -> None:
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, library.thread)
        panel = screen.comment_thread
        assert str(panel.border_title) == "Comments \u00b7 8"
        panel.focus()
        await press(pilot, "t")
        assert str(panel.border_title) == "Comments \u00b7 8"
        assert panel.check_action("switch_thread", (1,)) is False


async def test_a_thread_laid_out_for_an_earlier_opening_is_dropped(library: Library) -> None:
    """An article opened twice (D kept new threads while the first opening was still laying out): the older
    answer, read before the threads were stored, must not replace the newer one (found by the tmux test)."""
    from reader.text.threads import ThreadLayout
    from reader.tui.screens.main_messages import ThreadLoaded

    article, _threads = discussed_article(library.path)
    async with running(library.path) as (_app, pilot, screen):
        await open_article(pilot, article)
        panel = screen.comment_thread
        assert title_of(panel).plain.startswith("Blog 2")
        stale = ThreadLoaded(article, [ThreadLayout([])], sequence=screen._thread_request - 1)
        screen.post_message(stale)
        await press(pilot)
        assert title_of(panel).plain == "Blog 2 \u00b7 Hacker News 3 \u00b7 Lobsters 1"
        assert "On the blog itself." in widget_text(panel)
        # The same answer for the current opening is shown: the check is the sequence, not luck.
        screen.post_message(ThreadLoaded(article, [ThreadLayout([])], sequence=screen._thread_request))
        await press(pilot)
        assert "No comments stored" in widget_text(panel)


# -- saved searches in the feed list ------------------------------------------------


async def test_a_saved_search_is_listed_with_its_count_and_lists_what_it_matches(library: Library) -> None:
    from tui_helpers import current_screen, highlight, screen_text, wait_until

    from reader.tui.screens.confirm import ConfirmScreen

    with Store(library.path) as store:
        store.save_query("Beta teens", 'title =~ "^Beta post 1[0-9]$"')
    async with running(library.path) as (_app, pilot, screen):
        feeds = screen.feed_list
        keys = [key for key in feeds.keys if key is not None]
        assert keys[:4] == ["all", "unread", "starred", "query:Beta teens"]
        assert feeds.row_text("query:Beta teens").split() == ["/", "Beta", "teens", "10"]
        await highlight(pilot, screen, "query:Beta teens")
        await wait_until(pilot, lambda: len(screen.article_list.ids) == 10, "the search's ten articles")
        assert "Search Beta teens" in str(screen.sub_title)
        # Mark all read asks about exactly those ten.
        await press(pilot, "A")
        await wait_until(pilot, lambda: isinstance(current_screen(pilot.app), ConfirmScreen), "the question")
        assert "10" in screen_text(pilot)
        await press(pilot, "y")
        await wait_until(pilot, lambda: feeds.row_text("query:Beta teens").split()[-1] != "10", "the count to drop")
    with Store(library.path) as store:
        (query,) = store.saved_queries()
        assert (query.unread, query.total) == (0, 10)
        unread_beta = store.matching_ids(library.beta, "unread = yes")
    assert len(unread_beta) == 50  # the other Beta posts were not touched


async def test_f_filters_the_list_and_q_saves_the_filter_as_a_search(library: Library) -> None:
    from textual.message import Message
    from tui_helpers import current_screen, notifications, wait_until

    from reader.tui.screens.ask import AskScreen

    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):

        async def answer(key: str, text: str) -> None:
            await press(pilot, key)
            await wait_until(pilot, lambda: isinstance(current_screen(app), AskScreen), "the question")
            ask = current_screen(app)
            ask.query_one("#answer").value = text  # type: ignore[attr-defined]
            await press(pilot, "enter")

        screen.article_list.focus()
        await answer("f", 'title =~ "^beta post 0[1-5]$"')
        await wait_until(pilot, lambda: len(screen.article_list.ids) == 5, "five Beta posts")
        assert 'filter title =~ "^beta post 0[1-5]$"' in str(screen.sub_title)
        # A mistake is one line with its column, and the list stays as it was.
        await answer("f", "title ~= beta")
        await wait_until(pilot, lambda: any(n.startswith("Filter: ") for n in notifications(messages)), "the error")
        assert any("column" in n for n in notifications(messages)) and len(screen.article_list.ids) == 5
        await answer("Q", "First five")
        await wait_until(pilot, lambda: "query:First five" in screen.feed_list.keys, "the search in the feed list")
        # An empty filter shows everything again.
        await answer("f", "")
        await wait_until(pilot, lambda: len(screen.article_list.ids) == 63, "every article again")
    with Store(library.path) as store:
        assert store.saved_query("First five") == 'title =~ "^beta post 0[1-5]$"'


async def test_q_after_a_search_saves_it_as_a_search_that_finds_what_slash_found(library: Library) -> None:
    from textual.message import Message
    from tui_helpers import current_screen, notifications, wait_until

    from reader.tui.screens.ask import AskScreen

    messages: list[Message] = []
    async with running(library.path, messages=messages) as (app, pilot, screen):
        screen.article_list.focus()
        await press(pilot, "Q")  # nothing searched or filtered yet: said, nothing asked
        await wait_until(pilot, lambda: any(n.startswith("Nothing to save") for n in notifications(messages)), "why")
        await press(pilot, "slash", *"post 1*", "enter")
        await wait_until(pilot, lambda: screen.search_query == "post 1*", "the results")
        found = list(screen.article_list.ids)
        assert found and len(found) < len(library.beta)
        await press(pilot, "Q")
        await wait_until(pilot, lambda: isinstance(current_screen(app), AskScreen), "the question")
        ask = current_screen(app)
        ask.query_one("#answer").value = "Posts 1x"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        await wait_until(pilot, lambda: "query:Posts 1x" in screen.feed_list.keys, "the search in the feed list")
    with Store(library.path) as store:
        assert store.saved_query("Posts 1x") == 'search = "post 1*"'
        saved = store.article_ids(ArticleFilter(expression='search = "post 1*"'))
        assert sorted(saved) == sorted(found) == sorted(store.search_ids("post 1*", limit=1000))
