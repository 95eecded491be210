"""The user's settings: a TOML file read with the standard library.

The file lives in the platform's config folder (``~/.config/reader/config.toml``
on Linux), under ``READER_HOME`` when that is set, or wherever
``READER_CONFIG`` points. Every setting has a default here (in
:data:`SETTINGS`, which :class:`Config` reads its own from; the ones code
below the config needs too come from :mod:`reader.defaults`), and those
defaults are the documentation: :func:`reference_markdown` writes the
README's config reference from them, and a test keeps the two equal.

A file that is not valid TOML, or a value of the wrong kind, never stops the
reader: each problem becomes one line naming the key, and that key (or, for
broken TOML, every key) keeps its default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

__all__ = ["Config", "Setting", "config_path", "load", "parse", "reference_markdown", "replace"]
from pathlib import Path
from typing import Any, Literal

from reader import defaults, paths

CONFIG_NAME = "config.toml"


def config_path() -> Path:
    """Where the config file is: ``READER_CONFIG`` if set, else ``config.toml`` in the config folder."""
    value = os.environ.get("READER_CONFIG")
    if value:
        return Path(value).expanduser()
    return paths.config_dir() / CONFIG_NAME


@dataclass(frozen=True)
class Setting:
    """One documented setting: its TOML key, default, kind and meaning."""

    key: str
    default: Any
    help: str
    check: Callable[[Any], str | None]


def _integer(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected a whole number, found {_kind(value)}"
        if not low <= value <= high:
            return f"expected a number from {low} to {high}, found {value}"
        return None

    return check


def _number(low: float, high: float) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, found {_kind(value)}"
        if not low <= value <= high:
            return f"expected a number from {low:g} to {high:g}, found {value:g}"
        return None

    return check


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, found {_kind(value)}"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected a string, found {_kind(value)}"


def _argv(value: Any) -> str | None:
    # A list, never a shell string: a URL from a feed must not reach a shell.
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        return f'expected a list of strings like ["firefox", "--new-tab"], found {_kind(value)}'
    return None


def _command(value: Any) -> str | None:
    """A command as a list (empty: none): ``browser`` and ``notify.command``."""
    return None if value == [] else _argv(value)


def _strings(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return f"expected a list of strings, found {_kind(value)}"
    return None


def _sites(value: Any) -> str | None:
    problem = _strings(value)
    if problem is not None:
        return problem
    unknown = [site for site in value if site not in defaults.DISCUSSION_SITES]
    if unknown:
        return f"unknown site {unknown[0]!r} (known: {', '.join(defaults.DISCUSSION_SITES)})"
    return None


def _auto_or_boolean(value: Any) -> str | None:
    if isinstance(value, bool) or value == "auto":
        return None
    return f'expected "auto", true or false, found {_kind(value)}'


def _ca_file(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected the path of a PEM file, found {_kind(value)}"
    if not value:
        return None
    import ssl

    path = Path(value).expanduser()
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        return f"no such file: {_short(str(path))}"
    except (OSError, ssl.SSLError):
        return f"not a PEM file of certificates: {_short(str(path))}"
    return None


def _proxy(value: Any) -> str | None:
    # The full check (and the error at fetch time) is reader.net.proxy's; this
    # one catches a typo when the file is read. The value is never echoed: a
    # proxy URL may hold a password.
    if not isinstance(value, str):
        return f'expected a proxy URL, "direct" or "", found {_kind(value)}'
    text = value.strip()
    if text.lower() in ("", "direct"):
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text if "://" in text else "http://" + text)
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError:
        return "not a proxy URL (scheme://host:port)"
    if parts.scheme.lower() not in defaults.PROXY_SCHEMES or not parts.hostname:
        return f"expected a proxy URL such as socks5h://127.0.0.1:9050 ({', '.join(defaults.PROXY_SCHEMES)})"
    return None


def _refresh(value: Any) -> str | None:
    if not isinstance(value, str) or defaults.parse_refresh(value) is None:
        return f'expected "auto", "every" or a time such as "45m", "2h" or "1d", found {_kind(value)}'
    return None


def _date_format(value: Any) -> str | None:
    if not isinstance(value, str) or (value != "relative" and "%" not in value):
        return f'expected "relative" or a strftime pattern like "%Y-%m-%d", found {_kind(value)}'
    return None


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return f"{name} ({_short(value)})"
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


#: Every setting, in the order the reference lists them. ``[keys]`` is separate.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database",
        "",
        "Library file; empty means `reader.db` in the data folder (`--db` and `READER_DB` win).",
        _text,
    ),
    Setting("theme", "textual-dark", "Colour theme (any Textual theme; the palette's choice is remembered).", _text),
    Setting(
        "date_format",
        "relative",
        '`relative` ("3h", "2d") or a strftime pattern such as `%Y-%m-%d`.',
        _date_format,
    ),
    Setting(
        "browser",
        [],
        'Command that opens links, as a list (`["firefox", "--new-tab"]`); the link replaces a `%s` in it, '
        "else is added last. Empty: `$BROWSER`, else the system's.",
        _command,
    ),
    Setting(
        "browser_terminal",
        "auto",
        "Whether that browser runs in the reader's terminal (the reader steps aside until it quits): "
        '`"auto"` (yes for text browsers such as w3m, lynx, links, elinks), `true` or `false`.',
        _auto_or_boolean,
    ),
    Setting(
        "refresh.on_start", False, "Fetch the feeds that are due (`fetch.refresh`) when the reader opens.", _boolean
    ),
    Setting(
        "refresh.every_minutes",
        0,
        "Every N minutes while the reader is open, fetch the feeds that are due; 0 never.",
        _integer(0, 24 * 60),
    ),
    Setting("fetch.concurrency", defaults.FETCH_CONCURRENCY, "Requests in flight at once.", _integer(1, 64)),
    Setting(
        "fetch.per_host",
        defaults.FETCH_PER_HOST,
        "Requests in flight to one host (halved for a host that answers 429/503).",
        _integer(1, 64),
    ),
    Setting(
        "fetch.timeout_seconds",
        defaults.REQUEST_TIMEOUT_SECONDS,
        "Most time one request may take, redirects included.",
        _number(1, 600),
    ),
    Setting(
        "fetch.full_text_threshold",
        defaults.FULL_TEXT_THRESHOLD,
        "Articles with less text than this (characters) get their page fetched.",
        _integer(0, 1_000_000),
    ),
    Setting(
        "fetch.max_items",
        defaults.MAX_ITEMS,
        "Most articles one fetch keeps from one feed, the newest by date; a feed listing more is cut (and says so).",
        _integer(1, 1_000_000),
    ),
    Setting(
        "fetch.memory_budget_mb",
        defaults.FETCH_MEMORY_BUDGET_MB,
        "Megabytes of fetched feeds held before they are stored; more wait their turn (one feed bigger than"
        " this is fetched alone).",
        _integer(1, 100_000),
    ),
    Setting(
        "fetch.refresh",
        defaults.FETCH_REFRESH,
        "How often `reader fetch` and the reader's timer take a feed with no interval of its own (`reader feed"
        ' set FEED refresh=...`): `"auto"` follows how often the feed publishes (half its usual gap, 30 minutes'
        ' to a day; 3 hours until it has two dated articles), `"every"` every fetch, or a time such as `"2h"`,'
        " counted from its last fetch that worked. `reader fetch --all`, naming feeds, and `R` in the reader"
        " fetch them whatever their interval.",
        _refresh,
    ),
    Setting("fetch.comments", defaults.FETCH_COMMENTS, "Fetch comment threads of new articles.", _boolean),
    Setting(
        "fetch.refresh_threads_days",
        defaults.REFRESH_THREADS_DAYS,
        "For this many days after an article's date, each fetch asks its thread's source for the comment count"
        " (Hacker News, Reddit; Lobsters: the thread) and fetches the thread again when it changed; 0 never.",
        _integer(0, 3650),
    ),
    Setting(
        "fetch.refresh_threads_limit",
        defaults.REFRESH_THREADS_LIMIT,
        "Most threads one fetch fetches again that way, the newest articles' first.",
        _integer(0, 100_000),
    ),
    Setting(
        "tls.ca_file",
        "",
        "PEM file of extra certificate authorities to trust (fetch and sync), for a server with a private"
        " certificate; empty: certifi's roots only.",
        _ca_file,
    ),
    Setting(
        "network.proxy",
        "",
        "Proxy for every request (fetch, comments, pages, sync): http://host:port, socks5://, socks5h:// (the"
        ' proxy resolves names, as Tor needs), socks4://; "direct": none; empty: HTTP_PROXY, HTTPS_PROXY,'
        " ALL_PROXY from the environment.",
        _proxy,
    ),
    Setting(
        "network.no_proxy",
        "",
        "Hosts reached without the proxy, comma-separated (example.org covers its subdomains; 10.0.0.0/8;"
        " host:port; * for all); empty: NO_PROXY from the environment.",
        _text,
    ),
    Setting(
        "comments.depth_cap",
        defaults.COMMENT_DEPTH_CAP,
        "Reply levels that indent; deeper replies keep the last indent.",
        _integer(1, 64),
    ),
    Setting(
        "comments.collapse_replies",
        False,
        "Open threads with every reply collapsed under its top-level comment.",
        _boolean,
    ),
    Setting(
        "discussions.sites",
        ["hackernews", "lobsters"],
        "Where `reader discussions` and `D` look an article up: any of hackernews, lobsters, lemmy (needs "
        "`discussions.lemmy`), reddit (often refused to readers who are not logged in). Each lookup tells that "
        "site the article's address.",
        _sites,
    ),
    Setting(
        "discussions.lemmy",
        "",
        "A Lemmy server to search (`https://lemmy.world`); empty: Lemmy is not asked.",
        _text,
    ),
    Setting(
        "discussions.auto",
        [],
        "Feeds and tags whose new articles get their discussions found and fetched by `reader fetch`, as a list: "
        'a feed\'s URL or title, or `"tag:NAME"` (also set by `reader discussions --auto`).',
        _strings,
    ),
    Setting(
        "discussions.cache_hours",
        12,
        "How long a lookup's answer is kept before the sites are asked again.",
        _integer(0, 24 * 365),
    ),
    Setting(
        "discussions.per_run",
        20,
        "Articles looked up by one `reader fetch` at most (the newest first).",
        _integer(0, 10_000),
    ),
    Setting(
        "notify.command",
        [],
        'A command told of the new articles of every fetch, as a list (`["notify-send-articles"]`): run '
        "without a shell, the articles as a JSON array on its standard input. Only your own config sets it.",
        _command,
    ),
    Setting(
        "notify.filter",
        "",
        'Only the new articles this filter matches are told of (`comments > 50 or title =~ "rust"`); empty: all.',
        _text,
    ),
    Setting(
        "notify.timeout_seconds",
        10,
        "Most time the notify command may take; then it is stopped and the fetch goes on.",
        _integer(1, 600),
    ),
    Setting(
        "sync.on_fetch",
        False,
        "Also sync with the server of `reader sync setup` after every `reader fetch` of all feeds.",
        _boolean,
    ),
    Setting(
        "sync.timeout_seconds",
        30.0,
        "Most time one call to the sync server may take.",
        _number(1, 600),
    ),
)

_BY_KEY = {setting.key: setting for setting in SETTINGS}


def _default(key: str) -> Any:
    """The default of setting ``key`` as :class:`Config` holds it (a list becomes a tuple).

    Config's defaults are read from :data:`SETTINGS`, so each is written once.
    """
    value = _BY_KEY[key].default
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class Config:
    """The settings in effect (defaults where the file says nothing or says something wrong)."""

    database: str = _default("database")
    theme: str = _default("theme")
    date_format: str = _default("date_format")
    browser: tuple[str, ...] = _default("browser")
    browser_terminal: bool | Literal["auto"] = _default("browser_terminal")
    refresh_on_start: bool = _default("refresh.on_start")
    refresh_every_minutes: int = _default("refresh.every_minutes")
    fetch_concurrency: int = _default("fetch.concurrency")
    fetch_per_host: int = _default("fetch.per_host")
    fetch_timeout_seconds: float = _default("fetch.timeout_seconds")
    fetch_full_text_threshold: int = _default("fetch.full_text_threshold")
    fetch_max_items: int = _default("fetch.max_items")
    fetch_memory_budget_mb: int = _default("fetch.memory_budget_mb")
    fetch_refresh: str = _default("fetch.refresh")
    fetch_comments: bool = _default("fetch.comments")
    fetch_refresh_threads_days: int = _default("fetch.refresh_threads_days")
    fetch_refresh_threads_limit: int = _default("fetch.refresh_threads_limit")
    tls_ca_file: str = _default("tls.ca_file")
    network_proxy: str = _default("network.proxy")
    network_no_proxy: str = _default("network.no_proxy")
    comments_depth_cap: int = _default("comments.depth_cap")
    comments_collapse_replies: bool = _default("comments.collapse_replies")
    discussions_sites: tuple[str, ...] = _default("discussions.sites")
    discussions_lemmy: str = _default("discussions.lemmy")
    discussions_auto: tuple[str, ...] = _default("discussions.auto")
    discussions_cache_hours: int = _default("discussions.cache_hours")
    discussions_per_run: int = _default("discussions.per_run")
    notify_command: tuple[str, ...] = _default("notify.command")
    notify_filter: str = _default("notify.filter")
    notify_timeout_seconds: int = _default("notify.timeout_seconds")
    sync_on_fetch: bool = _default("sync.on_fetch")
    sync_timeout_seconds: float = _default("sync.timeout_seconds")
    #: Binding id -> keys (comma-separated, Textual's keymap syntax).
    keys: dict[str, str] = field(default_factory=dict)
    #: Where it was read from (None: no file).
    path: Path | None = None
    #: One line per problem found; the reader shows them and goes on.
    problems: tuple[str, ...] = ()


def _attribute(key: str) -> str:
    return key.replace(".", "_")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and key != "keys":
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def parse(text: str, path: Path | None = None) -> Config:
    """The config a TOML text describes (never raises: problems are listed on the result)."""
    where = str(path) if path else "config"
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return Config(path=path, problems=(f"{where}: not valid TOML ({error}); using the defaults",))
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in _flatten(table).items():
        if key == "keys":
            keys, key_problems = _parse_keys(value, where)
            values["keys"] = keys
            problems.extend(key_problems)
            continue
        setting = _BY_KEY.get(key)
        if setting is None:
            problems.append(f"{where}: {key}: unknown setting (ignored)")
            continue
        problem = setting.check(value)
        if problem and key == "network.proxy":
            # Fail closed: someone who asked for a proxy (Tor, a company's) and mistyped it must
            # not have every request go out directly instead.
            problems.append(f"{where}: {key}: {problem}; nothing is fetched until it is fixed")
            values[_attribute(key)] = defaults.UNUSABLE_PROXY
            continue
        if problem:
            problems.append(f"{where}: {key}: {problem}; using {_show(setting.default)}")
            continue
        values[_attribute(key)] = tuple(value) if isinstance(value, list) else value
    if values.get("tls_ca_file"):
        values["tls_ca_file"] = str(Path(values["tls_ca_file"]).expanduser())
    for seconds in ("fetch_timeout_seconds", "sync_timeout_seconds"):
        if seconds in values:
            values[seconds] = float(values[seconds])
    return replace(Config(), path=path, problems=tuple(problems), **values)


def _parse_keys(value: Any, where: str) -> tuple[dict[str, str], list[str]]:
    if not isinstance(value, dict):
        return {}, [f'{where}: keys: expected a table of binding id = "keys", found {_kind(value)}']
    keys: dict[str, str] = {}
    problems = []
    for binding_id, keys_text in value.items():
        if isinstance(keys_text, list) and all(isinstance(k, str) for k in keys_text):
            keys_text = ",".join(keys_text)
        if not isinstance(keys_text, str) or not keys_text.strip():
            problems.append(
                f'{where}: keys.{binding_id}: expected keys like "f5" or "ctrl+r,R", found {_kind(keys_text)}'
            )
            continue
        keys[binding_id] = ",".join(part.strip() for part in keys_text.split(",") if part.strip())
    return keys, problems


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def load(path: Path | None = None) -> Config:
    """Read the config file (a missing file is all defaults, and no problem)."""
    path = path or config_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as error:
        return Config(problems=(f"{path}: cannot read it ({error.strerror}); using the defaults",))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Config(path=path, problems=(f"{path}: not UTF-8 text; using the defaults",))
    return parse(text, path)


def known_keys() -> list[str]:
    """Every setting's TOML key."""
    return [setting.key for setting in SETTINGS]


