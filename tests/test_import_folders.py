"""Importing a whole folder (``reader import ~/Downloads``) with the real ``reader`` command.

A folder holds more than articles: licences, scripts, READMEs, JSON dumps,
images. Only feeds, OPML, saved HTML pages and plain-text articles are
imported; the rest is named in one summary line and is no failure. A file
named on the command line is still imported as plain text when it is text.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunReader
from feedserver import Item, rss
from import_helpers import write

ARTICLE = """Village Road Reopens After Repairs
The main road through the village reopened on Friday after three months of work.
What Changed
The surface is new, and the cycle lane is marked in green.
2 Comments
Ann
The detour added twenty minutes to my commute.

I am glad it is over.
Bob
About time.
"""

OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
<outline text="Example Blog" type="rss" xmlUrl="https://blog.example.org/feed.xml"/>
</body></opml>
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>How to Repair a Bicycle Tyre</title></head>
<body><nav>Home | About</nav>
<article><h1>How to Repair a Bicycle Tyre</h1>
<p>Take the wheel off, find the hole, and patch it: it takes ten minutes.</p></article>
</body></html>
"""

LICENSE = """MIT License

Copyright (c) 2025 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy of this software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""

SCRIPT = """#!/usr/bin/env python3
\"\"\"Rename the photos by date.\"\"\"
import sys
from pathlib import Path


def main() -> None:
    for path in Path(sys.argv[1]).iterdir():
        print(path.name)


if __name__ == "__main__":
    main()
"""

README = """# photo-tools

Small scripts that rename and sort photos.

## Install

```sh
pip install photo-tools
```

Then run `photo-tools rename ~/Pictures`.
"""

_POST = {"title": "Which ferry do you take?", "selftext": "Curious how you commute."}
_REPLY = {"author": "ann", "body": "The early one."}
REDDIT_DUMP = json.dumps(
    [
        {"kind": "Listing", "data": {"children": [{"kind": "t3", "data": _POST}]}},
        {"kind": "Listing", "data": {"children": [{"kind": "t1", "data": _REPLY}]}},
    ],
    indent=2,
)

FEED = rss([Item(guid="h-1", title="Harbour Ferry Timetable Changes", description="<p>From Monday.</p>")], "Harbour")


def downloads(folder: Path) -> Path:
    """A folder as a browser's downloads folder looks: four things to read and four that are not."""
    write(folder / "harbour.xml", FEED)
    write(folder / "subscriptions.opml", OPML)
    write(folder / "bicycle-tyre.html", HTML_PAGE)
    write(folder / "village-road.txt", ARTICLE)
    write(folder / "LICENSE", LICENSE)
    write(folder / "script.py", SCRIPT)
    write(folder / "README.md", README)
    write(folder / "reddit.json", REDDIT_DUMP)
    return folder


def titles(run_reader: RunReader) -> set[str]:
    listed = run_reader("list", "--json")
    assert listed.returncode == 0, listed.stderr
    return {article["title"] for article in json.loads(listed.stdout)}


def skipped_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("skipped ")]


def test_a_folder_imports_feeds_opml_pages_and_articles_and_names_the_rest_in_one_line(
    run_reader: RunReader, tmp_path: Path
) -> None:
    folder = downloads(tmp_path / "Downloads")

    result = run_reader("import", str(folder))

    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    assert skipped_lines(result.stdout) == [
        "skipped 4 files that are not feeds or articles: LICENSE, README.md, reddit.json, script.py"
    ]
    assert "imported 4 of 4 files" in result.stdout
    assert titles(run_reader) == {
        "Harbour Ferry Timetable Changes",
        "How to Repair a Bicycle Tyre",
        "Village Road Reopens After Repairs",
    }
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert "https://blog.example.org/feed.xml" in {feed.get("url") for feed in feeds}
    # None of the skipped files became an article under any name.
    shown = run_reader("search", "permission").stdout + run_reader("search", "Listing").stdout
    assert "MIT License" not in shown and "kind" not in shown


