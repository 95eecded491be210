"""Import files into the library: detect what each file is, parse it, store it.

Kinds are told apart by content, not by extension: a ``.txt`` holding RSS is
read as RSS. Each file is parsed completely before anything is written, then
stored in one transaction, so a bad file leaves nothing half-written.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from reader.models import BatchStats, ImportBatch
from reader.parse.base import MAX_FILE_BYTES, ImportFailure, bom_encoding, decode_text, read_bounded
from reader.parse.xmlprolog import read_prolog, to_utf8
from reader.store import Store, StoreError, library_failure
from reader.text.sanitize import clean_line

if TYPE_CHECKING:
    from reader.parse.feeds import ThreadLookup

__all__ = ["FileOutcome", "ImportFailure", "detect_kind", "import_paths", "iter_files", "parse_file"]

# "entry": an Atom Entry Document (RFC 4287, 4.1.2) is a feed of one article.
_FEED_ROOTS = {"rss", "feed", "rdf", "channel", "entry"}
_HTML_ROOTS = {"html", "head", "body", "article", "main", "div", "p", "h1", "meta", "title", "section"}
_SNIFF_BYTES = 8192
# Controls that do not occur in text files (tab, newlines and form feed do).
_ODD_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _sniff_text(data: bytes) -> str | None:
    """The start of ``data`` as text, or None if it looks binary."""
    encoding, skip = bom_encoding(data)
    if encoding is None:
        # UTF-16/32 XML without a byte-order mark ("<\0?\0x\0m\0l\0"): sniff the text it holds.
        data = to_utf8(data[: 4 * _SNIFF_BYTES])
    head = data[skip : skip + _SNIFF_BYTES]
    if encoding is None:
        if b"\x00" in head:
            return None
        encoding = "utf-8"
    text = head.decode(encoding, errors="replace")
    if not text:
        return ""
    odd = text.count("\ufffd") + len(_ODD_CONTROL.findall(text))
    if odd / len(text) > 0.1:
        # Markup in a legacy encoding that it does not name (Big5, KOI8-R):
        # text, not binary; the feed parser works the encoding out.
        legacy = head.decode("latin-1")
        if (
            encoding == "utf-8"
            and legacy.lstrip().startswith("<")
            and len(_ODD_CONTROL.findall(legacy)) <= len(legacy) // 10
        ):
            return legacy
        return None
    return text


def detect_kind(data: bytes) -> str:
    """Return ``feed``, ``opml``, ``html``, ``plaintext`` or raise :class:`ImportFailure`."""
    text = _sniff_text(data)
    if text is None:
        raise ImportFailure("expected a feed, OPML, HTML page or plain-text article; found binary data")
    stripped = text.strip()
    if not stripped:
        raise ImportFailure("expected a feed, OPML, HTML page or plain-text article; found an empty file")
    if stripped.startswith("<"):
        # The whole prolog is scanned: a licence comment can run past any window.
        prolog = read_prolog(to_utf8(data).lstrip(b"\xef\xbb\xbf"))
        local = prolog.root_name.lower().rsplit(":", 1)[-1]
        if prolog.problem:
            if prolog.has_doctype and "html" in stripped[:200].lower():
                return "html"
            raise ImportFailure(f"expected a feed, OPML or HTML page; found {prolog.problem}")
        if local == "opml":
            return "opml"
        if local in _FEED_ROOTS:
            return "feed"
        if local in _HTML_ROOTS:
            return "html"
        raise ImportFailure(f"expected RSS, Atom, OPML or HTML; found XML with root <{prolog.root_name[:40]}>")
    if stripped.startswith("{"):
        return "json"
    from reader.parse.newsboat import looks_like_config, looks_like_urls_file

    whole = data.decode("utf-8", errors="replace") if len(data) <= 4 * 1024 * 1024 else text
    if looks_like_urls_file(whole):
        return "newsboat-urls"
    if looks_like_config(whole):
        return "newsboat-config"
    return "plaintext"


def parse_file(
    path: Path, *, thread_lookup: ThreadLookup | None = None, read: tuple[bytes, str] | None = None
) -> ImportBatch:
    """Read and parse one file (nothing is stored).

    ``read`` is the file's bytes and kind when they are already known (a
    folder's files are read to judge them: they are not read twice).
    """
    # The parsers are imported here, not at the top: every ``reader.parse.*``
    # import runs this module, and `reader fetch` should not load feedparser
    # into a process that only downloads (its workers parse).
    from reader.parse.feeds import parse_feed
    from reader.parse.htmlpage import parse_html_page
    from reader.parse.jsonfeed import parse_json_feed
    from reader.parse.newsboat import SQLITE_HEADER, parse_cache, parse_config, parse_urls_file
    from reader.parse.opml import parse_opml
    from reader.parse.plaintext import parse_plaintext

    if read is not None:
        data, kind = read
    else:
        try:
            with path.open("rb") as opened:
                header = opened.read(len(SQLITE_HEADER))
        except OSError:
            header = b""  # read_bounded below gives the one-line error
        if header == SQLITE_HEADER:
            # A database (newsboat's cache.db) is read in place: it can be far
            # bigger than any feed file, and SQLite reads only what it needs.
            return parse_cache(path)
        data = read_bounded(path, MAX_FILE_BYTES)
        kind = detect_kind(data)
    source_key = f"file:{path.resolve()}"
    if kind == "feed":
        return parse_feed(
            data, source_key=source_key, fallback_title=path.stem, kind="local", thread_lookup=thread_lookup
        )
    if kind == "json":
        return parse_json_feed(data, source_key=source_key, fallback_title=path.stem, kind="local")
    if kind == "newsboat-urls":
        return parse_urls_file(decode_text(data)[0])
    if kind == "newsboat-config":
        return parse_config(decode_text(data)[0])
    if kind == "opml":
        return parse_opml(data)
    if kind == "html":
        return parse_html_page(data, path)
    text, warnings = decode_text(data)
    batch = parse_plaintext(text, path)
    batch.warnings[:0] = warnings
    return batch


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each path, with directories expanded to every file below them (sorted, hidden ones skipped)."""
    for path, _ in _walk(paths):
        yield path


