"""Managing subscriptions: add, remove, rename and move feeds, for the command line and the reader alike.

Each function does one change in the library and, when a sync account is set
up, queues it for the server (``Store.queue_feed_change``; the next sync
sends it, as marks are sent). What to subscribe to is found by
:mod:`reader.service.discover`; these functions take its answer.

A feed is named by the user in one of three ways (:func:`find_feed`): its
number (``reader feeds`` lists them), its URL in any spelling
(``HTTP://Host:80/feed#x`` is ``http://host/feed``), or its title (whole,
any case; else a part of it that only one feed's title has).
"""

from __future__ import annotations

from dataclasses import dataclass

from reader import defaults
from reader.models import FeedData, FeedRow
from reader.service.sync.account import load_account
from reader.store import Store
from reader.text import feed_name
from reader.text.sanitize import clean_line, normalize_url


class SubscriptionError(Exception):
    """A change that cannot be made; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class Subscribed:
    """What subscribing did: the feed's id and title, and whether it is new here."""

    feed_id: int
    title: str
    url: str
    #: False: the feed was already subscribed, and nothing changed.
    created: bool
    #: The feed had been removed (its starred articles kept): it is subscribed again.
    revived: bool = False
    #: The change waits for the sync server's next sync.
    queued: bool = False


def find_feed(store: Store, spec: str) -> FeedRow:
    """The one subscribed feed ``spec`` names (number, URL or title); raises :class:`SubscriptionError`."""
    text = spec.strip()
    if text.isascii() and text.isdigit():
        # More digits than any id has would not fit SQLite's integers (an OverflowError, not an answer).
        feed = store.feed(int(text)) if len(text) <= 18 else None
        if feed is None:
            raise SubscriptionError(f"no feed number {text} (`reader feeds` lists them)")
        return feed
    if normalize_url(text) is not None:
        found = store.find_feed_by_url(text)
        feed = store.feed(found[0]) if found is not None else None
        if feed is None:
            raise SubscriptionError(f"no feed at {clean_line(text)} (`reader feeds` lists them)")
        return feed
    folded = text.casefold()
    if not folded:
        raise SubscriptionError("name a feed by its number, URL or title")
    titles = store.feed_ids_by_title()
    whole = [(feed_id, title) for feed_id, title in titles if title.casefold() == folded]
    matches = whole or [(feed_id, title) for feed_id, title in titles if folded in title.casefold()]
    single = store.feed(matches[0][0]) if len(matches) == 1 else None
    if single is not None:
        return single
    if len(matches) <= 1:
        raise SubscriptionError(f"no feed is called {clean_line(text)!r} (`reader feeds` lists them)")
    listed = ", ".join(f"{clean_line(title) or f'feed {feed_id}'} ({feed_id})" for feed_id, title in matches[:5])
    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
    raise SubscriptionError(
        f"{clean_line(text)!r} could be {len(matches)} feeds: {listed}{more}; name one by its number"
    )


def _sync_account(store: Store) -> bool:
    """True when changes are to be sent to a sync server."""
    return load_account(store) is not None


def subscribe(store: Store, url: str, title: str = "", *, full_text: bool = False) -> Subscribed:
    """Subscribe to the feed at ``url`` (its one spelling), titled ``title`` until it is fetched.

    A feed already subscribed changes in nothing (not its title, not its
    settings); one that was removed comes back, with the starred articles
    it kept.
    """
    checked = normalize_url(url)
    if checked is None:
        raise SubscriptionError(f"{clean_line(url)!r}: expected an http:// or https:// feed URL")
    known = store.find_feed_by_url(checked)
    feed = store.feed(known[0]) if known is not None else None
    if feed is not None and feed.kind == "feed":
        if full_text:
            store.set_feed_full_text(feed.id, True)
        return Subscribed(feed.id, feed_name(feed), feed.url or checked, created=False)
    # New, removed (it comes back), or a local copy of this feed imported from a file (it becomes
    # a subscription, fetched from now on, with its articles).
    feed_id, _created = store.add_feed(
        FeedData(key=checked, url=checked, title=title or (feed.title if feed else "") or checked, kind="feed")
    )
    if full_text:
        store.set_feed_full_text(feed_id, True)
    queued = _sync_account(store) and store.queue_feed_change("subscribe", feed_id, url=checked)
    shown = clean_line(title) or (feed_name(feed) if feed is not None else checked)
    revived = known is not None and known[1]
    return Subscribed(feed_id, shown, checked, created=True, revived=revived, queued=queued)


@dataclass(frozen=True)
class Removed:
    """What removing a feed did."""

    #: Articles deleted, and starred articles kept under "Saved".
    deleted: int
    kept: int
    queued: bool


def unsubscribe(store: Store, feed: FeedRow, *, include_starred: bool = False) -> Removed:
    """Remove ``feed`` and its articles; its starred ones stay (under "Saved") unless ``include_starred``."""
    counts = store.feed_counts(feed.id)
    queued = _sync_account(store) and store.queue_feed_change("unsubscribe", feed.id)
    deleted = store.remove_feed(feed.id, include_starred=include_starred)
    return Removed(deleted=deleted.total, kept=counts.total - deleted.total, queued=queued)


def rename(store: Store, feed: FeedRow, title: str | None) -> tuple[str, bool]:
    """Give ``feed`` the title ``title`` (None: its own again); returns the title shown and whether it is queued."""
    if title is not None:
        title = clean_line(title)
        if not title:
            raise SubscriptionError("a feed's new title cannot be empty (`--reset` gives it its own back)")
    shown = store.rename_feed(feed.id, title)
    queued = _sync_account(store) and store.queue_feed_change("rename", feed.id, title=shown)
    return clean_line(shown), queued


