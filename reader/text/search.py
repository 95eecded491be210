"""Turn what people type into a safe FTS5 MATCH expression.

FTS5 has its own query language and raises syntax errors on ordinary input
(a lone ``"``, ``AND OR``, ``NEAR(``, ``-foo``, ``col:x``). Bound parameters
do not help because the syntax lives inside the parameter. So the query is
rebuilt here from tokens, each written as a quoted FTS5 string:

* words match anywhere in title, text or comments; all words must match;
* ``"two words"`` matches the phrase;
* ``word*`` matches words starting with ``word``;
* ``a OR b`` matches either;
* ``-word`` excludes articles containing ``word``.

Everything else (unbalanced quotes, stray operators, parentheses, column
filters, control characters) is treated as plain text or dropped.

The second half says *where* a query matched. The indexes are contentless
(they keep no copy of the text), so FTS5's highlight() and snippet() cannot
run; :func:`search_terms`, :func:`match_spans` and :func:`snippet` find the
matches again in Python, reading text the way the ``unicode61
remove_diacritics 2`` tokenizer does:

* letters and digits (``str.isalnum``) are token characters; everything
  else separates tokens;
* case is folded (``Straße`` is ``straße``, ``ΟΔΟΣ`` is ``οδοσ``);
* Latin letters lose their accents (``Ō`` is ``o``), and the combining accents
  that build them are dropped inside a token; other scripts keep theirs
  (``й`` stays ``й``), as SQLite does.

tests/test_search_hits.py checks this against the SQLite in use, character by
character, over Latin, Greek, Cyrillic, CJK, kana, Hangul, punctuation and
the older emoji. They differ where SQLite's Unicode tables (6.1 in SQLite
3.40) are older than Python's: a character added since, such as most emoji,
is a letter to SQLite, so ``thanks🙂`` is one token to it and two here;
private-use characters are letters to SQLite too. A highlight there may be
extra or missing; what search finds is unaffected.

Speed, measured for :func:`match_spans` over a thread of 2,000 comments of
~300 characters (Python 3.11 on the development machine's Xeon): 5-7 ms when
no comment matches and 8-11 ms when nearly every one does, for English with
typographic quotes, French or Ukrainian; 9 and 13-15 ms for Polish or Greek.
The budget is 20 ms (the reader highlights every comment of a
thread). The folding does it: ASCII is one str.lower(), text a single-byte
code page holds (most European text) three byte operations, the rest one
str.lower() or one str.translate(); a text that contains none of the terms'
first words is then rejected by a substring test, and the regular
expressions, which start with a literal, run only on the others.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from reader.text.sanitize import clean_text

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A quoted phrase, or a run of characters that are neither space, quote nor
# parenthesis: "NEAR(peace" reads as NEAR and peace.
_TOKEN = re.compile(r'"([^"]*)"|([^\s"()]+)')
# Characters the default unicode61 tokenizer treats as separators anyway;
# stripping them keeps a token like ``(foo`` from becoming an empty string.
_EDGE_PUNCTUATION = "()[]{}:^+,;!?'\"`"


class InvalidSearchError(ValueError):
    """A query that cannot be searched; ``str(error)`` is a friendly one-line message."""


@dataclass(frozen=True)
class Term:
    """One positive or negative search term."""

    text: str
    prefix: bool = False
    negated: bool = False

    def to_fts(self) -> str:
        """This term as an FTS5 string (and prefix marker)."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + " *" if self.prefix else quoted


def parse_terms(query: str) -> list[list[Term]]:
    """Split ``query`` into AND-ed groups of OR-ed terms."""
    query = _CONTROL.sub(" ", query or "")[:MAX_QUERY_CHARS]
    groups: list[list[Term]] = []
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(query):
        phrase, word = match.group(1), match.group(2)
        if word is not None and word in ("OR", "|"):
            pending_or = bool(groups)
            continue
        if word is not None and word in ("AND", "&", "NOT", "NEAR"):
            continue
        negated = prefix = False
        if phrase is not None:
            text = " ".join(phrase.split())
        else:
            text = word
            if text.startswith("-") and len(text) > 1:
                negated, text = True, text[1:]
            if text.endswith("*"):
                prefix = True
            text = text.strip(_EDGE_PUNCTUATION + "*").replace('"', " ").strip()
        if not text or not any(ch.isalnum() for ch in text):
            continue
        count += 1
        if count > MAX_TERMS:
            break
        term = Term(text, prefix=prefix, negated=negated)
        if pending_or and not negated and groups and not groups[-1][0].negated:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups


