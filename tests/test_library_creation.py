"""Where there is no library: commands that only read refuse in one line, commands that write make one and say so.

``list``, ``show``, ``search``, ``feeds``, ``tags`` and ``export`` (and
``remove``, ``rename``, ``move``, ``tag``, ``prune``, ``mark``,
``mark-feed-read`` and ``comments``, which have nothing to act on) exit 1
with one line and create nothing: no file, no folder. ``add``, ``import``,
``fetch`` and ``demo --keep`` create it and say, once,
on stderr: ``reader: created a new library at PATH``. Everything runs the
real ``reader`` command with ``--db`` in a folder that does not exist yet.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import RunReader

READING = [
    ["list"],
    ["list", "--json"],
    ["show", "1"],
    ["search", "word"],
    ["feeds"],
    ["feeds", "--json"],
    ["tags"],
    ["export", "opml"],
    ["export", "markdown", "1"],
]

#: Commands that write but have nothing to act on without a library.
REFUSING_WRITERS = [
    ["remove", "1", "--yes"],
    ["rename", "1", "New name"],
    ["move", "1", "https://new.example/feed"],
    ["tag", "1", "news"],
    ["prune", "--older-than", "90d"],
    ["mark", "1", "--read"],
    ["mark-feed-read", "1"],
    ["comments", "1"],
    ["fulltext", "1"],
]

RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Small</title><link>https://small.example/</link>
<item><guid>a</guid><title>An article</title><description>Words.</description>
<pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item></channel></rss>
"""


@pytest.fixture
def missing(tmp_path: Path) -> Path:
    """A library path in a folder that does not exist."""
    return tmp_path / "new folder" / "library.db"


def everything_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def refused(result: subprocess.CompletedProcess[str], missing: Path) -> None:
    """One line on stderr saying there is no library and how to start one; nothing on stdout; status 1."""
    assert result.returncode == 1, (result.args, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    assert result.stderr.splitlines() == [
        f"reader: error: no library yet at {missing}: `reader add URL` or `reader import FILE` starts one"
    ], result.stderr


def created_line(path: Path) -> str:
    return f"reader: created a new library at {path}"


@pytest.mark.parametrize("command", READING, ids=" ".join)
def test_a_reading_command_refuses_a_missing_library_and_creates_nothing(
    run_reader: RunReader, tmp_path: Path, missing: Path, command: list[str]
) -> None:
    before = everything_under(tmp_path)

    result = run_reader(*command, db=missing)

    refused(result, missing)
    assert not missing.parent.exists()
    assert everything_under(tmp_path) == before


@pytest.mark.parametrize("command", REFUSING_WRITERS, ids=lambda command: command[0])
def test_commands_with_nothing_to_act_on_refuse_a_missing_library(
    run_reader: RunReader, tmp_path: Path, missing: Path, command: list[str]
) -> None:
    before = everything_under(tmp_path)

    result = run_reader(*command, db=missing)

    refused(result, missing)
    assert everything_under(tmp_path) == before


def test_a_refused_command_leaves_an_existing_library_alone(run_reader: RunReader, missing: Path) -> None:
    """Once a writing command has made the library, the reading ones read it and say nothing about it."""
    assert run_reader("add", "--no-check", "https://one.example/feed", db=missing).returncode == 0

    listed = run_reader("feeds", "--json", db=missing)

    assert (listed.returncode, listed.stderr) == (0, "")
    assert [row["url"] for row in json.loads(listed.stdout)] == ["https://one.example/feed"]


def test_add_creates_the_library_and_says_so_once(run_reader: RunReader, missing: Path) -> None:
    first = run_reader("add", "--no-check", "https://one.example/feed", db=missing)
    second = run_reader("add", "--no-check", "https://two.example/feed", db=missing)

    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [created_line(missing)]
    assert "https://one.example/feed" in first.stdout
    assert missing.is_file()
    assert (second.returncode, second.stderr) == (0, "")
    assert "https://two.example/feed" in second.stdout


def test_import_creates_the_library_and_says_so_once(run_reader: RunReader, tmp_path: Path, missing: Path) -> None:
    feed = tmp_path / "small.rss"
    feed.write_text(RSS, encoding="utf-8")

    first = run_reader("import", str(feed), db=missing)
    second = run_reader("import", str(feed), db=missing)

    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [created_line(missing)]
    assert "1 new article" in first.stdout
    assert (second.returncode, second.stderr) == (0, "")
    assert "0 new articles" in second.stdout


@pytest.mark.parametrize(
    ("command", "said"),
    [(["fetch", "--no-comments"], "fetched 0 feeds")],
    ids=lambda value: value[0] if isinstance(value, list) else "",
)
def test_fetch_creates_the_library_and_says_so_once(
    run_reader: RunReader, missing: Path, command: list[str], said: str
) -> None:
    first = run_reader(*command, db=missing)
    second = run_reader(*command, db=missing)

    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [created_line(missing)]
    assert said in first.stdout
    assert missing.is_file()
    assert (second.returncode, second.stderr) == (0, "")
    assert said in second.stdout


def test_demo_keep_creates_its_library_and_says_so_once(run_reader: RunReader, tmp_path: Path, missing: Path) -> None:
    kept = tmp_path / "demo folder" / "demo.db"

    first = run_reader("demo", "--keep", str(kept), db=missing)
    second = run_reader("demo", "--keep", str(kept), db=missing)

    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines() == [created_line(kept)]
    assert f"Try: reader --db {kept} show" in first.stdout
    assert kept.is_file()
    # The demo's library is its own: the --db one is not made.
    assert not missing.parent.exists()
    assert (second.returncode, second.stderr) == (0, "")


def test_a_throwaway_demo_says_nothing_about_a_library(run_reader: RunReader, missing: Path) -> None:
    result = run_reader("demo", db=missing)

    assert (result.returncode, result.stderr) == (0, "")
    assert "This library is thrown away now" in result.stdout
    assert not missing.parent.exists()


def test_an_add_that_finds_no_feed_makes_no_library(run_reader: RunReader, tmp_path: Path, missing: Path) -> None:
    """`reader add` with a mistyped address: one error line, and no file or folder left behind."""
    before = everything_under(tmp_path)

    result = run_reader("add", "http://127.0.0.1:1/feed.xml", db=missing)

    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if "created" in line] == []
    assert everything_under(tmp_path) == before


def test_an_import_of_a_path_that_does_not_exist_makes_no_library(
    run_reader: RunReader, tmp_path: Path, missing: Path
) -> None:
    before = everything_under(tmp_path)

    result = run_reader("import", str(tmp_path / "typo.opml"), db=missing)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"reader: error: {tmp_path / 'typo.opml'}: no such file or directory"]
    assert everything_under(tmp_path) == before
