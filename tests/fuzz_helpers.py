"""Hostile inputs for tests/test_boundary_fuzz.py: JSON documents mutated node by node, files mutated byte by byte.

A mutation starts from a valid document (a minimal one built here, or a
recorded answer from ../shared) and changes a few of its nodes: a node
replaced by any other JSON value or type, a key set or removed, a number
too big for SQLite or for Python's int parser, a string holding a lone
surrogate (written as ``\\ud800`` in the JSON text, the way a server would
send it), control characters, nesting deeper than the parser's limit.
:func:`dumps` writes the result, since :func:`json.dumps` cannot write a
5,000-digit number.

Also here: what "one line, cleaned" means for an error message or a stored
name (:func:`line_problem`), and minimal valid answers of each comment API.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, cast

from hypothesis import strategies as st


@dataclass(frozen=True)
class RawJSON:
    """JSON text put into a document verbatim (a number json.dumps refuses to write, nesting past any limit)."""

    text: str


JSON: TypeAlias = bool | int | float | str | RawJSON | list["JSON"] | dict[str, "JSON"] | None
Path: TypeAlias = tuple[str | int, ...]


def dumps(value: JSON) -> str:
    """``value`` as JSON text; strings are ASCII-escaped, so a lone surrogate is written ``\\ud800``."""
    if isinstance(value, RawJSON):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return "{" + ",".join(json.dumps(key) + ":" + dumps(item) for key, item in value.items()) + "}"


# -- hostile values ----------------------------------------------------------------

#: Characters a field should never carry into the terminal or the database.
HOSTILE_CHARACTERS = (
    "\ud800",  # lone high surrogate
    "\udbff",
    "\ud83d",  # the first half of an emoji
    "\udc00",  # lone low surrogate
    "\udfff",
    "\x00",
    "\x1b",
    "\x07",
    "\x7f",
    "\x85",
    "\x9b",
    "\r",
    "\n",
    "\t",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\ufffd",
)
HOSTILE_STRINGS = (
    "",
    " ",
    "x\ud800y",
    "\udc00\ud800",
    "\ud83d",
    "ann\udfff",
    "\x1b[31mred\x1b[0m",
    "\x1b]52;c;aGVsbG8=\x07",
    "a\r\nb",
    "[deleted]",
    "[removed]",
    "None",
    "_",
    "t1",
    "t3",
    "more",
    "Listing",
    "t1_abc",
    "t3_post1",
    "abc",
    "https://news.ycombinator.com/item?id=1",
    "javascript:alert(1)",
    "<script>alert(1)</script><p>hi</p>",
    "<p>" * 300,
    "9" * 5000,
    "2026-03-01T10:00:00Z",
    "not a date",
    "x" * 20_000,
)
RAW_TOKENS = (
    RawJSON("9" * 5000),
    RawJSON("-" + "9" * 5000),
    RawJSON("1" + "0" * 4300),
    RawJSON("1e400"),
    RawJSON("-1e400"),
    RawJSON("1e-400"),
    RawJSON("-0"),
    RawJSON("9223372036854775808"),
    RawJSON("-9223372036854775809"),
    RawJSON("18446744073709551616"),
    RawJSON("[" * 300 + "]" * 300),
    RawJSON('{"a":' * 300 + "1" + "}" * 300),
    RawJSON("[" * 5000 + "]" * 5000),
    RawJSON('"\\ud800"'),
    RawJSON('"x\\udfffy"'),
    RawJSON('"\\u0000\\u001b[2J"'),
    RawJSON('"\\ud800\\udc00"'),
)

hostile_text: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_STRINGS),
    st.builds("{}{}{}".format, st.text(max_size=3), st.sampled_from(HOSTILE_CHARACTERS), st.text(max_size=3)),
    st.text(st.one_of(st.characters(), st.sampled_from(HOSTILE_CHARACTERS)), max_size=24),
)
_integers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**18, 10**30]),
)
numbers: st.SearchStrategy[JSON] = st.one_of(
    _integers,
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([token for token in RAW_TOKENS if not token.text.startswith(("[", "{", '"'))]),
)
json_scalars: st.SearchStrategy[JSON] = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    hostile_text,
    st.sampled_from(RAW_TOKENS),
)


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[JSON]:
    """Any JSON value: scalars, and lists and objects of them a few levels deep."""
    return st.recursive(
        json_scalars,
        lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
        max_leaves=10,
    )


# -- mutating a document -----------------------------------------------------------


@dataclass(frozen=True)
class Nodes:
    """Where a document can be changed: every node, every object, and the nodes under a key the parser reads."""

    every: list[Path]
    objects: list[Path]
    keyed: list[Path]


_NODES: dict[tuple[int, tuple[str, ...]], tuple[JSON, Nodes]] = {}


def node_paths(document: JSON, keys: Sequence[str] = ()) -> Nodes:
    """The paths of ``document``'s nodes (cached: the bases are constants, some of them big)."""
    wanted = tuple(keys)
    cached = _NODES.get((id(document), wanted))
    if cached is not None and cached[0] is document:
        return cached[1]
    every: list[Path] = []
    objects: list[Path] = []
    stack: list[tuple[Path, JSON]] = [((), document)]
    while stack:
        path, node = stack.pop()
        every.append(path)
        if isinstance(node, dict):
            objects.append(path)
            stack.extend(((*path, key), child) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), child) for index, child in enumerate(node))
    every.sort(key=lambda p: (len(p), str(p)))
    objects.sort(key=lambda p: (len(p), str(p)))
    keyed = [path for path in every if path and path[-1] in wanted] or every
    nodes = Nodes(every, objects, keyed)
    _NODES[(id(document), wanted)] = (document, nodes)
    return nodes


