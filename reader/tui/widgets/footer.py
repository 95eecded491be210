"""The footer: the keys of the focused pane and the screen, cut to the width, never the help and quit keys.

One widget drawing one line, not Textual's ``Footer`` (a widget per key,
composed again whenever the focus moves): rebuilding that took 15-20 ms of
every pane switch and of every search (measured in benchmarks/tui.py), and at
80 columns it let its keys run under the palette key ("… / Sea ^p paletted")
with "? Keys" and "q Quit" gone. Here the keys that do not fit are dropped
from the least important end (the screen's, then the pane's last ones); the
app's own keys (``?``, ``q``) always stay: every key is on the ``?`` screen
and in the palette. A click on a key presses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.events import Click
from textual.style import Style
from textual.widget import Widget


@dataclass(frozen=True)
class FooterItem:
    """A key as shown: what to press, how it is written, what it does, and whether it is the app's own."""

    key: str
    shown: str
    description: str
    own: bool


def fitting(items: list[FooterItem], width: int) -> list[FooterItem]:
    """The items that fit in ``width`` cells, in their order: the app's own first, then the rest while they fit."""
    room = width
    chosen: set[int] = set()
    for position, item in enumerate(items):
        if item.own:
            chosen.add(position)
            room -= item_cells(item)
    for position, item in enumerate(items):
        if not item.own and item_cells(item) <= room:
            chosen.add(position)
            room -= item_cells(item)
    return [item for position, item in enumerate(items) if position in chosen]


def item_cells(item: FooterItem) -> int:
    """Cells an item takes: " key description "."""
    return cell_len(item.shown) + cell_len(item.description) + 3


#: The palette key, always at the right.
PALETTE = FooterItem("ctrl+p", "^p", "palette", own=True)


class ReaderFooter(Widget):
    """The keys that work where the focus is, on one line."""

    DEFAULT_CSS = """
    ReaderFooter {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-description-foreground;
        & > .reader-footer--key { color: $footer-key-foreground; text-style: bold; }
        & > .reader-footer--description { color: $footer-description-foreground; }
        & > .reader-footer--palette { color: $text-muted; }
    }
    """

    COMPONENT_CLASSES = {"reader-footer--key", "reader-footer--description", "reader-footer--palette"}

    def __init__(self) -> None:
        super().__init__()
        #: Where each shown key is: (first cell, past the last cell, key).
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        """Redraw whenever the keys in effect change (focus moved, a screen opened)."""
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def items(self) -> list[FooterItem]:
        """Every shown key in effect, one per action, in Textual's order (the focused widget's first)."""
        seen: set[str] = set()
        items: list[FooterItem] = []
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not isinstance(binding, Binding) or not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = self.app.get_key_display(binding)
            items.append(FooterItem(binding.key, shown, binding.description, own=node is self.app))
        return items

    def render(self) -> Content:
        """The keys that fit, then the palette key at the right."""
        width = self.size.width
        palette_cells = item_cells(PALETTE) + 1
        shown = fitting(self.items(), width - palette_cells)
        key_style = self.get_visual_style("reader-footer--key")
        description_style = self.get_visual_style("reader-footer--description")
        parts: list[str | tuple[str, Style]] = []
        spans: list[tuple[int, int, str]] = []
        used = 0
        for item in shown:
            start = used
            parts += [(f" {item.shown}", key_style), (f" {item.description} ", description_style)]
            used += item_cells(item)
            spans.append((start, used, item.key))
        gap = max(1, width - used - palette_cells)
        parts.append(" " * gap)
        spans.append((used + gap, width, PALETTE.key))
        parts += [("\u258f", self.get_visual_style("reader-footer--palette")), (f"{PALETTE.shown}", key_style)]
        parts.append((f" {PALETTE.description} ", description_style))
        self._spans = spans
        return Content.assemble(*parts)

    def on_resize(self) -> None:
        """A new width may fit more keys, or fewer."""
        self.refresh()

    def on_click(self, event: Click) -> None:
        """A click on a key presses it."""
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.split(",")[0])
                return
