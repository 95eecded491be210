"""Pick one of several choices in a small modal: a numbered list, enter or the number picks, escape none.

Used when a site offers several feeds. Choices are plain text (a feed's
title and address come from the site), never markup; a choice's first line
is its name, further lines (an address) go under it. Each is drawn beside
its number, wrapped lines indented under its first, so that where one choice
ends and the next begins is plain when long titles and addresses wrap. The
answer is the index picked, or None.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

#: Choices shown with a number key of their own.
NUMBERED = 9


def numbered(number: int, choice: str) -> Table:
    """``choice`` beside its number: every line (and every wrapped line) indented under the first."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    # "fold": an address has no spaces to wrap at; it is cut to the width, never left out.
    grid.add_column(overflow="fold")
    grid.add_row(Text(f"{number}."), Text(choice))
    return grid


class PickScreen(ModalScreen[int | None]):
    """Asks ``question`` with ``choices`` listed; dismisses with the index picked, or None on escape."""

    DEFAULT_CSS = """
    PickScreen {
        align: center middle;
        & > Vertical {
            width: 80%;
            max-width: 110;
            min-width: 40;
            height: auto;
            max-height: 90%;
            border: thick $accent;
            background: $panel;
            padding: 1 2;
        }
        /* Docked: the list gets the room left between them (and scrolls), the hint is never cut off. */
        & #question { dock: top; width: 100%; margin-bottom: 1; }
        /* At most half the screen: with the question (up to 3 lines) and the hint it fits 24 lines. */
        & OptionList { height: auto; max-height: 50vh; }
        & #hint { dock: bottom; width: 100%; margin-top: 1; color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        *(Binding(str(n), f"pick({n - 1})", f"Pick {n}", show=False, id=f"pick.{n}") for n in range(1, NUMBERED + 1)),
    ]

    def __init__(self, question: str, choices: list[str]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        """The question, the numbered choices, and what the keys do."""
        with Vertical():
            yield Static(Text(self.question), id="question")
            yield OptionList(*(Option(numbered(n, choice), id=str(n - 1)) for n, choice in enumerate(self.choices, 1)))
            yield Static(Text("enter or a number picks \u00b7 escape cancels"), id="hint")

    def on_mount(self) -> None:
        """The first choice is highlighted, the list has the keys."""
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a choice picks it."""
        event.stop()
        self.dismiss(event.option_index)

    def action_pick(self, index: int) -> None:
        """A number key picks its choice (when there is one)."""
        if 0 <= index < len(self.choices):
            self.dismiss(index)

    def action_cancel(self) -> None:
        """Escape: none picked."""
        self.dismiss(None)
