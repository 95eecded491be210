"""The ``reader`` command.

Every error is one line on stderr and a non-zero exit status; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from reader import __version__, paths
from reader.cli import output
from reader.config import Config, config_path, effective_toml, example_toml
from reader.config import load as load_config
from reader.defaults import FETCH_CONCURRENCY
from reader.models import ArticleFilter, ArticleRow, FeedData
from reader.service.reading import read_article
from reader.store import Store, StoreError, library_failure
from reader.text.sanitize import clean_line, safe_url
from reader.text.search import InvalidSearchError

if TYPE_CHECKING:
    from reader.service.fetch import FetchSummary
    from reader.service.library import Library

EXIT_FAILURE = 1
EXIT_USAGE = 2


class UserError(click.ClickException):
    """An error the user can act on; printed as one line."""

    def show(self, file: Any = None) -> None:
        say(f"reader: error: {self.format_message()}", err=True)


@dataclass
class Context:
    """Shared state for the subcommands: where the database is, and its handle."""

    db_path: Path
    debug: bool = False
    config: Config = field(default_factory=Config)
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        """Open the library (once per command), its warnings on stderr.

        A command that only reads does not create a missing library, nor
        its folders (a mistyped ``--db`` or a wrong ``HOME`` would leave them
        behind): it says there is none yet.
        """
        if self._store is None:
            if _command_name() in _READING_COMMANDS and not self.db_path.exists():
                raise UserError(
                    f"no library yet at {self.db_path}: `reader add URL` or `reader import FILE` starts one"
                )
            self._store = Store(self.db_path)
            for warning in self._store.warnings:
                say(f"reader: warning: {warning}", err=True)
        return self._store

    def library(self) -> Library:
        """The services over this library (fetch, comments, sync): the same the reader uses."""
        from reader.service.library import Library

        return Library(self.db_path, self.config, debug=self.debug)

    def close(self) -> None:
        """Close the library if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None


pass_context = click.make_pass_decorator(Context)

#: Commands that only read the library (``sync`` and ``sync status`` say there is no account).
_READING_COMMANDS = frozenset({"list", "show", "search", "feeds", "tags", "export opml", "export markdown"})


def _command_name() -> str:
    """The running subcommand, as typed after ``reader`` (``export opml``); empty outside one."""
    names = []
    context = click.get_current_context(silent=True)
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names))


def say(message: str, err: bool = False, nl: bool = True, *, bold: bool = False) -> None:
    """Print ``message`` (to stderr with ``err``), every line cleaned for the terminal, newlines kept.

    Every human-readable line the command prints goes through here: file
    names, paths, exception texts and server messages can carry escape
    sequences as feed text can (a file named ``ESC ] 52 ; ...`` writes the
    clipboard of whoever imports it). ``bold`` keeps search's emphasis.
    """
    click.echo(output.printable(message, bold=bold), err=err, nl=nl)


