"""Property tests for the parts every input passes through.

They extend the narrower properties elsewhere (tests/test_import_plaintext.py,
tests/test_sanitize.py, tests/test_search.py, tests/test_threads.py):

* plain-text importer: any text in any supported encoding and line ending imports
  or fails in one line; the stored reply tree follows the README's indentation
  rule exactly; importing again changes nothing, read and starred state included;
  a longer copy adds only the new comments;
* text cleaner: no control character but newline and tab, no bidi control, no
  stray line separator, idempotent, letters kept in order, every control shown
  as a visible symbol;
* search: any query built from hostile pieces either searches or gives a one-line
  message, never an SQLite error; every stored word, phrase and prefix is found;
* comment tree: any parent structure (unknown parents, self-replies, cycles,
  duplicates), in the pure builder and through the real store in two imports:
  every comment once, depth = parent depth + 1, each reply right under its parent
  in display order, parents kept except the one cut per cycle.

Real parts throughout: real files, the real importer and a real SQLite library.
"""

from __future__ import annotations

import codecs
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.parse import FileOutcome, ImportFailure, import_paths, parse_file
from reader.store import Store
from reader.text.sanitize import clean_line, clean_text
from reader.text.search import MAX_TERMS, InvalidSearchError, build_match, parse_terms
from reader.text.threads import order_thread

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
VISIBLE_SYMBOLS = frozenset([chr(0x2400 + code) for code in range(0x20)] + ["\u2421", "\ufffd"])


