"""Styles for drawing parts of a row over a background of the row's own.

A component class's full Rich style carries the widget's background, which
painted over the list cursor when parts of a row were drawn with it (the
cursor was invisible in every theme). The lists and the comments panel take
a part's colour and text style from it, lay the background themselves, and
lay the cursor over the parts last.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from rich.style import Style


def without_background(style: Style) -> Style:
    """``style``'s colour and text style, without its background (colours stay as blended against it)."""
    return Style(
        color=style.color,
        bold=style.bold,
        italic=style.italic,
        dim=style.dim,
        underline=style.underline,
        strike=style.strike,
        reverse=style.reverse,
    )


def cursor_overlay(style: Style) -> Style:
    """What of a cursor component's style is laid over a row: its colours, bold and italic."""
    return Style(color=style.color, bgcolor=style.bgcolor, bold=style.bold, italic=style.italic)


def overlaid(segments: Iterable[Segment], style: Style) -> list[Segment]:
    """``segments`` with ``style`` laid over them (it wins over their own)."""
    return list(Segment.apply_style(segments, post_style=style))
