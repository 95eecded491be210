"""``reader/store/schema.sql`` is the schema a fresh library has after every migration.

The schema exists as migration scripts to replay (``reader/store/schema.py``);
schema.sql shows what they add up to, for reading and review. It is generated,
so these tests only check that it is current and that it is a real schema.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

from reader.store import Store
from reader.store.schema import SCHEMA_VERSION, dump

REGENERATE = "python -m reader.store > reader/store/schema.sql"


def stored_schema() -> str:
    """schema.sql as the installed package holds it (package data in pyproject.toml)."""
    return resources.files("reader.store").joinpath("schema.sql").read_text(encoding="utf-8")


def test_schema_sql_is_the_schema_a_fresh_library_has(tmp_path: Path) -> None:
    with Store(tmp_path / "fresh.db") as store:
        current = dump(store.conn)
    assert current == stored_schema(), f"reader/store/schema.sql is out of date: write it again with `{REGENERATE}`"
    assert current.rstrip().endswith(f"PRAGMA user_version = {SCHEMA_VERSION};")


def test_schema_sql_builds_the_same_schema_in_an_empty_database() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(stored_schema())
        assert dump(conn) == stored_schema()
    finally:
        conn.close()


def test_the_command_that_writes_schema_sql_prints_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reader.store"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == stored_schema()
