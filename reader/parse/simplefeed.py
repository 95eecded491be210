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

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
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
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class Unusual(Exception):
    """Something this reader does not handle exactly like feedparser: use feedparser."""


@dataclass
class RawEntry:
    """The fields of one item or entry, before cleaning."""

    raw_id: str = ""
    link: str | None = None
    title: str = ""
    #: True when the title is HTML by its format's rules (Atom ``type="html"``, RSS with HTML tags in it).
    title_is_html: bool = False
    author: str = ""
    html: str = ""
    #: The ``xml:base`` in force where the body is (relative ones are resolved later against the feed's URL).
    base: str = ""
    published: int | None = None
    updated: int | None = None
    comments: str | None = None
    comment_feed: str | None = None
    declared_count: str | None = None
    #: The ``ref`` of the entry's first ``thr:in-reply-to`` (RFC 4685): it is a comment on that.
    reply_to: str | None = None


@dataclass
class RawFeed:
    """A feed's own fields and its entries."""

    title: str = ""
    link: str | None = None
    self_link: str | None = None
    entries: list[RawEntry] = field(default_factory=list)


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


#: Schemes a base may lead to once one is known (feedparser ignores a ``javascript:`` base).
_ACCEPTABLE_BASE = re.compile(r"^(?:https?|ftp|file):", re.IGNORECASE)


def _base(element: Element, outer: str) -> str:
    """The base URL in force inside ``element``: its ``xml:base`` resolved against the outer one.

    As feedparser does: once a base is known, a new one that would lead to a
    scheme it does not follow (``javascript:``) is ignored.
    """
    if element.get("base") is not None:
        raise Unusual("a plain base attribute (feedparser reads it as xml:base)")
    declared = element.get(XML_BASE)
    if declared is None:
        return outer
    if not outer:
        return declared.strip()
    joined = urljoin(outer, declared.strip())
    # A relative base inside a relative one ("posts/" then "2024/") is a relative base still: the
    # document's address resolves it later (found by review: the inner level was dropped).
    relative = not urlsplit(joined).scheme
    return joined if relative or _ACCEPTABLE_BASE.match(joined) else outer


def _resolve(value: str, base: str) -> str | None:
    """A link as written, resolved against the base in force; an empty one is no link."""
    value = value.strip()
    if not value:
        return None
    return urljoin(base, value) if base else value


#: HTML elements: one of these in an RSS title makes it HTML (stripped, and a
#: ``<script>`` with its content); any other ``<...>`` (``</example>``) is text.
_HTML_ELEMENTS = (
    "a|abbr|acronym|address|applet|area|article|aside|audio|b|base|basefont|bdi|bdo|big|blink|blockquote|body|br"
    "|button|canvas|caption|center|cite|code|col|colgroup|dd|del|details|dfn|dialog|dir|div|dl|dt|em|embed|fieldset"
    "|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|ins|kbd|label"
    "|legend|li|link|main|map|mark|marquee|math|menu|meta|meter|nav|noscript|object|ol|optgroup|option|output|p"
    "|param|picture|pre|progress|q|rp|rt|ruby|s|samp|script|section|select|small|source|span|strike|strong|style"
    "|sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|u|ul|var|video|wbr"
)
_HTML_IN_TITLE = re.compile(rf"</?(?:{_HTML_ELEMENTS})(?:[\s/>])", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def title_is_html(title: str) -> bool:
    """True if an RSS title holds HTML: an HTML element (``<b>``, ``<script>``) or an escaped entity (``&amp;amp;``).

    RSS does not say whether a title is text or HTML; feeds use both. A
    ``<`` that opens no known inline element (``</example>``, ``1 < 2``) is text.
    """
    return bool(_HTML_IN_TITLE.search(title) or _ENTITY.search(title))


_RSS_AUTHOR = re.compile(r"^\s*[^\s@()]+@[^\s@()]+\s*\((?P<name>[^()]+)\)\s*$")


def person_name(raw: str) -> str:
    """The name to show for an RSS author: ``jo@example.org (Jo Bloggs)`` is Jo Bloggs."""
    match = _RSS_AUTHOR.match(raw)
    return match.group("name").strip() if match else raw.strip()


def _rfc822(value: str, now: int) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not dates.looks_valid(value):
        raise Unusual("an impossible date")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        numeric = dates.from_numeric(value, now)
        if numeric is not None:
            return numeric
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
    channel_base = _base(channel, _base(root, ""))
    link_element = channel.find("link")
    feed = RawFeed(
        title=_text(channel.find("title")),
        link=_resolve(_text(link_element), _base(link_element, channel_base)) if link_element is not None else None,
    )
    if not feed.title.strip():
        raise Unusual("no channel title")
    for link in channel.findall(f"{ATOM}link"):
        if link.get("rel") == "self":
            feed.self_link = _resolve(link.get("href", ""), _base(link, channel_base))
    for item in channel.findall("item"):
        _check_children(item, _RSS_ITEM_TAGS)
        entry = RawEntry()
        base = _base(item, channel_base)
        description = encoded = ("", base)  # (text, the xml:base in force there)
        authors: list[str] = []
        for child in item:
            tag = child.tag
            if tag == "title":
                entry.title = _text(child)
                entry.title_is_html = title_is_html(entry.title)
            elif tag == "link":
                entry.link = _resolve(_text(child), _base(child, base)) or entry.link
            elif tag == "guid":
                entry.raw_id = _text(child).strip()
            elif tag == "description":
                description = (_text(child), _base(child, base))
            elif tag == f"{CONTENT}encoded":
                encoded = (_text(child), _base(child, base))
            elif tag in ("author", f"{DC}creator"):
                authors.append(person_name(_text(child)))
            elif tag == "pubDate":
                entry.published = _rfc822(_text(child), now)
            elif tag == "comments":
                entry.comments = _resolve(_text(child), _base(child, base))
            elif tag == f"{WFW}commentRss":
                entry.comment_feed = _resolve(_text(child), _base(child, base))
            elif tag == f"{SLASH}comments":
                entry.declared_count = _text(child).strip()
            elif isinstance(tag, str) and tag.startswith(THREAD):
                raise Unusual("threading in RSS")
        entry.author = join_names(authors)
        # The full body (content:encoded) when there is one, else the description.
        entry.html, entry.base = encoded if encoded[0].strip() else description
        if entry.link is None and entry.raw_id:
            guid = item.find("guid")
            if guid is not None and guid.get("isPermaLink", "true").lower() != "false":
                entry.link = _resolve(entry.raw_id, _base(guid, base))
        feed.entries.append(entry)
    if not feed.entries:
        raise Unusual("no items (feedparser may find some)")
    return feed


def reply_ref(element: Element, entry_id: str) -> str | None:
    """The ``ref`` of an entry's (or item's) first ``thr:in-reply-to``; only an entry with an id answers one."""
    reply = element.find(f"{THREAD}in-reply-to")
    if reply is None or not entry_id.strip():
        return None
    return reply.get("ref", "").strip() or None


def _atom_text(element: Element | None) -> tuple[str, str]:
    """(type, value) of an Atom text construct; XHTML is left to feedparser."""
    if element is None:
        return "text", ""
    kind = element.get("type", "text")
    if kind not in ("text", "html") or element.get("src"):
        raise Unusual(f"Atom {kind} content")
    return kind, _text(element)


def join_names(names: list[str]) -> str:
    """Several authors as one line, each once, in order: "Alice, Bob, Carol"."""
    seen: dict[str, None] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name.strip(), None)
    return ", ".join(seen)


