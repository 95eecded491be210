"""Managing subscriptions from the command line: add a site or a feed, remove, rename, move.

Everything runs the real ``reader`` command on a real library, against a
real HTTP server on 127.0.0.1 started by the test (``tests/feedserver.py``);
the questions asked on a terminal are answered in a real one (tmux).
Before this, ``reader add`` subscribed to a site's HTML page, ``HTTP://`` made
a second copy of a feed and renamed it to its URL, and there was no way to
remove, rename or move a feed.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
from pathlib import Path

import pytest
from conftest import RunReader, reader_command
from feedserver import FeedServer, Item, ok, rss
from test_e2e_tmux import Terminal

from reader.models import FeedData, FetchOutcome, ImportBatch
from reader.store import Store

HTML = "text/html; charset=utf-8"


def page(*links: str, title: str = "A blog") -> str:
    """An HTML page whose head carries ``links`` (``<link ...>`` tags)."""
    return f"<!doctype html><html><head><title>{title}</title>{''.join(links)}</head><body><p>Hello</p></body></html>"


def alternate(href: str, title: str, kind: str = "application/rss+xml") -> str:
    return f'<link rel="alternate" type="{kind}" title="{title}" href="{href}">'


def items(prefix: str, count: int = 3) -> list[Item]:
    return [
        Item(guid=f"{prefix}-{n}", title=f"{prefix} story {n}", link=f"http://127.0.0.1/{prefix}/{n}")
        for n in range(count)
    ]


def feed_rows(db_path: Path) -> list[tuple[int, str, str, int]]:
    """Every feed as (id, title, url, removed), read from the library file itself."""
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute("SELECT id, title, url, removed FROM feeds ORDER BY id"))


def star(db_path: Path, title: str) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE articles SET starred = 1 WHERE title = ?", (title,))


def read(db_path: Path, title: str) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE articles SET read = 1 WHERE title = ?", (title,))


def start(terminal: Terminal, db_path: Path, tmp_path: Path, *args: str) -> None:
    """Run ``reader ARGS`` in the terminal (as a person would type it)."""
    terminal.start(shlex.join([*reader_command(), "--db", str(db_path), *args]), tmp_path / f"terminal-{args[0]}.log")


def article_titles(run_reader: RunReader, *args: str) -> list[str]:
    listed = run_reader("list", "--json", *args)
    assert listed.returncode == 0, listed.stderr
    return sorted(row["title"] for row in json.loads(listed.stdout))


# -- add: a site's address finds its feed -------------------------------------------


def test_a_site_address_subscribes_to_the_feed_it_links_and_says_which(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    feed = server.route("/blog/feed.xml", ok(rss(items("blog"), title="The Blog")))
    site = server.route("/blog/", ok(page(alternate("feed.xml", "Posts")), HTML))

    added = run_reader("add", site)

    assert added.returncode == 0, added.stderr
    assert f"subscribed: The Blog (1) {feed} (found on {site})" in added.stdout
    assert [(title, url) for _id, title, url, _removed in feed_rows(db_path)] == [("The Blog", feed)]
    assert run_reader("fetch", "-q").returncode == 0
    assert article_titles(run_reader) == ["blog story 0", "blog story 1", "blog story 2"]


def test_a_page_without_a_feed_is_one_error_line_and_nothing_is_subscribed(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    site = server.route("/plain/", ok(page(), HTML))

    added = run_reader("add", site)

    assert added.returncode == 1
    errors = added.stderr.strip().splitlines()
    assert len([line for line in errors if line.startswith("reader: error:")]) == 1
    assert "no feed" in errors[-1] and site in errors[-1]
    assert not db_path.exists(), "nothing subscribed, so no library was made either"


def test_several_feeds_off_a_terminal_take_the_first_and_name_the_others(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    posts = server.route("/posts.xml", ok(rss(items("posts"), title="Posts")))
    notes = server.route("/notes.atom", ok(rss(items("notes"), title="Notes")))
    site = server.route("/", ok(page(alternate("/posts.xml", "Posts"), alternate("/notes.atom", "Notes")), HTML))

    added = run_reader("add", site)

    assert added.returncode == 0, added.stderr
    assert f"subscribed: Posts (1) {posts}" in added.stdout
    assert f"also offers 1 other feed: {notes} (`--all` takes every one)" in added.stdout
    assert [url for _id, _title, url, _removed in feed_rows(db_path)] == [posts]

    every = run_reader("add", "--all", site)
    assert every.returncode == 0, every.stderr
    assert "already subscribed: Posts" in every.stdout
    assert f"subscribed: Notes (2) {notes}" in every.stdout


def test_json_reports_every_feed_found_and_the_one_subscribed(server: FeedServer, run_reader: RunReader) -> None:
    posts = server.route("/posts.xml", ok(rss(items("posts"), title="Posts")))
    notes = server.route("/notes.xml", ok(rss(items("notes"), title="Notes")))
    server.route("/broken.xml", ok(page(), HTML))
    site = server.route(
        "/",
        ok(
            page(alternate("/posts.xml", "Posts"), alternate("/notes.xml", "Notes"), alternate("/broken.xml", "X")),
            HTML,
        ),
    )

    added = run_reader("add", "--json", site)

    assert added.returncode == 0, added.stderr
    [report] = json.loads(added.stdout)
    assert [found["url"] for found in report["found"]] == [posts, notes]
    assert [subscribed["url"] for subscribed in report["subscribed"]] == [posts]
    assert [broken["url"] for broken in report["broken"]] == [server.url("/broken.xml")]
    assert report["error"] is None
    assert report["subscribed"] == [{"id": 1, "url": posts, "title": "Posts", "created": True}]

    again = run_reader("add", "--json", posts)
    assert json.loads(again.stdout) == [
        {
            "url": posts,
            "found": [],
            "broken": [],
            "subscribed": [{"id": 1, "url": posts, "title": "Posts", "created": False}],
            "error": None,
        }
    ]


def test_several_feeds_on_a_terminal_are_offered_as_a_numbered_list(
    server: FeedServer, db_path: Path, terminal: Terminal, tmp_path: Path
) -> None:
    server.route("/posts.xml", ok(rss(items("posts"), title="Posts")))
    notes = server.route("/notes.xml", ok(rss(items("notes"), title="Notes")))
    site = server.route("/", ok(page(alternate("/posts.xml", "Posts"), alternate("/notes.xml", "Notes")), HTML))

    start(terminal, db_path, tmp_path, "add", site)
    screen = terminal.wait_text("Subscribe to which?")
    assert "1. Posts (RSS)" in screen and "2. Notes (RSS)" in screen
    terminal.keys("2", "Enter")
    terminal.wait_text("EXIT=0")
    assert "subscribed: Notes" in terminal.screen()

    assert [url for _id, _title, url, _removed in feed_rows(db_path)] == [notes]


def test_the_same_feed_in_another_spelling_is_not_added_twice_nor_renamed(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    feed = server.route("/feed.xml", ok(rss(items("a"), title="Real Title")))
    assert run_reader("add", feed).returncode == 0
    assert run_reader("fetch", "-q").returncode == 0
    shouted = feed.replace("http://127.0.0.1", "HTTP://127.0.0.1") + "#latest"

    again = run_reader("add", shouted)

    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("already subscribed: Real Title (1)")
    assert [(title, url) for _id, title, url, _removed in feed_rows(db_path)] == [("Real Title", feed)]


def test_an_opml_list_naming_a_subscribed_feed_in_another_spelling_adds_no_copy(
    server: FeedServer, run_reader: RunReader, db_path: Path, tmp_path: Path
) -> None:
    feed = server.route("/feed.xml", ok(rss(items("a"), title="Real Title")))
    assert run_reader("add", feed).returncode == 0
    port = feed.split(":")[2].split("/")[0]
    opml = tmp_path / "list.opml"
    opml.write_text(
        f'<opml version="2.0"><body><outline text="Same" xmlUrl="HTTP://127.0.0.1:{port}/feed.xml#x"/></body></opml>',
        encoding="utf-8",
    )

    assert run_reader("import", str(opml)).returncode == 0

    assert len(feed_rows(db_path)) == 1


def test_add_without_checking_subscribes_to_the_address_as_it_is(run_reader: RunReader, db_path: Path) -> None:
    added = run_reader("add", "--no-check", "https://feeds.example/rss")

    assert added.returncode == 0, added.stderr
    assert [url for _id, _title, url, _removed in feed_rows(db_path)] == ["https://feeds.example/rss"]


# -- remove -------------------------------------------------------------------------


@pytest.fixture
def two_feeds(server: FeedServer, run_reader: RunReader, db_path: Path) -> tuple[str, str]:
    """Two subscribed, fetched feeds: "Ars" (3 articles, one starred) and "Other" (3 articles)."""
    ars = server.route("/ars.xml", ok(rss(items("ars"), title="Ars")))
    other = server.route("/other.xml", ok(rss(items("other"), title="Other")))
    assert run_reader("add", ars, other).returncode == 0
    assert run_reader("fetch", "-q").returncode == 0
    star(db_path, "ars story 1")
    return ars, other


def test_remove_keeps_the_starred_articles_under_saved_and_deletes_the_rest(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    removed = run_reader("remove", "--yes", "Ars")

    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.strip() == "removed Ars: 2 articles deleted, 1 starred article kept under Saved"
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert [feed["title"] for feed in feeds] == ["Other"]
    assert article_titles(run_reader, "--saved") == ["ars story 1"]
    assert article_titles(run_reader, "--starred") == ["ars story 1"]
    assert "ars story 0" not in article_titles(run_reader)
    # The removed feed is not fetched again.
    assert run_reader("fetch", "-q").returncode == 0
    assert article_titles(run_reader, "--saved") == ["ars story 1"]


def test_remove_with_include_starred_deletes_everything(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    removed = run_reader("remove", "--yes", "--include-starred", "1")

    assert removed.returncode == 0, removed.stderr
    assert [title for _id, title, _url, _removed in feed_rows(db_path)] == ["Other"]
    assert article_titles(run_reader, "--starred") == []


def test_remove_off_a_terminal_without_yes_deletes_nothing(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    refused = run_reader("remove", "Ars")

    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert len(article_titles(run_reader)) == 6


def test_remove_asks_on_a_terminal_with_the_numbers_and_no_keeps_the_feed(
    two_feeds: tuple[str, str], db_path: Path, terminal: Terminal, tmp_path: Path, run_reader: RunReader
) -> None:
    start(terminal, db_path, tmp_path, "remove", "Ars")
    screen = terminal.wait_text("[y/N]")
    assert "Remove Ars and its 3 articles (1 starred, kept under Saved)? [y/N]" in screen
    terminal.keys("n", "Enter")
    assert "kept Ars" in terminal.wait_text("EXIT=0")
    assert len(article_titles(run_reader)) == 6

    terminal.kill()
    again = Terminal(terminal.tmux, terminal.env, 120, 20)
    try:
        start(again, db_path, tmp_path, "remove", "Ars")
        again.wait_text("[y/N]")
        again.keys("y", "Enter")
        assert "removed Ars" in again.wait_text("EXIT=0")
    finally:
        again.kill()
    assert article_titles(run_reader) == sorted(["ars story 1", "other story 0", "other story 1", "other story 2"])


def test_a_removed_feed_added_again_comes_back_with_its_starred_articles(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    ars, _other = two_feeds
    assert run_reader("remove", "--yes", "Ars").returncode == 0

    again = run_reader("add", ars)

    assert again.returncode == 0, again.stderr
    assert "subscribed again (its starred articles are back): Ars" in again.stdout
    assert article_titles(run_reader, "--saved") == []
    assert run_reader("fetch", "-q").returncode == 0
    assert "ars story 0" in article_titles(run_reader)
    assert article_titles(run_reader, "--starred") == ["ars story 1"]


def test_an_imported_file_is_removed_like_a_feed(run_reader: RunReader, db_path: Path, tmp_path: Path) -> None:
    local = tmp_path / "local.xml"
    local.write_text(rss(items("local"), title="Local Notes"), encoding="utf-8")
    assert run_reader("import", str(local)).returncode == 0

    removed = run_reader("remove", "--yes", "local notes")

    assert removed.returncode == 0, removed.stderr
    assert feed_rows(db_path) == []
    assert article_titles(run_reader) == []


def test_a_title_that_fits_several_feeds_names_them_and_removes_none(
    two_feeds: tuple[str, str], run_reader: RunReader
) -> None:
    ambiguous = run_reader("remove", "--yes", "r")

    assert ambiguous.returncode == 1
    assert "could be 2 feeds: Ars (1), Other (2)" in ambiguous.stderr
    assert len(article_titles(run_reader)) == 6


def test_a_feed_removed_during_a_fetch_is_not_brought_back_by_it(db_path: Path) -> None:
    store = Store(db_path)
    try:
        feed_id, _created = store.add_feed(FeedData(key="http://x.test/f", url="http://x.test/f", title="F"))
        batch = ImportBatch(kind="RSS", feeds=[FeedData(key="http://x.test/f", url="http://x.test/f", title="F")])
        store.remove_feed(feed_id)

        store.store_fetched([(feed_id, FetchOutcome(status="200"), batch)])

        assert store.feeds() == []
        assert store.find_feed_by_url("http://x.test/f") is None
    finally:
        store.close()


# -- rename and move ----------------------------------------------------------------


def test_a_rename_survives_a_fetch_and_reset_gives_the_feed_its_own_title_back(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    renamed = run_reader("rename", "Ars", "Ars Technica (work)")
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stdout.strip() == "renamed Ars (1) to Ars Technica (work)"

    assert run_reader("fetch", "-q").returncode == 0
    assert feed_rows(db_path)[0][1] == "Ars Technica (work)"
    assert {row["feed"] for row in json.loads(run_reader("list", "--json", "--feed", "1").stdout)} == {
        "Ars Technica (work)"
    }

    reset = run_reader("rename", "1", "--reset")
    assert reset.returncode == 0, reset.stderr
    assert feed_rows(db_path)[0][1] == "Ars"


def test_rename_needs_a_title_or_reset(two_feeds: tuple[str, str], run_reader: RunReader) -> None:
    assert run_reader("rename", "Ars").returncode != 0
    assert run_reader("rename", "Ars", "").returncode != 0


def test_move_keeps_articles_and_marks_and_the_next_fetch_reads_the_new_address(
    two_feeds: tuple[str, str], server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    read(db_path, "ars story 0")
    new = server.route("/moved/ars.xml", ok(rss([*items("ars"), *items("ars-new", 1)], title="Ars")))

    moved = run_reader("move", "Ars", new)

    assert moved.returncode == 0, moved.stderr
    assert new in moved.stdout
    server.clear()
    assert run_reader("fetch", "-q").returncode == 0
    assert server.requests_for("/moved/ars.xml") and not server.requests_for("/ars.xml")
    titles = article_titles(run_reader, "--feed", "1")
    assert titles == ["ars story 0", "ars story 1", "ars story 2", "ars-new story 0"]  # nothing twice
    assert article_titles(run_reader, "--starred") == ["ars story 1"]
    assert "ars story 0" not in article_titles(run_reader, "--unread")


def test_move_onto_another_feeds_address_is_refused(two_feeds: tuple[str, str], run_reader: RunReader) -> None:
    _ars, other = two_feeds

    refused = run_reader("move", "Ars", other.upper().replace("/OTHER.XML", "/other.xml"))

    assert refused.returncode == 1
    assert "is already a feed here: Other (2)" in refused.stderr


def test_adding_the_address_of_an_imported_feed_file_makes_it_a_fetched_subscription(
    server: FeedServer, run_reader: RunReader, db_path: Path, tmp_path: Path
) -> None:
    url = server.url("/self.xml")
    document = rss(items("self"), title="Self Feed").replace(
        "<channel>", f'<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="{url}"/>', 1
    )
    server.route("/self.xml", ok(document))
    local = tmp_path / "self.xml"
    local.write_text(document, encoding="utf-8")
    assert run_reader("import", str(local)).returncode == 0

    added = run_reader("add", url)

    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("subscribed: Self Feed (1)")
    feeds = json.loads(run_reader("feeds", "--json").stdout)
    assert [(feed["id"], feed["kind"]) for feed in feeds] == [(1, "feed")]
    server.clear()
    assert run_reader("fetch", "-q").returncode == 0
    assert server.requests_for("/self.xml"), "the subscription is fetched"


def test_full_text_on_a_feed_already_subscribed_turns_article_pages_on(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    feed = server.route("/feed.xml", ok(rss(items("a"), title="Short")))
    assert run_reader("add", feed).returncode == 0

    again = run_reader("add", "--full-text", feed)

    assert again.returncode == 0, again.stderr
    assert "its article pages are fetched from now on" in again.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT full_text FROM feeds").fetchall() == [(1,)]


def test_an_article_unstarred_under_saved_leaves_saved(
    two_feeds: tuple[str, str], run_reader: RunReader, db_path: Path
) -> None:
    assert run_reader("remove", "--yes", "Ars").returncode == 0
    [saved] = json.loads(run_reader("list", "--saved", "--json").stdout)

    assert run_reader("mark", str(saved["id"]), "--unstar").returncode == 0

    assert article_titles(run_reader, "--saved") == []


def test_a_removed_feed_is_no_feed_to_tag_fetch_or_list(two_feeds: tuple[str, str], run_reader: RunReader) -> None:
    assert run_reader("remove", "--yes", "Ars").returncode == 0

    for command in (["tag", "1", "ghost"], ["fetch", "1"], ["list", "--feed", "1"]):
        refused = run_reader(*command)
        assert refused.returncode == 1, command
        assert "no feed with id 1" in refused.stderr, (command, refused.stderr)
    assert json.loads(run_reader("tags", "--json").stdout) == []


def test_moving_onto_a_removed_feeds_address_says_how_to_get_it_back(
    two_feeds: tuple[str, str], run_reader: RunReader
) -> None:
    ars, _other = two_feeds
    assert run_reader("remove", "--yes", "Ars").returncode == 0

    refused = run_reader("move", "Other", ars)

    assert refused.returncode == 1
    assert f"`reader add {ars}` subscribes to it again" in refused.stderr
