"""Keeping the library in order: tags, ``prune``, ``export`` (OPML, Markdown) and ``recover``."""

from __future__ import annotations

from pathlib import Path

import click

from reader.cli import output
from reader.cli.base import Context, UserError, emit_json, interactive, pass_context, say
from reader.cli.root import cli
from reader.service.reading import read_article
from reader.text import plural
from reader.text.sanitize import clean_line


@cli.command("tag")
@click.argument("feed_id", type=int)
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Remove these tags instead of adding them.")
@pass_context
def tag_command(state: Context, feed_id: int, tags: tuple[str, ...], remove: bool) -> None:
    """Add tags to a feed (or remove them); the feed list groups feeds by tag."""
    store = state.store()
    if not store.feed_exists(feed_id):
        raise UserError(f"no feed with id {feed_id} (see `reader feeds`)")
    names = [clean_line(tag) for tag in tags]
    if any(not name for name in names):
        raise UserError("a tag needs at least one visible character")
    now = store.set_tags(feed_id, remove=names) if remove else store.set_tags(feed_id, add=names)
    say(f"feed {feed_id}: {', '.join(now) if now else 'no tags'}")


@cli.command("tags")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{tag, feeds, unread}].")
@pass_context
def tags_command(state: Context, as_json: bool) -> None:
    """List tags with their number of feeds and unread articles."""
    tags = state.store().tags()
    if as_json:
        emit_json([{"tag": tag, "feeds": feeds, "unread": unread} for tag, feeds, unread in tags])
        return
    if not tags:
        say("no tags yet: `reader tag FEED_ID TAG`")
    for tag, feeds, unread in tags:
        say(f"{clean_line(tag)}  {plural(feeds, 'feed')}, {unread} unread")


_AGE = {"d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}


def _parse_age(text: str) -> int:
    """Seconds in ``90d``, ``12w``, ``6m``, ``1y``."""
    value, unit = text[:-1], text[-1:].lower()
    if not value.isdigit() or unit not in _AGE or int(value) <= 0:
        raise UserError(f"--older-than wants an age like 90d, 12w, 6m or 1y (days, weeks, months, years); got {text!r}")
    return int(value) * _AGE[unit]


@cli.command("prune")
@click.option("--older-than", "older_than", required=True, help="Age like 90d, 12w, 6m or 1y (by publication date).")
@click.option(
    "--keep-starred/--include-starred", default=True, show_default=True, help="Starred articles are kept unless asked."
)
@click.option("--include-unread", is_flag=True, help="Also delete unread articles (kept by default).")
@click.option("--dry-run", is_flag=True, help="Say how many articles would be deleted; delete nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before deleting (only asked at a terminal).")
@pass_context
def prune_command(
    state: Context, older_than: str, keep_starred: bool, include_unread: bool, dry_run: bool, yes: bool
) -> None:
    """Delete old read (or killfile-hidden) articles and their threads; starred and unread ones stay unless asked.

    At a terminal it asks first (`--yes` does not); piped or in a script it
    does not ask. A pruned article does not come back when its feed still lists it.
    """
    from reader.text import dates

    cutoff = dates.now() - _parse_age(older_than)
    store = state.store()
    starred, unread = not keep_starred, include_unread
    which = _prune_kinds(starred=starred, unread=unread, cutoff=dates.to_human(cutoff))
    count = store.prune_count(cutoff, starred=starred, unread=unread)
    if count == 0:
        say(f"nothing to prune ({which})")
        return
    if dry_run:
        say(f"would delete {plural(count, 'article')} ({which})")
        return
    if not yes and interactive() and not click.confirm(f"Delete {plural(count, 'article')} ({which})?", default=False):
        say("nothing deleted")
        return
    removed = store.prune(cutoff, starred=starred, unread=unread)
    say(f"deleted {plural(removed, 'article')} published before {dates.to_human(cutoff)}")


def _prune_kinds(*, starred: bool, unread: bool, cutoff: str) -> str:
    """Which articles a prune takes, in words: ``read or hidden, unstarred, published before 2026-09-06 10:00 UTC``."""
    kinds = [kind for kind, taken in (("read or hidden", not unread), ("unstarred", not starred)) if taken]
    return ", ".join([*kinds, f"published before {cutoff}"])


# -- export -----------------------------------------------------------------


@cli.group("export")
def export_group() -> None:
    """Write subscriptions as OPML, or articles with their threads as Markdown."""


def _write(text: str, destination: Path | None) -> None:
    if destination is None:
        say(text, nl=False)
        return
    try:
        destination.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UserError(f"{destination}: cannot write ({error.strerror or error})") from None


@export_group.command("opml")
@click.option("-o", "--output", "destination", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def export_opml(state: Context, destination: Path | None) -> None:
    """Subscriptions as OPML 2.0, tags kept as folders and categories."""
    _write(output.feeds_opml(state.store().feeds()), destination)


@export_group.command("markdown")
@click.argument("article_ids", nargs=-1, required=True, type=int)
@click.option("-o", "--output", "destination", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def export_markdown(state: Context, article_ids: tuple[int, ...], destination: Path | None) -> None:
    """Articles and their comment threads as Markdown."""
    store = state.store()
    documents = []
    for article_id in article_ids:
        detail = read_article(store, article_id)
        if detail is None:
            raise UserError(f"no article with id {article_id}")
        documents.append(output.article_markdown(detail))
    _write("\n---\n\n".join(documents), destination)


@cli.command("recover")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def recover_command(state: Context, destination: Path) -> None:
    """Copy what can still be read from a damaged library into a new library file.

    The damaged library is only read. Check the new one (`reader --db NEW.db list`),
    then put it in place of the old, keeping the damaged file aside.
    """
    from reader.store.recover import RecoverError, recover

    try:
        result = recover(state.db_path, destination)
    except RecoverError as error:
        raise UserError(f"recover: {error}") from None
    say(result.line(destination))
    say(f"check it with `reader --db {destination} list`, then put it in place of {state.db_path}")