def _atom_people(element: Element) -> str:
    """The authors of a feed or entry, by name (an e-mail only for an author with no name)."""
    names = []
    for person in element.findall(f"{ATOM}author"):
        for child in person:
            if child.tag not in (f"{ATOM}name", f"{ATOM}email", f"{ATOM}uri"):
                raise Unusual("an unusual Atom person")
        name = _text(person.find(f"{ATOM}name")).strip()
        names.append(name or _text(person.find(f"{ATOM}email")).strip())
    return join_names(names)


def media_type(value: str | None) -> str:
    """A link's ``type`` without its parameters, lower case: ``text/html; charset=utf-8`` is text/html."""
    return (value or "").split(";", 1)[0].strip().lower()


def _atom_link(element: Element, base: str, rel: str = "alternate", kind: str | None = None) -> str | None:
    """The ``rel`` link of a feed or entry (of type ``kind`` if given), resolved; an empty href is none."""
    found = []
    for link in element.findall(f"{ATOM}link"):
        href = link.get("href")
        if href is None:
            raise Unusual("a link without href")
        here = _base(link, base)
        # An empty href is no link, under an xml:base too (feedparser makes it the base; the
        # feedparser path reads it again as written).
        if link.get("rel", "alternate") == rel and (kind is None or media_type(link.get("type")) == kind):
            found.append(_resolve(href, here))
    if rel == "alternate" and len(found) > 1:
        raise Unusual("several alternate links (feedparser picks by type)")
    return next((link for link in found if link), None)


def _atom(root: Element, now: int) -> RawFeed:
    feed_base = _base(root, "")
    _kind, title = _atom_text(root.find(f"{ATOM}title"))
    if not title.strip():
        raise Unusual("no feed title")
    feed = RawFeed(title=title, link=_atom_link(root, feed_base) or _text(root.find(f"{ATOM}id")).strip() or None)
    feed.self_link = _atom_link(root, feed_base, "self")
    # RFC 4287: an entry without an author has the feed's.
    feed_author = _atom_people(root)
    for element in root.findall(f"{ATOM}entry"):
        _check_children(element, _ATOM_ENTRY_TAGS)
        entry = RawEntry()
        base = _base(element, feed_base)
        entry.raw_id = _text(element.find(f"{ATOM}id")).strip()
        title_kind, entry.title = _atom_text(element.find(f"{ATOM}title"))
        entry.title_is_html = title_kind == "html"
        entry.link = _atom_link(element, base) or entry.raw_id or None
        source = element.find(f"{ATOM}source")
        # RFC 4287 4.2.1: the entry's own authors, else its source feed's (a planet's), else the feed's.
        entry.author = _atom_people(element) or (_atom_people(source) if source is not None else "") or feed_author
        entry.published = _iso(_text(element.find(f"{ATOM}published")), now)
        entry.updated = _iso(_text(element.find(f"{ATOM}updated")), now)
        entry.published = entry.published or entry.updated
        # The content is the body; the summary only when there is no content.
        content, summary = element.find(f"{ATOM}content"), element.find(f"{ATOM}summary")
        body = content if content is not None and _atom_text(content)[1].strip() else summary
        kind, value = _atom_text(body)
        if kind == "text" and value.strip():
            # Plain text made into paragraphs: feedparser's way with it is left to feedparser.
            raise Unusual("a plain-text Atom body")
        entry.html = value
        entry.base = _base(body, base) if body is not None else base
        entry.comments = _atom_link(element, base, "replies", "text/html")
        entry.comment_feed = _atom_link(element, base, "replies", "application/atom+xml")
        entry.reply_to = reply_ref(element, entry.raw_id)
        total = element.find(f"{THREAD}total")
        if total is not None:
            entry.declared_count = _text(total).strip()
        feed.entries.append(entry)
    if not feed.entries:
        raise Unusual("no entries (feedparser may find some)")
    return feed
