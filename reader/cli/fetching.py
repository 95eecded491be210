"""``reader fetch`` (feeds, threads, pages, then sync), ``reader comments``, ``fulltext`` and ``discussions``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from reader.cli.base import EXIT_FAILURE, Context, UserError, emit_json, interactive, pass_context, say
from reader.cli.sync import sync_after_fetch
from reader.defaults import FETCH_CONCURRENCY
from reader.models import ThreadRef, source_label
from reader.text import plural
from reader.text.sanitize import clean_line
from reader.text.threads import discussion_summary

if TYPE_CHECKING:
    from reader.service.fetch import FetchSummary
    from reader.service.library import Library
from reader.cli.root import cli


@cli.command("fetch")
@click.argument("feed_ids", nargs=-1, type=int)
@click.option("-q", "--quiet", is_flag=True, help="Print only failures.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report (see README).")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=None,
    help=f"Requests at once (default: config, else {FETCH_CONCURRENCY}).",
)
@click.option("--no-comments", is_flag=True, help="Do not fetch comment threads.")
@click.option("--no-full-text", is_flag=True, help="Do not fetch article pages.")
@click.option(
    "--all",
    "every_feed",
    is_flag=True,
    help="Fetch every feed now, whatever its refresh interval (fetch.refresh, `reader feed set`).",
)
@pass_context
def fetch_command(
    state: Context,
    feed_ids: tuple[int, ...],
    quiet: bool,
    as_json: bool,
    concurrency: int | None,
    no_comments: bool,
    no_full_text: bool,
    every_feed: bool,
) -> None:
    """Fetch subscribed feeds (those due, or the given ids), their comment threads and short articles' pages.

    A feed is due when its refresh interval has passed since its last fetch
    that worked: by default (fetch.refresh = "auto") about half the usual gap
    between its articles, from 30 minutes to a day; `--all` fetches every
    feed now.
    Exit status 1 if any feed failed; each failure is one line on stderr.
    """
    store = state.store()
    if feed_ids:
        unknown = [i for i in feed_ids if not store.feed_exists(i)]
        if unknown:
            raise UserError(f"no feed with id {', '.join(map(str, unknown))} (see `reader feeds`)")
    overrides: dict[str, Any] = {"full_text": not no_full_text, "every_feed": every_feed}
    if concurrency is not None:
        overrides["concurrency"] = concurrency
    if no_comments:
        overrides["comments"] = False
    library = state.library()
    show_bar = interactive() and not quiet and not as_json
    if show_bar:
        summary = _fetch_with_bar(library, list(feed_ids) or None, overrides)
    else:
        summary = library.fetch(list(feed_ids) or None, **overrides)
    if as_json:
        emit_json(
            {
                "feeds": [
                    {
                        "id": r.feed_id,
                        "url": r.url,
                        "status": r.status,
                        "error": r.error,
                        "new": r.new_articles,
                        "updated": r.updated_articles,
                        "warnings": r.warnings,
                    }
                    for r in summary.feeds
                ],
                "new_articles": summary.new_articles,
                "not_due": summary.not_due,
                "ignored": summary.ignored,
                "hidden": summary.hidden,
                "threads": summary.threads,
                "threads_refreshed": summary.threads_refreshed,
                "comments": summary.comments,
                "thread_errors": summary.thread_errors,
                "notify_error": summary.notify_error,
                "looked_up": summary.looked_up,
                "discussions_found": summary.discussions_found,
                "full_texts": summary.full_texts,
                "failed": len(summary.failed),
                "error": summary.error,
            }
        )
    else:
        for report in summary.failed:
            say(f"reader: error: feed {report.feed_id} ({report.url}): {report.error}", err=True)
        for report in summary.feeds:
            for warning in report.warnings:
                say(f"reader: warning: feed {report.feed_id} ({report.url}): {warning}", err=True)
        for thread_error in summary.thread_errors:
            # Not a failed run: the thread is tried again by the next fetches.
            say(f"reader: warning: {thread_error}", err=True)
        if summary.error:
            say(f"reader: error: {summary.error}", err=True)
        if summary.notify_error:
            say(f"reader: warning: {summary.notify_error}", err=True)
        if not quiet:
            failed = len(summary.failed)
            line = (
                f"fetched {plural(len(summary.feeds), 'feed')}: "
                f"{plural(summary.new_articles, 'new article')}, {plural(summary.comments, 'new comment')} "
                f"in {plural(summary.threads, 'thread')}"
                + (f" ({summary.threads_refreshed} refreshed)" if summary.threads_refreshed else "")
                + f", {plural(summary.full_texts, 'full page')}"
                + (f"; the killfile kept out {summary.ignored}" if summary.ignored else "")
                + (f"; {summary.hidden} stored hidden" if summary.hidden else "")
            )
            line += f"; {failed} failed" if failed else ""
            if summary.not_due:
                them = "it" if summary.not_due == 1 else "them"
                line += f"; {plural(summary.not_due, 'feed')} not due yet (`reader fetch --all` fetches {them})"
            say(line)
    synced = True
    if state.config.sync_on_fetch and not feed_ids and not summary.error:
        synced = sync_after_fetch(state, quiet=quiet or as_json, comments=False if no_comments else None)
    if summary.failed or summary.error or not synced:
        sys.exit(EXIT_FAILURE)


def _fetch_with_bar(library: Library, feed_ids: list[int] | None, overrides: dict[str, Any]) -> FetchSummary:
    """Run a fetch with a progress bar on the terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("feeds", total=None, detail="")

        def update(progress: Any) -> None:
            if progress.phase == "feeds":
                detail = f"{progress.new_articles} new, {plural(progress.errors, 'error')}"
                bar.update(
                    task, description="feeds", total=progress.feeds_total, completed=progress.feeds_done, detail=detail
                )
            elif progress.phase == "comments":
                detail = plural(progress.comments, "comment")
                bar.update(
                    task,
                    description="threads",
                    total=progress.threads_total,
                    completed=progress.threads_done,
                    detail=detail,
                )
            else:
                bar.update(task, description="pages", total=None, completed=progress.pages, detail="")

        return library.fetch(feed_ids, progress=update, **overrides)


