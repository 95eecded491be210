"""The core (store, models, importers, render, search, CLI) never imports Textual.

Keeping Textual out of the core keeps it testable without a terminal and
keeps `reader list`/`reader import` fast to start.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import reader

PACKAGE = Path(reader.__file__).parent
# Where Textual is allowed: the app, its widgets and screens.
UI_PARTS = {"tui"}


def core_modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in UI_PARTS:
            continue
        module = ".".join(("reader", *relative.with_suffix("").parts))
        names.append(module.removesuffix(".__init__").removesuffix(".__main__"))
    return sorted(set(names))


def test_core_modules_exist() -> None:
    modules = core_modules()
    for expected in (
        "reader.store",
        "reader.models",
        "reader.parse",
        "reader.text.render",
        "reader.cli",
        "reader.config",
        "reader.service.fetch",
        "reader.service.sync",
        "reader.service.sync.ttrss",
    ):
        assert expected in modules


def test_importing_the_core_does_not_load_textual() -> None:
    modules = core_modules()
    script = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    script += "print('textual' in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))[:3])"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False"), f"textual was imported by the core: {result.stdout}"


def test_no_core_source_file_mentions_a_textual_import() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] in UI_PARTS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "textual" or name.startswith("textual.") for name in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_a_well_formed_feed_is_read_without_loading_feedparser() -> None:
    """feedparser (40 ms to import) is loaded only for a feed the fast reader hands over to it."""
    script = """
import sys
from reader.parse.feeds import parse_feed
well_formed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>' \\
    b'<item><guid>1</guid><title>One</title><description>Words.</description></item></channel></rss>'
batch = parse_feed(well_formed, source_key="https://t.example/feed", kind="feed")
print(len(batch.articles), "feedparser" in sys.modules)
odd = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>One</title>' \\
    b'<description>a &nbsp; b</description></item></channel></rss>'
parse_feed(odd, source_key="https://t.example/odd", kind="feed")
print("feedparser" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "False", "True"], result.stdout
