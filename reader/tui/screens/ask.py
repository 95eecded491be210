"""A one-line question in a small modal: a title, a text field, and what enter and escape do.

Used to add a feed (its address), rename one, move one, and import a file by
its path. Enter answers with the text as typed (stripped); escape answers
None, which the caller takes as "nothing to do". Every text shown (a feed's
name in the title, the text put in the field) is plain text, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class AskScreen(ModalScreen[str | None]):
    """Asks ``question`` with a text field holding ``value``; dismisses with the text, or None on escape."""

    DEFAULT_CSS = """
    AskScreen {
        align: center middle;
        & > Vertical {
            width: 80%;
            max-width: 100;
            min-width: 40;
            height: auto;
            border: thick $accent;
            background: $panel;
            padding: 1 2;
        }
        & #question { width: 100%; margin-bottom: 1; }
        & Input { width: 100%; margin-bottom: 1; }
        & #hint { width: 100%; color: $text-muted; }
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ask.cancel")]

    def __init__(
        self, question: str, value: str = "", *, hint: str = "", placeholder: str = "", from_start: bool = False
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint or "enter to go on \u00b7 escape to cancel"
        self.placeholder = placeholder
        #: Show ``value`` from its start, nothing selected (a line of settings to edit, wider than the
        #: field: at its end, its first words were cut off at 80 columns).
        self.from_start = from_start

    def compose(self) -> ComposeResult:
        """The question, the field, and what the keys do."""
        with Vertical():
            yield Static(Text(self.question), id="question")
            yield Input(
                value=self.value, placeholder=self.placeholder, id="answer", select_on_focus=not self.from_start
            )
            yield Static(Text(self.hint), id="hint")

    def on_mount(self) -> None:
        """Typing goes to the field at once."""
        field = self.query_one(Input)
        field.focus()
        if self.from_start:
            field.cursor_position = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: answer with what was typed."""
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        """Escape: no answer."""
        self.dismiss(None)
