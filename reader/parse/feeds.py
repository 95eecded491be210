"""RSS, Atom, RDF and JSON Feed documents, with RFC 4685 comment threads.

feedparser is never given a path or URL (it would read local files): it gets
the bytes in a file object. Entity declarations are refused or stripped
before parsing, because feedparser's lenient fallback parser expands
internal entities without any limit (a 90 KB file reached 1.5 GB).
feedparser's own sanitizer is off (it costs 0.6 ms per entry); the HTML is
cleaned by :func:`reader.text.render.sanitize_html` instead.
"""

from __future__ import annotations

import functools
import html as html_lib
import html.entities
import io
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from reader.models import ArticleData, CommentData, FeedData, FeedKind, ImportBatch
from reader.parse.base import ImportFailure, keep_newest, short_hash
from reader.parse.simplefeed import (
    RawEntry,
    RawFeed,
    join_names,
    media_type,
    person_name,
    read_simple,
    reply_ref,
    title_is_html,
)
from reader.parse.xmlprolog import read_prolog, to_utf8
from reader.text import dates
from reader.text.render import html_to_markdown, html_to_plain, html_to_text, sanitize_with_text
from reader.text.sanitize import clean_line, clean_text, safe_url

ATOM_NS = "http://www.w3.org/2005/Atom"

#: An innocent entity holds a short string and references no other entity.
_MAX_ENTITY_VALUE = 256
_MAX_ENTITIES = 64
_TRUNCATED_MESSAGES = ("no element found", "unclosed token", "unclosed cdata", "incomplete")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{0,31});")
_XML_ENTITIES = {b"amp", b"lt", b"gt", b"quot", b"apos"}

#: An absolute http(s) URL that ``urljoin`` would give back unchanged (most links are): an ASCII host
#: without brackets, no empty query, fragment or parameters, nothing it strips or removes. Joining
#: costs more than the rest of a link's checks together.
_PLAIN_ABSOLUTE = re.compile(
    r"https?://[A-Za-z0-9._~%!$&'()*+,=:@-]+"
    r"(?:/[^?#;\s\x00-\x1f\x7f-\x9f]*)?(?:\?[^#\s\x00-\x1f\x7f-\x9f]+)?(?:#[^\s\x00-\x1f\x7f-\x9f]+)?"
)

#: Finds where a guid lives: ``(article id, True if the guid names a stored comment)``.
ThreadLookup = Callable[[str], "tuple[int, bool] | None"]


def prepare_xml(data: bytes) -> bytes:
    """Refuse entity bombs and external entities, then drop the prolog's DOCTYPE.

    Returns UTF-8 (or ASCII-compatible) bytes holding the XML declaration and
    the root element: with no DOCTYPE left, no parser can expand an entity.
    """
    data = to_utf8(data)
    prolog = read_prolog(data)
    if prolog.problem:
        raise ImportFailure(f"expected an RSS or Atom feed, found {prolog.problem}")
    if len(prolog.entities) > _MAX_ENTITIES:
        raise ImportFailure(f"refused: the XML declares {len(prolog.entities)} entities (an entity-expansion attack?)")
    for entity in prolog.entities:
        if entity.parameter or entity.external:
            raise ImportFailure("refused: the XML declares external entities (an XXE attack?)")
        if b"&" in entity.value or b"%" in entity.value or len(entity.value) > _MAX_ENTITY_VALUE:
            raise ImportFailure("refused: the XML declares nested or oversized entities (an entity-expansion attack)")
    # Harmless declarations go with the DOCTYPE: their references stay literal.
    body = data[prolog.root_start :]
    return prolog.declaration + b"\n" + body if prolog.declaration else body


@functools.cache
def _feedparser() -> Any:  # feedparser has no type information
    """feedparser, imported the first time a feed needs it (a well-formed feed never does: 40 ms saved).

    Its strict pass is made to use defusedxml's expat reader, so entity
    tricks raise instead of falling through to the unbounded lenient parser.
    """
    import feedparser

    if "defusedxml.expatreader" not in feedparser.api.PREFERRED_XML_PARSERS:
        feedparser.api.PREFERRED_XML_PARSERS.insert(0, "defusedxml.expatreader")
    return feedparser