class _Delete:
    """Returned by an edit: remove the node."""


DELETE = _Delete()
Edit = Callable[[JSON], "JSON | _Delete"]


def edit_at(document: JSON, path: Path, edit: Edit) -> JSON:
    """A copy of ``document`` with the node at ``path`` edited (containers along the path are copied, the rest shared).

    A path that no longer exists (an earlier edit removed it) leaves the document as it is.
    """
    if not path:
        result = edit(document)
        return None if isinstance(result, _Delete) else result
    head, rest = path[0], path[1:]
    changed: Any
    if isinstance(document, dict) and isinstance(head, str) and head in document:
        changed = dict(document)
    elif isinstance(document, list) and isinstance(head, int) and 0 <= head < len(document):
        changed = list(document)
    else:
        return document
    # A copy of the container holding the node: the same steps for an object's key and a list's index.
    node = changed[head]
    result = edit_at(node, rest, edit) if rest else edit(node)
    if isinstance(result, _Delete):
        del changed[head]
    else:
        changed[head] = result
    return cast("JSON", changed)


def _retyped(node: JSON, choice: int) -> JSON:
    """``node`` turned into another JSON type, keeping what it held where that is possible."""
    if choice == 0:
        return [node]
    if choice == 1:
        return {"data": node}
    if choice == 2:
        return dumps(node)[:200]
    if isinstance(node, dict):
        return list(node.values()) if choice == 3 else len(node)
    if isinstance(node, list):
        return {str(index): item for index, item in enumerate(node)} if choice == 3 else len(node)
    return None if choice == 3 else True


def describe_path(path: Path) -> str:
    """``$[1].data.children[0]``: where a node is, for the falsifying example."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part!r}" for part in path)


def _short(value: JSON) -> str:
    text = dumps(value)
    return text if len(text) <= 160 else f"{text[:150]}... ({len(text)} characters)"


@dataclass(frozen=True)
class Mutated:
    """A hostile body and how it was made from a valid one (what a failure report shows)."""

    base: str
    edits: tuple[str, ...]
    body: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Mutated(base={self.base!r}, edits={self.edits!r}, body=<{len(self.body)} bytes>)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows a failing example: the edits, not the (maybe 300 kB) body."""
        printer.text(repr(self))


