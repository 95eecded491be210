"""The killfile's display mode in the corners a review found: what a rule hid, what is fetched, marks,
limits, prune, a feed subscribed again, newsboat's files imported together.

Real parts: a loopback feed server that records what it is asked, the real
``reader`` command, a real library file. The everyday paths (hiding, lists,
counts, search, removing a rule) are tests/test_rules.py's; the agreement with
newsboat is tests/test_rules_newsboat.py's.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import RunReader
from feedserver import FeedServer, Item, conditional, ok, rss

from reader.store import Store
from reader.store.fetching import AUTO_UNKNOWN


def dated(prefix: str, count: int, **extra: object) -> list[Item]:
    """``count`` items a day apart, newest first (titles "PREFIX N")."""
    return [
        Item(
            f"{prefix}-{n}",
            f"{prefix} {n}",
            f"https://example.org/{prefix}/{n}",
            "<p>words</p>",
            pub_date=f"{28 - n:02d} Feb 2026 10:00:00 GMT",
            **extra,  # type: ignore[arg-type]
        )
        for n in range(count)
    ]


def titles(run_reader: RunReader, *args: str) -> list[str]:
    done = run_reader("list", "--json", "--limit", "1000", *args)
    assert done.returncode == 0, done.stderr
    return sorted(row["title"] for row in json.loads(done.stdout))


def fetch(run_reader: RunReader, *args: str) -> str:
    done = run_reader("fetch", "--all", "--no-full-text", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def subscribed(run_reader: RunReader, server: FeedServer, path: str, items: list[Item]) -> str:
    url = server.route(path, ok(rss(items).encode()))
    assert run_reader("add", "--no-check", url).returncode == 0
    return url


def test_taking_a_rule_out_shows_only_what_it_hid(server: FeedServer, run_reader: RunReader) -> None:
    """Found by review: removing a rule recomputed the hidden set from the rules left, which are judged
    when an article is stored, so an unrelated removal hid articles ("-2 articles shown again")."""
    subscribed(run_reader, server, "/a.xml", dated("alpha", 4))
    fetch(run_reader, "--no-comments")
    assert "it hides 0 stored articles\n" in run_reader("ignore", "add", "unread = no", "--mode", "display").stdout
    read = [row["id"] for row in json.loads(run_reader("list", "--json").stdout)][:2]
    assert run_reader("mark", *map(str, read), "--read").returncode == 0
    assert run_reader("ignore", "add", 'title =~ "zzz"', "--mode", "display").returncode == 0
    removed = run_reader("ignore", "remove", "2")
    assert removed.stdout.strip() == "rule 2 removed"
    assert titles(run_reader, "--hidden") == []
    assert len(titles(run_reader)) == 4


def test_a_hidden_article_gets_no_thread_and_no_page_however_its_count_changes(
    server: FeedServer, run_reader: RunReader
) -> None:
    def items(count: int) -> list[Item]:
        spam = Item(
            "spam-1",
            "spam short",
            server.url("/page/spam.html"),
            "<p>x</p>",
            comment_rss=server.url("/spam-comments.xml"),
            comment_count=count,
        )
        return [spam, *dated("real", 1)]

    server.route("/page/spam.html", ok(b"<html><body><p>the page</p></body></html>", "text/html"))
    server.route("/spam-comments.xml", ok(rss([]).encode()))
    url = subscribed(run_reader, server, "/c.xml", items(0))
    assert run_reader("ignore", "add", 'title =~ "spam"', "--mode", "display").returncode == 0
    first = run_reader("fetch", "--all")
    assert first.returncode == 0 and "1 stored hidden" in first.stdout, first.stdout
    server.route("/c.xml", ok(rss(items(3)).encode()))
    assert run_reader("fetch", "--all").returncode == 0
    assert server.requests_for("/spam-comments.xml") == [] and server.requests_for("/page/spam.html") == []
    assert url and titles(run_reader, "--hidden") == ["spam short"]


def test_mark_feed_read_and_an_item_limit_leave_hidden_articles_alone(
    server: FeedServer, run_reader: RunReader
) -> None:
    subscribed(run_reader, server, "/b.xml", dated("beta", 5))
    fetch(run_reader, "--no-comments")
    assert run_reader("ignore", "add", 'title =~ "beta [01]$"', "--mode", "display").returncode == 0
    # The two newest are hidden: a limit of 2 keeps the two newest you see (and the hidden newer ones).
    limited = run_reader("feed", "set", "1", "items=2")
    assert "1 older article removed" in limited.stdout, limited.stdout
    assert titles(run_reader) == ["beta 2", "beta 3"]
    assert run_reader("mark-feed-read", "1").stdout.strip() == "marked 2 articles read"
    shown = run_reader("ignore", "remove", "1")
    assert "2 articles shown again" in shown.stdout
    unread = {row["title"] for row in json.loads(run_reader("list", "--json", "--unread").stdout)}
    assert unread == {"beta 0", "beta 1"}  # as they were when hidden


def test_prune_takes_hidden_articles_as_read_ones_and_starred_ones_are_never_hidden(
    server: FeedServer, run_reader: RunReader
) -> None:
    subscribed(run_reader, server, "/old.xml", dated("old", 4))
    fetch(run_reader, "--no-comments")
    starred = next(row["id"] for row in json.loads(run_reader("list", "--json").stdout) if row["title"] == "old 3")
    assert run_reader("mark", str(starred), "--star").returncode == 0
    added = run_reader("ignore", "add", 'title =~ "old [13]"', "--mode", "display")
    assert "it hides 1 stored article (`reader list --hidden` shows it)" in added.stdout
    assert titles(run_reader, "--hidden") == ["old 1"]
    pruned = run_reader("prune", "--older-than", "1d", "--yes")
    assert pruned.returncode == 0, pruned.stderr
    assert titles(run_reader, "--hidden") == []  # hidden and unread, pruned as read
    assert titles(run_reader) == ["old 0", "old 2", "old 3"]  # unread ones and the starred one stay


def test_a_feed_subscribed_again_is_asked_afresh_and_its_articles_come_back(
    server: FeedServer, run_reader: RunReader
) -> None:
    """Found by review: its old validators got a 304, so what `remove` took never came back."""
    url = server.route("/b.xml", conditional(rss(dated("beta", 3)), '"v1"', "Mon, 02 Mar 2026 10:00:00 GMT"))
    assert run_reader("add", "--no-check", url).returncode == 0
    fetch(run_reader, "--no-comments")
    first = json.loads(run_reader("list", "--json").stdout)[0]["id"]
    assert run_reader("mark", str(first), "--star").returncode == 0
    assert run_reader("remove", "--yes", "1").returncode == 0
    assert run_reader("add", "--no-check", url).returncode == 0
    server.clear()
    assert run_reader("fetch", "--no-comments", "--no-full-text").returncode == 0  # due at once, no --all
    (request,) = server.requests_for("/b.xml")
    assert request.header("If-None-Match") is None and request.header("If-Modified-Since") is None
    assert titles(run_reader) == ["beta 0", "beta 1", "beta 2"]


def test_newsboats_folder_brings_its_rules_for_one_feed_and_a_changed_mode_changes_them(
    server: FeedServer, run_reader: RunReader, tmp_path: Path
) -> None:
    """Found by review: `config` sorts before `urls`, so a rule for one feed found it not subscribed yet."""
    url = server.route("/b.xml", ok(rss(dated("beta", 3)).encode()))
    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "urls").write_text(f"{url}\n", encoding="utf-8")
    config = home / "config"
    config.write_text(f'ignore-article "{url}" "title =~ \\"beta 0\\""\n', encoding="utf-8")
    imported = run_reader("import", str(home))
    assert imported.returncode == 0 and "warning" not in imported.stderr, imported.stderr
    assert f"{config}: newsboat-config: 1 new killfile rule" in imported.stdout.splitlines()
    fetch(run_reader, "--no-comments")
    assert titles(run_reader) == ["beta 1", "beta 2"]  # kept out
    # ignore-mode switched to display: the same rule changes mode (not a second one beside it).
    config.write_text(
        f'ignore-mode "display"\nignore-article "{url}" "title =~ \\"beta [01]\\""\n'
        f'ignore-article "{url}" "title =~ \\"beta 0\\""\n',
        encoding="utf-8",
    )
    again = run_reader("import", str(config))
    line = f"{config}: newsboat-config: 1 new killfile rule, 1 killfile rule changed to its ignore-mode, "
    assert line + "1 hidden by the killfile" in again.stdout.splitlines(), again.stdout
    rules = json.loads(run_reader("ignore", "list", "--json").stdout)["rules"]
    assert [(rule["filter"], rule["mode"]) for rule in rules] == [
        ('title =~ "beta 0"', "display"),
        ('title =~ "beta [01]"', "display"),
    ]
    # A config alone, naming a feed not subscribed here, says what it left out.
    other = tmp_path / "other-config"
    other.write_text('ignore-article "https://elsewhere.example/feed" "author = \\"x\\""\n', encoding="utf-8")
    alone = run_reader("import", str(other))
    assert (
        "left out 1 ignore-article rule for feeds not subscribed here: https://elsewhere.example/feed "
        "(subscribe to them, then import this file again)" in alone.stderr
    )


def test_auto_waits_three_hours_for_a_feed_without_dates(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    """Found by review: its articles all took the fetch's time, a gap of 0, so it was asked every 30 min."""
    undated = [Item(f"u-{n}", f"undated {n}", f"https://example.org/u/{n}", "<p>x</p>", pub_date="") for n in range(5)]
    same = [Item(f"s-{n}", f"same {n}", f"https://example.org/s/{n}", "<p>x</p>") for n in range(5)]
    subscribed(run_reader, server, "/u.xml", undated)
    subscribed(run_reader, server, "/s.xml", same)  # every item stamped with one date
    fetch(run_reader, "--no-comments")
    with Store(db_path) as store:
        assert [store.auto_interval(feed_id) for feed_id in (1, 2)] == [AUTO_UNKNOWN, AUTO_UNKNOWN]
        raw = sqlite3.connect(db_path)
        assert raw.execute("SELECT count(*) FROM articles WHERE undated = 1").fetchone()[0] == 5
        raw.close()