@cli.command("comments")
@click.argument("article_ids", nargs=-1, required=True, type=int)
@pass_context
def comments_command(state: Context, article_ids: tuple[int, ...]) -> None:
    """Fetch the comment threads of articles now (Hacker News, Reddit, Lobsters, comment feeds)."""
    state.store()  # the library's own warnings, and a missing one said as for every command
    outcome = state.library().fetch_comments(article_ids)
    if outcome.unknown:
        raise UserError(f"no article with id {', '.join(map(str, outcome.unknown))}")
    if outcome.summary.error:  # the library itself could not be used: said, not "fetched 0 threads"
        raise UserError(outcome.summary.error)
    for article_id in outcome.without_source:
        say(f"article {article_id}: no known comment source; its discussion link is kept")
    summary = outcome.summary
    for error in summary.thread_errors:
        say(f"reader: error: {error}", err=True)
    say(f"fetched {plural(summary.threads, 'thread')}: {plural(summary.comments, 'new comment')}")
    if summary.thread_errors:
        sys.exit(EXIT_FAILURE)


@cli.command("fulltext")
@click.argument("article_ids", nargs=-1, required=True, type=int)
@pass_context
def fulltext_command(state: Context, article_ids: tuple[int, ...]) -> None:
    """Fetch articles' web pages now and keep their main text (for feeds that carry only a summary)."""
    state.store()  # the library's own warnings, and a missing one said as for every command
    outcome = state.library().fetch_full_text(article_ids)
    if outcome.unknown:
        raise UserError(f"no article with id {', '.join(map(str, outcome.unknown))}")
    summary = outcome.summary
    if summary.error:
        raise UserError(summary.error)
    for article_id in outcome.without_link:
        say(f"reader: error: article {article_id}: it has no link to fetch", err=True)
    for error in summary.page_errors:
        say(f"reader: error: {error}", err=True)
    say(f"fetched the full text of {plural(summary.full_texts, 'article')}")
    if outcome.without_link or summary.page_errors:
        sys.exit(EXIT_FAILURE)


def _discussion_line(number: int, ref: ThreadRef, stored: bool) -> str:
    """``  1. Hacker News · "Title" · 412 points · 87 comments · https://…`` (stored ones say so)."""
    return f"  {number}. {discussion_summary(ref)} \u00b7 {ref.url}" + (" (stored)" if stored else "")


def _chosen(found: list[ThreadRef], take_all: bool) -> list[ThreadRef]:
    """Which found discussions to fetch: all (``--fetch``), those picked at a terminal, or none."""
    if take_all:
        return found
    if not interactive() or not found:
        return []
    answer = click.prompt(
        "Fetch which? (numbers separated by spaces, a for all, enter for none)", default="", show_default=False
    ).strip()
    if answer.lower() == "a":
        return found
    picked: list[ThreadRef] = []
    for word in answer.replace(",", " ").split():
        if not word.isdigit() or not 1 <= int(word) <= len(found):
            raise UserError(f"no discussion numbered {clean_line(word)!r} (1 to {len(found)})")
        if found[int(word) - 1] not in picked:
            picked.append(found[int(word) - 1])
    return picked


