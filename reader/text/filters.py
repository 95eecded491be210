"""The filter language: conditions on articles, written as newsboat writes them, read into a small tree.

``reader list --filter``, saved searches and the killfile share it. A filter
is conditions ``ATTRIBUTE OPERATOR VALUE`` joined with ``and``, ``or``,
``not`` and parentheses (``and`` binds tighter than ``or``, ``not`` tighter
than both)::

    unread = yes and (title =~ "rust" or tags # "lang")
    discussed_on # "hn" and thread_points >= 100 and age < 3
    new_comments > 0 and not feed = "Noisy Blog"

It is newsboat's filter language (the same operators, quoting and
``between A:B``) on reader's attributes, including the discussion's, which
newsboat does not have: how many comments, how many are new, where the
article is discussed and how many points it has there.

This module reads the text into frozen dataclasses (:class:`Condition`,
:class:`Not`, :class:`And`, :class:`Or`) and checks it: an unknown attribute,
an operator or value of the wrong type, a regular expression that does not
compile (or that repeats a repetition, which can take exponential time) are
:class:`FilterError`, one line naming the column, with :meth:`FilterError.caret`
showing the place, as a syntax error would. It also evaluates a filter in
Python (:func:`matches`, over a plain mapping of the attributes), which the
killfile needs before an article is stored; ``reader.store.filters`` compiles
the same tree to SQL. tests/test_filters.py checks that the two agree.

The input is bounded (:data:`MAX_FILTER_CHARS` characters, :data:`MAX_DEPTH`
levels of nesting, :data:`MAX_CONDITIONS` conditions) and read without
recursion, so a 10,000-deep parenthesis is an error, not a RecursionError, and
the trees are walked with an explicit stack (:func:`fold`).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, TypedDict, TypeVar

import regex

from reader.models import ThreadSourceName
from reader.text.wrap import cells

#: Longer input is refused before it is read (a killfile rule, a saved search: a few lines at most).
MAX_FILTER_CHARS = 2000
#: Parentheses and ``not`` nested deeper than this are refused.
MAX_DEPTH = 32
#: Conditions in one filter at most (each costs a few SQL parameters; SQLite allows 999 in old versions).
MAX_CONDITIONS = 64
#: A regular expression longer than this is refused.
MAX_PATTERN_CHARS = 300
#: Numbers beyond this (either sign) are refused: days, counts and points are far smaller, and
#: SQLite's integers are 64 bits (an age in seconds must fit).
MAX_NUMBER = 10**12

SECONDS_A_DAY = 86400

AttributeName = Literal[
    "title",
    "author",
    "content",
    "link",
    "guid",
    "feed",
    "feedurl",
    "age",
    "unread",
    "starred",
    "tags",
    "comments",
    "new_comments",
    "threads",
    "thread_points",
    "discussed_on",
    "search",
]
#: ``text`` compares strings, ``number`` integers, ``flag`` yes or no; a ``list`` holds several strings;
#: ``search`` is a query of the full-text search (the words ``/`` takes), answered by the library's index.
AttributeKind = Literal["text", "number", "flag", "list", "search"]
Operator = Literal["=", "!=", "=~", "!~", "<", ">", "<=", ">=", "#", "!#", "between"]
#: A condition's value: text, a number, yes/no, or the two ends of ``between`` (inclusive).
Value: TypeAlias = str | int | bool | tuple[int, int]

_TEXT_OPERATORS: tuple[Operator, ...] = ("=", "!=", "=~", "!~")
_NUMBER_OPERATORS: tuple[Operator, ...] = ("=", "!=", "<", ">", "<=", ">=", "between")
_FLAG_OPERATORS: tuple[Operator, ...] = ("=", "!=")
_TAG_OPERATORS: tuple[Operator, ...] = ("#", "!#", "=~", "!~")
_SITE_OPERATORS: tuple[Operator, ...] = ("#", "!#")
_SEARCH_OPERATORS: tuple[Operator, ...] = ("=", "!=")


@dataclass(frozen=True)
class Attribute:
    """One attribute of the language: its kind, the operators it takes and what it means (for help texts)."""

    name: AttributeName
    kind: AttributeKind
    operators: tuple[Operator, ...]
    meaning: str


ATTRIBUTES: dict[AttributeName, Attribute] = {
    attribute.name: attribute
    for attribute in (
        Attribute("title", "text", _TEXT_OPERATORS, "the article's title"),
        Attribute("author", "text", _TEXT_OPERATORS, "the article's author"),
        Attribute("content", "text", _TEXT_OPERATORS, "the article's text"),
        Attribute("link", "text", _TEXT_OPERATORS, "the article's link (empty when it has none)"),
        Attribute("guid", "text", _TEXT_OPERATORS, "the article's id in its feed"),
        Attribute("feed", "text", _TEXT_OPERATORS, "the feed's title (also feedtitle)"),
        Attribute("feedurl", "text", _TEXT_OPERATORS, "the feed's address (also rssurl; empty for a file)"),
        Attribute("age", "number", _NUMBER_OPERATORS, "whole days since the article was published"),
        Attribute("unread", "flag", _FLAG_OPERATORS, "yes when the article is unread"),
        Attribute("starred", "flag", _FLAG_OPERATORS, "yes when the article is starred"),
        Attribute("tags", "list", _TAG_OPERATORS, "the feed's tags"),
        Attribute("comments", "number", _NUMBER_OPERATORS, "the article's comment count, as the list shows it"),
        Attribute("new_comments", "number", _NUMBER_OPERATORS, "comments that came after you last read their thread"),
        Attribute("threads", "number", _NUMBER_OPERATORS, "how many discussions of the article reader knows"),
        Attribute(
            "thread_points",
            "number",
            _NUMBER_OPERATORS,
            "the most points of any of its threads (none: every comparison is false)",
        ),
        Attribute("discussed_on", "list", _SITE_OPERATORS, "the sites its threads are on (hn, reddit, blog, ...)"),
        Attribute(
            "search",
            "search",
            _SEARCH_OPERATORS,
            'the full-text search finds it, as / does (its title, text or a comment): words, "a phrase", '
            "prefix*, a OR b, -word",
        ),
    )
}

#: Other names an attribute is known by: newsboat's, so its filters read the same here.
ATTRIBUTE_ALIASES: dict[str, AttributeName] = {"feedtitle": "feed", "rssurl": "feedurl"}

#: The sites ``discussed_on`` names, and the thread sources each stands for. "blog" is the article's own
#: comments, however the blog serves them (a comment feed, WordPress, Isso).
SITES: dict[str, tuple[ThreadSourceName, ...]] = {
    "hackernews": ("hackernews",),
    "lobsters": ("lobsters",),
    "reddit": ("reddit",),
    "lemmy": ("lemmy",),
    "mastodon": ("mastodon",),
    "bluesky": ("bluesky",),
    "discourse": ("discourse",),
    "blog": ("feed", "isso", "wordpress"),
    "feed": ("feed",),
    "wordpress": ("wordpress",),
    "isso": ("isso",),
}
#: Shorter names people use for the sites.
SITE_ALIASES: dict[str, str] = {"hn": "hackernews", "bsky": "bluesky", "lobste.rs": "lobsters"}

_KEYWORDS = frozenset({"and", "or", "not"})


# -- the tree ----------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """``attribute op value``. ``position`` (where it starts in the text) is not part of its identity."""

    attribute: AttributeName
    op: Operator
    value: Value
    position: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    """True where ``operand`` is false."""

    operand: Filter


@dataclass(frozen=True)
class And:
    """True where every operand is (two or more; ``a and (b and c)`` reads as one And of three)."""

    operands: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    """True where any operand is (two or more, flattened as :class:`And`)."""

    operands: tuple[Filter, ...]


Filter: TypeAlias = Condition | Not | And | Or

_T = TypeVar("_T")


def fold(tree: Filter, leaf: Callable[[Condition], _T], combine: Callable[[Not | And | Or, list[_T]], _T]) -> _T:
    """``tree`` reduced from its leaves up: ``leaf`` for each condition, ``combine`` with the children's results.

    An explicit stack, no recursion: a tree made by hand can be as deep as it likes.
    """
    results: list[_T] = []
    stack: list[tuple[Filter, bool]] = [(tree, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Condition):
            results.append(leaf(node))
            continue
        children: tuple[Filter, ...] = (node.operand,) if isinstance(node, Not) else node.operands
        if expanded:
            taken = results[len(results) - len(children) :]
            del results[len(results) - len(children) :]
            results.append(combine(node, taken))
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(children))
    return results[0]


def quote(text: str) -> str:
    """``text`` as a string of the language: a quote escaped, a backslash only where it would read as an escape.

    So a regular expression is written back as it was typed (``"v\\d+"``, not ``"v\\\\d+"``).
    """
    written = []
    for index, char in enumerate(text):
        if char == '"':
            written.append('\\"')
        elif char == "\\" and (index + 1 == len(text) or text[index + 1] in '"\\'):
            written.append("\\\\")
        else:
            written.append(char)
    return '"' + "".join(written) + '"'


def condition_text(condition: Condition) -> str:
    """One condition written back in the language, canonical names and spacing."""
    value = condition.value
    if isinstance(value, bool):
        written = "yes" if value else "no"
    elif isinstance(value, int):
        written = str(value)
    elif isinstance(value, tuple):
        written = f"{value[0]}:{value[1]}"
    else:
        written = quote(value)
    return f"{condition.attribute} {condition.op} {written}"


def to_text(tree: Filter) -> str:
    """``tree`` written in the language: what :func:`parse_filter` reads back into the same tree."""

    def combine(node: Not | And | Or, parts: list[str]) -> str:
        children = (node.operand,) if isinstance(node, Not) else node.operands
        wrapped = [
            f"({part})"
            if isinstance(child, And | Or) and not (isinstance(node, Or) and isinstance(child, And))
            else part
            for child, part in zip(children, parts, strict=True)
        ]
        if isinstance(node, Not):
            return "not " + wrapped[0]
        return (" and " if isinstance(node, And) else " or ").join(wrapped)

    return fold(tree, condition_text, combine)


# -- errors ------------------------------------------------------------------


def _shown(char: str) -> str:
    """``char`` as the caret line shows it: whitespace as a space, anything invisible as U+FFFD, one for one."""
    if char.isspace():
        return " "
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return "\ufffd"
    return char


class FilterError(ValueError):
    """A filter that cannot be read or checked: ``str(error)`` is one line, :meth:`caret` shows where.

    ``position`` is the index in ``text`` the message is about (``len(text)``: its end).
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))

    def __str__(self) -> str:
        if self.position >= len(self.text):
            return f"{self.message} (at the end)"
        return f"{self.message} (column {self.position + 1})"

    def caret(self, width: int = 78) -> str:
        """Two lines: the filter (a window of about ``width`` characters around the place) and a ``^`` under it."""
        width = max(10, width)
        start = max(0, self.position - width // 2)
        end = min(len(self.text), start + width)
        start = max(0, min(start, end - width))
        before = "\u2026" if start > 0 else ""
        after = "\u2026" if end < len(self.text) else ""
        shown = "".join(_shown(char) for char in self.text[start:end])
        column = cells(before + shown[: self.position - start])
        return f"{before}{shown}{after}\n{' ' * column}^"


# -- regular expressions -----------------------------------------------------


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class that opens at ``start`` (the pattern compiled, so it is closed)."""
    index = start + 1
    if index < len(pattern) and pattern[index] == "^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1
    while index < len(pattern):
        if pattern[index] == "\\":
            index += 2
            continue
        if pattern[index] == "]":
            return index + 1
        index += 1
    return len(pattern)


_QUANTIFIER = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")


def pattern_problem(pattern: str) -> tuple[str, int] | None:
    """Why ``pattern`` is refused, and the index in it to point at; None when it is fine.

    Refused: longer than :data:`MAX_PATTERN_CHARS`, not compiling (Python's
    ``re``), or repeating a group that itself holds an unbounded repetition
    (``(a+)+``, ``(\\w*)*``, ``(x+){2,}``): the shape that makes a backtracking
    engine take exponential time on text that almost matches. Other slow
    shapes exist (overlapping alternatives under a repetition); the length
    cap bounds those.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"the regular expression is too long (at most {MAX_PATTERN_CHARS} characters)", MAX_PATTERN_CHARS
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        return f"the regular expression does not compile: {error.msg}", error.pos or 0
    # One entry per open group: whether it holds an unbounded repetition.
    groups = [False]
    last_group: bool | None = None  # the atom just read was a group: does it hold one?
    index = 0
    while index < len(pattern):
        char = pattern[index]
        quantifier = _QUANTIFIER.match(pattern, index) if char in "*+?{" else None
        if quantifier is not None and (char != "{" or quantifier.group(1) or quantifier.group(3)):
            if char == "{":
                low, comma, high = quantifier.group(1), quantifier.group(2), quantifier.group(3)
                unbounded = bool(comma) and not high
                repeats = unbounded or int(high or low or "0") > 1
            else:
                unbounded = char != "?"
                repeats = unbounded
            if last_group and repeats:
                return "the regular expression repeats a repetition, as (a+)+ does: that can take for ever", index
            if unbounded:
                groups[-1] = True
            index = quantifier.end()
            if index < len(pattern) and pattern[index] in "?+":  # lazy or possessive
                index += 1
            last_group = None
            continue
        last_group = None
        if char == "\\":
            index += 2
        elif char == "[":
            index = _class_end(pattern, index)
        elif char == "(":
            groups.append(False)
            index += 1
            if index < len(pattern) and pattern[index] == "?":  # (?:, (?P<name>, (?=, (?i): not a repetition
                index += 1
        elif char == ")" and len(groups) > 1:
            last_group = groups.pop()
            groups[-1] = groups[-1] or last_group
            index += 1
        else:
            index += 1
    return None


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled case-insensitively, as newsboat's are; ValueError when :func:`pattern_problem` says no.

    Checked with Python's ``re`` (its syntax is what the README promises), matched with the
    ``regex`` module in its ``re``-compatible mode, whose matching takes a time limit.
    """
    problem = pattern_problem(pattern)
    if problem is not None:
        raise ValueError(problem[0])
    return regex.compile(pattern, regex.IGNORECASE | regex.V0)


#: How long one match may take. A pattern that needs longer (overlapping alternatives under a
#: repetition, which no static check catches all of) is slow for this process from then on: it
#: matches nothing more, at once, so a fetch or a list pays the limit once per pattern, not per article.
MATCH_SECONDS = 0.05
_SLOW: set[str] = set()


def regex_search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``text``: what ``=~`` means, in Python and in SQL alike.

    Bounded in time (:data:`MATCH_SECONDS`): a match that takes longer counts as none, and so
    does every later one of the same pattern. A killfile rule that
    is too slow therefore keeps nothing out rather than holding a fetch.
    """
    if pattern in _SLOW:
        return False
    try:
        return compile_pattern(pattern).search(text, timeout=MATCH_SECONDS) is not None
    except TimeoutError:
        _SLOW.add(pattern)
        return False


# -- reading the text --------------------------------------------------------

TokenKind = Literal["word", "string", "number", "op", "(", ")", ":", "end"]


@dataclass(frozen=True)
class _Token:
    kind: TokenKind
    text: str  # as written; a string's decoded value is in ``value``
    start: int
    value: str | int | None = None
    #: For a string: where each character of its value stands in the filter (for carets into patterns).
    offsets: tuple[int, ...] = ()


# Control characters (tab and line breaks aside), lone surrogates and bidi controls: a filter never needs
# them, and they would garble the error line.
_FORBIDDEN = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d]\w*")
_NUMBER = re.compile(r"-?[0-9]+")
_OPERATOR = re.compile(r"==|!=|=~|!~|<=|>=|!#|=|<|>|#")


