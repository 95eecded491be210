"""Saved HTML pages: the title and the main text become an article."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from reader.models import ArticleData, ImportBatch
from reader.parse.base import ImportFailure, bom_encoding, short_hash
from reader.parse.plaintext import local_source
from reader.text import dates
from reader.text.render import html_to_plain, sanitize_with_text
from reader.text.sanitize import clean_line, safe_url

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_MAIN_REGIONS = (
    re.compile(r"<article\b[^>]*>(.*)</article\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<main\b[^>]*>(.*)</main\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<body\b[^>]*>(.*)</body\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<body\b[^>]*>(.*)", re.IGNORECASE | re.DOTALL),
)
# Page furniture rather than article text.
_FURNITURE = re.compile(
    r"<(nav|header|footer|aside|form|script|style|noscript|template|svg)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


class _HeadReader(HTMLParser):
    """Collects the title, canonical link and a few meta tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.time = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title" and not self.title:
            self._in = "title"
        elif tag == "h1" and not self.h1:
            self._in = "h1"
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and key not in self.meta:
                self.meta[key] = values.get("content", "")
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or values.get("href", "")
        elif tag == "time" and not self.time:
            self.time = values.get("datetime", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data


def decode_html(data: bytes) -> str:
    """Decode a page: BOM, then ``<meta charset>``, then UTF-8 with replacement."""
    encoding, skip = bom_encoding(data)
    if encoding is None:
        declared = _META_CHARSET.search(data[:4096])
        encoding = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
    try:
        return data[skip:].decode(encoding, errors="replace")
    except LookupError:
        return data[skip:].decode("utf-8", errors="replace")


def parse_html_page(data: bytes, path: Path, now: int | None = None) -> ImportBatch:
    """Turn a saved web page into one article under the file's folder."""
    now = now if now is not None else dates.now()
    page = decode_html(data)
    head = _HeadReader()
    try:
        head.feed(page[:1_000_000])
        head.close()
    except Exception:  # HTMLParser is lenient, but never let a page stop the import
        pass
    for pattern in _MAIN_REGIONS:
        found = pattern.search(page)
        if found:
            main = found.group(1)
            break
    else:
        main = page
    main = _FURNITURE.sub("", main)
    url = safe_url(head.canonical) or safe_url(head.meta.get("og:url"))
    body_html, text = sanitize_with_text(main)
    if not text.strip():
        raise ImportFailure("expected an HTML page with readable text, found none")
    title = (
        clean_line(head.meta.get("og:title"))
        or clean_line(head.title)
        or clean_line(html_to_plain(head.h1))
        or clean_line(path.stem)
    )
    published = dates.from_iso(head.meta.get("article:published_time") or head.time, now)
    article = ArticleData(
        guid=url or "html:" + short_hash(title, text),
        title=title,
        text=text,
        html=body_html,
        url=url,
        author=clean_line(head.meta.get("author") or head.meta.get("article:author")),
        published=published,
    )
    batch = ImportBatch(kind="HTML page")
    batch.articles.append((local_source(path), article))
    return batch