def _set_auto(state: Context, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """``--auto`` / ``--no-auto``: the feeds and tags whose new articles a fetch looks up."""
    from reader.service.subscriptions import SubscriptionError, find_feed

    store = state.store()
    change: dict[str, list[Any]] = {"feeds_on": [], "feeds_off": [], "tags_on": [], "tags_off": []}
    for spec, adding in [*((spec, True) for spec in add), *((spec, False) for spec in remove)]:
        if spec.startswith("tag:"):
            tag = spec[4:].strip()
            if not tag:
                raise UserError("tag: needs a tag's name (tag:tech)")
            change["tags_on" if adding else "tags_off"].append(tag)
            say(f"{'looking up' if adding else 'no longer looking up'} the new articles of tag {clean_line(tag)!r}")
            continue
        try:
            feed = find_feed(store, spec)
        except SubscriptionError as error:
            raise UserError(str(error)) from None
        change["feeds_on" if adding else "feeds_off"].append(feed.id)
        verb = "looking up" if adding else "no longer looking up"
        say(f"{verb} the new articles of {clean_line(feed.title) or feed.url} during fetches")
    store.change_auto_discussions(**change)


@cli.command("discussions")
@click.argument("article_id", type=int, required=False)
@click.option("--fetch", "take_all", is_flag=True, help="Fetch and keep every discussion found.")
@click.option("--refresh", is_flag=True, help="Ask the sites again, even if a recent answer is kept.")
@click.option("--json", "as_json", is_flag=True, help="Print what was found as JSON (see README).")
@click.option(
    "--auto", "auto", multiple=True, metavar="FEED|tag:NAME", help="Look up this feed's new articles in every fetch."
)
@click.option("--no-auto", "no_auto", multiple=True, metavar="FEED|tag:NAME", help="Stop looking this feed up.")
@pass_context
def discussions_command(
    state: Context,
    article_id: int | None,
    take_all: bool,
    refresh: bool,
    as_json: bool,
    auto: tuple[str, ...],
    no_auto: tuple[str, ...],
) -> None:
    """Find an article's discussions on Hacker News, Lobsters (and Lemmy, Reddit: see config), and keep them.

    Each lookup tells those sites the article's address, so none happens
    unless asked: here, with D in the reader, or for the feeds and tags
    named with --auto. The answer is kept for discussions.cache_hours.
    """
    if auto or no_auto:
        _set_auto(state, auto, no_auto)
        if article_id is None:
            return
    if article_id is None:
        raise UserError("name an article (reader discussions ID), or feeds with --auto")
    state.store()  # the library's own warnings, and a missing one said as for every command
    library = state.library()
    outcome = library.find_discussions(article_id, refresh=refresh)
    if not outcome.found and outcome.errors and outcome.errors[0].startswith("no article"):
        raise UserError(outcome.errors[0])
    stored = [(ref.source, ref.remote_id, ref.api) in outcome.stored for ref in outcome.found]
    if as_json:
        summary = library.fetch_discussions(article_id, outcome.found) if take_all and outcome.found else None
        if summary is not None and summary.error:
            raise UserError(summary.error)
        emit_json(
            {
                "article_id": article_id,
                "cached": outcome.cached,
                "discussions": [
                    {
                        "source": ref.source,
                        "label": source_label(ref.source),
                        "url": ref.url,
                        "title": clean_line(ref.title),
                        "points": ref.points,
                        "comment_count": ref.comment_count,
                        "stored": is_stored or summary is not None,
                    }
                    for ref, is_stored in zip(outcome.found, stored, strict=True)
                ],
                "errors": [clean_line(error) for error in outcome.errors],
                "fetched": None
                if summary is None
                else {
                    "threads": summary.threads,
                    "comments": summary.comments,
                    "thread_errors": [clean_line(error) for error in summary.thread_errors],
                },
            }
        )
        if (outcome.errors and not outcome.found) or (summary is not None and summary.thread_errors):
            sys.exit(EXIT_FAILURE)
        return
    for error in outcome.errors:
        say(f"reader: error: {error}", err=True)
    if outcome.found:
        kept = " (the answer kept from earlier; --refresh asks again)" if outcome.cached else ""
        say(f"article {article_id} is discussed in {plural(len(outcome.found), 'place')}{kept}:")
        for number, (ref, is_stored) in enumerate(zip(outcome.found, stored, strict=True), 1):
            say(_discussion_line(number, ref, is_stored))
    elif not outcome.errors:
        say(f"article {article_id}: no discussion found")
    chosen = _chosen(outcome.found, take_all)
    if chosen:
        summary = library.fetch_discussions(article_id, chosen)
        if summary.error:
            raise UserError(summary.error)
        for error in summary.thread_errors:
            say(f"reader: error: {error}", err=True)
        say(f"fetched {plural(summary.threads, 'thread')}: {plural(summary.comments, 'new comment')}")
        if summary.thread_errors:
            sys.exit(EXIT_FAILURE)
    if outcome.errors and not outcome.found:
        sys.exit(EXIT_FAILURE)