#: Edits: every field of one object made hostile at once ("poison", twice as likely as the others:
#: one comment with a bad author, id and date is what a broken API sends); a node becomes any JSON
#: value, a hostile string, a number (or a numeral past every limit), another type holding what it
#: held, a raw token; a key is set or a node removed.
_JSON_EDITS = ("poison", "poison", "replace", "text", "number", "retype", "raw", "set-key", "delete")


@st.composite
def mutated_json(draw: st.DrawFn, name: str, base: JSON, keys: Sequence[str], max_edits: int = 3) -> Mutated:
    """``base`` with one to ``max_edits`` nodes replaced, retyped, removed or given a new key.

    Which node is picked uniformly (hypothesis's own choices favour the first
    of a list, here the root), more often among the fields the parser reads.
    """
    nodes = node_paths(base, keys)
    key_strategy = st.one_of(st.sampled_from(list(keys)), hostile_text)
    values = json_values(key_strategy)
    pick = draw(st.randoms(use_true_random=False))
    document = base
    edits: list[str] = []
    for _ in range(draw(st.integers(1, max_edits))):
        operation = draw(st.sampled_from(_JSON_EDITS))
        if operation == "poison" and nodes.objects:
            # The leaves of one object below the root (a comment, an item): the shape stays valid.
            path = pick.choice(nodes.objects[1:] or nodes.objects)
            target = _node_at(document, path)
            fields = (
                sorted(k for k, v in target.items() if not isinstance(v, (dict, list)))
                if isinstance(target, dict)
                else []
            )
            poisoned: dict[str, JSON] = {
                key: draw(st.one_of(hostile_text, numbers)) for key in fields if pick.random() < 0.5
            }

            def poison(node: JSON, poisoned: dict[str, JSON] = poisoned) -> JSON:
                return {**node, **poisoned} if isinstance(node, dict) else node

            document = edit_at(document, path, poison)
            shown = ", ".join(f"{key!r}: {_short(value)}" for key, value in poisoned.items())
            edits.append(f"poison {describe_path(path)} with {{{shown}}}")
            continue
        if operation == "set-key" and nodes.objects:
            path = pick.choice(nodes.objects)
            key = draw(key_strategy)
            value = draw(values)

            def set_key(node: JSON, key: str = key, value: JSON = value) -> JSON:
                return {**node, key: value} if isinstance(node, dict) else node

            document = edit_at(document, path, set_key)
            edits.append(f"set {describe_path((*path, key))} = {_short(value)}")
            continue
        path = pick.choice(nodes.keyed if pick.random() < 0.6 else nodes.every)
        if operation == "delete" and path:
            document = edit_at(document, path, lambda _node: DELETE)
            edits.append(f"delete {describe_path(path)}")
            continue
        replacement: JSON
        if operation == "retype":
            replacement = _retyped(_node_at(document, path), draw(st.integers(0, 4)))
        elif operation == "raw":
            replacement = draw(st.sampled_from(RAW_TOKENS))
        elif operation == "text":
            replacement = draw(hostile_text)
        elif operation == "number":
            replacement = draw(numbers)
        else:
            replacement = draw(values)
        document = edit_at(document, path, _constant(replacement))
        edits.append(f"{operation} {describe_path(path)} with {_short(replacement)}")
    return Mutated(name, tuple(edits), dumps(document).encode("utf-8"))


def _constant(value: JSON) -> Edit:
    def edit(_node: JSON) -> JSON:
        return value

    return edit


def _node_at(document: JSON, path: Path) -> JSON:
    node = document
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