@contextmanager
def fresh_store() -> Iterator[tuple[Store, Path]]:
    """A new library in its own folder (hypothesis runs many examples per test)."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "library.db") as store:
        yield store, Path(folder)


def import_one(store: Store, path: Path) -> FileOutcome:
    (outcome,) = import_paths(store, [path])
    return outcome


# --------------------------------------------------------------------------
# Plain-text importer

ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16be-bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}
_MARKER = re.compile(r"^\s*(\d[\d,]*|no)\s+comments?\s*:?\s*$", re.IGNORECASE)
# Printable text of any script: no controls, no surrogates, no line or paragraph separators.
_printable = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))
_first = st.characters(categories=("Lu", "Ll", "Lo", "Nd"))
# A line that is not blank and starts with a letter or digit, so its indentation is ours alone.
_line = st.builds(lambda head, rest: head + rest, _first, st.text(_printable, max_size=30)).filter(
    lambda line: not _MARKER.match(line)
)


@dataclass
class Doc:
    """A plain-text article in the README's format, with each comment's indentation level."""

    title: str
    body: list[str]
    comments: list[tuple[int, str, str]]  # (level, name, text)
    marker: bool = True

    def render(self, newline: str) -> str:
        lines = [self.title, *self.body]
        if self.comments or self.marker:
            count = len(self.comments)
            lines.append(f"{count} Comment" if count == 1 else f"{count} Comments")
            for level, name, text in self.comments:
                lines += ["  " * level + name, text]
        return newline.join(lines) + newline


# The format tells names from text by their shape (README): a name is short, with no sentence
# punctuation; comment text here ends like a sentence. Names start with a letter.
_name = st.builds(
    lambda head, rest: head + rest,
    st.characters(categories=("Lu", "Ll", "Lo")),
    st.text(st.characters(categories=("Lu", "Ll", "Lo", "Nd")), max_size=20),
)
_comment = st.tuples(st.integers(0, 4), _name, _line.map(lambda line: line + "."))
_docs = st.builds(
    Doc,
    title=_line,
    body=st.lists(_line, max_size=5),
    comments=st.lists(_comment, max_size=12),
    marker=st.booleans(),
)


def expected_tree(levels: Sequence[int]) -> list[tuple[int, int | None]]:
    """(depth, parent index) per comment, by the README's rule: an indented name replies to the
    nearest comment above it that is one level shallower (a jump deeper than one level is one level)."""
    placed: list[tuple[int, int | None]] = []
    open_at_depth: list[int] = []
    for index, level in enumerate(levels):
        depth = min(level, len(open_at_depth))
        parent = open_at_depth[depth - 1] if depth else None
        del open_at_depth[depth:]
        open_at_depth.append(index)
        placed.append((depth, parent))
    return placed


def stored_tree(store: Store, article_id: int) -> list[tuple[int, int | None]]:
    comments = store.comments(article_id)
    index = {comment.id: position for position, comment in enumerate(comments)}
    return [(c.depth, index[c.parent_id] if c.parent_id is not None else None) for c in comments]


def snapshot(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    articles = store.conn.execute(
        "SELECT id, feed_id, guid, title, text, html, published, read, starred, comment_count FROM articles ORDER BY id"
    ).fetchall()
    comments = store.conn.execute(
        "SELECT id, article_id, guid, parent_id, depth, position, author, text FROM comments ORDER BY id"
    ).fetchall()
    return [tuple(row) for row in articles], [tuple(row) for row in comments]


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.text(st.characters(exclude_categories=["Cs"]), max_size=40), max_size=12),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bad_bytes=st.sampled_from([b"", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"]),
)
def test_any_text_file_imports_or_fails_in_one_line(
    lines: list[str], encoding: str, newline: str, bad_bytes: bytes
) -> None:
    """Any text file (any characters, encoding, line ending, even a stray invalid byte) is either
    imported or refused with one line; no other exception ever reaches the user."""
    data = ENCODINGS[encoding](newline.join(lines)) + bad_bytes
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "article.txt"
        path.write_bytes(data)
        try:
            batch = parse_file(path)
        except ImportFailure as failure:
            assert str(failure).strip() and "\n" not in str(failure)
        else:
            assert all(article.title and "\n" not in article.title for _, article in batch.articles)
            assert all("\n" not in warning for warning in batch.warnings)


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(doc=_docs, encoding=st.sampled_from(sorted(ENCODINGS)), newline=st.sampled_from(["\n", "\r\n"]))
def test_the_stored_reply_tree_follows_the_indentation_rule(doc: Doc, encoding: str, newline: str) -> None:
    """Whatever the indentation, every comment of the file is stored once, in file order, and
    replies to the nearest comment above it that is one level shallower, one level deeper."""
    with fresh_store() as (store, folder):
        path = folder / "article.txt"
        path.write_bytes(ENCODINGS[encoding](doc.render(newline)))

        outcome = import_one(store, path)

        assert outcome.error is None, outcome.error
        assert outcome.warnings == []
        (row,) = store.list_articles()
        assert row.title == clean_line(doc.title)
        assert stored_tree(store, row.id) == expected_tree([level for level, _, _ in doc.comments])
        assert [c.author for c in store.comments(row.id)] == [clean_line(name) for _, name, _ in doc.comments]
        assert row.comment_count == len(doc.comments)


@settings(max_examples=80, deadline=None)
@given(
    doc=_docs,
    encoding=st.sampled_from(sorted(ENCODINGS)),
    newline=st.sampled_from(["\n", "\r\n"]),
    read=st.booleans(),
    starred=st.booleans(),
)
def test_importing_twice_equals_importing_once_and_keeps_read_state(
    doc: Doc, encoding: str, newline: str, read: bool, starred: bool
) -> None:
    """Importing the same file again, after reading or starring its article, changes nothing:
    same rows, same thread, and the article stays read/starred as the user left it."""
    with fresh_store() as (store, folder):
        path = folder / "article.txt"
        path.write_bytes(ENCODINGS[encoding](doc.render(newline)))
        first = import_one(store, path)
        assert first.error is None, first.error
        (row,) = store.list_articles()
        store.mark([row.id], read=read, starred=starred)
        once = snapshot(store)

        second = import_one(store, path)

        assert second.error is None
        assert (second.stats.articles_added, second.stats.comments_added) == (0, 0)
        assert snapshot(store) == once
        (again,) = store.list_articles()
        assert (again.read, again.starred) == (read, starred)


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(doc=_docs, more=st.lists(_comment, min_size=1, max_size=6), read=st.booleans())
def test_a_longer_copy_adds_only_the_new_comments(doc: Doc, more: list[tuple[int, str, str]], read: bool) -> None:
    """Re-importing the file after comments were appended adds exactly those comments to the same
    article; the earlier comments keep their ids and place, and the article keeps its read state."""
    with fresh_store() as (store, folder):
        path = folder / "article.txt"
        path.write_text(doc.render("\n"), encoding="utf-8")
        assert import_one(store, path).error is None
        (row,) = store.list_articles()
        store.mark([row.id], read=read, starred=True)
        before = [c.id for c in store.comments(row.id)]

        longer = Doc(doc.title, doc.body, doc.comments + more)
        path.write_text(longer.render("\n"), encoding="utf-8")
        outcome = import_one(store, path)

        assert outcome.error is None
        assert (outcome.stats.articles_added, outcome.stats.comments_added) == (0, len(more))
        (after,) = store.list_articles()
        assert (after.id, after.read, after.starred) == (row.id, read, True)
        assert [c.id for c in store.comments(row.id)][: len(before)] == before
        assert stored_tree(store, row.id) == expected_tree([level for level, _, _ in longer.comments])


# --------------------------------------------------------------------------
# Text cleaner

HOSTILE = (
    "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9b\x9c\x9f"
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2028\u2029\ufeff\u2400\u241b\ufffd []@=/\\;"
)
_dirty = st.text(
    st.one_of(st.sampled_from(HOSTILE), st.characters(exclude_categories=["Cs"])),
    max_size=200,
)


def controls_needing_a_symbol(value: str) -> int:
    """Controls the cleaner must show as a symbol: all but tab, newline, CR, NEL (line breaks) and NUL."""
    return sum(1 for ch in value if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x85\x00")


@settings(max_examples=500)
@given(_dirty)
def test_cleaned_text_holds_no_control_bidi_or_stray_line_separator(value: str) -> None:
    """Cleaned text (what is stored and shown) holds no control character but newline and tab,
    no bidi control, no CR or Unicode line separators; a cleaned line holds no control at all
    and only single spaces between words."""
    text = clean_text(value)
    assert all(unicodedata.category(ch) != "Cc" or ch in "\n\t" for ch in text), repr(text)
    assert not BIDI & set(text), repr(text)
    assert not set("\r\x85\u2028\u2029") & set(text), repr(text)

    line = clean_line(value)
    assert all(unicodedata.category(ch) != "Cc" for ch in line), repr(line)
    assert not BIDI & set(line)
    assert line == line.strip()
    assert not re.search(r"\s", line.replace(" ", "")), repr(line)
    assert "  " not in line


@settings(max_examples=500)
@given(_dirty)
def test_cleaning_is_idempotent_keeps_letters_and_shows_every_control(value: str) -> None:
    """Text is cleaned when stored and again when shown: the second pass changes nothing; no
    letter or digit is lost or reordered; each control character shows as a visible symbol."""
    text = clean_text(value)
    assert clean_text(text) == text
    assert clean_line(clean_line(value)) == clean_line(value)
    assert clean_line(text) == clean_line(value)
    assert [ch for ch in text if ch.isalnum()] == [ch for ch in value if ch.isalnum()]
    symbols_before = sum(1 for ch in value if ch in VISIBLE_SYMBOLS)
    symbols_after = sum(1 for ch in text if ch in VISIBLE_SYMBOLS)
    assert symbols_after == symbols_before + controls_needing_a_symbol(value)


# --------------------------------------------------------------------------
# Search

_word = st.text(st.characters(categories=("Ll", "Lu", "Lo", "Nd")), min_size=1, max_size=12)
_pieces = st.one_of(
    _word,
    _word.map(lambda w: "-" + w),
    _word.map(lambda w: w + "*"),
    _word.map(lambda w: f'"{w}'),
    _word.map(lambda w: f"({w})"),
    _word.map(lambda w: f"{w}:{w}"),
    st.sampled_from(
        [
            '"',
            '""',
            "(",
            ")",
            "OR",
            "AND",
            "NOT",
            "NEAR",
            "NEAR(",
            "|",
            "&",
            "-",
            "--",
            "*",
            "**",
            "^",
            "+",
            ":",
            "title:",
            "{",
            "}",
            "[",
            "]",
            "\\",
            "'",
            "\x00",
            "\x1b[31m",
            "\u202e",
            "-(",
            ")*",
            "-*",
            "*-",
            '-"',
            "OR OR",
            "AND NOT",
        ]
    ),
    st.text(max_size=6),
)
_queries = st.builds(
    lambda pieces, separators: "".join(p + s for p, s in zip(pieces, separators, strict=False)),
    st.lists(_pieces, max_size=60),
    st.lists(st.sampled_from(["", " ", " ", "  ", "\t"]), min_size=60, max_size=60),
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A small library with articles and comments in several scripts (read-only in these tests)."""
    feed = FeedData(key="https://search.example/rss", title="Search")
    batch = ImportBatch(kind="test")
    texts = [
        ("Peace talks in Davos", "Delegations met to discuss guarantees."),
        ("Caf\u00e9 culture", "Espresso everywhere, na\u00efve or not."),
        ("\u65e5\u672c\u8a9e\u306e\u8a18\u4e8b", "\u6771\u4eac\u3068\u5927\u962a"),
        ("\u041d\u043e\u0432\u043e\u0441\u0442\u0438", "\u041c\u043e\u0441\u043a\u0432\u0430 OR NEAR AND"),
    ]
    for number, (title, text) in enumerate(texts):
        comments = [CommentData(f"c{number}", "Ann", f"Reply {number}: {text}")]
        batch.articles.append((feed, ArticleData(guid=str(number), title=title, text=text, comments=comments)))
    with Store(tmp_path_factory.mktemp("search") / "library.db") as store:
        store.store_batch(batch)
        yield store


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=_queries)
def test_any_query_searches_or_says_why_in_one_line(library: Store, query: str) -> None:
    """Whatever is typed into search (quotes, operators, brackets, column names, escapes, a
    thousand characters), the user gets results or a one-line message, never an SQLite error;
    a query without a single letter or digit says there is nothing to search for."""
    try:
        results = library.search(query)
    except InvalidSearchError as error:
        message = str(error)
        assert message.strip() and "\n" not in message
        assert not message.startswith("cannot search for that"), f"SQLite rejected the built query: {message}"
    else:
        assert len(results) <= 4
        assert any(ch.isalnum() for ch in query), f"{query!r} has nothing to search for, yet searched"
    groups = parse_terms(query)
    assert sum(len(group) for group in groups) <= MAX_TERMS


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(st.characters(categories=("P", "S", "Z", "Cc", "Cf")), max_size=40))
def test_a_query_without_letters_or_digits_says_there_is_nothing_to_search_for(library: Store, query: str) -> None:
    """Typing only punctuation, symbols, spaces or control characters gives the one-line
    'nothing to search for' message, never an empty result that looks like a real search."""
    with pytest.raises(InvalidSearchError) as raised:
        library.search(query)
    message = str(raised.value)
    assert "\n" not in message
    assert message in ("type a word to search for", "add a word to search for; '-word' only excludes")


