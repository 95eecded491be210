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


def url_origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of ``url``, lower case; None when it has no scheme or host.

    Which server a thread or comment is on: the store and the fetch both ask,
    and compare the answers, so they ask here.
    """
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}" if parts.scheme and parts.netloc else None


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
    by the parser and never need it). A document nested deeper than
    ``json.loads`` can go is read by :func:`_read_deep`, without recursion.
    Raises ``ValueError`` as ``json.loads`` does.
    """
    text = data.decode("utf-8-sig", errors="replace")
    try:
        document = json.loads(text)
    except RecursionError:
        # Nested past what json.loads takes (about 450 levels here): a thread of a few hundred
        # replies, as Bluesky, Reddit (4 levels a reply) and Hacker News (2) nest them.
        return _read_deep(text)
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


# -- JSON nested past the recursion limit ---------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


def _read_deep(text: str) -> Any:
    """JSON read with a loop and a stack of open containers, so nesting costs no recursion.

    Scalars (strings, numbers, literals) are read by the standard decoder
    one at a time (they never nest); lone surrogates in strings become U+FFFD,
    as :func:`~reader.text.sanitize.json_document` makes them.
    """
    decoder = json.JSONDecoder()
    mend = bool(_SURROGATE_ESCAPE.search(text))
    open_: list[list[Any] | dict[str, Any]] = []
    keys: list[str] = []  # the key awaiting its value, for each open object
    position = _skip(text, 0)

    def scalar(at: int) -> tuple[Any, int]:
        if text.startswith(("{", "["), at):
            raise ValueError("a container where a scalar was read")
        value, end = decoder.raw_decode(text, at)
        if mend and isinstance(value, str):
            value = _mend(value)
        return value, end

    def key(at: int) -> tuple[str, int]:
        if not text.startswith('"', at):
            raise ValueError(f"expected a key at {at}")
        name, end = scalar(at)
        end = _skip(text, end)
        if not text.startswith(":", end):
            raise ValueError(f"expected ':' at {end}")
        return name, _skip(text, end + 1)

    while True:
        value: Any
        if text.startswith("{", position):
            position = _skip(text, position + 1)
            if text.startswith("}", position):
                value, position = {}, position + 1
            else:
                name, position = key(position)
                open_.append({})
                keys.append(name)
                continue
        elif text.startswith("[", position):
            position = _skip(text, position + 1)
            if text.startswith("]", position):
                value, position = [], position + 1
            else:
                open_.append([])
                continue
        else:
            value, position = scalar(position)
        # Put the value in its container; close every container that ends here.
        while True:
            if not open_:
                if _skip(text, position) != len(text):
                    raise ValueError("extra data after the document")
                return value
            top = open_[-1]
            if isinstance(top, dict):
                top[keys[-1]] = value
            else:
                top.append(value)
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                if isinstance(top, dict):
                    keys[-1], position = key(position)
                break
            if not text.startswith("}" if isinstance(top, dict) else "]", position):
                raise ValueError(f"expected ',' or a closing bracket at {position}")
            position += 1
            value = open_.pop()
            if isinstance(value, dict):
                keys.pop()


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position