def test_a_saved_search_and_a_feed_of_one_name_are_told_apart(server: FeedServer, run_reader: RunReader) -> None:
    subscribed(run_reader, server, "/a.xml", dated("alpha", 3))
    fetch(run_reader, "--no-comments")
    assert run_reader("rename", "1", "Alpha").returncode == 0
    assert run_reader("query", "add", "alpha", 'title =~ "alpha 0"').returncode == 0
    both = run_reader("mark-feed-read", "Alpha")
    assert both.returncode == 1 and "write /Alpha for the search, 1 for the feed" in both.stderr
    assert run_reader("mark-feed-read", "/alpha").stdout.strip() == "marked 1 article read"
    assert len(titles(run_reader, "--unread")) == 2
    numbered = run_reader("query", "add", "7", "unread = yes")
    assert numbered.returncode == 1 and "would read as a feed's number" in numbered.stderr
    huge = run_reader("mark-feed-read", "9" * 30)
    assert huge.returncode == 1 and "no feed with id 9999" in huge.stderr and "Overflow" not in huge.stderr


def test_a_library_hidden_before_rules_were_kept_per_article_is_put_down_to_the_rules_that_match(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    """Schema 19 records which rule hid what; a library of 17 or 18 had only the flag. Found by review:
    putting every hidden article down to every rule made removing one rule show nothing."""
    subscribed(run_reader, server, "/b.xml", dated("beta", 5))
    fetch(run_reader, "--no-comments")
    assert run_reader("ignore", "add", 'title =~ "beta [01]"', "--mode", "display").returncode == 0
    assert run_reader("ignore", "add", 'title =~ "beta [12]"', "--mode", "display").returncode == 0
    assert run_reader("ignore", "add", 'title =~ "beta 4"').returncode == 0  # a download rule hides nothing
    raw = sqlite3.connect(db_path)
    raw.executescript("DROP TABLE hidden_by; UPDATE articles SET hidden = 1 WHERE title = 'beta 3';")
    raw.execute("PRAGMA user_version = 18")
    raw.close()
    # "beta 3" was hidden by a rule that matches it no longer (say, by age): every display rule takes it.
    assert titles(run_reader, "--hidden") == ["beta 0", "beta 1", "beta 2", "beta 3"]
    assert "rule 1 removed: 1 article shown again" in run_reader("ignore", "remove", "1").stdout  # beta 0
    assert titles(run_reader, "--hidden") == ["beta 1", "beta 2", "beta 3"]
    assert "rule 2 removed: 3 articles shown again" in run_reader("ignore", "remove", "2").stdout
    assert titles(run_reader, "--hidden") == []


def test_starring_a_hidden_article_shows_it(server: FeedServer, run_reader: RunReader) -> None:
    subscribed(run_reader, server, "/b.xml", dated("beta", 2))
    fetch(run_reader, "--no-comments")
    assert run_reader("ignore", "add", 'title =~ "beta 0"', "--mode", "display").returncode == 0
    (hidden,) = json.loads(run_reader("list", "--json", "--hidden").stdout)
    assert run_reader("mark", str(hidden["id"]), "--star").returncode == 0
    assert titles(run_reader, "--hidden") == [] and titles(run_reader, "--starred") == ["beta 0"]
    assert run_reader("ignore", "remove", "1").stdout.strip() == "rule 1 removed"


def test_a_feed_whose_title_begins_with_a_slash_is_named_as_before(server: FeedServer, run_reader: RunReader) -> None:
    subscribed(run_reader, server, "/r.xml", dated("rust", 2))
    fetch(run_reader, "--no-comments")
    assert run_reader("rename", "1", "/r/rust").returncode == 0
    assert titles(run_reader, "--feed", "/r/rust") == ["rust 0", "rust 1"]
    assert run_reader("mark-feed-read", "/r/rust").stdout.strip() == "marked 2 articles read"
