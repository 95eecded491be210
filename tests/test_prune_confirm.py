"""``reader prune`` says what it would delete (``--dry-run``) and asks first at a terminal.

At a terminal (stdin and stdout both one) it asks "Delete N articles (...)?
[y/N]", no by default; ``--yes`` does not ask; piped or in a script it
deletes as it always did. With nothing to delete it says so and asks
nothing. The library is made with the real ``reader import`` and ``reader
mark``; the question is answered in a real terminal (tmux).
"""

from __future__ import annotations

import json
import re
import shlex
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from conftest import RunReader, reader_command
from test_e2e_tmux import Terminal

DAY = 86400

#: title: (age in days, read, starred)
ARTICLES = {
    "old read 1": (200, True, False),
    "old read 2": (150, True, False),
    "old read 3": (100, True, False),
    "old starred": (200, True, True),
    "old unread": (200, False, False),
    "recent read": (5, True, False),
}
#: What ``--older-than 90d`` deletes by default: read or hidden, unstarred, old.
PRUNED = {"old read 1", "old read 2", "old read 3"}

CUTOFF = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


@pytest.fixture
def library(tmp_path: Path, run_reader: RunReader) -> dict[str, int]:
    """The articles of :data:`ARTICLES` imported from an RSS file and marked; their ids by title."""
    now = int(time.time())
    items = "".join(
        f"<item><guid>urn:{n}</guid><title>{title}</title><description>About {title}.</description>"
        f"<pubDate>{formatdate(now - age * DAY, usegmt=True)}</pubDate></item>"
        for n, (title, (age, _, _)) in enumerate(ARTICLES.items())
    )
    feed = tmp_path / "old.rss"
    feed.write_text(
        f'<rss version="2.0"><channel><title>Old news</title><link>https://old.example/</link>{items}</channel></rss>',
        encoding="utf-8",
    )
    result = run_reader("import", str(feed))
    assert result.returncode == 0, result.stderr
    ids = {title: row_id for title, row_id in titles_and_ids(run_reader)}
    read = [str(ids[title]) for title, (_, is_read, _) in ARTICLES.items() if is_read]
    starred = [str(ids[title]) for title, (_, _, is_starred) in ARTICLES.items() if is_starred]
    assert run_reader("mark", *read, "--read").returncode == 0
    assert run_reader("mark", *starred, "--star").returncode == 0
    return ids


def titles_and_ids(run_reader: RunReader) -> list[tuple[str, int]]:
    result = run_reader("list", "--json")
    assert result.returncode == 0, result.stderr
    return [(row["title"], row["id"]) for row in json.loads(result.stdout)]


def left(run_reader: RunReader) -> set[str]:
    """The titles still in the library."""
    return {title for title, _ in titles_and_ids(run_reader)}


# -- --dry-run ------------------------------------------------------------------------------------


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(library: dict[str, int], run_reader: RunReader) -> None:
    result = run_reader("prune", "--older-than", "90d", "--dry-run")

    assert (result.returncode, result.stderr) == (0, "")
    assert re.fullmatch(
        rf"would delete 3 articles \(read or hidden, unstarred, published before {CUTOFF}\)\n", result.stdout
    )
    assert left(run_reader) == set(ARTICLES)


@pytest.mark.parametrize(
    ("flags", "count", "which"),
    [
        (["--include-unread"], 4, "unstarred, "),
        (["--include-starred"], 4, "read or hidden, "),
        (["--include-unread", "--include-starred"], 5, ""),
        (["--older-than", "120d"], 2, "read or hidden, unstarred, "),
    ],
)
def test_a_dry_run_counts_what_the_flags_take(
    library: dict[str, int], run_reader: RunReader, flags: list[str], count: int, which: str
) -> None:
    age = [] if "--older-than" in flags else ["--older-than", "90d"]
    result = run_reader("prune", *age, *flags, "--dry-run")

    assert result.returncode == 0, result.stderr
    expected = rf"would delete {count} articles \({which}published before {CUTOFF}\)\n"
    assert re.fullmatch(expected, result.stdout), result.stdout
    assert left(run_reader) == set(ARTICLES)


def test_a_dry_run_then_the_prune_delete_what_was_counted(library: dict[str, int], run_reader: RunReader) -> None:
    counted = run_reader("prune", "--older-than", "90d", "--include-unread", "--dry-run")
    pruned = run_reader("prune", "--older-than", "90d", "--include-unread")

    assert "would delete 4 articles" in counted.stdout
    assert pruned.returncode == 0, pruned.stderr
    assert re.fullmatch(rf"deleted 4 articles published before {CUTOFF}\n", pruned.stdout), pruned.stdout
    assert left(run_reader) == set(ARTICLES) - PRUNED - {"old unread"}


def test_a_dry_run_on_a_missing_library_creates_nothing(tmp_path: Path, run_reader: RunReader) -> None:
    missing = tmp_path / "nowhere" / "library.db"

    result = run_reader("prune", "--older-than", "90d", "--dry-run", db=missing)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"reader: error: no library yet at {missing}: `reader add URL` or `reader import FILE` starts one"
    ]
    assert not missing.parent.exists()


