"""The sync account and where its password comes from.

The account (server kind, address, user name, an optional password command)
is kept in the library's ``settings`` table, because the links between the
server's ids and the articles here live in the same file: a library belongs
to one account. The password is not kept anywhere unless the user asks for
it with ``--store-password``; otherwise it comes, in this order, from the
``READER_SYNC_PASSWORD`` environment variable, the password command (run
without a shell), or a hidden prompt at a terminal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from reader.service.sync.base import SyncError
from reader.store import Store
from reader.text.sanitize import clean_line

ACCOUNT_KEY = "sync.account"
PASSWORD_KEY = "sync.password"
CURSOR_KEY = "sync.cursor"
LAST_KEY = "sync.last"
LAST_OK_KEY = "sync.last_ok"
PASSWORD_VARIABLE = "READER_SYNC_PASSWORD"
#: Servers reader can sync with.
KINDS = ("ttrss",)
#: How long a password command may take (a keyring that asks for a passphrase needs a while).
COMMAND_SECONDS = 60.0


@dataclass(frozen=True)
class Account:
    """A user on a sync server."""

    kind: str
    url: str
    user: str
    #: A command that prints the password (argv; run without a shell).
    password_command: tuple[str, ...] = ()

    def describe(self) -> str:
        """``ttrss http://host/tt-rss/ as alice``."""
        return clean_line(f"{self.kind} {self.url} as {self.user}")

    def same_server(self, other: Account) -> bool:
        """True when ``other`` is the same user on the same server (the links here stay valid)."""
        return (self.kind, self.url.rstrip("/"), self.user) == (other.kind, other.url.rstrip("/"), other.user)


def load_account(store: Store) -> Account | None:
    """The library's sync account, or None when none is set up."""
    raw = store.get_setting(ACCOUNT_KEY)
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return Account(
            kind=str(data["kind"]),
            # An older reader kept a user:password@ typed into the address.
            url=hide_userinfo(str(data["url"])),
            user=str(data["user"]),
            password_command=tuple(str(part) for part in data.get("password_command") or ()),
        )
    except (ValueError, KeyError, TypeError):
        raise SyncError("the sync account stored in the library is unreadable; run `reader sync setup` again") from None


def save_account(store: Store, account: Account, password: str | None) -> list[str]:
    """Keep ``account``; the password only when given (``--store-password``), else any stored one is removed.

    A library given a password is made readable by its owner only; returns
    a line saying so when its permissions had to change.
    """
    data: dict[str, object] = {"kind": account.kind, "url": account.url, "user": account.user}
    if account.password_command:
        data["password_command"] = list(account.password_command)
    # A replaced or removed password is overwritten, not only unlinked (its
    # bytes would stay in free pages), and the write-ahead log, which still
    # holds the pages as they were, is emptied after.
    store.conn.execute("PRAGMA secure_delete = ON")
    try:
        with store.transaction():
            store.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (ACCOUNT_KEY, json.dumps(data)),
            )
            store.conn.execute("DELETE FROM settings WHERE key = ?", (PASSWORD_KEY,))
            if password is not None:
                store.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (PASSWORD_KEY, password))
    finally:
        store.conn.execute("PRAGMA secure_delete = OFF")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return store.make_private() if password is not None else []


#: The ``user:password@`` part of every URL in a text.
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")


def hide_userinfo(text: str) -> str:
    """``text`` with the user name and password taken out of every URL in it."""
    return _USERINFO.sub("", text)


def normalize_url(kind: str, url: str) -> str:
    """The server address as it is kept: http(s), no query, ending in ``/``; raises :class:`SyncError`.

    A user name or password in it (``https://alice:secret@host/``) is refused,
    and never repeated in the message: the address is kept in the library
    and printed by every sync.
    """
    text = url.strip()
    shown = hide_userinfo(clean_line(url))
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SyncError(f"{shown!r}: expected the server's http:// or https:// address")
    if "@" in parts.netloc:
        raise SyncError(
            f"{shown!r}: put no user name or password in the address; give the user with --user, and the "
            f"password at the prompt, in {PASSWORD_VARIABLE} or with --password-command"
        )
    query = parts.query
    if kind == "fever" and query == "api":
        query = ""  # people paste the API address with its ?api: the account keeps it without
    if query or parts.fragment:
        raise SyncError(f"{shown!r}: expected the server's address without ?query or #fragment")
    if kind == "fever":
        # The API's own address, as the server names it (``.../api/fever.php``, ``.../fever/``): kept as given.
        return f"{parts.scheme.lower()}://{parts.netloc}{parts.path or '/'}"
    path = parts.path.rstrip("/")
    if kind == "ttrss" and path.endswith("/api"):
        # People paste the API address; the account keeps tt-rss's own.
        path = path[: -len("/api")]
    return f"{parts.scheme.lower()}://{parts.netloc}{path}/"


def is_loopback(url: str) -> bool:
    """True for an address on this machine (a password over plain http is fine there)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def password_source(store: Store, account: Account, environ: Mapping[str, str] = os.environ) -> str:
    """Where the next sync will take the password from, in words (nothing is run)."""
    if environ.get(PASSWORD_VARIABLE):
        return f"from the environment ({PASSWORD_VARIABLE})"
    if account.password_command:
        return "from the command " + " ".join(account.password_command)
    if store.get_setting(PASSWORD_KEY) is not None:
        return "stored in the library, in plain text (--store-password)"
    return f"asked at the terminal (or set {PASSWORD_VARIABLE})"


def find_password(store: Store, account: Account, environ: Mapping[str, str] = os.environ) -> str | None:
    """The password from the environment, the password command or the library; None when none gives one."""
    value = environ.get(PASSWORD_VARIABLE)
    if value:
        return value
    if account.password_command:
        return run_password_command(account.password_command)
    return store.get_setting(PASSWORD_KEY)


def run_password_command(argv: tuple[str, ...] | list[str]) -> str:
    """Run a password command (no shell) and return the first line it prints; raises :class:`SyncError`."""
    name = clean_line(" ".join(argv))[:80]
    try:
        done = subprocess.run(
            list(argv), capture_output=True, timeout=COMMAND_SECONDS, stdin=subprocess.DEVNULL, check=False
        )
    except FileNotFoundError:
        raise SyncError(f"password command {name!r}: {argv[0]!r} not found") from None
    except subprocess.TimeoutExpired:
        raise SyncError(f"password command {name!r}: no answer within {COMMAND_SECONDS:g} s") from None
    except OSError as error:
        raise SyncError(f"password command {name!r}: cannot run it ({error.strerror or error})") from None
    if done.returncode != 0:
        detail = clean_line(done.stderr.decode("utf-8", "replace").splitlines()[0] if done.stderr.strip() else "")
        reason = f": {detail[:120]}" if detail else ""
        raise SyncError(f"password command {name!r} failed (exit status {done.returncode}){reason}")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise SyncError(f"password command {name!r} printed no password")
    return lines[0]
