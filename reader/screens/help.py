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


def section_table(title: str, bindings: list[BindingType], keymap: dict[str, str] | None = None) -> Table:
    """One area's keys (as ``keymap`` rebinds them), what they do, and the id that rebinds them."""
    keymap = keymap or {}
    table = Table.grid(padding=(0, 1))
    table.add_column(justify="right", style="bold", no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style="dim")
    table.add_row(Text(""), Text(title, style="bold underline"), Text(""))
    for binding in bindings:
        if isinstance(binding, Binding):
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            table.add_row(Text(key_label(keys)), Text(binding.description), Text(binding.id or ""))
    return table


def bindings_table(
    sections: list[tuple[str, list[BindingType]]], columns: int = 2, keymap: dict[str, str] | None = None
) -> Table:
    """The sections side by side in ``columns`` columns, so all keys fit one screen."""
    per_column = -(-len(sections) // columns)
    grid = Table.grid(padding=(0, 3))
    stacks = []
    for start in range(0, len(sections), per_column):
        stack = Table.grid()
        for title, bindings in sections[start : start + per_column]:
            stack.add_row(section_table(title, bindings, keymap))
            stack.add_row(Text(""))
        stacks.append(stack)
    for _ in stacks:
        grid.add_column(vertical="top")
    grid.add_row(*stacks)
    return grid


class HelpScreen(ModalScreen[None]):
    """All the keys."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 96%;
            max-width: 150;
            height: auto;
            max-height: 90%;
            border: thick $accent;
            background: $panel;
            padding: 0 2;
        }
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]], *, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        """The key table."""
        with VerticalScroll():
            yield Static(
                Text("Keys  (escape closes; ctrl+p finds any action by name; the dim ids rebind keys in the config)")
            )
            yield Static(bindings_table(self.sections, keymap=self.keymap))
