"""JSON Feed (https://jsonfeed.org) versions 1.0 and 1.1.

feedparser 6.0 reads no JSON, and the format is small enough to map directly.
"""

from __future__ import annotations

import html as html_lib
from typing import Any
from urllib.parse import urljoin

from reader.models import ArticleData, FeedData, FeedKind, ImportBatch
from reader.parse.base import ImportFailure, keep_newest, short_hash
from reader.text import dates
from reader.text.render import sanitize_with_text
from reader.text.sanitize import clean_line, json_document, safe_url


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _author(item: dict[str, Any], feed: dict[str, Any]) -> str:
    for source in (item, feed):
        authors = source.get("authors")
        if isinstance(authors, list):
            names = [clean_line(_text(a.get("name"))) for a in authors if isinstance(a, dict)]
            if any(names):
                return ", ".join(n for n in names if n)
        author = source.get("author")
        if isinstance(author, dict) and _text(author.get("name")):
            return clean_line(author["name"])
    return ""


def parse_json_feed(
    data: bytes,
    *,
    source_key: str,
    fallback_title: str = "",
    kind: FeedKind = "local",
    now: int | None = None,
    max_items: int | None = None,
    url: str | None = None,
) -> ImportBatch:
    """Parse a JSON Feed document into one feed and its items (at most ``max_items``, the newest).

    ``url`` is where it came from (a fetch's address; a file's is its ``feed_url``): relative links,
    which the spec asks feeds not to write and some do, resolve against it, as in RSS and Atom.
    """
    now = now if now is not None else dates.now()
    try:
        document = json_document(data)
    except (ValueError, RecursionError) as error:
        raise ImportFailure(f"expected a JSON Feed, found invalid JSON ({clean_line(str(error))[:120]})") from None
    if not isinstance(document, dict) or "jsonfeed.org" not in _text(document.get("version")):
        raise ImportFailure("expected a JSON Feed (https://jsonfeed.org), found other JSON")
    items = document.get("items")
    if not isinstance(items, list):
        raise ImportFailure("expected a JSON Feed with an items list, found none")

    address = safe_url(url) or safe_url(_text(document.get("feed_url")))

    def absolute(value: str) -> str | None:
        value = value.strip()
        return safe_url(urljoin(address, value) if address and value else value) if value else None

    feed_url = absolute(_text(document.get("feed_url")))
    site_url = absolute(_text(document.get("home_page_url")))
    feed = FeedData(
        key=feed_url or source_key,
        url=feed_url,
        title=clean_line(_text(document.get("title"))) or fallback_title,
        site_url=site_url,
        kind=kind,
    )
    batch = ImportBatch(kind="JSON Feed", feeds=[feed])
    items, cut = keep_newest(
        [item for item in items if isinstance(item, dict)],
        lambda item: dates.from_iso(_text(item.get("date_published")) or _text(item.get("date_modified")), now),
        max_items,
    )
    if cut:
        batch.warnings.append(cut)
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            continue
        url = absolute(_text(item.get("url"))) or absolute(_text(item.get("external_url")))
        content = _text(item.get("content_html"))
        if not content and _text(item.get("content_text")):
            paragraphs = [p for p in item["content_text"].split("\n\n") if p.strip()]
            content = "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)
        if not content:
            content = html_lib.escape(_text(item.get("summary")))
        body_html, text = sanitize_with_text(content, url or address)
        # JSON Feed titles are plain text (the spec): "</example>" is a title, not a tag to strip.
        title = clean_line(_text(item.get("title")))
        raw_id = item.get("id")
        guid = clean_line(str(raw_id)) if isinstance(raw_id, (str, int)) and str(raw_id).strip() else ""
        guid = guid or url or "hash:" + short_hash(title, text)
        if guid in seen:
            continue
        seen.add(guid)
        published = dates.from_iso(_text(item.get("date_published")), now)
        updated = dates.from_iso(_text(item.get("date_modified")), now)
        article = ArticleData(
            guid=guid,
            title=title or clean_line(text)[:80] or "(untitled)",
            text=text,
            html=body_html or None,
            url=url,
            author=_author(item, document),
            published=published or updated,
            updated=updated,
        )
        batch.articles.append((feed, article))
    if not batch.articles:
        batch.warnings.append("the feed has no entries")
    return batch
