"""reader: a terminal newsreader with threaded comments, offline in SQLite."""

__version__ = "0.1.0"