def _string_token(text: str, start: int) -> _Token:
    """The string that opens at ``start``: ``\\"`` is a quote, ``\\\\`` a backslash, any other backslash stays."""
    chars: list[str] = []
    offsets: list[int] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return _Token("string", text[start : index + 1], start, "".join(chars), tuple(offsets))
        if char == "\\" and index + 1 < len(text) and text[index + 1] in '"\\':
            chars.append(text[index + 1])
            offsets.append(index)
            index += 2
            continue
        chars.append(char)
        offsets.append(index)
        index += 1
    raise FilterError("this text has no closing quote", text, start)


def _tokens(text: str) -> list[_Token]:
    """The filter's tokens, ending with an ``end`` token at its length."""
    tokens: list[_Token] = []
    index = 0
    while True:
        space = _SPACE.match(text, index)
        if space:
            index = space.end()
        if index >= len(text):
            tokens.append(_Token("end", "", len(text)))
            return tokens
        char = text[index]
        if char == '"':
            token = _string_token(text, index)
        elif char in "():":
            token = _Token("(" if char == "(" else ")" if char == ")" else ":", char, index)
        elif match := _NUMBER.match(text, index):
            digits = match.group().lstrip("-")
            if len(digits) > len(str(MAX_NUMBER)) or int(digits) > MAX_NUMBER:
                raise FilterError(f"this number is too large (at most {MAX_NUMBER})", text, index)
            token = _Token("number", match.group(), index, int(match.group()))
        elif match := _WORD.match(text, index):
            token = _Token("word", match.group(), index)
        elif match := _OPERATOR.match(text, index):
            token = _Token("op", match.group(), index)
        elif char == "'":
            raise FilterError("put text in double quotes", text, index)
        elif char in "!&|":
            instead = {"!": "not", "&": "and", "|": "or"}[char]
            raise FilterError(f"write {instead} here ({char} is not an operator of its own)", text, index)
        else:
            raise FilterError(f"unexpected {_shown(char)!r}", text, index)
        tokens.append(token)
        index = token.start + len(token.text)