#: feedparser resolves links (and RSS guids) itself, against the document's address. Given none, it let
#: an entry's ``xml:base`` run on into the next entries (found by review: their links led to another
#: site). It is given this stand-in instead, and every value that comes back under it is turned back
#: into what was written (:func:`_as_written`): guids stay as they were stored, and links are resolved
#: here, against the real address, as the fast reader's are.
_NO_ADDRESS_ORIGIN = "http://no-address.reader.invalid"
NO_ADDRESS = _NO_ADDRESS_ORIGIN + "/d/"


def _as_written(value: str | None) -> str:
    """``value`` as the document wrote it, when feedparser resolved it against :data:`NO_ADDRESS`."""
    value = value or ""
    if value.startswith(NO_ADDRESS):
        return value[len(NO_ADDRESS) :]
    if value.startswith(_NO_ADDRESS_ORIGIN + "/"):
        return value[len(_NO_ADDRESS_ORIGIN) :]  # "/x" was written from the root
    return value


def parse_document(data: bytes, headers: Mapping[str, str] | None = None) -> Any:
    """Run feedparser over prepared bytes (see :func:`prepare_xml`) and check it is a feed."""
    feedparser = _feedparser()
    survivable = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers=dict(headers or {}),
        )
    except DefusedXmlException:
        raise ImportFailure("refused: the XML uses entities or a DTD (an entity-expansion attack?)") from None
    except Exception as error:  # feedparser raises a zoo of exceptions on bad input
        raise ImportFailure(f"expected an RSS or Atom feed, found unreadable data ({_describe(error)})") from None
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        found = _describe(problem) if problem else "no feed elements"
        raise ImportFailure(f"expected an RSS or Atom feed, found {found}")
    if problem is not None and not isinstance(problem, survivable):
        message = str(problem).lower()
        if any(word in message for word in _TRUNCATED_MESSAGES):
            raise ImportFailure(f"expected a complete feed, found a truncated document ({_describe(problem)})")
        if not parsed.get("entries"):
            # Broken XML that yields nothing is an error, not "the feed is now
            # empty"; broken XML with entries (an &nbsp; here and there) is read.
            raise ImportFailure(f"expected a well-formed feed, found broken XML ({_describe(problem)})")
    return parsed


def _read_with_feedparser(data: bytes, headers: Mapping[str, str] | None, now: int) -> RawFeed:
    """Read any feed feedparser understands into the same fields as the fast reader."""
    given = {key: value for key, value in (headers or {}).items() if key.lower() != "content-location"}
    if not any(key.lower() == "content-type" for key in given):
        # Headers make feedparser take the document as served over HTTP, where no type means text/xml
        # and US-ASCII (RFC 3023): application/xml lets the XML declaration name the encoding again.
        given["content-type"] = "application/xml"
    parsed = parse_document(data, {**given, "content-location": NO_ADDRESS})
    info = parsed.get("feed") or {}
    feed = RawFeed(title=info.get("title") or "", link=_as_written(info.get("link")) or None)
    for link in info.get("links") or []:
        if link.get("rel") == "self":
            feed.self_link = _as_written(link.get("href")) or None
            break
    entries = list(parsed.get("entries") or [])
    atom = str(parsed.get("version") or "").startswith("atom")
    # Authors and replies as written when the XML can be read again (see _read_again).
    people = _read_again(data)
    if people is not None and len(people[1]) != len(entries):
        people = None
    # Only the lenient parser could read it: feedparser's keys, by entry id.
    fallback_refs = _reply_refs_from_feedparser(entries) if people is None else {}
    feed_author = people[0] if people is not None else ""
    if people is None and atom:
        feed_author = _names(info.get("authors"))
    for position, entry in enumerate(entries):
        raw_id = _as_written(str(entry.get("id") or "")).strip()
        written: WrittenLinks | None = None
        if people is not None:
            author, reply_to, written = people[1][position]
        else:
            author = _names(entry.get("authors")) if atom else person_name(str(entry.get("author") or ""))
            reply_to = fallback_refs.get(raw_id) if raw_id else None
        if atom:
            author = author or feed_author  # RFC 4287: the feed's author is every entry's without one
        comment_feed = _as_written(entry.get("wfw_commentrss")) or None
        comments = _as_written(entry.get("comments")) or None
        for link in entry.get("links") or []:
            kind = media_type(link.get("type"))
            # As written, when the XML could be read again: an untyped replies link is no page (feedparser
            # calls it text/html), and an empty href is no link (feedparser makes it the base).
            if written is not None and not written.get((str(link.get("rel")), kind), False):
                continue
            if link.get("rel") == "replies" and kind == "application/atom+xml":
                comment_feed = comment_feed or _as_written(link.get("href")) or None
            if link.get("rel") == "replies" and kind == "text/html":
                comments = comments or _as_written(link.get("href")) or None
        link_written = written is None or any(has for (rel, _kind), has in written.items() if rel == "alternate")
        title = entry.get("title") or ""
        detail_type = (entry.get("title_detail") or {}).get("type") or ""
        html, base = _entry_html(entry)
        feed.entries.append(
            RawEntry(
                raw_id=raw_id,
                link=(_as_written(entry.get("link")) or None) if link_written else None,
                title=title,
                title_is_html=("html" in detail_type) if atom else title_is_html(title),
                author=author,
                html=html,
                base=_as_written(base),
                published=_entry_date(entry, now),
                updated=_entry_date(entry, now, keys=("updated",)),
                comments=comments,
                comment_feed=comment_feed,
                declared_count=_first(entry, "slash_comments", "thr_total"),
                reply_to=reply_to,
            )
        )
    return feed


