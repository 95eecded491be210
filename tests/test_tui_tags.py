"""Pilot tests of the feed list grouped by tag, and of "mark all read" (``A``) with its question.

The library is the standard one (Alpha News: 3 articles, Beta Blog: 60) plus
Gamma Notes (2 articles, no tag), in a real SQLite file. Alpha is tagged
News and Tech, Beta only Tech. What is checked is what a user sees (the
drawn feed list, the question, the article list's title and rows, the
counts) and what the database holds afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.message import Message
from textual.pilot import Pilot
from tui_helpers import (
    BETA_COUNT,
    CONTROL_CHARS,
    FIXED_EPOCH,
    HOUR,
    Library,
    add_article,
    build_library,
    current_screen,
    focused,
    highlight,
    notifications,
    press,
    running,
    screen_text,
    unread_shown,
    wait_until,
    widget_lines,
    widget_text,
)

from reader.models import ArticleFilter, FeedData
from reader.store import Store
from reader.tui.screens.confirm import ConfirmScreen
from reader.tui.screens.main import MainScreen
from reader.tui.widgets.feed_list import FeedList, Source

GAMMA = FeedData(key="https://gamma.example/feed", title="Gamma Notes", url="https://gamma.example/feed")
#: Markup and escape sequences in a feed's title and a tag's name: shown as text, never obeyed
#: (short enough to show whole in the feed list).
HOSTILE_FEED = "[bold]x[/]\x1b]0;t\x07"
HOSTILE_TAG = "[bold]x[/]\x1b[7m"


@dataclass
class Tagged:
    """The tagged library: feed ids by name, and the article ids of each feed."""

    path: Path
    alpha: int
    beta: int
    gamma: int
    library: Library
    gamma_ids: list[int]

    def ids(self, *, unread: bool = False, feed_id: int | None = None, tag: str | None = None) -> list[int]:
        """Article ids (newest first) of a feed, a tag or all, as the database holds them now."""
        with Store(self.path) as store:
            return store.article_ids(ArticleFilter(unread=unread, feed_id=feed_id, tag=tag))

    def unread(self, *, feed_id: int | None = None, tag: str | None = None) -> list[int]:
        """The unread ones of :meth:`ids`."""
        return self.ids(unread=True, feed_id=feed_id, tag=tag)


@pytest.fixture
def tagged(db_path: Path) -> Tagged:
    """Alpha (News, Tech), Beta (Tech) and Gamma (no tag)."""
    library = build_library(db_path)
    gamma_ids = [
        add_article(db_path, f"Gamma note {n}", feed=GAMMA, published=FIXED_EPOCH - (100 + n) * HOUR) for n in (1, 2)
    ]
    with Store(db_path) as store:
        gamma = next(feed.id for feed in store.feeds() if feed.title == "Gamma Notes")
        alpha, beta = library.feeds["Alpha News"], library.feeds["Beta Blog"]
        store.set_tags(alpha, add=["Tech", "News"])
        store.set_tags(beta, add=["Tech"])
    return Tagged(db_path, alpha, beta, gamma, library, gamma_ids)


def option_keys(feeds: FeedList) -> list[str | None]:
    """The ids of the feed list's rows, top to bottom (separators are left out)."""
    return [key for key in feeds.keys if key is not None]


async def ask_mark_all_read(pilot: Pilot[None]) -> str:
    """Press A and wait for the question; return the text the modal shows."""
    await press(pilot, "A")
    await wait_until(pilot, lambda: isinstance(current_screen(pilot.app), ConfirmScreen), "the question")
    return screen_text(pilot)


# -- the grouped feed list ---------------------------------------------------------


async def test_feed_list_shows_each_tag_with_its_feeds_under_it_then_the_untagged_feeds(tagged: Tagged) -> None:
    async with running(tagged.path) as (_app, _pilot, screen):
        feeds = screen.feed_list
        a, b, g = tagged.alpha, tagged.beta, tagged.gamma
        assert option_keys(feeds) == [
            "all",
            "unread",
            "starred",
            "tag:News",
            f"feed:{a}@News",
            "tag:Tech",
            f"feed:{a}@Tech",
            f"feed:{b}@Tech",
            f"feed:{g}",
        ]
        # Every row starts with one cell of padding.
        lines = [line.rstrip()[1:] for line in widget_lines(feeds)]
        rows = [line for line in lines if line.strip() and not set(line.strip()) <= set("─━")]
        first_words = [row.split()[0] for row in rows]
        assert first_words == ["All", "Unread", "Starred", "News", "Alpha", "Tech", "Alpha", "Beta", "Gamma"]
        # Tag rows are flush left with their unread count; their feeds are indented under them.
        assert rows[3].startswith("News") and rows[3].endswith(" 3")
        assert rows[4].startswith("  Alpha News") and rows[4].endswith(" 3")
        assert rows[5].startswith("Tech") and rows[5].endswith(f" {3 + BETA_COUNT}")
        assert rows[6].startswith("  Alpha News")
        assert rows[7].startswith("  Beta Blog") and rows[7].endswith(f" {BETA_COUNT}")
        assert rows[8].startswith("Gamma Notes") and rows[8].endswith(" 2")
        assert unread_shown(screen, "tag:Tech") == 3 + BETA_COUNT
        assert unread_shown(screen, "tag:News") == 3