def _site(name: str) -> str | None:
    """The site a ``discussed_on`` value names, aliases resolved; None when it names none."""
    name = name.strip().lower()
    name = SITE_ALIASES.get(name, name)
    return name if name in SITES else None


_SITE_NAMES = "hn, lobsters, reddit, lemmy, mastodon, bluesky, discourse or blog"


def _attribute(word: str) -> Attribute | None:
    name = word.lower()
    for attribute_name, attribute in ATTRIBUTES.items():
        if attribute_name == name:
            return attribute
    alias = ATTRIBUTE_ALIASES.get(name)
    return ATTRIBUTES[alias] if alias is not None else None


def _operators_hint(attribute: Attribute) -> str:
    """What ``attribute`` takes, as the end of an error message."""
    name = attribute.name
    if attribute.kind == "text":
        return f'{name} is text: use =, !=, =~ or !~ and a value in double quotes, as in {name} =~ "word"'
    if attribute.kind == "number":
        return f"{name} is a number: use =, !=, <, >, <=, >= or between, as in {name} > 5 or {name} between 1:9"
    if attribute.kind == "flag":
        return f"{name} is yes or no: use = or !=, as in {name} = yes"
    if name == "discussed_on":
        return 'discussed_on is a list of sites: use # (on) or !# (not on), as in discussed_on # "hn"'
    if attribute.kind == "search":
        return 'search takes words as / does: use = (found) or != (not found), as in search = "rust -go"'
    return f'{name} is a list: use # (has), !# (has not), =~ or !~, as in {name} # "news"'