def _walk(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Each file of :func:`iter_files`, and whether it was found in a folder (rather than named itself)."""
    for path in paths:
        if not path.is_dir():
            yield path, False
            continue
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith("."):
                    yield Path(folder) / name, True


# Files found in a folder: what is imported and what is passed over (README, "Importing").
_FOLDER_SNIFF_BYTES = 64 * 1024
#: Names (before the first dot, any case) of files that travel with software and are never articles.
_NOT_ARTICLE_NAMES = frozenset(
    {
        "authors",
        "changelog",
        "changes",
        "cmakelists",
        "code_of_conduct",
        "codeowners",
        "contributing",
        "contributors",
        "copying",
        "copyright",
        "dockerfile",
        "gemfile",
        "install",
        "licence",
        "license",
        "maintainers",
        "makefile",
        "manifest",
        "notice",
        "patents",
        "pipfile",
        "procfile",
        "readme",
        "requirements",
        "security",
        "todo",
        "unlicense",
        "vagrantfile",
    }
)
# LICENSE-MIT, COPYING_LESSER, licence-apache.txt ...
_LICENCE_NAME = re.compile(r"^(?:licen[cs]e|copying|copyright)[-_.]", re.IGNORECASE)
#: Extensions of source code, scripts, configuration, data, logs and subtitles: text, never articles.
_NOT_ARTICLE_SUFFIXES = frozenset(
    [
        ".bash",
        ".bat",
        ".bib",
        ".c",
        ".cc",
        ".cfg",
        ".cjs",
        ".clj",
        ".cmd",
        ".conf",
        ".cpp",
        ".cs",
        ".css",
        ".csv",
        ".cxx",
        ".diff",
        ".el",
        ".env",
        ".erl",
        ".ex",
        ".exs",
        ".fish",
        ".go",
        ".gradle",
        ".h",
        ".hpp",
        ".hs",
        ".ini",
        ".ipynb",
        ".java",
        ".js",
        ".json",
        ".jsonl",
        ".jsx",
        ".kt",
        ".less",
        ".lock",
        ".log",
        ".lua",
        ".m",
        ".mjs",
        ".ml",
        ".ndjson",
        ".patch",
        ".php",
        ".pl",
        ".pm",
        ".properties",
        ".ps1",
        ".py",
        ".pyi",
        ".pyw",
        ".r",
        ".rb",
        ".rs",
        ".rst",
        ".sass",
        ".scala",
        ".scss",
        ".sh",
        ".sql",
        ".srt",
        ".swift",
        ".tex",
        ".toml",
        ".ts",
        ".tsv",
        ".tsx",
        ".vim",
        ".vtt",
        ".yaml",
        ".yml",
        ".zsh",
    ]
)
# JSON Feed names its version by a jsonfeed.org URL; any other JSON is someone else's data.
_JSON_FEED_VERSION = re.compile(rb'"version"\s*:\s*"https?://jsonfeed\.org/version/', re.IGNORECASE)


def is_not_article_name(name: str) -> bool:
    """A file name that is never an article: a licence, a README and their kin, or code and data by extension."""
    lowered = name.lower()
    return (
        lowered.split(".", 1)[0] in _NOT_ARTICLE_NAMES
        or bool(_LICENCE_NAME.match(lowered))
        or os.path.splitext(lowered)[1] in _NOT_ARTICLE_SUFFIXES
    )


#: A folder's file judged: skip it, import it (reading it again), or import these bytes of this kind.
_Judged = Literal["skip", "import"] | tuple[bytes, str]


def _judge(path: Path) -> _Judged:
    """Whether ``path``, found in a folder, is a file that ``reader import`` imports, with what was read of it.

    Feeds, OPML, HTML pages and JSON Feeds by their content; newsboat's cache
    by its tables and its ``urls`` file by content and name; plain text only
    when it reads as an article (:func:`reader.parse.plaintext.looks_like_article`)
    and its name is not a licence, README, or code or data file
    (:func:`is_not_article_name`). Binary, empty and other XML or JSON files
    are not. A file that cannot be judged (unreadable) is imported, so that
    its import reports what is wrong.
    """
    from reader.parse.newsboat import SQLITE_HEADER
    from reader.parse.plaintext import looks_like_article

    try:
        with path.open("rb") as opened:
            head = opened.read(_FOLDER_SNIFF_BYTES)
        if head.startswith(SQLITE_HEADER):
            # Its schema is on the first page: a newsboat cache has these two tables.
            return "import" if b"rss_feed" in head and b"rss_item" in head else "skip"
        if _sniff_text(head) is None:
            return "skip"
        whole = True
        try:
            data = read_bounded(path, MAX_FILE_BYTES)
        except ImportFailure:
            data, whole = head, False  # too large: judged by its start, and its import says it is too large
        try:
            kind = detect_kind(data)
        except ImportFailure:
            return "skip"  # empty, binary, or XML that is not a feed, OPML or HTML
        if kind == "json":
            wanted = bool(_JSON_FEED_VERSION.search(data))
        elif kind == "newsboat-urls":
            # A list of links is not a list of feeds unless it is newsboat's file.
            wanted = "urls" in path.name.lower()
        elif kind == "newsboat-config":
            wanted = path.name.lower() == "config"
        elif kind == "plaintext":
            wanted = not is_not_article_name(path.name) and looks_like_article(decode_text(data)[0])
        else:
            wanted = True
        if not wanted:
            return "skip"
        return (data, kind) if whole else "import"
    except Exception:
        # Judging a file must not stop the walk: importing it reports its one line.
        return "import"


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: Path
    kind: str = ""
    stats: BatchStats = field(default_factory=BatchStats)
    feeds: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def import_paths(
    store: Store, paths: Iterable[Path], *, on_skip: Callable[[Path], None] | None = None
) -> Iterator[FileOutcome]:
    """Import every file under ``paths``, one transaction each, yielding each outcome.

    A failing file never stops the others. A file named in ``paths`` is always
    tried; a file found by walking a folder only when it is one of the kinds
    imported (:func:`_judge`), so a folder of downloads does not turn
    every licence and script into an article. The others yield no outcome and
    are passed to ``on_skip``.
    """
    # The library's own files, when it lives in the folder being imported:
    # they are no one's articles, and reading them while writing them fails.
    own = (
        {Path(f"{store.path}{suffix}").resolve() for suffix in ("", "-wal", "-shm", "-journal")}
        if store.path
        else set()
    )
    # newsboat's config comes after the rest (its urls file above all): its rules for one feed need
    # that feed subscribed, and `config` sorts before `urls` (found by review: `reader import
    # ~/.newsboat` dropped them).
    for path, in_folder in sorted(_walk(paths), key=lambda item: item[0].name == "config"):
        if own and path.resolve() in own:
            continue
        judged = _judge(path) if in_folder else "import"
        if judged == "skip":
            if on_skip is not None:
                on_skip(path)
            continue
        outcome = FileOutcome(path)
        try:
            batch = parse_file(path, thread_lookup=store.find_thread, read=None if judged == "import" else judged)
            outcome.stats = store.store_batch(batch)
            outcome.kind = batch.kind
            outcome.feeds = len(batch.feeds)
            outcome.warnings = batch.warnings
        except ImportFailure as failure:
            outcome.error = str(failure)
        except RecursionError:
            outcome.error = "refused: the document nests too deeply"
        except MemoryError:
            outcome.error = "refused: the document is too large to parse"
        except sqlite3.Error as error:
            # A read-only, full or damaged library fails every file alike: stop, in one line.
            unusable = library_failure(error, store.path)
            if unusable is not None:
                raise unusable from None
            outcome.error = f"could not store it: {clean_line(str(error))[:200]}"
        except (StoreError, KeyboardInterrupt):
            raise
        except Exception as error:
            # Whatever a parser did not foresee is this file's one line; the
            # next file is imported all the same (its transaction is its own).
            outcome.error = f"could not import it: {type(error).__name__}: {clean_line(str(error))[:160]}"
        yield outcome
