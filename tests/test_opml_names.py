"""OPML names as a user sees them after `reader import`: folders by ``text``, feeds by ``title``.

OPML 2.0: ``text`` is what is displayed, a feed's ``title`` is the feed's own
title. A folder (an outline without ``xmlUrl``) becomes a tag named by its
``text``, by its ``title`` only when ``text`` is missing or blank; a feed is
named by its ``title``, else its ``text``, else its URL. Every test imports
with the real ``reader import`` into a real library and reads back with
``reader tags`` and ``reader feeds``.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import RunReader


def opml(path: Path, body: str) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<opml version="2.0"><head><title>subscriptions</title></head><body>\n{body}\n</body></opml>\n',
        encoding="utf-8",
    )
    return path


def imported(run_reader: RunReader, path: Path) -> None:
    result = run_reader("import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"{path}: OPML:" in result.stdout, result.stdout


def tags(run_reader: RunReader) -> list[str]:
    result = run_reader("tags", "--json")
    assert result.returncode == 0, result.stderr
    return [row["tag"] for row in json.loads(result.stdout)]


def feeds(run_reader: RunReader) -> dict[str, dict[str, object]]:
    """The feeds as ``reader feeds --json`` lists them, by URL."""
    result = run_reader("feeds", "--json")
    assert result.returncode == 0, result.stderr
    return {row["url"]: row for row in json.loads(result.stdout)}


def test_a_folder_is_named_by_its_text_not_its_title(run_reader: RunReader, tmp_path: Path) -> None:
    imported(
        run_reader,
        opml(
            tmp_path / "subs.opml",
            '<outline text="Blogs" title="should be ignored">'
            '  <outline type="rss" text="One" xmlUrl="https://one.example/feed"/>'
            "</outline>",
        ),
    )

    assert tags(run_reader) == ["Blogs"]
    listed = run_reader("tags")
    assert listed.stdout.splitlines() == ["Blogs  1 feed, 0 unread"]
    assert "should be ignored" not in listed.stdout
    assert feeds(run_reader)["https://one.example/feed"]["tags"] == ["Blogs"]


def test_a_folder_without_text_or_with_a_blank_one_takes_its_title(run_reader: RunReader, tmp_path: Path) -> None:
    imported(
        run_reader,
        opml(
            tmp_path / "subs.opml",
            '<outline title="Only a title"><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></outline>'
            '<outline text="" title="Empty text"><outline type="rss" text="B" xmlUrl="https://b.example/feed"/>'
            "</outline>"
            '<outline text="  " title="Blank text"><outline type="rss" text="C" xmlUrl="https://c.example/feed"/>'
            "</outline>"
            # Neither: no folder of its own; the feed is in the folders around it.
            '<outline text="Outer"><outline><outline type="rss" text="D" xmlUrl="https://d.example/feed"/>'
            "</outline></outline>",
        ),
    )

    assert tags(run_reader) == ["Blank text", "Empty text", "Only a title", "Outer"]
    listed = feeds(run_reader)
    assert listed["https://a.example/feed"]["tags"] == ["Only a title"]
    assert listed["https://b.example/feed"]["tags"] == ["Empty text"]
    assert listed["https://c.example/feed"]["tags"] == ["Blank text"]
    assert listed["https://d.example/feed"]["tags"] == ["Outer"]


def test_nested_folders_are_named_by_text_at_every_level(run_reader: RunReader, tmp_path: Path) -> None:
    imported(
        run_reader,
        opml(
            tmp_path / "subs.opml",
            '<outline text="Tech" title="Technology (exported title)">'
            '  <outline text="Linux" title="GNU/Linux">'
            '    <outline type="rss" text="LWN" xmlUrl="https://lwn.example/feed"/>'
            "  </outline>"
            "</outline>",
        ),
    )

    assert tags(run_reader) == ["Tech/Linux"]
    assert feeds(run_reader)["https://lwn.example/feed"]["tags"] == ["Tech/Linux"]


def test_a_feed_is_named_by_its_title_then_its_text_then_its_url(run_reader: RunReader, tmp_path: Path) -> None:
    """A feed's ``title`` is the feed's own title (what its first fetch brings): it names the feed."""
    imported(
        run_reader,
        opml(
            tmp_path / "subs.opml",
            '<outline type="rss" text="My name for it" title="The Feed Itself" xmlUrl="https://both.example/feed"/>'
            '<outline type="rss" text="Text only" xmlUrl="https://text.example/feed"/>'
            '<outline type="rss" text="Text wins" title="   " xmlUrl="https://blank.example/feed"/>'
            '<outline type="rss" xmlUrl="https://nameless.example/feed"/>',
        ),
    )

    listed = feeds(run_reader)
    assert listed["https://both.example/feed"]["title"] == "The Feed Itself"
    assert listed["https://text.example/feed"]["title"] == "Text only"
    assert listed["https://blank.example/feed"]["title"] == "Text wins"
    assert listed["https://nameless.example/feed"]["title"] == "https://nameless.example/feed"
    shown = run_reader("feeds").stdout
    assert "The Feed Itself" in shown and "My name for it" not in shown
