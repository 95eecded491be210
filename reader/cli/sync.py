"""``reader sync``: setting up a server account, syncing, and its status."""

from __future__ import annotations

import json
import os

import click

from reader.cli.base import Context, UserError, interactive, pass_context, say
from reader.cli.root import cli
from reader.text import plural
from reader.text.sanitize import clean_line


@cli.group("sync", invoke_without_command=True)
@click.option("--no-comments", is_flag=True, help="Do not fetch the comment threads of new articles.")
@click.pass_context
def sync_group(ctx: click.Context, no_comments: bool) -> None:
    """Sync with an aggregator server (Tiny Tiny RSS, or any Fever API): feeds, articles, read and starred.

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
        raise UserError("sync: no sync account: set one up with `reader sync setup ttrss|fever URL --user NAME`")
    try:
        password = _sync_password(state)
        summary = state.library().sync(password=password, comments=False if no_comments else None)
    except SyncError as error:
        raise UserError(f"sync: {error}") from None
    for problem in summary.thread_errors:
        say(f"reader: warning: {problem}", err=True)
    # Subscription changes the server refused (or cannot do yet): one line each.
    for note in summary.feed_notes:
        say(f"reader: warning: sync: {note}", err=True)
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


def sync_after_fetch(state: Context, *, quiet: bool, comments: bool | None) -> bool:
    """``sync.on_fetch``: sync after a fetch (never asks for a password); False when it failed."""
    from reader.service.sync import SyncError

    try:
        summary = state.library().sync(comments=comments)
    except SyncError as error:
        say(f"reader: error: sync: {error}", err=True)
        return False
    for note in summary.feed_notes:
        say(f"reader: warning: sync: {note}", err=True)
    if not quiet:
        say(summary.line())
    return True


@sync_group.command("setup")
@click.argument("kind", type=click.Choice(["ttrss", "fever"]))
@click.argument("url")
@click.option("--user", required=True, help="Your user name on the server (for fever: the e-mail the key is made of).")
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

    KIND is ttrss (Tiny Tiny RSS's own API) or fever (the Fever API of FreshRSS,
    Miniflux, yarr, TT-RSS's plugin...: URL is the API's own address). The
    password is asked with hidden input, or taken from READER_SYNC_PASSWORD
    or the password command; it is kept only with --store-password.
    """
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
                f"{plural(pending, 'mark')} not yet sent to {previous.describe()}: "
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
        say("no sync account: `reader sync setup ttrss|fever URL --user NAME` sets one up")
        return
    counts = store.sync_counts()
    say(f"account: {account.describe()}")
    if account.kind == "fever":
        from reader.service.sync.fever import describe_limits

        say(f"note: {describe_limits()}")
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
    changes = counts["feed_changes"]
    if changes:
        say(f"pending subscription changes: {changes} (sent at the next sync)")
    say(f"synced: {plural(counts['feeds'], 'feed')}, {plural(counts['articles'], 'article')}")
