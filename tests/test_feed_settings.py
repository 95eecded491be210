"""A feed's own settings: how often it is fetched, how many articles it keeps (``reader feed set``).

Real parts: a loopback feed server that counts what it is asked, the real
``reader`` command, a real library file; the reader itself under Pilot for
its refresh timer.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss, status

from reader.store import Store
from reader.store.fetching import AUTO_LONGEST, AUTO_SHORTEST

HOUR = 3600


def items(prefix: str, count: int, *, hours_apart: int = 1) -> list[Item]:
    """``count`` items, newest first, ``hours_apart`` apart (dates in March 2026)."""
    made = []
    for n in range(count):
        hours = n * hours_apart
        day, hour = 28 - hours // 24, 23 - hours % 24
        made.append(
            Item(
                f"{prefix}-{n}",
                f"{prefix} {n}",
                f"https://example.org/{prefix}/{n}",
                "<p>x</p>",
                pub_date=f"{day:02d} Mar 2026 {hour:02d}:00:00 GMT",
            )
        )
    return made


def asked(server: FeedServer, path: str) -> int:
    return len(server.requests_for(path))


def feed_ids(run_reader: RunReader) -> dict[str, int]:
    return {feed["url"].rsplit("/", 1)[-1]: feed["id"] for feed in json.loads(run_reader("feeds", "--json").stdout)}


def set_last_fetch(db_path: Path, feed_id: int, seconds_ago: int) -> None:
    """As if the feed's last fetch, which worked, was ``seconds_ago``."""
    raw = sqlite3.connect(db_path)
    raw.execute(
        """UPDATE feeds SET last_fetch = CAST(strftime('%s', 'now') AS INTEGER) - :ago,
            last_success = CAST(strftime('%s', 'now') AS INTEGER) - :ago
        WHERE id = :id""",
        {"ago": seconds_ago, "id": feed_id},
    )
    raw.commit()
    raw.close()