_plain_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=2, max_size=10)
_unicode_word = st.text(st.characters(categories=("Ll", "Lu", "Lo")), min_size=1, max_size=8)


def _as_indexed(word: str) -> str:
    """A word as the index compares it: case folded and accents removed ('unicode61 remove_diacritics 2').

    Two words equal this way are one word to search ("Ō" finds "O"), so the
    test's four words must differ this way (hypothesis found "Ō" and "O").
    """
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(_plain_word | _unicode_word, min_size=4, max_size=4, unique_by=_as_indexed),
    cut=st.integers(1, 9),
)
def test_every_stored_word_phrase_and_prefix_is_found(words: list[str], cut: int) -> None:
    """A word from an article's title, text or comment finds that article (in any letter case,
    even wrapped in stray syntax); so do its phrase and its prefix with '*'; '-word' excludes it."""
    # Not checked here: words split between the article and one of its comments ("title_word comment_word")
    # or '-word' for a word only in a comment; Store.search matches each full-text index on its own.
    title_word, first, second, comment_word = words
    filler = {"other", "nothing", "here"}
    operators = {"and", "or", "not", "near"}  # typed in capitals, these are query syntax, not words
    assume(not (filler | operators) & {w.casefold() for w in words})
    # Words the index splits (characters it treats as separators) are not single words.
    assume(all(len(re.findall(r"\w+", w)) == 1 for w in words))
    with fresh_store() as (store, _):
        feed = FeedData(key="k", title="F")
        batch = ImportBatch(kind="test")
        target = ArticleData(
            guid="target",
            title=f"{title_word} report",
            text=f"{first} {second}",
            comments=[CommentData("c", "Ann", f"said {comment_word}")],
        )
        batch.articles += [(feed, target), (feed, ArticleData(guid="other", title="other", text="nothing here"))]
        store.store_batch(batch)

        def found(query: str) -> list[str]:
            return [row.title for row in store.search(query)]

        wanted = [f"{title_word} report"]
        for word in words:
            assert found(word) == wanted, word
            if word.isascii():
                assert found(word.upper()) == wanted, word.upper()
            assert found(f"NEAR({word}") == wanted
            assert found(f'"{word}') == wanted
            assert found(f"({word})") == wanted
        assert found(f"{title_word} {second}") == wanted  # words from the title and the text
        assert found(f'"{first} {second}"') == wanted
        assert wanted[0] in found(title_word[:cut] + "*")
        assert found(f"{title_word} OR zzzqqq") == wanted
        assert found(f"zzzqqq OR {comment_word}") == wanted
        assert found(f"{title_word} -{first}") == []
        with pytest.raises(InvalidSearchError):
            build_match(f"-{title_word}")


