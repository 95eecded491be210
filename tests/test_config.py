"""The config file: defaults, mistakes that never stop the reader, the CLI, and the README reference."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, RunReader

from reader import config
from reader.service.fetch import FetchSettings


@pytest.fixture
def config_file(isolated_home: Path) -> Path:
    """Where the reader looks for its config in this test (under READER_HOME)."""
    path = isolated_home / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_no_file_means_every_default_and_no_problem(config_file: Path) -> None:
    loaded = config.load()
    assert loaded.problems == ()
    assert loaded == config.Config()
    assert config.config_path() == config_file


def test_every_setting_is_read(config_file: Path) -> None:
    config_file.write_text(
        """
database = "~/elsewhere.db"
theme = "nord"
date_format = "%Y-%m-%d"
browser = ["firefox", "--new-tab"]
[refresh]
on_start = true
every_minutes = 30
[fetch]
concurrency = 4
per_host = 2
timeout_seconds = 12
full_text_threshold = 50
comments = false
[comments]
depth_cap = 4
collapse_replies = true
[keys]
"reader.refresh" = "f5, R"
"reader.toggle-star" = ["f", "s"]
""",
        encoding="utf-8",
    )
    loaded = config.load()
    assert loaded.problems == ()
    assert (loaded.database, loaded.theme, loaded.date_format) == ("~/elsewhere.db", "nord", "%Y-%m-%d")
    assert loaded.browser == ("firefox", "--new-tab")
    assert (loaded.refresh_on_start, loaded.refresh_every_minutes) == (True, 30)
    assert (loaded.comments_depth_cap, loaded.comments_collapse_replies) == (4, True)
    assert loaded.keys == {"reader.refresh": "f5,R", "reader.toggle-star": "f,s"}
    settings = FetchSettings.from_config(loaded)
    assert (settings.concurrency, settings.per_host, settings.full_text_threshold) == (4, 2, 50)
    assert settings.limits.total_seconds == 12.0 and settings.comments is False


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("theme = 3\n", "theme: expected a string"),
        ('browser = "firefox %s"\n', "browser: expected a list of strings"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency: expected a number from 1 to 64, found 0"),
        ("[fetch]\nconcurrency = true\n", "fetch.concurrency: expected a whole number"),
        ('[refresh]\non_start = "yes"\n', "refresh.on_start: expected true or false"),
        ('date_format = "YYYY"\n', 'date_format: expected "relative" or a strftime pattern'),
        ('[keys]\n"reader.refresh" = 5\n', "keys.reader.refresh: expected keys"),
        ("colour = 1\n", "colour: unknown setting"),
    ],
)
def test_a_wrong_value_is_named_and_keeps_its_default(config_file: Path, text: str, named: str) -> None:
    config_file.write_text('theme = "nord"\n' + text if not text.startswith("theme") else text, encoding="utf-8")
    loaded = config.load()
    assert len(loaded.problems) == 1
    (problem,) = loaded.problems
    assert named in problem and str(config_file) in problem and "\n" not in problem
    defaults = config.Config()
    assert loaded.fetch_concurrency == defaults.fetch_concurrency
    assert loaded.browser == defaults.browser
    if not text.startswith("theme"):
        assert loaded.theme == "nord", "the good settings beside a bad one still apply"


def test_a_file_that_is_not_toml_gives_one_line_and_every_default(config_file: Path) -> None:
    config_file.write_text('theme = "nord"\n[fetch\nconcurrency = 2\n', encoding="utf-8")
    loaded = config.load()
    assert loaded.theme == config.Config().theme
    (problem,) = loaded.problems
    assert "not valid TOML" in problem and "line" in problem


def test_a_broken_config_warns_and_the_command_still_works(config_file: Path, run_reader: RunReader) -> None:
    config_file.write_text("[fetch]\nconcurrency = -1\n", encoding="utf-8")
    run_reader("add", "--no-check", "https://example.org/feed.xml")  # a library to list
    result = run_reader("feeds")
    assert result.returncode == 0
    assert result.stderr.count("\n") == 1
    assert "warning" in result.stderr and "fetch.concurrency" in result.stderr
    assert "Traceback" not in result.stderr


def test_reader_config_env_override_path_and_show(
    tmp_path: Path, run_reader: RunReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "custom.toml"
    elsewhere.write_text("[comments]\ndepth_cap = 3\n", encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(elsewhere))
    assert run_reader("config", "path").stdout.strip() == str(elsewhere)
    shown = run_reader("config", "show")
    assert shown.returncode == 0
    assert "depth_cap = 3" in shown.stdout
    # What `show` prints is a config file that reads back to the same settings.
    assert config.parse(shown.stdout) == replace(config.load(elsewhere), path=None)


def test_defaults_file_reads_back_as_the_defaults() -> None:
    assert config.parse(config.example_toml()) == config.Config()


def test_the_database_setting_moves_the_library(config_file: Path, tmp_path: Path, run_reader: RunReader) -> None:
    library = tmp_path / "from-config.db"
    config_file.write_text(f'database = "{library}"\n', encoding="utf-8")
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>T</title><item><guid>g</guid><title>Hello</title></item></channel></rss>',
        encoding="utf-8",
    )
    result = run_reader("import", str(feed), db=None)
    assert result.returncode == 0, result.stderr
    assert library.exists()
    assert "Hello" in run_reader("list", db=None).stdout


def test_config_edit_creates_the_file_and_checks_what_was_written(
    config_file: Path, tmp_path: Path, run_reader: RunReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nopen(sys.argv[1], 'a').write('\\n[oops]\\nsize = 1\\n')\n",
        encoding="utf-8",
    )
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    result = run_reader("config", "edit")
    assert config_file.exists()
    text = config_file.read_text(encoding="utf-8")
    assert "[fetch]" in text and "concurrency = 16" in text, "created with every default first"
    assert result.returncode == 1
    assert "oops.size: unknown setting" in result.stderr


def test_readme_config_reference_matches_the_code() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("<!-- config-reference")
    start = readme.index("\n", start) + 1
    end = readme.index("<!-- /config-reference -->")
    assert readme[start:end].strip() == config.reference_markdown(), (
        "README's config reference is stale: paste reader.config.reference_markdown()"
    )


def test_every_setting_has_a_field_on_config() -> None:
    names = set(config.Config.__dataclass_fields__)
    assert {key.replace(".", "_") for key in config.known_keys()} <= names
    assert os.sep not in "".join(config.known_keys())