def reference_markdown() -> str:
    """The README's config reference, made from the defaults above."""
    lines = ["| setting | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        lines.append(f"| `{setting.key}` | `{_show(setting.default)}` | {setting.help} |")
    return "\n".join(lines)


def example_toml() -> str:
    """A complete config file with every default, for `reader config show --defaults` and the README."""
    top: list[str] = []
    tables: dict[str, list[str]] = {}
    for setting in SETTINGS:
        table, _, name = setting.key.rpartition(".")
        line = f"{name} = {_show(setting.default)}"
        (tables.setdefault(table, []) if table else top).append(line)
    out = top[:]
    for table, lines in tables.items():
        out += ["", f"[{table}]", *lines]
    out += ["", "[keys]", '# binding id = "keys", e.g. "reader.refresh" = "f5,R"']
    return "\n".join(out) + "\n"


def effective_toml(config: Config) -> str:
    """The settings in effect, as TOML (``reader config show``)."""
    top: list[str] = []
    tables: dict[str, list[str]] = {}
    for setting in SETTINGS:
        table, _, name = setting.key.rpartition(".")
        value = getattr(config, _attribute(setting.key))
        value = list(value) if isinstance(value, tuple) else value
        (tables.setdefault(table, []) if table else top).append(f"{name} = {_show(value)}")
    out = top[:]
    for table, lines in tables.items():
        out += ["", f"[{table}]", *lines]
    out += ["", "[keys]"]
    out += [f'"{binding}" = "{keys}"' for binding, keys in sorted(config.keys.items())]
    return "\n".join(out) + "\n"