# --------------------------------------------------------------------------
# Comment tree


@st.composite
def parent_structures(draw: st.DrawFn, duplicates: bool = True) -> list[tuple[int, int | None]]:
    """Comments 0..n-1 with any parent: none, an unknown one, themselves, or any other (cycles included)."""
    count = draw(st.integers(0, 60))
    parent = st.one_of(st.none(), st.integers(0, count + 3)) if count else st.none()
    nodes: list[tuple[int, int | None]] = [(key, draw(parent)) for key in range(count)]
    if duplicates and count:
        for _ in range(draw(st.integers(0, 5))):
            nodes.insert(draw(st.integers(0, len(nodes))), (draw(st.integers(0, count - 1)), draw(parent)))
    return nodes


def expected_parents(nodes: Sequence[tuple[int, int | None]]) -> tuple[dict[int, int | None], set[int]]:
    """Each comment's parent once the tree is built, by the documented rules, and the comments cut from cycles.

    The first occurrence of a key counts; a parent that is unknown or the comment itself makes
    a top-level comment; each reply cycle is cut at its earliest comment, which goes top-level.
    """
    first: dict[int, int | None] = {}
    order: dict[int, int] = {}
    for key, parent in nodes:
        if key not in first:
            first[key] = parent
            order[key] = len(order)
    parents = {key: (parent if parent in first and parent != key else None) for key, parent in first.items()}
    cuts: set[int] = set()
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for start in first:
        path: list[int] = []
        node: int | None = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = parents[node]
        if node is not None and state[node] == 1:  # a new cycle: from node back to node
            cycle = path[path.index(node) :]
            cut = min(cycle, key=order.__getitem__)
            parents[cut] = None
            cuts.add(cut)
        for member in path:
            state[member] = 2
    return parents, cuts