@pytest.mark.slow
async def test_choosing_a_tag_lists_the_articles_of_its_feeds(tagged: Tagged) -> None:
    async with running(tagged.path) as (_app, pilot, screen):
        articles = screen.article_list
        await highlight(pilot, screen, "tag:Tech")
        tech = tagged.ids(tag="Tech")
        assert sorted(tech) == sorted(tagged.ids(feed_id=tagged.alpha) + tagged.library.beta)
        await wait_until(pilot, lambda: articles.ids == tech, "the Tech list")
        assert f"Tech \u00b7 {3 + BETA_COUNT}" in str(articles.border_title)
        assert "Gamma note" not in widget_text(articles)

        await highlight(pilot, screen, "tag:News")
        await wait_until(pilot, lambda: articles.ids == tagged.ids(feed_id=tagged.alpha), "the News list (Alpha)")
        assert "News \u00b7 3" in str(articles.border_title)

        # A feed chosen under a tag shows that feed alone, as before.
        await highlight(pilot, screen, f"feed:{tagged.beta}@Tech")
        await wait_until(pilot, lambda: articles.ids == tagged.library.beta, "Beta only")
        assert f"Beta Blog \u00b7 {BETA_COUNT}" in str(articles.border_title)

        await highlight(pilot, screen, "tag:Tech")
        await press(pilot, "enter")  # enter on a tag moves on to its articles
        assert focused(screen) is articles
        assert articles.ids == tech


async def test_next_start_restores_a_chosen_tag_and_a_feed_under_its_second_tag(tagged: Tagged) -> None:
    async with running(tagged.path) as (_app, pilot, screen):
        await highlight(pilot, screen, "tag:Tech")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: screen.article_list.ids == tagged.ids(tag="Tech"), "the Tech list")

    async with running(tagged.path) as (_app, pilot, screen):
        assert screen.feed_list.source == Source("tag", tag="Tech")
        assert screen.article_list.ids == tagged.ids(tag="Tech")
        assert f"Tech \u00b7 {3 + BETA_COUNT}" in str(screen.article_list.border_title)
        # Alpha is listed twice; the row chosen (under Tech, not News) is the one kept.
        await highlight(pilot, screen, f"feed:{tagged.alpha}@Tech")
        await wait_until(pilot, lambda: screen.article_list.ids == tagged.ids(feed_id=tagged.alpha), "Alpha")

    async with running(tagged.path) as (_app, pilot, screen):
        feeds = screen.feed_list
        assert feeds.source == Source("feed", tagged.alpha, group="Tech")
        assert feeds.keys[feeds.cursor] == f"feed:{tagged.alpha}@Tech"
        assert screen.article_list.ids == tagged.ids(feed_id=tagged.alpha)


# -- mark all read ---------------------------------------------------------------------


async def test_mark_all_read_asks_first_and_n_or_escape_change_nothing(tagged: Tagged) -> None:
    async with running(tagged.path) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{tagged.beta}@Tech")
        text = await ask_mark_all_read(pilot)
        assert f"Mark all {BETA_COUNT} unread articles of Beta Blog read?" in text
        await press(pilot, "n")
        assert isinstance(current_screen(app), MainScreen)

        await ask_mark_all_read(pilot)
        await press(pilot, "escape")
        assert isinstance(current_screen(app), MainScreen)
        assert focused(screen) is screen.feed_list

        assert app.writer.flush()
        assert len(tagged.unread()) == 3 + BETA_COUNT + 2
        assert unread_shown(screen, f"feed:{tagged.beta}@Tech") == BETA_COUNT
        assert unread_shown(screen, "unread") == 3 + BETA_COUNT + 2


async def test_y_marks_exactly_that_feeds_articles_read_and_the_counts_follow(tagged: Tagged) -> None:
    messages: list[Message] = []
    async with running(tagged.path, messages=messages) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{tagged.beta}@Tech")
        await wait_until(pilot, lambda: screen.article_list.ids == tagged.library.beta, "Beta only")
        assert "\u25cf" in widget_lines(screen.article_list)[0]  # unread marker
        await ask_mark_all_read(pilot)
        await press(pilot, "y")
        assert isinstance(current_screen(app), MainScreen)
        assert app.writer.flush()

        assert tagged.unread(feed_id=tagged.beta) == []
        assert tagged.unread(feed_id=tagged.alpha) == tagged.ids(feed_id=tagged.alpha)
        assert tagged.unread(feed_id=tagged.gamma) == tagged.gamma_ids
        await wait_until(
            pilot,
            lambda: unread_shown(screen, f"feed:{tagged.beta}@Tech") == 0 and unread_shown(screen, "unread") == 5,
            "Beta's and the Unread counts to drop",
        )
        assert unread_shown(screen, "tag:Tech") == 3
        assert unread_shown(screen, f"feed:{tagged.alpha}@News") == 3
        assert unread_shown(screen, f"feed:{tagged.gamma}") == 2
        await wait_until(pilot, lambda: "\u25cf" not in widget_text(screen.article_list), "the rows to show read")
        assert screen.article_list.ids == tagged.library.beta  # the list and place stay
        assert f"Marked {BETA_COUNT} articles read." in notifications(messages)

        # Nothing left to mark: no question, a note instead.
        await press(pilot, "A")
        assert isinstance(current_screen(app), MainScreen)
        assert "Nothing unread in Beta Blog." in notifications(messages)


