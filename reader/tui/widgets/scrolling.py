"""Changing a Line API widget's scrollable size without laying the whole screen out again.

Textual's ``virtual_size`` is a reactive that asks for a layout of the whole
screen whenever it changes, and such a layout draws every visible line of
every widget again: 37-45 ms at 160x48 (measured in benchmarks/tui.py, most
of opening a 50 KB article). The panes here are sized by the layout, not by
their content, so a new scrollable size only needs the scrollbars brought up
to date, which is what Textual's own layout does for them afterwards
(``Widget._scroll_update``). A scrollbar that appears or goes away still
asks for a layout itself. Widgets sized by their content (``height: auto``)
take the full path.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_size(widget: Widget, size: Size) -> None:
    """Give ``widget`` a new scrollable size, laying out the screen only if its own size depends on it."""
    if widget.virtual_size == size:
        return
    height, width = widget.styles.height, widget.styles.width
    if (height is not None and height.is_auto) or (width is not None and width.is_auto) or not widget.is_mounted:
        widget.virtual_size = size
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)
    widget.refresh()