# What ``json.dumps(ensure_ascii=False)`` leaves raw that a terminal acts on
# or reorders: DEL, the C1 block (U+009B is CSI), bidi marks, and lone
# surrogates (bytes of a file name that is not UTF-8).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _emit_json(data: object) -> None:
    """Print ``data`` as JSON, with what a terminal would act on written as ``\\uXXXX`` escapes.

    Those characters occur only inside strings, where the escape stands for
    the same character: the JSON stays valid and parses back to ``data``.
    """
    text = json.dumps(data, ensure_ascii=False, indent=2)
    click.echo(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def _width() -> int:
    return max(40, min(120, shutil.get_terminal_size((100, 24)).columns))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="READER_DB",
    help="Database file (default: the user data folder; env READER_DB).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
@click.version_option(__version__, prog_name="reader")
@click.pass_context
def cli(ctx: click.Context, db_path: Path | None, debug: bool) -> None:
    """A terminal newsreader with threaded comments, offline in SQLite.

    Run a subcommand; `reader demo` shows what reader can do.
    """
    config = load_config()
    # A broken config never stops a command: each problem is one line, and
    # the setting keeps its default. `reader config` reports them itself, and
    # the reader shows them on its screen (printed here as well, each came twice).
    opens_reader = ctx.invoked_subcommand == "tui" or (ctx.invoked_subcommand is None and interactive())
    if ctx.invoked_subcommand != "config" and not opens_reader:
        for problem in config.problems:
            say(f"reader: warning: {problem}", err=True)
    if db_path is None:
        db_path = Path(config.database).expanduser() if config.database else paths.default_db_path()
    state = Context(db_path=db_path, debug=debug, config=config)
    ctx.obj = state
    global _library_path
    _library_path = db_path
    ctx.call_on_close(state.close)
    if ctx.invoked_subcommand is None:
        if interactive():
            run_tui(state.db_path, state.config)
        else:
            say(ctx.get_help())


def interactive() -> bool:
    """True when a person is at a terminal (the full-screen reader needs one)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_tui(db_path: Path, config: Config | None = None) -> None:
    """Open the reader on ``db_path`` (Textual is imported only here)."""
    from reader.tui.app import ReaderApp

    app = ReaderApp(db_path, config=config)
    # Not main's Ctrl-C stand-in: Textual takes Ctrl-C as a key and owns the
    # terminal. The app quits on SIGTERM as on q, giving the terminal back
    # (ReaderApp.on_mount); until it runs, and after, the default applies.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    app.run()
    unsaved = getattr(app, "unsaved_changes", 0)
    lost = app.writer.lost_marks
    if lost:
        # Marks that failed (read-only library, full disk): the list showed them
        # taken back, and the shell must hear it too, in one line.
        line = f"reader: error: {lost} mark{'s' if lost != 1 else ''} could not be saved: {app.writer.lost_reason}"
        if unsaved:
            line += f"; {unsaved} more change{'s' if unsaved != 1 else ''} waited for another program in vain"
        say(line, err=True)
        raise SystemExit(EXIT_FAILURE)
    if unsaved:
        say(
            f"reader: error: {unsaved} change{'s' if unsaved != 1 else ''} (read/starred marks) could not be saved: "
            "another program held the library for over a minute",
            err=True,
        )
        raise SystemExit(EXIT_FAILURE)
    if app.return_code:
        # The app failed (Textual has printed the traceback): say so in the exit status.
        raise SystemExit(app.return_code)


# -- import / add ----------------------------------------------------------


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


# -- fetching ---------------------------------------------------------------


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
        _emit_json(
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
                f"fetched {len(summary.feeds)} feed{'s' if len(summary.feeds) != 1 else ''}: "
                f"{summary.new_articles} new articles, {summary.comments} new comments "
                f"in {summary.threads} threads, {summary.full_texts} full pages"
            )
            say(line + (f"; {failed} failed" if failed else ""))
    synced = True
    if state.config.sync_on_fetch and not feed_ids and not summary.error:
        synced = _sync_after_fetch(state, quiet=quiet or as_json, comments=False if no_comments else None)
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
                detail = f"{progress.new_articles} new, {progress.errors} errors"
                bar.update(
                    task, description="feeds", total=progress.feeds_total, completed=progress.feeds_done, detail=detail
                )
            elif progress.phase == "comments":
                detail = f"{progress.comments} comments"
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
    for article_id in outcome.without_source:
        say(f"article {article_id}: no known comment source; its discussion link is kept")
    summary = outcome.summary
    for error in summary.thread_errors:
        say(f"reader: error: {error}", err=True)
    say(f"fetched {summary.threads} threads: {summary.comments} new comments")
    if summary.thread_errors:
        sys.exit(EXIT_FAILURE)


# -- reading ----------------------------------------------------------------


@cli.command("feeds")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def feeds_command(state: Context, as_json: bool) -> None:
    """List feeds and local sources with unread/total counts and fetch status."""
    feeds = state.store().feeds()
    if as_json:
        _emit_json([output.feed_json(f) for f in feeds])
        return
    if not feeds:
        say("no feeds yet: `reader add URL` or `reader import FILE`")
    for feed in feeds:
        say(output.feed_line(feed))


@cli.command("list")
@click.option("--feed", "feed_id", type=int, help="Only this feed (an id from `reader feeds`).")
@click.option("--tag", help="Only feeds with this tag (see `reader tags`).")
@click.option("--unread", is_flag=True, help="Only unread articles.")
@click.option("--starred", is_flag=True, help="Only starred articles.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def list_command(
    state: Context, feed_id: int | None, tag: str | None, unread: bool, starred: bool, limit: int, as_json: bool
) -> None:
    """List articles, newest first."""
    store = state.store()
    if feed_id is not None and not store.feed_exists(feed_id):
        raise UserError(f"no feed with id {feed_id} (see `reader feeds`)")
    if tag is not None and tag not in {name for name, _feeds, _unread in store.tags()}:
        raise UserError(f"no feed has the tag {clean_line(tag)!r} (see `reader tags`)")
    article_filter = ArticleFilter(unread=unread, starred=starred, feed_id=feed_id, tag=tag)
    rows = store.list_articles(article_filter, limit=limit)
    _print_articles(rows, as_json, empty="no articles")


def _print_articles(rows: Iterable[ArticleRow], as_json: bool, empty: str) -> None:
    rows = list(rows)
    if as_json:
        _emit_json([output.article_json(r) for r in rows])
        return
    if not rows:
        say(empty)
    for row in rows:
        say(output.article_line(row))


@cli.command("show")
@click.argument("article_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def show_command(state: Context, article_id: int, as_json: bool) -> None:
    """Print an article as readable text, then its comment thread."""
    detail = read_article(state.store(), article_id)
    if detail is None:
        raise UserError(f"no article with id {article_id}")
    if as_json:
        _emit_json(output.detail_json(detail))
    else:
        say(output.article_text(detail, width=_width()), nl=False)


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
        _emit_json([output.search_json(result) for result in results])
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
    say(f"marked {changed} article{'s' if changed != 1 else ''}")
    if unknown:
        raise UserError(f"no article with id {', '.join(map(str, unknown))}")


@cli.command("mark-feed-read")
@click.argument("feed_id", type=int)
@pass_context
def mark_feed_read_command(state: Context, feed_id: int) -> None:
    """Mark every article of one feed read."""
    store = state.store()
    if not store.feed_exists(feed_id):
        raise UserError(f"no feed with id {feed_id} (see `reader feeds`)")
    changed = store.mark_feed_read(feed_id)
    say(f"marked {changed} article{'s' if changed != 1 else ''} read")


# -- tags and pruning -----------------------------------------------------


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
        _emit_json([{"tag": tag, "feeds": feeds, "unread": unread} for tag, feeds, unread in tags])
        return
    if not tags:
        say("no tags yet: `reader tag FEED_ID TAG`")
    for tag, feeds, unread in tags:
        say(f"{clean_line(tag)}  {feeds} feed{'s' if feeds != 1 else ''}, {unread} unread")


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
@pass_context
def prune_command(state: Context, older_than: str, keep_starred: bool, include_unread: bool) -> None:
    """Delete old read articles and their threads; starred and unread ones stay unless asked.

    A pruned article does not come back when its feed still lists it.
    """
    from reader.text import dates

    cutoff = dates.now() - _parse_age(older_than)
    removed = state.store().prune(cutoff, starred=not keep_starred, unread=include_unread)
    say(f"deleted {removed} article{'s' if removed != 1 else ''} published before {dates.to_human(cutoff)}")


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


# -- the reader, here and in a browser ------------------------------------


@cli.command("tui")
@pass_context
def tui_command(state: Context) -> None:
    """Open the full-screen reader (what `reader` alone does on a terminal)."""
    run_tui(state.db_path, state.config)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_context
def serve_command(state: Context, host: str, port: int) -> None:
    """Serve the reader to a web browser (textual-serve), on this machine only by default."""
    from reader.tui.app import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        say(
            f"reader: warning: serving on {host}: anyone who can reach it can read and mark your library",
            err=True,
        )
    serve(state.db_path, host, port)


# -- demo -------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--keep",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo library in this file instead of a throwaway one.",
)
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    hidden=True,
    help="Save an SVG of the reader on the demo library (for the README) instead of opening it.",
)
@pass_context
def demo_command(state: Context, keep: Path | None, screenshot: Path | None) -> None:
    """Load the demo articles into a throwaway library and show them."""
    from reader.service.demo import load_demo

    with tempfile.TemporaryDirectory(prefix="reader-demo-") as folder:
        path = keep or Path(folder) / "demo.db"
        store = Store(path)
        try:
            load_demo(store)
            if screenshot is not None:
                store.close()
                from reader.tui.app import save_screenshot

                # The discussion article (second in the list), then its comments.
                save_screenshot(path, screenshot, keys=["j", "enter", "tab"])
                say(f"saved {screenshot}")
                return
            open_demo(store, path, kept=keep is not None)
        finally:
            store.close()


#: Said once the demo closes: the next step, with the demo's library gone.
START_FOR_REAL = "That was the demo. To start for real: reader add URL, or reader import FILE"


def open_demo(store: Store, path: Path, kept: bool) -> None:
    """Open the reader on the demo library (at a terminal), else print it."""
    if interactive():
        store.close()
        run_tui(path)
        if not kept:
            say(START_FOR_REAL)
        return
    rows = store.list_articles(limit=20)
    welcome = next((r for r in rows if r.title.startswith("Welcome")), rows[0])
    detail = read_article(store, welcome.id)
    assert detail is not None
    say(output.article_text(detail, width=_width()))
    say("The demo library holds:")
    for row in rows:
        say(output.article_line(row))
    if kept:
        say(f"\nTry: reader --db {path} show {rows[0].id}")
    else:
        say("\nThis library is thrown away now; `reader demo --keep demo.db` keeps it to explore.")


# -- sync -------------------------------------------------------------------


@cli.group("sync", invoke_without_command=True)
@click.option("--no-comments", is_flag=True, help="Do not fetch the comment threads of new articles.")
@click.pass_context
def sync_group(ctx: click.Context, no_comments: bool) -> None:
    """Sync with an aggregator server (Tiny Tiny RSS): feeds, articles, read and starred, both ways.

    Without a subcommand: sync now and print one line. Marks made here wait
    in the library until the server has them (`reader sync status`).
    """
    if ctx.invoked_subcommand is not None:
        return
    from reader.service.sync import SyncError

    state = ctx.find_object(Context)
    assert state is not None
    if not state.db_path.exists():
        # No library, no account; nothing is made to say so.
        raise UserError("sync: no sync account: set one up with `reader sync setup ttrss URL --user NAME`")
    try:
        password = _sync_password(state)
        summary = state.library().sync(password=password, comments=False if no_comments else None)
    except SyncError as error:
        raise UserError(f"sync: {error}") from None
    for problem in summary.thread_errors:
        say(f"reader: warning: {problem}", err=True)
    say(summary.line())


def _sync_password(state: Context) -> str | None:
    """The password from its usual places, else asked (hidden) at a terminal; None leaves it to the sync."""
    from reader.service.sync.account import find_password, load_account

    store = state.store()
    account = load_account(store)
    if account is None:
        return None
    password = find_password(store, account)
    if password is None and interactive():
        password = click.prompt(f"password for {account.user} at {account.url}", hide_input=True)
    return password


def _sync_after_fetch(state: Context, *, quiet: bool, comments: bool | None) -> bool:
    """``sync.on_fetch``: sync after a fetch (never asks for a password); False when it failed."""
    from reader.service.sync import SyncError

    try:
        summary = state.library().sync(comments=comments)
    except SyncError as error:
        say(f"reader: error: sync: {error}", err=True)
        return False
    if not quiet:
        say(summary.line())
    return True


@sync_group.command("setup")
@click.argument("kind", type=click.Choice(["ttrss"]))
@click.argument("url")
@click.option("--user", required=True, help="Your user name on the server.")
@click.option(
    "--password-command",
    help='A command that prints the password, e.g. "pass show ttrss" (split into words, run without a shell).',
)
@click.option(
    "--store-password",
    is_flag=True,
    help="Keep the password in the library file, in plain text (for unattended syncs without a password command).",
)
@click.option(
    "--discard-pending", is_flag=True, help="When switching accounts: drop the marks not yet sent to the old one."
)
@pass_context
def sync_setup_command(
    state: Context,
    kind: str,
    url: str,
    user: str,
    password_command: str | None,
    store_password: bool,
    discard_pending: bool,
) -> None:
    """Set up the sync account: checks the login, then keeps the server, user and password command.

    The password is asked with hidden input, or taken from READER_SYNC_PASSWORD
    or the password command; it is kept only with --store-password.
    """
    import os
    import shlex

    from reader.service.sync import SyncError
    from reader.service.sync.account import (
        PASSWORD_VARIABLE,
        Account,
        is_loopback,
        load_account,
        normalize_url,
        password_source,
        run_password_command,
        save_account,
    )
    from reader.service.sync.engine import check_login

    if password_command is not None and store_password:
        raise UserError("--store-password keeps a typed password; with --password-command there is none to keep")
    if not user.strip():
        raise UserError("--user needs a user name")
    try:
        argv = tuple(shlex.split(password_command)) if password_command is not None else ()
    except ValueError as error:
        raise UserError(f"--password-command: cannot split it into words ({error})") from None
    if password_command is not None and not argv:
        raise UserError("--password-command is empty")
    try:
        account = Account(kind=kind, url=normalize_url(kind, url), user=user.strip(), password_command=argv)
        if argv:
            password = run_password_command(argv)
        elif os.environ.get(PASSWORD_VARIABLE):
            password = os.environ[PASSWORD_VARIABLE]
        elif interactive():
            password = click.prompt(f"password for {account.user} at {account.url}", hide_input=True)
        else:
            raise UserError(f"no password: type it at a terminal, set {PASSWORD_VARIABLE}, or give --password-command")
        if account.url.startswith("http:") and not is_loopback(account.url):
            say(
                f"reader: warning: {account.url} is plain http: the password crosses the network unencrypted",
                err=True,
            )
        server = check_login(account, password, state.config)
    except SyncError as error:
        raise UserError(f"sync setup: {error}") from None
    store = state.store()
    previous = load_account(store)
    if previous is not None and not previous.same_server(account):
        pending = store.sync_counts()["pending"]
        if pending and not discard_pending:
            raise UserError(
                f"{pending} mark{'s' if pending != 1 else ''} not yet sent to {previous.describe()}: "
                "run `reader sync` first, or pass --discard-pending"
            )
        # The links to the old server's ids mean nothing on the new one.
        store.forget_sync()
    for note in save_account(store, account, password if store_password else None):
        say(f"reader: warning: {note}", err=True)
    say(f"sync account: {account.describe()} ({server}); password {password_source(store, account)}")
    say("`reader sync` syncs now; `reader sync status` shows the state")


@sync_group.command("status")
@pass_context
def sync_status_command(state: Context) -> None:
    """The sync account, the last sync, and the marks waiting to be sent."""
    from reader.service.sync import SyncError
    from reader.service.sync.account import LAST_KEY, LAST_OK_KEY, hide_userinfo, load_account, password_source
    from reader.text import dates

    # No library, no account: said without making one (a status only reads).
    store = state.store() if state.db_path.exists() else None
    try:
        account = load_account(store) if store is not None else None
    except SyncError as error:
        raise UserError(f"sync: {error}") from None
    if account is None or store is None:
        say("no sync account: `reader sync setup ttrss URL --user NAME` sets one up")
        return
    counts = store.sync_counts()
    say(f"account: {account.describe()}")
    say(f"password: {password_source(store, account)}")
    last_ok = store.get_setting(LAST_OK_KEY)
    say(f"last sync: {dates.to_human(int(last_ok)) if last_ok and last_ok.isdigit() else 'never'}")
    try:
        last = json.loads(store.get_setting(LAST_KEY) or "null")
    except ValueError:
        last = None
    if isinstance(last, dict) and last.get("ok") is False:
        when = last.get("time")
        at = dates.to_human(when) if isinstance(when, int) else "?"
        say(f"last attempt failed ({at}): {clean_line(hide_userinfo(str(last.get('error'))))}")
    pending = counts["pending"]
    say(f"pending marks: {pending}" + (" (sent at the next sync)" if pending else ""))
    say(f"synced: {counts['feeds']} feeds, {counts['articles']} articles")


# -- config -----------------------------------------------------------------


@cli.group("config")
def config_group() -> None:
    """Where the config file is, what it sets, and a way to edit it."""


@config_group.command("path")
def config_path_command() -> None:
    """Print the config file's path (READER_CONFIG overrides it)."""
    say(str(config_path()))


@config_group.command("show")
@click.option("--defaults", is_flag=True, help="Print every setting's default instead.")
@pass_context
def config_show_command(state: Context, defaults: bool) -> None:
    """Print the settings in effect, as TOML; problems in the file go to stderr."""
    if defaults:
        say(example_toml(), nl=False)
        return
    for problem in state.config.problems:
        say(f"reader: warning: {problem}", err=True)
    say(effective_toml(state.config), nl=False)
    if state.config.problems:
        sys.exit(EXIT_FAILURE)


@config_group.command("edit")
def config_edit_command() -> None:
    """Open the config file in $VISUAL or $EDITOR (made with every default if missing), then check it."""
    import os
    import shlex
    import subprocess

    path = config_path()
    if not path.exists():
        try:
            paths.make_private_folder(path.parent)
            path.write_text(example_toml(), encoding="utf-8")
        except OSError as error:
            raise UserError(f"{path}: cannot create it ({error.strerror})") from None
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as error:
        raise UserError(f"cannot start the editor {editor!r} ({error.strerror}); set $EDITOR") from None
    problems = load_config(path).problems
    for problem in problems:
        say(f"reader: warning: {problem}", err=True)
    if problems:
        sys.exit(EXIT_FAILURE)


# -- recovery ---------------------------------------------------------------


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


# -- entry point ------------------------------------------------------------

#: The library the running command uses, named in errors that escape it.
_library_path: Path | None = None


def _show_click_error(error: click.ClickException) -> None:
    """Print a click error through :func:`say`: usage errors quote what was typed (an extra argument)."""
    if isinstance(error, UserError):
        error.show()
        return
    shown = io.StringIO()
    error.show(file=shown)
    say(shown.getvalue(), err=True, nl=False)


def _fail(message: str) -> NoReturn:
    say(f"reader: error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; the console script ``reader`` calls this."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    terminated = False

    def on_sigterm(signum: int, frame: Any) -> None:
        # SIGTERM (kill, a service manager, `timeout`) stops a command the way
        # Ctrl-C does: what is stored stays, parse workers are stopped, no
        # traceback. Python's default would end the process on the spot.
        nonlocal terminated
        terminated = True
        interrupt = signal.getsignal(signal.SIGINT)
        if callable(interrupt):
            interrupt(signal.SIGINT, frame)  # asyncio's own handler while a fetch runs
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        cli.main(args=args, prog_name="reader", standalone_mode=False)
    except click.exceptions.Abort as error:
        if terminated:  # click turned the interrupt into Abort; SIGTERM ends quietly, 128 + 15
            sys.exit(128 + signal.SIGTERM)
        if isinstance(error.__cause__, KeyboardInterrupt):
            # Ctrl-C: the user knows; the shell's convention, 128 + SIGINT, and no error line.
            sys.exit(128 + signal.SIGINT)
        _fail("aborted")
    except click.ClickException as error:
        _show_click_error(error)
        sys.exit(error.exit_code)
    except (StoreError, InvalidSearchError) as error:
        if debug:
            raise
        _fail(str(error))
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a word.
        sys.stderr.close()
        sys.exit(0)
    except KeyboardInterrupt:
        # The shell's convention: 128 + the signal's number.
        sys.exit(128 + (signal.SIGTERM if terminated else signal.SIGINT))
    except sqlite3.Error as error:
        # The library failed under a command (read-only, disk full, damaged): one line.
        if debug:
            raise
        failure = library_failure(error, _library_path)
        _fail(str(failure) if failure else f"{_library_path}: database error ({error})")
    except Exception as error:
        if debug:
            raise
        _fail(f"unexpected {type(error).__name__}: {clean_line(str(error))[:200]} (run with --debug for details)")
    finally:
        signal.signal(signal.SIGTERM, previous)
