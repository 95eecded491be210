"""Full-text search over articles and their comments, newest first, with where each one matched.

The indexes (``articles_fts``, ``comments_fts``) are contentless FTS5 tables
keyed by ``(article date << 31 | row id)``, so "newest matches first" is
FTS5's own rowid order and a search reads only the page it shows, however
many articles match; every comment of an article sits in one rowid range.
Rows are added to them by ``Connection._index_pending`` and removed by the
schema's triggers.
"""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Iterator, Sequence

from reader.models import ArticleRow, SearchHits, SearchResult, thread_source_name
from reader.store._sql import ANY_HIDDEN, in_chunks
from reader.store.reading import Reading
from reader.text.search import InvalidSearchError, SearchTerm, build_match, search_terms, snippet

# The low 31 bits of a full-text rowid hold the article or comment id.
_ROW_ID_MASK = (1 << 31) - 1

# The comments of one article that match, in thread order: the rowid range of
# the article's date (parameters: mask, MATCH, first key, last key, article
# id). Other articles of the same second share the range, hence the
# article_id test; CROSS JOIN keeps the index first, so only matches are read.
_THREAD_MATCHES = """SELECT c.id, c.author, c.text, c.thread_id
FROM comments_fts CROSS JOIN comments c ON c.id = comments_fts.rowid & ?
WHERE comments_fts MATCH ? AND comments_fts.rowid BETWEEN ? AND ? AND c.article_id = ?
ORDER BY c.position"""