class _Parser:
    """Reads tokens into a tree: shunting-yard over a stack of pending operators, no recursion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def error(self, message: str, position: int) -> FilterError:
        return FilterError(message, self.text, position)

    def take(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def parse(self) -> Filter:
        operands: list[Filter] = []
        # Pending "(", "not", "and", "or", each with where it was written.
        pending: list[tuple[str, int]] = []
        depth = 0
        conditions = 0
        expect_condition = True
        while True:
            token = self.take()
            word = token.text.lower() if token.kind == "word" else ""
            if expect_condition:
                if token.kind == "(" or word == "not":
                    depth += 1
                    if depth > MAX_DEPTH:
                        raise self.error(f"nested too deeply (at most {MAX_DEPTH} levels)", token.start)
                    pending.append(("(" if token.kind == "(" else "not", token.start))
                    continue
                if token.kind == "word" and word not in _KEYWORDS:
                    conditions += 1
                    if conditions > MAX_CONDITIONS:
                        raise self.error(f"too many conditions (at most {MAX_CONDITIONS})", token.start)
                    operands.append(self.condition(token))
                    depth = self.close_nots(operands, pending, depth)
                    expect_condition = False
                    continue
                raise self.error(self.condition_wanted(token), token.start)
            if word in ("and", "or"):
                self.reduce(operands, pending, ("and",) if word == "and" else ("and", "or"))
                pending.append((word, token.start))
                expect_condition = True
                continue
            if token.kind == ")":
                self.reduce(operands, pending, ("and", "or"))
                if not pending or pending[-1][0] != "(":
                    raise self.error("this ) closes no (", token.start)
                pending.pop()
                depth = self.close_nots(operands, pending, depth - 1)
                continue
            if token.kind == "end":
                self.reduce(operands, pending, ("and", "or"))
                if pending:
                    raise self.error("this ( is never closed", pending[-1][1])
                return operands[0]
            raise self.error("expected and, or or ) after a condition", token.start)

    def condition_wanted(self, token: _Token) -> str:
        """The message for ``token`` where a condition should start."""
        if token.kind == "end":
            if not self.text.strip():
                return 'the filter is empty: write a condition, as in title =~ "rust"'
            return "the filter ends where a condition should be"
        if token.kind == "word":
            return f"expected a condition before {token.text.lower()}"
        if token.kind == ")":
            return "expected a condition before )"
        return 'expected a condition here: an attribute, an operator and a value, as in title =~ "rust"'

    @staticmethod
    def close_nots(operands: list[Filter], pending: list[tuple[str, int]], depth: int) -> int:
        """Apply the ``not``s written just before the operand that was just read (they bind tightest)."""
        while pending and pending[-1][0] == "not":
            pending.pop()
            operands[-1] = Not(operands[-1])
            depth -= 1
        return depth

    @staticmethod
    def reduce(operands: list[Filter], pending: list[tuple[str, int]], operators: tuple[str, ...]) -> None:
        """Combine the pending ``operators`` on top of the stack with their operands, left to right.

        An ``and`` arriving combines the pending ``and``s; an ``or``, a ``)`` or the end also the
        ``or``s (back to the ``(``, which stops it). Nested ones of a kind become one (``a and (b
        and c)`` is one And of three): the meaning is the same and the SQL flatter.
        """
        while pending and pending[-1][0] in operators:
            operator, _position = pending.pop()
            right = operands.pop()
            left = operands.pop()
            kind = And if operator == "and" else Or
            parts: list[Filter] = []
            for part in (left, right):
                parts.extend(part.operands if isinstance(part, kind) else (part,))
            operands.append(kind(tuple(parts)))

    def condition(self, name: _Token) -> Condition:
        """``ATTRIBUTE OP VALUE``, ``name`` read; checked against the attribute's kind."""
        attribute = _attribute(name.text)
        if attribute is None:
            known = [*ATTRIBUTES, *ATTRIBUTE_ALIASES]
            close = difflib.get_close_matches(name.text.lower(), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f"; the attributes are {', '.join(ATTRIBUTES)}"
            raise self.error(f"unknown attribute {name.text!r}{hint}", name.start)
        token = self.take()
        if token.kind == "op":
            op: Operator = _OPERATOR_NAMES[token.text]
        elif token.kind == "word" and token.text.lower() == "between":
            op = "between"
        elif token.kind == "end":
            raise self.error(f"the filter ends after {attribute.name}; {_operators_hint(attribute)}", token.start)
        else:
            raise self.error(f"expected an operator after {attribute.name}; {_operators_hint(attribute)}", token.start)
        if op not in attribute.operators:
            raise self.error(_operators_hint(attribute), token.start)
        value = self.value(attribute, op)
        return Condition(attribute.name, op, value, name.start)

    def value(self, attribute: Attribute, op: Operator) -> Value:
        token = self.take()
        name = attribute.name
        if op == "between":
            low = token
            colon = self.take()
            high = self.take()
            if low.kind != "number" or colon.kind != ":" or high.kind != "number":
                raise self.error(f"between takes a range of whole numbers, as in {name} between 1:9", low.start)
            assert isinstance(low.value, int) and isinstance(high.value, int)
            if low.value > high.value:
                raise self.error(f"this range starts after it ends: write {high.value}:{low.value}", low.start)
            return (low.value, high.value)
        if attribute.kind == "number":
            if token.kind == "number" and isinstance(token.value, int):
                return token.value
            raise self.error(_value_hint(attribute, token), token.start)
        if attribute.kind == "flag":
            text = token.value if token.kind == "string" else token.text if token.kind == "word" else ""
            if isinstance(text, str) and text.lower() in ("yes", "no"):
                return text.lower() == "yes"
            raise self.error(_value_hint(attribute, token), token.start)
        if token.kind != "string" or not isinstance(token.value, str):
            raise self.error(_value_hint(attribute, token), token.start)
        if name == "discussed_on":
            site = _site(token.value)
            if site is None:
                raise self.error(f"unknown site {token.value[:40]!r}: discussed_on takes {_SITE_NAMES}", token.start)
            return site
        if name == "search":
            from reader.text.search import InvalidSearchError, build_match

            try:
                build_match(token.value)
            except InvalidSearchError as error:
                raise self.error(f"search: {error}", token.start) from None
            return token.value
        if op in ("=~", "!~"):
            problem = pattern_problem(token.value)
            if problem is not None:
                message, at = problem
                position = token.offsets[at] if at < len(token.offsets) else token.start + len(token.text) - 1
                raise self.error(message, position)
        return token.value


_OPERATOR_NAMES: dict[str, Operator] = {
    "==": "=",
    "=": "=",
    "!=": "!=",
    "=~": "=~",
    "!~": "!~",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "#": "#",
    "!#": "!#",
}


def _value_hint(attribute: Attribute, token: _Token) -> str:
    """The message for a value of the wrong kind (or none) after ``attribute`` and its operator."""
    name = attribute.name
    if token.kind == "end":
        return f"the filter ends before {name}'s value"
    if attribute.kind == "number":
        if token.kind == "string":
            return f"{name} is a number: write it without quotes, as in {name} > 5"
        return f"{name} is compared with a whole number, as in {name} > 5"
    if attribute.kind == "flag":
        return f"{name} is yes or no, as in {name} = yes"
    if name == "discussed_on":
        return f'put the site in double quotes, as in discussed_on # "hn" ({_SITE_NAMES})'
    sample = token.text[:20] if token.kind in ("word", "number") else "..."
    return f'{name} is text: put the value in double quotes, as in {name} = "{sample}"'


def parse_filter(text: str) -> Filter:
    """``text`` read as a filter, or :class:`FilterError` (one line, with its position) saying what is wrong."""
    if len(text) > MAX_FILTER_CHARS:
        raise FilterError(f"the filter is too long (at most {MAX_FILTER_CHARS} characters)", text, MAX_FILTER_CHARS)
    forbidden = _FORBIDDEN.search(text)
    if forbidden is not None:
        raise FilterError("a filter cannot hold control characters", text, forbidden.start())
    return _Parser(text).parse()


def parse_rule(text: str) -> Filter:
    """``text`` read as a killfile rule: :func:`parse_filter`, and no ``search``, which a rule cannot answer.

    A rule judges an article before it is stored, so before it is in the
    search index (and :func:`matches` has no index to ask).
    """
    tree = parse_filter(text)
    searches = fold(
        tree,
        lambda condition: [condition] if condition.attribute == "search" else [],
        lambda _node, parts: [found for part in parts for found in part],
    )
    if searches:
        raise FilterError(
            "a killfile rule cannot use search (a new article is not in the search index yet): "
            "write title =~ or content =~",
            text,
            searches[0].position,
        )
    return tree


# -- evaluating in Python ----------------------------------------------------


class FilterRow(TypedDict, total=False):
    """The attributes :func:`matches` reads; a missing one counts as its default.

    Defaults: text "", ``published`` now (age 0), ``unread`` yes, ``starred``
    no, counts 0, ``thread_points`` None (no thread gives points), lists empty:
    an article about to be stored, as the killfile sees it. ``discussed_on``
    holds thread source names as stored (``hackernews``, ``feed``, ...).
    ``new_comments`` counts comments (not "more" rows) first seen after their
    own thread was last read (``threads.seen``; a comment of no known thread:
    the article's ``comments_seen``); a thread never read has none, as the
    reader marks them.
    """

    title: str
    author: str
    content: str
    link: str
    guid: str
    feed: str
    feedurl: str
    published: int
    unread: bool
    starred: bool
    tags: Sequence[str]
    comments: int
    new_comments: int
    threads: int
    thread_points: int | None
    discussed_on: Sequence[str]


def _text_of(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    return value if isinstance(value, str) else ""


def _number_of(row: Mapping[str, object], key: str, default: int | None) -> int | None:
    value = row.get(key, default)
    return int(value) if isinstance(value, int) else default


def _strings_of(row: Mapping[str, object], key: str) -> list[str]:
    value = row.get(key)
    if not isinstance(value, list | tuple | set | frozenset):
        return []
    return [item for item in value if isinstance(item, str)]


def _compare(number: int, op: Operator, value: Value) -> bool:
    if op == "between" and isinstance(value, tuple):
        return value[0] <= number <= value[1]
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return {
        "=": number == value,
        "!=": number != value,
        "<": number < value,
        ">": number > value,
        "<=": number <= value,
        ">=": number >= value,
    }.get(op, False)


def _test(condition: Condition, row: Mapping[str, object], now: int) -> bool:
    attribute = ATTRIBUTES[condition.attribute]
    op, value = condition.op, condition.value
    if attribute.kind == "text" and isinstance(value, str):
        text = _text_of(row, condition.attribute)
        if op in ("=~", "!~"):
            return regex_search(value, text) == (op == "=~")
        return (text == value) == (op == "=")
    if attribute.kind == "flag" and isinstance(value, bool):
        default = condition.attribute == "unread"
        flag = bool(row.get(condition.attribute, default))
        return (flag == value) == (op == "=")
    if attribute.kind == "number":
        if condition.attribute == "age":
            published = _number_of(row, "published", now)
            number: int | None = (now - (published if published is not None else now)) // SECONDS_A_DAY
        else:
            number = _number_of(row, condition.attribute, None if condition.attribute == "thread_points" else 0)
        return number is not None and _compare(number, op, value)
    if condition.attribute == "tags" and isinstance(value, str):
        tags = _strings_of(row, "tags")
        if op in ("=~", "!~"):
            return any(regex_search(value, tag) for tag in tags) == (op == "=~")
        return (value in tags) == (op == "#")
    if condition.attribute == "search":
        # Answered by the library's index only (reader.store.filters); killfile rules refuse it (parse_rule).
        raise ValueError("search is answered by the library's search index, not in Python")
    if condition.attribute == "discussed_on" and isinstance(value, str):
        sources = SITES.get(value, ())
        return any(source in sources for source in _strings_of(row, "discussed_on")) == (op == "#")
    raise ValueError(f"a condition that cannot be: {condition_text(condition)}")


def matches(tree: Filter, row: Mapping[str, object], now: int) -> bool:
    """Whether the article described by ``row`` (see :class:`FilterRow`) passes ``tree`` at time ``now``.

    The same answer as the SQL of ``reader.store.filters.filter_sql`` over the stored article. ``and``
    and ``or`` stop at their first decisive operand: a killfile rule judges every new article, and a
    later ``content =~`` need not run once an earlier ``title =~`` said no (found by review). Recursion
    is safe here: a parsed tree is at most :data:`MAX_DEPTH` deep.
    """
    if isinstance(tree, Condition):
        return _test(tree, row, now)
    if isinstance(tree, Not):
        return not matches(tree.operand, row, now)
    if isinstance(tree, And):
        return all(matches(operand, row, now) for operand in tree.operands)
    return any(matches(operand, row, now) for operand in tree.operands)