#: Byte strings that break parsers: NULs, invalid and overlong UTF-8, an encoded
#: surrogate, BOMs, character references to what XML forbids, escape sequences,
#: a lone-surrogate JSON escape, digit runs past Python's int parser, deep nesting.
HOSTILE_BYTES = (
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\r",
    b"\xe2\x80\xa8",
    b"&#0;",
    b"&#xD800;",
    b"&#55296;",
    b"&#x1b;[2J",
    b"\x1b]52;c;aGk=\x07",
    b"\\ud800",
    b'"x\\ud800y"',
    b"9" * 5000,
    b"\n" + b"9" * 5000 + b" Comments\n",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"<a>" * 3000,
    b"[" * 3000,
    b"&amp;" * 500,
    b"<script>alert(1)</script>",
)


@st.composite
def mutated_bytes(draw: st.DrawFn, name: str, base: bytes, max_edits: int = 3) -> Mutated:
    """``base`` with one to ``max_edits`` byte edits: insertions, overwrites, cuts, hostile tokens."""
    data = bytearray(base)
    pick = draw(st.randoms(use_true_random=False))
    edits: list[str] = []
    for _ in range(draw(st.integers(1, max_edits))):
        operation = draw(st.sampled_from(["insert", "overwrite", "cut", "token", "token"]))
        at = pick.randrange(len(data) + 1)  # uniform: hypothesis's own integers favour 0 and the end
        if operation == "cut":
            length = draw(st.integers(1, 200))
            del data[at : at + length]
            edits.append(f"cut {length} bytes at {at}")
            continue
        new = draw(st.binary(min_size=1, max_size=16)) if operation != "token" else draw(st.sampled_from(HOSTILE_BYTES))
        if operation == "overwrite":
            data[at : at + len(new)] = new
        else:
            data[at:at] = new
        shown = repr(new) if len(new) <= 40 else f"{new[:30]!r}... ({len(new)} bytes)"
        edits.append(f"{'overwrite' if operation == 'overwrite' else 'insert'} {shown} at {at}")
    return Mutated(name, tuple(edits), bytes(data))


# -- what "one clean line" means ------------------------------------------------------

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: A one-line message or name: a few hundred characters is a line; 1,000 is generous.
MAX_LINE = 1000


def line_problem(text: object, max_length: int = MAX_LINE) -> str | None:
    """Why ``text`` is not one clean line (None when it is): a control, a line break, a surrogate, a bidi mark."""
    if not isinstance(text, str):
        return f"not text: {type(text).__name__}"
    if len(text) > max_length:
        return f"{len(text)} characters long"
    for position, character in enumerate(text):
        category = unicodedata.category(character)
        if category in ("Cc", "Cs", "Zl", "Zp") or character in _BIDI:
            return f"{character!r} ({category}) at {position} in {text[:120]!r}"
    return None


# -- minimal valid answers of each comment source ----------------------------------------

HN_KEYS = ("id", "children", "comments", "author", "user", "text", "content", "created_at_i", "time", "deleted")
REDDIT_KEYS = (
    "kind",
    "data",
    "children",
    "replies",
    "id",
    "name",
    "author",
    "body",
    "body_html",
    "created_utc",
    "permalink",
    "count",
    "parent_id",
    "num_comments",
    "depth",
)
LOBSTERS_KEYS = (
    "comments",
    "short_id",
    "commenting_user",
    "username",
    "comment",
    "parent_comment",
    "created_at",
    "short_id_url",
    "is_deleted",
    "is_moderated",
    "depth",
)
KEYS = {"hackernews": HN_KEYS, "reddit": REDDIT_KEYS, "lobsters": LOBSTERS_KEYS}


def algolia_answer(story: int) -> JSON:
    """An Algolia item with three comments: a reply chain of two and a deleted one."""
    return {
        "id": story,
        "type": "story",
        "author": "op",
        "title": "A story",
        "children": [
            {
                "id": story * 10 + 1,
                "type": "comment",
                "author": "ann",
                "created_at_i": 1772000000,
                "text": "<p>First &amp; foremost</p>",
                "parent_id": story,
                "children": [
                    {
                        "id": story * 10 + 2,
                        "type": "comment",
                        "author": "bob",
                        "created_at_i": 1772000100,
                        "text": "<p>Agreed</p>",
                        "parent_id": story * 10 + 1,
                        "children": [],
                    }
                ],
            },
            {"id": story * 10 + 3, "type": "comment", "author": None, "text": None, "children": []},
        ],
    }


