"""Plain-text articles with comments, imported into a real SQLite library.

Every test writes real files under ``tmp_path`` and imports them with
:func:`reader.parse.import_paths` (or the plain-text parser itself for
the property tests), then reads back what a user would see.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import import_one, write

from reader.models import ArticleDetail, CommentRow
from reader.parse import ImportFailure
from reader.parse.plaintext import parse_plaintext
from reader.service.reading import read_article
from reader.store import Store

SEED_TITLE = "Ukrainian Delegation Engages in US Peace Talks"
SEED_HEADINGS = [
    "## Discussions with Key US Officials and Diplomatic Push",
    "## Russia Intensifies Attacks on Ukraine's Power Grid",
    "## Outlook for Peace and Reconstruction",
]
SEED_AUTHORS = ["Donatello", "Michelangelo", "Donatello", "Leonardo", "Coccinella"]

# A self-contained article in the same shape as the seed: three headings,
# body paragraphs, five top-level comments.
ARTICLE_LINES = [
    "Harbour Town Votes on New Ferry Line",
    "The council of Harbour Town met on Tuesday to vote on a ferry line to the islands.",
    "Supporters say the line would cut travel times in half.",
    "Costs and Funding",
    "The line would cost 12 million euros over five years, paid partly by the region.",
    "What Residents Said",
    "Residents filled the hall; most spoke in favour, a few worried about noise.",
    "Next Steps",
    "A final decision is expected in March, after a public consultation.",
    "5 Comments",
    "Marta",
    "Finally! I have waited years for this.",
    "Olek",
    "Who pays when the budget runs over?",
    "Marta",
    "The region does, as the article says.",
    "Ines",
    "Noise is a real concern near the pier.",
    "Pavel",
    "Good news for the islands.",
]
ARTICLE_TITLE = ARTICLE_LINES[0]
ARTICLE_HEADINGS = ["## Costs and Funding", "## What Residents Said", "## Next Steps"]
ARTICLE_AUTHORS = ["Marta", "Olek", "Marta", "Ines", "Pavel"]
ARTICLE_COMMENT_TEXTS = [
    "Finally! I have waited years for this.",
    "Who pays when the budget runs over?",
    "The region does, as the article says.",
    "Noise is a real concern near the pier.",
    "Good news for the islands.",
]


def only_article(store: Store) -> ArticleDetail:
    rows = store.list_articles(limit=1000)
    assert len(rows) == 1, [row.title for row in rows]
    detail = read_article(store, rows[0].id)
    assert detail is not None
    return detail


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.split("\n") if line.startswith("## ")]


def authors(comments: list[CommentRow]) -> list[str]:
    return [comment.author for comment in comments]


def row_counts(store: Store) -> tuple[int, int, int]:
    return tuple(
        store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("feeds", "articles", "comments")
    )


# --------------------------------------------------------------------------
# The seed example


def test_seed_file_gives_title_three_headings_body_and_five_top_level_comments(store: Store, seed_file: Path) -> None:
    outcome = import_one(store, seed_file)

    assert outcome.error is None
    assert outcome.kind == "plain-text article"
    assert outcome.warnings == []
    assert outcome.stats.articles_added == 1
    assert outcome.stats.comments_added == 5
    detail = only_article(store)
    assert detail.article.title == SEED_TITLE
    assert headings(detail.text) == SEED_HEADINGS
    # Body paragraphs are there, in order, before and between the headings.
    blocks = detail.text.split("\n\n")
    assert blocks[0].startswith("A high-level Ukrainian delegation arrived in the United States")
    assert blocks[1].startswith("The primary objective of the visit")
    assert blocks[2] == SEED_HEADINGS[0]
    assert blocks[-1].startswith("While the U.S. and Ukraine work towards a potential peace settlement")
    assert "5 Comments" not in detail.text
    assert "Donatello" not in detail.text
    # The same structure in the stored HTML.
    assert detail.html is not None
    assert detail.html.count("<h2>") == 3
    assert "<h2>Outlook for Peace and Reconstruction</h2>" in detail.html

    comments = store.comments(detail.article.id)
    assert authors(comments) == SEED_AUTHORS
    assert all(c.depth == 0 and c.parent_id is None for c in comments)
    assert [c.position for c in comments] == [0, 1, 2, 3, 4]
    assert comments[0].text.startswith("While diplomatic efforts are always welcome")
    assert comments[2].text == (
        "Securing security guarantees and reconstruction funds is exactly what Ukraine needs for its future."
    )
    assert comments[4].text.endswith("remain huge obstacles that these talks might struggle to overcome.")
    assert detail.article.comment_count == 5


def test_seed_with_crlf_and_bom_reads_exactly_like_the_seed(store: Store, seed_file: Path, tmp_path: Path) -> None:
    original = seed_file.read_bytes()
    variant = write(tmp_path / "crlf" / "seed.txt", codecs.BOM_UTF8 + original.replace(b"\n", b"\r\n"))

    import_one(store, seed_file)
    outcome = import_one(store, variant)

    assert outcome.error is None
    assert outcome.warnings == []
    rows = store.list_articles(limit=10)
    assert len(rows) == 2  # two folders, so two sources; the content must be identical
    first, second = (read_article(store, row.id) for row in rows)
    assert first is not None and second is not None
    assert first.article.title == second.article.title == SEED_TITLE
    assert first.text == second.text
    assert "\r" not in second.text
    assert "\ufeff" not in second.article.title
    assert [(c.author, c.text, c.depth) for c in first.comments] == [
        (c.author, c.text, c.depth) for c in second.comments
    ]


# --------------------------------------------------------------------------
# Variants of the format


def test_article_in_the_seed_shape(store: Store, tmp_path: Path) -> None:
    outcome = import_one(store, write(tmp_path / "ferry.txt", "\n".join(ARTICLE_LINES) + "\n"))

    assert outcome.error is None and outcome.warnings == []
    detail = only_article(store)
    assert detail.article.title == ARTICLE_TITLE
    assert headings(detail.text) == ARTICLE_HEADINGS
    assert detail.text.split("\n\n")[:2] == [ARTICLE_LINES[1], ARTICLE_LINES[2]]
    assert authors(detail.comments) == ARTICLE_AUTHORS
    assert [c.text for c in detail.comments] == ARTICLE_COMMENT_TEXTS
    assert all(c.depth == 0 for c in detail.comments)
    # The article is grouped under its folder.
    assert detail.article.feed == tmp_path.name


@pytest.mark.parametrize(
    ("name", "transform"),
    [
        ("crlf", lambda text: text.replace("\n", "\r\n").encode("utf-8")),
        ("bom", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
        ("bom-crlf", lambda text: codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode("utf-8")),
        ("blank-lines", lambda text: ("\n\n" + text.replace("\n", "\n\n  \n\t\n") + "\n\n").encode("utf-8")),
        ("utf-16", lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
    ],
)
def test_line_endings_bom_and_blank_lines_give_the_same_article(
    store: Store, tmp_path: Path, name: str, transform: Callable[[str], bytes]
) -> None:
    text = "\n".join(ARTICLE_LINES) + "\n"
    import_one(store, write(tmp_path / "plain.txt", text))
    plain = only_article(store)

    outcome = import_one(store, write(tmp_path / f"{name}.txt", transform(text)))

    assert outcome.error is None
    assert outcome.warnings == []
    # Same folder, same title and body: recognised as the same article.
    assert outcome.stats.articles_added == 0
    assert outcome.stats.comments_added == 0
    again = only_article(store)
    assert again.article.id == plain.article.id
    assert again.article.title == ARTICLE_TITLE
    assert again.text == plain.text
    assert "\r" not in again.text and "\ufeff" not in again.article.title
    assert [(c.author, c.text) for c in again.comments] == list(
        zip(ARTICLE_AUTHORS, ARTICLE_COMMENT_TEXTS, strict=True)
    )


def test_zero_comments_marker_gives_no_comments_and_no_warning(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "quiet.txt", "Quiet Day at the Market\nNothing much happened today.\n0 Comments\n")

    outcome = import_one(store, path)

    assert outcome.error is None
    assert outcome.warnings == []
    detail = only_article(store)
    assert detail.article.title == "Quiet Day at the Market"
    assert detail.text == "Nothing much happened today."
    assert detail.comments == []
    assert detail.article.comment_count == 0


def test_no_comments_section_keeps_every_line_in_the_body(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "essay.txt",
        "On Bridges\nBridges join places.\nWhy They Matter\nThey also join people.\nMarta\n",
    )

    outcome = import_one(store, path)

    assert outcome.error is None and outcome.warnings == []
    detail = only_article(store)
    assert detail.text == "Bridges join places.\n\n## Why They Matter\n\nThey also join people.\n\n## Marta"
    assert detail.comments == []


def test_a_count_that_disagrees_with_the_pairs_warns_and_imports_what_is_there(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "count.txt", "Count Test\nBody text.\n3 Comments\nAnn\nFirst.\nBob\nSecond.\n")

    outcome = import_one(store, path)

    assert outcome.error is None
    assert outcome.warnings == ["the file says 3 comments but has 2; imported 2"]
    detail = only_article(store)
    assert [(c.author, c.text) for c in detail.comments] == [("Ann", "First."), ("Bob", "Second.")]


def test_invalid_utf8_warns_shows_replacement_characters_and_still_imports(store: Store, tmp_path: Path) -> None:
    data = b"Caf\xe9 Opening Draws Crowds\nThe new caf\xe9 opened on Monday.\n1 Comment\nJos\xe9\nLovely coffee.\n"
    outcome = import_one(store, write(tmp_path / "latin.txt", data))

    assert outcome.error is None
    assert len(outcome.warnings) == 1
    assert outcome.warnings[0].startswith("invalid UTF-8 at byte 3")
    assert "\ufffd" in outcome.warnings[0]
    detail = only_article(store)
    assert detail.article.title == "Caf\ufffd Opening Draws Crowds"
    assert detail.text == "The new caf\ufffd opened on Monday."
    assert [(c.author, c.text) for c in detail.comments] == [("Jos\ufffd", "Lovely coffee.")]


def test_an_odd_trailing_name_without_text_warns(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.txt", "Odd Ending\nBody text.\n2 Comments\nAnn\nHello there.\nBob\n")

    outcome = import_one(store, path)

    assert outcome.error is None
    assert "the last comment (by Bob) has no text" in outcome.warnings
    detail = only_article(store)
    assert detail.comments[0].author == "Ann"
    assert detail.comments[0].text == "Hello there."
    # Bob's name is not mistaken for text or lost silently.
    assert all(c.text != "Bob" for c in detail.comments)


def test_indented_names_are_replies_with_parent_and_depth(store: Store, tmp_path: Path) -> None:
    text = "\n".join(
        [
            "Threaded Talk",
            "A body paragraph.",
            "6 Comments",
            "Ann",
            "Top one.",
            "  Bob",
            "Reply to Ann.",
            "    Cid",
            "Reply to Bob.",
            "  Dee",
            "Second reply to Ann.",
            "Eve",
            "Top two.",
            # Indented three levels under a top-level comment: one level deeper at most.
            "        Fay",
            "Reply to Eve.",
        ]
    )
    outcome = import_one(store, write(tmp_path / "thread.txt", text))

    assert outcome.error is None and outcome.warnings == []
    detail = only_article(store)
    comments = store.comments(detail.article.id)
    by_author = {c.author: c for c in comments}
    assert authors(comments) == ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay"]
    assert [c.depth for c in comments] == [0, 1, 2, 1, 0, 1]
    assert by_author["Ann"].parent_id is None
    assert by_author["Bob"].parent_id == by_author["Ann"].id
    assert by_author["Cid"].parent_id == by_author["Bob"].id
    assert by_author["Dee"].parent_id == by_author["Ann"].id
    assert by_author["Eve"].parent_id is None
    assert by_author["Fay"].parent_id == by_author["Eve"].id
    assert by_author["Cid"].text == "Reply to Bob."
    # Indentation is not part of the name.
    assert all(not c.author.startswith(" ") for c in comments)


def test_short_lines_without_final_punctuation_are_headings_others_paragraphs(store: Store, tmp_path: Path) -> None:
    long_line = "A line without a full stop that goes on " + "and on " * 20
    text = "\n".join(
        [
            "Headings Test",
            "Is this a question?",
            "A Plain Heading",
            "He said: \u201cyes.\u201d",
            long_line.strip(),
            "Another Heading",
        ]
    )
    import_one(store, write(tmp_path / "h.txt", text))

    detail = only_article(store)
    assert headings(detail.text) == ["## A Plain Heading", "## Another Heading"]
    assert "Is this a question?" in detail.text.split("\n\n")
    assert "He said: \u201cyes.\u201d" in detail.text.split("\n\n")
    assert long_line.strip() in detail.text.split("\n\n")


def test_markdown_looking_lines_are_shown_as_written(store: Store, tmp_path: Path) -> None:
    text = "Escapes\n# not a heading.\n1. not a list.\n[not](a link).\n1 Comment\nAnn\n> not a quote.\n"
    import_one(store, write(tmp_path / "md.txt", text))

    detail = only_article(store)
    # Nothing in the body turned into Markdown structure.
    assert headings(detail.text) == []
    assert not any(line.startswith(("# ", "1. ", "[")) for line in detail.text.split("\n"))
    assert "not a heading." in detail.text
    assert "not a list." in detail.text
    assert not detail.comments[0].text.startswith(">")
    assert detail.comments[0].text.endswith("not a quote.")


def test_a_file_of_only_blank_lines_is_refused_and_stores_nothing(store: Store, tmp_path: Path) -> None:
    blank = "\n\n   \n\t\n\r\n"
    with pytest.raises(ImportFailure, match="blank lines"):
        parse_plaintext(blank, tmp_path / "blank.txt")

    outcome = import_one(store, write(tmp_path / "blank.txt", blank))

    assert outcome.error is not None
    assert "empty" in outcome.error or "blank" in outcome.error
    assert "\n" not in outcome.error
    assert row_counts(store) == (0, 0, 0)


def test_reimport_after_a_new_comment_adds_only_it_and_keeps_read_and_starred(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ferry.txt", "\n".join(ARTICLE_LINES) + "\n")
    import_one(store, path)
    before = only_article(store)
    store.mark([before.article.id], read=True, starred=True)
    old_ids = [c.id for c in before.comments]

    grown = [*ARTICLE_LINES, "  Olek", "Thanks, I missed that."]
    grown[grown.index("5 Comments")] = "6 Comments"
    write(path, "\n".join(grown) + "\n")
    outcome = import_one(store, path)

    assert outcome.error is None and outcome.warnings == []
    assert outcome.stats.articles_added == 0
    assert outcome.stats.comments_added == 1
    after = only_article(store)
    assert after.article.id == before.article.id
    assert after.article.read is True
    assert after.article.starred is True
    assert [c.id for c in after.comments if c.id in old_ids] == old_ids
    assert authors(after.comments) == [*ARTICLE_AUTHORS, "Olek"]
    new = after.comments[-1]
    assert new.text == "Thanks, I missed that."
    assert new.depth == 1
    assert new.parent_id == after.comments[-2].id  # a reply to Pavel
    assert after.article.comment_count == 6


def test_importing_the_same_file_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "ferry.txt", "\n".join(ARTICLE_LINES) + "\n")
    import_one(store, path)
    snapshot = snapshot_of(store)

    outcome = import_one(store, path)

    assert outcome.stats.articles_added == 0 and outcome.stats.comments_added == 0
    assert snapshot_of(store) == snapshot


# --------------------------------------------------------------------------
# Properties

_examples = itertools.count()


def snapshot_of(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    articles = store.conn.execute("SELECT id, guid, title, text, comment_count FROM articles ORDER BY id").fetchall()
    comments = store.conn.execute(
        "SELECT id, article_id, guid, parent_id, depth, position, author, text FROM comments ORDER BY id"
    ).fetchall()
    return [tuple(r) for r in articles], [tuple(r) for r in comments]


_line = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_format_lines = st.lists(
    st.one_of(
        _line,
        st.builds(lambda s: "  " + s, _line),
        st.sampled_from(
            ["", "   ", "3 Comments", "0 comments", "1 Comment", "No comments", "Ann", "  Bob", "    Cid", "Same."]
        ),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(exclude_categories=["Cs"])))
def test_the_plain_text_parser_raises_nothing_but_import_failure(text: str) -> None:
    try:
        batch = parse_plaintext(text, Path("/nonexistent/folder/article.txt"))
    except ImportFailure as failure:
        assert str(failure)
        assert "\n" not in str(failure)
    else:
        assert len(batch.articles) == 1
        _, article = batch.articles[0]
        assert article.title.strip()
        assert "\n" not in article.title


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=_format_lines, newline=st.sampled_from(["\n", "\r\n"]))
def test_importing_any_text_file_twice_equals_importing_it_once(tmp_path: Path, lines: list[str], newline: str) -> None:
    folder = tmp_path / f"example-{next(_examples)}"
    path = write(folder / "article.txt", newline.join(lines))
    with Store(folder / "library.db") as store:
        first = import_one(store, path)
        once = snapshot_of(store)
        second = import_one(store, path)
        twice = snapshot_of(store)

    assert (first.error is None) == (second.error is None)
    assert twice == once
    if first.error is None:
        assert first.stats.articles_added == len(once[0]) == 1
        assert first.stats.comments_added == len(once[1])
        assert second.stats.articles_added == 0
        assert second.stats.comments_added == 0
    else:
        assert once == ([], [])
        assert "\n" not in first.error
