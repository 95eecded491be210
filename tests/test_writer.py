"""The reader's writer thread: marks wait out another program's lock, and quitting never loses them silently."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from reader.models import ArticleData, FeedData, ImportBatch
from reader.service.writer import Writer
from reader.store import Store


def one_article(db_path: Path) -> int:
    with Store(db_path) as store:
        feed = FeedData(key="https://w.example/feed", title="W")
        store.store_batch(ImportBatch(kind="test", articles=[(feed, ArticleData(guid="a", title="A", text="t"))]))
        return store.list_articles()[0].id


def test_a_mark_made_while_another_program_writes_is_counted_at_close_then_saved(db_path: Path) -> None:
    article = one_article(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holding the write lock
    writer = Writer(db_path)
    writer.mark([article], starred=True)
    unsaved = writer.close(timeout=0.5)
    assert unsaved >= 1, "the caller must hear that a change is not saved yet"
    holder.execute("COMMIT")
    holder.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Store(db_path) as store:
            if store.list_articles()[0].starred:
                break
        time.sleep(0.1)
    with Store(db_path) as store:
        assert store.list_articles()[0].starred, "the mark still lands once the lock is gone"


def test_close_with_nothing_in_the_way_saves_everything(db_path: Path) -> None:
    article = one_article(db_path)
    writer = Writer(db_path)
    writer.mark([article], read=True, starred=True)
    assert writer.close() == 0
    with Store(db_path) as store:
        row = store.list_articles()[0]
        assert (row.read, row.starred) == (True, True)
