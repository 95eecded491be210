"""The footer: the keys of the focused pane and the screen, cut to the width, never the help and quit keys.

Textual's footer shows every shown binding in one line and lets the rest run
under the command-palette key at the right: at 80 columns with the comments
focused it read "… / Sea ^p paletted", with "? Keys" and "q Quit" gone. This
one drops the keys that do not fit, from the least important end (the
screen's, then the pane's last ones), and always keeps the app's own keys
(``?`` and ``q``): every key is on the ``?`` screen and in the palette.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: Cells the command-palette key takes at the right (its border and padding included).
PALETTE_CELLS = {True: 12, False: 15}


class ReaderFooter(Footer):
    """A footer that fits its keys to its width."""

    def item_cells(self, binding: Binding) -> int:
        """Cells one key takes: its key, its description, and the padding of the compact or roomy style."""
        key = self.app.get_key_display(binding)
        return cell_len(key) + cell_len(binding.description) + (2 if self.compact else 3)

    def fitting(self, bindings: list[tuple[Binding, bool, str, bool]], width: int) -> list[int]:
        """Positions of the ``(binding, enabled, tooltip, app's own)`` entries that fit in ``width`` cells.

        The app's own keys are taken first, then the others in order (the
        focused pane's come first, the screen's after them) while they fit.
        """
        room = width - (PALETTE_CELLS[self.compact] if self.show_command_palette else 0)
        chosen: set[int] = set()
        for position, (binding, _enabled, _tooltip, own) in enumerate(bindings):
            if own:
                chosen.add(position)
                room -= self.item_cells(binding)
        for position, (binding, _enabled, _tooltip, own) in enumerate(bindings):
            if not own and self.item_cells(binding) <= room:
                chosen.add(position)
                room -= self.item_cells(binding)
        return sorted(chosen)

    def compose(self) -> ComposeResult:
        """The keys that fit, in their usual order, then the palette key."""
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        seen: set[str] = set()
        bindings: list[tuple[Binding, bool, str, bool]] = []
        for node, binding, enabled, tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                bindings.append((binding, enabled, tooltip, node is self.app))
        width = self.size.width or self.app.size.width
        for position in self.fitting(bindings, width):
            binding, enabled, tooltip, _own = bindings[position]
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = active.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, _tooltip = palette
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def on_resize(self) -> None:
        """A new width may fit more keys, or fewer."""
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)
