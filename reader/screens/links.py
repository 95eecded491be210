"""The links of an article, to pick one to open or copy."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.screens.link import LinkScreen


class LinksScreen(ModalScreen[None]):
    """Every http(s) link in the article, with its text and target."""

    DEFAULT_CSS = """
    LinksScreen {
        align: center middle;
        & > Vertical {
            width: 90%;
            max-width: 120;
            height: 80%;
            border: thick $accent;
            background: $panel;
        }
        & OptionList { height: 1fr; }
    }
    """

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="links.close")]

    def __init__(self, links: list[tuple[str, str]]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        """The list of links."""
        with Vertical():
            yield Static(Text(f" Links ({len(self.links)}): enter to open or copy"))
            options = []
            for number, (label, url) in enumerate(self.links):
                prompt = Text(label, style="bold")
                prompt.append("\n" + url, style="dim")
                options.append(Option(prompt, id=str(number)))
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Show the chosen link's target before opening it."""
        _label, url = self.links[event.option_index]
        self.dismiss()
        self.app.push_screen(LinkScreen(url))
