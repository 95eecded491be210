"""Search matches laid over drawn lines: the words a search found, in their own colour.

A search that found an article through one comment of 485 must show which
one. The reading pane and the comments panel both draw lines of Rich
segments; this module finds the matches in a line's text with
:func:`reader.text.search.match_spans` (the index's own word rules: case,
accents, prefixes, phrases) and splits the segments at the match edges so
the match style can be laid over exactly those characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style

from reader.text.search import SearchTerm, match_spans


def highlight_spans(segments: Sequence[Segment], spans: Sequence[tuple[int, int]], style: Style) -> list[Segment]:
    """``segments`` with ``style`` laid over the characters ``spans`` cover (offsets into their joined text)."""
    if not spans:
        return list(segments)
    out: list[Segment] = []
    offset = 0
    position = 0  # the first span that may still cover something
    for segment in segments:
        text = segment.text
        end = offset + len(text)
        if segment.control or position >= len(spans) or spans[position][0] >= end:
            out.append(segment)
            offset = end
            continue
        cut = 0
        while position < len(spans) and spans[position][0] < end:
            start, stop = spans[position]
            local_start = max(0, start - offset)
            local_stop = min(len(text), stop - offset)
            if local_start > cut:
                out.append(Segment(text[cut:local_start], segment.style))
            if local_stop > local_start:
                out.append(Segment(text[local_start:local_stop], (segment.style or Style()) + style))
            cut = max(cut, local_stop)
            if stop <= end:
                position += 1
            else:
                break
        if cut < len(text):
            out.append(Segment(text[cut:], segment.style))
        offset = end
    return out


def highlight_line(
    segments: Sequence[Segment], terms: Sequence[SearchTerm], style: Style
) -> tuple[list[Segment], bool]:
    """One drawn line with its matches of ``terms`` in ``style``, and whether it had any."""
    if not terms:
        return list(segments), False
    spans = match_spans("".join(segment.text for segment in segments if not segment.control), terms)
    if not spans:
        return list(segments), False
    return highlight_spans(segments, spans, style), True
