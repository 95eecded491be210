"""Untrusted text never carries terminal control sequences."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.models import ThreadSource
from reader.parse.comments import parse_thread_result
from reader.text.render import html_to_markdown, sanitize_html
from reader.text.sanitize import clean_line, clean_text, json_document, safe_url

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

HOSTILE = (
    "Breaking\x1b]52;c;ZXZpbA==\x07 news"  # OSC 52: write the clipboard
    "\x1b]0;pwned\x07"  # OSC 0: retitle the terminal
    "\x1b[2J\x1b[H"  # CSI: clear screen, cursor home
    "\x9b31m"  # C1 CSI
    "\x1bP+q\x1b\\"  # DCS
    "\x00\x0e"  # NUL, SO
    "\u202eevil\u202c"  # bidi override
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
)


def test_control_sequences_become_visible_and_words_stay() -> None:
    cleaned = clean_text(HOSTILE)
    assert not CONTROL.search(cleaned)
    assert not BIDI.search(cleaned)
    assert "Breaking" in cleaned and "news" in cleaned and "evil" in cleaned and "link" in cleaned
    # ESC is shown as the visible symbol for it, so the user sees something was there.
    assert "\u241b" in cleaned


def test_clean_text_keeps_newlines_and_tabs_and_normalises_line_ends() -> None:
    assert clean_text("a\r\nb\rc\u2028d\tx") == "a\nb\nc\nd\tx"


def test_clean_line_folds_everything_onto_one_line() -> None:
    assert clean_line("  Title\n  with\tbreaks \x1b[31m ") == "Title with breaks \u241b[31m"


@given(st.text())
def test_cleaned_text_never_contains_control_characters(value: str) -> None:
    cleaned = clean_text(value)
    assert not CONTROL.search(cleaned)
    assert not BIDI.search(cleaned)
    assert "\r" not in cleaned
    line = clean_line(value)
    assert "\n" not in line and "\t" not in line and not CONTROL.search(line)


def test_only_http_urls_are_safe_links() -> None:
    assert safe_url("https://example.com/a?b=c") == "https://example.com/a?b=c"
    assert safe_url("  http://example.com/  ") == "http://example.com/"
    for bad in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "ssh://host",
        "https://ex\x1bample.com",
        "https://example.com/\x1b]52;c;x\x07",
        "https://example.com/a b",
        "http:///nohost",
        "/relative/path",
        "",
        None,
    ]:
        assert safe_url(bad) is None, bad


def test_a_url_carrying_the_stand_ins_of_escape_sequences_is_not_a_link() -> None:
    """Once cleaned, ESC ] 52 ... in a URL reads "␛]52"; such a URL was made to smuggle, and is refused."""
    hostile = "https://evil.example/x\x1b]52;c;cHduZWQ=\x07"
    assert safe_url(hostile) is None
    assert safe_url(clean_line(hostile)) is None
    assert safe_url("https://evil.example/\ufffd") is None
    assert safe_url("https://example.com/caf\u00e9") == "https://example.com/caf\u00e9"


def test_html_sanitizer_drops_scripts_handlers_and_unsafe_link_targets() -> None:
    markup = (
        '<p onclick="steal()">Hello <a href="javascript:alert(1)">js</a> '
        '<a href="&#106;avascript:alert(1)">encoded</a> <a href="data:text/html,x">data</a> '
        '<a href="file:///etc/passwd">file</a> <a href="https://example.com/ok">ok</a></p>'
        "<script>document.cookie</script><style>body{}</style>"
        '<svg><a xlink:href="javascript:alert(2)">svg</a></svg>'
    )
    cleaned = sanitize_html(markup)
    text = html_to_markdown(cleaned)
    for gone in ("javascript", "data:", "file:", "document.cookie", "onclick", "steal", "body{}"):
        assert gone not in cleaned.lower() and gone not in text.lower(), gone
    assert "[ok](https://example.com/ok)" in text
    for link_text in ("js", "encoded", "data", "file"):
        assert link_text in text


def test_relative_links_resolve_against_the_article() -> None:
    text = html_to_markdown(sanitize_html('<p><a href="/about">about</a></p>'), "https://example.com/post/1")
    assert "[about](https://example.com/about)" in text


# -- JSON nested past the recursion limit ------------------------------------------


def reddit_chain(depth: int) -> bytes:
    """A Reddit permalink answer whose comments each answer the one before: four JSON levels a reply.

    Written out piece by piece: ``json.dumps`` itself recurses, and would not write it.
    """
    opening, closing = [], []
    for n in range(depth):
        data = {"id": f"c{n}", "name": f"t1_c{n}", "author": f"user{n}", "body": f"reply {n}", "created_utc": 1.7e9}
        child = '{"kind": "t1", "data": ' + json.dumps(data)[:-1] + ', "replies": '
        opening.append('{"kind": "Listing", "data": {"children": [' + child)
        closing.append("}}]}}")  # the comment's data, the child, the list of children, the listing's data, itself
    listing = "".join(opening) + '""' + "".join(closing)
    post = {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"id": "p1", "num_comments": depth}}]}}
    return ("[" + json.dumps(post) + ", " + listing + "]").encode()


def test_a_reddit_thread_of_400_levels_is_read_whole() -> None:
    """400 replies deep is 1,600 JSON levels, past json.loads (about 450 here): read without recursion."""
    body = reddit_chain(400)
    with pytest.raises(RecursionError):
        json.loads(body)
    parsed = parse_thread_result("reddit", body, ThreadSource(1, "g", None, None, None, None))
    assert len(parsed.comments) == 400
    assert [(c.guid, c.parent_guid) for c in parsed.comments[:2]] == [
        ("reddit:t1_c0", None),
        ("reddit:t1_c1", "reddit:t1_c0"),
    ]
    assert parsed.comments[-1].parent_guid == "reddit:t1_c398" and parsed.comments[-1].text == "reply 399"


def test_deep_json_reads_as_json_does_and_refuses_what_is_not_json() -> None:
    deep = b"[" * 5000 + b'{"a": "x\\ud800y", "b": [1, 2.5, true, null]}' + b"]" * 5000
    value = json_document(deep)
    for _ in range(5000):
        assert isinstance(value, list) and len(value) == 1
        value = value[0]
    assert value == {"a": "x\ufffdy", "b": [1, 2.5, True, None]}
    for broken in (b"[" * 5000, b"[" * 5000 + b"1" + b"]" * 4999 + b"}", b"[" * 5000 + b"]" * 5000 + b"x"):
        with pytest.raises(ValueError):
            json_document(broken)
