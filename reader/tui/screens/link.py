"""Before a link opens, the user sees where it goes."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.text.sanitize import safe_url


class LinkScreen(ModalScreen[None]):
    """Shows a link's full target; enter opens it in the browser, y copies it."""

    DEFAULT_CSS = """
    LinkScreen {
        align: center middle;
        & > Vertical {
            width: 80%;
            max-width: 100;
            height: auto;
            border: thick $accent;
            background: $panel;
            padding: 1 2;
        }
        & #target { color: $text-primary; text-style: underline; margin: 1 0; }
        & #hint { color: $text-muted; }
    }
    """

    BINDINGS = [
        Binding("enter,o", "open", "Open", id="link.open"),
        Binding("y", "copy", "Copy", id="link.copy"),
        Binding("escape,q", "dismiss", "Cancel", id="link.cancel"),
    ]

    def __init__(self, url: str, open_link: Callable[[str], None]) -> None:
        super().__init__()
        #: Opens a checked link in the browser (blocking): the app's, given by whoever shows this screen.
        self._open_link = open_link
        checked = safe_url(url)
        if checked is None:
            raise ValueError("only http and https links can be opened")
        self.url = checked

    def compose(self) -> ComposeResult:
        """The target in full, and what the keys do."""
        with Vertical():
            yield Static(Text("Open this link in your browser?"))
            yield Static(Text(self.url), id="target")
            yield Static(Text("enter open \u00b7 y copy \u00b7 escape cancel"), id="hint")

    def action_open(self) -> None:
        """Open the link, then close (the app says what happened: opening, no browser, a failure)."""
        self._open(self.url)
        self.dismiss()

    def _open(self, url: str) -> None:
        # Finding and starting a browser can take a while: it happens in a
        # thread, off the UI thread (a terminal browser is then handed the
        # terminal from the UI thread). The app owns that worker: this
        # screen's own are cancelled as it closes, which could be before a
        # thread worker had even started.
        open_link = self._open_link
        self.app.run_worker(lambda: open_link(url), thread=True, exit_on_error=False)

    def action_copy(self) -> None:
        """Copy the link, then close."""
        self.app.copy_to_clipboard(self.url)
        self.notify(f"Copied {self.url}", timeout=3, markup=False)
        self.dismiss()
