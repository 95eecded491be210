"""``reader fetch`` (feeds, threads, pages, then sync) and ``reader comments``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from reader.cli.base import EXIT_FAILURE, Context, UserError, emit_json, interactive, pass_context, say
from reader.cli.sync import sync_after_fetch
from reader.defaults import FETCH_CONCURRENCY
from reader.text import plural

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
@pass_context
def fetch_command(
    state: Context,
    feed_ids: tuple[int, ...],
    quiet: bool,
    as_json: bool,
    concurrency: int | None,
    no_comments: bool,
    no_full_text: bool,
) -> None:
    """Fetch subscribed feeds (all, or the given ids), their comment threads and short articles' pages.

    Exit status 1 if any feed failed; each failure is one line on stderr.
    """
    store = state.store()
    if feed_ids:
        unknown = [i for i in feed_ids if not store.feed_exists(i)]
        if unknown:
            raise UserError(f"no feed with id {', '.join(map(str, unknown))} (see `reader feeds`)")
    overrides: dict[str, Any] = {"full_text": not no_full_text}
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
                "threads": summary.threads,
                "threads_refreshed": summary.threads_refreshed,
                "comments": summary.comments,
                "thread_errors": summary.thread_errors,
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
        if not quiet:
            failed = len(summary.failed)
            line = (
                f"fetched {plural(len(summary.feeds), 'feed')}: "
                f"{plural(summary.new_articles, 'new article')}, {plural(summary.comments, 'new comment')} "
                f"in {plural(summary.threads, 'thread')}"
                + (f" ({summary.threads_refreshed} refreshed)" if summary.threads_refreshed else "")
                + f", {plural(summary.full_texts, 'full page')}"
            )
            say(line + (f"; {failed} failed" if failed else ""))
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
