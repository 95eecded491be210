"""The search bar: an input shown by ``/``, hidden again by escape."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    """Type words, a "phrase", word*, a OR b, -word; enter searches, escape gives up."""

    DEFAULT_CSS = """
    SearchBar {
        dock: bottom;
        /* Its own layer (the screen declares it): opening and closing the bar
           lays nothing out again, it only covers and uncovers the bottom rows. */
        layer: search;
        display: none;
        border: tall $accent;
        &.-shown { display: block; }
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel search", id="search.cancel")]

    @dataclass
    class Cancelled(Message):
        """The user left the search bar without searching."""

        search_bar: SearchBar

        @property
        def control(self) -> SearchBar:
            """The bar that sent the message."""
            return self.search_bar

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            placeholder='Search titles, text and comments: words, "a phrase", prefix*, a OR b, -word', id=id
        )

    def open(self, text: str = "") -> None:
        """Show the bar and focus it."""
        self.value = text
        self.add_class("-shown")
        self.focus()

    def close(self) -> None:
        """Hide the bar."""
        self.remove_class("-shown")

    @property
    def is_open(self) -> bool:
        """True while the bar shows (the user may be typing a search)."""
        return self.has_class("-shown")

    def action_cancel(self) -> None:
        """Hide the bar and say so."""
        self.close()
        self.post_message(self.Cancelled(self))
