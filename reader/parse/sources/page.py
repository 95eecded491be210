"""What an article page says about its discussions: its links, and the attributes of its tags.

A small reader on the standard library's ``html.parser`` (no new
dependency, and it never fails on broken markup): the sources look for
their signatures in what it collects. Bounded: only the first
:data:`MAX_PAGE_CHARS` characters are read, and at most :data:`MAX_TAGS`
tags kept, so a hostile page costs a bounded amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from html.parser import HTMLParser
from urllib.parse import urljoin

from reader.text.sanitize import safe_url

MAX_PAGE_CHARS = 2_000_000
MAX_TAGS = 20_000
_KEPT = {"a", "link", "script", "div", "section", "meta", "body", "iframe", "blockquote"}


@dataclass(frozen=True)
class Tag:
    """One tag of the page: its name and attributes (names lower-case, values as written)."""

    name: str
    attrs: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag in _KEPT and len(self.tags) < MAX_TAGS:
            self.tags.append(Tag(tag, tuple((key, value or "") for key, value in attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and sum(map(len, self.script_text)) < 200_000:
            self.script_text.append(data)


@dataclass(frozen=True)
class Page:
    """The tags of a page that matter to comment sources, and the text of its inline scripts."""

    url: str
    tags: tuple[Tag, ...]
    scripts: str

    def links(self) -> list[str]:
        """Every ``href`` of an ``a`` or ``link`` tag, made absolute, http(s) only, each once, in page order."""
        return list(self._links)

    @cached_property
    def _links(self) -> tuple[str, ...]:
        # Made once a page: every source that scans links asks (five of them made them again, measured by
        # review at 60% of scanning a page of 2,000 links).
        found: dict[str, None] = {}
        for tag in self.tags:
            if tag.name in ("a", "link"):
                href = tag.get("href")
                absolute = safe_url(urljoin(self.url, href.strip())) if href else None
                if absolute is not None:
                    found.setdefault(absolute, None)
        return tuple(found)

    def absolute(self, value: str | None) -> str | None:
        """``value`` (an attribute) made absolute against the page, if it is an http(s) URL."""
        if not value:
            return None
        value = value.strip()
        if value.startswith("//"):
            value = (self.url.split(":", 1)[0] if ":" in self.url else "https") + ":" + value
        return safe_url(urljoin(self.url, value))


@lru_cache(maxsize=4)
def read_page(html: str, url: str) -> Page:
    """The :class:`Page` of ``html`` (cached: every source looks at the same page in turn)."""
    collector = _Collector()
    try:
        collector.feed(html[:MAX_PAGE_CHARS])
        collector.close()
    except (AssertionError, ValueError):  # html.parser's complaints about hopeless markup: keep what was read
        pass
    return Page(url, tuple(collector.tags), "".join(collector.script_text))
