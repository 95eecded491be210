"""Search says where it matched: spans in a text, hits in an article, snippets in `reader search`.

The full-text indexes are contentless, so where a query matched is found
again in Python (reader/text/search.py). These tests hold that reading to SQLite's
own tokenizer (character by character, and on random text through a real
FTS5 table), to the store's indexes (which comments of which article), and to
the real ``reader search`` command (what it prints, in a pipe and at a
terminal, with hostile comment text).
"""

from __future__ import annotations

import itertools
import json
import os
import pty
import sqlite3
import subprocess
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import RunReader, reader_command
from hypothesis import given, settings
from hypothesis import strategies as st
from test_search import HOSTILE_QUERIES

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text.search import (
    InvalidSearchError,
    SearchTerm,
    build_match,
    match_spans,
    search_terms,
    snippet,
    tokens,
)

FEED = FeedData(key="https://example.com/rss", title="Example", url="https://example.com/rss")
OTHER_FEED = FeedData(key="https://example.org/rss", title="Other", url="https://example.org/rss")
ANSI = "\x1b"


def found(text: str, query: str) -> list[str]:
    """The matched pieces of ``text``, as the UI would highlight them."""
    return [text[start:end] for start, end in match_spans(text, search_terms(query))]


# -- match_spans --------------------------------------------------------------


def test_case_does_not_matter() -> None:
    assert found("PEACE, Peace and peace.", "pEaCe") == ["PEACE", "Peace", "peace"]


def test_diacritics_are_removed_both_ways() -> None:
    assert found("Café culture", "cafe") == ["Café"]
    assert found("cafe culture", "café") == ["cafe"]
    assert found("Ōsaka and OSAKA", "osaka") == ["Ōsaka", "OSAKA"]
    assert found("Osaka", "Ōsaka") == ["Osaka"]
    # Decomposed text (e + U+0301, as macOS writes it): the accent is part of
    # the word and inside the span.
    decomposed = "Cafe\u0301 society"
    assert found(decomposed, "café") == ["Cafe\u0301"]
    assert found(decomposed, "society") == ["society"]
    # Other scripts keep their marks, as SQLite does: й is not и.
    assert found("йод", "иод") == []
    assert found("ЙОД", "йод") == ["ЙОД"]
    # SQLite folds both Greek sigmas to σ.
    assert found("ΟΔΟΣ", "οδος") == ["ΟΔΟΣ"]


def test_prefix_matches_the_start_of_a_word_and_covers_the_word() -> None:
    assert found("Delegations met; the delegate left", "deleg*") == ["Delegations", "delegate"]
    assert found("undelegated", "deleg*") == []
    assert found("deleg", "deleg*") == ["deleg"]


def test_phrase_matches_consecutive_words_across_punctuation_and_line_breaks() -> None:
    assert found("Peace,\n\n  talks resumed", '"peace talks"') == ["Peace,\n\n  talks"]
    assert found("peace \u2014 talks", '"peace talks"') == ["peace \u2014 talks"]
    assert found("peace and talks", '"peace talks"') == []
    assert found("talks peace", '"peace talks"') == []
    # A word with punctuation inside is a phrase to FTS5, and here.
    assert found("send an e-mail or an e mail", "e-mail") == ["e-mail", "e mail"]


def test_a_word_inside_another_word_is_not_a_match() -> None:
    assert found("concatenate cats cat. (cat) scat", "cat") == ["cat", "cat"]
    assert match_spans("concatenate cats cat.", search_terms("cat")) == [(17, 20)]


def test_excluded_words_and_operators_are_not_highlighted() -> None:
    assert search_terms("peace -war") == [SearchTerm(("peace",))]
    assert found("war and peace", "peace -war") == ["peace"]
    assert found("tulips, energy OR gardens", "tulips OR energy") == ["tulips", "energy"]
    assert search_terms("AND OR NOT NEAR(") == []
    assert search_terms("peace peace PEACE") == [SearchTerm(("peace",))]