# -- nothing to prune, and off a terminal ---------------------------------------------------------


def test_nothing_to_prune_is_said_so(library: dict[str, int], run_reader: RunReader) -> None:
    result = run_reader("prune", "--older-than", "1y")

    assert (result.returncode, result.stderr) == (0, "")
    assert re.fullmatch(rf"nothing to prune \(read or hidden, unstarred, published before {CUTOFF}\)\n", result.stdout)
    assert run_reader("prune", "--older-than", "1y", "--dry-run").stdout == result.stdout
    assert left(run_reader) == set(ARTICLES)


def test_piped_it_deletes_without_asking(library: dict[str, int], run_reader: RunReader) -> None:
    """Off a terminal prune works as it did before the question: a script's input is not an answer."""
    result = run_reader("prune", "--older-than", "90d", input="n\n")

    assert (result.returncode, result.stderr) == (0, "")
    assert "[y/N]" not in result.stdout and "Delete" not in result.stdout
    assert re.fullmatch(rf"deleted 3 articles published before {CUTOFF}\n", result.stdout), result.stdout
    assert left(run_reader) == set(ARTICLES) - PRUNED


# -- at a terminal --------------------------------------------------------------------------------

#: The question (the screen drops the space after it).
QUESTION = re.compile(rf"Delete 3 articles \(read or hidden, unstarred, published before {CUTOFF}\)\? \[y/N\]:")


def start_prune(terminal: Terminal, db: Path, tmp_path: Path, *args: str) -> None:
    command = shlex.join([*reader_command(), "--db", str(db), "prune", "--older-than", "90d", *args])
    terminal.start(command, tmp_path / "terminal.log")


def ended(terminal: Terminal) -> str:
    """The screen once the command has ended; its exit status is on it (``EXIT=0``)."""
    return terminal.wait_for(lambda screen: re.search(r"EXIT=\d+", screen) is not None, "the command to end")


@pytest.mark.e2e
@pytest.mark.parametrize("answer", [["n", "Enter"], ["Enter"]], ids=["n", "enter"])
def test_at_a_terminal_no_or_enter_deletes_nothing(
    terminal: Terminal,
    library: dict[str, int],
    run_reader: RunReader,
    db_path: Path,
    tmp_path: Path,
    answer: list[str],
) -> None:
    start_prune(terminal, db_path, tmp_path)
    asked = terminal.wait_for(lambda screen: QUESTION.search(screen) is not None, "the question")
    assert left(run_reader) == set(ARTICLES), asked  # nothing deleted while it waits

    terminal.keys(*answer)
    screen = ended(terminal)

    assert "nothing deleted" in screen and "EXIT=0" in screen, screen
    assert "deleted 3" not in screen, screen
    assert left(run_reader) == set(ARTICLES)


@pytest.mark.e2e
def test_at_a_terminal_yes_deletes(
    terminal: Terminal, library: dict[str, int], run_reader: RunReader, db_path: Path, tmp_path: Path
) -> None:
    start_prune(terminal, db_path, tmp_path)
    terminal.wait_for(lambda screen: QUESTION.search(screen) is not None, "the question")

    terminal.keys("y", "Enter")
    screen = ended(terminal)

    assert "EXIT=0" in screen, screen
    assert re.search(rf"^deleted 3 articles published before {CUTOFF}$", screen, re.MULTILINE), screen
    assert left(run_reader) == set(ARTICLES) - PRUNED


@pytest.mark.e2e
@pytest.mark.parametrize("flag", ["--yes", "-y"])
def test_at_a_terminal_yes_flag_does_not_ask(
    terminal: Terminal, library: dict[str, int], run_reader: RunReader, db_path: Path, tmp_path: Path, flag: str
) -> None:
    start_prune(terminal, db_path, tmp_path, flag)
    screen = ended(terminal)

    assert "EXIT=0" in screen, screen
    assert "[y/N]" not in screen, screen
    assert re.search(rf"^deleted 3 articles published before {CUTOFF}$", screen, re.MULTILINE), screen
    assert left(run_reader) == set(ARTICLES) - PRUNED


@pytest.mark.e2e
@pytest.mark.parametrize("args", [["--dry-run"], ["--older-than", "1y"]], ids=["dry-run", "nothing-to-prune"])
def test_at_a_terminal_a_dry_run_or_nothing_to_prune_does_not_ask(
    terminal: Terminal, library: dict[str, int], run_reader: RunReader, db_path: Path, tmp_path: Path, args: list[str]
) -> None:
    start_prune(terminal, db_path, tmp_path, *args)  # a second --older-than wins over the first
    screen = ended(terminal)

    assert "EXIT=0" in screen, screen
    assert "[y/N]" not in screen, screen
    assert "would delete 3 articles" in screen or "nothing to prune" in screen, screen
    assert left(run_reader) == set(ARTICLES)