def test_a_refresh_interval_is_honoured_by_fetch_and_named_feeds_are_fetched_anyway(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    slow = server.route("/slow.xml", ok(rss(items("slow", 3)).encode()))
    busy = server.route("/busy.xml", ok(rss(items("busy", 3)).encode()))
    assert run_reader("add", "--no-check", slow, busy).returncode == 0
    ids = feed_ids(run_reader)
    shown = run_reader("feed", "set", str(ids["slow.xml"]), "refresh=2h")
    assert shown.returncode == 0, shown.stderr
    assert "  refresh: every 2h" in shown.stdout.splitlines()
    assert "  refresh: every fetch" in run_reader("feed", "set", str(ids["busy.xml"]), "refresh=every").stdout
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert (asked(server, "/slow.xml"), asked(server, "/busy.xml")) == (1, 1)
    # Fetched a moment ago: the next fetch leaves it out, the other feed is asked again.
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert (asked(server, "/slow.xml"), asked(server, "/busy.xml")) == (1, 2)
    # Named, it is fetched whatever its interval.
    run_reader("fetch", str(ids["slow.xml"]), "--no-comments", "--no-full-text")
    assert asked(server, "/slow.xml") == 2
    # Two hours on, every fetch takes it again.
    set_last_fetch(db_path, ids["slow.xml"], 2 * HOUR + 60)
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert asked(server, "/slow.xml") == 3


def test_by_default_a_fetch_takes_each_feed_as_often_as_it_publishes(
    server: FeedServer, run_reader: RunReader, db_path: Path, isolated_home: Path
) -> None:
    hourly = server.route("/hourly.xml", ok(rss(items("hourly", 10)).encode()))
    daily = server.route("/daily.xml", ok(rss(items("daily", 5, hours_apart=24)).encode()))
    broken = server.route("/broken.xml", status(500))
    assert run_reader("add", "--no-check", hourly, daily, broken).returncode == 0
    ids = feed_ids(run_reader)
    assert "  refresh: auto (as often as the feed publishes: 30 min to a day), as fetch.refresh says" in (
        run_reader("feed", "show", str(ids["hourly.xml"])).stdout.splitlines()
    )
    run_reader("fetch", "--no-comments", "--no-full-text")
    counts = {name: 1 for name in ids}
    assert {name: asked(server, f"/{name}") for name in ids} == counts

    def fetch_again(*flags: str) -> str:
        done = run_reader("fetch", "--no-comments", "--no-full-text", *flags)
        assert done.returncode in (0, 1), done.stderr  # 1: the broken feed failed again
        return done.stdout

    # At once again: the two that worked are not due, and the line says so; the failed one is tried again.
    said = fetch_again()
    assert "2 feeds not due yet (`reader fetch --all` fetches them)" in said
    counts["broken.xml"] += 1
    assert {name: asked(server, f"/{name}") for name in ids} == counts
    # Half an hour on, the hourly one is due (half its gap, at least 30 minutes), the daily one not (12 h).
    set_last_fetch(db_path, ids["hourly.xml"], 31 * 60)
    set_last_fetch(db_path, ids["daily.xml"], 31 * 60)
    fetch_again()
    counts["hourly.xml"] += 1
    counts["broken.xml"] += 1
    assert {name: asked(server, f"/{name}") for name in ids} == counts
    # --all takes every feed now.
    fetch_again("--all")
    counts = {name: count + 1 for name, count in counts.items()}
    assert {name: asked(server, f"/{name}") for name in ids} == counts
    # fetch.refresh = "every" is the old way: every fetch takes every feed.
    config = isolated_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[fetch]\nrefresh = "every"\n', encoding="utf-8")
    assert "not due" not in fetch_again()
    counts = {name: count + 1 for name, count in counts.items()}
    assert {name: asked(server, f"/{name}") for name in ids} == counts
    assert "  refresh: every fetch, as fetch.refresh says" in run_reader("feed", "show", "1").stdout.splitlines()


def test_a_feed_subscribed_again_or_moved_is_due_at_once(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    first = server.route("/first.xml", ok(rss(items("first", 3)).encode()))
    moved = server.route("/moved.xml", ok(rss(items("first", 4)).encode()))
    assert run_reader("add", "--no-check", first).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert run_reader("move", "1", moved).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert asked(server, "/moved.xml") == 1
    assert run_reader("remove", "--yes", "1").returncode == 0
    assert run_reader("add", "--no-check", moved).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert asked(server, "/moved.xml") == 2


def test_auto_follows_how_often_the_feed_publishes(server: FeedServer, run_reader: RunReader, db_path: Path) -> None:
    hourly = server.route("/hourly.xml", ok(rss(items("hourly", 10)).encode()))
    weekly = server.route("/weekly.xml", ok(rss(items("weekly", 4, hours_apart=7 * 24)).encode()))
    daily = server.route("/daily.xml", ok(rss(items("daily", 5, hours_apart=24)).encode()))
    assert run_reader("add", "--no-check", hourly, weekly, daily).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    ids = feed_ids(run_reader)
    with Store(db_path) as store:
        intervals = {name: store.auto_interval(ids[name]) for name in ("hourly.xml", "weekly.xml", "daily.xml")}
    # Half the usual gap, from 30 minutes to a day.
    assert intervals == {"hourly.xml": AUTO_SHORTEST, "weekly.xml": AUTO_LONGEST, "daily.xml": 12 * HOUR}
    for name in ids:
        assert run_reader("feed", "set", str(ids[name]), "refresh=auto").returncode == 0
    set_last_fetch(db_path, ids["hourly.xml"], 31 * 60)
    set_last_fetch(db_path, ids["daily.xml"], 6 * HOUR)
    set_last_fetch(db_path, ids["weekly.xml"], 6 * HOUR)
    before = {name: asked(server, f"/{name}") for name in ids}
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert {name: asked(server, f"/{name}") - before[name] for name in ids} == {
        "hourly.xml": 1,
        "daily.xml": 0,
        "weekly.xml": 0,
    }


def test_an_item_limit_keeps_the_newest_and_every_starred_one(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    url = server.route("/many.xml", ok(rss(items("many", 8)).encode()))
    assert run_reader("add", "--no-check", url).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    listed = json.loads(run_reader("list", "--json").stdout)
    oldest = min(listed, key=lambda row: row["published"])
    run_reader("mark", str(oldest["id"]), "--star")
    (feed_id,) = feed_ids(run_reader).values()
    done = run_reader("feed", "set", str(feed_id), "items=3")
    assert done.returncode == 0, done.stderr
    assert "  items: the newest 3" in done.stdout.splitlines()
    assert "4 older articles removed" in done.stdout
    titles = sorted(row["title"] for row in json.loads(run_reader("list", "--json").stdout))
    assert titles == ["many 0", "many 1", "many 2", "many 7"]  # the newest three, and the starred oldest
    # The feed still lists all eight: the next fetch does not bring the removed ones back.
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert len(json.loads(run_reader("list", "--json").stdout)) == 4


def test_settings_are_shown_and_wrong_ones_are_one_line(server: FeedServer, run_reader: RunReader) -> None:
    url = server.route("/a.xml", ok(rss(items("a", 2)).encode()))
    assert run_reader("add", "--no-check", url).returncode == 0
    (feed_id,) = feed_ids(run_reader).values()
    done = run_reader("feed", "set", str(feed_id), "full_text=on", "discussions=on", "refresh=90m")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [
        "  refresh: every 90m",
        "  items: all",
        "  full_text: on",
        "  discussions: on",
    ]
    for wrong, said in [
        ("refresh=soon", "expected default, every, auto, or a time such as 45m, 2h or 1d"),
        ("refresh=0m", "expected default, every, auto"),
        ("items=many", "expected a number of articles, or all"),
        ("colour=red", "unknown setting 'colour'"),
        ("full_text", "expected KEY=VALUE"),
    ]:
        failed = run_reader("feed", "set", str(feed_id), wrong)
        assert failed.returncode != 0 and said in failed.stderr and len(failed.stderr.splitlines()) == 1
    assert run_reader("feed", "show", str(feed_id)).stdout == done.stdout


async def test_the_readers_timer_honours_a_feeds_interval(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    from tui_helpers import running, settle

    slow = server.route("/slow.xml", ok(rss(items("slow", 2)).encode()))
    busy = server.route("/busy.xml", ok(rss(items("busy", 2)).encode()))
    assert run_reader("add", "--no-check", slow, busy).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    ids = feed_ids(run_reader)
    run_reader("feed", "set", str(ids["slow.xml"]), "refresh=1d")
    run_reader("feed", "set", str(ids["busy.xml"]), "refresh=every")
    async with running(db_path) as (_app, pilot, screen):

        async def fetched() -> None:
            await settle(pilot)
            for _ in range(100):
                if not screen.fetching:
                    break
                await pilot.pause(0.05)
            await settle(pilot)

        screen._scheduled_refresh()  # what the timer calls (refresh.every_minutes)
        await fetched()
        assert (asked(server, "/slow.xml"), asked(server, "/busy.xml")) == (1, 2)
        # R is asked for now: every feed, whatever its interval.
        screen.action_refresh()
        await fetched()
        assert (asked(server, "/slow.xml"), asked(server, "/busy.xml")) == (2, 3)


async def test_o_on_a_feed_edits_its_settings_in_the_reader(
    server: FeedServer, run_reader: RunReader, db_path: Path
) -> None:
    from textual.message import Message
    from tui_helpers import current_screen, highlight, notifications, press, running, wait_until

    from reader.tui.screens.ask import AskScreen

    url = server.route("/many.xml", ok(rss(items("many", 6)).encode()))
    assert run_reader("add", "--no-check", url).returncode == 0
    run_reader("fetch", "--no-comments", "--no-full-text")
    (feed_id,) = feed_ids(run_reader).values()
    messages: list[Message] = []
    async with running(db_path, messages=messages) as (app, pilot, screen):
        await highlight(pilot, screen, f"feed:{feed_id}")
        await press(pilot, "O")
        await wait_until(pilot, lambda: isinstance(current_screen(app), AskScreen), "the settings line")
        ask = current_screen(app)
        assert isinstance(ask, AskScreen)
        assert ask.value == "refresh=default items=all full_text=off discussions=off"
        field = ask.query_one("#answer")
        # The line is shown from its start (at 80 columns its end is what is cut, not "refresh").
        assert field.cursor_position == 0 and not field.selected_text  # type: ignore[attr-defined]
        field.value = "refresh=2h items=4 full_text=off discussions=off"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        await wait_until(pilot, lambda: len(screen.article_list.ids) == 4, "the list trimmed to four")
        # A mistake is one line and changes nothing.
        await press(pilot, "O")
        await wait_until(pilot, lambda: isinstance(current_screen(app), AskScreen), "the settings line again")
        again = current_screen(app)
        assert isinstance(again, AskScreen) and again.value == "refresh=2h items=4 full_text=off discussions=off"
        again.query_one("#answer").value = "refresh=soon"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        await wait_until(
            pilot, lambda: any("expected default, every, auto" in n for n in notifications(messages)), "the error"
        )
    shown = run_reader("feed", "show", str(feed_id)).stdout.splitlines()
    assert shown[1:3] == ["  refresh: every 2h", "  items: the newest 4"]
