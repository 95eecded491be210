"""Make untrusted text safe to store and to show in a terminal.

Feeds can carry escape sequences (OSC 52 clipboard writes, OSC 0 title
changes, CSI cursor moves, C1 controls) and Rich/Textual strip only a handful
of control characters. Everything that comes from a feed or a file passes
through :func:`clean_text` or :func:`clean_line` before it is stored, and
again before it is displayed.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

# C0 controls except TAB (09) and LF (0a), plus DEL and the C1 block, and
# lone surrogates: JSON's "\ud800" escape makes one, and no UTF-8 (so no
# SQLite text, no terminal) can carry it.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Bidi embeddings, overrides and isolates can reorder what the user sees
# (a "Trojan Source" style trick), so they are dropped.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What a URL worth opening never contains: controls, bidi marks, any
# whitespace, and the stand-ins cleaning puts where controls were (control
# pictures, U+FFFD): such a URL was built to smuggle escape sequences.
_NOT_IN_URL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2400-\u243f\ufffd\s]"
)
_CONTROL_OR_BIDI = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n|[\r\u2028\x85]")
_WHITESPACE = re.compile(r"\s+")

# A JSON escape of half a surrogate pair ("\ud800"): the only way JSON
# text, which is valid UTF-8, yields a string that UTF-8 cannot encode.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def _visible(match: re.Match[str]) -> str:
    """Replace a control character with a visible stand-in."""
    code = ord(match.group())
    if code == 0:
        # NUL truncates strings in SQLite's length() and LIKE, so drop it.
        return ""
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return "\ufffd"


def clean_text(value: str | None) -> str:
    """Clean a multi-line field (article body, comment text).

    Line breaks are normalised to ``\\n``; tabs and newlines are kept; every
    other control character becomes a visible symbol (``ESC`` shows as ``␛``);
    bidi overrides are removed.
    """
    if not value:
        return ""
    # Plain substring tests are several times cheaper than a regex pass, and
    # this runs for every comment of every thread that is opened.
    if "\r" in value or "\u2028" in value or "\x85" in value:
        value = _NEWLINES.sub("\n", value)
    if "\u2029" in value:
        value = value.replace("\u2029", "\n\n")
    # One pass finds either kind; most text has neither.
    if _CONTROL_OR_BIDI.search(value):
        value = _BIDI.sub("", _CONTROL.sub(_visible, value))
    return value


def clean_line(value: str | None) -> str:
    """Clean a one-line field (title, author, feed name): also folds whitespace."""
    return _WHITESPACE.sub(" ", clean_text(value)).strip()


def safe_url(value: str | None, schemes: frozenset[str] = SAFE_LINK_SCHEMES) -> str | None:
    """Return ``value`` if it is an absolute URL with an allowed scheme, else ``None``.

    URLs with whitespace or control characters are refused outright rather
    than repaired: a URL that needs repairing is not one to open.
    """
    if not value:
        return None
    value = value.strip()
    if not value or _NOT_IN_URL.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in schemes or not parts.netloc:
        return None
    try:
        # A port above 65535 (or not a number) is refused here, not deep in
        # asyncio's connect, where it took a whole fetch down.
        parts.port  # noqa: B018
    except ValueError:
        return None
    return value


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_url(value: str | None) -> str | None:
    """``value`` as :func:`safe_url` takes it, in the one spelling two equal feed URLs share; else None.

    Scheme and host lower case, the default port dropped, the fragment dropped, an empty path
    written ``/``: ``HTTP://Example.org:80/feed.xml#top`` and ``http://example.org/feed.xml``
    are one feed. Path and query keep their case (servers tell ``/Feed`` from ``/feed``).
    """
    checked = safe_url(value)
    if checked is None:
        return None
    parts = urlsplit(checked)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def is_http_url(value: str | None) -> bool:
    """True if ``value`` is an http or https URL that may be subscribed to or opened."""
    return safe_url(value) is not None


def json_document(data: bytes) -> Any:
    """Parse an untrusted JSON answer or file; lone surrogates in any string or key become U+FFFD.

    ``json.loads`` turns an escaped half pair (``"x\\ud800y"``) into a string
    that SQLite, a terminal and every ``encode()`` refuse: one such title took
    a whole fetch down. Ids and URLs do not pass through :func:`clean_text`,
    so they are mended here, where the text enters. Only a document whose
    text holds such an escape is walked (real pairs, as in emoji, are joined
    by the parser and never need it). Raises ``ValueError`` or
    ``RecursionError`` as ``json.loads`` does.
    """
    text = data.decode("utf-8-sig", errors="replace")
    document = json.loads(text)
    if _SURROGATE_ESCAPE.search(text):
        document = _mend_surrogates(document)
    return document


def _mend(value: str) -> str:
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def _mend_surrogates(document: Any) -> Any:
    """``document`` with every string (and key) mended, in place; an explicit stack, as JSON nests deep."""
    if isinstance(document, str):
        return _mend(document)
    stack = [document] if isinstance(document, (list, dict)) else []
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for index, value in enumerate(node):
                if isinstance(value, str):
                    node[index] = _mend(value)
                elif isinstance(value, (list, dict)):
                    stack.append(value)
            continue
        for key in list(node):
            value = node[key]
            if isinstance(value, str):
                value = _mend(value)
            elif isinstance(value, (list, dict)):
                stack.append(value)
            mended = _mend(key)
            if mended != key:
                del node[key]
            node[mended] = value
    return document
