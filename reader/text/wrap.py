"""Word wrap by terminal cells, for the comments panel, the article list and the reading pane.

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
                head = _cut(line, width)
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


def _cut(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits in ``width`` cells (at least one character)."""
    if text.isascii():
        return text[:width]
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return text[: max(1, index)]
    return text
