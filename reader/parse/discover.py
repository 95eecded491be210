"""Feed autodiscovery, the pure part: which feeds a web page, a ``Link`` header or a URL points to.

``reader add https://some-blog.example/`` is given a page, not a feed. The page
names its feeds in ``<link rel="alternate" type="application/rss+xml" href=...>``
(or the server in an HTTP ``Link:`` header, RFC 8288); some sites name none and
serve one at a well-known path (``/feed``, ``/atom.xml``...); a few big sites
have feeds at addresses made from the page's own (YouTube, Reddit, Lobsters,
Hacker News). This module reads those: no I/O here, so every rule is tested
without a network; ``reader.service.discover`` fetches the pages and checks
that each candidate really is a feed.

Everything here reads untrusted input and never raises for it: a page is read
with the stdlib's lenient ``html.parser`` (no lxml), only up to ``</head>`` and
at most :data:`MAX_PAGE_BYTES`; every URL found is made absolute, refused
unless it is http(s) (``text.sanitize.safe_url``) and written in one spelling
(``normalize_url``); every title is cleaned for the terminal (``clean_line``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from reader.parse.htmlpage import decode_html
from reader.parse.xmlprolog import read_prolog, to_utf8
from reader.text.sanitize import clean_line, normalize_url, safe_url

__all__ = [
    "COMMON_PATHS",
    "MAX_PAGE_BYTES",
    "FeedLink",
    "PageScan",
    "common_path_urls",
    "feed_format",
    "known_site_feed",
    "links_in_header",
    "links_in_page",
    "scan_page",
    "youtube_channel_feed",
]

#: A page is read up to ``</head>`` or this many bytes (characters, for ``str``), whichever comes first.
MAX_PAGE_BYTES = 512 * 1024
#: A ``Link`` header longer than this is read only this far.
MAX_HEADER_CHARS = 64 * 1024
#: Where sites that announce no feed often serve one, tried in this order (at the site's root).
COMMON_PATHS = ("/feed", "/rss", "/atom.xml", "/index.xml", "/feed.xml")
#: Titles are one line, and no longer than this.
MAX_TITLE = 200
#: How far into a YouTube page its channel id is looked for (the id sits in a big script in the body).
MAX_YOUTUBE_SCAN = 4 * 1024 * 1024

# The feed types a link may announce. rel="feed" (HTML's own feed link type) is enough for these...
_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
# ...these generic XML types count only with rel="alternate" (old RSS 1.0 and RSS 0.9x pages use them).
_ALTERNATE_XML_TYPES = frozenset({"application/rdf+xml", "text/xml"})
# application/json with rel="alternate" is also what WordPress announces for its REST API
# (href=".../wp-json/wp/v2/pages/2"), so it counts only when its title or href names a feed:
# "feed", "feeds", "jsonfeed", "rss" or "atom" as a word of its own ("feedback" does not count).
_JSON_FEED_HINT = re.compile(r"(?<![a-z])(?:json)?(?:feeds?|rss|atom)(?![a-z])", re.IGNORECASE)
# What the URL standard drops from a URL before parsing it.
_URL_DROPPED = re.compile(r"[\t\n\r]")

_YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
_REDDIT_HOSTS = frozenset({"reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com", "m.reddit.com"})
_LOBSTERS_HOSTS = frozenset({"lobste.rs", "www.lobste.rs"})
_HN_HOSTS = frozenset({"news.ycombinator.com"})
# A channel id is "UC" and 22 characters of URL-safe base64.
_CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
_PLAYLIST_ID = re.compile(r"[A-Za-z0-9_-]{2,64}")
_REDDIT_NAME = re.compile(r"[A-Za-z0-9_+-]{1,100}")
_LOBSTERS_TAGS = re.compile(r"[A-Za-z0-9_,+.-]{1,200}")
_CHANNEL_JSON = re.compile(r'"channelId"\s*:\s*"(UC[A-Za-z0-9_-]{22})"')
# A <meta> or <link> tag and its attributes. "[^<>]" and the bound keep a scan from running past
# the next tag: "[^>]*" made a page of unclosed "<meta " tags take minutes (quadratic).
_META_OR_LINK = re.compile(r"<(meta|link)\b([^<>]{0,4000})>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+)))?""")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")
_MAX_LONE_LT = 1000