def check_display_order(placed: Sequence[tuple[object, object, int]]) -> None:
    """(key, parent, depth) in display order: each reply comes after its parent, one level deeper,
    and under it: its parent is the nearest comment above it that is one level shallower."""
    last_at_depth: list[object] = []
    seen: set[object] = set()
    for key, parent, depth in placed:
        assert key not in seen, f"{key} is shown twice"
        seen.add(key)
        if parent is None:
            assert depth == 0, (key, depth)
        else:
            assert 1 <= depth <= len(last_at_depth), (key, depth)
            assert last_at_depth[depth - 1] == parent, f"{key} is shown under {last_at_depth[depth - 1]}, not {parent}"
        del last_at_depth[depth:]
        last_at_depth.append(key)


@settings(max_examples=500)
@given(parent_structures())
def test_the_tree_builder_places_every_comment_once_under_its_parent(nodes: list[tuple[int, int | None]]) -> None:
    """For any parent links (unknown, self, cycles, duplicates), every comment is shown once,
    right under its parent and one level deeper; parents are kept except one cut per reply cycle;
    replies to the same comment keep their order."""
    placed = order_thread(nodes)

    parents, cuts = expected_parents(nodes)
    assert sorted(p.key for p in placed) == sorted(parents)
    assert {p.key: p.parent for p in placed} == parents
    assert sum(1 for p in placed if p.parent is None) == sum(1 for parent in parents.values() if parent is None)
    assert [p.position for p in placed] == list(range(len(placed)))
    check_display_order([(p.key, p.parent, p.depth) for p in placed])
    # Siblings (and the top-level comments that were top-level in the input) keep the input order.
    rank = {key: index for index, key in enumerate(dict.fromkeys(key for key, _ in nodes))}
    children: dict[int | None, list[int]] = {}
    for p in placed:
        children.setdefault(p.parent, []).append(p.key)
    for parent, keys in children.items():
        if parent is not None:
            assert keys == sorted(keys, key=rank.__getitem__)
    original_roots = [key for key in children.get(None, []) if key not in cuts]
    assert original_roots == sorted(original_roots, key=rank.__getitem__)
    assert order_thread(nodes) == placed  # the same input always gives the same thread


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(nodes=parent_structures(duplicates=False), split=st.integers(0, 60))
def test_the_stored_thread_is_whole_in_two_imports(nodes: list[tuple[int, int | None]], split: int) -> None:
    """A thread stored in two imports (the article with some comments, then the rest, as a comment
    feed does) shows every comment once, each under its parent one level deeper, with the stored
    parent as given except one cut per reply cycle."""
    comments = [
        CommentData(f"g{key}", f"user{key}", f"comment {key}", parent_guid=None if parent is None else f"g{parent}")
        for key, parent in nodes
    ]
    with fresh_store() as (store, _):
        batch = ImportBatch(kind="test")
        article = ArticleData(guid="a", title="Thread", text="x", comments=comments[:split])
        batch.articles.append((FeedData(key="k", title="F"), article))
        store.store_batch(batch)
        (row,) = store.list_articles()
        store.add_comments(row.id, comments[split:])

        thread = store.comments(row.id)
        (after,) = store.list_articles()

    guid_of = {c.id: f"g{int(c.author.removeprefix('user'))}" for c in thread}
    parents, _ = expected_parents(nodes)
    assert sorted(guid_of.values()) == sorted(f"g{key}" for key in parents)
    assert {guid_of[c.id]: (guid_of[c.parent_id] if c.parent_id else None) for c in thread} == {
        f"g{key}": (None if parent is None else f"g{parent}") for key, parent in parents.items()
    }
    assert [c.position for c in thread] == sorted(c.position for c in thread)
    check_display_order([(c.id, c.parent_id, c.depth) for c in thread])
    assert after.comment_count == len(nodes)