def test_overlapping_matches_keep_the_first_and_longest() -> None:
    assert found("peace talks in Davos", 'peace "peace talks" talks') == ["peace talks"]
    spans = match_spans("a b c a b", search_terms('"a b" "b c"'))
    assert spans == [(0, 3), (6, 9)]


def test_emoji_and_cjk_do_not_break_offsets() -> None:
    text = "😀 peace 中文 peace👍 \U0001f970peace"
    spans = match_spans(text, search_terms("peace"))
    assert [text[s:e] for s, e in spans] == ["peace", "peace", "peace"]
    assert found("讨论 中文 中文字", "中文") == ["中文"]
    assert found("\U0001f600" * 50, "peace") == []
    assert match_spans("", search_terms("peace")) == []
    assert match_spans("peace", []) == []


def test_lone_surrogates_and_controls_do_not_crash() -> None:
    assert found("\ud800peace\x00peace\x1b[31m peace", "peace") == ["peace", "peace", "peace"]
    # "31m" joins the word after it, as it does in the index.
    assert found("\x1b[31mpeace", "peace") == []


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=[repr(q)[:30] for q in HOSTILE_QUERIES])
def test_hostile_queries_give_terms_that_match_or_nothing(query: str) -> None:
    terms = search_terms(query)
    assert all(term.words and all(term.words) for term in terms)
    match_spans("peace talks in Davos " * 20, terms)


# -- agreement with SQLite's tokenizer ----------------------------------------

