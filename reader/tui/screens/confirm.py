"""A yes/no question in a small modal: y or enter answers yes, n or escape no."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    """Asks ``question``; dismisses with True for yes, False for no.

    The question is shown as plain text (it may hold a feed's or a tag's
    name, which is never markup).
    """

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        & > Vertical {
            width: auto;
            min-width: 40;
            max-width: 80%;
            height: auto;
            border: thick $accent;
            background: $panel;
            padding: 1 2;
        }
        & #question { width: auto; max-width: 100%; margin-bottom: 1; }
        & #hint { width: auto; color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and what the keys do."""
        with Vertical():
            yield Static(Text(self.question), id="question")
            yield Static(Text("y / enter yes \u00b7 n / escape no"), id="hint")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
