"""Coming from newsboat: its ``urls`` file and its ``cache.db``.

The ``urls`` file is one feed per line: a URL, then tags, where a tag
``"~Name"`` renames the feed and quotes allow spaces. ``query:`` lines are
newsboat's saved searches, and ``exec:``/``filter:`` lines run programs; both
are skipped with a note (reader never runs commands named in a file).

``cache.db`` is newsboat's SQLite file: ``rss_feed`` (feeds) and ``rss_item``
(articles with ``unread`` and ``flags``). It is opened read-only and never
changed. Read articles arrive read; flagged ones arrive starred. Importing it
again only adds marks (read stays read, a star stays), so a later import of
an old cache never undoes what was read here.
"""

from __future__ import annotations

import re
import shlex
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from reader.models import ArticleData, FeedData, IgnoreMode, ImportBatch
from reader.parse.base import ImportFailure
from reader.text import dates
from reader.text.render import html_to_plain, sanitize_with_text
from reader.text.sanitize import clean_line, safe_url

SQLITE_HEADER = b"SQLite format 3\x00"
_SKIPPED_PREFIXES = ("query:", "exec:", "filter:")


def looks_like_urls_file(text: str) -> bool:
    """True if every meaningful line starts like a newsboat ``urls`` entry (and one is a feed URL)."""
    # A URL may be quoted ("exec:..." often is).
    entries = [
        line.strip().lstrip("\"'") for line in text.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    if not entries or len(entries) > 100_000:
        return False
    starts = ("http://", "https://", *_SKIPPED_PREFIXES)
    return all(entry.lower().startswith(starts) for entry in entries) and any(
        entry.lower().startswith(("http://", "https://")) for entry in entries
    )


def _lines(text: str, batch: ImportBatch) -> Iterator[tuple[int, list[str]]]:
    """The words of each line of a newsboat file (quotes as its shell-like syntax has them), numbered.

    Blank lines and comments are left out; a line whose quotes do not close
    is a warning on ``batch`` and left out too.
    """
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            batch.warnings.append(f"line {number}: unbalanced quotes; skipped")
            continue
        if words:
            yield number, words


def parse_urls_file(text: str) -> ImportBatch:
    """Feeds (with tags and renames) from a newsboat ``urls`` file."""
    batch = ImportBatch(kind="newsboat-urls")
    skipped: dict[str, int] = {}
    for number, words in _lines(text, batch):
        url, tags = words[0], words[1:]
        prefix = url.split(":", 1)[0].lower() + ":"
        if prefix == "query:":
            _query_line(url, number, batch)
            continue
        if prefix in _SKIPPED_PREFIXES:
            skipped[prefix] = skipped.get(prefix, 0) + 1
            continue
        checked = safe_url(url)
        if checked is None:
            batch.warnings.append(f"line {number}: not an http(s) feed URL; skipped")
            continue
        title = ""
        names = []
        for tag in tags:
            if tag.startswith("~"):
                title = clean_line(tag[1:])
            elif not tag.startswith("!"):  # "!" hides a feed in newsboat: nothing to keep
                name = clean_line(tag)
                if name:
                    names.append(name)
        # No rename: no title, so importing the file again keeps the one its fetches gave (review: it
        # was set back to the address); a feed not fetched yet is listed by its address meanwhile.
        batch.feeds.append(FeedData(key=checked, title=title, url=checked, tags=names, custom_title=bool(title)))
    notes = {
        "exec:": "exec: feeds run a program; reader never does, skipped",
        "filter:": "filter: feeds run a program; reader never does, skipped",
    }
    for prefix, count in skipped.items():
        batch.warnings.append(f"{count} {notes[prefix]}")
    return batch


def _query_line(entry: str, number: int, batch: ImportBatch) -> None:
    """``query:Name:FILTER`` (newsboat's query feed) as a saved search, when reader reads its filter."""
    from reader.text.filters import FilterError, parse_filter

    _prefix, _colon, rest = entry.partition(":")
    name, colon, expression = rest.partition(":")
    name = clean_line(name).strip()
    if not colon or not name or not expression.strip():
        batch.warnings.append(f"line {number}: a query: line needs query:NAME:FILTER; skipped")
        return
    try:
        parse_filter(expression)
    except FilterError as error:
        batch.warnings.append(f"line {number}: the saved search {name!r} was not kept: {error}")
        return
    batch.saved_queries.append((name, expression))


#: newsboat config commands that say a file is newsboat's config (any one of them, on a line of its own).
_CONFIG_COMMANDS = re.compile(
    r"^\s*(ignore-article|ignore-mode|reload-threads|reload-time|auto-reload|browser|articlelist-format|"
    r"show-read-feeds|show-read-articles|max-items|bind-key|unbind-key|color|highlight|define-filter|"
    r"urls-source|notify-program|download-path|include)\b",
    re.MULTILINE,
)


def looks_like_config(text: str) -> bool:
    """Whether ``text`` reads as newsboat's ``config`` file: its lines are newsboat commands and comments."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if not lines:
        return False
    known = sum(1 for line in lines if _CONFIG_COMMANDS.match(line))
    return known * 2 >= len(lines) and any(line.startswith("ignore-article") for line in lines)


def parse_config(text: str) -> ImportBatch:
    """newsboat's ``ignore-article FEED FILTER`` lines as killfile rules (``*``: every feed); the rest is its own.

    Only the rules come in: a config file names programs to run (browser,
    notify-program), which an imported file never sets here.
    """
    from reader.text.filters import FilterError, parse_rule

    batch = ImportBatch(kind="newsboat-config")
    others = 0
    # newsboat's ignore-mode is one setting for every rule, wherever it stands (the last one counts).
    mode: IgnoreMode = "download"
    rules: list[tuple[str, str | None]] = []
    for number, words in _lines(text, batch):
        if words[0] == "ignore-mode" and len(words) == 2 and words[1] in ("download", "display"):
            mode = "display" if words[1] == "display" else "download"
            continue
        if words[0] != "ignore-article":
            others += 1
            continue
        if len(words) != 3:
            batch.warnings.append(f"line {number}: ignore-article needs a feed (or *) and a filter; skipped")
            continue
        feed, expression = words[1], words[2]
        url = None if feed == "*" else safe_url(feed)
        if feed != "*" and url is None:
            batch.warnings.append(f"line {number}: ignore-article names no http(s) feed; skipped")
            continue
        try:
            parse_rule(expression)
        except FilterError as error:
            batch.warnings.append(f"line {number}: the ignore-article rule was not kept: {error}")
            continue
        rules.append((expression, url))
    batch.ignore_rules = [(expression, url, mode) for expression, url in rules]
    if others:
        lines = (
            "1 other config line is newsboat's own setting"
            if others == 1
            else (f"{others} other config lines are newsboat's own settings")
        )
        batch.warnings.append(f"{lines}; skipped")
    return batch


def parse_cache(path: Path) -> ImportBatch:
    """Feeds, articles and read/flagged state from a newsboat ``cache.db`` (opened read-only)."""
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise ImportFailure(f"expected a newsboat cache; cannot open it ({clean_line(str(error))})") from None
    connection.row_factory = sqlite3.Row
    # One row of bytes that are not UTF-8 (newsboat stores what feeds sent)
    # made the whole cache unreadable: its text shows U+FFFD where they were.
    connection.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"rss_feed", "rss_item"} <= tables:
            raise ImportFailure("expected a newsboat cache (rss_feed and rss_item tables); found another SQLite file")
        return _read_cache(connection)
    except sqlite3.DatabaseError as error:
        # SQLite quotes the bytes of a row it cannot decode: cleaned, they show what was there.
        raise ImportFailure(f"expected a newsboat cache; it is damaged ({clean_line(str(error))})") from None
    finally:
        connection.close()


def _text(value: object) -> str:
    """A column as text, whatever SQLite holds in it (a BLOB, a number, NULL: its type is not enforced)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return "" if value is None else str(value)


def _read_cache(connection: sqlite3.Connection) -> ImportBatch:
    batch = ImportBatch(kind="newsboat-cache")
    feeds: dict[str, FeedData] = {}
    for row in connection.execute("SELECT rssurl, url, title FROM rss_feed"):
        url = safe_url(_text(row["rssurl"]))
        if url is None:
            continue  # query feeds and exec: sources have no URL worth keeping
        feeds[_text(row["rssurl"])] = FeedData(
            key=url,
            url=url,
            title=clean_line(html_to_plain(_text(row["title"]))) or url,
            site_url=safe_url(_text(row["url"])),
        )
    batch.feeds.extend(feeds.values())
    reference = dates.now()
    items = connection.execute(
        """SELECT guid, title, author, url, feedurl, pubDate, content, unread, flags
        FROM rss_item WHERE deleted = 0 ORDER BY id"""
    )
    for row in items:
        feed = feeds.get(_text(row["feedurl"]))
        if feed is None:
            continue
        html, text = sanitize_with_text(_text(row["content"]))
        link = safe_url(_text(row["url"]))
        guid = clean_line(_text(row["guid"])) or link
        if not guid:
            continue
        title = clean_line(html_to_plain(_text(row["title"]))) or text[:80] or "(untitled)"
        article = ArticleData(
            guid=guid,
            title=title,
            text=text,
            html=html or None,
            url=link,
            author=clean_line(html_to_plain(_text(row["author"]))),
            published=dates.plausible(row["pubDate"], reference),
            read=not row["unread"],
            starred=bool(_text(row["flags"]).strip()),
        )
        batch.articles.append((feed, article))
    return batch
