"""The ``?`` screen: every key, grouped by where it works, in one list that scrolls like every other."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui.widgets.key_list import KeyList, KeyRow, key_label, key_rows

__all__ = ["HelpScreen", "key_label"]


class HelpScreen(ModalScreen[None]):
    """All the keys, with the id that rebinds each one."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > Vertical {
            width: 96%;
            max-width: 110;
            height: 96%;
            border: thick $accent;
            background: $panel;
        }
        & #help-title { padding: 0 1; color: $text-muted; }
        & KeyList { height: 1fr; }
        & #help-id { padding: 0 1; color: $text-muted; background: $panel-darken-1; }
    }
    """

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[BindingType]]], *, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        """A one-line title, the key list, and the highlighted action's id."""
        with Vertical():
            yield Static(Text("Keys: j/k move, escape closes, ctrl+p finds any action by name"), id="help-title")
            yield KeyList(key_rows(self.sections, self.keymap), id="keys")
            yield Static(Text(""), id="help-id")

    def on_mount(self) -> None:
        """The list has the keys."""
        self.query_one(KeyList).focus()

    @on(KeyList.Highlighted)
    def show_id(self, event: KeyList.Highlighted) -> None:
        """Show how the highlighted action is rebound in the config."""
        row: KeyRow = event.row
        text = f'[keys] "{row.binding_id}" = "..." rebinds {row.description}' if row.binding_id else ""
        self.query_one("#help-id", Static).update(Text(text))
