"""The comments of a plain-text article as pages copied from the web have them.

Comments of several paragraphs, empty comments, ``1 Comment`` and ``12 comments``,
names with spaces or emoji, trailing spaces, CRLF: each file is imported into a
real SQLite library (or, for the large and generated files, parsed by the
plain-text parser itself) and the comments are read back as a user sees them.
The split into comments comes from the count and the shape of names (README,
"The plain-text format").
"""

from __future__ import annotations

import codecs
from pathlib import Path

from conftest import RunReader
from hypothesis import given, settings
from hypothesis import strategies as st
from import_helpers import import_one, write

from reader.models import CommentRow
from reader.parse.plaintext import is_name_shaped, parse_plaintext
from reader.store import Store

SOMEWHERE = Path("/nonexistent/folder/article.txt")


def render(comments: list[tuple[str, list[str]]], *, count: str | None = None, blank: bool = False) -> str:
    """An article in the format: title, body, the count line, then each name and its paragraphs."""
    lines = ["Village Road Reopens After Repairs", "The main road reopened on Friday after three months of work."]
    lines.append(count if count is not None else f"{len(comments)} Comments")
    for name, paragraphs in comments:
        lines.append(name)
        for paragraph in paragraphs:
            lines += ["", paragraph] if blank else [paragraph]
    return "\n".join(lines) + "\n"


def stored_comments(store: Store) -> list[CommentRow]:
    (row,) = store.list_articles(limit=10)
    return store.comments(row.id)


def read_back(store: Store) -> list[tuple[str, list[str]]]:
    """Each stored comment as (author, its paragraphs)."""
    return [(c.author, c.text.split("\n\n") if c.text else []) for c in stored_comments(store)]


ROAD_COMMENTS: list[tuple[str, list[str]]] = [
    (
        "Ann",
        [
            "The detour added twenty minutes to my commute every day.",
            "I am glad it is over, and the new surface is much quieter.",
        ],
    ),
    ("Bob", ["About time."]),
    (
        "Cid",
        [
            "The cycle lane is narrower than before.",
            "It used to fit two bikes side by side, now it barely fits one.",
            "Has anyone asked the council why?",
        ],
    ),
    ("Dee", ["Good work by the crews."]),
]


# --------------------------------------------------------------------------
# Shapes of comments


def test_a_comment_of_several_paragraphs_keeps_them_and_every_later_name(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "road.txt", render(ROAD_COMMENTS, blank=True)))

    assert outcome.error is None
    assert outcome.warnings == []
    assert outcome.stats.comments_added == 4
    assert read_back(store) == ROAD_COMMENTS
    assert all(c.depth == 0 for c in stored_comments(store))


def test_empty_comments_are_names_followed_by_names(store: Store, tmp_path: Path) -> None:
    comments = [
        ("Ann", []),
        ("Bob", ["Thanks for the clear write-up."]),
        ("Cid", []),
        ("Dee", ["I disagree with the second point."]),
    ]

    outcome = import_one(store, write(tmp_path / "empty.txt", render(comments)))

    assert outcome.error is None and outcome.warnings == []
    assert read_back(store) == comments
    assert stored_comments(store)[0].text == ""


def test_one_comment_of_two_paragraphs(store: Store, tmp_path: Path) -> None:
    comments = [("Ann", ["The first paragraph of the only comment.", "And its second paragraph."])]

    outcome = import_one(store, write(tmp_path / "one.txt", render(comments, count="1 Comment")))

    assert outcome.error is None and outcome.warnings == []
    assert read_back(store) == comments
    (row,) = store.list_articles()
    assert row.comment_count == 1


def test_a_lower_case_count_decides_which_name_shaped_lines_are_names(store: Store, tmp_path: Path) -> None:
    # Twelve comments; four paragraphs have the shape of a name ("Exactly"), so there
    # are sixteen candidate names: the count says which twelve they are.
    comments = [
        ("Ann", ["Exactly", "It is what I said at the meeting last week."]),
        ("Bob", ["The new surface is much quieter."]),
        ("Cid", ["Great article"]),
        ("Dee", ["Who paid for it?", "Same here"]),
        ("Eve", ["The detour was badly signposted."]),
        ("Fay", ["Thanks", "The photos are lovely."]),
        ("Gus", ["It took three months, not two."]),
        ("Hal", ["The crews worked at night as well."]),
        ("Ida", ["My street is next."]),
        ("Jon", ["The bus is on time again."]),
        ("Kim", ["Good news for the shops."]),
        ("Lea", ["The cycle lane is too narrow."]),
    ]

    outcome = import_one(store, write(tmp_path / "twelve.txt", render(comments, count="12 comments")))

    assert outcome.error is None
    assert outcome.warnings == []
    assert read_back(store) == comments


