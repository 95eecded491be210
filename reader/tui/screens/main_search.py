"""The main screen's search: the bar, the results that replace the list until escape, and moving between matches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work

from reader.text.sanitize import clean_line
from reader.text.search import InvalidSearchError
from reader.tui.screens.layout import Pane
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.screens.main_messages import FilterSaved, ListFailed, ListLoaded
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.search_bar import SearchBar

SEARCH_LIMIT = 1000


class SearchMixin(MainScreenBase):
    """Search the library; the results replace the article list until escape."""

    if TYPE_CHECKING:
        # Defined by the other parts of MainScreen.
        def show_pane(self, pane: Pane) -> None: ...

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def run_search(self, query: str, keep: int | None, request: int) -> None:
        """Search titles, text and comments; results replace the article list (ids only: the list reads its rows)."""
        try:
            with self.services.connection("list") as store:
                ids = store.search_ids(query, limit=SEARCH_LIMIT)
        except InvalidSearchError as error:
            self.post_message(ListFailed(f"Search: {error}", request=request))
            return
        self.post_message(ListLoaded(ids, keep, f"Search: {clean_line(query)}", search=query, request=request))

    def action_search(self) -> None:
        """Open the search bar."""
        self.query_one(SearchBar).open(self.search_query or "")

    @on(SearchBar.Submitted)
    def search_submitted(self, event: SearchBar.Submitted) -> None:
        """Run the search; results replace the article list until escape."""
        query = event.value.strip()
        if not query:
            self.query_one(SearchBar).close()
            self.article_list.focus()
            return
        if self._before_search is None:
            self._before_search = (self.source, self.article_list.article_id)
        # search_query is set when the results arrive: a query that cannot run changes nothing.
        # The bar stays until then, so closing it, moving the focus and showing the results
        # are one repaint (each was a full layout of the screen, 30-40 ms, before the results).
        # One count for every list request, searches included: an answer is shown
        # only if no list was asked for after it (ListLoaded.request).
        self._list_request += 1
        self._search_request = self._list_request
        self._search_pending = True
        self.run_search(query, keep=self.article_list.article_id, request=self._search_request)

    def _search_answered(self, request: int) -> bool:
        """Whether ``request`` is the search still waited for (then it no longer is); the bar closes."""
        if not self._search_pending or request != self._search_request:
            return False
        self._search_pending = False
        self.query_one(SearchBar).close()
        self.show_pane("articles")
        return True

    @on(SearchBar.Cancelled)
    def search_cancelled(self) -> None:
        """Back to where the user was (a search still running is forgotten)."""
        self._search_pending = False
        self.show_pane(self.narrow_pane if self.narrow else "articles")

    def _end_search(self) -> bool:
        if self.search_query is None or self._before_search is None:
            return False
        source, article_id = self._before_search
        self.source = source
        self.request_list(keep=article_id)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The match keys belong to an article opened from a search (elsewhere they are hidden)."""
        if action in ("next_match", "previous_match"):
            return self.search_query is not None and self.reading_id is not None
        return True

    def _jump_match(self, step: int) -> None:
        """m / M: the next or previous match of the search, in the focused pane, then on into the other."""
        view, thread = self.article_view, self.comment_thread
        if isinstance(self.focused, CommentThread):
            if thread.next_match(step):
                return
            if step < 0 and view.match_lines:
                self.show_pane("article")
                view.scroll_to(y=max(0, view.match_lines[-1] - 3), animate=False, immediate=True)
                return
        else:
            if view.next_match(step):
                return
            if step > 0 and thread.matches:
                self.show_pane("comments")
                if thread.cursor not in thread.matches:
                    thread.next_match(+1)
                return
        self.notify("No more matches." if step > 0 else "No earlier matches.", timeout=2)

    def action_next_match(self) -> None:
        """The next match of the search the article was opened from."""
        self._jump_match(+1)

    def action_previous_match(self) -> None:
        """The previous match."""
        self._jump_match(-1)

    def on_list_failed(self, message: ListFailed) -> None:
        """Say why a search could not run, in one line; the list stays as it was."""
        if not self._search_answered(message.request):
            return
        if self.search_query is None:
            self._before_search = None
        self.notify(message.reason, severity="warning", markup=False)

    # -- filtering the list (f) and saving the filter as a search (Q) ------------------

    def action_filter(self) -> None:
        """Narrow the list with a filter (the filter language: ``title =~ "rust" and unread = yes``)."""
        from reader.tui.screens.ask import AskScreen

        def answered(text: str | None) -> None:
            if text is None:
                return
            self._set_list_filter(text.strip() or None)

        question = AskScreen(
            "Filter the list",
            value=self.list_filter or "",
            placeholder='title =~ "rust" and unread = yes',
            hint="enter filters \u00b7 empty: no filter \u00b7 Q saves it as a search \u00b7 escape cancels",
        )
        self.app.push_screen(question, answered)

    def _set_list_filter(self, text: str | None) -> None:
        """Use ``text`` as the list's filter (None: none); a mistake is one line naming its column."""
        from reader.text.filters import FilterError, parse_filter

        if text is not None:
            try:
                parse_filter(text)
            except FilterError as error:
                self.notify(f"Filter: {clean_line(str(error))}", severity="warning", markup=False, timeout=8)
                return
        self.list_filter = text
        self.request_list(keep=self.article_list.article_id)

    def action_save_filter(self) -> None:
        """Keep the search shown, or else the list's filter, as a saved search (asks for its name).

        A ``/`` search is kept as the filter ``search = "its words"``, which
        finds what ``/`` finds, new articles included. The saved search joins
        the feed list.
        """
        from reader.text.filters import quote
        from reader.tui.screens.ask import AskScreen

        if self.search_query is not None:
            expression: str | None = f"search = {quote(self.search_query)}"
        else:
            expression = self.list_filter
        if not expression:
            self.notify("Nothing to save: / searches, f filters the list; then Q saves it.", timeout=3)
            return

        def answered(name: str | None) -> None:
            name = clean_line(name or "").strip()
            if name:
                self.run_save_filter(name, expression)

        self.app.push_screen(
            AskScreen(
                "Save this search as" if self.search_query is not None else "Save the filter as a search named",
                hint="enter saves \u00b7 escape cancels",
            ),
            answered,
        )

    @work(thread=True, group="feeds", exit_on_error=False)
    def run_save_filter(self, name: str, expression: str) -> None:
        """Save the search; the feed list is read again to show it."""
        try:
            with self.services.connection("feeds") as store:
                new = store.save_query(name, expression)
        except Exception as error:  # a save that cannot be made is one line
            self.post_message(FilterSaved(name, f"Could not save the search: {clean_line(str(error))[:160]}"))
            return
        self.post_message(FilterSaved(name, f"{'Saved' if new else 'Replaced'} the search {name}."))

    def on_filter_saved(self, message: FilterSaved) -> None:
        """Say it, and show the search in the feed list."""
        self.notify(message.line, markup=False, timeout=4)
        self.load_library()