@dataclass(frozen=True)
class FeedLink:
    """A feed a page or header points to: an absolute, normalised http(s) URL, its title and MIME type.

    ``type`` is the announced MIME type in lower case without parameters
    (``application/rss+xml``); what the feed really is shows only once fetched.
    """

    url: str
    title: str = ""
    type: str = ""


@dataclass
class PageScan:
    """What the head of a page says: its feed links (in page order) and its ``<title>``."""

    links: list[FeedLink] = field(default_factory=list)
    title: str = ""


# -- links in a page -----------------------------------------------------------------------


def _mime(value: str | None) -> str:
    """A MIME type's essence: ``Application/RSS+XML; charset=utf-8`` -> ``application/rss+xml``."""
    return (value or "").split(";", 1)[0].strip().lower()


def _is_feed_link(rel: str, mime: str, href: str, title: str) -> bool:
    """Whether a link with these ``rel`` tokens, type, href and title announces a feed (the rules above)."""
    tokens = set(rel.lower().split())
    alternate = "alternate" in tokens
    if mime in _FEED_TYPES:
        return alternate or "feed" in tokens
    if mime in _ALTERNATE_XML_TYPES:
        return alternate
    if mime == "application/json":
        return alternate and bool(_JSON_FEED_HINT.search(title) or _JSON_FEED_HINT.search(href))
    return False


def _absolute(href: str, base: str) -> str | None:
    """``href`` resolved against ``base``, normalised, if it is http(s); else None (never raises)."""
    href = _URL_DROPPED.sub("", href).strip().replace(" ", "%20")
    if not href:
        return None
    try:
        return normalize_url(urljoin(base, href))
    except ValueError:  # urljoin and urlsplit refuse some hosts (an unclosed "[")
        return None


def _add(found: dict[str, FeedLink], rel: str, mime: str, href: str, title: str, base: str) -> None:
    """Keep the link if it announces a feed at a new http(s) URL (the first of equal URLs wins)."""
    if not href.strip() or not _is_feed_link(rel, mime, href, title):
        return
    url = _absolute(href, base)
    if url is not None and url not in found:
        found[url] = FeedLink(url=url, title=clean_line(title)[:MAX_TITLE], type=mime)