def test_a_file_named_on_the_command_line_is_imported_as_plain_text(run_reader: RunReader, tmp_path: Path) -> None:
    folder = downloads(tmp_path / "Downloads")

    result = run_reader("import", str(folder / "script.py"))

    assert result.returncode == 0, result.stderr
    assert skipped_lines(result.stdout) == []
    assert "imported 1 of 1 file" in result.stdout
    assert titles(run_reader) == {"#!/usr/bin/env python3"}


def test_the_skipped_list_is_cut_after_a_few_names_and_names_are_cleaned(run_reader: RunReader, tmp_path: Path) -> None:
    folder = tmp_path / "code"
    write(folder / "article.txt", ARTICLE)
    for name in ["a.py", "b.js", "c.sh", "d.c", "e.json", "f.yml", "g.toml"]:
        write(folder / name, "x = 1;\n")
    # A file name that would recolour the terminal, or set its title, if printed raw.
    write(folder / "sub" / "\x1b]0;owned\x07\x1b[31mred.py", "print('hi')\n")

    result = run_reader("import", str(folder))

    assert result.returncode == 0, result.stderr
    (line,) = skipped_lines(result.stdout)
    assert line == "skipped 8 files that are not feeds or articles: a.py, b.js, c.sh, d.c, e.json and 3 more"
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert titles(run_reader) == {"Village Road Reopens After Repairs"}


def test_the_first_names_shown_are_below_the_folder_and_control_characters_are_shown_as_symbols(
    run_reader: RunReader, tmp_path: Path
) -> None:
    folder = tmp_path / "code"
    write(folder / "sub" / "\x1b[31mred.py", "print('hi')\n")

    result = run_reader("import", str(folder))

    assert result.returncode == 0, result.stderr
    (line,) = skipped_lines(result.stdout)
    assert line.startswith("skipped 1 file that is not a feed or an article: sub/")
    assert line.endswith("[31mred.py")
    assert "\x1b" not in line


def test_binary_empty_and_other_data_files_in_a_folder_are_skipped_not_failures(
    run_reader: RunReader, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    write(folder / "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    write(folder / "empty.txt", b"")
    write(folder / "drawing.svg", '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    write(folder / "package.json", '{"name": "photo-tools", "version": "1.0.0"}')
    write(folder / "server.log", "2026-01-05 10:00:01 INFO started on port 8080\n2026-01-05 10:00:02 WARN slow disk\n")
    write(folder / "notes.txt", "int main(void) {\n    return 0;\n}\n")
    write(folder / "links.txt", "https://example.org/one\nhttps://example.org/two\n")
    write(
        folder / "blog.json",
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "Blog",
                "items": [{"id": "1", "title": "A JSON Feed Post", "content_text": "Hello."}],
            }
        ),
    )
    write(folder / "essay.md", "On Bridges\nBridges join places, and they join people too.\n")

    result = run_reader("import", str(folder))

    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr
    (line,) = skipped_lines(result.stdout)
    assert line.startswith("skipped 7 files that are not feeds or articles: ")
    assert "imported 2 of 2 files" in result.stdout
    assert titles(run_reader) == {"A JSON Feed Post", "On Bridges"}
    # links.txt is a list of links, not newsboat's list of feeds: nothing was subscribed.
    assert [feed["url"] for feed in json.loads(run_reader("feeds", "--json").stdout) if feed["url"]] == []


def test_a_broken_feed_in_a_folder_still_fails_in_one_line(run_reader: RunReader, tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    write(folder / "good.txt", ARTICLE)
    write(folder / "broken.xml", FEED[:-40])

    result = run_reader("import", str(folder))

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "broken.xml" in errors[0]
    assert skipped_lines(result.stdout) == []
    assert titles(run_reader) == {"Village Road Reopens After Repairs"}
