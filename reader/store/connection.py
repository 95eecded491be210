"""Opening the library file: checks, pragmas, migrations, transactions, and failures in one line.

Everything here is about the file, not what it holds:

* A missing library is created private (0600, in a 0700 folder); one that
  cannot be written (the file, or the folder its -wal and -shm files need)
  is opened read-only.
* One from a newer reader, another program's SQLite file, or a damaged one
  is refused before anything is written to it. The damage check
  (``PRAGMA quick_check``) reads every page, so it runs only when the file
  is not as reader left it, which the ``-seen`` file beside it records.
* A library holding a sync password is kept readable by its owner only.
* :meth:`Connection.transaction` also feeds the full-text index the rows
  inserted in it, in one ordered statement (see ``_index_pending``).

:class:`Connection` is the base of every part of :class:`reader.store.Store`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self
from urllib.parse import quote

from reader.store.schema import MIGRATION_STEPS, MIGRATIONS, SCHEMA_VERSION, split_sql
from reader.text.sanitize import clean_line, normalize_url


class StoreError(Exception):
    """A database problem, with a one-line message for the user."""


# SQLite primary result codes that mean the library file itself cannot be
# used, whatever is being stored: what the user has to fix.
_FILE_PROBLEMS = {
    3: "access denied",  # SQLITE_PERM
    5: "the library is busy",  # SQLITE_BUSY
    6: "the library is locked",  # SQLITE_LOCKED
    8: "the library is read-only",  # SQLITE_READONLY
    10: "a read or write failed; is the disk full?",  # SQLITE_IOERR
    11: "the library file is damaged",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "cannot open database",  # SQLITE_CANTOPEN
    26: "not a reader database",  # SQLITE_NOTADB
}


def library_failure(error: BaseException, path: Path | str | None) -> StoreError | None:
    """A one-line :class:`StoreError` when ``error`` means the library file cannot be used, else None.

    Read-only, disk full, I/O errors, a damaged file: every later write would
    fail the same way, so callers stop instead of blaming what they stored.
    A :class:`StoreError` is one already; any other exception is None (the
    caller's own unit failed, not the library).
    """
    if isinstance(error, StoreError):
        return error
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", -1)
    problem = "its folder is read-only" if code == 1544 else _FILE_PROBLEMS.get(code & 0xFF)  # READONLY_DIRECTORY
    if code & 0xFF == 8 and path is not None and os.access(path, os.W_OK):
        # Reading a read-only library leaves its -shm (and -wal) read-only
        # too; once the library is writable again they still block writes.
        stuck = [
            name for name in (f"{path}-shm", f"{path}-wal") if os.path.exists(name) and not os.access(name, os.W_OK)
        ]
        if stuck:
            problem = f"cannot write while {' and '.join(stuck)} {'is' if len(stuck) == 1 else 'are'} read-only"
    if code & 0xFF == 11:
        return StoreError(f"{path}: {problem} ({error}); {_RECOVER}")
    return None if problem is None else StoreError(f"{path}: {problem} ({error})")


_RECOVER = "copy out what is readable with `reader recover NEW.db`"
# Settings that hold a secret (reader.service.sync.account keeps them; the store
# cannot import it): a library holding one is kept private.
_PASSWORD_SETTING = "sync.password"
_ACCOUNT_SETTING = "sync.account"


def _create_library(path: Path) -> None:
    """Create an empty, private (0600) library file, and its missing folders (0700).

    SQLite gives the -wal and -shm files the permissions of the library
    file, so they are private too.
    """
    from reader.paths import make_private_folder

    try:
        make_private_folder(path.parent)
    except OSError as error:
        raise StoreError(f"{path.parent}: cannot create folder ({error.strerror})") from None
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # made meanwhile by another process
    except OSError as error:
        raise StoreError(f"{path}: cannot create the library file ({error.strerror})") from None


def _read_only_uri(path: Path) -> str | None:
    """The URI that opens ``path`` read-only, or None when it can be written.

    Writing needs the file, and the folder (for the -wal and -shm files) unless
    both exist and are writable. Without a -shm file in a read-only folder,
    SQLite cannot even read a WAL library ("unable to open database file"),
    so it is then opened immutable: read as it is, with no WAL index at all.
    """
    folder = path.parent
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    folder_ok = os.access(folder, os.W_OK) or all(os.access(name, os.W_OK) for name in (wal, shm))
    if os.access(path, os.W_OK) and folder_ok:
        return None
    immutable = "&immutable=1" if not os.access(folder, os.W_OK) and not shm.exists() else ""
    return f"file:{quote(str(path.absolute()))}?mode=ro{immutable}"


# (device, inode, size, modification time in ns) of a library file.
_Stamp = tuple[int, int, int, int]
#: What this process found checking each library as it was: the problem, or "" (sound).
_CHECKED: dict[_Stamp, str] = {}
#: Length of the -seen file: one fixed-size record, rewritten in place.
_SEEN_SIZE = 96


def _file_stamp(path: Path) -> _Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _read_seen(path: Path) -> _Stamp | None:
    """The stamp reader last wrote beside the library, if any (a torn or foreign file reads as none)."""
    try:
        with open(f"{path}-seen", "rb") as file:
            fields = file.read(_SEEN_SIZE).split()
        if len(fields) != 5 or fields[0] != b"reader-seen":
            return None
        dev, ino, size, mtime = (int(value) for value in fields[1:])
    except (OSError, ValueError):
        return None
    return dev, ino, size, mtime


def _write_seen(path: Path, stamp: _Stamp) -> None:
    # One write of a fixed-size record at offset 0: a reader of the file sees
    # the old or the new record (a torn one only costs a quick_check).
    record = "reader-seen {} {} {} {}".format(*stamp).encode().ljust(_SEEN_SIZE - 1) + b"\n"
    try:
        # O_NOFOLLOW: in a shared folder (--db /tmp/x.db) a planted symlink must not be written through.
        fd = os.open(f"{path}-seen", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        return  # a read-only folder: the next start checks again
    try:
        os.pwrite(fd, record, 0)
    except OSError:
        pass
    finally:
        os.close(fd)


class Connection:
    """The library file open on one SQLite connection (``conn``), checked and migrated.

    Open one per thread; SQLite's WAL mode lets readers and one writer work
    side by side, across threads and processes.
    """

    def __init__(self, path: Path | str, *, create: bool = True, bulk: bool = False) -> None:
        """Open (or create) the library at ``path``.

        ``bulk`` is for a writer of much that can be written again (a fetch):
        commits that a power cut may undo (never corrupt), and a bigger page
        cache for the search index.
        """
        self.path = Path(path) if str(path) != ":memory:" else None
        self.bulk = bulk
        #: One-line warnings about the library file met while opening it (a
        #: password readable by others), for the caller to show.
        self.warnings: list[str] = []
        #: Opened read-only: the file, or its folder, cannot be written.
        self.read_only = False
        target = str(self.path) if self.path else ":memory:"
        if self.path is not None:
            if not self.path.exists():
                if not create:
                    raise StoreError(f"{self.path}: no such database")
                _create_library(self.path)
            read_only_uri = _read_only_uri(self.path)
            if read_only_uri is not None:
                self.read_only, target = True, read_only_uri
        try:
            conn = sqlite3.connect(
                target,
                isolation_level=None,  # explicit BEGIN/COMMIT in transaction()
                check_same_thread=False,
                uri=self.read_only,
            )
        except sqlite3.Error as error:
            raise StoreError(f"{path}: cannot open database ({error})") from None
        conn.row_factory = sqlite3.Row
        self.conn = conn
        # Within a write transaction: the highest article and comment ids
        # already in the search index, and whether rows were inserted since.
        self._indexed_upto: tuple[int, int] | None = None
        self._unindexed = False
        self._stand_in_feeds: set[int] | None = None
        try:
            # Before anything is written (even the switch to WAL): a file
            # from a newer reader is left exactly as it is.
            self._refuse_newer()
            self._refuse_damaged()
            self._configure()
            self._migrate()
            self._protect_secrets()
        except sqlite3.DatabaseError as error:
            conn.close()
            failure = library_failure(error, path)
            raise failure or StoreError(f"{path}: not a reader database ({error})") from None
        except StoreError:
            conn.close()
            raise

    # -- lifecycle ---------------------------------------------------------

    def _configure(self) -> None:
        # The one spelling of a feed URL (schema 10's ``url_key``), for SQL that keeps it current.
        self.conn.create_function("reader_url_key", 1, normalize_url, deterministic=True)
        # REGEXP for filters (``title =~ "rust"``): Python's re, bounded (reader/store/filters.py),
        # imported at its first use: most commands never filter.
        self.conn.create_function("regexp", 2, _regexp, deterministic=True)
        self.conn.execute("PRAGMA busy_timeout = 10000")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if self.path is not None and not self.read_only:
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        # FULL: a commit (a mark, an import) survives a power cut too. With
        # NORMAL a power cut may undo a fetch's last commits, never corrupt
        # the file, and the next fetch brings them back; it saves a disk
        # flush per batch.
        self.conn.execute(f"PRAGMA synchronous = {'NORMAL' if self.bulk else 'FULL'}")
        if self.bulk:
            # 8 MB instead of 2: the full-text index's pages stay in memory
            # while a batch is indexed. 32 MB (storing 500 feeds: 3.1 s -> 2.5 s
            # against 2 MB) was most of a cold fetch's peak memory.
            self.conn.execute("PRAGMA cache_size = -8000")

    def _refuse_newer(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema {version} is newer than this reader "
                f"understands ({SCHEMA_VERSION}); upgrade reader"
            )
        if version == 0:
            # Another program's database (newsboat's cache.db given as --db):
            # creating reader's tables in it would change a file that is not ours.
            other = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1"
            ).fetchone()
            if other is not None:
                raise StoreError(
                    f"{self.path}: not a reader library (an SQLite file with other tables, such as "
                    f"{clean_line(str(other[0]))[:40]!r}); to bring in a newsboat cache, use `reader import`"
                )

    def _refuse_damaged(self) -> None:
        """Refuse a library whose pages are damaged, checked when the file changed since reader last saw it.

        ``PRAGMA quick_check`` reads every page: on the 100,000-article
        benchmark library (1.2 GB) it took 10.1 s from a cold disk cache and
        0.75-1.06 s from a warm one, so it cannot run at every start. It runs
        when the file is not as reader left it (size, modification time or
        inode differ from the ``-seen`` file written after every commit and
        close): another program wrote it, or a copy replaced it. Damage met
        later still gets one line from :func:`library_failure`.

        A library with no ``-seen`` file at all (made by a reader from before
        the check) is taken as it is and noted: checking it would make every
        user's first start after the upgrade wait (6 s here on 1.2 GB, with the
        migration), for a file reader itself has been writing all along.
        """
        if self.path is None:
            return
        stamp = _file_stamp(self.path)
        if stamp is None or stamp[2] == 0:
            return  # a library being created: nothing to check yet
        problem = _CHECKED.get(stamp)
        if problem is None:
            if not os.path.lexists(f"{self.path}-seen"):
                if not self.read_only:
                    _write_seen(self.path, stamp)
                return
            if _read_seen(self.path) == stamp:
                return
            self.conn.execute("PRAGMA busy_timeout = 10000")
            try:
                found = [str(row[0]) for row in self.conn.execute("PRAGMA quick_check(3)")]
                problem = "" if found == ["ok"] else "; ".join(clean_line(text) for text in found)
            except sqlite3.DatabaseError as error:
                if getattr(error, "sqlite_errorcode", -1) & 0xFF not in (11, 26):  # CORRUPT, NOTADB
                    raise
                problem = clean_line(str(error))
            _CHECKED[stamp] = problem
            if not problem and not self.read_only:
                _write_seen(self.path, stamp)
        if problem:
            raise StoreError(f"{self.path}: the library file is damaged (quick_check: {problem[:120]}); {_RECOVER}")

    def _protect_secrets(self) -> None:
        """Make a library that holds a sync password private, with a warning, when others can read it."""
        if self.path is None:
            return
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            return
        if mode & 0o077 and self._holds_secret():
            self.warnings.extend(self.make_private())

    def _holds_secret(self) -> bool:
        # A stored password, or an account kept by an older reader with the
        # password in its URL (https://user:password@host/).
        row = self.conn.execute(
            "SELECT 1 FROM settings WHERE key = ? OR (key = ? AND value LIKE '%://%:%@%') LIMIT 1",
            (_PASSWORD_SETTING, _ACCOUNT_SETTING),
        ).fetchone()
        return row is not None

    def make_private(self) -> list[str]:
        """Take every permission of group and others off the library and its -wal and -shm files.

        For a library that holds a password. Returns one line saying what
        changed (or why it could not), nothing when it was private already.
        """
        if self.path is None:
            return []
        changed: list[str] = []
        for name in (str(self.path), f"{self.path}-wal", f"{self.path}-shm"):
            try:
                mode = os.stat(name).st_mode & 0o777
                if mode & 0o077:
                    os.chmod(name, mode & 0o700)
                    changed.append(f"{os.path.basename(name)} {mode:04o} -> {mode & 0o700:04o}")
            except FileNotFoundError:
                continue
            except OSError as error:
                return [
                    f"{self.path}: it holds a sync password and others can read it; "
                    f"cannot change that ({error.strerror or error})"
                ]
        if not changed:
            return []
        return [f"{self.path}: it holds a sync password, so it is now readable by you only ({', '.join(changed)})"]

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION and self.read_only:
            raise StoreError(
                f"{self.path}: the library is read-only and needs an upgrade (schema {version} to "
                f"{SCHEMA_VERSION}); open it once where it can be written"
            )
        for number in range(version, SCHEMA_VERSION):
            # Not self.transaction(): the tables it looks at may not exist yet.
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in split_sql(MIGRATIONS[number]):
                    self.conn.execute(statement)
                step = MIGRATION_STEPS.get(number + 1)
                if step is not None:
                    step(self.conn)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- small settings the library keeps (every part of the store may use them) --

    def get_setting(self, key: str) -> str | None:
        """A stored setting, or None."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else None

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting (its own transaction)."""
        with self.transaction():
            self._put_setting(key, value)

    def _put_setting(self, key: str, value: str) -> None:
        """Store a setting within the caller's transaction."""
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    @property
    def schema_version(self) -> int:
        """The schema version stored in the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection, and note the file as reader leaves it (see :meth:`_refuse_damaged`)."""
        self.conn.close()
        self._note_seen()

    def _note_seen(self) -> None:
        if self.path is not None and not self.read_only:
            stamp = _file_stamp(self.path)
            if stamp is not None and not _CHECKED.get(stamp):
                _write_seen(self.path, stamp)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction: all of it lands, or none of it."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._indexed_upto = self._max_ids()
            self._stand_in_feeds = None
            yield
            self._index_pending()
        except BaseException:
            self._indexed_upto = None
            self._unindexed = False
            self.conn.execute("ROLLBACK")
            raise
        else:
            self._indexed_upto = None
            self.conn.execute("COMMIT")
            # The commit may have changed the file (a checkpoint): another
            # process opening it now must not take that for damage.
            self._note_seen()

    def _max_ids(self) -> tuple[int, int]:
        row = self.conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM articles), (SELECT coalesce(max(id), 0) FROM comments)"
        ).fetchone()
        return int(row[0]), int(row[1])

    def _index_pending(self) -> None:
        """Add the articles and comments inserted so far in this transaction to the search index.

        Rows are ids above the ones the transaction started with (ids only
        grow), and go in key order: FTS5 also writes out its pending data
        whenever a key comes lower than the last. Must run before any
        statement whose trigger removes a row from the index (an update of
        an indexed column, a delete), since the row has to be there first.
        """
        if self._indexed_upto is None:
            return
        articles_upto, comments_upto = self._indexed_upto
        latest = self._max_ids()
        if latest == self._indexed_upto:
            return
        if latest[0] > articles_upto:
            self.conn.execute(
                """INSERT INTO articles_fts(rowid, title, text)
                SELECT (published << 31) | id, title, text FROM articles WHERE id > ? ORDER BY 1""",
                (articles_upto,),
            )
        if latest[1] > comments_upto:
            self.conn.execute(
                """INSERT INTO comments_fts(rowid, text)
                SELECT (a.published << 31) | c.id, c.text FROM comments c JOIN articles a ON a.id = c.article_id
                WHERE c.id > ? AND c.kind = 'comment' ORDER BY 1""",
                (comments_upto,),
            )
        self._indexed_upto = latest
        self._unindexed = False

    def _raise_if_unusable(self, error: Exception) -> None:
        """Raise ``error`` as a :class:`StoreError` if it means the library cannot be written at all."""
        failure = library_failure(error, self.path)
        if failure is not None:
            raise failure from None

    def explain(self, sql: str, params: Sequence[object] | dict[str, object] = ()) -> list[str]:
        """The ``EXPLAIN QUERY PLAN`` lines for ``sql`` (used by the plan tests)."""
        return [row["detail"] for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _regexp(pattern: object, value: object) -> int | None:
    """SQLite's ``REGEXP``: the filters' own (:func:`reader.store.filters.regexp`), loaded at the first call."""
    from reader.store.filters import regexp

    return regexp(pattern, value)