class _HeadReader(HTMLParser):
    """Collects ``<base href>``, ``<title>`` and the ``<link>`` tags of a page's head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.title = ""
        self.links: list[tuple[str, str, str, str]] = []
        self.done = False
        self._in_title = False
        self._had_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "link":
            values: dict[str, str] = {}
            for name, value in attrs:
                values.setdefault(name.lower(), value or "")  # the first of repeated attributes counts
            if "href" in values:
                self.links.append(
                    (values.get("rel", ""), _mime(values.get("type")), values["href"], values.get("title", ""))
                )
        elif tag == "base" and self.base is None:
            href = next((value for name, value in attrs if name.lower() == "href" and value), None)
            if href is not None:
                self.base = href
        elif tag == "title" and not self._had_title:
            self._in_title = self._had_title = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "title":
            self._in_title = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.done and len(self.title) < 4 * MAX_TITLE:
            self.title += data


def _page_text(html: bytes | str) -> str:
    if isinstance(html, bytes):
        return decode_html(html[:MAX_PAGE_BYTES])
    return html[:MAX_PAGE_BYTES]


def scan_page(html: bytes | str, base_url: str) -> PageScan:
    """The feed links and title in the head of a page fetched from ``base_url``.

    Links are resolved against the page's ``<base href>`` (itself resolved
    against ``base_url``, and used only when that gives an http(s) URL), else
    against ``base_url``. See :func:`links_in_page` for which links count.
    """
    reader = _HeadReader()
    text = _page_text(html)
    # Only the head is read. Cutting the text at "</head>" before parsing, rather than feeding the
    # parser in pieces until it sees the tag, keeps it linear: html.parser scans an unfinished tag
    # again at every piece fed (2 s for 512 KB of "<a b b b...").
    end = _HEAD_END.search(text)
    if end is not None:
        text = text[: end.end()]
    # A "<" that opens no tag is text, which html.parser hands over one character at a time
    # (1-2.5 s for 512 KB of "<"). A page with a few keeps them; one made of them loses them.
    if len(_LONE_LT.findall(text)) > _MAX_LONE_LT:
        text = _LONE_LT.sub("", text)
    # feed() and no close(): close() reads an unfinished tag at the end again from each "<" in it
    # (quadratic in Python 3.11's html.parser: 2.4 s for "<a" * 20,000, minutes for 512 KB); without it the parser
    # stops at the first construct that never ends. Whatever the lenient parser did not foresee
    # keeps what was read so far.
    with contextlib.suppress(Exception):
        reader.feed(text)
    base = base_url
    if reader.base is not None:
        base = _absolute(reader.base, base_url) or base_url
    found: dict[str, FeedLink] = {}
    for rel, mime, href, title in reader.links:
        _add(found, rel, mime, href, title, base)
    return PageScan(links=list(found.values()), title=clean_line(reader.title)[:MAX_TITLE])


def links_in_page(html: bytes | str, base_url: str) -> list[FeedLink]:
    """The feeds a page announces in its head, in page order, without repeats.

    A ``<link>`` counts when its ``rel`` (space-separated, any case) holds
    ``alternate`` or ``feed`` and its type is RSS, Atom or JSON Feed; with
    ``rel="alternate"`` also ``application/rdf+xml`` and ``text/xml``, and
    ``application/json`` when its title or href names a feed ("feed", "rss",
    "atom" as a word: WordPress announces its REST API as alternate JSON too).
    A link with no type, or an empty href, does not count (an untyped
    ``rel="feed"`` is in practice an h-feed, an HTML page). Only http(s) URLs
    are kept, normalised (``normalize_url``); of equal URLs the first one's
    title and type are kept. The page is read only up to ``</head>`` and at
    most :data:`MAX_PAGE_BYTES`; bytes are decoded by their BOM or
    ``<meta charset>``, else as UTF-8. Never raises.
    """
    return scan_page(html, base_url).links


# -- links in a Link header ----------------------------------------------------------------


def _quoted(value: str, start: int) -> tuple[str, int]:
    """The quoted string opening at ``value[start]`` (a ``"``), unescaped, and the index after it."""
    out: list[str] = []
    index = start + 1
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            out.append(value[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(out), index + 1
        out.append(char)
        index += 1
    return "".join(out), index


def _extended(value: str) -> str | None:
    """An RFC 8187 value (``UTF-8''%E2%82%AC%20rates``) decoded; None when it is not one."""
    charset, quote, rest = value.partition("'")
    _language, quote2, encoded = rest.partition("'")
    if not quote or not quote2:
        return None
    try:
        return unquote(encoded, encoding=charset.strip() or "utf-8", errors="replace")
    except LookupError:
        return None


def _header_links(value: str) -> list[tuple[str, dict[str, str]]]:
    """Each link of a ``Link`` header value: its target and its parameters (names in lower case, first wins)."""
    links: list[tuple[str, dict[str, str]]] = []
    length = len(value)
    index = 0
    while index < length:
        while index < length and value[index] in " \t,":
            index += 1
        if index >= length:
            break
        if value[index] != "<":
            # Not a link: skip to the next comma outside quotes.
            while index < length and value[index] != ",":
                index = _quoted(value, index)[1] if value[index] == '"' else index + 1
            continue
        end = value.find(">", index + 1)
        if end < 0:
            break
        target = value[index + 1 : end]
        index = end + 1
        params: dict[str, str] = {}
        while index < length:
            while index < length and value[index] in " \t":
                index += 1
            if index >= length or value[index] != ";":
                break
            index += 1
            while index < length and value[index] in " \t":
                index += 1
            name_start = index
            while index < length and value[index] not in "=;, \t":
                index += 1
            name = value[name_start:index].lower()
            while index < length and value[index] in " \t":
                index += 1
            param = ""
            if index < length and value[index] == "=":
                index += 1
                while index < length and value[index] in " \t":
                    index += 1
                if index < length and value[index] == '"':
                    param, index = _quoted(value, index)
                else:
                    param_start = index
                    while index < length and value[index] not in ";,":
                        index += 1
                    param = value[param_start:index].strip()
            if name:
                params.setdefault(name, param)
        # Whatever is left of a malformed link, up to the next comma outside quotes, is dropped.
        while index < length and value[index] != ",":
            index = _quoted(value, index)[1] if value[index] == '"' else index + 1
        links.append((target, params))
    return links


def links_in_header(value: str, base_url: str) -> list[FeedLink]:
    """The feeds an HTTP ``Link`` header announces (RFC 8288), in header order, without repeats.

    ``<https://x/feed>; rel="alternate"; type="application/rss+xml"; title="A, B"``,
    several links separated by commas (commas inside quotes and ``<...>`` are
    no separators). The same rules as :func:`links_in_page` decide which
    links count; a ``title*`` (RFC 8187, ``UTF-8''...``) is preferred to a
    ``title``; of repeated parameters the first counts. Relative targets
    resolve against ``base_url``. Never raises.
    """
    found: dict[str, FeedLink] = {}
    # A parser slip must not lose the page's other chances: the links read before it count.
    with contextlib.suppress(Exception):
        for target, params in _header_links(value[:MAX_HEADER_CHARS]):
            title = params.get("title", "")
            if "title*" in params:
                title = _extended(params["title*"]) or title
            _add(found, params.get("rel", ""), _mime(params.get("type")), target, title, base_url)
    return list(found.values())


# -- guessed and known addresses ------------------------------------------------------------


def common_path_urls(page_url: str) -> list[str]:
    """The :data:`COMMON_PATHS` at the root of ``page_url``'s site, in order; empty for a non-http(s) URL.

    Only the site's root (``https://host/feed``), not the page's folder
    (``/blog/feed``): a blog in a folder is a CMS that announces its feed in
    the page, and each guess is one more request to a server that named none.
    """
    checked = safe_url(page_url)
    if checked is None:
        return []
    try:
        parts = urlsplit(checked)
    except ValueError:
        return []
    urls = (normalize_url(f"{parts.scheme}://{parts.netloc}{path}") for path in COMMON_PATHS)
    return [url for url in urls if url is not None]


def _split(url: str) -> tuple[str, list[str], str] | None:
    """(host in lower case, the path's non-empty segments, query) of an http(s) URL, or None."""
    checked = safe_url(url)
    if checked is None:
        return None
    try:
        parts = urlsplit(checked)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    return host, [segment for segment in parts.path.split("/") if segment], parts.query


def _youtube_channel(channel_id: str) -> str:
    return f"https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}"


def known_site_feed(url: str) -> str | None:
    """The feed of a well-known site's page, made from its URL without fetching anything; else None.

    * YouTube (``youtube.com``, ``www.``, ``m.``): ``/channel/UC…`` (and its
      tabs) -> the channel's feed, ``/playlist?list=X`` -> the playlist's.
    * Reddit (``reddit.com``, ``www.``, ``old.``, ``new.``, ``m.``):
      ``/r/NAME`` and anything under it -> ``https://www.reddit.com/r/NAME/.rss``;
      ``/user/NAME`` (or ``/u/NAME``) -> ``.../user/NAME/.rss``.
    * Lobsters: the front page -> ``https://lobste.rs/rss``, ``/t/TAG`` -> ``https://lobste.rs/t/TAG.rss``.
    * Hacker News: the front page (``/``, ``/news``) -> ``https://news.ycombinator.com/rss``.

    Hosts in any case. A URL that already ends in ``.rss`` is left alone (it is
    a feed, maybe a sorted or filtered one the user chose). Never raises.
    """
    try:
        split = _split(url)
        if split is None:
            return None
        host, segments, query = split
        if host in _YOUTUBE_HOSTS:
            return _youtube_feed(segments, query)
        if segments and segments[-1].lower().endswith(".rss"):
            return None
        lowered = [segment.lower() for segment in segments]
        if host in _REDDIT_HOSTS:
            if len(segments) >= 2 and _REDDIT_NAME.fullmatch(segments[1]):
                if lowered[0] == "r":
                    return f"https://www.reddit.com/r/{segments[1]}/.rss"
                if lowered[0] in ("user", "u"):
                    return f"https://www.reddit.com/user/{segments[1]}/.rss"
            return None
        if host in _LOBSTERS_HOSTS:
            if not segments:
                return "https://lobste.rs/rss"
            if len(segments) == 2 and lowered[0] == "t" and _LOBSTERS_TAGS.fullmatch(segments[1]):
                return f"https://lobste.rs/t/{segments[1]}.rss"
            return None
        if host in _HN_HOSTS and lowered in ([], ["news"]):
            return "https://news.ycombinator.com/rss"
    except Exception:  # a rule that slipped on a strange URL: no known feed, the page is fetched instead
        return None
    return None


def _youtube_feed(segments: list[str], query: str) -> str | None:
    if len(segments) >= 2 and segments[0].lower() == "channel" and _CHANNEL_ID.fullmatch(segments[1]):
        return _youtube_channel(segments[1])
    if segments and segments[0].lower() == "playlist":
        playlist = parse_qs(query).get("list", [""])[0]
        if _PLAYLIST_ID.fullmatch(playlist):
            return f"https://www.youtube.com/feeds/videos.xml?playlist_id={playlist}"
    return None


def _attributes(tag: str) -> dict[str, str]:
    """The attributes of a tag's inside (names in lower case, the first of repeated ones counts)."""
    values: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(tag):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        values.setdefault(match.group(1).lower(), value)
    return values


def youtube_channel_feed(html: bytes | str, page_url: str) -> str | None:
    """The channel feed of a YouTube page whose URL names no channel id (``/@handle``, ``/c/name``, ``/user/x``).

    The id is read from the page: its ``<link rel="canonical">`` to
    ``/channel/UC…`` first (it names the page's own channel), then
    ``<meta itemprop="channelId">``, then the first ``"channelId":"UC…"``
    of its scripts. Only for a page on a YouTube host: elsewhere such an id
    belongs to an embedded video, not to the page. None when no id is found.
    Never raises.
    """
    try:
        split = _split(page_url)
        if split is None or split[0] not in _YOUTUBE_HOSTS:
            return None
        text = decode_html(html[:MAX_YOUTUBE_SCAN]) if isinstance(html, bytes) else html[:MAX_YOUTUBE_SCAN]
        from_meta: str | None = None
        for tag in _META_OR_LINK.finditer(text):
            values = _attributes(tag.group(2))
            if tag.group(1).lower() == "link" and "canonical" in values.get("rel", "").lower().split():
                canonical = _split(values.get("href", "").strip())
                if canonical is not None and canonical[0] in _YOUTUBE_HOSTS:
                    found = _youtube_feed(canonical[1], canonical[2])
                    if found is not None and "channel_id=" in found:
                        return found
            elif (
                tag.group(1).lower() == "meta"
                and from_meta is None
                and values.get("itemprop", "").lower() == "channelid"
            ):
                content = values.get("content", "").strip()
                if _CHANNEL_ID.fullmatch(content):
                    from_meta = _youtube_channel(content)
        if from_meta is not None:
            return from_meta
        match = _CHANNEL_JSON.search(text)
        return _youtube_channel(match.group(1)) if match else None
    except Exception:  # a strange page: no channel found
        return None


# -- what a fetched body is ------------------------------------------------------------------


def feed_format(data: bytes) -> str | None:
    """The format of an XML feed, "RSS" or "Atom", by its root element (RSS 1.0's ``rdf:RDF`` is RSS), else None."""
    try:
        root = read_prolog(to_utf8(data).lstrip(b"\xef\xbb\xbf")).root_name
    except Exception:
        return None
    local = root.lower().rsplit(":", 1)[-1]
    if local in ("rss", "rdf", "channel"):
        return "RSS"
    if local in ("feed", "entry"):
        return "Atom"
    return None
