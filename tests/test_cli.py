"""The real ``reader`` command, run as a user would run it."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from conftest import RunReader

from reader.store import Store

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

ATOM_THREAD = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
  <title>Thread test</title><id>urn:t</id><updated>2026-01-02T00:00:00Z</updated>
  <entry><id>urn:t:post</id><title>The post</title><updated>2026-01-02T00:00:00Z</updated>
    <author><name>Poster</name></author>
    <link href="https://example.com/post"/><content type="html">&lt;p&gt;Post body&lt;/p&gt;</content></entry>
  <entry><id>urn:t:c1</id><title>c1</title><updated>2026-01-02T01:00:00Z</updated>
    <author><name>Ann</name></author><thr:in-reply-to ref="urn:t:post"/>
    <content type="html">First!</content></entry>
  <entry><id>urn:t:c2</id><title>c2</title><updated>2026-01-02T02:00:00Z</updated>
    <author><name>Bob</name></author><thr:in-reply-to ref="urn:t:c1"/>
    <content type="html">Replying to Ann</content></entry>
</feed>
"""


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got: {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]


def test_seed_file_imports_and_shows_title_headings_body_and_comments(run_reader: RunReader, seed_file: Path) -> None:
    result = run_reader("import", str(seed_file))
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout

    listed = json.loads(run_reader("list", "--json").stdout)
    assert len(listed) == 1
    shown = run_reader("show", str(listed[0]["id"]))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Ukrainian Delegation Engages in US Peace Talks"
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Discussions with Key US Officials and Diplomatic Push",
        "## Russia Intensifies Attacks on Ukraine's Power Grid",
        "## Outlook for Peace and Reconstruction",
    ]
    assert any(line.startswith("A high-level Ukrainian delegation arrived") for line in lines)
    authors = [line.split(" \u00b7 ")[0] for line in lines if " \u00b7 seen " in line]
    assert authors == ["Donatello", "Michelangelo", "Donatello", "Leonardo", "Coccinella"]
    # The body comes before the comments, each comment's text right after its author.
    body_end = lines.index("## Outlook for Peace and Reconstruction")
    first_comment = next(i for i, line in enumerate(lines) if line.startswith("Donatello \u00b7"))
    assert body_end < first_comment
    assert lines[first_comment + 1].startswith("While diplomatic efforts are always welcome")


def test_reimporting_never_duplicates_and_keeps_marks(run_reader: RunReader, seed_file: Path) -> None:
    run_reader("import", str(seed_file))
    article_id = json.loads(run_reader("list", "--json").stdout)[0]["id"]
    assert run_reader("mark", str(article_id), "--read", "--star").returncode == 0
    again = run_reader("import", str(seed_file))
    assert again.returncode == 0
    assert "0 new" in again.stdout
    listed = json.loads(run_reader("list", "--json").stdout)
    assert [(a["id"], a["read"], a["starred"]) for a in listed] == [(article_id, True, True)]
    shown = json.loads(run_reader("show", str(article_id), "--json").stdout)
    assert len(shown["comments"]) == 5


def test_json_output_has_the_documented_fields(run_reader: RunReader, tmp_path: Path) -> None:
    feed = tmp_path / "thread.atom"
    feed.write_text(ATOM_THREAD, encoding="utf-8")
    assert run_reader("import", str(feed)).returncode == 0

    (item,) = json.loads(run_reader("list", "--json").stdout)
    for key in ("id", "title", "feed", "url", "author", "published", "read", "starred", "comment_count"):
        assert key in item
    assert item["title"] == "The post"
    assert item["feed"] == "Thread test"
    assert item["url"] == "https://example.com/post"
    assert item["author"] == "Poster"
    assert item["published"] == "2026-01-02T00:00:00Z"
    assert item["read"] is False and item["starred"] is False
    assert item["comment_count"] == 2

    detail = json.loads(run_reader("show", str(item["id"]), "--json").stdout)
    assert detail["text"] == "Post body"
    comments = detail["comments"]
    assert [(c["author"], c["depth"], c["text"]) for c in comments] == [
        ("Ann", 0, "First!"),
        ("Bob", 1, "Replying to Ann"),
    ]
    assert comments[0]["parent_id"] is None
    assert comments[1]["parent_id"] == comments[0]["id"]
    assert comments[1]["published"] == "2026-01-02T02:00:00Z"

    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert [(f["title"], f["unread"]) for f in feeds] == [("Thread test", 1)]
    for key in ("id", "title", "url", "unread", "last_status", "last_error"):
        assert key in feeds[0]

    found = json.loads(run_reader("search", "replying", "--json").stdout)
    assert [f["id"] for f in found] == [item["id"]]