def build_match(query: str) -> str:
    """Return the FTS5 MATCH string for ``query`` or raise :class:`InvalidSearchError`."""
    groups = parse_terms(query)
    positive = [g for g in groups if not g[0].negated]
    negative = [g[0] for g in groups if g[0].negated]
    if not positive:
        if negative:
            raise InvalidSearchError("add a word to search for; '-word' only excludes")
        raise InvalidSearchError("type a word to search for")
    parts = []
    for group in positive:
        if len(group) == 1:
            parts.append(group[0].to_fts())
        else:
            parts.append("(" + " OR ".join(t.to_fts() for t in group) + ")")
    expression = " AND ".join(parts)
    for term in negative:
        expression = f"({expression}) NOT {term.to_fts()}"
    return expression


# -- where a query matched ---------------------------------------------------


@dataclass(frozen=True)
class SearchTerm:
    """A positive term of a query as the index sees it.

    ``words`` are the term's tokens, folded; more than one is a phrase (they
    must be consecutive). ``prefix``: the last word matches the start of a
    token (``deleg*``).
    """

    words: tuple[str, ...]
    prefix: bool = False


# The combining accents that follow an ASCII letter in the decomposed form of
# a Latin letter (é is e + U+0301). remove_diacritics 2 keeps exactly these
# inside a token and drops them, so decomposed "cafe\u0301" is "cafe"; every
# other combining mark separates tokens.
_DROPPED_ACCENTS = frozenset(
    "\u0300\u0301\u0302\u0303\u0304\u0306\u0307\u0308\u0309\u030a\u030b\u030c\u030f\u0311\u031b"
    "\u0323\u0324\u0325\u0326\u0327\u0328\u032d\u032e\u0330\u0331"
)
# Stands for a dropped accent in folded text until it is taken out. NUL itself
# separates tokens, so it folds to a space and cannot be mistaken for this.
_GLUE = "\x00"
# Token characters are letters and digits (str.isalnum), which is also what
# \w means to ``re`` except for "_": classes of them, for folded text.
_TOKEN_CLASS = r"[^\W_]"
_SEPARATOR_CLASS = r"[\W_]"
_INDEX_TOKEN = re.compile(_TOKEN_CLASS + "+")
# Every character whose fold is not simply its str.lower(), as code point
# ranges: Latin letters with accents, the dropped accents, the Greek sigmas
# (lower() picks σ or ς by context; SQLite folds both to σ), letter forms case
# folding merges (µ and μ, ϐ and β, ſ and s, Å and å), and NUL, which stands
# for nothing here. A few characters in these ranges fold to their lower()
# anyway; that only costs time. tests/test_search_hits.py checks every code
# point against this.
_NOT_JUST_LOWER_RANGES = (
    (0x00, 0x00),
    (0xB5, 0xB5),
    (0xC0, 0x24F),
    (0x300, 0x36F),
    (0x3A3, 0x3A3),
    (0x3C2, 0x3C2),
    (0x3D0, 0x3D1),
    (0x3D5, 0x3D6),
    (0x3F0, 0x3F1),
    (0x3F5, 0x3F5),
    (0x1C80, 0x1C88),
    (0x1E00, 0x1EFF),
    (0x1FBE, 0x1FBE),
    (0x212B, 0x212B),
)
_NOT_JUST_LOWER = re.compile("[" + "".join(rf"\U{low:08x}-\U{high:08x}" for low, high in _NOT_JUST_LOWER_RANGES) + "]")
_WHITESPACE = re.compile(r"\s+")

SNIPPET_WIDTH = 120


def _fold_char(char: str) -> str:
    """What the tokenizer makes of one character: its folded form, a space if it separates, or :data:`_GLUE`.

    A folded form is one character, and its own lower().
    """
    if char in _DROPPED_ACCENTS:
        return _GLUE
    if not char.isalnum():
        return " "
    # Simple case folding, one character to one (ς and σ are one letter to
    # SQLite, ß stays ß): casefold() when that gives one character.
    folded = char.casefold()
    if len(folded) != 1:
        lower = char.lower()
        folded = lower if len(lower) == 1 else char
    decomposed = unicodedata.normalize("NFD", folded)
    if len(decomposed) > 1 and decomposed[0].isascii() and all(mark in _DROPPED_ACCENTS for mark in decomposed[1:]):
        folded = decomposed[0]
    lower = folded.lower()
    return lower if len(lower) == 1 else folded


