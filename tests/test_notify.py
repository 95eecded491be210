"""``notify.command``: told of each fetch's new articles, bounded in time, never the fetch's failure.

Real parts: a loopback feed server, the real ``reader fetch`` with a config
file of the test's own, and real commands (small Python scripts written by the
test) that record what they were given, hang, or fail.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conftest import RunReader
from feedserver import FeedServer, Item, ok, rss


def write_config(home: Path, command: list[str], *, filter_: str = "", timeout: int = 10) -> None:
    lines = ["[notify]", f"command = {json.dumps(command)}", f"timeout_seconds = {timeout}"]
    if filter_:
        lines.append(f"filter = {json.dumps(filter_)}")
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    """An executable script (as a user's notify program is), run by this Python."""
    path = tmp_path / f"{name}.py"
    path.write_text(f"#!{sys.executable}\n{body}", encoding="utf-8")
    path.chmod(0o755)
    return [str(path)]


def feed(server: FeedServer, *titles: str) -> str:
    items = [Item(f"g-{n}", title, f"https://example.org/{n}", "<p>body</p>") for n, title in enumerate(titles)]
    return server.route("/feed.xml", ok(rss(items).encode()))


def test_the_command_gets_the_new_articles_once_as_json(
    server: FeedServer, run_reader: RunReader, isolated_home: Path, tmp_path: Path
) -> None:
    record = tmp_path / "told.jsonl"
    command = script(tmp_path, "record", f"import sys\nopen({str(record)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    write_config(isolated_home, command)
    assert run_reader("add", "--no-check", feed(server, "Rust 2.0 is out", "Gardening notes")).returncode == 0
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0 and "warning" not in fetched.stderr, fetched.stderr
    (told,) = [json.loads(line) for line in record.read_text().splitlines()]
    assert sorted(article["title"] for article in told) == ["Gardening notes", "Rust 2.0 is out"]
    assert set(told[0]) == {"id", "title", "feed", "url", "author", "published", "comment_count"}
    # Nothing new: the command is not run again.
    run_reader("fetch", "--all", "--no-comments", "--no-full-text")
    assert len(record.read_text().splitlines()) == 1


def test_a_filter_keeps_only_the_matching_ones(
    server: FeedServer, run_reader: RunReader, isolated_home: Path, tmp_path: Path
) -> None:
    record = tmp_path / "told.json"
    command = script(tmp_path, "record", f"import sys\nopen({str(record)!r}, 'w').write(sys.stdin.read())\n")
    write_config(isolated_home, command, filter_='title =~ "rust"')
    run_reader("add", "--no-check", feed(server, "Rust 2.0 is out", "Gardening notes", "Why I like RUST"))
    run_reader("fetch", "--no-comments", "--no-full-text")
    assert sorted(a["title"] for a in json.loads(record.read_text())) == ["Rust 2.0 is out", "Why I like RUST"]


def test_a_command_that_hangs_is_stopped_and_the_fetch_goes_on(
    server: FeedServer, run_reader: RunReader, isolated_home: Path, tmp_path: Path
) -> None:
    # It also starts a child that would outlive it: stopped with it (its process group).
    child = tmp_path / "child.pid"
    command = script(
        tmp_path,
        "hang",
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(child)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n",
    )
    write_config(isolated_home, command, timeout=1)
    run_reader("add", "--no-check", feed(server, "One", "Two"))
    began = time.monotonic()
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert time.monotonic() - began < 20
    assert fetched.returncode == 0
    assert "fetched 1 feed: 2 new articles" in fetched.stdout  # the fetch's work is all there
    (line,) = fetched.stderr.splitlines()
    assert line == "reader: warning: notify.command: hang.py did not finish within 1 s: stopped"
    pid = int(child.read_text())
    for _ in range(50):
        if not Path(f"/proc/{pid}").exists() or "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the command's child outlived it")


def test_a_failing_or_missing_command_is_one_warning(
    server: FeedServer, run_reader: RunReader, isolated_home: Path, tmp_path: Path
) -> None:
    run_reader("add", "--no-check", feed(server, "One"))
    write_config(
        isolated_home,
        script(tmp_path, "fail", "import sys\nprint('no display\\x1b[31m', file=sys.stderr)\nsys.exit(3)\n"),
    )
    fetched = run_reader("fetch", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0
    # What it printed is cleaned for the terminal: the escape shows, it does not act.
    assert fetched.stderr.splitlines() == [
        "reader: warning: notify.command: fail.py failed (exit status 3): no display\u241b[31m"
    ]
    server.route("/feed.xml", ok(rss([Item("g-9", "Nine", "https://example.org/9", "<p>x</p>")]).encode()))
    write_config(isolated_home, [str(tmp_path / "no-such-program")])
    fetched = run_reader("fetch", "--all", "--no-comments", "--no-full-text")
    assert fetched.returncode == 0
    (line,) = fetched.stderr.splitlines()
    assert line.startswith("reader: warning: notify.command: cannot run no-such-program: ")


def test_a_command_that_leaves_a_child_or_floods_its_error_output_costs_no_more_than_its_time() -> None:
    """Found by review: a child in its own session held the error pipe (reader waited 8 s for it), and a
    command writing gigabytes to its error output was read whole."""
    from reader.service.notify import run_command

    began = time.monotonic()
    assert run_command(["sh", "-c", "setsid sleep 8 & exit 0"], b"[]", 2) is None
    assert time.monotonic() - began < 5
    began = time.monotonic()
    line = run_command(["sh", "-c", "echo oops >&2; head -c 300000000 /dev/zero >&2; exit 1"], b"[]", 20)
    assert line is not None and line.startswith("notify.command: sh failed (exit status 1): oops")
    assert len(line) < 300
