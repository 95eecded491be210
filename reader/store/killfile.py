"""The killfile where articles are stored: which new article a rule keeps out or hides, and what a rule hid.

``reader ignore`` rules (reader/store/rules.py keeps them) are applied when
articles are stored (:meth:`Killfile._killfile`, in Python: the article is
not stored yet), and a display rule also over the stored articles when it is
added (:meth:`Killfile._hide_matching`, in SQL). ``hidden_by`` records which
rule hid which article, so taking a rule out shows again exactly what it hid
and nothing another rule still hides. Kept apart from the article merge it
serves (reader/store/articles.py) so each reads on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.models import ArticleData, BatchStats, IgnoreMode, ImportBatch
from reader.store.feeds import Feeds

if TYPE_CHECKING:
    from reader.text.filters import Filter


@dataclass(frozen=True)
class KillfileRule:
    """A rule of the killfile as the store applies it: its number, its filter read, its feed (None: all)."""

    id: int
    tree: Filter
    feed_id: int | None
    mode: IgnoreMode


class Killfile(Feeds):
    """The killfile's rules applied to articles being stored, and the hidden articles' bookkeeping."""

    def _store_rules(self, batch: ImportBatch, stats: BatchStats, now: int) -> None:
        """A file's saved searches (replacing one of the same name) and killfile rules (each once), counted."""
        for name, expression in batch.saved_queries:
            self.conn.execute(
                """INSERT INTO saved_queries (name, expression, created) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET expression = excluded.expression""",
                (name, expression, now),
            )
            stats.queries_saved += 1
        for expression, url, mode in batch.ignore_rules:
            feed = self.find_feed_by_url(url) if url is not None else None
            if url is not None and feed is None:
                stats.rules_unplaced.append(url)  # a rule for a feed not subscribed here (yet)
                continue
            feed_id = feed[0] if feed is not None else None
            known = self.conn.execute(
                "SELECT id, mode FROM ignore_rules WHERE expression = ? AND feed_id IS ? ORDER BY id LIMIT 1",
                (expression, feed_id),
            ).fetchone()
            if known is None:
                cursor = self.conn.execute(
                    "INSERT INTO ignore_rules (expression, feed_id, mode, created) VALUES (?, ?, ?, ?)",
                    (expression, feed_id, mode, now),
                )
                stats.rules_added += 1
                if mode == "display":
                    stats.articles_hidden += self._hide_matching(int(cursor.lastrowid or 0), expression, feed_id, now)
            elif known["mode"] != mode:
                # newsboat's ignore-mode is one setting for every rule: a file that changed it changes
                # the rules it brought before, rather than adding a second rule beside each.
                rule_id = int(known["id"])
                self.conn.execute("UPDATE ignore_rules SET mode = ? WHERE id = ?", (mode, rule_id))
                stats.rules_changed += 1
                if mode == "display":
                    stats.articles_hidden += self._hide_matching(rule_id, expression, feed_id, now)
                else:
                    self._unhide_rule(rule_id)

    # -- the killfile (``reader ignore``) ------------------------------------

    def _ignore_rules(self) -> list[KillfileRule]:
        """The killfile's rules, parsed (each checked when it was added): number, filter, feed limit, mode."""
        if not self.conn.execute("SELECT EXISTS (SELECT 1 FROM ignore_rules)").fetchone()[0]:
            return []
        from reader.text.filters import FilterError, parse_rule

        rules: list[KillfileRule] = []
        for row in self.conn.execute("SELECT id, expression, feed_id, mode FROM ignore_rules ORDER BY id"):
            try:
                tree = parse_rule(str(row["expression"]))
            except FilterError:
                continue  # a rule this reader cannot read (written by a later one) ignores nothing
            mode: IgnoreMode = "display" if row["mode"] == "display" else "download"
            rules.append(KillfileRule(int(row["id"]), tree, row["feed_id"], mode))
        return rules

    def _hide(self, article_id: int, rule_ids: Sequence[int]) -> None:
        """Hide a new article, put down to the display rules that matched it."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO hidden_by (article_id, rule_id) VALUES (?, ?)",
            [(article_id, rule_id) for rule_id in rule_ids],
        )
        self.conn.execute("UPDATE articles SET hidden = 1 WHERE id = ?", (article_id,))

    def _hide_matching(self, rule_id: int, expression: str, feed_id: int | None, now: int) -> int:
        """Hide the stored articles display rule ``rule_id`` matches (of ``feed_id`` only); how many it hides.

        The rule is one indexed statement over what is stored now (its
        comment counts and all). Starred articles are never hidden: you kept
        them. Those another rule hides already are put down to this one too,
        so they stay hidden while either is there. A rule this reader cannot
        read hides nothing.
        """
        from reader.store.filters import filter_sql
        from reader.text.filters import FilterError, parse_rule

        try:
            condition, params = filter_sql(parse_rule(expression), now)
        except FilterError:
            return 0
        limit = ""
        if feed_id is not None:
            limit = " AND a.feed_id = ?"
            params.append(feed_id)
        self.conn.execute(
            f"""INSERT OR IGNORE INTO hidden_by (article_id, rule_id)
            SELECT a.id, ? FROM articles a WHERE a.starred = 0 AND {condition}{limit}""",
            [rule_id, *params],
        )
        self.conn.execute(
            """UPDATE articles SET hidden = 1 WHERE hidden = 0
            AND id IN (SELECT article_id FROM hidden_by WHERE rule_id = ?)""",
            (rule_id,),
        )
        # Those another rule hid already count too: "it hid 0" for a rule that hides five read wrongly.
        return int(self.conn.execute("SELECT count(*) FROM hidden_by WHERE rule_id = ?", (rule_id,)).fetchone()[0])

    def _unhide_rule(self, rule_id: int) -> int:
        """Forget what display rule ``rule_id`` hid: show again what no other rule hides; how many."""
        shown = self.conn.execute(
            """UPDATE articles SET hidden = 0 WHERE hidden = 1
            AND id IN (SELECT article_id FROM hidden_by WHERE rule_id = :rule)
            AND NOT EXISTS (SELECT 1 FROM hidden_by h WHERE h.article_id = articles.id AND h.rule_id != :rule)""",
            {"rule": rule_id},
        ).rowcount
        self.conn.execute("DELETE FROM hidden_by WHERE rule_id = ?", (rule_id,))
        return int(shown)

    def _feed_as_stored(self, feed_id: int) -> tuple[str, str, list[str]]:
        """A feed's title (the user's, if renamed), address and tags as stored: what the killfile's rules see."""
        row = self.conn.execute("SELECT title, url FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        tags = [str(tag[0]) for tag in self.conn.execute("SELECT tag FROM feed_tags WHERE feed_id = ?", (feed_id,))]
        return (str(row["title"] or ""), str(row["url"] or ""), tags) if row else ("", "", tags)

    def _killfile(
        self,
        rules: list[KillfileRule],
        feed_id: int,
        article: ArticleData,
        now: int,
        feeds: dict[int, tuple[str, str, list[str]]],
    ) -> tuple[IgnoreMode | None, list[int]]:
        """What the killfile does with this article, which is not stored yet, and the display rules that hide it.

        A rule that keeps articles out wins over one that hides them; an
        article stored before stays as it is, and a starred one (from a sync
        server) is never hidden. ``feeds`` keeps each feed's stored title,
        address and tags for the batch: most articles of a fetch are stored
        already, and asking for the feed per article doubled a re-fetch's
        statements (found by review).
        """
        from reader.text.filters import FilterRow, matches

        rules = [rule for rule in rules if rule.feed_id in (None, feed_id)]
        if not rules:
            return None, []
        stored = self.conn.execute(
            "SELECT 1 FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, article.guid)
        ).fetchone()
        if stored is not None:
            return None, []
        if feed_id not in feeds:
            feeds[feed_id] = self._feed_as_stored(feed_id)
        title, url, tags = feeds[feed_id]
        row: FilterRow = {
            "title": article.title,
            "author": article.author,
            "content": article.text,
            "link": article.url or "",
            "guid": article.guid,
            "feed": title,
            "feedurl": url,
            "published": article.published if article.published is not None else now,
            "tags": tags,
            "comments": max(article.declared_comment_count or 0, len(article.comments)),
        }
        matched = [rule for rule in rules if matches(rule.tree, row, now)]
        if not matched:
            return None, []
        if any(rule.mode == "download" for rule in matched):
            return "download", []
        if article.starred:
            return None, []
        return "display", [rule.id for rule in matched]