@functools.cache
def _fold_table() -> list[str]:
    """A ``str.translate`` table, by code point, up to the last character of :data:`_NOT_JUST_LOWER`.

    Those characters map to their fold, all others to themselves, for the
    str.lower() that follows (beyond the table translate leaves them alone
    too). A list, built on first use in about a millisecond: indexing it is
    twice as fast as a dict, and a dict that fills itself in (``__missing__``)
    slower still.
    """
    table = [chr(code) for code in range(_NOT_JUST_LOWER_RANGES[-1][1] + 1)]
    for code in itertools.chain(range(128), *(range(low, high + 1) for low, high in _NOT_JUST_LOWER_RANGES)):
        table[code] = _fold_char(chr(code))
    return table


# Single-byte code pages to try, by the block of the first character that
# Windows-1252 (Western European, tried first) does not hold. Not Cyrillic:
# str.lower() alone folds it, which is faster still.
_CODE_PAGES = (
    (0x0100, 0x024F, ("cp1250", "cp1254", "cp1257")),  # Central European, Turkish, Baltic
    (0x0370, 0x03FF, ("cp1253",)),  # Greek
)


@functools.cache
def _byte_table(code_page: str) -> tuple[bytes, bytes]:
    """:func:`_fold_char` as a ``bytes.translate`` table over a single-byte code page, and the bytes it cannot fold.

    A byte cannot be folded when the code page leaves it undefined or lacks
    the character's fold (µ folds to Greek μ, which Windows-1252 lacks).
    """
    table = bytearray(range(256))
    unfoldable = bytearray()
    for byte in range(256):
        try:
            table[byte] = _fold_char(bytes([byte]).decode(code_page)).encode(code_page)[0]
        except UnicodeError:
            unfoldable.append(byte)
    return bytes(table), bytes(unfoldable)


def _fold_bytes(text: str, code_page: str) -> str | None:
    """``text`` folded byte by byte in ``code_page``; None if it has a character whose fold is not there.

    Raises UnicodeEncodeError if the code page does not hold ``text``.
    """
    encoded = text.encode(code_page)
    table, unfoldable = _byte_table(code_page)
    if any(byte in encoded for byte in unfoldable):
        return None
    return encoded.translate(table).decode(code_page)


def _fold_in_a_code_page(text: str) -> str | None:
    """``text`` folded in the first single-byte code page that holds it, if one of those tried does.

    Most text in a European language fits one of them, one byte a
    character, and three byte operations fold it three to five times as
    fast as translating it character by character.
    """
    try:
        return _fold_bytes(text, "cp1252")
    except UnicodeEncodeError as error:
        first = ord(error.object[error.start])
    for low, high, code_pages in _CODE_PAGES:
        if low <= first <= high:
            for code_page in code_pages:
                try:
                    return _fold_bytes(text, code_page)
                except UnicodeEncodeError:
                    continue
    return None


