"""Reading from the command line: ``feeds``, ``list``, ``show``, ``search``, ``mark``, ``mark-feed-read``."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from reader.cli import output
from reader.cli.base import Context, UserError, emit_json, page, pass_context, say, terminal_width
from reader.cli.root import cli
from reader.models import ArticleFilter, ArticleRow
from reader.service.reading import read_article
from reader.text import plural
from reader.text.sanitize import clean_line
from reader.text.search import InvalidSearchError

if TYPE_CHECKING:
    from reader.store import Store


@cli.command("feeds")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def feeds_command(state: Context, as_json: bool) -> None:
    """List feeds and local sources with unread/total counts and fetch status."""
    feeds = state.store().feeds()
    if as_json:
        emit_json([output.feed_json(f) for f in feeds])
        return
    if not feeds:
        say("no feeds yet: `reader add URL` or `reader import FILE`")
        return
    for line in output.feeds_table(feeds, terminal_width()):
        say(line)


def feed_or_search(store: Store, spec: str) -> tuple[int | None, str | None]:
    """What ``spec`` names, as the feed list has it: a feed (number, URL, title) or a saved search (its name).

    Returns ``(feed id, None)`` or ``(None, the saved search's filter)``. A
    number or an address is a feed and ``/NAME`` a saved search, as the feed
    list writes them; a bare name is a saved search's when one is called so,
    else a feed's title, and one that is both is asked about (found by
    review: ``mark-feed-read Alpha`` marked the search, not the feed).
    Raises :class:`UserError` (one line).
    """
    from reader.service.subscriptions import SubscriptionError, find_feed

    text = spec.strip()
    if text.startswith("/"):
        expression = store.saved_query(text[1:].strip())
        if expression is not None:
            return None, expression
        # Else a feed's title that begins so ("/r/rust"): found by review, as `reader feed show` finds it.
    if text.isascii() and text.isdigit():
        if len(text) > 18 or not store.feed_exists(int(text)):
            also = f"; the saved search of that name is /{text}" if store.saved_query(text) is not None else ""
            raise UserError(f"no feed with id {text[:24]} (see `reader feeds`){also}")
        return int(text), None
    expression = None if "://" in text else store.saved_query(text)
    try:
        feed = find_feed(store, text)
    except SubscriptionError as error:
        if expression is not None:
            return None, expression
        raise UserError(f"{error}; or a saved search's name, as /NAME (`reader query list`)") from None
    if expression is not None:
        if feed.title.casefold() == text.casefold():
            raise UserError(
                f"{clean_line(text)!r} is a saved search and feed {feed.id}'s title: "
                f"write /{clean_line(text)} for the search, {feed.id} for the feed"
            )
        return None, expression
    return feed.id, None


@cli.command("list")
@click.option(
    "--feed",
    "feed",
    help="Only this feed (number, URL or title) or saved search (its name), as the feed list has them.",
)
@click.option("--tag", help="Only feeds with this tag (see `reader tags`).")
@click.option("--unread", is_flag=True, help="Only unread articles.")
@click.option("--starred", is_flag=True, help="Only starred articles.")
@click.option("--saved", is_flag=True, help="Only the starred articles kept from removed feeds.")
@click.option("--filter", "expression", help='Only what this filter matches (`title =~ "rust" and unread = yes`).')
@click.option("--query", "query", help="Only what this saved search matches (see `reader query list`).")
@click.option("--hidden", is_flag=True, help="Only the articles the killfile's display rules hide.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def list_command(
    state: Context,
    feed: str | None,
    tag: str | None,
    unread: bool,
    starred: bool,
    saved: bool,
    expression: str | None,
    query: str | None,
    hidden: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List articles, newest first; --filter and --query narrow it with the filter language (README, Filters)."""
    from reader.cli.rules import check_filter

    if expression is not None:
        check_filter(expression)  # a mistake is said first, whatever else is wrong
    store = state.store()
    feed_id, searched = feed_or_search(store, feed) if feed is not None else (None, None)
    if tag is not None and tag not in {name for name, _feeds, _unread in store.tags()}:
        raise UserError(f"no feed has the tag {clean_line(tag)!r} (see `reader tags`)")
    filters = []
    if expression is not None:
        filters.append(f"({expression})")
    if searched is not None:
        filters.append(f"({searched})")
    if query is not None:
        saved_filter = store.saved_query(query)
        if saved_filter is None:
            raise UserError(f"no saved search {clean_line(query)!r} (see `reader query list`)")
        filters.append(f"({saved_filter})")
    article_filter = ArticleFilter(
        unread=unread,
        starred=starred,
        feed_id=feed_id,
        tag=tag,
        saved=saved,
        expression=" and ".join(filters) or None,
        hidden=hidden,
    )
    rows = store.list_articles(article_filter, limit=limit)
    _print_articles(rows, as_json, empty="no hidden articles" if hidden else "no articles")