def _describe(error: object) -> str:
    text = clean_line(str(error)) or type(error).__name__
    return text[:160]


def _first(entry: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = entry.get(key)
        if value:
            return value
    return None


def _names(people: Any) -> str:
    """feedparser's list of people as one line of names (an e-mail only where there is no name)."""
    return join_names([str(p.get("name") or p.get("email") or "") for p in people or [] if isinstance(p, Mapping)])


#: An Atom entry's links as written: (rel, media type without parameters, or "" when none was given) ->
#: whether any of them has a non-empty href. feedparser makes an empty href the base in force and gives
#: an untyped link the type text/html; these say what the document said.
WrittenLinks = dict[tuple[str, str], bool]


def _written_links(entry: Element) -> WrittenLinks:
    links: WrittenLinks = {}
    for link in entry.findall(f"{{{ATOM_NS}}}link"):
        key = (link.get("rel") or "alternate", media_type(link.get("type")))
        links[key] = links.get(key, False) or bool((link.get("href") or "").strip())
    return links


def _read_again(data: bytes) -> tuple[str, list[tuple[str, str | None, WrittenLinks | None]]] | None:
    """The feed's authors, and each entry's authors, reply ref and Atom links as written; None if not well-formed.

    feedparser runs authors together: an Atom author with only an e-mail
    takes the previous one's name, and an RSS ``jo@example.org (Jo Bloggs)``
    comes out as "ple (Jo Bloggs". It names ``thr:in-reply-to`` after the
    feed's own prefix and keeps only the last of several. The fast reader
    reads both as written; so does this, for the documents it leaves to
    feedparser, in one more parse of the XML.
    """
    try:
        root: Element = SafeElementTree.fromstring(_NAMED_ENTITY.sub(_numeric_entity, data))
    except Exception:
        return None
    atom = f"{{{ATOM_NS}}}"
    if root.tag in (f"{atom}feed", f"{atom}entry"):

        def names(element: Element) -> str:
            people = element.findall(f"{atom}author")
            return join_names(
                [
                    (p.findtext(f"{atom}name") or "").strip() or (p.findtext(f"{atom}email") or "").strip()
                    for p in people
                ]
            )

        def authors(entry: Element) -> str:
            # RFC 4287 4.2.1: the entry's own, else its source feed's (a planet's); the feed's come later.
            source = entry.find(f"{atom}source")
            return names(entry) or (names(source) if source is not None else "")

        entries = [root] if root.tag == f"{atom}entry" else root.findall(f"{atom}entry")
        found: list[tuple[str, str | None, WrittenLinks | None]] = [
            (authors(entry), reply_ref(entry, entry.findtext(f"{atom}id") or ""), _written_links(entry))
            for entry in entries
        ]
        return (names(root) if root.tag == f"{atom}feed" else ""), found
    items = [
        element for element in root.iter() if isinstance(element.tag, str) and element.tag.rpartition("}")[2] == "item"
    ]
    return "", [
        (
            join_names(
                [
                    person_name(child.text or "")
                    for child in item
                    if isinstance(child.tag, str) and child.tag in ("author", f"{{{_DC_NS}}}creator")
                ]
            ),
            reply_ref(item, item.findtext("guid") or ""),
            None,
        )
        for item in items
    ]


_DC_NS = "http://purl.org/dc/elements/1.1/"


def _entry_html(entry: Mapping[str, Any]) -> tuple[str, str]:
    """An entry's body as HTML, and the ``xml:base`` in force there: the content, else the summary."""
    candidates = [
        (content.get("type") or "", content.get("value") or "", content.get("base") or "")
        for content in entry.get("content") or []
        if (content.get("value") or "").strip()
    ]
    detail = entry.get("summary_detail") or {}
    if not candidates and entry.get("summary"):
        candidates.append((detail.get("type") or "text/html", entry["summary"], detail.get("base") or ""))
    if not candidates:
        return "", ""
    # Of several contents, HTML first, then the longest.
    content_type, value, base = max(candidates, key=lambda c: ("html" in c[0], len(c[1])))
    if content_type == "text/plain":
        paragraphs = [p for p in value.split("\n\n") if p.strip()]
        return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs), base
    return str(value), base


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    """HTML named entities (``&nbsp;``) as numeric references, which XML parsers accept."""
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group()
    code = html_lib.entities.name2codepoint.get(name.decode("ascii"))
    return b"&#%d;" % code if code else b"&amp;" + name + b";"


