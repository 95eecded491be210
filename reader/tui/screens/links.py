"""The links of what is being read: the article's, its discussion page, and the comments', to pick one.

Choosing a link goes through :class:`~reader.tui.screens.link.LinkScreen`, as
``o`` does: its whole target shows before anything opens.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.tui.screens.link import LinkScreen
from reader.tui.widgets.link_list import Link, LinkGroup, LinkList


class LinksScreen(ModalScreen[None]):
    """Every http(s) link, grouped, with the highlighted one's whole target below the list."""

    DEFAULT_CSS = """
    LinksScreen {
        align: center middle;
        & > Vertical {
            width: 94%;
            max-width: 130;
            height: auto;
            max-height: 86%;
            border: thick $accent;
            background: $panel;
        }
        & #links-title { padding: 0 1; color: $text-muted; }
        & LinkList { height: auto; max-height: 1fr; }
        & #links-target { padding: 0 1; color: $text-muted; background: $panel-darken-1; }
    }
    """

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="links.close")]

    def __init__(self, groups: list[LinkGroup] | list[Link], open_link: Callable[[str], None]) -> None:
        super().__init__()
        #: Opens a checked link in the browser (handed on to the link's own screen).
        self._open_link = open_link
        # A plain list of links is one group (the article's).
        self.groups = [group for group in groups if isinstance(group, LinkGroup)] or [
            LinkGroup("This article", [link for link in groups if isinstance(link, tuple)])
        ]
        #: Every link listed, in order.
        self.links: list[Link] = [link for group in self.groups for link in group.links]

    def compose(self) -> ComposeResult:
        """The title, the list, and the highlighted link's target."""
        with Vertical():
            yield Static(
                Text(f"Links ({len(self.links)}): enter shows one to open or copy; escape closes"), id="links-title"
            )
            yield LinkList(self.groups, id="links")
            yield Static(Text(""), id="links-target")

    def on_mount(self) -> None:
        """The list has the keys."""
        self.query_one(LinkList).focus()

    @on(LinkList.Highlighted)
    def show_target(self, event: LinkList.Highlighted) -> None:
        """The whole target of the highlighted link (it may be cut in the list)."""
        self.query_one("#links-target", Static).update(Text(event.link[1]))

    @on(LinkList.Chosen)
    def chosen(self, event: LinkList.Chosen) -> None:
        """Show the chosen link's target before opening it."""
        self.dismiss()
        self.app.push_screen(LinkScreen(event.link[1], self._open_link))