def _print_articles(rows: Iterable[ArticleRow], as_json: bool, empty: str) -> None:
    rows = list(rows)
    if as_json:
        emit_json([output.article_json(r) for r in rows])
        return
    if not rows:
        say(empty)
    for row in rows:
        say(output.article_line(row))


@cli.command("show")
@click.argument("article_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@click.option("--no-pager", is_flag=True, help="Print straight to the terminal, without $PAGER or less.")
@pass_context
def show_command(state: Context, article_id: int, as_json: bool, no_pager: bool) -> None:
    """Print an article as readable text, then its comment thread.

    On a terminal the text goes through $PAGER (else `less -R`), as git's
    output does; piped, or with --no-pager, it is printed as it is.
    """
    detail = read_article(state.store(), article_id)
    if detail is None:
        raise UserError(f"no article with id {article_id}")
    if as_json:
        emit_json(output.detail_json(detail))
    else:
        page(output.article_text(detail, width=terminal_width()), pager=not no_pager)


@cli.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, type=click.UNPROCESSED)
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def search_command(state: Context, words: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search titles, article text and comments.

    Words must all match; "quoted words" match a phrase; word* matches a
    prefix; a OR b matches either; -word excludes (`reader search peace -war`).
    Under each article: where it matched (its text, its title or a comment)
    and the words around the match.
    """
    query = " ".join(words)
    try:
        results = state.store().search_results(query, limit=limit)
    except InvalidSearchError as error:
        raise UserError(f"search: {error}") from None
    if as_json:
        emit_json([output.search_json(result) for result in results])
        return
    if not results:
        say("no matches")
    # Bold only reaches a terminal that shows it; a pipe gets plain text.
    emphasis = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    for result in results:
        say(output.search_result_text(result, emphasis=emphasis), bold=emphasis)


@cli.command("mark")
@click.argument("article_ids", nargs=-1, required=True, type=int)
@click.option("--read", "read", flag_value=True, default=None, help="Mark read.")
@click.option("--unread", "read", flag_value=False, help="Mark unread.")
@click.option("--star", "starred", flag_value=True, default=None, help="Star.")
@click.option("--unstar", "starred", flag_value=False, help="Remove the star.")
@pass_context
def mark_command(state: Context, article_ids: tuple[int, ...], read: bool | None, starred: bool | None) -> None:
    """Mark articles read or unread, starred or not."""
    if read is None and starred is None:
        raise UserError("say what to mark: --read, --unread, --star or --unstar")
    store = state.store()
    changed = store.mark(article_ids, read=read, starred=starred)
    known = {row.id for row in store.articles_by_ids(list(article_ids))}
    unknown = [i for i in dict.fromkeys(article_ids) if i not in known]
    say(f"marked {plural(changed, 'article')}")
    if unknown:
        raise UserError(f"no article with id {', '.join(map(str, unknown))}")


@cli.command("mark-feed-read")
@click.argument("feed")
@pass_context
def mark_feed_read_command(state: Context, feed: str) -> None:
    """Mark every article of one feed read (FEED: number, URL or title), or of one saved search (its name)."""
    store = state.store()
    feed_id, searched = feed_or_search(store, feed)
    if feed_id is not None:
        changed = store.mark_feed_read(feed_id)
    else:
        changed = store.mark(store.article_ids(ArticleFilter(unread=True, expression=searched)), read=True)
    say(f"marked {plural(changed, 'article')} read")