def _reddit_comment(ident: str, author: str, body: str, replies: list[JSON]) -> JSON:
    return {
        "kind": "t1",
        "data": {
            "id": ident,
            "name": f"t1_{ident}",
            "author": author,
            "body": body,
            "body_html": f"&lt;div class=&quot;md&quot;&gt;&lt;p&gt;{body}&lt;/p&gt;&lt;/div&gt;",
            "created_utc": 1772000000.0,
            "permalink": f"/r/fuzz/comments/post1/_/{ident}/",
            "parent_id": "t3_post1",
            "depth": 0,
            "replies": {"kind": "Listing", "data": {"children": replies}} if replies else "",
        },
    }


def reddit_answer(post: str) -> JSON:
    """A permalink ``.json``: the post, then two comments (one a reply) and a "more" stub."""
    return [
        {
            "kind": "Listing",
            "data": {
                "children": [
                    {
                        "kind": "t3",
                        "data": {
                            "id": post,
                            "name": f"t3_{post}",
                            "num_comments": 4,
                            "permalink": f"/r/fuzz/comments/{post}/a_story/",
                        },
                    }
                ]
            },
        },
        {
            "kind": "Listing",
            "data": {
                "children": [
                    _reddit_comment("c1", "ann", "First", [_reddit_comment("c2", "bob", "Agreed", [])]),
                    {
                        "kind": "more",
                        "data": {"id": "c3", "name": "t1_c3", "count": 2, "children": ["c3", "c4"], "depth": 0},
                    },
                ]
            },
        },
    ]


def lobsters_answer(story: str) -> JSON:
    """A Lobsters story with two comments, the second a reply to the first."""
    return {
        "short_id": story,
        "title": "A story",
        "comments": [
            {
                "short_id": "a1",
                "short_id_url": "https://lobste.rs/c/a1",
                "created_at": "2026-03-01T10:00:00.000-06:00",
                "is_deleted": False,
                "is_moderated": False,
                "comment": "<p>Nice write-up.</p>",
                "depth": 0,
                "parent_comment": None,
                "commenting_user": "ann",
            },
            {
                "short_id": "a2",
                "short_id_url": "https://lobste.rs/c/a2",
                "created_at": "2026-03-01T11:00:00.000-06:00",
                "is_deleted": False,
                "is_moderated": False,
                "comment": "<p>Thanks!</p>",
                "depth": 1,
                "parent_comment": "a1",
                "commenting_user": {"username": "bob"},
            },
        ],
    }


def atom_comment_feed(article_guid: str) -> bytes:
    """An RFC 4685 Atom comment feed: three comments on ``article_guid``, one a reply to another."""
    entries = [("17", "ann", "Lovely photos.", article_guid), ("18", "bob", "Agreed.", f"{article_guid}#c17")]
    entries.append(("19", "carol", "Was it automated?", article_guid))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">',
        "<title>Comments on: a post</title><id>urn:fuzz:comments</id><updated>2026-03-02T12:00:00Z</updated>",
    ]
    for number, author, text, ref in entries:
        parts.append(
            f"<entry><id>{article_guid}#c{number}</id><title>By: {author}</title>"
            f"<author><name>{author}</name></author>"
            f'<link rel="alternate" href="https://blog.example/post/#c{number}"/>'
            f'<thr:in-reply-to ref="{ref}" type="text/html"/>'
            f"<published>2026-03-02T10:{number}:00Z</published><updated>2026-03-02T10:{number}:00Z</updated>"
            f'<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry>'
        )
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")
