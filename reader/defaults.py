"""Defaults that both the config file and the code below it need, written once.

A fetch made without a config (``FetchSettings()``, ``Limits()``) must do
what one made with an empty config file does. :mod:`reader.config` gives
these as the defaults of its settings (and so the README's reference);
:mod:`reader.service.fetch`, :mod:`reader.net.http` and :mod:`reader.text.threads` as
their own. Those lower modules do not import the config module (they have
no need to read TOML), so the values live in this module, which imports
nothing, and every one of them imports it.
"""

from __future__ import annotations

from typing import Literal

#: Requests in flight at once (``fetch.concurrency``).
FETCH_CONCURRENCY = 16
#: Requests in flight to one host (``fetch.per_host``): as many as the whole run.
FETCH_PER_HOST = 16
#: Most time one request may take, redirects included (``fetch.timeout_seconds``; ``Limits.total_seconds``).
REQUEST_TIMEOUT_SECONDS = 30.0
#: Articles with less text than this (characters) get their page fetched (``fetch.full_text_threshold``).
FULL_TEXT_THRESHOLD = 300
#: Most articles one fetch keeps from one feed, the newest (``fetch.max_items``).
MAX_ITEMS = 10_000
#: Megabytes (10^6 bytes) of fetched feeds a fetch holds before they are stored (``fetch.memory_budget_mb``).
FETCH_MEMORY_BUDGET_MB = 16
#: Whether a fetch also fetches the comment threads of new articles (``fetch.comments``).
FETCH_COMMENTS = True
#: Reply levels that indent; deeper replies keep the last indent (``comments.depth_cap``).
COMMENT_DEPTH_CAP = 8
#: Threads of articles younger than this (days) are fetched again when their source
#: reports a new comment count (``fetch.refresh_threads_days``; 0: never).
REFRESH_THREADS_DAYS = 2
#: Most threads one fetch fetches again that way (``fetch.refresh_threads_limit``).
REFRESH_THREADS_LIMIT = 100
#: How often a fetch takes a feed with no interval of its own (``fetch.refresh``): "auto" follows how
#: often the feed publishes (30 minutes to a day), "every" is every fetch, or a time such as "2h".
FETCH_REFRESH = "auto"

#: A refresh interval, in minutes, as settings keep it: every fetch, "auto", or at least N minutes.
REFRESH_EVERY = -1
REFRESH_AUTO = 0
#: The longest interval that can be asked for: a year.
REFRESH_LONGEST_MINUTES = 366 * 24 * 60
_DURATION_UNITS = {"m": 1, "h": 60, "d": 24 * 60}


def parse_refresh(text: str) -> int | None:
    """``every`` (:data:`REFRESH_EVERY`), ``auto`` (:data:`REFRESH_AUTO`), or a time (``45m``, ``2h``, ``1d``,
    or minutes as a number) in minutes; None when it is none of these."""
    word = text.strip().lower()
    if word in ("every", "always"):
        return REFRESH_EVERY
    if word == "auto":
        return REFRESH_AUTO
    unit = _DURATION_UNITS.get(word[-1:], 0) if word[-1:].isalpha() else 1
    number = word[:-1] if word[-1:].isalpha() else word
    if not unit or not number.isascii() or not number.isdigit() or len(number) > 9:
        return None
    minutes = int(number) * unit
    return minutes if 1 <= minutes <= REFRESH_LONGEST_MINUTES else None


#: What a proxy URL may start with (``network.proxy``): ``socks5h`` and ``socks4a``
#: ask the proxy to resolve host names (Tor needs it); ``socks5`` and ``socks4`` resolve here.
ProxyScheme = Literal["http", "socks4", "socks4a", "socks5", "socks5h"]
PROXY_SCHEMES: tuple[ProxyScheme, ...] = ("http", "socks4", "socks4a", "socks5", "socks5h")
#: ``network.proxy`` as read from a config whose value is no proxy URL: every request fails
#: (naming the setting) rather than going out without the proxy the user asked for.
UNUSABLE_PROXY = "unusable:"

#: The sites a discussion lookup can ask (``discussions.sites``).
DiscussionSite = Literal["hackernews", "lobsters", "lemmy", "reddit"]
DISCUSSION_SITES: tuple[DiscussionSite, ...] = ("hackernews", "lobsters", "lemmy", "reddit")