def test_names_with_spaces_and_emoji(store: Store, tmp_path: Path) -> None:
    comments = [
        ("\U0001f98a Fox Mulder", ["The truth is out there.", "Also, the road is out there now."]),
        ("Mary Ann van Berg", ["Lovely to drive on."]),
        ("Jos\u00e9 da Silva", ["Muito bom."]),
        ("\u674e\u5c0f\u9f99", ["\u5f88\u597d\u3002"]),
        ("user_42", ["Finally."]),
        ("\U0001f33b", ["Sunflowers along the verge would be nice."]),
    ]

    outcome = import_one(store, write(tmp_path / "names.txt", render(comments)))

    assert outcome.error is None and outcome.warnings == []
    assert read_back(store) == comments


def test_trailing_spaces_and_tabs_are_not_part_of_names_or_text(store: Store, tmp_path: Path) -> None:
    text = (
        "Village Road Reopens After Repairs  \n"
        "The main road reopened on Friday.   \n"
        "2 Comments \t\n"
        "Ann   \n"
        "First paragraph.  \n"
        "   \n"
        "Second paragraph.\t\n"
        "Bob \n"
        "Hello.  \n"
    )

    outcome = import_one(store, write(tmp_path / "spaces.txt", text))

    assert outcome.error is None and outcome.warnings == []
    assert read_back(store) == [("Ann", ["First paragraph.", "Second paragraph."]), ("Bob", ["Hello."])]


def test_crlf_and_a_byte_order_mark_read_like_lf(store: Store, tmp_path: Path) -> None:
    comments = [*ROAD_COMMENTS[:2], ("Cid", []), *ROAD_COMMENTS[2:]]
    text = render(comments, blank=True)

    outcome = import_one(store, write(tmp_path / "crlf.txt", codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode()))

    assert outcome.error is None and outcome.warnings == []
    assert read_back(store) == comments
    assert not any("\r" in c.text or "\r" in c.author for c in stored_comments(store))


def test_indented_replies_of_several_paragraphs(store: Store, tmp_path: Path) -> None:
    text = "\n".join(
        [
            "Threaded Talk",
            "A body paragraph.",
            "4 Comments",
            "Ann",
            "Top comment.",
            "  Bob",
            "  A reply in two paragraphs.",
            "  The second paragraph of the reply.",
            "    Cid",
            "A reply to the reply.",
            "Dee",
            "Another top-level comment.",
            "It has two paragraphs as well.",
        ]
    )

    outcome = import_one(store, write(tmp_path / "thread.txt", text))

    assert outcome.error is None and outcome.warnings == []
    comments = stored_comments(store)
    by_author = {c.author: c for c in comments}
    assert [(c.author, c.depth) for c in comments] == [("Ann", 0), ("Bob", 1), ("Cid", 2), ("Dee", 0)]
    assert by_author["Bob"].parent_id == by_author["Ann"].id
    assert by_author["Cid"].parent_id == by_author["Bob"].id
    assert by_author["Dee"].parent_id is None
    assert by_author["Bob"].text == "A reply in two paragraphs.\n\nThe second paragraph of the reply."
    assert by_author["Dee"].text == "Another top-level comment.\n\nIt has two paragraphs as well."


# --------------------------------------------------------------------------
# When the split is not certain


