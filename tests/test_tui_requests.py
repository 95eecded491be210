"""A list answer that comes after a newer request is dropped by its number, not by luck.

The list workers share a thread group, but a cancelled worker still runs to
its end and posts its answer: without a rule, a slow answer for the feed the
user left could replace the feed they went to. Every list or search request
now carries a number; only the answer to the newest is shown.
"""

from __future__ import annotations

from pathlib import Path

from tui_helpers import build_library, running, settle

from reader.tui.screens.main import ListLoaded


async def test_an_answer_to_an_older_list_request_is_dropped(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    build_library(db)
    async with running(db) as (_app, pilot, screen):
        shown = list(screen.article_list.ids)
        assert len(shown) > 2
        newest = screen._list_request

        # A late answer to the request before the newest: ignored.
        screen.post_message(ListLoaded(shown[:1], None, "Stale", request=newest - 1))
        await settle(pilot)
        assert list(screen.article_list.ids) == shown
        assert screen.sub_title != "Stale"

        # The answer to the newest request: shown.
        screen.post_message(ListLoaded(shown[:2], None, "Fresh", request=newest))
        await settle(pilot)
        assert list(screen.article_list.ids) == shown[:2]
        assert screen.sub_title == "Fresh"


async def test_choosing_a_list_asks_again_with_a_newer_number(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    build_library(db)
    async with running(db) as (_app, pilot, screen):
        before = screen._list_request
        await pilot.press("u")  # unread only: the list is asked for again
        await settle(pilot)
        assert screen._list_request == before + 1


async def test_a_change_check_while_a_feed_is_being_chosen_does_not_keep_the_old_lists_rows(tmp_path: Path) -> None:
    """Another program writes just as the user chooses a feed: the list shows that feed's articles only.

    The refresh the change check starts read the rows on screen (All articles)
    and kept them under the chosen feed's title ("Alpha News · 63").
    """
    library = build_library(tmp_path / "library.db")
    async with running(library.path) as (_app, pilot, screen):
        await pilot.press("escape")
        await settle(pilot)
        feeds = screen.feed_list
        row = feeds.index_of(f"feed:{library.feeds['Alpha News']}")
        assert row is not None
        feeds.set_cursor(row, announce=True)
        await pilot.pause(0)  # the choice is handled: its list is on its way
        screen.library_changed()  # what the change check does when another program wrote
        await settle(pilot)

        assert str(screen.article_list.border_title) == "Alpha News \u00b7 3"
        assert len(screen.article_list.ids) == 3
