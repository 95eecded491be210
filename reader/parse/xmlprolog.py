"""Read what comes before an XML document's root element, safely.

Both the kind detector and the entity guard need the prolog: the XML
declaration, comments, processing instructions and the DOCTYPE with its
internal subset. A scanner (not a regex) finds where the root element
starts, so a long licence comment or a ``<!DOCTYPE`` written inside CDATA
never confuses it. Wide encodings (UTF-16/32) are re-encoded to UTF-8 first,
as feedparser itself does, so byte patterns work on them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reader.parse.base import bom_encoding, is_utf8

# "<?" or "<" followed by a letter, written in a wide encoding without a BOM.
_WIDE_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
#: The encoding an XML declaration names (group 3), quotes matched: the one
#: pattern for it (the fast feed reader asks :func:`declared_encoding`).
_DECLARED_ENCODING = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])([^"']*)\2""")
# Encoding names of UTF-16/32, declared on a document that is not written in them.
_WIDE_NAME = re.compile(rb"utf[-_]?(16|32)|ucs-?[24]|\bu(16|32)\b", re.IGNORECASE)
# Single-byte encodings that UTF-8 text is often mislabelled as.
_LATIN_NAME = re.compile(rb"iso[-_ ]?8859|latin|\bl[1-9]\b|windows-125|cp-?125|ascii", re.IGNORECASE)
_NAME = re.compile(rb"[A-Za-z_][\w:.-]*")
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s>]*)\s*(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')?", re.IGNORECASE)


def to_utf8(data: bytes) -> bytes:
    """Re-encode a UTF-16/32 document as UTF-8 (fixing its declaration); others are returned as they are.

    A UTF-8 byte-order mark is dropped (it decides the encoding, whatever the
    declaration says), and so is a UTF-16/32 declaration on single-byte data
    and a Latin-1/windows-125x declaration on non-ASCII data that is valid
    UTF-8 (Latin-1 text practically never is; mislabelled UTF-8 always is).
    """
    encoding, skip = bom_encoding(data)
    if encoding == "utf-8":
        return _DECLARED_ENCODING.sub(rb"\1\2utf-8\2", data[skip:], count=1)
    if encoding is None:
        for pattern, name in _WIDE_PATTERNS:
            if data.startswith(pattern):
                encoding = name
                break
    if encoding is None:
        declared = _DECLARED_ENCODING.match(data)
        if declared and (
            _WIDE_NAME.search(declared.group(3))
            or (_LATIN_NAME.search(declared.group(3)) and not data.isascii() and is_utf8(data))
        ):
            return _DECLARED_ENCODING.sub(rb"\1\2utf-8\2", data, count=1)
        return data
    text = data[skip:].decode(encoding, errors="replace").encode("utf-8")
    return _DECLARED_ENCODING.sub(rb"\1\2utf-8\2", text, count=1)


def declared_encoding(data: bytes) -> bytes | None:
    """The encoding named in the XML declaration at the start of ``data``, as written; None without one."""
    declared = _DECLARED_ENCODING.match(data)
    return declared.group(3) if declared else None


@dataclass
class EntityDeclaration:
    """One ``<!ENTITY ...>`` found in the prolog."""

    name: str
    parameter: bool
    external: bool
    value: bytes


@dataclass
class Prolog:
    """What precedes the root element."""

    declaration: bytes = b""
    root_start: int = -1
    root_name: str = ""
    entities: list[EntityDeclaration] = field(default_factory=list)
    has_doctype: bool = False
    problem: str = ""


def _skip_quoted(data: bytes, pos: int) -> int:
    """Index after the quoted string starting at ``pos`` (or len(data))."""
    end = data.find(data[pos : pos + 1], pos + 1)
    return len(data) if end < 0 else end + 1


def _doctype_end(data: bytes, pos: int) -> int:
    """Index after the DOCTYPE starting at ``pos``, honouring quotes and the internal subset."""
    depth = 0
    i = pos + 2
    length = len(data)
    while i < length:
        ch = data[i : i + 1]
        if ch in (b'"', b"'"):
            i = _skip_quoted(data, i)
            continue
        if data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            i = length if end < 0 else end + 3
            continue
        if ch == b"[":
            depth += 1
        elif ch == b"]":
            depth = max(0, depth - 1)
        elif ch == b">" and depth == 0:
            return i + 1
        i += 1
    return -1


def read_prolog(data: bytes) -> Prolog:
    """Scan the prolog of ``data`` (already UTF-8 or ASCII-compatible)."""
    prolog = Prolog()
    pos = 0
    length = len(data)
    while pos < length:
        while pos < length and data[pos : pos + 1].isspace():
            pos += 1
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
            if end < 0:
                prolog.problem = "an unterminated processing instruction"
                return prolog
            if data[pos : pos + 5].lower() == b"<?xml" and data[pos + 5 : pos + 6].isspace():
                prolog.declaration = prolog.declaration or data[pos : end + 2]
            pos = end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
            if end < 0:
                prolog.problem = "an unterminated comment"
                return prolog
            pos = end + 3
        elif data[pos : pos + 9].upper() == b"<!DOCTYPE":
            end = _doctype_end(data, pos)
            if end < 0:
                prolog.problem = "an unterminated DOCTYPE"
                return prolog
            prolog.has_doctype = True
            for match in _ENTITY.finditer(data, pos, end):
                kind = match.group(3) or b""
                prolog.entities.append(
                    EntityDeclaration(
                        name=match.group(2).decode("utf-8", "replace"),
                        parameter=bool(match.group(1)),
                        external=kind.upper() in (b"SYSTEM", b"PUBLIC"),
                        value=kind[1:-1] if kind[:1] in (b'"', b"'") else b"",
                    )
                )
            pos = end
        elif data.startswith(b"<", pos):
            name = _NAME.match(data, pos + 1)
            if name is None:
                prolog.problem = "markup with no element"
                return prolog
            prolog.root_start = pos
            prolog.root_name = name.group().decode("ascii", "replace")
            return prolog
        else:
            prolog.problem = "text before the first element" if pos < length else "no element"
            return prolog
    prolog.problem = prolog.problem or "no element"
    return prolog
