"""Rules: saved searches (``reader query``) and the killfile (``reader ignore``), each a filter kept by its text.

A filter is checked (``reader.text.filters.parse_filter``) when it is saved,
so a stored one always reads; a saved search's counts are one indexed walk
each (the filter keeps the list queries' plans). The killfile is applied
where articles are stored (``Articles._killfile``): a new article a
download rule matches is not stored, and what was stored before such a rule
came stays. A display rule hides instead (``articles.hidden``): the new
articles it matches and, when it is added, the stored ones; taking it out
works the hidden set out again from the rules left, so an article shows
again unless another display rule still matches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reader.models import IgnoreMode
from reader.store.articles import Articles
from reader.store.reading import Reading
from reader.text import dates


@dataclass(frozen=True)
class SavedQuery:
    """A saved search: its name, its filter, and how many articles it holds (unread, all)."""

    name: str
    expression: str
    unread: int
    total: int


@dataclass(frozen=True)
class IgnoreRule:
    """A rule of the killfile: its number, its filter, and the feed it is limited to (None: every feed)."""

    id: int
    expression: str
    feed_id: int | None
    feed_title: str | None
    mode: IgnoreMode = "download"


class Rules(Articles, Reading):
    """Saved searches and the killfile."""

    def save_query(self, name: str, expression: str) -> bool:
        """Keep (or replace) the saved search ``name``; True when it is new. Raises ``FilterError`` for a bad filter."""
        from reader.text.filters import parse_filter

        parse_filter(expression)
        with self.transaction():
            existed = self.conn.execute("SELECT 1 FROM saved_queries WHERE name = ?", (name,)).fetchone()
            self.conn.execute(
                """INSERT INTO saved_queries (name, expression, created) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET expression = excluded.expression""",
                (name, expression, dates.now()),
            )
        return existed is None

    def saved_query(self, name: str) -> str | None:
        """The filter of the saved search ``name`` (exact name, else the one whose name folds alike), or None."""
        row = self.conn.execute("SELECT expression FROM saved_queries WHERE name = ?", (name,)).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT expression FROM saved_queries WHERE lower(name) = lower(?)", (name,)
            ).fetchone()
        return str(row["expression"]) if row else None

    def saved_queries(self, *, totals: bool = True) -> list[SavedQuery]:
        """Every saved search with its unread count (and total, unless ``totals`` is False: -1), by name.

        The unread count walks the small index of unread articles; the total
        reads every article the filter cannot rule out by an index (a
        ``content =~`` filter: all of them), so the reader's feed list, which
        shows unread counts only, asks without it (review: 0.9 s a search at
        50,000 articles on every reload).
        """
        from reader.models import ArticleFilter

        found = []
        for row in self.conn.execute("SELECT name, expression FROM saved_queries ORDER BY name").fetchall():
            where, params = self.where(ArticleFilter(unread=True, expression=row["expression"]))
            unread = self.conn.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]
            total = -1
            if totals:
                where, params = self.where(ArticleFilter(expression=row["expression"]))
                total = self.conn.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]
            found.append(SavedQuery(row["name"], row["expression"], int(unread), int(total)))
        return found

    def remove_query(self, name: str) -> bool:
        """Forget the saved search ``name``; False when there was none."""
        with self.transaction():
            return bool(self.conn.execute("DELETE FROM saved_queries WHERE name = ?", (name,)).rowcount)

    def add_ignore_rule(
        self, expression: str, feed_id: int | None = None, mode: IgnoreMode = "download"
    ) -> tuple[int, int]:
        """Add a rule to the killfile (raises ``FilterError`` for a bad filter): its number, and how many
        stored articles it hides (a display rule; a download rule leaves what is stored alone: 0)."""
        from reader.text.filters import parse_rule

        parse_rule(expression)
        now = dates.now()
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO ignore_rules (expression, feed_id, mode, created) VALUES (?, ?, ?, ?)",
                (expression, feed_id, mode, now),
            )
            rule_id = int(cursor.lastrowid or 0)
            hidden = self._hide_matching(rule_id, expression, feed_id, now) if mode == "display" else 0
        return rule_id, hidden

    def ignore_rules(self) -> list[IgnoreRule]:
        """The killfile, oldest rule first."""
        return [
            IgnoreRule(
                row["id"],
                row["expression"],
                row["feed_id"],
                row["title"],
                "display" if row["mode"] == "display" else "download",
            )
            for row in self.conn.execute(
                """SELECT r.id, r.expression, r.feed_id, r.mode, f.title FROM ignore_rules r
                LEFT JOIN feeds f ON f.id = r.feed_id ORDER BY r.id"""
            )
        ]

    def hidden_count(self) -> int:
        """How many stored articles the display rules hide (one walk of the small partial index)."""
        return int(self.conn.execute("SELECT count(*) FROM articles WHERE hidden = 1").fetchone()[0])

    def remove_ignore_rule(self, rule_id: int) -> tuple[bool, int]:
        """Take rule ``rule_id`` out of the killfile: whether there was one, and how many articles show again.

        What a display rule hid shows again, unless another rule hides it too
        (``hidden_by`` keeps which rule hid what).
        """
        with self.transaction():
            if self.conn.execute("SELECT 1 FROM ignore_rules WHERE id = ?", (rule_id,)).fetchone() is None:
                return False, 0
            shown = self._unhide_rule(rule_id)
            self.conn.execute("DELETE FROM ignore_rules WHERE id = ?", (rule_id,))
            return True, shown
