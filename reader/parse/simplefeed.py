"""A fast reader for well-formed RSS 2.0 and Atom 1.0, the common case.

feedparser calls Python handlers thousands of times per feed (expat splits
escaped HTML at every entity) and is most of the cost of a fetch. Most feeds
are plain, well-formed RSS 2.0 or Atom 1.0, which ElementTree reads in a
fraction of the time. This module reads exactly the fields reader stores and
gives up (returns None) on anything unusual (a date it cannot read, XHTML
content, an unknown root, a parse error), so feedparser, with all its
leniency, still handles everything else. ``tests/test_simplefeed.py`` checks
that both paths store the same thing across the peer corpora.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree

from reader.parse.base import is_utf8
from reader.parse.xmlprolog import declared_encoding
from reader.text import dates

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
WFW = "{http://wellformedweb.org/CommentAPI/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
THREAD = "{http://purl.org/syndication/thread/1.0}"


class Unusual(Exception):
    """Something this reader does not handle exactly like feedparser: use feedparser."""


@dataclass
class RawEntry:
    """The fields of one item or entry, before cleaning."""

    raw_id: str = ""
    link: str | None = None
    title: str = ""
    author: str = ""
    html: str = ""
    published: int | None = None
    updated: int | None = None
    comments: str | None = None
    comment_feed: str | None = None
    declared_count: str | None = None


@dataclass
class RawFeed:
    """A feed's own fields and its entries."""

    title: str = ""
    link: str | None = None
    self_link: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    #: Reply refs found some other way than reading the XML (feedparser's keys).
    fallback_refs: dict[str, str] = field(default_factory=dict)


_UTF8_NAMES = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


def _plain_utf8(data: bytes, content_type: str) -> bool:
    """True if the document is UTF-8 by every account; feedparser untangles the other cases."""
    # An empty name counts as not UTF-8 and mismatched quotes as no declaration:
    # expat refuses both, so either way the document goes to feedparser.
    declared = declared_encoding(data)
    if declared is not None and declared.lower() not in _UTF8_NAMES:
        return False
    charset = content_type.lower().partition("charset=")[2].strip(" \"';")
    if charset and charset not in ("utf-8", "utf8", "us-ascii"):
        return False
    return is_utf8(data)


def read_simple(data: bytes, now: int, content_type: str = "") -> RawFeed | None:
    """Read a plain RSS 2.0 or Atom 1.0 document, or None to let feedparser do it."""
    if not _plain_utf8(data, content_type):
        return None
    try:
        root = SafeElementTree.fromstring(data)
        if root.tag == "rss" and root.get("version", "").startswith("2."):
            return _rss(root, now)
        if root.tag == f"{ATOM}feed":
            return _atom(root, now)
    except Unusual:
        return None
    except Exception:  # not well-formed, entities, ...: feedparser's job
        return None
    return None


def _text(element: Element | None) -> str:
    if element is None:
        return ""
    if len(element):
        raise Unusual("markup inside a text element")
    return element.text or ""


def _rfc822(value: str, now: int) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not dates.looks_valid(value):
        raise Unusual("an impossible date")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        raise Unusual("a date email.utils cannot read") from None
    if parsed.tzinfo is None:
        raise Unusual("a date without a zone")
    try:
        return dates.plausible(parsed.timestamp(), now)
    except (OverflowError, OSError, ValueError):
        raise Unusual("a date out of range") from None


def _iso(value: str, now: int) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not dates.looks_valid(value):
        raise Unusual("an impossible date")
    epoch = dates.from_iso(value, now)
    if epoch is None and dates.from_iso(value, 2**40) is None:
        raise Unusual("a date fromisoformat cannot read")
    return epoch


# Children this reader understands (or knows feedparser ignores for the fields
# reader keeps). Anything else may feed a field by feedparser's rules (dc:date,
# media:description, xhtml:body, ...), so the document goes to feedparser.
_RSS_ITEM_TAGS = {
    "title",
    "link",
    "guid",
    "description",
    "author",
    "pubDate",
    "comments",
    "category",
    "enclosure",
    "source",
    f"{CONTENT}encoded",
    f"{DC}creator",
    f"{DC}subject",
    f"{WFW}commentRss",
    f"{WFW}comment",
    f"{SLASH}comments",
    f"{ATOM}link",
}
_ATOM_ENTRY_TAGS = {
    f"{ATOM}{name}"
    for name in ("id", "title", "link", "author", "published", "updated", "content", "summary", "category", "rights")
} | {f"{THREAD}in-reply-to", f"{THREAD}total"}


def _check_children(element: Element, known: set[str]) -> None:
    for child in element:
        if child.tag not in known:
            raise Unusual(f"an element reader leaves to feedparser: {child.tag}")


