"""The main screen's ``D``: find where the article is discussed elsewhere, pick which to keep, read them offline.

The lookup (Hacker News, Lobsters, and Lemmy or Reddit when configured) and
the fetch of the chosen threads run in workers that take the article id and
post messages; the choice is a small modal (``PickScreen``). A lookup tells
those sites the article's address, so it happens only on this key (or for
the feeds the user opted in to, during fetches).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from reader.models import ThreadRef
from reader.text import plural
from reader.text.sanitize import clean_line
from reader.text.threads import discussion_summary
from reader.text.wrap import cut_at_word
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import DiscussionsFetched, DiscussionsFound
from reader.tui.screens.pick import PickScreen

if TYPE_CHECKING:
    from reader.service.library import DiscussionsOutcome


def discussion_choice(ref: ThreadRef, stored: bool) -> str:
    """One line of the pick list (site, title, points, comments; "kept" if stored), its address under it."""
    return discussion_summary(ref) + (" \u00b7 kept" if stored else "") + "\n" + clean_line(ref.url)


class DiscussionsMixin(MainScreenBase):
    """``D``: look the article up on the discussion sites and keep the threads picked."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def open_article(self, article_id: int, *, mark_read: bool = True, focus: bool = True) -> None: ...

    def action_discussions(self) -> None:
        """Find the discussions of the article being read (or the highlighted one)."""
        row = self._target_row()
        if row is None:
            return
        self.notify("Looking for discussions\u2026", timeout=2)
        self._discussion_request += 1
        self.run_find_discussions(row.id, row.title, self._discussion_request)

    @work(thread=True, exclusive=True, group="discussions", exit_on_error=False)
    def run_find_discussions(self, article_id: int, title: str, sequence: int) -> None:
        """Ask the sites (or take the kept answer); the outcome comes back as a message."""
        try:
            outcome = self.library.find_discussions(article_id)
        except Exception as error:  # a lookup that cannot run is one line, never a crash
            failed = f"lookup failed: {clean_line(str(error))[:160]}"
            self.post_message(DiscussionsFound(article_id, None, failed, title=title, sequence=sequence))
            return
        self.post_message(DiscussionsFound(article_id, outcome, title=title, sequence=sequence))

    def on_discussions_found(self, message: DiscussionsFound) -> None:
        """Say what the sites answered, and offer the discussions found (an answer to an older D is dropped)."""
        if message.sequence != self._discussion_request:
            return  # D was pressed again since (on this article or another): that answer is the one wanted
        outcome = message.outcome
        if outcome is None:
            self.notify(message.error or "lookup failed", severity="error", markup=False)
            return
        for error in outcome.errors:
            self.notify(clean_line(error), severity="warning", markup=False, timeout=6)
        if not outcome.found:
            if not outcome.errors:
                self.notify("No discussion of this article found.", markup=False, timeout=4)
            return
        self._offer(message.article_id, message.title, outcome)

    def _offer(self, article_id: int, title: str, outcome: DiscussionsOutcome) -> None:
        found = outcome.found
        stored = [(ref.source, ref.remote_id, ref.api) in outcome.stored for ref in found]
        choices = [discussion_choice(ref, kept) for ref, kept in zip(found, stored, strict=True)]
        if len(found) > 1:
            choices.insert(0, f"All {len(found)} of them")
        named = cut_at_word(clean_line(title), 60) or "(untitled)"
        question = f"\u201c{named}\u201d is discussed in {plural(len(found), 'place')}: keep which (offline too)?"

        def chosen(index: int | None) -> None:
            if index is None:
                return
            picked = found if len(found) > 1 and index == 0 else [found[index - (1 if len(found) > 1 else 0)]]
            self.notify(f"Fetching {plural(len(picked), 'discussion')}\u2026", timeout=2)
            self.run_fetch_discussions(article_id, picked)

        self.app.push_screen(PickScreen(question, choices), chosen)

    @work(thread=True, group="discussions", exit_on_error=False)
    def run_fetch_discussions(self, article_id: int, refs: list[ThreadRef]) -> None:
        """Fetch the picked discussions and keep them as threads of the article."""
        try:
            summary = self.library.fetch_discussions(article_id, refs)
        except Exception as error:
            self.post_message(DiscussionsFetched(article_id, 0, 0, [f"fetch failed: {clean_line(str(error))[:160]}"]))
            return
        errors = [summary.error] if summary.error else list(summary.thread_errors)
        self.post_message(DiscussionsFetched(article_id, summary.threads, summary.comments, errors))

    def on_discussions_fetched(self, message: DiscussionsFetched) -> None:
        """Say what came, and show the threads if the article is open."""
        for error in message.errors:
            self.notify(clean_line(error), severity="warning", markup=False, timeout=6)
        if message.threads:
            self.notify(
                f"{plural(message.threads, 'thread')} kept: {plural(message.comments, 'new comment')}",
                markup=False,
                timeout=4,
            )
        if message.article_id == self.reading_id:
            self.open_article(message.article_id, mark_read=False, focus=False)
