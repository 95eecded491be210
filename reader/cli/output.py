"""What the command line prints: readable text, stable JSON, Markdown and OPML.

Every stored string is cleaned again here before it reaches a terminal or a
file (defence in depth for rows written by older versions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from reader.models import ArticleDetail, ArticleRow, CommentRow, FeedRow, SearchResult, ThreadInfo, source_label
from reader.text import dates, plural
from reader.text.errors import error_sentence
from reader.text.sanitize import clean_line, clean_text, safe_url
from reader.text.wrap import cells, cut_at_word, fit, pad, wrap

# -- JSON (documented in README "JSON output"; keep the fields stable) -------


def article_json(row: ArticleRow) -> dict[str, Any]:
    """An article as the ``list``/``search --json`` object."""
    return {
        "id": row.id,
        "title": clean_line(row.title),
        "feed": clean_line(row.feed),
        "feed_id": row.feed_id,
        "url": safe_url(row.url),
        "author": clean_line(row.author),
        "published": dates.to_iso(row.published),
        "read": row.read,
        "starred": row.starred,
        "comment_count": row.comment_count,
        "comments_url": safe_url(row.comments_url),
    }


def comment_json(comment: CommentRow) -> dict[str, Any]:
    """A comment (or a "more replies" placeholder, ``kind: "more"``) as it appears in ``show --json``."""
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "kind": comment.kind,
        "author": clean_line(comment.author) if comment.kind == "comment" else "",
        "published": dates.to_iso(comment.published if comment.published is not None else comment.first_seen),
        "text": clean_text(comment.text) if comment.kind == "comment" else more_text(comment),
        "url": safe_url(comment.url),
        "more_count": comment.more_count if comment.kind == "more" else 0,
        "thread_id": comment.thread_id,
    }


def detail_json(detail: ArticleDetail) -> dict[str, Any]:
    """An article with text and comments, as ``show --json`` prints it.

    ``threads`` lists every thread with its own comments; ``comments`` is
    all of them in one list (each naming its ``thread_id``), as before there
    could be several.
    """
    data = article_json(detail.article)
    data["text"] = clean_text(detail.text)
    data["comments"] = [comment_json(c) for c in detail.comments]
    data["threads"] = [
        {**thread_json(thread), "comments": [comment_json(c) for c in comments]}
        for thread, comments in thread_groups(detail)
    ]
    return data


def thread_json(thread: ThreadInfo) -> dict[str, Any]:
    """One thread of an article, without its comments."""
    return {
        "id": thread.id,
        "source": thread.source,
        "label": source_label(thread.source),
        "url": safe_url(thread.url),
        "title": clean_line(thread.title),
        "points": thread.points,
        "comment_count": thread.comment_count,
        "source_count": thread.source_count,
        "fetched": dates.to_iso(thread.fetched) if thread.fetched is not None else None,
        "note": clean_line(thread.note),
        "found_by": thread.found_by,
    }


def thread_groups(detail: ArticleDetail) -> list[tuple[ThreadInfo, list[CommentRow]]]:
    """Each thread of the article with its comments in display order (threads without comments too)."""
    by_thread: dict[int | None, list[CommentRow]] = {}
    for comment in detail.comments:
        by_thread.setdefault(comment.thread_id, []).append(comment)
    groups = [(thread, by_thread.pop(thread.id, [])) for thread in detail.threads]
    for comments in by_thread.values():  # rows of no known thread (made by hand): shown, never lost
        groups.append((ThreadInfo.unknown(len(comments)), comments))
    return groups


def search_json(result: SearchResult) -> dict[str, Any]:
    """A search result as ``search --json`` prints it: the article object plus where it matched."""
    data = article_json(result.article)
    data["snippet"] = clean_line(result.snippet)
    data["match_in"] = result.match_in
    data["comment_id"] = result.comment_id
    data["comment_author"] = None if result.comment_author is None else clean_line(result.comment_author)
    data["comment_thread"] = result.comment_source
    return data


def feed_json(feed: FeedRow) -> dict[str, Any]:
    """A feed as ``feeds --json`` prints it."""
    return {
        "id": feed.id,
        "title": clean_line(feed.title),
        "url": safe_url(feed.url),
        "site_url": safe_url(feed.site_url),
        "kind": feed.kind,
        "tags": [clean_line(t) for t in feed.tags],
        "unread": feed.unread,
        "total": feed.total,
        "last_status": feed.last_status,
        "last_error": clean_line(feed.last_error) if feed.last_error else None,
    }


# -- text --------------------------------------------------------------------


def article_line(row: ArticleRow) -> str:
    """One line of ``reader list``: id, marks, date, feed, title, comment count."""
    marks = ("\u25cf" if not row.read else " ") + ("\u2605" if row.starred else " ")
    when = dates.to_human(row.published)[:10]
    comments = f"  ({plural(row.comment_count, 'comment')})" if row.comment_count else ""
    feed = pad(fit(clean_line(row.feed), 24), 24)
    return f"{row.id:>6} {marks} {when}  {feed}  {clean_line(row.title)}{comments}"


# Bold on, and back to normal intensity (which, unlike a full reset, leaves
# any colour alone).
_BOLD, _NOT_BOLD = "\x1b[1m", "\x1b[22m"
_BOLD_OR_NOT = re.compile(f"({re.escape(_BOLD)}|{re.escape(_NOT_BOLD)})")


def printable(text: str, *, bold: bool = False) -> str:
    """``text`` as reader may print it: every line cleaned like feed text, newlines and tabs kept.

    Everything the command line prints passes through here (file names, paths,
    exception texts, server messages are as untrusted as feed text): controls
    become visible stand-ins (``ESC`` shows as ``␛``), bidi overrides go, and
    undecodable file-name bytes (lone surrogates, as Python decodes them;
    written out they would be those bytes again, 0x9b a C1 CSI) show as U+FFFD. With ``bold``, the two
    sequences :func:`search_result_text` adds for emphasis (bold on, bold
    off: harmless whoever wrote them) are kept, and nothing else.
    """
    if bold:
        pieces = _BOLD_OR_NOT.split(text)
        # split() puts the separators at odd positions: they are ours, kept as they are.
        return "".join(piece if index % 2 else printable(piece) for index, piece in enumerate(pieces))
    return clean_text(text)


def search_result_text(result: SearchResult, *, emphasis: bool = False) -> str:
    """Two lines of ``reader search``: the article line, then where it matched and the snippet, indented.

    ``emphasis`` (for a terminal only, never a pipe) makes the matched words bold.
    """
    if result.match_in == "comment":
        author = clean_line(result.comment_author)
        where = f"in a comment by {author}" if author else "in an anonymous comment"
        if result.comment_source is not None:
            where += f" on {source_label(result.comment_source)}"
        where += f" (id {result.comment_id})"
    else:
        where = f"in the {result.match_in}"
    excerpt = _emphasised(result.snippet, result.spans) if emphasis else clean_line(result.snippet)
    return f"{article_line(result.article)}\n        {where}: {excerpt}".rstrip()


def _emphasised(snippet: str, spans: list[tuple[int, int]]) -> str:
    """``snippet`` with ``spans`` in bold, if it is clean as it stands (else cleaned, without bold).

    Only a snippet that cleaning leaves unchanged has spans that index what is
    printed; the store makes them so, and anything else loses its emphasis,
    never its cleaning.
    """
    cleaned = clean_line(snippet)
    if cleaned != snippet:
        return cleaned
    pieces: list[str] = []
    at = 0
    for start, end in spans:
        if not at <= start < end <= len(snippet):
            return cleaned
        pieces += [snippet[at:start], _BOLD, snippet[start:end], _NOT_BOLD]
        at = end
    pieces.append(snippet[at:])
    return "".join(pieces)


#: Where the last fetch of a feed failed (the reader's feed list shows the same sign).
ERROR_SIGN = "\u26a0"
#: The most cells a feed's error takes in ``reader feeds`` (cut at a word beyond).
ERROR_CELLS = 60


def feeds_table(feeds: Sequence[FeedRow], width: int = 100) -> list[str]:
    """``reader feeds``: a header, then a row per feed, its columns aligned by terminal cells.

    The columns: id, unread/total, the title (cut with an ellipsis past its
    column, which is as wide as the longest title, up to about half of
    ``width``), the error sign, then the address, the tags, and the error of
    the last fetch as a sentence. Aligned by cells, not characters, so that a
    CJK title takes the room it shows in.
    """
    ids = [str(feed.id) for feed in feeds]
    counts = [f"{feed.unread}/{feed.total}" for feed in feeds]
    titles = [clean_line(feed.title) or "(untitled)" for feed in feeds]
    id_width = max(len(text) for text in ["id", *ids])
    count_width = max(len(text) for text in ["unread/total", *counts])
    title_width = min(max(20, min(50, width - 50)), max(cells(text) for text in ["title", *titles]))
    rows = [f"{'id':>{id_width}}  {'unread/total':>{count_width}}  {pad('title', title_width)}    address"]
    for feed, ident, count, title in zip(feeds, ids, counts, titles, strict=True):
        sign = ERROR_SIGN if feed.last_error else " "
        where = safe_url(feed.url) or ("local" if feed.kind == "local" else "")
        tags = f"  #{' #'.join(clean_line(tag) for tag in feed.tags)}" if feed.tags else ""
        error = f"  {cut_at_word(error_sentence(feed.last_error), ERROR_CELLS)}" if feed.last_error else ""
        cell = pad(fit(title, title_width), title_width)
        rows.append(f"{ident:>{id_width}}  {count:>{count_width}}  {cell}  {sign} {where}{tags}{error}".rstrip())
    return rows


def comment_total(comments: list[CommentRow]) -> int:
    """How many of ``comments`` are comments ("more replies" placeholders are not)."""
    return sum(1 for comment in comments if comment.kind == "comment")


def more_text(comment: CommentRow) -> str:
    """What a "more replies" placeholder says: ``… 12 more replies not fetched``."""
    count = comment.more_count
    if not count:
        return "\u2026 this thread continues (replies not fetched)"
    return f"\u2026 {plural(count, 'more reply', 'more replies')} not fetched"


def comment_when(comment: CommentRow) -> str:
    """When a comment was written (or first seen, if the source gave no date)."""
    if comment.published is not None:
        return dates.to_human(comment.published)
    return "seen " + dates.to_human(comment.first_seen)


# A Markdown backslash escape: html2text writes them so that text which only
# looks like Markdown ("(c)", "# 1", "[x]") shows as written when rendered.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def without_escapes(markdown: str) -> str:
    """``markdown`` as plain reading text: backslash escapes dropped, except inside code (fences and spans).

    ``reader show`` prints the Markdown as it is, and "j and k \\(or the
    arrow keys\\)" is not how anyone writes; a fenced code block keeps its
    backslashes, which are the code's own.
    """
    parts = markdown.split("\n")
    in_fence = False
    for index, line in enumerate(parts):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and "\\" in line:
            # Inline code spans keep theirs too: `\(\d+\)` is the author's (found by review).
            kept, start = [], 0
            for span in _CODE_SPAN.finditer(line):
                kept += [_ESCAPE.sub(r"\1", line[start : span.start()]), span.group()]
                start = span.end()
            parts[index] = "".join([*kept, _ESCAPE.sub(r"\1", line[start:])])
    return "\n".join(parts)


# An inline code span: a run of backticks, then anything up to the same run (CommonMark's rule, kept
# simple: the same number of backticks closes it).
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")


# A Markdown line's lead: quote marks, indentation, a list item's marker ("  * ", "1. ").
_LEAD = re.compile(r"(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?")
# The rule under a table's header row ("---|---", "| :-- | --: |").
_TABLE_RULE = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*")


def reading_lines(markdown: str, width: int) -> list[str]:
    """Markdown as lines to read: escapes dropped, every paragraph wrapped to ``width`` terminal cells.

    Wrapped as the reader wraps (:func:`reader.text.wrap.wrap`, by cells: a
    CJK character takes two). A quote keeps its ``>`` on every line and a
    list item its hanging indent; code blocks and tables stay as written,
    since a wrapped line of code is other code and a wrapped row no row.
    """
    lines = without_escapes(markdown).split("\n")
    as_written = _code_and_tables(lines)
    out: list[str] = []
    for line, keep in zip(lines, as_written, strict=True):
        if keep:
            out.append(line)
            continue
        line = line.rstrip()
        lead = _LEAD.match(line)
        assert lead is not None  # every part of the pattern is optional
        prefix = lead.group()
        # Later lines keep the quote marks and indentation; a list marker becomes spaces.
        hanging = re.sub(r"[^>\s]", " ", prefix)
        parts = wrap(line[len(prefix) :], max(width - cells(prefix), width // 2))
        out.append(prefix + parts[0])
        out.extend(hanging + part for part in parts[1:])
    return out


def _code_and_tables(lines: list[str]) -> list[bool]:
    """For each line: True inside a fenced code block or a table (the blank-line-separated block around a rule)."""
    keep = [False] * len(lines)
    in_fence = False
    block_start = 0
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            keep[index] = True
        elif in_fence:
            keep[index] = True
        elif not line.strip():
            block_start = index + 1
        elif _TABLE_RULE.fullmatch(line):
            end = index
            while end < len(lines) and lines[end].strip() and not lines[end].lstrip().startswith(("```", "~~~")):
                end += 1
            for row in range(block_start, end):
                keep[row] = True
    return keep


def article_text(detail: ArticleDetail, width: int = 100) -> str:
    """``reader show``: the header, the body, then the comment tree, wrapped to ``width`` cells.

    Plain reading text: Markdown's backslash escapes dropped everywhere
    (article and comments), replies indented two spaces per level (up to a
    quarter of the width, so that a deep reply still has room).
    """
    row = detail.article
    lines = wrap(clean_line(row.title) or "(untitled)", width)
    # A date the feed did not give (or gave unreadably) is not passed off as one: published is when it was first seen.
    when = (
        f"date unknown (first seen {dates.to_human(row.published)})"
        if detail.undated
        else dates.to_human(row.published)
    )
    byline = [part for part in (clean_line(row.author), when, clean_line(row.feed)) if part]
    lines += wrap(" \u00b7 ".join(byline), width)
    # Addresses are never broken: a terminal shows a long one over two rows, and it still copies whole.
    if safe_url(row.url):
        lines.append(f"Link: {row.url}")
    if safe_url(row.comments_url):
        lines.append(f"Comments: {row.comments_url}")
    lines.append("")
    body = clean_text(detail.text).strip()
    lines += reading_lines(body, width) if body else ["(no text)"]
    for thread, comments in thread_groups(detail):
        if not comments and not thread.note:
            continue
        heading = f"{source_label(thread.source)} \u00b7 {plural(comment_total(comments), 'comment')}"
        lines += ["", f"\u2500\u2500 {heading} \u2500\u2500"]
        if safe_url(thread.url) and thread.url != row.comments_url:
            lines.append(f"Thread: {thread.url}")
        if thread.note:
            lines += wrap(f"({clean_line(thread.note)})", width)
        for comment in comments:
            indent = "  " * min(comment.depth, width // 8)
            available = width - len(indent)
            lines.append("")
            if comment.kind == "more":
                # A placeholder, not a comment: no author, no date.
                lines += [indent + part for part in wrap(f"[{more_text(comment)}]", available)]
                continue
            author = clean_line(comment.author) or "anonymous"
            lines += [indent + part for part in wrap(f"{author} \u00b7 {comment_when(comment)}", available)]
            text = reading_lines(clean_text(comment.text).strip("\n"), available)
            lines += [(indent + part).rstrip() for part in text]
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


# -- Markdown export ---------------------------------------------------------


def article_markdown(detail: ArticleDetail) -> str:
    """An article and its thread as a Markdown document (replies as nested quotes)."""
    row = detail.article
    out = [f"# {clean_line(row.title) or '(untitled)'}", ""]
    meta = [part for part in (clean_line(row.author), dates.to_human(row.published), clean_line(row.feed)) if part]
    out.append("*" + " \u00b7 ".join(meta) + "*")
    if safe_url(row.url):
        out += ["", f"<{row.url}>"]
    out += ["", clean_text(detail.text).strip()]
    for thread, comments in thread_groups(detail):
        if not comments:
            continue
        out += ["", f"## {source_label(thread.source)}: {plural(comment_total(comments), 'comment')}"]
        for comment in comments:
            prefix = "> " * comment.depth
            out.append(prefix.rstrip() if prefix else "")
            if comment.kind == "more":
                out.append(f"{prefix}*{more_text(comment)}*")
                continue
            out.append(f"{prefix}**{clean_line(comment.author) or 'anonymous'}** \u00b7 {comment_when(comment)}")
            out.append(prefix.rstrip())
            out.extend(f"{prefix}{line}".rstrip() for line in clean_text(comment.text).split("\n"))
    return "\n".join(out).rstrip() + "\n"


# -- OPML export -------------------------------------------------------------


def feeds_opml(feeds: list[FeedRow], title: str = "reader subscriptions") -> str:
    """Subscriptions as OPML 2.0: the first tag becomes the folder path, all tags the ``category``."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = dates.to_iso(dates.now())
    body = SubElement(root, "body")
    folders: dict[tuple[str, ...], Element] = {(): body}

    def folder(path: tuple[str, ...]) -> Element:
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in folders:
                name = key[-1].replace("\u2215", "/")
                folders[key] = SubElement(folders[key[:-1]], "outline", text=name, title=name)
        return folders[path]

    for feed in feeds:
        url = safe_url(feed.url)
        if url is None:
            continue  # local sources are not subscriptions
        tags = [clean_line(t) for t in feed.tags]
        path = tuple(p for p in tags[0].split("/") if p) if tags else ()
        attributes = {
            "type": "rss",
            "text": clean_line(feed.title) or url,
            "title": clean_line(feed.title) or url,
            "xmlUrl": url,
        }
        if safe_url(feed.site_url):
            attributes["htmlUrl"] = str(feed.site_url)
        if tags:
            attributes["category"] = ",".join(tags)
        SubElement(folder(path), "outline", attributes)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