def test_an_uncertain_split_is_imported_and_the_warning_names_the_line(run_reader: RunReader, tmp_path: Path) -> None:
    # Two comments, three name-shaped lines: "Bob" may be Ann's sign-off or a commenter
    # whose comment is empty (then "Cid" would be his text). Line numbers count blank lines.
    text = "\n".join(
        [
            "Harbour Notes",  # 1
            "",  # 2
            "The ferry timetable changes next week.",  # 3
            "2 Comments",  # 4
            "Ann",  # 5
            "I will miss the early boat.",  # 6
            "",  # 7
            "Bob",  # 8
            "Cid",  # 9
            "The late boat suits me better.",  # 10
        ]
    )
    path = write(tmp_path / "notes" / "harbour.txt", text)

    result = run_reader("import", str(path))

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert "line 8" in warnings[0] and "Bob" in warnings[0]
    with Store(tmp_path / "library.db") as store:
        # The count is kept, and the likelier reading imported.
        assert read_back(store) == [
            ("Ann", ["I will miss the early boat.", "Bob"]),
            ("Cid", ["The late boat suits me better."]),
        ]


def test_far_more_name_shaped_lines_than_the_count_keeps_the_count_and_warns() -> None:
    lines = ["A Long Thread", "A body paragraph.", "3 Comments", "Ann", "Hello."]
    lines += [f"Point {number}" for number in range(1, 2001)]  # name-shaped, but far too many
    lines += ["Bob", "Second comment.", "Cid", "Third comment."]

    batch = parse_plaintext("\n".join(lines), SOMEWHERE)

    (_, article) = batch.articles[0]
    assert len(article.comments) == 3
    assert article.comments[0].author == "Ann"
    assert any(warning.startswith("line ") for warning in batch.warnings)


def test_thousands_of_comments_with_some_name_shaped_paragraphs_read_back_exactly() -> None:
    comments: list[tuple[str, list[str]]] = []
    for number in range(3000):
        paragraphs = [f"Comment number {number} says something."]
        if number % 2:
            paragraphs.append("A second paragraph, for good measure.")
        if number % 300 == 7:
            paragraphs.append("Same here")  # a paragraph with the shape of a name
        comments.append((f"Reader {number % 400}", paragraphs))

    batch = parse_plaintext(render(comments), SOMEWHERE)

    (_, article) = batch.articles[0]
    assert batch.warnings == []
    assert [(c.author, c.text.split("\n\n")) for c in article.comments] == comments


# --------------------------------------------------------------------------
# Property: whatever the names and paragraphs, a well-formed file reads back exactly

_EMOJI = st.sampled_from(["\U0001f98a", "\U0001f33b", "\U0001f680", "\u2764"])
_capital = st.characters(categories=("Lu", "Lo"))
_letters = st.text(st.characters(categories=("Ll", "Lo")), max_size=8)
_name_word = st.one_of(st.builds(lambda head, rest: head + rest, _capital, _letters), _EMOJI)
_name = st.lists(_name_word, min_size=1, max_size=3).map(" ".join)
_word = st.text(st.characters(categories=("Lu", "Ll", "Lo", "Nd")), min_size=1, max_size=10)
_paragraph = st.builds(
    lambda head, words: " ".join([head, *words]) + ".",
    st.text(st.characters(categories=("Lu", "Ll", "Lo")), min_size=1, max_size=10),
    st.lists(_word, max_size=8),
)
_comments = st.lists(st.tuples(_name, st.lists(_paragraph, min_size=1, max_size=3)), min_size=1, max_size=15)


@settings(max_examples=200, deadline=None)
@given(
    comments=_comments,
    newline=st.sampled_from(["\n", "\r\n"]),
    blanks=st.lists(st.sampled_from(["", "  ", "\t"]), max_size=40),
    trailing=st.sampled_from(["", " ", "  \t"]),
)
def test_any_list_of_comments_written_in_the_format_reads_back_exactly(
    comments: list[tuple[str, list[str]]], newline: str, blanks: list[str], trailing: str
) -> None:
    assert all(is_name_shaped(name) for name, _ in comments)
    assert not any(is_name_shaped(paragraph) for _, paragraphs in comments for paragraph in paragraphs)
    lines = ["A Title", "A body paragraph.", f"{len(comments)} Comments"]
    spare = list(blanks)
    for name, paragraphs in comments:
        lines.append(name + trailing)
        for paragraph in paragraphs:
            if spare:
                lines.append(spare.pop())  # blank lines (or only spaces) anywhere between
            lines.append(paragraph + trailing)

    batch = parse_plaintext(newline.join(lines), SOMEWHERE)

    (_, article) = batch.articles[0]
    assert batch.warnings == []
    assert [(c.author, c.text.split("\n\n")) for c in article.comments] == comments
