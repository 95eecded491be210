"""Bringing articles in: ``reader import`` (files, folders, newsboat) and ``reader add`` (feed URLs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reader.cli.base import EXIT_FAILURE, Context, pass_context, say
from reader.cli.root import cli
from reader.models import FeedData
from reader.text.sanitize import clean_line, safe_url


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings, errors and the summary.")
@pass_context
def import_command(state: Context, sources: tuple[Path, ...], quiet: bool) -> None:
    """Import files or folders: RSS, Atom, JSON Feed, OPML, HTML pages, plain-text articles.

    Each file is stored in its own transaction; a bad file is reported in
    one line and the others still import. Exit status 1 if any file failed.
    """
    from reader.parse import import_paths

    store = state.store()
    files = failed = 0
    added = updated = comments = feeds = 0
    missing = [p for p in sources if not p.exists()]
    for path in missing:
        say(f"reader: error: {path}: no such file or directory", err=True)
    for outcome in import_paths(store, [p for p in sources if p.exists()]):
        files += 1
        name = str(outcome.path)
        if outcome.error:
            failed += 1
            say(f"reader: error: {name}: {outcome.error}", err=True)
            continue
        for warning in outcome.warnings:
            say(f"reader: warning: {name}: {warning}", err=True)
        stats = outcome.stats
        added += stats.articles_added
        updated += stats.articles_updated
        comments += stats.comments_added
        feeds += stats.feeds_added
        if not quiet:
            parts = [f"{stats.articles_added} new"]
            if stats.articles_updated:
                parts.append(f"{stats.articles_updated} updated")
            if stats.comments_added:
                parts.append(f"{stats.comments_added} comments")
            if outcome.kind == "OPML":
                parts = [f"{outcome.feeds} feeds ({stats.feeds_added} new)"]
            say(f"{name}: {outcome.kind}: {', '.join(parts)}")
    summary = (
        f"imported {files - failed} of {files} file{'s' if files != 1 else ''}: "
        f"{added} new articles, {updated} updated, {comments} new comments, {feeds} new feeds"
    )
    say(summary)
    if failed or missing:
        sys.exit(EXIT_FAILURE)


@cli.command("add")
@click.argument("urls", nargs=-1, required=True)
@click.option("--full-text", is_flag=True, help="Also fetch each article's web page (for summary-only feeds).")
@pass_context
def add_command(state: Context, urls: tuple[str, ...], full_text: bool) -> None:
    """Subscribe to feeds by URL (http or https only; `reader fetch` downloads them)."""
    bad = [u for u in urls if safe_url(u) is None]
    for url in bad:
        say(
            f"reader: error: {clean_line(url)!r}: expected an http:// or https:// feed URL",
            err=True,
        )
    store = state.store()
    for url in urls:
        checked = safe_url(url)
        if checked is None:
            continue
        feed_id, created = store.add_feed(FeedData(key=checked, url=checked, title=checked, kind="feed"))
        if full_text:
            store.set_feed_full_text(feed_id, True)
        verb = "subscribed to" if created else "already subscribed to"
        say(f"{verb} {checked} (feed {feed_id})")
    if bad:
        sys.exit(EXIT_FAILURE)
