"""Discussions found elsewhere: the lookups made for an article, and which articles a fetch looks up.

A lookup's answer is kept per article with its time (``discussion_lookups``,
schema 14): within ``discussions.cache_hours`` the sites are not asked
again, and a fetch never looks up an article twice. Which feeds are looked
up by a fetch is the user's choice, kept as the library setting
``discussions.auto`` (``reader discussions --auto``) beside the config's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from reader.models import ThreadRef, thread_source_name
from reader.store._sql import in_chunks
from reader.store.articles import Articles
from reader.text import dates
from reader.text.sanitize import clean_line, safe_url

#: The library setting that lists the feeds (by id) and tags whose articles a fetch looks up.
AUTO_SETTING = "discussions.auto"
#: Library settings ``discussions.wait.<site>``: until when a site that answered 429 is left alone.
WAIT_PREFIX = "discussions.wait."


def _ref_json(ref: ThreadRef) -> dict[str, object]:
    return {
        "source": ref.source,
        "remote_id": ref.remote_id,
        "url": ref.url,
        "api": ref.api,
        "title": ref.title,
        "points": ref.points,
        "comment_count": ref.comment_count,
    }


def _ref_from(item: object) -> ThreadRef | None:
    """A stored lookup's discussion, or None for anything that is not one (a damaged row)."""
    if not isinstance(item, dict):
        return None
    url = safe_url(item.get("url") if isinstance(item.get("url"), str) else None)
    remote_id, source = item.get("remote_id"), item.get("source")
    if url is None or not isinstance(remote_id, str) or not isinstance(source, str) or not remote_id:
        return None
    api, title = item.get("api"), item.get("title")
    points, count = item.get("points"), item.get("comment_count")
    return ThreadRef(
        thread_source_name(source),
        remote_id,
        url,
        api if isinstance(api, str) else "",
        clean_line(title) if isinstance(title, str) else "",
        points if isinstance(points, int) and not isinstance(points, bool) else None,
        count if isinstance(count, int) and not isinstance(count, bool) else None,
    )


class Discussions(Articles):
    """Lookups of discussions elsewhere, and the feeds and tags opted in to them."""

    def cached_lookup(self, article_id: int, since: int) -> list[ThreadRef] | None:
        """What the last lookup of the article found, if it was made at ``since`` or later; else None."""
        row = self.conn.execute(
            "SELECT found FROM discussion_lookups WHERE article_id = ? AND checked >= ?", (article_id, since)
        ).fetchone()
        if row is None:
            return None
        try:
            items = json.loads(row["found"])
        except ValueError:
            return None
        refs = [_ref_from(item) for item in items] if isinstance(items, list) else []
        return [ref for ref in refs if ref is not None]

    def save_lookup(self, article_id: int, found: Sequence[ThreadRef], when: int | None = None) -> None:
        """Keep what a lookup of the article found (an empty list too: nobody discussed it yet)."""
        with self.transaction():
            self.conn.execute(
                """INSERT INTO discussion_lookups (article_id, checked, found) VALUES (?, ?, ?)
                ON CONFLICT (article_id) DO UPDATE SET checked = excluded.checked, found = excluded.found""",
                (article_id, when if when is not None else dates.now(), json.dumps([_ref_json(ref) for ref in found])),
            )

    def auto_discussions(self) -> tuple[set[int], set[str]]:
        """The feeds (ids) and tags the user opted in to lookups during fetches (the library's own list)."""
        stored = self.get_setting(AUTO_SETTING)
        try:
            value = json.loads(stored) if stored else {}
        except ValueError:
            value = {}
        feeds = value.get("feeds", []) if isinstance(value, dict) else []
        tags = value.get("tags", []) if isinstance(value, dict) else []
        return (
            {item for item in feeds if isinstance(item, int) and not isinstance(item, bool)},
            {item for item in tags if isinstance(item, str)},
        )

    def set_auto_discussions(self, feeds: set[int], tags: set[str]) -> None:
        """Replace the library's list of feeds and tags whose articles a fetch looks up."""
        with self.transaction():
            self._put_auto_discussions(feeds, tags)

    def _put_auto_discussions(self, feeds: set[int], tags: set[str]) -> None:
        self._put_setting(AUTO_SETTING, json.dumps({"feeds": sorted(feeds), "tags": sorted(tags)}))

    def change_auto_discussions(
        self,
        *,
        feeds_on: Iterable[int] = (),
        feeds_off: Iterable[int] = (),
        tags_on: Iterable[str] = (),
        tags_off: Iterable[str] = (),
    ) -> None:
        """Add feeds and tags to the list a fetch looks up, and take others out, in one transaction.

        What ``reader discussions --auto`` and ``reader feed set FEED discussions=on`` both do: one
        read and one write, so two at once do not lose each other's change.
        """
        with self.transaction():
            feeds, tags = self.auto_discussions()
            self._put_auto_discussions((feeds | set(feeds_on)) - set(feeds_off), (tags | set(tags_on)) - set(tags_off))

    def articles_to_look_up(
        self, article_ids: Sequence[int], feeds: set[int], tags: set[str], limit: int
    ) -> list[tuple[int, str]]:
        """Of ``article_ids``, those of the ``feeds`` or tagged ``tags`` never looked up, with links; newest first."""
        if limit <= 0 or not (feeds or tags):
            return []
        found: list[tuple[int, int, str]] = []
        tag_list = sorted(tags)
        tag_marks = ", ".join("?" for _ in tag_list) or "NULL"
        feed_list = sorted(feeds)
        feed_marks = ", ".join("?" for _ in feed_list) or "NULL"
        for marks, chunk in in_chunks(article_ids):
            rows = self.conn.execute(
                f"""SELECT a.id, a.published, a.url FROM articles a
                WHERE a.id IN ({marks}) AND a.url IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM discussion_lookups d WHERE d.article_id = a.id)
                AND (a.feed_id IN ({feed_marks})
                    OR EXISTS (SELECT 1 FROM feed_tags t WHERE t.feed_id = a.feed_id AND t.tag IN ({tag_marks})))""",
                [*chunk, *feed_list, *tag_list],
            )
            found.extend((int(row["id"]), int(row["published"]), str(row["url"])) for row in rows)
        found.sort(key=lambda item: (item[1], item[0]), reverse=True)
        return [(article_id, url) for article_id, _published, url in found[:limit]]

    def site_waits(self, now: int) -> dict[str, int]:
        """Discussion sites that asked to be left alone (a 429's Retry-After) until a time after ``now``."""
        rows = self.conn.execute(
            "SELECT key, value FROM settings WHERE key >= ? AND key < ?", (WAIT_PREFIX, WAIT_PREFIX + "\uffff")
        )
        waits = {}
        for key, value in rows:
            until = int(value) if str(value).isdigit() else 0
            if until > now:
                waits[str(key)[len(WAIT_PREFIX) :]] = until
        return waits

    def set_site_wait(self, site: str, until: int) -> None:
        """Leave ``site`` alone until ``until`` (it answered 429): lookups skip it meanwhile, in every run."""
        self.set_setting(WAIT_PREFIX + site, str(until))
