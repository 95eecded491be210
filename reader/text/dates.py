"""Turn the dates feeds carry into UTC epoch seconds, never raising.

Feeds carry every kind of date: ``0000-00-00`` (feedparser gives year -1),
year 9999, month 13, unknown zones. A date that cannot be trusted becomes
``None`` and the caller falls back to the time the article was first seen.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

# Earliest plausible date for a feed item (before the web, a date is bogus).
_EARLIEST = calendar.timegm((1990, 1, 1, 0, 0, 0, 0, 0, 0))
# Dates this far past "now" are clock errors or placeholders like 9999.
_FUTURE_SLACK = 2 * 24 * 3600


def now() -> int:
    """Current UTC time in whole seconds."""
    return int(time.time())


def plausible(epoch: int | float | None, reference: int | None = None) -> int | None:
    """Return ``epoch`` as int if it is a believable publication time, else None."""
    if epoch is None:
        return None
    try:
        value = int(epoch)
    except (TypeError, ValueError, OverflowError):
        return None
    limit = (reference if reference is not None else now()) + _FUTURE_SLACK
    if value < _EARLIEST or value > limit:
        return None
    return value


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_RFC822_DAY = re.compile(r"(?:^|[\s,])(\d{1,2})\s+[A-Za-z]{3}")
_TIME = re.compile(r"(?:^|[T\s])(\d{1,2}):(\d{2})(?::(\d{2}))?")
# A numeric zone after a clock time: ``+01:00``, ``-0500``. Real ones stay within 14 hours.
_ZONE_OFFSET = re.compile(r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*[+-](\d{2}):?(\d{2})\s*$")
_MAX_ZONE_HOURS = 14
_EARLIEST_YEAR = 1990


def looks_valid(raw: str) -> bool:
    """False if a date string names a month, day or time that does not exist.

    Date parsers tend to roll such dates over (month 13 becomes January of
    the next year), which would put the article in the wrong place.
    """
    iso = _ISO_DATE.search(raw)
    if iso:
        year, month, day_of_month = (int(part) for part in iso.groups())
        # Parsers read year 0001 (PHP's "-0001-11-30") as 2000 and April 31 as May 1.
        if year < _EARLIEST_YEAR or not 1 <= month <= 12:
            return False
        if not 1 <= day_of_month <= calendar.monthrange(year, month)[1]:
            return False
    zone = _ZONE_OFFSET.search(raw.strip())
    if zone and (int(zone.group(1)) > _MAX_ZONE_HOURS or int(zone.group(2)) > 59):
        return False
    day = _RFC822_DAY.search(raw)
    if day and not 1 <= int(day.group(1)) <= 31:
        return False
    clock = _TIME.search(raw)
    return not (clock and (int(clock.group(1)) > 24 or int(clock.group(2)) > 59 or int(clock.group(3) or 0) > 60))


def from_struct(value: object, reference: int | None = None) -> int | None:
    """Convert feedparser's ``*_parsed`` (a ``time.struct_time``) to epoch seconds."""
    if value is None:
        return None
    try:
        return plausible(calendar.timegm(value), reference)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def from_iso(value: str | None, reference: int | None = None) -> int | None:
    """Parse an ISO 8601 string; naive times are taken as UTC."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return plausible(parsed.timestamp(), reference)
    except (OverflowError, OSError, ValueError):
        return None


#: Numeric dates feeds write that neither RFC 822 nor ISO 8601 readers take:
#: ``2020/1/10 12:34:56`` (a forum's), ``2020.01.10``, ``2020-1-10 9:05``, with an optional ``AM``/``PM``
#: and zone (``+0900``, ``+09:00``, ``JST``; none: UTC).
_NUMERIC_DATE = re.compile(
    r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AP])\.?M\.?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})?\s*$",
    re.IGNORECASE,
)
#: A date that starts as one of those: read here or not at all (feedparser reads 2020/1/10, and any
#: such date it does not know, as 1 December 2020).
_NUMERIC_START = re.compile(
    r"^\s*\d{4}[/.]\d{1,2}[/.]\d{1,2}\b|^\s*\d{4}-\d{1,2}-\d{1,2}(?=[ T]+\d{1,2}:\d{2}\s*[AP]\.?M)", re.IGNORECASE
)
#: Zone names forums write, in hours from UTC (a name not here makes the date unreadable, not UTC).
_ZONE_HOURS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "UT": 0, "WET": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "IST": 5.5, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "JST": 9, "KST": 9, "HKT": 8,
    "SGT": 8, "AWST": 8, "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip


def numeric_start(value: str | None) -> bool:
    """Whether ``value`` is written as a year-first numeric date (so :func:`from_numeric` alone reads it)."""
    return bool(_NUMERIC_START.match(value or ""))


def _zone_offset(zone: str) -> float | None:
    """Seconds east of UTC for a zone as :data:`_NUMERIC_DATE` takes it (``Z``, ``+0900``, ``JST``), or None."""
    if not zone or zone.upper() == "Z":
        return 0
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 14 or minutes > 59:
            return None
        return (1 if zone[0] == "+" else -1) * (hours * 3600 + minutes * 60)
    named = _ZONE_HOURS.get(zone.upper())
    return None if named is None else named * 3600


def from_numeric(value: str | None, reference: int | None = None) -> int | None:
    """Parse a year-first numeric date with any of ``/ . -`` between the parts (see ``_NUMERIC_DATE``).

    None for one that cannot be: a month 13, 30 February, 25 o'clock, 13 PM,
    a zone not known (found by review: they were read as 1 December).
    """
    match = _NUMERIC_DATE.match(value or "")
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups()[:6])
    meridiem, zone = match.group(7), match.group(8) or ""
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.upper() == "P" else 0)
    offset = _zone_offset(zone)
    if offset is None:
        return None
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # month 13, 31 April, 25 o'clock
        return None
    return plausible(int(moment.timestamp() - offset), reference)


def to_iso(epoch: int | None) -> str | None:
    """Format epoch seconds as ISO 8601 UTC with a ``Z`` suffix."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_human(epoch: int | None) -> str:
    """Format epoch seconds for people: ``2026-01-17 09:30 UTC``."""
    if epoch is None:
        return "unknown date"
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def relative(epoch: int | None, reference: int | None = None, *, day: bool = False) -> str:
    """A short age for lists: ``now``, ``5m``, ``3h``, ``2d``, ``Nov 3``, ``2024-11``.

    With ``day`` a date older than the list's month form gives its day
    (``2024-11-05``): a comment is read against the comments around it,
    where a month says too little.
    """
    if epoch is None:
        return ""
    reference = reference if reference is not None else now()
    age = reference - epoch
    if age < 60:
        return "now"
    if age < 3600:
        return f"{age // 60}m"
    if age < 86400:
        return f"{age // 3600}h"
    if age < 7 * 86400:
        return f"{age // 86400}d"
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    if age < 330 * 86400:
        return f"{moment:%b} {moment.day}"
    return f"{moment:%Y-%m-%d}" if day else f"{moment:%Y-%m}"


def relative_day(epoch: int | None, reference: int | None = None) -> str:
    """:func:`relative`, but always down to the day (``2021-03-14`` rather than ``2021-03``)."""
    return relative(epoch, reference, day=True)


def formatter(pattern: str, *, day: bool = False) -> Callable[[int | None, int | None], str]:
    """How the reader shows a date: ``relative`` ("3h", "2d"), else a strftime pattern in local time.

    ``day``: relative dates older than a year still give their day.
    """
    if pattern == "relative":
        return relative_day if day else relative

    def formatted(epoch: int | None, reference: int | None = None) -> str:
        if epoch is None:
            return ""
        try:
            return datetime.fromtimestamp(epoch).strftime(pattern)
        except (ValueError, OverflowError, OSError):
            return relative(epoch, reference)

    return formatted
