"""Subscriptions: ``reader add`` (a site or a feed), ``remove``, ``rename`` and ``move``.

``add`` finds the feed a site offers (:mod:`reader.service.discover`): one
is subscribed and named; several are offered as a numbered list on a
terminal, else the first is taken and the others listed (``--all`` takes
every one). An HTML page is never subscribed. ``remove`` asks first on a
terminal and needs ``--yes`` off one, as ``git clean`` needs ``-f``: it
deletes what cannot be fetched again (starred articles stay unless asked).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from reader.cli.base import EXIT_FAILURE, Context, UserError, emit_json, interactive, pass_context, say
from reader.cli.root import cli
from reader.text import feed_name, plural
from reader.text.sanitize import clean_line, normalize_url, safe_url

if TYPE_CHECKING:  # discovery loads the HTTP client: only commands that use it import it
    from reader.service.discover import Discovery, FoundFeed


def _count(number: int, word: str) -> str:
    """``1,204 articles``: a count with thousands separated, and its noun in the right number."""
    return plural(number, word).replace(str(number), f"{number:,}", 1)


def _choose(found: list[FoundFeed], take_all: bool, asked: str) -> list[FoundFeed]:
    """Which of several feeds a site offers to subscribe to: all, the one picked, or the first."""
    if take_all or len(found) == 1:
        return found
    if interactive():
        say(f"{clean_line(asked)} offers {len(found)} feeds:")
        for number, feed in enumerate(found, 1):
            say(f"  {number}. {clean_line(feed.title) or feed.url} ({feed.kind}) {feed.url}")
        choices = [str(n) for n in range(1, len(found) + 1)] + ["a"]
        answer = click.prompt(
            "Subscribe to which? (a number, or a for all)",
            type=click.Choice(choices),
            show_choices=False,
            default="1",
        )
        return found if answer == "a" else [found[int(answer) - 1]]
    rest = ", ".join(feed.url for feed in found[1:])
    say(f"{clean_line(asked)} also offers {plural(len(found) - 1, 'other feed')}: {rest} (`--all` takes every one)")
    return found[:1]


def _discover(url: str, state: Context) -> Discovery:
    from reader.service.discover import discover_feeds

    return discover_feeds(url, state.config)


@cli.command("add")
@click.argument("urls", nargs=-1, required=True)
@click.option("--full-text", is_flag=True, help="Also fetch each article's web page (for summary-only feeds).")
@click.option("--all", "take_all", is_flag=True, help="Subscribe to every feed a site offers.")
@click.option(
    "--no-check", is_flag=True, help="Subscribe to each URL as it is, without downloading it (offline, or later)."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report: what each URL offered and what was added.")
@pass_context
def add_command(
    state: Context, urls: tuple[str, ...], full_text: bool, take_all: bool, no_check: bool, as_json: bool
) -> None:
    """Subscribe to feeds, by a feed's URL or a site's (its feed is found).

    A web page is looked through for the feeds it offers (<link
    rel="alternate">, the Link header, then /feed, /rss, /atom.xml,
    /index.xml and /feed.xml); YouTube channels, subreddits, Lobsters and
    Hacker News map to their feeds. A feed already subscribed is left as it
    is. `reader fetch` downloads the articles.
    """
    from reader.service.subscriptions import SubscriptionError, subscribe

    # A library is made only when something is subscribed: `reader add https://typo` leaves no file.
    store = state.store() if state.db_path.exists() else None
    report: list[dict[str, Any]] = []
    failed = False
    for url in urls:
        checked = safe_url(url)
        entry: dict[str, Any] = {"url": url, "found": [], "broken": [], "subscribed": [], "error": None}
        report.append(entry)
        if checked is None:
            entry["error"] = "expected an http:// or https:// URL"
            failed = True
            if not as_json:
                say(f"reader: error: {clean_line(url)!r}: expected an http:// or https:// feed URL", err=True)
            continue
        known = store.find_feed_by_url(checked) if store is not None else None
        if no_check or (known is not None and not known[1]):
            chosen = [(checked, "")]
        else:
            discovery = _discover(checked, state)
            entry["found"] = [{"url": f.url, "title": f.title, "kind": f.kind} for f in discovery.feeds]
            entry["broken"] = [{"url": link, "error": reason} for link, reason in discovery.broken]
            if not discovery.feeds:
                entry["error"] = discovery.error or "no feed found"
                failed = True
                if not as_json:
                    say(f"reader: error: {discovery.error or clean_line(checked) + ': no feed found'}", err=True)
                continue
            # --json is a report, not a conversation: the first feed, the rest listed in "found".
            json_pick = as_json and not take_all
            picked = discovery.feeds[:1] if json_pick else _choose(discovery.feeds, take_all, checked)
            chosen = [(feed.url, feed.title) for feed in picked]
        for feed_url, title in chosen:
            store = store or state.store()
            try:
                done = subscribe(store, feed_url, title, full_text=full_text)
            except SubscriptionError as error:
                entry["error"] = str(error)
                failed = True
                if not as_json:
                    say(f"reader: error: {error}", err=True)
                continue
            entry["subscribed"].append(
                {"id": done.feed_id, "url": done.url, "title": done.title, "created": done.created}
            )
            if as_json:
                continue
            if not done.created:
                pages = "; its article pages are fetched from now on" if full_text else ""
                say(f"already subscribed: {done.title} ({done.feed_id}) {done.url}{pages}")
                continue
            again = " again (its starred articles are back)" if done.revived else ""
            found_on = "" if normalize_url(checked) == done.url else f" (found on {checked})"
            say(f"subscribed{again}: {done.title} ({done.feed_id}) {done.url}{found_on}")
            if done.queued:
                say("  the server learns of it at the next `reader sync`")
    if as_json:
        emit_json(report)
    elif any(item["subscribed"] and any(s["created"] for s in item["subscribed"]) for item in report):
        say("`reader fetch` downloads the articles")
    if failed:
        sys.exit(EXIT_FAILURE)


@cli.command("remove")
@click.argument("feeds", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask (for scripts: off a terminal it is required).")
@click.option("--include-starred", is_flag=True, help="Delete the starred articles too (kept under Saved by default).")
@pass_context
def remove_command(state: Context, feeds: tuple[str, ...], yes: bool, include_starred: bool) -> None:
    """Unsubscribe from feeds (by number, URL or title) and delete their articles.

    Starred articles stay, listed under "Saved", unless --include-starred.
    Imported files can be removed the same way. Asks first on a terminal.
    """
    from reader.service.subscriptions import SubscriptionError, find_feed, unsubscribe

    store = state.store()
    try:
        chosen = list({feed.id: feed for feed in (find_feed(store, spec) for spec in feeds)}.values())
    except SubscriptionError as error:
        raise UserError(str(error)) from None
    if not yes and not interactive():
        raise UserError("removing deletes articles: add --yes to remove without being asked")
    for feed in chosen:
        counts = store.feed_counts(feed.id)
        name = feed_name(feed)
        if not yes:
            starred = ""
            if counts.starred:
                fate = "deleted too" if include_starred else "kept under Saved"
                starred = f" ({counts.starred:,} starred, {fate})"
            if not click.confirm(f"Remove {name} and its {_count(counts.total, 'article')}{starred}?", default=False):
                say(f"kept {name}")
                continue
        removed = unsubscribe(store, feed, include_starred=include_starred)
        kept = f", {_count(removed.kept, 'starred article')} kept under Saved" if removed.kept else ""
        say(f"removed {name}: {_count(removed.deleted, 'article')} deleted{kept}")
        if removed.queued:
            say("  the server learns of it at the next `reader sync`")


@cli.command("rename")
@click.argument("feed")
@click.argument("title", required=False)
@click.option("--reset", is_flag=True, help="Go back to the title the feed gives itself.")
@pass_context
def rename_command(state: Context, feed: str, title: str | None, reset: bool) -> None:
    """Give a feed (by number, URL or title) a title of your own; fetching keeps it."""
    from reader.service.subscriptions import SubscriptionError, find_feed, rename

    if reset == (title is not None):
        raise UserError("give a new TITLE, or --reset to go back to the feed's own")
    store = state.store()
    try:
        found = find_feed(store, feed)
        shown, queued = rename(store, found, None if reset else title)
    except SubscriptionError as error:
        raise UserError(str(error)) from None
    if reset:
        say(f"{feed_name(found)} ({found.id}) has its own title again: {shown}")
    else:
        say(f"renamed {feed_name(found)} ({found.id}) to {shown}")
    if queued:
        say("  the server learns of it at the next `reader sync`")


@cli.command("move")
@click.argument("feed")
@click.argument("url")
@pass_context
def move_command(state: Context, feed: str, url: str) -> None:
    """Give a feed (by number, URL or title) a new address; its articles, read and starred marks stay."""
    from reader.service.subscriptions import SubscriptionError, find_feed, move

    store = state.store()
    try:
        found = find_feed(store, feed)
        moved, queued = move(store, found, url)
    except SubscriptionError as error:
        raise UserError(str(error)) from None
    say(f"moved {feed_name(found)} ({found.id}) to {moved}; `reader fetch` reads it there")
    if queued:
        say("  the server learns of it at the next `reader sync`")


# -- a feed's own settings -------------------------------------------------------


@cli.group("feed")
def feed_group() -> None:
    """One feed's own settings: how often it is fetched, how many articles it keeps, full text, discussions."""