def move(store: Store, feed: FeedRow, url: str) -> tuple[str, bool]:
    """Give ``feed`` the address ``url``, keeping its articles and marks; returns the URL and whether it is queued."""
    checked = normalize_url(url)
    if checked is None:
        raise SubscriptionError(f"{clean_line(url)!r}: expected an http:// or https:// feed URL")
    known = store.find_feed_by_url(checked)
    if known is not None and known[0] != feed.id:
        other = known[0]
        if known[1]:
            raise SubscriptionError(
                f"{checked} is a removed feed's address (its starred articles are under Saved): "
                f"`reader add {checked}` subscribes to it again"
            )
        other_feed = store.feed(other)
        name = feed_name(other_feed) if other_feed is not None else f"feed {other}"
        raise SubscriptionError(f"{checked} is already a feed here: {name} ({other})")
    if store.move_feed(feed.id, checked, check_only=True) is not None:
        raise SubscriptionError(f"{checked} is already another feed's address here (`reader feeds` lists them)")
    queued = _sync_account(store) and store.queue_feed_change("move", feed.id, url=checked)
    store.move_feed(feed.id, checked)
    return checked, queued


# -- a feed's own settings (``reader feed set``, ``O`` in the reader) ---------------------------


def _refresh_minutes(value: str) -> int | None:
    """``default`` (None: ``fetch.refresh``), ``every`` (-1), ``auto`` (0), or a time: ``45m``, ``2h``, ``1d``."""
    if value.strip().lower() == "default":
        return None
    minutes = defaults.parse_refresh(value)
    if minutes is None:
        raise SubscriptionError(
            f"refresh={clean_line(value)!r}: expected default, every, auto, or a time such as 45m, 2h or 1d"
        )
    return minutes


def describe_refresh(minutes: int | None, default: str = defaults.FETCH_REFRESH) -> str:
    """How a refresh interval reads: ``every fetch``, ``auto (...)``, ``every 2h``, ``..., as fetch.refresh says``.

    ``default`` is the ``fetch.refresh`` in effect, which a feed with no
    interval of its own (None) follows.
    """
    if minutes is None:
        fallback = defaults.parse_refresh(default)
        return f"{describe_refresh(defaults.REFRESH_AUTO if fallback is None else fallback)}, as fetch.refresh says"
    if minutes < 0:
        return "every fetch"
    if minutes == 0:
        return "auto (as often as the feed publishes: 30 min to a day)"
    return f"every {_duration(minutes)}"


def _duration(minutes: int) -> str:
    """``2h``, ``1d``, ``45m``: the shortest way the settings read back."""
    for unit, size in (("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def _switch(key: str, value: str) -> bool:
    text = value.strip().lower()
    if text in ("on", "yes", "true", "1"):
        return True
    if text in ("off", "no", "false", "0"):
        return False
    raise SubscriptionError(f"{key}={clean_line(value)!r}: expected on or off")


def settings_line(store: Store, feed_id: int) -> str:
    """A feed's settings as ``key=value`` words, the form :func:`change_settings` reads back."""
    settings = store.feed_settings(feed_id)
    if settings is None:
        raise SubscriptionError(f"no feed with id {feed_id}")
    minutes = settings.refresh_minutes
    refresh = (
        "default" if minutes is None else "every" if minutes < 0 else "auto" if minutes == 0 else _duration(minutes)
    )
    feeds, _tags = store.auto_discussions()
    return " ".join(
        [
            f"refresh={refresh}",
            f"items={'all' if settings.item_limit is None else settings.item_limit}",
            f"full_text={'on' if settings.full_text else 'off'}",
            f"discussions={'on' if feed_id in feeds else 'off'}",
        ]
    )


def change_settings(store: Store, feed_id: int, words: list[str]) -> int:
    """Apply ``key=value`` words to a feed's settings (all or none); how many older articles the item limit removed.

    Keys: ``refresh`` (default, every, auto, 45m, 2h, 1d), ``items`` (a number, or all),
    ``full_text`` and ``discussions`` (on, off). Raises :class:`SubscriptionError`
    (one line) for anything else, before anything changes.
    """
    from dataclasses import replace

    current = store.feed_settings(feed_id)
    if current is None:
        raise SubscriptionError(f"no feed with id {feed_id}")
    changed = current
    discussions: bool | None = None
    for setting in words:
        key, equals, value = setting.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not equals:
            raise SubscriptionError(
                f"{clean_line(setting)!r}: expected KEY=VALUE (refresh=2h, items=200, full_text=on)"
            )
        if key == "refresh":
            changed = replace(changed, refresh_minutes=_refresh_minutes(value))
        elif key in ("items", "item_limit"):
            text = value.strip().lower()
            if text in ("all", "none", "0"):
                changed = replace(changed, item_limit=None)
            elif text.isdigit() and int(text) <= 10_000_000:
                changed = replace(changed, item_limit=int(text))
            else:
                raise SubscriptionError(f"items={clean_line(value)!r}: expected a number of articles, or all")
        elif key == "full_text":
            changed = replace(changed, full_text=_switch(key, value))
        elif key == "discussions":
            discussions = _switch(key, value)
        else:
            raise SubscriptionError(f"unknown setting {clean_line(key)!r}: refresh, items, full_text or discussions")
    removed = store.set_feed_settings(feed_id, changed)
    if discussions is not None:
        if discussions:
            store.change_auto_discussions(feeds_on=[feed_id])
        else:
            store.change_auto_discussions(feeds_off=[feed_id])
    return removed
