"""The ``?`` screen: every key, grouped by where it works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "down": "\u2193",
    "up": "\u2191",
    "left": "\u2190",
    "right": "\u2192",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "ctrl+p": "ctrl+p",
    "ctrl+q": "ctrl+q",
    "tab": "tab",
    "shift+tab": "shift+tab",
}


def key_label(keys: str) -> str:
    """``"j,down"`` as ``"j / ↓"``."""
    return " / ".join(_KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(","))


def bindings_table(sections: list[tuple[str, list[BindingType]]]) -> Table:
    """A table of keys and what they do, one section per area."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column()
    for title, bindings in sections:
        table.add_row(Text(""), Text(""))
        table.add_row(Text(""), Text(title, style="bold underline"))
        for binding in bindings:
            if isinstance(binding, Binding):
                table.add_row(Text(key_label(binding.key)), Text(binding.description))
    return table


class HelpScreen(ModalScreen[None]):
    """All the keys."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: auto;
            max-width: 90%;
            height: 90%;
            border: thick $accent;
            background: $panel;
            padding: 0 2;
        }
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        """The key table."""
        with VerticalScroll():
            yield Static(Text("Keys  (escape closes; ctrl+p finds any action by name)", style="bold"))
            yield Static(bindings_table(self.sections))