def _fold(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded for matching, and where each of its characters came from (None: one to one).

    ASCII is one str.lower(); text a single-byte code page holds is three
    byte operations; other text is one str.lower() unless it has characters
    that fold differently, which go through the table first. Every way keeps
    each character in place, except that dropped accents are taken out; only
    then is the position list needed.
    """
    if text.isascii():
        return text.lower(), None
    folded = _fold_in_a_code_page(text)
    if folded is not None:
        return folded, None
    if _NOT_JUST_LOWER.search(text) is None:
        return text.lower(), None
    folded = text.translate(_fold_table()).lower()
    if _GLUE not in folded:
        return folded, None
    positions = [index for index, char in enumerate(folded) if char != _GLUE]
    return folded.replace(_GLUE, ""), positions


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the full-text index stores them: folded, in order."""
    return _INDEX_TOKEN.findall(_fold(text)[0])


def search_terms(query: str) -> list[SearchTerm]:
    """The positive terms of ``query``, read as :func:`build_match` reads it, once each.

    Words, ``prefix*`` and ``"quoted phrases"`` are terms, the alternatives of
    ``a OR b`` too; ``-excluded`` words are not (nothing shown contains them).
    A word with punctuation inside (``e-mail``) is a phrase, as FTS5 reads it.
    A query with nothing to search for has no terms.
    """
    found: dict[SearchTerm, None] = {}
    for group in parse_terms(query):
        for term in group:
            words = tuple(tokens(term.text))
            if words and not term.negated:
                found.setdefault(SearchTerm(words, prefix=term.prefix), None)
    return list(found)


@functools.lru_cache(maxsize=256)
def _term_pattern(term: SearchTerm) -> re.Pattern[str]:
    """A pattern for ``term`` in folded text; it starts with a literal, so the regex engine can skip ahead.

    The token boundary before the match is checked by the caller: a look-behind
    first would make the engine try every position.
    """
    body = (_SEPARATOR_CLASS + "+").join(re.escape(word) for word in term.words)
    end = _TOKEN_CLASS + "*" if term.prefix else f"(?!{_TOKEN_CLASS})"
    return re.compile(body + end)


def match_spans(text: str, terms: Sequence[SearchTerm]) -> list[tuple[int, int]]:
    """Where ``terms`` match in ``text``: ``(start, end)`` character offsets into ``text`` itself.

    A word matches a whole token, a prefix the start of one (the span covers
    the whole token), a phrase consecutive tokens whatever separates them
    (punctuation, line breaks). Spans are sorted and never overlap: where two
    matches overlap, the one starting first (then the longer) is kept.
    """
    if not text or not terms:
        return []
    folded, positions = _fold(text)
    found: list[tuple[int, int]] = []
    for term in terms:
        # Most texts contain no term at all: one substring test rejects them.
        if not term.words or term.words[0] not in folded:
            continue
        pattern = _term_pattern(term)
        at = 0
        while (match := pattern.search(folded, at)) is not None:
            start, end = match.span()
            if start and folded[start - 1].isalnum():
                at = start + 1  # inside a longer token: "cat" in "concatenate"
                continue
            found.append((start, end))
            at = end
    if not found:
        return []
    found.sort(key=lambda span: (span[0], -span[1]))
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    if positions is not None:
        # Back to offsets in ``text``; an end takes in the dropped accents
        # right after it, so "cafe\u0301" is highlighted whole.
        spans = [(positions[s], positions[e] if e < len(positions) else len(text)) for s, e in spans]
    return spans


def snippet(text: str, terms: Sequence[SearchTerm], width: int = SNIPPET_WIDTH) -> tuple[str, list[tuple[int, int]]]:
    """One line of about ``width`` characters around the first match of ``terms`` in ``text``, and the spans in it.

    The text is cleaned for a terminal (:func:`~reader.text.sanitize.clean_text`)
    before anything is measured, so the spans index the string returned;
    whitespace runs, line breaks included, become one space. The cut falls
    between words when one is near, and "…" marks each side that was cut.
    About a third of the room goes before the match. No match: the beginning.
    """
    text = clean_text(text)
    spans = match_spans(text, terms)
    first_start, first_end = spans[0] if spans else (0, 0)
    # Only the neighbourhood of the first match is laid out: an article can be long.
    low = max(0, first_start - 3 * width)
    high = min(len(text), first_end + 3 * width)
    line, line_spans = _one_line(text, low, high, spans)
    start, end = line_spans[0] if line_spans else (0, 0)
    left = max(0, start - max(0, width - (end - start)) // 3)
    right = min(len(line), max(left + width, end))
    left = max(0, min(left, right - width, start))
    if (left > 0 or low > 0) and left < start and line[left - 1 : left] != " ":
        space = line.find(" ", left, start)
        if space >= 0:
            left = space + 1
    if (right < len(line) or high < len(text)) and right > end and line[right : right + 1] != " ":
        space = line.rfind(" ", end, right)
        if space >= 0:
            right = space
    while left < right and line[left] == " ":
        left += 1
    while right > left and line[right - 1] == " ":
        right -= 1
    # "…" only where words were left out, not mere spaces.
    before = "\u2026" if line[:left].strip() or text[:low].strip() else ""
    after = "\u2026" if line[right:].strip() or text[high:].strip() else ""
    shift = len(before) - left
    shown = [(max(s, left) + shift, min(e, right) + shift) for s, e in line_spans if s < right and e > left]
    return before + line[left:right] + after, shown


def _one_line(text: str, low: int, high: int, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """``text[low:high]`` with whitespace runs made single spaces, and ``spans`` moved (and clipped) to match.

    Pieces between span edges are collapsed one by one; a span never starts or
    ends with whitespace, so no run of it crosses an edge.
    """
    edges = sorted({low, high, *(min(max(p, low), high) for span in spans for p in span)})
    collapsed: dict[int, int] = {}
    parts: list[str] = []
    length = 0
    for piece_start, piece_end in itertools.pairwise(edges):
        collapsed[piece_start] = length
        part = _WHITESPACE.sub(" ", text[piece_start:piece_end])
        parts.append(part)
        length += len(part)
    collapsed[high] = length
    moved = [(collapsed[max(s, low)], collapsed[min(e, high)]) for s, e in spans if s < high and e > low]
    return "".join(parts), moved
