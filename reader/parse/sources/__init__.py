"""Comment sources as a registry: which URLs are a source's threads, how its page shows it, how to read it.

Each source is a :class:`CommentSource`, registered in :data:`SOURCES` by
name. It answers three questions, all without I/O of its own:

* ``from_url(url, bases)``: is this URL one of my threads (a Mastodon status,
  a Bluesky post, a Discourse topic, ...)? The :class:`~reader.models.ThreadRef`
  names it: the source, its id there, where a person reads it, where its API
  is asked.
* ``from_page(html, page_url, bases)``: which of my threads does this article
  page embed or link (the page full-text fetching downloads anyway): a
  ``DiscourseEmbed`` script, Isso's ``data-isso``, WordPress's
  ``rel="https://api.w.org/"``, a status link beside "comment on Mastodon".
* ``fetch(ref, get, bases, now)``: read the thread, asking ``get`` for each
  URL it needs (a Discourse topic's later posts, a Bluesky handle first
  resolved). ``get`` is the caller's: the service passes one bounded by its
  HTTP client's deadline and caps (``reader/service/threads.py``), so a
  source never opens a connection itself. ``get`` returns the body of a 200
  answer and raises for anything else; a source lets that propagate (the
  caller turns it into the thread's one-line error).

Every parser walks its tree with an explicit stack (threads are hundreds
deep), cleans every string from the answer (``_comment`` in
``parse/comments.py`` sanitizes the HTML and makes the Markdown), and keeps
its request URLs to ids it has checked, so nothing from an answer can point
a request elsewhere. Base URLs that are not in the thread's own URL are
settings (:class:`~reader.parse.comments.CommentSources`), so tests point them
at loopback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from reader.models import ThreadRef, ThreadSourceName
from reader.parse.comments import CommentSources, ParsedThread
from reader.text.sanitize import safe_url

#: Fetch one URL: the body of a 200 answer; raises for any other outcome.
Get = Callable[[str], Awaitable[bytes]]


@dataclass(frozen=True)
class CommentSource:
    """One comment source: its name, how it is shown, and its three functions (see the module)."""

    name: ThreadSourceName
    #: How the panel and ``reader show`` name its threads ("Hacker News").
    label: str
    from_url: Callable[[str, CommentSources], ThreadRef | None]
    from_page: Callable[[str, str, CommentSources], list[ThreadRef]]
    fetch: Callable[[ThreadRef, Get, CommentSources, int], Awaitable[ParsedThread]]


#: Every registered source, by name (filled by :func:`_register` as the source modules load).
SOURCES: dict[ThreadSourceName, CommentSource] = {}


#: Hosts a server named by a thread may be asked over plain http (the tests' loopback servers).
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def server_base(url: str | None, *, keep_path: bool = False) -> str | None:
    """``url`` as a server to ask (``scheme://host[:port]``, and its path with ``keep_path``), or None.

    For sources whose server comes from the thread itself (a Discourse forum,
    a Lemmy instance): https anywhere, plain http only on loopback, never a
    user or password, no query; lower-cased host, no trailing slash.
    """
    checked = safe_url(url)
    if checked is None:
        return None
    parts = urlsplit(checked)
    host = (parts.hostname or "").lower()
    scheme = parts.scheme.lower()
    if not host or parts.username or parts.password or (scheme != "https" and host not in LOOPBACK):
        return None
    return f"{scheme}://{parts.netloc.lower()}" + (parts.path.rstrip("/") if keep_path else "")


def register(source: CommentSource) -> CommentSource:
    """Add ``source`` to :data:`SOURCES` (each source module calls this once)."""
    SOURCES[source.name] = source
    return source


def load_sources() -> dict[ThreadSourceName, CommentSource]:
    """Import every source module (each registers itself) and return the registry."""
    from reader.parse.sources import (  # noqa: F401  # imported for their registration
        bluesky,
        discourse,
        isso,
        known,
        lemmy,
        mastodon,
        wordpress,
    )

    return SOURCES


def thread_for_url(url: str | None, bases: CommentSources) -> ThreadRef | None:
    """The first registered source that claims ``url`` as one of its threads, or None."""
    if not url:
        return None
    for source in load_sources().values():
        ref = source.from_url(url, bases)
        if ref is not None:
            return ref
    return None


def threads_in_page(html: str, page_url: str, bases: CommentSources) -> list[ThreadRef]:
    """Every thread the article page at ``page_url`` embeds or links, each once, in the registry's order."""
    found: dict[tuple[str, str], ThreadRef] = {}
    for source in load_sources().values():
        for ref in source.from_page(html, page_url, bases):
            found.setdefault((ref.source, ref.remote_id), ref)
    return list(found.values())
