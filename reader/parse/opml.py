"""OPML subscription lists: feeds with their folders as tags.

A feed inside nested folders ``Tech`` > ``Linux`` gets the tag
``Tech/Linux``; names in a ``category`` attribute become tags too. Outlines
are walked with an explicit stack: real files nest thousands deep.

Names follow OPML 2.0, where ``text`` is what a reader displays and a
feed's ``title`` is the feed's own title. A folder is named by its ``text``,
and by its ``title`` only when ``text`` is missing or blank (newsboat does
the same): ``<outline text="Blogs" title="...">`` is the tag ``Blogs``. A
feed is named by its ``title``, else its ``text``, else its URL: the title
is what its first fetch brings anyway (a fetched feed's own title replaces
the imported one), so the name does not change under the user.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from reader.models import FeedData, ImportBatch
from reader.parse.base import ImportFailure
from reader.parse.xmlprolog import to_utf8
from reader.text.sanitize import clean_line, safe_url


def _attribute(element: Element, name: str) -> str:
    """An attribute by case-insensitive name (``xmlUrl`` is spelt many ways)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if key.lower() == wanted:
            return value
    return ""


def _first_name(element: Element, *attributes: str) -> str:
    """The first of ``attributes`` with a visible name, cleaned; empty when none has one."""
    for name in attributes:
        cleaned = clean_line(_attribute(element, name))
        if cleaned:
            return cleaned
    return ""


def _category_tags(value: str) -> list[str]:
    tags = []
    for part in value.split(","):
        tag = clean_line(part).strip("/")
        if tag:
            tags.append(tag)
    return tags


def parse_opml(data: bytes) -> ImportBatch:
    """Read subscriptions from an OPML document."""
    try:
        # to_utf8: a UTF-8 byte-order mark or mislabelled UTF-8 outranks the declared encoding.
        root = SafeElementTree.fromstring(to_utf8(data))
    except DefusedXmlException:
        raise ImportFailure("refused: the OPML uses XML entities or a DTD") from None
    except SafeElementTree.ParseError as error:
        raise ImportFailure(f"expected OPML, found malformed XML ({clean_line(str(error))})") from None
    if not isinstance(root.tag, str) or root.tag.lower() != "opml":
        raise ImportFailure(f"expected OPML, found XML with root <{clean_line(str(root.tag))[:40]}>")
    body = next((child for child in root if isinstance(child.tag, str) and child.tag.lower() == "body"), None)
    if body is None:
        raise ImportFailure("expected OPML with a <body>, found none")

    batch = ImportBatch(kind="OPML")
    skipped = 0
    seen: set[str] = set()
    stack: list[tuple[Element, tuple[str, ...]]] = [(child, ()) for child in reversed(list(body))]
    while stack:
        element, folders = stack.pop()
        if not isinstance(element.tag, str) or element.tag.lower() != "outline":
            continue
        xml_url = _attribute(element, "xmlUrl").strip()
        if xml_url:
            url = safe_url(xml_url)
            if url is None:
                skipped += 1
                continue
            tags = ["/".join(folders)] if folders else []
            tags += [t for t in _category_tags(_attribute(element, "category")) if t not in tags]
            if url not in seen:
                seen.add(url)
                batch.feeds.append(
                    FeedData(
                        key=url,
                        url=url,
                        title=_first_name(element, "title", "text") or url,
                        site_url=safe_url(_attribute(element, "htmlUrl")),
                        kind="feed",
                        tags=tags,
                    )
                )
            continue
        name = _first_name(element, "text", "title")
        inner = (*folders, name.replace("/", "\u2215")) if name else folders
        stack.extend((child, inner) for child in reversed(list(element)))
    if skipped:
        batch.warnings.append(f"skipped {skipped} outline{'s' if skipped != 1 else ''} without an http(s) feed URL")
    if not batch.feeds:
        batch.warnings.append("the OPML lists no feeds")
    return batch
