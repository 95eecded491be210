"""Plain-text articles with comments.

The format (see README, "The plain-text format")::

    Title on the first line
    One paragraph per line. A short line without final punctuation
    Is a section heading
    N Comments
    Commenter name
    Comment text on one line
      Indented name: a reply to the comment above
      Its text

Blank lines anywhere are ignored. The comments section is optional.
"""

from __future__ import annotations

import re
from pathlib import Path

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.parse.base import ImportFailure, short_hash
from reader.text.render import blocks_to_html, escape_markdown_line
from reader.text.sanitize import clean_line

#: Headings are short; a longer line is a paragraph whatever its ending.
HEADING_MAX_CHARS = 100
_COMMENTS_MARKER = re.compile(r"^(?:(\d[\d,]*)|no)\s+comments?\s*:?$", re.IGNORECASE)
_FINAL_PUNCTUATION = ".!?,;:\u2026"
_CLOSERS = "\"')]}\u2019\u201d\u00bb"
INDENT_WIDTH = 2


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence."""
    if len(line) > HEADING_MAX_CHARS:
        return False
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and not stripped.endswith(tuple(_FINAL_PUNCTUATION))


def _indent_level(raw_line: str) -> int:
    expanded = raw_line.expandtabs(INDENT_WIDTH)
    return (len(expanded) - len(expanded.lstrip(" "))) // INDENT_WIDTH


def local_source(path: Path) -> FeedData:
    """The source that files imported from ``path``'s folder are grouped under."""
    folder = path.resolve().parent
    return FeedData(key=f"dir:{folder}", title=clean_line(folder.name) or str(folder), kind="local")


def parse_plaintext(text: str, path: Path) -> ImportBatch:
    """Parse one plain-text article; raises :class:`ImportFailure` if there is no title."""
    batch = ImportBatch(kind="plain-text article")
    raw_lines = [line for line in text.split("\n") if line.strip()]
    if not raw_lines:
        raise ImportFailure("expected a plain-text article, found only blank lines")
    title = clean_line(raw_lines[0])
    if not title:
        raise ImportFailure("expected a title on the first line, found only control characters")

    body_lines = raw_lines[1:]
    comment_lines: list[str] = []
    declared: int | None = None
    for index, raw in enumerate(body_lines):
        marker = _COMMENTS_MARKER.match(raw.strip())
        if marker:
            digits = marker.group(1).replace(",", "") if marker.group(1) else "0"
            # Ten digits at most: a longer count is no count (and int() refuses 4,300 digits).
            declared = int(digits) if len(digits) <= 10 else None
            comment_lines = body_lines[index + 1 :]
            body_lines = body_lines[:index]
            break

    blocks: list[tuple[str, str]] = []
    for raw in body_lines:
        line = clean_line(raw)
        if line:
            blocks.append(("heading" if is_heading(line) else "paragraph", line))

    comments = _parse_comments(comment_lines, batch.warnings)
    if declared is not None and declared != len(comments):
        batch.warnings.append(f"the file says {declared} comments but has {len(comments)}; imported {len(comments)}")

    body_text = "\n".join(line for _, line in blocks)
    article = ArticleData(
        guid="text:" + short_hash(title, body_text),
        title=title,
        text=body_text,
        html=blocks_to_html(blocks),
        declared_comment_count=len(comments),
        comments=comments,
    )
    batch.articles.append((local_source(path), article))
    return batch


def _parse_comments(lines: list[str], warnings: list[str]) -> list[CommentData]:
    """Pairs of lines (name, text); an indented name replies to the comment above."""
    comments: list[CommentData] = []
    # Most recent comment guid at each depth, to find a reply's parent.
    open_at_depth: list[str] = []
    seen: dict[str, int] = {}
    for start in range(0, len(lines), 2):
        name_line = lines[start]
        author = clean_line(name_line) or "anonymous"
        if start + 1 < len(lines):
            body = escape_markdown_line(clean_line(lines[start + 1]))
        else:
            body = ""
            shown = author if len(author) <= 60 else author[:59] + "\u2026"  # a warning is one short line
            warnings.append(f"the last comment (by {shown}) has no text")
        depth = min(_indent_level(name_line), len(open_at_depth))
        parent = open_at_depth[depth - 1] if depth > 0 else None
        base = short_hash(author, body, parent or "")
        seen[base] = seen.get(base, 0) + 1
        guid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        del open_at_depth[depth:]
        open_at_depth.append(guid)
        comments.append(CommentData(guid=guid, author=author, text=body, parent_guid=parent))
    return comments
