"""Copy what can still be read out of a damaged library into a new one (``reader recover``).

A damaged page loses the rows stored on it, not the rest of the file. Every
table is read in rowid order; where a read fails, the copy skips past the
damage (found by bisection on the rowid) and goes on. The new library is
made by :class:`~reader.store.Store`, so it has the current schema, and its
search index is built afresh from the rows copied (the old index is not
read at all). A row whose parent was lost (an article whose feed was on a
damaged page) is left out, as deleting the parent would have removed it; a
reply whose parent comment was lost keeps its place as a top-level comment.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from reader.store import Store
from reader.store.schema import SCHEMA_VERSION
from reader.text import plural
from reader.text.sanitize import clean_line

__all__ = ["RecoverError", "Recovered", "recover"]

#: Rows read per query while nothing fails.
_BATCH = 500
_LOWEST_ROWID = -(2**63)
_HIGHEST_ROWID = 2**63 - 1


class RecoverError(Exception):
    """Nothing could be copied; a one-line message for the user."""


@dataclass
class Recovered:
    """What a recovery copied, and where it met damage."""

    #: Rows copied, by table.
    copied: dict[str, int] = field(default_factory=dict)
    #: Damaged places skipped (the rows on them are lost), by table.
    damaged: dict[str, int] = field(default_factory=dict)
    #: Rows left out because the row they belong to was lost, by table.
    orphans: dict[str, int] = field(default_factory=dict)

    def line(self, destination: Path) -> str:
        """One line: what was copied, and what was lost."""
        copied = ", ".join(plural(self.copied.get(table, 0), table[:-1]) for table in ("feeds", "articles", "comments"))
        lost = [f"{plural(count, 'damaged place')} in {table}" for table, count in self.damaged.items()]
        lost += [f"{count} {table} whose parent row was lost" for table, count in self.orphans.items()]
        return f"recovered into {destination}: {copied}; " + (f"skipped {', '.join(lost)}" if lost else "nothing lost")


def recover(source: Path, destination: Path) -> Recovered:
    """Copy every readable row of the library ``source`` into a new library at ``destination``.

    ``source`` is only read. Raises :class:`RecoverError` when ``destination``
    exists or ``source`` cannot be read at all.
    """
    if destination.exists() or Path(f"{destination}-wal").exists():
        raise RecoverError(f"{destination}: already exists; name a new file")
    if not source.is_file():
        raise RecoverError(f"{source}: no library here")
    try:
        src = sqlite3.connect(_read_only(source), uri=True)
    except sqlite3.Error as error:
        raise RecoverError(f"{source}: cannot open it ({error})") from None
    try:
        tables, version = _source_tables(src, source)
        if version > SCHEMA_VERSION:
            raise RecoverError(f"{source}: made by a newer reader (schema {version}); recover it with that one")
        with Store(destination) as store:
            result = _copy(src, store, tables)
    finally:
        src.close()
    return result


def _read_only(path: Path) -> str:
    # A -shm file is needed to read the WAL; where none can be made, the file
    # is read as it is (immutable).
    folder_writable = os.access(path.parent, os.W_OK)
    immutable = "" if folder_writable or Path(f"{path}-shm").exists() else "&immutable=1"
    return f"file:{quote(str(path.absolute()))}?mode=ro{immutable}"


def _source_tables(src: sqlite3.Connection, source: Path) -> tuple[dict[str, list[str]], int]:
    """The source's tables with their columns, and its schema version."""
    try:
        version = int(src.execute("PRAGMA user_version").fetchone()[0])
        names = [row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        tables = {name: [row[1] for row in src.execute(f'PRAGMA table_info("{name}")')] for name in names}
    except sqlite3.DatabaseError as error:
        raise RecoverError(
            f"{source}: cannot read even its list of tables ({clean_line(str(error))}); "
            "a recent sqlite3 command's .recover may still find rows"
        ) from None
    if "articles" not in tables or "feeds" not in tables:
        raise RecoverError(f"{source}: not a reader library (no feeds or articles table)")
    return tables, version


def _copy(src: sqlite3.Connection, store: Store, source_tables: dict[str, list[str]]) -> Recovered:
    dest = store.conn
    result = Recovered()
    # Rows arrive in rowid order, not parent first (a reply may come before
    # the comment it answers): foreign keys are checked here instead.
    dest.execute("PRAGMA foreign_keys = OFF")
    try:
        with store.transaction():
            parent_keys: dict[tuple[str, str], set[object]] = {}
            for table in _tables_parents_first(dest):
                if table not in source_tables:
                    continue
                columns = [c for c in _columns(dest, table) if c in source_tables[table]]
                links = [
                    (columns.index(source_column), parent, parent_column)
                    for parent, source_column, parent_column, on_delete in _foreign_keys(dest, table)
                    if on_delete != "SET NULL" and parent != table and source_column in columns
                ]
                insert = (
                    f'INSERT OR IGNORE INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})'
                )
                copied = orphans = 0
                for row in _readable_rows(src, table, columns, result):
                    if any(_missing(dest, parent_keys, parent, column, row[index]) for index, parent, column in links):
                        orphans += 1
                        continue
                    copied += dest.execute(insert, row).rowcount
                result.copied[table] = copied
                if orphans:
                    result.orphans[table] = orphans
            for table in _tables_parents_first(dest):
                for parent, column, parent_column, on_delete in _foreign_keys(dest, table):
                    if on_delete == "SET NULL":
                        dest.execute(
                            f'UPDATE "{table}" SET {column} = NULL WHERE {column} IS NOT NULL '
                            f'AND {column} NOT IN (SELECT {parent_column} FROM "{parent}")'
                        )
    finally:
        dest.execute("PRAGMA foreign_keys = ON")
    return result


def _missing(
    dest: sqlite3.Connection, known: dict[tuple[str, str], set[object]], parent: str, column: str, value: object
) -> bool:
    if value is None:
        return False
    if (parent, column) not in known:
        known[parent, column] = {row[0] for row in dest.execute(f'SELECT {column} FROM "{parent}"')}
    return value not in known[parent, column]


def _readable_rows(
    src: sqlite3.Connection, table: str, columns: list[str], result: Recovered
) -> Iterator[tuple[object, ...]]:
    """Every row of ``table`` that can be read, in rowid order, skipping damaged places."""
    names = ", ".join(columns)
    try:
        src.execute(f'SELECT rowid FROM "{table}" LIMIT 0')
    except sqlite3.OperationalError:
        # WITHOUT ROWID (small tables: tags, settings): read up to the damage.
        try:
            for row in src.execute(f'SELECT {names} FROM "{table}"'):
                yield tuple(row)
        except sqlite3.DatabaseError:
            result.damaged[table] = result.damaged.get(table, 0) + 1
        return
    select = f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid LIMIT ?'
    after = _LOWEST_ROWID
    while True:
        try:
            batch = src.execute(select, (after, _BATCH)).fetchall()
        except sqlite3.DatabaseError:
            # Somewhere in the next rows: take them one by one up to the damage.
            try:
                batch = src.execute(select, (after, 1)).fetchall()
            except sqlite3.DatabaseError:
                resume = _past_damage(src, select, after)
                result.damaged[table] = result.damaged.get(table, 0) + 1
                if resume is None:
                    return
                after = resume
                continue
        if not batch:
            return
        for row in batch:
            yield tuple(row[1:])
        after = int(batch[-1][0])


def _past_damage(src: sqlite3.Connection, select: str, after: int) -> int | None:
    """The lowest bound above ``after`` from which rows read again (None: none do, to the end)."""

    def reads(bound: int) -> bool:
        try:
            src.execute(select, (bound, 1)).fetchall()
        except sqlite3.DatabaseError:
            return False
        return True

    failed, step = 0, 1
    while not reads(after + step):
        failed, step = step, step * 2
        if after + step >= _HIGHEST_ROWID:
            return None
    # Bisect between a bound that fails and one that reads: the rows between
    # them that still read are not given up.
    while step - failed > 1:
        middle = (failed + step) // 2
        if reads(after + middle):
            step = middle
        else:
            failed = middle
    return after + step


def _tables_parents_first(conn: sqlite3.Connection) -> list[str]:
    """reader's own tables of ``conn`` (not the search index's), each after the tables it refers to."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    tables = [name for name, _sql in rows if not any(name == v or name.startswith(f"{v}_") for v in virtual)]
    ordered: list[str] = []

    def visit(table: str, path: tuple[str, ...]) -> None:
        if table in ordered or table in path:
            return
        for parent, _column, _parent_column, _on_delete in _foreign_keys(conn, table):
            if parent in tables:
                visit(parent, (*path, table))
        ordered.append(table)

    for table in sorted(tables):
        visit(table, ())
    return ordered


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, str, str]]:
    """(parent table, column, parent column, ON DELETE action) of each foreign key of ``table``."""
    keys = []
    for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
        parent, column, parent_column, on_delete = row[2], row[3], row[4], row[6]
        keys.append((parent, column, parent_column or "rowid", on_delete))
    return keys
