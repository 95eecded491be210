"""The demo library: content the project wrote itself, loaded into a fresh database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reader.parse import import_paths
from reader.parse.plaintext import local_source
from reader.store import Store

DEMO_FILES = ("welcome.txt", "discussion.atom")


def load_demo(store: Store) -> int:
    """Import the demo articles into ``store``; returns how many articles it added."""
    folder = resources.files("reader.service") / "demo_content"
    with resources.as_file(folder) as path:
        outcomes = list(import_paths(store, [Path(path) / name for name in DEMO_FILES]))
        # The plain-text article's source is named after its folder; give it the demo's name.
        source = local_source(Path(path) / DEMO_FILES[0])
        source.title = "reader demo"
        store.add_feed(source)
    failed = [o for o in outcomes if o.error]
    if failed:
        raise RuntimeError(f"demo content failed to import: {failed[0].path.name}: {failed[0].error}")
    return sum(o.stats.articles_added for o in outcomes)