def test_show_indents_replies_two_spaces_per_level(run_reader: RunReader, tmp_path: Path) -> None:
    feed = tmp_path / "thread.atom"
    feed.write_text(ATOM_THREAD, encoding="utf-8")
    run_reader("import", str(feed))
    shown = run_reader("show", "1").stdout.splitlines()
    assert "Ann \u00b7 2026-01-02 01:00 UTC" in shown
    assert "  Bob \u00b7 2026-01-02 02:00 UTC" in shown
    assert "  Replying to Ann" in shown


def test_list_filters_and_limit(run_reader: RunReader, tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Item {i}</title><guid>g{i}</guid><pubDate>Mon, 0{i} Jun 2025 10:00:00 GMT</pubDate></item>"
        for i in range(1, 6)
    )
    (tmp_path / "f.rss").write_text(f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>')
    run_reader("import", str(tmp_path / "f.rss"))
    ids = [a["id"] for a in json.loads(run_reader("list", "--json").stdout)]
    assert [a["title"] for a in json.loads(run_reader("list", "--json").stdout)] == [
        f"Item {i}" for i in range(5, 0, -1)
    ]
    run_reader("mark", str(ids[0]), str(ids[1]), "--read")
    run_reader("mark", str(ids[1]), str(ids[2]), "--star")
    unread = json.loads(run_reader("list", "--unread", "--json").stdout)
    assert [a["id"] for a in unread] == ids[2:]
    starred = json.loads(run_reader("list", "--starred", "--json").stdout)
    assert [a["id"] for a in starred] == ids[1:3]
    both = json.loads(run_reader("list", "--starred", "--unread", "--json").stdout)
    assert [a["id"] for a in both] == [ids[2]]
    assert len(json.loads(run_reader("list", "--limit", "2", "--json").stdout)) == 2
    feed_id = json.loads(run_reader("feeds", "--json").stdout)[0]["id"]
    assert len(json.loads(run_reader("list", "--feed", str(feed_id), "--json").stdout)) == 5
    missing = run_reader("list", "--feed", "999")
    assert missing.returncode != 0
    assert "no feed with id 999" in one_line_error(missing.stderr)


def test_one_bad_file_fails_alone_with_one_line(run_reader: RunReader, tmp_path: Path, seed_file: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-good.txt").write_text(seed_file.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-bad.xml").write_bytes(b"<rss version='2.0'><channel><title>cut off")
    (tmp_path / "c-binary.bin").write_bytes(bytes(range(256)) * 20)
    # The binary file is named on the command line too: in a folder it would only be passed over.
    result = run_reader("import", str(folder), str(tmp_path / "c-binary.bin"))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 2
    assert any("b-bad.xml" in e and "expected" in e and "found" in e for e in errors)
    assert any("c-binary.bin" in e and "binary" in e for e in errors)
    assert "Traceback" not in result.stderr
    assert [a["title"] for a in json.loads(run_reader("list", "--json").stdout)] == [
        "Ukrainian Delegation Engages in US Peace Talks"
    ]


def test_missing_path_is_an_error_and_others_still_import(
    run_reader: RunReader, tmp_path: Path, seed_file: Path, db_path: Path
) -> None:
    Store(db_path).close()  # an existing library: a new one would add its own line to stderr
    result = run_reader("import", str(tmp_path / "nope.txt"), str(seed_file))
    assert result.returncode == 1
    assert "nope.txt: no such file or directory" in one_line_error(result.stderr)
    assert len(json.loads(run_reader("list", "--json").stdout)) == 1


def test_add_accepts_http_only(run_reader: RunReader) -> None:
    ok = run_reader("add", "--no-check", "https://example.com/feed.xml")
    assert ok.returncode == 0, ok.stderr
    again = run_reader("add", "--no-check", "https://example.com/feed.xml")
    assert "already subscribed" in again.stdout
    for bad in ("file:///etc/passwd", "javascript:alert(1)", "/etc/passwd", "ftp://example.com/x", "feed.xml"):
        result = run_reader("add", "--no-check", bad)
        assert result.returncode == 1, bad
        assert "expected an http:// or https:// feed URL" in one_line_error(result.stderr)
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert [f["url"] for f in feeds] == ["https://example.com/feed.xml"]


def test_mark_reports_unknown_ids_and_requires_a_flag(run_reader: RunReader, seed_file: Path) -> None:
    run_reader("import", str(seed_file))
    result = run_reader("mark", "1", "4242", "--star")
    assert result.returncode == 1
    assert "no article with id 4242" in one_line_error(result.stderr)
    assert json.loads(run_reader("list", "--json").stdout)[0]["starred"] is True
    nothing = run_reader("mark", "1")
    assert nothing.returncode != 0
    assert "--read" in one_line_error(nothing.stderr)


def test_search_takes_anything_people_type(run_reader: RunReader, seed_file: Path) -> None:
    run_reader("import", str(seed_file))
    found = run_reader("search", '"peace agreement" -nothingmatches', "--json")
    assert len(json.loads(found.stdout)) == 1
    in_comments = json.loads(run_reader("search", "Coccinella OR impartiality", "--json").stdout)
    assert len(in_comments) == 1
    for query in ['"', "", "AND OR", "NEAR(", "*", "-x"]:
        result = run_reader("search", query)
        assert "Traceback" not in result.stderr
        if result.returncode:
            assert one_line_error(result.stderr).startswith("reader: error: search:")


def test_errors_are_one_line_without_tracebacks(run_reader: RunReader, tmp_path: Path, store: Store) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("just some notes\n" * 200)
    result = run_reader("list", db=not_a_db)
    assert result.returncode == 1
    assert "not a reader database" in one_line_error(result.stderr)
    assert not_a_db.read_text().startswith("just some notes")

    missing = run_reader("show", "12345")
    assert missing.returncode == 1
    assert "no article with id 12345" in one_line_error(missing.stderr)

    usage = run_reader("show", "not-a-number")
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


def test_db_from_environment_and_default_location(run_reader: RunReader, isolated_home: Path, seed_file: Path) -> None:
    # No --db: the database goes under READER_HOME (the test's stand-in for the user data folder).
    result = run_reader("import", str(seed_file), db=None)
    assert result.returncode == 0, result.stderr
    assert (isolated_home / "data" / "reader.db").exists()


def test_export_opml_round_trips_folders(run_reader: RunReader, tmp_path: Path, db_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        """<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
        <outline text="Tech"><outline text="Linux">
          <outline type="rss" text="LWN" xmlUrl="https://lwn.net/headlines/rss" htmlUrl="https://lwn.net/"/>
        </outline></outline>
        <outline type="rss" text="Top level" xmlUrl="https://example.com/top.xml" category="news,daily"/>
        </body></opml>"""
    )
    assert run_reader("import", str(opml)).returncode == 0
    exported = run_reader("export", "opml")
    assert exported.returncode == 0
    out = tmp_path / "again.opml"
    out.write_text(exported.stdout)

    second_db = tmp_path / "second.db"
    assert run_reader("import", str(out), db=second_db).returncode == 0
    first = {(f["title"], f["url"], tuple(f["tags"])) for f in json.loads(run_reader("feeds", "--json").stdout)}
    second = {
        (f["title"], f["url"], tuple(f["tags"])) for f in json.loads(run_reader("feeds", "--json", db=second_db).stdout)
    }
    assert first == second
    assert ("LWN", "https://lwn.net/headlines/rss", ("Tech/Linux",)) in first
    assert ("Top level", "https://example.com/top.xml", ("daily", "news")) in first


def test_export_markdown_has_article_and_thread(run_reader: RunReader, tmp_path: Path) -> None:
    (tmp_path / "t.atom").write_text(ATOM_THREAD)
    run_reader("import", str(tmp_path / "t.atom"))
    target = tmp_path / "out.md"
    assert run_reader("export", "markdown", "1", "-o", str(target)).returncode == 0
    text = target.read_text()
    assert text.startswith("# The post\n")
    assert "Post body" in text
    assert "**Ann**" in text and "> **Bob**" in text and "> Replying to Ann" in text


def test_terminal_escapes_never_reach_the_output(run_reader: RunReader, tmp_path: Path) -> None:
    hostile = "Title \x1b]52;c;ZXZpbA==\x07 with \x1b[2J escapes \u009b31m and [@click=app.quit]markup[/]"
    feed = tmp_path / "evil.rss"
    body = "&lt;p&gt;Body &amp;#x1B;]0;retitled&amp;#x07; text&lt;/p&gt;"
    feed.write_text(
        '<rss version="2.0"><channel><title>Evil \x1b]0;x\x07 feed</title>'
        f"<item><title>{hostile}</title><guid>e1</guid><author>a\x1b[31mb</author>"
        f"<description>{body}</description></item></channel></rss>",
        encoding="utf-8",
    )
    imported = run_reader("import", str(feed))
    for command in (("list",), ("show", "1"), ("feeds",), ("search", "escapes"), ("show", "1", "--json")):
        result = run_reader(*command)
        output = result.stdout + result.stderr
        if imported.returncode == 0:
            assert "escapes" in output or command == ("feeds",)
        assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output, command
        assert not CONTROL.search(output.replace("\n", "").replace("\t", "")), command
    shown = run_reader("show", "1").stdout
    assert "[@click=app.quit]markup[/]" in shown
    raw = sqlite3.connect(tmp_path / "library.db")
    for (title,) in raw.execute("SELECT title FROM articles UNION SELECT title FROM feeds"):
        assert not CONTROL.search(title)


def test_no_subcommand_prints_help_and_module_entry_point_works(run_reader: RunReader) -> None:
    import subprocess
    import sys

    result = run_reader()
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "import" in result.stdout
    module = subprocess.run([sys.executable, "-m", "reader", "--help"], capture_output=True, text=True)
    assert module.returncode == 0 and "search" in module.stdout


def test_demo_loads_its_own_content(run_reader: RunReader, tmp_path: Path) -> None:
    kept = tmp_path / "demo.db"
    result = run_reader("demo", "--keep", str(kept), db=None)
    assert result.returncode == 0, result.stderr
    assert "Welcome to reader" in result.stdout
    titles = {a["title"]: a for a in json.loads(run_reader("list", "--json", db=kept).stdout)}
    assert "Should a newsreader collapse replies by default?" in titles
    thread = json.loads(
        run_reader(
            "show", str(titles["Should a newsreader collapse replies by default?"]["id"]), "--json", db=kept
        ).stdout
    )
    assert max(c["depth"] for c in thread["comments"]) >= 3
    # The demo shows the discussion in two places, as D or a feed's links make it: two threads.
    assert [(t["label"], t["comment_count"]) for t in thread["threads"]] == [("Blog", 8), ("Mastodon", 3)]
    formatting = json.loads(
        run_reader(
            "show", str(titles["A tour of formatting: headings, quotes, lists and code"]["id"]), "--json", db=kept
        ).stdout
    )
    assert "## Quotes" in formatting["text"] and "\n> " in formatting["text"] and "```" in formatting["text"]


def test_show_prints_text_as_written_without_markdown_escapes(run_reader: RunReader, tmp_path: Path) -> None:
    """`reader show` is for reading: "(or the arrow keys)" is printed so, not as html2text's "\\(or ...\\)";
    a code block keeps its own backslashes."""
    feed = tmp_path / "feed.xml"
    body = (
        "&lt;p&gt;Use j and k (or the arrow keys), not *stars* or [brackets] or # signs.&lt;/p&gt;"
        "&lt;pre&gt;&lt;code&gt;grep '\\(a\\)' file&lt;/code&gt;&lt;/pre&gt;"
    )
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        f"<item><guid>e1</guid><title>Escapes</title><description>{body}</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    assert run_reader("import", str(feed)).returncode == 0
    article_id = json.loads(run_reader("list", "--json").stdout)[0]["id"]

    shown = run_reader("show", str(article_id)).stdout

    assert "Use j and k (or the arrow keys), not *stars* or [brackets] or # signs." in shown
    assert "grep '\\(a\\)' file" in shown