async def test_enter_on_a_tag_row_marks_the_feeds_of_that_tag(tagged: Tagged) -> None:
    async with running(tagged.path) as (app, pilot, screen):
        await highlight(pilot, screen, "tag:Tech")
        text = await ask_mark_all_read(pilot)
        assert f"Mark all {3 + BETA_COUNT} unread articles of Tech read?" in text
        await press(pilot, "enter")
        assert isinstance(current_screen(app), MainScreen)
        assert app.writer.flush()
        assert tagged.unread(tag="Tech") == []
        assert tagged.unread() == tagged.gamma_ids
        await wait_until(
            pilot,
            lambda: unread_shown(screen, "tag:Tech") == 0 and unread_shown(screen, "tag:News") == 0,
            "the tag counts to drop",
        )
        assert unread_shown(screen, f"feed:{tagged.gamma}") == 2
        assert unread_shown(screen, "unread") == 2


async def test_on_all_it_asks_about_everything_unread(tagged: Tagged) -> None:
    with Store(tagged.path) as store:
        store.mark(tagged.library.beta[:10], read=True)
    async with running(tagged.path) as (app, pilot, screen):
        await highlight(pilot, screen, "all")
        text = await ask_mark_all_read(pilot)
        assert f"Mark all {3 + BETA_COUNT - 10 + 2} unread articles read?" in text
        await press(pilot, "y")
        assert app.writer.flush()
        assert tagged.unread() == []
        await wait_until(pilot, lambda: unread_shown(screen, "unread") == 0, "the Unread count to drop")
        assert unread_shown(screen, f"feed:{tagged.gamma}") == 0


async def test_articles_arriving_while_the_question_is_open_stay_unread(tagged: Tagged) -> None:
    async with running(tagged.path) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{tagged.gamma}")
        text = await ask_mark_all_read(pilot)
        assert "Mark all 2 unread articles of Gamma Notes read?" in text
        late = add_article(tagged.path, "Gamma late note", feed=GAMMA, published=FIXED_EPOCH - 60)
        await press(pilot, "y")
        assert app.writer.flush()
        assert tagged.unread(feed_id=tagged.gamma) == [late]
        await wait_until(pilot, lambda: unread_shown(screen, f"feed:{tagged.gamma}") == 1, "Gamma's count to be 1")


async def test_a_and_the_question_are_in_the_help_screen(tagged: Tagged) -> None:
    async with running(tagged.path) as (_app, pilot, _screen):
        await press(pilot, "question_mark")
        await press(pilot, "G")  # the feeds' keys come last in the list
        text = screen_text(pilot)
        assert "Mark all read" in text
        assert "feeds.mark-read" in text


# -- untrusted names ---------------------------------------------------------------------


async def test_markup_and_escapes_in_feed_and_tag_names_show_as_text(tagged: Tagged) -> None:
    with Store(tagged.path) as store:
        with store.transaction():
            store.conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (HOSTILE_FEED, tagged.gamma))
        store.set_tags(tagged.gamma, add=[HOSTILE_TAG])
    shown_feed = "[bold]x[/]\u241b]0;t\u2407"
    shown_tag = "[bold]x[/]\u241b[7m"
    async with running(tagged.path) as (app, pilot, screen):
        feeds = screen.feed_list
        lines = widget_lines(feeds)
        for line in lines:
            assert not CONTROL_CHARS.search(line), f"control character drawn in the feed list: {line!r}"
        text = "\n".join(lines)
        assert shown_tag in text
        assert "  " + shown_feed in text  # under its tag, indented

        await highlight(pilot, screen, f"tag:{HOSTILE_TAG}")
        await wait_until(pilot, lambda: screen.article_list.ids == tagged.gamma_ids, "the hostile tag's list")
        assert f"{shown_tag} \u00b7 2" in screen_text(pilot)  # the article list's title, as drawn

        await highlight(pilot, screen, f"feed:{tagged.gamma}@{HOSTILE_TAG}")
        question = await ask_mark_all_read(pilot)
        assert f"Mark all 2 unread articles of {shown_feed} read?" in question
        assert not CONTROL_CHARS.search(question)
        await press(pilot, "escape")
        assert isinstance(current_screen(app), MainScreen)
        assert app.return_code is None
        assert tagged.unread(feed_id=tagged.gamma) == tagged.gamma_ids