class Search(Reading):
    """Searching the library (the pages of results are read as lists are)."""

    def search(self, query: str, *, limit: int = 50) -> list[ArticleRow]:
        """Articles whose title, text or comments match ``query``, newest first.

        Both full-text indexes are read newest-first (their rowids sort by
        article date) and merged until ``limit`` distinct articles are found,
        so the cost follows the page size, not the number of matches.
        Raises :class:`InvalidSearchError` with a friendly message when the
        query has nothing to search for or SQLite rejects it.
        """
        return self.articles_by_ids(self.search_ids(query, limit=limit))

    def search_ids(self, query: str, *, limit: int = 50) -> list[int]:
        """The ids of :meth:`search`'s articles, newest first, without reading their rows.

        The reader's list holds only ids (it reads the rows it draws), so
        reading a thousand rows here only to drop them cost a common word's
        search most of its time. A page of matching comments is mapped to
        its articles in one statement, not one per comment.
        """
        match = build_match(query)
        if limit <= 0:
            return []
        found: list[int] = []
        seen: set[int] = set()
        # What a display rule of the killfile hides is left out here too, each candidate asked by its
        # key: reading every hidden id first cost 9 ms with a quarter of 100,000 articles hidden.
        any_hidden = bool(self.conn.execute(ANY_HIDDEN).fetchone()[0])
        # Then some of the matches are passed over: pages a half longer spare most searches a second page.
        page = limit + limit // 2 if any_hidden else limit
        streams = heapq.merge(
            ((key, key & _ROW_ID_MASK) for key in self._newest_matches("articles_fts", match, page)),
            self._comment_matches(match, page),
            key=lambda item: item[0],
            reverse=True,
        )
        try:
            for _key, article_id in streams:
                if article_id > 0 and article_id not in seen:
                    seen.add(article_id)
                    if any_hidden and self._hidden(article_id):
                        continue
                    found.append(article_id)
                    if len(found) >= limit:
                        break
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None
        return found

    def _hidden(self, article_id: int) -> bool:
        """Whether a display rule of the killfile hides the article (one lookup by its key)."""
        row = self.conn.execute("SELECT hidden FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row is not None and bool(row[0])

    def _comment_matches(self, match: str, page: int) -> Iterator[tuple[int, int]]:
        """``(rowid, article id)`` of the comments matching ``match``, newest first; -1 for a comment now gone."""
        for keys in self._newest_match_pages("comments_fts", match, page):
            article_of: dict[int, int] = {}
            for marks, chunk in in_chunks(key & _ROW_ID_MASK for key in keys):
                for row in self.conn.execute(f"SELECT id, article_id FROM comments WHERE id IN ({marks})", chunk):
                    article_of[row[0]] = row[1]
            for key in keys:
                yield key, article_of.get(key & _ROW_ID_MASK, -1)

    def _newest_matches(self, table: str, match: str, page: int) -> Iterator[int]:
        """Rowids of ``table`` matching ``match``, highest (newest) first."""
        for keys in self._newest_match_pages(table, match, page):
            yield from keys

    def _newest_match_pages(self, table: str, match: str, page: int) -> Iterator[list[int]]:
        """Rowids of ``table`` matching ``match``, highest (newest) first, a page at a time."""
        upper: int | None = None
        while True:
            bound = "" if upper is None else f"AND rowid < {int(upper)}"
            keys = [
                row[0]
                for row in self.conn.execute(
                    f"SELECT rowid FROM {table} WHERE {table} MATCH ? {bound} ORDER BY rowid DESC LIMIT ?",
                    (match, page),
                )
            ]
            if keys:
                yield keys
            if len(keys) < page:
                return
            upper = keys[-1]

    def search_hits(self, article_id: int, query: str) -> SearchHits:
        """Where ``query`` matches one article: its own title and text, and which comments, in thread order.

        Both answers come from the full-text indexes, so they agree with
        :meth:`search`: the article is one rowid lookup, and every comment of
        an article is keyed under the article's date, so its matches are one
        rowid range of ``comments_fts``; the cost follows the matches, not the
        length of the thread. Raises :class:`InvalidSearchError` as
        :meth:`search` does; an unknown article has no hits.
        """
        match = build_match(query)
        row = self.conn.execute("SELECT published FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            return SearchHits(article_id, in_article=False, comment_ids=[])
        base = int(row["published"]) << 31
        try:
            in_article = self._article_matches(base | article_id, match)
            hits = self.conn.execute(_THREAD_MATCHES, (_ROW_ID_MASK, match, base, base | _ROW_ID_MASK, article_id))
            comment_ids = [int(hit["id"]) for hit in hits]
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None
        return SearchHits(article_id, in_article=in_article, comment_ids=comment_ids)

    def search_results(self, query: str, *, limit: int = 50) -> list[SearchResult]:
        """The :meth:`search` page, each article with a snippet of where it matched.

        An article whose own words match shows its text around the first
        match (its title, already on the result line, only when the text has
        none); one found through its comments shows its first matching comment
        in thread order. Each result costs an index lookup or two and one row,
        so the page still costs what its size says, however many comments match.
        """
        rows = self.search(query, limit=limit)
        if not rows:
            return []
        match = build_match(query)
        terms = search_terms(query)
        try:
            return [self._search_result(row, match, terms) for row in rows]
        except sqlite3.OperationalError as error:
            raise InvalidSearchError(f"cannot search for that ({error})") from None

    def _search_result(self, row: ArticleRow, match: str, terms: Sequence[SearchTerm]) -> SearchResult:
        """One :meth:`search_results` entry: where ``row`` matched, and a snippet of it."""
        base = row.published << 31
        if self._article_matches(base | row.id, match):
            stored = self.conn.execute("SELECT title, text FROM articles WHERE id = ?", (row.id,)).fetchone()
            text, spans = snippet(stored["text"], terms)
            if not spans:
                title, title_spans = snippet(stored["title"], terms)
                if title_spans or not text:
                    return SearchResult(row, "title", title, title_spans)
            return SearchResult(row, "text", text, spans)
        first = self.conn.execute(
            _THREAD_MATCHES + " LIMIT 1", (_ROW_ID_MASK, match, base, base | _ROW_ID_MASK, row.id)
        ).fetchone()
        if first is None:  # only if the index and the rows disagree
            return SearchResult(row, "title", *snippet(row.title, terms))
        text, spans = snippet(first["text"], terms)
        thread = self.conn.execute("SELECT source FROM threads WHERE id = ?", (first["thread_id"],)).fetchone()
        return SearchResult(
            row,
            "comment",
            text,
            spans,
            comment_id=first["id"],
            comment_author=first["author"],
            comment_source=thread_source_name(thread["source"]) if thread else None,
        )

    def _article_matches(self, key: int, match: str) -> bool:
        """Whether the article with index key ``key`` matches ``match`` in its own title and text."""
        found = self.conn.execute("SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = ?", (match, key))
        return found.fetchone() is not None
