"""Differential against newsboat 2.21 (Debian's): the same killfile and query feeds over the same feeds.

newsboat and reader read the same loopback feeds with the same rules:
newsboat from its own ``urls`` and ``config`` (``ignore-article`` with
``ignore-mode "download"``, a ``query:`` feed), reader from those very files
imported (``reader import urls``, ``reader import config``). What newsboat
stored (its ``cache.db``) and what reader stored must be the same articles;
newsboat keeps no list of a query feed's items, so reader's saved search is
checked against newsboat's stored items filtered by the same expression.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import RunReader, skip_unless_required
from feedserver import FeedServer, Item, ok, rss

ITEMS = {
    "/news.xml": [
        ("Rust 1.90 released", "Ann"),
        ("Sponsored: the best VPN", "Ads"),
        ("Gardening with kids", "Bob"),
        ("Why RUST matters", "Cy"),
        ("sponsored content, again", "Ads"),
    ],
    "/forum.xml": [
        ("Weekly thread", "bot"),
        ("Rust on microcontrollers", "Dee"),
        ("Bread baking", "Eve"),
        ("Moderation note", "bot"),
    ],
}


@pytest.fixture
def newsboat() -> str:
    found = shutil.which("newsboat")
    if found is None:
        skip_unless_required("newsboat is not installed (apt-get install -y newsboat)", "READER_REQUIRE_NEWSBOAT")
    return found


def newsboat_home(server: FeedServer, tmp_path: Path, mode: str) -> tuple[Path, dict[str, str]]:
    """newsboat's urls and config for the loopback feeds, the killfile in ``mode``; the feeds' URLs by path."""
    urls = {}
    for path, items in ITEMS.items():
        made = [
            Item(f"{path}-{n}", title, f"https://example.org{path}/{n}", "<p>body</p>", author=author)
            for n, (title, author) in enumerate(items)
        ]
        urls[path] = server.route(path, ok(rss(made, title=path.strip("/.xml")).encode()))
    home = tmp_path / "nb"
    home.mkdir(exist_ok=True)
    (home / "urls").write_text(
        f'{urls["/news.xml"]}\n{urls["/forum.xml"]}\n"query:Rust:title =~ \\"rust\\""\n', encoding="utf-8"
    )
    (home / "config").write_text(
        f'ignore-mode "{mode}"\n'
        'ignore-article "*" "title =~ \\"^sponsored\\""\n'
        f'ignore-article "{urls["/forum.xml"]}" "author = \\"bot\\""\n',
        encoding="utf-8",
    )
    return home, urls


def newsboat_stored(newsboat: str, home: Path, cache: Path) -> set[tuple[str, str]]:
    """``newsboat -x reload`` into a new ``cache``: the (feed URL, title) of every item it stored."""
    subprocess.run(
        [newsboat, "-u", str(home / "urls"), "-c", str(cache), "-C", str(home / "config"), "-x", "reload"],
        env={**os.environ, "HOME": str(home)},
        check=True,
        capture_output=True,
        timeout=60,
    )
    connection = sqlite3.connect(cache)
    stored = {(feed, title) for feed, title in connection.execute("SELECT feedurl, title FROM rss_item")}
    connection.close()
    return stored


def reader_listed(run_reader: RunReader, *args: str) -> set[tuple[str, str]]:
    """(feed URL, title) of what ``reader list`` shows with ``args``."""
    feeds = {feed["id"]: feed["url"] for feed in json.loads(run_reader("feeds", "--json").stdout)}
    listed = json.loads(run_reader("list", "--json", "--limit", "100", *args).stdout)
    return {(feeds[row["feed_id"]], row["title"]) for row in listed}


def test_the_killfile_and_query_feeds_agree_with_newsboat(
    newsboat: str, server: FeedServer, tmp_path: Path, run_reader: RunReader
) -> None:
    home, _urls = newsboat_home(server, tmp_path, "download")
    kept_by_newsboat = newsboat_stored(newsboat, home, home / "cache.db")

    for name in ("urls", "config"):
        imported = run_reader("import", str(home / name))
        assert imported.returncode == 0, imported.stderr
    assert len(run_reader("ignore", "list").stdout.splitlines()) == 2
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0, fetched.stderr
    kept_by_reader = reader_listed(run_reader)
    assert reader_listed(run_reader, "--hidden") == set()

    assert kept_by_reader == kept_by_newsboat
    # The rules did something: the sponsored posts and the forum's bot are in neither.
    assert not any(title.lower().startswith("sponsored") for _feed, title in kept_by_reader)
    assert "Weekly thread" not in {title for _feed, title in kept_by_reader}

    rust = {row["title"] for row in json.loads(run_reader("list", "--json", "--query", "Rust").stdout)}
    assert rust == {title for _feed, title in kept_by_newsboat if re.search("rust", title, re.IGNORECASE)}
    assert rust == {"Rust 1.90 released", "Why RUST matters", "Rust on microcontrollers"}


def test_display_mode_hides_what_newsboats_download_mode_keeps_out(
    newsboat: str, server: FeedServer, tmp_path: Path, run_reader: RunReader
) -> None:
    """``ignore-mode "display"``: newsboat stores every item and shows those no rule matches.

    newsboat's cache does not say what it shows, so the two modes are run
    side by side: what its display mode stores is what reader stores (shown
    and hidden), and what its download mode keeps out is what reader hides.
    """
    home, _urls = newsboat_home(server, tmp_path, "download")
    stored_by_download = newsboat_stored(newsboat, home, home / "download.db")
    home, _urls = newsboat_home(server, tmp_path, "display")
    stored_by_newsboat = newsboat_stored(newsboat, home, home / "display.db")
    assert stored_by_download < stored_by_newsboat  # the rules matched something

    for name in ("urls", "config"):
        assert run_reader("import", str(home / name)).returncode == 0
    rules = run_reader("ignore", "list").stdout.splitlines()
    assert len(rules) == 2 and all(" display " in rule for rule in rules), rules
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0, fetched.stderr
    shown, hidden = reader_listed(run_reader), reader_listed(run_reader, "--hidden")
    assert shown | hidden == stored_by_newsboat
    assert shown == stored_by_download
    assert hidden == stored_by_newsboat - stored_by_download
    assert "4 stored hidden" in fetched.stdout
