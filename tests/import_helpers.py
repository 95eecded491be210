"""Helpers shared by the importer tests: write a fixture file, import exactly one file."""

from __future__ import annotations

from pathlib import Path

from reader.parse import FileOutcome, import_paths
from reader.store import Store


def write(path: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def import_one(store: Store, path: Path) -> FileOutcome:
    """Import one file and return its outcome."""
    outcomes = list(import_paths(store, [path]))
    assert len(outcomes) == 1
    return outcomes[0]