# Blocks of characters SQLite's Unicode tables (6.1) know: Latin, combining
# accents, Greek, Cyrillic, punctuation, letterlike symbols (the Kelvin sign),
# CJK punctuation and kana, CJK ideographs, Hangul and the first emoji.
AGREED_BLOCKS = [
    (0x20, 0x250),
    (0x300, 0x370),
    (0x370, 0x400),
    (0x400, 0x500),
    (0x1E00, 0x1F00),
    (0x2000, 0x2070),
    (0x2100, 0x2150),
    (0x3000, 0x3100),
    (0x4E00, 0x4F00),
    (0xAC00, 0xAD00),
    (0x1F600, 0x1F641),
]
KNOWN_DIFFERENCES = {
    "\u01e0": "SQLite keeps the accents of Ǡ and ǡ (a with dot above and macron), no other Latin letter's",
    "\u01e1": "as above",
    "\u037f": "Greek capital yot: Unicode 7, newer than SQLite's tables",
    "\u2066": "bidi isolates: Unicode 6.3, newer than SQLite's tables (and cleaned out of stored text)",
    "\u2067": "as above",
    "\u2068": "as above",
    "\u2069": "as above",
}


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    """An in-memory FTS5 table with the library's tokenizer, and its vocabulary (term, doc, offset)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    yield conn
    conn.close()


def sqlite_tokens(conn: sqlite3.Connection, text: str) -> list[str]:
    conn.execute("DELETE FROM t")
    conn.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
    return [row[0] for row in conn.execute("SELECT term FROM v WHERE doc = 1 ORDER BY offset")]


def sqlite_matches(conn: sqlite3.Connection, text: str, query: str) -> bool:
    conn.execute("DELETE FROM t")
    conn.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
    count: int = conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (build_match(query),)).fetchone()[0]
    return count == 1


def test_every_character_of_everyday_scripts_folds_and_separates_as_sqlite_does(fts: sqlite3.Connection) -> None:
    chars = [
        chr(code)
        for start, end in AGREED_BLOCKS
        for code in range(start, end)
        if unicodedata.category(chr(code)) != "Cn"
    ]
    fts.execute("DELETE FROM t")
    fts.executemany("INSERT INTO t (rowid, x) VALUES (?, ?)", [(ord(char), f"x{char}x") for char in chars])
    theirs: dict[int, list[str]] = {}
    for term, doc in fts.execute("SELECT term, doc FROM v ORDER BY doc, offset"):
        theirs.setdefault(doc, []).append(term)
    differ = {char for char in chars if tokens(f"x{char}x") != theirs[ord(char)]}
    # A newer SQLite may know more characters; none may differ anew.
    new = sorted(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in differ - set(KNOWN_DIFFERENCES))
    assert new == []


def test_the_fast_path_characters_fold_to_their_lower_case() -> None:
    """Text without any of the listed characters is folded by str.lower() alone: check every code point."""
    from reader.text.search import _NOT_JUST_LOWER, _fold_char

    wrong = []
    for code in range(0x110000):
        char = chr(code)
        if _NOT_JUST_LOWER.match(char):
            continue
        lower = char.lower()
        if len(lower) != 1 or lower.isalnum() != char.isalnum() or (char.isalnum() and _fold_char(char) != lower):
            wrong.append(f"U+{code:04X}")
    # Σ lowers by context (σ or ς) and must be listed too.
    assert _NOT_JUST_LOWER.match("\u03a3")
    assert wrong == [], "add these to _NOT_JUST_LOWER in reader/text/search.py"


@pytest.mark.parametrize("code_page", ["cp1252", "cp1250", "cp1254", "cp1257", "cp1253", "cp1251"])
def test_text_a_code_page_holds_folds_as_any_other_text(code_page: str) -> None:
    """Such text is folded byte by byte; with a CJK word added no code page holds it, and it is not."""
    for byte in range(256):
        try:
            char = bytes([byte]).decode(code_page)
        except UnicodeDecodeError:
            continue
        for text in (f"x{char}x", f"{char}{char.upper()}{char.lower()}", f"\u2019{char}\u00e9\u0105\u03c2\u0416"):
            assert tokens(f"{text} \u4e2d") == [*tokens(text), "\u4e2d"], f"{text!r} (0x{byte:02X})"


EVERYDAY = st.sampled_from(
    list("abcdeopstxyzABCEOPST0129")
    + list("  \n\t.,;:!?-_'\"()/")
    + list("àéîõüçñßøæÀÉÎÕÜÇÑŌōıİ")
    + list("αβγΣσςΩάЙйЁёабвгд中文日本한국")
    + ["\u0301", "\u0308", "\u0327", "\u0305", "\u2014", "\u2019", "\u201c", "\u00ab", "\u2026", "½", "²"]
    + ["\U0001f600", "\U0001f602"]
)
EVERYDAY_TEXT = st.lists(EVERYDAY, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=EVERYDAY_TEXT)
def test_tokens_are_the_index_tokens(fts: sqlite3.Connection, text: str) -> None:
    assert tokens(text) == sqlite_tokens(fts, text)


@settings(max_examples=300, deadline=None)
@given(text=EVERYDAY_TEXT, pick=st.integers(0, 1000), shape=st.sampled_from(["word", "prefix", "phrase", "other"]))
def test_spans_are_found_exactly_when_sqlite_matches(fts: sqlite3.Connection, text: str, pick: int, shape: str) -> None:
    words = tokens(text)
    if shape == "other" or not words:
        query = ["peace", "zo*", '"a b"', "é"][pick % 4]
    else:
        at = pick % len(words)
        word = words[at]
        if shape == "prefix":
            query = word[: max(1, len(word) // 2)] + "*"
        elif shape == "phrase":
            query = '"' + " ".join(words[at : at + 2]) + '"'
        else:
            query = word
    try:
        build_match(query)
    except InvalidSearchError:
        return
    assert bool(match_spans(text, search_terms(query))) == sqlite_matches(fts, text, query), query


@settings(max_examples=300, deadline=None)
@given(
    text=EVERYDAY_TEXT,
    query=st.lists(st.sampled_from(["a", "b", "é", "ab*", '"a b"', "-b", "OR", "Σ", "中文", "c*", "z"]), max_size=5),
)
def test_every_span_is_a_term(text: str, query: list[str]) -> None:
    terms = search_terms(" ".join(query))
    spans = match_spans(text, terms)
    assert spans == sorted(spans)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, "spans overlap"
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        words = tokens(text[start:end])
        assert any(
            (words[:-1] == list(t.words[:-1]) and len(words) == len(t.words) and words[-1].startswith(t.words[-1]))
            if t.prefix
            else words == list(t.words)
            for t in terms
        ), (text[start:end], terms)


# -- snippets -------------------------------------------------------------------


def test_snippet_is_one_line_around_the_first_match_cut_at_words() -> None:
    text = "word " * 100 + "the reconstruction\n\npackage is huge " + "more " * 100
    line, spans = snippet(text, search_terms("reconstruction package"))
    assert "\n" not in line
    assert line.startswith("\u2026word ") and line.endswith(" more\u2026")
    assert 100 <= len(line) <= 125
    assert [line[s:e] for s, e in spans] == ["reconstruction", "package"]
    assert "the reconstruction package is huge" in line


def test_snippet_of_a_short_text_is_the_whole_text() -> None:
    assert snippet("  Peace talks\nin Davos ", search_terms("davos")) == ("Peace talks in Davos", [(15, 20)])
    assert snippet("no match at all", search_terms("peace")) == ("no match at all", [])
    assert snippet("", search_terms("peace")) == ("", [])


def test_snippet_is_cleaned_for_a_terminal_and_its_spans_still_hold() -> None:
    line, spans = snippet("\x1b]52;c;eA==\x07 the \u202epeace\u202c talks \x1b[2J", search_terms("peace"))
    assert "\x1b" not in line and "\x07" not in line and "\u202e" not in line
    assert [line[s:e] for s, e in spans] == ["peace"]


# -- search_hits: which comments of which article -------------------------------

PUBLISHED = 1_767_225_600  # 2026-01-01


def comment(guid: str, text: str, author: str = "Ann", parent: str | None = None) -> CommentData:
    return CommentData(guid=guid, author=author, text=text, parent_guid=parent)


def store_library(store: Store) -> None:
    """Articles whose matches are in their text, in comments only, or both; two share a published second."""
    quiet = [comment(f"q{i}", f"nothing to see here, number {i}", author=f"user{i}") for i in range(40)]
    batch = ImportBatch(kind="test")
    batch.articles += [
        (
            FEED,
            ArticleData(
                guid="comments-only",
                title="Gardening notes",
                text="Tulips and daffodils.",
                published=PUBLISHED,
                comments=[*quiet[:20], comment("hit", "The reconstruction package is huge.", "Alice"), *quiet[20:]],
            ),
        ),
        (
            FEED,
            ArticleData(
                guid="text-and-comments",
                title="Winter power grid",
                text="Attacks on the energy infrastructure slow the reconstruction.",
                published=PUBLISHED + 60,
                # Thread order is not id order: the reply to the first
                # comment is stored last but shown second.
                comments=[
                    comment("top1", "Reconstruction first, then the rest.", "Bob"),
                    comment("top2", "Unrelated remark.", "Carol"),
                    comment("top3", "Again: reconstruction.", "Dan"),
                    comment("reply", "Yes, reconstruction!", "Eve", parent="top1"),
                ],
            ),
        ),
        (
            OTHER_FEED,
            ArticleData(
                guid="same-second",
                title="Another feed, the same second",
                text="Nothing about it here.",
                published=PUBLISHED + 60,
                comments=[comment("other", "Reconstruction elsewhere.", "Mallory")],
            ),
        ),
    ]
    store.store_batch(batch)


@pytest.fixture
def library(store: Store) -> Store:
    store_library(store)
    return store


def article_id(store: Store, guid: str) -> int:
    found_id = store.find_article(guid)
    assert found_id is not None
    return found_id


def comment_ids(store: Store, article: int, *guids: str) -> list[int]:
    rows = store.conn.execute("SELECT guid, id FROM comments WHERE article_id = ?", (article,))
    by_guid = {row["guid"]: row["id"] for row in rows}
    return [by_guid[guid] for guid in guids]


def test_an_article_matched_through_one_comment_of_many_names_that_comment(library: Store) -> None:
    article = article_id(library, "comments-only")
    hits = library.search_hits(article, "reconstruction")
    assert hits.article_id == article
    assert hits.in_article is False
    assert hits.comment_ids == comment_ids(library, article, "hit")


def test_text_and_two_comments_are_all_named_in_thread_order(library: Store) -> None:
    article = article_id(library, "text-and-comments")
    hits = library.search_hits(article, "reconstruction")
    assert hits.in_article is True
    assert hits.comment_ids == comment_ids(library, article, "top1", "reply", "top3")
    assert [c.id for c in library.comments(article) if c.id in hits.comment_ids] == hits.comment_ids


def test_an_article_of_the_same_second_keeps_its_comments_to_itself(library: Store) -> None:
    article = article_id(library, "same-second")
    neighbour = article_id(library, "text-and-comments")
    hits = library.search_hits(article, "reconstruction")
    assert hits.in_article is False
    assert hits.comment_ids == comment_ids(library, article, "other")
    assert not set(library.search_hits(neighbour, "reconstruction").comment_ids) & set(hits.comment_ids)


def test_hits_follow_the_whole_query(library: Store) -> None:
    article = article_id(library, "text-and-comments")
    assert library.search_hits(article, "reconstruction -again").comment_ids == comment_ids(
        library, article, "top1", "reply"
    )
    assert library.search_hits(article, '"reconstruction first"').comment_ids == comment_ids(library, article, "top1")
    assert library.search_hits(article, "zebra").comment_ids == []
    assert library.search_hits(999_999, "reconstruction").comment_ids == []
    with pytest.raises(InvalidSearchError):
        library.search_hits(article, "-reconstruction")


def test_search_results_say_where_each_article_matched(library: Store) -> None:
    results = {r.article.title: r for r in library.search_results("reconstruction")}
    assert set(results) == {"Gardening notes", "Winter power grid", "Another feed, the same second"}
    garden = results["Gardening notes"]
    assert (garden.match_in, garden.comment_author) == ("comment", "Alice")
    assert garden.comment_id == comment_ids(library, garden.article.id, "hit")[0]
    assert [garden.snippet[s:e] for s, e in garden.spans] == ["reconstruction"]
    grid = results["Winter power grid"]
    assert (grid.match_in, grid.comment_id, grid.comment_author) == ("text", None, None)
    assert grid.snippet == "Attacks on the energy infrastructure slow the reconstruction."
    title_only = library.search_results("winter")
    assert [(r.match_in, r.snippet) for r in title_only] == [("title", "Winter power grid")]
    assert library.search_results("reconstruction", limit=0) == []


# -- speed ----------------------------------------------------------------------


def test_a_2000_comment_thread_is_highlighted_quickly() -> None:
    """The TUI runs match_spans over every comment of a thread. ~4 ms on the development machine.

    The bound is ten times the 20 ms budget: it catches a change that makes
    highlighting slow (a regex that tries every position, folding char by
    char in Python), not a busy test machine.
    """
    words = ["the", "grid", "power", "attacks", "talks", "peace", "winter", "energy", "people"]
    words += ["don’t", "“really”", "think", "it’s", "going", "to", "help"]
    thread = [" ".join(words[(i + j) % len(words)] for j in range(55))[:300] for i in range(2000)]
    thread[::97] = [text.replace("grid", "Café") for text in thread[::97]]
    terms = search_terms('"power attacks" deleg* zebra')
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for text in thread:
            match_spans(text, terms)
        best = min(best, time.perf_counter() - started)
    assert best < 0.2


# -- reader search ----------------------------------------------------------------

# ESC and C1 sequences a feed might carry: a clipboard write, a screen clear, a
# title change, a C1 CSI and a DCS query the terminal would answer.
HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b]0;title\x07 the sabotage\x9b plan \x1bP1$r\x1b\\ hostile"


@pytest.fixture
def on_disk(db_path: Path) -> Path:
    """The library above in ``db_path``, plus a comment stored raw with terminal escapes (as an old version might).

    The importers clean what they store, so the raw text goes in with plain
    SQL; the index trigger indexes it like any edit.
    """
    with Store(db_path) as store:
        store_library(store)
        target = article_id(store, "comments-only")
    raw = sqlite3.connect(db_path)
    with raw:
        raw.execute("UPDATE comments SET text = ? WHERE guid = 'q3' AND article_id = ?", (HOSTILE, target))
    raw.close()
    return db_path


def assert_terminal_safe(output: str) -> None:
    assert "\x1b]" not in output and "\x1bP" not in output and "\x1b[2J" not in output
    assert "\x07" not in output and "\x9b" not in output


def test_search_prints_where_each_article_matched(run_reader: RunReader, on_disk: Path) -> None:
    result = run_reader("search", "reconstruction")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert ANSI not in result.stdout, "a pipe gets no escape sequences, bold included"
    garden = lines.index(next(line for line in lines if "Gardening notes" in line))
    assert lines[garden + 1].startswith("        in a comment by Alice on Blog (id ")
    assert lines[garden + 1].endswith("): The reconstruction package is huge.")
    grid = lines.index(next(line for line in lines if "Winter power grid" in line))
    assert lines[grid + 1] == "        in the text: Attacks on the energy infrastructure slow the reconstruction."
    assert len(lines) == 6


def test_search_json_adds_where_it_matched(run_reader: RunReader, on_disk: Path) -> None:
    result = run_reader("search", "reconstruction", "--json")
    assert result.returncode == 0, result.stderr
    items = {item["title"]: item for item in json.loads(result.stdout)}
    for item in items.values():
        assert {"snippet", "match_in", "comment_id", "comment_author", "id", "title"} <= set(item)
    garden = items["Gardening notes"]
    assert garden["match_in"] == "comment" and garden["comment_author"] == "Alice"
    assert isinstance(garden["comment_id"], int)
    assert garden["snippet"] == "The reconstruction package is huge."
    shown = json.loads(run_reader("show", str(garden["id"]), "--json").stdout)
    assert garden["comment_id"] in {c["id"] for c in shown["comments"]}
    grid = items["Winter power grid"]
    assert (grid["match_in"], grid["comment_id"], grid["comment_author"]) == ("text", None, None)
    assert "reconstruction" in grid["snippet"]
    titled = json.loads(run_reader("search", "winter", "--json").stdout)
    assert [(i["match_in"], i["snippet"]) for i in titled] == [("title", "Winter power grid")]


def test_hostile_comment_text_never_reaches_the_output_raw(run_reader: RunReader, on_disk: Path) -> None:
    for args in (("search", "hostile"), ("search", "hostile", "--json"), ("search", '"sabotage plan"')):
        result = run_reader(*args)
        assert result.returncode == 0, result.stderr
        assert "hostile" in result.stdout or "plan" in result.stdout
        assert_terminal_safe(result.stdout + result.stderr)
    shown = run_reader("search", "hostile").stdout
    assert "\u241b]52;c;" in shown, "escapes show as visible symbols (\u241b for ESC)"


def run_at_a_terminal(db: Path, home: Path, *args: str) -> str:
    """Run ``reader`` with its stdout on a pseudo-terminal (a real tty) and return what it wrote."""
    env = dict(os.environ, READER_HOME=str(home), TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    env.pop("READER_DB", None)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*reader_command(), "--db", str(db), *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8")


def test_a_terminal_gets_the_matched_words_in_bold_and_nothing_raw(on_disk: Path, isolated_home: Path) -> None:
    shown = run_at_a_terminal(on_disk, isolated_home, "search", "reconstruction")
    assert "\x1b[1mreconstruction\x1b[22m package is huge." in shown
    hostile = run_at_a_terminal(on_disk, isolated_home, "search", '"sabotage plan"')
    # The phrase runs across a C1 control, shown as U+FFFD inside the bold.
    assert "\x1b[1msabotage\ufffd plan\x1b[22m" in hostile
    assert_terminal_safe(hostile.replace("\x1b[1m", "").replace("\x1b[22m", ""))
    assert "\x1b" not in hostile.replace("\x1b[1m", "").replace("\x1b[22m", "")
