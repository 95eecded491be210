"""Where reader keeps its files.

``READER_DB`` names the database file; ``READER_HOME`` moves every file
(database and config) under one folder, which is what the tests do so they
never touch a user's real files. Otherwise the platform's user data and
config folders are used (``~/.local/share/reader`` on Linux).

Folders reader creates are private (0700), and so is the library file
(0600): it holds what a person read and starred, and may hold a sync
password. Folders that already exist are never changed: ``--db /tmp/x.db``
must not touch ``/tmp``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "reader"


def home_override() -> Path | None:
    """The ``READER_HOME`` folder, if set."""
    value = os.environ.get("READER_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """Folder for the database."""
    home = home_override()
    return home / "data" if home else platformdirs.user_data_path(APP_NAME)


def config_dir() -> Path:
    """Folder for the config file."""
    home = home_override()
    return home / "config" if home else platformdirs.user_config_path(APP_NAME)


def default_db_path() -> Path:
    """The database file: ``READER_DB`` if set, else ``reader.db`` in the data folder."""
    value = os.environ.get("READER_DB")
    if value:
        return Path(value).expanduser()
    return data_dir() / "reader.db"


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` and every missing folder above it with mode 0700 (existing ones stay as they are).

    ``Path.mkdir(parents=True, mode=...)`` gives the mode to the last folder
    only; the ones above it would be created readable by everyone.
    """
    missing: list[Path] = []
    for candidate in (folder, *folder.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            os.mkdir(candidate, 0o700)
        except FileExistsError:
            if not candidate.is_dir():
                raise