def _rss(root: Element, now: int) -> RawFeed:
    channel = root.find("channel")
    if channel is None:
        raise Unusual("no channel")
    feed = RawFeed(title=_text(channel.find("title")), link=_text(channel.find("link")).strip() or None)
    if not feed.title.strip():
        raise Unusual("no channel title")
    for link in channel.findall(f"{ATOM}link"):
        if link.get("rel") == "self":
            feed.self_link = link.get("href")
    for item in channel.findall("item"):
        _check_children(item, _RSS_ITEM_TAGS)
        entry = RawEntry()
        description = ""
        encoded = ""
        for child in item:
            tag = child.tag
            if tag == "title":
                entry.title = _text(child)
            elif tag == "link":
                entry.link = _text(child).strip() or entry.link
            elif tag == "guid":
                entry.raw_id = _text(child).strip()
            elif tag == "description":
                description = _text(child)
            elif tag == f"{CONTENT}encoded":
                encoded = _text(child)
            elif tag in ("author", f"{DC}creator"):
                entry.author = _text(child)  # feedparser keeps the last one
            elif tag == "pubDate":
                entry.published = _rfc822(_text(child), now)
            elif tag == "comments":
                entry.comments = _text(child).strip() or None
            elif tag == f"{WFW}commentRss":
                entry.comment_feed = _text(child).strip() or None
            elif tag == f"{SLASH}comments":
                entry.declared_count = _text(child).strip()
            elif isinstance(tag, str) and tag.startswith(THREAD):
                raise Unusual("threading in RSS")
        # feedparser prefers the longer of content:encoded and the description.
        entry.html = encoded if len(encoded) >= len(description) else description
        if entry.link is None and entry.raw_id:
            guid = item.find("guid")
            if guid is not None and guid.get("isPermaLink", "true").lower() != "false":
                entry.link = entry.raw_id
        feed.entries.append(entry)
    if not feed.entries:
        raise Unusual("no items (feedparser may find some)")
    return feed


def _atom_text(element: Element | None) -> tuple[str, str]:
    """(type, value) of an Atom text construct; XHTML is left to feedparser."""
    if element is None:
        return "text", ""
    kind = element.get("type", "text")
    if kind not in ("text", "html") or element.get("src"):
        raise Unusual(f"Atom {kind} content")
    return kind, _text(element)


def _atom_person(element: Element | None) -> str:
    """A person as feedparser names them: ``name (email)``."""
    if element is None:
        return ""
    for child in element:
        if child.tag not in (f"{ATOM}name", f"{ATOM}email", f"{ATOM}uri"):
            raise Unusual("an unusual Atom person")
    name = _text(element.find(f"{ATOM}name")).strip()
    email = _text(element.find(f"{ATOM}email")).strip()
    if name and email:
        return f"{name} ({email})"
    return name or email


def _atom_link(element: Element) -> str | None:
    alternates = []
    for link in element.findall(f"{ATOM}link"):
        if not link.get("href"):
            raise Unusual("a link without href")
        if link.get("rel", "alternate") == "alternate":
            alternates.append(link.get("href", "").strip())
    if len(alternates) > 1:
        raise Unusual("several alternate links (feedparser picks by type)")
    return alternates[0] if alternates else None


def _atom(root: Element, now: int) -> RawFeed:
    _kind, title = _atom_text(root.find(f"{ATOM}title"))
    if not title.strip():
        raise Unusual("no feed title")
    feed = RawFeed(title=title, link=_atom_link(root) or _text(root.find(f"{ATOM}id")).strip() or None)
    for link in root.findall(f"{ATOM}link"):
        if link.get("rel") == "self":
            feed.self_link = link.get("href")
    feed_author = _atom_person(root.find(f"{ATOM}author"))
    for element in root.findall(f"{ATOM}entry"):
        _check_children(element, _ATOM_ENTRY_TAGS)
        entry = RawEntry()
        entry.raw_id = _text(element.find(f"{ATOM}id")).strip()
        _title_kind, entry.title = _atom_text(element.find(f"{ATOM}title"))
        entry.link = _atom_link(element) or entry.raw_id or None
        authors = element.findall(f"{ATOM}author")
        if len(authors) > 1:
            raise Unusual("several authors")
        # Entries without an author inherit the feed's, as in feedparser.
        entry.author = _atom_person(authors[0] if authors else None) or feed_author
        entry.published = _iso(_text(element.find(f"{ATOM}published")), now)
        entry.updated = _iso(_text(element.find(f"{ATOM}updated")), now)
        entry.published = entry.published or entry.updated
        # As feedparser's readers do: HTML before text, then the longest.
        candidates = [_atom_text(element.find(f"{ATOM}content")), _atom_text(element.find(f"{ATOM}summary"))]
        html = [value for kind, value in candidates if kind == "html" and value]
        if html:
            entry.html = max(html, key=len)
        elif any(value.strip() for _kind, value in candidates):
            # Only plain text: feedparser's handling of it is left to feedparser.
            raise Unusual("a plain-text Atom body")
        for link in element.findall(f"{ATOM}link"):
            if link.get("rel") == "replies" and link.get("type") == "application/atom+xml":
                entry.comment_feed = link.get("href")
        total = element.find(f"{THREAD}total")
        if total is not None:
            entry.declared_count = _text(total).strip()
        feed.entries.append(entry)
    if not feed.entries:
        raise Unusual("no entries (feedparser may find some)")
    return feed
