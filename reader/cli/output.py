"""What the command line prints: readable text, stable JSON, Markdown and OPML.

Every stored string is cleaned again here before it reaches a terminal or a
file (defence in depth for rows written by older versions).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from reader.models import ArticleDetail, ArticleRow, CommentRow, FeedRow, SearchResult
from reader.text import dates
from reader.text.sanitize import clean_line, clean_text, safe_url

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
    }


def detail_json(detail: ArticleDetail) -> dict[str, Any]:
    """An article with text and comments, as ``show --json`` prints it."""
    data = article_json(detail.article)
    data["text"] = clean_text(detail.text)
    data["comments"] = [comment_json(c) for c in detail.comments]
    return data


def search_json(result: SearchResult) -> dict[str, Any]:
    """A search result as ``search --json`` prints it: the article object plus where it matched."""
    data = article_json(result.article)
    data["snippet"] = clean_line(result.snippet)
    data["match_in"] = result.match_in
    data["comment_id"] = result.comment_id
    data["comment_author"] = None if result.comment_author is None else clean_line(result.comment_author)
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
    comments = f"  ({row.comment_count} comments)" if row.comment_count else ""
    return f"{row.id:>6} {marks} {when}  {clean_line(row.feed)[:24]:<24}  {clean_line(row.title)}{comments}"


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


def feed_line(feed: FeedRow) -> str:
    """One line of ``reader feeds``."""
    status = ""
    if feed.last_error:
        status = f"  [error: {clean_line(feed.last_error)[:60]}]"
    elif feed.last_status:
        status = f"  [{clean_line(feed.last_status)}]"
    where = safe_url(feed.url) or ("local" if feed.kind == "local" else "")
    tags = f"  #{' #'.join(clean_line(t) for t in feed.tags)}" if feed.tags else ""
    return f"{feed.id:>5}  {feed.unread:>5}/{feed.total:<5}  {clean_line(feed.title)}  {where}{tags}{status}"


def comment_total(comments: list[CommentRow]) -> int:
    """How many of ``comments`` are comments ("more replies" placeholders are not)."""
    return sum(1 for comment in comments if comment.kind == "comment")


def more_text(comment: CommentRow) -> str:
    """What a "more replies" placeholder says: ``… 12 more replies not fetched``."""
    count = comment.more_count
    if not count:
        return "\u2026 this thread continues (replies not fetched)"
    return f"\u2026 {count} more {'reply' if count == 1 else 'replies'} not fetched"


def comment_when(comment: CommentRow) -> str:
    """When a comment was written (or first seen, if the source gave no date)."""
    if comment.published is not None:
        return dates.to_human(comment.published)
    return "seen " + dates.to_human(comment.first_seen)


# A Markdown backslash escape: html2text writes them so that text which only
# looks like Markdown ("(c)", "# 1", "[x]") shows as written when rendered.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def without_escapes(markdown: str) -> str:
    """``markdown`` as plain reading text: backslash escapes dropped, except inside code fences.

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
            parts[index] = _ESCAPE.sub(r"\1", line)
    return "\n".join(parts)


def article_text(detail: ArticleDetail, width: int = 100) -> str:
    """``reader show``: header, the Markdown body, then the comment tree (two spaces per level)."""
    row = detail.article
    lines = [clean_line(row.title) or "(untitled)"]
    byline = [part for part in (clean_line(row.author), dates.to_human(row.published), clean_line(row.feed)) if part]
    lines.append(" \u00b7 ".join(byline))
    if safe_url(row.url):
        lines.append(f"Link: {row.url}")
    if safe_url(row.comments_url):
        lines.append(f"Comments: {row.comments_url}")
    lines.append("")
    lines.append(without_escapes(clean_text(detail.text)).strip() or "(no text)")
    if detail.comments:
        count = comment_total(detail.comments)
        lines += ["", f"\u2500\u2500 {count} comment{'s' if count != 1 else ''} \u2500\u2500"]
        for comment in detail.comments:
            indent = "  " * comment.depth
            if comment.kind == "more":
                # A placeholder, not a comment: no author, no date.
                lines += ["", f"{indent}[{more_text(comment)}]"]
                continue
            author = clean_line(comment.author) or "anonymous"
            lines.append("")
            lines.append(f"{indent}{author} \u00b7 {comment_when(comment)}")
            available = max(20, width - len(indent))
            for paragraph in clean_text(comment.text).split("\n"):
                wrapped = textwrap.wrap(paragraph, available) or [""]
                lines.extend(indent + part for part in wrapped)
    return "\n".join(lines).rstrip() + "\n"


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
    if detail.comments:
        out += ["", f"## Comments ({comment_total(detail.comments)})"]
        for comment in detail.comments:
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