def _reply_refs_from_feedparser(entries: list[Any]) -> dict[str, str]:
    """Fallback for documents only the lenient parser could read."""
    refs: dict[str, str] = {}
    for entry in entries:
        for key, value in entry.items():
            is_reply = key.endswith("_in-reply-to") and isinstance(value, Mapping) and value.get("ref")
            if is_reply and entry.get("id"):
                refs[str(entry["id"]).strip()] = str(value["ref"]).strip()
    return refs


def parse_feed(
    data: bytes,
    *,
    source_key: str,
    fallback_title: str = "",
    kind: FeedKind = "local",
    headers: Mapping[str, str] | None = None,
    thread_lookup: ThreadLookup | None = None,
    now: int | None = None,
    subscription: bool = False,
    max_items: int | None = None,
    url: str | None = None,
) -> ImportBatch:
    """Parse a feed document into one feed, its articles and their comment threads.

    ``source_key`` identifies the feed when it names no http(s) self link;
    with ``subscription`` (a fetched feed) it always does, and the feed's
    own self link never changes which feed the articles land in.
    ``max_items`` keeps only that many entries, the newest (a warning says so).
    ``thread_lookup`` finds stored articles and comments by guid, so a comment
    feed whose entries answer an article imported earlier lands in its thread.
    ``url`` is where the document came from (the fetched URL after
    redirects; for a file, its own ``rel="self"`` link): relative links,
    after any ``xml:base``, resolve against it.
    """
    now = now if now is not None else dates.now()
    data = prepare_xml(data)
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    raw = read_simple(data, now, content_type) or _read_with_feedparser(data, headers, now)
    batch = ImportBatch(kind="feed")
    # A file names its own address in its self link: that is where its relative links lead.
    document = safe_url(url) or safe_url(raw.self_link)

    def absolute(value: str | None) -> str | None:
        """A link made absolute against the document's address (an empty one is no link), if safe."""
        value = (value or "").strip()
        if not value:
            return None
        if document and not _PLAIN_ABSOLUTE.fullmatch(value):
            value = urljoin(document, value)
        return safe_url(value)

    self_url = None if subscription else absolute(raw.self_link)
    site_url = absolute(raw.link)
    feed = FeedData(
        key=self_url or source_key,
        url=self_url,
        title=entry_title(raw.title, title_is_html(raw.title)) or fallback_title,
        site_url=site_url,
        kind=kind,
    )
    batch.feeds.append(feed)
    entries, cut = keep_newest(raw.entries, lambda entry: entry.published or entry.updated, max_items)
    if cut:
        batch.warnings.append(cut)

    articles: dict[str, ArticleData] = {}
    replies: list[tuple[str, CommentData]] = []
    used_guids: set[str] = set()
    for entry in entries:
        raw_id = entry.raw_id
        link = absolute(entry.link)
        base_url = link or site_url
        # XML's rule: the body's links resolve against its xml:base, else the document's address.
        body_base = absolute(entry.base) if entry.base else document
        body_html, text = sanitize_with_text(entry.html, body_base or link)
        title = entry_title(entry.title, entry.title_is_html)
        author = clean_line(html_to_plain(entry.author))
        guid = clean_line(raw_id) or link or "hash:" + short_hash(title, text)
        if guid in used_guids:
            guid = f"{guid}#{short_hash(title, text)[:12]}"
        used_guids.add(guid)
        published = entry.published
        parent_ref = entry.reply_to
        if parent_ref:
            replies.append(
                (
                    parent_ref,
                    CommentData(
                        guid=guid,
                        author=author or "anonymous",
                        # Comments are short and shown in bulk: their Markdown is made once, here.
                        text=html_to_markdown(body_html, base_url) or title,
                        published=published,
                        html=body_html or None,
                        url=link,
                    ),
                )
            )
            continue
        comments_url = absolute(entry.comments)
        comment_feed_url = absolute(entry.comment_feed)
        articles[guid] = ArticleData(
            guid=guid,
            title=title or _title_from_text(text),
            text=text,
            html=body_html or None,
            url=link,
            author=author,
            published=published,
            updated=entry.updated,
            # The page people read the discussion on; the comment feed is only where the thread is fetched from.
            comments_url=comments_url,
            comment_feed_url=comment_feed_url,
            declared_comment_count=_int_or_none(entry.declared_count),
        )

    external: dict[int, list[CommentData]] = {}
    orphans = _attach_replies(replies, articles, external, thread_lookup)
    if orphans:
        batch.warnings.append(
            f"{len(orphans)} {'entry answers an article' if len(orphans) == 1 else 'entries answer articles'} "
            "not in this file or the library; imported as articles"
        )
        for comment in orphans:
            articles.setdefault(
                comment.guid,
                ArticleData(
                    guid=comment.guid,
                    title=_title_from_text(comment.text),
                    text=html_to_text(comment.html) if comment.html else comment.text,
                    html=comment.html,
                    url=comment.url,
                    author=comment.author,
                    published=comment.published,
                ),
            )
    batch.articles.extend((feed, article) for article in articles.values())
    batch.thread_additions.extend(external.items())
    if not entries:
        batch.warnings.append("the feed has no entries")
    return batch


