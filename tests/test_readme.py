"""The README stays true to the code: every key is documented, the quick start exists."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding

from reader.tui.app import ReaderApp
from reader.tui.screens.confirm import ConfirmScreen
from reader.tui.screens.main import MainScreen
from reader.tui.widgets.article_list import ArticleList
from reader.tui.widgets.article_view import ArticleView
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.feed_list import FeedList
from reader.tui.widgets.key_list import key_label

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_key_of_the_reader_is_in_the_readme_key_table() -> None:
    missing = []
    for owner in (ReaderApp, MainScreen, ArticleList, ArticleView, CommentThread, FeedList, ConfirmScreen):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id, f"{owner.__name__} binding {binding.key} has no id (config cannot rebind it)"
            for key in binding.key.split(","):
                label = key_label(key)
                if f"`{label}`" not in README:
                    missing.append(f"{owner.__name__}: {label} ({binding.description})")
    assert missing == []


def test_quick_start_has_a_demo_command_and_a_test_command() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in section.splitlines() if line.startswith("python3 -m venv")]
    assert len(commands) == 2
    assert commands[0].endswith("reader demo")
    assert "pytest" in commands[1]