@feed_group.command("set")
@click.argument("feed")
@click.argument("settings", nargs=-1, required=True, metavar="KEY=VALUE...")
@pass_context
def feed_set_command(state: Context, feed: str, settings: tuple[str, ...]) -> None:
    """Change a feed's settings (FEED: number, URL or title).

    \b
    refresh=default|every|auto|2h  how often `reader fetch` and the reader's timer take it
                                   (auto: as often as it publishes, 30 min to a day;
                                   default: as fetch.refresh says, auto unless set)
    items=N|all                    keep its newest N articles (starred ones always)
    full_text=on|off               fetch each article's page for its full text
    discussions=on|off             look its new articles up on Hacker News, Lobsters...
    """
    from reader.service.subscriptions import SubscriptionError, change_settings, find_feed

    store = state.store()
    try:
        found = find_feed(store, feed)
        removed = change_settings(store, found.id, list(settings))
    except SubscriptionError as error:
        raise UserError(str(error)) from None
    _show_settings(state, found.id)
    if removed:
        say(f"  {plural(removed, 'older article')} removed (beyond the item limit; starred ones kept)")


@feed_group.command("show")
@click.argument("feed")
@pass_context
def feed_show_command(state: Context, feed: str) -> None:
    """A feed's settings."""
    from reader.service.subscriptions import SubscriptionError, find_feed

    try:
        found = find_feed(state.store(), feed)
    except SubscriptionError as error:
        raise UserError(str(error)) from None
    _show_settings(state, found.id)


def _show_settings(state: Context, feed_id: int) -> None:
    from reader.service.subscriptions import describe_refresh

    store = state.store()
    row = store.feed(feed_id)
    settings = store.feed_settings(feed_id)
    assert row is not None and settings is not None
    feeds, _tags = store.auto_discussions()
    say(f"{feed_name(row)} ({row.id})")
    say(f"  refresh: {describe_refresh(settings.refresh_minutes, state.config.fetch_refresh)}")
    say(f"  items: {'all' if settings.item_limit is None else f'the newest {settings.item_limit:,}'}")
    say(f"  full_text: {'on' if settings.full_text else 'off'}")
    say(f"  discussions: {'on' if feed_id in feeds else 'off'}")
