"""``reader query`` (saved searches), ``reader ignore`` (the killfile), and the filter errors they share."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import click

from reader.cli.base import EXIT_USAGE, Context, UserError, emit_json, pass_context, say
from reader.cli.root import cli
from reader.text import plural
from reader.text.sanitize import clean_line

if TYPE_CHECKING:
    from reader.text.filters import FilterError


def filter_failed(error: FilterError, what: str = "filter") -> NoReturn:
    """A filter that does not read: its one line, then the filter with a ``^`` under the place; exit 2."""
    say(f"reader: error: {what}: {clean_line(str(error))}", err=True)
    for line in error.caret().splitlines():
        say(f"  {line}", err=True)
    raise SystemExit(EXIT_USAGE)


def check_filter(expression: str, what: str = "filter") -> None:
    """Parse ``expression`` now, so a mistake is said before anything else happens."""
    from reader.text.filters import FilterError, parse_filter

    try:
        parse_filter(expression)
    except FilterError as error:
        filter_failed(error, what)


@cli.group("query")
def query_group() -> None:
    """Saved searches: a name for a filter, listed with the feeds (`reader list --query NAME`)."""


@query_group.command("add")
@click.argument("name")
@click.argument("expression")
@pass_context
def query_add_command(state: Context, name: str, expression: str) -> None:
    """Save the filter EXPRESSION as NAME (a saved search of that name is replaced).

    The filter language is the README's ("Filters"): `title =~ "rust" and
    unread = yes`, `comments > 50`, or words as / takes them:
    `search = "borrow checker"`.
    """
    from reader.text.filters import FilterError

    name = clean_line(name).strip()
    if not name:
        raise UserError("a saved search needs a name")
    if name.isdigit() or "://" in name or name.startswith("/"):
        # Where a feed is named (`reader list --feed`), these read as a feed's number or address, or the
        # feed list's "/" mark.
        raise UserError(f"{name!r} would read as a feed's number or address: give the search a word for a name")
    try:
        new = state.store().save_query(name, expression)
    except FilterError as error:
        filter_failed(error)
    say(f"{'saved' if new else 'replaced'} the search {name!r}: `reader list --query {name!r}` shows it")


@query_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def query_list_command(state: Context, as_json: bool) -> None:
    """The saved searches, with their unread and total counts."""
    queries = state.store().saved_queries()
    if as_json:
        emit_json([{"name": q.name, "filter": q.expression, "unread": q.unread, "total": q.total} for q in queries])
        return
    if not queries:
        say('no saved searches: `reader query add NAME "FILTER"` saves one')
    for query in queries:
        say(f"{query.name}  ({query.unread} unread of {query.total})  {clean_line(query.expression)}")


@query_group.command("remove")
@click.argument("name")
@pass_context
def query_remove_command(state: Context, name: str) -> None:
    """Forget a saved search (its articles stay)."""
    if not state.store().remove_query(name):
        raise UserError(f"no saved search {clean_line(name)!r} (see `reader query list`)")
    say(f"removed the saved search {clean_line(name)!r}")


@cli.group("ignore")
def ignore_group() -> None:
    """The killfile: new articles a rule matches are not stored, or stored hidden (newsboat's ignore-article)."""


@ignore_group.command("add")
@click.argument("expression")
@click.option("--feed", "feed", help="Only this feed's articles (number, URL or title).")
@click.option(
    "--mode",
    type=click.Choice(["download", "display"]),
    default="download",
    show_default=True,
    help="download: matching new articles are not stored; display: they are stored hidden, and so are "
    "the stored articles it matches (`reader list --hidden` shows them; removing the rule shows them again).",
)
@pass_context
def ignore_add_command(state: Context, expression: str, feed: str | None, mode: str) -> None:
    """Keep out (--mode display: hide) the articles EXPRESSION matches, of every feed or of --feed.

    A rule judges an article once, when it is stored: it sees what the
    article brings with it (title, author, content, link, feed, tags, age,
    the comment count its feed declares), not discussions fetched later.
    Articles stored before a download rule stay; a display rule also hides
    the stored ones it matches now (never a starred one).
    """
    from reader.service.subscriptions import SubscriptionError, find_feed
    from reader.text.filters import FilterError

    store = state.store()
    feed_id = None
    if feed is not None:
        try:
            feed_id = find_feed(store, feed).id
        except SubscriptionError as error:
            raise UserError(str(error)) from None
    try:
        number, hidden = store.add_ignore_rule(expression, feed_id, "display" if mode == "display" else "download")
    except FilterError as error:
        filter_failed(error)
    if mode == "display":
        say(
            f"rule {number} added: new articles it matches are stored hidden; "
            f"it hides {plural(hidden, 'stored article')}"
            + (f" (`reader list --hidden` shows {'it' if hidden == 1 else 'them'})" if hidden else "")
        )
    else:
        say(f"rule {number} added: new articles it matches are not stored")


@ignore_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README).")
@pass_context
def ignore_list_command(state: Context, as_json: bool) -> None:
    """The killfile's rules, each with its number and mode, and how many articles are hidden."""
    store = state.store()
    rules = store.ignore_rules()
    hidden = store.hidden_count()
    if as_json:
        emit_json(
            {
                "rules": [{"id": r.id, "filter": r.expression, "feed_id": r.feed_id, "mode": r.mode} for r in rules],
                "hidden": hidden,
            }
        )
        return
    if not rules:
        say('no rules: `reader ignore add "FILTER"` adds one')
    for rule in rules:
        where = f" (only feed {rule.feed_id}: {clean_line(rule.feed_title or '?')})" if rule.feed_id is not None else ""
        say(f"{rule.id:>4}  {rule.mode:<8}  {clean_line(rule.expression)}{where}")
    if hidden:
        say(f"{plural(hidden, 'article')} hidden (`reader list --hidden` shows {'it' if hidden == 1 else 'them'})")


@ignore_group.command("remove")
@click.argument("rule_id", type=int)
@pass_context
def ignore_remove_command(state: Context, rule_id: int) -> None:
    """Take a rule out of the killfile (by its number in `reader ignore list`); what it hid shows again."""
    removed, shown = state.store().remove_ignore_rule(rule_id)
    if not removed:
        raise UserError(f"no rule {rule_id} (see `reader ignore list`)")
    say(f"rule {rule_id} removed" + (f": {plural(shown, 'article')} shown again" if shown else ""))