def _attach_replies(
    replies: list[tuple[str, CommentData]],
    articles: dict[str, ArticleData],
    external: dict[int, list[CommentData]],
    thread_lookup: ThreadLookup | None,
) -> list[CommentData]:
    """Put each reply into the thread of the article at the top of its chain.

    The top of a chain is an article in this file, or an article or comment
    already stored. Returns the replies whose chain leads nowhere known.
    """
    by_guid = {comment.guid: (ref, comment) for ref, comment in replies}
    orphans: list[CommentData] = []
    for ref, comment in replies:
        # Walk up through other replies to the article at the top.
        seen = {comment.guid}
        top = ref
        while top in by_guid and top not in seen:
            seen.add(top)
            top = by_guid[top][0]
        if top in articles:
            comment.parent_guid = ref if ref in by_guid else None
            articles[top].comments.append(comment)
            continue
        found = thread_lookup(top) if thread_lookup else None
        if found is None:
            comment.parent_guid = None
            orphans.append(comment)
            continue
        article_id, top_is_comment = found
        comment.parent_guid = ref if ref in by_guid or top_is_comment else None
        external.setdefault(article_id, []).append(comment)
    return orphans


def _entry_date(
    entry: dict[str, Any], now: int, keys: tuple[str, ...] = ("published", "updated", "created")
) -> int | None:
    """The first believable date among ``keys``.

    The raw string is checked too: feedparser silently rolls ``2025-13-01``
    over into the next year.
    """
    for key in keys:
        # feedparser reads 2020/1/10 as 1 December: year-first numeric dates are read here.
        written = str(dict.get(entry, key) or "")
        numeric = dates.from_numeric(written, now)
        if numeric is not None:
            return numeric
        if dates.numeric_start(written):
            continue  # 2020/13/45, 2020/1/10 in an unknown zone: unreadable, not feedparser's 1 December
        # dict.get bypasses FeedParserDict's deprecated key fallbacks.
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed is None or not dates.looks_valid(str(dict.get(entry, key) or "")):
            continue
        value = dates.from_struct(parsed, now)
        if value is not None:
            return value
    return None


def entry_title(raw: str, is_html: bool) -> str:
    """An entry's title as one clean line: its tags stripped only if it is HTML by its format's rules.

    A plain-text title keeps what it says (``</example>``, ``1 < 2``); an
    HTML one that strips to nothing was text after all.
    """
    if not is_html:
        return clean_line(raw)
    return clean_line(html_to_plain(raw)) or clean_line(raw)


def _title_from_text(text: str, limit: int = 80) -> str:
    line = clean_line(re.sub(r"[#>*_`\[\]]", "", clean_text(text)))
    if not line:
        return "(untitled)"
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"
