"""Bringing articles in: ``reader import`` (files, folders, newsboat); ``reader add`` is in ``subscriptions``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reader.cli.base import EXIT_FAILURE, Context, pass_context, say
from reader.cli.root import cli
from reader.text import plural
from reader.text.sanitize import clean_line

if TYPE_CHECKING:
    from reader.parse import FileOutcome


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-q", "--quiet", is_flag=True, help="Print only warnings, errors and the summary.")
@pass_context
def import_command(state: Context, sources: tuple[Path, ...], quiet: bool) -> None:
    """Import files or folders: RSS, Atom, JSON Feed, OPML, HTML pages, plain-text articles.

    Each file is stored in its own transaction; a bad file is reported in
    one line and the others still import. In a folder, files that are none of
    these (code, licences, other data) are skipped and listed in one line; a
    file named itself is always imported. Exit status 1 if any file failed.
    """
    from reader.parse import import_paths

    files = failed = 0
    added = updated = comments = feeds = 0
    missing = [p for p in sources if not p.exists()]
    for path in missing:
        say(f"reader: error: {path}: no such file or directory", err=True)
    if len(missing) == len(sources):
        sys.exit(EXIT_FAILURE)  # nothing to import: no library is made for a mistyped path
    store = state.store()
    skipped: list[Path] = []
    for outcome in import_paths(store, [p for p in sources if p.exists()], on_skip=skipped.append):
        files += 1
        name = str(outcome.path)
        if outcome.error:
            failed += 1
            say(f"reader: error: {name}: {outcome.error}", err=True)
            continue
        for warning in outcome.warnings:
            say(f"reader: warning: {name}: {warning}", err=True)
        stats = outcome.stats
        if stats.rules_unplaced:
            unplaced = sorted(set(stats.rules_unplaced))
            named = ", ".join(clean_line(url) for url in unplaced[:3]) + (
                f" and {len(unplaced) - 3} more" if len(unplaced) > 3 else ""
            )
            rules = plural(len(stats.rules_unplaced), "ignore-article rule")
            say(
                f"reader: warning: {name}: left out {rules} for feeds not subscribed here: {named} "
                "(subscribe to them, then import this file again)",
                err=True,
            )
        added += stats.articles_added
        updated += stats.articles_updated
        comments += stats.comments_added
        feeds += stats.feeds_added
        if not quiet:
            say(f"{name}: {outcome.kind}: {', '.join(_file_parts(outcome))}")
    if skipped:
        say(_skipped_line(skipped, sources))
    summary = (
        f"imported {files - failed} of {plural(files, 'file')}: "
        f"{plural(added, 'new article')}, {updated} updated, {plural(comments, 'new comment')}, "
        f"{plural(feeds, 'new feed')}"
    )
    say(summary)
    if failed or missing:
        sys.exit(EXIT_FAILURE)


def _file_parts(outcome: FileOutcome) -> list[str]:
    """What one file brought, as its line lists it: articles, or feeds, searches and rules."""
    stats = outcome.stats
    if outcome.kind in ("OPML", "newsboat-urls"):
        parts = [f"{plural(outcome.feeds, 'feed')} ({stats.feeds_added} new)"]
    elif outcome.kind == "newsboat-config":
        parts = [plural(stats.rules_added, "new killfile rule")]  # a config brings rules, never articles
    else:
        parts = [f"{stats.articles_added} new"]
        if stats.articles_updated:
            parts.append(f"{stats.articles_updated} updated")
        if stats.comments_added:
            parts.append(plural(stats.comments_added, "comment"))
        if stats.articles_ignored:
            parts.append(f"{stats.articles_ignored} kept out by the killfile")
    if stats.queries_saved:
        parts.append(plural(stats.queries_saved, "saved search", "saved searches"))
    if stats.rules_added and outcome.kind != "newsboat-config":
        parts.append(plural(stats.rules_added, "new killfile rule"))
    if stats.rules_changed:
        parts.append(f"{plural(stats.rules_changed, 'killfile rule')} changed to its ignore-mode")
    if stats.articles_hidden:
        parts.append(f"{stats.articles_hidden} hidden by the killfile")
    return parts


#: How many skipped files a summary names before it only counts the rest.
SKIPPED_NAMES_SHOWN = 5


def _skipped_line(skipped: list[Path], sources: tuple[Path, ...]) -> str:
    """One line for the files of folders that were not imported: how many, and the first few names."""
    names = [_shown_name(path, sources) for path in skipped[:SKIPPED_NAMES_SHOWN]]
    rest = len(skipped) - len(names)
    listing = ", ".join(names) + (f" and {rest} more" if rest else "")
    if len(skipped) == 1:
        return f"skipped 1 file that is not a feed or an article: {listing}"
    return f"skipped {len(skipped)} files that are not feeds or articles: {listing}"


def _shown_name(path: Path, sources: tuple[Path, ...]) -> str:
    """``path`` as found below the folder it was imported from, cleaned and cut to fit a line."""
    shown = path.name
    for source in sources:
        if path.is_relative_to(source):
            shown = str(path.relative_to(source))
            break
    # A file name is untrusted text: no control characters, no line breaks (say() cleans again).
    shown = clean_line(shown) or "?"
    return shown if len(shown) <= 60 else shown[:59] + "\u2026"
