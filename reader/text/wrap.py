"""Word wrap and cutting by terminal cells: the reader's panes, ``reader show`` and ``reader feeds``.

Hand-written rather than ``textwrap``, which counts characters, not cells:
wide (CJK, emoji) and zero-width characters would overflow or waste a line.
ASCII paragraphs, the common case, take a fast path of one cell per character.
"""

from __future__ import annotations

from rich.cells import cell_len


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by terminal cells; paragraphs (newlines) are kept, long words split."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if paragraph.isascii():
            _wrap_ascii(paragraph, width, lines)
            continue
        line = ""
        used = 0
        for word in paragraph.split(" "):
            size = len(word) if word.isascii() else cell_len(word)
            # ``line``, not ``used``, says whether the line has begun: a
            # zero-width character (a joiner, a combining mark) takes no cells.
            if line and used + 1 + size > width:
                lines.append(line)
                line, used = word, size
            elif line:
                line, used = f"{line} {word}", used + 1 + size
            else:
                line, used = word, size
            while used > width:
                head = cut_to_cells(line, width)
                lines.append(head)
                line = line[len(head) :]
                used = len(line) if line.isascii() else cell_len(line)
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


def _wrap_ascii(paragraph: str, width: int, lines: list[str]) -> None:
    """Greedy wrap of one ASCII paragraph (one cell per character), a line per step."""
    start = 0
    end = len(paragraph)
    while end - start > width:
        cut = paragraph.rfind(" ", start, start + width + 1)
        if cut <= start:
            lines.append(paragraph[start : start + width])
            start += width
        else:
            lines.append(paragraph[start:cut])
            start = cut + 1
    lines.append(paragraph[start:])


def cut_to_cells(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits in ``width`` cells (at least one character)."""
    if text.isascii():
        return text[:width]
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[: max(1, index)]
    return text


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes: a CJK character or an emoji takes two."""
    return len(text) if text.isascii() else cell_len(text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in an ellipsis, when it is longer.

    Counted in cells, not characters: a column of CJK titles cut by
    characters would be twice as wide as one of Latin titles.
    """
    if cells(text) <= width:
        return text
    return (cut_to_cells(text, width - 1) if width > 1 else "") + "\u2026"  # one cell is the ellipsis's


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` cells."""
    return text + " " * max(0, width - cells(text))


def cut_at_word(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells at the end of a word, with an ellipsis, when it is longer.

    A sentence cut inside a word ("Name or serv") reads as another word; only
    a first word wider than ``width`` is cut inside itself.
    """
    if cells(text) <= width:
        return text
    head = fit(text, width)[:-1]  # what fits beside the ellipsis
    if not head.endswith(" ") and text[len(head)] != " ":  # it stops inside a word: back to that word's start
        start = head.rfind(" ")
        if start > 0:
            head = head[:start]
    return head.rstrip(" ,;:-\u2013\u2014") + "\u2026"
